"""Precision guards of the relation rules (issue 13, session 12): no rule reads a listing, a condition
that is no fault causes nothing, an anaphoric condition that narrows the problem fixes nothing of the
heading, and names lose hedges and filler."""

from functools import partial

from graph.code_lines import code_lines, code_spans, prose_pieces
from graph.prose import pointer_fix

from .relations_under import relations_under

relations = partial(relations_under, "Guide")


def test_code_lines_are_listings_configuration_and_console_sessions():
    text = (
        "Add the unit below and reload the daemon:\n\n"
        "[Service]\nType=simple\nExecStart=/usr/bin/pumpd --watch\n\n"
        "$ pumpctl status\nstatus: degraded\n\n"
        "Check the log. It should say something like\n\n"
        "        pump:  ok\n\n"
        "def reload():\n    try:\n        restart_pump(timeout=9)# Define the loop.\n"
    )
    found = code_lines(text)
    assert {"[Service]", "Type=simple", "$ pumpctl status", "status: degraded", "pump: ok", "def reload():"} <= found
    assert "restart_pump(timeout=9)# Define the loop." in found
    assert not any(line.startswith(("Add the unit", "Check the log")) for line in found)
    # a label on a line of its own is prose: "Solution:\nConfigure ..." keeps its instruction
    assert code_lines("Solution:\nConfigure the right scheme.\n\nWorkaround:\nRestart it.") == set()


def _pieces(text: str, start: int = 0) -> list[tuple[str, int]]:
    """The prose pieces of the one sentence ``text`` standing at ``start`` in a chunk of its own."""
    source = "\n" * start + text
    return prose_pieces(text, start, source, code_spans(source, code_lines(source)))


def test_a_sentence_running_into_a_listing_keeps_its_words_before_it():
    text = "Make sure it says something like\n\n        pump: ok\n\nagain, to be sure."
    assert _pieces(text, 5) == [("Make sure it says something like", 5)]
    assert _pieces("Run make in the build directory.") == [("Run make in the build directory.", 0)]
    assert _pieces("$ pumpctl start\nis what you run") == []
    # starts inside a code line (the splitter cut "restart_pump(...)# Define the loop." after "#")
    assert prose_pieces("Define the loop.", 40, " " * 40 + "Define the loop.", [(20, 60)]) == []


def test_only_the_code_lines_inside_a_sentence_cut_it():
    # "/dev/ttyS0" listed further down cuts nothing of the sentence that names it
    text = (
        "The daemon hangs because a getty holds /dev/ttyS0 open and the lock file stays behind.\n\n"
        "The device is:\n\n    /dev/ttyS0\n"
    )
    assert code_lines(text) == {"/dev/ttyS0"}
    first = text.split("\n")[0]
    assert prose_pieces(first, 0, text, code_spans(text, code_lines(text))) == [(first, 0)]
    # a path wrapped inside a clause is no listing
    text = "The daemon hangs because the serial device\n/dev/ttyS0\nis locked by a getty running on it."
    assert code_lines(text) == set()
    # a listing that cuts a clause in two leaves no half of it; a sentence after a blank line is read
    text = "The lock file lives in\n\n/var/run/pumpd.pid\n\nThe daemon crashes because the lock file is stale."
    assert _pieces(text) == [("The daemon crashes because the lock file is stale.", text.index("The daemon"))]


def test_a_sentence_after_a_listing_states_its_relations(rules_extractor):
    text = (
        "The daemon hangs because a getty holds /dev/ttyS0 open and the lock file stays behind.\n\n"
        "The device is:\n\n    /dev/ttyS0\n"
    )
    cause = "a getty holds /dev/ttyS0 open and the lock file stays behind"
    assert relations(rules_extractor, text) == {("The daemon hangs", "CAUSED_BY", cause)}
    text = "The lock file lives in\n\n/var/run/pumpd.pid\n\nThe daemon crashes because the lock file is stale."
    assert relations(rules_extractor, text) == {("The daemon crashes", "CAUSED_BY", "the lock file is stale")}


