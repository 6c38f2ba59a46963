import pytest
from django.test import override_settings

RATES = {"login": "5/min", "ask": "10/min"}


def _rest_framework(settings, **rates):  # type: ignore[no-untyped-def]
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**RATES, **rates}}


@pytest.mark.django_db
def test_login_refuses_the_right_password_after_too_many_wrong_ones(client, django_user_model, settings):
    django_user_model.objects.create_user("tech", password="pw-tech-123")
    settings.REST_FRAMEWORK = _rest_framework(settings)
    for _ in range(5):
        r = client.post("/accounts/login/", {"username": "tech", "password": "wrong"})
        assert r.status_code == 200  # the form again, with its error
    r = client.post("/accounts/login/", {"username": "tech", "password": "pw-tech-123"})
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0
    assert b"Too many login attempts" in r.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_limits_one_user_name_across_client_addresses(client, django_user_model, settings):
    django_user_model.objects.create_user("tech", password="pw-tech-123")
    settings.REST_FRAMEWORK = _rest_framework(settings)
    for i in range(5):
        client.post("/accounts/login/", {"username": "Tech", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{i}")
    r = client.post(
        "/accounts/login/", {"username": "tech", "password": "pw-tech-123"}, REMOTE_ADDR="10.0.1.1"
    )
    assert r.status_code == 429


@pytest.mark.django_db
def test_login_under_the_limit_works(client, django_user_model, settings):
    django_user_model.objects.create_user("tech", password="pw-tech-123")
    settings.REST_FRAMEWORK = _rest_framework(settings)
    client.post("/accounts/login/", {"username": "tech", "password": "wrong"})
    r = client.post("/accounts/login/", {"username": "tech", "password": "pw-tech-123"})
    assert r.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
@override_settings()
def test_the_token_endpoint_is_throttled_like_the_login_form(client, django_user_model, settings):
    django_user_model.objects.create_user("tech", password="pw-tech-123")
    settings.REST_FRAMEWORK = _rest_framework(settings)
    for _ in range(5):
        assert client.post("/api/auth/token", {"username": "tech", "password": "wrong"}).status_code == 400
    r = client.post("/api/auth/token", {"username": "tech", "password": "pw-tech-123"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0


@pytest.mark.django_db
def test_the_admin_login_form_is_throttled_too(client, django_user_model, settings):
    django_user_model.objects.create_superuser("boss", password="pw-boss-123")
    settings.REST_FRAMEWORK = _rest_framework(settings)
    for _ in range(5):
        assert client.post("/admin/login/", {"username": "boss", "password": "wrong"}).status_code == 200
    r = client.post("/admin/login/", {"username": "boss", "password": "pw-boss-123"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
