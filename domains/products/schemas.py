"""Request and response models of the products domain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.database.types import to_money


def _strip_required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


class BrandCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["New Balance"])

    _strip = field_validator("name")(_strip_required)


class BrandOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str


class ProductCreate(BaseModel):
    sku: str = Field(min_length=1, max_length=40, examples=["DZ5485-612"])
    name: str = Field(min_length=1, max_length=200, examples=['Air Jordan 1 Retro High OG "Chicago"'])
    brand: str = Field(min_length=1, max_length=100, description="brand name; created if new")
    category: str = Field(default="sneakers", min_length=1, max_length=50)
    colorway: str | None = Field(default=None, max_length=200)
    retail_price: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999.99"))
    release_date: date | None = None

    _strip = field_validator("sku", "name", "brand", "category")(_strip_required)

    @field_validator("retail_price")
    @classmethod
    def _money(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else to_money(value)


class ProductOut(BaseModel):
    id: int
    sku: str
    name: str
    brand: str
    brand_id: int
    category: str
    colorway: str | None
    retail_price: Decimal | None
    release_date: date | None


class ProductDetail(ProductOut):
    units_in_inventory: int = Field(description="pairs of this product in stock or listed now")


class ProductMatchOut(BaseModel):
    product_id: int
    sku: str
    name: str
    brand: str
    colorway: str | None
    score: float = Field(description="match quality, 0-100")
