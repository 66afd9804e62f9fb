// flightcheck workbench: table sorting and filtering, linking of table, timeline and map,
// and the forms. Plain JavaScript, no build step, no network beyond this server.
"use strict";
(function () {
  const body = document.body;
  const token = body.dataset.token;
  const readOnly = body.dataset.readOnly === "true";
  let base = body.dataset.base;
  const message = document.getElementById("message");

  function say(text) { message.textContent = text; }

  function author() {
    const field = document.getElementById("author");
    return field ? field.value.trim() : body.dataset.author;
  }
  const authorField = document.getElementById("author");
  if (authorField) {
    const saved = window.localStorage.getItem("flightcheck-author");
    if (saved) authorField.value = saved;
    authorField.addEventListener("change", () =>
      window.localStorage.setItem("flightcheck-author", authorField.value.trim()));
  }

  async function call(path, payload) {
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-Flightcheck-Token": token},
      body: JSON.stringify(payload || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {error: response.statusText}; }
    return {status: response.status, data: data};
  }

  // An edit names the case.toml hash this page showed; on a conflict the user chooses to
  // apply it on top of the current file or to leave it (the form keeps what was typed).
  async function edit(action, payload, errorBox) {
    for (;;) {
      const result = await call("/api/edit/" + action,
                                Object.assign({base: base, author: author()}, payload));
      if (result.status === 200) { window.location.reload(); return true; }
      if (result.status === 409 && result.data.current) {
        const again = window.confirm(
          "case.toml was changed elsewhere (another tab, an editor or the command line) " +
          "since this page was loaded.\n\nApply your change on top of the current file? " +
          "(Cancel keeps your form as it is; reload to see the other change.)");
        if (!again) { showError(errorBox, result.data.error); return false; }
        base = result.data.current;
        continue;
      }
      showError(errorBox, result.data.error || ("error " + result.status));
      return false;
    }
  }

  function showError(box, text) {
    if (box) box.textContent = text; else say(text);
  }

  // ---- findings table: filter and sort --------------------------------------------------
  const table = document.getElementById("findings");
  const rows = table ? Array.from(table.tBodies[0].rows) : [];
  const filters = ["f-aircraft", "f-type", "f-from", "f-to", "f-text"].map(
    (id) => document.getElementById(id));

  function applyFilters() {
    const [aircraft, type, from, to, text] = filters.map((f) => (f ? f.value : ""));
    const needle = text.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      const d = row.dataset;
      const ok = (!aircraft || d.aircraft === aircraft) && (!type || d.type === type) &&
        (!from || !d.day || d.day >= from) && (!to || !d.day || d.day <= to) &&
        (!needle || row.textContent.toLowerCase().includes(needle));
      row.hidden = !ok;
      if (ok) shown += 1;
    }
    const count = document.getElementById("f-count");
    if (count) count.textContent = shown + " of " + rows.length;
  }
  filters.forEach((f) => f && f.addEventListener("input", applyFilters));
  applyFilters();

  // the aircraft filter also narrows the map to that aircraft
  if (filters[0]) {
    filters[0].addEventListener("change", () => {
      const frame = document.getElementById("map");
      const only = filters[0].value;
      body.dataset.mapReady = "false";
      frame.src = "/map?token=" + encodeURIComponent(token) +
        (only ? "&aircraft=" + encodeURIComponent(only) : "");
    });
  }

  if (table) {
    for (const th of table.tHead.rows[0].cells) {
      if (!th.dataset.sort) continue;
      th.classList.add("sortable");
      th.addEventListener("click", () => {
        const key = th.dataset.sort, numeric = th.dataset.numeric === "1";
        const dir = th.dataset.dir === "asc" ? -1 : 1;
        for (const other of table.tHead.rows[0].cells) delete other.dataset.dir;
        th.dataset.dir = dir === 1 ? "asc" : "desc";
        const value = (r) => numeric ? (r.dataset[key] === "" ? -Infinity : Number(r.dataset[key]))
                                     : (r.dataset[key] || "");
        const sorted = rows.slice().sort((a, b) => {
          const x = value(a), y = value(b);
          return (x < y ? -1 : x > y ? 1 : 0) * dir;
        });
        for (const r of sorted) table.tBodies[0].appendChild(r);
      });
    }
  }

  // ---- linking: table row <-> timeline bar <-> map marker --------------------------------
  function mapWindow() {
    const frame = document.getElementById("map");
    try { return frame && frame.contentWindow && frame.contentWindow.L ? frame.contentWindow : null; }
    catch (e) { return null; }
  }

  function leafletMap(win) {
    for (const key of Object.keys(win)) {
      if (key.startsWith("map_") && win[key] instanceof win.L.Map) return win[key];
    }
    return null;
  }

  function eachMarker(win, map, fn) {
    map.eachLayer((layer) => {
      if (layer instanceof win.L.Marker) fn(layer);
    });
  }

  function select(id, fromMap) {
    for (const r of rows) r.classList.toggle("selected", r.id === id);
    document.querySelectorAll("#timeline [data-row]").forEach(
      (el) => el.classList.toggle("selected", el.dataset.row === id));
    const row = document.getElementById(id);
    if (!row) return;
    if (row.hidden) { filters.forEach((f) => { if (f) f.value = ""; }); applyFilters(); }
    row.scrollIntoView({block: "center"});
    const lat = Number(row.dataset.lat), lon = Number(row.dataset.lon);
    const win = mapWindow();
    if (!fromMap && win && row.dataset.lat !== "" && isFinite(lat) && isFinite(lon)) {
      const map = leafletMap(win);
      if (map) {
        map.setView([lat, lon], Math.max(map.getZoom(), 8), {animate: false});
        eachMarker(win, map, (m) => {
          const p = m.getLatLng();
          if (Math.abs(p.lat - lat) < 1e-6 && Math.abs(p.lng - lon) < 1e-6 && m.getPopup()) m.openPopup();
        });
      }
    }
  }

  rows.forEach((r) => r.addEventListener("click", (ev) => {
    if (ev.target.closest("button")) return;
    select(r.id, false);
  }));
  document.querySelectorAll("#timeline [data-row]").forEach((el) =>
    el.addEventListener("click", () => select(el.dataset.row, false)));

  // stops at a map marker's position (several stops may share an airport)
  function stopsAt(lat, lon) {
    return rows.filter((r) => r.dataset.type === "stop" &&
      Math.abs(Number(r.dataset.lat) - lat) < 1e-6 && Math.abs(Number(r.dataset.lon) - lon) < 1e-6);
  }

  function hookMap() {
    const win = mapWindow();
    const map = win && leafletMap(win);
    if (!map) return;
    // inside the page the map is smaller than on its own: its input list (the page lists
    // the inputs) would cover the tracks
    const style = win.document.createElement("style");
    style.textContent = ".fc-title .fc-sources, .fc-footer { display: none; }";
    win.document.head.appendChild(style);
    map.invalidateSize();
    eachMarker(win, map, (marker) => {
      const cls = (marker.options.icon && marker.options.icon.options.className) || "";
      if (!/fc-stop|fc-annotation/.test(cls)) return;
      marker.on("click", () => {
        const p = marker.getLatLng();
        const here = stopsAt(p.lat, p.lng);
        if (!here.length) return;
        if (here.length > 1) {
          // several stops at one airport: show just those, the user picks one
          const [, type, , , text] = filters;
          type.value = "stop";
          text.value = here[0].dataset.place;
          applyFilters();
        }
        select(here[0].id, true);
        if (readOnly) return;
        if (here.length === 1) openAnnotate(here[0]);
        else say(here.length + " stops at " + here[0].dataset.place +
                 ": pick one in the table and press Annotate.");
      });
    });
    body.dataset.mapReady = "true";
  }
  const frame = document.getElementById("map");
  if (frame) {
    frame.addEventListener("load", hookMap);
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") hookMap();
  }

  // ---- annotate ----------------------------------------------------------------------------
  const panel = document.getElementById("annotate-panel");
  const aform = document.getElementById("annotate-form");

  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }

  function openAnnotate(row) {
    if (!panel) return;
    const d = row.dataset;
    aform.elements.aircraft.value = d.aircraft;
    aform.elements.airport.value = d.place;
    aform.elements.time.value = d.bindTime;
    if (!aform.elements.id.value || aform.dataset.auto === "true") {
      aform.elements.id.value = slug([aform.elements.label.value, d.place, d.day].join(" "));
      aform.dataset.auto = "true";
    }
    document.getElementById("annotate-target").textContent =
      "Binds to the " + d.kind + " stop of " + d.aircraft + " at " + d.place + " (" +
      (d.start || "…") + " – " + (d.end || "…") + "), as `case annotate --aircraft " +
      d.aircraft + " --airport " + d.place + " --time " + d.bindTime + "` does.";
    aform.querySelector(".error").textContent = "";
    panel.hidden = false;
    panel.scrollIntoView({block: "start"});
    aform.elements.label.focus();
  }

  document.querySelectorAll(".annotate-button").forEach((b) =>
    b.addEventListener("click", () => { const r = b.closest("tr"); select(r.id, false); openAnnotate(r); }));

  if (aform) {
    aform.elements.id.addEventListener("input", () => { aform.dataset.auto = "false"; });
    aform.querySelector(".cancel").addEventListener("click", () => { panel.hidden = true; });
    aform.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = aform.elements;
      const fields = {id: f.id.value, label: f.label.value, aircraft: f.aircraft.value,
        airport: f.airport.value, time: f.time.value, note: f.note.value,
        sources: f.sources.value.split("\n").map((s) => s.trim()).filter((s) => s)};
      edit("annotate", {fields: fields}, aform.querySelector(".error"));
    });
  }

  // ---- claims ------------------------------------------------------------------------------
  const cform = document.getElementById("claim-form");
  if (cform) {
    cform.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const fields = {};
      for (const el of cform.elements) {
        if (!el.name) continue;
        fields[el.name] = el.value;
      }
      fields.military = fields.military === "" ? null : fields.military === "true";
      edit("claim", {fields: fields}, cform.querySelector(".error"));
    });
  }

  // ---- remove (undoable) ---------------------------------------------------------------
  document.querySelectorAll(".remove-button").forEach((b) =>
    b.addEventListener("click", () => {
      if (window.confirm("Remove " + b.dataset.target + " from case.toml? (Undo brings it back.)"))
        edit("remove", {target: b.dataset.target}, null);
    }));

  // ---- undo, verify, export --------------------------------------------------------------
  const undo = document.getElementById("undo-button");
  if (undo) undo.addEventListener("click", () => edit("undo", {}, null));

  const progress = document.getElementById("job-progress");
  const jobText = document.getElementById("job-text");

  async function poll() {
    const response = await fetch("/api/state", {headers: {"X-Flightcheck-Token": token}});
    const state = await response.json();
    const job = state.job;
    progress.value = job.done;
    if (job.running) {
      jobText.textContent = job.kind + ": " + job.stage + "…";
      window.setTimeout(poll, 400);
    } else {
      window.location.reload();
    }
  }

  async function startJob(path) {
    const result = await call(path, {});
    if (result.status === 202 || result.status === 409) poll();
    else say(result.data.error || ("error " + result.status));
  }
  document.getElementById("verify-button").addEventListener("click", () => startJob("/api/verify"));
  const exportButton = document.getElementById("export-button");
  if (exportButton) exportButton.addEventListener("click", () => startJob("/api/export"));
  if (body.dataset.jobRunning === "true") poll();
})();
