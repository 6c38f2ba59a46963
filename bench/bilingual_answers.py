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

    .venv/bin/python -m bench.bilingual_answers [--per-split N] [--translate]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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
from retrieval.cjk import estimate_prompt_tokens  # noqa: E402
from retrieval.grounding import citation_grammar  # noqa: E402
from retrieval.language import han_share  # noqa: E402
from retrieval.prompt import NOT_FOUND, Candidate, assemble_sources, build_messages  # noqa: E402
from retrieval.question import classify  # noqa: E402
from retrieval.search import HybridSearcher  # noqa: E402
from retrieval.translate import QuestionTranslator, search_with_translation  # noqa: E402

TOP_K = 8  # QA_TOP_K
MAX_SOURCE_TOKENS = 1500  # QA_MAX_SOURCE_TOKENS
REPEAT_PENALTY = 1.05  # QA_REPEAT_PENALTY
MODELS = [
    AvailableModel("0.5b", False, 4096, tier="small"),
    AvailableModel("1.5b", False, 4096, tier="large"),
]


@dataclass
class Answered:
    id: str
    split: str
    direction: str
    model: str
    text: str
    facts: float
    gold_in_sources: bool
    chinese_share: float
    seconds: float


def pairs(per_split: int) -> list[tuple[BiQuestion, BiQuestion]]:
    """The first ``per_split`` zh-en questions of each split with their English twins."""
    rows = [json.loads(line) for line in BILINGUAL_PATH.read_text(encoding="utf-8").splitlines() if line]
    twin_of = {r["id"]: r.get("parallel_id") for r in rows}
    by_id = {q.id: q for q in load_questions()}
    out: list[tuple[BiQuestion, BiQuestion]] = []
    for split in ("dev", "heldout"):
        chosen = [q for q in by_id.values() if q.direction == "zh-en" and q.split == split]
        for q in chosen[:per_split]:
            twin = by_id.get(twin_of.get(q.id) or "")
            if twin:
                out.append((q, twin))
    return out


def answer(q: BiQuestion, search: Any, llms: dict[str, Any]) -> Answered:
    from llama_cpp import LlamaGrammar

    question_route = classify(q.question)
    profile = route(
        RouteRequest(question_route.intent, question_route.complexity, 0, question_route.retrieval), MODELS
    )
    passages = search(q.question)
    candidates = [Candidate.of_passage(p, p.document_id) for p in passages]
    budget = min(max(profile.context_budget_tokens - 600, 256), MAX_SOURCE_TOKENS)
    sources = assemble_sources(candidates, budget, estimate_prompt_tokens)  # as apps/qa
    quote = normalize(q.quote)
    gold = any(s.document_id == q.file and quote in normalize(s.text) for s in sources)
    started = time.perf_counter()
    if sources:
        out = llms[profile.model].llm.create_chat_completion(
            messages=build_messages(q.question, sources),
            grammar=LlamaGrammar.from_string(citation_grammar(len(sources)), verbose=False),
            max_tokens=profile.max_new_tokens,
            temperature=profile.temperature,
            repeat_penalty=REPEAT_PENALTY,
            seed=0,
        )
        text = str(out["choices"][0]["message"]["content"])
    else:
        text = NOT_FOUND
    seconds = time.perf_counter() - started
    found = sum(1 for alts in q.key_facts if any(normalize(a) in normalize(text) for a in alts))
    facts = found / len(q.key_facts) if q.key_facts else 0.0
    return Answered(q.id, q.split, q.direction, profile.model, text, facts, gold, han_share(text), seconds)


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
    parser.add_argument("--translate", action="store_true", help="search with the question translation too")
    parser.add_argument("--out", type=Path, help="write every answer here (JSON)")
    args = parser.parse_args(argv)
    corpus = build_corpus(CACHE_DIR)
    llms = {m: qwen_generate(m, threads=2, n_ctx=2048) for m in ("0.5b", "1.5b")}
    print(budget_check(corpus, llms["0.5b"].llm))
    searcher = HybridSearcher(corpus.index, corpus.minilm, corpus.encoder, multilingual=corpus.use)
    translator = QuestionTranslator(llms["0.5b"]) if args.translate else None

    def search(q: str) -> Any:
        return search_with_translation(searcher, translator, q, [COLLECTION], TOP_K)

    results: list[Answered] = []
    for zh, en in pairs(args.per_split):
        for q in (zh, en):
            try:
                r = answer(q, search, llms)
            except Exception as e:  # noqa: BLE001 - one failed question must not lose the run
                print(f"{q.id} failed: {type(e).__name__}: {e}")
                continue
            results.append(r)
            print(
                f"{r.id} {r.split} {r.model} facts {r.facts:.2f} gold {r.gold_in_sources} {r.seconds:.1f} s"
            )
    if args.out:
        args.out.write_text(json.dumps([vars(r) for r in results], ensure_ascii=False, indent=1), "utf-8")
    for split in ("dev", "heldout", "all"):
        rows = [r for r in results if split in ("all", r.split)]
        for direction in ("zh-en", "en-en"):
            sel = [r for r in rows if r.direction == direction]
            if not sel:
                continue
            n = len(sel)
            print(
                f"{split:<8} {direction} n={n} key-fact recall {sum(r.facts for r in sel) / n:.2f} "
                f"gold in sources {sum(r.gold_in_sources for r in sel) / n:.2f} "
                f"answered in Chinese {sum(r.chinese_share > 0.3 for r in sel) / n:.2f} "
                f"mean {sum(r.seconds for r in sel) / n:.1f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
