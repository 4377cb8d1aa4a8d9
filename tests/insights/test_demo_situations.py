"""`make run` shows real insights: the demo data holds a situation for every detector."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from domains.insights.detectors import DETECTORS
from scripts.demo_data import SOLD_OUT_DROP_SKU, load_demo_data


async def test_the_demo_business_has_a_finding_for_every_detector(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await load_demo_data(app.state.engine, items=800, progress=False, settings=app.state.settings)

    body = (await client.get("/ai/insights", headers=auth)).json()

    found = {i["type"] for i in body["items"]}
    assert found == {detector.__name__ for detector in DETECTORS}
    low = next(i for i in body["items"] if i["type"] == "best_sellers_low_stock")
    assert SOLD_OUT_DROP_SKU in {row["sku"] for row in low["figures"]["items"]}
    fee = next(i for i in body["items"] if i["type"] == "fee_change_soon")
    assert fee["figures"]["platform"] == "stockx" and fee["figures"]["costs_more"] is True


@pytest.mark.parametrize("language", ["en", "de"])
async def test_every_follow_up_question_is_answered_by_the_assistant(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], language: str
) -> None:
    await load_demo_data(app.state.engine, items=800, progress=False, settings=app.state.settings)
    items = (await client.get("/ai/insights", headers=auth, params={"language": language})).json()["items"]

    for insight in items:
        response = await client.post(
            "/ai/query", headers=auth, json={"query": insight["follow_up"], "include_context": False}
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["sources"] and all(s.get("error") is None for s in answer["sources"]), (
            insight["follow_up"],
            answer["sources"],
        )
