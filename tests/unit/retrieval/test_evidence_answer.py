from retrieval.evidence_answer import Chain, best_sentences, build
from retrieval.grounding import check_answer
from retrieval.prompt import Source

FAULT_TABLE = (
    "| Code | Symptom | Cause | Remedy | Part |\n"
    "| H-301 | Ram drifts down under load | Worn piston seal | Replace seal kit | HS-4410 |\n"
    "| H-302 | Pump noisy | Air in suction line | Top up ISO VG 46 oil and bleed the suction line | - |"
)


def _source(number, text, chunk, kind="passage"):
    return Source(
        kind=kind, text=text, chunk_id=chunk, title="Press manual", chunk_ids=(chunk,), number=number
    )


def test_troubleshooting_with_chains_gets_a_cited_cause_card():
    sources = [_source(1, FAULT_TABLE, "c1"), _source(2, "Other page.", "c2")]
    chains = [
        Chain("H-301", "worn piston seal", "replace seal kit", ("HS-4410",), ("c1",)),
        Chain("H-301", "worn piston seal", "replace seal kit", ("HS-4410",), ("c1",)),  # duplicate
        Chain("H-301", "unknown cause", "nothing", (), ("not-a-source",)),  # cannot be cited
    ]
    answer = build("H-301 ram drifts down, what do I check?", "troubleshooting", sources, chains)
    assert answer.kind == "causes"
    assert answer.items == [
        {
            "symptom": "H-301",
            "cause": "worn piston seal",
            "fix": "replace seal kit",
            "parts": ["HS-4410"],
            "cites": [1],
        }
    ]
    assert answer.text == "- Worn piston seal: replace seal kit (part HS-4410) [1]."
    assert all(c.supported for c in check_answer(answer.text, {1: FAULT_TABLE}))


def test_other_questions_get_the_best_matching_sentences_with_citations():
    manual = (
        "The Network Information Server lets clients query the daemon. "
        "To reach it through a firewall, open NISPORT (default: TCP 3551) on the server. "
        "The weather has no influence on the UPS."
    )
    sources = [_source(1, manual, "a"), _source(2, "Batteries last three to five years.", "b")]
    answer = best_sentences("Which port must be opened in the firewall for the NIS?", sources)
    assert answer.kind == "extract"
    assert "NISPORT (default: TCP 3551) on the server [1]." in answer.text
    assert all(c.supported for c in check_answer(answer.text, {1: manual, 2: sources[1].text}))


def test_no_matching_sentence_gives_nothing():
    sources = [_source(1, "Completely unrelated words about gardening tools.", "a")]
    assert best_sentences("hydraulic ram drift", sources).kind == "none"


def test_troubleshooting_without_chains_falls_back_to_sentences():
    sources = [_source(1, FAULT_TABLE, "c1")]
    answer = build("pump noisy what to do", "troubleshooting", sources, [])
    assert answer.kind == "extract" and "[1]" in answer.text


def test_a_table_row_is_quoted_with_its_header():
    table = (
        "Error code | Symptom | Cause | Remedy | Part number\n"
        "H-301 | ram drifts down under load | worn piston seal | replace seal kit | HS-4410\n"
        "H-305 | oil temperature above 60 °C after an hour | clogged return-line cooler "
        "| clean the cooler core | HC-7730"
    )
    answer = best_sentences("Oil gets too hot after an hour of cycling, cause?", [_source(1, table, "t")])
    assert answer.items[0]["text"] == (
        "Error code: H-305; Symptom: oil temperature above 60 °C after an hour; "
        "Cause: clogged return-line cooler; Remedy: clean the cooler core; Part number: HC-7730"
    )


def test_a_long_sentence_is_shortened_at_a_word_boundary():
    long = "The daemon reads its configuration from " + "a very long list of places " * 20 + "apcupsd16.html."
    answer = best_sentences("where does the daemon read its configuration", [_source(1, long, "l")])
    assert answer.items[0]["text"].endswith(" …") and "apcupsd16" not in answer.text


def test_a_lone_symbol_in_the_question_picks_its_table_row():
    from tests.unit.retrieval.test_table_rows import ALERTS

    answer = best_sentences("What does the UPS alert character ? mean?", [_source(1, ALERTS, "c1")])
    assert answer.kind == "extract"
    assert "Character: ?; Meaning: Abnormal condition; Description: Sent for conditions" in answer.text
    assert "Replace battery" not in answer.text


def test_a_sentence_ending_in_a_colon_brings_its_list_and_repeats_are_dropped():
    text = (
        "During the test apcupsd printed no power failure messages.\n"
        "The most likely causes of the missing power failure messages are:\n"
        "- The configuration directives are not correct for the wrong cable.\n"
        "- The file /etc/apcupsd/apccontrol does not exist or is not executable.\n\n"
        "Unrelated closing remarks about the manual come last here."
    )
    repeated = "The configuration directives are not correct for the wrong cable."
    answer = best_sentences(
        "What are the likely causes of missing power failure messages?",
        [_source(1, text, "c1"), _source(2, repeated, "c2")],
        intent="troubleshooting",
    )
    assert "wrong cable" in answer.text and "apccontrol does not exist" in answer.text
    assert answer.text.count("wrong cable") == 1
    assert "closing remarks" not in answer.text


def test_troubleshooting_prefers_the_sentence_that_names_a_cause_or_fix():
    text = (
        "The ram drifts down under load.\n\n"
        "See the figure on the next page for the layout.\n\n"
        "Operators first see the ram drift down on the press.\n\n"
        "Cause: the ram drifts down on the press because of a worn piston seal."
    )
    source = [_source(1, text, "c1")]
    question = "The ram drifts down under load on the press. Why?"
    assert "worn piston seal" in best_sentences(question, source, intent="troubleshooting").text
    assert "worn piston seal" not in best_sentences(question, source, intent="lookup").text


