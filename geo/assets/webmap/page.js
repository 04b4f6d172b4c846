/* incident-map web map, the page: starts the renderer on a Leaflet map (folium's own) from the data an
 * EventLayer (geo/webmap/layer.py) wrote, or that the app's component (webmap/streamlit.js) received.
 *
 * start({map, meta, points (Promise of the points columns' ArrayBuffer), texts (a function returning a
 * Promise of {cards: their ArrayBuffer, strings: the string table's gzip bytes, inflated a slice at a time as
 * texts are shown}), topology, layers, mask, onPick, onSelect}) draws the basemap and every point at once, then
 * reads the texts (cards, the panel of unmapped events) without holding the map up.
 * window.incidentMap is the hook tests and the app use: drawn, ready, counts, pointOf(id),
 * eventIdsAt(x, y), openEvent(id), shownIds(), textsOf(id), showOnly(mask, texts), timeline, destroy().
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;
  var el = IM.el;
  var HEADLINE = ["title", "date"]; // the texts of an event in a list of several, or a hover's tooltip
  var PANEL_TEXTS = ["id", "title", "date", "placeReported", "place"];

  function start(source) {
    var map = source.map, meta = source.meta, phrase = IM.phrases(meta.phrases);
    fixMiniMaps(source.topology);
    var page = IM.layout(map, { header: meta.header, panel: meta.panel });
    IM.setHeader(meta);
    var hook = (window.incidentMap = { drawn: false, ready: false, map: map, eventCount: meta.count });
    var drawn = source.points.then(function (buffer) {
      var P = IM.columns(buffer, meta.layout.points);
      var release = IM.holdCanvases(); // the layers draw once, at the first view, not at folium's and then at it
      try {
        return draw(P);
      } finally {
        release();
      }
    });
    drawn.catch(function (error) { IM.setHeader({ counts: "The map could not be drawn: " + error }); });
    return hook;

    function draw(P) {
      var N = P.lat.length, T = null, textsRead = null;
      var colours = meta.categories.map(function (c) { return c[1]; });
      var basemap = source.topology ? new IM.Basemap(map, source.topology, source.layers || {}) : null;
      if (meta.minimap && L.Control.MiniMap && source.topology) {
        var overview = new L.Control.MiniMap(IM.landLayer(source.topology), {
          position: "bottomright", toggleDisplay: true, width: 150, height: 120, zoomLevelOffset: -5,
          strings: { hideText: "Hide the overview map", showText: "Show the overview map" },
        });
        overview.addTo(map);
        overview._miniMap.on("click", function (e) { map.panTo(e.latlng); });
      }
      if (meta.disputed) IM.boundaryLines(map, meta.disputed, (source.layers || {}).claim_lines || { features: [] });
      var points = new IM.PointLayer(map, {
        lat: P.lat, lon: P.lon, category: P.category, flags: P.flags, missing: meta.missing, colours: colours,
      });
      var base = new Uint8Array(N).fill(1); // the events the filter (the app's, or all) shows
      var shown = base; // ...and of those, the ones the time selection keeps
      var legend = new IM.Legend(meta.legendTitle).addTo(map);
      var messages = new IM.Messages(map);
      L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
      var panel = new IM.UnmappedPanel(page.panel, {
        phrase: phrase,
        ready: function () { return T !== null; },
        load: function (ids) { return T.need(ids, PANEL_TEXTS); },
        id: function (i) { return T.str("id", i); },
        title: function (i) { return T.str("title", i); },
        date: function (i) { return T.str("date", i); },
        reported: function (i) { return T.str("placeReported", i); },
        place: function (i) { return T.str("place", i); },
        card: function (i) { return T.need([i]).then(function () { return cardOf(i, false); }); },
      });
      var focus = null;
      var labels = new IM.Labels(map, {
        points: points, places: meta.places, place: P.place, towns: meta.towns || [],
        areas: (source.layers || {}).admin1_labels || { features: [] }, lines: meta.disputed || { features: [] },
        focus: null,
      });
      var heat = meta.heat && L.heatLayer ? L.heatLayer([], { radius: 18, blur: 15, minOpacity: 0.25 }) : null;
      var shading = P.area && meta.areas && meta.areas.features.length ? new IM.AreaShading(map, meta.areas, phrase, meta.shades) : null;
      var overlays = {};
      if (heat) overlays["Density of events (heat)"] = heat;
      if (shading) overlays["Events per province or state (shaded)"] = shading.layer;
      if (heat || shading) {
        L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
        map.on("overlayadd", function (e) {
          if (e.layer === heat) fillHeat();
          if (shading && e.layer === shading.layer) fillShading();
        });
        map.on("overlayremove", function (e) { if (shading && e.layer === shading.layer) fillLegend(); });
      }

      function cardOf(i, titled) {
        return IM.card(T, i, { colour: colours[P.category[i]], context: P.flags[i] & 1, phrase: phrase, titled: titled });
      }

      function texts() {
        if (!textsRead) {
          // The card columns, the string table's offsets and the events' ids (for the hook and the app) first; any other
          // text is inflated with its slice when it is shown.
          textsRead = source.texts().then(function (t) {
            var sliced = new IM.Sliced(t.strings, meta.stringSlices), offsets = IM.Texts.offsetsOf(meta.layout.strings);
            return sliced.load(sliced.mark(sliced.wanted(), offsets[0], offsets[1])).then(function () {
              T = new IM.Texts(sliced, meta.layout.strings, IM.columns(t.cards, meta.layout.cards), meta.sourceWidth);
              return T.need(Array.from({ length: N }, function (_, i) { return i; }), ["id"]);
            });
          }).then(function () {
            return panel.fill(panel.ids, shownCount()).catch(panelUnreadable); // the cards may still be read
          }).then(function () {
            requestAnimationFrame(function () {
              hook.ready = true;
              document.documentElement.setAttribute("data-map-ready", "true");
            });
            return T;
          });
          textsRead.catch(panelUnreadable);
        }
        return textsRead;
      }

      function panelUnreadable(error) {
        page.panel.appendChild(el("p", "im-message", phrase("unreadable", 2) + " " + error));
      }

      function shownCount() {
        var n = 0;
        for (var i = 0; i < N; i++) n += shown[i];
        return n;
      }

      function refresh() {
        // Redraw for the events shown now: the legend, panel and message first (so the labels placed with the points
        // keep clear of the legend as it now is), then the points with their labels, and the density.
        var unmapped = [], onMap = meta.categories.map(function () { return 0; }), mappedCount = 0, context = false;
        for (var i = 0; i < N; i++) {
          if (!shown[i]) continue;
          if (P.flags[i] & 1) context = true;
          if (!points.mapped[i]) { unmapped.push(i); continue; }
          mappedCount++;
          onMap[P.category[i]]++;
        }
        legendRows = [];
        meta.categories.forEach(function (c, k) {
          if (!onMap[k]) return;
          var dot = el("span", "im-swatch");
          dot.style.background = c[1];
          legendRows.push([dot, c[0] + " (" + IM.number(onMap[k]) + ")"]);
        });
        if (context) legendRows.push([el("span", "im-swatch im-swatch-context"), phrase("legend_context", 1)]);
        if (mappedCount > 1) legendRows.push([el("span", "im-stack"), phrase("legend_stack", 2)]);
        if (meta.disputed && meta.disputed.features.length) legendRows.push([el("span", "im-dash"), phrase("legend_disputed", 1)]);
        if (shading && map.hasLayer(shading.layer)) fillShading();
        else fillLegend();
        var total = mappedCount + unmapped.length;
        panel.fill(unmapped, total);
        messages.say(mappedCount ? "" : total ? phrase("none_mapped", total) : phrase("no_events", 0));
        points.show(shown);
        hook.eventCount = total;
        hook.mappedCount = mappedCount;
        hook.unmappedCount = unmapped.length;
        if (heat && map.hasLayer(heat)) fillHeat();
      }

      var legendRows = [];

      function fillLegend(extra) {
        legend.fill(legendRows.concat(extra || []));
      }

      function fillShading() {
        // Shade each area by the events shown whose map point lies in it, and say what the shades count.
        var counts = new Int32Array(shading.slots);
        for (var i = 0; i < N; i++) if (shown[i] && points.mapped[i] && P.area[i]) counts[P.area[i]]++;
        fillLegend(shading.fill(counts));
      }

      function fillHeat() {
        var latlngs = [];
        for (var i = 0; i < N; i++) if (shown[i] && points.mapped[i]) latlngs.push([P.lat[i] / 1e6, P.lon[i] / 1e6]);
        heat.setLatLngs(latlngs);
      }

      function extent(onlyReported) {
        // The bounds of the mapped events shown (reported incidents only, when asked and there are any).
        var bounds = null;
        for (var i = 0; i < N; i++) {
          if (!shown[i] || !points.mapped[i] || (onlyReported && P.flags[i] & 1)) continue;
          var ll = [P.lat[i] / 1e6, P.lon[i] / 1e6];
          if (bounds) bounds.extend(ll);
          else bounds = L.latLngBounds(ll, ll);
        }
        return bounds;
      }

      function frame() {
        // The first view: the stored one, else the events that matter (context events are drawn but not fitted).
        var stored = storedView();
        if (stored) return map.setView([stored.lat, stored.lng], stored.zoom, { animate: false });
        var bounds = extent(true) || extent(false);
        if (!bounds) return map.setView([25, 45], 2, { animate: false });
        if (bounds.getNorth() === bounds.getSouth() && bounds.getEast() === bounds.getWest()) return map.setView(bounds.getCenter(), 9, { animate: false });
        map.fitBounds(bounds, { padding: [40, 40], maxZoom: 10, animate: false });
      }

      function storedView() {
        // The view kept under meta.persistKey: in sessionStorage, else in this page's address (after the "#").
        if (!meta.persistKey) return null;
        var text = null;
        try {
          text = window.sessionStorage.getItem(meta.persistKey);
        } catch (e) {
          /* storage off (a private window, or a frame from another site there): the address may have the view */
        }
        var view = null;
        try {
          view = JSON.parse(text || new URLSearchParams(window.location.hash.slice(1)).get(meta.persistKey) || "null");
        } catch (e) {
          return null; // not a view we wrote: start from the events
        }
        return view && isFinite(view.lat) && isFinite(view.lng) && isFinite(view.zoom) ? view : null;
      }

      function saveView() {
        // Keep the view in sessionStorage; where storage is off, in the page's address, which a reload keeps.
        if (!meta.persistKey) return;
        var c = map.getCenter(), text = JSON.stringify({ lat: c.lat, lng: c.lng, zoom: map.getZoom() });
        try {
          window.sessionStorage.setItem(meta.persistKey, text);
        } catch (e) {
          var address = new URLSearchParams(window.location.hash.slice(1));
          address.set(meta.persistKey, text);
          try {
            window.history.replaceState(window.history.state, "", "#" + address.toString());
          } catch (e2) {
            /* neither (a sandboxed frame): the view is simply not kept */
          }
        }
      }

      // --- popups and tooltips ---------------------------------------------------------

      var LIST_LIMIT = 50;
      var popup = L.popup({ maxWidth: 400, minWidth: 280, maxHeight: 440, autoPan: false, className: "im-popup" });
      var tooltip = L.tooltip({ direction: "top", offset: [0, -8], className: "im-tooltip", opacity: 0.96 });
      var popupFirst = -1;
      popup.on("remove", function () { popupFirst = -1; });

      function showInPopup(content) {
        // Put `content` in the open popup and move the map at once, if need be, so that the whole popup is in view
        // (24 px inside the map's edges, its top and left first).  Leaflet's own autoPan animates the move: a reader
        // reaching for the list's buttons would find them still moving.
        popup.setContent(content);
        var box = popup.getElement().getBoundingClientRect(), frame = map.getContainer().getBoundingClientRect(), pad = 24;
        var dx = Math.min(0, box.left - pad - frame.left) || Math.max(0, box.right + pad - frame.right);
        var dy = Math.min(0, box.top - pad - frame.top) || Math.max(0, box.bottom + pad - frame.bottom);
        if (dx || dy) map.panBy([dx, dy], { animate: false });
      }

      function inPopup(button, replaceContent) {
        // A button that replaces the popup's content: its click must not reach the map, which (the button
        // being out of the page by then) would take it for a click on the map and close the popup.
        button.addEventListener("click", function (e) {
          L.DomEvent.stopPropagation(e);
          replaceContent();
        });
      }

      function listContent(hits) {
        var node = el("div", "im-list");
        node.appendChild(el("h3", "im-title", phrase("at_spot", hits.length)));
        var ol = el("ol");
        hits.slice(0, LIST_LIMIT).forEach(function (i) {
          var li = el("li");
          var button = el("button", "im-link", T.str("title", i));
          button.type = "button";
          inPopup(button, function () {
            T.need([i]).then(function () {
              if (!map.hasLayer(popup) || popupFirst !== hits[0]) return;
              var content = el("div");
              var back = el("button", "im-link im-back", phrase("back_to_spot", hits.length));
              back.type = "button";
              inPopup(back, function () { showInPopup(listContent(hits)); });
              content.appendChild(back);
              content.appendChild(cardOf(i));
              showInPopup(content);
              pick(i);
            }).catch(unreadable(hits[0]));
          });
          li.appendChild(button);
          li.appendChild(el("span", "im-note", " " + T.str("date", i) + (P.flags[i] & 1 ? " \u00b7 " + phrase("context_badge", 1) : "")));
          ol.appendChild(li);
        });
        node.appendChild(ol);
        if (hits.length > LIST_LIMIT) node.appendChild(el("p", "im-note", phrase("more_than_listed", hits.length - LIST_LIMIT)));
        return node;
      }

      function pick(i) {
        if (source.onPick) source.onPick(T.str("id", i));
      }

      function openHits(hits) {
        map.closeTooltip(tooltip);
        popupFirst = hits[0];
        popup.setLatLng(points.latLng(hits[0])).openOn(map);
        showInPopup(el("p", "im-note", "\u2026"));
        texts().then(function () {
          return hits.length === 1 ? T.need(hits) : T.need(hits.slice(0, LIST_LIMIT), HEADLINE);
        }).then(function () {
          if (!map.hasLayer(popup) || popupFirst !== hits[0]) return;
          showInPopup(hits.length === 1 ? cardOf(hits[0]) : listContent(hits));
          if (hits.length === 1) pick(hits[0]);
        }).catch(unreadable(hits[0]));
      }

      function unreadable(first) {
        // Say in the popup (if it still shows the spot of event `first`) that its texts could not be read.
        return function (error) {
          if (map.hasLayer(popup) && popupFirst === first) showInPopup(el("p", "im-message", phrase("unreadable", 1) + " " + error));
        };
      }

      function hitsAt(containerPoint) {
        var stack = points.stackAt(containerPoint);
        return stack < 0 ? [] : points.members(stack);
      }

      map.on("click", function (e) {
        var hits = hitsAt(e.containerPoint);
        if (hits.length) openHits(hits);
      });
      var pendingMove = null, hovered = -1;
      map.on("mousemove", function (e) {
        if (pendingMove) { pendingMove = e; return; }
        pendingMove = e;
        requestAnimationFrame(function () {
          var stack = (hovered = points.stackAt(pendingMove.containerPoint));
          pendingMove = null;
          map.getContainer().classList.toggle("im-hover", stack >= 0);
          if (stack < 0 || !T) { map.closeTooltip(tooltip); return; }
          var hits = points.members(stack);
          if (hits[0] === popupFirst) { map.closeTooltip(tooltip); return; }
          T.need([hits[0]], HEADLINE).then(function () {
            if (hovered !== stack || hits[0] === popupFirst) return; // the pointer moved on meanwhile
            tooltip.setLatLng(points.latLng(hits[0])).setContent(IM.tooltip(T, hits, { phrase: phrase, isContext: points.isContext.bind(points) }));
            if (!map.hasLayer(tooltip)) map.openTooltip(tooltip);
          });
        });
      });
      map.on("mouseout zoomstart", function () {
        hovered = -1;
        map.closeTooltip(tooltip);
      });

      // --- the time selection ----------------------------------------------------------

      var timeline = null;
      if (meta.timeline && meta.periods) {
        timeline = new IM.Timeline(page.below, {
          dayMin: P.dayMin, dayMax: P.dayMax, missing: meta.missing, periods: meta.periods, defaultStep: meta.defaultStep, phrase: phrase,
          base: function () { return base; },
          apply: function (mask) { shown = mask; refresh(); },
          onSelect: source.onSelect,
        });
      }

      // --- the hook ------------------------------------------------------------------

      function indexOf(id) {
        var i = T ? T.eventOf(id) : -1;
        return i >= 0 && shown[i] ? i : -1;
      }

      function showOnly(mask, texts) {
        // Show the events whose bit is set in mask (one bit each, little-endian in each byte), under the timeline's
        // selection (applied here, once); texts, when given, replace the header's.  The view stays where it is.
        if (texts) IM.setHeader(texts);
        var next = new Uint8Array(N);
        for (var i = 0; i < N; i++) next[i] = IM.bitSet(mask, i);
        base = next;
        map.closePopup();
        map.closeTooltip(tooltip);
        if (timeline) { timeline.draw(); timeline.apply(); } // the histogram first: a cheap canvas, before the points
        else { shown = base; refresh(); }
      }

      focus = extent(true) || extent(false);
      labels.o.focus = focus ? focus.pad(0.5) : null;
      map.invalidateSize({ pan: false }); // the header's texts and the timeline took room from the map
      frame();
      if (source.mask) showOnly(source.mask);
      else refresh();
      map.on("moveend", saveView);
      hook.countryCount = basemap ? basemap.countryCount : 0;
      hook.points = points;
      hook.labels = labels;
      hook.timeline = timeline;
      hook.heat = heat;
      hook.markerCount = function () { return points.drawnCount; };
      hook.stackCount = function () { return points.stacks.x.length; };
      hook.pointOf = function (id) {
        var i = indexOf(id);
        if (i < 0 || !points.mapped[i]) return null;
        var p = points.containerPoint(i);
        return [p.x, p.y];
      };
      hook.eventIdsAt = function (x, y) {
        return hitsAt(L.point(x, y)).map(function (i) { return T.str("id", i); });
      };
      hook.openEvent = function (id) {
        var i = indexOf(id);
        if (i < 0) return false;
        if (points.mapped[i]) openHits([i]);
        else panel.open(i);
        return true;
      };
      hook.shownIds = function () {
        // The ids of the events shown now, in their order (once the texts are read).
        var ids = [];
        for (var i = 0; i < N; i++) if (shown[i]) ids.push(T.str("id", i));
        return ids;
      };
      hook.textsOf = function (id) {
        // Promise: every text of event `id`'s card as the page reads it ({column: text, or the texts of a run}), or null.
        var i = T ? T.eventOf(id) : -1;
        if (i < 0) return Promise.resolve(null);
        return T.need([i]).then(function () {
          var texts = {};
          T.columns.forEach(function (column) { texts[column] = T.starts[column] ? T.items(column, i) : T.str(column, i); });
          return texts;
        });
      };
      hook.showOnly = showOnly;
      hook.destroy = function () { map.remove(); };
      requestAnimationFrame(function () {
        hook.drawn = true;
        texts();
      });
      return hook;
    }
  }

  function startFromPage(map, name) {
    // Start on a map written by an EventLayer named `name`: its blocks are already in the page.
    var meta = IM.readJson(name + "-meta");
    var strings = null;
    return start({
      map: map,
      meta: meta,
      topology: meta.basemap ? IM.readJson("im-basemap") : null,
      layers: meta.layers,
      points: IM.readBlock(name + "-points"),
      texts: function () {
        if (!strings) {
          strings = IM.readBlock(name + "-cards").then(function (cards) {
            return { cards: cards, strings: IM.blockBytes(name + "-strings") };
          });
        }
        return strings;
      },
    });
  }

  function fixMiniMaps(topology) {
    // Every leaflet-minimap on the page, ours or one a user added (folium.plugins.MiniMap):
    // - on a map drawn offline, an overview given online tiles (folium's default is OpenStreetMap) shows
    //   the shipped land instead of asking a tile server; a map made with online tiles keeps them;
    // - leaflet-minimap takes every move of the overview it did not start for the reader's and moves the
    //   main map to it, so two quick moves of the main map (a fit, then a reader's setView) undid the second
    //   and left its drag shadow drawn.  Here only a move the reader makes on the overview (drag, wheel,
    //   double click, touch) moves the main map.
    var MiniMap = L.Control.MiniMap;
    if (!MiniMap || MiniMap.prototype.imFixed) return;
    var proto = MiniMap.prototype, original = L.extend({}, proto);
    proto.imFixed = true;
    proto.initialize = function (layer, options) {
      if (topology && layer instanceof L.TileLayer && /^(https?:)?\/\//.test(layer._url)) layer = IM.landLayer(topology);
      return original.initialize.call(this, layer, options);
    };
    proto.onAdd = function (map) {
      var container = original.onAdd.call(this, map), self = this;
      ["mousedown", "wheel", "dblclick", "touchstart"].forEach(function (type) {
        L.DomEvent.on(container, type, function () { self.imByReader = true; });
      });
      return container;
    };
    proto._onMainMapMoved = function (e) {
      if (!this._miniMapMoving) this.imByReader = false; // a move of the main map's own ends any reader's move here
      return original._onMainMapMoved.call(this, e);
    };
    proto._onMiniMapMoving = function (e) {
      if (this.imByReader) original._onMiniMapMoving.call(this, e);
    };
    proto._onMiniMapMoved = function (e) {
      this._mainMapMoving = false;
      if (!this.imByReader) return; // the overview following the main map
      this.imByReader = false;
      return original._onMiniMapMoved.call(this, e);
    };
  }

  window.IncidentMapPage = { start: start, startFromPage: startFromPage };
})();
