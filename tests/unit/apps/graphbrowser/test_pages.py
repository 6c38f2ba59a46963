"""Search, entity page, neighbourhood data and statistics, through the client with the fake graph."""

import json

from django.urls import reverse


def test_search_lists_matches_with_type_filter(client, personas, pump):
    client.force_login(personas.owner)
    r = client.get(reverse("graphbrowser:index"), {"q": "oil"})
    assert r.status_code == 200 and b"oil pumps" in r.content and b"Preview merge" in r.content
    r = client.get(reverse("graphbrowser:index"), {"q": "leak", "type": "Component"})
    assert b"0 results" in r.content
    r = client.get(reverse("graphbrowser:index"), {"q": "leak", "type": "NotAType"})
    assert r.status_code == 200  # invalid filter: form error, no search


def test_entity_page_shows_aliases_relations_and_passage_links(client, personas, pump):
    client.force_login(personas.owner)
    r = client.get(reverse("graphbrowser:entity"), {"key": pump["pump"]})
    body = r.content.decode()
    assert "OP-1" in body and "SHOWS" in body and "leak" in body
    assert reverse("qa:passage", args=[f"chunk-{personas.collection.pk}"]) in body


def test_entity_page_needs_a_key(client, personas, pump):
    client.force_login(personas.owner)
    assert client.get(reverse("graphbrowser:entity")).status_code == 400
    assert client.get(reverse("graphbrowser:entity"), {"key": "Component:missing"}).status_code == 404


def test_entity_names_with_html_are_shown_inert(client, personas, fake_graph):
    evil = fake_graph.add("Component", "<script>alert('x')</script>", personas.collection.pk,
                          '<img src=x onerror="alert(1)">')
    client.force_login(personas.owner)
    for url, params in ((reverse("graphbrowser:entity"), {"key": evil}),
                        (reverse("graphbrowser:neighbourhood"), {"key": evil}),
                        (reverse("graphbrowser:index"), {"q": "script"})):
        body = client.get(url, params).content.decode()
        assert "<script>alert('x')</script>" not in body
        assert "<img src=x" not in body
        assert "&lt;script&gt;" in body


def test_neighbourhood_json_reports_showing_n_of_m_and_pages(client, personas, fake_graph):
    cid = personas.collection.pk
    hub = fake_graph.add("Equipment", "hub", cid)
    for i in range(30):
        fake_graph.relate(hub, "HAS_COMPONENT", fake_graph.add("Component", f"part {i:02}", cid), cid)
    client.force_login(personas.owner)
    url = reverse("graphbrowser:neighbourhood_json")
    data = client.get(url, {"key": hub, "cap": 10}).json()
    assert (data["shown"], data["total"], data["has_more"]) == (10, 30, True)
    assert len(data["edges"]) == 10
    data = client.get(url, {"key": hub, "cap": 10, "offset": 25}).json()
    assert (data["shown"], data["has_more"]) == (5, False)
    data = client.get(url, {"key": hub, "rel": "SHOWS"}).json()
    assert data["total"] == 0


def test_neighbourhood_json_rejects_bad_parameters(client, personas, pump):
    client.force_login(personas.owner)
    url = reverse("graphbrowser:neighbourhood_json")
    for params in ({"key": pump["pump"], "depth": 9}, {"key": pump["pump"], "cap": "many"},
                   {"key": pump["pump"], "rel": "DROP"}, {}):
        r = client.get(url, params, HTTP_ACCEPT="application/json")
        assert r.status_code == 400, params
        assert "error" in r.json()


def test_neighbourhood_page_loads_cytoscape_from_static_files(client, personas, pump):
    client.force_login(personas.owner)
    body = client.get(reverse("graphbrowser:neighbourhood"), {"key": pump["pump"]}).content.decode()
    assert "vendor/cytoscape.min.js" in body and "js/graphbrowser.js" in body
    assert json.dumps(pump["pump"]) in body


def test_stats_page_draws_bar_charts_and_lists_ingestion_runs(client, personas, pump):
    from apps.documents.models import Document, DocumentVersion

    doc = Document.objects.create(collection=personas.collection, title="Pump manual")
    DocumentVersion.objects.create(document=doc, number=1, content_hash="h", file_path="p", original_name="m.pdf",
                                   size_bytes=1, status="ready", entity_count=42)
    client.force_login(personas.owner)
    body = client.get(reverse("graphbrowser:stats")).content.decode()
    assert 'id="gb-chart-labels"' in body and "<rect" in body
    assert "Pump manual" in body and "42" in body


def test_django_admin_lists_the_audit_log(client, django_user_model, personas, pump):
    from apps.graphbrowser.models import CurationEvent

    CurationEvent.objects.create(actor_name="owner", action="merge", target="k", summary="merged x")
    admin = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    r = client.get(reverse("admin:graphbrowser_curationevent_changelist"))
    assert r.status_code == 200 and b"merged x" in r.content
    assert client.get(reverse("admin:graphbrowser_curationevent_add")).status_code == 403


def test_neighbourhood_json_names_entity_types_in_the_page_language(client, personas, fake_graph):
    hub = fake_graph.add("Equipment", "hub", personas.collection.pk)
    fake_graph.relate(hub, "HAS_COMPONENT", fake_graph.add("Component", "seal", personas.collection.pk),
                      personas.collection.pk)
    client.force_login(personas.owner)
    url = reverse("graphbrowser:neighbourhood_json")
    data = client.get(url, {"key": hub}, HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert (data["center"]["label"], data["center"]["label_name"]) == ("Equipment", "设备")
    assert [n["label_name"] for n in data["nodes"]] == ["部件"]
    assert client.get(url, {"key": hub}).json()["center"]["label_name"] == "Equipment"
