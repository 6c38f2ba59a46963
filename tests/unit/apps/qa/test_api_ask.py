"""POST /api/qa/ask answers as server-sent events when asked for them, as one JSON object otherwise."""

import json

from apps.qa.models import Answer
from model.errors import ModelUnavailable

BATTERY = "If the UPS reports battery disconnected, replace the battery cartridge and check the connector."
URL = "/api/qa/ask"
QUESTION = {"question": "UPS says battery disconnected, what do I check?"}


def _events(body: bytes) -> list[dict]:
    return [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]


def test_it_streams_events_to_a_client_that_accepts_text_event_stream(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    r = client.post(URL, QUESTION, content_type="application/json", headers={"Accept": "text/event-stream"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/event-stream")
    events = _events(b"".join(r.streaming_content))
    kinds = [e["event"] for e in events]
    assert kinds[0] == "route" and "delta" in kinds and kinds[-1] == "done"
    assert events[-1]["text"] == "Replace the battery [1]." and events[-1]["citations"] == [1]


def test_it_answers_with_one_json_object_otherwise(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    for accept in ("application/json", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        r = client.post(URL, QUESTION, content_type="application/json", headers=headers)
        assert r.status_code == 200 and r["Content-Type"] == "application/json", accept
        body = r.json()
        assert body["text"] == "Replace the battery [1]." and body["citations"] == [1]
        assert body["status"] == "done" and body["sources"][0]["chunk_id"] == "c1"
        answer = Answer.objects.get(pk=body["id"])
        assert body["conversation_id"] == answer.conversation_id


def test_bad_input_is_an_error_event_for_a_stream_client_not_a_406(client, personas, qa_world):
    client.force_login(personas.reader)
    r = client.post(
        URL, {"question": "  "}, content_type="application/json", headers={"Accept": "text/event-stream"}
    )
    assert r.status_code == 400 and r["Content-Type"].startswith("text/event-stream")
    (event,) = _events(r.content)
    assert event["event"] == "error" and event["message"]


def test_a_stream_client_without_login_gets_an_error_event(client, qa_world):
    r = client.post(URL, QUESTION, content_type="application/json", headers={"Accept": "text/event-stream"})
    assert r.status_code == 403 and _events(r.content)[0]["event"] == "error"


def test_a_model_outage_is_a_503_with_retry_after_for_a_json_client(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.error = ModelUnavailable("model server at http://127.0.0.1:1 is not reachable")
    client.force_login(personas.reader)
    r = client.post(URL, QUESTION, content_type="application/json", headers={"Accept": "application/json"})
    assert r.status_code == 503 and r["Retry-After"]
    assert r.json()["error"] == "The answer model is unavailable right now; try again in 5 s."
    assert Answer.objects.get().status == "failed"


def test_other_media_types_are_refused(client, personas, qa_world):
    client.force_login(personas.reader)
    r = client.post(URL, QUESTION, content_type="application/json", headers={"Accept": "text/html"})
    assert r.status_code == 406
