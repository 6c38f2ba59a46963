"""MODEL_SERVER_URLS in config.wiring: replicas when the list holds MODEL_SERVER_URL."""

import pytest

from config import wiring


@pytest.fixture
def client_for(settings):
    def build(url, urls):
        settings.MODEL_SERVER_URL, settings.MODEL_SERVER_URLS = url, urls
        wiring.model_client.cache_clear()
        return [r.url for r in wiring.model_client().replicas.replicas]

    yield build
    wiring.model_client.cache_clear()


def test_the_replica_list_is_used_when_it_holds_the_main_url(client_for):
    urls = ["http://m-0:8081", "http://m-1:8081"]
    assert client_for("http://m-0:8081/", urls) == urls


def test_a_main_url_outside_the_list_is_served_alone(client_for):
    # e.g. a test pointing MODEL_SERVER_URL at a dead port must not be rescued by the replicas
    assert client_for("http://127.0.0.1:1", ["http://m-0:8081", "http://m-1:8081"]) == ["http://127.0.0.1:1"]
    assert client_for("http://m-0:8081", []) == ["http://m-0:8081"]
