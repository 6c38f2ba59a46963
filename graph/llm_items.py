"""LLM pass that picks sentences of a FAQ answer instead of writing triples (issue 13, fifth pass).

A small model told to write entities and relations invents links between nouns (docs/GRAPH.md §8,
first pass). What it can do is read one problem and its answer and point at the sentences that say
why it happens and what to do. So, per chunk under a heading the rules read as a reported problem
(:func:`graph.prose.heading_symptom`; how-to and knowledge questions are never sent):

1. the answer is split into sentences, numbered, and shown with the question;
2. the model answers under a JSON-schema grammar with sentence numbers only
   (``{"causes": [2], "fixes": [{"sentence": 4, "cause": 2}]}``): integers from a closed enum in
   bounded arrays, so the answer is a few dozen tokens and cannot run on (:func:`answer_token_bound`);
3. the relations are built here: head = the heading's symptom as the rules name it, tail = the
   chosen sentence cut to the clause that states the cause or the instruction (the rules' cue
   readers, then :func:`graph.names.concise_name`: no sentence-length entity), a fix attached to
   the cause sentence the model names, else to the symptom.

How the pass joins the rules' facts is ``combine``: ``"union"`` adds its relations to every chunk,
``"fill"`` only to chunks where the rules stated no cause or fix. graph/ never imports model/: the
chat call is injected (e.g. ``ModelClient.chat``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph import faq
from graph.config import ExtractionConfig
from graph.facts import ChunkFacts, ChunkInput, Mention, RelationFact, make_mention
from graph.llm_extract import answer_json, merge_facts
from graph.names import concise_name
from graph.prose import ANSWER_LABEL, answer_start, heading_symptom, restates
from graph.sentences import sentences as split_sentences

logger = logging.getLogger(__name__)

ChatCallable = Callable[..., Any]

#: Sentences numbered per chunk; the rest of a long answer is not shown (bounded prompt and enum).
MAX_SENTENCES = 24
#: A sentence longer than this is shown cut (a pasted log line is no cause).
MAX_SENTENCE_CHARS = 320
MAX_CAUSES = 3
#: A heading shorter than this without "?" or ":" is a section title, not an item's question: a
#: manual's "Shutdown Problems" section is the rules' to read (its prose is no answer to a question).
MIN_QUESTION_WORDS = 5
MAX_FIXES = 4
#: Relation types this pass writes.
ITEM_RELATIONS = ("CAUSED_BY", "REMEDIED_BY")
COMBINE_MODES = ("union", "fill")

_SYSTEM = {
    "pick": (
        "You read one entry of a troubleshooting FAQ: a user's problem and the answer, split into "
        "numbered sentences. Pick the sentences that say WHY the problem happens (causes) and the "
        "sentences that tell the user WHAT TO DO to fix it (fixes). For each fix, 'cause' is the number "
        "of the cause sentence it fixes, or 0 when it fixes the problem itself. Background, examples, "
        "command output, and sentences that only repeat the problem are neither. If the answer explains "
        "a design choice or says how to do something rather than how to fix a fault, return empty lists."
    ),
    "terse": (
        "Troubleshooting FAQ entry. Return the numbers of the answer sentences that state a cause of the "
        "problem, and of those that give an instruction that fixes it (with the number of the cause it "
        "fixes, 0 if none). Only sentences that clearly do so; empty lists if none."
    ),
}
_SYSTEM["label"] = (
    "You read one entry of a troubleshooting FAQ: a user's problem and the answer, split into numbered "
    "sentences. Label every sentence, in order: 'cause' if it says why the problem happens, 'fix' if it "
    "tells the user what to do to solve the problem, 'other' for anything else (background, examples, "
    "command output, notes, a repeat of the problem). Most sentences are 'other'."
)
_SYSTEM["labelq"] = _SYSTEM["label"]
PROMPTS = tuple(_SYSTEM)
#: Prompts whose answer labels each sentence (``{"1": "other", "2": "cause", ...}``) rather than
#: listing the numbers of the chosen ones.
LABEL_PROMPTS = frozenset({"label", "labelq"})
#: Label prompts whose keys carry each sentence's opening words (:func:`label_keys`).
QUOTED_PROMPTS = frozenset({"labelq"})
QUOTED_WORDS = 6
MAX_KEY_CHARS = 48
LABELS = ("cause", "fix", "other")
ATTACH_MODES = ("model", "nearest", "symptom")

# One short example from a dev text (sudo's TROUBLESHOOTING.md), shown as a turn before the item.
_EXAMPLE_QUESTION = "When I run configure, it says \"sudo requires the 'ar' utility to build\"."
_EXAMPLE_SENTENCES = (
    "As part of the build process, sudo creates a temporary library containing objects that are shared "
    "amongst the different sudo executables.",
    "On Unix systems, the 'ar' utility is used to do this.",
    "This error indicates that 'ar' is missing on your system.",
    "On Solaris systems, you may need to install the SUNWbtool package.",
    "On other systems 'ar' may be included in the GNU binutils package.",
)
_EXAMPLE_ANSWER = {"causes": [3], "fixes": [{"sentence": 4, "cause": 3}]}
_EXAMPLE_LABELS = {"1": "other", "2": "other", "3": "cause", "4": "fix", "5": "other"}


def item_schema(n_sentences: int) -> dict[str, Any]:
    """The answer's JSON schema for an item of ``n_sentences`` numbered sentences.

    Every value is a sentence number from a closed enum, every array is bounded, so the grammar
    admits only answers of at most :func:`answer_token_bound` characters.
    """
    numbers = list(range(1, max(n_sentences, 1) + 1))
    fix = {
        "type": "object",
        "properties": {"sentence": {"enum": numbers}, "cause": {"enum": [0, *numbers]}},
        "required": ["sentence", "cause"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "causes": {"type": "array", "items": {"enum": numbers}, "maxItems": MAX_CAUSES},
            "fixes": {"type": "array", "items": fix, "maxItems": MAX_FIXES},
        },
        "required": ["causes", "fixes"],
        "additionalProperties": False,
    }


def label_keys(sentences: tuple[str, ...] | list[str], quoted: bool = False) -> list[str]:
    """The answer's keys for the label prompts: each sentence's number, with ``quoted`` also its opening.

    With the opening words in the key ("3 This error indicates that ar is"), the grammar writes them
    out just before the model picks the label, so the label is read off that sentence rather than
    off its position (a small model otherwise copies the worked example's pattern). Only printable
    ASCII without quotes or backslashes, so a key is one byte a character.
    """
    keys = []
    for number, sentence in enumerate(sentences, 1):
        if not quoted:
            keys.append(str(number))
            continue
        words = re.sub(r"[^A-Za-z0-9 .,;:/()'-]", " ", sentence).replace("'", "").split()
        keys.append(" ".join([str(number), *words[:QUOTED_WORDS]])[:MAX_KEY_CHARS])
    return keys


def label_schema(keys: list[str]) -> dict[str, Any]:
    """The answer's JSON schema for the label prompts: one label per sentence, under its key."""
    return {
        "type": "object",
        "properties": {k: {"enum": list(LABELS)} for k in keys},
        "required": list(keys),
        "additionalProperties": False,
    }


def label_token_bound(keys: list[str]) -> int:
    """The longest answer :func:`label_schema` accepts, in bytes: ``{ "<key>" : "other" , ... } ``."""
    longest = max(len(x) for x in LABELS)
    return len("{ } ") + len(keys) * (len('"" : "" , ') + max((len(k) for k in keys), default=1) + longest)


def answer_token_bound(n_sentences: int = MAX_SENTENCES) -> int:
    """The longest answer :func:`item_schema` accepts, in bytes (so an upper bound on its tokens).

    The grammar allows at most one space between JSON tokens; numbers are at most
    ``len(str(n_sentences))`` digits.
    """
    digits = len(str(max(n_sentences, 1)))
    frame = len('{ "causes" : [ ] , "fixes" : [ ] } ')
    cause = digits + len(" , ")
    fix = len('{ "sentence" : , "cause" : } , ') + 2 * digits + 2
    return frame + MAX_CAUSES * cause + MAX_FIXES * fix


@dataclass(frozen=True)
class Item:
    """What the model is shown for one chunk: the question and the answer's numbered sentences."""

    question: str
    sentences: tuple[str, ...]
    symptom: Mention


def item_of(chunk: ChunkInput, max_chars: int = 200) -> Item | None:
    """The chunk as a FAQ item, or None when its heading reports no problem (nothing to ask)."""
    symptom = heading_symptom(chunk, max_chars)
    if symptom is None or not chunk.heading_path:
        return None
    heading = faq.item_heading(chunk.heading_path)
    question = faq.HEADER_LINK.sub("", faq.strip_item_label(heading)).strip()
    if len(question.split()) < MIN_QUESTION_WORDS and not question.endswith(("?", ":")):
        return None  # a section title ("Shutdown Problems"), not a user's question or report
    start = answer_start(chunk)
    text = chunk.text[start:]  # an item's "Q:" line is its question, not its answer
    if faq.announces_message(heading):
        # "... I get the following error:" + the quoted message: the message belongs to the question.
        if ANSWER_LABEL.match(text):
            # "Q: ...\n\n<message>\n\nA: ...": the message lies between the Q line and the answer.
            head = chunk.text[:start].strip().partition("\n\n")[2]
        else:
            head, _, text = text.strip().partition("\n\n")
        if head.strip():
            question = f"{question} {' '.join(head.split())}"
    sentences = tuple(s[:MAX_SENTENCE_CHARS] for s in split_sentences(text)[:MAX_SENTENCES])
    if not sentences:
        return None
    return Item(question, sentences, symptom)


def item_messages(item: Item, prompt: str = "pick", example: bool = True) -> list[dict[str, str]]:
    """The chat messages for one item: the instruction, an optional worked example, the item."""
    messages = [{"role": "system", "content": _SYSTEM[prompt]}]
    if example:
        shown: dict[str, Any] = _EXAMPLE_ANSWER
        if prompt in LABEL_PROMPTS:
            keys = label_keys(_EXAMPLE_SENTENCES, prompt in QUOTED_PROMPTS)
            shown = dict(zip(keys, _EXAMPLE_LABELS.values(), strict=True))
        messages += [
            {"role": "user", "content": _item_text(_EXAMPLE_QUESTION, _EXAMPLE_SENTENCES)},
            {"role": "assistant", "content": json.dumps(shown)},
        ]
    messages.append({"role": "user", "content": _item_text(item.question, item.sentences)})
    return messages


def _item_text(question: str, sentences: tuple[str, ...]) -> str:
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(sentences, 1))
    return f"Problem: {question}\n\nAnswer:\n{numbered}"


