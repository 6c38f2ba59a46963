from django.urls import reverse

from tests.unit.apps.documents.conftest import make_version


def test_readers_get_the_original_file_and_outsiders_404(client, personas, fakes):
    version = make_version(personas)
    url = reverse("documents:file", args=[version.document_id])
    client.force_login(personas.reader)
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"#")
    assert r["Content-Security-Policy"] == "sandbox" and r["X-Content-Type-Options"] == "nosniff"
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404
