from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.models import Collection


@login_required
def index(request: HttpRequest) -> HttpResponse:
    collections = Collection.objects.administered_by(request.user)
    if not collections.exists():
        raise PermissionDenied("The graph browser is for collection admins")
    return render(request, "graphbrowser/index.html", {"collections": collections})