def _by_word(word):
    # A stand-in for the embedder's similarity: 1.0 for sentences holding ``word``.
    def similarity(question, sentences):
        return [1.0 if word in s else 0.0 for s in sentences]

    return similarity


NIS = (
    "NISIP IP-address sets the interface the NIS server listens on. "
    "Its parameter names a network interface card of the host machine. "
    "Default value is 0.0.0.0 which means all network interfaces."
)


def test_similarity_picks_a_sentence_that_answers_in_other_words():
    sources = [_source(1, NIS, "a")]
    question = "Which IP-address does the NIS server use out of the box?"
    assert "0.0.0.0" not in best_sentences(question, sources).text
    picked = best_sentences(question, sources, similarity=_by_word("Default"))
    assert "Default value is 0.0.0.0 which means all network interfaces [1]." in picked.text


def test_similarity_is_left_out_for_a_question_not_in_english():
    calls = []

    def similarity(question, sentences):
        calls.append(question)
        return [0.0] * len(sentences)

    sources = [_source(1, NIS, "a")]
    build("Which IP-address does the NIS server use out of the box?", "lookup", sources, [], similarity)
    build("NIS 服务器默认监听哪个 IP 地址？", "lookup", sources, [], similarity)
    assert calls == ["Which IP-address does the NIS server use out of the box?"]


def test_embedder_similarity_is_the_cosine_of_unit_vectors():
    from retrieval.embed import FakeEmbedder
    from retrieval.evidence_answer import embedder_similarity

    embedder = FakeEmbedder()
    scores = embedder_similarity(embedder)("ram drift", ["ram drift", "pump noise"])
    assert scores[0] > scores[1]
    assert (
        abs(scores[0] - float(embedder.embed_query("ram drift") @ embedder.embed_documents(["ram drift"])[0]))
        < 1e-6
    )
    assert embedder_similarity(embedder)("anything", []) == []


def test_troubleshooting_brings_the_cause_list_after_the_symptom():
    manual = (
        "If apcupsd prints PANIC! Cannot communicate with UPS via serial port, it gave up after "
        "30 seconds.\nThe serial port settings are described in chapter 4.\n"
        "Some of the possible sources of the problem are:\n"
        "The DEVICE directive names the wrong tty.\n"
        "A getty runs on that line for logins."
    )
    sources = [_source(1, manual, "a")]
    question = "apcupsd PANIC cannot communicate with the UPS via serial port, what now?"
    lookup = best_sentences(question, sources, intent="lookup")
    assert "getty" not in lookup.text
    answer = best_sentences(question, sources, intent="troubleshooting")
    assert "Some of the possible sources of the problem are: [1]." in answer.text
    assert (
        "The DEVICE directive names the wrong tty [1]. A getty runs on that line for logins [1]."
        in answer.text
    )


def test_question_and_answer_label_rows_read_as_written():
    faq = (
        "Question: | I get: Cannot open UPS tty /dev/cua01. What is the problem?\n"
        "Answer: | The two most likely causes are a wrong serial port device name or an undefined device."
    )
    answer = best_sentences("Cannot open UPS tty /dev/cua01, what is the problem?", [_source(1, faq, "a")])
    assert "Answer: The two most likely causes are a wrong serial port device name" in answer.text
    assert "Question:: " not in answer.text and "Question: I get: Cannot open UPS tty" in answer.text


ALERTS = (
    "Character | Meaning | Description\n"
    "* | About to turn off | Sent when the UPS is about to switch off the load.\n"
    "# | Replace battery | Sent when the UPS detects that the battery needs to be replaced."
)


def test_the_row_of_another_symbol_is_no_answer():
    caption = "These single character messages are sent by the UPS any time there is an Alert condition."
    sources = [_source(1, caption, "a"), _source(2, ALERTS, "b")]
    answer = best_sentences("What does the UPS alert character ? mean?", sources)
    assert "About to turn off" not in answer.text and "Replace battery" not in answer.text
    assert "Alert condition [1]" in answer.text
    assert "About to turn off" in best_sentences("What does the UPS alert character * mean?", sources).text


def test_the_row_of_the_symbol_asked_about_outranks_a_caption_sharing_more_words():
    # dev a032: the '?' row sat in source [3]; the caption of source [1] shares "sent", "UPS",
    # "alert" with the question and used to win
    from tests.unit.retrieval.test_table_rows import ALERTS as WITH_QUESTION_MARK

    caption = (
        "These single character alert messages are sent by the UPS on its own any time there is "
        "an Alert condition; they tell you what the UPS is doing."
    )
    sources = [
        _source(1, caption, "a"),
        _source(2, "Other page about cables.", "o"),
        _source(3, WITH_QUESTION_MARK, "b"),
    ]
    answer = best_sentences("The UPS sent a '?' alert character on its own. What is it telling me?", sources)
    assert "Character: ?; Meaning: Abnormal condition; Description: Sent for conditions" in answer.text


def test_a_faq_question_row_brings_its_answer_row():
    faq = (
        "Question: | I get: Cannot open UPS tty /dev/cua01. What is the problem?\n"
        "Answer: | Two things: a wrong device name in apcupsd.conf, or no such device defined."
    )
    other = "Cannot open UPS tty /dev/cua01 appears in the log when apcupsd starts."
    answer = best_sentences(
        "Cannot open UPS tty /dev/cua01 on start", [_source(1, other, "x"), _source(2, faq, "a")]
    )
    assert "Question: I get: Cannot open UPS tty /dev/cua01" in answer.text
    assert (
        "Answer: Two things: a wrong device name in apcupsd.conf, or no such device defined [2]."
        in answer.text
    )
