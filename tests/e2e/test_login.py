import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_user_logs_in_and_sees_the_portal(page, live_server, django_user_model):
    django_user_model.objects.create_user("tech", password="pw-tech-123")
    login(page, live_server, "tech", "pw-tech-123")
    assert page.locator("h1").inner_text() == "Ask Kenning"
    assert page.locator("#no-access").is_visible()


def test_wrong_password_shows_an_error_and_stays_on_login(page, live_server, django_user_model):
    django_user_model.objects.create_user("tech", password="pw-tech-123")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "tech")
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist, .errornote").count() > 0 or "correct username" in page.content()
