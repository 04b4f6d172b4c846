/* incident-map web map, the offline basemap: land and countries (world-atlas TopoJSON), first-level
 * boundaries, lakes and rivers (Natural Earth, clipped by geo/basemap.py to the map's extent) on one
 * canvas, and the de facto and disputed boundary lines dashed above them, each with its full neutral
 * description as a tooltip.  Nothing here comes from the network.
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;

  var LAND = "#f4f1ea", BORDER = "#b4aca4", ADMIN = "#cdc6bd", WATER = "#b9d3e6", RIVER = "#8fb6d6";

  function worldPath(coords) {
    // A ring or line as world x, y pairs, longitudes made continuous across the antimeridian, with its box.
    var n = coords.length, xy = new Float64Array(2 * n), offset = 0, prev = 0;
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    for (var k = 0; k < n; k++) {
      var lon = coords[k][0] + offset;
      if (k) {
        while (lon - prev > 180) { lon -= 360; offset -= 360; }
        while (lon - prev < -180) { lon += 360; offset += 360; }
      }
      prev = lon;
      var x = IM.mercatorX(lon), y = IM.mercatorY(coords[k][1]);
      xy[2 * k] = x;
      xy[2 * k + 1] = y;
      if (x < box[0]) box[0] = x;
      if (x > box[2]) box[2] = x;
      if (y < box[1]) box[1] = y;
      if (y > box[3]) box[3] = y;
    }
    return { xy: xy, box: box };
  }

  function worldRing(ring) {
    // A ring that circles a pole (Antarctica) is closed through the pole.
    var path = worldPath(ring), n = ring.length;
    var lonSpan = Math.abs(path.xy[2 * n - 2] - path.xy[0]) * 360;
    if (lonSpan > 180) {
      var poleY = IM.mercatorY(ring[0][1] < 0 ? -90 : 90), xy = path.xy;
      var closed = new Float64Array(xy.length + 6);
      closed.set(xy);
      closed.set([xy[xy.length - 2], poleY, xy[0], poleY, xy[0], xy[1]], xy.length);
      path.xy = closed;
      path.box[1] = Math.min(path.box[1], poleY);
      path.box[3] = Math.max(path.box[3], poleY);
    }
    return path;
  }

  function paths(collection, ring) {
    var out = [];
    ((collection && collection.features) || []).forEach(function (f) {
      var g = f.geometry;
      if (!g) return;
      var parts = g.type === "Polygon" ? g.coordinates : g.type === "MultiPolygon" ? [].concat.apply([], g.coordinates)
        : g.type === "LineString" ? [g.coordinates] : g.type === "MultiLineString" ? g.coordinates : [];
      parts.forEach(function (part) { out.push(ring ? worldRing(part) : worldPath(part)); });
    });
    return out;
  }

  var SHAPE_REGIONS_KEPT = 4;

  function addPaths(target, list, close, v) {
    // The paths of `list` whose box meets view v into `target` (a Path2D), as pixels of v, a vertex less than a pixel
    // from the last left out.
    list.forEach(function (p) {
      var b = p.box;
      if (b[2] * v.scale - v.ox < 0 || b[0] * v.scale - v.ox > v.width || b[3] * v.scale - v.oy < 0 || b[1] * v.scale - v.oy > v.height) return;
      var xy = p.xy, lastX = xy[0] * v.scale - v.ox, lastY = xy[1] * v.scale - v.oy;
      target.moveTo(lastX, lastY);
      for (var k = 2; k < xy.length; k += 2) {
        var x = xy[k] * v.scale - v.ox, y = xy[k + 1] * v.scale - v.oy;
        if (Math.abs(x - lastX) + Math.abs(y - lastY) < 0.6 && k < xy.length - 2) continue; // under a pixel
        target.lineTo(x, y);
        lastX = x;
        lastY = y;
      }
      if (close) target.closePath();
    });
    return target;
  }

  function shaper(list, close) {
    // shape(v): `list` as {path: Path2D, dx, dy} for view v, drawn shifted by (dx, dy).  The paths are made for a region
    // around the view (the view and half of it again on every side; at a low zoom, the world), with only the parts whose
    // box meets it walked, in pixels from its corner, and kept (the last SHAPE_REGIONS_KEPT): the first view of a
    // country waits for its neighbours, not for every vertex of the world, and a redraw inside a region made before (a
    // resize, a pan out of the canvas) costs the canvas alone.
    var made = [];
    return function (v) {
      var region = made.find(function (r) {
        return r.scale === v.scale && v.ox >= r.x0 && v.oy >= r.y0 && v.ox + v.width <= r.x1 && v.oy + v.height <= r.y1;
      });
      if (!region) {
        region = { scale: v.scale, x0: v.ox - v.width / 2, y0: v.oy - v.height / 2, x1: v.ox + 1.5 * v.width, y1: v.oy + 1.5 * v.height };
        var box = { scale: v.scale, ox: region.x0, oy: region.y0, width: region.x1 - region.x0, height: region.y1 - region.y0 };
        region.path = addPaths(new Path2D(), list, close, box);
        made.push(region);
        if (made.length > SHAPE_REGIONS_KEPT) made.shift();
      }
      return { path: region.path, dx: region.x0 - v.ox, dy: region.y0 - v.oy };
    };
  }

  function paint(ctx, shape, style) {
    // Fill (style.fill) or stroke (style.stroke, width, dash) a shape.
    ctx.save();
    ctx.translate(shape.dx, shape.dy);
    if (style.fill) {
      ctx.fillStyle = style.fill;
      ctx.fill(shape.path, "evenodd");
    } else {
      ctx.strokeStyle = style.stroke;
      ctx.lineWidth = style.width;
      ctx.setLineDash(style.dash || []);
      ctx.stroke(shape.path);
    }
    ctx.restore();
  }

  function countryShapes(topology) {
    // The countries' rings as a shaper (see shaper), made once per topology.
    if (!topology.imShapes) {
      var countries = topojson.feature(topology, topology.objects.countries);
      topology.imShapes = { count: countries.features.length, land: shaper(paths(countries, true), true) };
    }
    return topology.imShapes;
  }

  function drawLand(ctx, v, land) {
    var shape = land(v);
    paint(ctx, shape, { fill: LAND });
    paint(ctx, shape, { stroke: BORDER, width: 0.8 });
  }

  IM.landLayer = function (topology) {
    // The countries alone, as a layer for another map (the minimap).
    var land = countryShapes(topology).land;
    return new IM.CanvasLayer("im-basemap", function (ctx, v) { drawLand(ctx, v, land); }, { still: true });
  };

  IM.Basemap = function (map, topology, layers) {
    // layers: {admin1_boundaries, lakes, rivers, claim_lines, ...} as GeoJSON (may be empty).
    var made = countryShapes(topology);
    this.countryCount = made.count;
    var land = made.land;
    var admin = shaper(paths(layers.admin1_boundaries, false), false);
    var lakes = shaper(paths(layers.lakes, true), true);
    var rivers = shaper(paths(layers.rivers, false), false);
    map.getContainer().classList.add("im-offline");
    new IM.CanvasLayer("im-basemap", function (ctx, v) {
      var shape = land(v);
      paint(ctx, shape, { fill: LAND });
      if (v.scale >= 256 * 16) { // zoom 4 and in: provinces, lakes and rivers
        paint(ctx, admin(v), { stroke: ADMIN, width: 0.8, dash: [3, 2] });
        paint(ctx, rivers(v), { stroke: RIVER, width: v.scale >= 256 * 128 ? 1.6 : 1 });
        paint(ctx, lakes(v), { fill: WATER });
      }
      paint(ctx, shape, { stroke: BORDER, width: 0.8 });
    }, { still: true }).addTo(map);
  };

  IM.AreaShading = function (map, areas, phrase, shades) {
    // First-level areas shaded by a count per area (fill(counts), counts indexed by each feature's properties.index), in
    // shades (geo/style.py SHADES) by classes with round bounds (the same rule as style.count_classes).
    map.createPane("im-areas").style.zIndex = 300;
    this.phrase = phrase;
    this.shades = shades;
    this.counts = null;
    this.slots = 1 + areas.features.reduce(function (top, f) { return Math.max(top, f.properties.index); }, 0);
    var self = this;
    this.layer = L.geoJSON(areas, {
      pane: "im-areas",
      style: function () { return { weight: 0.8, color: "#78716c", fillOpacity: 0, opacity: 0.6 }; },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () {
          var n = self.counts ? self.counts[feature.properties.index] : 0;
          return IM.el("span", null, feature.properties.name + ": " + phrase("events_here", n));
        }, { sticky: true, className: "im-line-label" });
      },
    });
  };

  IM.AreaShading.prototype.fill = function (counts) {
    // Shade by counts; returns the legend rows that say what the shades count.
    this.counts = counts;
    var top = 0, total = 0;
    for (var k = 0; k < counts.length; k++) { top = Math.max(top, counts[k]); total += counts[k]; }
    var breaks = countClasses(top, this.shades.length), self = this;
    this.layer.setStyle(function (feature) {
      var n = counts[feature.properties.index];
      var shade = n ? self.shades[breaks.findIndex(function (b) { return n <= b[1]; })] : null;
      return { weight: 0.8, color: "#78716c", opacity: 0.6, fillColor: shade || "#ffffff", fillOpacity: shade ? 0.75 : 0 };
    });
    var rows = [[IM.el("span"), self.phrase("area_shades", total)]];
    breaks.forEach(function (b, k) {
      var swatch = IM.el("span", "im-swatch im-swatch-square");
      swatch.style.background = self.shades[k];
      rows.push([swatch, b[0] === b[1] ? IM.number(b[0]) : IM.number(b[0]) + "\u2013" + IM.number(b[1])]);
    });
    return rows;
  };

  function countClasses(top, most) {
    // At most ``most`` classes [low, high] covering 1..top, with round bounds: geo/style.py count_classes, in JS.
    if (top <= most) return Array.from({ length: top }, function (_, k) { return [k + 1, k + 1]; });
    var step = Math.pow(10, Math.floor(Math.log10(top / most)));
    var size = [1, 2, 5, 10].map(function (m) { return m * step; }).find(function (s) { return top / s <= most; });
    var out = [];
    for (var low = 1; low <= top; low += size) out.push([low, Math.min(top, low === 1 ? size : low + size - 1)]);
    return out;
  }

  IM.boundaryLines = function (map, disputed, claims) {
    // The de facto and disputed lines (dashed, darker) and Natural Earth's claim limits (dotted, lighter).
    var pane = map.createPane("im-lines");
    pane.style.zIndex = 380;
    function unwrapLine(coords) {
      // Longitudes made continuous across the antimeridian, so Leaflet draws no line across the world.
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
    function unwrap(f) {
      var g = f.geometry;
      if (g.type === "LineString") g.coordinates = unwrapLine(g.coordinates);
      else if (g.type === "MultiLineString") g.coordinates = g.coordinates.map(unwrapLine);
    }
    [disputed, claims].forEach(function (c) { (c.features || []).forEach(unwrap); });
    var halo = { color: LAND, weight: 3.5, opacity: 1 };
    L.geoJSON(disputed, { pane: "im-lines", interactive: false, style: halo }).addTo(map);
    function withTooltip(feature, layer) {
      layer.bindTooltip(IM.el("span", null, feature.properties.label), { sticky: true, className: "im-line-label" });
    }
    L.geoJSON(claims, { pane: "im-lines", style: { color: "#8a8178", weight: 1.2, dashArray: "1 4", lineCap: "round", className: "im-claim" },
                        onEachFeature: withTooltip }).addTo(map);
    L.geoJSON(disputed, { pane: "im-lines", style: { color: "#57534e", weight: 1.6, dashArray: "6 4", className: "im-disputed" },
                          onEachFeature: withTooltip }).addTo(map);
  };
})();
