"""Exceptions raised by retrieval/.

Hierarchy::

    RetrievalError (is_transient: bool)
    ├── EmbeddingError            the embedding model failed to load or encode
    └── VectorIndexError          the passage index failed
        ├── IndexUnavailable      the index server/engine cannot be reached (transient)
        ├── CollectionMissing     the index collection does not exist yet
        └── IndexConfigMismatch   the stored collection disagrees with the config (e.g. dim)
    └── DocumentError             an uploaded file cannot be ingested as it is (permanent)
        ├── EmptyFile             the file has no bytes
        ├── FileTooLarge          the file is over the configured size limit
        ├── UnsupportedFileType   the content is not a supported format (or the extension lies)
        └── ParseError            the file is corrupt, truncated, encrypted or otherwise unreadable

Callers retry only errors whose ``is_transient`` is True (the attribute graph/ and model/ errors carry too).
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Base for everything retrieval/ raises."""

    is_transient: bool = False

    def __init__(self, message: str, *, is_transient: bool | None = None) -> None:
        super().__init__(message)
        if is_transient is not None:
            self.is_transient = is_transient


# --- embeddings, vector index, search ---------------------------------------------------------


class EmbeddingError(RetrievalError):
    """The embedding model failed to load or to encode text."""


class VectorIndexError(RetrievalError):
    """The passage index (Qdrant or the in-memory stand-in) failed."""


class IndexUnavailable(VectorIndexError):
    """The index server or engine cannot be reached right now."""

    is_transient = True


class CollectionMissing(VectorIndexError):
    """The index collection has not been created (call ``ensure_collection`` first)."""


class IndexConfigMismatch(VectorIndexError):
    """The stored collection disagrees with the configuration (e.g. vector size)."""


# --- uploads: sniffing, parsing, chunking ------------------------------------------------------


class DocumentError(RetrievalError):
    """An uploaded file cannot be ingested as it is; retrying the same bytes cannot help.

    Attributes:
        file: the file's name as the user knows it (for the message), never a server path.
        reason: one short, user-facing sentence.
    """

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}", is_transient=False)
        self.file = file
        self.reason = reason


class EmptyFile(DocumentError):
    """The file has no bytes."""

    def __init__(self, file: str) -> None:
        super().__init__(file, "the file is empty (0 bytes)")


class FileTooLarge(DocumentError):
    """The file (or what an archive expands to) is over the configured limit."""

    def __init__(self, file: str, size_bytes: int, limit_bytes: int, what: str = "the file") -> None:
        super().__init__(file, f"{what} is {size_bytes:,} bytes; the limit is {limit_bytes:,} bytes")
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes


class UnsupportedFileType(DocumentError):
    """The content is not a supported format, or its extension claims a format it is not.

    Attributes:
        detected: what the content looks like (a MIME type or a short description).
    """

    def __init__(self, file: str, detected: str, reason: str) -> None:
        super().__init__(file, reason)
        self.detected = detected


class ParseError(DocumentError):
    """The file claims a supported format but cannot be read (corrupt, truncated, encrypted...)."""
