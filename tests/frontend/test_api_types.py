"""The widget's API types (frontend/src/api/schema.d.ts) are generated from this app's OpenAPI
schema; this fails when the API changed and `cd frontend && npm run gen:api` was not re-run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from main import create_app
from shared.config.settings import Settings
from tests.frontend.browser_requirements import FRONTEND, frontend_bin

pytestmark = pytest.mark.slow


def test_generated_api_types_match_the_apps_openapi_schema(tmp_path: Path) -> None:
    generator = frontend_bin("openapi-typescript")
    settings = Settings(_env_file=None, JWT_SECRET="openapi-dump-only-" + "x" * 32)  # type: ignore[call-arg]
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(create_app(settings).openapi()))
    generated = tmp_path / "schema.d.ts"
    result = subprocess.run(
        [generator, str(schema), "-o", str(generated)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    committed = (FRONTEND / "src" / "api" / "schema.d.ts").read_text()
    assert generated.read_text() == committed, (
        "frontend/src/api/schema.d.ts is out of date: run `cd frontend && npm run gen:api`"
    )
