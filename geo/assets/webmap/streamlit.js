/* incident-map web map as a Streamlit component (API version 1), for the app.
 *
 * Loaded only on the component page (geo/webmap.py component_page), after incidentmap.js.
 * Speaks the component protocol by postMessage: "streamlit:componentReady" once, then
 * each "streamlit:render" brings args {revision, payload, mask, header, height}:
 *   - payload (bytes, gzip JSON from webmap.component_payload): all events of one store
 *     revision; sent by the app only while this page has not reported that revision loaded;
 *   - mask (bytes, webmap.shown_mask): which of them the current filter shows;
 *   - header: the header texts for the current filter.
 * The page reports {loaded: revision, pick: event id, picks: count} with
 * "streamlit:setComponentValue" when it has loaded a revision or when the user opens an
 * event's card (so the app can show it), and asks for its height with "streamlit:setFrameHeight".
 * It never builds HTML from the data; incidentmap.js shows every text as text.
 */
(function () {
  "use strict";

  var page = null, loaded = null, pick = null, picks = 0, reported = null;
  var queue = Promise.resolve();

  function send(type, fields) {
    var message = { isStreamlitMessage: true, type: "streamlit:" + type };
    Object.keys(fields || {}).forEach(function (name) { message[name] = fields[name]; });
    window.parent.postMessage(message, "*");
  }

  function report() {
    var value = { loaded: loaded, pick: pick, picks: picks };
    var text = JSON.stringify(value);
    if (text === reported) return;
    reported = text;
    send("setComponentValue", { value: value, dataType: "json" });
  }

  function onPick(id) {
    pick = id;
    picks++;
    report();
  }

  function render(args) {
    send("setFrameHeight", { height: args.height });
    if (args.payload) {
      return window.IncidentMapPage.gunzipJson(args.payload).then(function (all) {
        if (page) page.destroy();
        page = window.IncidentMapPage.start({
          data: all.data, topology: all.topology, texts: Promise.resolve(all.texts), mask: args.mask, onPick: onPick,
        });
        page.showOnly(args.mask, args.header);
        loaded = args.revision;
        report();
      });
    }
    if (page && loaded === args.revision) page.showOnly(args.mask, args.header);
    else {
      // The app thinks this page has the revision (a new frame, or a reload): say it has not.
      loaded = page ? loaded : null;
      reported = null;
      report();
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || event.data.type !== "streamlit:render") return;
    var args = event.data.args;
    // One render at a time, in order: a payload is decoded before the masks that follow it apply.
    queue = queue.then(function () { return render(args); }).catch(function (error) {
      document.getElementById("im-counts").textContent = "The map could not be drawn: " + error;
    });
  });
  send("componentReady", { apiVersion: 1 });
})();