def test_no_rule_reads_a_program_listing(rules_extractor):
    text = (
        "The service below reloads the rules after every restart.\n\n"
        "def reload_rules():\n"
        "    try:\n"
        "        run(['pumpctl', 'reload'], timeout=90)\n"
        "    except TimeoutExpired as t:\n"
        '        sys.stderr.write(f"Reload failed due to Timeout {t}")\n'
        "    try:\n"
        "        DBusMainLoop(set_as_default=True)# Define the loop.\n"
        "        loop = MainLoop()\n"
    )
    found = relations(rules_extractor, text, "Pump rules are lost after a restart")
    assert found == set()


def test_an_anaphoric_condition_that_narrows_the_problem_fixes_nothing_of_the_heading(rules_extractor):
    text = "Check the pressure value on the gauge. If it's over 600, change it in the controller settings."
    found = relations(rules_extractor, text, "The pump randomly fails with alarm 7")
    assert not any(tail.startswith("change it") for _, _, tail in found)
    # "If this happens" is the heading's problem itself
    found = relations(rules_extractor, "If this happens, restart the controller.", "The pump randomly fails")
    assert found == {("The pump randomly fails", "REMEDIED_BY", "restart the controller")}
    # when or how often it happens is still the heading's problem, not a narrower case of it
    heading = "The printer does not print"
    for condition in ("this happens again", "this still happens after a reboot", "this occurs frequently"):
        found = relations(rules_extractor, f"If {condition}, reinstall the driver.", heading)
        assert found == {(heading, "REMEDIED_BY", "reinstall the driver")}, condition
    found = relations(rules_extractor, "If it happens with the old driver, reinstall the driver.", heading)
    assert (heading, "REMEDIED_BY", "reinstall the driver") not in found


def test_a_condition_that_states_no_fault_causes_nothing(rules_extractor):
    text = "If the values are the same, the file is assumed unchanged and its contents won't get copied again."
    assert relations(rules_extractor, text) == set()
    text = "When I send myself a test message, the mail bounces with the message: cannot execute binary file."
    assert relations(rules_extractor, text) == set()


def test_a_diagnosis_needs_a_fault_that_is_seen(rules_extractor):
    text = "When running the pump as an unprivileged user, the pump is stopped upon logout and is not kept running."
    assert relations(rules_extractor, text) == set()
    text = (
        "When doing a `pump fetch` command and a common profile cannot be loaded, it is likely that the "
        "profiles.conf file is not installed."
    )
    assert relations(rules_extractor, text) == {
        ('a common profile cannot be loaded', "CAUSED_BY", "the profiles.conf file is not installed")
    }


def test_a_diagnosis_of_the_headings_fault_names_the_heading(rules_extractor):
    text = (
        "If you encounter a `valve: device not found` error when starting the pump, it is likely that the "
        "valve driver has not been loaded on your controller."
    )
    found = relations(rules_extractor, text, "Pump start fails with `valve: device not found`")
    assert found == {
        (
            "Pump start fails with `valve: device not found`",
            "CAUSED_BY",
            "the valve driver has not been loaded on your controller",
        )
    }


def test_names_lose_filler_and_the_problem_is_that_lead(rules_extractor):
    text = (
        "If the sensor tests fine, the most benign and typical problem is that the controller had a "
        "momentary seizure due to memory exhaustion."
    )
    found = relations(rules_extractor, text)
    assert ("the controller had a momentary seizure", "CAUSED_BY", "memory exhaustion") in found
    text = "The pump fails because your inlet valve has closed for some obscure reason."
    assert relations(rules_extractor, text) == {("The pump fails", "CAUSED_BY", "your inlet valve has closed")}


def test_an_instruction_that_points_at_the_listing_after_it_is_no_fix():
    assert pointer_fix("Make sure it says something like")
    assert pointer_fix("verify whether delegation is enabled by running the following command:")
    assert not pointer_fix("Make sure it says ServerAlive in the client configuration")
    assert pointer_fix("The line should look like:")
    # "like" and "the following" without a listing to point at are parts of a fix
    assert not pointer_fix("Rename the file to whatever you like")
    assert not pointer_fix("Use any editor you like")
    assert not pointer_fix("Restart the daemon with the following option")


