import json

import pytest
from django.urls import reverse

from apps.accounts.models import Collection, Membership
from apps.qa.models import Answer

BATTERY = "If the UPS reports battery disconnected, replace the battery cartridge and check the connector."


def _events(response):
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def _ask(client, question, **extra):
    return client.post(reverse("qa:ask"), {"question": question, **extra})


def test_it_streams_a_cited_answer_and_stores_how_it_was_made(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    events = _events(_ask(client, "UPS says battery disconnected, what do I check?"))
    kinds = [e["event"] for e in events]
    assert kinds[0] == "route" and kinds[1] == "sources" and kinds[-1] == "done" and "delta" in kinds
    done = events[-1]
    assert done["text"] == "Replace the battery [1]." and done["citations"] == [1]
    answer = Answer.objects.get()
    assert answer.status == "done" and answer.route["intent"] == "troubleshooting"
    assert answer.sources[0]["chunk_id"] == "c1" and answer.profile["max_new_tokens"] > 0
    assert answer.retrieval_ms is not None and answer.ttft_ms is not None and answer.model_name == "scripted"


def test_the_prompt_numbers_the_sources(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    _events(_ask(client, "battery disconnected"))
    asked = qa_world.model.calls[0][-1]["content"]  # the sources travel with the question
    assert asked.startswith("Sources:\n[1] (") and "replace the battery cartridge" in asked


def test_dangling_citations_are_removed(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.reply = "Check the connector [1] and the battery cartridge [9]."
    client.force_login(personas.reader)
    done = _events(_ask(client, "battery disconnected"))[-1]
    assert done["text"] == "Check the connector [1] and the battery cartridge." and done[
        "dangling_citations"
    ] == [9]


def test_outsiders_get_nothing_from_a_collection_however_they_ask(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY + " Model SU1400 part RBC7.", personas.collection.pk)
    client.force_login(personas.outsider)
    for question in (
        "battery disconnected",
        "What does the Pumps collection say about RBC7?",
        "Show me document 1 chunk c1 of SU1400",
    ):
        events = _events(_ask(client, question))
        assert all(e.get("sources", []) == [] for e in events)
        assert "replace the battery" not in json.dumps(events).lower()
    assert qa_world.model.calls == []  # nothing reached the prompt either


def test_a_reader_of_another_collection_sees_only_that_collection(client, personas, qa_world):
    other = Collection.objects.create(name="Fleet")
    Membership.objects.create(user=personas.outsider, collection=other, role="reader")
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.add_passage(
        "c2", "Fleet trucks: if the battery is disconnected, check the main switch.", other.pk
    )
    client.force_login(personas.outsider)
    sources = next(e for e in _events(_ask(client, "battery disconnected")) if e["event"] == "sources")[
        "sources"
    ]
    assert [s["chunk_id"] for s in sources] == ["c2"]


def test_nothing_relevant_says_not_found_and_shows_closest_passages(client, personas, qa_world, settings):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    settings.QA_MIN_DENSE_SCORE = 0.99
    client.force_login(personas.reader)
    done = _events(_ask(client, "What is the torque of the flange bolts on the gearbox?"))[-1]
    assert done["not_found"] is True and "could not find" in done["text"]
    assert qa_world.model.calls == []


def test_a_collection_with_no_documents_gets_a_clear_not_found(client, personas, qa_world):
    client.force_login(personas.reader)
    done = _events(_ask(client, "battery disconnected"))[-1]
    assert done["not_found"] is True


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_is_refused(client, personas, qa_world, question):
    client.force_login(personas.reader)
    r = _ask(client, question)
    assert r.status_code == 400 and b"type a question" in r.content
    assert not Answer.objects.exists()


def test_a_10000_character_question_is_refused_with_the_numbers(client, personas, qa_world):
    client.force_login(personas.reader)
    r = client.post(reverse("qa:ask"), {"question": "x" * 10_000}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400
    assert "10,000" in r.json()["error"] and "4,000" in r.json()["error"]


def test_a_down_model_server_gives_a_clear_error_event(client, personas, qa_world):
    from model.errors import ModelUnavailable

    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.error = ModelUnavailable("model server at http://127.0.0.1:1 is not reachable")
    client.force_login(personas.reader)
    last = _events(_ask(client, "battery disconnected"))[-1]
    assert last["event"] == "error" and last["retry_after_s"]
    assert last["message"] == "The answer model is unavailable right now; try again in 5 s."
    assert "127.0.0.1" not in last["message"]  # internal addresses stay in the log
    assert Answer.objects.get().status == "failed"


def test_a_follow_up_uses_the_conversation(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    first = _events(_ask(client, "UPS says battery disconnected, what do I check?"))
    conversation_id = first[0]["conversation_id"]
    _events(_ask(client, "and then?", conversation_id=conversation_id))
    messages = qa_world.model.calls[1]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert Answer.objects.filter(conversation_id=conversation_id).count() == 2


def test_nobody_can_continue_someone_elses_conversation(client, personas, qa_world):
    client.force_login(personas.reader)
    conversation_id = _events(_ask(client, "hello"))[0]["conversation_id"]
    client.force_login(personas.editor)
    r = client.post(
        reverse("qa:ask"),
        {"question": "more?", "conversation_id": conversation_id},
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 404


def test_anonymous_users_cannot_ask(client, qa_world, db):
    assert _ask(client, "hello").status_code == 302


def test_a_version_still_being_ingested_does_not_answer(client, personas, qa_world):
    qa_world.add_passage("old", BATTERY, personas.collection.pk, title="UPS manual")
    qa_world.add_passage(
        "new", BATTERY + " (revised)", personas.collection.pk, title="UPS manual", is_live=False
    )
    client.force_login(personas.reader)
    sources = next(e for e in _events(_ask(client, "battery disconnected")) if e["event"] == "sources")[
        "sources"
    ]
    assert [s["chunk_id"] for s in sources] == ["old"] and sources[0]["title"] == "UPS manual"


def test_the_evidence_answer_comes_before_any_model_token_and_is_stored(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    events = _events(_ask(client, "UPS says battery disconnected, what do I check?"))
    kinds = [e["event"] for e in events]
    assert kinds.index("evidence") < kinds.index("delta")
    evidence = next(e for e in events if e["event"] == "evidence")
    assert evidence["kind"] == "extract" and evidence["text"].endswith("[1].")
    assert "replace the battery cartridge" in evidence["text"]
    answer = Answer.objects.get()
    assert answer.evidence_answer["text"] == evidence["text"] and answer.evidence_ms is not None


def test_every_sentence_is_checked_as_it_streams_and_marks_persist(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.reply = (
        "Replace the battery cartridge [1]. Check the connector [1]. Check the battery connector [1]. "
        "Order part RBC9 [1]."
    )
    client.force_login(personas.reader)
    events = _events(_ask(client, "battery disconnected"))
    checks = [e for e in events if e["event"] == "sentence"]
    assert [c["supported"] for c in checks] == [True, True, True, False]
    assert checks[3]["missing_identifiers"] == ["RBC9"]
    answer = Answer.objects.get()
    assert not answer.fell_back and [s["supported"] for s in answer.sentences] == [True, True, True, False]
    page = client.get(reverse("qa:conversation", args=[answer.conversation_id])).content.decode()
    assert 'class="sentence unsupported"' in page and "1 of 4 sentences are not supported" in page


def test_a_mostly_unsupported_answer_falls_back_to_the_evidence_answer(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.reply = "Recalibrate the inverter firmware [1]. Order part RBC9 [1]."
    client.force_login(personas.reader)
    done = _events(_ask(client, "battery disconnected"))[-1]
    answer = Answer.objects.get()
    assert done["fell_back"] and answer.fell_back
    assert answer.text == answer.evidence_answer["text"] and "replace the battery cartridge" in answer.text
    assert answer.model_text.startswith("Recalibrate") and answer.citations == [1]
    assert all(s["supported"] for s in answer.sentences)


def test_the_model_is_constrained_to_cite_the_numbered_sources(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    _events(_ask(client, "battery disconnected"))
    grammar = qa_world.model.options[0]["grammar"]
    assert 'num ::= "1"' in grammar and "cites end" in grammar


def test_an_answer_whose_client_went_away_is_marked_cancelled(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    response = _ask(client, "battery disconnected")
    stream = iter(response.streaming_content)
    while b"delta" not in next(stream):
        pass
    response.close()  # what the server does when the browser disconnects
    answer = Answer.objects.get()
    assert answer.status == "cancelled" and answer.model_text == "Replace "
    page = client.get(reverse("qa:conversation", args=[answer.conversation_id])).content.decode()
    assert "Cancelled before the answer finished" in page


def test_a_value_no_source_states_is_not_found_without_asking_the_model(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY + " Tighten the terminal screws.", personas.collection.pk)
    client.force_login(personas.reader)
    events = _events(_ask(client, "What torque should the battery terminal screws be tightened to?"))
    done = events[-1]
    assert done["not_found"] is True and "states a torque value" in done["text"]
    assert any(e["event"] == "evidence" for e in events)  # the closest passages are still shown
    assert qa_world.model.calls == []
    assert Answer.objects.get().is_not_found


def test_a_value_a_source_states_goes_to_the_model(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY + " Tighten the terminal screws to 2.5 N·m.", personas.collection.pk)
    client.force_login(personas.reader)
    done = _events(_ask(client, "What torque should the battery terminal screws be tightened to?"))[-1]
    assert done["not_found"] is False and len(qa_world.model.calls) == 1


def test_a_chinese_asker_gets_not_found_in_chinese(client, personas, qa_world):
    qa_world.add_passage("c1", "更换电池后，拧紧电池端子螺丝。", personas.collection.pk)
    client.force_login(personas.reader)
    done = _events(_ask(client, "电池端子螺丝要拧到多大力矩？"))[-1]
    assert done["not_found"] is True
    assert done["text"].startswith("在您有权访问的文档中没有找到") and "扭矩" in done["text"]


REFUSAL = "I could not find this in the documents you can access."


def test_a_refusal_gets_a_second_look_and_a_supported_answer_replaces_it(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.replies = [REFUSAL, "Replace the battery cartridge. [1]"]
    client.force_login(personas.reader)
    events = _events(_ask(client, "UPS says battery disconnected, what do I check?"))
    done = events[-1]
    assert done["not_found"] is False and done["text"] == "Replace the battery cartridge [1]."
    # The refusal never reached the reader; the second look may not refuse.
    assert "could not find" not in "".join(e["text"] for e in events if e["event"] == "delta")
    first, second = (o["grammar"] for o in qa_world.model.options)
    assert "notfound | answer" in first and "root ::= answer" in second
    assert qa_world.model.calls[0] == qa_world.model.calls[1]  # same prompt: the KV cache serves it
    assert Answer.objects.get().second_look == "Replace the battery cartridge [1]."


def test_a_second_look_the_sources_do_not_support_keeps_the_refusal(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.replies = [REFUSAL, "Tighten the terminal screws to 4 N·m [1]."]
    client.force_login(personas.reader)
    done = _events(_ask(client, "Battery disconnected: which spare part number fits this UPS?"))[-1]
    assert done["not_found"] is True and done["text"] == REFUSAL and not done["fell_back"]
    answer = Answer.objects.get()
    assert answer.second_look == "Tighten the terminal screws to 4 N·m [1]." and answer.model_text == REFUSAL


def test_a_refusal_gives_way_to_an_evidence_answer_that_covers_the_question(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.replies = [REFUSAL, "Tighten the terminal screws to 4 N·m [1]."]
    client.force_login(personas.reader)
    done = _events(_ask(client, "UPS says battery disconnected, what do I check?"))[-1]
    assert done["not_found"] is False and done["fell_back"] is True and done["model_refused"] is True
    assert "replace the battery cartridge" in done["text"] and "[1]" in done["text"]
    answer = Answer.objects.get()
    assert answer.model_text == REFUSAL  # the model's own text is kept for review
    page = client.get(reverse("qa:conversation", args=[answer.conversation_id])).content.decode()
    assert "The model found no answer in its sources, but the evidence above covers" in page
    assert "mostly not supported" not in page


def test_without_the_second_look_a_refusal_stands(client, personas, qa_world, settings):
    settings.QA_SECOND_LOOK = False
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.replies = [REFUSAL, "Replace the battery cartridge [1]."]
    client.force_login(personas.reader)
    done = _events(_ask(client, "Battery disconnected: which spare part number fits this UPS?"))[-1]
    assert done["not_found"] is True and len(qa_world.model.calls) == 1


def test_a_thing_no_source_mentions_is_not_found_without_asking_the_model(client, personas, qa_world):
    # the portal's case: passages shared "wire", "stop", "machine" but none mentioned an E-stop
    qa_world.add_passage(
        "c1", "Wire the machine's limit switch to stop the axis in LinuxCNC.", personas.collection.pk
    )
    client.force_login(personas.reader)
    question = "How do I wire the E-stop so LinuxCNC stops the machine when the emergency stop is pressed?"
    done = _events(_ask(client, question))[-1]
    assert done["not_found"] is True and "mentions “E-stop”" in done["text"]
    assert qa_world.model.calls == []


def test_a_follow_up_pointing_back_is_searched_with_the_earlier_question(
    client, personas, qa_world, monkeypatch
):
    from apps.qa import evidence

    searched = []
    search = evidence.search_with_translation
    monkeypatch.setattr(
        evidence,
        "search_with_translation",
        lambda s, t, query, *a, **k: searched.append(query) or search(s, t, query, *a, **k),
    )
    qa_world.add_passage(
        "c1", "E-22 coupling misalignment on the KP-50: fit coupling KP-CP-330.", personas.collection.pk
    )
    client.force_login(personas.reader)
    first = _events(_ask(client, "What does fault code E-22 on the KP-50 pump mean?"))
    _events(_ask(client, "Which spare part do I need for that?", conversation_id=first[0]["conversation_id"]))
    assert (
        searched[-1]
        == "What does fault code E-22 on the KP-50 pump mean? Which spare part do I need for that?"
    )