# Leads that announce a cause without being one ("This usually means (that) Y", "The most likely cause
# for this is Y", "Most likely, Y").
_CAUSE_LEAD = re.compile(
    r"^(?:(?:this|that|it)(?:\s+(?:error|message|problem|warning))?\s+(?:\w+\s+){0,2}?"
    r"(?:means|indicates|suggests|implies|(?:be\s+|is\s+)?caused\s+by|(?:be\s+|is\s+)?due\s+to)\s+"
    r"(?:that\s+)?|(?:the\s+)?(?:most\s+)?(?:likely|probable|usual|common)\s+(?:cause|reason)\s+(?:for|of)\s+"
    r"(?:this|that|it)\s+is\s+(?:that\s+)?|(?:most\s+likely|probably|usually|typically)\s*,?\s+)"
    r"(?:either\s+)?",
    re.I,
)
# "On many systems, Y", "In this case, Y": the setting, not the cause.
_SETTING_LEAD = re.compile(r"^(?:on|in|for|under|with|at|as)\s+[^,]{2,60},\s+(?=\S+\s+\S+\s+\S)", re.I)


# Sentences a small model picks as causes that state none: examples, pointers, defaults, options,
# advice, consequences ("This causes the set-user-ID bit to be ignored"), announcements of causes.
_NO_CAUSE = re.compile(
    r"^(?:for\s+(?:example|instance)|e\.g\.|(?:please\s+)?(?:see|read|refer|consult)|note|by\s+default|while|although|many|often|sometimes|"
    r"as\s+part\s+of|this\s+should|it\s+is\s+(?:perfectly\s+|quite\s+)?(?:normal|expected)|there\s+(?:is|are)|if\s+you\s+(?:get|see|have|want)|"
    r"you\s+(?:can|could|need|have|should|must|may|might|will)\b|it\s+is\s+(?:possible|recommended|best)\s+to|"
    r"(?:this|that|it)\s+(?:also\s+)?(?:causes|will\s+cause|results\s+in|leads\s+to|is\s+a\s+common))"
    r"|\bcan\s+be\s+used\b|[:?]\s*$",
    re.I,
)


