"""Random-weight MoE GGUF for the GPU check, and one prompt/decode measurement on it.

Used by ``bench/gpu_check.sh``; runs on its own too:

    python bench/gpu_moe_writer.py write OUT.gguf --preset gpu|tiny
    python bench/gpu_moe_writer.py measure OUT.gguf --condition gpu|cpu_moe|cpu_moe_nommap|cpu
    python bench/gpu_moe_writer.py table RESULTS.jsonl

``write`` needs only ``gguf`` and ``numpy``; it writes a Mixtral-style MoE in the ``llama``
architecture (``llama.expert_count`` / ``expert_used_count``, per-layer ``ffn_gate_inp`` and
``ffn_{gate,up,down}_exps``) with a synthetic SentencePiece-style vocabulary. Weights are random
Q8_0 blocks (int8 values, one small f16 scale per 32), so the file costs what a real model of
these dimensions costs to run; its output is noise. Tensors are generated and written one at a
time (peak memory about one expert tensor).

``measure`` loads the file through Kenning's runtime (:func:`model.loading.load_model`, whose
``cpu_moe`` keeps ``ffn_*_exps`` in host memory via ``tensor_buft_overrides``) and its
multi-sequence context (:class:`model.context.LlamaSeqContext`, one sequence), then times a
random-token prompt in ``n_batch`` chunks (best of ``--reps``) and greedy decoding token by token.
It prints one JSON line. Kenning's context pads a one-token batch with a second throwaway token
(see ``LlamaSeqContext.decode``), so decode here is Kenning's decode path, not a bare
``llama_decode`` of one token.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]

QK8_0 = 32  # values per Q8_0 block
Q8_0_BLOCK_BYTES = 2 + QK8_0  # f16 scale + 32 int8
N_SPECIAL = 3  # <unk> <s> </s>
N_BYTE_TOKENS = 256  # <0x00> .. <0xFF>
FIRST_PLAIN_TOKEN = N_SPECIAL + N_BYTE_TOKENS


@dataclass(frozen=True)
class MoEShape:
    """Dimensions of the random MoE (llama architecture, GQA, top-k experts)."""

    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    n_ff: int  # per expert
    n_expert: int
    n_expert_used: int
    n_vocab: int
    n_ctx_train: int = 4096

    def validate(self) -> None:
        for name in ("n_embd", "n_ff"):
            if getattr(self, name) % QK8_0:
                raise SystemExit(f"{name} must be a multiple of {QK8_0} for Q8_0")
        if self.n_embd % self.n_head or self.n_head % self.n_head_kv:
            raise SystemExit("n_embd must divide by n_head, and n_head by n_head_kv")
        if not 1 <= self.n_expert_used <= self.n_expert:
            raise SystemExit("need 1 <= n_expert_used <= n_expert")
        if self.n_vocab <= FIRST_PLAIN_TOKEN:
            raise SystemExit(f"n_vocab must exceed {FIRST_PLAIN_TOKEN}")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def params(self) -> tuple[int, int]:
        """(total, active per token) weight counts."""
        kv = self.n_head_kv * self.head_dim
        attn = 2 * self.n_embd * self.n_embd + 2 * self.n_embd * kv
        expert = 3 * self.n_embd * self.n_ff
        router = self.n_embd * self.n_expert
        embed = 2 * self.n_vocab * self.n_embd  # token_embd + output
        total = self.n_layer * (attn + self.n_expert * expert + router) + embed
        active = self.n_layer * (attn + self.n_expert_used * expert + router) + self.n_vocab * self.n_embd
        return total, active


PRESETS = {
    # ~3.7 GB at Q8_0: 16 experts of 2048, top-2 (about 0.6 B active parameters per token).
    "gpu": MoEShape(
        n_embd=2048,
        n_layer=16,
        n_head=16,
        n_head_kv=4,
        n_ff=2048,
        n_expert=16,
        n_expert_used=2,
        n_vocab=32000,
    ),
    # ~48 MB: the same layout, small enough for a CPU dry run.
    "tiny": MoEShape(
        n_embd=256, n_layer=8, n_head=4, n_head_kv=2, n_ff=512, n_expert=8, n_expert_used=2, n_vocab=32000
    ),
}


# ---------------------------------------------------------------------------------------------
# write


def _q8_0_random(rng: np.random.Generator, shape: tuple[int, ...], std: float) -> np.ndarray:
    """Random Q8_0 data for a tensor of numpy shape ``shape`` (last axis = row length).

    Returns the raw uint8 block array, shape ``(*shape[:-1], shape[-1] // 32 * 34)``.
    """
    *outer, row = shape
    n_blocks = row // QK8_0
    blocks = np.empty((*outer, n_blocks, Q8_0_BLOCK_BYTES), dtype=np.uint8)
    values = np.frombuffer(rng.bytes(int(np.prod(outer)) * row), dtype=np.uint8)
    blocks[..., 2:] = values.reshape(*outer, n_blocks, QK8_0)
    # uniform int8 in [-128, 127] has std ~73.9; scale so the weights have the wanted std
    scale = np.frombuffer(np.float16(std / 73.9).tobytes(), dtype=np.uint8)
    blocks[..., :2] = scale
    return blocks.reshape(*outer, n_blocks * Q8_0_BLOCK_BYTES)


def _tensor_plan(shape: MoEShape) -> list[tuple[str, tuple[int, ...], str, float]]:
    """(name, numpy shape, kind, std) in file order; kind is 'q8', 'norm' or 'f32'."""
    e, kv, ff = shape.n_embd, shape.n_head_kv * shape.head_dim, shape.n_ff
    std_in = 1.0 / np.sqrt(e)
    plan: list[tuple[str, tuple[int, ...], str, float]] = [
        ("token_embd.weight", (shape.n_vocab, e), "q8", 1.0),
    ]
    for i in range(shape.n_layer):
        b = f"blk.{i}"
        plan += [
            (f"{b}.attn_norm.weight", (e,), "norm", 0.0),
            (f"{b}.attn_q.weight", (e, e), "q8", std_in),
            (f"{b}.attn_k.weight", (kv, e), "q8", std_in),
            (f"{b}.attn_v.weight", (kv, e), "q8", std_in),
            (f"{b}.attn_output.weight", (e, e), "q8", std_in),
            (f"{b}.ffn_norm.weight", (e,), "norm", 0.0),
            (f"{b}.ffn_gate_inp.weight", (shape.n_expert, e), "f32", std_in),
            (f"{b}.ffn_gate_exps.weight", (shape.n_expert, ff, e), "q8", std_in),
            (f"{b}.ffn_up_exps.weight", (shape.n_expert, ff, e), "q8", std_in),
            (f"{b}.ffn_down_exps.weight", (shape.n_expert, e, ff), "q8", 1.0 / np.sqrt(ff)),
        ]
    plan += [
        ("output_norm.weight", (e,), "norm", 0.0),
        ("output.weight", (shape.n_vocab, e), "q8", std_in),
    ]
    return plan


def _add_vocab(writer, n_vocab: int) -> None:  # noqa: ANN001 - gguf.GGUFWriter
    import gguf

    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    tokens += [f"\u2581w{i}" for i in range(n_vocab - len(tokens))]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.BYTE] * N_BYTE_TOKENS
    types += [gguf.TokenType.NORMAL] * (n_vocab - len(types))
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(
        [0.0] * N_SPECIAL + [0.0] * N_BYTE_TOKENS + [-float(i) for i in range(n_vocab - FIRST_PLAIN_TOKEN)]
    )
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)


def write_moe(path: Path, shape: MoEShape, seed: int = 0) -> dict:
    """Write the random MoE GGUF to ``path`` (via a ``.partial`` file). Returns a summary."""
    import gguf

    shape.validate()
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    writer = gguf.GGUFWriter(tmp, "llama")
    writer.add_name(f"kenning-random-moe-{shape.n_expert}x{shape.n_ff}")
    writer.add_description("random weights for throughput checks; output is noise")
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_context_length(shape.n_ctx_train)
    writer.add_embedding_length(shape.n_embd)
    writer.add_block_count(shape.n_layer)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_rope_dimension_count(shape.head_dim)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_expert_count(shape.n_expert)
    writer.add_expert_used_count(shape.n_expert_used)
    writer.add_vocab_size(shape.n_vocab)
    _add_vocab(writer, shape.n_vocab)

    plan = _tensor_plan(shape)
    for name, np_shape, kind, _std in plan:
        if kind == "q8":
            *outer, row = np_shape
            byte_shape = (*outer, row // QK8_0 * Q8_0_BLOCK_BYTES)
            nbytes = int(np.prod(byte_shape))
            writer.add_tensor_info(
                name, byte_shape, np.dtype(np.uint8), nbytes, gguf.GGMLQuantizationType.Q8_0
            )
        else:
            writer.add_tensor_info(name, np_shape, np.dtype(np.float32), int(np.prod(np_shape)) * 4)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    rng = np.random.default_rng(seed)
    for _name, np_shape, kind, std in plan:
        if kind == "q8":
            data = _q8_0_random(rng, np_shape, std)
        elif kind == "norm":
            data = np.ones(np_shape, dtype=np.float32)
        else:
            data = (rng.standard_normal(np_shape, dtype=np.float32) * std).astype(np.float32)
        writer.write_tensor_data(data)
        del data
    writer.close()
    tmp.replace(path)
    total, active = shape.params()
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "write_s": round(time.perf_counter() - started, 1),
        "params_total": total,
        "params_active": active,
        **asdict(shape),
    }


# ---------------------------------------------------------------------------------------------
# measure

CONDITIONS = {
    # name: (n_gpu_layers, cpu_moe, use_mmap)
    "gpu": (-1, False, True),
    "cpu_moe": (-1, True, True),
    # llama.cpp warns that CPU tensor overrides with mmap skip its repacked CPU weight layout
    "cpu_moe_nommap": (-1, True, False),
    "cpu": (0, False, True),
}


def measure(
    path: Path, condition: str, threads: int | None, prompt: int, gen: int, reps: int, batch: int
) -> dict:
    """Load ``path`` under ``condition`` and time prompt evaluation and greedy decoding."""
    sys.path.insert(0, str(REPO))
    from model.config import ModelConfig
    from model.context import BatchEntry, LlamaSeqContext
    from model.loading import _llama, default_threads, load_model

    n_gpu_layers, cpu_moe, use_mmap = CONDITIONS[condition]
    llama_cpp = _llama()
    gpu_offload = bool(llama_cpp.llama_supports_gpu_offload())
    threads = threads or default_threads()
    cfg = ModelConfig(
        name=f"random-moe-{condition}",
        gguf_path=path,
        n_ctx=max(128, prompt + gen + 64),
        n_threads=threads,
        n_gpu_layers=n_gpu_layers,
        n_batch=batch,
        n_ubatch=batch,
        cpu_moe=cpu_moe,
        use_mmap=use_mmap,
    )
    result: dict = {
        "condition": condition,
        "n_gpu_layers": n_gpu_layers,
        "cpu_moe": cpu_moe,
        "use_mmap": use_mmap,
        "threads": threads,
        "prompt_tokens": prompt,
        "gen_tokens": gen,
        "batch": batch,
        "build_gpu_offload": gpu_offload,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }
    model = load_model(cfg)
    result["load_s"] = round(model.load_s, 2)
    n_vocab = llama_cpp.llama_vocab_n_tokens(model.vocab)
    ctx = LlamaSeqContext(model, n_seq=1)
    if n_gpu_layers != 0:
        result["gpu_mem_used_mib"] = _gpu_mem_used_mib()
    rng = np.random.default_rng(1)
    try:
        tokens = [int(t) for t in rng.integers(FIRST_PLAIN_TOKEN, n_vocab, size=prompt)]

        def eval_prompt() -> float:
            ctx.truncate(0, 0)
            started = time.perf_counter()
            for start in range(0, prompt, batch):
                chunk = tokens[start : start + batch]
                last = start + len(chunk) == prompt
                ctx.decode(
                    [BatchEntry(0, t, start + i, last and i == len(chunk) - 1) for i, t in enumerate(chunk)]
                )
            llama_cpp.llama_synchronize(ctx.ptr)
            return time.perf_counter() - started

        eval_prompt()  # warm-up: first-use allocations, CUDA kernels' first launch
        prompt_s = min(eval_prompt() for _ in range(reps))
        result["prompt_tok_s"] = round(prompt / prompt_s, 1)

        # greedy decode after the prompt: sample from the prompt's last logits, then one token a step
        sampler = ctx.new_sampler(0.0, 1.0, 0)
        try:
            token = ctx.sample(sampler, prompt - 1 - (prompt - 1) // batch * batch)
            started = time.perf_counter()
            for step in range(gen):
                ctx.decode([BatchEntry(0, token, prompt + step, True)])
                token = ctx.sample(sampler, 0)
            decode_s = time.perf_counter() - started
        finally:
            ctx.free_sampler(sampler)
        result["decode_tok_s"] = round(gen / decode_s, 1)
        result["decode_ms_per_token"] = round(1000 * decode_s / gen, 2)
    finally:
        ctx.close()
        model.close()
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def _gpu_mem_used_mib() -> int | None:
    """GPU memory in use (whole device) after the model and context are loaded, via nvidia-smi."""
    import subprocess

    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
        return int(out.split()[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------------------------------------
# table

LABELS = {
    "gpu": "full offload (n_gpu_layers=-1)",
    "cpu_moe": "experts on CPU (n_gpu_layers=-1, cpu_moe)",
    "cpu_moe_nommap": "experts on CPU, no mmap (cpu_moe, use_mmap=0)",
    "cpu": "CPU only (n_gpu_layers=0)",
}


def _dash(value: object) -> str:
    return "-" if value is None else str(value)


def table(results: list[dict]) -> str:
    """Format measurement rows (and failures) as a fixed-width table."""
    lines = [
        f"{'condition':<44} {'prompt tok/s':>12} {'decode tok/s':>12} {'load s':>7} {'threads':>7} "
        f"{'RSS MiB':>8} {'GPU MiB':>8}",
        "-" * 104,
    ]
    for r in results:
        label = LABELS.get(r.get("condition", ""), r.get("condition", "?"))
        if "error" in r:
            lines.append(f"{label:<44} FAILED: {r['error']}")
            continue
        lines.append(
            f"{label:<44} {r['prompt_tok_s']:>12.1f} {r['decode_tok_s']:>12.1f} {r['load_s']:>7.2f} "
            f"{r['threads']:>7} {r['peak_rss_mib']:>8} {_dash(r.get('gpu_mem_used_mib')):>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write the random MoE GGUF")
    w.add_argument("out", type=Path)
    w.add_argument("--preset", choices=sorted(PRESETS), default="gpu")
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--force", action="store_true", help="rewrite even if the file exists")
    m = sub.add_parser("measure", help="time prompt and decode under one condition; prints JSON")
    m.add_argument("gguf", type=Path)
    m.add_argument("--condition", choices=sorted(CONDITIONS), required=True)
    m.add_argument("--threads", type=int)
    m.add_argument("--prompt", type=int, default=512)
    m.add_argument("--gen", type=int, default=128)
    m.add_argument("--reps", type=int, default=2)
    m.add_argument("--batch", type=int, default=512)
    t = sub.add_parser("table", help="print the table of a JSON-lines results file")
    t.add_argument("results", type=Path)
    args = parser.parse_args(argv)

    if args.command == "write":
        shape = PRESETS[args.preset]
        if args.out.exists() and not args.force:
            from gguf import GGUFReader

            fields = GGUFReader(args.out).fields
            if (
                int(fields["llama.expert_count"].contents()) == shape.n_expert
                and int(fields["llama.embedding_length"].contents()) == shape.n_embd
            ):
                total, active = shape.params()
                summary = {"path": str(args.out), "bytes": args.out.stat().st_size, "reused": True}
                summary |= {"params_total": total, "params_active": active, **asdict(shape)}
                print(json.dumps(summary))
                return 0
        print(json.dumps(write_moe(args.out, shape, args.seed)))
        return 0
    if args.command == "measure":
        print(
            json.dumps(
                measure(args.gguf, args.condition, args.threads, args.prompt, args.gen, args.reps, args.batch)
            ),
            flush=True,
        )
        return 0
    rows = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    print(table(rows))
    print(f"host: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
