"""The benchmark harness: its naive numbers must be the API's numbers, or the ratio means nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from scripts.bench import SECTIONS, BenchContext, percentile
from scripts.demo_data import load_demo_data


def test_percentile_interpolates_between_samples() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0], 95) == 1.95
    assert percentile([5.0], 95) == 5.0


async def test_analytics_section_naive_numbers_match_the_api(
    db: AsyncSession, client: httpx.AsyncClient, app: FastAPI
) -> None:
    settings = app.state.settings
    await load_demo_data(app.state.engine, items=300, seed=5, progress=False, settings=settings)
    login = await client.post(
        "/auth/token",
        data={
            "username": settings.DEMO_USER_EMAIL,
            "password": settings.DEMO_USER_PASSWORD.get_secret_value(),
        },
    )
    ctx = BenchContext(
        app=app,
        client=client,
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        engine=app.state.engine,
        settings=settings,
        items=300,
        requests=2,
        warmup=0,
    )
    result = await SECTIONS["analytics"](ctx)
    assert len(result.rows) == 9
    answers = [row[-1] for row in result.rows]
    assert all(a.startswith("yes") or a == "-" for a in answers), answers
    assert sum(a.startswith("yes") for a in answers) >= 5
    assert "| endpoint |" in result.markdown()
