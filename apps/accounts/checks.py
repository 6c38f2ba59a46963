"""System checks: values present and well formed. They never contact a service."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Warning, register

_URL_SETTINGS = {
    "NEO4J_URL": ("bolt", "neo4j", "bolt+s", "neo4j+s"),
    "REDIS_URL": ("redis", "rediss"),
    "QDRANT_URL": ("http", "https"),
    "MODEL_SERVER_URL": ("http", "https"),
}


@register()
def check_service_urls(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    errors = []
    for name, schemes in _URL_SETTINGS.items():
        value = getattr(settings, name, "")
        parsed = urlparse(value)
        if parsed.scheme not in schemes or not parsed.hostname:
            errors.append(
                Error(
                    f"{name}={value!r} is not a valid URL",
                    hint=f"Use a {'/'.join(schemes)}:// URL with a host.",
                    id="kenning.E001",
                )
            )
    return errors


@register(deploy=True)
def check_production_secrets(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    if settings.SECRET_KEY.startswith("kenning-dev-only"):
        return [
            Warning(
                "SECRET_KEY is the development default",
                hint="Set SECRET_KEY or SECRET_KEY_FILE.",
                id="kenning.W001",
            )
        ]
    return []


_KEYED_SERVICES = {"MODEL_SERVER_URL": "MODEL_SERVER_API_KEY", "QDRANT_URL": "QDRANT_API_KEY"}


@register(deploy=True)
def check_service_keys(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    """A model or index server off this machine must be called with its key (it refuses otherwise)."""
    warnings = []
    for url_name, key_name in _KEYED_SERVICES.items():
        host = urlparse(getattr(settings, url_name, "")).hostname or ""
        if not getattr(settings, key_name, "") and not _is_loopback(host):
            warnings.append(
                Warning(
                    f"{url_name} points at {host}, another host, but {key_name} is not set",
                    hint=f"Set {key_name} (or {key_name}_FILE) to the key that server requires.",
                    id="kenning.W002",
                )
            )
    return warnings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
