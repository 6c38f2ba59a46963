"""Build a small MoE GGUF from the dense SmolLM2 by sparse upcycling.

Each layer's dense FFN becomes ``n_experts`` identical experts (``ffn_{gate,up,down}_exps``) and a
router (``ffn_gate_inp``) with small random weights from a fixed seed. llama.cpp's llama MoE path
renormalises the selected experts' weights, and the experts are equal, so the MoE computes the
same function as the dense model at any active-expert count: a functional test model for the MoE
code paths (expert settings, routing, kv_overrides), not a better or faster model.

Steps:
1. copy metadata, adding ``llama.expert_count`` / ``llama.expert_used_count``;
2. copy non-FFN tensors in their original (quantized) encoding; dequantize the FFN weights with
   ``gguf.quants`` and stack them into F32 expert tensors; write this intermediate GGUF;
3. quantize with ``llama_cpp.llama_model_quantize`` to Q4_1 (the source's type, so re-quantizing
   the dequantized Q4_1 blocks reproduces them) and keep the embedding's Q8_0.

``python -m model.upcycle OUT_DIR`` builds it once; later runs reuse a valid file.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, ModelFileError
from .gguf_meta import read_gguf_info
from .registry import MOE_FILENAME, smollm2_gguf_path

logger = logging.getLogger(__name__)

N_EXPERTS = 4
N_EXPERTS_USED = 2
ROUTER_SEED = 1234
ROUTER_SCALE = 0.02
_FFN = re.compile(r"^blk\.(\d+)\.ffn_(gate|up|down)\.weight$")


def build_moe(
    out_dir: Path,
    source: Path | None = None,
    n_experts: int = N_EXPERTS,
    n_used: int = N_EXPERTS_USED,
    force: bool = False,
) -> Path:
    """Build (or reuse) the upcycled MoE GGUF.

    Args:
        out_dir: directory for the result (created).
        source: dense llama-architecture GGUF; default the packaged SmolLM2.
        n_experts: experts per layer.
        n_used: default active experts per token.
        force: rebuild even if a valid file exists.

    Returns:
        Path of the quantized MoE GGUF.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / MOE_FILENAME
    if not force and _is_valid(target, n_experts):
        logger.info("upcycle: reusing %s", target)
        return target
    source = source or smollm2_gguf_path()
    intermediate = out_dir / (MOE_FILENAME + ".f32.tmp")
    started = time.perf_counter()
    try:
        _write_intermediate(source, intermediate, n_experts, n_used)
        _quantize(intermediate, target)
    finally:
        intermediate.unlink(missing_ok=True)
    logger.info(
        "upcycle: wrote %s (%.0f MiB) in %.1fs",
        target,
        target.stat().st_size / 2**20,
        time.perf_counter() - started,
    )
    return target


def _is_valid(path: Path, n_experts: int) -> bool:
    if not path.exists():
        return False
    try:
        return read_gguf_info(path).expert_count == n_experts
    except ModelFileError:
        logger.warning("upcycle: %s is damaged; rebuilding", path)
        return False


def _write_intermediate(source: Path, path: Path, n_experts: int, n_used: int) -> None:
    import gguf

    reader = gguf.GGUFReader(source)
    arch = str(reader.fields["general.architecture"].contents())
    if arch != "llama":
        raise ModelError(f"upcycling supports llama-architecture GGUFs, not {arch}")
    writer = gguf.GGUFWriter(path, arch)
    _copy_metadata(reader, writer)
    writer.add_expert_count(n_experts)
    writer.add_expert_used_count(n_used)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    rng = np.random.default_rng(ROUTER_SEED)
    for tensor in reader.tensors:
        _add_tensor(writer, tensor, n_experts, rng)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _copy_metadata(reader: Any, writer: Any) -> None:
    import gguf

    skip = {"general.architecture", "general.file_type"}
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name in skip:
            continue
        kind = field.types[0]
        sub_type = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), kind, sub_type=sub_type)


def _add_tensor(writer: Any, tensor: Any, n_experts: int, rng: np.random.Generator) -> None:
    from gguf import quants

    match = _FFN.match(tensor.name)
    if match is None:
        writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
        return
    layer, kind = match.groups()
    dense = quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
    # Identical experts: a broadcast view avoids holding n_experts copies in memory.
    experts = np.broadcast_to(dense, (n_experts, *dense.shape))
    writer.add_tensor(f"blk.{layer}.ffn_{kind}_exps.weight", experts)
    if kind == "gate":
        n_embd = dense.shape[1]
        router = (rng.standard_normal((n_experts, n_embd)) * ROUTER_SCALE).astype(np.float32)
        writer.add_tensor(f"blk.{layer}.ffn_gate_inp.weight", router)


def _quantize(source: Path, target: Path) -> None:
    from .loading import _llama

    llama_cpp = _llama()
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_1
    params.token_embedding_type = llama_cpp.GGML_TYPE_Q8_0  # the source's type: copied, not re-quantized
    params.nthread = 2
    tmp = target.with_suffix(".partial")
    status = llama_cpp.llama_model_quantize(str(source).encode(), str(tmp).encode(), params)
    if status != 0:
        tmp.unlink(missing_ok=True)
        raise ModelError(f"llama_model_quantize failed with status {status}")
    tmp.replace(target)  # a crash mid-write never leaves a half file under the real name


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m model.upcycle OUT_DIR [--force]``; prints the model path."""
    parser = argparse.ArgumentParser(prog="python -m model.upcycle", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--experts", type=int, default=N_EXPERTS)
    parser.add_argument("--used", type=int, default=N_EXPERTS_USED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    path = build_moe(args.out_dir, n_experts=args.experts, n_used=args.used, force=args.force)
    print(path)  # CLI output: scripts capture the path
    return 0


if __name__ == "__main__":
    sys.exit(main())
