"""/api/docs/ works offline: Swagger UI comes from the vendored, pinned swagger-ui-dist (issue 11)."""

import json
import re
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.staticfiles import finders


class _Resources(HTMLParser):
    """Every URL the page makes the browser load (scripts, stylesheets, icons, images)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name) and tag != "a":
                self.urls.append(str(values[name]))


def _docs_page(client, personas) -> str:  # type: ignore[no-untyped-def]
    client.force_login(personas.reader)
    r = client.get("/api/docs/")
    assert r.status_code == 200
    return r.content.decode()


def test_the_docs_page_loads_only_local_static_files(client, personas):
    page = _docs_page(client, personas)
    parser = _Resources()
    parser.feed(page)
    assert len(parser.urls) >= 4  # favicon, stylesheet, bundle, standalone preset
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    assert all(url.startswith(static_url + "vendor/swagger-ui/") for url in parser.urls), parser.urls
    assert not re.search(r"https?://", page)
    assert "@latest" not in page


def test_the_files_it_references_are_vendored_static_files(client, personas):
    parser = _Resources()
    parser.feed(_docs_page(client, personas))
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    for url in parser.urls:
        assert finders.find(url.removeprefix(static_url)), f"{url} is not a static file"


def test_the_vendored_copy_is_the_pinned_npm_version(settings):
    package = json.loads((settings.BASE_DIR / "package.json").read_text())
    lock = json.loads((settings.BASE_DIR / "package-lock.json").read_text())
    pinned = package["dependencies"]["swagger-ui-dist"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned)  # exact, never a range or latest
    assert lock["packages"]["node_modules/swagger-ui-dist"]["version"] == pinned
    assert "vendor/swagger-ui" in package["scripts"]["vendor:swagger-ui"]


def test_swagger_ui_does_not_call_the_online_validator(client, personas):
    page = _docs_page(client, personas)
    settings_js = re.search(r"const swaggerSettings = (\{.*?\});", page, re.S)
    assert settings_js and json.loads(settings_js.group(1))["validatorUrl"] is None
