from django.urls import reverse


def test_a_reader_opens_a_cited_passage_highlighted_with_its_page(client, personas, qa_world):
    qa_world.add_passage("c1", "Replace the battery cartridge.", personas.collection.pk, page=7)
    client.force_login(personas.reader)
    r = client.get(reverse("qa:passage", args=["c1"]))
    assert r.status_code == 200
    assert b'id="cited-passage"' in r.content and b"Replace the battery cartridge." in r.content
    assert b"Page 7" in r.content


def test_outsiders_get_404_for_a_passage_id(client, personas, qa_world):
    qa_world.add_passage("c1", "Replace the battery cartridge.", personas.collection.pk)
    client.force_login(personas.outsider)
    assert client.get(reverse("qa:passage", args=["c1"])).status_code == 404
    assert client.get(reverse("qa:passage", args=["nope"])).status_code == 404
