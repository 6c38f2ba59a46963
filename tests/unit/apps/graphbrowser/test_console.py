"""The Cypher console view: superusers only, write attempts refused with a clear message."""

import pytest
from django.urls import reverse


@pytest.fixture
def root(client, django_user_model, personas):
    user = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(user)
    return user


def test_it_runs_a_read_query_and_shows_table_and_graph(client, root, fake_graph):
    r = client.post(reverse("graphbrowser:console"), {"query": "MATCH (n) RETURN n LIMIT 1"})
    body = r.content.decode()
    assert r.status_code == 200 and "gb-console-table" in body and "gb-console-data" in body
    assert "<img src=x" not in body  # property values are escaped in the table and the JSON
    assert fake_graph.console_calls == ["MATCH (n) RETURN n LIMIT 1"]


@pytest.mark.parametrize("query", ["MATCH (n) DETACH DELETE n", "CREATE (n:X)", "LOAD CSV FROM 'file:///x' AS l RETURN l",
                                   "CALL dbms.killQueries([])", "MATCH (n) SET n.name = 'x'"])
def test_it_refuses_writes_with_a_clear_message(client, root, fake_graph, query):
    r = client.post(reverse("graphbrowser:console"), {"query": query})
    assert r.status_code == 400
    assert "refused" in r.content.decode() and "read-only" in r.content.decode() or "allowlist" in r.content.decode()
    assert fake_graph.console_calls == []


def test_json_clients_get_the_refusal_as_json(client, root, fake_graph):
    r = client.post(reverse("graphbrowser:console"), {"query": "MERGE (n)"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "MERGE" in r.json()["error"]
    r = client.post(reverse("graphbrowser:console"), {"query": "RETURN 1"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["columns"] == ["n"]
