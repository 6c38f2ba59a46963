"""FAQ items whose question is a statement or several sentences ("Q: ... A: ..." chunks, issue 13,
session 11): the question read a sentence at a time, the problem cut to its clause, the "Q:" line kept
out of the answer, and the answer's cues read on the shared sentence splitter."""

import pytest

from graph import ChunkInput
from graph.faq import problem_clause, question_problem, quoted_in
from graph.llm_items import item_of
from graph.prose import answer_start, pointer_fix, short_name


@pytest.mark.parametrize(
    ("heading", "symptom", "why"),
    [
        # a follow-up question makes the statement before it the problem
        (
            "My printer queue is stuck after every reboot. What can I do about this?",
            "My printer queue is stuck after every reboot",
            False,
        ),
        # the quoted message is the symptom; "Why?" asks for its cause
        (
            'When I try to connect, I get an error message saying "Serial link is not 8-bit clean". Why?',
            "Serial link is not 8-bit clean",
            True,
        ),
        (
            'I get messages saying "Unsupported protocol (...) received". What do these mean?',
            "Unsupported protocol (...) received",
            True,
        ),
        (
            'I get a message saying something like "ioctl(TIOCSETD): Operation not permitted". '
            "How do I fix this?",
            "ioctl(TIOCSETD): Operation not permitted",
            False,
        ),
        (
            "Under SunOS 4, when I try to load the modules, I get the message "
            '"can\'t open /dev/vd: No such device".',
            "can't open /dev/vd: No such device",
            False,
        ),
        # "Why is it impossible to X?": the impossibility; a second question asks nothing new
        (
            "Why is it impossible to download a file with sz when screen is running? "
            "Do I need to set some variables?",
            "impossible to download a file with sz when screen is running",
            True,
        ),
        # the clauses that state the problem, without the lead-in and the request
        (
            "For some unknown reason, the fifo in /tmp/screens is gone, and i can't resume my session. "
            "Is there a way to recreate the fifo?",
            "the fifo in /tmp/screens is gone and i can't resume my session",
            False,
        ),
        (
            "I am using screen with a YYY terminal. I am very happy with it, except one thing: "
            "I cannot render graphics into screen windows.",
            "I cannot render graphics into screen windows",
            False,
        ),
        (
            "When I try to establish a connection, the modem dials the remote system, but then hangs up "
            "a few seconds later. How do I find out what's going wrong?",
            "the modem dials the remote system and then hangs up a few seconds later",
            False,
        ),
        # undesired behaviour without a negation
        (
            'Start "screen emacs" and run suspend-emacs (ctrl-z). The window containing emacs vanishes.',
            "The window containing emacs vanishes",
            False,
        ),
        (
            "When I type cd from within one of the windows, the whole thing just freezes up.",
            "the whole thing just freezes up",
            False,
        ),
        # a word broken across a hard-wrapped line is joined again
        (
            "Screen messes up the output when I use my favourite ap- plication. "
            "Setting the size does not help.",
            "Screen messes up the output when I use my favourite application",
            False,
        ),
        (
            "I get the following error while building: make[4]: don't know how to make X. Stop",
            "make[4]: don't know how to make X",
            False,
        ),
    ],
)
def test_statements_and_follow_ups_name_the_problem(heading, symptom, why):
    question = question_problem(heading)
    assert question is not None
    assert (question.symptom, question.why) == (symptom, why)


@pytest.mark.parametrize(
    "heading",
    [
        "Why should I use PPP compression when my modem already compresses? Won't it slow it down?",
        "I'm running Linux, and my system comes with PPP already. Should I consider installing this? Why?",
        "I'm not much of a programmer. How can I help?",
        "Can you give me an example of how I might set up my machine to dial out to an ISP?",
        "Has your package been ported to HP/UX or IRIX or AIX?",
    ],
)
def test_advice_and_information_questions_report_no_problem(heading):
    assert question_problem(heading) is None


def test_the_problem_clause_and_the_quoted_message():
    assert quoted_in('I get the message "LCP: timeout sending Config-Requests" from pppd') == (
        "LCP: timeout sending Config-Requests"
    )
    assert quoted_in('rather than getting a "screen," I got output') is None  # no message word
    assert problem_clause("I am using screen with a YYY terminal") is None
    assert problem_clause("My UPS keeps reporting OL LB, even after hours", reported=True) == (
        "My UPS keeps reporting OL LB, even after hours"
    )


QA = (
    "Q: Screen gets the terminal size wrong and messes up.\n"
    "A: Before you start screen: Check with 'stty -a' what the terminal driver thinks about rows and "
    "columns. Check the environment variables LINES and COLUMNS."
)


def _chunk(text, heading):
    return ChunkInput("c1", "col", "doc", "v1", text, "paragraph", ("faq", heading))


def _relations(extractor, text, heading):
    facts = extractor.extract(_chunk(text, heading))
    names = {m.key: m.name for m in facts.mentions}
    return {
        (names[r.head], r.type, names[r.tail])
        for r in facts.relations
        if r.type in ("CAUSED_BY", "REMEDIED_BY")
    }


def test_an_items_answer_starts_after_its_question_line():
    chunk = _chunk(QA, "Screen gets the terminal size wrong and messes up.")
    assert QA[answer_start(chunk) :].startswith("A: Before")
    assert answer_start(_chunk("Check the cable.", "Pump won't start")) == 0


