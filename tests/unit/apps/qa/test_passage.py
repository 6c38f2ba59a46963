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


def _place_line(content: bytes) -> str:
    import re

    line = re.search(r'<p class="muted" id="passage-place">(.*?)</p>', content.decode(), re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


def test_a_passage_without_a_page_has_no_leading_separator(client, personas, qa_world):
    qa_world.add_passage("c1", "Replace the battery cartridge.", personas.collection.pk, page=None)
    client.force_login(personas.reader)
    place = _place_line(client.get(reverse("qa:passage", args=["c1"])).content)
    assert place.startswith("Troubleshooting ·"), place


def test_a_passage_with_a_page_separates_it_from_its_section(client, personas, qa_world):
    qa_world.add_passage("c1", "Replace the battery cartridge.", personas.collection.pk, page=7)
    client.force_login(personas.reader)
    place = _place_line(client.get(reverse("qa:passage", args=["c1"])).content)
    assert place.startswith("Page 7 · Troubleshooting ·"), place
