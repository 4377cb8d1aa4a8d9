"""`make ai-demo`: ask the assistant the integration plan's demo questions through the HTTP API.

    python scripts/ai_demo.py            (HOST and PORT as for `make run`, default 127.0.0.1:8000;
                                          SOLEFLIP_API=http://host:port overrides both)

If nothing answers on that address, the script loads the demo data (if the database is empty),
starts `uvicorn main:app` there on the embedded SQLite defaults, and stops it at the end. If
something else answers there (not a SoleFlip API), it stops instead of questioning it.
Works offline: without API keys the built-in engine answers. Exit code 1 if a question failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
API = os.environ.get("SOLEFLIP_API", f"http://{HOST}:{PORT}").rstrip("/")
EMAIL = os.environ.get("DEMO_USER_EMAIL", "demo@soleflip.dev")
PASSWORD = os.environ.get("DEMO_USER_PASSWORD", "soleflip-demo")
DEMO_ITEMS = os.environ.get("DEMO_ITEMS", "5000")

DEMO_QUERIES = [
    "What is my current inventory count?",
    "Show me items that have been in stock for more than 60 days",
    "What are my best selling brands this month?",
    "Which products should I discount?",
]
FOLLOW_UP = "Which of those are Jordans?"
GERMAN_QUERIES = [
    "Wie hoch war mein Umsatz letzten Monat?",
    "Wie viele Paare habe ich auf Lager?",
]


def server_answers(client: httpx.Client) -> bool:
    """True when a SoleFlip API answers on API, False when nothing does; exits when another server does."""
    try:
        response = client.get(f"{API}/ai/health", timeout=2)
    except httpx.HTTPError:
        return False
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and {"provider", "memory_backend"} <= set(body):
        return True
    raise SystemExit(
        f"Something other than the SoleFlip API answers on {API} (GET /ai/health -> {response.status_code}); "
        "stop it or choose another port: make ai-demo PORT=8001"
    )


def start_server(client: httpx.Client) -> subprocess.Popen[bytes]:
    """Demo data (only into an empty database), then uvicorn on API's host and port."""
    if (PROJECT_ROOT / "scripts" / "demo_data.py").exists():
        print(f"Loading demo data ({DEMO_ITEMS} pairs, skipped when the database has data) ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "scripts.demo_data", "--items", DEMO_ITEMS, "--if-empty"],
            cwd=PROJECT_ROOT,
            check=True,
        )
    url = urlparse(API)
    host, port = url.hostname or "127.0.0.1", str(url.port or 8000)
    print(f"Starting the API on {host}:{port} ...", flush=True)
    env = {**os.environ, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "main:app",
            "--host",
            host,
            "--port",
            port,
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The API server exited with code {process.returncode}")
        if server_answers(client):
            return process
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("The API server did not answer within 120 s")


def login(client: httpx.Client) -> dict[str, str]:
    response = client.post(f"{API}/auth/token", data={"username": EMAIL, "password": PASSWORD})
    if response.status_code != 200:
        raise SystemExit(f"Login as {EMAIL} failed ({response.status_code}): {response.text}")
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def ask(
    client: httpx.Client, headers: dict[str, str], question: str, conversation_id: str | None = None
) -> dict[str, Any] | None:
    print("\n" + "=" * 72)
    print(f"Q: {question}")
    print("=" * 72)
    body: dict[str, Any] = {"query": question, "include_context": True}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = client.post(f"{API}/ai/query", json=body, headers=headers)
    if response.status_code != 200:
        print(f"Error {response.status_code}: {response.text}")
        return None
    result: dict[str, Any] = response.json()
    print(result["response"])
    tools = [source["tool"] for source in result.get("sources", [])]
    fallback = f", fallback: {result['fallback_reason']}" if result.get("fallback") else ""
    print(
        f"\n  intent: {result['intent']} | tokens: {result['tokens_used']} | latency: {result['latency_ms']} ms"
        f" | provider: {result['provider']} ({result['model']}){fallback}"
    )
    print(f"  sources: {', '.join(tools) if tools else '-'}")
    return result


def main() -> int:
    failures = 0
    server: subprocess.Popen[bytes] | None = None
    with httpx.Client(timeout=120) as client:
        try:
            if not server_answers(client):
                server = start_server(client)
            headers = login(client)
            health = client.get(f"{API}/ai/health").json()
            print(
                f"Assistant: {health.get('status')} | provider {health.get('provider')} ({health.get('model')})"
            )
            last: dict[str, Any] | None = None
            for question in DEMO_QUERIES:
                last = ask(client, headers, question)
                failures += last is None
            follow = ask(
                client, headers, FOLLOW_UP, conversation_id=last["conversation_id"] if last else None
            )
            failures += follow is None
            for question in GERMAN_QUERIES:
                failures += ask(client, headers, question) is None
        finally:
            if server is not None:
                print("\nStopping the API server ...")
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
    print(f"\n{'All questions answered.' if failures == 0 else f'{failures} question(s) failed.'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
