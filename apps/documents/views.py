from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.access import get_collection_for_user, may_write
from apps.accounts.models import Collection


@login_required
def collection_list(request: HttpRequest) -> HttpResponse:
    collections = Collection.objects.readable_by(request.user)
    return render(request, "documents/collection_list.html", {"collections": collections})


@login_required
def collection_detail(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = get_collection_for_user(request, collection_id)
    context = {"collection": collection, "can_write": may_write(request.user, collection)}
    return render(request, "documents/collection_detail.html", context)
