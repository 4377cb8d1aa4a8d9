"""Every example of docs/ai/usage_examples.md runs against the app.

- ```python blocks are executed as written (minus `import httpx`), in a worker thread, with
  `httpx` bound to a small synchronous stand-in that sends each request to the app.
- ```bash blocks: every curl command is parsed (method, URL, headers, -d body) and sent.
- ```javascript blocks: the paths, request fields and response fields they use are checked
  against real responses (a browser is not part of this test suite).
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from tests.ai.fakes.app_providers import install_builtin
from tests.ai.test_api import parse_sse
from tests.factories import DEFAULT_PASSWORD, days_ago, make_brand, make_item, make_order, make_product

pytestmark = pytest.mark.ai

DOC = Path(__file__).resolve().parents[2] / "docs" / "ai" / "usage_examples.md"
BASE = "http://localhost:8000"


def code_blocks(language: str) -> list[str]:
    text = DOC.read_text()
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


class SyncHttpx:
    """`httpx.post(url, json=..., headers=...)` for code running in a worker thread."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop
        self.responses: list[httpx.Response] = []

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        assert url.startswith(BASE), url
        call = self.client.post(url.removeprefix(BASE), **kwargs)
        response = asyncio.run_coroutine_threadsafe(call, self.loop).result(timeout=60)
        self.responses.append(response)
        return response


@pytest.fixture
async def shop(app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    install_builtin(app, monkeypatch)  # no API key in the docs' setup: the built-in engine answers
    nike, jordan = await make_brand(db, "Nike"), await make_brand(db, "Jordan")
    panda = await make_product(db, brand=nike, name="Dunk Low Panda")
    chicago = await make_product(db, brand=jordan, name="Air Jordan 1 Retro High OG Chicago")
    for age in (10, 80):
        await make_item(db, product=panda, purchased_at=days_ago(age))
    for age in (5, 95, 120):
        await make_item(db, product=chicago, purchased_at=days_ago(age))
    sold = await make_item(db, product=chicago, purchased_at=days_ago(30))
    await make_order(db, item=sold, sale_price="240.00", sold_at=days_ago(1))
    await db.commit()


async def test_python_examples_run_as_written(
    client: httpx.AsyncClient, auth: dict[str, str], shop: None
) -> None:
    token = auth["Authorization"].removeprefix("Bearer ")
    blocks = code_blocks("python")
    assert len(blocks) == 3
    for block in blocks:
        source = "\n".join(line for line in block.splitlines() if line.strip() != "import httpx")
        fake = SyncHttpx(client, asyncio.get_running_loop())
        printed: list[str] = []
        namespace: dict[str, Any] = {
            "httpx": fake,
            "token": token,
            "print": lambda *args, out=printed: out.append(" ".join(map(str, args))),
        }
        await asyncio.to_thread(exec, compile(source, str(DOC), "exec"), namespace)
        assert fake.responses, block
        for response in fake.responses:
            assert response.status_code == 200, response.text
            assert response.json()["response"]
    # the last block continued a stored conversation
    bodies = [r.json() for r in fake.responses]
    assert bodies[0]["conversation_id"] == bodies[1]["conversation_id"]
    assert printed and printed[0] == bodies[1]["response"]


def curl_commands() -> list[list[str]]:
    commands = []
    for block in code_blocks("bash"):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.strip()
            if line.startswith("TOKEN=$("):
                line = line.removeprefix("TOKEN=$(").split(" | ")[0]
            if line.startswith("curl "):
                commands.append(shlex.split(line))
    return commands


def parse_curl(argv: list[str]) -> tuple[str, str, dict[str, str], list[str]]:
    method, url, headers, data = "GET", "", {}, []
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(":", 1)
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data.append(next(args))
        elif arg in ("-s", "-N"):
            continue
        else:
            url = arg
    return method, url, headers, data


async def test_curl_examples_answer(
    client: httpx.AsyncClient, auth: dict[str, str], user: User, shop: None, app: FastAPI
) -> None:
    commands = curl_commands()
    assert len(commands) == 7
    token = ""
    for argv in commands:
        method, url, headers, data = parse_curl(argv)
        path = url.removeprefix(BASE)
        headers = {k: v.replace("$TOKEN", token) for k, v in headers.items()}
        if path == "/auth/token":
            form = dict(part.split("=", 1) for part in data)
            # the docs log in as the demo user; here the test user (same flow, known password)
            form = {"username": user.email, "password": DEFAULT_PASSWORD} if form else form
            response = await client.post(path, data=form)
            assert response.status_code == 200
            token = response.json()["access_token"]
            continue
        body = json.loads(data[0]) if data else None
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 200, (path, response.text)
        if path.endswith("/stream"):
            events = parse_sse(response.text)
            assert events[0][0] == "start" and events[-1][0] == "final"
        elif path == "/ai/query" and body and body.get("language") == "de":
            assert response.json()["language"] == "de"
            assert [s["tool"] for s in response.json()["sources"]] == ["query_business"]
        elif path.startswith("/ai/suggestions"):
            assert response.json()["from_data"] is True


async def test_javascript_examples_use_real_paths_and_fields(
    client: httpx.AsyncClient, auth: dict[str, str], shop: None
) -> None:
    javascript = "\n".join(code_blocks("javascript"))
    assert "fetch('/ai/query/stream'" in javascript and "fetch('/ai/query'" in javascript
    assert "JSON.stringify({ query: question, include_context: true })" in javascript
    request = {"query": "How many pairs do I have?", "include_context": True}

    plain = (await client.post("/ai/query", json=request, headers=auth)).json()
    assert "data.response" in javascript and plain["response"]

    streamed = await client.post("/ai/query/stream", json=request, headers=auth)
    events = parse_sse(streamed.text)
    # what the JS reads: blocks split on a blank line, `event: ` and one `data: ` line each
    assert streamed.text.endswith("\n\n")
    deltas = [data for name, data in events if name == "delta"]
    assert "onDelta(data.text)" in javascript and all("text" in d for d in deltas)
    assert "".join(d["text"] for d in deltas) == events[-1][1]["response"]
    assert set(events[-1][1]) == set(plain)  # "same JSON as POST /ai/query"

    refused = await client.post("/ai/query", json={"query": " "}, headers=auth)
    assert "(await res.json()).error.message" in javascript
    assert refused.json()["error"]["message"]
