"""Fourth pass of the FAQ rules (issue 13): an answer's opening statement of what is at fault, FAQ item
labels, "fix" as an instruction, "work around this with", remarks that a problem is gone. Sentences
from the dev texts (sudo's TROUBLESHOOTING, the valgrind FAQ) or written for the test."""

from functools import partial

import pytest

from graph.faq import RESOLVED, declared_cause, first_word, opens_with_imperative, question_problem

from .relations_under import relations_under

relations = partial(relations_under, "Troubleshooting")


@pytest.mark.parametrize(
    "sentence",
    [
        "Your mail server is broken.",
        "The relay host is misconfigured.",
        "Your server does not support the AUTH command.",
        "libpam 0.75 lacks the account hook.",
        "You didn't setup PAM to work with sudo.",
        "Short answer: the installed zlib is too old.",
    ],
)
def test_plain_statements_of_a_fault_are_causes(sentence):
    assert declared_cause(sentence) is not None


@pytest.mark.parametrize(
    "sentence",
    [
        'It just says "Sorry, try again." three times and exits.',  # restates the problem
        "Check that your server is not misconfigured.",  # advice
        "Is your server broken?",  # a question
        "The daemon cannot work if the disk is full.",  # an outcome under a condition
        "You can use the --debug option to see more.",  # advice
        "This bug does not happen anymore with version 2.",  # gone
        "There are many possible causes of this error.",
        "The default log facility is authpriv.",  # no fault stated
    ],
)
def test_advice_questions_restatements_and_outcomes_are_not(sentence):
    assert declared_cause(sentence) is None


def test_an_answer_opening_with_a_fault_names_the_cause_of_the_heading(rules_extractor):
    text = "Your mail server is broken. You can work around this with the option --auth password."
    found = relations(rules_extractor, text, "Fetching fails with 'invalid command' errors")
    assert found == {
        ("Fetching fails with 'invalid command' errors", "CAUSED_BY", "Your mail server is broken"),
        ("Fetching fails with 'invalid command' errors", "REMEDIED_BY", "the option --auth password"),
    }


def test_after_a_one_line_restatement_the_next_sentence_opens_the_answer(rules_extractor):
    text = (
        'It just says "Sorry, try again." three times and exits.\n'
        "You didn't setup PAM to work with sudo. On RedHat or Fedora Linux this generally means "
        "installing the sample pam.conf file as /etc/pam.d/sudo."
    )
    found = relations(rules_extractor, text, "Sudo never gives me a chance to enter a password using PAM")
    assert (
        "Sudo never gives me a chance to enter a password using PAM",
        "CAUSED_BY",
        "You didn't setup PAM to work with sudo",
    ) in found


def test_a_fault_stated_later_or_under_a_how_to_question_is_no_cause(rules_extractor):
    later = "Many users see this. Your mail server is broken in that case."
    assert relations(rules_extractor, later, "Fetching fails with 'invalid command' errors") == set()
    how_to = "Your mail server is broken. Use another one."
    assert relations(rules_extractor, how_to, "How do I choose a mail server?") == set()


def test_a_statement_that_repeats_the_problem_is_not_its_cause(rules_extractor):
    text = "The daemon does not support IPv6 sockets yet."
    assert relations(rules_extractor, text, "The daemon does not support IPv6") == set()


def test_it_is_possible_that_names_a_cause_of_the_question(rules_extractor):
    text = (
        "If you are not using pam and your system uses shadow passwords, it is possible that sudo "
        "didn't properly detect that shadow passwords are in use."
    )
    found = relations(rules_extractor, text, "Sudo won't accept my password, even when entered correctly")
    assert found == {
        (
            "Sudo won't accept my password, even when entered correctly",
            "CAUSED_BY",
            "sudo didn't properly detect that shadow passwords are in use",
        )
    }
    example = "For example, if your program crashes, it's possible that this memory is fine under Valgrind."
    assert relations(rules_extractor, example, "Valgrind behaves unexpectedly") == set()


