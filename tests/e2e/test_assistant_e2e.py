"""The chat widget end to end: real server on demo data, real headless Chromium.

Screenshots go to test-artifacts/e2e/ (desktop and 390 px phone width)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DEMO_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.slow

TIMEOUT = 30_000  # ms
# Records every state an answer goes through (pending -> streaming -> done) and its text lengths.
RECORDER = """
window.__answerStates = [];
new MutationObserver(() => {
  document.querySelectorAll('[data-testid=assistant-message]').forEach((el, i) => {
    const entry = i + ':' + el.dataset.state + ':' + (el.querySelector('.sf-md')?.textContent.length ?? 0);
    const log = window.__answerStates;
    if (log[log.length - 1] !== entry) log.push(entry);
  });
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
"""


def _count_pattern(n: int) -> str:
    """'645' or '1,234': how the assistant writes a count of pairs."""
    return rf"\b({n}|{n:,})\s+pairs\b"


def _sign_in(page: Any, base: str) -> None:
    page.goto(base + "/")
    assert page.url.endswith("/assistant/"), page.url
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.get_by_role("heading", name="What would you like to know?").wait_for(timeout=TIMEOUT)


def _ask(page: Any, question: str) -> Any:
    """Type a question, send it with Enter, wait for the answer to finish; return its element."""
    before = page.get_by_test_id("assistant-message").count()
    box = page.get_by_role("textbox", name=re.compile("Ask about stock"))
    box.fill(question)
    box.press("Enter")
    answer = page.get_by_test_id("assistant-message").nth(before)
    page.wait_for_function(
        "i => document.querySelectorAll('[data-testid=assistant-message]')[i]?.dataset.state === 'done'",
        arg=before,
        timeout=TIMEOUT,
    )
    return answer


def test_chat_streams_grounded_answers_sources_and_memory(
    live_server: str, api: httpx.Client, browser: Any, artifacts: Path
) -> None:
    inventory = api.get("/analytics/inventory").json()
    in_stock = inventory["units_in_inventory"]
    nike = api.get("/analytics/inventory", params={"brand": "Nike"}).json()["units_in_inventory"]
    assert in_stock > 0 and nike > 0

    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    page = context.new_page()
    page.add_init_script(RECORDER)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    streams: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: (
            streams.append({"url": r.url, "body": r.post_data_json}) if r.url.endswith("/stream") else None
        ),
    )
    stream_types: list[str] = []
    page.on(
        "response",
        lambda r: (
            stream_types.append(r.headers.get("content-type", "")) if r.url.endswith("/stream") else None
        ),
    )

    # Log in.
    page.goto(live_server + "/")
    page.screenshot(path=artifacts / "01-login.png")
    _sign_in(page, live_server)
    page.get_by_role("button", name=re.compile(r"\d")).first.wait_for(timeout=TIMEOUT)  # suggestion chips
    page.screenshot(path=artifacts / "02-welcome.png")

    # Ask; the correct number streams in.
    first = _ask(page, "How many pairs do I have in stock?")
    text = first.locator(".sf-md").inner_text()
    assert re.search(_count_pattern(in_stock), text), (in_stock, text)
    assert "Pairs in inventory, now" in first.inner_text()  # what it answered, restated
    assert stream_types and all(t.startswith("text/event-stream") for t in stream_types)
    states = page.evaluate("window.__answerStates")
    assert any(s.startswith("0:streaming") or s.startswith("0:pending") for s in states), states
    assert streams[0]["url"].endswith("/ai/query/stream")
    page.screenshot(path=artifacts / "03-answer.png")

    # Focus stays in the composer for the next question.
    assert page.evaluate("document.activeElement.id") == "sf-composer-input"

    # Follow-up in the same conversation.
    follow_up = _ask(page, "And how many of them are Nike?")
    assert re.search(_count_pattern(nike), follow_up.locator(".sf-md").inner_text())
    assert streams[1]["url"].endswith("/ai/conversation/stream")
    conversation_id = streams[1]["body"]["conversation_id"]
    conversations = api.get("/ai/conversations").json()["items"]
    assert conversations[0]["id"] == conversation_id and conversations[0]["message_count"] == 4
    # ... which the sidebar lists.
    page.get_by_role("navigation").get_by_text("How many pairs do I have in stock?").wait_for()

    # Sources: the tools called, their arguments and figures.
    first.locator("summary").click()
    sources = first.locator(".sf-source-list")
    sources.wait_for()
    assert sources.get_by_text("query_business").first.is_visible()
    assert "dead stock days" in sources.inner_text()
    figure = sources.locator(".sf-figures div", has_text="units in inventory").first
    assert figure.locator("dd").inner_text().replace(",", "") == str(in_stock)
    first.locator(".sf-sources").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "04-sources.png")

    # A preference, remembered and shown in the memory panel.
    _ask(page, "Remember that anything older than 45 days counts as dead stock for me")
    page.get_by_role("button", name="Memory").click()
    panel = page.get_by_role("complementary", name="What I remember")
    panel.get_by_text("45 days").first.wait_for(timeout=TIMEOUT)
    assert "1 fact" in panel.get_by_test_id("memory-status").inner_text()
    page.screenshot(path=artifacts / "05-memory.png")

    # Clear all memory (behind a confirmation).
    panel.get_by_role("button", name="Clear all memory").click()
    dialog = panel.get_by_role("alertdialog")
    assert "cannot be undone" in dialog.inner_text()
    page.screenshot(path=artifacts / "06-clear-confirm.png")
    dialog.get_by_role("button", name="Yes, clear everything").click()
    panel.get_by_text("Nothing remembered yet").wait_for(timeout=TIMEOUT)
    assert "0 facts" in panel.get_by_test_id("memory-status").inner_text()
    status = api.get("/ai/memory/status").json()
    assert status["fact_count"] == 0 and status["conversation_count"] == 0
    page.screenshot(path=artifacts / "07-memory-cleared.png")

    assert errors == []
    context.close()


def test_phone_width_chart_and_german(live_server: str, browser: Any, artifacts: Path) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="de-DE", is_mobile=True
    )
    page = context.new_page()
    page.goto(live_server + "/assistant/")
    # German by browser default; switch to English.
    page.get_by_role("button", name="Anmelden", exact=True).wait_for()
    page.screenshot(path=artifacts / "10-phone-login-de.png")
    page.get_by_role("button", name="EN", exact=True).click()
    _sign_in(page, live_server)
    page.screenshot(path=artifacts / "11-phone-welcome.png")
    answer = _ask(page, "Show revenue by month")
    chart = answer.get_by_test_id("series-chart")
    chart.wait_for()
    assert chart.locator("rect.sf-bar").count() >= 2
    assert answer.locator(".sf-md table").count() == 1
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "12-phone-chart.png")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation").get_by_text("Show revenue by month").wait_for()
    page.screenshot(path=artifacts / "13-phone-conversations.png")
    context.close()
