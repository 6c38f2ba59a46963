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


@pytest.fixture
def replica_up():  # type: ignore[no-untyped-def]
    """A replica answering /health as the model server does when its models are loaded."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):  # type: ignore[no-untyped-def]
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args):  # type: ignore[no-untyped-def]
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_one_model_replica_down_of_two_is_degraded_not_down(replica_up):
    from config.health import check_all, overall_status

    urls = [replica_up, "http://127.0.0.1:1"]
    with override_settings(MODEL_SERVER_URL=replica_up, MODEL_SERVER_URLS=urls, HEALTH_TIMEOUT_S=1):
        [model] = check_all(["model_server"])
    assert (model.is_ok, model.status) == (True, "degraded")
    assert "1 of 2 replicas up" in model.detail and "http://127.0.0.1:1" in model.detail
    assert overall_status([model]) == "degraded"

    with override_settings(MODEL_SERVER_URL=replica_up, MODEL_SERVER_URLS=[replica_up], HEALTH_TIMEOUT_S=1):
        [alone] = check_all(["model_server"])
    assert alone.status == "ok"


def test_every_model_replica_down_is_down(replica_up):
    from config.health import check_all, overall_status

    closed = ["http://127.0.0.1:1", "http://127.0.0.1:2"]
    with override_settings(MODEL_SERVER_URL=closed[0], MODEL_SERVER_URLS=closed, HEALTH_TIMEOUT_S=1):
        [model] = check_all(["model_server"])
    assert model.status == "down" and "all 2 replicas down" in model.detail
    assert overall_status([model]) == "down"


@pytest.mark.django_db
def test_healthz_and_the_healthcheck_pass_while_a_model_replica_is_down(admin_client, replica_up, capsys):
    from config import health

    urls = [replica_up, "http://127.0.0.1:1"]
    with (
        override_settings(MODEL_SERVER_URL=replica_up, MODEL_SERVER_URLS=urls, HEALTH_TIMEOUT_S=1),
        # Only the component under test: the others have no server in a unit test.
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setattr(health, "PROBES", {"sql": health._probe_sql, "model_server": health._probe_model})
        r = admin_client.get("/healthz")
        call_command("healthcheck")
    body = json.loads(r.content)
    assert r.status_code == 200 and body["status"] == "degraded"
    assert body["components"]["model_server"]["status"] == "degraded"
    assert "degraded" in capsys.readouterr().out