def test_instructions_after_the_answer_label_and_a_step_lead_remedy_the_question(rules_extractor):
    found = _relations(rules_extractor, QA, "Screen gets the terminal size wrong and messes up.")
    symptom = "Screen gets the terminal size wrong and messes up"
    assert (
        symptom,
        "REMEDIED_BY",
        "Check with 'stty -a' what the terminal driver thinks about rows and columns",
    ) in found
    assert (symptom, "REMEDIED_BY", "Check the environment variables LINES and COLUMNS") in found


def test_the_question_line_states_no_condition_and_no_instruction(rules_extractor):
    text = (
        'Q: Start "screen emacs" and run suspend-emacs. The window containing emacs vanishes.\n'
        "A: This is a known problem of old kernels."
    )
    found = _relations(
        rules_extractor,
        text,
        'Start "screen emacs" and run suspend-emacs. The window containing emacs vanishes.',
    )
    assert not any(tail.startswith("Start") for _, _, tail in found)


def test_the_most_common_cause_opens_the_answer_after_the_question(rules_extractor):
    text = (
        'Q: When I try to connect, I get an error message saying "Serial link is not 8-bit clean". Why?\n'
        "A: The most common cause is that your connection script hasn't successfully dialled out to the "
        "remote system and invoked ppp service there."
    )
    heading = 'When I try to connect, I get an error message saying "Serial link is not 8-bit clean". Why?'
    assert (
        "Serial link is not 8-bit clean",
        "CAUSED_BY",
        "your connection script hasn't successfully dialled out to the remote system",
    ) in _relations(rules_extractor, text, heading)


def test_a_fix_after_nothing_worked_remedies_the_question(rules_extractor):
    heading = "For some reason, the fifo in /tmp/screens is gone, and i can't resume my session."
    text = (
        f"Q: {heading}\nA: Find the process-id of the shell. "
        "If the socket does not reappear, destroy the shell process. "
        "If nothing works, remove all processes running in the lost session."
    )
    found = _relations(rules_extractor, text, heading)
    symptom = "the fifo in /tmp/screens is gone, and i can't resume my session"
    assert (symptom, "REMEDIED_BY", "destroy the shell process") in found
    assert (symptom, "REMEDIED_BY", "remove all processes running in the lost session") in found
    assert not any(head in ("nothing works", "the socket does not reappear") for head, _, _ in found)


def test_pointers_and_pronoun_objects_are_no_fix(rules_extractor):
    assert (
        pointer_fix("add it")
        and pointer_fix("use that instead")
        and pointer_fix("Look at the documentation of screen")
    )
    assert pointer_fix("use an init script such as the following")
    assert pointer_fix("add it (or uncomment it).") and pointer_fix("try if the boot now works")
    assert pointer_fix("Try these settings:") and pointer_fix("you can try to work around")
    assert pointer_fix("Try initiating the connection again.") and pointer_fix(
        "Try running fetchmail -v again"
    )
    assert not pointer_fix("Try again with /opt/SUNWspro/bin/cc")
    assert not pointer_fix("Check the environment variables LINES and COLUMNS")
    heading = "My modem won't dial."
    text = f"Q: {heading}\nA: Refer to the chat manpages for more information. If not, make one."
    assert _relations(rules_extractor, text, heading) == set()


def test_a_long_cause_keeps_its_first_part_in_an_item_only():
    long = (
        "your connection script hasn't successfully dialled out to the remote system and invoked ppp service "
        "there"
    )
    assert short_name(long) == "your connection script hasn't successfully dialled out to the remote system"
    assert short_name("a short cause") == "a short cause"


def test_the_items_pass_is_not_shown_the_question_line():
    item = item_of(_chunk(QA, "Screen gets the terminal size wrong and messes up."))
    assert item is not None and item.sentences[0].startswith("A: Before you start screen")


def test_and_parts_of_an_items_instruction_are_two_fixes(rules_extractor):
    heading = "Why is it impossible to download a file with sz when screen is running?"
    text = (
        f"Q: {heading}\nA: Because of this you have to change the escape sequence parser. "
        "Simply detach your screen session for each file transfer and start the transfer program "
        "from the shell."
    )
    found = _relations(rules_extractor, text, heading)
    symptom = "impossible to download a file with sz when screen is running"
    assert (symptom, "REMEDIED_BY", "change the escape sequence parser") in found
    assert (symptom, "REMEDIED_BY", "detach your screen session for each file transfer") in found
    assert (symptom, "REMEDIED_BY", "start the transfer program from the shell") in found


def test_a_noun_subject_is_no_instruction(rules_extractor):
    heading = "Why does running the repair warn about data loss?"
    text = f"Q: {heading}\nA: Repair usually works for recovering data in a corrupted archive."
    assert _relations(rules_extractor, text, heading) == set()


def test_a_solution_heading_belongs_to_the_issue_above_it():
    from graph import faq

    path = ("Troubleshooting", "5) rootless containers cannot ping hosts", "Solution")
    assert faq.item_heading(path) == "5) rootless containers cannot ping hosts"
    assert faq.item_heading(("Troubleshooting", "Why does the pump hum?")) == "Why does the pump hum?"
    assert faq.item_heading(("Symptom",)) == "Symptom" and faq.item_heading(()) == ""
