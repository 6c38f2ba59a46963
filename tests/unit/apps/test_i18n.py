"""The portal in English and Simplified Chinese: Accept-Language, the language switcher, the
compiled catalogues and the scripts' catalogue."""

import ast
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


@pytest.mark.django_db
def test_a_browser_asking_for_chinese_gets_the_chinese_login_page(client):
    r = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert r.status_code == 200
    page = r.content.decode()
    assert '<html lang="zh-hans">' in page and "登录 Kenning" in page


@pytest.mark.django_db
def test_english_stays_the_default(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in page and "Log in to Kenning" in page


def test_the_switcher_sets_chinese_for_the_session_and_back(client, personas):
    client.force_login(personas.reader)
    portal = reverse("qa:portal")
    r = client.post(reverse("set_language"), {"language": "zh-hans", "next": portal})
    assert r.status_code == 302 and r["Location"] == portal
    page = client.get(portal).content.decode()
    assert "向 Kenning 提问" in page and 'value="zh-hans" selected' in page
    client.post(reverse("set_language"), {"language": "en", "next": portal})
    assert "Ask Kenning" in client.get(portal).content.decode()


def test_the_switcher_refuses_an_unknown_language_and_changes_nothing(client, personas):
    client.force_login(personas.reader)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert "Ask Kenning" in client.get(reverse("qa:portal")).content.decode()


def test_the_switcher_does_not_redirect_off_site(client, personas):
    client.force_login(personas.reader)
    r = client.post(reverse("set_language"), {"language": "zh-hans", "next": "https://evil.example/"})
    assert r.status_code == 302 and "evil.example" not in r["Location"]


def test_upload_stages_are_translated_on_the_collection_page(client, personas):
    client.force_login(personas.owner)
    url = reverse("documents:collection", args=[personas.collection.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "将手册或记录导出文件拖放到此处" in page and "还没有文档" in page


@pytest.mark.django_db
def test_the_scripts_catalogue_carries_chinese_strings(client):
    searching = json.dumps("正在检索文档…")[1:-1]  # the catalogue is JSON with \u escapes
    body = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert searching in body and json.dumps("已解析")[1:-1] in body
    assert searching not in client.get(reverse("javascript-catalog")).content.decode()


_CALL = re.compile(r"(n?gettext)\(\s*(u'(?:[^'\\]|\\.)*')(?:\s*,\s*(u'(?:[^'\\]|\\.)*'))?")


def _template_messages():
    """Every msgid the portal's templates ask for, as makemessages would extract them."""
    from django.utils.translation.template import templatize

    for path in sorted(TEMPLATES.rglob("*.html")):
        for call in _CALL.finditer(templatize(path.read_text(encoding="utf-8"))):
            kind, singular, plural = call.groups()
            yield path.relative_to(TEMPLATES), ast.literal_eval(singular), plural and ast.literal_eval(plural)


def test_every_template_string_has_a_compiled_chinese_translation():
    from django.utils import translation

    missing = []
    with translation.override("zh-hans"):
        for path, singular, plural in _template_messages():
            translated = (
                translation.ngettext(singular, plural, 2) if plural else translation.gettext(singular)
            )
            if translated == (plural or singular):
                missing.append(f"{path}: {singular!r}")
    assert missing == [], "untranslated (add to locale/zh_Hans and compile):\n" + "\n".join(missing)


def test_the_graph_browser_pages_read_chinese():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("zh-hans"):
        page = render_to_string("graphbrowser/audit.html", {"events": []})
    assert "审计日志" in page and "尚无变更" in page and "No changes yet" not in page


STATIC_JS = TEMPLATES.parent / "static" / "js"
_JS_CALL = re.compile(r"""\b(?:_|gettext)\(\s*(["'])((?:(?!\1)[^\\]|\\.)*)\1\s*\)""")


def _script_messages():
    """Every literal the portal's scripts pass to gettext (as makemessages -d djangojs finds them)."""
    for path in sorted(STATIC_JS.glob("*.js")):
        for call in _JS_CALL.finditer(path.read_text(encoding="utf-8")):
            yield path.name, json.loads('"' + call.group(2).replace("\\'", "'") + '"')


def test_every_script_string_has_a_compiled_chinese_translation():
    from django.utils.translation.trans_real import DjangoTranslation

    catalogue = DjangoTranslation("zh-hans", domain="djangojs")
    found = list(_script_messages())
    assert len(found) > 40  # the scripts were read
    missing = [f"{name}: {msgid!r}" for name, msgid in found if catalogue.gettext(msgid) == msgid]
    assert missing == [], (
        "untranslated (add to locale/zh_Hans/LC_MESSAGES/djangojs.po and compile):\n" + "\n".join(missing)
    )


@pytest.mark.django_db
def test_the_ask_again_countdown_is_in_the_chinese_scripts_catalogue(client):
    body = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert json.dumps("%s 秒后可重新提问")[1:-1] in body and json.dumps("重新提问")[1:-1] in body
