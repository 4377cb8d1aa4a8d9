"""Load driver: N virtual users on a mixed REST + assistant workload, then a sent = stored check.

    python -m scripts.load --database-url postgresql://postgres@127.0.0.1:5432/soleflip_load \\
        --workers 2 --users 50 --duration 60

Without --base-url it migrates the database, loads demo data when it is empty (scripts.demo_data),
starts `uvicorn main:app --workers N` on a free loopback port, runs, and stops the server. With
--base-url it drives a server you started (loopback addresses only; --database-url must name that
server's database, for the users and the check).

Each virtual user logs in as its own user (load-user-NNN@soleflip.test, created directly in the
database with AuthService.ensure_user) and loops over a weighted mix until --duration seconds or
--max-requests requests, whichever comes first; the whole run is also bounded by a hard deadline.

Afterwards: every conversation turn the server acknowledged (200 + conversation_id) must be stored
in ai_messages, and every acknowledged "Remember that my target margin is 25%" must have produced a
target_margin fact. Prints a table (throughput, p50/p95/p99 per endpoint, errors); exit status 1
on server errors (5xx or broken streams) or a failed check.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import select

from domains.ai.memory.models import MemoryFact
from domains.ai.models import Message
from domains.auth.models import User
from domains.auth.service import AuthService
from scripts.demo_data import run as load_demo
from shared.config.settings import Settings
from shared.database.engine import create_engine, create_sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
USER_EMAIL = "load-user-{:03d}@soleflip.test"
LOAD_PASSWORD = "load-driver-password"  # only for the load users this script creates
REMEMBER = "Remember that my target margin is 25%"
REMEMBERED_MARGIN = 25
QUESTIONS = [
    "How many pairs do I have in inventory?",
    "What was my revenue this month?",
    "Which brands sold best in the last 30 days?",
    "How much dead stock do I have?",
    "What is my margin this year?",
    "Wie viel Umsatz hatte ich letzten Monat?",
]
FOLLOWUPS = [
    "And my profit in the same period?",
    "Which items should I reprice to reach my target margin?",
    "What about Nike only?",
    "How many of those are older than 90 days?",
]
# (action, weight): REST reads dominate, as in the dashboard; a third of the work is the assistant.
WORKLOAD = [
    ("GET /inventory/items", 3),
    ("GET /analytics/kpis", 2),
    ("GET /orders", 2),
    ("POST /ai/query", 1),
    ("POST /ai/conversation", 1),
    ("POST /ai/query/stream", 1),
]
REST_ONLY = [(action, weight) for action, weight in WORKLOAD if not action.startswith("POST /ai")]
TURNS_PER_CONVERSATION = 4


# --- measurements ---------------------------------------------------------------------------------


@dataclass
class EndpointStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # exceptions and broken streams

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.failures.values())

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)


@dataclass
class Acknowledged:
    """What the server said it did: to be found in the database afterwards."""

    turns: list[tuple[str, str, str]] = field(default_factory=list)  # (user email, conversation_id, message)
    remembers: list[tuple[str, str, bool]] = field(default_factory=list)  # (email, conversation_id, saved)


@dataclass
class Run:
    deadline: float
    max_requests: int
    sent: int = 0
    stats: dict[str, EndpointStats] = field(default_factory=lambda: defaultdict(EndpointStats))
    acked: Acknowledged = field(default_factory=Acknowledged)
    started: float = field(default_factory=time.perf_counter)
    elapsed: float = 0.0

    def take(self) -> bool:
        """Reserve one request of the budget; False when time or count is used up."""
        if self.sent >= self.max_requests or time.perf_counter() >= self.deadline:
            return False
        self.sent += 1
        return True


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): an observed latency."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# --- the virtual user -----------------------------------------------------------------------------


class StreamBroken(Exception):
    pass


async def login(client: httpx.AsyncClient, email: str, run: Run) -> dict[str, str]:
    started = time.perf_counter()
    response = await client.post("/auth/token", data={"username": email, "password": LOAD_PASSWORD})
    stats = run.stats["POST /auth/token"]
    stats.statuses[response.status_code] += 1
    stats.latencies_ms.append((time.perf_counter() - started) * 1000)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def read_stream(response: httpx.Response) -> tuple[dict[str, Any], float]:
    """The `final` event's data of an SSE answer, and the time to its first event (ms)."""
    started = time.perf_counter()
    first_event_ms = math.nan
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
            if math.isnan(first_event_ms):
                first_event_ms = (time.perf_counter() - started) * 1000
        elif line.startswith("data:") and event in ("final", "error"):
            data = json.loads(line.removeprefix("data:"))
            if event == "error":
                raise StreamBroken(f"error event: {data.get('error', {}).get('code')}")
            return data, first_event_ms
    raise StreamBroken("stream ended without a final event")


