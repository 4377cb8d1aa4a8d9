"""The built-in engine through the API on the real databases: every answer restates what it
answered and carries `interpretation`; a family or size question states the figure the raw
rows give; names with no record and words it cannot map get no figure; taught words work from
the chat and the REST API; questions not understood are listed for the user who asked."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from tests.ai.fakes.app_providers import install_builtin
from tests.factories import (
    auth_headers_for,
    days_ago,
    make_brand,
    make_item,
    make_order,
    make_product,
    make_user,
)

pytestmark = pytest.mark.ai


@pytest.fixture
def builtin(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    install_builtin(app, monkeypatch)


async def shop(db: AsyncSession) -> None:
    """Jordan 1s and Jordan 11s (a family must not swallow the other), Sambas, sales in size 10."""
    jordan, adidas = await make_brand(db, "Jordan"), await make_brand(db, "Adidas")
    one = await make_product(
        db, brand=jordan, sku="555088-134", name='Air Jordan 1 Retro High OG "University Blue"'
    )
    one_low = await make_product(db, brand=jordan, sku="553558-161", name='Air Jordan 1 Low "Panda"')
    eleven = await make_product(db, brand=jordan, sku="CT8012-170", name='Air Jordan 11 Retro "Cherry"')
    samba = await make_product(db, brand=adidas, sku="B75807", name='Samba OG "Core Black"')
    for product, size, age in [(one, "10", 10), (one_low, "9", 80), (eleven, "10", 20), (samba, "10", 5)]:
        await make_item(db, product=product, size=size, purchased_at=days_ago(age))
    for product, size, price, sold in [
        (one, "10", "210.00", 3),
        (one_low, "10", "150.00", 4),
        (eleven, "10", "300.00", 2),
        (samba, "9", "120.00", 1),
    ]:
        item = await make_item(db, product=product, size=size, purchased_at=days_ago(30))
        await make_order(db, item=item, sale_price=price, sold_at=days_ago(sold))
    await db.commit()


async def ask(client: httpx.AsyncClient, auth: dict[str, str], question: str, **extra: object) -> dict:  # type: ignore[type-arg]
    response = await client.post(
        "/ai/query", json={"query": question, "include_context": False, **extra}, headers=auth
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_family_question_states_the_raw_rows_figure_and_restates_what_it_answered(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    body = await ask(client, auth, "how many aj1s did i sell in the last 7 days")
    expected = await db.scalar(
        text(
            "SELECT count(*) FROM orders o JOIN products p ON p.id = o.product_id "
            "WHERE ' ' || lower(p.name) || ' ' LIKE '% jordan 1 %'"
        )
    )
    assert expected == 2  # the Jordan 1 High and the Jordan 1 Low, not the Jordan 11
    interpretation = body["interpretation"]
    assert interpretation["metrics"] == ["units_sold"]
    assert interpretation["filters"] == {"family": ["Air Jordan 1"]}
    assert interpretation["window"]["label"] == "last 7 days"
    assert interpretation["unknown_terms"] == [] and interpretation["understood"] == "full"
    assert body["response"].startswith(f"**{interpretation['text']}**")
    assert "**2 pairs sold**" in body["response"]
    assert [s["tool"] for s in body["sources"]] == ["query_business"]


async def test_sizes_filter_sales_and_group_them(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    filtered = await ask(client, auth, "how many pairs did i sell in size 10 this week")
    assert filtered["interpretation"]["filters"] == {"size": ["10"]}
    grouped = await ask(client, auth, "which sizes sold best in the last 7 days")
    assert grouped["interpretation"]["group_by"] == ["size"]
    rows = grouped["sources"][0]["result"]["rows"]
    assert [(r["group"]["size"], r["values"]["units_sold"]) for r in rows] == [("10", 3), ("9", 1)]
    assert "| 10 | 3 |" in grouped["response"]


@pytest.mark.parametrize(
    ("question", "reported"),
    [
        ("revenue on depop this month", "depop"),
        ("how many returns did i get this month", "returns"),
        ("how many zorblax pairs do i have", "zorblax"),
    ],
)
async def test_no_figure_for_what_the_data_has_no_record_of(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    builtin: None,
    db: AsyncSession,
    question: str,
    reported: str,
) -> None:
    await shop(db)
    body = await ask(client, auth, question)
    words = body["interpretation"]["unknown_terms"] + [t["term"] for t in body["interpretation"]["no_record"]]
    assert reported in [w.lower() for w in words]
    assert body["interpretation"]["understood"] == "partial"
    assert body["sources"] == []  # nothing was queried: no unfiltered total in place of the asked one
    assert reported in body["response"].lower() and "780" not in body["response"]  # 780 = all revenue
    listed = (await client.get("/ai/unanswered", headers=auth)).json()
    assert listed["total"] == 1 and listed["items"][0]["question"] == question


async def test_a_future_period_gets_words_not_a_figure(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    body = await ask(client, auth, "Wie viel Umsatz mache ich nächsten Monat?")
    assert body["sources"] == [] and "noch keine Daten" in body["response"]
    assert "nächsten Monat" in body["response"]


async def test_follow_ups_move_the_window_and_keep_the_selection(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    first = await ask(client, auth, "revenue for jordan in the last 7 days")
    assert first["interpretation"]["filters"] == {"brand": ["Jordan"]}
    second = await client.post(
        "/ai/conversation",
        json={"conversation_id": first["conversation_id"], "message": "and for adidas?"},
        headers=auth,
    )
    body = second.json()
    assert body["interpretation"]["filters"] == {"brand": ["Adidas"]}
    assert body["interpretation"]["metrics"] == ["revenue"] and body["interpretation"]["followup"] is True
    assert "€120.00" in body["response"]


async def test_taught_words_from_the_chat_and_the_api_are_the_users_own(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession, user: User
) -> None:
    await shop(db)
    taught = await ask(client, auth, "when I say zombies I mean dead stock")
    assert "zombies" in taught["response"] and taught["sources"][0]["tool"] == "remember"
    words = (await client.get("/ai/vocabulary", headers=auth)).json()
    assert [(w["term"], w["means"]) for w in words["items"]] == [("zombies", "dead stock")]
    memory = (await client.get("/ai/memory", headers=auth)).json()
    assert "term:zombies" in [f["kind"] for f in memory["items"]]

    used = await ask(client, auth, "how many zombies do i have")
    assert used["interpretation"]["metrics"] == ["dead_stock_units"]
    assert "**1 dead stock pairs**" in used["response"]  # the Jordan 1 Low, 80 days old

    refused = await client.post(
        "/ai/vocabulary", json={"term": "grails", "means": "the flumps"}, headers=auth
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "meaning_not_understood"
    created = await client.post("/ai/vocabulary", json={"term": "grails", "means": "Jordan 1"}, headers=auth)
    assert created.status_code == 201, created.text
    grails = await ask(client, auth, "how many grails did i sell in the last 7 days")
    assert (
        grails["interpretation"]["filters"] == {"family": ["Jordan 1"]}
        and "**2 pairs sold**" in grails["response"]
    )

    other = await make_user(db, email="colleague@example.com")
    await db.commit()
    theirs = await ask(client, auth_headers_for(app, other), "how many zombies do i have")
    assert theirs["interpretation"]["unknown_terms"] == ["zombies"]  # taught to one user only
    assert (await client.get("/ai/vocabulary", headers=auth_headers_for(app, other))).json()["total"] == 0

    gone = await client.delete(f"/ai/vocabulary/{created.json()['id']}", headers=auth)
    assert gone.status_code == 204
    assert (await client.delete(f"/ai/vocabulary/{created.json()['id']}", headers=auth)).status_code == 404


async def test_a_product_added_after_the_names_were_read_is_understood_by_the_next_question(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    """The business's names are read once per process and kept while the catalogue stays the
    same: a product added through the API after that, or written to the database by another
    worker process, is understood by the very next question."""
    await shop(db)
    before = await ask(client, auth, "how many gazelles do i have")  # the names are read and kept
    assert before["interpretation"]["unknown_terms"] == ["gazelles"]

    created = await client.post(
        "/products",
        json={
            "sku": "BB5476",
            "name": 'Gazelle "Collegiate Green"',
            "brand": "Adidas",
            "retail_price": "100",
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    after = await ask(client, auth, "how many gazelles do i have")
    assert after["interpretation"]["unknown_terms"] == []
    assert after["interpretation"]["filters"] == {"product": ["BB5476"]}

    # Another worker: the row reaches the database without passing through this process.
    adidas = await db.scalar(text("SELECT id FROM brands WHERE name = 'Adidas'"))
    await db.execute(
        text(
            "INSERT INTO products (sku, name, brand_id, category, created_at, updated_at) "
            "VALUES ('ID2350', 'Campus 00s \"Grey White\"', :brand, 'sneakers', :now, :now)"
        ),
        {"brand": adidas, "now": days_ago(0)},
    )
    await db.commit()
    campus = await ask(client, auth, "how many campus do i have")
    assert campus["interpretation"]["unknown_terms"] == []
    assert campus["interpretation"]["filters"] == {"product": ["ID2350"]}