def test_to_fix_this_remedies_the_cause_the_sentence_before_states(rules_extractor):
    heading = "The pump controller fails with alarm 7 at startup"
    text = "This usually happens when the relay firmware is outdated. To fix this, upgrade the relay firmware."
    found = relations(rules_extractor, text, heading)
    assert ("the relay firmware is outdated", "REMEDIED_BY", "upgrade the relay firmware") in found
    assert not any(rel == "REMEDIED_BY" and head == heading for head, rel, _ in found)
    # a statement with no cue phrase before "To fix this" is the cause
    text = "In firmware 2.x, the watchdog is disabled by default. To fix this, set WATCHDOG=yes in the config file."
    found = relations(rules_extractor, text, heading)
    # ... and causes the heading's problem, so the fix is reachable from it
    assert found == {
        (heading, "CAUSED_BY", "the watchdog is disabled by default"),
        ("the watchdog is disabled by default", "REMEDIED_BY", "set WATCHDOG=yes in the config file"),
    }
    text = (
        "In Red Hat Linux 6.x, SMTP is disabled by default. To fix this, set DAEMON=yes in "
        "/etc/sysconfig/sendmail and restart sendmail."
    )
    found = relations(rules_extractor, text, "Mail is not delivered")
    assert ("Mail is not delivered", "CAUSED_BY", "SMTP is disabled by default") in found
    fix = "set DAEMON=yes in /etc/sysconfig/sendmail and restart sendmail"
    assert ("SMTP is disabled by default", "REMEDIED_BY", fix) in found
    # "... to prevent this" later in the sentence, after a stated cause
    text = (
        "This may happen when the link is stuck on the far side. You can configure the client to prevent "
        "this by sending keep-alive requests."
    )
    found = relations(rules_extractor, text, heading)
    fix = "configure the client to prevent this by sending keep-alive requests"
    assert ("the link is stuck on the far side", "REMEDIED_BY", fix) in found


def test_to_fix_this_problem_or_after_a_remark_remedies_the_problem_at_hand(rules_extractor):
    heading = "The pump controller fails with alarm 7 at startup"
    text = "There can be various reasons. To fix it, check the relay firmware."
    assert relations(rules_extractor, text, heading) == {(heading, "REMEDIED_BY", "check the relay firmware")}
    text = "Many users have reported this. To fix this problem, upgrade the relay firmware."
    assert (heading, "REMEDIED_BY", "upgrade the relay firmware") in relations(rules_extractor, text, heading)


def test_then_joins_two_fixes(rules_extractor):
    text = "To fix this problem, set WATCHDOG=yes in the config file, then restart the controller."
    found = relations(rules_extractor, text, "The pump controller fails with alarm 7 at startup")
    assert {tail for _, _, tail in found} == {"set WATCHDOG=yes in the config file", "restart the controller"}


def test_when_names_a_circumstance_not_a_cause(rules_extractor):
    text = "By default, the share is not entirely compliant when renaming files over the old protocol."
    assert relations(rules_extractor, text) == set()
    text = "The display does not light up if the fuse has blown."
    assert relations(rules_extractor, text) == {("The display does not light up", "CAUSED_BY", "the fuse has blown")}


def test_a_question_about_a_missing_feature_reports_no_problem():
    from graph.faq import question_problem

    assert question_problem("Why isn't there more progress information displayed?") is None
    assert question_problem("Why is there no Windows port?") is None
    assert question_problem("Why doesn't the pump start?") is not None
    # no sound, no output, no entries: something the program should give and doesn't is a fault
    assert question_problem("Why is there no sound after upgrading?") is not None
    assert question_problem("Why is there no output in the log file?") is not None
    assert question_problem("Why aren't there any entries in the syslog?") is not None
    assert question_problem("Why isn't there a GUI?") is None


def test_this_means_further_down_explains_the_sentence_before_not_the_heading(rules_extractor):
    heading = "The pump setup fails: invalid argument"
    text = (
        "Update the users file with one line per user. The format of this file is NAME:ID:RANGE. "
        "This means john is allocated IDs 100000-165535 as well as his own ID."
    )
    found = relations(rules_extractor, text, heading)
    assert not any(rel == "CAUSED_BY" for _, rel, _ in found)
    # "This error indicates X" still explains the heading's error
    text = "The pump links a helper library. This error indicates that the helper library is missing."
    found = relations(rules_extractor, text, heading)
    assert (heading, "CAUSED_BY", "the helper library is missing") in found


