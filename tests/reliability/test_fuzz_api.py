"""API fuzzing with Schemathesis: every operation of the app's OpenAPI, in-process, authenticated.

For each operation Hypothesis generates valid (positive) and invalid (negative) requests from the
declared schema; each is sent through httpx to the real app on the test database, and the
response must:

- never be a 5xx ("nothing a client sends produces a 500"),
- use a status code and content type the operation declares, with a body that matches the
  declared schema,
- when it is an error (4xx), have the one error shape {"error": {code, message, details, request_id}}.

Boundary values: date-time strings come from a strategy that favours the ends of the calendar
(0001-01-01 with a positive offset, 9999-12-31 with a negative one: they cannot be converted to
UTC), and a share of every generated case has its numbers replaced by huge ones (10^30, 2^63,
1e308, ...) and its date-like strings by those boundary dates: query, path and JSON body alike.

Generation is derandomized (same cases every run) and bounded: FUZZ_EXAMPLES cases per operation
and mode (env, default 12: about 1,100 cases per database). Hypothesis runs in a worker thread; each request is sent on the test's
event loop, where the app's engine lives.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import hypothesis
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from tests.factories import (
    auth_headers_for,
    days_ago,
    make_brand,
    make_item,
    make_market_price,
    make_order,
    make_product,
    make_user,
)

DEFAULT_EXAMPLES = 12
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", str(DEFAULT_EXAMPLES)))
MIN_TOTAL_CASES = 1000  # with the default examples per operation
# Bounded time: the whole run (both modes, every operation) must finish well inside CI's budget.
MAX_SECONDS = float(os.environ.get("FUZZ_MAX_SECONDS", "240"))
REQUEST_TIMEOUT_SECONDS = 60.0
# The AI endpoints limit requests per user and minute; rotating over several users keeps the
# fuzzer exercising the assistant instead of mostly reading 429s (which are still checked).
FUZZ_USERS = 12

CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]

# Times at the ends of what Python (and the databases) can hold, and just outside the business
# range (2000-01-01 .. tomorrow, shared/database/types.py).
BOUNDARY_DATETIMES = (
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "1999-12-31T23:59:59Z",
    "2000-01-01T00:00:00Z",
    "2199-01-01T00:00:00+14:00",
)
HUGE_NUMBERS = (10**30, -(10**30), 2**63, 2**64, 1e308, -1e308)
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_OFFSETS = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(min_value=-23 * 60, max_value=23 * 60)
)
DATETIMES = st.one_of(
    st.sampled_from(BOUNDARY_DATETIMES),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=_OFFSETS).map(
        lambda moment: moment.isoformat()
    ),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)).map(
        lambda moment: moment.replace(tzinfo=UTC).isoformat()
    ),
)
schemathesis.openapi.format("date-time", DATETIMES)


def _boundary(value: Any, pick: int) -> Any:
    """A huge number for a number, a boundary date for a date-like string; else the value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return HUGE_NUMBERS[pick % len(HUGE_NUMBERS)]
    if isinstance(value, str) and _DATE_LIKE.match(value):
        return BOUNDARY_DATETIMES[pick % len(BOUNDARY_DATETIMES)]
    return value


def with_boundaries(case: Any, pick: int) -> Any:
    """Three cases in ten as generated; the rest with boundary values put in (see module doc)."""
    if pick < 3:
        return case
    for name in ("query", "path_parameters"):
        values = getattr(case, name)
        if isinstance(values, dict):
            setattr(case, name, {key: _boundary(value, pick) for key, value in values.items()})
    if isinstance(case.body, dict):
        case.body = {key: _boundary(value, pick) for key, value in case.body.items()}
    return case


def _error_shape(response: httpx.Response) -> str | None:
    """None when a 4xx/5xx body is the one error shape, else what is wrong with it."""
    try:
        body = response.json()
    except ValueError:
        return f"error body is not JSON: {response.text[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(error) != {"code", "message", "details", "request_id"}:
        return f"error body is not {{'error': {{code, message, details, request_id}}}}: {body!r:.300}"
    if not isinstance(error["code"], str) or not isinstance(error["message"], str):
        return f"error code/message are not strings: {body!r:.300}"
    if not isinstance(error["details"], list):
        return f"error details is not a list: {body!r:.300}"
    if error["request_id"] != response.headers.get("x-request-id"):
        return "error request_id does not match the X-Request-ID header"
    return None


@dataclass
class FuzzReport:
    cases: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def fail(self, label: str, message: str) -> None:
        # One entry per distinct problem keeps the report readable.
        entry = f"{label}: {message}"
        if entry not in self.failures:
            self.failures.append(entry)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode()


