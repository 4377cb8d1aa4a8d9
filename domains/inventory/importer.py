"""Inventory CSV import: validate every row, then write all of them or nothing.

The format is documented in docs/import.md ("Inventory CSV"). One data row is one pair.
Rows are numbered as lines of the file: the header is row 1, the first pair row 2.
The request owns the transaction; this module only flushes, and writes nothing at all
until every row has passed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

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
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_CURRENCY = re.compile(r"(?i)eur|usd|gbp|chf|[€$£\s]")


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

    async def import_csv(self, content: bytes, *, dry_run: bool = False) -> ImportResult:
        """Validate all rows; on any error raise ValidationFailed (nothing written), else write them all."""
        if len(content) > MAX_IMPORT_BYTES:
            raise PayloadTooLarge(f"The file is larger than {MAX_IMPORT_BYTES} bytes; split it")
        now = self._fixed_now or datetime.now(UTC)
        header, raw_rows = _read_table(content)
        columns, ignored = _columns(header)
        errors = RowErrors()
        parsed: list[ParsedRow] = []
        for row_number, cells in raw_rows:
            if len(cells) > len(header):
                errors.add(row_number, "row", f"{len(cells)} cells but the header has {len(header)} columns")
                continue
            values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
            row = _parse_row(row_number, values, now, errors)
            if row is not None:
                parsed.append(row)

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


def _read_table(content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and non-blank rows, each with its line number; comma, semicolon or tab separated."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")  # Excel's "CSV" on Windows
        except UnicodeDecodeError:
            raise _file_error("The file is not UTF-8 text") from None
    if "\x00" in text:
        raise _file_error("The file is not a text CSV file")
    first_line = text.lstrip().split("\n", 1)[0]
    if not first_line.strip():
        raise _file_error("The file is empty: expected a header row and one row per pair")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text.lstrip()), delimiter=delimiter)
    try:
        header = next(reader)
        rows: list[tuple[int, list[str]]] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_IMPORT_ROWS:
                raise PayloadTooLarge(
                    f"At most {MAX_IMPORT_ROWS} rows per import; split the file", code="too_many_rows"
                )
    except csv.Error as exc:
        raise _file_error(f"The file is not valid CSV: {exc}") from None
    if not rows:
        raise _file_error("The file has a header but no rows")
    return header, rows


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


def _parse_row(row: int, values: dict[str, str], now: datetime, errors: RowErrors) -> ParsedRow | None:
    before = len(errors.errors)
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

    price = _parse_price(values.get("purchase_price", ""), row, errors)
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


def _parse_price(raw: str, row: int, errors: RowErrors) -> Decimal | None:
    text = _CURRENCY.sub("", raw)
    if not text:
        errors.add(row, "purchase_price", "required")
        return None
    if "," in text and "." in text:  # 1.234,56 or 1,234.56: the last separator is the decimal one
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        price = Decimal(text)
    except InvalidOperation:
        errors.add(row, "purchase_price", f"not a number: {raw!r}")
        return None
    if not price.is_finite() or price < 0 or price > MAX_MONEY:
        errors.add(row, "purchase_price", "must be a number from 0 to 9999999999.99")
        return None
    if price != price.quantize(Decimal("0.01")):
        errors.add(row, "purchase_price", "at most 2 decimal places")
        return None
    return price.quantize(Decimal("0.01"))


def _parse_purchased_at(raw: str, row: int, now: datetime, errors: RowErrors) -> datetime | None:
    if not raw:
        errors.add(row, "purchased_at", "required")
        return None
    value: datetime | None = None
    german = _GERMAN_DATE.match(raw)
    try:
        if german:
            day, month, year = (int(g) for g in german.groups())
            value = datetime.combine(date(year, month, day), time(), tzinfo=UTC)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            value = datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)
        else:
            value = as_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        value = None
    if value is None:
        errors.add(row, "purchased_at", "expected a date like 2024-05-31, 31.05.2024 or 2024-05-31T14:30:00Z")
        return None
    if value > now + FUTURE_TOLERANCE:
        errors.add(row, "purchased_at", "must not be in the future")
        return None
    if value.year < 1980:
        errors.add(row, "purchased_at", "before 1980: check the date")
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
