"""A loopback stand-in for Memori's hosted augmentation API, for offline tests.

Memori (Python path and Rust core alike) POSTs each recorded turn to
`<MEMORI_API_URL_BASE>/v1/sdk/augmentation` with
    {"conversation": {"messages": [{"role", "content"}...], "summary": ...},
     "meta": {"attribution": {"entity": {"id": sha256(entity)}, "process": {...}},
              "llm": ..., "sdk": ..., "storage": {"dialect": ...}}}
and reads back {"entity": {"facts": [...], "triples": [...]}, "process": {"attributes": [...]},
"conversation": {"summary": ...}}. The stub records every request (so a test can assert
exactly what would leave the machine) and answers with facts extracted by a few rules,
the way the hosted service would phrase them.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

AUGMENTATION_PATH = "/v1/sdk/augmentation"

_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"older than (\d+) days.*dead stock|dead stock.*?(\d+) days", re.I),
        "The user's dead stock threshold is {} days",
    ),
    (re.compile(r"target margin (?:is )?(\d+)\s*%", re.I), "The user's target margin is {}%"),
    (re.compile(r"sell (?:mostly )?on (StockX|GOAT|eBay|Alias)", re.I), "The user sells mostly on {}"),
]


def extract_facts(text: str) -> list[str]:
    """What the hosted extractor would return for these sentences (a few rules)."""
    facts = []
    for pattern, template in _RULES:
        match = pattern.search(text)
        if match:
            facts.append(template.format(next(g for g in match.groups() if g)))
    return facts


@dataclass
class AugmentationCall:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("conversation", {}).get("messages", []))

    @property
    def entity_hash(self) -> str | None:
        return self.body.get("meta", {}).get("attribution", {}).get("entity", {}).get("id")


class MemoriAugmentationStub:
    def __init__(self) -> None:
        self.calls: list[AugmentationCall] = []
        self.port = _free_port()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The value for MEMORI_API_URL_BASE."""
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    async def _augment(self, request: Request) -> JSONResponse:
        body = json.loads(await request.body() or b"{}")
        with self._lock:
            self.calls.append(AugmentationCall(headers=dict(request.headers), body=body))
        user_text = " ".join(
            str(m.get("content") or m.get("text") or "")
            for m in body.get("conversation", {}).get("messages", [])
            if m.get("role") == "user"
        )
        facts = extract_facts(user_text)
        return JSONResponse(
            {
                "entity": {"facts": facts, "triples": []},
                "process": {"attributes": []},
                "conversation": {"summary": None},
            }
        )

    def start(self) -> None:
        app = Starlette(routes=[Route(AUGMENTATION_PATH, self._augment, methods=["POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="error",
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="memori-stub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("Memori augmentation stub did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
