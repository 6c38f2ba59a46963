"""Domain lexicon: curated component, action, failure-mode and symptom terms with aliases.

The packaged lexicon lives in ``graph/data/lexicon.json`` with its Chinese terms in
``graph/data/lexicon_zh.json`` (merged in; Chinese canonical names keep their script, and its
``_english`` table gives each an optional English alias); a deployment may pass its own file.
Matching is case-insensitive on word boundaries, longest alias first.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from graph.errors import ExtractionError

_MAX_ALIAS_CHARS = 64


@dataclass(frozen=True)
class LexiconMatch:
    """A lexicon term found in text."""

    label: str
    canonical: str
    start: int
    end: int
    surface: str


class Lexicon:
    """Compiled alias matchers, one per label."""

    def __init__(self, terms: dict[str, dict[str, list[str]]], english: dict[str, str] | None = None) -> None:
        """Build matchers.

        Args:
            terms: ``{label: {canonical: [alias, ...]}}``; the canonical name is an alias of itself.
            english: optional English alias per canonical name of another script.
        """
        self.terms = terms
        self.english = dict(english or {})
        self._canonical: dict[str, dict[str, str]] = {}
        self._regex: dict[str, re.Pattern[str]] = {}
        for label, entries in terms.items():
            lookup = {}
            for canonical, aliases in entries.items():
                for alias in [canonical, *aliases]:
                    lookup.setdefault(alias.lower()[:_MAX_ALIAS_CHARS], canonical)
            self._canonical[label] = lookup
            alternatives = "|".join(re.escape(a) for a in sorted(lookup, key=len, reverse=True))
            self._regex[label] = re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")

    @classmethod
    def load(cls, path: str | None = None) -> Lexicon:
        """Load a lexicon JSON file.

        Args:
            path: file path; None loads the packaged ``graph/data/lexicon.json``.

        Returns:
            The compiled lexicon.

        Raises:
            ExtractionError: the file is missing or malformed.
        """
        try:
            if path is None:
                data = json.loads(resources.files("graph").joinpath("data/lexicon.json").read_text("utf-8"))
                chinese = json.loads(
                    resources.files("graph").joinpath("data/lexicon_zh.json").read_text("utf-8")
                )
            else:
                data, chinese = json.loads(Path(path).read_text("utf-8")), {}
        except (OSError, ValueError) as e:
            raise ExtractionError(f"cannot load lexicon {path or 'graph/data/lexicon.json'}: {e}") from e
        terms = {k: dict(v) for k, v in data.items() if not k.startswith("_")}
        for label, entries in chinese.items():
            if not label.startswith("_"):
                terms.setdefault(label, {}).update(entries)
        return cls(terms, chinese.get("_english"))

    def labels(self) -> list[str]:
        return list(self._regex)

    def canonical(self, label: str, surface: str) -> str | None:
        """Return the canonical name of ``surface`` under ``label``, or None when unknown.

        Args:
            label: entity label.
            surface: an alias as written (any case).
        """
        return self._canonical.get(label, {}).get(surface.lower().strip())

    def english_alias(self, canonical: str) -> str | None:
        """The English alias of a canonical name in another script (``机械密封`` -> mechanical seal)."""
        return self.english.get(canonical)

    def find(self, text: str) -> list[LexiconMatch]:
        """Find lexicon terms; a term inside a longer term of another label is dropped.

        Args:
            text: text to scan.

        Returns:
            Matches sorted by start offset.
        """
        lowered = text.lower()
        found = [
            LexiconMatch(
                label, self._canonical[label][m.group(0)], m.start(), m.end(), text[m.start() : m.end()]
            )
            for label, regex in self._regex.items()
            for m in regex.finditer(lowered)
        ]
        found.sort(key=lambda m: (m.start, m.label))
        starts = [m.start for m in found]
        return [m for i, m in enumerate(found) if not _is_covered(found, starts, i)]


def _is_covered(matches: list[LexiconMatch], starts: list[int], index: int) -> bool:
    """True when a strictly longer match of the sorted list contains ``matches[index]``."""
    m = matches[index]
    low = bisect.bisect_left(starts, m.start - _MAX_ALIAS_CHARS)
    high = bisect.bisect_right(starts, m.start)
    return any(
        o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
        for o in matches[low:high]
    )
