"""Read and check GGUF metadata with the ``gguf`` package, before llama.cpp sees the file.

llama.cpp aborts the whole process on some bad inputs (e.g. more active experts than the file
has), so everything checkable is checked here first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ExpertCountError, ModelFileError

logger = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class GGUFInfo:
    """The metadata Kenning needs from a GGUF file."""

    path: Path
    architecture: str
    name: str
    context_length: int
    block_count: int
    expert_count: int
    expert_used_count: int
    tensor_count: int
    size_bytes: int
    chat_template: str | None

    @property
    def is_moe(self) -> bool:
        return self.expert_count > 1


def read_gguf_info(path: Path) -> GGUFInfo:
    """Read a GGUF file's header and metadata without loading weights.

    Args:
        path: the GGUF file.

    Returns:
        The parsed metadata.

    Raises:
        ModelFileError: the file is missing, unreadable, not GGUF, truncated or lacks keys.
    """
    path = Path(path)
    _check_file(path)
    fields = _read_fields(path)
    arch = fields.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelFileError(path, "no general.architecture key; not a model GGUF")

    def arch_int(key: str, default: int) -> int:
        value = fields.get(f"{arch}.{key}", default)
        return int(value)

    return GGUFInfo(
        path=path,
        architecture=arch,
        name=str(fields.get("general.name", path.stem)),
        context_length=arch_int("context_length", 0),
        block_count=arch_int("block_count", 0),
        expert_count=arch_int("expert_count", 0),
        expert_used_count=arch_int("expert_used_count", 0),
        tensor_count=int(fields.get("__tensor_count__", 0)),
        size_bytes=path.stat().st_size,
        chat_template=fields.get("tokenizer.chat_template"),
    )


def check_expert_count(info: GGUFInfo, requested: int | None) -> int | None:
    """Validate an active-experts setting against the file.

    Args:
        info: the GGUF metadata.
        requested: active experts per token, or None for the file's default.

    Returns:
        The count to pass to llama.cpp as an override, or None for no override.

    Raises:
        ExpertCountError: the model is dense and a count other than 1 was asked for, or the
            count is outside 1..expert_count.
    """
    if requested is None:
        return None
    available = max(info.expert_count, 1)
    if not 1 <= requested <= available:
        raise ExpertCountError(requested, available)
    return requested if info.is_moe else None


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ModelFileError(path, "does not exist")
    if not path.is_file():
        raise ModelFileError(path, "is not a regular file")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror})") from exc
    if magic != GGUF_MAGIC:
        raise ModelFileError(path, f"is not a GGUF file (magic {magic!r})")


def _read_fields(path: Path) -> dict[str, Any]:
    import gguf  # heavy-ish import (numpy memmap machinery) kept out of module import time

    try:
        reader = gguf.GGUFReader(path)
        # Tokenizer arrays are large and unused here; skip decoding them.
        fields = {
            name: field.contents()
            for name, field in reader.fields.items()
            if not name.startswith("tokenizer.ggml.")
        }
        fields["__tensor_count__"] = len(reader.tensors)
        _check_tensor_extent(path, reader)
    except ModelFileError:
        raise
    except Exception as exc:  # the reader raises ValueError/IndexError/... on damage
        raise ModelFileError(path, f"corrupt or truncated GGUF ({type(exc).__name__}: {exc})") from exc
    return fields


def _check_tensor_extent(path: Path, reader: Any) -> None:
    size = path.stat().st_size
    for tensor in reader.tensors:
        if tensor.data_offset + tensor.n_bytes > size:
            raise ModelFileError(path, f"truncated: tensor {tensor.name} ends past the end of the file")
