"""Queries over inventory items, named by what they are for.

Item lists join products and brands read-only: every list shows SKU, name and brand, and
filters/pagination must happen in one SQL statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.products.models import Brand, Product

ZERO = Decimal("0.00")
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class ItemCriteria:
    """Filters already resolved to columns (brand names, SKUs and queries to ids by the service)."""

    statuses: tuple[str, ...] | None = None
    brand_id: int | None = None
    product_ids: Sequence[int] | None = None
    size: str | None = None
    sizes: Sequence[str] | None = None
    condition: str | None = None
    listed_platform: str | None = None
    purchased_at_or_before: datetime | None = None
    purchased_after: datetime | None = None
    min_purchase_price: Decimal | None = None
    max_purchase_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ItemRow:
    item: InventoryItem
    sku: str
    product_name: str
    brand: str


_SORTS: dict[str, tuple[Any, ...]] = {
    "oldest": (InventoryItem.purchased_at.asc(), InventoryItem.id.asc()),
    "newest": (InventoryItem.purchased_at.desc(), InventoryItem.id.desc()),
    "price_desc": (InventoryItem.purchase_price.desc(), InventoryItem.purchased_at.asc(), InventoryItem.id),
    "price_asc": (InventoryItem.purchase_price.asc(), InventoryItem.purchased_at.asc(), InventoryItem.id),
}


def _conditions(criteria: ItemCriteria) -> list[Any]:
    where: list[Any] = []
    if criteria.statuses is not None:
        where.append(InventoryItem.status.in_(criteria.statuses))
    if criteria.brand_id is not None:
        where.append(Product.brand_id == criteria.brand_id)
    if criteria.product_ids is not None:
        where.append(InventoryItem.product_id.in_(list(criteria.product_ids)))
    if criteria.size is not None:
        where.append(InventoryItem.size == criteria.size)
    if criteria.sizes is not None:
        where.append(InventoryItem.size.in_(list(criteria.sizes)))
    if criteria.condition is not None:
        where.append(InventoryItem.condition == criteria.condition)
    if criteria.listed_platform is not None:
        where.append(InventoryItem.listed_platform == criteria.listed_platform)
    if criteria.purchased_at_or_before is not None:
        where.append(InventoryItem.purchased_at <= criteria.purchased_at_or_before)
    if criteria.purchased_after is not None:
        where.append(InventoryItem.purchased_at > criteria.purchased_after)
    if criteria.min_purchase_price is not None:
        where.append(InventoryItem.purchase_price >= criteria.min_purchase_price)
    if criteria.max_purchase_price is not None:
        where.append(InventoryItem.purchase_price <= criteria.max_purchase_price)
    return where


def _with_product(stmt: SelectT) -> SelectT:
    return stmt.join(Product, Product.id == InventoryItem.product_id).join(
        Brand, Brand.id == Product.brand_id
    )


class InventoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_item(self, item_id: int, *, for_update: bool = False) -> InventoryItem | None:
        stmt = select(InventoryItem).where(InventoryItem.id == item_id)
        if for_update:  # selling the same pair twice at once must not succeed twice (PostgreSQL)
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_item_row(self, item_id: int) -> ItemRow | None:
        stmt = _with_product(
            select(InventoryItem, Product.sku, Product.name, Brand.name).where(InventoryItem.id == item_id)
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else ItemRow(*row)

    async def find_items(
        self, criteria: ItemCriteria, *, sort: str, limit: int, offset: int
    ) -> list[ItemRow]:
        stmt = _with_product(select(InventoryItem, Product.sku, Product.name, Brand.name))
        stmt = stmt.where(*_conditions(criteria)).order_by(*_SORTS[sort]).limit(limit).offset(offset)
        return [ItemRow(*row) for row in (await self.session.execute(stmt)).all()]

    async def count_and_value(self, criteria: ItemCriteria) -> tuple[int, Decimal]:
        """Pairs matching `criteria` and the sum of their purchase prices."""
        stmt = _with_product(
            select(func.count(InventoryItem.id), func.coalesce(func.sum(InventoryItem.purchase_price), ZERO))
        ).where(*_conditions(criteria))
        count, value = (await self.session.execute(stmt)).one()
        return int(count), value if isinstance(value, Decimal) else Decimal(str(value)).quantize(ZERO)

    async def count_items(self, criteria: ItemCriteria) -> int:
        stmt = _with_product(select(func.count(InventoryItem.id))).where(*_conditions(criteria))
        return int(await self.session.scalar(stmt) or 0)

    async def units_in_inventory_by_product(self, product_ids: Sequence[int]) -> dict[int, int]:
        if not product_ids:
            return {}
        stmt = (
            select(InventoryItem.product_id, func.count(InventoryItem.id))
            .where(InventoryItem.product_id.in_(list(product_ids)), InventoryItem.status.in_(IN_INVENTORY))
            .group_by(InventoryItem.product_id)
        )
        return {pid: int(n) for pid, n in (await self.session.execute(stmt)).all()}

    async def pairs_handled_by_product(self, product_ids: Sequence[int]) -> dict[int, int]:
        """Pairs ever bought per product: sold plus in inventory (every sold pair was an item)."""
        if not product_ids:
            return {}
        ids = sorted(set(product_ids))
        out: dict[int, int] = {}
        for start in range(0, len(ids), 500):  # chunks keep the IN list under SQLite's parameter limit
            stmt = (
                select(InventoryItem.product_id, func.count(InventoryItem.id))
                .where(InventoryItem.product_id.in_(ids[start : start + 500]))
                .group_by(InventoryItem.product_id)
            )
            out.update({pid: int(n) for pid, n in (await self.session.execute(stmt)).all()})
        return out

    async def add_items(self, items: Sequence[InventoryItem]) -> None:
        self.session.add_all(items)
        await self.session.flush()
