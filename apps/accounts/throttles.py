"""Rate limits on logging in and on asking, built on DRF's throttles (counters in Django's cache).

Every login attempt counts, right or wrong, and is counted before the password is checked: the
password hasher costs ~0.25 s of CPU, so an unthrottled login form is a denial of service as well
as a way to guess passwords. Attempts are limited per client address and per user name (a guesser
spreading over addresses still hits the second). Rates live in REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES (settings: LOGIN_RATE, ASK_RATE).
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle


class _SettingsRate:
    """DRF copies the rates into a class attribute at import; read them when used instead."""

    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class LoginAddressThrottle(_SettingsRate, SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginNameThrottle(_SettingsRate, SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        data = getattr(request, "data", None) or request.POST
        username = str(data.get("username") or "").strip().lower()
        if not username:
            return None
        return self.cache_format % {"scope": "login-name", "ident": username[:150]}


class AskThrottle(_SettingsRate, UserRateThrottle):
    """Questions per user: each answer holds a model slot for seconds to minutes."""

    scope = "ask"


LOGIN_THROTTLES: list[type[BaseThrottle]] = [LoginAddressThrottle, LoginNameThrottle]


def wait_s(request: HttpRequest, throttle_classes: list[type[BaseThrottle]]) -> int | None:
    """Counts this request against each throttle; the seconds to wait when one refuses, else None."""
    waits = []
    for throttle_class in throttle_classes:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    return max(1, math.ceil(max(waits))) if waits else None


def asking_too_fast(request: HttpRequest) -> HttpResponse | None:
    """A 429 with Retry-After for a user over the ask rate (the portal shows the message), else None."""
    seconds = wait_s(request, [AskThrottle])
    if seconds is None:
        return None
    message = _(
        "You are asking questions faster than Kenning allows. Please wait %(seconds)s s and ask again."
    ) % {"seconds": seconds}
    response = JsonResponse({"error": message, "status": 429, "retry_after_s": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response
