import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

CLOSED = {
    "NEO4J_URL": "bolt://127.0.0.1:1",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "QDRANT_URL": "http://127.0.0.1:1",
    "MODEL_SERVER_URL": "http://127.0.0.1:1",
    "HEALTH_TIMEOUT_S": 1,
}


@pytest.mark.django_db
@override_settings(**CLOSED)
def test_healthz_reports_each_component_with_a_reason_to_staff(admin_client):
    r = admin_client.get("/healthz")
    body = json.loads(r.content)
    assert r.status_code == 503 and body["status"] == "down"
    assert body["components"]["sql"]["status"] == "ok"
    for name in ("redis", "neo4j", "vector_index", "model_server"):
        assert body["components"][name]["status"] == "down"
        assert body["components"][name]["detail"]  # the reason, e.g. connection refused


@pytest.mark.django_db
@override_settings(**CLOSED)
def test_healthz_tells_anonymous_and_non_staff_callers_only_ok_or_down(client, django_user_model):
    r = client.get("/healthz")
    assert r.status_code == 503 and json.loads(r.content) == {"status": "down"}
    client.force_login(django_user_model.objects.create_user("tech", password="pw-tech-123"))
    assert json.loads(client.get("/healthz").content) == {"status": "down"}


@pytest.mark.django_db
@override_settings(
    **{
        **CLOSED,
        "REDIS_URL": "redis://:s3cret-pass@127.0.0.1:1/0",
        "NEO4J_URL": "bolt://neo4j:other-s3cret@127.0.0.1:1",
    }
)
def test_healthz_never_shows_a_password_from_a_service_url(admin_client):
    r = admin_client.get("/healthz")
    assert b"s3cret" not in r.content
    assert r.status_code == 503


def test_redact_hides_the_credentials_of_any_url():
    from config.health import redact

    assert (
        redact("Error connecting to redis://user:pw@host:6379/0.")
        == "Error connecting to redis://***@host:6379/0."
    )
    assert redact("http://host:8081/health") == "http://host:8081/health"


@pytest.mark.django_db
@override_settings(**CLOSED)
def test_healthz_reuses_one_redis_client_per_process(admin_client):
    from config import health

    health._redis_client.cache_clear()
    admin_client.get("/healthz")
    admin_client.get("/healthz")
    info = health._redis_client.cache_info()
    assert (info.misses, info.hits) == (1, 1)


@pytest.mark.django_db
@override_settings(**CLOSED)
def test_healthcheck_command_fails_when_a_component_is_down(capsys):
    with pytest.raises(CommandError):
        call_command("healthcheck")
    out = capsys.readouterr().out
    assert "redis" in out and "down" in out and "sql" in out


@pytest.mark.django_db
def test_healthcheck_command_rejects_unknown_components():
    with pytest.raises(CommandError, match="unknown components"):
        call_command("healthcheck", "mongo")


@override_settings(NEO4J_URL="http://nowhere")
def test_system_check_flags_a_malformed_service_url():
    from apps.accounts.checks import check_service_urls

    errors = check_service_urls(None)
    assert [e.id for e in errors] == ["kenning.E001"]
    assert "NEO4J_URL" in errors[0].msg


@override_settings(MODEL_SERVER_URL="http://model:8081", MODEL_SERVER_API_KEY="", QDRANT_API_KEY="")
def test_deploy_check_flags_a_remote_model_server_without_a_key():
    from apps.accounts.checks import check_service_keys

    assert [w.id for w in check_service_keys(None)] == ["kenning.W002"]
    with override_settings(MODEL_SERVER_API_KEY="k" * 32):
        assert check_service_keys(None) == []
