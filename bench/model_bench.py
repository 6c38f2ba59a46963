"""Model runtime benchmark: prints conditions, then numbers side by side.

    .venv/bin/python bench/model_bench.py [--threads 2] [--tokens 32] [--quick]

Measures, on the packaged SmolLM2 (and the upcycled MoE):
1. TTFT for a ~1.5k-token prompt: cold vs a follow-up that hits Kenning's prefix cache;
2. decode tokens/s, dense vs MoE at each active-expert count;
3. aggregate tokens/s at 1, 4, 8 concurrent requests through the batching engine vs the same
   requests run one after another on llama-cpp-python's ``Llama``;
4. what one extra active-expert variant costs (load time, RSS).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.config import KVCacheConfig, ModelConfig, ServerConfig  # noqa: E402
from model.generation import Finished, TextDelta  # noqa: E402
from model.registry import default_model_dir, smollm2_gguf_path  # noqa: E402
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


def bench_concurrency(cfg, tokens, levels):
    questions = [f"Summarise what happened to pump P-{100 + i}." for i in range(max(levels))]
    seq = _sequential_llama(cfg, questions[: max(levels)], tokens)
    print(f"sequential llama-cpp-python ({max(levels)} requests): {seq:>7.1f} tok/s aggregate")
    for n in levels:
        service = ModelService.start(
            ServerConfig(n_parallel=n, max_queue=0, kv_cache=KVCacheConfig(ram_bytes=0)), [cfg]
        )
        try:
            done = []
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=lambda q=q, d=done, s=service: d.append(
                        ask(s, q, tokens, system="Be brief.")[1].completion_tokens
                    )
                )
                for q in questions[:n]
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            service.close()
        print(
            f"batching engine, {n} concurrent: {sum(done) / elapsed:>7.1f} tok/s aggregate "
            f"({sum(done)} tokens in {elapsed:.1f}s; {sum(done) / elapsed / seq:.2f}x sequential)"
        )


def _sequential_llama(cfg, questions, tokens):
    from llama_cpp import Llama

    llm = Llama(str(cfg.gguf_path), n_ctx=cfg.n_ctx, n_threads=cfg.n_threads, verbose=False)
    total, started = 0, time.perf_counter()
    for q in questions:
        out = llm.create_chat_completion(
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": q}],
            max_tokens=tokens,
            temperature=0,
        )
        total += out["usage"]["completion_tokens"]
    elapsed = time.perf_counter() - started
    llm.close()
    return total / elapsed


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--levels", type=int, nargs="*", default=[1, 4, 8])
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
        f"threads {args.threads}, n_ctx/seq 2048, max_tokens {args.tokens}, load avg {os.getloadavg()[0]:.1f}"
    )
    print(f"dense: {dense.gguf_path.name}; MoE: {moe.gguf_path.name} (4 experts)")
    print("\n== 1. prefix KV cache (dense) ==")
    bench_cache(dense, args.tokens)
    print("\n== 2. dense vs MoE ==")
    bench_moe(dense, moe, args.tokens)
    print("\n== 3. concurrency ==")
    bench_concurrency(dense, args.tokens, args.levels)
    print("\n== 4. cost of active-expert variants ==")
    bench_variant_cost(moe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
