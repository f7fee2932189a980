"""Every error leaves the API as application/problem+json that says what to fix."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from datadive.errors import Conflict, Invalid, NotFound, RateLimited

PROBLEM = "application/problem+json"


class Sample(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    count: int


def error_routes() -> APIRouter:
    """Routes that exist only in these tests, to drive each kind of error through the app."""
    router = APIRouter(prefix="/api/v1/test-errors")

    @router.post("/sample")
    async def create_sample(sample: Sample) -> Sample:
        return sample

    @router.get("/not-found")
    async def not_found() -> None:
        raise NotFound("There is no project with id p-1.")

    @router.get("/invalid")
    async def invalid() -> None:
        raise Invalid.field("title", "must not be empty")

    @router.get("/conflict")
    async def conflict() -> None:
        raise Conflict("That username is taken.")

    @router.get("/rate-limited")
    async def rate_limited() -> None:
        raise RateLimited("Too many attempts; try again later.", retry_after_seconds=600)

    @router.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    return router


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    app.include_router(error_routes())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        yield http


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["type"], str)
    return body


async def test_unknown_route(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/no-such-thing"), 404)
    assert "/api/v1/no-such-thing" in str(body["detail"])


async def test_wrong_method_names_the_allowed_ones(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/health")

    body = assert_problem(response, 405)
    assert response.headers["allow"] == "GET, OPTIONS"
    assert "Allowed: GET, OPTIONS" in str(body["detail"])


async def test_validation_errors_name_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/test-errors/sample", json={"title": "", "count": "x"})

    body = assert_problem(response, 422)
    fields = {error["field"]: error for error in body["errors"]}  # type: ignore[attr-defined]
    assert set(fields) == {"title", "count"}
    assert "at least 1 character" in fields["title"]["message"]
    assert "title" in str(body["detail"])
    assert "count" in str(body["detail"])


async def test_missing_fields_are_named(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/api/v1/test-errors/sample", json={}), 422)

    assert {e["field"] for e in body["errors"]} == {"title", "count"}  # type: ignore[attr-defined]


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "42", "null"])
async def test_json_that_is_not_an_object_is_refused_as_the_body(
    client: httpx.AsyncClient, payload: str
) -> None:
    response = await client.post(
        "/api/v1/test-errors/sample",
        content=payload,
        headers={"content-type": "application/json"},
    )

    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["body"]  # type: ignore[attr-defined]


async def test_malformed_json_is_a_client_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/test-errors/sample",
        content='{"title": ',
        headers={"content-type": "application/json"},
    )

    body = assert_problem(response, 422)
    assert "JSON" in str(body["errors"])


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        ("not-found", 404, "not-found"),
        ("invalid", 422, "invalid"),
        ("conflict", 409, "conflict"),
        ("rate-limited", 429, "rate-limited"),
    ],
)
async def test_domain_errors_get_their_status(
    client: httpx.AsyncClient, path: str, status: int, slug: str
) -> None:
    response = await client.get(f"/api/v1/test-errors/{path}")

    body = assert_problem(response, status)
    assert body["type"] == f"urn:datadive:problem:{slug}"


async def test_invalid_input_names_the_field(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/test-errors/invalid"), 422)

    assert body["errors"] == [{"field": "title", "message": "must not be empty"}]


async def test_rate_limited_says_when_to_retry(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/test-errors/rate-limited")

    assert response.headers["retry-after"] == "600"


async def test_unexpected_errors_reveal_nothing_internal(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/test-errors/crash")

    assert_problem(response, 500)
    assert "secret internals" not in response.text


async def test_a_500_answers_cleanly_and_the_connection_serves_the_next_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Through a real uvicorn: after an unexpected error, the same keep-alive connection
    carries the next request (uvicorn closed it when the app raised after answering)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="critical")
    server = uvicorn.Server(config)
    serving = asyncio.get_running_loop().create_task(server.serve())
    try:
        for _ in range(1000):  # started within a second or two
            if server.started:
                break
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answers = []
        for path in ("/api/v1/test-errors/crash", "/api/v1/health", "/no-such-page"):
            writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode()
            length = re.search(r"content-length: (\d+)", head, re.IGNORECASE)
            assert length is not None, head
            answers.append((head.split(" ")[1], await reader.readexactly(int(length[1]))))
        writer.close()
    finally:
        server.should_exit = True
        await serving

    assert [status for status, _ in answers] == ["500", "200", "404"]
    assert b"secret internals" not in answers[0][1]
