import pytest

from retrieval.grounding import (
    NOT_FOUND,
    SentenceStream,
    check_answer,
    check_sentence,
    citation_grammar,
    split_sentences,
    unsupported_share,
)
from retrieval.terms import identifiers

SOURCES = {
    1: "Error H-301: ram drifts down under load. Cause: worn piston seal. "
    "Remedy: replace seal kit P/N HS-4410.",
    2: "The label printer ZEBRA-4411 needs a 24 V supply and ISO VG 46 oil in the gearbox.",
}


def test_supported_sentence_passes():
    check = check_sentence(0, "The ram drifts down because the piston seal is worn [1].", SOURCES)
    assert check.supported and check.cited == (1,)


def test_changed_code_is_caught():
    check = check_sentence(0, "Order a new printer ZEBRA-4412 [2].", SOURCES)
    assert not check.supported
    assert check.missing_identifiers == ("ZEBRA-4412",)
    assert "ZEBRA-4412" in check.reason and "[2]" in check.reason


def test_number_must_match_as_a_whole_token_with_its_unit():
    assert check_sentence(0, "It needs a 24 V supply [2].", SOURCES).supported
    assert not check_sentence(0, "It needs a 24 mm supply [2].", SOURCES).supported
    assert not check_sentence(0, "Replace the seal kit HS-441 [1].", SOURCES).supported


def test_code_from_another_source_does_not_count():
    from retrieval.grounding import SupportConfig

    check = check_sentence(0, "Replace seal kit HS-4410 [2].", SOURCES, SupportConfig(recite=False))
    assert not check.supported and check.missing_identifiers == ("HS-4410",)


def test_invented_content_is_unsupported():
    check = check_sentence(
        0, "Tighten the hydraulic accumulator bolts and recalibrate the PLC timer [1].", SOURCES
    )
    assert not check.supported and check.support < 0.6


def test_sentence_without_citation_is_unsupported():
    check = check_sentence(0, "Replace the seal kit.", SOURCES)
    assert not check.supported and check.reason == "cites no source"


def test_stream_hands_out_sentences_when_their_citation_and_end_arrive():
    stream = SentenceStream()
    assert stream.feed("The ram drifts [") == []
    assert stream.feed("1]") == []
    assert stream.feed(". Replace the kit at 3.5 bar [1][2]. Then") == [
        "The ram drifts [1].",
        "Replace the kit at 3.5 bar [1][2].",
    ]
    assert stream.rest() == "Then"


def test_split_sentences_keeps_a_cut_off_tail():
    assert split_sentences("A first one [1]. And a cut") == ["A first one [1].", "And a cut"]


def test_unsupported_share():
    checks = check_answer("Worn piston seal causes it [1]. Buy ZEBRA-9999 [2].", SOURCES)
    assert [c.supported for c in checks] == [True, False]
    assert unsupported_share(checks) == 0.5


def test_identifiers():
    assert identifiers("Set NISPORT to 3551, ISO VG 46 oil at 3.5 bar, see apcupsd.conf") == [
        "NISPORT",
        "3551",
        "ISO",
        "46",
        "3.5 bar",
    ]


def test_chinese_sentence_is_checked_on_characters():
    sources = {1: "故障代码 H-301：负载下滑块下沉。原因：活塞密封磨损。"}
    assert check_sentence(0, "活塞密封磨损 [1]。", sources).supported
    assert not check_sentence(0, "更换电机轴承 [1]。", sources).supported


def test_grammar_lists_every_source_and_the_not_found_answer():
    grammar = citation_grammar(3)
    assert 'num ::= "1" | "2" | "3"' in grammar
    assert NOT_FOUND in grammar
    with pytest.raises(ValueError):
        citation_grammar(0)


def test_checked_stream_follows_each_sentence_with_its_verdict():
    from retrieval.grounding import SentenceCheck, checked_stream

    out = list(checked_stream(["Worn piston seal [", "1]. Buy ZEBRA-9", "999 [2]. And then"], SOURCES))
    kinds = ["check" if isinstance(o, SentenceCheck) else o for o in out]
    assert kinds == ["Worn piston seal [", "1]. Buy ZEBRA-9", "check", "999 [2]. And then", "check", "check"]
    assert [o.supported for o in out if isinstance(o, SentenceCheck)] == [True, False, False]
    assert out[-1].reason == "cut off before citing"


def test_settle_keeps_a_supported_answer_and_falls_back_otherwise():
    from retrieval.grounding import settle

    good = "The piston seal is worn [1]."
    evidence = "- Worn piston seal: replace seal kit (part HS-4410) [1]."
    kept = settle(good, check_answer(good, SOURCES), evidence, SOURCES)
    assert not kept.fell_back and kept.text == good
    bad = "Recalibrate the PLC timer [1]. Order ZEBRA-9999 [2]. The seal is worn [1]."
    fallen = settle(bad, check_answer(bad, SOURCES), evidence, SOURCES)
    assert fallen.fell_back and fallen.text == evidence and all(c.supported for c in fallen.sentences)
    assert not settle(NOT_FOUND, [], evidence, SOURCES).fell_back  # a refusal stays a refusal
    assert not settle(bad, check_answer(bad, SOURCES), "", SOURCES).fell_back  # nothing to fall back to


