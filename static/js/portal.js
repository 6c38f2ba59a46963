// Q&A portal: posts the question, reads the server-sent events of the answer stream and renders
// the answer, its numbered citations and the evidence. Model and document text is only ever set
// through textContent, never as HTML.
(function () {
  "use strict";
  // Django's JavaScript catalogue (/jsi18n/) translates; without it the English text stands.
  const _ = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, args) => { let i = 0; return fmt.replace(/%s/g, () => String(args[i++])); });
  const form = document.getElementById("ask-form");
  if (!form) return;
  const thread = document.getElementById("thread");
  const statusEl = document.getElementById("status");
  const button = document.getElementById("ask-button");
  const askLabel = button ? button.textContent : "Ask";
  const sourcesEl = document.getElementById("sources");
  const factsEl = document.getElementById("facts");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function passageUrl(chunkId) {
    return form.dataset.passageUrl.replace("CHUNK", encodeURIComponent(chunkId));
  }

  // Turns "[1]" markers into links to the passage viewer; everything else stays plain text.
  function renderAnswer(target, text, sources) {
    target.textContent = "";
    const byNumber = new Map(sources.map((s) => [s.number, s]));
    text.split(/(\[\d+\])/).forEach((part) => {
      const m = part.match(/^\[(\d+)\]$/);
      const source = m && byNumber.get(Number(m[1]));
      if (source) {
        const a = el("a", { href: passageUrl(source.chunk_id), target: "_blank", class: "cite",
                            title: source.label, "data-source": m[1] }, part);
        target.appendChild(a);
      } else {
        target.appendChild(document.createTextNode(part));
      }
    });
  }

  function renderSources(sources, facts) {
    sourcesEl.textContent = "";
    sourcesEl.classList.remove("muted");
    if (!sources.length) sourcesEl.appendChild(el("p", { class: "muted" }, _("No relevant passage found.")));
    sources.forEach((s) => {
      const item = el("div", { class: "source", id: "source-" + s.number });
      const link = el("a", { href: passageUrl(s.chunk_id), target: "_blank" }, "[" + s.number + "] " + s.label);
      item.appendChild(link);
      item.appendChild(el("div", { class: "muted" }, s.text.slice(0, 240) + (s.text.length > 240 ? "…" : "")));
      sourcesEl.appendChild(item);
    });
    factsEl.textContent = "";
    if (facts && facts.length) {
      factsEl.appendChild(el("h3", {}, _("Graph facts")));
      facts.forEach((f) => factsEl.appendChild(el("div", { class: "fact" }, f.text || JSON.stringify(f))));
    }
  }

  // Nothing relevant was found, yet the search's nearest passages may still help a question the
  // relevance check turned down: they go in the evidence panel under its "No relevant passage
  // found.", headed as what they are (a bare "Closest passages:" under the answer read as sources).
  function renderClosest(closest) {
    const box = el("div", { class: "closest" });
    box.appendChild(el("h3", {}, _("Closest passages (they may not answer the question)")));
    const list = el("ol");
    closest.forEach((c) => {
      const li = el("li");
      li.appendChild(el("a", { href: passageUrl(c.chunk_id), target: "_blank" }, c.label || c.chunk_id));
      list.appendChild(li);
    });
    box.appendChild(list);
    sourcesEl.appendChild(box);
  }

  function feedbackButtons(answerId) {
    const box = el("div", { class: "feedback" });
    [[_("Helpful"), true], [_("Not helpful"), false]].forEach(([label, helpful]) => {
      const b = el("button", { type: "button", class: "secondary" }, label);
      b.addEventListener("click", async () => {
        const comment = helpful ? "" : (window.prompt(_("What was wrong? (optional)")) || "");
        const url = form.dataset.feedbackUrl.replace("/0/", "/" + answerId + "/");
        const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
                                     body: JSON.stringify({ is_helpful: helpful, comment: comment }) });
        box.textContent = r.ok ? _("Thanks for the feedback.") : _("Feedback could not be saved.");
      });
      box.appendChild(b);
    });
    return box;
  }

  function parseEvents(buffer, onEvent) {
    let index;
    while ((index = buffer.indexOf("\n\n")) >= 0) {
      const raw = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      const data = raw.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) onEvent(JSON.parse(data));
    }
    return buffer;
  }

  // The instant evidence answer: a card of likely causes (cause -> fix, part) or the best cited
  // sentences of the top passages. It arrives before any model token.
  function renderEvidence(target, evidence, sources, notFound) {
    target.textContent = "";
    if (!evidence || evidence.kind === "none" || !evidence.items || !evidence.items.length) return;
    target.hidden = false;
    const title = notFound ? _("Closest passages (they may not answer the question)")
      : evidence.kind === "causes" ? _("Likely causes from the manuals") : _("From the documents");
    target.appendChild(el("h3", {}, title));
    if (evidence.kind === "causes") {
      const list = el("ol", { class: "causes" });
      evidence.items.forEach((item) => {
        const li = el("li", { class: "cause" });
        li.appendChild(el("strong", { class: "cause-name" }, item.cause));
        li.appendChild(document.createTextNode(" → "));
        li.appendChild(el("span", { class: "fix" }, item.fix));
        if (item.parts && item.parts.length) li.appendChild(el("span", { class: "parts" }, " (" + _("part") + " " + item.parts.join(", ") + ")"));
        li.appendChild(document.createTextNode(" "));
        const cites = el("span");
        renderAnswer(cites, item.cites.map((n) => "[" + n + "]").join(""), sources);
        li.appendChild(cites);
        list.appendChild(li);
      });
      target.appendChild(list);
    } else {
      const p = el("p", { class: "extract" });
      renderAnswer(p, evidence.text, sources);
      target.appendChild(p);
    }
  }

  // The model's answer, one span per checked sentence; unsupported ones are marked with the reason.
  function renderChecked(target, sentences, sources) {
    target.textContent = "";
    sentences.forEach((s) => {
      const span = el("span", { class: "sentence" + (s.supported ? "" : " unsupported") });
      if (!s.supported) span.title = _("Not supported by its sources:") + " " + s.reason;
      renderAnswer(span, s.text, sources);
      target.appendChild(span);
      target.appendChild(document.createTextNode(" "));
    });
  }

  let holdUntil = 0;
  function holdAskButton(seconds) {
    holdUntil = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((holdUntil - Date.now()) / 1000);
      if (left <= 0) { button.disabled = false; button.textContent = askLabel; return; }
      button.disabled = true;
      button.textContent = askLabel + " (" + left + " s)";
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 0);
  }

  // A busy or too-fast refusal says when to come back: the same question again, one click, then.
  function retryButton(question, seconds) {
    const b = el("button", { type: "button", class: "secondary retry-ask" }, _("Ask again"));
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) { b.disabled = false; b.textContent = _("Ask again"); return; }
      b.disabled = true;
      b.textContent = interpolate(_("Ask again in %s s"), [left]);
      setTimeout(tick, 1000);
    };
    tick();
    b.addEventListener("click", () => { b.remove(); ask(question); });
    return b;
  }

  async function ask(question) {
    const turn = el("article", { class: "turn" });
    turn.appendChild(el("p", { class: "question" }, question));
    const evidenceEl = el("section", { class: "evidence-answer", hidden: "" });
    const answerEl = el("div", { class: "answer", "aria-live": "polite" });
    const meta = el("div", { class: "meta" });
    turn.appendChild(evidenceEl);
    turn.appendChild(answerEl);
    turn.appendChild(meta);
    thread.appendChild(turn);
    statusEl.textContent = _("Searching the documents…");
    button.disabled = true;
    let sources = [];
    let text = "";
    const checked = [];
    const body = new URLSearchParams({ question: question, conversation_id: form.conversation_id.value });
    try {
      const response = await fetch(form.dataset.url, { method: "POST", body: body,
        headers: { "X-CSRFToken": csrf, "Accept": "text/event-stream" } });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({ error: interpolate(_("The server answered %s"), [response.status]) }));
        // 429 (asking too fast) and 503 (busy) say when to try again: keep Ask disabled until then.
        const waitS = parseInt(response.headers.get("Retry-After") || "", 10);
        if (waitS > 0) { holdAskButton(waitS); turn.appendChild(retryButton(question, waitS)); }
        throw new Error(problem.error || interpolate(_("The server answered %s"), [response.status]));
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = parseEvents(buffer + decoder.decode(value, { stream: true }), (event) => {
          if (event.event === "route") {
            turn.dataset.answerId = event.answer_id;
            form.conversation_id.value = event.conversation_id;
          } else if (event.event === "sources") {
            sources = event.sources;
            renderSources(sources, event.facts);
            // A part the answer had to do without (the knowledge graph down): say so above it.
            (event.notices || []).forEach((text) => turn.insertBefore(el("p", { class: "notice" }, text), evidenceEl));
            statusEl.textContent = _("Generating the answer…");
          } else if (event.event === "status") {
            // A step the server names in the asker's language (drafting from English sources).
            statusEl.textContent = event.text;
          } else if (event.event === "evidence") {
            renderEvidence(evidenceEl, event, sources);
          } else if (event.event === "delta") {
            text += event.text;
            answerEl.textContent = text;
          } else if (event.event === "sentence") {
            checked.push(event);
          } else if (event.event === "done") {
            if (event.evidence) renderEvidence(evidenceEl, event.evidence, sources, event.not_found);
            if (event.fell_back) {
              answerEl.textContent = "";
              answerEl.appendChild(el("p", { class: "fallback" }, event.model_refused
                ? _("The model found no answer in its sources, but the evidence above covers most of the question: read it there.")
                : _("The model's answer was mostly not supported by its sources, so only the evidence above is shown.")));
            } else if (event.sentences && event.sentences.length) {
              renderChecked(answerEl, event.sentences, sources);
            } else {
              renderAnswer(answerEl, event.text, sources);
            }
            const t = event.timings || {};
            meta.textContent = [event.model,
              t.retrieval_ms != null ? interpolate(_("retrieval %s ms"), [t.retrieval_ms]) : "",
              t.evidence_ms != null ? interpolate(_("evidence %s ms"), [t.evidence_ms]) : "",
              t.ttft_ms != null ? interpolate(_("first token %s ms"), [t.ttft_ms]) : "",
              t.tokens_per_s != null ? interpolate(_("%s tok/s"), [t.tokens_per_s]) : "",
              event.kv_cache_hit ? _("KV cache hit") : ""].filter(Boolean).join(" · ");
            if (event.closest && event.closest.length) renderClosest(event.closest);
            const unsupported = (event.sentences || []).filter((s) => !s.supported).length;
            if (!event.grounded && !event.not_found) {
              turn.appendChild(el("p", { class: "ungrounded" },
                _("This answer cites none of its sources: check it against the numbered sources in the evidence panel.")));
            } else if (unsupported && !event.fell_back) {
              turn.appendChild(el("p", { class: "ungrounded" },
                interpolate(_("%s of %s sentences are not supported by the sources they cite (marked)."),
                            [unsupported, event.sentences.length])));
            }
            turn.appendChild(feedbackButtons(event.answer_id));
          } else if (event.event === "error") {
            if (event.evidence) renderEvidence(evidenceEl, event.evidence, sources);
            answerEl.classList.add("failed");
            answerEl.textContent = event.message;
            // The model's queue was full or it was down: it said when to try again.
            if (event.retry_after_s > 0) {
              holdAskButton(event.retry_after_s);
              turn.appendChild(retryButton(question, event.retry_after_s));
            }
          }
        });
      }
      statusEl.textContent = "";
    } catch (err) {
      answerEl.classList.add("failed");
      answerEl.textContent = err.message || String(err);
      statusEl.textContent = "";
    } finally {
      if (Date.now() >= holdUntil) button.disabled = false;
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const question = form.question.value.trim();
    if (!question) { statusEl.textContent = _("Please type a question."); return; }
    form.question.value = "";
    ask(question);
  });
})();
