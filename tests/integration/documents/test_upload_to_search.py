"""A real sample manual uploaded through the API ends up searchable, through the real worker."""

from pathlib import Path

import pytest
from django.conf import settings

from .conftest import points_of, wait_until_settled

pytestmark = [pytest.mark.integration, pytest.mark.serial, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(settings.BASE_DIR) / "sample_data" / "manuals" / "apcupsd-smart-protocol.txt"


def test_an_uploaded_manual_becomes_searchable(client, personas, api_urls, clean_index):
    from apps.documents.models import DocumentVersion
    from config import wiring
    from retrieval.index.base import SearchFilter

    client.force_login(personas.editor)
    with SAMPLE.open("rb") as fh:
        r = client.post(f"/api/collections/{personas.collection.pk}/documents/", {"file": fh})
    assert r.status_code == 201, r.content
    version = wait_until_settled(r.json()["version"]["id"])
    assert version.status == "ready", version.error
    assert version.kind == "text" and version.chunk_count > 10 and version.entity_count is not None
    assert points_of(clean_index, personas.collection.pk, version.pk) == version.chunk_count

    status = client.get(f"/api/versions/{version.pk}/").json()
    assert status["is_current"] is True and [s["state"] for s in status["stages"]] == ["done"] * 6

    live = DocumentVersion.objects.live_ids([personas.collection.pk])
    query = wiring.embedder().embed_query("What command turns the UPS off after a delay?")
    hits = clean_index.search(query, SearchFilter.build([personas.collection.pk], version_ids=live), top_k=5)
    assert hits and hits[0].version_id == str(version.pk)
    assert any("shutdown" in h.text.lower() or "turn off" in h.text.lower() for h in hits)

    again = client.post(f"/api/collections/{personas.collection.pk}/documents/", {"file": SAMPLE.open("rb")})
    assert again.status_code == 200 and again.json()["created"] is False
