"""Chinese text in the graph: identifiers inside Han text, the Chinese lexicon, names that keep
their script, and Chinese troubleshooting tables giving Symptom -> Cause -> Action chains."""

from graph.facts import ChunkInput
from graph.lexicon import Lexicon
from graph.normalize import normalize_text
from graph.patterns import find_identifiers
from graph.structure import column_roles, is_troubleshooting_table

TABLE = [
    ["故障代码", "故障现象", "可能原因", "处理方法", "备件编号"],
    ["E-23", "机械密封泄漏", "动环与静环密封面磨损", "更换机械密封组件", "MS-5020"],
    ["E-22", "振动过大", "联轴器不对中", "重新找正联轴器并更换弹性块", "KP-CP-330"],
]


def _found(text):
    return [(m.label, m.text) for m in find_identifiers(text)]


def test_codes_are_found_when_han_characters_touch_them():
    assert ("Equipment", "P-101") in _found("泵P-101启动后报E-47故障")
    assert ("ErrorCode", "E-47") in _found("泵P-101启动后报E-47故障")
    assert _found("更换密封件MS-5020后试车") == [("Equipment", "MS-5020")]


def test_chinese_keywords_label_identifiers_like_their_english_ones():
    assert _found("备件编号为 KP-OIL-68（20 L 桶装）") == [("Part", "KP-OIL-68")]
    assert _found("故障代码：E-23") == [("ErrorCode", "E-23")]
    assert _found("驱动端轴承型号为 6309-2Z") == [("Model", "6309-2Z")]


def test_full_width_codes_read_half_width_at_the_same_offsets():
    text = "润滑油备件编号为 ＫＰ－ＯＩＬ－６８。"
    (match,) = find_identifiers(text)
    assert (match.label, match.text, match.norm) == ("Part", "KP-OIL-68", "KPOIL68")
    assert text[match.start : match.end] == "ＫＰ－ＯＩＬ－６８"


def test_chinese_names_keep_their_script():
    assert normalize_text("机械密封泄漏") == "机械密封泄漏"
    assert normalize_text("补充或更换 ISO VG 68 润滑油") == "补充或更换 iso vg 68 润滑油"
    assert normalize_text("The Hydraulic Hoses.") == "hydraulic hose"


def test_the_packaged_lexicon_knows_chinese_maintenance_terms_with_english_aliases():
    lexicon = Lexicon.load()
    found = {(m.label, m.canonical) for m in lexicon.find("机封漏油，轴承过热，需更换并检查联轴器")}
    assert {("Component", "机械密封"), ("FailureMode", "泄漏"), ("FailureMode", "过热")} <= found
    assert {("Action", "更换"), ("Action", "检查"), ("Component", "联轴器")} <= found
    assert lexicon.english_alias("机械密封") == "mechanical seal"
    assert lexicon.canonical("Component", "hyd pump") == "hydraulic pump"  # English terms still load


def test_chinese_table_headers_get_troubleshooting_roles():
    roles = column_roles(TABLE[0])
    assert roles == {"code": 0, "symptom": 1, "cause": 2, "action": 3, "part": 4}
    assert is_troubleshooting_table(roles)


def test_a_chinese_troubleshooting_table_gives_symptom_cause_action_part_chains(rules_extractor):
    text = "\n".join(" | ".join(row) for row in TABLE)
    facts = rules_extractor.extract(
        ChunkInput("c1", "1", "1", "1", text, "table", ("第四章 故障排除",), None, TABLE)
    )
    relations = {(r.type, r.head, r.tail) for r in facts.relations}
    assert ("INDICATES", "ErrorCode:E23", "Symptom:机械密封泄漏") in relations
    assert ("CAUSED_BY", "Symptom:机械密封泄漏", "Cause:动环与静环密封面磨损") in relations
    assert ("REMEDIED_BY", "Cause:动环与静环密封面磨损", "Action:更换机械密封组件") in relations
    assert ("USES_PART", "Action:更换机械密封组件", "Part:MS5020") in relations
    assert ("ACTS_ON", "Action:更换机械密封组件", "Component:机械密封") in relations


def test_a_chinese_lexicon_term_keeps_its_name_and_carries_its_english_alias(rules_extractor):
    (seal,) = [m for m in rules_extractor.scan("更换机械密封", "c1") if m.label == "Component"]
    assert seal.name == "机械密封" and seal.properties["name_en"] == "mechanical seal"
    (pump,) = [m for m in rules_extractor.scan("replace the hydraulic pump", "c1") if m.label == "Component"]
    assert "name_en" not in pump.properties
