// Upload page: drag-and-drop multi-file upload, one request per file, and live per-stage status
// polled once a second from the collection's JSON status endpoint. No framework.
(function () {
  "use strict";
  // Django's JavaScript catalogue (/jsi18n/) translates; without it the English text stands.
  const _ = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, args) => { let i = 0; return fmt.replace(/%s/g, () => String(args[i++])); });
  const form = document.getElementById("upload-form");
  const statusHolder = form || document.querySelector("[data-status-url]");
  if (!statusHolder) return;
  const statusUrl = statusHolder.dataset.statusUrl;
  const list = document.getElementById("upload-list");
  const ACTIVE = ["queued", "ingesting"];
  const STAGES = [["stored", _("Stored")], ["parsed", _("Parsed")], ["chunked", _("Chunked")], ["embedded", _("Embedded")],
                  ["indexed", _("Indexed")], ["graph", _("Graph")]];
  const STATUS = {queued: _("Queued"), ingesting: _("Ingesting"), ready: _("Ready"), failed: _("Failed"),
                  superseded: _("Superseded")};
  const NEXT = {stored: _("stored"), parsed: _("parsed"), chunked: _("chunked"), embedded: _("embedded"),
                indexed: _("indexed"), graph: _("graph")};
  const STATE = {done: _("done"), running: _("running"), failed: _("failed"), pending: _("pending")};

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Renders a version's status into a .version-status element (same markup as the template).
  function render(box, v) {
    box.className = "version-status status-" + v.status;
    box.dataset.versionId = v.id;
    box.dataset.status = v.status;
    box.replaceChildren();
    box.append(el("span", {class: "badge badge-" + v.status}, STATUS[v.status] || v.status));
    const stages = el("ol", {class: "stages"});
    (v.stages || []).forEach((s) => stages.append(el("li", {class: "stage stage-" + s.state, "data-stage": s.stage,
                                                         title: _(s.label) + ": " + (STATE[s.state] || s.state)}, _(s.label))));
    box.append(stages);
    const active = ACTIVE.includes(v.status);
    const bar = el("progress", {max: String(v.progress.total || 1), value: String(v.progress.done)});
    bar.hidden = !active;
    box.append(bar);
    box.append(el("span", {class: "progress-text muted"},
                  active && v.progress.total ? (NEXT[v.next_stage] || v.next_stage) + " " + v.progress.done + "/" + v.progress.total : ""));
    const error = el("p", {class: "version-error"}, v.error || "");
    error.hidden = !v.error;
    box.append(error);
    // Offered for what may succeed again: a failed ingest or a ready version whose graph stage
    // failed; not for a file that cannot be parsed (the server says so in can_retry).
    if (v.can_retry && form) box.append(retryButton(v));
    if (v.status === "ready" && v.chunk_count !== null) {
      box.append(el("span", {class: "muted small"}, " " + interpolate(_("%s passages, searchable"), [v.chunk_count])));
    }
  }

  function retryButton(v) {
    const button = el("button", {type: "button", class: "secondary"}, _("Retry"));
    button.addEventListener("click", () => {
      button.disabled = true;
      fetch("/documents/versions/" + v.id + "/retry/", {method: "POST", credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}})
        .then((r) => r.json())
        .then((data) => {
          if (data.version) { updateAll([data.version]); schedule(); return; }
          button.disabled = false;
          button.after(el("p", {class: "version-error"}, data.error || _("Retry failed; reload the page.")));
        })
        .catch(() => { button.disabled = false; });
    });
    return button;
  }

  function pendingBox(name) {
    const box = el("div", {class: "version-status"});
    box.append(el("span", {class: "badge badge-queued"}, _("Uploading")));
    const stages = el("ol", {class: "stages"});
    STAGES.forEach(([key, label]) => stages.append(el("li", {class: "stage stage-pending", "data-stage": key}, label)));
    box.append(stages, el("progress", {max: "100", value: "0"}), el("span", {class: "progress-text muted"}, ""));
    return box;
  }

  function reject(box, message) {
    box.replaceChildren(el("span", {class: "badge badge-failed"}, _("Rejected")), el("p", {class: "version-error"}, message));
  }

  function upload(file) {
    const item = el("li");
    item.append(el("span", {class: "name"}, file.name));
    const box = pendingBox(file.name);
    item.append(box);
    list.prepend(item);
    const data = new FormData();
    data.append("files", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      box.querySelector("progress").value = Math.round(100 * e.loaded / e.total);
      box.querySelector(".progress-text").textContent = interpolate(_("uploading %s"), [Math.round(100 * e.loaded / e.total) + "%"]);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {error: interpolate(_("Upload failed (%s)"), [xhr.status])}; }
      const result = (body.results || [])[0] || body;
      if (result.error) { reject(box, result.error); return; }
      if (!result.version) {
        // e.g. a name such as ".." that the server drops: say so instead of staying at 100 %.
        reject(box, _("The server did not accept this file; check its name and try again."));
        return;
      }
      try {
        render(box, result.version);
      } catch (e) {
        reject(box, _("Uploaded, but its status cannot be shown; reload the page."));
        return;
      }
      if (result.created === false) item.append(el("span", {class: "muted small"}, " " + _("Already uploaded: no new work.")));
      schedule();
    });
    xhr.addEventListener("error", () => {
      // An oversized body is refused before it is all sent, which some browsers report this way.
      box.replaceChildren(el("span", {class: "badge badge-failed"}, _("Failed")),
                          el("p", {class: "version-error"}, _("The upload was interrupted: the file may be over the upload limit, or the network failed.")));
    });
    xhr.send(data);
  }

  function updateAll(versions) {
    versions.forEach((v) => {
      document.querySelectorAll('.version-status[data-version-id="' + v.id + '"]').forEach((box) => render(box, v));
    });
  }

  let timer = null;
  function activeIds() {
    const ids = new Set();
    document.querySelectorAll(".version-status[data-version-id]").forEach((box) => {
      if (ACTIVE.includes(box.dataset.status)) ids.add(box.dataset.versionId);
    });
    return Array.from(ids);
  }

  function poll() {
    timer = null;
    const ids = activeIds();
    if (!ids.length) return;
    fetch(statusUrl + "?ids=" + ids.join(","), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then((r) => (r.ok ? r.json() : {versions: []}))
      .then((data) => updateAll(data.versions || []))
      .catch(() => {})
      .finally(schedule);
  }

  function schedule() {
    if (timer === null && activeIds().length) timer = setTimeout(poll, 1000);
  }

  if (form) {
    const zone = document.getElementById("dropzone");
    const input = document.getElementById("file-input");
    input.addEventListener("change", () => { Array.from(input.files).forEach(upload); input.value = ""; });
    ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
    zone.addEventListener("drop", (e) => Array.from(e.dataTransfer.files).forEach(upload));
    form.addEventListener("submit", (e) => { e.preventDefault(); Array.from(input.files).forEach(upload); });
  }
  schedule();
})();
