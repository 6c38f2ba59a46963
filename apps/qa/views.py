from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.models import Collection


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    collections = Collection.objects.readable_by(request.user)
    return render(request, "qa/portal.html", {"collections": collections})