def reads_as_instruction(sentence: str) -> bool:
    """Whether a sentence tells the user to do something ("Check ...", "you may need to ...", a command)."""
    return fix_name(sentence) is not None


def cause_name(sentence: str, strict: bool = True, faulty: bool = False) -> str | None:
    """The cause a chosen sentence states, as an entity name (None: no name in it).

    With ``strict``, an instruction, an example, a pointer, a default or a consequence names no cause;
    with ``faulty`` the sentence must also read as a fault: a cue ("This error indicates that Y",
    "The reason is Y"), a plain statement of what is at fault (:func:`graph.faq.declared_cause`), or a
    fault word (:data:`graph.faq.PROBLEM_WORDS`: "not", "missing", "fails" ...).
    """
    for reader in (faq.reason_cause, faq.happens_cause, faq.one_cause, faq.possible_cause):
        found = reader(sentence)
        if found:
            return concise_name(found)
    text = _SETTING_LEAD.sub("", faq.answer_text(sentence).strip())
    if strict and (reads_as_instruction(text) or _NO_CAUSE.search(text) or faq.RESOLVED.search(text)):
        return None
    lead = _CAUSE_LEAD.match(text)
    if faulty and not (lead and lead.group(0).strip()) and not faq.declared_cause(text):
        if not faq.PROBLEM_WORDS.search(text):
            return None
    return concise_name(re.sub(r"^(you|it|they)\s+either\s+", r"\1 ", _CAUSE_LEAD.sub("", text), flags=re.I))


