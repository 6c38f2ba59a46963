import base64

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

COLLECTIONS = "/api/qa/conversations"


@pytest.fixture
def tech(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user("tech", password="pw-tech-123")


@pytest.mark.django_db
def test_http_basic_auth_is_refused(client, tech):
    """Basic auth would run the password hasher on every request: a denial of service."""
    basic = base64.b64encode(b"tech:pw-tech-123").decode()
    r = client.get(COLLECTIONS, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert r.status_code in (401, 403)


@pytest.mark.django_db
def test_a_client_trades_its_password_for_a_token_once_and_then_uses_the_token(client, tech):
    r = client.post("/api/auth/token", {"username": "tech", "password": "pw-tech-123"})
    assert r.status_code == 200
    key = r.json()["token"]
    assert client.post("/api/auth/token", {"username": "tech", "password": "pw-tech-123"}).json() == {
        "token": key
    }
    assert client.get(COLLECTIONS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token(client, tech):
    r = client.post("/api/auth/token", {"username": "tech", "password": "wrong"})
    assert r.status_code == 400 and "token" not in r.json()
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_a_revoked_token_is_refused(client, tech):
    key = Token.objects.create(user=tech).key
    assert client.delete("/api/auth/token", HTTP_AUTHORIZATION=f"Token {key}").status_code == 204
    assert client.get(COLLECTIONS, HTTP_AUTHORIZATION=f"Token {key}").status_code in (401, 403)


@pytest.mark.django_db
def test_the_token_page_creates_shows_once_replaces_and_revokes(client, tech):
    client.force_login(tech)
    assert b"You have no token" in client.get("/accounts/token/").content
    r = client.post("/accounts/token/", {"action": "create"})
    key = Token.objects.get(user=tech).key
    assert key.encode() in r.content
    assert key.encode() not in client.get("/accounts/token/").content  # shown once only
    client.post("/accounts/token/", {"action": "create"})
    assert Token.objects.get(user=tech).key != key
    client.post("/accounts/token/", {"action": "revoke"})
    assert not Token.objects.filter(user=tech).exists()


@pytest.mark.django_db
def test_the_token_page_needs_a_login(client):
    r = client.get("/accounts/token/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.django_db
def test_the_command_prints_replaces_and_revokes_a_token(tech, capsys):
    call_command("api_token", "tech")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=tech).key == key
    call_command("api_token", "tech", "--replace")
    assert capsys.readouterr().out.strip() not in ("", key)
    call_command("api_token", "tech", "--revoke")
    assert not Token.objects.filter(user=tech).exists()
