/* incident-map web map as a Streamlit component (API version 1), for the app.
 *
 * Runs on the component page (geo/webmap/component.py), a folium map with our renderer; attach(map)
 * speaks the component protocol by postMessage: "streamlit:componentReady" once, then each
 * "streamlit:render" brings args {revision, payload, mask, dates, height}:
 *   - payload: the names of the files, beside this page, of all events of one store revision (geo/webmap/component.py
 *     payload(): meta, points, cards, strings and topology, each gzip bytes, in one blob; publish() writes it in
 *     pieces), sent by the app once per revision (and again when the page asks); the page fetches the pieces one after
 *     another and joins them; a page that has drawn another
 *     revision reloads itself to take the new one, and takes the one it has drawn again as a mask only;
 *   - mask: which of them the app's filter shows, its dates aside (one bit each, as base64 text);
 *   - dates: the filter's date range as [first day, last day, label], days since 1970-01-01 (null where open), or null:
 *     the timeline applies it with the date rule, so the page counts the undated events it leaves out;
 *   - screenshot: true to show the map alone (no list of unmapped events, no timeline);
 *   - area: the filter's circle ({near: [lat, lon, km]}) or polygon ({within: GeoJSON geometry}), or null: outlined.
 * The page reports {drawn: 0 or 1, asks: count, pick: event id, picks: count, range: [first, last] or null,
 * ranges: count, area: as above or null, areas: count} with "streamlit:setComponentValue" when it is sent no payload
 * for a revision it has not drawn (a new frame, or a reload: it asks for the events), when it has first drawn its
 * events and read their texts and the reader has had QUIET_MS with it or has opened a card, or at once when it failed
 * to draw them (the app builds the rest of its page only then), when the reader opens an event's card, selects (or
 * clears) a period on the timeline, or draws (or deletes) an area with the draw tools (folium's Draw plugin; one area
 * at a time).  Loading a later revision is not reported: the app need not run again for it.  It never builds HTML from
 * the data.
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;

  var PARTS = ["meta", "points", "cards", "strings", "topology"]; // geo/webmap/component.py PAYLOAD_PARTS
  var QUIET_MS = 1000;
  // How long the reader has the drawn map to themselves before the app builds the rest of its page (its widgets and
  // table take the browser's and the server's cores for a second or more, and a click on the map meanwhile waits);
  // opening a card ends it at once.

  function attach(map, drawn) {
    var page = null, loaded = null, drawnOnce = 0, asks = 0, pick = null, picks = 0, range = null, ranges = 0, area = null, areas = 0;
    var reported = null, followed = null, quiet = null;
    var shown = "null"; // the area outlined now, as JSON
    var queue = Promise.resolve();

    function send(type, fields) {
      var message = { isStreamlitMessage: true, type: "streamlit:" + type };
      Object.keys(fields || {}).forEach(function (name) { message[name] = fields[name]; });
      window.parent.postMessage(message, "*");
    }

    function report() {
      var value = { drawn: drawnOnce, asks: asks, pick: pick, picks: picks, range: range, ranges: ranges, area: area, areas: areas };
      var text = JSON.stringify(value);
      if (text === reported) return;
      reported = text;
      send("setComponentValue", { value: value, dataType: "json" });
    }

    function bytes(value) {
      return value instanceof Uint8Array ? value : new Uint8Array(value);
    }

    function parts(blob) {
      // The payload's parts: their byte lengths (uint32, little-endian), then the parts, in PARTS order.
      var b = bytes(blob), view = new DataView(b.buffer, b.byteOffset, b.byteLength), out = {}, offset = 4 * PARTS.length;
      PARTS.forEach(function (name, k) {
        var length = view.getUint32(4 * k, true);
        out[name] = b.subarray(offset, offset + length);
        offset += length;
      });
      return out;
    }

    function fetched(names) {
      // The payload's files, one after another (the server holds the file it sends in memory), joined.
      var pieces = [];
      return names.reduce(function (done, name) {
        return done.then(function () { return fetch(name); }).then(function (response) {
          if (!response.ok) throw new Error("the events could not be fetched (" + response.status + ")");
          return response.arrayBuffer();
        }).then(function (piece) { pieces.push(new Uint8Array(piece)); });
      }, Promise.resolve()).then(function () {
        var blob = new Uint8Array(pieces.reduce(function (size, piece) { return size + piece.length; }, 0)), offset = 0;
        pieces.forEach(function (piece) { blob.set(piece, offset); offset += piece.length; });
        return blob;
      });
    }

    function load(args) {
      return fetched(args.payload).then(function (blob) { return draw(args, parts(blob)); });
    }

    function draw(args, p) {
      return Promise.all([IM.gunzip(bytes(p.meta)), IM.gunzip(bytes(p.topology))]).then(function (parts) {
        var meta = IM.utf8Json(parts[0]);
        var texts = null;
        page = window.IncidentMapPage.start({
          map: map,
          meta: meta,
          topology: IM.utf8Json(parts[1]),
          layers: meta.layers,
          points: IM.gunzip(bytes(p.points)),
          texts: function () {
            if (!texts) {
              texts = IM.gunzip(bytes(p.cards)).then(function (cards) {
                return { cards: cards, strings: bytes(p.strings) };
              });
            }
            return texts;
          },
          mask: IM.base64Bytes(args.mask),
          onPick: function (id) { pick = id; picks++; settled(0); },
          onSelect: function (selected) { range = selected ? [selected[0], selected[1]] : null; ranges++; report(); },
        });
        loaded = args.revision;
        return until("drawn").then(function () {
          follow(args);
          until("ready").then(function () { settled(QUIET_MS); });
        });
      });
    }

    function settled(wait) {
      // The map is drawn and its cards can open, or it failed: the app may build the rest of its page, `wait` ms from
      // now (QUIET_MS) or at once (0: a card opened, or the map failed); reported with any change the reader made.
      clearTimeout(quiet);
      if (drawnOnce || !wait) {
        drawnOnce = 1;
        report();
      } else quiet = setTimeout(function () { settled(0); }, wait);
    }

    function until(state) {
      // A promise kept once the page is `state` ("drawn": every point; "ready": their texts read too).
      return new Promise(function (resolve) {
        (function wait() { if (page[state]) resolve(); else requestAnimationFrame(wait); })();
      });
    }

    function follow(args) {
      // The app's filter (which events, and the date range on the timeline), and whether the map stands alone; not
      // applied again when it is what the page shows (a rerun that changed no filter, or that only stopped sending the
      // payload's name), which would redraw the points and close the card the reader has open.
      var view = JSON.stringify([args.screenshot, args.area, args.dates, args.mask]);
      if (view === followed) return;
      followed = view;
      var bare = Boolean(args.screenshot);
      if (document.body.classList.contains("im-screenshot") !== bare) {
        document.body.classList.toggle("im-screenshot", bare);
        map.invalidateSize();
      }
      outline(args.area);
      if (page.timeline) { // the dates chosen first, so that the mask and the dates are applied once, together
        var d = args.dates;
        if (!d) page.timeline.choose(null);
        else page.timeline.choose(d[0] === null ? -2147483647 : d[0], d[1] === null ? 2147483647 : d[1], d[2]);
      }
      page.showOnly(IM.base64Bytes(args.mask));
    }

    function areaOf(layer) {
      // A drawn circle as {near: [lat, lon, km]}, a rectangle or polygon as {within: its GeoJSON geometry}.
      if (layer instanceof L.Circle) {
        var c = layer.getLatLng();
        return { near: [c.lat, c.lng, layer.getRadius() / 1000] };
      }
      return { within: layer.toGeoJSON().geometry };
    }

    function outline(wanted) {
      // Show the filter's area (from the app) unless it is what is drawn already.
      var text = JSON.stringify(wanted || null);
      if (text === shown) return;
      shown = text;
      drawn.clearLayers();
      if (!wanted) return;
      if (wanted.near) drawn.addLayer(L.circle([wanted.near[0], wanted.near[1]], { radius: wanted.near[2] * 1000 }));
      else L.geoJSON(wanted.within).eachLayer(function (layer) { drawn.addLayer(layer); });
    }

    map.on("draw:created", function (e) {
      drawn.eachLayer(function (layer) { if (layer !== e.layer) drawn.removeLayer(layer); }); // one area at a time
      area = areaOf(e.layer);
      shown = JSON.stringify(area);
      areas++;
      report();
    });
    map.on("draw:deleted", function () {
      if (drawn.getLayers().length) return;
      area = null;
      shown = "null";
      areas++;
      report();
    });

    function render(args) {
      send("setFrameHeight", { height: args.height });
      if (args.payload && !(page && loaded === args.revision)) { // Streamlit may pass the same arguments on again
        if (page) { window.location.reload(); return null; } // another revision: start afresh
        return load(args);
      }
      if (page && loaded === args.revision) follow(args);
      else if (!page) {
        // The app thinks this page has the revision (a new frame, or a reload): ask for the events.
        asks++;
        report();
      }
      return null;
    }

    window.addEventListener("message", function (event) {
      if (event.source !== window.parent || !event.data || event.data.type !== "streamlit:render") return;
      var args = event.data.args;
      // One render at a time, in order: a payload is drawn before the masks that follow it apply.
      queue = queue.then(function () { return render(args); }).catch(function (error) {
        IM.setHeader({ counts: "The map could not be drawn: " + error });
        settled(0);
      });
    });
    send("componentReady", { apiVersion: 1 });
  }

  window.IncidentMapComponent = { attach: attach };
})();
