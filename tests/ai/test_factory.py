"""Provider selection from the settings, and the providers the factory builds."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from domains.ai.providers.factory import ProviderSdkMissing, build_providers
from domains.ai.providers.openai_provider import OpenAIProvider
from domains.ai.providers.selection import default_model, resolve_provider_name
from tests.ai.fakes.llm_server import (
    ANTHROPIC_PATH,
    OPENAI_PATH,
    FakeLLMServer,
    anthropic_error,
    openai_error,
)
from tests.ai.fakes.tools import RecordingTools, ask, provider_settings, run_provider, running_fake_server

pytestmark = pytest.mark.ai

NO_KEYS = {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": ""}


def settings(**overrides: Any) -> Any:
    return provider_settings(**{**NO_KEYS, **overrides})


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "builtin"),
        ({"OPENAI_API_KEY": "sk-x"}, "openai"),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}, "openai"),  # Ollama, no key
        ({"ANTHROPIC_API_KEY": "sk-ant-x"}, "anthropic"),
        ({"OPENAI_API_KEY": "sk-x", "ANTHROPIC_API_KEY": "sk-ant-x"}, "openai"),
        ({"MEMORI_PROVIDER": "builtin", "OPENAI_API_KEY": "sk-x"}, "builtin"),
        (
            {"MEMORI_PROVIDER": "anthropic", "OPENAI_API_KEY": "sk-x", "ANTHROPIC_API_KEY": "sk-ant-x"},
            "anthropic",
        ),
        ({"MEMORI_PROVIDER": "anthropic", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9000"}, "anthropic"),
        ({"MEMORI_PROVIDER": "openai", "OPENAI_API_KEY": "sk-x"}, "openai"),
    ],
)
def test_resolve_provider_name(overrides: dict[str, Any], expected: str) -> None:
    assert (
        resolve_provider_name(settings(MEMORI_PROVIDER=overrides.pop("MEMORI_PROVIDER", "auto"), **overrides))
        == expected
    )


@pytest.mark.parametrize("wanted", ["openai", "anthropic"])
def test_explicit_provider_without_credentials_falls_back_with_a_warning(wanted: str) -> None:
    with capture_logs() as logs:
        assert resolve_provider_name(settings(MEMORI_PROVIDER=wanted)) == "builtin"
    warning = next(e for e in logs if e["event"] == "ai_provider_unconfigured")
    assert warning["log_level"] == "warning" and warning["wanted"] == wanted


def test_default_models() -> None:
    assert default_model("openai") == "gpt-4o-mini"
    assert default_model("anthropic") == "claude-3-5-haiku-latest"
    assert default_model("builtin") == "soleflip-builtin-1"
    assert default_model("openai", settings(MEMORI_MODEL="gpt-4.1-mini")) == "gpt-4.1-mini"
    assert default_model("anthropic", settings(MEMORI_MODEL="claude-sonnet-4-5")) == "claude-sonnet-4-5"
    assert default_model("builtin", settings(MEMORI_MODEL="gpt-4.1-mini")) == "soleflip-builtin-1"
    # the plan's example MEMORI_MODEL=gpt-4-turbo-preview must not be sent to Anthropic
    assert (
        default_model("anthropic", settings(MEMORI_MODEL="gpt-4-turbo-preview")) == "claude-3-5-haiku-latest"
    )
    assert default_model("openai", settings(MEMORI_MODEL="claude-3-5-haiku-latest")) == "gpt-4o-mini"
    # ...but an OpenAI-compatible proxy may well serve Claude or Llama under their own names
    proxy = settings(MEMORI_MODEL="claude-3-5-haiku-latest", OPENAI_BASE_URL="http://127.0.0.1:4000/v1")
    assert default_model("openai", proxy) == "claude-3-5-haiku-latest"
    assert default_model("openai", settings(MEMORI_MODEL="llama3.1:8b")) == "llama3.1:8b"


async def test_builtin_only_when_nothing_is_configured() -> None:
    from domains.ai.providers.builtin import BuiltinProvider

    primary, fallback = build_providers(settings())
    assert isinstance(fallback, BuiltinProvider)
    assert primary is fallback
    await primary.aclose()


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLMServer]:
    yield from running_fake_server()


async def test_built_openai_provider_uses_base_url_timeout_and_no_sdk_retries(llm: FakeLLMServer) -> None:
    from domains.ai.providers.builtin import BuiltinProvider

    llm.reset()
    llm.script(OPENAI_PATH, openai_error(503), openai_error(503))
    primary, fallback = build_providers(
        settings(OPENAI_BASE_URL=f"{llm.url}/v1", MEMORI_MODEL="llama3.1:8b", AI_MAX_RETRIES=0)
    )
    try:
        assert isinstance(primary, OpenAIProvider) and isinstance(fallback, BuiltinProvider)
        assert primary.model == "llama3.1:8b"
        from domains.ai.providers.base import ProviderError

        with pytest.raises(ProviderError):
            await run_provider(primary, ask("hi"), RecordingTools())
        sent = llm.requests_to(OPENAI_PATH)
        assert len(sent) == 1  # the SDK did not retry on its own
        assert sent[0].body["model"] == "llama3.1:8b"
        assert sent[0].headers["authorization"] == "Bearer not-needed"  # no key configured (Ollama)
    finally:
        await primary.aclose()
        await fallback.aclose()


async def test_built_anthropic_provider_talks_to_the_configured_server(llm: FakeLLMServer) -> None:
    from domains.ai.providers.anthropic_provider import AnthropicProvider
    from domains.ai.providers.base import ProviderError

    llm.reset()
    llm.script(ANTHROPIC_PATH, anthropic_error(500))
    primary, fallback = build_providers(
        settings(ANTHROPIC_API_KEY="sk-ant-test-key-123456", ANTHROPIC_BASE_URL=llm.url, AI_MAX_RETRIES=0)
    )
    try:
        assert isinstance(primary, AnthropicProvider)
        assert primary.model == "claude-3-5-haiku-latest"
        with pytest.raises(ProviderError):
            await run_provider(primary, ask("hi"), RecordingTools())
        (sent,) = llm.requests_to(ANTHROPIC_PATH)
        auth = sent.headers.get("x-api-key") or sent.headers.get("authorization", "")
        assert "sk-ant-test-key-123456" in auth
    finally:
        await primary.aclose()
        await fallback.aclose()


@pytest.mark.parametrize(
    ("sdk", "provider_module", "overrides"),
    [
        ("openai", "domains.ai.providers.openai_provider", {"OPENAI_API_KEY": "sk-x"}),
        ("anthropic", "domains.ai.providers.anthropic_provider", {"ANTHROPIC_API_KEY": "sk-ant-x"}),
    ],
)
def test_a_configured_cloud_provider_without_its_sdk_names_the_extra_to_install(
    sdk: str, provider_module: str, overrides: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make install` has no cloud SDKs: a configured key must say how to get them, not crash obscurely."""
    monkeypatch.setitem(sys.modules, sdk, None)  # as if the `ai` extra were not installed
    monkeypatch.delitem(sys.modules, provider_module, raising=False)
    with pytest.raises(ProviderSdkMissing, match=r"make install-ai"):
        build_providers(settings(**overrides))
