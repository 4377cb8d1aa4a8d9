"""The built-in, offline assistant engine (no API key): rules over typed tools, EN and DE."""

from __future__ import annotations

from domains.ai.providers.builtin.engine import BuiltinProvider

__all__ = ["BuiltinProvider"]