class VirtualUser:
    def __init__(self, index: int, client: httpx.AsyncClient, run: Run, *, ai: bool, seed: int) -> None:
        self.email = USER_EMAIL.format(index)
        self.client = client
        self.run = run
        self.rng = random.Random(seed * 1000 + index)
        self.actions, self.weights = zip(*(WORKLOAD if ai else REST_ONLY), strict=True)
        self.headers: dict[str, str] = {}
        self.conversation_id: str | None = None
        self.turns = 0

    async def loop(self) -> None:
        try:
            self.headers = await login(self.client, self.email, self.run)
        except (httpx.HTTPError, KeyError) as exc:
            self.run.stats["POST /auth/token"].failures[type(exc).__name__] += 1
            return
        while self.run.take():
            action = self.rng.choices(self.actions, self.weights)[0]
            await self.timed(action)

    async def timed(self, action: str) -> None:
        stats = self.run.stats[action]
        started = time.perf_counter()
        try:
            status = await self.perform(action)
        except (httpx.HTTPError, StreamBroken, ValueError) as exc:
            stats.failures[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
            return
        stats.statuses[status] += 1
        if 200 <= status < 300:
            stats.latencies_ms.append((time.perf_counter() - started) * 1000)

    async def perform(self, action: str) -> int:
        if action == "GET /inventory/items":
            params: dict[str, Any] = {"limit": 50, "status": self.rng.choice(["in_inventory", "listed"])}
            return (
                await self.client.get("/inventory/items", params=params, headers=self.headers)
            ).status_code
        if action == "GET /analytics/kpis":
            params = {"days": self.rng.choice([7, 30, 90, 365])}
            return (await self.client.get("/analytics/kpis", params=params, headers=self.headers)).status_code
        if action == "GET /orders":
            params = {"limit": 50, "offset": self.rng.choice([0, 50, 100])}
            return (await self.client.get("/orders", params=params, headers=self.headers)).status_code
        if action == "POST /ai/query":
            body = {"query": self.rng.choice(QUESTIONS)}
            response = await self.client.post("/ai/query", json=body, headers=self.headers)
            if response.status_code == 200:
                self.acknowledge(response.json()["conversation_id"], body["query"])
            return response.status_code
        if action == "POST /ai/conversation":
            return await self.converse()
        if action == "POST /ai/query/stream":
            return await self.stream()
        raise ValueError(f"unknown action {action}")

    async def converse(self) -> int:
        if self.conversation_id is None or self.turns >= TURNS_PER_CONVERSATION:
            message = REMEMBER
            body: dict[str, Any] = {"messages": [{"role": "user", "content": message}]}
        else:
            message = self.rng.choice(FOLLOWUPS)
            body = {"conversation_id": self.conversation_id, "message": message}
        response = await self.client.post("/ai/conversation", json=body, headers=self.headers)
        if response.status_code == 200:
            answer = response.json()
            self.conversation_id = answer["conversation_id"]
            self.turns = 1 if message == REMEMBER else self.turns + 1
            self.acknowledge(answer["conversation_id"], message)
            if message == REMEMBER:
                saved = any(f.get("kind") == "target_margin" for f in answer.get("facts_saved") or [])
                self.run.acked.remembers.append((self.email, answer["conversation_id"], saved))
        return response.status_code

    async def stream(self) -> int:
        body = {"query": self.rng.choice(QUESTIONS)}
        async with self.client.stream(
            "POST", "/ai/query/stream", json=body, headers=self.headers
        ) as response:
            if response.status_code != 200:
                await response.aread()
                return response.status_code
            final, first_event_ms = await read_stream(response)
        self.run.stats["POST /ai/query/stream (first event)"].latencies_ms.append(first_event_ms)
        self.run.stats["POST /ai/query/stream (first event)"].statuses[200] += 1
        self.acknowledge(final["conversation_id"], body["query"])
        return 200

    def acknowledge(self, conversation_id: str, message: str) -> None:
        self.run.acked.turns.append((self.email, conversation_id, message))


async def drive(base_url: str, *, users: int, duration: float, max_requests: int, ai: bool, seed: int) -> Run:
    run = Run(deadline=time.perf_counter() + duration, max_requests=max_requests)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    timeout = httpx.Timeout(60.0, connect=10.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        tasks = [
            asyncio.create_task(VirtualUser(i, client, run, ai=ai, seed=seed).loop()) for i in range(users)
        ]
        # Hard stop: requests in flight at the deadline get one request timeout to finish.
        done, pending = await asyncio.wait(tasks, timeout=duration + 70)
        for task in pending:
            task.cancel()
        for task in done:
            if (error := task.exception()) is not None:
                run.stats["virtual user crashed"].failures[repr(error)[:100]] += 1
    run.elapsed = time.perf_counter() - run.started
    return run


# --- database: users before, sent = stored after --------------------------------------------------


async def prepare_database(database_url: str, *, users: int, items: int) -> str:
    """Migrate, load demo data when empty, create the load users. Returns a one-line summary."""

    summary = await load_demo(
        database_url=database_url, items=items, seed=42, if_empty=True, reset=False, progress=False
    )
    settings = Settings(_env_file=None, DATABASE_URL=database_url)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            service = AuthService(session, settings)
            for index in range(users):
                await service.ensure_user(email=USER_EMAIL.format(index), password=LOAD_PASSWORD)
            await session.commit()
    finally:
        await engine.dispose()
    return "demo data already present" if summary.skipped else summary.describe().splitlines()[0]


async def check_stored(database_url: str, acked: Acknowledged) -> list[str]:
    """Every acknowledged turn is in ai_messages; every acknowledged "remember" left a fact."""

    problems: list[str] = []
    settings = Settings(_env_file=None, DATABASE_URL=database_url)
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            emails = {email for email, _, _ in acked.turns} | {email for email, _, _ in acked.remembers}
            ids = {
                row.email: row.id
                for row in await conn.execute(select(User.id, User.email).where(User.email.in_(emails)))
            }
            conversation_ids = sorted({cid for _, cid, _ in acked.turns})
            stored: Counter[tuple[str, str, str]] = Counter()
            for chunk in _chunks(conversation_ids, 500):
                rows = await conn.execute(
                    select(Message.user_id, Message.conversation_id, Message.content).where(
                        Message.role == "user", Message.conversation_id.in_([_uuid(c) for c in chunk])
                    )
                )
                for row in rows:
                    stored[(str(row.user_id), str(row.conversation_id), row.content)] += 1
            wanted = Counter((str(ids.get(email)), cid, message) for email, cid, message in acked.turns)
            missing = wanted - stored
            if missing:
                problems.append(f"{sum(missing.values())} acknowledged turns are not in ai_messages")
            fact_rows = await conn.execute(
                select(MemoryFact.user_id, MemoryFact.value).where(
                    MemoryFact.kind == "target_margin",
                    MemoryFact.valid_to.is_(None),
                    MemoryFact.user_id.in_(list(ids.values())),
                )
            )
            margins = {str(row.user_id): row.value for row in fact_rows}
            for email in sorted({email for email, _, _ in acked.remembers}):
                value = margins.get(str(ids.get(email)))
                if value is None or float(value) != REMEMBERED_MARGIN:
                    problems.append(
                        f"{email}: acknowledged 'remember' but current target_margin is {value!r}"
                    )
            unsaved = [r for r in acked.remembers if not r[2]]
            if unsaved:
                problems.append(f"{len(unsaved)} acknowledged 'remember' answers listed no saved fact")
    finally:
        await engine.dispose()
    return problems


def _uuid(value: str) -> Any:
    return uuid.UUID(value)


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- the server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(database_url: str, *, workers: int, ai_rate_limit: int | None) -> Iterator[str]:
    """uvicorn main:app --workers N on a free loopback port; stopped (by its own pid) on exit."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AUTO_MIGRATE": "false",  # migrated once above; N workers must not race to migrate
        "JWT_SECRET": secrets.token_urlsafe(48),  # one key shared by every worker
        "LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "production",
    }
    if ai_rate_limit is not None:
        env["AI_RATE_LIMIT_PER_MINUTE"] = str(ai_rate_limit)
        env["AI_DAILY_TOKEN_BUDGET"] = "0"
    command = [
        sys.executable, "-m", "uvicorn", "main:app",
        "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    log_path = PROJECT_ROOT / "var" / "load-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base_url, server, timeout=90)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _wait_ready(base_url: str, server: subprocess.Popen[bytes], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}; see var/load-server.log")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/health/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the server did not become ready within {timeout:.0f} s")


# --- report ---------------------------------------------------------------------------------------


def report(run: Run) -> tuple[str, int]:
    """The printed table, and the number of server errors (5xx, exceptions, broken streams)."""
    elapsed = run.elapsed
    header = f"{'endpoint':38} {'requests':>8} {'ok':>7} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors"
    lines = [header, "-" * len(header)]
    server_errors = 0
    total = ok = 0
    for name in sorted(run.stats):
        stats = run.stats[name]
        if name.endswith("(first event)"):
            requests, good = len(stats.latencies_ms), len(stats.latencies_ms)
        else:
            requests, good = stats.requests, stats.ok
            total += requests
            ok += good
        errors = {str(k): v for k, v in sorted(stats.statuses.items()) if not 200 <= k < 300}
        errors.update(stats.failures)
        server_errors += sum(v for k, v in stats.statuses.items() if k >= 500) + sum(stats.failures.values())
        lat = stats.latencies_ms
        lines.append(
            f"{name:38} {requests:8d} {good:7d} {requests / elapsed:7.1f} {percentile(lat, 50):8.0f} "
            f"{percentile(lat, 95):8.0f} {percentile(lat, 99):8.0f}  {errors or '-'}"
        )
    lines.append("-" * len(header))
    lines.append(f"{'total':38} {total:8d} {ok:7d} {total / elapsed:7.1f}   in {elapsed:.1f} s")
    return "\n".join(lines), server_errors


# --- command line ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="drive this server (loopback only); default: start one")
    parser.add_argument("--database-url", help="PostgreSQL of the run (default: DATABASE_URL setting)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of the started server")
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (max 900)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="stop after this many requests")
    parser.add_argument("--items", type=int, default=5000, help="demo pairs to load into an empty database")
    parser.add_argument("--no-ai", action="store_true", help="REST reads only")
    parser.add_argument(
        "--ai-rate-limit",
        type=int,
        default=0,
        help="AI_RATE_LIMIT_PER_MINUTE of the started server (0 = off, to measure capacity; -1 = keep)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 1000 or not 0 < args.duration <= 900 or args.max_requests < 1:
        parser.error("--users 1..1000, --duration 0..900 s and --max-requests >= 1")
    if args.base_url and (urlparse(args.base_url).hostname or "") not in LOOPBACK_HOSTS:
        parser.error("--base-url must be a loopback address (127.0.0.1, localhost, ::1)")
    return args


async def main_async(args: argparse.Namespace) -> int:

    # The settings validator maps postgresql:// to the asyncpg driver.
    chosen = args.database_url or Settings().DATABASE_URL
    database_url = Settings(_env_file=None, DATABASE_URL=chosen).DATABASE_URL
    if not database_url.startswith("postgresql"):
        print("note: not PostgreSQL; figures will not mean much for production", file=sys.stderr)
    print(f"preparing {urlparse(database_url).path.lstrip('/') or database_url}: ", end="", flush=True)
    print(await prepare_database(database_url, users=args.users, items=args.items))

    async def load(base_url: str) -> Run:
        print(
            f"{args.users} users for {args.duration:.0f} s (max {args.max_requests} requests) on {base_url}"
        )
        return await drive(
            base_url,
            users=args.users,
            duration=args.duration,
            max_requests=args.max_requests,
            ai=not args.no_ai,
            seed=args.seed,
        )

    if args.base_url:
        run = await load(args.base_url.rstrip("/"))
    else:
        limit = None if args.ai_rate_limit < 0 else args.ai_rate_limit
        with serve(database_url, workers=args.workers, ai_rate_limit=limit) as base_url:
            run = await load(base_url)
    table, server_errors = report(run)
    print(table)
    problems = await check_stored(database_url, run.acked)
    print(
        f"sent = stored: {len(run.acked.turns)} acknowledged turns, "
        f"{len(run.acked.remembers)} acknowledged 'remember' statements: "
        + ("all stored" if not problems else "; ".join(problems))
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "users": args.users,
                    "workers": None if args.base_url else args.workers,
                    "elapsed_s": round(run.elapsed, 1),
                    "endpoints": {
                        name: {
                            "requests": s.requests,
                            "ok": s.ok,
                            "p50_ms": percentile(s.latencies_ms, 50),
                            "p95_ms": percentile(s.latencies_ms, 95),
                            "p99_ms": percentile(s.latencies_ms, 99),
                            "statuses": dict(s.statuses),
                            "failures": dict(s.failures),
                        }
                        for name, s in sorted(run.stats.items())
                    },
                    "acknowledged_turns": len(run.acked.turns),
                    "acknowledged_remembers": len(run.acked.remembers),
                    "stored_problems": problems,
                },
                indent=2,
                default=str,
            )
        )
    return 1 if server_errors or problems else 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
