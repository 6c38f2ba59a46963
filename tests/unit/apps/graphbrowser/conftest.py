import pytest

from apps.graphbrowser import services
from tests.unit.apps.graphbrowser.fakes import FakeGraphService


@pytest.fixture
def fake_graph(monkeypatch):
    fake = FakeGraphService()
    monkeypatch.setattr(services, "graph_service", lambda: fake)
    return fake


@pytest.fixture
def pump(fake_graph, personas):
    """An oil pump with a duplicate and a symptom, all in the personas' collection."""
    cid = personas.collection.pk
    keys = {
        "pump": fake_graph.add("Component", "oil pump", cid, "OP-1"),
        "dup": fake_graph.add("Component", "oil pumps", cid),
        "leak": fake_graph.add("Symptom", "leak", cid),
    }
    keys["shows"] = fake_graph.relate(keys["pump"], "SHOWS", keys["leak"], cid)
    return keys


def for_each(client, personas, names):
    for name in names:
        client.force_login(getattr(personas, name))
        yield name
