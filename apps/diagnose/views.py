from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.diagnose import services
from apps.diagnose.forms import DiagnoseForm


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """The Diagnose page: asset + symptom in, ranked causes with fixes, citations and history out."""
    asked = "symptom" in request.GET
    form = DiagnoseForm(request.GET if asked else None)
    result, status = None, 200
    if asked:
        if form.is_valid():
            result = services.run(request.user, form.cleaned_data["symptom"], form.cleaned_data["asset"])
        else:
            status = 400
    return render(request, "diagnose/page.html", {"form": form, "result": result}, status=status)
