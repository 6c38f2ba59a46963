import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

CLOSED = {"NEO4J_URL": "bolt://127.0.0.1:1", "REDIS_URL": "redis://127.0.0.1:1/0",
          "QDRANT_URL": "http://127.0.0.1:1", "MODEL_SERVER_URL": "http://127.0.0.1:1", "HEALTH_TIMEOUT_S": 1}


@pytest.mark.django_db
@override_settings(**CLOSED)
def test_healthz_reports_each_component_with_a_reason(client):
    r = client.get("/healthz")
    body = json.loads(r.content)
    assert r.status_code == 503 and body["status"] == "degraded"
    assert body["components"]["sql"]["status"] == "ok"
    for name in ("redis", "neo4j", "vector_index", "model_server"):
        assert body["components"][name]["status"] == "down"
        assert body["components"][name]["detail"]  # the reason, e.g. connection refused


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
