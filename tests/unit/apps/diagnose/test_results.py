"""The Diagnose page and API render a diagnosis with citations to the passage viewer.

The engine (graph.diagnose.diagnose) is replaced by a function of the same signature returning a
fixed Diagnosis; the real engine runs against Neo4j in tests/integration/graph/test_diagnose.py
and in the browser in tests/e2e/test_diagnose.py.
"""

import re

import pytest
from django.urls import reverse

from apps.diagnose import services
from apps.diagnose.services import short_label
from graph.diagnose import Asset, Diagnosis, Seed
from graph.diagnose_rank import ChainStep, Cite, Fix, History, ManualChain, RankedCause, SimilarOrder
from graph.history import LastFix, ProblemHistory
from graph.queries import EntityRef
from retrieval.errors import IndexUnavailable
from retrieval.search import Passage, SearchConfig, SearchResult


class FakeSearcher:
    """The searcher's interface: passages for a query in the allowed collections."""

    config = SearchConfig()

    def __init__(self, passages=(), error=None):
        self.passages, self.error, self.calls = list(passages), error, []

    def search(self, query, allowed, top_k=None, mode="hybrid", **filters):
        self.calls.append((query, list(allowed), top_k, mode))
        if self.error:
            raise self.error
        return SearchResult(tuple(self.passages), mode)


@pytest.fixture
def engine(monkeypatch, personas):
    from apps.documents.models import Document

    manual = Document.objects.create(collection=personas.collection, title="HP-200 manual")
    page = Cite("chunk-7", str(manual.pk), 4)
    record = Cite("row-2", "999", None)
    chain = ManualChain(
        "ErrorCode:H301",
        "ram drifts down",
        "Cause:worn piston seal",
        "worn piston seal",
        "Cause",
        "Action:replace seal kit",
        "replace seal kit",
        ("HS-4410",),
        (ChainStep("worn piston seal", "REMEDIED_BY", "replace seal kit", (page,)),),
    )
    cause = RankedCause(
        "Cause:worn piston seal",
        "worn piston seal",
        "Cause",
        1.53,
        {"manual": 1.0, "history": 0.4, "similar": 0.13},
        [Fix("Action:replace seal kit", "replace seal kit", ("HS-4410",), (page,))],
        [chain],
        History(
            asset=2, last_date="2023-07-10", mean_days_between=181.0, orders=("WO2", "WO1"), dates_scope="asset"
        ),
        [
            SimilarOrder("WO2", "2023-07-10", "ram drifts down", 0.77, ("replace seal kit",), (record,), scope="asset"),
            SimilarOrder("WO9", "2023-08-01", "ram creeps", 0.5, ("replace seal kit",), (record,), scope="fleet"),
        ],
    )
    passage_cause = RankedCause(
        "Passage:chunk-9",
        "Troubleshooting > Ram creeps",
        "Passage",
        0.3,
        {"passage": 0.3},
        excerpt="Ram creeps when the check valve leaks.",
        cites=(Cite("chunk-9", str(manual.pk), 9),),
    )
    last = LastFix(
        "Action:replace seal kit",
        "replace seal kit",
        "2023-07-10",
        "WorkOrder:WO2",
        "WO2",
        "Equipment:PRESS1",
        ("ram drifts down",),
        "ram drifts down",
        (record,),
    )
    had = ProblemHistory("Symptom:ram drifts down", "Symptom", "ram drifts down", 2, "2023-07-10", 181.0)

    def fake(
        driver, complaint, collections, extractor, *, asset=None, passages=(), config=None, database=None
    ):
        calls.append((complaint, list(collections), asset))
        calls.passages = list(passages)
        found = Asset(EntityRef("Equipment:PRESS1", "Equipment", "PRESS-1"), ("Equipment:PRESS1",), ())
        seeds = [Seed(EntityRef("ErrorCode:H301", "ErrorCode", "H-301"), 1.0, "exact")]
        return Diagnosis(complaint, found, seeds, [cause, passage_cause], 4, 12.5, [], [last], "asset", [had])

    calls = _Calls()
    monkeypatch.setattr(services, "diagnose", fake)
    monkeypatch.setattr(services.wiring, "searcher", lambda: FakeSearcher([_passage(manual.pk)]))
    monkeypatch.setattr(services.wiring, "neo4j_driver", lambda: None)
    monkeypatch.setattr(services.wiring, "graph_extractor", lambda: None)
    monkeypatch.setattr(services.wiring, "diagnose_translator", lambda: None)
    return calls


