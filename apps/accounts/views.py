"""Log-in page with attempt throttling, and the page where a user manages their API token."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from apps.accounts.throttles import LOGIN_THROTTLES, wait_s


class ThrottledLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        seconds = wait_s(request, LOGIN_THROTTLES)
        if seconds is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: validating the posted one would run the password hasher after all.
        form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
        refusal = f"Too many login attempts. Please wait {seconds} s and try again."
        response = self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=429)
        response["Retry-After"] = str(seconds)
        return response


def throttle_logins(login_view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The same limits for another login form (the admin's): refused before the password is checked."""

    @functools.wraps(login_view)
    def view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        seconds = wait_s(request, LOGIN_THROTTLES) if request.method == "POST" else None
        if seconds is None:
            return login_view(request, *args, **kwargs)
        message = f"Too many login attempts. Please wait {seconds} s and try again."
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(seconds)
        return response

    return view


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """Create, replace or revoke the caller's API token; a new key is shown once, right after creation."""
    new_key = None
    if request.method == "POST":
        Token.objects.filter(user=request.user).delete()
        if request.POST.get("action") == "revoke":
            messages.info(request, "Your API token is revoked; clients using it are refused from now on.")
            return redirect("accounts:api-token")
        new_key = Token.objects.create(user=request.user).key
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/api_token.html", {"token": token, "new_key": new_key})
