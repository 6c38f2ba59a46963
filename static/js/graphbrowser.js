/* Graph browser: the neighbourhood explorer and the console's graph view (Cytoscape.js).
 * Every name from the graph reaches the page through textContent or Cytoscape's canvas labels,
 * never through innerHTML, so an entity called "<script>..." stays inert text. */
(function () {
  "use strict";
  // Django's JavaScript catalogue (/jsi18n/, loaded by base.html); English when it is missing.
  const _ = window.gettext || ((s) => s);
  const fmt = (text, args) => text.replace(/%\((\w+)\)s/g, (m, k) => String(args[k]));

  const STYLE = [
    { selector: "node", style: { "label": "data(name)", "font-size": 10, "text-valign": "bottom", "text-wrap": "ellipsis",
      "text-max-width": 120, "background-color": "#1f6feb", "width": 18, "height": 18 } },
    { selector: "node.center", style: { "background-color": "#b42318", "width": 28, "height": 28, "font-weight": "bold" } },
    { selector: "node.expanded", style: { "border-width": 3, "border-color": "#067647" } },
    { selector: "edge", style: { "label": "data(type)", "font-size": 8, "curve-style": "bezier", "width": 1,
      "target-arrow-shape": "triangle", "line-color": "#9ca3af", "target-arrow-color": "#9ca3af", "color": "#6b7280" } },
  ];

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  function layout(cy, animate) {
    cy.layout({ name: cy.nodes().length > 400 ? "grid" : "cose", animate: !!animate, fit: true, padding: 20,
                numIter: 400 }).run();
  }

  // ------------------------------------------------------------------ neighbourhood explorer
  function explorer(container) {
    const api = container.dataset.api;
    const entityUrl = container.dataset.entityUrl;
    const scope = container.dataset.scope;
    const centerKey = JSON.parse(document.getElementById("gb-center-key").textContent);
    const count = document.getElementById("gb-count");
    const more = document.getElementById("gb-more");
    const selected = document.getElementById("gb-selected");
    const cy = cytoscape({ container, style: STYLE, wheelSensitivity: 0.2, minZoom: 0.05 });
    window.gbCy = cy;  // for tests and the browser console
    let offset = 0;
    let lastTotal = 0;

    function params(key, extra) {
      const p = new URLSearchParams({ key, depth: document.getElementById("gb-depth").value,
                                      cap: document.getElementById("gb-cap").value || "150" });
      document.querySelectorAll("input[name=rel]:checked").forEach((c) => p.append("rel", c.value));
      if (scope) p.set("collection", scope);
      Object.entries(extra || {}).forEach(([k, v]) => p.set(k, v));
      return p;
    }

    async function fetchGraph(key, extra) {
      const response = await fetch(`${api}?${params(key, extra)}`, { headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => ({ error: response.statusText }));
      if (!response.ok) throw new Error(body.error || fmt(_("request failed (%(status)s)"), { status: response.status }));
      return body;
    }

    function add(data) {
      const elements = [];
      const all = [data.center, ...data.nodes].filter(Boolean);
      all.forEach((n) => {
        if (cy.getElementById(n.key).empty()) elements.push({ group: "nodes", data: { id: n.key, name: n.name, label: n.label, labelName: n.label_name || n.label, degree: n.degree } });
      });
      data.edges.forEach((e) => {
        if (cy.getElementById(e.id).empty()) elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, type: e.type } });
      });
      cy.add(elements);
      return elements.length;
    }

    // The API counts the centre's neighbours; the canvas also draws the centre, so it is counted
    // here too ("Showing 1 of 1" under two drawn nodes read as a missing node).
    function showCount(data, name) {
      const shown = 1 + data.offset + data.shown;
      const total = `${1 + data.total}${data.is_total_lower_bound ? "+" : ""}`;
      count.textContent = fmt(_("Showing %(shown)s of %(total)s nodes around %(name)s"), { shown, total, name });
      count.dataset.shown = String(shown);
      count.dataset.total = String(1 + data.total);
    }

    async function load(reset) {
      if (reset) { cy.elements().remove(); offset = 0; }
      count.textContent = _("Loading…");
      try {
        const data = await fetchGraph(centerKey, { offset: String(offset) });
        cy.batch(() => add(data));
        cy.getElementById(centerKey).addClass("center");
        lastTotal = data.total;
        showCount(data, data.center.name);
        more.hidden = !data.has_more;
        offset = data.offset + data.shown;
        layout(cy, false);
      } catch (err) {
        count.textContent = err.message;
      }
    }

    function select(node) {
      selected.replaceChildren();
      selected.append(el("strong", node.data("name")), document.createTextNode(" "), el("span", node.data("labelName") || node.data("label"), { class: "gb-label", title: node.data("label") }));
      const link = el("a", _("Open entity page"), { href: `${entityUrl}?${new URLSearchParams(scope ? { key: node.id(), collection: scope } : { key: node.id() })}` });
      selected.append(el("br"), link);
    }

    async function expand(node) {
      select(node);
      if (node.hasClass("expanded")) return;
      try {
        const data = await fetchGraph(node.id(), { depth: "1", offset: "0" });
        const added = add(data);
        node.addClass("expanded");
        const counts = { name: node.data("name"), shown: data.shown, total: data.total, added };
        selected.append(el("p", fmt(_("%(name)s: showing %(shown)s of %(total)s neighbours (%(added)s new elements)"), counts), { class: "muted gb-expanded-count" }));
        layout(cy, true);
      } catch (err) {
        selected.append(el("p", err.message, { class: "error" }));
      }
    }

    cy.on("tap", "node", (evt) => expand(evt.target));
    document.getElementById("gb-reload").addEventListener("click", () => load(true));
    more.addEventListener("click", () => load(false));
    load(true);
  }

  // ------------------------------------------------------------------ console graph view
  function consoleGraph(container, data) {
    const elements = [];
    data.nodes.forEach((n) => {
      const name = n.properties.name || n.properties.key || n.properties.ref || n.labels.join(":");
      elements.push({ group: "nodes", data: { id: n.id, name: String(name), label: n.labels.join(":") } });
    });
    data.edges.forEach((e) => elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, type: e.type } }));
    const cy = cytoscape({ container, style: STYLE, elements });
    window.gbConsoleCy = cy;
    return cy;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const container = document.getElementById("gb-cy");
    if (container && typeof cytoscape === "function") explorer(container);
    const consoleData = document.getElementById("gb-console-data");
    if (consoleData && typeof cytoscape === "function") {
      const graph = document.getElementById("gb-console-graph");
      const table = document.getElementById("gb-console-table");
      let cy = null;
      document.querySelectorAll("[data-show]").forEach((button) => button.addEventListener("click", () => {
        const showGraph = button.dataset.show === "gb-console-graph";
        graph.hidden = !showGraph;
        table.hidden = showGraph;
        if (showGraph && !cy) { cy = consoleGraph(graph, JSON.parse(consoleData.textContent)); layout(cy, false); }
      }));
    }
  });
})();
