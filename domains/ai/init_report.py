"""`make ai-init`: what the assistant will use with the current settings. Never prints a key.

    python -m domains.ai.init_report

Exit code 0 also without any API key: the built-in engine answers then.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from sqlalchemy.engine import make_url

from domains.ai.providers.selection import default_model, resolve_provider_name
from shared.config.settings import Settings, get_settings


def redacted_url(url: str) -> str:
    """The database URL with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable DATABASE_URL>"


def resolved_provider(settings: Settings) -> tuple[str, str]:
    """(provider, model) the app will use: builtin when no key is configured."""
    name = resolve_provider_name(settings)
    return name, default_model(name, settings)


def report(settings: Settings) -> dict[str, Any]:
    provider, model = resolved_provider(settings)
    url = settings.DATABASE_URL
    return {
        "assistant_enabled": settings.AI_ASSISTANT_ENABLED,
        "provider": provider,
        "provider_setting": settings.MEMORI_PROVIDER,
        "model": model,
        "fallback": "builtin",
        "memory_backend": settings.AI_MEMORY_BACKEND,
        "database": f"{url.split('+', 1)[0].split(':', 1)[0]} ({redacted_url(url)})",
        "rate_limiter": "redis" if settings.REDIS_URL else "in-process",
        "daily_token_budget": settings.AI_DAILY_TOKEN_BUDGET or "unlimited",
        "rate_limit_per_minute": settings.AI_RATE_LIMIT_PER_MINUTE or "unlimited",
        "keys": {
            "OPENAI_API_KEY": "yes" if settings.OPENAI_API_KEY.get_secret_value() else "no",
            "ANTHROPIC_API_KEY": "yes" if settings.ANTHROPIC_API_KEY.get_secret_value() else "no",
        },
        "packages": {
            name: "installed" if importlib.util.find_spec(name) else "missing"
            for name in ("openai", "anthropic", "tiktoken", "memori", "redis")
        },
    }


def render(values: dict[str, Any]) -> str:
    lines = ["SoleFlip AI assistant"]
    for key, value in values.items():
        if isinstance(value, dict):
            lines.append(f"  {key}:")
            lines.extend(f"    {k}: {v}" for k, v in value.items())
        else:
            lines.append(f"  {key}: {value}")
    if values["provider"] == "builtin":
        lines.append(
            "  note: no OpenAI/Anthropic key configured: the offline built-in engine answers "
            "(set OPENAI_API_KEY or ANTHROPIC_API_KEY to use a language model)"
        )
    return "\n".join(lines)


def main() -> int:
    print(render(report(get_settings())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
