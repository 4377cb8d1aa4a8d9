"""The widget's layout in a real browser on demo data: wide tables, the newest answer in view,
the phone's header menu, Markdown, and the Insights / vocabulary views on today's server.

Screenshots go to test-artifacts/e2e/ (20-*)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_assistant_e2e import _ask, _sign_in

pytestmark = pytest.mark.slow

WIDE_TABLE_QUESTION = "Which pairs are dead stock?"

# Geometry of the newest answer's table, its scroll box and card, and of the page.
TABLE_GEOMETRY = """
answer => {
  const wrap = answer.querySelector('.sf-md .sf-table-wrap');
  const hint = wrap.parentElement.querySelector('[data-testid=table-scroll-hint]');
  const card = answer.querySelector('.sf-answer').getBoundingClientRect();
  const box = wrap.getBoundingClientRect();
  return {
    overflowing: wrap.scrollWidth > wrap.clientWidth + 1,
    hint: !!hint,
    boxInsideCard: box.left >= card.left - 1 && box.right <= card.right + 1,
    cardRight: card.right,
    pageWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  };
}
"""


def _signed_in_page(browser: Any, base: str, width: int, height: int) -> tuple[Any, Any, list[str]]:
    """A new browser context of this size, signed in as the demo user; page errors are collected."""
    phone = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="en-US",
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, base)
    return context, page, errors


@pytest.mark.parametrize("width,height", [(1280, 800), (375, 812)])
def test_wide_tables_scroll_inside_the_answer_with_a_hint(
    live_server: str, browser: Any, artifacts: Path, width: int, height: int
) -> None:
    context, page, errors = _signed_in_page(browser, live_server, width, height)
    answer = _ask(page, WIDE_TABLE_QUESTION)
    assert answer.locator(".sf-md table").count() >= 1
    geometry = answer.evaluate(TABLE_GEOMETRY)
    # The table never widens the page or its card; hidden columns are announced.
    assert geometry["pageWidth"] <= geometry["viewport"], geometry
    assert geometry["cardRight"] <= geometry["viewport"], geometry
    assert geometry["boxInsideCard"], geometry
    assert geometry["hint"] == geometry["overflowing"], geometry
    # Product, SKU, size, age, cost, status: wider than the card on a phone and at 1280 px.
    assert geometry["overflowing"], geometry
    hint = answer.locator(".sf-md").get_by_test_id("table-scroll-hint").first
    assert hint.inner_text().endswith("→")
    wrap = answer.locator(".sf-md .sf-table-wrap").first
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; el.dispatchEvent(new Event('scroll')); }")
    # Scrolled to the end: the hint now points at the columns hidden on the left.
    page.wait_for_function(
        "el => el.parentElement.querySelector('[data-testid=table-scroll-hint]')?.textContent.startsWith('←')",
        arg=wrap.element_handle(),
        timeout=5_000,
    )
    assert hint.is_visible()
    page.screenshot(path=artifacts / f"20-wide-table-{width}.png")
    assert errors == []
    context.close()


def test_the_newest_answer_is_scrolled_into_view(live_server: str, browser: Any, artifacts: Path) -> None:
    context, page, _errors = _signed_in_page(browser, live_server, 1280, 640)
    questions = [
        "How many pairs do I have in stock?",
        WIDE_TABLE_QUESTION,
        "Show revenue by month",
        "What are my best sellers this year?",
    ]
    for n, question in enumerate(questions):
        if n == 2:
            # The user scrolls back up to an old answer before asking again.
            page.locator(".sf-scroll").evaluate(
                "el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }"
            )
        answer = _ask(page, question)
        visible = page.locator(".sf-scroll").evaluate(
            """(box, i) => {
              const answer = box.querySelectorAll('[data-testid=assistant-message]')[i];
              const view = box.getBoundingClientRect();
              const top = answer.getBoundingClientRect().top;
              return { top, viewTop: view.top, viewBottom: view.bottom };
            }""",
            n,
        )
        # The start of the newest answer is on screen (not below the fold, not scrolled past).
        assert visible["viewTop"] - 1 <= visible["top"] < visible["viewBottom"] - 40, (question, visible)
        assert answer.locator(".sf-md").inner_text().strip()
    page.screenshot(path=artifacts / "21-newest-answer-in-view.png")
    context.close()


def test_phone_header_menu_reaches_memory_insights_and_sign_out(
    live_server: str, browser: Any, artifacts: Path
) -> None:
    context, page, errors = _signed_in_page(browser, live_server, 375, 740)
    # The desktop buttons are folded away; one "More" button holds them.
    assert not page.get_by_role("button", name="Memory", exact=True).is_visible()
    more = page.get_by_role("button", name="More", exact=True)
    box = more.bounding_box()
    assert box and box["x"] + box["width"] <= 375 and box["width"] >= 32 and box["height"] >= 32
    more.click()
    menu = page.get_by_role("menu")
    page.screenshot(path=artifacts / "22-phone-menu.png")
    menu.get_by_role("menuitem", name="Memory").click()
    panel = page.get_by_role("complementary", name="What I remember")
    panel.get_by_test_id("memory-status").wait_for()
    assert panel.is_visible()
    page.screenshot(path=artifacts / "23-phone-memory.png")
    panel.get_by_role("button", name="Close").click()

    more.click()
    page.get_by_role("menu").get_by_role("menuitem", name="Insights").click()
    insights = page.get_by_role("complementary", name="What stands out")
    insights.wait_for()
    assert insights.is_visible()
    insights.get_by_role("button", name="Close").click()

    more.click()
    page.get_by_role("menu").get_by_role("menuitem", name="Sign out").click()
    page.get_by_label("Password").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert errors == []
    context.close()


def test_markdown_answers_and_the_new_views_on_todays_server(
    live_server: str, browser: Any, artifacts: Path
) -> None:
    context, page, errors = _signed_in_page(browser, live_server, 1280, 800)
    answer = _ask(page, "How many pairs do I have in stock, by brand?")
    # Markdown from the server: bold figures and a real table with a header row.
    assert answer.locator(".sf-md strong").count() >= 1
    table = answer.locator(".sf-md table").first
    assert table.locator("thead th").count() >= 2
    numeric = table.locator("tbody tr").first.locator("td").last
    assert numeric.evaluate("td => getComputedStyle(td).textAlign") == "right"
    # No raw HTML is ever rendered from an answer.
    assert answer.locator(".sf-md script, .sf-md iframe, .sf-md img").count() == 0

    # Insights, words and unanswered questions: shown, or a clear "not available yet",
    # never an error (the endpoints are arriving on the server side).
    page.get_by_role("button", name="Insights", exact=True).click()
    insights = page.get_by_role("complementary", name="What stands out")
    insights.get_by_text(re.compile("not available on this server yet|stands out|As of")).first.wait_for()
    insights.get_by_text(re.compile("Past digests are not available|No digests yet|insight")).first.wait_for()
    assert insights.get_by_role("alert").count() == 0
    page.screenshot(path=artifacts / "24-insights.png")

    page.get_by_role("button", name="Memory", exact=True).click()
    memory = page.get_by_role("complementary", name="What I remember")
    memory.get_by_role("tab", name="Words I taught").click()
    memory.get_by_text(
        re.compile("Teaching words is not available|No words taught yet|means")
    ).first.wait_for()
    memory.get_by_role("tab", name="Not understood").click()
    memory.get_by_text(
        re.compile("does not list the questions|Every question so far|understood")
    ).first.wait_for()
    assert memory.get_by_role("alert").count() == 0
    page.screenshot(path=artifacts / "25-memory-tabs.png")
    assert errors == []
    context.close()
