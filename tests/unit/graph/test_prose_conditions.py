"""Condition, "this can happen if" and why-answer rules (graph.prose), on sentences of the dev texts
(apcupsd manual, sudo troubleshooting FAQ)."""

from functools import partial

import pytest

from graph.faq import question_problem

from .relations_under import relations_under

relations = partial(relations_under, "Manual")


def test_a_routine_step_is_when_a_fault_shows_not_its_cause_and_the_fix_follows_the_fault(rules_extractor):
    text = (
        "This problem should be apparent only when running a slave configuration. In this case, when you "
        "specify the name of the master in your apcupsd.conf file, apcupsd will be unable to resolve the "
        "name to a valid IP address. To circumvent this problem, simply enter the address as an IP address "
        "rather than a hostname."
    )
    assert relations(rules_extractor, text) == {
        (
            "apcupsd will be unable to resolve the name to a valid IP address",
            "REMEDIED_BY",
            "enter the address as an IP address rather than a hostname",
        )
    }


def test_a_faulty_step_stays_a_cause(rules_extractor):
    found = relations(rules_extractor, "If you mess up this file, the system will not shut down cleanly.")
    assert found == {("the system will not shut down cleanly", "CAUSED_BY", "you mess up this file")}


def test_this_can_happen_if_names_the_cause_of_the_fault_before(rules_extractor):
    text = (
        "X509_verify_cert: CA cert does not include key usage extension\n\n"
        "This can happen if you are using self-signed certificates that do not include the key usage "
        "extension. This error can occur if the certificates were generated using OpenSSL 1.x."
    )
    found = relations(rules_extractor, text, "After upgrading my system, sudo_logsrvd gives the error:")
    causes = {tail: head for head, rel, tail in found if rel == "CAUSED_BY"}
    # The message (its "X509_verify_cert:" label kept where the sentence splitter keeps it) is the symptom.
    assert causes["the certificates were generated using OpenSSL 1.x"].endswith(
        "CA cert does not include key usage extension"
    )
    assert all("This can happen" not in head for head, _, _ in found)


def test_this_usually_happens_after_a_remark_that_is_no_fault_gives_nothing(rules_extractor):
    text = (
        "Type A systems are connected to an UPS\u2019s communication port, but don\u2019t depend on it for "
        "power. This usually happens when an UPS is physically close to a box and can reach the serial port."
    )
    assert relations(rules_extractor, text, "6.4. Typical setups for enterprise networks") == set()


def test_an_outcome_that_causes_the_message_is_no_symptom(rules_extractor):
    text = (
        "When running a command via ssh, a terminal is not allocated by default which can cause this message."
    )
    assert relations(rules_extractor, text, "When I try to run sudo via ssh, I get an error:") == set()


def test_a_why_answer_skips_its_opening_phrase(rules_extractor):
    text = "By default, sudo runs commands with a new, minimal environment."
    found = relations(rules_extractor, text, "Why does sudo modify the command's environment?")
    assert found == {
        (
            "sudo modify the command's environment",
            "CAUSED_BY",
            "sudo runs commands with a new, minimal environment",
        )
    }


@pytest.mark.parametrize(
    ("heading", "symptom"),
    [
        (
            'When I run configure, it says "C compiler cannot create executables".',
            "C compiler cannot create executables",
        ),
        ("After upgrading my system, sudo_logsrvd gives the error:", "sudo_logsrvd gives the error"),
        (
            "Sudo is configured use syslog but nothing gets logged",
            "Sudo is configured use syslog but nothing gets logged",
        ),
    ],
)
def test_statements_of_what_happened_are_problem_headings(heading, symptom):
    question = question_problem(heading)
    assert question is not None and question.symptom == symptom


@pytest.mark.parametrize(
    "heading",
    ["When should I replace the battery?", "When the pump stops, check the fuse", "Nothing to configure"],
)
def test_questions_and_instructions_starting_with_when_are_no_problem(heading):
    assert question_problem(heading) is None


def test_what_an_error_indicates_is_the_cause_of_the_heading_problem(rules_extractor):
    text = "This error indicates that the compiler suite is missing on your system."
    found = relations(
        rules_extractor, text, 'When I run configure, it says "C compiler cannot create executables".'
    )
    assert found == {
        ("C compiler cannot create executables", "CAUSED_BY", "the compiler suite is missing on your system")
    }


@pytest.mark.parametrize(
    ("sentence", "cause"),
    [
        (
            "The problem is that running __libc_freeres in older glibc versions causes this crash.",
            "running __libc_freeres in older glibc versions",
        ),
        ("Reason is that your program may trash Valgrind's low-level memory manager.", None),
        (
            "One possibility is that your program has a bug and erroneously jumps to a non-code address.",
            "your program has a bug and erroneously jumps to a non-code address",
        ),
        (
            "The other possible cause is that sudo is installed on an NFS-mounted file system.",
            "sudo is installed on an NFS-mounted file system",
        ),
    ],
)
def test_one_of_the_causes_of_the_problem_answered(rules_extractor, sentence, cause):
    found = relations(rules_extractor, sentence, "Valgrind aborts unexpectedly")
    expected = cause or "your program may trash Valgrind's low-level memory manager"
    assert found == {("Valgrind aborts unexpectedly", "CAUSED_BY", expected)}


def test_the_problem_is_x_without_that_names_no_cause(rules_extractor):
    assert relations(rules_extractor, "The problem is the cable.", "Valgrind aborts unexpectedly") == set()


@pytest.mark.parametrize(
    ("sentence", "fix"),
    [
        (
            "You should try running with --smc-check=all in this case.",
            "try running with --smc-check=all in this case",
        ),
        ("You should not use simple in the cable specification.", None),
        ("You should see a message in the log.", None),
    ],
)
def test_advice_under_a_problem_is_its_fix_and_warnings_are_not(rules_extractor, sentence, fix):
    found = relations(rules_extractor, sentence, "Valgrind aborts unexpectedly")
    assert found == ({("Valgrind aborts unexpectedly", "REMEDIED_BY", fix)} if fix else set())
