"""`make ai-init` (python -m domains.ai.init_report): what will answer, never a key's value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domains.ai.init_report import render, report
from tests.conftest import test_settings as settings_for

pytestmark = pytest.mark.ai

ROOT = Path(__file__).resolve().parents[2]


def test_without_keys_the_builtin_engine_is_reported() -> None:
    values = report(settings_for("sqlite+aiosqlite:////tmp/x.db"))
    assert values["provider"] == "builtin"
    assert values["keys"] == {"OPENAI_API_KEY": "no", "ANTHROPIC_API_KEY": "no"}
    assert values["database"].startswith("sqlite (")


def test_keys_are_reported_as_present_never_printed() -> None:
    settings = settings_for(
        "postgresql+asyncpg://app:db-password-123@db.internal/soleflip",
        OPENAI_API_KEY="sk-secret-openai-key",
        ANTHROPIC_API_KEY="sk-ant-secret",
    )
    text = render(report(settings))
    assert "OPENAI_API_KEY: yes" in text and "ANTHROPIC_API_KEY: yes" in text
    assert "provider: openai" in text
    for secret in ("sk-secret-openai-key", "sk-ant-secret", "db-password-123"):
        assert secret not in text
    assert "postgresql (postgresql+asyncpg://app:***@db.internal/soleflip)" in text


def test_the_command_exits_0_without_keys(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "OPENAI_API_KEY": "",
        "ANTHROPIC_API_KEY": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "domains.ai.init_report"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "provider: builtin" in done.stdout
