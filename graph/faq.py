"""Question/answer layouts (FAQs): the question states a problem, the answer its cause or its fix.

Only questions that report a problem count: "Why are my arrays marked auto-read-only?", "What
should I do if a device fails?", "My UPS driver won't start. What gives?", "mdadm warns about
duplicate superblocks; what gives?". How-to and knowledge questions ("How do I convert RAID5 to
RAID10?", "Which RAID level should I use?", "Can a RAID10 survive two failures?") name no problem:
the imperatives of their answers are instructions, not remedies, so they yield no relation.

Answer cues (each a function returning the text it names, or None):

- cause: "The reason for this is that Y", "This is because Y", "This happens because Y";
- cause: also "It turned out that Y", "The cause of this is Y";
- fix: "The solution (in this case) is to Y", "The fix is to Y", "The easiest way is to Y",
  "Workaround: <imperative>", "Therefore (always) <imperative>", "... is most easily worked around
  by Y", "you need to / have to Y";
- options: "There are two ways to solve this:" followed by "(a) Y", "(b) Z" items, one a line;
- cause lists: "Common causes for X are:" followed by one cause a line, a trailing "(check Z)"
  naming how to confirm it;
- cause: the answer's opening sentence when it plainly states what is at fault ("Your POP3 server
  is broken.", "Your server does not support APOP.", "You didn't setup PAM to work with sudo.";
  :func:`declared_cause`), and "(If X,) it is possible that Y" (:func:`possible_cause`);
- fix: "Workaround for <versions>: Y", "An alternate workaround is to Y", "you can work around this
  with / by / using Y".

Item labels ("3.4", "Q:", "R1.", "H2:") are no part of a question; a remark that a problem is gone
("this bug should no longer occur ...", "This was fixed in 2.6", :data:`RESOLVED`) states neither
a symptom nor a cause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.labelled import labelled_items
from graph.patterns import find_identifiers
from graph.sentences import sentences
from graph.typography import APOSTROPHE as A
from graph.typography import BULLETS, fold

#: A FAQ item's label before its question: "3.", "3.4", "12b.", "A.", "Q:", "Q3.", "R1.", "H2:".
ITEM_LABEL = re.compile(
    r"^\s*(?:\d+[a-z]?(?:\.\d+)*[.:)]?|[A-Z][.)]|(?:Q|A|FAQ)\s*\d*(?:\.\d+)*\s*[.:)]|[A-Z]{1,2}\d{1,3}[a-z]?(?:\.\d+)*[.:)])"
    r"\s+"
)


#: A heading that labels a part of an item ("#### Solution" under "### 5) rootless containers cannot
#: ping hosts" in Podman's troubleshooting guide): the item's problem is the heading above it.
_PART_LABEL = re.compile(
    r"^\W*(?:symptoms?|problems?|issues?|causes?|reasons?|solutions?|workarounds?|resolutions?|"
    r"remed(?:y|ies)|fix(?:es)?|diagnosis|description|details|explanation|background|"
    r"steps(?:\s+to\s+reproduce)?|possible\s+causes?|corrective\s+actions?)\W*$",
    re.I,
)


def item_heading(heading_path: Sequence[str]) -> str:
    """The heading that names the item a chunk belongs to: the innermost one that is not a part
    label such as "Symptom" or "Solution" ("" without headings)."""
    for heading in reversed(heading_path):
        if not _PART_LABEL.match(HEADER_LINK.sub("", heading)):
            return heading
    return heading_path[-1] if heading_path else ""


@dataclass(frozen=True)
class ChunkItem:
    """The item a chunk belongs to: chunks with equal keys are parts of one item."""

    key: tuple[object, ...]
    #: The heading (or labelled problem) that names the item.
    title: str


def chunk_item(
    document_id: str,
    version_id: str,
    heading_path: Sequence[str],
    text: str = "",
    kind: str = "",
    chunk_id: str = "",
) -> ChunkItem:
    """The item a chunk belongs to: its document version and its heading path down to the heading
    that names the item (:func:`item_heading`: "Symptom" / "Solution" name none), so an entry's
    intro, symptom and solution chunks are one item and two questions of one section two.

    A record of an export is an item of its own (every row sits under the file's title); so is a
    chunk holding labelled problems ("Problem: … Solution: …", :mod:`graph.labelled`): they share
    their section's heading with the section's other problems, and its title is its first problem.
    """
    path = tuple(heading_path)
    named = item_heading(path)
    if kind == "record":
        return ChunkItem(("record", chunk_id), named)
    problems = tuple(item.problem for item in labelled_items(text)) if text else ()
    depth = max((i for i, heading in enumerate(path) if heading == named), default=len(path) - 1)
    if problems:
        return ChunkItem((document_id, version_id, path[: depth + 1], problems), problems[0])
    return ChunkItem((document_id, version_id, path[: depth + 1]), named)


def strip_item_label(heading: str) -> str:
    """``heading`` without its FAQ item label; an error code in front of a heading is no label.

    "R1. Fetching fails …" loses "R1."; "E47. Motor overheats" keeps "E47", which the graph's
    identifier patterns read as an error code, as it does "F02." and "ALM-3:".
    """
    match = ITEM_LABEL.match(heading)
    if match is None:
        return heading
    label = match.group(0).strip().rstrip(".:)")
    if any(m.label == "ErrorCode" and m.text == label for m in find_identifiers(label)):
        return heading
    return heading[match.end() :]


#: A FAQ item's question inside a passage's text rather than in its heading: a line wholly in bold
#: ("**3.4 Unlocking a LUKS device takes very long. Why?**", a Markdown list item), a line
#: labelled as a question ("Q: ...", "Question: ..."), or a short line ending in a question mark.
_BOLD_LINE = re.compile(rf"^\s*(?:[{re.escape(BULLETS)}]\s+)?(?P<mark>\*\*|__)(?P<q>[^*_].*?)(?P=mark)\s*$")
_QUESTION_LABEL = re.compile(r"^\s*(?:Q|Question)\s*\d*(?:\.\d+)*\s*[:.)]\s+(?P<q>\S.*)$", re.I)
#: Longer lines are paragraphs that happen to end in "?", not an item's question.
MAX_QUESTION_LINE_CHARS = 200


def question_line(line: str, before: str = "") -> str | None:
    """The question a line of a passage asks as a FAQ item, without markup and item label; else None.

    A line wholly in bold, a "Q:" / "Question:" line, or a line of at most
    :data:`MAX_QUESTION_LINE_CHARS` characters that ends in "?" and starts a sentence: ``before``,
    the line above it, is blank or ends one (in hard-wrapped text a quoted message's second line
    may end in "?"); a line that opens an answer ("A: Why not?") is none. A bold line of three
    words or more counts without "?": in the FAQs whose questions are bold list items, some state
    the problem ("**8.2 cryptsetup on SLED 10 has problems...**"), and answers are plain text.
    """
    text = line.strip()
    if not text or len(text) > 2 * MAX_QUESTION_LINE_CHARS:
        return None
    bold = _BOLD_LINE.match(text)
    labelled = _QUESTION_LABEL.match(text)
    if bold and len(bold.group("q").split()) >= 3:  # "**Warning**" is emphasis, not an item
        question = bold.group("q")
    elif labelled:
        question = labelled.group("q")
    elif (
        text.endswith("?")
        and len(text) <= MAX_QUESTION_LINE_CHARS
        and not _ANSWER_LEAD.match(text)
        and (not before.strip() or before.rstrip()[-1] in ".!?:")
    ):
        question = text.lstrip(BULLETS + " ")
    else:
        return None
    question = " ".join(strip_item_label(HEADER_LINK.sub("", question)).split())
    return question or None


#: A header link's mark left after a heading's text by HTML generators (Sphinx: "Why does X hang? ¶").
HEADER_LINK = re.compile(r"\s*[\u00b6\u00a7]\s*$")
_WHAT_GIVES = re.compile(
    rf"[\s.;:,!?-]*\b(?:what gives|what{A}s wrong|what is wrong|why|what\s+(?:can|should|do)\s+i\s+do"
    r"(?:\s+(?:now|about\s+it))?|what\s+now)\s*\??\s*$",
    re.I,
)
_WHAT_TO_DO = re.compile(
    r"^(?:what\s+(?:should|can|do|must)\s+i\s+do|what\s+to\s+do|how\s+(?:do|can|should)\s+i\s+"
    r"(?:fix|solve|resolve|cure|stop|avoid|handle|recover from)\s+(?:it|this|that)?)\s*,?\s*"
    r"(?:if|when|about|after|with)?\s*(?P<x>.+)$",
    re.I,
)
_HOW_FIX = re.compile(
    r"^how\s+(?:do|can|should)\s+i\s+(?:fix|solve|resolve|cure|get rid of|stop|avoid)\s+(?P<x>.+)$", re.I
)
_WHAT_MEANS = re.compile(r"^what\s+(?:does|do)\s+(?P<x>.+?)\s+mean$", re.I)
_WHY = re.compile(
    r"^(?:[^,?]{0,60},\s*)?(?:why|how come)\s+(?:(?:do|does|did|is|are|was|were)\s+)?(?P<x>.+)$",
    re.I,
)
_REPORTS = re.compile(
    r"^(?:it|this|i|we)\s+(?:says?|reports?|prints?|complains?|shows?|gets?|gives?|sees?)(?:\s+(?:me|that|us))?"
    r"\s*:?\s*",
    re.I,
)
_SAYS_QUOTED = re.compile(
    r"^(?:(?:when|whenever|if|after)\s+[^?\"`]{3,80}?,?\s+)?(?:[^\"`?]{2,60}?\s+)?"
    r"(?P<verb>says?|reports?|prints?|complains?|gives?|shows?)\s*(?:me\s+)?:?\s*(?P<q>[\"`\u201c].{3,200})$",
    re.I,
)
# "When I run sudo on AIX I get the following error:", "sudo_logsrvd gives the error:": the message
# is quoted right after the heading, as the answer's first paragraph.
_ANNOUNCES = re.compile(
    r"\b(?:get|got|see|receive|gives?|says?|prints?|reports?|shows?|returns?)"
    r"(?:\s+(?:me|the|following|an?|this|these))*(?:\s+(?:errors?|messages?|warnings?|output))?\s*:\s*$",
    re.I,
)


def announces_message(heading: str) -> bool:
    """Whether a heading ends by announcing a quoted message ("... I get the following error:")."""
    heading = HEADER_LINK.sub("", heading)
    return bool(_ANNOUNCES.search(heading)) and "?" not in heading


def quoted_message(text: str) -> str | None:
    """The first sentence of a chunk's first paragraph, when that paragraph is short (a quoted message)."""
    head, blank, rest = text.strip().partition("\n\n")
    if not blank or not rest.strip() or len(head.splitlines()) > 3:
        return None
    message = " ".join(head.split())
    return re.split(r"(?<=[.!?])\s+|;\s+", message, maxsplit=1)[0].rstrip(".")


_SITUATION = re.compile(r"^(?:when|whenever|if|after|since)\s+[^,?]{3,80},\s*(?P<x>[^?]+)$", re.I)
_PRONOUN = re.compile(r"^(?:it|this|that|they|these|those|he|she)\b", re.I)
# Questions that ask how to do something or what something is: no problem stated.
_HOW_TO = re.compile(
    r"^(?:how|what|which|can|could|should|shall|is|are|do|does|did|when|where|who|will|would|may|"
    r"must|has|have)\b",
    re.I,
)
#: Words that mark a heading or a sentence as reporting a problem ("warning" is not one: a
#: "Warning" heading is an admonition, its imperatives are precautions, not remedies).
PROBLEM_WORDS = re.compile(
    rf"\b(?:won{A}?t|doesn{A}?t|does not|don{A}?t|didn{A}?t|isn{A}?t|aren{A}?t|not|never|"
    rf"fails?|failed|failing|errors?|problems?|denied|cannot|can{A}?t|unable|trips?|tripping|busy|locked|"
    r"stale|hangs?|hung|"
    r"crash(?:es|ed)?|panics?|refuses?|warns?|broken|breaks?|dies|dead|lost|missing|"
    r"wrong|slow|stuck|troubleshooting|incorrect(?:ly)?|invalid|unexpected(?:ly)?|intermittent(?:ly)?|"
    r"garbage|times? out|timed out|timeouts?|loses|deprecated|obsolete|mess(?:es|ed)? up|forg[eo]t|"
    r"nothing\s+(?:gets|is|was|happens|works|shows|appears))\b",
    re.I,
)


#: Verbs that open an instruction ("Check the cable", "Please upgrade to ...").
IMPERATIVES = frozenset(
    "check replace ensure verify make contact remove install reset clean tighten adjust disconnect connect "
    "reconnect turn set use try restart reboot inspect test call return run wait plug unplug press switch "
    "charge allow refer consult update upgrade edit change add increase decrease reduce lower raise move "
    "open "
    "close apply top fill drain lubricate recharge reinstall re-install enable disable examine measure "
    "shut stop start power bleed flush repair align enter specify delete rename configure boot rebuild mount "
    "build "
    "select type avoid do don't keep obtain recompile link modify be list recreate re-create append insert "
    "attach load reload unload uninstall downgrade rerun re-run retry reseat wipe fix copy create tell give "
    "pass put look download export generate define unset kill force "
    # verbs of the FAQs' fixes ("Simply detach your screen session ...", "Issue a 'kill -CHLD'")
    "detach issue destroy compile construct include arrange uncomment comment reconfigure "
    # verbs of the labelled fixes of the seen FAQs the list lacked ("Ask on the mailing list for advice",
    # "Escape the quotes", "Leave the agent undisturbed for a while"; not "find": "find out why" points
    # nowhere; not "ignore", "send": "ignore these hiccups", "send a message to the list" fix nothing)
    "ask complete confirm execute prepend expose correct repeat improve escape submit enclose "
    "leave collect".split()
)


def first_word(text: str) -> str:
    """The first word of ``text`` in lower case, fillers ("please", "simply") skipped, apostrophes folded."""
    words = [w for w in fold(text).strip().split() if w.lower() not in ("please", "simply", "then", "just")]
    return words[0].lower().strip(",.;:") if words else ""


@dataclass(frozen=True)
class Question:
    """A heading read as a reported problem."""

    symptom: str
    why: bool  # "Why ...?": the answer opens with the cause


def question_problem(heading: str) -> Question | None:
    """The problem a heading reports, or None for how-to questions and plain titles.

    A heading of several sentences (an FAQ's "Q:" item: "I get messages saying "X". What do these
    mean?") is read a sentence at a time: the first that reports a problem names it, cut to the
    clause that states it; a follow-up such as "What gives?", "How do I fix this?" or "Is there a
    way to get rid of this?" makes the statement before it the problem, and "Why?", "What is
    wrong?" or "What does it mean?" ask for its cause.

    Args:
        heading: the innermost section heading.

    Returns:
        The symptom text (question words removed) and whether it is a "why" question.
    """
    heading = _HYPHENATED.sub("", HEADER_LINK.sub("", heading))
    title = strip_item_label(heading).strip()
    parts = sentences(title)
    if len(parts) > 1:
        return _sentences_problem(parts)
    return _sentence_problem(heading, title)


#: A word hyphenated across a hard-wrapped line ("ap- plication"), rejoined.
# "Pre- and post-install" is a suspended hyphen before and/or/to, no broken word.
_HYPHENATED = re.compile(r"(?<=[a-z])- (?=[a-z])(?!(?:and|or|nor|to)\b)")
#: A question that only points back at the statement before it.
_FOLLOW_UP = re.compile(
    rf"^(?:what\s+gives|(?P<why>what(?:{A}s|\s+is)\s+(?:wrong|going\s+on|happening)|why(?:\s+(?:is\s+that|not))?|"
    r"what\s+(?:does|do)\s+(?:this|these|it|that|they)\s+mean|what\s+(?:causes|is\s+causing)\s+(?:this|it))"
    r"|how\s+(?:do|can|could|should)\s+i\s+(?:fix|solve|resolve|cure|avoid|stop|prevent|get\s+rid\s+of|"
    rf"find\s+out\s+what(?:{A}s|\s+is)\s+going\s+wrong)(?:\s+(?:this|it|that|them))?"
    r"|what\s+(?:can|should|do|must)\s+i\s+do(?:\s+(?:about|against)\s+(?:this|it|that))?|what\s+now"
    r"|is\s+there\s+(?:a|any)\s+(?:way|fix|workaround|cure|solution)\b(?:\s+to\s+(?:get\s+rid\s+of|avoid|stop|"
    r"fix|prevent|recreate|disable|turn\s+off|suppress|repair|recover)\b.*)?)$",
    re.I | re.S,
)
#: What a program can lack without being at fault: "Why is there no Windows port?" asks for it.
_FEATURE = (
    r"(?:ports?|versions?|packages?|gui|options?|support|progress|eta|features?|interfaces?|front-?ends?|"
    r"documentation|manual|man\s+page|binar(?:y|ies)|releases?|plug-?ins?|api|installer|translations?|way)"
)
#: Questions that ask for advice or information, whatever else they say ("Why should I use X?").
_ADVICE = re.compile(
    rf"^(?:why\s+(?:should|would|must|do)\s+(?:i|you|we)\b|should\s+i\b|can\s+you\b|could\s+you\b|"
    r"has\s+(?:your|the)\b|do\s+i\s+need\b|is\s+there\s+(?:a|any)\s+(?:version|port|package)\b|"
    # "Why isn't there more progress / ETA information displayed?": a feature the program lacks; "Why is
    # there no sound after upgrading?" is a fault, so only a feature noun makes it a request.
    rf"why\s+(?:(?:isn{A}t|is\s+not|aren{A}t|are\s+not)\s+there|is\s+there\s+no)\s+"
    rf"(?:(?:a|an|any|more|some)\s+)?(?:[\w-]+\s+){{0,2}}?{_FEATURE}\b)",
    re.I,
)
# "Why is it impossible to download a file ...?": the impossibility is the problem.
_WHY_IMPOSSIBLE = re.compile(
    r"^(?:why|how\s+come)\s+(?:is|was)\s+it\s+(?P<x>(?:impossible|not\s+possible|so\s+hard|hard|difficult|"
    r"so\s+slow|slow)\b.+)$",
    re.I,
)
#: A message quoted in a statement ("I get an error message saying "Serial link is not 8-bit clean"").
_MESSAGE_QUOTED = re.compile(
    r"\b(?:messages?|errors?|warnings?|(?P<says>says?|saying)|complains?|prints?|panic)\b[^\"\u201c`]{0,40}?"
    r"(?:\"(?P<a>[^\"]{4,200})\"|\u201c(?P<b>[^\u201d]{4,200})\u201d|``?(?P<c>[^`']{4,200})''?)",
    re.I,
)
#: Words that make a statement in a heading a reported problem besides :data:`PROBLEM_WORDS`.
_HEADING_PROBLEM = re.compile(
    r"\b(?:vanish(?:es|ed)?|disappear(?:s|ed)?|gone|freez(?:e|es|ing)|froze(?:n)?|garbled|corrupt(?:ed|s)?|"
    r"instead\s+of|unnecessarily|messes\s+up|looped\s+back)\b",
    re.I,
)
# An opening adverbial clause before the statement: "For some unknown reason, ", "Under SunOS 4, ".
_LEAD_CLAUSE = re.compile(
    r"^(?:(?:when|whenever|if|after|since|under|on|for|with|while|about|in|once|sometimes)\b[^,]{2,80},\s+)+",
    re.I,
)
_ANNOUNCED_MESSAGE = re.compile(
    r"\b(?:errors?|messages?|warnings?|following)(?:\s+[\w-]+){0,3}\s*:\s+(?P<m>\S.{3,200})$", re.I
)
_CLAUSE_SPLIT = re.compile(r"\s*[;:]\s+|,\s+(?:and\s+|but\s+)?|\s+but\s+|\s+except\b\s*")
_REPORTER = re.compile(
    r"^(?:and\s+|but\s+)?(?:i|we)\s+(?:find|found|notice|noticed|see|saw)\s+(?:that\s+)?", re.I
)


def _reports_problem(text: str) -> bool:
    # A bare "not" states no fault ("I'm not much of a programmer"); "does not", "won't" do.
    words = [m.group(0).lower() for m in PROBLEM_WORDS.finditer(text)]
    return any(w not in ("not", "never") for w in words) or bool(
        _HEADING_PROBLEM.search(text) or _NOT_DOING.search(text)
    )


_NOT_DOING = re.compile(
    r"\b(?:do|does|did|is|are|was|were|can|could|will|would|has|have|had|should)\s+(?:not|never)\b", re.I
)


# "The manual says "use the -f flag"": what a text advises, not a message the user got.
_DOCUMENT_SUBJECT = re.compile(
    r"\b(?:manual|documentation|docs|faq|readme|man\s*page|manpage|guide|howto|book|website|author|text)s?"
    r"\s+(?:\w+\s+)?$",
    re.I,
)


def quoted_in(sentence: str) -> str | None:
    """The message a statement quotes as what it got ("... I get the message "can't open X""), else None."""
    match = next(
        (
            m
            for m in _MESSAGE_QUOTED.finditer(sentence)
            if not (m.group("says") and _DOCUMENT_SUBJECT.search(sentence[: m.start()]))
        ),
        None,
    )
    if not match:
        return None
    message = (match.group("a") or match.group("b") or match.group("c")).strip(" .,")
    return message if len(message.split()) >= 2 or ":" in message else None


def problem_clause(sentence: str, reported: bool = False) -> str | None:
    """The clause of a statement that states its problem ("... is gone, and i can't resume X" -> the first).

    Args:
        sentence: one sentence of a heading.
        reported: a follow-up question ("What can I do about this?") already says it is a problem:
            with no problem word, its last clause is taken.

    Returns:
        The quoted message when it quotes one, else the first clause with a problem word (or the last
        clause when ``reported``), else None.
    """
    text = sentence.strip(" .!?")
    quoted = quoted_in(text)
    if quoted is not None:
        return quoted
    announced = _ANNOUNCED_MESSAGE.search(text)
    if announced:  # "I get the following error while building: make[4]: don't know how to make X"
        return announced.group("m")
    text = _LEAD_CLAUSE.sub("", text)
    clauses = [c.strip(" ,") for c in _CLAUSE_SPLIT.split(text) if len(c.split()) >= 2]
    hits = [i for i, c in enumerate(clauses) if _reports_problem(c)]
    if hits:
        first, last = hits[0], hits[-1]
        if first and re.match(r"(?:then|just|also|still)\b", clauses[first], re.I):
            first -= 1  # "the modem dials the remote system, but then hangs up": that clause has no subject
        # "the fifo ... is gone, and i can't resume my screen session": every clause of the problem
        return _REPORTER.sub("", " and ".join(clauses[first : last + 1]))
    if reported and clauses:
        # "My APC UPS keeps reporting OL LB, even after ... What can I do about this?": the statement
        whole = " ".join(text.split())
        return _REPORTER.sub("", whole if len(whole.split()) <= 15 else clauses[0])
    return None


def _sentences_problem(parts: list[str]) -> Question | None:
    found: Question | None = None
    why = False
    for index, part in enumerate(parts):
        follow_up = _FOLLOW_UP.match(part.strip().rstrip(" ?.!"))
        if follow_up:
            why = why or bool(follow_up.group("why"))
            if found is None and index > 0 and not parts[index - 1].rstrip().endswith("?"):
                clause = problem_clause(parts[index - 1], reported=True)
                found = Question(_named(clause, parts[index - 1]), False) if clause else None
            continue
        if found is None:
            question = _sentence_problem(part, part)
            statement = not part.rstrip().endswith("?") and not _ADVICE.match(part)
            if statement and (question is not None or _reports_problem(part)):
                clause = problem_clause(part)
                question = (
                    Question(_named(clause, part), question.why if question else False) if clause else None
                )
            found = question
    if found is None:
        return None
    return Question(found.symptom, found.why or why)


def _named(clause: str, sentence: str) -> str:
    # A quoted message is kept as written ("ioctl(TIOCSETD): Operation not permitted").
    return clause if clause == quoted_in(sentence.strip(" .!?")) else _strip_owner(clause)


def _sentence_problem(heading: str, title: str) -> Question | None:
    if _ADVICE.match(title):
        return None
    impossible = _WHY_IMPOSSIBLE.match(title.rstrip(" ?.:!"))
    if impossible:
        return Question(_strip_owner(impossible.group("x")), True)
    if "?" not in title:
        quoted = quoted_in(title)
        if quoted is not None and re.search(r"\b(?:i|we|you|users?)\b", title, re.I):
            return Question(quoted, False)  # 'Under SunOS 4, ... I get the message "can't open /dev/vd"'
        if _HEADING_PROBLEM.search(title) and not PROBLEM_WORDS.search(title):
            clause = problem_clause(title)  # "..., the whole thing just freezes up."
            return Question(_strip_owner(clause), False) if clause else None
    gives = _WHAT_GIVES.search(title)
    if gives and title[: gives.start()].strip(" .;:,"):
        # "My arrays are busy and cannot be stopped. What gives?": the statement is the symptom.
        title = title[: gives.start()].strip(" .;:,")
        return Question(_strip_owner(title), False) if not title.endswith("?") else None
    title = title.rstrip(" ?.:!")
    for pattern in (_WHAT_TO_DO, _HOW_FIX, _WHAT_MEANS):
        match = pattern.match(title)
        if match and len(match.group("x").split()) >= 2:
            return Question(_strip_owner(match.group("x")), False)
    why = _WHY.match(title)
    if why and len(why.group("x").split()) >= 2 and not _PRONOUN.match(why.group("x")):
        return Question(_strip_owner(why.group("x")), True)
    if "?" in heading:
        return None
    quoted = _SAYS_QUOTED.match(title)
    if quoted and not _DOCUMENT_SUBJECT.search(title[: quoted.start("verb")]):
        # 'The configure script says `no acceptable cc found in $PATH`': a quoted message reported.
        return Question(quoted.group("q").strip(" \"'`\u201c\u201d\u2018\u2019."), False)
    situation = _SITUATION.match(title)
    if situation and PROBLEM_WORDS.search(situation.group("x")):
        # 'When I run configure, it says "C compiler cannot create executables".': a statement, not
        # a "When should I ...?" question; what is reported is the problem.
        reported = _REPORTS.sub("", situation.group("x")).strip(" \"'\u201c\u201d")
        return Question(reported, False)
    if _HOW_TO.match(title):
        return None
    if PROBLEM_WORDS.search(title):  # "Shutdown problems", "Pump won't start"
        # "For some unknown reason, the fifo is gone, and I can't resume": the lead-in is no part of it
        stated = _LEAD_CLAUSE.sub("", title)
        return Question(title if len(stated.split()) < 3 else stated, False)
    return None


def _strip_owner(text: str) -> str:
    # "(One of) my RAID arrays" -> "my RAID arrays": an aside in parentheses names no part of it.
    return re.sub(r"\s*\([^()]{0,40}\)\s*", " ", text).strip(" ,.;:")


#: "This can happen", "This error may also occur", "it usually happens" (a fault named before).
HAPPENS = (
    r"(?:this|that|it)(?:\s+(?:error|problem|issue|message|warning|failure|behaviou?r))?\s+"
    r"(?:(?:can|may|might|could|will|usually|often|also|only)\s+)*(?:happens?|occurs?)"
)
_REASON = re.compile(
    # "Very often the cause of this is that Y", "Usually, the reason is Y": how often, not part of Y
    r"^\s*(?:(?:very\s+|most\s+|quite\s+)?(?:often|usually|typically|commonly|generally|frequently)\s*,?\s+)?"
    r"(?:(?:the|one|a)\s+(?:main\s+|usual\s+|likely\s+|most likely\s+|most\s+common\s+|commonest\s+|"
    r"probable\s+|real\s+)?(?:reason|cause)\s+"
    r"(?:for\s+(?:this|that|it)\s+|of\s+(?:this|that|it)\s+)?(?:is|was)\s+(?:that\s+)?"
    rf"|(?:this|that|it)(?:{A}s|\s+is|\s+was|\s+happens|\s+occurs|\s+(?:may|might|could|can)\s+(?:also\s+)?be)\s+"
    r"(?:usually\s+|probably\s+|simply\s+|most likely\s+)?because\s+(?:of\s+)?"
    r"|it\s+turned\s+out\s+(?:that\s+)?"
    # "What probably happened is that Y", "What's happening here is that Y": the account of the fault
    rf"|what(?:{A}s|\s+is)?\s+(?:probably\s+|most\s+likely\s+|actually\s+|really\s+|usually\s+)?"
    r"(?:happened|happens|happening)(?:\s+here)?\s+(?:is|was)\s+(?:that\s+)?)(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)
_SOLUTION = re.compile(
    r"^\s*(?:the|an?|one|another)\s+(?:only\s+|usual\s+|easiest\s+|simplest\s+|best\s+|alternate\s+|alternative\s+|"
    # "The real fix would be to upgrade ...", "The answer is to escape the quotes", "Another alternative is to Y"
    r"possible\s+|other\s+|real\s+|proper\s+|correct\s+|permanent\s+|quick\s+|obvious\s+|recommended\s+)?"
    r"(?:solution|fix|cure|remedy|workaround|way|answer|alternative)"
    r"(?:\s+(?:in this case|here|to (?:fix|solve|avoid) (?:this|it)))?"
    r"\s+(?:is|might be|would be|may be)\s+to\s+(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)
_WORKED_AROUND = re.compile(
    r"\b(?:is|can be|are)\s+(?:most\s+)?(?:easily\s+)?(?:worked around|avoided|fixed|solved|prevented)"
    r"\s+by\s+(?P<y>[a-z][^.;]{3,200})",
    re.I,
)
# "With newer versions, enabling the 'network aware locking' option may solve the problem": the step
# named by the gerund is the fix.
_STEP_SOLVES = re.compile(
    r"^(?:[^,;]{2,60},\s+)?(?P<y>(?!(?:every|no|some|any)thing\b)[a-z]+ing\b[^;]{3,200}?)\s+(?:may|might|should|will|can|could|usually|often)\s+"
    r"(?:also\s+|probably\s+)?(?:solve|fix|cure|resolve|correct|remedy)\s+(?:the|this|that|your)\s+"
    r"(?:problem|issue|error|behaviou?r)\b",
    re.I,
)
_NEED_TO = re.compile(
    r"^\s*(?:so\s+|then\s+|thus\s+|because\s+of\s+(?:this|that)\s*,?\s+|therefore\s*,?\s+|in\s+this\s+case\s*,?\s+)?"
    r"you\s+(?:will\s+)?(?:need|have)\s+to\s+(?P<y>.{3,300}?)[.!]?\s*$"
    # "You should try running with --smc-check=all in this case" (advice; "should not" is a warning)
    r"|^\s*(?:so\s+|then\s+)?you\s+(?:should|must|may want to|might want to)\s+(?:first\s+|then\s+|also\s+)?"
    r"(?!not\b|never\b|be\b|have\b|see\b|get\b|now\b)(?P<z>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)
# "Alternately, you may be able to use the ssh-askpass utility ...", "you can either copy one from
# ...": counts only when Y opens with an imperative ("you can see ..." is no fix).
_YOU_CAN = re.compile(
    r"^\s*(?:(?:alternately|alternatively|instead|otherwise|also|or)\s*,?\s+)?you\s+(?:can|could|may|might)\s+"
    r"(?:(?:also|instead|simply|just|either|still|then|always)\s+)*(?:be\s+able\s+to\s+|need\s+to\s+)?"
    r"(?:(?:also|simply|just|either)\s+)*(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)
# "... will be wrong so you need to remove the config.cache file."
_SO_NEED_TO = re.compile(
    r"[,;]?\s+so\s+you\s+(?:will\s+)?(?:need|have)\s+to\s+(?P<y>[^;]{3,300}?)[.!]?\s*$", re.I
)
# "(If you are on a Linux system,) the first thing to try is to run configure with --disable-pie".
_THING_TO_TRY = re.compile(
    r"^\s*(?:(?:if|when|on|for|with)\s+[^,]{3,80},\s+)?(?:the\s+)?(?:first|best|only|easiest|simplest|next)\s+"
    r"thing\s+to\s+(?:try|do)\s+is\s+(?:to\s+)?(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)
# These two count only when Y opens with an imperative ("Workaround: there is nothing ..." does not).
# "Workaround for 1.1.X and later versions of Valgrind: use the --run-libc-freeres=no option."
_LABELLED_FIX = re.compile(
    r"^\s*(?:workaround|solution|fix|remedy)(?:\s+(?:for|in|on|with)\s+[^:\n]{2,60}?)?\s*:\s+(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)
# "You can work around this with the declaration Y", "you have to work around this using the Z option".
_WORK_AROUND = re.compile(
    # "You can fix this behaviour by applying the tty patch": the fix is what follows "by"
    r"\b(?:can|could|may|have\s+to|need\s+to|must)\s+(?:easily\s+|probably\s+)?"
    r"(?:work\s+around|avoid|get\s+around|fix|solve|cure|correct|resolve|remedy)\s+"
    r"(?:this|that|it|the\s+(?:problem|issue|bug|error))"
    r"(?:\s+(?:problem|issue|bug|error|limitation|behaviou?r|situation))?\s+"
    r"(?:with|by|using|via|through)\s+(?P<y>[^.;]{3,200})",
    re.I,
)
# "I would recommend submitting this as a compiler bug", "I recommend that you require dialin users to
# authenticate", "It is recommended to upgrade": the writer's advice against the problem at hand.
_RECOMMEND = re.compile(
    # ("I suggest that this is a bug" advises nothing: the advice is a gerund or what "you" should do)
    r"(?:^|[;:]\s+|,\s+(?:so\s+|and\s+)?)(?:(?:i|we)\s+(?:would\s+|do\s+|strongly\s+)*(?:recommend|suggest|advise)"
    r"\s+(?:that\s+you\s+(?:should\s+)?|(?=[a-z]+ing\b))"
    r"|it\s+is\s+(?:strongly\s+)?(?:recommended|advisable|advised)\s+to\s+"
    # "It is most likely necessary to enable unprivileged pings on the host"
    r"|it\s+is\s+(?:most\s+likely\s+|probably\s+|usually\s+|often\s+)?(?:necessary|required|needed)\s+to\s+)"
    r"(?P<y>[a-z][^;]{3,300}?)[.!]?\s*$",
    re.I | re.S,
)
_THEREFORE = re.compile(
    r"^\s*(?:therefore|thus|hence|so)\s*,?\s+(?:always\s+)?(?P<y>.{3,300}?)[.!]?\s*$", re.I | re.S
)
_OPTIONS = re.compile(
    r"\bthere\s+are\s+(?:two|three|four|several|a few|\d+)\s+(?:ways|options|solutions|workarounds)\s+to\s+"
    r"(?:solve|fix|avoid|work around|resolve|get around)\b",
    re.I,
)
_OPTION_ITEM = re.compile(r"^\s*(?:\(?[a-h1-9]\)|[a-h]\.)\s+(?P<y>.{3,400})$", re.S)
_CAUSE_LIST = re.compile(
    r"\b(?:common|possible|usual|typical|likely|known|frequent)?\s*(?:causes|reasons)\s+(?:for|of)\s+"
    r"(?P<x>[^:.;]{3,100}?)\s+(?:are|include)\s*:\s*$",
    re.I,
)
# "There are three basic possibilities:" + "- the agent has crashed" a line: the causes of the problem at hand.
_CAUSES_ANNOUNCED = re.compile(
    r"\bthere\s+are\s+(?:two|three|four|five|several|a\s+few|\d+)\s+(?:(?:basic|possible|likely|main|common|usual|"
    r"typical|known|further)\s+)?(?:possibilities|reasons|causes)(?:\s+for\s+(?:this|that|it))?\s*:\s*$",
    re.I,
)
_CHECK_ASIDE = re.compile(r"\s*\((?P<check>(?:check|see|run|use|look)\b[^()]{2,120})\)\s*$", re.I)
_QUOTED = re.compile(r"[`\u2018]([^`'\u2018\u2019]{1,80})['\u2019]")  # troff-style `mount' or typeset ‘mount’
_ANSWER_LEAD = re.compile(r"^\s*(?:short answer|long answer|in short|answer|a)\s*:\s*", re.I)


def answer_text(sentence: str) -> str:
    """A sentence without its answer label ("Short answer: ...", "In short: ...")."""
    return _ANSWER_LEAD.sub("", sentence)


# "This is a kernel bug and is most easily worked around by ...", "In short: it's a bug.": the
# defect named is the cause (a bare "it's a problem" names none).
_IS_A_DEFECT = re.compile(
    rf"^\s*(?:this|that|it)(?:{A}s|\s+is|\s+was|\s+seems\s+to\s+be|\s+appears\s+to\s+be)\s+"
    r"(?:probably\s+|simply\s+|actually\s+|most\s+likely\s+|likely\s+)?"
    r"(?P<y>(?:a|an)\s+(?:[\w./+-]+\s+){0,4}?(?:bug|defect|limitation|regression|misfeature)"
    r"(?:\s+(?:in|of)\s+[^,.;:!?]{2,60}?)?)"
    r"(?=\s*(?:[,.;:!]|\s+and\b|\s+which\b|\s+that\b|$))",
    re.I,
)


def reason_cause(sentence: str) -> str | None:
    """Y of "The reason for this is that Y" / "This is because Y" / "This is a kernel bug"."""
    text = answer_text(sentence)
    match = _REASON.match(text) or _IS_A_DEFECT.match(text)
    return match.group("y") if match else None


_HAPPENS_IF = re.compile(rf"^\s*{HAPPENS}\s+(?:if|when|whenever)\s+(?P<y>.{{3,300}}?)[.!]?\s*$", re.I | re.S)


# "One possibility is that Y", "The other possible cause is that Y", "The problem is that Y",
# "Reason is that Y": one of the causes of the problem the answer is about.
#: "Firstly, ", "Alternatively, ", "Finally, ": the place of a cause or fix in a row of them.
ORDINAL_LEAD = (
    r"(?:(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|next|finally|lastly|alternatively|alternately|also|again)"
    r"\s*[,:]\s+|then\s+)"
)
_ONE_CAUSE = re.compile(
    rf"^\s*{ORDINAL_LEAD}?(?:(?:one|another|the\s+other|the\s+(?:first|second|third|fourth|last|final)|a)\s+"
    r"(?:possible\s+|common\s+|likely\s+)?"
    r"(?:possibility|cause|reason|explanation)|(?:the\s+)?(?:real\s+)?(?:problem|trouble|reason)(?:\s+here)?"
    # "There are two common causes for this. The first is that Y. ...": after the causes are announced
    r"|the\s+(?:first|second|third|other|last)(?:\s+one)?)"
    # "then the problem is probably that Y": how sure, not part of Y
    r"\s+(?:is|was|might be|may be|could be)\s+(?:probably\s+|likely\s+|most\s+likely\s+|usually\s+)?that\s+"
    r"(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)


_CAUSES_THIS = re.compile(
    r"\s+(?:causes?|caused|triggers?|leads?\s+to)\s+(?:this|the|that)\s+(?:crash|problem|error|failure|issue|"
    r"behaviou?r|message|hang)\s*$",
    re.I,
)


# "If you are not using pam ..., it is possible that sudo didn't properly detect that ...": a likely
# cause (after the condition it holds under, if any).
_POSSIBLE_THAT = re.compile(
    rf"(?:^|,\s+)(?:(?:it\s+is|it{A}s)\s+(?:quite\s+|very\s+|also\s+|entirely\s+|very\s+well\s+)?"
    r"(?:possible|likely|probable)"
    # "Alternatively, it may be that Y", "It may be the case that Y": one possible cause of several
    r"|it\s+(?:may|might|could)\s+(?:well\s+|also\s+)?be(?:\s+the\s+case)?)\s+that\s+"
    r"(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)


def possible_cause(sentence: str) -> str | None:
    """Y of "(If X,) it is possible that Y", unless the sentence is an example ("For example, ...")."""
    text = answer_text(sentence)
    match = _POSSIBLE_THAT.search(text)
    if not match or re.match(r"^\s*(?:for\s+(?:example|instance)|e\.g\.)", text, re.I):
        return None
    # "it may be that the agent does implement this tree, but the access control settings block it": what
    # is conceded first is no fault, the cause follows "but"
    return re.split(r",\s+but\s+", match.group("y"), maxsplit=1)[-1]


def one_cause(sentence: str) -> str | None:
    """Y of "One possibility is that Y", "Another possible cause is that Y", "The problem is that Y"."""
    text = answer_text(sentence)
    match = _ONE_CAUSE.match(text)
    # "... is that running X in older versions causes this crash": the cause is running X.
    return _CAUSES_THIS.sub("", match.group("y")) if match else None


def happens_cause(sentence: str) -> str | None:
    """Y of "This can happen if Y", "This error can occur when Y" (the fault is named before)."""
    match = _HAPPENS_IF.match(answer_text(sentence))
    return match.group("y") if match else None


def defect_cause(sentence: str) -> str | None:
    """The defect named by "This is a kernel bug (and ...)", "it's a bug", else None."""
    match = _IS_A_DEFECT.match(answer_text(sentence))
    return match.group("y") if match else None


def opens_with_imperative(sentence: str) -> bool:
    """Whether a sentence is an instruction ("Please upgrade to 3.10.18", "Don't hot-unplug it")."""
    return first_word(answer_text(sentence)) in IMPERATIVES and not sentence.rstrip().endswith("?")


def solution_remedy(sentence: str) -> tuple[str, bool] | None:
    """Y of "The solution is to Y", "is most easily worked around by Y", "you need to Y", "Workaround: Y".

    Returns:
        (Y, whether Y must open with an imperative to count: "Workaround: Y", "Therefore Y").
    """
    text = answer_text(sentence)
    match = _SOLUTION.match(text) or _NEED_TO.match(text)
    match = match or _WORKED_AROUND.search(text) or _WORK_AROUND.search(text) or _SO_NEED_TO.search(text)
    match = match or _RECOMMEND.search(text) or _STEP_SOLVES.match(text)
    if match:
        return match.group("y") or match.group("z"), False
    match = _LABELLED_FIX.match(text) or _THEREFORE.match(text)
    return (match.group("y"), True) if match else None


def offered_remedy(sentence: str) -> str | None:
    """Y of "(Alternately,) you can / may (be able to) Y" and "the first thing to try is to Y".

    Weaker cues than :func:`solution_remedy` (a "you can" sentence may describe a feature): Y must
    open with an instruction, and callers take it only under a problem heading.
    """
    text = answer_text(sentence)
    match = _YOU_CAN.match(text) or _THING_TO_TRY.match(text)
    if not match or first_word(match.group("y")) not in IMPERATIVES:
        return None
    if re.match(r"(?:do|does)\s+(?:this|that|so|it)\b", match.group("y"), re.I):
        return None  # "You can do this via `rm config.cache`": points back at a fix already named
    return match.group("y")


def options(text: str) -> list[str]:
    """The fixes listed after "There are two ways to solve this:", one lettered item a line.

    Args:
        text: a chunk's text.

    Returns:
        Each item's first sentence ("(a) recreate the arrays ..., which is not always an option").
    """
    found: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not _OPTIONS.search(line):
            continue
        for item in lines[index + 1 :]:
            match = _OPTION_ITEM.match(item)
            if match:
                found.append(re.split(r"(?<=[a-z0-9)])\.\s", match.group("y"), maxsplit=1)[0])
            elif found and item.strip() and not item.startswith((" ", "\t")):
                break  # the list has ended (indented lines are examples inside an item)
    return found


@dataclass(frozen=True)
class ListedCause:
    problem: str
    cause: str
    check: str | None  # how to confirm the cause, from a trailing "(check ...)"


def cause_list(text: str) -> list[ListedCause]:
    """Causes listed one a line after "Common causes for X are:".

    Lines of fewer than three words are sub-items of the line above ("LVM" under "used by the
    device-mapper") and are skipped; the list ends at a blank line or a line that is a sentence of
    its own (ends with a full stop).

    Args:
        text: a chunk's text.

    Returns:
        The listed causes in order.
    """
    found: list[ListedCause] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        head = _CAUSE_LIST.search(line)
        announced = None if head else _CAUSES_ANNOUNCED.search(line)
        if not head and not announced:
            continue
        problem = head.group("x").strip() if head else "this"
        for item in lines[index + 1 :]:
            marked = re.match(rf"^\s*(?:[{BULLETS}]|\d+[.)])\s*", item)
            listed = marked or (item.strip()[:1].islower() and len(item.split()) <= 10 and not item.rstrip().endswith("."))
            if announced and item.strip() and not listed:
                # after a bare announcement only list items (the parser may drop their marks: short lines
                # in lower case): a paragraph's wrapped lines are no items
                break
            item = item[marked.end() :].strip() if marked else item.strip()
            if not item or item.endswith((".", ":")) and not _CHECK_ASIDE.search(item.rstrip(".")):
                break
            if len(item.split()) < 3:
                continue
            aside = _CHECK_ASIDE.search(item)
            cause = item[: aside.start()] if aside else item
            check = _QUOTED.sub(r"\1", aside.group("check")) if aside else None
            found.append(ListedCause(problem, cause.strip(" ,;"), check))
    return found


#: "Note that this bug should no longer occur with ...", "This does not happen anymore", "This was fixed
#: in 2.6": a remark that a problem is gone states no symptom, and no cause of the one asked about.
RESOLVED = re.compile(
    rf"\b(?:no\s+longer|not\s+any\s?more)\s+(?:\w+\s+)?(?:occurs?|happens?|appears?|exists?|arises?|shows?\s+up|"
    rf"an?\s+(?:problem|issue)|the\s+case)\b"
    rf"|\b(?:does|do|did|should|will|would)(?:\s*n{A}t|\s+not)\s+(?:\w+\s+)?(?:happen|occur|appear)\s+any\s?more\b"
    r"|\b(?:has|have|had|is|are|was|were)\s+(?:now\s+|since\s+)?(?:been\s+)?(?:fixed|resolved|corrected)\s+"
    r"(?:in|since|as\s+of|with|by)\b",
    re.I,
)

# A plain statement that something is at fault: "Your POP3 server is broken", "Your server does not
# support APOP", "libfoo 1.2 lacks the symbol", "You didn't setup PAM to work with sudo".
_DEFECT_STATE = (
    r"(?:is|are|was|were|has\s+been|have\s+been|seems\s+to\s+be|appears\s+to\s+be)\s+"
    r"(?:probably\s+|likely\s+|most\s+likely\s+|simply\s+|just\s+|still\s+|either\s+|badly\s+)?"
    r"(?:broken|buggy|misconfigured|mis-configured|corrupt(?:ed)?|defective|faulty|damaged|dead|incompatible|"
    r"outdated|out\s+of\s+date|too\s+old|obsolete|missing|wrong|incorrect|bad|disabled|unreachable|down|"
    # "The regular expressions used in our configure script are too complicated for GNU sed 2.03."
    r"too\s+(?:complicated|complex|new|large|big|long)\s+for|"
    r"miscompiled|misbehaving|set\s+(?:up\s+)?(?:wrong(?:ly)?|incorrectly)|"
    r"not\s+(?:properly\s+|correctly\s+)?(?:installed|configured|set\s+up|running|loaded|enabled|mounted|"
    r"available|supported|compiled|linked|present|reachable|responding|listening|started|working))\b"
)
_LACKS = (
    rf"(?:does\s+not|doesn{A}t|do\s+not|don{A}t|did\s+not|didn{A}t|cannot|can{A}t|will\s+not|won{A}t|"
    r"(?:is|are)\s+unable\s+to|fails?\s+to|failed\s+to)\s+(?:properly\s+|correctly\s+|fully\s+|yet\s+)?"
    r"(?:know\s+how\s+to\s+)?"
    r"(?:support|handle|understand|recogni[sz]e|implement|allow|include|provide|know\s+about|contain|update|"
    r"detect|bind|load|speak|accept|honou?r|advertise|export|work\s+with|come\s+with|ship\s+with)\b"
    r"|(?:lacks?|has\s+no|have\s+no)\s+\w"
    # "Screen failed to change the owner of the pty it uses."
    r"|(?:fails|failed)\s+to\s+\w"
    # "AIX's Enhanced RBAC is preventing sudo from running."
    r"|(?:is|are)\s+(?:preventing|blocking|stopping|interfering\s+with)\s+\w"
    r"|(?:prevents|blocks|interferes\s+with)\s+\w"
)
_DECLARED = re.compile(rf"^(?P<subject>[^,;:()?!]{{2,60}}?)\s+(?:{_DEFECT_STATE}|{_LACKS})", re.I)
_YOU_OMITTED = re.compile(
    rf"^you\s+(?:did\s+not|didn{A}t|have\s+not|haven{A}t|never|forgot(?:\s+to)?)\s+"
    r"(?!(?:say|mention|tell|specify\s+which)\b)\w"
    # "You got the termcap entries wrong", "you have set the speed incorrectly"
    r"|^you\s+(?:(?:have|had|probably|may\s+have|might\s+have)\s+)*(?:got|gotten|set|configured|specified|entered|typed|"
    r"spelled|spelt)\s+[^,;:]{2,60}?\s+(?:wrong|wrongly|incorrectly)\b",
    re.I,
)
#: "Probably you got ...", "Most likely, your cable is broken": how sure the answer is.
_HEDGE_LEAD = re.compile(r"^(?:probably|most\s+likely|very\s+likely|likely|perhaps|maybe)\s*,?\s+", re.I)
#: "The libcurses library has a bug if attributes are cleared with ...": the bug is the cause whatever
#: the condition it shows under.
_HAS_BUG = re.compile(
    r"^(?P<subject>[^,;:()?!]{2,60}?)\s+(?:has|have|contains?)\s+(?:a|an)\s+(?:known\s+|serious\s+|nasty\s+)?bug\b",
    re.I,
)
_NOT_A_SUBJECT = re.compile(
    r"^(?:it|this|that|they|these|those|there|here|he|she|we|i|if|when|whenever|while|since|because|although|"
    r"though|after|before|unless|to|for|in|on|by|with|as|note|see|please|also|but|and|or|so|then|thus|"
    r"however|maybe|perhaps|what|which|who|why|how)\b",
    re.I,
)
_CONDITIONAL = re.compile(r"\b(?:if|when|whenever|unless|until)\b", re.I)


def declared_cause(sentence: str) -> str | None:
    """The sentence itself when it plainly states what is at fault, else None.

    "Your POP3 server is broken.", "Your server does not support APOP.", "You didn't setup PAM to work
    with sudo." Only plain declaratives about a named subject count: no question, no advice (an
    imperative, "you can / should ..."), no pronoun subject (a restatement of the problem: "It just
    says ..."), no condition ("Borg cannot work if ..." states an outcome), no remark that the
    problem is gone.
    """
    text = _HEDGE_LEAD.sub("", answer_text(sentence).strip())
    bug = _HAS_BUG.match(fold(text))
    if bug and not _NOT_A_SUBJECT.match(bug.group("subject")) and not text.endswith("?"):
        return text
    if (
        not text[:1].isalpha()
        or text.endswith("?")
        or _CONDITIONAL.search(text)
        or RESOLVED.search(text)
        or first_word(text) in IMPERATIVES
    ):
        return None
    if _YOU_OMITTED.match(fold(text)):
        return text
    match = _DECLARED.match(fold(text))
    subject = match.group("subject") if match else ""
    if not match or _NOT_A_SUBJECT.match(subject) or first_word(subject) == "you":
        return None
    return text
