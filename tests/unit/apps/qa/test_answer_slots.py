"""A web process streams at most QA_CONCURRENT_ANSWERS answers; more are told when to come back."""

import json

from django.urls import reverse

from apps.qa.models import Answer
from apps.qa.slots import AnswerSlots, answer_slots

BATTERY = "If the UPS reports battery disconnected, replace the battery cartridge and check the connector."


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_wait_estimate_is_a_typical_answer_less_the_oldest_ones_run():
    clock = Clock()
    slots = AnswerSlots(2, clock=clock)
    for _ in range(2):  # two answers of 30 s each make 30 s typical
        slot = slots.acquire()
        clock.now += 30
        slot.release()
    first, second = slots.acquire(), slots.acquire()
    assert slots.acquire() is None and slots.running == 2
    clock.now += 12
    assert slots.wait_estimate_s() == 18
    clock.now += 40  # running longer than typical: still "soon", never 0 or negative
    assert slots.wait_estimate_s() == 1
    first.release()
    first.release()  # a second release changes nothing
    assert slots.running == 1 and slots.acquire() is not None
    second.release()


def test_a_slot_is_freed_when_the_events_run_out_or_the_stream_is_closed_unread():
    slots = AnswerSlots(1)
    held = slots.acquire().hold(iter([1, 2]))
    assert list(held) == [1, 2] and slots.running == 0
    slots.acquire().hold(iter([1])).close()  # the client went away before the first byte
    assert slots.running == 0


def test_a_busy_process_refuses_with_a_wait_and_stores_nothing(client, personas, qa_world, settings):
    settings.QA_CONCURRENT_ANSWERS = 1
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    taken = answer_slots().acquire()
    try:
        for accept in ("text/event-stream", "application/json"):
            r = client.post(reverse("qa:ask"), {"question": "battery disconnected"}, HTTP_ACCEPT=accept)
            assert r.status_code == 503 and int(r["Retry-After"]) >= 1
            body = r.json()
            assert body["retry_after_s"] == int(r["Retry-After"])
            assert body["error"].startswith(
                "Kenning is busy answering 1 other questions; please ask again in"
            )
        r = client.post(
            reverse("qa:api-ask"), {"question": "battery disconnected"}, HTTP_ACCEPT="application/json"
        )
        assert r.status_code == 503 and r["Retry-After"]
        assert Answer.objects.count() == 0
    finally:
        taken.release()
    r = client.post(reverse("qa:ask"), {"question": "battery disconnected"})
    events = [
        json.loads(x[6:]) for x in b"".join(r.streaming_content).decode().splitlines() if x[:6] == "data: "
    ]
    assert events[-1]["event"] == "done"
    assert answer_slots().running == 0  # the streamed answer gave its slot back


def test_a_json_answer_gives_its_slot_back(client, personas, qa_world, settings):
    settings.QA_CONCURRENT_ANSWERS = 1
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    for _ in range(2):
        r = client.post(
            reverse("qa:api-ask"), {"question": "battery disconnected"}, HTTP_ACCEPT="application/json"
        )
        assert r.status_code == 200, r.content
    assert answer_slots().running == 0
