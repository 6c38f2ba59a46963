from django.urls import reverse

from apps.qa.models import Answer, Conversation, Feedback


def _answer(user):
    conversation = Conversation.objects.create(user=user, title="q")
    return Answer.objects.create(conversation=conversation, question="q", text="a", status="done")


def test_the_asker_stores_feedback_with_a_comment(client, personas):
    answer = _answer(personas.reader)
    client.force_login(personas.reader)
    r = client.post(
        reverse("qa:feedback", args=[answer.pk]), {"is_helpful": "", "comment": "wrong part number"}
    )
    assert r.status_code == 204
    fb = Feedback.objects.get()
    assert fb.is_helpful is False and fb.comment == "wrong part number"


def test_others_cannot_rate_an_answer(client, personas):
    answer = _answer(personas.reader)
    client.force_login(personas.outsider)
    assert client.post(reverse("qa:feedback", args=[answer.pk]), {"is_helpful": "on"}).status_code == 404
    assert not Feedback.objects.exists()
