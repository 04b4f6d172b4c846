/* incident-map web map, labels: the event places, towns, first-level areas and boundary lines named
 * as text in the page (so Ctrl+F finds them and screen readers read them), placed after each move so
 * that none hides a point, none overlaps another and none is cut by the map's edge.
 *
 * Labels give way by rank: the places of the events shown first (larger stacks first), then towns
 * (larger first, so more and smaller towns appear as the user zooms in), then first-level areas (at
 * middle zooms), then boundary lines, each labelled along its visible part with its short name, and only
 * where it is in view (near the events when zoomed out).  A label that does not fit is not drawn.
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;
  var FONT = "11px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
  var EVENT_FONT = "600 12px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
  var CELL = 32, PAD = 2, EDGE = 3, TOWN_SPACING = 90;
  var measure = document.createElement("canvas").getContext("2d");
  var widths = new Map();

  function textWidth(text, font) {
    var key = font + "|" + text, w = widths.get(key);
    if (w === undefined) {
      measure.font = font;
      w = measure.measureText(text).width;
      widths.set(key, w);
    }
    return w;
  }

  function Occupied(width, height) {
    this.width = width;
    this.height = height;
    this.cells = new Map();
  }
  Occupied.prototype._keys = function (b) {
    var keys = [];
    for (var cx = Math.floor(b[0] / CELL); cx <= Math.floor(b[2] / CELL); cx++) {
      for (var cy = Math.floor(b[1] / CELL); cy <= Math.floor(b[3] / CELL); cy++) keys.push(cx * 4096 + cy);
    }
    return keys;
  };
  Occupied.prototype.inside = function (b) {
    return b[0] >= EDGE && b[1] >= EDGE && b[2] <= this.width - EDGE && b[3] <= this.height - EDGE;
  };
  Occupied.prototype.free = function (b) {
    var cells = this.cells;
    return this._keys(b).every(function (key) {
      return (cells.get(key) || []).every(function (o) { return b[2] < o[0] || b[0] > o[2] || b[3] < o[1] || b[1] > o[3]; });
    });
  };
  Occupied.prototype.add = function (b) {
    var cells = this.cells;
    this._keys(b).forEach(function (key) {
      var list = cells.get(key);
      if (list) list.push(b);
      else cells.set(key, [b]);
    });
  };

  IM.Labels = function (map, o) {
    // o: {points (IM.PointLayer), places, place (column), towns [[name, lat, lon, population]], areas (GeoJSON points
    //     with properties.name), lines (GeoJSON with properties.short and .label), focus (L.LatLngBounds or null)}
    this.map = map;
    this.o = o;
    var pane = map.createPane("im-labels");
    pane.style.zIndex = 440;
    pane.style.pointerEvents = "none";
    this.box = IM.el("div", "im-label-layer");
    pane.appendChild(this.box);
    var self = this;
    map.on("zoomstart", function () { self.box.style.display = "none"; });
    o.points.onDraw(function () { self.update(); });
  };

  IM.Labels.prototype.update = function () {
    var map = this.map, o = this.o, size = map.getSize(), zoom = map.getZoom();
    var occupied = new Occupied(size.x, size.y);
    var placed = [];
    var topLeft = map.containerPointToLayerPoint([0, 0]);
    this.box.style.display = "";
    L.DomUtil.setPosition(this.box, topLeft);
    var st = o.points.stacks, view = st.view, points = o.points;
    var offsetX = 0, offsetY = 0;
    if (view) { // canvas pixels -> container pixels
      var origin = map.getPixelBounds().min;
      offsetX = view.ox - origin.x;
      offsetY = view.oy - origin.y;
    }
    var frame = map.getContainer().getBoundingClientRect();
    map.getContainer().querySelectorAll(".leaflet-control").forEach(function (control) {
      var r = control.getBoundingClientRect();
      if (r.width && r.height) occupied.add([r.left - frame.left - 4, r.top - frame.top - 4, r.right - frame.left + 4, r.bottom - frame.top + 4]);
    });
    var stacks = st.x ? st.x.length : 0;
    var show = stacks <= 5000;
    var k;
    if (show) for (k = 0; k < stacks; k++) {
      var cx = st.x[k] + offsetX, cy = st.y[k] + offsetY, r = st.r[k] + 1;
      if (cx >= -r && cy >= -r && cx <= size.x + r && cy <= size.y + r) occupied.add([cx - r, cy - r, cx + r, cy + r]);
    }

    // 1. The places of the events shown, larger stacks first, reported incidents before context.
    if (stacks && stacks <= 400) {
      var order = [];
      for (k = 0; k < stacks; k++) order.push(k);
      order.sort(function (a, b) { return (st.nonContext[b] > 0) - (st.nonContext[a] > 0) || st.count[b] - st.count[a]; });
      order.forEach(function (s) {
        var name = o.places[o.place[st.first[s]]];
        if (!name) return;
        var x = st.x[s] + offsetX, y = st.y[s] + offsetY, r = st.r[s] + 5;
        var w = textWidth(name, EVENT_FONT), h = 15;
        var spots = [[x + r, y - h / 2], [x - r - w, y - h / 2], [x - w / 2, y - r - h], [x - w / 2, y + r]];
        place(name, "im-event-label", w, h, spots);
      });
    }

    // 2. Boundary lines, along their visible part.
    var self = this;
    (o.lines.features || []).forEach(function (f) { self._lineLabel(f, occupied, placed, zoom, size); });

    // 3. Towns, larger first, at most one in each TOWN_SPACING of the screen: zooming in makes room for smaller ones.
    var bounds = map.getBounds().pad(0.05), towns = new Map();
    o.towns.forEach(function (t) {
      if (!bounds.contains([t[1], t[2]])) return;
      var p = map.latLngToContainerPoint([t[1], t[2]]);
      var gx = Math.floor(p.x / TOWN_SPACING), gy = Math.floor(p.y / TOWN_SPACING);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
        var near = towns.get((gx + dx) * 4096 + gy + dy);
        if (near && near.distanceTo(p) < TOWN_SPACING) return;
      }
      var w = textWidth(t[0], FONT) + 9, h = 14;
      if (place(t[0], "im-town-label", w, h, [[p.x - 3, p.y - h / 2], [p.x - w + 3, p.y - h / 2]], true)) towns.set(gx * 4096 + gy, p);
    });

    // 4. First-level areas, at middle zooms.
    if (zoom >= 5 && zoom <= 10) {
      (o.areas.features || []).forEach(function (f) {
        var c = f.geometry.coordinates, name = f.properties.name;
        if (!bounds.contains([c[1], c[0]])) return;
        var p = map.latLngToContainerPoint([c[1], c[0]]), w = textWidth(name, FONT) * 1.05, h = 14;
        place(name, "im-area-label", w, h, [[p.x - w / 2, p.y - h / 2]]);
      });
    }

    this.box.textContent = "";
    placed.forEach(function (label) { self.box.appendChild(label); });
    this.count = placed.length;

    function place(text, className, w, h, spots, dotted) {
      for (var s = 0; s < spots.length; s++) {
        var b = [spots[s][0] - PAD, spots[s][1] - PAD, spots[s][0] + w + PAD, spots[s][1] + h + PAD];
        if (!occupied.inside(b) || !occupied.free(b)) continue;
        occupied.add(b);
        var node = IM.el("div", className);
        if (dotted) node.appendChild(IM.el("span", "im-town-dot"));
        node.appendChild(IM.el("span", "im-label-text", text));
        node.style.left = spots[s][0] + "px";
        node.style.top = spots[s][1] + "px";
        node.style.width = Math.ceil(w) + "px";
        if (dotted && s === 1) node.classList.add("im-flip");
        placed.push(node);
        return true;
      }
      return false;
    }
  };

  IM.Labels.prototype._lineLabel = function (f, occupied, placed, zoom, size) {
    var map = this.map, name = f.properties.short || f.properties.label, g = f.geometry;
    if (zoom < 6 && this.o.focus && !this.o.focus.intersects(L.geoJSON(f).getBounds())) return; // far from the events
    var parts = g.type === "LineString" ? [g.coordinates] : g.type === "MultiLineString" ? g.coordinates : [];
    var w = textWidth(name, FONT), best = null;
    parts.forEach(function (part) {
      // The longest run of the line inside the view (a few pixels in from the edge).
      var run = [], runs = [];
      part.forEach(function (c) {
        var p = map.latLngToContainerPoint([c[1], c[0]]);
        if (p.x > 8 && p.y > 8 && p.x < size.x - 8 && p.y < size.y - 8) run.push(p);
        else if (run.length) { runs.push(run); run = []; }
      });
      if (run.length) runs.push(run);
      runs.forEach(function (r) {
        var length = 0;
        for (var k = 1; k < r.length; k++) length += r[k].distanceTo(r[k - 1]);
        if (!best || length > best.length) best = { points: r, length: length };
      });
    });
    if (!best || best.length < w + 24) return; // does not fit: not drawn
    var spots = [0.5, 0.35, 0.65, 0.2, 0.8];
    for (var s = 0; s < spots.length; s++) {
      var at = alongRun(best, spots[s] * best.length, w);
      if (!at) continue;
      var rad = (Math.abs(at.angle) * Math.PI) / 180, h = 13;
      var bw = w * Math.cos(rad) + h * Math.sin(rad), bh = w * Math.sin(rad) + h * Math.cos(rad);
      var box = [at.x - bw / 2, at.y - bh / 2, at.x + bw / 2, at.y + bh / 2];
      if (!occupied.inside(box) || !occupied.free(box)) continue;
      occupied.add(box);
      var node = IM.el("div", "im-line-name", name);
      node.title = f.properties.label;
      node.style.left = at.x - w / 2 + "px";
      node.style.top = at.y - h / 2 + "px";
      node.style.width = Math.ceil(w) + "px";
      node.style.transform = "rotate(" + at.angle.toFixed(1) + "deg)";
      placed.push(node);
      return;
    }
  };

  function alongRun(run, distance, width) {
    // The point ``distance`` along a run of container points, with the run's direction there (kept upright);
    // null when the label would reach past either end.
    if (distance < width / 2 + 12 || distance > run.length - width / 2 - 12) return null;
    var walked = 0;
    for (var k = 1; k < run.points.length; k++) {
      var a = run.points[k - 1], b = run.points[k], d = a.distanceTo(b);
      if (walked + d < distance) { walked += d; continue; }
      var t = d ? (distance - walked) / d : 0;
      var angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
      if (angle > 90) angle -= 180;
      if (angle < -90) angle += 180;
      return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, angle: angle };
    }
    return null;
  }
})();
