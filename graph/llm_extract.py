"""Optional extraction pass with the local model, constrained to JSON by a grammar.

The model server (model/) turns the JSON schema below into a llama.cpp grammar, so the answer
always parses; what it says is still checked here: every mention must be a verbatim substring of
the chunk, labels and relation types must come from :mod:`graph.schema`, and a relation needs both
ends among the kept mentions. Everything else is dropped. graph/ never imports model/: the chat
call is injected (e.g. ``ModelClient.chat``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from graph.config import ExtractionConfig
from graph.facts import ChunkFacts, ChunkInput, Mention, RelationFact, make_mention
from graph.schema import ENTITY_LABELS, RELATION_TYPES

logger = logging.getLogger(__name__)

ChatCallable = Callable[..., Any]
_SYSTEM = (
    "You extract maintenance facts from text. Return JSON with 'entities' (each a verbatim "
    "'text' span copied from the input and its 'label') and 'relations' (each 'head' and 'tail' "
    "copied from entity texts, and a 'type'). Use only the given labels and types; copy text exactly."
)


def extraction_schema(max_items: int = 12) -> dict[str, Any]:
    """The JSON schema the model must answer with, built from the graph's labels and relation types.

    Args:
        max_items: most entities and relations per answer (bounds generation length).

    Returns:
        A JSON schema dict.
    """
    text = {"type": "string", "maxLength": 80}
    entity = {
        "type": "object",
        "properties": {"text": text, "label": {"enum": sorted(ENTITY_LABELS)}},
        "required": ["text", "label"],
        "additionalProperties": False,
    }
    relation = {
        "type": "object",
        "properties": {"head": text, "type": {"enum": sorted(RELATION_TYPES)}, "tail": text},
        "required": ["head", "type", "tail"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "entities": {"type": "array", "items": entity, "maxItems": max_items},
            "relations": {"type": "array", "items": relation, "maxItems": max_items},
        },
        "required": ["entities", "relations"],
        "additionalProperties": False,
    }


class LlmExtractor:
    """Asks the local model for a chunk's entities and relations and keeps what the text supports."""

    def __init__(
        self, client_chat: ChatCallable, config: ExtractionConfig | None = None, max_tokens: int = 384
    ):
        """Create the extractor.

        Args:
            client_chat: ``chat(messages, **options)`` returning an object with ``.text`` (or a str),
                e.g. ``ModelClient(...).chat``.
            config: extraction settings (``max_chunk_chars``, ``max_name_chars``).
            max_tokens: generation budget per chunk.
        """
        self.chat, self.config, self.max_tokens = client_chat, config or ExtractionConfig(), max_tokens
        self._response_format = {
            "type": "json_schema",
            "json_schema": {"name": "chunk_facts", "schema": extraction_schema()},
        }

    def extract(self, chunk: ChunkInput) -> ChunkFacts:
        """Extract facts from one chunk; an unusable answer yields empty facts.

        Args:
            chunk: the chunk.

        Returns:
            ChunkFacts with ``source="llm"`` mentions and relations.
        """
        text = chunk.text[: self.config.max_chunk_chars]
        messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": text}]
        answer = self.chat(messages, response_format=self._response_format, max_tokens=self.max_tokens)
        return self.facts_from_answer(chunk, getattr(answer, "text", answer), text)

    def augment(self, facts: ChunkFacts) -> ChunkFacts:
        """Merge this pass into rule-based facts when ``config.use_llm`` is on; else return them as is.

        Args:
            facts: facts of one chunk from :class:`graph.Extractor`.

        Returns:
            The (possibly extended) facts.
        """
        if not self.config.use_llm:
            return facts
        return merge_facts(facts, self.extract(facts.chunk))

    def facts_from_answer(self, chunk: ChunkInput, answer: str, text: str | None = None) -> ChunkFacts:
        """Turn the model's JSON answer into ChunkFacts, dropping anything the text does not support.

        Args:
            chunk: the chunk asked about.
            answer: the model's answer (JSON text).
            text: the text the model saw (defaults to the chunk text).

        Returns:
            The checked facts.
        """
        text = chunk.text if text is None else text
        facts = ChunkFacts(chunk)
        try:
            data = json.loads(answer)
        except (json.JSONDecodeError, TypeError):
            # Possible only when max_tokens cut the answer short; the grammar forbids anything else.
            logger.warning("chunk %s: model answer is not complete JSON; no LLM facts", chunk.chunk_id)
            return facts
        by_surface = self._mentions(chunk, text, data.get("entities", []) if isinstance(data, dict) else [])
        facts.mentions = list({m.key: m for m in by_surface.values()}.values())
        facts.relations = self._relations(
            chunk, by_surface, data.get("relations", []) if isinstance(data, dict) else []
        )
        return facts

    def _mentions(self, chunk: ChunkInput, text: str, items: list[Any]) -> dict[str, Mention]:
        found: dict[str, Mention] = {}
        for item in items:
            surface, label = _field(item, "text"), _field(item, "label")
            start = text.find(surface) if surface.strip() else -1
            if label not in ENTITY_LABELS or start < 0 or surface in found:
                continue
            mention = make_mention(
                label,
                surface,
                chunk.chunk_id,
                source="llm",
                start=start,
                end=start + len(surface),
                max_chars=self.config.max_name_chars,
            )
            if mention is not None:
                found[surface] = mention
        return found

    @staticmethod
    def _relations(chunk: ChunkInput, mentions: dict[str, Mention], items: list[Any]) -> list[RelationFact]:
        relations = {}
        for item in items:
            head, tail, rel = (
                mentions.get(_field(item, "head")),
                mentions.get(_field(item, "tail")),
                _field(item, "type"),
            )
            if head is None or tail is None or rel not in RELATION_TYPES or head.key == tail.key:
                continue
            relations[(rel, head.key, tail.key)] = RelationFact(
                rel, head.key, tail.key, chunk.chunk_id, source="llm"
            )
        return list(relations.values())


def merge_facts(rule_based: ChunkFacts, llm: ChunkFacts) -> ChunkFacts:
    """Add the LLM pass's mentions and relations that the rule-based pass did not already have.

    Args:
        rule_based: facts from :class:`graph.Extractor`.
        llm: facts from :class:`LlmExtractor` for the same chunk.

    Returns:
        ``rule_based`` extended in place (rule-based facts win on equal keys).
    """
    keys = {m.key for m in rule_based.mentions}
    rule_based.mentions += [m for m in llm.mentions if m.key not in keys]
    seen = {(r.type, r.head, r.tail) for r in rule_based.relations}
    rule_based.relations += [r for r in llm.relations if (r.type, r.head, r.tail) not in seen]
    return rule_based


def _field(item: Any, name: str) -> str:
    value = item.get(name) if isinstance(item, dict) else None
    return value if isinstance(value, str) else ""