# "If X, (you can / you may need to) Y" and "you may need to Y": the instruction is Y.
_IF_THEN = re.compile(r"^(?:if|when|whenever|on|for|in)\s+[^,]{3,160},\s*(?:then\s+)?(?P<y>.+)$", re.I | re.S)
_MODAL_LEAD = re.compile(
    r"^(?:so\s+|then\s+|also\s*,?\s+|alternately\s*,?\s+|alternatively\s*,?\s+)?"
    r"you\s+(?:will\s+|may\s+|might\s+|should\s+|must\s+|can\s+|could\s+)?"
    r"(?:also\s+|first\s+|then\s+|probably\s+|likely\s+)?"
    r"(?:need\s+to|have\s+to|want\s+to|be\s+able\s+to|try\s+to|try)?\s*",
    re.I,
)
# "If you previously ran configure on another host you will probably need to remove X": Y after the need.
_NEED_INSIDE = re.compile(
    r"\byou\s+(?:will\s+|may\s+|might\s+|would\s+)?(?:probably\s+|likely\s+|also\s+)?(?:need|have)\s+to\s+"
    r"(?P<y>.{3,300})$",
    re.I | re.S,
)
_REMINDER = re.compile(
    r"^(?:don\S?t\s+forget|remember|be\s+sure|it\s+is\s+(?:best|wise|recommended))\s+to\s+", re.I
)


def fix_name(sentence: str, strict: bool = True) -> str | None:
    """The instruction a chosen sentence gives, as an entity name (None: no instruction in it).

    With ``strict``, the name must open with an instruction verb (:data:`graph.faq.IMPERATIVES`) or be
    a command line; a sentence that only describes ("The default log facility is authpriv") is no fix.
    """
    text = faq.answer_text(sentence).strip()
    cued = faq.solution_remedy(text)
    found = cued[0] if cued else faq.offered_remedy(text)
    inside = _NEED_INSIDE.search(text) if found is None else None
    if inside:
        found = inside.group("y")
    if found is None:
        found = text
        condition = _IF_THEN.match(found)
        if condition:
            found = condition.group("y")
        found = _REMINDER.sub("", found)
        modal = _MODAL_LEAD.match(found)
        if modal and modal.group(0).strip():
            found = found[modal.end() :]
    name = concise_name(_ADVERB.sub("", found.strip()))  # "explicitly tell mdadm to ..."
    if name is None or strict and _POINTS_BACK.match(name):
        return None
    if strict and faq.first_word(name) not in _INSTRUCTIONS and not _COMMAND.match(name):
        return None
    return name


