"""The widget's component tests (Vitest, frontend/tests) reported through pytest.

Uses the packages `npm ci` installed in frontend/node_modules; runs `npm ci` first when they
are missing. Skips without Node unless REQUIRE_BROWSER_TESTS=1 (then it fails)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.frontend.browser_requirements import FRONTEND, missing, need_node

pytestmark = pytest.mark.slow


def _vitest_binary() -> str:
    _node, npm = need_node()
    vitest = FRONTEND / "node_modules" / ".bin" / "vitest"
    if not vitest.exists():
        install = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=FRONTEND,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if install.returncode != 0:
            missing(f"`npm ci` failed in frontend/: {install.stderr[-2000:]}")
    return str(vitest)


def test_vitest_component_tests_pass(tmp_path: Path) -> None:
    vitest = _vitest_binary()
    report = tmp_path / "vitest.json"
    result = subprocess.run(
        [vitest, "run", "--reporter=default", "--reporter=json", f"--outputFile.json={report}"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CI": "1", "FORCE_COLOR": "0"},
    )
    assert result.returncode == 0, f"vitest failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    summary = json.loads(report.read_text())
    assert summary["numFailedTests"] == 0
    # Guard against a run that silently collected nothing.
    assert summary["numPassedTests"] >= 15, summary["numPassedTests"]


def test_typescript_compiles() -> None:
    _vitest_binary()
    tsc = FRONTEND / "node_modules" / ".bin" / "tsc"
    result = subprocess.run(
        [str(tsc), "--noEmit", "-p", "."], cwd=FRONTEND, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:]
