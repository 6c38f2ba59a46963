"""Sniffing the real file type from bytes, and the size limit."""

import sys
from pathlib import Path

import pytest

from retrieval.config import ParseConfig
from retrieval.errors import DocumentError, EmptyFile, FileTooLarge, UnsupportedFileType
from retrieval.sniff import sniff_bytes, sniff_file
from retrieval.types import FileKind

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "sample_data"


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("manuals/linuxcnc-integrator-information.pdf", FileKind.PDF),
        ("manuals/apcupsd-maintaining-your-ups.docx", FileKind.DOCX),
        ("records/excavator-work-orders.xlsx", FileKind.XLSX),
        ("manuals/apcupsd-user-manual.html", FileKind.HTML),
        ("manuals/nut-user-manual-configuration-notes.html", FileKind.HTML),
        ("manuals/nut-user-manual-overview.md", FileKind.MARKDOWN),
        ("manuals/apcupsd-smart-protocol.txt", FileKind.TEXT),
        ("records/excavator-work-orders.csv", FileKind.CSV),
    ],
)
def test_it_recognises_each_sample_format(relative, kind):
    assert sniff_file(SAMPLES / relative) is kind


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("manuals/linuxcnc-integrator-information.pdf", FileKind.PDF),
        ("manuals/apcupsd-maintaining-your-ups.docx", FileKind.DOCX),
        ("manuals/apcupsd-user-manual.html", FileKind.HTML),
        ("records/excavator-work-orders.csv", FileKind.CSV),
        ("manuals/nut-user-manual-overview.md", FileKind.MARKDOWN),
    ],
)
def test_it_judges_by_content_when_the_name_has_no_extension(relative, kind):
    assert sniff_bytes((SAMPLES / relative).read_bytes(), name="upload") is kind


def test_it_rejects_an_executable_renamed_pdf():
    head = Path(sys.executable).resolve().read_bytes()[:65536]  # a real ELF binary
    with pytest.raises(UnsupportedFileType) as e:
        sniff_bytes(head, name="manual.pdf")
    assert e.value.file == "manual.pdf"
    assert e.value.is_transient is False


def test_it_rejects_a_windows_executable_renamed_pdf():
    fake_exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)
    with pytest.raises(UnsupportedFileType, match="manual.pdf"):
        sniff_bytes(fake_exe, name="manual.pdf")


def test_it_rejects_a_docx_renamed_pdf_naming_both_types():
    data = (SAMPLES / "manuals/apcupsd-maintaining-your-ups.docx").read_bytes()
    with pytest.raises(UnsupportedFileType, match=r"extension says \.pdf but the content is DOCX"):
        sniff_bytes(data, name="manual.pdf")


def test_it_rejects_text_pretending_to_be_a_pdf():
    with pytest.raises(UnsupportedFileType, match="extension says .pdf"):
        sniff_bytes(b"just some notes\nabout a pump\n", name="manual.pdf")


def test_it_rejects_a_legacy_office_file():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    with pytest.raises(UnsupportedFileType, match="legacy or encrypted"):
        sniff_bytes(ole, name="old.doc")


def test_it_rejects_a_plain_zip():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
    with pytest.raises(UnsupportedFileType, match="zip archives"):
        sniff_bytes(buf.getvalue(), name="bundle.zip")


def test_it_rejects_an_empty_file(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFile, match="0 bytes"):
        sniff_file(empty)


def test_it_rejects_a_file_over_the_size_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 5000)
    with pytest.raises(FileTooLarge) as e:
        sniff_file(big, config=ParseConfig(max_file_bytes=4096))
    assert (e.value.size_bytes, e.value.limit_bytes) == (5000, 4096)
    assert isinstance(e.value, DocumentError)


def test_it_rejects_random_binary_data():
    import random

    rng = random.Random(7)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    with pytest.raises(UnsupportedFileType):
        sniff_bytes(noise, name="notes.txt")


def test_config_rejects_out_of_range_limits():
    with pytest.raises(ValueError, match="max_file_bytes"):
        ParseConfig(max_file_bytes=0)
