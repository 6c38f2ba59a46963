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
from graph.schema import ENTITY_LABELS

logger = logging.getLogger(__name__)

ChatCallable = Callable[..., Any]

#: What the pass may label: the rule-based pass owns work orders (records) and people (NER).
LLM_LABELS: tuple[str, ...] = tuple(sorted(ENTITY_LABELS - {"WorkOrder", "Person", "Organization"}))
#: Relations prose states; record links (PERFORMED_ON, HAD, ...) come from the column mapping.
LLM_RELATIONS: tuple[str, ...] = ("CAUSED_BY", "INDICATES", "REMEDIED_BY", "SHOWS", "USES_PART")
#: Longest span the model may copy; a name is not a sentence.
MAX_SPAN_CHARS = 64
MAX_ENTITIES = 6
MAX_RELATIONS = 6
#: The model server refuses a larger ``max_tokens`` (its default ``max_tokens_limit``); the
#: schema is sized so that its longest answer fits.
SERVER_MAX_TOKENS = 2048
#: Input cut: with the bounded answer it fits a 4,096-token context.
MAX_INPUT_CHARS = 4000
# Printable ASCII without quote and backslash: every character of a string is one byte (so one
# token at most) and no escape sequence can stretch it; spans with other characters are skipped.
_SPAN_PATTERN = r"^[ !#-\[\]-~]{1," + str(MAX_SPAN_CHARS) + r"}$"

_SYSTEM = (
    "You extract troubleshooting facts from a maintenance manual passage. Return JSON with "
    "'entities' (each a short 'text' span copied exactly from the passage and its 'label') and "
    "'relations' between entity texts. Types: CAUSED_BY (a Symptom or FailureMode -> the Cause that "
    "produces it), REMEDIED_BY (a Symptom, Cause or ErrorCode -> the Action that fixes it), "
    "INDICATES (an ErrorCode -> what it means), SHOWS (a Component -> its Symptom), USES_PART "
    "(an Action -> a Part). Only state what the passage says; return empty lists when it states "
    "no cause or remedy. Keep spans short: a noun phrase or a clause, never a whole paragraph."
)


def answer_json(chunk_id: str, answer: str) -> Any | None:
    """The model's answer parsed, or None (logged) when it is not complete JSON: a server that
    ignores the grammar or the budget; the schema bounds the answer otherwise."""
    try:
        return json.loads(answer, strict=False)
    except (json.JSONDecodeError, TypeError):
        logger.warning("chunk %s: model answer is not complete JSON; no LLM facts", chunk_id)
        return None


def extraction_schema(
    max_entities: int = MAX_ENTITIES, max_relations: int = MAX_RELATIONS, max_chars: int = MAX_SPAN_CHARS
) -> dict[str, Any]:
    """The JSON schema the model must answer with, built from the graph's labels and relation types.

    Args:
        max_entities: most entities per answer.
        max_relations: most relations per answer.
        max_chars: longest copied span.

    Returns:
        A JSON schema dict; every answer it accepts is at most :func:`answer_token_bound` tokens.
    """
    pattern = _SPAN_PATTERN.replace(str(MAX_SPAN_CHARS), str(max_chars))
    text = {"type": "string", "pattern": pattern}
    entity = {
        "type": "object",
        "properties": {"text": text, "label": {"enum": list(LLM_LABELS)}},
        "required": ["text", "label"],
        "additionalProperties": False,
    }
    relation = {
        "type": "object",
        "properties": {"head": text, "type": {"enum": list(LLM_RELATIONS)}, "tail": text},
        "required": ["head", "type", "tail"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "entities": {"type": "array", "items": entity, "maxItems": max_entities},
            "relations": {"type": "array", "items": relation, "maxItems": max_relations},
        },
        "required": ["entities", "relations"],
        "additionalProperties": False,
    }


def answer_token_bound(
    max_entities: int = MAX_ENTITIES, max_relations: int = MAX_RELATIONS, max_chars: int = MAX_SPAN_CHARS
) -> int:
    """The longest answer the schema accepts, in bytes, hence an upper bound on its tokens.

    The grammar allows at most one space between JSON tokens and ASCII-only strings, so the
    answer cannot run on: a generation budget of this many tokens always ends on its own, with
    complete JSON (a model that "loops" fills the lists and stops).
    """
    label = max(len(x) for x in LLM_LABELS)
    rel = max(len(x) for x in LLM_RELATIONS)
    # '{ "text" : "<span>" , "label" : "<label>" } , ' with every optional space taken.
    entity = len('{ "text" : "" , "label" : "" } , ') + max_chars + label
    relation = len('{ "head" : "" , "type" : "" , "tail" : "" } , ') + 2 * max_chars + rel
    frame = len('{ "entities" : [ ] , "relations" : [ ] } ')
    return frame + max_entities * entity + max_relations * relation


class LlmExtractor:
    """Asks the local model for a chunk's entities and relations and keeps what the text supports."""

    def __init__(
        self, client_chat: ChatCallable, config: ExtractionConfig | None = None, max_tokens: int | None = None
    ):
        """Create the extractor.

        Args:
            client_chat: ``chat(messages, **options)`` returning an object with ``.text`` (or a str),
                e.g. ``ModelClient(...).chat``.
            config: extraction settings (``max_chunk_chars``, ``max_name_chars``).
            max_tokens: generation budget per chunk; default (and never less than) the schema's
                bound, so the answer is never cut short.
        """
        self.chat, self.config = client_chat, config or ExtractionConfig()
        self.max_tokens = max(max_tokens or 0, answer_token_bound())
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
        text = chunk.text[: min(self.config.max_chunk_chars, MAX_INPUT_CHARS)]
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
        return self.join(facts) if self.config.use_llm else facts

    def join(self, facts: ChunkFacts) -> ChunkFacts:
        """This pass's facts merged into rule-based facts, regardless of ``config.use_llm`` (the
        extractor asks only when it is on); the interface :class:`graph.llm_items.ItemPicker` shares."""
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
        data = answer_json(chunk.chunk_id, answer)
        if data is None:
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
            if label not in LLM_LABELS or start < 0 or surface in found or len(surface) > MAX_SPAN_CHARS:
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
            if head is None or tail is None or rel not in LLM_RELATIONS or head.key == tail.key:
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
