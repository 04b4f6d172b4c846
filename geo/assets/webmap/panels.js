/* incident-map web map, what surrounds the map: the page layout (header, the map, the panel of events
 * not on the map, the attribution), the legend, and a message when nothing shown has a map point.
 * Every text is set with textContent.
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;
  var el = IM.el;

  IM.layout = function (map, o) {
    // Moves the map's container into a page: header above, panel beside, footer below (each only if asked).
    var container = map.getContainer();
    var page = el("div", "im-page");
    container.parentNode.insertBefore(page, container);
    var header = el("header", "im-header");
    ["h1#im-title", "p#im-filter", "p#im-counts"].forEach(function (spec) {
      var parts = spec.split("#"), node = el(parts[0]);
      node.id = parts[1];
      header.appendChild(node);
    });
    var body = el("div", "im-body");
    var panel = el("aside");
    panel.id = "im-unmapped";
    panel.setAttribute("aria-label", "Events not on the map");
    var below = el("div", "im-below");
    var footer = el("footer");
    footer.id = "im-attribution";
    page.appendChild(header);
    page.appendChild(body);
    body.appendChild(container);
    body.appendChild(panel);
    page.appendChild(below);
    page.appendChild(footer);
    container.style.height = "auto";
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", "Map of the events that have a map point");
    header.hidden = footer.hidden = !o.header;
    panel.hidden = !o.panel;
    page.classList.toggle("im-bare", !o.header);
    map.invalidateSize();
    return { page: page, panel: panel, below: below };
  };

  IM.setHeader = function (texts) {
    if (texts.title) document.title = texts.title;
    [["im-title", texts.title], ["im-filter", texts.filter], ["im-counts", texts.counts], ["im-attribution", texts.attribution]]
      .forEach(function (pair) {
        var node = document.getElementById(pair[0]);
        if (node && pair[1] !== undefined) node.textContent = pair[1];
      });
  };

  IM.Legend = L.Control.extend({
    options: { position: "bottomleft" },
    initialize: function (title, options) {
      L.setOptions(this, options);
      this.list = el("ul");
      this.title = title;
    },
    onAdd: function () {
      var box = el("div", "im-legend leaflet-control");
      var details = el("details");
      details.open = true;
      details.appendChild(el("summary", null, this.title));
      details.appendChild(this.list);
      box.appendChild(details);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
    fill: function (rows) {
      // rows: [[swatch element, text], ...]
      var list = this.list;
      list.textContent = "";
      rows.forEach(function (r) {
        var li = el("li");
        li.appendChild(r[0]);
        li.appendChild(document.createTextNode(r[1]));
        list.appendChild(li);
      });
    },
  });

  var Message = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () { return el("div", "im-message leaflet-control", this.options.text); },
  });

  IM.Messages = function (map) {
    this.map = map;
    this.control = null;
  };
  IM.Messages.prototype.say = function (text) {
    if (this.control) this.control.remove();
    this.control = text ? new Message({ text: text }).addTo(this.map) : null;
  };

  IM.UnmappedPanel = function (node, o) {
    // o: {phrase, ready(), load(ids) (Promise: their texts inflated), id(i), title(i), date(i), reported(i), place(i),
    // card(i) (Promise of the card)}; the items are added once the texts are read, a page at a time.
    this.node = node;
    this.o = o;
    this.ids = [];
    this.shownCount = 0;
    this.filled = 0; // which fill() the items being added belong to
    this.added = Promise.resolve(); // the pages asked for, added in turn
    this.heading = el("h2");
    this.note = el("p", "im-note");
    this.list = el("ol", "im-unmapped-list");
    this.more = el("button", "im-link im-more");
    this.more.type = "button";
    var self = this;
    this.more.addEventListener("click", function () { self.showMore(); });
    node.textContent = "";
    [this.heading, this.note, this.list, this.more].forEach(function (child) { node.appendChild(child); });
  };
  IM.UnmappedPanel.PAGE = 200;

  IM.UnmappedPanel.prototype.fill = function (ids, total) {
    // ids: the events shown that have no map point; total: how many events are shown in all.  A Promise: the first
    // page of items added.
    var phrase = this.o.phrase;
    this.ids = ids;
    this.filled++;
    this.heading.textContent = phrase("not_on_map", ids.length);
    this.note.textContent = ids.length ? phrase("unmapped_note", ids.length) : total ? phrase("all_mapped", total) : phrase("no_events", 0);
    this.list.textContent = "";
    this.shownCount = 0;
    this.more.hidden = true;
    this.node.classList.toggle("im-empty", !ids.length);
    return this.o.ready() ? this.showMore() : this.added;
  };

  IM.UnmappedPanel.prototype.showMore = function () {
    // Add the next page of items once their texts are read; a Promise of it.
    var self = this, filled = this.filled, page = this.ids.slice(this.shownCount, this.shownCount + IM.UnmappedPanel.PAGE);
    this.shownCount += page.length;
    this.more.hidden = true;
    var before = this.added.catch(function () {}); // a page that could not be read does not hold up the next
    this.added = before.then(function () { return self.o.load(page); }).then(function () {
      if (filled !== self.filled) return; // filled again meanwhile
      page.forEach(function (i) { self.list.appendChild(self._item(i)); });
      self.more.hidden = self.shownCount >= self.ids.length;
      self.more.textContent = self.o.phrase("show_more", Math.min(IM.UnmappedPanel.PAGE, self.ids.length - self.shownCount));
    });
    return this.added;
  };

  IM.UnmappedPanel.prototype._item = function (i) {
    var o = this.o, item = el("li"), details = el("details"), summary = el("summary");
    details.setAttribute("data-event-id", o.id(i));
    summary.appendChild(el("span", "im-item-title", o.title(i)));
    summary.appendChild(el("span", "im-note", o.date(i)));
    var reported = o.reported(i);
    summary.appendChild(el("span", "im-note im-why", reported ? "Place as reported: \u201c" + reported + "\u201d; no map point" : o.place(i)));
    details.appendChild(summary);
    details.addEventListener("toggle", function () { if (details.open) withCard(details, o, i); });
    item.appendChild(details);
    return item;
  };

  function withCard(details, o, i) {
    // Add event i's card to its item, once.
    if (details.imCard) return details.imCard;
    details.imCard = o.card(i).then(function (card) { details.appendChild(card); });
    return details.imCard;
  }

  IM.UnmappedPanel.prototype.open = function (i) {
    // Open event i's item, with its card, and bring it into view; false if it is not in the panel.
    var position = this.ids.indexOf(i), self = this, filled = this.filled;
    if (position < 0) return false;
    while (this.shownCount <= position) this.showMore();
    this.added.then(function () {
      if (filled !== self.filled) return;
      var details = self.list.children[position].firstChild;
      details.open = true;
      return withCard(details, self.o, i).then(function () { details.scrollIntoView({ block: "nearest" }); });
    });
    return true;
  };
})();
