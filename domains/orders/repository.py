"""Order queries, named by intent.

Writes touch only `orders`. Reads join products, brands and inventory_items read-only, so a
page of orders with SKU, brand and size (and the brand/SKU filters) is one SQL query instead of
one service call per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.orders.schemas import OrderFilters
from domains.products.models import Brand, Product

# An order with its product's sku, name, brand and the pair's size.
OrderRow: TypeAlias = "Row[Order, str, str, str, str]"


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, order: Order) -> Order:
        self.session.add(order)
        await self.session.flush()
        return order

    async def item_has_order(self, inventory_item_id: int) -> bool:
        query = select(Order.id).where(Order.inventory_item_id == inventory_item_id)
        return (await self.session.scalar(query)) is not None

    async def existing_external_refs(self, refs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (platform, external_ref) pairs already have an order (a file imported twice)."""
        if not refs:
            return set()
        query = select(Order.platform, Order.external_ref).where(
            Order.external_ref.in_(sorted({ref for _, ref in refs}))
        )
        found = {(row.platform, row.external_ref) for row in await self.session.execute(query)}
        return found & set(refs)

    @staticmethod
    def _with_product() -> Select[Order, str, str, str, str]:
        return (
            select(
                Order,
                Product.sku,
                Product.name.label("product_name"),
                Brand.name.label("brand"),
                InventoryItem.size,
            )
            .join(Product, Product.id == Order.product_id)
            .join(Brand, Brand.id == Product.brand_id)
            .join(InventoryItem, InventoryItem.id == Order.inventory_item_id)
        )

    async def get_with_product(self, order_id: int) -> OrderRow | None:
        result = await self.session.execute(self._with_product().where(Order.id == order_id))
        return result.one_or_none()

    async def list_with_product(
        self, *, filters: OrderFilters, limit: int, offset: int
    ) -> tuple[Sequence[OrderRow], int]:
        """Orders matching the filters, newest sale first."""
        query = self._with_product()
        if filters.platform is not None:
            query = query.where(Order.platform == filters.platform)
        if filters.brand is not None:
            query = query.where(func.lower(Brand.name) == filters.brand.strip().lower())
        if filters.sku is not None:
            query = query.where(func.upper(Product.sku) == filters.sku.strip().upper())
        if filters.product_id is not None:
            query = query.where(Order.product_id == filters.product_id)
        if filters.start is not None:
            query = query.where(Order.sold_at >= filters.start)
        if filters.end is not None:
            query = query.where(Order.sold_at < filters.end)
        total = await self.session.scalar(
            select(func.count()).select_from(query.with_only_columns(Order.id).subquery())
        )
        page = query.order_by(Order.sold_at.desc(), Order.id.desc()).limit(limit).offset(offset)
        return (await self.session.execute(page)).all(), int(total or 0)