class _Calls(list):
    passages: list = []


def _passage(document_pk):
    payload = {
        "text": "Ram creeps when the check valve leaks.",
        "document_id": str(document_pk),
        "page": 9,
        "heading_path": ["Troubleshooting", "Ram creeps"],
        "collection_id": "1",
        "version_id": "1",
    }
    return Passage("chunk-9", 0.5, {"sparse": 1.0}, {"sparse": 1}, payload)


def test_a_reader_sees_ranked_causes_with_fix_part_history_and_cited_page(client, personas, engine):
    client.force_login(personas.reader)
    r = client.get(reverse("diagnose:page"), {"symptom": "H-301", "asset": "PRESS-1"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="cause-name">worn piston seal' in html
    assert "HS-4410" in html and "Work orders: 2 on this asset" in html
    # The last date and each similar record say whose they are: this machine's or another's.
    assert "last on this asset 2023-07-10" in html
    assert '<span class="scope">this asset</span> 2023-07-10' in html
    assert '<span class="scope">other machine</span> 2023-08-01' in html
    assert f'href="{reverse("qa:passage", args=["chunk-7"])}"' in html and "[HP-200 manual, p. 4]" in html
    assert engine == [("H-301", [str(personas.collection.pk)], "PRESS-1")]


def test_the_api_returns_the_same_ranking_as_json(client, personas, engine):
    client.force_login(personas.reader)
    body = client.get(reverse("diagnose:api-diagnose"), {"symptom": "H-301"}).json()
    top = body["causes"][0]
    assert top["name"] == "worn piston seal" and top["score_parts"]["manual"] == 1.0
    assert top["history"]["asset"] == 2 and top["history"]["class"] == 0
    assert top["history"]["dates_scope"] == "asset"
    assert [s["scope"] for s in top["similar"]] == ["asset", "fleet"]
    assert top["fixes"][0]["cites"][0]["url"] == reverse("qa:passage", args=["chunk-7"])
    assert top["similar"][0]["cites"][0]["label"] == "document"  # a record of a document not in SQL
    assert engine[0][2] is None  # no asset asked


def test_only_graph_admins_get_the_graph_browser_link(client, personas, engine):
    client.force_login(personas.reader)
    assert (
        b"Open in the graph browser" not in client.get(reverse("diagnose:page"), {"symptom": "H-301"}).content
    )
    client.force_login(personas.owner)
    assert b"Open in the graph browser" in client.get(reverse("diagnose:page"), {"symptom": "H-301"}).content


def test_the_page_shows_the_last_fix_on_this_machine_its_history_and_passages(client, personas, engine):
    client.force_login(personas.reader)
    html = client.get(reverse("diagnose:page"), {"symptom": "H-301", "asset": "PRESS-1"}).content.decode()
    assert "Last fixed on this machine" in html
    assert '2023-07-10 <span title="replace seal kit">replace seal kit</span>' in html
    assert "This machine had:" in html and "ram drifts down ×2" in html
    assert "The manuals say: Troubleshooting &gt; Ram creeps" in html
    assert "Ram creeps when the check valve leaks." in html and "[HP-200 manual, p. 9]" in html
    # A passage shows its place in the search, not a score the graph's candidates could contradict.
    assert "search #1</span>" in html and "0.30 (passage" not in html
    assert "1.53\n          (manual 1.00 + history 0.40 + similar 0.13)" in html
    # The engine got the searched passages as cited hits.
    [hit] = engine.passages
    assert (hit.chunk_id, hit.page, hit.heading) == ("chunk-9", 9, "Troubleshooting > Ram creeps")


def test_the_api_returns_last_fixes_history_and_passage_candidates(client, personas, engine):
    client.force_login(personas.reader)
    body = client.get(reverse("diagnose:api-diagnose"), {"symptom": "H-301", "asset": "PRESS-1"}).json()
    assert body["last_fixes_scope"] == "asset"
    assert (
        body["last_fixes"][0]["action"] == "replace seal kit" and body["last_fixes"][0]["work_order"] == "WO2"
    )
    assert body["asset_history"][0]["occurrences"] == 2
    passage = body["causes"][1]
    assert passage["label"] == "Passage" and passage["excerpt"].startswith("Ram creeps")
    assert passage["search_place"] == 1 and body["causes"][0]["search_place"] is None
    assert passage["cites"][0]["url"] == reverse("qa:passage", args=["chunk-9"])


def test_a_down_index_leaves_the_graphs_diagnosis(client, personas, engine, monkeypatch):
    monkeypatch.setattr(services.wiring, "searcher", lambda: FakeSearcher(error=IndexUnavailable("down")))
    client.force_login(personas.reader)
    r = client.get(reverse("diagnose:api-diagnose"), {"symptom": "H-301"})
    assert r.status_code == 200 and r.json()["causes"][0]["name"] == "worn piston seal"
    assert engine.passages == []


LONG_REMEDY = (
    "Do not exceed 80 percent of a UPS unit's rated capacity, because the batteries then run down "
    "faster than the shutdown takes"
)


def test_a_sentence_length_name_shows_its_first_clause_and_keeps_the_full_text():
    assert short_label(LONG_REMEDY) == "Do not exceed 80 percent of a UPS unit's rated capacity …"
    assert short_label("replace seal kit") == "replace seal kit"
    assert (
        short_label(
            "Clean the cooler core (the fins clog with dust from the floor every few weeks) and check the fan"
        )
        == "Clean the cooler core …"
    )
    # No clause break within 12 words: the first 12 words.
    twenty = " ".join(f"w{i}" for i in range(20))
    assert short_label(twenty) == " ".join(f"w{i}" for i in range(12)) + " …"


def test_the_page_and_api_show_a_long_fix_short_with_the_full_name_on_expand(
    client, personas, engine, monkeypatch
):
    fake = services.diagnose

    def with_long_fix(*args, **kwargs):
        result = fake(*args, **kwargs)
        top = result.causes[0]
        top.fixes = [Fix("Action:long", LONG_REMEDY, (), top.fixes[0].cites)]
        return result

    monkeypatch.setattr(services, "diagnose", with_long_fix)
    client.force_login(personas.reader)
    html = client.get(reverse("diagnose:page"), {"symptom": "H-301"}).content.decode()
    assert "rated capacity …</span>" in html
    escaped = LONG_REMEDY.replace("'", "&#x27;")
    assert f"<summary>Full text</summary>{escaped}</details>" in html
    body = client.get(reverse("diagnose:api-diagnose"), {"symptom": "H-301"}).json()
    fix = body["causes"][0]["fixes"][0]
    assert fix["name"] == LONG_REMEDY and fix["short_name"].endswith("rated capacity …")


def test_a_chinese_complaint_is_also_read_in_english_and_the_page_says_so(
    client, personas, engine, monkeypatch
):
    from retrieval.translate import QuestionTranslator

    asked = []

    def generate(messages, max_tokens, stop):
        asked.append(messages[-1]["content"])
        return "pump bearing overheats"

    monkeypatch.setattr(services.wiring, "diagnose_translator", lambda: QuestionTranslator(generate))
    # The search's own translator is not the page's (DIAGNOSE_TRANSLATE_MODEL).
    search = QuestionTranslator(lambda messages, max_tokens, stop: "What is the warning for the pump?")
    monkeypatch.setattr(services.wiring, "question_translator", lambda: search)
    client.force_login(personas.reader)
    r = client.get(reverse("diagnose:page"), {"symptom": "泵的轴承过热"})
    assert r.status_code == 200
    # The engine reads both; the page shows what was typed and the translation it also read.
    assert engine[0][0] == "泵的轴承过热\npump bearing overheats"
    assert asked == ["泵的轴承过热"]  # once: the search reuses the cached translation
    html = r.content.decode()
    assert 'id="diagnose-translation"' in html and "pump bearing overheats" in html
    body = client.get(reverse("diagnose:api-diagnose"), {"symptom": "泵的轴承过热"}).json()
    assert body["symptom"] == "泵的轴承过热" and body["translation"] == "pump bearing overheats"


def test_an_english_complaint_is_not_translated(client, personas, engine, monkeypatch):
    from retrieval.translate import QuestionTranslator

    def generate(messages, max_tokens, stop):
        raise AssertionError("an English complaint needs no translation")

    monkeypatch.setattr(services.wiring, "diagnose_translator", lambda: QuestionTranslator(generate))
    client.force_login(personas.reader)
    body = client.get(reverse("diagnose:api-diagnose"), {"symptom": "the ram drifts down"}).json()
    assert body["translation"] == "" and engine[0][0] == "the ram drifts down"


def test_a_work_order_found_by_search_is_shown_as_a_work_order_not_as_the_manuals(
    client, personas, monkeypatch
):
    # Seen in Chromium: the excavators' records found for "bucket won't open" read "The manuals say:".
    row = RankedCause(
        "Passage:row-1",
        "excavator-work-orders",
        "Passage",
        0.3,
        {"passage": 0.3},
        excerpt="Asset: A; OriginalShorttext: BUCKET WON'T OPEN",
        cites=(Cite("row-1", "999", None),),
        from_record=True,
    )

    def fake(driver, complaint, collections, extractor, **kwargs):
        return Diagnosis(complaint, None, [], [row], 0, 1.0)

    monkeypatch.setattr(services, "diagnose", fake)
    monkeypatch.setattr(services.wiring, "searcher", lambda: FakeSearcher())
    monkeypatch.setattr(services.wiring, "neo4j_driver", lambda: None)
    monkeypatch.setattr(services.wiring, "graph_extractor", lambda: None)
    monkeypatch.setattr(services.wiring, "diagnose_translator", lambda: None)
    client.force_login(personas.reader)
    html = client.get(reverse("diagnose:page"), {"symptom": "bucket won't open"}).content.decode()
    assert "A work order says: excavator-work-orders" in html and "The manuals say:" not in html
    body = client.get(reverse("diagnose:api-diagnose"), {"symptom": "bucket won't open"}).json()
    assert body["causes"][0]["from_record"] is True


def _page_of(client, personas, monkeypatch, diagnosis, symptom="bucket won't open", asset=""):
    monkeypatch.setattr(services, "diagnose", lambda driver, complaint, *a, **k: diagnosis)
    monkeypatch.setattr(services.wiring, "searcher", lambda: FakeSearcher())
    monkeypatch.setattr(services.wiring, "neo4j_driver", lambda: None)
    monkeypatch.setattr(services.wiring, "graph_extractor", lambda: None)
    monkeypatch.setattr(services.wiring, "diagnose_translator", lambda: None)
    client.force_login(personas.reader)
    params = {"symptom": symptom, "asset": asset}
    html = client.get(reverse("diagnose:page"), params).content.decode()
    return html, client.get(reverse("diagnose:api-diagnose"), params).json()


def test_a_work_order_row_reads_as_a_line_not_as_the_exports_columns(client, personas, monkeypatch):
    # Seen in Chromium: "BscStartDate: 2004-07-01; Asset: A; OriginalShorttext: …; PMType: PM01".
    row = RankedCause(
        "Passage:row-1",
        "excavator-work-orders",
        "Passage",
        0.3,
        {"passage": 0.3},
        excerpt="BscStartDate: 2004-07-01; Asset: A; OriginalShorttext: BUCKET WON'T OPEN; PMType: PM01; Cost: 183.05",
        cites=(Cite("row-1", "999", None),),
        from_record=True,
    )
    html, body = _page_of(client, personas, monkeypatch, Diagnosis("bucket won't open", None, [], [row], 0, 1.0))
    line = "2004-07-01 · “BUCKET WON'T OPEN” · Asset A · PM Type PM01 · Cost 183.05"
    assert body["causes"][0]["excerpt"] == line
    assert "BscStartDate" not in html and "OriginalShorttext" not in html
    # A manual's passage with colons and semicolons is no row.
    assert services.record_line("Cause: a worn seal; see 4.2 for the fix.") == "Cause: a worn seal; see 4.2 for the fix."


def _done_before(history: History) -> RankedCause:
    record = Cite("row-5", "999", None)
    return RankedCause(
        "Action:replace",
        "replace",
        "Action",
        1.0,
        {"nearest": 1.0},
        [Fix("Action:replace", "replace", (), ())],
        [],
        history,
        [SimilarOrder("WO5", "2011-05-23", "REPLACE BUCKET TOOTH", 0.3, ("replace",), (record,), 1.3, "fleet")],
    )


def test_a_fix_known_by_its_verb_shows_the_work_order_it_was_done_in_and_no_contradiction(
    client, personas, monkeypatch
):
    # Seen in Chromium: "Done before: replace · Fix: replace · No work order shows this fix after this
    # problem." above the work orders that showed it.
    html, body = _page_of(
        client, personas, monkeypatch, Diagnosis("bucket won't open", None, [], [_done_before(History())], 0, 1.0)
    )
    assert "Done before: replace <span class=\"done-as\">as in “REPLACE BUCKET TOOTH”</span>" in html
    assert 'class="fix-name"' not in html
    assert "No work order shows this fix after this problem." not in html
    assert "the work orders most like the complaint below were fixed this way" in html
    assert body["causes"][0]["done_as"] == "REPLACE BUCKET TOOTH"


def test_a_last_fix_shows_its_record_text_not_the_internal_id_and_no_empty_problem(
    client, personas, monkeypatch
):
    # Seen in Chromium: "2010-06-08 top up · leak (9:66abf3ad-…)" and "jump start · (9:336b…)".
    record = Cite("row-2", "999", None)
    last = LastFix(
        "Action:jump start", "jump start", "2011-05-29", "WorkOrder:9:336b", "9:336b-77", "Equipment:E", (),
        "JUMP START", (record,),
    )
    found = Asset(EntityRef("Equipment:E", "Equipment", "E"), ("Equipment:E",), ())
    diagnosis = Diagnosis("engine won't start", found, [], [], 0, 1.0, [], [last], "asset", [])
    html, _ = _page_of(client, personas, monkeypatch, diagnosis, "engine won't start", "E")
    assert '2011-05-29 <span title="jump start">jump start</span> “JUMP START”' in html
    assert "9:336b" not in html and "· (" not in html


def test_the_matched_line_does_not_open_with_a_separator(client, personas, monkeypatch):
    seeds = [Seed(EntityRef("Symptom:bucket", "Symptom", "bucket"), 0.5, "fulltext")]
    html, _ = _page_of(client, personas, monkeypatch, Diagnosis("bucket won't open", None, seeds, [], 0, 1.0))
    assert "Matched:" in html and not re.search(r"<p class=\"muted\">\s*·", html)


def test_the_page_says_how_many_passages_were_left_out_for_naming_nothing_of_the_complaint(
    client, personas, monkeypatch
):
    diagnosis = Diagnosis("bucket won't open", None, [], [], 0, 1.0, passages_set_aside=3)
    html, body = _page_of(client, personas, monkeypatch, diagnosis)
    assert "3 passages the search found share at most one word with the complaint, or name its part but not its fault, and are left out." in html
    assert body["passages_set_aside"] == 3
