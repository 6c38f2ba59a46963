"""Chinese text in parsing and chunking: width normalisation, sentence ends, numbered headings.

- Codes and part numbers typed with an input method come out full-width (``ＭＳ－５０２０``);
  search, the graph's patterns and a technician typing ``MS-5020`` need them half-width.
  Only letters, digits and the punctuation *inside* a code are narrowed: Chinese punctuation
  (，。：；（）) stays as written, so quoted passages read as the source does.
- Chinese sentences end with 。！？； and no space follows, so the chunker's ``". "`` boundary
  never fires inside Chinese prose.
- Chinese documents number their headings 第一章 / 第二节 / 一、 / （一）; plain-text files carry
  no other heading markup.
"""

from __future__ import annotations

import dataclasses
import re

from .language import is_cjk_char
from .types import Block, ParsedDocument

__all__ = [
    "SENTENCE_BOUNDARY",
    "normalize_width",
    "split_sentences",
    "heading_level",
    "normalize_document",
    "join_lines",
    "estimate_prompt_tokens",
]

# Split points that keep every character: before the whitespace after a Latin sentence end, and
# right after a Chinese one (joining the parts with "" gives the text back unchanged).
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?;:])(?=\s)|(?<=[。！？；])(?=.)", re.S)

_FULLWIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")
# Full-width joiners that belong to a code only when letters or digits stand on both sides.
_CODE_JOINER = re.compile(r"(?<=[0-9A-Za-z])[－．／＿＃＋](?=[0-9A-Za-z])")
_NARROW = {0xFF0D: "-", 0xFF0E: ".", 0xFF0F: "/", 0xFF3F: "_", 0xFF03: "#", 0xFF0B: "+"}

_CN_NUM = "一二三四五六七八九十百零〇两"
_HEADING_PATTERNS = (
    (re.compile(rf"^第[{_CN_NUM}\d]+[章篇部]"), 1),
    (re.compile(rf"^第[{_CN_NUM}\d]+节"), 2),
    (re.compile(rf"^[{_CN_NUM}]+[、．.]"), 2),
    (re.compile(rf"^[（(][{_CN_NUM}]+[）)]"), 3),
)
_HEADING_MAX_CHARS = 30
_SENTENCE_END_CHARS = "。；！？，：;:,.!?"


def normalize_width(text: str) -> str:
    """Narrow full-width letters, digits and in-code joiners; leave Chinese punctuation alone.

    Args:
        text: any text.

    Returns:
        The text with ``ＫＰ－ＯＩＬ－６８`` written ``KP-OIL-68`` and ``，`` kept.
    """
    if not any("\uff01" <= ch <= "\uff5e" for ch in text):
        return text
    narrowed = _FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)
    return _CODE_JOINER.sub(lambda m: _NARROW[ord(m.group())], narrowed)


def split_sentences(text: str) -> list[str]:
    """Split at Latin and Chinese sentence ends, keeping every character.

    Args:
        text: prose in any mix of Chinese and Latin script.

    Returns:
        Non-empty sentences; ``"".join`` of them is ``text``.
    """
    return [part for part in SENTENCE_BOUNDARY.split(text) if part]


def heading_level(line: str) -> int | None:
    """The level of a Chinese numbered heading line, or None when the line is not one.

    第一章 → 1, 第一节 → 2, 一、 → 2, （一） → 3. A numbered line that reads as a sentence
    (long, or ending in punctuation: ``（一）检修前必须切断电源。``) is a list item, not a heading.

    Args:
        line: one line of text.

    Returns:
        1, 2 or 3, or None.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > _HEADING_MAX_CHARS or stripped[-1] in _SENTENCE_END_CHARS:
        return None
    for pattern, level in _HEADING_PATTERNS:
        match = pattern.match(stripped)
        if match and len(stripped) > match.end():
            return level
    return None


def join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines into one paragraph: a space between Latin words, none between
    two Chinese characters (a space there reads as a typo and splits a word for the tokenisers).

    Args:
        lines: the paragraph's lines.

    Returns:
        One line.
    """
    out = ""
    for line in (" ".join(raw.split()) for raw in lines):
        if not line:
            continue
        if out and not (_is_wide(out[-1]) and _is_wide(line[0])):
            out += " "
        out += line
    return out


def _is_wide(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"


def normalize_document(document: ParsedDocument) -> ParsedDocument:
    """Apply :func:`normalize_width` to every block's text, cells, heading path and fields.

    Args:
        document: a parsed document.

    Returns:
        The same document when nothing was full-width, else a copy with narrowed text.
    """
    if not any(normalize_width(b.text) != b.text for b in document.blocks):
        return document
    blocks = [_normalize_block(b) for b in document.blocks]
    return dataclasses.replace(document, blocks=blocks)


def _normalize_block(block: Block) -> Block:
    changes: dict[str, object] = {
        "text": normalize_width(block.text),
        "heading_path": tuple(normalize_width(h) for h in block.heading_path),
    }
    if block.rows:
        changes["rows"] = tuple(tuple(normalize_width(c) for c in row) for row in block.rows)
    if block.fields:
        changes["fields"] = {
            k: normalize_width(v) if isinstance(v, str) else v for k, v in block.fields.items()
        }
    return dataclasses.replace(block, **changes)  # type: ignore[arg-type]


def estimate_prompt_tokens(text: str) -> int:
    """About how many tokens the answer model's tokenizer (Qwen2.5) spends on ``text``.

    ~1.35 tokens per space-separated word for English, and ~0.75 per Han character: a Chinese
    passage has few spaces, so counting words alone (what the source budget did) took a
    300-character passage for a handful of tokens and let Chinese sources overrun the budget.
    """
    han = sum(1 for ch in text if is_cjk_char(ch))
    return int(len(text.split()) * 1.35 + han * 0.75) + 1