#: Verbs that open an instruction: the rules' list and a few more that answers use for a fix.
_INSTRUCTIONS = faq.IMPERATIVES | frozenset("take send double-check save mark unmount umount grab".split())
# A command line: a lower-case program name, then an option or a path ("mdadm --stop /dev/md1").
_COMMAND = re.compile(r"^(?:sudo\s+)?[a-z][a-z0-9_.-]*\s+(?:-{1,2}[a-z]|/|[a-z0-9_.-]+\s+/)")
# "do this via `rm config.cache`": points back at a fix named before, names none itself.
_POINTS_BACK = re.compile(r"^(?:do|does)\s+(?:this|that|so|it)\b", re.I)
_ADVERB = re.compile(r"^[a-z]+ly\s+", re.I)


class ItemPicker:
    """Asks the local model which answer sentences state causes and fixes, and builds the relations."""

    def __init__(
        self,
        client_chat: ChatCallable,
        config: ExtractionConfig | None = None,
        prompt: str = "pick",
        example: bool = True,
        combine: str = "fill",
        strict: bool = True,
        attach: str = "model",
        faulty_causes: bool = True,
    ) -> None:
        """Create the pass.

        Args:
            client_chat: ``chat(messages, **options)`` returning an object with ``.text`` (or a str),
                e.g. ``ModelClient(...).chat``.
            config: extraction settings (``use_llm``, ``max_name_chars``).
            prompt: which instruction (:data:`PROMPTS`).
            example: show one worked example (from a dev text) before the item.
            combine: ``"fill"`` adds the pass's relations only where the rules stated none in the
                chunk; ``"union"`` adds them everywhere (:data:`COMBINE_MODES`).
            strict: a fix must read as an instruction (:func:`fix_name`), a cause as a statement
                (:func:`cause_name`); a sentence picked as a cause that reads as an instruction is
                taken as a fix.
            attach: what a fix remedies: ``"model"`` the cause the model names (label prompts name
                none: the symptom), ``"nearest"`` the last cause before it in the answer,
                ``"symptom"`` always the question's symptom (:data:`ATTACH_MODES`).
            faulty_causes: a picked cause must also read as a fault (see :func:`cause_name`).
        """
        if prompt not in _SYSTEM:
            raise ValueError(f"prompt must be one of {PROMPTS}, got {prompt!r}")
        if combine not in COMBINE_MODES:
            raise ValueError(f"combine must be one of {COMBINE_MODES}, got {combine!r}")
        if attach not in ATTACH_MODES:
            raise ValueError(f"attach must be one of {ATTACH_MODES}, got {attach!r}")
        self.attach, self.faulty_causes = attach, faulty_causes
        self.chat, self.config = client_chat, config or ExtractionConfig()
        self.prompt, self.example, self.combine, self.strict = prompt, example, combine, strict

    def extract(self, chunk: ChunkInput) -> ChunkFacts:
        """The pass's facts for one chunk (none, without asking, when its heading reports no problem)."""
        item = item_of(chunk, self.config.max_name_chars)
        if item is None:
            return ChunkFacts(chunk)
        n = len(item.sentences)
        if self.prompt in LABEL_PROMPTS:
            keys = label_keys(item.sentences, self.prompt in QUOTED_PROMPTS)
            schema, budget = label_schema(keys), label_token_bound(keys)
        else:
            schema, budget = item_schema(n), answer_token_bound(n)
        answer = self.chat(
            item_messages(item, self.prompt, self.example),
            response_format={"type": "json_schema", "json_schema": {"name": "faq_item", "schema": schema}},
            max_tokens=budget,
        )
        return self.facts_from_answer(chunk, item, getattr(answer, "text", answer))

    def augment(self, facts: ChunkFacts) -> ChunkFacts:
        """Join this pass's facts to the rules' facts of the same chunk, as ``combine`` says.

        Args:
            facts: facts of one chunk from :class:`graph.Extractor`.

        Returns:
            The (possibly extended) facts; unchanged when ``config.use_llm`` is off or, with
            ``"fill"``, when the rules already stated a cause or fix in the chunk.
        """
        return self.join(facts) if self.config.use_llm else facts

    def join(self, facts: ChunkFacts) -> ChunkFacts:
        """:meth:`augment` regardless of ``config.use_llm`` (the extractor asks only when it is on)."""
        if self.combine == "fill" and any(r.type in ITEM_RELATIONS for r in facts.relations):
            return facts
        return merge_facts(facts, self.extract(facts.chunk))

    def facts_from_answer(self, chunk: ChunkInput, item: Item, answer: str) -> ChunkFacts:
        """Relations from the model's sentence numbers; numbers out of range or unnamed sentences drop.

        Args:
            chunk: the chunk asked about.
            item: what the model was shown.
            answer: the model's answer (JSON text).

        Returns:
            ChunkFacts with the symptom, ``source="llm"`` causes and actions, and their relations.
        """
        facts = ChunkFacts(chunk)
        data = answer_json(chunk.chunk_id, answer)
        if not isinstance(data, dict):
            return facts
        n = len(item.sentences)
        if self.prompt in LABEL_PROMPTS:
            keys = label_keys(item.sentences, self.prompt in QUOTED_PROMPTS)
            chosen = {i: data.get(key) for i, key in enumerate(keys, 1)}
            picked_causes = [i for i, label in chosen.items() if label == "cause"]
            picked_fixes = [(i, None) for i, label in chosen.items() if label == "fix"]
        else:
            picked_causes = _numbers(data.get("causes"), n)
            picked_fixes = [
                (number, fix.get("cause"))
                for fix in data.get("fixes") or []
                if isinstance(fix, dict)
                for number in _numbers([fix.get("sentence")], n)
            ]
        max_chars = self.config.max_name_chars
        causes: dict[int, Mention] = {}
        if self.strict:
            rerouted = [i for i in picked_causes if reads_as_instruction(item.sentences[i - 1])]
            picked_causes = [i for i in picked_causes if i not in rerouted]
            picked_fixes += [(i, None) for i in rerouted if i not in {f for f, _ in picked_fixes}]
        for number in picked_causes:
            name = cause_name(item.sentences[number - 1], self.strict, self.faulty_causes)
            mention = self._mention("Cause", name, chunk, max_chars)
            if mention is None or self.strict and restates(mention.name, item.symptom.name):
                continue  # the problem (or its message) said again is no cause of it
            if mention.key != item.symptom.key:
                causes[number] = mention
                self._relate(facts, "CAUSED_BY", item.symptom, mention, chunk)
        for number, named_cause in picked_fixes:
            if number in causes:
                continue  # a sentence is a cause or a fix, not both
            name = fix_name(item.sentences[number - 1], self.strict)
            action = self._mention("Action", name, chunk, max_chars)
            if action is None:
                continue
            self._relate(
                facts, "REMEDIED_BY", self._remedied(item, causes, number, named_cause), action, chunk
            )
        return facts

    def _remedied(self, item: Item, causes: dict[int, Mention], fix: int, named_cause: Any) -> Mention:
        """What the fix in sentence ``fix`` remedies, as ``attach`` says; the symptom when no cause fits."""
        if self.attach == "model" and isinstance(named_cause, int) and not isinstance(named_cause, bool):
            return causes.get(named_cause, item.symptom)
        if self.attach == "nearest":
            before = [k for k in causes if k < fix]
            return causes[max(before)] if before else item.symptom
        return item.symptom

    @staticmethod
    def _mention(label: str, name: str | None, chunk: ChunkInput, max_chars: int) -> Mention | None:
        if not name:
            return None
        return make_mention(label, name, chunk.chunk_id, source="llm", max_chars=max_chars)

    @staticmethod
    def _relate(facts: ChunkFacts, rel: str, head: Mention, tail: Mention, chunk: ChunkInput) -> None:
        if head.key == tail.key:
            return
        for mention in (head, tail):
            if mention.key not in {m.key for m in facts.mentions}:
                facts.mentions.append(mention)
        relation = RelationFact(rel, head.key, tail.key, chunk.chunk_id, source="llm")
        if (rel, head.key, tail.key) not in {(r.type, r.head, r.tail) for r in facts.relations}:
            facts.relations.append(relation)


def _numbers(values: Any, n: int) -> list[int]:
    """Sentence numbers in range, in order, each once (bools are not numbers)."""
    out: list[int] = []
    for value in values if isinstance(values, list) else []:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= n and value not in out:
            out.append(value)
    return out
