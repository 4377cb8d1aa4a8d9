"""Sales: recording an order (fees by the schedule valid at the sale), reading and importing them.

The inventory side of a sale (status -> sold) goes through InventoryService.mark_sold; fees come
from PricingService. This service never writes another domain's table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.schemas import ItemOut
from domains.inventory.service import InventoryService
from domains.orders.models import ORDER_REF_INDEX, Order
from domains.orders.repository import OrderRepository, OrderRow
from domains.orders.schemas import OrderCreate, OrderFilters, OrderOut
from domains.pricing.fees import compute_fees
from domains.pricing.platforms import PLATFORMS, normalize_platform
from domains.pricing.service import PricingService
from shared.database.base import utcnow
from shared.database.types import to_money
from shared.error_handling.errors import Conflict, NotFound, ValidationFailed


class PairNames(Protocol):
    """What an order shows of the pair it sold (an ItemOut or an OrderRow has these)."""

    @property
    def sku(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def product_name(self) -> str: ...
    @property
    def size(self) -> str: ...


def _is_reference_clash(exc: IntegrityError) -> bool:
    """The unique (platform, external_ref) index refused the row. PostgreSQL names the index
    in its message, SQLite the columns."""
    text = str(exc.orig)
    return ORDER_REF_INDEX in text or "orders.external_ref" in text


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class OrderService:
    def __init__(self, session: AsyncSession, *, now: datetime | None = None) -> None:
        self.session = session
        self.now = now
        self.repo = OrderRepository(session)
        self.pricing = PricingService(session, now=now)
        self.inventory = InventoryService(session, now=now)

    def now_utc(self) -> datetime:
        return self.now or utcnow()

    async def record_sale(self, *, data: OrderCreate) -> OrderOut:
        """Record the sale of one pair: fees, payout, cost basis; the pair becomes `sold`."""
        item = await self.inventory.get_item(data.inventory_item_id)
        order = await self.sell_item(item=item, data=data)
        return self._out(order, item=item)

    async def sell_item(self, *, item: ItemOut, data: OrderCreate) -> Order:
        """Add the order of `item` and mark it sold (for record_sale and the importer)."""
        if item.status == "sold" or await self.repo.item_has_order(item.id):
            raise Conflict(f"Item {item.id} is already sold", code="already_sold")
        sold_at = _utc(data.sold_at) or self.now_utc()
        order = await self.price_sale(item=item, data=data, sold_at=sold_at)
        # Validates sold_at against purchased_at / now and refuses a second sale.
        await self.inventory.mark_sold(item.id, sold_at=sold_at)
        try:
            await self.repo.add(order)
        except IntegrityError as exc:  # a concurrent request recorded the same sale first
            if order.external_ref is not None and _is_reference_clash(exc):
                raise Conflict(
                    f"Order {order.external_ref} on {order.platform} is already recorded",
                    code="order_already_recorded",
                    details=[{"field": "external_ref", "message": "already recorded"}],
                ) from exc
            raise Conflict(f"Item {item.id} is already sold", code="already_sold") from exc
        return order

    async def price_sale(self, *, item: ItemOut, data: OrderCreate, sold_at: datetime) -> Order:
        """The order row of a sale (not yet added): fees valid at `sold_at` unless overridden."""
        schedule = await self.pricing.fee_schedule(platform=data.platform, at=sold_at)
        fees = compute_fees(schedule, sale_price=data.sale_price, shipping_cost=data.shipping_cost)
        platform_fee = fees.platform_fee if data.platform_fee is None else to_money(data.platform_fee)
        processing_fee = fees.processing_fee if data.processing_fee is None else to_money(data.processing_fee)
        sale_price = to_money(data.sale_price)
        shipping_cost = to_money(data.shipping_cost)
        return Order(
            inventory_item_id=item.id,
            product_id=item.product_id,
            platform=schedule.platform,
            sale_price=sale_price,
            platform_fee=platform_fee,
            processing_fee=processing_fee,
            shipping_cost=shipping_cost,
            payout=sale_price - platform_fee - processing_fee - shipping_cost,
            purchase_price=to_money(item.purchase_price),
            purchased_at=item.purchased_at,
            size=item.size,
            sold_at=sold_at,
            external_ref=data.external_ref,
        )

    async def get_order(self, order_id: int) -> OrderOut:
        row = await self.repo.get_with_product(order_id)
        if row is None:
            raise NotFound(f"Order {order_id} not found", code="order_not_found")
        return self._row_out(row)

    async def list_orders(
        self, *, filters: OrderFilters, limit: int = 50, offset: int = 0
    ) -> tuple[list[OrderOut], int]:
        """Orders matching the filters, newest first; `start` inclusive, `end` exclusive."""
        if filters.platform is not None:
            platform = normalize_platform(filters.platform)
            if platform is None:
                raise ValidationFailed(
                    f"Unknown platform {filters.platform!r}",
                    details=[{"field": "platform", "message": f"use one of: {', '.join(PLATFORMS)}"}],
                )
            filters = filters.model_copy(update={"platform": platform})
        filters = filters.model_copy(update={"start": _utc(filters.start), "end": _utc(filters.end)})
        rows, total = await self.repo.list_with_product(filters=filters, limit=limit, offset=offset)
        return [self._row_out(row) for row in rows], total

    # --- shaping ---------------------------------------------------------------------------------

    @staticmethod
    def _out(order: Order, *, item: PairNames) -> OrderOut:
        """The order as the API shows it; `item` names the pair (the sold item, or a joined row)."""
        return OrderOut(
            id=order.id,
            inventory_item_id=order.inventory_item_id,
            product_id=order.product_id,
            sku=item.sku,
            brand=item.brand,
            product_name=item.product_name,
            size=item.size,
            platform=order.platform,
            sale_price=order.sale_price,
            platform_fee=order.platform_fee,
            processing_fee=order.processing_fee,
            shipping_cost=order.shipping_cost,
            payout=order.payout,
            purchase_price=order.purchase_price,
            profit=to_money(order.payout - order.purchase_price),
            sold_at=order.sold_at,
            external_ref=order.external_ref,
        )

    @classmethod
    def _row_out(cls, row: OrderRow) -> OrderOut:
        return cls._out(row.Order, item=row)
