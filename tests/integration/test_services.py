"""The foundation's real services: Neo4j over Bolt, Redis, a Celery worker process, /healthz."""

import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.integration


def test_neo4j_answers_cypher_over_bolt(neo4j_driver):
    records, _, _ = neo4j_driver.execute_query("CALL dbms.components() YIELD name, versions RETURN name, versions")
    assert records[0]["name"] == "Neo4j Kernel"
    assert records[0]["versions"][0].startswith("5.26")


def test_redis_answers_ping(redis_url):
    import redis

    assert redis.Redis.from_url(redis_url).ping() is True


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_against_the_shared_database(celery_worker_process):
    from apps.accounts.models import Collection
    from apps.accounts.tasks import ping

    Collection.objects.create(name="Fleet")
    result = ping.delay().get(timeout=60)
    assert result["pong"] is True
    assert result["collections"] == 1


@pytest.mark.django_db
def test_healthz_reports_running_services_as_ok(admin_client, neo4j_url, redis_url):
    with override_settings(NEO4J_URL=neo4j_url, REDIS_URL=redis_url):
        body = json.loads(admin_client.get("/healthz").content)
    assert body["components"]["neo4j"]["status"] == "ok", body
    assert body["components"]["redis"]["status"] == "ok", body
    assert body["components"]["sql"]["status"] == "ok"
