/* incident-map web map, core: the namespace, DOM helpers that only ever make text, the page's phrases,
 * and reading the binary columns geo/webmap/columns.py writes.
 *
 * Every other webmap/*.js file adds to window.IncidentMap (IM).  No function here builds HTML from
 * data: el() sets textContent, and a source is a link only when safeUrl() accepts its URL.
 */
(function () {
  "use strict";
  var IM = (window.IncidentMap = window.IncidentMap || {});

  IM.el = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== "") node.textContent = text;
    return node;
  };

  var NUMBERS = new Intl.NumberFormat("en"); // made once: toLocaleString makes a formatter on every call

  IM.number = function (n) {
    return NUMBERS.format(Number(n));
  };

  IM.phrases = function (table) {
    // phrase(key, n, values): the (one, many) form of table[key] for n, with {n} and {name} filled in.
    return function (key, n, values) {
      var forms = table[key];
      var text = n === 1 ? forms[0] : forms[1];
      return text.replace(/\{(\w+)\}/g, function (_, name) {
        var value = name === "n" ? n : (values || {})[name];
        return typeof value === "number" ? IM.number(value) : String(value);
      });
    };
  };

  IM.safeUrl = function (url) {
    if (!/^https?:\/\//i.test(url || "")) return null;
    try {
      var parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  };

  // --- reading the data blocks -------------------------------------------------------

  IM.base64Bytes = function (text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text.trim());
    var binary = atob(text.trim());
    var bytes = new Uint8Array(binary.length);
    for (var k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
    return bytes;
  };

  IM.gunzip = function (bytes) {
    // gzip bytes -> Promise of an ArrayBuffer.
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  };

  IM.blockBytes = function (id) {
    // A page's base64 block -> its bytes (gzip, as written).
    var block = document.getElementById(id);
    if (!block) throw new Error("no data block " + id);
    return IM.base64Bytes(block.textContent);
  };

  IM.readBlock = function (id) {
    // A page's gzip+base64 block -> Promise of an ArrayBuffer.
    try {
      return IM.gunzip(IM.blockBytes(id));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  var FINAL_EMPTY_BLOCK = new Uint8Array([3, 0]); // raw deflate: an empty fixed-Huffman block marked last

  IM.Sliced = function (gz, slices) {
    // A gzip blob made in slices that each inflate on their own (geo/webmap/columns.py sliced_gzip; slices: [slice
    // bytes, [deflate length of each], bytes in all]), inflated a slice at a time, only the slices asked for, into
    // `bytes` (the rest stays zero).
    this.gz = gz;
    this.size = slices[0];
    this.starts = [10]; // after the gzip header
    for (var k = 0; k < slices[1].length; k++) this.starts.push(this.starts[k] + slices[1][k]);
    this.bytes = new Uint8Array(slices[2]);
    this.loaded = [];
  };
  IM.Sliced.prototype.load = function (want) {
    // Promise: every slice k with want[k] set inflated.
    var jobs = [];
    for (var k = 0; k < want.length; k++) if (want[k]) jobs.push(this.slice(k));
    return Promise.all(jobs);
  };
  IM.Sliced.prototype.mark = function (want, start, end) {
    // Set in want the slices that hold bytes [start, end).
    for (var k = Math.floor(start / this.size); k * this.size < end; k++) want[k] = 1;
    return want;
  };
  IM.Sliced.prototype.wanted = function () {
    return new Uint8Array(this.starts.length - 1);
  };
  IM.Sliced.prototype.slice = function (k) {
    if (!this.loaded[k]) {
      var self = this, body = this.gz.subarray(this.starts[k], this.starts[k + 1]);
      var stream = new Blob(k === this.starts.length - 2 ? [body] : [body, FINAL_EMPTY_BLOCK]).stream();
      this.loaded[k] = new Response(stream.pipeThrough(new DecompressionStream("deflate-raw"))).arrayBuffer().then(function (buffer) {
        self.bytes.set(new Uint8Array(buffer), k * self.size);
      });
    }
    return this.loaded[k];
  };

  IM.readJson = function (id) {
    var block = document.getElementById(id);
    return block ? JSON.parse(block.textContent) : null;
  };

  var TYPES = {
    int32: Int32Array, uint32: Uint32Array, int16: Int16Array, uint16: Uint16Array, uint8: Uint8Array, int8: Int8Array,
    float32: Float32Array, float64: Float64Array,
  };

  IM.columns = function (buffer, layout) {
    // layout: [[name, dtype, byte offset, length], ...] -> {name: typed array viewing buffer}.
    var out = {};
    layout.forEach(function (c) {
      out[c[0]] = new TYPES[c[1]](buffer, c[2], c[3]);
    });
    return out;
  };

  IM.utf8Json = function (buffer) {
    return JSON.parse(new TextDecoder("utf-8").decode(buffer));
  };

  // --- Web Mercator: world coordinates in [0, 1] -------------------------------------

  var MAX_LAT = 85.0511287798;
  IM.mercatorX = function (lon) {
    return (lon + 180) / 360;
  };
  IM.mercatorY = function (lat) {
    var sin = Math.sin((Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180);
    return 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI);
  };

  IM.bitSet = function (mask, i) {
    return (mask[i >> 3] >> (i & 7)) & 1;
  };
})();
