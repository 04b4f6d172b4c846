/* incident-map web map: draws the events of one export on an offline Leaflet map.
 *
 * Two ways in.  An exported page carries the JSON blocks written by geo/webmap.py:
 * #im-data (map points, legend, towns, disputed lines, header texts), #im-basemap
 * (world-atlas TopoJSON) and, after this script, the script.im-text blocks (the events'
 * texts as indices into one string table; gzip+base64 when large); this script starts
 * the map from them by itself.  The app's component page (webmap/streamlit.js) calls
 * IncidentMapPage.start() with the same data instead, and then shows a subset with
 * the returned page's showOnly(mask, meta) when a filter changes.
 * The map is drawn before the texts are read, so a big export shows its map at once
 * and its source cards moments later.  Every text is shown with textContent or as a
 * DOM text node, never as HTML; a source is a link only when its URL is http(s).
 * All points are drawn by one canvas layer: 100,000 events cost one draw, not
 * 100,000 Leaflet objects.
 */
(function () {
  "use strict";

  // --- reading the data ------------------------------------------------------------

  function gunzipJson(bytes) {
    // gzip-compressed JSON (a Uint8Array) -> Promise of the value.
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  function pageTexts() {
    // An exported page's texts come in several blocks (so the map can paint between them): join, then decode.
    var blocks = document.querySelectorAll("script.im-text");
    var text = Array.from(blocks, function (block) { return block.textContent; }).join("");
    if (blocks[0].getAttribute("data-encoding") !== "gzip-base64") return Promise.resolve(JSON.parse(text));
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
    return gunzipJson(bytes);
  }

  function offsets(counts, width) {
    var start = new Int32Array(counts.length + 1);
    for (var k = 0; k < counts.length; k++) start[k + 1] = start[k] + counts[k] * width;
    return start;
  }

  function indexed(texts) {
    // The texts with the start of each event's run in the flat columns.
    var e = texts.events;
    texts.starts = {
      actors: offsets(e.actorCount, 2),
      tags: offsets(e.tagCount, 1),
      sources: offsets(e.sourceCount, texts.sourceWidth),
    };
    return texts;
  }

  function bitSet(mask, i) {
    return (mask[i >> 3] >> (i & 7)) & 1;
  }

  // source: {data, topology (null for online tiles), texts (a Promise of them), mask (optional:
  // one bit per event, little-endian within each byte; only those events are shown), onPick
  // (optional: called with an event id when the user opens that event's card)}.
  function start(source) {
    var data = source.data;
    var P = data.points;
    var meta = data.meta;
    var N = P.lat.length;
    var CONTEXT_OPACITY = meta.contextOpacity;
    var T = null; // the texts, once read: {strings, sourceWidth, events, starts}
    var onPick = source.onPick || function () {};

    // --- small DOM helpers: text only, never HTML --------------------------------

    function el(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined && text !== null && text !== "") node.textContent = text;
      return node;
    }

    function str(column, i) {
      return T.strings[T.events[column][i]];
    }

    function items(column, i) {
      // The string-table indices of event i in a flat column (actors, tags, sources).
      var start = T.starts[column];
      return T.events[column].slice(start[i], start[i + 1]);
    }

    function safeUrl(url) {
      if (!/^https?:\/\//i.test(url)) return null;
      try {
        var parsed = new URL(url);
        return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
      } catch (e) {
        return null;
      }
    }

    function isMapped(i) {
      return P.lat[i] !== null && P.lon[i] !== null;
    }

    // --- the source card ----------------------------------------------------------

    function row(list, label, value, notes) {
      if (!value) return;
      list.appendChild(el("dt", null, label));
      var dd = el("dd", null, value);
      (notes || []).forEach(function (note) {
        if (note) dd.appendChild(el("span", "im-note", note));
      });
      list.appendChild(dd);
    }

    function sourceItem(fields) {
      // fields: label, url, date, kind, excerpt, cited-by label (string indices)
      var S = T.strings;
      var item = el("li", "im-source");
      var head = el("div", "im-source-head");
      var label = S[fields[0]], url = safeUrl(S[fields[1]]);
      if (url) {
        var link = el("a", null, label);
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        head.appendChild(link);
      } else {
        head.appendChild(el("cite", null, label));
      }
      var details = [S[fields[2]], S[fields[3]], S[fields[5]] ? "cited by " + S[fields[5]] : ""].filter(Boolean);
      if (details.length) head.appendChild(el("span", "im-note", " \u00b7 " + details.join(" \u00b7 ")));
      item.appendChild(head);
      if (S[fields[4]]) item.appendChild(el("blockquote", "im-excerpt", "\u201c" + S[fields[4]] + "\u201d"));
      return item;
    }

    function card(i, titled) {
      // The source card of event i; in the panel the title is already in the list (titled false).
      var S = T.strings;
      var node = el("article", "im-card");
      node.setAttribute("data-event-id", str("id", i));
      var kicker = el("p", "im-kicker");
      var swatch = el("span", "im-swatch");
      swatch.style.background = data.categories[P.category[i]][1];
      kicker.appendChild(swatch);
      kicker.appendChild(document.createTextNode(str("type", i)));
      if (P.context[i]) kicker.appendChild(el("span", "im-badge", "context event (background)"));
      node.appendChild(kicker);
      if (titled !== false) node.appendChild(el("h3", "im-title", str("title", i)));

      var list = el("dl", "im-fields");
      row(list, "Date", str("date", i), [str("dateNote", i)]);
      var reported = str("placeReported", i);
      row(list, "Place", str("place", i), [reported ? "As reported: \u201c" + reported + "\u201d" : "", str("placeNote", i)]);
      var actors = items("actors", i);
      if (actors.length) {
        list.appendChild(el("dt", null, "Actors"));
        var dd = el("dd");
        var ul = el("ul", "im-actors");
        for (var a = 0; a < actors.length; a += 2) {
          var li = el("li");
          li.appendChild(el("span", "im-actor", S[actors[a]]));
          if (S[actors[a + 1]]) li.appendChild(el("span", "im-note", " \u2014 " + S[actors[a + 1]]));
          ul.appendChild(li);
        }
        dd.appendChild(ul);
        list.appendChild(dd);
      }
      row(list, "Fatalities", str("fatalities", i));
      row(list, "Claim", str("claim", i));
      row(list, "Status", str("verification", i));
      node.appendChild(list);
      if (str("description", i)) node.appendChild(el("p", "im-description", str("description", i)));

      var sources = items("sources", i), width = T.sourceWidth;
      node.appendChild(el("h4", null, sources.length === width ? "Source" : "Sources (" + sources.length / width + ")"));
      var ol = el("ol", "im-sources");
      for (var s = 0; s < sources.length; s += width) ol.appendChild(sourceItem(sources.slice(s, s + width)));
      node.appendChild(ol);
      var tags = Array.from(items("tags", i), function (t) { return S[t]; });
      if (tags.length) node.appendChild(el("p", "im-tags", "Tags: " + tags.join(", ")));
      return node;
    }

    function tooltipContent(hits) {
      var node = el("div", "im-tip");
      var i = hits[0];
      node.appendChild(el("strong", null, str("title", i)));
      node.appendChild(el("div", "im-note", str("date", i) + (P.context[i] ? " \u00b7 context event" : "")));
      if (hits.length > 1) node.appendChild(el("div", "im-note", "and " + (hits.length - 1) + " more here: click to list them"));
      return node;
    }

    // --- map, and a canvas layer that redraws itself after every move ------------------

    var tiles = meta.tiles;
    var map = L.map("im-map", { maxZoom: tiles ? tiles.maxZoom : 16, minZoom: 1, zoomControl: true });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener noreferrer">Leaflet</a>');

    function pane(name, zIndex) {
      map.createPane(name).style.zIndex = zIndex;
      return name;
    }

    var MAX_LAT = 85.0511287798;

    function mercatorX(lon) {
      return (lon + 180) / 360; // world x in [0, 1] (beyond for unwrapped longitudes)
    }

    function mercatorY(lat) {
      var sin = Math.sin((Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180);
      return 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI);
    }

    // One canvas covering the view plus a fifth of it on every side (so a short pan shows no gap),
    // redrawn by draw(ctx, view) after each move; view = {ox, oy, scale, width, height} maps a
    // world coordinate w to canvas pixels as w * scale - o.
    var CanvasLayer = L.Layer.extend({
      initialize: function (paneName, draw) {
        this._paneName = paneName;
        this._drawFn = draw;
      },
      onAdd: function (m) {
        this._canvas = L.DomUtil.create("canvas", "im-canvas leaflet-zoom-animated");
        m.getPane(this._paneName).appendChild(this._canvas);
        this._reset();
      },
      onRemove: function () {
        L.DomUtil.remove(this._canvas);
      },
      getEvents: function () {
        return { moveend: this._reset, zoomanim: this._animateZoom, resize: this._reset };
      },
      _animateZoom: function (e) {
        var scale = this._map.getZoomScale(e.zoom);
        var offset = this._map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
        L.DomUtil.setTransform(this._canvas, offset, scale);
      },
      _reset: function () {
        var m = this._map, size = m.getSize(), pad = size.multiplyBy(0.2).round();
        var topLeft = m.containerPointToLayerPoint(pad.multiplyBy(-1));
        var full = size.add(pad.multiplyBy(2));
        var ratio = window.devicePixelRatio || 1;
        var canvas = this._canvas;
        L.DomUtil.setPosition(canvas, topLeft);
        canvas.width = Math.round(full.x * ratio);
        canvas.height = Math.round(full.y * ratio);
        canvas.style.width = full.x + "px";
        canvas.style.height = full.y + "px";
        this._bounds = L.latLngBounds(m.layerPointToLatLng(topLeft), m.layerPointToLatLng(topLeft.add(full)));
        var origin = m.getPixelOrigin().add(topLeft);
        var ctx = canvas.getContext("2d");
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.clearRect(0, 0, full.x, full.y);
        this._drawFn(ctx, { ox: origin.x, oy: origin.y, scale: m.options.crs.scale(m.getZoom()), width: full.x, height: full.y });
      },
    });

    // --- basemap: the shipped countries, drawn on a canvas ------------------------------

    function unwrapLine(coords) {
      // Longitudes made continuous across the antimeridian.
      var out = [], offset = 0;
      for (var k = 0; k < coords.length; k++) {
        var lon = coords[k][0] + offset;
        if (k) {
          while (lon - out[k - 1][0] > 180) { lon -= 360; offset -= 360; }
          while (lon - out[k - 1][0] < -180) { lon += 360; offset += 360; }
        }
        out.push([lon, coords[k][1]]);
      }
      return out;
    }

    function unwrapGeometry(geometry) {
      var t = geometry.type, c = geometry.coordinates;
      if (t === "LineString") return { type: t, coordinates: unwrapLine(c) };
      if (t === "MultiLineString") return { type: t, coordinates: c.map(unwrapLine) };
      return geometry;
    }

    function worldRing(ring) {
      // A ring as world x, y pairs (longitudes continuous across the antimeridian; a ring that
      // circles a pole closed through it) with its bounding box.
      var n = ring.length, xy = new Float64Array(2 * n + 6), offset = 0, lon = 0, prev = 0, latSum = 0;
      for (var k = 0; k < n; k++) {
        lon = ring[k][0] + offset;
        if (k) {
          while (lon - prev > 180) { lon -= 360; offset -= 360; }
          while (lon - prev < -180) { lon += 360; offset += 360; }
        }
        prev = lon;
        latSum += ring[k][1];
        xy[2 * k] = mercatorX(lon);
        xy[2 * k + 1] = mercatorY(ring[k][1]);
      }
      var length = 2 * n;
      if (Math.abs(lon - ring[0][0]) > 180) {
        var poleY = mercatorY(latSum < 0 ? -90 : 90);
        xy.set([xy[length - 2], poleY, xy[0], poleY, xy[0], xy[1]], length);
        length += 6;
      }
      xy = xy.subarray(0, length);
      var box = [Infinity, Infinity, -Infinity, -Infinity];
      for (var j = 0; j < length; j += 2) {
        if (xy[j] < box[0]) box[0] = xy[j];
        if (xy[j] > box[2]) box[2] = xy[j];
        if (xy[j + 1] < box[1]) box[1] = xy[j + 1];
        if (xy[j + 1] > box[3]) box[3] = xy[j + 1];
      }
      return { xy: xy, box: box };
    }

    function worldRings(featureCollection) {
      var rings = [];
      featureCollection.features.forEach(function (f) {
        var g = f.geometry;
        var polygons = !g ? [] : g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
        polygons.forEach(function (polygon) { polygon.forEach(function (ring) { rings.push(worldRing(ring)); }); });
      });
      return rings;
    }

    function drawRings(rings) {
      return function (ctx, v) {
        ctx.beginPath();
        rings.forEach(function (ring) {
          var b = ring.box;
          if (b[2] * v.scale - v.ox < 0 || b[0] * v.scale - v.ox > v.width || b[3] * v.scale - v.oy < 0 || b[1] * v.scale - v.oy > v.height) return;
          var xy = ring.xy, lastX = xy[0] * v.scale - v.ox, lastY = xy[1] * v.scale - v.oy;
          ctx.moveTo(lastX, lastY);
          for (var k = 2; k < xy.length; k += 2) {
            var x = xy[k] * v.scale - v.ox, y = xy[k + 1] * v.scale - v.oy;
            if (Math.abs(x - lastX) + Math.abs(y - lastY) < 0.6 && k < xy.length - 2) continue; // under a pixel
            ctx.lineTo(x, y);
            lastX = x;
            lastY = y;
          }
          ctx.closePath();
        });
        ctx.fillStyle = "#f4f1ea";
        ctx.fill("evenodd");
        ctx.strokeStyle = "#b4aca4";
        ctx.lineWidth = 0.8;
        ctx.stroke();
      };
    }

    var countryCount = 0;
    if (tiles) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: tiles.maxZoom, subdomains: tiles.subdomains }).addTo(map);
    } else {
      var topology = source.topology;
      var countries = topojson.feature(topology, topology.objects.countries);
      countryCount = countries.features.length;
      pane("im-basemap", 200);
      new CanvasLayer("im-basemap", drawRings(worldRings(countries))).addTo(map);
      map.getContainer().classList.add("im-offline");
    }

    if (data.disputed.features.length) {
      var linePane = pane("im-lines", 380);
      data.disputed.features.forEach(function (f) { f.geometry = unwrapGeometry(f.geometry); });
      // A white halo hides the country outline underneath, so the line reads as dashed only.
      L.geoJSON(data.disputed, { pane: linePane, interactive: false, style: { color: "#f4f1ea", weight: 3.5, opacity: 1 } }).addTo(map);
      L.geoJSON(data.disputed, {
        pane: linePane,
        style: { color: "#57534e", weight: 1.6, dashArray: "6 4", className: "im-disputed" },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(el("span", null, feature.properties.label), { sticky: true, className: "im-line-label" });
        },
      }).addTo(map);
    }

    // --- labels: disputed lines by name (zoomed in), then towns; thinned so none overlap ------

    var labelPane = pane("im-labels", 390);
    var LINE_LABEL_ZOOM = 5;

    function label(latlng, node, width, minZoom) {
      var marker = L.marker(latlng, {
        pane: labelPane,
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ html: node, className: "im-label", iconSize: null, iconAnchor: [3, 3] }),
      }).addTo(map);
      return { marker: marker, width: width, minZoom: minZoom };
    }

    function middleOf(geometry) {
      // The middle vertex of the longest part of a (Multi)LineString, as a LatLng.
      var parts = geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
      var longest = parts.reduce(function (a, b) { return b.length > a.length ? b : a; });
      var middle = longest[Math.floor(longest.length / 2)];
      return L.latLng(middle[1], middle[0]);
    }

    var labels = data.disputed.features.map(function (f) {
      var node = el("div", "im-line-name", f.properties.label);
      return label(middleOf(f.geometry), node, f.properties.label.length * 6 + 8, LINE_LABEL_ZOOM);
    }).concat(data.towns.map(function (t) {
      var node = el("div", "im-town-label");
      node.appendChild(el("span", "im-town-dot"));
      node.appendChild(el("span", "im-town-name", t[0]));
      return label([t[1], t[2]], node, t[0].length * 6.4 + 12, 0);
    }));

    function thinLabels() {
      var kept = [], zoom = map.getZoom();
      labels.forEach(function (item) {
        var p = map.latLngToContainerPoint(item.marker.getLatLng());
        var box = [p.x - 4, p.y - 8, p.x + item.width, p.y + 8];
        var free = zoom >= item.minZoom && kept.every(function (b) { return box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3]; });
        var element = item.marker.getElement();
        if (element) element.style.display = free ? "" : "none";
        if (free) kept.push(box);
      });
    }

    // --- the events: one canvas layer with a grid for hit testing ----------------------

    var worldX = new Float64Array(N), worldY = new Float64Array(N);
    var mappedIds = [], unmappedIds = [], shownCount = N;
    var categoryOnMap = data.categories.map(function (c) { return c[2]; }); // events on the map per legend row
    var south = 90, west = 180, north = -90, east = -180;
    var radius = 7;
    for (var i = 0; i < N; i++) {
      if (!isMapped(i)) continue;
      worldX[i] = mercatorX(P.lon[i]);
      worldY[i] = mercatorY(P.lat[i]);
    }

    function select(mask) {
      // The events shown: all, or those whose bit is set in mask; their extent and legend counts.
      mappedIds = [];
      unmappedIds = [];
      categoryOnMap = data.categories.map(function () { return 0; });
      south = 90; west = 180; north = -90; east = -180;
      for (var i = 0; i < N; i++) {
        if (mask && !bitSet(mask, i)) continue;
        if (!isMapped(i)) {
          unmappedIds.push(i);
          continue;
        }
        mappedIds.push(i);
        categoryOnMap[P.category[i]]++;
        var lat = P.lat[i], lon = P.lon[i];
        south = Math.min(south, lat); north = Math.max(north, lat);
        west = Math.min(west, lon); east = Math.max(east, lon);
      }
      shownCount = mappedIds.length + unmappedIds.length;
      radius = mappedIds.length > 20000 ? 3 : mappedIds.length > 2000 ? 4.5 : 7;
    }
    select(source.mask || null);

    // Events that fall within a few pixels of each other are drawn as one "stack" at their mean
    // position: a circle growing with their number, split into slices by category when they
    // differ, labelled with the number when it fits.  Context events are drawn faded, under the
    // rest; a stack of context events only is faded.
    var MAX_GROWTH = 14;
    var categoryCount = data.categories.length;
    var drawnCount = 0;
    var cellStamp = new Int32Array(0), cellStack = new Int32Array(0), generation = 0;
    var pointStack = new Int32Array(N).fill(-1); // the stack each point was drawn in, -1 if not drawn
    var stackX = [], stackY = [], stackRadii = []; // canvas position and radius of each stack drawn
    var drawnOrigin = { ox: 0, oy: 0 }; // world pixel of the points canvas's corner at the last draw

    function stackRadius(count) {
      return count === 1 ? radius : Math.min(radius * (1 + 0.35 * Math.log2(count)), radius + MAX_GROWTH);
    }

    function shortCount(count) {
      return count < 1000 ? String(count) : count < 10000 ? (count / 1000).toFixed(1) + "k" : Math.round(count / 1000) + "k";
    }

    function drawPoints(ctx, v) {
      drawnOrigin = v;
      var size = Math.max(2, Math.round(radius * 1.5)), margin = Math.ceil(radius + MAX_GROWTH);
      var columns = Math.ceil((v.width + 2 * margin) / size) + 1, rows = Math.ceil((v.height + 2 * margin) / size) + 1;
      if (cellStamp.length < columns * rows) {
        cellStamp = new Int32Array(columns * rows);
        cellStack = new Int32Array(columns * rows);
      }
      generation++;
      pointStack.fill(-1);
      var sx = [], sy = [], count = [], nonContext = [], category = [], mixed = [];
      drawnCount = 0;
      for (var k = 0; k < mappedIds.length; k++) {
        var i = mappedIds[k];
        var x = worldX[i] * v.scale - v.ox, y = worldY[i] * v.scale - v.oy;
        if (x < -margin || y < -margin || x > v.width + margin || y > v.height + margin) continue;
        drawnCount++;
        var cell = Math.floor((y + margin) / size) * columns + Math.floor((x + margin) / size), s;
        if (cellStamp[cell] === generation) {
          s = cellStack[cell];
          count[s]++;
          sx[s] += x;
          sy[s] += y;
          if (category[s] !== P.category[i]) mixed[s] = true;
        } else {
          s = sx.length;
          cellStamp[cell] = generation;
          cellStack[cell] = s;
          sx.push(x); sy.push(y); count.push(1); nonContext.push(0); category.push(P.category[i]); mixed.push(false);
        }
        if (!P.context[i]) nonContext[s]++;
        pointStack[i] = s;
      }
      for (var m = 0; m < sx.length; m++) {
        sx[m] /= count[m];
        sy[m] /= count[m];
      }
      stackX = sx;
      stackY = sy;
      stackRadii = count.map(stackRadius);

      // Stacks of one category, batched by (faded?, category); then mixed stacks as pies.
      var batches = {};
      var pies = [];
      for (var t = 0; t < sx.length; t++) {
        if (mixed[t]) { pies.push(t); continue; }
        var key = (nonContext[t] ? categoryCount : 0) + category[t];
        (batches[key] = batches[key] || []).push(t);
      }
      ctx.lineWidth = radius > 4 ? 1.5 : 0.75;
      ctx.strokeStyle = "#ffffff";
      Object.keys(batches).map(Number).sort(function (a, b) { return a - b; }).forEach(function (key) {
        var faded = key < categoryCount;
        ctx.beginPath();
        batches[key].forEach(function (t) {
          ctx.moveTo(sx[t] + stackRadii[t], sy[t]);
          ctx.arc(sx[t], sy[t], stackRadii[t], 0, 2 * Math.PI);
        });
        ctx.globalAlpha = faded ? CONTEXT_OPACITY : 0.9;
        ctx.fillStyle = data.categories[key % categoryCount][1];
        ctx.fill();
        ctx.globalAlpha = 1;
        if (faded) {
          // Context events: faded fill, dashed dark ring, so they read as background but stay visible.
          ctx.setLineDash([2, 2]);
          ctx.strokeStyle = "#44403c";
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.strokeStyle = "#ffffff";
        } else {
          ctx.stroke();
        }
      });
      if (pies.length) drawPies(ctx, pies, sx, sy, nonContext);
      ctx.font = "bold 10px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "rgba(28, 25, 23, 0.8)";
      ctx.fillStyle = "#ffffff";
      // Numbers on the stacks big enough to hold one, largest first, never on top of each other.
      var labelled = [];
      for (var u = 0; u < sx.length; u++) if (count[u] > 1 && stackRadii[u] >= 8) labelled.push(u);
      labelled.sort(function (a, b) { return count[b] - count[a]; });
      var taken = new Set(), cellSize = 8;
      labelled.forEach(function (u) {
        var text = shortCount(count[u]), half = text.length * 3.2 + 2;
        var x0 = Math.floor((sx[u] - half) / cellSize), x1 = Math.floor((sx[u] + half) / cellSize);
        var y0 = Math.floor((sy[u] - 6) / cellSize), y1 = Math.floor((sy[u] + 6) / cellSize);
        var cells = [];
        for (var cx = x0; cx <= x1; cx++) for (var cy = y0; cy <= y1; cy++) cells.push(cx * 65536 + cy);
        if (cells.some(function (c) { return taken.has(c); })) return;
        cells.forEach(function (c) { taken.add(c); });
        ctx.strokeText(text, sx[u], sy[u]);
        ctx.fillText(text, sx[u], sy[u]);
      });
    }

    function drawPies(ctx, pies, sx, sy, nonContext) {
      var slices = new Map(pies.map(function (t) { return [t, new Int32Array(categoryCount)]; }));
      mappedIds.forEach(function (i) {
        var counts = slices.get(pointStack[i]);
        if (counts) counts[P.category[i]]++;
      });
      pies.forEach(function (t) {
        var counts = slices.get(t), total = counts.reduce(function (a, b) { return a + b; }, 0), angle = -Math.PI / 2;
        ctx.globalAlpha = nonContext[t] ? 0.9 : CONTEXT_OPACITY;
        for (var c = 0; c < categoryCount; c++) {
          if (!counts[c]) continue;
          var end = angle + (2 * Math.PI * counts[c]) / total;
          ctx.beginPath();
          ctx.moveTo(sx[t], sy[t]);
          ctx.arc(sx[t], sy[t], stackRadii[t], angle, end);
          ctx.closePath();
          ctx.fillStyle = data.categories[c][1];
          ctx.fill();
          angle = end;
        }
        ctx.globalAlpha = nonContext[t] ? 1 : CONTEXT_OPACITY;
        ctx.beginPath();
        ctx.arc(sx[t], sy[t], stackRadii[t], 0, 2 * Math.PI);
        ctx.stroke();
      });
      ctx.globalAlpha = 1;
    }

    function containerPoint(i) {
      var origin = map.getPixelBounds().min, scale = map.options.crs.scale(map.getZoom());
      return L.point(worldX[i] * scale - origin.x, worldY[i] * scale - origin.y);
    }

    // Hit testing: a grid of 16-pixel cells over the points, rebuilt for each zoom level on first use.
    var grid = null, gridScale = null;

    function hitsAt(point) {
      // Indices of the events drawn within reach of a container point: nearest first, context last.
      var scale = map.options.crs.scale(map.getZoom());
      var cell = 16, reach = 2 * (radius + MAX_GROWTH) + 3, stride = 1 << 22;
      if (!grid || gridScale !== scale) {
        grid = new Map();
        gridScale = scale;
        for (var k = 0; k < mappedIds.length; k++) {
          var member = mappedIds[k];
          var key = Math.floor((worldX[member] * scale) / cell) * stride + Math.floor((worldY[member] * scale) / cell);
          var bucket = grid.get(key);
          if (bucket) bucket.push(member);
          else grid.set(key, [member]);
        }
      }
      var origin = map.getPixelBounds().min;
      var px = point.x + origin.x, py = point.y + origin.y; // world pixels
      var canvasX = px - drawnOrigin.ox, canvasY = py - drawnOrigin.oy;
      var found = [];
      for (var cx = Math.floor((px - reach) / cell); cx <= Math.floor((px + reach) / cell); cx++) {
        for (var cy = Math.floor((py - reach) / cell); cy <= Math.floor((py + reach) / cell); cy++) {
          var members = grid.get(cx * stride + cy) || [];
          for (var j = 0; j < members.length; j++) {
            var id = members[j], stack = pointStack[id];
            if (stack < 0) continue; // not drawn
            // A point is hit where its stack's circle is.
            var dx = stackX[stack] - canvasX, dy = stackY[stack] - canvasY, d = dx * dx + dy * dy, reachOwn = stackRadii[stack] + 3;
            if (d <= reachOwn * reachOwn) found.push([d, P.context[id], id]);
          }
        }
      }
      found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
      return found.map(function (f) { return f[2]; });
    }


    // --- popups and tooltips ------------------------------------------------------------

    var LIST_LIMIT = 50;
    var popup = L.popup({ maxWidth: 400, minWidth: 280, maxHeight: 440, autoPanPadding: [24, 24], className: "im-popup" });
    var tooltip = L.tooltip({ direction: "top", offset: [0, -radius], className: "im-tooltip", opacity: 0.96 });

    function latLngOf(i) {
      return L.latLng(P.lat[i], P.lon[i]);
    }

    function listContent(hits) {
      var node = el("div", "im-list");
      node.appendChild(el("h3", "im-title", hits.length.toLocaleString("en") + " events at this spot"));
      var ol = el("ol");
      hits.slice(0, LIST_LIMIT).forEach(function (i) {
        var li = el("li");
        var button = el("button", "im-link", str("title", i));
        button.type = "button";
        button.addEventListener("click", function () {
          var content = el("div");
          var back = el("button", "im-link im-back", "\u2190 all " + hits.length + " events here");
          back.type = "button";
          back.addEventListener("click", function () { popup.setContent(listContent(hits)); });
          content.appendChild(back);
          content.appendChild(card(i));
          popup.setContent(content);
          onPick(str("id", i));
        });
        li.appendChild(button);
        li.appendChild(el("span", "im-note", " " + str("date", i) + (P.context[i] ? " \u00b7 context event" : "")));
        ol.appendChild(li);
      });
      node.appendChild(ol);
      if (hits.length > LIST_LIMIT) {
        node.appendChild(el("p", "im-note", "and " + (hits.length - LIST_LIMIT).toLocaleString("en") + " more here: zoom in, or narrow the filter (dates, type, actor) to list them."));
      }
      return node;
    }

    var popupFirst = -1; // the first event of the open popup; no tooltip for it while it is open
    popup.on("remove", function () { popupFirst = -1; });

    function openHits(hits) {
      map.closeTooltip(tooltip);
      popupFirst = hits[0];
      var content = T ? (hits.length === 1 ? card(hits[0]) : listContent(hits)) : el("p", "im-note", "Loading the source cards\u2026");
      popup.setLatLng(latLngOf(hits[0])).setContent(content).openOn(map);
      if (T && hits.length === 1) onPick(str("id", hits[0]));
      if (!T) texts.then(function () { if (map.hasLayer(popup)) openHits(hits); });
    }

    map.on("click", function (e) {
      var hits = hitsAt(e.containerPoint);
      if (hits.length) openHits(hits);
    });

    var pendingMove = null;
    map.on("mousemove", function (e) {
      if (pendingMove) { pendingMove = e; return; }
      pendingMove = e;
      requestAnimationFrame(function () {
        var hits = T ? hitsAt(pendingMove.containerPoint) : [];
        pendingMove = null;
        map.getContainer().classList.toggle("im-hover", hits.length > 0);
        if (!hits.length || hits[0] === popupFirst) { map.closeTooltip(tooltip); return; }
        tooltip.setLatLng(latLngOf(hits[0])).setContent(tooltipContent(hits));
        if (!map.hasLayer(tooltip)) map.openTooltip(tooltip);
      });
    });
    map.on("mouseout zoomstart", function () { map.closeTooltip(tooltip); });

    // --- legend -------------------------------------------------------------------------

    function legendItem(list, swatch, text) {
      var li = el("li");
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(text));
      list.appendChild(li);
    }

    var legendList = el("ul");

    function fillLegend() {
      legendList.textContent = "";
      data.categories.forEach(function (c, k) {
        if (!categoryOnMap[k]) return; // no event of this category has a map point
        var dot = el("span", "im-swatch");
        dot.style.background = c[1];
        legendItem(legendList, dot, c[0] + " (" + categoryOnMap[k].toLocaleString("en") + ")");
      });
      if (mappedIds.some(function (i) { return P.context[i]; }) || unmappedIds.some(function (i) { return P.context[i]; })) {
        var faded = el("span", "im-swatch");
        faded.className = "im-swatch im-swatch-context";
        legendItem(legendList, faded, "faded, dashed: context event");
      }
      if (mappedIds.length > 1) legendItem(legendList, el("span", "im-stack"), "number: events at one spot");
      if (data.disputed.features.length) legendItem(legendList, el("span", "im-dash"), "de facto or disputed boundary");
    }

    var Legend = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = el("div", "im-legend leaflet-control");
        var details = el("details");
        details.open = true;
        details.appendChild(el("summary", null, meta.legendTitle));
        fillLegend();
        details.appendChild(legendList);
        box.appendChild(details);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      },
    });

    // --- header, footer and the panel of unmapped events -------------------------------

    function setHeader(texts) {
      // texts: title, filter, counts, attribution.
      document.title = texts.title;
      document.getElementById("im-title").textContent = texts.title;
      document.getElementById("im-filter").textContent = texts.filter;
      document.getElementById("im-counts").textContent = texts.counts;
      document.getElementById("im-attribution").textContent = texts.attribution;
    }
    setHeader(meta);

    var PANEL_PAGE = 200;
    var panel = document.getElementById("im-unmapped");
    var panelList = el("ol", "im-unmapped-list");
    var more = el("button", "im-link im-more");
    var unmappedShown = 0;

    function unmappedItem(i) {
      var item = el("li");
      var details = el("details");
      details.setAttribute("data-event-id", str("id", i));
      var summary = el("summary");
      summary.appendChild(el("span", "im-item-title", str("title", i)));
      summary.appendChild(el("span", "im-note", str("date", i)));
      var reported = str("placeReported", i);
      summary.appendChild(el("span", "im-note im-why", reported ? "Place as reported: \u201c" + reported + "\u201d; no map point" : str("place", i)));
      details.appendChild(summary);
      details.addEventListener("toggle", function () {
        if (details.open && details.children.length === 1) details.appendChild(card(i, false));
      });
      item.appendChild(details);
      return item;
    }

    function showMoreUnmapped() {
      var end = Math.min(unmappedShown + PANEL_PAGE, unmappedIds.length);
      for (; unmappedShown < end; unmappedShown++) panelList.appendChild(unmappedItem(unmappedIds[unmappedShown]));
      more.hidden = unmappedShown >= unmappedIds.length;
      more.textContent = "show " + Math.min(PANEL_PAGE, unmappedIds.length - unmappedShown).toLocaleString("en") + " more";
    }

    var panelHeading = el("h2"), panelNote = el("p", "im-note");
    panel.textContent = "";
    panel.appendChild(panelHeading);
    panel.appendChild(panelNote);
    panel.appendChild(panelList);
    more.type = "button";
    more.addEventListener("click", showMoreUnmapped);
    panel.appendChild(more);

    function fillPanel() {
      // The panel for the events shown now; its items are added once the texts are read.
      panelHeading.textContent = "Not on the map (" + unmappedIds.length.toLocaleString("en") + ")";
      panelNote.textContent = unmappedIds.length
        ? "These events have no place precise enough for a map point. Open one for its sources."
        : "Every event in this set has a map point.";
      panelList.textContent = "";
      unmappedShown = 0;
      more.hidden = true;
      panel.classList.toggle("im-empty", !unmappedIds.length);
      if (T) showMoreUnmapped();
    }
    fillPanel();

    function openUnmapped(i) {
      var position = unmappedIds.indexOf(i);
      while (unmappedShown <= position) showMoreUnmapped();
      var details = panelList.children[position].firstChild;
      details.open = true;
      if (details.children.length === 1) details.appendChild(card(i, false));
      details.scrollIntoView({ block: "nearest" });
    }

    // --- the first view -------------------------------------------------------------

    function storedView() {
      if (!meta.persistKey) return null;
      try {
        var view = JSON.parse(window.sessionStorage.getItem(meta.persistKey) || "null");
        return view && isFinite(view.lat) && isFinite(view.lng) && isFinite(view.zoom) ? view : null;
      } catch (e) {
        return null; // storage can be off (private mode, sandboxed frame): start from the data's extent
      }
    }

    function saveView() {
      if (!meta.persistKey) return;
      try {
        var c = map.getCenter();
        window.sessionStorage.setItem(meta.persistKey, JSON.stringify({ lat: c.lat, lng: c.lng, zoom: map.getZoom() }));
      } catch (e) {
        /* storage unavailable: the view is simply not kept */
      }
    }

    var Message = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () { return el("div", "im-message leaflet-control", this.options.text); },
    });
    var messageControl = null;

    function showMessage() {
      // Say so when nothing shown has a map point.
      if (messageControl) messageControl.remove();
      messageControl = null;
      if (mappedIds.length) return;
      var text = shownCount ? "None of these events has a map point: see the list of events not on the map." : "No events match this filter.";
      messageControl = new Message({ text: text }).addTo(map);
    }

    var view = storedView();
    if (view) {
      map.setView([view.lat, view.lng], view.zoom, { animate: false });
    } else if (!mappedIds.length) {
      map.setView([25, 45], 2, { animate: false });
    } else if (south === north && west === east) {
      map.setView([south, west], 9, { animate: false });
    } else {
      map.fitBounds([[south, west], [north, east]], { padding: [40, 40], maxZoom: 10, animate: false });
    }
    showMessage();
    var pointLayer = new CanvasLayer(pane("im-points", 450), drawPoints).addTo(map);
    new Legend().addTo(map);
    L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
    thinLabels();
    map.on("zoomend moveend", thinLabels);
    map.on("moveend", saveView);

    // --- the test and integration hook --------------------------------------------------

    var shownMask = source.mask || null;

    function indexOf(id) {
      // The event shown with this id, or -1.
      for (var k = 0; k < N; k++) if (str("id", k) === id) return shownMask && !bitSet(shownMask, k) ? -1 : k;
      return -1;
    }

    function showOnly(mask, texts) {
      // Show only the events whose bit is set in mask (a Uint8Array, as source.mask); texts, when
      // given, replace the header's (title, filter, counts, attribution).  The view stays where it is.
      if (texts) setHeader(texts);
      var same = shownMask && mask.length === shownMask.length && shownMask.every(function (b, k) { return b === mask[k]; });
      if (same) return;
      shownMask = mask;
      select(mask);
      map.closePopup();
      map.closeTooltip(tooltip);
      grid = null;
      pointLayer._reset();
      fillLegend();
      fillPanel();
      showMessage();
      hook.eventCount = shownCount;
      hook.mappedCount = mappedIds.length;
      hook.unmappedCount = unmappedIds.length;
    }

    var hook = (window.incidentMap = {
      drawn: false, // the basemap and every point are drawn
      ready: false, // ...and the source cards and the list of unmapped events are too
      map: map,
      eventCount: shownCount,
      mappedCount: mappedIds.length,
      unmappedCount: unmappedIds.length,
      countryCount: countryCount,
      markerCount: function () { return drawnCount; },
      pointOf: function (id) {
        var i = indexOf(id);
        if (i < 0 || !isMapped(i)) return null;
        var p = containerPoint(i);
        return [p.x, p.y];
      },
      eventIdsAt: function (x, y) {
        return hitsAt(L.point(x, y)).map(function (i) { return str("id", i); });
      },
      openEvent: function (id) {
        var i = indexOf(id);
        if (i < 0) return false;
        if (isMapped(i)) openHits([i]);
        else openUnmapped(i);
        return true;
      },
      showOnly: showOnly,
      destroy: function () { map.remove(); },
    });
    requestAnimationFrame(function () {
      hook.drawn = true;
    });

    var texts = source.texts.then(indexed);
    texts.then(
      function (read) {
        T = read;
        showMoreUnmapped();
        requestAnimationFrame(function () {
          hook.ready = true;
          document.documentElement.setAttribute("data-map-ready", "true");
        });
      },
      function (error) {
        panel.appendChild(el("p", "im-message", "The source cards could not be read: " + error));
        throw error;
      }
    );
    return hook;
  }

  window.IncidentMapPage = { start: start, gunzipJson: gunzipJson };

  var block = document.getElementById("im-data");
  if (block) {
    var basemapBlock = document.getElementById("im-basemap");
    start({
      data: JSON.parse(block.textContent),
      topology: basemapBlock ? JSON.parse(basemapBlock.textContent) : null,
      // The texts come after this script in the page: read them once it is parsed.
      texts: new Promise(function (resolve) {
        if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
        else resolve();
      }).then(pageTexts),
    });
  }
})();