def test_a_refusal_gives_way_to_evidence_that_covers_the_question():
    from retrieval.grounding import question_coverage, settle

    evidence = "- Worn piston seal: replace seal kit (part HS-4410) [1]."
    covered = "Which seal kit replaces the worn piston seal?"
    assert question_coverage(covered, evidence) >= 0.5
    shown = settle(NOT_FOUND, [], evidence, SOURCES, question=covered)
    assert shown.fell_back and shown.text == evidence and all(c.supported for c in shown.sentences)
    # Evidence that talks around the question leaves the refusal standing.
    around = "What IP protection rating does the press's electrical cabinet have?"
    assert question_coverage(around, evidence) < 0.5
    kept = settle(NOT_FOUND, [], evidence, SOURCES, question=around)
    assert not kept.fell_back and kept.text == NOT_FOUND
    assert not settle(NOT_FOUND, [], "", SOURCES, question=covered).fell_back  # nothing to show instead


def test_a_right_statement_under_the_wrong_number_is_re_cited():
    check = check_sentence(0, "Replace the seal kit HS-4410 [2].", SOURCES)
    assert check.supported and check.cited == (1,)
    assert check.text == "Replace the seal kit HS-4410 [1]." and check.reason.startswith("re-cited")
    from retrieval.grounding import SupportConfig

    strict = check_sentence(0, "Replace the seal kit HS-4410 [2].", SOURCES, SupportConfig(recite=False))
    assert not strict.supported


@pytest.mark.parametrize(
    ("parts", "shown"),
    [
        (["Code H-310", ". [", "1] Check the valve [2]."], "Code H-310 [1]. Check the valve [2]."),
        (["Set it to 3.", "5 bar [1]."], "Set it to 3.5 bar [1]."),
        (["Port 323. [1]", " [2]", " Then [1]."], "Port 323 [1] [2]. Then [1]."),
        (["Ends here.[1]"], "Ends here [1]."),
    ],
)
def test_a_full_stop_before_the_citation_is_shown_after_it(parts, shown):
    from retrieval.grounding import cites_before_period

    assert "".join(cites_before_period(parts)) == shown


def test_the_grammar_may_end_a_sentence_before_citing_only_after_a_number():
    assert '(cites end | [0-9] "." cites)' in citation_grammar(2)
    assert "root ::= notfound | answer" in citation_grammar(2)
    assert "root ::= answer" in citation_grammar(2, may_refuse=False)


def test_a_stream_with_full_stops_first_is_checked_sentence_by_sentence():
    from retrieval.grounding import SentenceCheck, checked_stream

    out = list(checked_stream(["Worn piston seal.", " [1] Buy ZEBRA-9999. [2]"], SOURCES))
    checks = [o for o in out if isinstance(o, SentenceCheck)]
    assert [c.text for c in checks] == ["Worn piston seal [1].", "Buy ZEBRA-9999 [2]."]
    assert [c.supported for c in checks] == [True, False]


def test_an_answer_that_only_repeats_the_question_falls_back_to_the_evidence():
    from retrieval.grounding import repeats_question, settle

    question = "The G query (cause of last transfer) came back with T. What does that mean?"
    assert repeats_question("The G query (cause of last transfer) came back with T [1].", question)
    assert not repeats_question("T means a line voltage notch or spike [1].", question)
    # One new word can be the whole answer.
    assert not repeats_question("Replace the battery [1].", "UPS says battery disconnected, what do I check?")
    assert not repeats_question(
        "Use the -t argument: `upsdrvctl -t shutdown` [1].", "How do I test the shutdown?"
    )
    assert not repeats_question(
        "There are 20 work orders for excavator A [1].", "How many work orders has A?"
    )
    sources = {
        1: "When the G query (cause of last transfer) came back with T, it means a line voltage "
        "notch or spike."
    }
    echo = "The G query (cause of last transfer) came back with T [1]."
    evidence = "T: line voltage notch or spike [1]."
    settled = settle(echo, check_answer(echo, sources), evidence, sources, question=question)
    assert settled.fell_back and settled.text == evidence
    answer = f"{echo} T means a line voltage notch or spike [1]."
    assert not settle(answer, check_answer(answer, sources), evidence, sources, question=question).fell_back


def test_a_code_written_against_chinese_characters_is_found_whole():
    from retrieval.terms import missing_identifiers

    assert missing_identifiers("端口是3551 [1]。", "NIS 服务器端口设为3551即可。") == ()
    assert missing_identifiers("端口是355 [1]。", "NIS 服务器端口设为3551即可。") == ("355",)
