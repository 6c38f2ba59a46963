"""Every graph-browser endpoint: the collection admin gets in; readers and outsiders do not."""

import pytest
from django.urls import reverse
from django.utils.http import urlencode

GET_PAGES = ["index", "entity", "neighbourhood", "neighbourhood_json", "edit_entity", "split", "merge", "deleted",
             "audit", "stats"]
POSTS = ["delete_entity", "restore_entity", "relation", "merge", "edit_entity", "split"]


def _url(name, pump, **extra):
    params = {"key": pump["pump"], **extra}
    if name == "merge":
        params.update(keep=pump["pump"], other=pump["dup"])
    return f"{reverse('graphbrowser:' + name)}?{urlencode(params)}"


@pytest.mark.parametrize("name", GET_PAGES)
def test_owner_opens_every_page(client, personas, pump, name):
    client.force_login(personas.owner)
    assert client.get(_url(name, pump)).status_code == 200


@pytest.mark.parametrize("name", [*GET_PAGES, "console"])
@pytest.mark.parametrize("persona", ["editor", "reader", "outsider"])
def test_non_admins_are_refused_every_page(client, personas, pump, name, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(_url(name, pump)).status_code == 403


@pytest.mark.parametrize("name", POSTS)
@pytest.mark.parametrize("persona", ["reader", "outsider"])
def test_non_admins_cannot_curate(client, personas, pump, fake_graph, name, persona):
    client.force_login(getattr(personas, persona))
    data = {"key": pump["pump"], "keep": pump["pump"], "other": pump["dup"], "rid": pump["shows"].encode(),
            "action": "delete", "name": "x", "new_name": "y", "aliases": ["oil pump"]}
    assert client.post(reverse("graphbrowser:" + name), data).status_code == 403
    assert not any(e.deleted for e in fake_graph.entities.values())
    assert pump["shows"] in fake_graph.relations


def test_anonymous_users_are_sent_to_login(client, pump):
    r = client.get(reverse("graphbrowser:index"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_collection_scope_gives_404_to_outsiders_and_403_to_readers(client, personas, pump, django_user_model):
    from apps.accounts.models import Collection, Membership, Role

    other = Collection.objects.create(name="Elsewhere")
    for persona, expected in (("outsider", 404), ("reader", 403)):
        user = getattr(personas, persona)
        # Make them an admin somewhere else, so only the collection check stands in the way.
        Membership.objects.create(user=user, collection=other, role=Role.ADMIN)
        client.force_login(user)
        assert client.get(_url("entity", pump, collection=personas.collection.pk)).status_code == expected
        assert client.get(_url("index", pump, collection="abc")).status_code == 404


def test_an_admin_of_another_collection_cannot_see_these_facts(client, personas, pump, django_user_model):
    from apps.accounts.models import Collection, Membership, Role

    stranger = django_user_model.objects.create_user("stranger", password="pw")
    Membership.objects.create(user=stranger, collection=Collection.objects.create(name="Other"), role=Role.ADMIN)
    client.force_login(stranger)
    assert client.get(_url("entity", pump)).status_code == 404
    assert client.get(_url("neighbourhood_json", pump)).status_code == 404
    r = client.get(reverse("graphbrowser:index"), {"q": "oil"})
    assert b"oil pump" not in r.content
    assert client.post(reverse("graphbrowser:delete_entity"), {"key": pump["pump"]}).status_code == 404


def test_console_is_for_superusers_only(client, personas, django_user_model):
    client.force_login(personas.owner)
    r = client.get(reverse("graphbrowser:console"))
    assert r.status_code == 403
    admin = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    assert client.get(reverse("graphbrowser:console")).status_code == 200
