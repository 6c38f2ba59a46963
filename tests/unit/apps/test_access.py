import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from apps.accounts.access import get_collection_for_user, readable_collection_ids


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_it_gives_members_their_collection(personas):
    for user in (personas.owner, personas.editor, personas.reader):
        assert get_collection_for_user(_request(user), personas.collection.pk) == personas.collection


def test_it_hides_the_collection_from_outsiders(personas):
    with pytest.raises(Http404):
        get_collection_for_user(_request(personas.outsider), personas.collection.pk)


def test_it_refuses_writes_to_readers(personas):
    with pytest.raises(PermissionDenied):
        get_collection_for_user(_request(personas.reader), personas.collection.pk, write=True)
    assert get_collection_for_user(_request(personas.editor), personas.collection.pk, write=True)


def test_it_refuses_admin_actions_to_editors(personas):
    with pytest.raises(PermissionDenied):
        get_collection_for_user(_request(personas.editor), personas.collection.pk, admin=True)
    assert get_collection_for_user(_request(personas.owner), personas.collection.pk, admin=True)


def test_it_reports_404_for_a_missing_collection(personas):
    with pytest.raises(Http404):
        get_collection_for_user(_request(personas.owner), 999_999)


def test_readable_ids_cover_only_memberships(personas):
    assert readable_collection_ids(personas.reader) == [personas.collection.pk]
    assert readable_collection_ids(personas.outsider) == []