def test_the_fix_after_an_opening_statement_of_the_fault_repairs_that_fault(rules_extractor):
    heading = "The relay cannot be reset while the pump runs."
    text = "Q: The relay cannot be reset while the pump runs.\nA: The controller failed to change the owner of the relay port. You need to install the controller setuid-root."
    found = relations(rules_extractor, text, heading)
    cause = "The controller failed to change the owner of the relay port"
    assert (cause, "REMEDIED_BY", "install the controller setuid-root") in found
    # a check narrows the problem down: it stays with the problem
    text = "Q: The relay cannot be reset while the pump runs.\nA: The controller failed to change the owner of the relay port. Check the controller log."
    found = relations(rules_extractor, text, heading)
    assert ("The relay cannot be reset while the pump runs", "REMEDIED_BY", "Check the controller log") in found


def test_a_generic_cause_names_nothing(rules_extractor):
    text = "Q: The display vanishes after a reset.\nA: This is a known bug. There is no easy fix."
    assert relations(rules_extractor, text, "The display vanishes after a reset.") == set()


def test_a_settings_reason_and_a_pointer_at_the_message_cause_nothing(rules_extractor):
    heading = 'I get a message saying "peer authentication required". Why?'
    text = (
        "Q: I get a message saying \"peer authentication required\". Why?\n"
        "A: On machines which don't have a default route, the daemon does not require the peer to "
        "authenticate itself. The reason is that such machines would mostly be dialling out."
    )
    found = relations(rules_extractor, text, heading)
    assert not any("dialling out" in tail for _, _, tail in found)
    # a fault in the main clause: the reason is its cause, whatever the lead clause says
    heading = "Why does the daemon crash at startup?"
    text = (
        f"Q: {heading}\nA: On systems where the disk is full, the daemon crashes at startup. The reason is "
        "that it cannot write its pid file."
    )
    found = relations(rules_extractor, text, heading)
    assert any(rel == "CAUSED_BY" and tail == "it cannot write its pid file" for _, rel, tail in found)
    text = "If characters are corrupted on the line, the peer sends reject messages, resulting in the above message."
    assert relations(rules_extractor, text) == set()


def test_appears_to_be_a_result_of_names_a_cause(rules_extractor):
    heading = "R3. The pump controller crashes when given an invalid config file."
    text = "This has been seen on old systems. The problem appears to be a result of building with an archaic compiler."
    found = relations(rules_extractor, text, heading)
    assert ("The pump controller crashes when given an invalid config file", "CAUSED_BY",
            "building with an archaic compiler") in found


def test_a_url_split_at_its_dots_and_a_pronoun_reason_name_nothing(rules_extractor):
    text = (
        "This can happen when the image was built for another architecture (as happened in "
        "https://example.org/pump/issues/3323 due to https://example.org/relay/issues/564)."
    )
    assert not any("example" in name for rel in relations(rules_extractor, text) for name in (rel[0], rel[2]))
    text = 'WARN Can\'t stat lower layer "/var/lib/pump/l/7HS76" because it does not exist. Rebuilding the links.'
    assert relations(rules_extractor, text) == set()


def test_a_repair_right_after_the_answers_opening_cause_remedies_that_cause(rules_extractor):
    heading = "15. When sending mail I sometimes get back an error saying: \"User has no valid shell.\""
    # a numbered FAQ's chunk repeats its question above the answer: the answer still opens after it
    text = (
        f"{heading}\n\nThis indicates that the login shell of the recipient is not present in /etc/shells. "
        "Contact your administrator to put the name of that shell in /etc/shells."
    )
    found = relations(rules_extractor, text, heading)
    cause = "the login shell of the recipient is not present in /etc/shells"
    assert ("User has no valid shell", "CAUSED_BY", cause) in found
    assert (cause, "REMEDIED_BY", "Contact your administrator to put the name of that shell in /etc/shells") in found


def test_a_cause_of_a_prose_symptom_keeps_the_fix_with_the_symptom(rules_extractor):
    heading = "1. How do I wipe the label?"
    text = (
        "Overwriting the first blocks of the disk with zeros won't work, since the label may be at other "
        "locations. Therefore always use pumpadm --wipe-label."
    )
    symptom = "Overwriting the first blocks of the disk with zeros won't work"
    assert relations(rules_extractor, text, heading) == {
        (symptom, "CAUSED_BY", "the label may be at other locations"),
        (symptom, "REMEDIED_BY", "use pumpadm --wipe-label"),
    }
