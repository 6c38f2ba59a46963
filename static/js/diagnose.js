// Autocomplete for the Diagnose form: asset and symptom suggestions from the graph (visible ones only).
(function () {
  "use strict";
  const form = document.getElementById("diagnose-form");
  if (!form) return;
  const url = form.dataset.suggestUrl;

  function attach(input, list, kind) {
    let timer = null;
    let last = "";
    input.addEventListener("input", function () {
      const text = input.value.trim();
      clearTimeout(timer);
      if (text.length < 2 || text === last) return;
      timer = setTimeout(function () {
        last = text;
        const query = new URLSearchParams({ q: text, kind: kind });
        fetch(url + "?" + query.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.replaceChildren();
            for (const item of items) {
              const option = document.createElement("option");
              option.value = item.name;
              option.label = item.name + " (" + item.label + ")";
              list.appendChild(option);
            }
          })
          .catch(function () { list.replaceChildren(); });
      }, 200);
    });
  }

  attach(document.getElementById("id_asset"), document.getElementById("asset-options"), "asset");
  attach(document.getElementById("id_symptom"), document.getElementById("symptom-options"), "symptom");
})();
