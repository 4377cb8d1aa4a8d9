"""Inventory CSV import: validate every row, then write all of them or nothing.

The format is documented in docs/import.md ("Inventory CSV"). One data row is one pair.
Rows are numbered as lines of the file: the header is row 1, the first pair row 2.
The request owns the transaction; this module only flushes, and writes nothing at all
until every row has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.inventory.repository import InventoryRepository
from domains.inventory.schemas import MAX_MONEY, ImportResult, as_utc, normalize_size
from domains.inventory.service import FUTURE_TOLERANCE
from domains.products.models import Product
from domains.products.repository import compact_sku
from domains.products.schemas import ProductCreate
from domains.products.service import ProductService, slugify
from shared.csv_import import (
    CsvFileInvalid,
    DecimalChoice,
    DecimalMark,
    check_not_formula,
    detect_decimal_mark,
    parse_amount,
    parse_business_datetime,
    read_csv_table,
)
from shared.error_handling.errors import PayloadTooLarge, ValidationFailed

MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 5_000
MAX_REPORTED_ERRORS = 200
REQUIRED_COLUMNS = ("sku", "size", "purchase_price", "purchased_at")
OPTIONAL_COLUMNS = ("condition", "location", "source", "notes", "product_name", "brand", "colorway")
COLUMN_ALIASES = {
    "style_code": "sku",
    "style": "sku",
    "price": "purchase_price",
    "cost": "purchase_price",
    "purchase_date": "purchased_at",
    "bought_at": "purchased_at",
    "date": "purchased_at",
    "name": "product_name",
    "product": "product_name",
}
CONDITIONS = {
    "new": "new",
    "ds": "new",
    "deadstock": "new",
    "neu": "new",
    "used": "used",
    "vnds": "used",
    "worn": "used",
    "gebraucht": "used",
}
TEXT_LIMITS = {"location": 100, "source": 50, "notes": 2000}
# Cells that become names in the catalogue or on a pair: never a spreadsheet formula.
NAME_COLUMNS = ("sku", "product_name", "brand", "colorway", "location", "source")


@dataclass
class ParsedRow:
    row: int
    sku: str
    size: str
    purchase_price: Decimal
    purchased_at: datetime
    condition: str
    location: str | None
    source: str | None
    notes: str | None
    product_name: str | None
    brand: str | None
    colorway: str | None


@dataclass
class RowErrors:
    errors: list[dict[str, object]] = field(default_factory=list)

    def add(self, row: int, field_name: str, message: str) -> None:
        self.errors.append({"row": row, "field": field_name, "message": message})


class InventoryImporter:
    def __init__(self, session: AsyncSession, *, now: datetime | None = None) -> None:
        self.session = session
        self.products = ProductService(session)
        self.items = InventoryRepository(session)
        self._fixed_now = None if now is None else as_utc(now)

    async def import_csv(
        self, content: bytes, *, dry_run: bool = False, decimal: DecimalChoice = "auto"
    ) -> ImportResult:
        """Validate all rows; on any error raise ValidationFailed (nothing written), else write them all.
        `decimal`: the file's decimal mark (point, comma), or auto: detected from all its prices."""
        if len(content) > MAX_IMPORT_BYTES:
            raise PayloadTooLarge(f"The file is larger than {MAX_IMPORT_BYTES} bytes; split it")
        now = self._fixed_now or datetime.now(UTC)
        try:
            table = read_csv_table(content, max_rows=MAX_IMPORT_ROWS)
            columns, ignored = _columns(table.header)
            records: list[tuple[int, dict[str, str]]] = []
            errors = RowErrors()
            for row in table.rows:
                if len(row.cells) > len(table.header):
                    errors.add(
                        row.line,
                        "row",
                        f"{len(row.cells)} cells but the header has {len(table.header)} columns",
                    )
                    continue
                cells = row.cells
                records.append(
                    (row.line, {n: (cells[i].strip() if i < len(cells) else "") for n, i in columns.items()})
                )
            mark = (
                decimal
                if decimal != "auto"
                else detect_decimal_mark(
                    (line, "purchase_price", values["purchase_price"]) for line, values in records
                )
            )
        except CsvFileInvalid as exc:
            raise ValidationFailed(
                str(exc),
                code="import_invalid",
                details=[{"row": p.row, "field": p.field, "message": p.message} for p in exc.problems],
            ) from None
        parsed: list[ParsedRow] = []
        for line, values in records:
            parsed_row = _parse_row(line, values, now, errors, mark)
            if parsed_row is not None:
                parsed.append(parsed_row)

        known = await self.products.get_by_skus([r.sku for r in parsed])
        new_products = self._new_products(parsed, known, errors)
        if errors.errors:
            _raise(errors)

        new_brand_keys: set[str] = set()
        for data in new_products.values():
            if await self.products.find_brand(data.brand) is None:
                new_brand_keys.add(slugify(data.brand))
        result = ImportResult(
            dry_run=dry_run,
            rows=len(parsed),
            items_created=len(parsed),
            products_created=len(new_products),
            brands_created=len(new_brand_keys),
            ignored_columns=ignored,
        )
        if dry_run:
            return result

        for key, data in new_products.items():
            known[key] = await self.products.create_product(data=data)
        await self.items.add_items([_item(r, known[compact_sku(r.sku)]) for r in parsed])
        return result

    @staticmethod
    def _new_products(
        rows: list[ParsedRow], known: dict[str, Product], errors: RowErrors
    ) -> dict[str, ProductCreate]:
        """Products to create for unknown SKUs, from the first row of each SKU that names one."""
        first_row: dict[str, ParsedRow] = {}
        naming_row: dict[str, ParsedRow] = {}
        for r in rows:
            key = compact_sku(r.sku)
            if key in known:
                continue
            first_row.setdefault(key, r)
            if r.product_name and r.brand:
                naming_row.setdefault(key, r)
        new: dict[str, ProductCreate] = {}
        for key, first in first_row.items():
            named = naming_row.get(key)
            if named is None:
                missing = "product_name" if not first.product_name else "brand"
                errors.add(
                    first.row,
                    missing,
                    f"SKU {first.sku} is not in the catalogue: give product_name and brand",
                )
                continue
            try:
                new[key] = ProductCreate(
                    sku=named.sku, name=named.product_name, brand=named.brand, colorway=named.colorway
                )
            except ValidationError as exc:
                for err in exc.errors():
                    name = str(err["loc"][0]) if err["loc"] else "row"
                    errors.add(named.row, {"name": "product_name"}.get(name, name), err["msg"])
        return new


