"""Strings the portal's script builds are translated too: a Chinese browser sees the busy portal's
'Ask again in N s' countdown in Chinese (issue 14)."""

import re

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chinese_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture
def reader(django_user_model):  # type: ignore[no-untyped-def]
    from apps.accounts.models import Collection, Membership

    user = django_user_model.objects.create_user("zh-reader", password="pw-zh-reader-123")
    collection = Collection.objects.create(name="空书架")
    Membership.objects.create(user=user, collection=collection, role="reader")
    return user


def test_the_ask_again_countdown_reads_chinese_in_a_chinese_browser(
    chinese_page, live_server, reader, settings
):
    from apps.qa.slots import answer_slots

    page = chinese_page
    settings.QA_CONCURRENT_ANSWERS = 1
    slots = answer_slots()
    slots.acquire().release()
    taken = slots.acquire()  # another technician's answer is streaming: the portal is busy
    try:
        login(page, live_server, "zh-reader", "pw-zh-reader-123")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.fill("#ask-form textarea", "报警 A-12 怎么复位？")
        page.click("#ask-button")
        retry = page.locator("#thread .turn .retry-ask").first
        retry.wait_for()
        label = retry.inner_text()
        assert re.fullmatch(r"\d+ 秒后可重新提问", label), label
    finally:
        taken.release()
    page.wait_for_function("() => !document.querySelector('.retry-ask').disabled")
    assert retry.inner_text() == "重新提问"
