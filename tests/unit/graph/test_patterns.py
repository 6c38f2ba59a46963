import time

import pytest

from graph.patterns import find_identifiers


def found(text):
    return [(m.label, m.text, m.norm) for m in find_identifiers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pump P-101 trips", ("Equipment", "P-101", "P101")),
        ("alarm E-47 after start-up", ("ErrorCode", "alarm E-47", "E47")),
        ("trips with E-47 after", ("ErrorCode", "E-47", "E47")),
        ("display shows F03", ("ErrorCode", "F03", "F3")),
        ("reports error 214 twice", ("ErrorCode", "error 214", "E214")),
        ("fault code 32 means", ("ErrorCode", "fault code 32", "F32")),
        ("seal kit 2906-0565-00 fits", ("Part", "2906-0565-00", "2906056500")),
        ("order P/N RBC7 from APC", ("Part", "RBC7", "RBC7")),
        ("see WO-2025-00417", ("WorkOrder", "WO-2025-00417", "202500417")),
        ("work order 778812 closed", ("WorkOrder", "778812", "778812")),
        ("S/N AS1234567890 on the label", ("SerialNumber", "AS1234567890", "AS1234567890")),
        ("complies with IEC 62040-1", ("Standard", "IEC 62040-1", "IEC620401")),
        ("certified to ISO 9001", ("Standard", "ISO 9001", "ISO9001")),
        ("upgrade to firmware version 3.14.14", ("FirmwareVersion", "3.14.14", "3.14.14")),
        ("the SMT1500RMI2U model", ("Model", "SMT1500RMI2U", "SMT1500RMI2U")),
        ("Model: BX1500M", ("Model", "BX1500M", "BX1500M")),
    ],
)
def test_it_finds_tricky_identifiers(text, expected):
    assert expected in found(text)


def test_it_does_not_take_iso_dates_for_part_numbers():
    assert not [m for m in found("serviced on 2024-03-12") if m[0] == "Part"]


def test_it_does_not_take_interfaces_for_models():
    assert found("connect over RS232 or USB2") == []


def test_keyword_patterns_win_over_bare_shapes():
    assert found("serial number 1234-5678-90") == [("SerialNumber", "1234-5678-90", "1234567890")]


def test_it_finishes_quickly_on_pathological_text():
    text = ("E-1 P-22 " * 20000) + ("x" * 200000) + "-" * 100000
    started = time.perf_counter()
    matches = find_identifiers(text, limit=500)
    assert len(matches) == 500
    assert time.perf_counter() - started < 5


def test_short_tags_are_equipment_but_interfaces_are_not():
    assert found("valve SBV-7 sticks") == [("Equipment", "SBV-7", "SBV7")]
    assert found("over RS-232 in UTF-8") == []
