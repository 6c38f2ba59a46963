"""Which part of a passage a Passage candidate shows (graph.diagnose_rank.answer_excerpt)."""

from __future__ import annotations

from graph.diagnose_rank import (
    MAX_EXCERPT_CHARS,
    PassageHit,
    answer_excerpt,
    merge,
    passage_causes,
    passage_items,
    passage_order,
    terms,
)
from graph.faq import question_line

# Questions as bold list items in the passage's text, under a section heading (the cryptsetup FAQ).
BOLD_ITEMS = PassageHit(
    "c1",
    "faq",
    None,
    "As a debugging aid, call the tool with --version from cron.\n"
    "**3.4 Unlocking a LUKS device takes very long. Why?**\n"
    "The unlock time for a key-slot is calculated when setting a passphrase. "
    "If you set a passphrase on a fast machine and then unlock it on a slow machine, it takes longer.\n"
    "You can also use the -i option to reduce iteration time.\n"
    "**3.5 The tool sees two UUIDs on the same device. What is wrong?**\n"
    "Some old versions do not wipe the header. Fix: wipe the unused header areas.",
    "3. Common Problems",
)


def test_a_bold_question_in_the_text_names_the_excerpt_which_shows_its_answer_and_stops_at_the_next():
    name, excerpt = answer_excerpt(terms("unlocking a LUKS device takes very long"), BOLD_ITEMS)
    assert name == "Unlocking a LUKS device takes very long. Why?"
    assert excerpt.startswith("The unlock time for a key-slot")
    assert "-i option" in excerpt
    assert "UUID" not in excerpt and "cron" not in excerpt


def test_labelled_questions_and_question_marks_cut_a_passage_into_items():
    text = (
        "Q: Why does the daemon refuse to start on boot?\n"
        "A: The interface has no address yet. Use the --interface flag.\n"
        "Is the cache kept across reboots?\n"
        "No, it is not saved."
    )
    items = passage_items(PassageHit("c2", "faq", None, text, "FAQ"))
    assert [i.question for i in items] == [
        "Why does the daemon refuse to start on boot?",
        "Is the cache kept across reboots?",
    ]
    name, excerpt = answer_excerpt(
        terms("daemon refuses to start at boot"), PassageHit("c2", "faq", None, text, "FAQ")
    )
    assert name.startswith("Why does the daemon") and "--interface" in excerpt and "cache" not in excerpt


def test_the_excerpt_may_start_before_the_best_sentence_to_hold_more_of_the_complaint():
    # The answer runs on from the previous passage: its first lines name the checksums and the
    # mismatch, a later sentence only copying data (the cryptsetup FAQ's RAM item).
    hit = PassageHit(
        "c3",
        "faq",
        None,
        'and then a "md5sum -c checksum-file" on the other side.\n'
        "If you get mismatches here, RAM is the primary suspect. A lesser suspect is an overclocked CPU.\n"
        + "Filler sentence about nothing in particular. " * 6
        + "\nI have found countless hardware problems after copying data or making backups.",
        "4. Troubleshooting",
    )
    _, excerpt = answer_excerpt(terms("md5sum checksums mismatch after copying large amounts of data"), hit)
    assert excerpt.startswith('and then a "md5sum')
    assert "RAM is the primary suspect" in excerpt and len(excerpt) <= MAX_EXCERPT_CHARS


def test_a_word_joined_by_a_slash_names_both_parts():
    text = (
        "**3.1 My dm-crypt/LUKS mapping does not work! What general steps are there?**\n"
        "Check that the device mapper is in your kernel.\n"
        "**3.2 My dm-crypt mapping suddenly stopped when upgrading.**\n"
        "The default cipher may have changed."
    )
    name, excerpt = answer_excerpt(
        terms("my dm-crypt LUKS mapping does not work"), PassageHit("c4", "faq", None, text, "3. Problems")
    )
    assert name.startswith("My dm-crypt/LUKS mapping") and "device mapper" in excerpt


