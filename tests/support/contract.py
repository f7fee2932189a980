"""Schemathesis against the app in this process: the OpenAPI document is the contract.

The app runs on schemathesis' ASGI transport (its own event loop in a thread, the app's
lifespan started on the first request, stopped by `stop_apps`); no server subprocess.
Requests authenticate as one signed-in user: a session cookie for the operations that need a
browser session, a write API token for the others. When a fuzzed request ends the session
(sign-out) or revokes the token, the next request that gets a 401 signs in again.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.core.transport import Response
from schemathesis.engine import Status, events, from_schema
from schemathesis.python import asgi

from datadive.auth.cookies import SECURE_COOKIE_NAME as COOKIE
from tests.support.accounts import PASSWORD, new_user

ORIGIN = f"http://{asgi.HOST}"
EXAMPLES_VARIABLE = "DATADIVE_TEST_FUZZ_EXAMPLES"
# Enough for CI to try every operation with valid and invalid input on both databases
# within its budget; the documented command asks for 100.
CI_EXAMPLES = 4
# Checks that judge the API against its document. `positive_data_acceptance` is left out: it
# counts any 4xx to a schema-valid request as a failure, and a wrong email code, an unknown
# cursor or an unreadable file are schema-valid and still refused, by design.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
)


def examples_per_operation() -> int:
    return int(os.environ.get(EXAMPLES_VARIABLE) or CI_EXAMPLES)


def fuzz_config(examples: int) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "headers": {"Origin": ORIGIN},
            "generation": {"max-examples": examples},
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
            },
            # The stateful phase follows the document's links only. Schemathesis would also
            # guess links from names, and read `DELETE /projects/{id}/server` (stop the server)
            # as deleting `GET /projects/{id}/server`, which answers `running: false` after.
            "phases": {
                "stateful": {"max-steps": max(examples, 10), "inference": {"algorithms": []}}
            },
            "request-timeout": 60,
            # A notebook's event stream stays open up to 10 minutes; its first second shows
            # that it starts well (the transport keeps what came before the deadline).
            # It is also the one operation with a header parameter (`Last-Event-ID`); an
            # unknown header next to it is no invalid request (HTTP says to ignore it).
            "operations": [
                {
                    "include-operation-id": "follow_events",
                    "request-timeout": 1,
                    "generation": {"allow-extra-parameters": False},
                }
            ],
            "max-stream-events": 1,
            "seed": int(os.environ.get("DATADIVE_TEST_FUZZ_SEED") or 17),
        }
    )


@dataclass
class Credentials:
    cookie: str
    token: str


def sign_in(app: Any) -> Credentials:
    """Sign the fuzzing user up (the first time) or in, and make a write API token."""
    with asgi.get_client(app) as client:
        client.headers["Origin"] = ORIGIN
        response = client.post("/api/v1/auth/sign-in", json={"login": "fuzz", "password": PASSWORD})
        if response.status_code == 401:
            response = client.post("/api/v1/auth/sign-up", json=new_user("fuzz"))
        assert response.status_code in {200, 201}, response.text
        cookie = response.cookies[COOKIE]
        response = client.post(
            "/api/v1/auth/tokens",
            json={"name": f"fuzz {time.monotonic()}", "scope": "write"},
            headers={"Cookie": f"{COOKIE}={cookie}"},
        )
        assert response.status_code == 201, response.text
        return Credentials(cookie=cookie, token=response.json()["token"])


def authenticate(schema: Any, app: Any) -> None:
    @schema.auth(refresh_interval=24 * 3600)
    class SignedIn:
        def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> Credentials:
            return sign_in(app)

        def set(
            self, case: schemathesis.Case, data: Credentials, context: schemathesis.AuthContext
        ) -> None:
            schemes = {
                name
                for entry in case.operation.definition.raw.get("security", [])
                for name in entry
            }
            if schemes == {"sessionCookie"}:
                case.cookies = {**(case.cookies or {}), COOKIE: data.cookie}
            elif "apiToken" in schemes:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data.token}"}


@dataclass
class Finding:
    operation: str
    check: str
    request: str
    status: int | None
    body: str

    def __str__(self) -> str:
        return f"{self.operation} [{self.check}]: {self.request} → {self.status} {self.body}"


@dataclass
class Outcome:
    requests: int = 0
    operations: set[str] = field(default_factory=set)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    seconds_by_operation: dict[str, float] = field(default_factory=dict)

    def summary(self, examples: int) -> str:
        slowest = sorted(self.seconds_by_operation.items(), key=lambda item: -item[1])[:3]
        return (
            f"{examples} examples per operation: {self.requests} requests to "
            f"{len(self.operations)} operations and scenarios in {self.seconds:.0f} s, "
            f"{len(self.findings)} failures, {len(self.errors)} errors; slowest: "
            + ", ".join(f"{label} {seconds:.0f} s" for label, seconds in slowest)
        )

    def report(self) -> str:
        lines = [str(finding) for finding in self.findings.values()] + self.errors
        return "\n".join(lines)


def describe(case: schemathesis.Case) -> str:
    body = "" if case.body is None or type(case.body).__name__ == "NotSet" else f" {case.body!r}"
    query = f" ?{case.query}" if case.query else ""
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    return f"{case.method} {case.formatted_path}{query} {headers}{body}"[:400]


def record(outcome: Outcome, event: events.ScenarioFinished) -> None:
    recorder = event.recorder
    outcome.requests += len(recorder.interactions)
    if event.label:
        outcome.operations.add(event.label)
        spent = outcome.seconds_by_operation.get(event.label, 0.0) + event.elapsed_time
        outcome.seconds_by_operation[event.label] = spent
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.FAILURE:
                continue
            key = (recorder.label, check.name)
            if key in outcome.findings:
                continue
            case = recorder.cases[case_id].value
            response: Response | None = recorder.find_response(case_id=case_id)
            outcome.findings[key] = Finding(
                operation=recorder.label,
                check=check.name,
                request=describe(case),
                status=response.status_code if response else None,
                body=(response.text[:400] if response else ""),
            )


def fuzz(app: Any, *, examples: int) -> Outcome:
    """Every phase (examples, coverage, fuzzing, stateful links) with every check."""
    schema = schemathesis.openapi.from_asgi(
        "/api/v1/openapi.json", app, config=fuzz_config(examples)
    )
    authenticate(schema, app)
    outcome = Outcome()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            record(outcome, event)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            outcome.errors.append(f"{type(event).__name__}: {event.info.format()[:1000]}")
    outcome.seconds = time.monotonic() - started
    return outcome


def stop_apps() -> None:
    asgi.shutdown_lifespans()
