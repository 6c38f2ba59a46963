"""Find the real type of an uploaded file from its bytes, not from its name.

Binary formats are recognised by magic numbers (``filetype``) and, for Office files, by the parts
inside the zip container. Text formats are told apart by content heuristics, with the extension as
a tie-breaker between text kinds only: a text file called ``.csv`` is read as CSV, but a Windows
executable called ``.pdf`` is rejected.
"""

from __future__ import annotations

import csv
import logging
import re
import zipfile
from pathlib import Path, PurePath

from retrieval.config import ParseConfig
from retrieval.errors import EmptyFile, FileTooLarge, UnsupportedFileType
from retrieval.types import FileKind

logger = logging.getLogger(__name__)

_BINARY_EXTENSIONS = {".pdf": FileKind.PDF, ".docx": FileKind.DOCX, ".xlsx": FileKind.XLSX}
_TEXT_EXTENSIONS = {
    ".html": FileKind.HTML,
    ".htm": FileKind.HTML,
    ".xhtml": FileKind.HTML,
    ".md": FileKind.MARKDOWN,
    ".markdown": FileKind.MARKDOWN,
    ".csv": FileKind.CSV,
    ".tsv": FileKind.CSV,
    ".txt": FileKind.TEXT,
    ".text": FileKind.TEXT,
    ".rst": FileKind.TEXT,
    ".log": FileKind.TEXT,
}
_LEGACY_OFFICE_HINT = "legacy or encrypted Microsoft Office file; save it as .docx/.xlsx without a password"
_HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.I | re.S)
_HTML_TAGS = re.compile(rb"<(head|body|p|div|h[1-6]|table|ul|ol)[\s>]", re.I)
_MD_SIGNALS = re.compile(r"^(#{1,6} \S|```|\|?\s*:?-{3,}:?\s*\||\s*[-*+] \S|\s*\d+\. \S)", re.M)


def sniff_file(path: str | Path, *, name: str | None = None, config: ParseConfig | None = None) -> FileKind:
    """Sniff the real type of a file on disk, enforcing the size limit first.

    Args:
        path: where the bytes are.
        name: the file's name as uploaded (for the extension hint and messages); defaults to the
            path's name.
        config: limits; defaults to ``ParseConfig()``.

    Returns:
        The detected ``FileKind``.

    Raises:
        EmptyFile, FileTooLarge, UnsupportedFileType.
    """
    config = config or ParseConfig()
    path = Path(path)
    name = name or path.name
    size = path.stat().st_size
    check_size(size, name=name, config=config)
    with path.open("rb") as fh:
        head = fh.read(config.sniff_bytes)
    return _sniff(head, name=name, config=config, open_zip=lambda: zipfile.ZipFile(path))


def sniff_bytes(data: bytes, *, name: str, config: ParseConfig | None = None) -> FileKind:
    """Sniff the real type of an in-memory file.

    Args:
        data: the whole file.
        name: the file's name as uploaded (extension hint, messages).
        config: limits; defaults to ``ParseConfig()``.

    Returns:
        The detected ``FileKind``.

    Raises:
        EmptyFile, FileTooLarge, UnsupportedFileType.
    """
    import io

    config = config or ParseConfig()
    check_size(len(data), name=name, config=config)
    return _sniff(
        data[: config.sniff_bytes],
        name=name,
        config=config,
        open_zip=lambda: zipfile.ZipFile(io.BytesIO(data)),
    )


def check_size(size_bytes: int, *, name: str, config: ParseConfig) -> None:
    """Reject empty files and files over the limit.

    Args:
        size_bytes: the file's size.
        name: the file's name for the message.
        config: holds ``max_file_bytes``.

    Raises:
        EmptyFile: when ``size_bytes`` is 0.
        FileTooLarge: when ``size_bytes`` exceeds ``config.max_file_bytes``.
    """
    if size_bytes == 0:
        raise EmptyFile(name)
    if size_bytes > config.max_file_bytes:
        raise FileTooLarge(name, size_bytes, config.max_file_bytes)


def _sniff(head: bytes, *, name: str, config: ParseConfig, open_zip) -> FileKind:  # type: ignore[no-untyped-def]
    import filetype

    ext = PurePath(name).suffix.lower()
    guess = filetype.guess(head)
    if head.startswith(b"%PDF-"):
        kind = FileKind.PDF
    elif guess is not None and guess.mime == "application/pdf":
        kind = FileKind.PDF
    elif head.startswith(b"PK\x03\x04"):
        kind = _sniff_zip(name, open_zip)
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise UnsupportedFileType(name, "application/x-ole-storage", _LEGACY_OFFICE_HINT)
    elif guess is not None:
        raise UnsupportedFileType(name, guess.mime, f"unsupported file type ({guess.mime})")
    else:
        kind = _sniff_text(head, ext=ext, name=name)
    expected = _BINARY_EXTENSIONS.get(ext)
    if expected is not None and expected is not kind:
        raise UnsupportedFileType(
            name, kind.value, f"the extension says {ext} but the content is {kind.value.upper()}"
        )
    logger.debug("sniffed %s as %s", name, kind.value)
    return kind


def _sniff_zip(name: str, open_zip) -> FileKind:  # type: ignore[no-untyped-def]
    try:
        with open_zip() as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        raise UnsupportedFileType(name, "application/zip", f"damaged zip container ({e})") from e
    if "word/document.xml" in names:
        return FileKind.DOCX
    if "xl/workbook.xml" in names:
        return FileKind.XLSX
    if "[Content_Types].xml" in names:
        raise UnsupportedFileType(name, "application/vnd.openxmlformats", "unsupported Office file type")
    raise UnsupportedFileType(
        name, "application/zip", "zip archives are not supported; upload the files inside"
    )


def _sniff_text(head: bytes, *, ext: str, name: str) -> FileKind:
    text = _decode_head(head, name)
    if _HTML_START.match(head) or (ext in (".html", ".htm", ".xhtml") and _HTML_TAGS.search(head)):
        return FileKind.HTML
    hinted = _TEXT_EXTENSIONS.get(ext)
    if hinted is FileKind.HTML:
        hinted = None  # an .html name without HTML content: judge by content
    if hinted is not None:
        return hinted
    if _HTML_TAGS.search(head[:4096]) and head.lstrip()[:1] == b"<":
        return FileKind.HTML
    if _looks_like_csv(text):
        return FileKind.CSV
    if len(_MD_SIGNALS.findall(text)) >= 3:
        return FileKind.MARKDOWN
    return FileKind.TEXT


def _decode_head(head: bytes, name: str) -> str:
    from charset_normalizer import from_bytes

    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedFileType(name, "application/octet-stream", "binary data of an unknown type")
    best = from_bytes(head).best()
    if best is None:
        raise UnsupportedFileType(name, "application/octet-stream", "binary data of an unknown type")
    text = str(best)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 0.01 * max(1, len(text)):
        raise UnsupportedFileType(name, "application/octet-stream", "binary data of an unknown type")
    return text


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines[:-1], dialect)}
    return len(widths) == 1 and widths.pop() >= 2
