"""Real-browser tests: Debian's Chromium driven by Playwright against a live Django server.

Services (Neo4j, Redis, a Celery worker, the index and model servers) come from the integration
fixtures, which are imported here; the server is pytest-django's live_server on the test database.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.integration.conftest import (  # noqa: F401  (re-exported fixtures)
    _ensure,
    celery_worker_process,
    clean_neo4j,
    django_db_modify_db_settings,
    index_url,
    model_server_url,
    neo4j_driver,
    neo4j_url,
    redis_url,
    stack,
)

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: scripts/install installs Debian's chromium package", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    # A bound on hangs, not a speed target: a page's first request loads spaCy and the embedder in
    # the web process, and on 2 cores beside another busy process that took over 30 s (the Diagnose
    # submit timed out once at 30 s and passed on the rerun).
    page.set_default_timeout(120_000)
    yield page
    context.close()


@pytest.fixture
def live_stack(live_server, settings, index_url, model_server_url, neo4j_url, celery_worker_process):  # type: ignore[no-untyped-def]
    """A live server wired to the real test services (same URLs the worker uses)."""
    from config import wiring

    settings.QDRANT_URL, settings.MODEL_SERVER_URL, settings.NEO4J_URL = (
        index_url,
        model_server_url,
        neo4j_url,
    )
    for factory in (wiring.vector_index, wiring.searcher, wiring.neo4j_driver):
        factory.cache_clear()
    return live_server


def login(page, live_server, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
