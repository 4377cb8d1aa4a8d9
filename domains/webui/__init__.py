"""The assistant's web page: the built React widget (frontend/) served at /assistant/."""

from __future__ import annotations

from domains.webui.router import STATIC_DIR, router

__all__ = ["STATIC_DIR", "router"]
