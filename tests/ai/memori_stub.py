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
import threading
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.ai.fakes.loopback import LoopbackServer

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


class MemoriAugmentationStub(LoopbackServer):
    """Its `url` is the value for MEMORI_API_URL_BASE."""

    thread_name = "memori-stub"
    description = "Memori augmentation stub"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[AugmentationCall] = []
        self._lock = threading.Lock()

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

    def routes(self) -> list[Route]:
        return [Route(AUGMENTATION_PATH, self._augment, methods=["POST"])]
