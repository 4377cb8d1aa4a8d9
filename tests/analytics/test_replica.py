"""ANALYTICS_DATABASE_URL routes the analytics endpoints to a read replica."""

from __future__ import annotations

from pathlib import Path

import httpx

from main import create_app
from shared.database.migrations import upgrade_to_head_async
from tests.conftest import test_settings as settings_for
from tests.factories import auth_headers_for, make_brand, make_item, make_product, make_user


async def test_analytics_read_the_replica_and_everything_else_the_primary(tmp_path: Path) -> None:
    primary_url = f"sqlite+aiosqlite:///{tmp_path / 'primary.db'}"
    replica_url = f"sqlite+aiosqlite:///{tmp_path / 'replica.db'}"
    for url in (primary_url, replica_url):
        await upgrade_to_head_async(url)
    app = create_app(settings_for(primary_url, ANALYTICS_DATABASE_URL=replica_url))
    async with app.router.lifespan_context(app):
        assert app.state.analytics_engine is not app.state.engine
        async with app.state.sessionmaker() as primary:
            user = await make_user(primary)
            await primary.commit()
        # Only the "replica" holds these pairs: a stand-in for rows that streamed over.
        async with app.state.analytics_sessionmaker() as replica:
            product = await make_product(replica, brand=await make_brand(replica, "Jordan"))
            for _ in range(3):
                await make_item(replica, product=product)
            await replica.commit()
        headers = auth_headers_for(app, user)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            summary = await client.get("/analytics/inventory", headers=headers)
            items = await client.get("/inventory/items", headers=headers)
    assert summary.status_code == 200
    assert summary.json()["units_in_inventory"] == 3
    assert items.json()["total"] == 0  # the inventory API reads the primary


async def test_without_a_replica_analytics_share_the_primary_engine(app: object) -> None:
    assert app.state.analytics_engine is app.state.engine  # type: ignore[attr-defined]
