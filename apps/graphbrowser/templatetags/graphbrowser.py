from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag
def gb_url(name: str, key: str = "", scope_param: str | None = None) -> str:
    """URL of a graph-browser page for an entity key (keys hold ':' and spaces, so they go in the query)."""
    params = {}
    if key:
        params["key"] = key
    if scope_param:
        params["collection"] = scope_param
    url = reverse(f"graphbrowser:{name}")
    return f"{url}?{urlencode(params)}" if params else url


@register.filter
def get_item(mapping: dict, key: str):  # type: ignore[no-untyped-def,type-arg]
    return mapping.get(key)