@pytest.mark.parametrize(
    ("heading", "symptom"),
    [
        (
            "R1. Fetching fails with 'SMTP connect failed' messages.",
            "Fetching fails with 'SMTP connect failed' messages",
        ),
        ("H2: The daemon hangs after a while", "The daemon hangs after a while"),
        ("Q: The daemon hangs after a while", "The daemon hangs after a while"),
        ("Q3. The daemon hangs after a while", "The daemon hangs after a while"),
        ("3.4 The daemon hangs after a while", "The daemon hangs after a while"),
        ("12b. The daemon hangs after a while", "The daemon hangs after a while"),
    ],
)
def test_faq_item_labels_are_no_part_of_the_problem(heading, symptom):
    question = question_problem(heading)
    assert question is not None and question.symptom == symptom


def test_item_labels_leave_the_heading_symptom_and_its_relations(rules_extractor):
    found = relations(
        rules_extractor, "Fix the syntax of the rc file.", "R7. The daemon fails to parse its rc file"
    )
    assert found == {
        ("The daemon fails to parse its rc file", "REMEDIED_BY", "Fix the syntax of the rc file")
    }


def test_fix_is_an_instruction():
    assert first_word("Fix the syntax of the rc file.") == "fix"
    assert opens_with_imperative("Fix the syntax of the rc file.")
    assert opens_with_imperative("Please fix the permissions of ~/.netrc.")


def test_a_labelled_workaround_for_some_versions_is_a_fix(rules_extractor):
    text = "Workaround for 1.1.X and later versions of Valgrind: use the --run-libc-freeres=no option."
    found = relations(rules_extractor, text, "Programs crash at exit with a segmentation fault")
    assert found == {
        (
            "Programs crash at exit with a segmentation fault",
            "REMEDIED_BY",
            "use the --run-libc-freeres=no option",
        )
    }


@pytest.mark.parametrize(
    "sentence",
    [
        "Note that this bug should no longer occur with fetch tools newer than 6.2.",
        "This does not happen anymore, if no arrays present in config file, no arrays will be started.",
        "The crash was fixed in version 3.10.",
        "This problem no longer occurs if you upgrade.",
    ],
)
def test_remarks_that_a_problem_is_gone_are_recognised(sentence):
    assert RESOLVED.search(sentence)


def test_a_remark_that_a_bug_is_gone_is_no_symptom(rules_extractor):
    text = "Note that this bug should no longer occur when the server runs version 2 or later."
    assert relations(rules_extractor, text, "The daemon hangs after a while") == set()
    still = "The batteries no longer hold the same charge if they are old."
    assert RESOLVED.search(still) is None


# Chosen on the sudo dev set (tests/data/relations_dev_sudo.json).


def test_a_heading_announcing_an_error_takes_the_quoted_message_as_the_problem(rules_extractor):
    text = (
        "sudo: a terminal is required to read the password; either use the -S\n"
        "      option to read from standard input.\n\n"
        "When running a command via ssh, a terminal is not allocated by default which can cause this "
        "message. Alternately, you may be able to use the ssh-askpass utility to prompt for the password."
    )
    found = relations(rules_extractor, text, "When I try to run sudo via ssh, I get an error:")
    assert found == {
        (
            "sudo: a terminal is required to read the password",
            "CAUSED_BY",
            "a terminal is not allocated by default",
        ),
        (
            "sudo: a terminal is required to read the password",
            "REMEDIED_BY",
            "use the ssh-askpass utility to prompt for the password",
        ),
    }


def test_after_the_quoted_message_the_answer_opens(rules_extractor):
    text = (
        "setuidx(ID_EFFECTIVE|ID_REAL|ID_SAVED, ROOT_UID): Operation not permitted.\n\n"
        "AIX's Enhanced RBAC is preventing sudo from running."
    )
    found = relations(rules_extractor, text, "When I run sudo on AIX I get the following error:")
    assert found == {
        (
            "setuidx: Operation not permitted",
            "CAUSED_BY",
            "AIX's Enhanced RBAC is preventing sudo from running",
        )
    }


