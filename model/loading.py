"""Load a GGUF into llama.cpp through llama-cpp-python's low-level bindings.

The file is checked with the ``gguf`` package first (:mod:`model.gguf_meta`): llama.cpp aborts the
process on some bad inputs, so a missing or corrupt file or an impossible expert count becomes a
typed error here instead.

The low-level API is used (not ``llama_cpp.Llama``) because the runtime needs what ``Llama`` does
not expose: a context holding several sequences for continuous batching, per-sequence state
save/restore, and ``tensor_buft_overrides`` to keep MoE experts on the CPU (``cpu_moe``). The
kv_overrides array is built the same way ``Llama.__init__`` builds it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ModelConfig
from .errors import ModelFileError
from .gguf_meta import GGUFInfo, check_expert_count, read_gguf_info

logger = logging.getLogger(__name__)

# llama.cpp's --cpu-moe uses this pattern: expert FFN tensors of every layer.
CPU_MOE_PATTERN = rb"\.ffn_(up|down|gate)_exps"
_backend_lock = threading.Lock()
_backend_ready = False
_NATIVE_LOG_CALLBACK_HOLDER: dict[str, Any] = {}  # the ctypes callback must never be collected
_native_logger = logging.getLogger(__name__.rsplit(".", 1)[0] + ".llama_cpp")
# ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation. Native "info" is per-tensor
# chatter (hundreds of lines per load), so it goes to DEBUG; load progress is logged separately.
_NATIVE_LEVELS = {1: logging.DEBUG, 2: logging.DEBUG, 3: logging.WARNING, 4: logging.ERROR, 5: logging.DEBUG}


def _native_log_callback(llama_cpp: Any) -> Any:
    def forward(level: int, text: bytes, _user_data: Any) -> None:
        py_level = _NATIVE_LEVELS.get(level, logging.DEBUG)
        if _native_logger.isEnabledFor(py_level):
            _native_logger.log(py_level, "%s", text.decode("utf-8", errors="replace").rstrip())

    return llama_cpp.llama_log_callback(forward)


def _llama() -> Any:
    """Import llama_cpp lazily (it loads a large shared library) with an install hint."""
    global _backend_ready
    try:
        import llama_cpp
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelFileError(
            "llama_cpp", "llama-cpp-python is not installed; see README (cached wheel)"
        ) from exc
    with _backend_lock:
        if not _backend_ready:
            llama_cpp.llama_backend_init()
            # llama.cpp writes thousands of lines per load to stderr; route them into logging
            # (DEBUG/INFO under "model.llama_cpp") so the process's logging config decides.
            llama_cpp.llama_log_set(
                _NATIVE_LOG_CALLBACK_HOLDER.setdefault("cb", _native_log_callback(llama_cpp)),
                ctypes.c_void_p(0),
            )
            _backend_ready = True
    return llama_cpp


@dataclass
class LoadedModel:
    """A llama.cpp model in memory plus its vocabulary helpers. Close it when done."""

    config: ModelConfig
    info: GGUFInfo
    expert_used_count: int | None  # effective active experts (None for dense models)
    ptr: Any
    vocab: Any
    load_s: float
    _keepalive: list[Any] = field(default_factory=list, repr=False)

    @property
    def variant(self) -> str:
        """Name of this model variant; KV states are only valid within one variant."""
        return (
            self.config.name
            if self.expert_used_count is None
            else f"{self.config.name}@k{self.expert_used_count}"
        )

    def tokenize(self, text: str, add_special: bool = True) -> list[int]:
        """Tokenize text; special tokens written in the text (chat markers) are parsed.

        Args:
            text: prompt text.
            add_special: add BOS if the model wants it.

        Returns:
            Token ids.
        """
        llama_cpp = _llama()
        data = text.encode("utf-8")
        capacity = len(data) + 8
        buf = (llama_cpp.llama_token * capacity)()
        n = llama_cpp.llama_tokenize(self.vocab, data, len(data), buf, capacity, add_special, True)
        if n < 0:  # buffer too small: -n is the size needed
            capacity = -n
            buf = (llama_cpp.llama_token * capacity)()
            n = llama_cpp.llama_tokenize(self.vocab, data, len(data), buf, capacity, add_special, True)
        return list(buf[:n])

    def token_bytes(self, token: int) -> bytes:
        """Bytes a token renders to (may be part of a UTF-8 character).

        Args:
            token: token id.

        Returns:
            The token's bytes, special tokens rendered as empty.
        """
        llama_cpp = _llama()
        buf = ctypes.create_string_buffer(64)
        n = llama_cpp.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, False)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = llama_cpp.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, False)
        return buf.raw[:n]

    def is_eog(self, token: int) -> bool:
        """Whether a token ends generation (EOS, end-of-turn)."""
        return bool(_llama().llama_vocab_is_eog(self.vocab, token))

    def token_text(self, token: int) -> str:
        """The vocabulary string of a token, e.g. ``<|im_end|>`` (for chat templates)."""
        raw = _llama().llama_vocab_get_text(self.vocab, token)
        return raw.decode("utf-8", errors="replace") if raw else ""

    def close(self) -> None:
        """Free the model's memory."""
        if self.ptr is not None:
            _llama().llama_model_free(self.ptr)
            self.ptr = None


