"""Language of a passage or a question, as an ISO 639-1 code (``"en"``, ``"zh"``, ...).

Two steps, because technical text defeats a character n-gram model on its own:

1. script: a text with many Han (or kana / hangul) characters per Latin word is Chinese (Japanese /
   Korean) outright. A Chinese question is full of Latin codes and part numbers
   ("NISPORT 端口是多少", "更换密封件 SK-2201"): py3langid calls the second one Wu Chinese and
   short English fragments Romanian, so the script decides first.
2. otherwise py3langid (langid.py's model, bundled in the wheel, no download), restricted to
   ``languages`` when given; a guess below ``min_confidence`` (short fragments, bare codes)
   falls back to ``default``.

The model loads on the first call (about 0.6 s), never at import.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["LanguageDetector", "detect_language", "is_cjk_char", "han_share"]

# CJK characters per Latin word above which the script decides the language. A Chinese word is
# one to three characters, so a Chinese question quoting an English error message
# ("apcaccess status 报错 'tcp_open: cannot connect ...'，我漏了什么配置？") stays above it, and
# an English sentence quoting one Chinese term stays under it.
_CJK_PER_LATIN_WORD = 0.5
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ALIASES = {"wuu": "zh", "yue": "zh", "zh-hans": "zh", "zh-hant": "zh"}


def is_cjk_char(ch: str) -> bool:
    """True for a Han ideograph (CJK unified, extension A, compatibility)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def _script_counts(text: str) -> tuple[int, int, int, int]:
    han = kana = hangul = letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        o = ord(ch)
        if is_cjk_char(ch):
            han += 1
        elif 0x3040 <= o <= 0x30FF:
            kana += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF:
            hangul += 1
    return han, kana, hangul, letters


def han_share(text: str) -> float:
    """Share of the letters in ``text`` that are Han ideographs (0 when it has no letters)."""
    han, _, _, letters = _script_counts(text)
    return han / letters if letters else 0.0


@dataclass(frozen=True)
class LanguageDetector:
    """Detects the language of short and long technical texts.

    Attributes:
        languages: restrict the statistical model to these codes (None: all 97 it knows).
        min_confidence: below this normalised probability the model's guess is not trusted.
        default: the answer for texts without letters or with an untrusted guess.
    """

    languages: tuple[str, ...] | None = None
    min_confidence: float = 0.5
    default: str = "en"

    def detect(self, text: str) -> str:
        """The language of ``text``.

        Args:
            text: any text (only the first 2,000 characters are looked at).

        Returns:
            An ISO 639-1 code; ``default`` when undecidable.
        """
        sample = unicodedata.normalize("NFKC", text[:2000])
        by_script = _by_script(sample)
        if by_script:
            return by_script
        if not any(ch.isalpha() for ch in sample):
            return self.default
        lang, confidence = _identifier(self.languages).classify(sample)
        lang = _ALIASES.get(lang, lang)
        return lang if confidence >= self.min_confidence else self.default

    def detect_many(self, texts: Sequence[str]) -> list[str]:
        """:meth:`detect` for each text, in order."""
        return [self.detect(t) for t in texts]


def _by_script(text: str) -> str | None:
    han, kana, hangul, _ = _script_counts(text)
    cjk = han + kana + hangul
    if cjk < 2 or cjk < _CJK_PER_LATIN_WORD * len(_LATIN_WORD.findall(text)):
        return None
    if hangul > han + kana:
        return "ko"
    if kana and kana * 5 >= han:  # Japanese mixes kana into nearly every sentence
        return "ja"
    return "zh"


_load_lock = threading.Lock()


@functools.cache
def _identifier(languages: tuple[str, ...] | None) -> Any:
    with _load_lock:
        try:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
        except ImportError as e:  # pragma: no cover - dependency is pinned
            raise RuntimeError("py3langid is not installed; install the project requirements") from e
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        if languages:
            identifier.set_languages(list(languages))
        return identifier


_DEFAULT = LanguageDetector()


def detect_language(text: str) -> str:
    """The language of ``text`` with the default detector (see :class:`LanguageDetector`).

    Args:
        text: a passage or a question.

    Returns:
        An ISO 639-1 code, ``"en"`` when undecidable.
    """
    return _DEFAULT.detect(text)
