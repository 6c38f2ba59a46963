import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_it_redirects_anonymous_users_to_login(client):
    r = client.get(reverse("qa:portal"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_it_shows_collection_to_reader_and_hides_from_outsider(client, personas):
    url = reverse("documents:collection", args=[personas.collection.pk])
    client.force_login(personas.reader)
    assert client.get(url).status_code == 200
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404


def test_graph_browser_is_for_collection_admins_only(client, personas):
    url = reverse("graphbrowser:index")
    client.force_login(personas.owner)
    assert client.get(url).status_code == 200
    for user in (personas.reader, personas.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_login_page_logs_a_user_in(client, personas):
    r = client.post(reverse("accounts:login"), {"username": "reader", "password": "pw-reader"})
    assert r.status_code == 302
    assert client.get(reverse("qa:portal")).status_code == 200


def test_navigation_shows_graph_link_only_to_admins(client, personas):
    client.force_login(personas.reader)
    assert b"Knowledge graph" not in client.get(reverse("qa:portal")).content
    client.force_login(personas.owner)
    assert b"Knowledge graph" in client.get(reverse("qa:portal")).content


@pytest.mark.django_db
def test_every_page_names_a_favicon_and_favicon_ico_finds_it(client):
    from django.contrib.staticfiles import finders

    r = client.get("/accounts/login/")
    assert b'rel="icon" href="/static/favicon.svg"' in r.content
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")
