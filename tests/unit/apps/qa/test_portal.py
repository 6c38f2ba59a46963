from django.urls import reverse

from apps.qa.models import Conversation


def test_the_portal_lists_only_the_users_conversations(client, personas):
    Conversation.objects.create(user=personas.reader, title="Mine")
    Conversation.objects.create(user=personas.editor, title="Theirs")
    client.force_login(personas.reader)
    r = client.get(reverse("qa:portal"))
    assert b"Mine" in r.content and b"Theirs" not in r.content


def test_someone_elses_conversation_is_404(client, personas):
    c = Conversation.objects.create(user=personas.editor, title="Theirs")
    client.force_login(personas.reader)
    assert client.get(reverse("qa:conversation", args=[c.pk])).status_code == 404


def test_the_api_lists_conversations_and_the_schema_documents_ask(client, personas):
    Conversation.objects.create(user=personas.reader, title="Mine")
    client.force_login(personas.reader)
    assert [c["title"] for c in client.get("/api/qa/conversations").json()] == ["Mine"]
    schema = client.get("/api/schema/").content.decode()
    assert "/api/qa/ask" in schema and "/api/qa/conversations" in schema
