from django.urls import reverse

from .conftest import make_version


def test_it_reports_stage_and_progress_to_members_only(client, personas):
    version = make_version(personas)
    url = reverse("documents:status", args=[personas.collection.pk]) + f"?ids={version.pk}"
    for user in (personas.owner, personas.editor, personas.reader):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 200
        [status] = r.json()["versions"]
        assert (
            status["status"] == "queued" and status["stage"] == "stored" and status["next_stage"] == "parsed"
        )
        assert [s["state"] for s in status["stages"]] == ["done"] + ["pending"] * 5
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404


def test_without_ids_it_lists_the_active_versions(client, personas):
    make_version(personas, ingest=True)
    queued = make_version(personas, "second.md", b"# Second\n\nAnother pump note.")
    client.force_login(personas.reader)
    r = client.get(reverse("documents:status", args=[personas.collection.pk]))
    assert [v["id"] for v in r.json()["versions"]] == [queued.pk]


def test_it_rejects_malformed_ids(client, personas):
    client.force_login(personas.reader)
    r = client.get(
        reverse("documents:status", args=[personas.collection.pk]) + "?ids=1,x",
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 400
