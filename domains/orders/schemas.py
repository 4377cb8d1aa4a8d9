"""Order request/response models. OrderOut's field names are part of the data contract."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domains.pricing.schemas import PlatformName
from shared.database.types import AwareBusinessDateTime

MoneyIn = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=12, decimal_places=2)]


def _strip(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class OrderCreate(BaseModel):
    """The sale of one pair. Fees default to the platform's schedule valid at `sold_at`."""

    model_config = ConfigDict(extra="forbid")

    inventory_item_id: int = Field(ge=1, le=2**63 - 1)
    platform: PlatformName
    sale_price: Annotated[Decimal, Field(gt=0, le=1_000_000, max_digits=12, decimal_places=2)]
    sold_at: AwareBusinessDateTime | None = Field(default=None, description="default: now")
    shipping_cost: MoneyIn = Decimal("0")
    platform_fee: MoneyIn | None = Field(default=None, description="override the schedule's platform fee")
    processing_fee: MoneyIn | None = Field(default=None, description="override the schedule's processing fee")
    external_ref: Annotated[str | None, Field(default=None, max_length=100), AfterValidator(_strip)] = None


class OrderOut(BaseModel):
    id: int
    inventory_item_id: int
    product_id: int
    sku: str
    brand: str
    product_name: str
    size: str
    platform: str
    sale_price: Decimal
    platform_fee: Decimal
    processing_fee: Decimal
    shipping_cost: Decimal
    payout: Decimal = Field(description="sale_price - platform_fee - processing_fee - shipping_cost")
    purchase_price: Decimal = Field(description="cost of the pair, copied from the item at sale time")
    profit: Decimal = Field(description="payout - purchase_price")
    sold_at: datetime
    external_ref: str | None = None


class OrderFilters(BaseModel):
    platform: str | None = None
    brand: str | None = Field(default=None, max_length=100)
    sku: str | None = Field(default=None, max_length=40)
    start: datetime | None = Field(default=None, description="sold at or after (UTC)")
    end: datetime | None = Field(default=None, description="sold before (UTC)")
    product_id: int | None = None


# --- CSV import -------------------------------------------------------------------------------

ImportFormat = Literal["generic", "stockx"]


class ImportRowError(BaseModel):
    row: int = Field(description="line in the file; the header is line 1")
    field: str
    message: str


class ImportedSale(BaseModel):
    """One sale of the file as it is (or, on a dry run, would be) recorded."""

    row: int
    inventory_item_id: int | None = Field(description="null on a dry run when the pair is created")
    item_created: bool
    sku: str
    size: str
    platform: str
    sale_price: Decimal
    platform_fee: Decimal
    processing_fee: Decimal
    shipping_cost: Decimal
    payout: Decimal
    purchase_price: Decimal
    profit: Decimal
    sold_at: datetime
    external_ref: str | None
    order_id: int | None = Field(default=None, description="null on a dry run")


class SalesImportResult(BaseModel):
    format: ImportFormat
    dry_run: bool
    rows: int = Field(description="data rows read")
    orders_created: int = Field(description="orders recorded (would be, on a dry run)")
    items_created: int = Field(description="pairs added because they were not in inventory")
    revenue: Decimal
    payout: Decimal
    profit: Decimal
    ignored_columns: list[str] = []
    sales: list[ImportedSale]
