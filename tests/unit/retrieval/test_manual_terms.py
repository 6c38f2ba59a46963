"""The manual's English terms a drafted sentence copied from its cited source, kept beside their
Chinese rendering (issue 14)."""

from retrieval.manual_terms import everyday_words, manual_terms, place_terms

SOURCE = (
    "All battery lights flash in unison when the runtime remaining (calculated by the Smart-UPS "
    "microprocessor) is less than the low battery signal warning time. If apcupsd reports FATAL "
    "ERROR, you have the wrong serial port device name in apcupsd.conf. Replace the battery "
    "cartridge BC-12."
)
EVERYDAY = frozenset(
    "all battery lights flash replace wrong serial port device name smart ups low signal".split()
)
EVERYDAY |= frozenset("warning time cartridge less remaining calculated".split())


def test_a_phrase_the_source_holds_verbatim_is_a_term():
    sentence = "You have the wrong serial port device name in the configuration [1]."
    assert manual_terms(sentence, [SOURCE]) == ("wrong serial port device name",)


def test_a_phrase_the_draft_worded_itself_is_not():
    # "configuration" and "battery pack" are the model's words: the source says neither
    assert manual_terms("Check the battery pack configuration [2].", [SOURCE]) == ()


def test_no_cited_source_no_terms():
    assert manual_terms("You have the wrong serial port device name [1].", []) == ()
    assert manual_terms("You have the wrong serial port device name [1].", [SOURCE], limit=0) == ()


def test_a_single_word_is_a_term_only_when_it_is_not_everyday():
    sentence = "Replace it when the runtime is short [1]."
    assert manual_terms(sentence, [SOURCE], everyday=EVERYDAY) == ("runtime",)
    # without word statistics single words are never terms
    assert manual_terms(sentence, [SOURCE]) == ()
    # an everyday word ("Replace") or an everyday form of a word ("calculated") never is
    assert manual_terms("Replace it, as calculated [1].", [SOURCE], everyday=EVERYDAY) == ()


def test_the_most_technical_terms_come_first_within_the_limit_in_sentence_order():
    sentence = (
        "All battery lights flash when the runtime remaining of the Smart-UPS microprocessor is "
        "below the low battery signal warning time [1]."
    )
    # the two holding a word that is not everyday (runtime, microprocessor) beat the longer ones
    assert manual_terms(sentence, [SOURCE], limit=2, everyday=EVERYDAY) == (
        "runtime remaining",
        "Smart-UPS microprocessor",
    )
    assert (
        manual_terms(sentence, [SOURCE], limit=3, everyday=EVERYDAY)[2] == "low battery signal warning time"
    )


def test_codes_numbers_and_code_spans_end_a_phrase_and_are_no_terms():
    sentence = "Replace the battery cartridge BC-12 and edit `low battery signal` [1]."
    assert manual_terms(sentence, [SOURCE]) == ("battery cartridge",)


def test_the_term_goes_right_after_its_rendering():
    placed, left = place_terms(
        "剩余时间小于两分钟", ["runtime remaining"], {"runtime remaining": "剩余时间"}.get
    )
    assert placed == "剩余时间（runtime remaining）小于两分钟" and left == ()


def test_a_term_whose_rendering_is_not_found_is_left_for_the_end():
    placed, left = place_terms(
        "剩余运行时间小于两分钟", ["runtime remaining"], {"runtime remaining": "余量"}.get
    )
    assert placed == "剩余运行时间小于两分钟" and left == ("runtime remaining",)
    assert place_terms("剩余运行时间", ["runtime remaining"]) == ("剩余运行时间", ("runtime remaining",))


def test_a_term_the_translation_kept_in_english_needs_nothing():
    assert place_terms("检查 serial port 设置", ["serial port"], lambda t: "串口") == (
        "检查 serial port 设置",
        (),
    )


def test_never_inside_a_code_nor_before_a_parenthesis_of_its_own():
    # the rendering "BC" would end inside the code BC-12
    assert place_terms("更换 BC12 电池", ["battery cartridge"], lambda t: "BC")[1] == ("battery cartridge",)
    placed, left = place_terms("剩余时间（由微处理器计算）", ["runtime remaining"], lambda t: "剩余时间")
    assert placed == "剩余时间（由微处理器计算）" and left == ("runtime remaining",)


def test_everyday_words_are_the_whole_words_of_a_wordpiece_vocabulary(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\nthe\nbattery\n##time\nrun\n2\n", encoding="utf-8")
    assert everyday_words(vocab) == frozenset({"the", "battery", "run"})


def test_a_participle_does_not_start_a_term():
    source = "Before running apcupsd daemon checks, read the Installing apcupsd section."
    everyday = frozenset({"running", "read", "installing", "section", "checks"})
    sentence = "Try running apcupsd daemon checks as the Installing apcupsd section says [1]."
    assert manual_terms(sentence, [source], limit=3, everyday=everyday) == (
        "apcupsd daemon checks",
        "apcupsd section",
    )


def test_an_inflected_everyday_word_is_everyday():
    source = "apcupsd detects the power failure and counts batteries."
    everyday = frozenset({"detect", "count", "battery", "power", "failure"})
    sentence = "It detects a power failure and counts batteries [1]."
    assert manual_terms(sentence, [source], everyday=everyday) == ()
