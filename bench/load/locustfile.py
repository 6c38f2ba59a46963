"""Load test: technicians asking with follow-ups, opening citations, uploading, browsing the graph.

Run against the dev stack (scripts/up) with the login limit raised for the ramp-up, since every
simulated user logs in from the same address:

    LOGIN_RATE=1000/min scripts/up            # or restart the web service with it set
    eval "$(.venv/bin/python -m scripts.stack env)"
    .venv/bin/python -m bench.load.prepare --users 50
    .venv/bin/python -m bench.load.memory --out var/load/memory-before.json
    .venv/bin/locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 --headless \\
        -u 50 -r 2 -t 10m --csv var/load/run --only-summary
    .venv/bin/python -m bench.load.memory --out var/load/memory-after.json

API calls carry each user's token (no password hashing per request); pages use the session of
one form login per user. An ask refused with 429 (the user's ask rate) or 503 (the model is busy)
that says when to come back (Retry-After) is the expected answer under load: it is reported
under its own name ("ask refused 429") and not as a failure; anything else that is not a 2xx is.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.clients import HttpSession

ROOT = Path(__file__).resolve().parents[2]
USERS_FILE = Path(os.environ.get("KENNING_LOAD_USERS", ROOT / "var" / "load" / "users.json"))
ACCOUNTS = itertools.cycle(json.loads(USERS_FILE.read_text()))
META = json.loads(USERS_FILE.with_suffix(".meta.json").read_text())
QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "tests" / "data" / "qa_eval.jsonl").open()]
FOLLOW_UPS = [
    "And what should I check first?",
    "Which part or setting is involved?",
    "What if that does not help?",
    "Where in the manual is that described?",
]
REFUSALS: list[dict] = []  # every busy/too-fast answer: status, Retry-After, message
GRAPH_SEARCHES = ["UPS", "battery", "pump", "excavator", "serial", "spindle", "hydraulic"]


class Technician(HttpUser):
    wait_time = between(5, 20)

    def on_start(self) -> None:
        account = next(ACCOUNTS)
        self.api = {"Authorization": f"Token {account['token']}", "Accept": "application/json"}
        # API calls go without the browser session's cookies: a session would be checked first
        # (and want a CSRF token), so the token would not be what authenticates.
        self.api_client = HttpSession(self.host, self.environment.events.request, user=self)
        self.conversation_id: int | None = None
        self.chunk_ids: list[str] = []
        self.client.get("/accounts/login/", name="login page")
        self.client.post(
            "/accounts/login/",
            {
                "username": account["username"],
                "password": account["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
        )

    @task(4)
    def ask(self) -> None:
        follow_up = self.conversation_id is not None and random.random() < 0.5
        question = random.choice(FOLLOW_UPS if follow_up else QUESTIONS)
        data = {"question": question, "conversation_id": self.conversation_id if follow_up else ""}
        with self.api_client.post(
            "/api/qa/ask", data=data, headers=self.api, name="ask", catch_response=True, timeout=900
        ) as r:
            if r.status_code == 200:
                answer = r.json()
                self.conversation_id = answer.get("conversation_id")
                self.chunk_ids = [s["chunk_id"] for s in answer.get("sources") or [] if s.get("chunk_id")]
                r.success()
            elif r.status_code in (429, 503) and r.headers.get("Retry-After"):
                message = _error_of(r)
                REFUSALS.append(
                    {
                        "status": r.status_code,
                        "retry_after": int(r.headers["Retry-After"]),
                        "message": message,
                    }
                )
                r.request_meta["name"] = f"ask refused {r.status_code}"
                if "again" in message and r.headers["Retry-After"] in message:
                    r.success()
                else:  # a refusal must tell the user when to come back
                    r.failure(f"{r.status_code} without a clear wait: {message[:200]}")
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(2)
    def open_citation(self) -> None:
        if self.chunk_ids:
            self.client.get(f"/passages/{random.choice(self.chunk_ids)}/", name="passage")

    @task(2)
    def document_list(self) -> None:
        # The first page (50 documents by title), as a client opening the list gets it.
        collection = META["collection_id"]
        with self.api_client.get(
            f"/api/collections/{collection}/documents/",
            headers=self.api,
            name="api documents",
            catch_response=True,
        ) as r:
            if r.status_code == 200 and not {"count", "results"} <= set(r.json()):
                r.failure("the document list is not a page (count/next/previous/results)")

    @task(1)
    def collection_page(self) -> None:
        self.client.get(f"/documents/collections/{META['collection_id']}/", name="collection page")

    @task(1)
    def portal(self) -> None:
        self.client.get("/", name="portal")

    @task(1)
    def graph(self) -> None:
        self.client.get("/graph/", params={"q": random.choice(GRAPH_SEARCHES)}, name="graph search")

    @task(1)
    def upload(self) -> None:
        # Distinct bytes each time: an upload of known bytes would be a no-op.
        text = f"# Shift note {uuid.uuid4()}\n\nPump P-101 tripped with E-47; the strainer was cleaned.\n"
        files = {"file": (f"shift-note-{uuid.uuid4().hex[:8]}.md", text.encode(), "text/markdown")}
        collection = META["collection_id"]
        self.api_client.post(
            f"/api/collections/{collection}/documents/", files=files, headers=self.api, name="upload"
        )

    @task(1)
    def health(self) -> None:
        self.client.get("/healthz", name="healthz")


def _error_of(response) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return response.text[:300]


@events.test_stop.add_listener
def _write_refusals(**_kwargs) -> None:  # type: ignore[no-untyped-def]
    out = Path(os.environ.get("KENNING_LOAD_DIR", ROOT / "var" / "load")) / "refusals.json"
    waits = sorted(r["retry_after"] for r in REFUSALS)
    summary = {
        "count": len(REFUSALS),
        "by_status": {
            s: sum(1 for r in REFUSALS if r["status"] == s) for s in {r["status"] for r in REFUSALS}
        },
        "retry_after_s_median": waits[len(waits) // 2] if waits else None,
        "retry_after_s_max": waits[-1] if waits else None,
        "messages": sorted({r["message"] for r in REFUSALS})[:10],
    }
    out.write_text(json.dumps(summary, indent=1))
