/* incident-map web map, time: a histogram of the events shown over time, a brush that selects a period,
 * and Play, which steps through the periods (cumulative: everything up to the step; window: only the
 * step) at a chosen speed.  The page filters its own events, with no round trip: a mask over the day
 * columns.  The periods and their names come from Python (geo/timeline.py via the page's meta), so the
 * page says a period exactly as the briefing and the app do.
 *
 * The date rule: an event dated only to a month or a year, or approximately, may have happened on any
 * day of its period (dayMin..dayMax), so it is shown whenever that period overlaps the step; an undated
 * event never appears while a time selection is active, and the status line says how many are left out.
 */
(function () {
  "use strict";
  var IM = window.IncidentMap;
  var el = IM.el;
  var SPEEDS = [["0.5\u00d7", 1600], ["1\u00d7", 800], ["2\u00d7", 400], ["4\u00d7", 200]];

  IM.Timeline = function (node, o) {
    // o: {dayMin, dayMax (int32 columns), missing, periods {step: [[first day, last day, label], ...]}, defaultStep,
    //     phrase, base() -> the Uint8Array of events the other filters show, apply(mask, text) -> shows them,
    //     onSelect(range or null) (optional: a brush selection made or cleared)}
    this.o = o;
    this.step = o.defaultStep;
    this.mode = "cumulative";
    this.speed = 800;
    this.position = -1; // the period playback is at; -1 when not playing through
    this.range = null; // [first day, last day] selected with the brush, or null
    this.timer = null;
    this._build(node);
  };

  IM.Timeline.prototype._build = function (node) {
    var self = this, box = el("div", "im-timeline");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Timeline");
    var controls = el("div", "im-time-controls");
    this.play = el("button", "im-play", "Play");
    this.play.type = "button";
    this.play.setAttribute("aria-label", "Play");
    this.play.addEventListener("click", function () { if (self.timer) self.pause(); else self.start(); });
    controls.appendChild(this.play);
    this.stepSelect = select(controls, "Step", Object.keys(this.o.periods).map(function (s) { return [s, s]; }), this.step, function (v) {
      self.step = v;
      self.position = -1;
      self.draw();
      self.apply();
    });
    this.modeSelect = select(controls, "Mode", [["cumulative", "cumulative"], ["window", "window"]], this.mode, function (v) {
      self.mode = v;
      self.apply();
    });
    select(controls, "Speed", SPEEDS.map(function (s) { return [String(s[1]), s[0]]; }), String(this.speed), function (v) {
      self.speed = Number(v);
      if (self.timer) { self.pause(); self.start(); }
    });
    this.status = el("p", "im-time-status");
    this.status.setAttribute("aria-live", "polite");
    controls.appendChild(this.status);
    box.appendChild(controls);
    this.canvas = el("canvas", "im-histogram");
    this.canvas.height = 56;
    this.canvas.setAttribute("aria-label", "Events over time: drag to select a period, double-click to clear");
    box.appendChild(this.canvas);
    node.appendChild(box);
    this._brush();
    window.addEventListener("resize", function () { self.width = 0; self.draw(); });
    requestAnimationFrame(function () { self.draw(); self.apply(); });

    function select(parent, label, options, value, onChange) {
      var wrap = el("label", "im-time-field", label + " ");
      var s = el("select");
      options.forEach(function (opt) {
        var option = el("option", null, opt[1]);
        option.value = opt[0];
        s.appendChild(option);
      });
      s.value = value;
      s.addEventListener("change", function () { onChange(s.value); });
      wrap.appendChild(s);
      parent.appendChild(wrap);
      return s;
    }
  };

  IM.Timeline.prototype.periods = function () {
    return this.o.periods[this.step];
  };

  IM.Timeline.prototype.start = function () {
    var self = this, periods = this.periods();
    if (!periods.length) return;
    if (this.position < 0 || this.position >= periods.length - 1) this.position = -1;
    this.play.textContent = "Pause";
    this.play.setAttribute("aria-label", "Pause");
    this.range = null;
    var tick = function () {
      self.position += 1;
      self.draw();
      self.apply();
      if (self.position >= self.periods().length - 1) self.pause();
    };
    tick();
    if (this.timer === null && this.position < periods.length - 1) this.timer = setInterval(tick, this.speed);
  };

  IM.Timeline.prototype.pause = function () {
    clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "Play";
    this.play.setAttribute("aria-label", "Play");
  };

  IM.Timeline.prototype.selection = function () {
    // The [first day, last day, label] shown now, or null for all time.
    if (this.position >= 0) {
      var p = this.periods()[this.position];
      if (this.mode === "cumulative") return [-2147483647, p[1], p[2], true];
      return p;
    }
    return this.range;
  };

  IM.Timeline.prototype.apply = function () {
    // Show the events of the other filters that the time selection keeps, and say what is shown.
    var o = this.o, base = o.base(), sel = this.selection(), N = base.length;
    var mask = new Uint8Array(N), shown = 0, total = 0, undated = 0;
    for (var i = 0; i < N; i++) {
      if (!base[i]) continue;
      total++;
      if (!sel) { mask[i] = 1; shown++; continue; }
      if (o.dayMin[i] === o.missing) { undated++; continue; }
      if (o.dayMin[i] <= sel[1] && o.dayMax[i] >= sel[0]) { mask[i] = 1; shown++; }
    }
    var text = "";
    if (sel) {
      var label = sel[3] ? o.phrase("and_before", 1, { period: sel[2] }) : sel[2];
      text = o.phrase("period_counts", total, { period: label, shown: shown });
      if (undated) text += "; " + o.phrase("undated_in_time", undated);
    }
    this.status.textContent = text;
    o.apply(mask, text);
  };

  IM.Timeline.prototype.draw = function () {
    // A bar per period of the current step (events counted in the period they may first have happened in).
    // Its width is measured once and again after a resize, never after the page has written to the document (that
    // would make the browser lay the page out there and then); the canvas is sized only when that changes.
    var canvas = this.canvas;
    if (!this.width) this.width = canvas.clientWidth || canvas.parentNode.clientWidth;
    var width = this.width || 600, ratio = window.devicePixelRatio || 1, height = 56, periods = this.periods(), o = this.o;
    var base = o.base();
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.height = height + "px";
    }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!periods.length) return;
    var counts = new Int32Array(periods.length), starts = periods.map(function (p) { return p[0]; });
    for (var i = 0; i < base.length; i++) {
      if (!base[i] || o.dayMin[i] === o.missing) continue;
      var k = upperBound(starts, o.dayMin[i]) - 1;
      if (k >= 0 && k < periods.length && o.dayMin[i] <= periods[k][1]) counts[k]++;
    }
    var top = Math.max.apply(null, counts) || 1, barW = width / periods.length, sel = this.selection();
    for (var p = 0; p < periods.length; p++) {
      var h = Math.round(((height - 14) * counts[p]) / top);
      var on = !sel || (periods[p][0] <= sel[1] && periods[p][1] >= sel[0]);
      ctx.fillStyle = on ? "#57534e" : "#d6d3d1";
      ctx.fillRect(p * barW + (barW > 3 ? 0.5 : 0), height - 12 - h, Math.max(1, barW - (barW > 3 ? 1 : 0)), h);
    }
    ctx.fillStyle = "#57534e";
    ctx.font = "10px system-ui, sans-serif";
    ctx.textBaseline = "bottom";
    ctx.textAlign = "left";
    ctx.fillText(periods[0][2], 2, height);
    ctx.textAlign = "right";
    ctx.fillText(periods[periods.length - 1][2], width - 2, height);
    this.counts = counts;
  };

  IM.Timeline.prototype._brush = function () {
    var self = this, canvas = this.canvas, from = null;
    function periodAt(x) {
      var periods = self.periods(), w = canvas.clientWidth || 1;
      return Math.max(0, Math.min(periods.length - 1, Math.floor((x / w) * periods.length)));
    }
    canvas.addEventListener("pointerdown", function (e) {
      if (!self.periods().length) return;
      self.pause();
      self.position = -1;
      from = periodAt(e.offsetX);
      canvas.setPointerCapture(e.pointerId);
      select(from, from);
    });
    canvas.addEventListener("pointermove", function (e) { if (from !== null) select(from, periodAt(e.offsetX)); });
    canvas.addEventListener("pointerup", function (e) {
      if (from === null) return;
      select(from, periodAt(e.offsetX));
      from = null;
      if (self.o.onSelect) self.o.onSelect(self.range);
    });
    canvas.addEventListener("dblclick", function () { self.clear(); if (self.o.onSelect) self.o.onSelect(null); });
    function select(a, b) {
      var periods = self.periods(), lo = Math.min(a, b), hi = Math.max(a, b);
      var label = lo === hi ? periods[lo][2] : periods[lo][2] + " \u2013 " + periods[hi][2];
      self.range = [periods[lo][0], periods[hi][1], label];
      self.draw();
      self.apply();
    }
  };

  IM.Timeline.prototype.choose = function (first, last, label) {
    // Take a period by its days (null: all time) as the selection, without applying it: the caller applies it once
    // with what else changes (the page's showOnly, for the app's filter).
    this.pause();
    this.position = -1;
    this.range = first === null ? null : [first, last, label];
  };

  IM.Timeline.prototype.selectDays = function (first, last, label) {
    // Select a period by its days (as the brush would) and show it.
    this.choose(first, last, label);
    this.draw();
    this.apply();
  };

  IM.Timeline.prototype.clear = function () {
    this.selectDays(null);
  };

  function upperBound(sorted, value) {
    var lo = 0, hi = sorted.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
})();
