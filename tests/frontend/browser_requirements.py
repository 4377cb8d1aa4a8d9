"""When the browser/Node tests may skip: only when their tools are missing AND the run does not
demand them. CI sets REQUIRE_BROWSER_TESTS=1, so a missing tool fails there instead of skipping."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def required() -> bool:
    return os.environ.get("REQUIRE_BROWSER_TESTS", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> None:
    """Skip the test, or fail it when the run requires browser tests."""
    if required():
        pytest.fail(f"REQUIRE_BROWSER_TESTS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def need_node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing("node/npm are not installed")
    assert node and npm
    return node, npm


def need_chromium() -> str:
    if not Path(CHROMIUM).is_file() or not os.access(CHROMIUM, os.X_OK):
        missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return CHROMIUM


def frontend_bin(name: str) -> str:
    """A tool from frontend/node_modules/.bin (vitest, tsc, openapi-typescript); runs `npm ci` first
    when the packages are missing."""
    _node, npm = need_node()
    binary = FRONTEND / "node_modules" / ".bin" / name
    if not binary.exists():
        install = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=FRONTEND,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if install.returncode != 0:
            missing(f"`npm ci` failed in frontend/: {install.stderr[-2000:]}")
    return str(binary)