def test_text_before_the_first_question_is_named_by_the_heading_path():
    [shown] = passage_causes("debugging aid cron version", [BOLD_ITEMS])
    assert shown.name == "3. Common Problems" and shown.excerpt.startswith("As a debugging aid")


def test_a_passage_sharing_no_word_with_the_complaint_shows_nothing():
    assert answer_excerpt(terms("printer jams"), BOLD_ITEMS) is None


def test_question_lines():
    assert question_line("  * **3.4 Unlocking takes very long. Why?**") == "Unlocking takes very long. Why?"
    assert (
        question_line("**8.2 cryptsetup on SLED 10 has problems...**")
        == "cryptsetup on SLED 10 has problems..."
    )
    assert question_line("Q: Why does it fail?") == "Why does it fail?"
    assert question_line("Question 3: What now?") == "What now?"
    assert question_line("5.6. What if my computer has no RTC?", "the end of an answer.") == (
        "What if my computer has no RTC?"
    )
    # Emphasis, answers and plain sentences are no questions.
    assert question_line("**Warning**") is None
    assert question_line("A: Why not?") is None
    assert question_line("Check the cable.") is None
    # In hard-wrapped text, a quoted message's second line may end in "?": it starts no sentence.
    assert (
        question_line("'nosuid' option set or an NFS file system?", "effective uid is not 0, is it on a")
        is None
    )
    assert question_line("x" * 300 + "?") is None


