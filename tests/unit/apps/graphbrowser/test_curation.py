"""Merge (preview first), split, edit and soft delete through the views; every change is audited."""

from django.urls import reverse

from apps.graphbrowser.models import CurationEvent


def test_merge_preview_changes_nothing_and_confirm_merges(client, personas, pump, fake_graph):
    client.force_login(personas.owner)
    r = client.get(reverse("graphbrowser:merge"), {"keep": pump["pump"], "other": pump["dup"]})
    assert r.status_code == 200 and b"oil pumps" in r.content
    assert not fake_graph.entities[pump["dup"]].deleted and not CurationEvent.objects.exists()
    r = client.post(reverse("graphbrowser:merge"), {"keep": pump["pump"], "other": pump["dup"]})
    assert r.status_code == 302 and "key=Component" in r["Location"]
    assert fake_graph.entities[pump["dup"]].deleted
    assert "oil pumps" in fake_graph.entities[pump["pump"]].aliases
    event = CurationEvent.objects.get()
    assert (event.action, event.actor, event.target) == ("merge", personas.owner, pump["pump"])
    assert event.collection_ids == [personas.collection.pk]


def test_merge_refuses_different_types_and_missing_choices(client, personas, pump):
    client.force_login(personas.owner)
    r = client.get(reverse("graphbrowser:merge"), {"keep": pump["pump"], "other": pump["leak"]})
    assert r.status_code == 400 and b"never merged" in r.content
    assert client.get(reverse("graphbrowser:merge"), {"keep": pump["pump"]}).status_code == 400
    assert not CurationEvent.objects.exists()


def test_merge_refuses_facts_shared_with_collections_the_admin_does_not_administer(client, personas, pump,
                                                                                   fake_graph):
    fake_graph.entities[pump["dup"]].collections.add("999")
    client.force_login(personas.owner)
    r = client.post(reverse("graphbrowser:merge"), {"keep": pump["pump"], "other": pump["dup"]})
    assert r.status_code == 403
    assert not fake_graph.entities[pump["dup"]].deleted and not CurationEvent.objects.exists()


def test_split_moves_chosen_aliases_to_a_new_entity(client, personas, pump, fake_graph):
    client.force_login(personas.owner)
    url = reverse("graphbrowser:split")
    assert b"OP-1" in client.get(url, {"key": pump["pump"]}).content
    r = client.post(url, {"key": pump["pump"], "aliases": ["OP-1"], "new_name": "Oil pump 1"})
    assert r.status_code == 302
    assert "Component:oil pump 1" in fake_graph.entities
    assert CurationEvent.objects.get().action == "split"


def test_edit_entity_renames_and_records_before_and_after(client, personas, pump, fake_graph):
    client.force_login(personas.owner)
    r = client.post(reverse("graphbrowser:edit_entity"), {"key": pump["pump"], "name": "Oil pump P-101",
                                                          "aliases": "oil pump\nP-101"})
    assert r.status_code == 302
    assert fake_graph.entities[pump["pump"]].name == "Oil pump P-101"
    event = CurationEvent.objects.get()
    assert event.before == {"name": "oil pump"} and event.after == {"name": "Oil pump P-101"}


def test_delete_and_restore_entity(client, personas, pump, fake_graph):
    client.force_login(personas.owner)
    r = client.post(reverse("graphbrowser:delete_entity"), {"key": pump["pump"], "reason": "wrong extraction"})
    assert r.status_code == 302 and fake_graph.entities[pump["pump"]].deleted
    assert client.get(reverse("graphbrowser:entity"), {"key": pump["pump"]}).status_code == 404
    assert b"oil pump" in client.get(reverse("graphbrowser:deleted")).content
    r = client.post(reverse("graphbrowser:restore_entity"), {"key": pump["pump"]})
    assert r.status_code == 302 and not fake_graph.entities[pump["pump"]].deleted
    assert [e.action for e in CurationEvent.objects.order_by("pk")] == ["delete_entity", "restore_entity"]
    assert CurationEvent.objects.order_by("pk").first().reason == "wrong extraction"


def test_delete_edit_and_restore_relation(client, personas, pump, fake_graph):
    client.force_login(personas.owner)
    url = reverse("graphbrowser:relation")
    rid = pump["shows"]
    assert client.post(url, {"rid": rid.encode(), "action": "delete"}).status_code == 302
    assert rid not in fake_graph.relations
    assert client.post(url, {"rid": rid.encode(), "action": "restore"}).status_code == 302
    assert rid in fake_graph.relations
    assert client.post(url, {"rid": rid.encode(), "action": "edit", "new_type": "CAUSED_BY"}).status_code == 302
    assert any(r.type == "CAUSED_BY" for r in fake_graph.relations)
    assert client.post(url, {"rid": "garbage", "action": "delete"}).status_code == 400
    assert client.post(url, {"rid": rid.encode(), "action": "explode"}).status_code == 400
    assert CurationEvent.objects.count() == 3


def test_curation_endpoints_refuse_get(client, personas, pump):
    client.force_login(personas.owner)
    for name in ("delete_entity", "restore_entity", "relation"):
        assert client.get(reverse("graphbrowser:" + name), {"key": pump["pump"]}).status_code == 405


def test_audit_page_shows_only_events_of_the_admins_collections(client, personas, pump):
    CurationEvent.objects.create(actor_name="owner", action="merge", target="a", summary="mine",
                                 collection_ids=[personas.collection.pk])
    CurationEvent.objects.create(actor_name="x", action="merge", target="b", summary="theirs", collection_ids=[999])
    client.force_login(personas.owner)
    body = client.get(reverse("graphbrowser:audit")).content
    assert b"mine" in body and b"theirs" not in body


def test_entity_page_lists_only_curation_events_made_in_the_admins_collections(client, personas, pump):
    CurationEvent.objects.create(actor_name="owner", action="edit", target=pump["pump"], summary="renamed here",
                                 collection_ids=[personas.collection.pk])
    CurationEvent.objects.create(actor_name="x", action="edit", target=pump["pump"], summary="secret rename",
                                 collection_ids=[999])
    client.force_login(personas.owner)
    body = client.get(reverse("graphbrowser:entity"), {"key": pump["pump"]}).content
    assert b"renamed here" in body and b"secret rename" not in body