def load_model(config: ModelConfig, expert_used_count: int | None = None) -> LoadedModel:
    """Check a GGUF's metadata, then load it into llama.cpp.

    Args:
        config: model settings.
        expert_used_count: active experts per token; overrides ``config.expert_used_count``.

    Returns:
        The loaded model.

    Raises:
        ModelFileError: the file is missing/corrupt, or llama.cpp refused to load it.
        ExpertCountError: the active-expert count does not fit the file.
    """
    info = read_gguf_info(config.gguf_path)
    requested = expert_used_count if expert_used_count is not None else config.expert_used_count
    override = check_expert_count(info, requested)
    effective = (override or info.expert_used_count) if info.is_moe else None
    llama_cpp = _llama()
    keepalive: list[Any] = []
    params = _model_params(llama_cpp, config, override, info, keepalive)
    logger.info(
        "loading %s (%s, %.0f MiB, experts %s/%s) from %s",
        config.name,
        info.architecture,
        info.size_bytes / 2**20,
        effective or "-",
        info.expert_count or "-",
        info.path,
    )
    started = time.perf_counter()
    ptr = llama_cpp.llama_model_load_from_file(str(info.path).encode(), params)
    if not ptr:
        raise ModelFileError(info.path, "llama.cpp could not load it (see the log above)")
    load_s = time.perf_counter() - started
    logger.info("loaded %s in %.2fs", config.name, load_s)
    vocab = llama_cpp.llama_model_get_vocab(ptr)
    return LoadedModel(config, info, effective, ptr, vocab, load_s, keepalive)


def _model_params(
    llama_cpp: Any, config: ModelConfig, experts: int | None, info: GGUFInfo, keepalive: list[Any]
) -> Any:
    params = llama_cpp.llama_model_default_params()
    params.n_gpu_layers = config.n_gpu_layers if config.n_gpu_layers >= 0 else 2**31 - 1
    params.use_mmap = config.use_mmap
    if experts is not None:
        params.kv_overrides = _kv_overrides(
            llama_cpp, {f"{info.architecture}.expert_used_count": experts}, keepalive
        )
    if config.cpu_moe and info.is_moe:
        params.tensor_buft_overrides = _cpu_moe_overrides(llama_cpp, keepalive)
    callback = llama_cpp.llama_progress_callback(_progress_logger(config.name))
    keepalive.append(callback)  # ctypes callbacks must outlive the call that uses them
    params.progress_callback = callback
    return params


def _kv_overrides(llama_cpp: Any, values: dict[str, int], keepalive: list[Any]) -> Any:
    array = (llama_cpp.llama_model_kv_override * (len(values) + 1))()
    for i, (key, value) in enumerate(values.items()):
        array[i].key = key.encode()
        array[i].tag = llama_cpp.LLAMA_KV_OVERRIDE_TYPE_INT
        array[i].value.val_i64 = value
    array[len(values)].key = b"\0"  # sentinel
    keepalive.append(array)
    return array


class _BuftOverride(ctypes.Structure):
    _fields_ = [("pattern", ctypes.c_char_p), ("buft", ctypes.c_void_p)]


def _cpu_moe_overrides(llama_cpp: Any, keepalive: list[Any]) -> int:
    """NULL-terminated ``llama_model_tensor_buft_override`` list putting experts in CPU memory.

    llama-cpp-python declares the field but binds no ggml backend functions, so the CPU buffer
    type comes straight from the bundled ggml-cpu library.
    """
    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    candidates = sorted(lib_dir.glob("libggml-cpu*.so")) + sorted(lib_dir.glob("libggml*.so"))
    for path in candidates:
        lib = ctypes.CDLL(str(path))
        if hasattr(lib, "ggml_backend_cpu_buffer_type"):
            break
    else:
        raise ModelFileError(lib_dir, "cpu_moe needs ggml_backend_cpu_buffer_type; not found in bundled ggml")
    lib.ggml_backend_cpu_buffer_type.restype = ctypes.c_void_p
    overrides = (_BuftOverride * 2)()
    overrides[0].pattern = CPU_MOE_PATTERN
    overrides[0].buft = lib.ggml_backend_cpu_buffer_type()
    keepalive.extend([lib, overrides])
    return ctypes.addressof(overrides)


def _progress_logger(name: str) -> Any:
    last = [-1]

    def report(progress: float, _user_data: Any) -> bool:
        step = int(progress * 10)
        if step != last[0]:
            last[0] = step
            logger.info("loading %s: %d%%", name, step * 10)
        return True  # keep loading

    return report


def default_threads() -> int:
    """Half the cores: llama.cpp decode is memory-bound and hyperthreads hurt it."""
    return max((os.cpu_count() or 2) // 2, 1)
