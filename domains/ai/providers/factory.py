"""Which language model answers: chosen once at startup from the settings.

MEMORI_PROVIDER=auto picks OpenAI when an OpenAI key or base URL is configured, else
Anthropic when an Anthropic key is, else the built-in engine. The built-in engine is
always built too: it answers whenever the chosen provider fails.
"""

from __future__ import annotations

import structlog

from domains.ai.providers.base import Provider
from domains.ai.providers.builtin import BuiltinProvider
from domains.ai.providers.selection import resolve_provider_name
from shared.config.settings import Settings

logger = structlog.get_logger(__name__)


class ProviderSdkMissing(RuntimeError):
    """A cloud provider is configured but its SDK (the `ai` extra, `make install-ai`) is not installed."""


def _cloud_provider(name: str, settings: Settings) -> Provider:
    # Imported only when chosen: their SDKs (package `openai` / `anthropic`) are the optional `ai` extra.
    try:
        if name == "openai":
            from domains.ai.providers.openai_provider import OpenAIProvider

            return OpenAIProvider(settings)
        from domains.ai.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(settings)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise ProviderSdkMissing(
            f"MEMORI_PROVIDER resolves to {name!r} but the {exc.name!r} package is not installed: "
            f'run `make install-ai` (or pip install -e ".[ai]")'
        ) from exc


def build_providers(settings: Settings) -> tuple[Provider, Provider]:
    """(primary, fallback): the chosen provider and the built-in engine.

    When the built-in engine is the choice, both are the same object (close it once).
    """
    fallback: Provider = BuiltinProvider(settings)
    name = resolve_provider_name(settings)
    primary = fallback if name == "builtin" else _cloud_provider(name, settings)
    logger.info("ai_provider_selected", provider=primary.name, model=primary.model)
    return primary, fallback
