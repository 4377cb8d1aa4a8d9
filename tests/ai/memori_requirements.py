"""When the Memori tests may skip: only when the `memori` extra is missing AND the run does not
demand them. CI (.ci/run) installs the extra and sets REQUIRE_MEMORI_TESTS=1, so a missing package
fails there instead of skipping (as REQUIRE_BROWSER_TESTS does for the browser tests)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def required() -> bool:
    return os.environ.get("REQUIRE_MEMORI_TESTS", "").strip().lower() in ("1", "true", "yes")


def need(module: str) -> ModuleType:
    """Import a package of the `memori`/`ai` extras for a test module; skip or fail without it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        reason = f"{module} is not installed (make install-memori): {exc}"
        if required():
            pytest.fail(f"REQUIRE_MEMORI_TESTS=1 but {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)
