"""Request and response models of the inventory domain."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from shared.database.types import BusinessDateTime, to_money, to_utc

MAX_MONEY = Decimal("9999999999.99")
Condition = Literal["new", "used"]
ItemStatus = Literal["in_stock", "listed", "sold"]
StatusFilter = Literal["in_stock", "listed", "sold", "in_inventory"]
ItemSort = Literal["oldest", "newest", "price_desc", "price_asc"]

_SIZE_PREFIX = re.compile(r"^(?:us\s*m?|men'?s|size)\s*", re.IGNORECASE)


def normalize_size(value: str) -> str:
    """One spelling per size: 'US 10' / '10.0' / '10,5' -> '10' / '10' / '10.5'; EU/UK labels kept."""
    size = " ".join(value.split())
    size = _SIZE_PREFIX.sub("", size)
    size = size.replace(",", ".")
    if re.fullmatch(r"\d+\.0", size):
        size = size[:-2]
    return size.upper()


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to it."""
    return to_utc(value)


class _Normalised(BaseModel):
    """Normalises size, money (2 places) and times (UTC) wherever a model has them."""

    @field_validator("size", mode="after", check_fields=False)
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is None:
            return None
        size = normalize_size(value)
        if not size:
            raise ValueError("must not be blank")
        if len(size) > 10:
            raise ValueError("at most 10 characters")
        return size

    @field_validator("purchase_price", "listed_price", mode="after", check_fields=False)
    @classmethod
    def _money(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else to_money(value)

    @field_validator("purchased_at", mode="after", check_fields=False)
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)


class ItemCreate(_Normalised):
    """One pair bought: by `product_id` or by `sku`."""

    product_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    sku: str | None = Field(default=None, min_length=1, max_length=40)
    size: str = Field(min_length=1, max_length=20, examples=["10.5"])
    condition: Condition = "new"
    purchase_price: Decimal = Field(ge=0, le=MAX_MONEY, decimal_places=2)
    purchased_at: BusinessDateTime
    location: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _product_reference(self) -> ItemCreate:
        if self.product_id is None and not (self.sku and self.sku.strip()):
            raise ValueError("give product_id or sku")
        return self


class ItemUpdate(_Normalised):
    """Fields to change; omitted fields stay. Status `sold` is set only by recording an order."""

    model_config = ConfigDict(extra="forbid")

    size: str | None = Field(default=None, min_length=1, max_length=20)
    condition: Condition | None = None
    purchase_price: Decimal | None = Field(default=None, ge=0, le=MAX_MONEY, decimal_places=2)
    purchased_at: BusinessDateTime | None = None
    location: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=2000)
    status: ItemStatus | None = None
    listed_price: Decimal | None = Field(default=None, gt=0, le=MAX_MONEY, decimal_places=2)
    listed_platform: str | None = Field(default=None, max_length=30)


class ListingRequest(_Normalised):
    listed_price: Decimal = Field(gt=0, le=MAX_MONEY, decimal_places=2)
    platform: str = Field(min_length=1, max_length=30, examples=["stockx"])


class InventoryFilters(BaseModel):
    status: StatusFilter | None = None
    brand: str | None = Field(default=None, max_length=100)
    sku: str | None = Field(default=None, max_length=40)
    size: str | None = Field(default=None, max_length=20)
    condition: Condition | None = None
    listed_platform: str | None = Field(
        default=None, max_length=30, description="where a listed pair is listed (stockx, goat, ebay, ...)"
    )
    product_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    product_query: str | None = Field(default=None, max_length=200, description="fuzzy name, nickname or SKU")
    skus: list[str] | None = Field(
        default=None, max_length=500, description="any of these SKUs (a model family)"
    )
    sizes: list[str] | None = Field(default=None, max_length=50, description="any of these sizes")
    min_age_days: int | None = Field(default=None, ge=0, le=36500)
    max_age_days: int | None = Field(default=None, ge=0, le=36500)
    min_purchase_price: Decimal | None = Field(default=None, ge=0)
    max_purchase_price: Decimal | None = Field(default=None, ge=0)
    sort: ItemSort = "oldest"


class ItemOut(BaseModel):
    id: int
    sku: str
    product_name: str
    brand: str
    size: str
    condition: str
    status: str
    purchase_price: Decimal
    purchased_at: datetime
    listed_price: Decimal | None
    listed_platform: str | None
    listed_at: datetime | None = None
    location: str | None
    source: str | None = None
    notes: str | None = None
    age_days: int = Field(description="whole days from purchased_at to now")
    product_id: int


class DeadStockResult(BaseModel):
    """Pairs in inventory older than `threshold_days`, oldest first: the list shape
    (`items/total/limit/offset`, as every list) plus totals over all of them."""

    items: list[ItemOut]
    total: int = Field(description="dead pairs in all (one item is one pair)")
    limit: int
    offset: int
    total_value: Decimal = Field(description="their purchase value")
    threshold_days: int

    @computed_field(description="the same count as `total`; kept for clients written before `total`")  # type: ignore[prop-decorator]
    @property
    def total_units(self) -> int:
        return self.total


class ImportRowError(BaseModel):
    row: int = Field(description="line in the file; the header is line 1")
    field: str
    message: str


class ImportResult(BaseModel):
    dry_run: bool
    rows: int = Field(description="data rows read")
    items_created: int = Field(description="pairs added (would be added, on a dry run)")
    products_created: int
    brands_created: int
    ignored_columns: list[str] = []
