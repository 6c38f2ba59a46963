"""Chinese answers against English ones on the same questions (issue 14): key-fact recall.

Pairs: the Chinese questions over the English sample manuals (``zh-en`` in
``tests/data/bilingual_eval.jsonl``) and their English originals (``qa_eval.jsonl``), scored on the
same key facts. Each question goes through the portal's answer steps in process, without Django:
``retrieval.question.classify`` -> the model router's profile (tier, source budget, max tokens,
temperature) -> hybrid search with the multilingual vector (and the question translation when
``--translate``) over the bilingual bench corpus -> ``assemble_sources`` ->
``build_messages`` (which asks for a Chinese answer to a Chinese question) -> the citation grammar
-> the local Qwen2.5 GGUF of the routed tier (0.5B small, 1.5B large) through llama.cpp at 2
threads, repeat penalty 1.05 as QA_REPEAT_PENALTY. Not included: graph facts, the sentence
support check and the fallback to the instant evidence answer (the portal's "settle" step), so
these are the model's own answers.

A key fact counts when any of its phrasings occurs in the answer (case and whitespace collapsed).
The facts are mostly English codes, option names and numbers; a Chinese answer that translates a
name (网络信息服务器 for "Network Information Server") misses it, which this measure counts against
Chinese.

Variants (``--variants``; the first two are the portal as it was):

- ``en``: the English original; ``zh``: the Chinese question, answered directly;
- ``zh-b``: answered directly with a Chinese system prompt, the grammar's refusal in Chinese and
  the loop guard (``retrieval.answer_language.LoopGuard``);
- ``zh-a`` / ``zh-a15``: drafted in English from the question's translation (loop guard on), each
  sentence then translated into Chinese by Qwen 0.5B / 1.5B
  (``retrieval.answer_language.AnswerTranslator``); one draft serves every drafted variant;
- ``zh-ap`` / ``zh-at`` / ``zh-at15``: the same draft translated with the answer prompt's printer
  example / the "English term in parentheses" prompt by 0.5B / that prompt by 1.5B.

Each Chinese answer's row keeps the question's translation (``asked``), or the model's reply when
it was rejected.

Times: ``first`` is when the reader sees answer text (for ``zh-a`` the first translated sentence;
a progress line shows before it), ``total`` when the answer is complete. ``--jsonl`` appends each
answer as it is made, so a run cut short keeps what it had.

    .venv/bin/python -m bench.bilingual_answers [--per-split N] [--translate]
    .venv/bin/python -m bench.bilingual_answers --translate --splits dev --per-split 8 \
        --variants en zh zh-b zh-a zh-a15 --jsonl /tmp/answers.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bilingual import (  # noqa: E402
    BILINGUAL_PATH,
    COLLECTION,
    BiQuestion,
    build_corpus,
    load_questions,
    qwen_generate,
)
from bench.retrieval_recall import CACHE_DIR, normalize  # noqa: E402
from model.routing import AvailableModel, RouteRequest, route  # noqa: E402
from retrieval.answer_language import (  # noqa: E402
    ANSWER_PROMPTS,
    AnswerLanguageConfig,
    AnswerTranslator,
    LoopGuard,
    draft_in_english,
    native_grammar,
    native_messages,
    question_terms,
)
from retrieval.cjk import estimate_prompt_tokens  # noqa: E402
from retrieval.grounding import (  # noqa: E402
    citation_grammar,
    is_refusal,
    split_sentences,  # noqa: E402
)
from retrieval.language import han_share  # noqa: E402
from retrieval.prompt import NOT_FOUND, NOT_FOUND_IN, Candidate, assemble_sources, build_messages  # noqa: E402
from retrieval.question import classify  # noqa: E402
from retrieval.search import HybridSearcher  # noqa: E402
from retrieval.translate import PROMPTS, QuestionTranslator, search_with_translation  # noqa: E402

TOP_K = 8  # QA_TOP_K
MAX_SOURCE_TOKENS = 1500  # QA_MAX_SOURCE_TOKENS
REPEAT_PENALTY = 1.05  # QA_REPEAT_PENALTY
VARIANTS = ["en", "zh", "zh-b", "zh-a", "zh-a15", "zh-ap", "zh-at", "zh-at15"]
# The English-draft variants: (translating model, answer-translation prompt; None: the default).
DRAFTED = {
    "zh-a": ("0.5b", None),
    "zh-a15": ("1.5b", None),
    "zh-ap": ("0.5b", "printer"),
    "zh-at": ("0.5b", "terms"),
    "zh-at15": ("1.5b", "terms"),
}
MODELS = [
    AvailableModel("0.5b", False, 4096, tier="small"),
    AvailableModel("1.5b", False, 4096, tier="large"),
]


@dataclass
class Answered:
    id: str
    split: str
    direction: str
    variant: str
    model: str
    text: str
    facts: float
    gold_in_sources: bool
    cites_gold: bool  # a cited source holds the gold quote
    cited: list[int]
    chinese_share: float
    first_s: float | None
    seconds: float
    draft: str = ""
    restored: int = 0  # codes and numbers re-inserted after the translation lost them
    kept_english: int = 0  # sentences whose translation was unusable
    asked: str = ""  # Chinese questions: the English translation, or the model's rejected reply


def pairs(
    per_split: int, splits: tuple[str, ...] = ("dev", "heldout"), offset: int = 0
) -> list[tuple[BiQuestion, BiQuestion]]:
    """``per_split`` zh-en questions of each split (from ``offset``) with their English twins."""
    rows = [json.loads(line) for line in BILINGUAL_PATH.read_text(encoding="utf-8").splitlines() if line]
    twin_of = {r["id"]: r.get("parallel_id") for r in rows}
    by_id = {q.id: q for q in load_questions()}
    out: list[tuple[BiQuestion, BiQuestion]] = []
    for split in splits:
        chosen = [q for q in by_id.values() if q.direction == "zh-en" and q.split == split]
        for q in chosen[offset : offset + per_split]:
            twin = by_id.get(twin_of.get(q.id) or "")
            if twin:
                out.append((q, twin))
    return out


def generate(
    llm: Any, messages: list[dict[str, str]], grammar: str, profile: Any, guard: bool
) -> tuple[str, float | None, float]:
    """Streams one answer: its text, seconds to the first token, seconds in all."""
    from llama_cpp import LlamaGrammar

    # Each answer evaluates its own prompt, as a new question does in the portal: llama.cpp would
    # otherwise reuse the previous prompt's prefix (the same sources for a question's twin).
    llm.reset()
    started = time.perf_counter()
    first = None
    text = ""
    loop = LoopGuard()
    stream = llm.create_chat_completion(
        messages=messages,
        grammar=LlamaGrammar.from_string(grammar, verbose=False),
        max_tokens=profile.max_new_tokens,
        temperature=profile.temperature,
        repeat_penalty=REPEAT_PENALTY,
        seed=0,
        stream=True,
    )
    for chunk in stream:
        delta = chunk["choices"][0]["delta"].get("content") or ""
        if not delta:
            continue
        if first is None:
            first = time.perf_counter() - started
        text += delta
        if guard and loop.feed(delta):
            text = loop.cut(text)
            break
    return text.strip(), first, time.perf_counter() - started


def facts_of(q: BiQuestion, text: str) -> float:
    found = sum(1 for alts in q.key_facts if any(normalize(a) in normalize(text) for a in alts))
    return found / len(q.key_facts) if q.key_facts else 0.0


def answer_pair(
    zh: BiQuestion, en: BiQuestion, search: Any, translator: Any, llms: dict[str, Any], variants: list[str]
) -> Iterator[Answered]:
    """Every variant's answer to one Chinese question and its English twin, in ``variants``' order
    (the twin first when ``variants`` starts with ``en``), each as soon as it is made."""
    order = (en, zh) if variants and variants[0] == "en" else (zh, en)
    for q in order:
        wanted = [v for v in variants if v.startswith("zh") == (q is zh)]
        if wanted:
            yield from answer_one(q, q is zh, wanted, search, translator, llms)


def answer_one(
    q: BiQuestion, chinese: bool, wanted: list[str], search: Any, translator: Any, llms: dict[str, Any]
) -> Iterator[Answered]:
    question_route = classify(q.question)
    profile = route(
        RouteRequest(question_route.intent, question_route.complexity, 0, question_route.retrieval),
        MODELS,
    )
    passages = search(q.question)
    candidates = [Candidate.of_passage(p, p.document_id) for p in passages]
    budget = min(max(profile.context_budget_tokens - 600, 256), MAX_SOURCE_TOKENS)
    sources = assemble_sources(candidates, budget, estimate_prompt_tokens)  # as apps/qa
    quote = normalize(q.quote)
    holds_gold = {s.number for s in sources if s.document_id == q.file and quote in normalize(s.text)}
    llm = llms[profile.model].llm
    grammar = citation_grammar(max(len(sources), 1))
    draft: tuple[str, float | None, float] | None = None
    direct: tuple[str, float | None, float] | None = None

    def row(variant: str, text: str, first: float | None, seconds: float, **extra: Any) -> Answered:
        cited = [int(n) for n in dict.fromkeys(re.findall(r"\[(\d{1,3})\]", text))]
        if chinese and translator is not None:
            english = translator.translate(q.question)
            raw = llms["0.5b"].outputs.get(" ".join(q.question.split()), "")
            extra.setdefault("asked", english or f"(rejected) {raw}")
        return Answered(
            q.id,
            q.split,
            q.direction,
            variant,
            profile.model,
            text,
            facts_of(q, text),
            bool(holds_gold),
            bool(holds_gold & set(cited)),
            cited,
            han_share(text),
            first,
            seconds,
            **extra,
        )

    for variant in wanted:
        if not sources:
            text = NOT_FOUND_IN["zh"] if chinese else NOT_FOUND
            yield row(variant, text, 0.0, 0.0)
            continue
        if variant in ("en", "zh"):  # the portal's prompt and grammar, no guard
            text, first, seconds = generate(llm, build_messages(q.question, sources), grammar, profile, False)
            yield row(variant, text, first, seconds)
        elif variant == "zh-b":
            text, first, seconds = generate(
                llm,
                native_messages(q.question, sources, "zh"),
                native_grammar(len(sources), "zh"),
                profile,
                True,
            )
            yield row(variant, text, first, seconds)
        elif variant in DRAFTED:
            english = translator.translate(q.question) if translator else None
            texts = [s.text for s in sources]
            if not draft_in_english(q.question, english, texts, AnswerLanguageConfig()):
                # Chinese sources or no translation: answered directly, as the portal then does
                # (once for all the drafted variants)
                if direct is None:
                    direct = generate(llm, build_messages(q.question, sources), grammar, profile, True)
                # which of the two: the summary and docs tell them apart
                why = "(sources not mostly English)" if english else "(no translation)"
                yield row(variant, *direct, draft=why)
                continue
            if draft is None:
                draft = generate(llm, build_messages(str(english), sources), grammar, profile, True)
            draft_text, _, draft_s = draft
            if draft_text.strip() == NOT_FOUND:
                yield row(variant, NOT_FOUND_IN["zh"], draft_s, draft_s, draft=draft_text)
                continue
            model, prompt = DRAFTED[variant]
            by = AnswerTranslator(llms[model], "zh", prompt=ANSWER_PROMPTS[prompt] if prompt else None)
            started = time.perf_counter()
            first = None
            parts = []
            for t in by.sentences(split_sentences(draft_text), question_terms(q.question)):
                parts.append(t)
                if first is None:
                    first = draft_s + time.perf_counter() - started
            text = " ".join(t.text for t in parts) if parts else draft_text
            yield (
                row(
                    variant,
                    text,
                    first,
                    draft_s + time.perf_counter() - started,
                    draft=draft_text,
                    restored=sum(len(t.restored) for t in parts),
                    kept_english=sum(t.kept_english for t in parts),
                )
            )
        else:
            raise ValueError(f"unknown variant {variant!r}")


def budget_check(corpus: Any, llm: Any) -> str:
    """Qwen's real token count against the source budget's estimate, Chinese vs English chunks."""
    parts = []
    for lang in ("zh", "en"):
        texts = [c.chunk.text for c in corpus.chunks if (han_share(c.chunk.text) > 0.3) == (lang == "zh")]
        real = sum(len(llm.tokenize(t.encode("utf-8"), add_bos=False)) for t in texts)
        estimate = sum(estimate_prompt_tokens(t) for t in texts)
        parts.append(f"{lang}: {len(texts)} chunks, Qwen tokens / estimate {real / max(1, estimate):.2f}")
    return "source budget check: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-split", type=int, default=5, help="zh-en questions per split (with twins)")
    parser.add_argument("--offset", type=int, default=0, help="skip this many questions of each split")
    parser.add_argument("--splits", nargs="+", default=["dev", "heldout"], choices=["dev", "heldout"])
    parser.add_argument("--variants", nargs="+", default=["en", "zh"], choices=VARIANTS)
    parser.add_argument("--translate", action="store_true", help="search with the question translation too")
    parser.add_argument(
        "--question-prompt",
        choices=sorted(PROMPTS),
        help="the question translation's prompt (default: shipped)",
    )
    parser.add_argument("--out", type=Path, help="write every answer here (JSON)")
    parser.add_argument("--jsonl", type=Path, help="append every answer here as it is made")
    parser.add_argument("--summary", type=Path, nargs="+", help="only summarise these JSONL files")
    args = parser.parse_args(argv)
    if args.summary:
        rows = [json.loads(line) for f in args.summary for line in f.read_text("utf-8").splitlines() if line]
        summarise([Answered(**r) for r in rows])
        return 0
    if any(v.startswith("zh-a") for v in args.variants) and not args.translate:
        parser.error("the zh-a variants draft from the question's translation: add --translate")
    corpus = build_corpus(CACHE_DIR)
    llms = {m: qwen_generate(m, threads=2, n_ctx=2048) for m in ("0.5b", "1.5b")}
    print(budget_check(corpus, llms["0.5b"].llm))
    searcher = HybridSearcher(corpus.index, corpus.minilm, corpus.encoder, multilingual=corpus.use)
    prompt = PROMPTS[args.question_prompt] if args.question_prompt else None
    translator = QuestionTranslator(llms["0.5b"], prompt=prompt) if args.translate else None

    def search(q: str) -> Any:
        return search_with_translation(searcher, translator, q, [COLLECTION], TOP_K)

    results: list[Answered] = []
    for zh, en in pairs(args.per_split, tuple(args.splits), args.offset):
        try:
            for r in answer_pair(zh, en, search, translator, llms, args.variants):
                results.append(r)
                report(r, args.jsonl)
        except Exception as e:  # noqa: BLE001 - one failed question must not lose the run
            print(f"{zh.id} failed: {type(e).__name__}: {e}", flush=True)
    if args.out:
        args.out.write_text(json.dumps([vars(r) for r in results], ensure_ascii=False, indent=1), "utf-8")
    summarise(results)
    return 0


def report(r: Answered, jsonl: Path | None) -> None:
    print(
        f"{r.id} {r.split} {r.variant} {r.model} facts {r.facts:.2f} cites gold {r.cites_gold} "
        f"zh {r.chinese_share:.2f} first {r.first_s or 0:.1f} s total {r.seconds:.1f} s",
        flush=True,
    )
    if jsonl:
        with jsonl.open("a", encoding="utf-8") as f:
            f.write(json.dumps(vars(r), ensure_ascii=False) + "\n")


def summarise(results: list[Answered]) -> None:
    """One line per split and variant: key-fact recall, citations, language, times."""
    for split in ("dev", "heldout", "all"):
        rows = [r for r in results if split in ("all", r.split)]
        for variant in VARIANTS:
            sel = [r for r in rows if r.variant == variant]
            if not sel:
                continue
            n = len(sel)
            gold = [r for r in sel if r.gold_in_sources]
            firsts = [r.first_s for r in sel if r.first_s is not None]
            print(
                f"{split:<8} {variant:<6} n={n} key-fact recall {sum(r.facts for r in sel) / n:.2f} "
                f"(after loop cut {sum(facts_after_cut(r) for r in sel) / n:.2f}) "
                f"cites gold {sum(r.cites_gold for r in gold)}/{len(gold)} "
                f"Chinese share {sum(r.chinese_share for r in sel) / n:.2f} "
                f"in Chinese {sum(r.chinese_share > 0.3 for r in sel)}/{n} "
                f"refusals {sum(is_refusal(r.text) for r in sel)} "
                f"{kept_citations(sel)}"
                f"first {sum(firsts) / max(1, len(firsts)):.1f} s "
                f"total {sum(r.seconds for r in sel) / n:.1f} s"
            )


def kept_citations(rows: list[Answered]) -> str:
    """For translated answers: how many show exactly the citations their English draft made."""
    drafted = [r for r in rows if r.draft and not r.draft.startswith("(") and not is_refusal(r.draft)]
    if not drafted:
        return ""
    same = sum(
        r.cited == [int(n) for n in dict.fromkeys(re.findall(r"\[(\d{1,3})\]", r.draft))] for r in drafted
    )
    drafts = sum(facts_of_text(r, r.draft) for r in rows if r.draft and not r.draft.startswith("(")) / len(
        rows
    )
    return (
        f"draft citations kept {same}/{len(drafted)} restored codes {sum(r.restored for r in drafted)} "
        f"drafts' key-fact recall {drafts:.2f} "
    )


def facts_after_cut(r: Answered) -> float:
    """The key facts left when the loop guard cuts the answer (what guarding the unguarded costs)."""
    return facts_of_text(r, LoopGuard().cut(r.text))


_QUESTIONS: dict[str, BiQuestion] = {}


def facts_of_text(r: Answered, text: str) -> float:
    if not _QUESTIONS:
        _QUESTIONS.update({q.id: q for q in load_questions()})
    return facts_of(_QUESTIONS[r.id], text)


if __name__ == "__main__":
    raise SystemExit(main())
