"""Uploaded files on disk, named by their content hash: equal bytes are stored once.

Layout: ``MEDIA_ROOT/uploads/<sha256[:2]>/<sha256><.ext>``, the extension taken from the uploaded
name (some parsers, e.g. openpyxl, look at it). A file is written to a temporary name in
the same directory while it is hashed, then renamed into place (atomic on one filesystem), so a
crash never leaves a half-written file under a hash name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    content_hash: str
    file_path: str  # relative to MEDIA_ROOT
    size_bytes: int


def uploads_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def absolute_path(file_path: str) -> Path:
    return Path(settings.MEDIA_ROOT) / file_path


def safe_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""


def store(stream: IO[bytes], name: str = "") -> StoredFile:
    """Copy ``stream`` to its content-hash path (no copy when the same bytes are already there)."""
    root = uploads_dir()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=root)
    try:
        with os.fdopen(fd, "wb") as out:
            while block := stream.read(_CHUNK_BYTES):
                digest.update(block)
                out.write(block)
                size += len(block)
        content_hash = digest.hexdigest()
        relative = f"uploads/{content_hash[:2]}/{content_hash}{safe_suffix(name)}"
        final = absolute_path(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return StoredFile(content_hash, relative, size)


def hash_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while block := stream.read(_CHUNK_BYTES):
        digest.update(block)
    return digest.hexdigest()


def remove_if_unreferenced(file_path: str) -> None:
    """Delete a stored file once no version refers to it any more."""
    from apps.documents.models import DocumentVersion

    if DocumentVersion.objects.filter(file_path=file_path).exists():
        return
    try:
        absolute_path(file_path).unlink(missing_ok=True)
    except OSError:
        logger.warning("could not remove %s", file_path, exc_info=True)


def work_dir(version_id: int) -> Path:
    """Scratch space of one version's ingest (the parsed document between stages)."""
    return Path(settings.MEDIA_ROOT) / "work" / str(version_id)