def _raise(errors: RowErrors) -> None:
    rows = len({e["row"] for e in errors.errors})
    details = errors.errors[:MAX_REPORTED_ERRORS]
    message = f"{rows} row(s) have errors; nothing was imported"
    if len(errors.errors) > MAX_REPORTED_ERRORS:
        message += f" (first {MAX_REPORTED_ERRORS} of {len(errors.errors)} errors shown)"
    raise ValidationFailed(message, code="import_invalid", details=details)


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(
        message, code="import_invalid", details=[{"row": 1, "field": "file", "message": message}]
    )


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column name -> index, and the names this format does not know (ignored)."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        name = re.sub(r"[\s\-]+", "_", raw.strip().lower())
        name = COLUMN_ALIASES.get(name, name)
        if name in columns:
            raise _file_error(f"Column {name!r} appears twice")
        if name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS:
            columns[name] = index
        elif raw.strip():
            ignored.append(raw.strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValidationFailed(
            f"Missing column(s): {', '.join(missing)}",
            code="import_invalid",
            details=[{"row": 1, "field": c, "message": "required column is missing"} for c in missing],
        )
    return columns, ignored


def _parse_row(
    row: int, values: dict[str, str], now: datetime, errors: RowErrors, mark: DecimalMark | None
) -> ParsedRow | None:
    before = len(errors.errors)
    for name in NAME_COLUMNS:
        try:
            check_not_formula(values.get(name, ""))
        except ValueError as exc:
            errors.add(row, name, str(exc))
    if len(errors.errors) > before:
        return None
    sku = values.get("sku", "")
    if not sku:
        errors.add(row, "sku", "required")
    elif len(sku) > 40 or not compact_sku(sku):
        errors.add(row, "sku", "must be 1-40 characters with letters or digits")

    size = normalize_size(values.get("size", ""))
    if not size:
        errors.add(row, "size", "required")
    elif len(size) > 10:
        errors.add(row, "size", "at most 10 characters")

    price = _parse_price(values.get("purchase_price", ""), row, errors, mark)
    purchased_at = _parse_purchased_at(values.get("purchased_at", ""), row, now, errors)

    raw_condition = values.get("condition", "").lower()
    condition = CONDITIONS.get(raw_condition or "new")
    if condition is None:
        errors.add(row, "condition", "must be 'new' or 'used'")

    texts: dict[str, str | None] = {}
    for name, limit in TEXT_LIMITS.items():
        texts[name] = values.get(name) or None
        if texts[name] and len(texts[name] or "") > limit:
            errors.add(row, name, f"at most {limit} characters")

    if len(errors.errors) > before or price is None or purchased_at is None or condition is None:
        return None
    return ParsedRow(
        row=row,
        sku=sku.upper(),
        size=size,
        purchase_price=price,
        purchased_at=purchased_at,
        condition=condition,
        location=texts["location"],
        source=texts["source"],
        notes=texts["notes"],
        product_name=values.get("product_name") or None,
        brand=values.get("brand") or None,
        colorway=values.get("colorway") or None,
    )


def _parse_price(raw: str, row: int, errors: RowErrors, mark: DecimalMark | None) -> Decimal | None:
    if not raw:
        errors.add(row, "purchase_price", "required")
        return None
    try:
        price = parse_amount(raw, mark)
    except ValueError as exc:
        errors.add(row, "purchase_price", f"{raw!r}: {exc}")
        return None
    if price < 0 or price > MAX_MONEY:
        errors.add(row, "purchase_price", "must be a number from 0 to 9999999999.99")
        return None
    return price.quantize(Decimal("0.01"))


def _parse_purchased_at(raw: str, row: int, now: datetime, errors: RowErrors) -> datetime | None:
    if not raw:
        errors.add(row, "purchased_at", "required")
        return None
    try:
        value = parse_business_datetime(raw)
    except ValueError as exc:
        errors.add(row, "purchased_at", f"{raw!r}: {exc}")
        return None
    if value > now + FUTURE_TOLERANCE:
        errors.add(row, "purchased_at", "must not be in the future")
        return None
    return value


def _item(row: ParsedRow, product: Product) -> InventoryItem:
    return InventoryItem(
        product_id=product.id,
        size=row.size,
        condition=row.condition,
        purchase_price=row.purchase_price,
        purchased_at=row.purchased_at,
        location=row.location,
        source=row.source,
        notes=row.notes,
        status="in_stock",
    )