@pytest.mark.parametrize(
    ("heading", "symptom"),
    [
        ("The configure scripts says `no acceptable cc found in $PATH`", "no acceptable cc found in $PATH"),
        (
            "When I run configure, it says \"sudo requires the 'ar' utility to build\".",
            "sudo requires the 'ar' utility to build",
        ),
    ],
)
def test_a_heading_that_quotes_what_a_program_says_reports_it(heading, symptom):
    question = question_problem(heading)
    assert question is not None and question.symptom == symptom


def test_you_can_offers_a_fix_only_under_a_problem_heading(rules_extractor):
    text = "You can either copy one from a mozilla-derived browser, such as firefox."
    heading = "Sudo reports a certificate database error"
    assert relations(rules_extractor, text, heading) == {
        (heading, "REMEDIED_BY", "copy one from a mozilla-derived browser, such as firefox")
    }
    assert relations(rules_extractor, text, "How do I use LDAP with sudo?") == set()
    assert relations(rules_extractor, "You can see the log in /var/log.", heading) == set()
    assert relations(rules_extractor, "You can do this via `rm config.cache`.", heading) == set()


def test_the_first_thing_to_try_and_so_you_need_to_are_fixes(rules_extractor):
    heading = "Sudo builds without error but when I run it I get a Segmentation fault."
    text = "On Linux, the first thing to try is to run configure with the --disable-pie option."
    assert relations(rules_extractor, text, heading) == {
        (
            "Sudo builds without error but when I run it I get a Segmentation fault",
            "REMEDIED_BY",
            "run configure with the --disable-pie option",
        )
    }
    text = "For another platform the results will be wrong so you need to remove the cache file."
    found = relations(rules_extractor, text, 'The configure scripts says "config.cache exists"')
    assert ("config.cache exists", "REMEDIED_BY", "remove the cache file") in found


def test_the_first_of_two_causes(rules_extractor):
    text = (
        "There are two common causes for this. The first is that the file system is mounted with the "
        "'nosuid' mount option."
    )
    found = relations(rules_extractor, text, "Sudo fails with effective uid is not 0")
    assert found == {
        (
            "Sudo fails with effective uid is not 0",
            "CAUSED_BY",
            "the file system is mounted with the 'nosuid' mount option",
        )
    }


def test_prompts_and_preferences_are_no_fixes(rules_extractor):
    heading = "Sudo reports a certificate database error"
    assert relations(rules_extractor, "Enter new password: <return>", heading) == set()
    text = "If you do not mind your password being echoed to the screen, use the -S option."
    assert relations(rules_extractor, text) == set()


def test_to_fix_this_remedies_the_problem_of_the_heading(rules_extractor):
    text = (
        "setuidx: Operation not permitted.\n\n"
        "To fix this, add the following entry to /etc/security/privcmds and run the setkst command as root."
    )
    found = relations(rules_extractor, text, "When I run sudo on AIX I get the following error:")
    assert (
        "setuidx: Operation not permitted",
        "REMEDIED_BY",
        "add the following entry to /etc/security/privcmds",
    ) in {(h, t, x[:49]) for h, t, x in found}


def test_a_header_link_mark_after_the_question_is_no_part_of_it():
    question = question_problem("Why does Borg extract hang after some time? \u00b6")
    assert question is not None and question.symptom == "Borg extract hang after some time" and question.why
    assert (
        question_problem("My backup disk is full, what can I do? \u00b6").symptom == "My backup disk is full"
    )


def test_a_bare_to_fix_it_needs_a_problem_the_rules_read(rules_extractor):
    heading = "5. Setting up the network"
    assert relations(rules_extractor, "To fix it, check the cable.", heading) == set()
    assert relations(rules_extractor, "To fix this problem, check the cable.", heading) == {
        ("Setting up the network", "REMEDIED_BY", "check the cable")
    }


def test_an_error_code_before_a_heading_is_no_item_label():
    from graph.faq import strip_item_label

    assert strip_item_label("E47. Motor overheats") == "E47. Motor overheats"
    assert strip_item_label("ALM-3: Low oil level") == "ALM-3: Low oil level"
    assert question_problem("F02: Pump trips").symptom == "F02: Pump trips"
    assert strip_item_label("R1. Fetching fails") == "Fetching fails"
