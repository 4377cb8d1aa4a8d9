"""Which providers the app under test answers with: the built-in engine the app builds from its
settings, or the real OpenAI / Anthropic SDK providers pointed at the loopback fake LLM server
(with the built-in engine as their fallback, as in production)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from domains.ai.providers.anthropic_provider import AnthropicProvider
from domains.ai.providers.base import Provider
from domains.ai.providers.builtin import BuiltinProvider
from domains.ai.providers.factory import build_providers
from domains.ai.providers.openai_provider import OpenAIProvider
from tests.ai.fakes.llm_server import FakeLLMServer


def install_providers(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, providers: tuple[Provider, Provider]
) -> None:
    monkeypatch.setitem(app.state._state, "ai_providers", providers)
    # and a fresh request rate limit and reservation store (built on first use)
    monkeypatch.setitem(app.state._state, "ai_request_limit", None)
    monkeypatch.setitem(app.state._state, "ai_budget_reservations", None)


def install_builtin(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The providers the app builds from its settings (no API key: the built-in engine)."""
    install_providers(app, monkeypatch, build_providers(app.state.settings))


class LanguageModels:
    """Installs a real SDK provider talking to the fake server; closes its HTTP client afterwards."""

    def __init__(self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, server: FakeLLMServer) -> None:
        self.app = app
        self.monkeypatch = monkeypatch
        self.server = server
        self._made: list[Provider] = []

    def _settings(self, overrides: dict[str, Any]) -> Any:
        values: dict[str, Any] = {
            "OPENAI_BASE_URL": f"{self.server.url}/v1",
            "OPENAI_API_KEY": SecretStr("sk-test-0123456789abcdef"),
            "ANTHROPIC_BASE_URL": self.server.url,
            "ANTHROPIC_API_KEY": SecretStr("sk-ant-test-0123456789abcdef"),
            "AI_REQUEST_TIMEOUT_SECONDS": 2.0,
            "AI_MAX_RETRIES": 2,
        }
        values.update(overrides)
        return self.app.state.settings.model_copy(update=values)

    def openai(self, **settings: Any) -> OpenAIProvider:
        provider = OpenAIProvider(self._settings(settings), retry_base_delay=0.01)
        self._install(provider)
        return provider

    def anthropic(self, **settings: Any) -> AnthropicProvider:
        provider = AnthropicProvider(self._settings(settings), retry_base_delay=0.01)
        self._install(provider)
        return provider

    def _install(self, provider: Provider) -> None:
        self._made.append(provider)
        install_providers(self.app, self.monkeypatch, (provider, BuiltinProvider(self.app.state.settings)))

    async def aclose(self) -> None:
        for provider in self._made:
            await provider.aclose()


async def language_models(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, server: FakeLLMServer
) -> AsyncIterator[LanguageModels]:
    """For a fixture: LanguageModels on the freshly reset `server`, closed when the fixture ends."""
    server.reset()
    installed = LanguageModels(app, monkeypatch, server)
    yield installed
    await installed.aclose()