def _httpx_files(files: Any) -> list[tuple[str, Any]]:
    """requests accepts any value as a multipart part; httpx wants bytes (negative cases send ints)."""
    pairs = files.items() if isinstance(files, dict) else files
    out: list[tuple[str, Any]] = []
    for name, value in pairs:
        if isinstance(value, tuple):
            out.append((name, (value[0], _as_bytes(value[1]), *value[2:])))
        else:
            out.append((name, _as_bytes(value)))
    return out


def _httpx_kwargs(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Schemathesis' requests-style serialization of a case, turned into httpx arguments."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    kwargs.pop("cookies", None)  # no operation takes cookies; httpx warns on per-request cookies
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    if kwargs.get("files") is not None:
        kwargs["files"] = _httpx_files(kwargs["files"])
    kwargs["headers"] = {**(kwargs.get("headers") or {}), **headers}
    kwargs.pop("auth", None)
    return kwargs


async def _seed(db: AsyncSession) -> None:
    """A little of everything, so GET-by-id and filtered lists hit real rows."""
    nike = await make_brand(db, "Nike")
    adidas = await make_brand(db, "Adidas")
    jordan = await make_product(db, brand=nike, sku="DZ5485-612")
    samba = await make_product(db, brand=adidas, sku="B75806", name="Samba OG White Black")
    for index in range(1, 6):
        item = await make_item(db, product=jordan, size=str(8 + index), purchased_at=days_ago(10 * index))
        if index % 2 == 0:
            await make_order(db, item=item, sold_at=days_ago(index))
    listed = await make_item(
        db, product=samba, status="listed", listed_price=Decimal("120.00"), listed_platform="stockx"
    )
    await make_item(db, product=samba, size="9", purchased_at=days_ago(120))
    await make_market_price(db, product=jordan)
    await make_market_price(db, product=samba, size=listed.size)
    await db.commit()


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())
    return operations


def _run_operation(
    operation: Any,
    mode: GenerationMode,
    send: Callable[[Any], httpx.Response],
    report: FuzzReport,
) -> None:
    label = f"{operation.method.upper()} {operation.path} [{mode.value}]"

    cases = st.tuples(operation.as_strategy(generation_mode=mode), st.integers(0, 9))

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases.map(lambda pair: with_boundaries(*pair)))
    def fuzz(case: Any) -> None:
        report.cases += 1
        try:
            response = send(case)
        except Exception as exc:  # the app raised past its own 500 handler: a server error all the same
            report.fail(label, f"raised {type(exc).__name__}: {str(exc)[:300]} <- {case.as_curl_command()}")
            return
        report.by_status[response.status_code] = report.by_status.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            report.fail(label, f"{response.status_code}: {response.text[:300]} <- {case.as_curl_command()}")
            return
        if response.status_code >= 400 and (problem := _error_shape(response)):
            report.fail(label, f"{response.status_code} {problem}")
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                report.fail(label, f"{response.status_code} {failure.title}: {failure.message[:300]}")

    try:
        fuzz()
    except hypothesis.errors.Unsatisfiable:
        # An operation without parameters or body has no invalid input to generate.
        if mode is GenerationMode.POSITIVE:
            raise


async def test_fuzz_every_operation(
    app: FastAPI, db: AsyncSession, client: httpx.AsyncClient, user: User
) -> None:
    await _seed(db)
    users = [user] + [await make_user(db, email=f"fuzz{i}@example.com") for i in range(FUZZ_USERS - 1)]
    await db.commit()
    tokens = [auth_headers_for(app, u) for u in users]
    loop = asyncio.get_running_loop()
    counter = iter(range(10**9))

    def send(case: Any) -> httpx.Response:
        headers = {**tokens[next(counter) % len(tokens)], "X-Request-ID": uuid.uuid4().hex}
        kwargs = _httpx_kwargs(case, headers)
        request = client.build_request(**kwargs)
        request.read()  # multipart bodies are streams; read them so the checks can see what was sent
        future = asyncio.run_coroutine_threadsafe(client.send(request), loop)
        return future.result(timeout=REQUEST_TIMEOUT_SECONDS)

    operations = _operations(app)
    report = FuzzReport()
    started = time.monotonic()

    def run_all() -> None:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _run_operation(operation, mode, send, report)

    await asyncio.to_thread(run_all)
    elapsed = time.monotonic() - started
    summary = (
        f"{report.cases} cases over {len(operations)} operations in {elapsed:.0f}s; "
        f"statuses {dict(sorted(report.by_status.items()))}"
    )
    print(summary)
    assert not report.failures, summary + "\n" + "\n".join(report.failures)
    assert report.cases >= MIN_TOTAL_CASES or EXAMPLES_PER_OPERATION < DEFAULT_EXAMPLES, summary
    assert elapsed < MAX_SECONDS, summary
