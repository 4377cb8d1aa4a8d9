"""Which provider and model the settings select: pure settings logic, no provider imported.

Kept apart from factory.py (which builds the providers) so that the providers themselves can
ask for their default model without importing the factory that imports them.
"""

from __future__ import annotations

import structlog

from shared.config.settings import Settings

logger = structlog.get_logger(__name__)

DEFAULT_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-3-5-haiku-latest",
    "builtin": "soleflip-builtin-1",
}


def _has_openai(settings: Settings) -> bool:
    return bool(settings.OPENAI_API_KEY.get_secret_value() or settings.OPENAI_BASE_URL)


def _has_anthropic(settings: Settings) -> bool:
    return bool(settings.ANTHROPIC_API_KEY.get_secret_value() or settings.ANTHROPIC_BASE_URL)


def resolve_provider_name(settings: Settings) -> str:
    """'openai' | 'anthropic' | 'builtin' for these settings (never fails)."""
    wanted = settings.MEMORI_PROVIDER
    if wanted == "auto":
        if _has_openai(settings):
            return "openai"
        if settings.ANTHROPIC_API_KEY.get_secret_value():
            return "anthropic"
        return "builtin"
    if wanted == "openai" and not _has_openai(settings):
        logger.warning("ai_provider_unconfigured", wanted="openai", using="builtin", missing="OPENAI_API_KEY")
        return "builtin"
    if wanted == "anthropic" and not _has_anthropic(settings):
        logger.warning(
            "ai_provider_unconfigured", wanted="anthropic", using="builtin", missing="ANTHROPIC_API_KEY"
        )
        return "builtin"
    return wanted


def _belongs_to_other_provider(provider: str, model: str, settings: Settings) -> bool:
    """A MEMORI_MODEL written for one vendor, while another vendor's API was chosen."""
    name = model.lower()
    if provider == "anthropic":
        return name.startswith(("gpt-", "o1", "o3", "o4", "chatgpt"))
    if provider == "openai" and not settings.OPENAI_BASE_URL:  # proxies may serve claude-* names
        return name.startswith("claude")
    return False


def default_model(provider: str, settings: Settings | None = None) -> str:
    """MEMORI_MODEL when it fits the provider, else the provider's default model."""
    configured = (settings.MEMORI_MODEL.strip() if settings is not None else "") or ""
    if provider == "builtin" or not configured:
        return DEFAULT_MODELS.get(provider, DEFAULT_MODELS["builtin"])
    assert settings is not None
    if _belongs_to_other_provider(provider, configured, settings):
        logger.warning(
            "ai_model_ignored", provider=provider, model=configured, using=DEFAULT_MODELS[provider]
        )
        return DEFAULT_MODELS[provider]
    return configured