def test_a_sentence_that_does_not_fit_is_skipped_and_the_fix_after_it_still_shown():
    # The dnsmasq FAQ's syslog answer: the fix follows a long explanation that the room left
    # cannot hold.
    text = (
        "If you use network logging, the syslog daemon will do DNS lookups for each log line. "
        # sized to the budget: the short sentences fill two thirds of it, the long one 40 %
        + "With bad timing, the daemons wait for each other and both hang forever. "
        * (MAX_EXCERPT_CHARS * 2 // 3 // 73)
        + "In this case most queries generate two log lines, "
        + "and those generate two more lines, " * (MAX_EXCERPT_CHARS * 2 // 5 // 35)
        + "a chain reaction runaway. "
        + "\nTo avoid this, use syslog-ng and turn on its dns-cache function."
    )
    _, excerpt = answer_excerpt(
        terms("syslog daemon hangs with network logging"), PassageHit("s", "faq", None, text, "Syslog")
    )
    assert excerpt.startswith("If you use network logging")
    assert excerpt.endswith("… To avoid this, use syslog-ng and turn on its dns-cache function.")
    assert len(excerpt) <= MAX_EXCERPT_CHARS


def test_a_later_start_shows_the_answers_opening_first():
    # The dnsmasq FAQ's local names item: the complaint's words lie at the answer's end, its cause
    # at its start; the excerpt shows both, "…" marking what is left out between them.
    text = (
        "A: Resolver code sometimes does strange things with names without any dots in.\n"
        + "Some systems may not use the DNS at all and look the name up another way. "
        * (MAX_EXCERPT_CHARS // 75)
        + "\nPing of a local host fails but ping with a final dot works. "
        "The solution is to set a domain for all your hosts and name them so in /etc/hosts."
    )
    _, excerpt = answer_excerpt(
        terms("ping of a local host name from /etc/hosts fails"), PassageHit("r", "faq", None, text, "FAQ")
    )
    assert excerpt.startswith("A: Resolver code sometimes does strange things")
    assert "… Ping of a local host fails" in excerpt and excerpt.endswith("in /etc/hosts.")
    assert len(excerpt) <= MAX_EXCERPT_CHARS


def test_passage_order_puts_the_excerpt_holding_more_first_and_merge_only_when_asked():
    complaint = "laptop gets a different address on the wireless interface"
    vague = PassageHit("v", "faq", None, "The address of the laptop is shown in the log.", "Logs")
    exact = PassageHit(
        "e",
        "faq",
        None,
        "A laptop with a wireless interface sends another MAC address. Use a client-id.",
        "DHCP",
    )
    also_vague = PassageHit("w", "faq", None, "Every interface has an address.", "Interfaces")
    assert [p.chunk_id for p in passage_order(complaint, [vague, also_vague, exact])] == ["e", "v", "w"]
    shown = merge(complaint, [], [vague, also_vague, exact], reorder=True)
    assert [c.cites[0].chunk_id for c in shown] == ["e", "v", "w"]
    assert [c.score for c in shown] == [0.3, 0.15, 0.1]
    # By default the merge keeps retrieval's order: hybrid search already read heading and text.
    shown = merge(complaint, [], [vague, also_vague, exact])
    assert [c.cites[0].chunk_id for c in shown] == ["v", "w", "e"]
    assert [c.score for c in shown] == [0.3, 0.15, 0.1]


def test_text_under_a_generic_heading_is_asked_by_the_whole_heading_path():
    # A Markdown guide's "### 9) Newuidmap missing … > #### Solution": the fix's own words share
    # none with the complaint; the issue's title in the heading path does.
    complaint = "rootless podman complains newuidmap executable file not found"
    solution = PassageHit(
        "s",
        "guide",
        None,
        "Install a version of shadow-utils that includes these executables.",
        "Troubleshooting > 9) Newuidmap missing when running rootless Podman commands > Solution",
    )
    found = answer_excerpt(terms(complaint), solution)
    assert found is not None
    name, excerpt = found
    assert name.endswith("Newuidmap missing when running rootless Podman commands > Solution")
    assert excerpt == "Install a version of shadow-utils that includes these executables."
    # Under an unrelated heading the same text shares no word with the complaint: not shown.
    other = PassageHit("o", "guide", None, solution.text, "Troubleshooting > 4) TLS errors > Solution")
    assert answer_excerpt(terms(complaint), other) is None


def test_table_rows_stay_sentences_of_their_own_while_wrapped_lines_are_joined():
    # graph.sentences joins a hard-wrapped line to a long one before it; a parsed table's rows
    # ("a | b | c") are long lines too and must not run into one sentence.
    rows = (
        "Error code | Symptom | Cause | Remedy | Part number\n"
        "H-301 | ram drifts down under load | worn piston seal | replace seal kit | HS-4410\n"
        "H-302 | pump whines and pressure gauge needle flutters | low oil level | top up oil | HF-2210"
    )
    [item] = passage_items(PassageHit("t", "press", 1, rows, "Fault table"))
    assert len(item.sentences) == 3 and item.sentences[1].startswith("H-301")
    wrapped = (
        "If correcting the tty driver setting and the environment variables does not help,\n"
        "look up the terminal capability definition, e.g. in /etc/termcap."
    )
    [item] = passage_items(PassageHit("w", "faq", None, wrapped, "Size"))
    assert item.sentences == (" ".join(wrapped.split("\n")),)


def test_a_further_chunk_of_an_item_the_list_shows_is_asked_by_the_items_title():
    # Podman's "16) RHEL 7 ... cgroup v2": the complaint matches the Symptom chunk only; the
    # Solution chunk behind it (the Diagnose page's search puts an item's chunks together) shares
    # no word with the complaint, and was left out though it holds the fixes.
    complaint = "systemctl inside a rhel7-init container says Failed to get D-Bus connection"
    issue = "Troubleshooting > 16) RHEL 7 and CentOS 7 based init images don't work with cgroup v2"
    symptom = PassageHit(
        "y", "guide", None, "$ systemctl status\nFailed to get D-Bus connection", f"{issue} > Symptom"
    )
    fix = "You can configure the host to use cgroup v1."
    solution = PassageHit("n", "guide", None, fix, f"{issue} > Solution")
    shown = passage_causes(complaint, [symptom, solution])
    assert [c.cites[0].chunk_id for c in shown] == ["y", "n"]
    assert shown[1].excerpt == fix
    # alone, or under another item than the one shown, it stays out
    assert passage_causes(complaint, [solution]) == []
    other = PassageHit("o", "guide", None, fix, "Troubleshooting > 4) TLS errors > Solution")
    assert [c.cites[0].chunk_id for c in passage_causes(complaint, [symptom, other])] == ["y"]


def test_an_item_whose_only_match_repeats_an_excerpt_shown_is_not_shown_and_pulls_no_sibling():
    # The same manual twice (HTML, DOCX): the copy's Symptom chunk is left out as a repeat, so its
    # Solution chunk, sharing no word with the complaint, has no shown item to follow.
    complaint = "systemctl inside a rhel7-init container says Failed to get D-Bus connection"
    text = "$ systemctl status\nFailed to get D-Bus connection"
    first = PassageHit("html", "html", None, text, "Guide > 16) RHEL 7 init images > Symptom")
    again = PassageHit("docx-y", "docx", None, text, "Guide > 16) RHEL 7 init images > Symptom")
    solution = PassageHit(
        "docx-n",
        "docx",
        None,
        "You can configure the host to use cgroup v1.",
        "Guide > 16) RHEL 7 init images > Solution",
    )
    shown = passage_causes(complaint, [first, again, solution])
    assert [c.cites[0].chunk_id for c in shown] == ["html"]


def test_a_record_passage_is_marked_as_one():
    row = PassageHit("row-1", "orders", None, "BUCKET WON'T OPEN after greasing", "orders", kind="record")
    manual = PassageHit("m-1", "manual", 3, "If the bucket won't open, check the pilot pressure.", "Bucket")
    shown = passage_causes("bucket won't open", [row, manual])
    assert [(c.cites[0].chunk_id, c.from_record) for c in shown] == [("row-1", True), ("m-1", False)]


def test_a_chunk_opening_with_its_own_heading_is_asked_by_the_whole_heading_path():
    # chrony's FAQ: each 3.x chunk repeats its heading as its first line, which reads as a
    # question line; the complaint is section 3's title, which only the heading path holds.
    firewall = PassageHit(
        "f1",
        "chrony",
        None,
        "3.1. Behind a firewall?\nCheck the Reach value printed by the chronyc's sources command. "
        "If there is a firewall between you and the server, the packets might be blocked.",
        "3. Computer is not synchronising > 3.1. Behind a firewall?",
    )
    shown = passage_causes("computer is not synchronising", [firewall])
    assert [c.name for c in shown] == ["Behind a firewall?"]
    assert "packets might be blocked" in shown[0].excerpt
    # a question line other than the heading is still asked by its own words only
    other = PassageHit(
        "f2", "chrony", None, firewall.text, "3. Computer is not synchronising > 3.2. Offline?"
    )
    assert passage_causes("computer is not synchronising", [other]) == []


def test_question_lines_with_no_answer_between_are_a_checklist_the_excerpt_shows():
    # A troubleshooting page asks the causes as a checklist; read as FAQ items with no answer,
    # each question was dropped and the excerpt showed the text after the last one.
    text = (
        "If the pump does not start, check the following items:\n"
        "Is the pump switched on at the wall?\n"
        "Is the float switch stuck in the low position?\n"
        "Is the impeller jammed by debris?\n"
        "Wiring\n"
        "Measure the supply voltage at the terminal block."
    )
    passage = PassageHit("c9", "guide", None, text, "Guide > Pump does not start")
    items = passage_items(passage)
    assert len(items) == 1 and "Is the float switch stuck in the low position?" in items[0].sentences
    name, excerpt = answer_excerpt(terms("the pump won't start"), passage)
    assert name == "Guide > Pump does not start"
    for cause in ("switched on at the wall", "float switch stuck", "impeller jammed"):
        assert cause in excerpt


def test_a_question_line_with_an_answer_still_opens_an_item_after_a_checklist():
    text = (
        "Check these first:\n"
        "Is the pump switched on?\n"
        "\n"
        "Is the float free?\n"
        "Measure the voltage.\n"
        "Why does the pump hum but not turn?\n"
        "The start capacitor has failed. Replace it."
    )
    items = passage_items(PassageHit("c10", "guide", None, text, "Pump"))
    assert [i.question for i in items] == ["Pump", "Why does the pump hum but not turn?"]
    assert "Is the float free?" in items[0].sentences
