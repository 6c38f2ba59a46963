"""The Diagnose page's passages: an item's chunks follow its best one (apps/diagnose/passages.py)."""

from apps.diagnose.passages import search_passages, with_item_siblings
from retrieval.search import Passage, SearchResult

ISSUE = ("Troubleshooting", "7) Permission denied when running Podman commands")
OTHER = ("Troubleshooting", "18) podman run fails with bpf create: permission denied")


def _passage(chunk_id, path, document="podman", version="v1", kind="paragraph"):
    payload = {
        "text": chunk_id,
        "document_id": document,
        "version_id": version,
        "heading_path": list(path),
        "kind": kind,
    }
    return Passage(chunk_id, 0.0, {}, {}, payload)


class FakeSearcher:
    def __init__(self, passages):
        self.passages, self.asked = list(passages), []

    def search(self, query, allowed, top_k=None, mode="hybrid", **filters):
        self.asked.append(top_k)
        return SearchResult(tuple(self.passages[:top_k]), mode)


def test_the_solution_chunk_of_an_issue_follows_its_symptom_chunk():
    # the complaint matches the issue's symptom; its solution, sharing no word with it, ranks 9th
    ranked = [
        _passage("symptom-7", (*ISSUE, "Symptom")),
        _passage("intro-7", ISSUE),
        *[_passage(f"other-{i}", (*OTHER, "Solution")) for i in range(6)],
        _passage("solution-7", (*ISSUE, "Solution")),
    ]
    searcher = FakeSearcher(ranked)
    found = search_passages(searcher, None, "podman run fails with permission denied", ["1"], 8)
    assert [p.chunk_id for p in found][:4] == ["symptom-7", "intro-7", "solution-7", "other-0"]
    assert len(found) == 8 and searcher.asked == [24]  # siblings are looked for 3 times as deep


def test_at_most_two_siblings_follow_a_passage_and_other_items_keep_their_order():
    chunks = [_passage(f"a{i}", ("FAQ", "Why does it hang?")) for i in range(5)]
    ranked = [chunks[0], _passage("b0", ("FAQ", "Why does it crash?")), *chunks[1:]]
    assert [p.chunk_id for p in with_item_siblings(ranked, 5)] == ["a0", "a1", "a2", "b0", "a3"]
    # two questions of one section, or one heading in two documents, are two items
    ranked = [
        _passage("x", ("3. Not synchronising", "3.1. Behind a firewall?")),
        _passage("y", ("3. Not synchronising", "3.5. Using NTS?")),
        _passage("z", ("3. Not synchronising", "3.1. Behind a firewall?"), document="other"),
        _passage("x2", ("3. Not synchronising", "3.1. Behind a firewall?")),
    ]
    assert [p.chunk_id for p in with_item_siblings(ranked, 3)] == ["x", "x2", "y"]


def test_each_record_of_an_export_is_an_item_of_its_own():
    # Every row of a work-order export sits under the file's title: no row pulls the others up.
    rows = [
        _passage(f"wo{i}", ("excavator-work-orders",), document="orders", kind="record") for i in range(3)
    ]
    ranked = [rows[0], _passage("manual", ("UPS", "Battery")), rows[1], rows[2]]
    assert [p.chunk_id for p in with_item_siblings(ranked, 3)] == ["wo0", "manual", "wo1"]


def test_the_engine_is_told_which_passages_are_work_order_records():
    ranked = [_passage("wo1", ("orders",), document="orders", kind="record"), _passage("m1", ISSUE)]
    found = search_passages(FakeSearcher(ranked), None, "bucket won't open", ["1"], 2)
    assert [(p.chunk_id, p.kind) for p in found] == [("wo1", "record"), ("m1", "paragraph")]


def test_a_chunk_of_labelled_problems_pulls_no_other_problems_of_its_heading():
    # AVRDUDE's appendix: every problem a list item under its one heading; small to big pulls the
    # chunk's own item, not the section's other problems.
    def labelled(chunk_id, problem):
        p = _passage(chunk_id, ("B. Troubleshooting",))
        return Passage(chunk_id, 0.0, {}, {}, {**p.payload, "text": f"Problem: {problem} Solution: Fix it."})

    ranked = [
        labelled("p1", "The fuse blows."),
        _passage("m1", ISSUE),
        labelled("p2", "The pump hums."),
        labelled("p3", "The LED blinks."),
    ]
    assert [p.chunk_id for p in with_item_siblings(ranked, 3)] == ["p1", "m1", "p2"]


def test_a_sections_own_text_pulls_its_subsections_in_document_order():
    # chrony's FAQ: "3. Computer is not synchronising" says only "There are a number of reasons,
    # see the following questions."; the complaint repeats that title, which every subsection's
    # heading path repeats too, so 3.5's chunks rank above 3.1's and 3.3's, where the causes are.
    section = ("3. Computer is not synchronising",)

    def chunk(chunk_id, path, ordinal):
        p = _passage(chunk_id, path)
        return Passage(chunk_id, 0.0, {}, {}, {**p.payload, "ordinal": ordinal})

    ranked = [
        chunk("s3", section, 42),
        chunk("nts-a", (*section, "3.5. Using NTS?"), 48),
        chunk("nts-b", (*section, "3.5. Using NTS?"), 49),
        chunk("other", ("4. Issues with chronyc", "4.1. 506 Cannot talk to daemon"), 59),
        chunk("firewall", (*section, "3.1. Behind a firewall?"), 43),
        chunk("names", (*section, "3.3. Is name resolution working correctly?"), 45),
    ]
    shown = [p.chunk_id for p in with_item_siblings(ranked, 5)]
    assert shown == ["s3", "firewall", "names", "nts-a", "nts-b"]
    # a question with no subsections of its own pulls only its own chunks, then the search goes on
    ranked = [chunk("nts-a", (*section, "3.5. Using NTS?"), 48), *ranked[4:], ranked[2]]
    assert [p.chunk_id for p in with_item_siblings(ranked, 3)] == ["nts-a", "nts-b", "firewall"]


def test_subsections_keep_the_search_order_without_the_chunks_places():
    section = ("3. Computer is not synchronising",)
    ranked = [
        _passage("s3", section),
        _passage("names", (*section, "3.3. Is name resolution working correctly?")),
        _passage("names-2", (*section, "3.3. Is name resolution working correctly?")),
        _passage("firewall", (*section, "3.1. Behind a firewall?")),
        _passage("elsewhere", section, document="other"),
    ]
    # one chunk of each subsection, so a second subsection still shows; another document's
    # section of the same title is none of them
    assert [p.chunk_id for p in with_item_siblings(ranked, 3)] == ["s3", "names", "firewall"]
    # a subsection's "Solution" chunk is its item's; a heading two levels down is no subsection
    # (under a guide's one top heading, every issue is)
    guide = ("Troubleshooting",)
    ranked = [
        _passage("top", guide),
        _passage("issue-2", (*guide, "Common issues", "2) Permission denied")),
        _passage("fix-9", (*guide, "9) Newuidmap missing", "Solution")),
        _passage("next", ("Appendix",)),
    ]
    assert [p.chunk_id for p in with_item_siblings(ranked, 3)] == ["top", "fix-9", "issue-2"]
