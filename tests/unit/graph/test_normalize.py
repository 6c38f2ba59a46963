import pytest

from graph.normalize import entity_key, normalize_error_code, normalize_identifier, normalize_text


@pytest.mark.parametrize("text", ["P-101", "P101", "p 101", "p_101", " P‑101 "])
def test_equipment_tags_share_one_key(text):
    assert entity_key("Equipment", text) == "Equipment:P101"


@pytest.mark.parametrize("text", ["2906-0565-00", "2906056500", "2906 0565 00"])
def test_part_numbers_with_and_without_dashes_match(text):
    assert normalize_identifier(text) == "2906056500"


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("E-047", "E47"),
        ("error 47", "E47"),
        ("Err47", "E47"),
        ("ERR-47", "E47"),
        ("F03", "F3"),
        ("fault code 3", "F3"),
    ],
)
def test_error_codes_normalize_their_prefix_and_zeros(text, norm):
    assert normalize_error_code(text) == norm


def test_free_text_drops_articles_case_and_plural():
    assert normalize_text("The Hydraulic Hoses.") == "hydraulic hose"
    assert normalize_text("Batteries") == "battery"
    assert normalize_text("glass") == "glass"


def test_keys_never_collide_across_types():
    assert entity_key("Part", "101") != entity_key("Equipment", "101")


@pytest.mark.parametrize(
    "typeset", ["won\u2019t start", "won\u2018t start", "won\u02bct start", "won\u2032t start"]
)
def test_typeset_apostrophes_give_the_ascii_key(typeset):
    assert normalize_text(typeset) == normalize_text("won't start") == "won t start"
    assert entity_key("Symptom", typeset) == entity_key("Symptom", "Won't start")


def test_typeset_quotes_and_dashes_give_the_ascii_key():
    assert normalize_text("\u201cSMTP connect failed\u201d \u2013 retry") == normalize_text(
        '"SMTP connect failed" - retry'
    )
    assert normalize_text("non\u2011breaking") == normalize_text("non-breaking")
