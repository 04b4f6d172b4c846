/* incident-map web map, source cards: what an event is, when and where, who says so, and the sources'
 * own words.  Built from the texts (the string table and the card columns of geo/webmap/columns.py)
 * with DOM text only.  Consecutive sources that name the same publication are one entry with several
 * excerpts, so an article quoted four times reads as one source.
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;
  var el = IM.el;

  function offsets(counts, width) {
    var start = new Int32Array(counts.length + 1);
    for (var k = 0; k < counts.length; k++) start[k + 1] = start[k] + counts[k] * width;
    return start;
  }

  var utf8 = new TextDecoder("utf-8");

  IM.Texts = function (sliced, layout, cards, sourceWidth) {
    // The texts of every event: str(column, i), items(column, i) (the texts of a flat run).  sliced: the string table
    // (IM.Sliced; its columns in `layout`: {offsets, text}, UTF-8 bytes back to back), its offsets inflated; a text is
    // inflated with its slice by need(), and decoded only when it is asked for.
    var strings = IM.columns(sliced.bytes.buffer, layout);
    this.sliced = sliced;
    this.textStart = layout.filter(function (c) { return c[0] === "text"; })[0][2];
    this.offsets = strings.offsets;
    this.bytes = strings.text;
    this.cards = cards;
    this.sourceWidth = sourceWidth;
    this.starts = {
      actors: offsets(cards.actorCount, 2),
      tags: offsets(cards.tagCount, 1),
      sources: offsets(cards.sourceCount, sourceWidth),
    };
    this.columns = Object.keys(cards).filter(function (name) { return !/Count$/.test(name); });
  };
  IM.Texts.offsetsOf = function (layout) {
    // The bytes [start, end) of the string table's offsets, which IM.Texts needs inflated.
    var c = layout.filter(function (column) { return column[0] === "offsets"; })[0];
    return [c[2], c[2] + 4 * c[3]];
  };
  IM.Texts.prototype.need = function (events, columns) {
    // Promise: the texts of these events (indexes) in these card columns (all of them if not given) inflated.
    var want = this.sliced.wanted(), start = this.textStart, off = this.offsets, self = this;
    (columns || this.columns).forEach(function (column) {
      var codes = self.cards[column], run = self.starts[column];
      events.forEach(function (i) {
        var first = run ? run[i] : i, last = run ? run[i + 1] : i + 1;
        for (var j = first; j < last; j++) {
          var k = codes[j];
          if (off[k + 1] > off[k]) self.sliced.mark(want, start + off[k], start + off[k + 1]);
        }
      });
    });
    return this.sliced.load(want);
  };
  IM.Texts.prototype.text = function (k) {
    return utf8.decode(this.bytes.subarray(this.offsets[k], this.offsets[k + 1]));
  };
  IM.Texts.prototype.eventOf = function (id) {
    // The index of the event whose id is `id`, or -1: bytes compared, nothing decoded (the ids inflated by need()).
    var wanted = new TextEncoder().encode(id), n = wanted.length, off = this.offsets, bytes = this.bytes, ids = this.cards.id;
    for (var i = 0; i < ids.length; i++) {
      var k = ids[i];
      if (off[k + 1] - off[k] !== n) continue;
      var start = off[k], same = true;
      for (var b = 0; b < n && same; b++) same = bytes[start + b] === wanted[b];
      if (same) return i;
    }
    return -1;
  };
  IM.Texts.prototype.str = function (column, i) {
    return this.text(this.cards[column][i]);
  };
  IM.Texts.prototype.items = function (column, i) {
    var start = this.starts[column];
    return Array.from(this.cards[column].subarray(start[i], start[i + 1]), this.text, this);
  };

  function row(list, label, value, notes) {
    if (!value) return;
    list.appendChild(el("dt", null, label));
    var dd = el("dd", null, value);
    (notes || []).forEach(function (note) {
      if (note) dd.appendChild(el("span", "im-note", note));
    });
    list.appendChild(dd);
  }

  function sourceGroups(fields, width) {
    // [{label, url, date, kind, citedBy, excerpts: []}], consecutive equal sources merged.
    var groups = [];
    for (var s = 0; s < fields.length; s += width) {
      var f = fields.slice(s, s + width);
      var last = groups[groups.length - 1];
      if (last && last.label === f[0] && last.url === f[1] && last.date === f[2] && last.kind === f[3] && last.citedBy === f[5]) {
        if (f[4]) last.excerpts.push(f[4]);
        continue;
      }
      groups.push({ label: f[0], url: f[1], date: f[2], kind: f[3], citedBy: f[5], excerpts: f[4] ? [f[4]] : [] });
    }
    return groups;
  }

  function sourceItem(group, phrase) {
    var item = el("li", "im-source");
    var head = el("div", "im-source-head");
    var url = IM.safeUrl(group.url);
    if (url) {
      var link = el("a", null, group.label);
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      head.appendChild(link);
    } else {
      head.appendChild(el("cite", null, group.label));
    }
    var details = [group.date, group.kind, group.citedBy ? "cited by " + group.citedBy : ""];
    if (group.excerpts.length > 1) details.push(phrase("excerpts", group.excerpts.length));
    details = details.filter(Boolean);
    if (details.length) head.appendChild(el("span", "im-note", " \u00b7 " + details.join(" \u00b7 ")));
    item.appendChild(head);
    group.excerpts.forEach(function (excerpt) {
      item.appendChild(el("blockquote", "im-excerpt", "\u201c" + excerpt + "\u201d"));
    });
    return item;
  }

  IM.card = function (T, i, o) {
    // The source card of event i.  o: {colour, context, phrase, titled (false in the panel, where the title is shown)}.
    var node = el("article", "im-card");
    node.setAttribute("data-event-id", T.str("id", i));
    var kicker = el("p", "im-kicker");
    var swatch = el("span", "im-swatch");
    swatch.style.background = o.colour;
    kicker.appendChild(swatch);
    kicker.appendChild(document.createTextNode(T.str("type", i)));
    if (o.context) kicker.appendChild(el("span", "im-badge", o.phrase("context_badge", 1)));
    node.appendChild(kicker);
    if (o.titled !== false) node.appendChild(el("h3", "im-title", T.str("title", i)));

    var list = el("dl", "im-fields");
    row(list, "Date", T.str("date", i), [T.str("dateNote", i)]);
    var reported = T.str("placeReported", i);
    row(list, "Place", T.str("place", i), [reported ? "As reported: \u201c" + reported + "\u201d" : "", T.str("placeNote", i)]);
    var actors = T.items("actors", i);
    if (actors.length) {
      list.appendChild(el("dt", null, "Actors"));
      var dd = el("dd");
      var ul = el("ul", "im-actors");
      for (var a = 0; a < actors.length; a += 2) {
        var li = el("li");
        li.appendChild(el("span", "im-actor", actors[a]));
        if (actors[a + 1]) li.appendChild(el("span", "im-note", " \u2014 " + actors[a + 1]));
        ul.appendChild(li);
      }
      dd.appendChild(ul);
      list.appendChild(dd);
    }
    row(list, "Fatalities", T.str("fatalities", i));
    row(list, "Claim", T.str("claim", i));
    row(list, "Status", T.str("verification", i));
    node.appendChild(list);
    if (T.str("description", i)) node.appendChild(el("p", "im-description", T.str("description", i)));

    var groups = sourceGroups(T.items("sources", i), T.sourceWidth);
    node.appendChild(el("h4", null, o.phrase("sources", groups.length)));
    var ol = el("ol", "im-sources");
    groups.forEach(function (group) { ol.appendChild(sourceItem(group, o.phrase)); });
    node.appendChild(ol);
    var tags = T.items("tags", i);
    if (tags.length) node.appendChild(el("p", "im-tags", "Tags: " + tags.join(", ")));
    return node;
  };

  IM.tooltip = function (T, hits, o) {
    // A hover's few words: the first event's title and date, and how many more are here.
    var node = el("div", "im-tip");
    var i = hits[0];
    node.appendChild(el("strong", null, T.str("title", i)));
    node.appendChild(el("div", "im-note", T.str("date", i) + (o.isContext(i) ? " \u00b7 " + o.phrase("context_badge", 1) : "")));
    if (hits.length > 1) node.appendChild(el("div", "im-note", o.phrase("more_at_spot", hits.length - 1)));
    return node;
  };
})();
