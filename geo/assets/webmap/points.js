/* incident-map web map, the points: one canvas for every event, however many.
 *
 * IM.CanvasLayer is a Leaflet layer owning one canvas that covers the view plus a fifth of it on every
 * side, redrawn by draw(ctx, view) after each move (or, for a layer made "still", only after a move that
 * leaves that canvas or changes the zoom); view = {ox, oy, scale, width, height, ratio} maps a
 * world coordinate w (Web Mercator in [0, 1]) to canvas pixels as w * scale - o.
 *
 * IM.PointLayer draws the events shown (a mask over the columns, changed without rebuilding anything).
 * Points that overlap at the current zoom (closer than a marker's diameter) are one stack: a larger
 * disc, in slices by category when they differ, with its number when it fits; zooming in splits them.
 * Discs are written as pixels into an ImageData buffer from small pre-drawn sprites, so a million points
 * cost one pass over the columns and one putImageData, not a million canvas calls.  The stacks are made
 * for a region three views wide around the view, in world pixels, and kept until the zoom or the points
 * shown change or the view leaves the region, so a pan draws the stacks it already has.  Context events
 * are faded with a dashed ring and drawn under the rest.  Hit testing uses the same cell grid the stacks
 * are made in, so a click or a hover finds its stack at once.
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;

  var held = null; // the canvas layers asked to redraw while drawing is held (IM.holdCanvases)

  IM.holdCanvases = function () {
    // Hold every canvas layer's drawing until the function returned is called, then draw each layer asked once: a
    // page setting up its map (layers added, resized, then moved to its first view) draws once, at that view.
    held = held || new Set();
    return function release() {
      var asked = held;
      held = null;
      if (asked) asked.forEach(function (layer) { layer.redraw(); });
    };
  };

  IM.CanvasLayer = L.Layer.extend({
    initialize: function (paneName, draw, options) {
      // options.still: after a pan that stays inside the canvas drawn last, keep it (it moves with the map) and call
      // options.kept(), if given.
      this._paneName = paneName;
      this._drawFn = draw;
      this._still = Boolean(options && options.still);
      this._kept = (options && options.kept) || null;
    },
    onAdd: function (m) {
      this._canvas = L.DomUtil.create("canvas", "im-canvas leaflet-zoom-animated");
      var pane = m.getPane(this._paneName) || m.createPane(this._paneName);
      if (this._paneName === "im-basemap") pane.style.zIndex = 200;
      pane.appendChild(this._canvas);
      this.redraw();
    },
    onRemove: function () {
      L.DomUtil.remove(this._canvas);
    },
    getEvents: function () {
      return { moveend: this._moved, zoomanim: this._animateZoom, resize: this.redraw };
    },
    _moved: function () {
      var m = this._map, view = this.view;
      if (this._still && view && view.scale === m.options.crs.scale(m.getZoom())) {
        var shown = m.getPixelBounds();
        if (shown.min.x >= view.ox && shown.min.y >= view.oy && shown.max.x <= view.ox + view.width && shown.max.y <= view.oy + view.height) {
          if (this._kept) this._kept();
          return;
        }
      }
      this.redraw();
    },
    _animateZoom: function (e) {
      var scale = this._map.getZoomScale(e.zoom);
      var offset = this._map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    redraw: function () {
      var m = this._map;
      if (!m) return;
      if (held) { held.add(this); return; }
      var size = m.getSize(), pad = size.multiplyBy(0.2).round();
      var topLeft = m.containerPointToLayerPoint(pad.multiplyBy(-1));
      var full = size.add(pad.multiplyBy(2));
      var ratio = window.devicePixelRatio || 1;
      var canvas = this._canvas;
      L.DomUtil.setPosition(canvas, topLeft);
      canvas.width = Math.max(1, Math.round(full.x * ratio));
      canvas.height = Math.max(1, Math.round(full.y * ratio));
      canvas.style.width = full.x + "px";
      canvas.style.height = full.y + "px";
      this._bounds = L.latLngBounds(m.layerPointToLatLng(topLeft), m.layerPointToLatLng(topLeft.add(full)));
      var origin = m.getPixelOrigin().add(topLeft);
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, full.x, full.y);
      this.view = { ox: origin.x, oy: origin.y, scale: m.options.crs.scale(m.getZoom()), width: full.x, height: full.y, ratio: ratio };
      this._drawFn(ctx, this.view, canvas);
    },
  });

  // --- sprites: a disc with its ring, as premultiplied-free RGBA pixels ---------------------

  function parseColour(hex) {
    return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
  }

  function sprite(radius, rgb, faded) {
    // {size, half, pixels: Uint8ClampedArray RGBA}: a filled disc with a white ring (dashed dark when faded).
    var size = Math.ceil(radius * 2 + 3), half = size / 2;
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    var ctx = canvas.getContext("2d");
    ctx.beginPath();
    ctx.arc(half, half, radius, 0, 2 * Math.PI);
    ctx.globalAlpha = faded ? 0.45 : 0.9;
    ctx.fillStyle = "rgb(" + rgb.join(",") + ")";
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.lineWidth = radius > 4 ? 1.5 : 0.75;
    if (faded) {
      ctx.setLineDash([2, 2]);
      ctx.strokeStyle = "#44403c";
    } else {
      ctx.strokeStyle = "#ffffff";
    }
    ctx.stroke();
    return { size: size, half: Math.floor(half), pixels: ctx.getImageData(0, 0, size, size).data };
  }

  function blit(target, width, height, s, cx, cy) {
    // Source-over compositing of sprite s centred at (cx, cy) into target (RGBA bytes).
    var x0 = Math.round(cx) - s.half, y0 = Math.round(cy) - s.half, p = s.pixels, size = s.size;
    for (var dy = 0; dy < size; dy++) {
      var y = y0 + dy;
      if (y < 0 || y >= height) continue;
      for (var dx = 0; dx < size; dx++) {
        var x = x0 + dx;
        if (x < 0 || x >= width) continue;
        var si = (dy * size + dx) * 4, a = p[si + 3];
        if (!a) continue;
        var ti = (y * width + x) * 4, ta = target[ti + 3];
        if (a === 255 || !ta) {
          target[ti] = p[si]; target[ti + 1] = p[si + 1]; target[ti + 2] = p[si + 2]; target[ti + 3] = a;
          continue;
        }
        var fa = a / 255, ba = (ta / 255) * (1 - fa), out = fa + ba;
        target[ti] = (p[si] * fa + target[ti] * ba) / out;
        target[ti + 1] = (p[si + 1] * fa + target[ti + 1] * ba) / out;
        target[ti + 2] = (p[si + 2] * fa + target[ti + 2] * ba) / out;
        target[ti + 3] = out * 255;
      }
    }
  }

  // --- the point layer ----------------------------------------------------------------

  var MAX_GROWTH = 14;

  IM.PointLayer = function (map, data) {
    // data: {lat, lon (int32 micro-degrees), category, flags, missing, colours (hex per category), contextOpacity}.
    var N = data.lat.length;
    this.map = map;
    this.data = data;
    this.N = N;
    this.worldX = new Float64Array(N);
    this.worldY = new Float64Array(N);
    this.mapped = new Uint8Array(N);
    for (var i = 0; i < N; i++) {
      if (data.lat[i] === data.missing) continue;
      this.mapped[i] = 1;
      this.worldX[i] = IM.mercatorX(data.lon[i] / 1e6);
      this.worldY[i] = IM.mercatorY(data.lat[i] / 1e6);
    }
    this.shown = new Uint8Array(N).fill(1);
    this.eventStack = new Int32Array(N).fill(-1);
    this.colours = data.colours.map(parseColour);
    this.sprites = new Map();
    this.stacks = { x: [], y: [], r: [], count: [], first: [], nonContext: [], id: [] };
    this.version = 0; // counts the changes of the points shown: the stacks are made again after one
    this.drawnCount = 0;
    this.radius = 7;
    this._listeners = [];
    var self = this;
    map.createPane("im-points").style.zIndex = 450;
    var told = function () { self._listeners.forEach(function (listener) { listener(self.stacks); }); };
    // added at the first show(), so the points are first stacked for the view and the events the page starts with
    this.layer = new IM.CanvasLayer("im-points", function (ctx, view, canvas) { self._draw(ctx, view, canvas); told(); },
                                    { still: true, kept: told });
  };

  IM.PointLayer.prototype.isContext = function (i) {
    return (this.data.flags[i] & 1) === 1;
  };

  IM.PointLayer.prototype.show = function (shown) {
    // shown: Uint8Array, 1 for each event to draw (unmapped ones are ignored).  The same events again keep the stacks.
    var same = shown.length === this.shown.length, mappedShown = 0;
    for (var i = 0; i < this.N; i++) {
      if (shown[i] && this.mapped[i]) mappedShown++;
      if (same && shown[i] !== this.shown[i]) same = false;
    }
    this.shown = shown;
    if (!same) this.version++;
    this.radius = mappedShown > 20000 ? 3 : mappedShown > 2000 ? 4.5 : 7;
    if (this.map.hasLayer(this.layer)) this.layer.redraw();
    else this.layer.addTo(this.map);
  };

  IM.PointLayer.prototype.onDraw = function (listener) {
    // listener(stacks) after each draw, and after each move that keeps the canvas drawn.
    this._listeners.push(listener);
  };

  IM.PointLayer.prototype._sprite = function (radius, category, faded) {
    var key = radius + "|" + category + "|" + faded;
    var s = this.sprites.get(key);
    if (!s) {
      s = sprite(radius, this.colours[category], faded);
      this.sprites.set(key, s);
    }
    return s;
  };

  IM.PointLayer.prototype.stackRadius = function (count) {
    var r = this.radius;
    return count === 1 ? r : Math.min(r * (1 + 0.35 * Math.log2(count)), r + MAX_GROWTH);
  };

  IM.PointLayer.prototype._stacksFor = function (view) {
    // The stacks of the shown points in a region around the view (the view grown by its size on every side), in
    // world pixels at this zoom.  Made again only when the zoom, the points shown or the marker size change, or the
    // view leaves the region: a pan only draws.  A stack gathers the points closer than a marker's diameter to its
    // first point; stacks are kept in a grid of diameter-sized cells anchored to the world, a list per cell, so each
    // point looks at the nine cells around it, and the same points make the same stacks wherever the view is.
    var c = this._cache, r = this.radius, scale = view.scale;
    var vx0 = view.ox, vy0 = view.oy, vx1 = view.ox + view.width, vy1 = view.oy + view.height;
    if (c && c.scale === scale && c.radius === r && c.version === this.version &&
        vx0 >= c.x0 && vy0 >= c.y0 && vx1 <= c.x1 && vy1 <= c.y1) return c;
    var cell = Math.max(2, Math.round(2 * r)), margin = Math.ceil(r + MAX_GROWTH), reach2 = cell * cell;
    var x0 = Math.floor((vx0 - view.width - margin) / cell) * cell, y0 = Math.floor((vy0 - view.height - margin) / cell) * cell;
    var x1 = vx1 + view.width + margin, y1 = vy1 + view.height + margin;
    var columns = Math.ceil((x1 - x0) / cell) + 1, rows = Math.ceil((y1 - y0) / cell) + 1;
    var cellHead = new Int32Array(columns * rows).fill(-1), next = [];
    var wx = this.worldX, wy = this.worldY, shown = this.shown, mapped = this.mapped, flags = this.data.flags;
    var category = this.data.category, eventStack = this.eventStack;
    var sx = [], sy = [], seedX = [], seedY = [], count = [], nonContext = [], cat = [], mixed = [], first = [];
    eventStack.fill(-1);
    for (var i = 0; i < this.N; i++) {
      if (!shown[i] || !mapped[i]) continue;
      var x = wx[i] * scale, y = wy[i] * scale;
      if (x < x0 || y < y0 || x >= x1 || y >= y1) continue;
      var col = Math.floor((x - x0) / cell), row = Math.floor((y - y0) / cell), s = -1, best = reach2;
      for (var dr = -1; dr <= 1; dr++) {
        if (row + dr < 0 || row + dr >= rows) continue;
        for (var dc = -1; dc <= 1; dc++) {
          if (col + dc < 0 || col + dc >= columns) continue;
          for (var t = cellHead[(row + dr) * columns + col + dc]; t >= 0; t = next[t]) {
            var ddx = seedX[t] - x, ddy = seedY[t] - y, d = ddx * ddx + ddy * ddy;
            if (d < best) { best = d; s = t; }
          }
        }
      }
      if (s < 0) {
        s = sx.length;
        var k = row * columns + col;
        next.push(cellHead[k]);
        cellHead[k] = s;
        sx.push(x); sy.push(y); seedX.push(x); seedY.push(y); count.push(1); nonContext.push(0); cat.push(category[i]);
        mixed.push(false); first.push(i);
      } else {
        count[s]++; sx[s] += x; sy[s] += y;
        if (cat[s] !== category[i]) mixed[s] = true;
      }
      if (!(flags[i] & 1)) nonContext[s]++;
      eventStack[i] = s;
    }
    var radii = new Array(sx.length), slices = new Map(), categories = this.colours.length;
    for (var u = 0; u < sx.length; u++) {
      sx[u] /= count[u];
      sy[u] /= count[u];
      radii[u] = this.stackRadius(count[u]);
      if (mixed[u]) slices.set(u, new Int32Array(categories));
    }
    if (slices.size) for (i = 0; i < this.N; i++) {
      var counts = eventStack[i] >= 0 ? slices.get(eventStack[i]) : null;
      if (counts) counts[category[i]]++;
    }
    this._cache = { scale: scale, radius: r, version: this.version, x0: x0, y0: y0, x1: x1, y1: y1, cell: cell, columns: columns,
                    rows: rows, cellHead: cellHead, next: next, x: sx, y: sy, r: radii, count: count, first: first,
                    nonContext: nonContext, cat: cat, mixed: mixed, slices: slices };
    return this._cache;
  };

  IM.PointLayer.prototype._draw = function (ctx, view, canvas) {
    // Draw the stacks in view: context-only stacks first (underneath), then the rest; mixed stacks as pies.
    var c = this._stacksFor(view), reach = this.radius + MAX_GROWTH;
    var st = { x: [], y: [], r: [], count: [], first: [], nonContext: [], id: [], view: view };
    var drawn = 0, order = [], pies = [], t;
    for (t = 0; t < c.x.length; t++) {
      var x = c.x[t] - view.ox, y = c.y[t] - view.oy;
      if (x < -reach || y < -reach || x > view.width + reach || y > view.height + reach) continue;
      st.x.push(x); st.y.push(y); st.r.push(c.r[t]); st.count.push(c.count[t]); st.first.push(c.first[t]);
      st.nonContext.push(c.nonContext[t]); st.id.push(t);
      drawn += c.count[t];
    }
    this.drawnCount = drawn;
    this.stacks = st;
    for (t = 0; t < st.x.length; t++) if (!st.nonContext[t]) order.push(t);
    for (t = 0; t < st.x.length; t++) if (st.nonContext[t]) order.push(t);
    var ratio = view.ratio, width = canvas.width, height = canvas.height;
    var image = ctx.createImageData(width, height), pixels = image.data;
    for (var o = 0; o < order.length; o++) {
      t = order[o];
      var id = st.id[t];
      if (c.mixed[id]) { pies.push(t); continue; }
      blit(pixels, width, height, this._sprite(Math.round(st.r[t] * ratio), c.cat[id], !st.nonContext[t]), st.x[t] * ratio, st.y[t] * ratio);
    }
    ctx.putImageData(image, 0, 0);
    if (pies.length) this._drawPies(ctx, pies);
    this._drawNumbers(ctx);
  };

  IM.PointLayer.prototype._drawPies = function (ctx, pies) {
    // pies: stacks drawn (indices into this.stacks) of several categories, a slice per category.
    var st = this.stacks, categories = this.colours.length, slices = this._cache.slices;
    var colours = this.data.colours;
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#ffffff";
    pies.forEach(function (t) {
      var counts = slices.get(st.id[t]), total = st.count[t], angle = -Math.PI / 2;
      ctx.globalAlpha = st.nonContext[t] ? 0.9 : 0.45;
      for (var c = 0; c < categories; c++) {
        if (!counts[c]) continue;
        var end = angle + (2 * Math.PI * counts[c]) / total;
        ctx.beginPath();
        ctx.moveTo(st.x[t], st.y[t]);
        ctx.arc(st.x[t], st.y[t], st.r[t], angle, end);
        ctx.closePath();
        ctx.fillStyle = colours[c];
        ctx.fill();
        angle = end;
      }
      ctx.globalAlpha = 1;
      ctx.beginPath();
      ctx.arc(st.x[t], st.y[t], st.r[t], 0, 2 * Math.PI);
      ctx.stroke();
    });
    ctx.globalAlpha = 1;
  };

  function shortCount(count) {
    return count < 1000 ? String(count) : count < 10000 ? (count / 1000).toFixed(1) + "k" : Math.round(count / 1000) + "k";
  }

  IM.PointLayer.prototype._drawNumbers = function (ctx) {
    // The number on each stack big enough to hold one, largest first, never on top of another.
    var st = this.stacks, labelled = [];
    for (var u = 0; u < st.x.length; u++) if (st.count[u] > 1 && st.r[u] >= 8) labelled.push(u);
    labelled.sort(function (a, b) { return st.count[b] - st.count[a]; });
    ctx.font = "bold 10px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "rgba(28, 25, 23, 0.8)";
    ctx.fillStyle = "#ffffff";
    var taken = new Set(), size = 8;
    labelled.slice(0, 3000).forEach(function (t) {
      var text = shortCount(st.count[t]), half = text.length * 3.2 + 2, cells = [];
      for (var cx = Math.floor((st.x[t] - half) / size); cx <= Math.floor((st.x[t] + half) / size); cx++) {
        for (var cy = Math.floor((st.y[t] - 6) / size); cy <= Math.floor((st.y[t] + 6) / size); cy++) cells.push(cx * 65536 + cy);
      }
      if (cells.some(function (c) { return taken.has(c); })) return;
      cells.forEach(function (c) { taken.add(c); });
      ctx.strokeText(text, st.x[t], st.y[t]);
      ctx.fillText(text, st.x[t], st.y[t]);
    });
  };

  IM.PointLayer.prototype.canvasPoint = function (containerPoint) {
    // A container point in the canvas's pixels at the last draw.
    var origin = this.map.getPixelOrigin().add(this.map.containerPointToLayerPoint(containerPoint));
    return { x: origin.x - this.stacks.view.ox, y: origin.y - this.stacks.view.oy };
  };

  IM.PointLayer.prototype.stackAt = function (containerPoint) {
    // The stack drawn under a container point (nearest of those within reach), or -1.
    var c = this._cache, view = this.stacks.view;
    if (!c || !view) return -1;
    var p = this.canvasPoint(containerPoint), x = p.x + view.ox, y = p.y + view.oy;
    var reach = this.radius + MAX_GROWTH + 3, best = -1, bestD = Infinity;
    var c0 = Math.floor((x - c.x0 - reach) / c.cell), c1 = Math.floor((x - c.x0 + reach) / c.cell);
    var r0 = Math.floor((y - c.y0 - reach) / c.cell), r1 = Math.floor((y - c.y0 + reach) / c.cell);
    for (var row = Math.max(0, r0); row <= Math.min(c.rows - 1, r1); row++) {
      for (var col = Math.max(0, c0); col <= Math.min(c.columns - 1, c1); col++) {
        for (var s = c.cellHead[row * c.columns + col]; s >= 0; s = c.next[s]) {
          var dx = c.x[s] - x, dy = c.y[s] - y, d = dx * dx + dy * dy, within = c.r[s] + 3;
          if (d <= within * within && d < bestD) { best = s; bestD = d; }
        }
      }
    }
    return best;
  };

  IM.PointLayer.prototype.members = function (stack) {
    // The events of a stack (as stackAt gives it): reported incidents first, then context events, each in their order.
    var found = [], context = [], eventStack = this.eventStack, flags = this.data.flags;
    for (var i = 0; i < this.N; i++) {
      if (eventStack[i] !== stack) continue;
      (flags[i] & 1 ? context : found).push(i);
    }
    return found.concat(context);
  };

  IM.PointLayer.prototype.containerPoint = function (i) {
    var origin = this.map.getPixelBounds().min, scale = this.map.options.crs.scale(this.map.getZoom());
    return L.point(this.worldX[i] * scale - origin.x, this.worldY[i] * scale - origin.y);
  };

  IM.PointLayer.prototype.latLng = function (i) {
    return L.latLng(this.data.lat[i] / 1e6, this.data.lon[i] / 1e6);
  };
})();
