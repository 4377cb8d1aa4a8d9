"""The widget's component tests (Vitest, frontend/tests) reported through pytest.

Uses the packages `npm ci` installed in frontend/node_modules; runs `npm ci` first when they
are missing. Skips without Node unless REQUIRE_BROWSER_TESTS=1 (then it fails)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.frontend.browser_requirements import FRONTEND, frontend_bin

pytestmark = pytest.mark.slow


def test_vitest_component_tests_pass(tmp_path: Path) -> None:
    vitest = frontend_bin("vitest")
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
    assert summary["numPassedTests"] >= 30, summary["numPassedTests"]


def test_typescript_compiles() -> None:
    tsc = frontend_bin("tsc")
    result = subprocess.run(
        [tsc, "--noEmit", "-p", "."], cwd=FRONTEND, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:]
