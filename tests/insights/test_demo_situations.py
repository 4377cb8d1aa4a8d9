"""`make run` shows real insights: the demo data holds a situation for every detector."""

from __future__ import annotations

import httpx
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
