"""Strings the portal's Python code shows (form labels, placeholders, messages, and the graph's
entity types, relation types and score parts that reach pages as values) read Chinese too."""

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
_GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
}


def _python_messages():
    """(file, context, msgid, plural) of every literal passed to gettext in apps/ and config/."""
    for path in sorted([*ROOT.glob("apps/**/*.py"), *ROOT.glob("config/*.py")]):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _GETTEXT
            ):
                continue
            args = [
                a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                for a in node.args
            ]
            if node.func.id.startswith("p"):
                context, args = args[0], args[1:]
            else:
                context = None
            if args and args[0] is not None:
                plural = args[1] if node.func.id.startswith(("n", "pn")) and len(args) > 1 else None
                yield path.relative_to(ROOT), context, args[0], plural


def test_every_python_string_has_a_compiled_chinese_translation():
    found = list(_python_messages())
    assert len(found) > 100  # the code was read
    missing = []
    with translation.override("zh-hans"):
        for path, context, msgid, plural in found:
            if plural:
                done = translation.ngettext(msgid, plural, 2) != plural
            elif context:
                done = translation.pgettext(context, msgid) != msgid
            else:
                done = translation.gettext(msgid) != msgid
            if not done:
                missing.append(f"{path}: {context + ' | ' if context else ''}{msgid!r}")
    assert missing == [], "untranslated (add to locale/zh_Hans and compile):\n" + "\n".join(missing)


def test_the_listed_graph_names_match_the_schema_and_the_score():
    from config import i18n_labels
    from graph.schema import ENTITY_LABELS, RELATION_TYPES

    assert set(i18n_labels.ENTITY_TYPES) == ENTITY_LABELS | {"Passage"}
    assert set(i18n_labels.RELATION_TYPES) == RELATION_TYPES
    rank = (ROOT / "graph" / "diagnose_rank.py").read_text(encoding="utf-8")
    parts = set(re.findall(r'score_parts\["(\w+)"\]', rank)) | set(re.findall(r'\{"(\w+)": score\}', rank))
    with translation.override("en"):
        listed = {str(p) for p in i18n_labels.SCORE_PARTS}
    assert parts and parts <= listed


def test_the_graph_search_reads_chinese(client, personas):
    client.force_login(personas.owner)
    page = client.get(reverse("graphbrowser:index"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'placeholder="名称、别名或编号（如 P-101）"' in page
    assert "name, alias or identifier" not in page
    assert ">设备</label>" in page or "设备" in page.split("gb-types", 1)[1]  # the type filter


@pytest.mark.django_db
def test_entity_types_render_in_chinese_with_the_schema_name_kept_in_the_title():
    from django.template.loader import render_to_string

    with translation.override("zh-hans"):
        page = render_to_string(
            "graphbrowser/deleted.html",
            {
                "events": [],
                "entities": [
                    {"name": "P-101", "label": "Equipment", "deleted_by": "a", "deleted_at": "", "reason": ""}
                ],
            },
        )
    assert '<span class="gb-label" title="Equipment">设备</span>' in page
