"""Log lines under real processes (issue 10, items 8 and 9).

- `uvicorn main:app` with two workers, as deployed: one JSON line per request, with the query
  string redacted; no uvicorn access line (it repeated every request and printed a token or
  password a client put in the URL as sent).
- Several processes logging through one stdout pipe: every line arrives whole and parses.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SECRET_TOKEN = "tok-Very-Secret-0123456789"
SECRET_PASSWORD = "hunter2-Secret-Pa55"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _json_lines(text: str) -> list[dict[str, object]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_uvicorn_with_two_workers_logs_each_request_once_and_redacted(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'log.db'}",
        "AUTO_MIGRATE": "true",
        "JWT_SECRET": "log-test-secret-key-that-is-long-enough-for-hs256",
        "LOG_LEVEL": "INFO",
        "LOG_JSON": "true",
        "REDIS_URL": "",
        "OPENAI_API_KEY": "",
        "ANTHROPIC_API_KEY": "",
    }
    command = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.2)
        params = {"access_token": SECRET_TOKEN, "password": SECRET_PASSWORD, "q": "Air Jordan"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(6):
                assert http.get("/health", params=params).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    everything = out + err
    assert SECRET_TOKEN not in everything and SECRET_PASSWORD not in everything
    assert '"GET /health' not in everything  # uvicorn's access line format
    requests = [
        line
        for line in _json_lines(out)
        if line.get("event") == "request" and "access_token" in str(line.get("query"))
    ]
    assert len(requests) == 6, out[-2000:]
    assert requests[0]["query"] == "access_token=[redacted]&password=[redacted]&q=Air+Jordan"


WRITER = """
import structlog
from shared.logging import configure_logging
configure_logging(level="INFO", json=True)
log = structlog.get_logger("soak")
for n in range({lines}):
    log.info("line", worker={worker}, n=n, pad="x" * 700)
"""


def test_lines_of_several_processes_sharing_one_pipe_arrive_whole() -> None:
    workers, lines = 4, 1500
    read_end, write_end = os.pipe()
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(_read_all(read_end)), daemon=True)
    reader.start()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER.format(lines=lines, worker=worker)], cwd=ROOT, stdout=write_end
        )
        for worker in range(workers)
    ]
    os.close(write_end)
    for process in processes:
        assert process.wait(timeout=120) == 0
    reader.join(timeout=30)
    text = received[0].decode()
    parsed = [json.loads(line) for line in text.splitlines()]  # a glued or cut line fails here
    assert len(parsed) == workers * lines
    assert {(p["worker"], p["n"]) for p in parsed} == {(w, n) for w in range(workers) for n in range(lines)}


def _read_all(fd: int) -> bytes:
    chunks = []
    with os.fdopen(fd, "rb") as pipe:
        while chunk := pipe.read(65536):
            chunks.append(chunk)
    return b"".join(chunks)
