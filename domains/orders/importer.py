"""Sales CSV import: a generic format and the StockX seller sales-history export (docs/import.md).

All or nothing: every row is parsed and checked against the database first (no writes); if any
row has an error, a 422 lists them all and nothing is written. A dry run stops after the checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from domains.inventory.schemas import InventoryFilters, ItemCreate, ItemOut, normalize_size
from domains.orders.schemas import (
    ImportedSale,
    ImportFormat,
    ImportRowError,
    OrderCreate,
    SalesImportResult,
)
from domains.orders.service import OrderService
from domains.pricing.fees import compute_fees
from domains.pricing.platforms import PLATFORMS, normalize_platform
from domains.products.service import ProductService
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
from shared.database.types import to_money
from shared.error_handling.errors import Conflict, DomainError, ValidationFailed

MAX_ROWS = 5000
MAX_MONEY = Decimal(1_000_000)
FUTURE_TOLERANCE = timedelta(minutes=5)
PAYOUT_TOLERANCE = Decimal("0.01")
# Pairs of one SKU + size considered when matching a sale to inventory (oldest first).
CANDIDATES_PER_SIZE = 500

# Generic format: canonical column -> accepted spellings (compared lower-case, '_' for spaces).
GENERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "inventory_item_id": ("inventory_item_id", "item_id"),
    "sku": ("sku", "style", "style_code"),
    "size": ("size",),
    "platform": ("platform", "marketplace"),
    "sale_price": ("sale_price", "price", "sold_for"),
    "sold_at": ("sold_at", "sale_date", "sold_on"),
    "shipping_cost": ("shipping_cost", "shipping"),
    "platform_fee": ("platform_fee",),
    "processing_fee": ("processing_fee",),
    "purchase_price": ("purchase_price",),
    "purchased_at": ("purchased_at", "purchase_date"),
    "condition": ("condition",),
    "external_ref": ("external_ref", "order_number", "order_id"),
}
STOCKX_COLUMNS: dict[str, str] = {
    "order number": "external_ref",
    "item name": "item_name",
    "style": "sku",
    "sku size": "size",
    "sale date": "sold_at",
    "price": "sale_price",
    "seller fee": "platform_fee",
    "payment processing": "processing_fee",
    "shipping fee": "shipping_cost",
    "total payout": "total_payout",
}
# Columns an export may show as negative amounts (money leaving the sale).
DEDUCTIONS = frozenset({"platform_fee", "processing_fee", "shipping_cost"})
STOCKX_REQUIRED = ("order number", "style", "sku size", "sale date", "price")

# Money columns: the file's decimal mark is detected from all of them together.
MONEY_COLUMNS = (
    "sale_price",
    "shipping_cost",
    "platform_fee",
    "processing_fee",
    "purchase_price",
    "total_payout",
)
# Cells kept as text on an order or a pair: never a spreadsheet formula.
TEXT_COLUMNS = ("sku", "size", "external_ref", "condition")


class RowErrors:
    def __init__(self) -> None:
        self.items: list[ImportRowError] = []

    def add(self, row: int, field_name: str, message: str) -> None:
        self.items.append(ImportRowError(row=row, field=field_name, message=message))

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class SaleRow:
    row: int
    platform: str
    sale_price: Decimal
    sold_at: datetime
    shipping_cost: Decimal = Decimal("0.00")
    inventory_item_id: int | None = None
    sku: str | None = None
    size: str | None = None
    platform_fee: Decimal | None = None
    processing_fee: Decimal | None = None
    purchase_price: Decimal | None = None
    purchased_at: datetime | None = None
    condition: str = "new"
    external_ref: str | None = None
    total_payout: Decimal | None = None


@dataclass
class PlannedSale:
    source: SaleRow
    item: ItemOut | None  # None: the pair is created from purchase_price + purchased_at
    sku: str
    size: str
    order: OrderCreate
    platform_fee: Decimal
    processing_fee: Decimal
    payout: Decimal
    purchase_price: Decimal
    created_item_id: int | None = None
    order_id: int | None = None


@dataclass
class ParsedFile:
    format: ImportFormat
    rows: list[SaleRow] = field(default_factory=list)
    row_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)


# --- value parsing -------------------------------------------------------------------------------


def parse_money(raw: str, *, mark: DecimalMark | None, deduction: bool = False) -> Decimal:
    """An amount read with the file's decimal mark (shared/csv_import.py), 2 places.

    A `deduction` (a fee in an export) may be written negative, '-$22.50' or '(22.50)': it is a
    cost either way, so its size is returned. Otherwise a negative amount is refused.
    """
    value = parse_amount(raw, mark)
    if value < 0:
        if not deduction:
            raise ValueError("must not be negative")
        value = -value
    if value > MAX_MONEY:
        raise ValueError("too large")
    return to_money(value)


def _key(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


# --- file parsing --------------------------------------------------------------------------------


def read_csv(content: bytes, errors: RowErrors) -> tuple[list[str], list[dict[str, str]]]:
    """Header and one dict per non-blank row (cells by header name, `__line__` its line)."""
    try:
        table = read_csv_table(content, max_rows=MAX_ROWS)
    except CsvFileInvalid as exc:
        for problem in exc.problems:
            errors.add(problem.row, problem.field, problem.message)
        return [], []
    records: list[dict[str, str]] = []
    width = len(table.header)
    for row in table.rows:
        if any(cell.strip() for cell in row.cells[width:]):
            errors.add(row.line, "row", f"{len(row.cells)} cells but the header has {width} columns")
            continue
        padded = row.cells + [""] * (width - len(row.cells))
        record = {name: value.strip() for name, value in zip(table.header, padded, strict=False)}
        record["__line__"] = str(row.line)
        records.append(record)
    return table.header, records


def _decimal_mark(
    records: list[dict[str, str]], columns: dict[str, str], decimal: DecimalChoice, errors: RowErrors
) -> DecimalMark | None:
    """The file's decimal mark: as given, or detected from every amount of the file."""
    if decimal != "auto":
        return decimal

    def amounts() -> Iterator[tuple[int, str, str]]:
        for record in records:
            for canonical in MONEY_COLUMNS:
                cell = columns.get(canonical)
                if cell is not None and record.get(cell):
                    yield int(record["__line__"]), cell, record[cell]

    try:
        return detect_decimal_mark(amounts())
    except CsvFileInvalid as exc:
        for problem in exc.problems:
            errors.add(problem.row, problem.field, problem.message)
        return None


def detect_format(header: list[str]) -> ImportFormat:
    names = {cell.strip().lower() for cell in header}
    return "stockx" if {"order number", "sku size"} <= names else "generic"


def parse_file(content: bytes, errors: RowErrors, *, decimal: DecimalChoice = "auto") -> ParsedFile:
    header, records = read_csv(content, errors)
    if not header:
        return ParsedFile(format="generic")
    file_format = detect_format(header)
    if file_format == "stockx":
        return _parse_stockx(header, records, errors, decimal)
    return _parse_generic(header, records, errors, decimal)


def _parse_stockx(
    header: list[str], records: list[dict[str, str]], errors: RowErrors, decimal: DecimalChoice
) -> ParsedFile:
    by_lower = {cell.lower(): cell for cell in header}
    for required in STOCKX_REQUIRED:
        if required not in by_lower:
            errors.add(1, by_lower.get(required, required.title()), "required column is missing")
    parsed = ParsedFile(
        format="stockx",
        row_count=len(records),
        ignored_columns=[cell for cell in header if cell.lower() not in STOCKX_COLUMNS],
    )
    if errors:
        return parsed
    columns = {canonical: by_lower[name] for name, canonical in STOCKX_COLUMNS.items() if name in by_lower}
    mark = _decimal_mark(records, columns, decimal, errors)
    if errors:
        return parsed
    for record in records:
        line = int(record["__line__"])
        values = {canonical: record.get(cell, "") for canonical, cell in columns.items()}
        sale = _parse_values(
            line, values, columns, errors, platform="stockx", fees_are_deductions=True, mark=mark
        )
        if sale is not None:
            parsed.rows.append(sale)
    return parsed


def _parse_generic(
    header: list[str], records: list[dict[str, str]], errors: RowErrors, decimal: DecimalChoice
) -> ParsedFile:
    columns: dict[str, str] = {}
    for cell in header:
        key = _key(cell)
        for canonical, spellings in GENERIC_COLUMNS.items():
            if key in spellings and canonical not in columns:
                columns[canonical] = cell
    for required in ("sale_price", "sold_at", "platform"):
        if required not in columns:
            errors.add(1, required, "required column is missing")
    if "inventory_item_id" not in columns and not {"sku", "size"} <= columns.keys():
        errors.add(1, "sku", "give an inventory_item_id column or sku and size columns")
    parsed = ParsedFile(
        format="generic",
        row_count=len(records),
        ignored_columns=[cell for cell in header if cell not in columns.values()],
    )
    if errors:
        return parsed
    mark = _decimal_mark(records, columns, decimal, errors)
    if errors:
        return parsed
    for record in records:
        line = int(record["__line__"])
        values = {canonical: record.get(cell, "") for canonical, cell in columns.items()}
        sale = _parse_values(
            line, values, columns, errors, platform=None, fees_are_deductions=False, mark=mark
        )
        if sale is not None:
            parsed.rows.append(sale)
    return parsed


def _parse_values(
    line: int,
    values: dict[str, str],
    columns: dict[str, str],
    errors: RowErrors,
    *,
    platform: str | None,
    fees_are_deductions: bool,
    mark: DecimalMark | None,
) -> SaleRow | None:
    """One row's cells -> SaleRow, or None after recording its errors (named as in the file)."""
    before = len(errors.items)

    def name(canonical: str) -> str:
        return columns.get(canonical, canonical)

    for canonical in TEXT_COLUMNS:
        try:
            check_not_formula(values.get(canonical, ""))
        except ValueError as exc:
            errors.add(line, name(canonical), str(exc))
    if len(errors.items) > before:
        return None

    def money(canonical: str, *, required: bool = False) -> Decimal | None:
        raw = values.get(canonical, "")
        if not raw:
            if required:
                errors.add(line, name(canonical), "missing")
            return None
        try:
            return parse_money(raw, mark=mark, deduction=fees_are_deductions and canonical in DEDUCTIONS)
        except ValueError as exc:
            errors.add(line, name(canonical), f"{raw!r}: {exc}")
            return None

    def when(canonical: str, *, required: bool = False) -> datetime | None:
        raw = values.get(canonical, "")
        if not raw:
            if required:
                errors.add(line, name(canonical), "missing")
            return None
        try:
            return parse_business_datetime(raw)
        except ValueError as exc:
            errors.add(line, name(canonical), f"{raw!r}: {exc}")
            return None

    platform_key = platform
    if platform_key is None:
        raw_platform = values.get("platform", "")
        platform_key = normalize_platform(raw_platform) if raw_platform else None
        if platform_key is None:
            errors.add(
                line, name("platform"), f"{raw_platform!r}: unknown platform; one of: {', '.join(PLATFORMS)}"
            )

    item_id: int | None = None
    raw_item = values.get("inventory_item_id", "")
    if raw_item:
        if raw_item.isdigit() and 0 < int(raw_item) < 2**63:
            item_id = int(raw_item)
        else:
            errors.add(line, name("inventory_item_id"), f"{raw_item!r}: not an item id")
    sku = values.get("sku", "").strip() or None
    size: str | None = None
    raw_size = values.get("size", "")
    if raw_size:
        size = normalize_size(raw_size)
        if not size or len(size) > 10:
            errors.add(line, name("size"), f"{raw_size!r}: not a size")
    if item_id is None and not raw_item and not (sku and size):
        errors.add(line, name("sku"), "give inventory_item_id, or sku and size")

    sale_price = money("sale_price", required=True)
    if sale_price is not None and sale_price <= 0:
        errors.add(line, name("sale_price"), "must be greater than 0")
    sold_at = when("sold_at", required=True)
    shipping_cost = money("shipping_cost") or Decimal("0.00")
    platform_fee = money("platform_fee")
    processing_fee = money("processing_fee")
    purchase_price = money("purchase_price")
    purchased_at = when("purchased_at")
    if (purchase_price is None) != (purchased_at is None):
        missing = "purchased_at" if purchased_at is None else "purchase_price"
        errors.add(line, name(missing), "purchase_price and purchased_at go together")
    condition = (values.get("condition") or "new").strip().lower()
    if condition not in ("new", "used"):
        errors.add(line, name("condition"), f"{condition!r}: use new or used")
    external_ref = values.get("external_ref", "").strip() or None
    if external_ref is not None and len(external_ref) > 100:
        errors.add(line, name("external_ref"), "at most 100 characters")
    total_payout = money("total_payout")

    if len(errors.items) > before:
        return None
    assert platform_key is not None and sale_price is not None and sold_at is not None
    return SaleRow(
        row=line,
        platform=platform_key,
        sale_price=sale_price,
        sold_at=sold_at,
        shipping_cost=shipping_cost,
        inventory_item_id=item_id,
        sku=sku,
        size=size,
        platform_fee=platform_fee,
        processing_fee=processing_fee,
        purchase_price=purchase_price,
        purchased_at=purchased_at,
        condition=condition,
        external_ref=external_ref,
        total_payout=total_payout,
    )


# --- checking against the database and writing ---------------------------------------------------


class SalesImporter:
    def __init__(self, orders: OrderService) -> None:
        self.orders = orders
        self.products = ProductService(orders.session)

    async def run(
        self, *, content: bytes, dry_run: bool, decimal: DecimalChoice = "auto"
    ) -> SalesImportResult:
        errors = RowErrors()
        parsed = parse_file(content, errors, decimal=decimal)
        # Rows that parsed are checked against the database even when others did not, so one
        # answer lists every problem of the file.
        planned = await self._plan(parsed, errors)
        if errors:
            count = len({error.row for error in errors.items})
            raise ValidationFailed(
                f"{count} row(s) of the file have errors; nothing was imported",
                code="import_invalid",
                details=[error.model_dump() for error in sorted(errors.items, key=lambda e: e.row)],
            )
        if not dry_run:
            await self._write(planned)
        return self._result(parsed, planned, dry_run=dry_run)

    async def _plan(self, parsed: ParsedFile, errors: RowErrors) -> list[PlannedSale]:
        """Match every row to a pair and price it, without writing anything."""
        now = self.orders.now_utc()
        claimed: set[int] = set()
        refs: dict[tuple[str, str], int] = {}
        existing_refs = await self.orders.repo.existing_external_refs(
            [(row.platform, row.external_ref) for row in parsed.rows if row.external_ref]
        )
        candidates: dict[tuple[str, str], list[ItemOut]] = {}
        planned: list[PlannedSale] = []
        for row in parsed.rows:
            if row.external_ref:
                ref = (row.platform, row.external_ref)
                if ref in existing_refs:
                    errors.add(row.row, "external_ref", f"order {row.external_ref} was already imported")
                    continue
                if ref in refs:
                    errors.add(row.row, "external_ref", f"order {row.external_ref} also on line {refs[ref]}")
                    continue
                refs[ref] = row.row
            if row.sold_at > now + FUTURE_TOLERANCE:
                errors.add(row.row, "sold_at", "must not be in the future")
                continue
            try:
                sale = await self._plan_row(row, claimed, candidates, errors)
            except DomainError as exc:
                errors.add(row.row, _field_of(exc, default="row"), exc.message)
                continue
            if sale is not None:
                planned.append(sale)
        return planned

    async def _plan_row(
        self,
        row: SaleRow,
        claimed: set[int],
        candidates: dict[tuple[str, str], list[ItemOut]],
        errors: RowErrors,
    ) -> PlannedSale | None:
        item: ItemOut | None = None
        if row.inventory_item_id is not None:
            item = await self.orders.inventory.get_item(row.inventory_item_id)
            if item.id in claimed:
                errors.add(row.row, "inventory_item_id", f"item {item.id} is sold twice in this file")
                return None
            if item.status == "sold":
                errors.add(row.row, "inventory_item_id", f"item {item.id} is already sold")
                return None
            if row.sku and await self._sku_differs(item, row.sku):
                errors.add(row.row, "sku", f"item {item.id} is {item.sku}, not {row.sku}")
                return None
            if row.size and row.size != item.size:
                errors.add(row.row, "size", f"item {item.id} is size {item.size}, not {row.size}")
                return None
        else:
            assert row.sku is not None and row.size is not None
            product = await self.products.get_by_sku(row.sku)
            key = (product.sku, row.size)
            if key not in candidates:
                found, _ = await self.orders.inventory.list_items(
                    filters=InventoryFilters(
                        status="in_inventory", product_id=product.id, size=row.size, sort="oldest"
                    ),
                    limit=CANDIDATES_PER_SIZE,
                )
                candidates[key] = found
            # First in, first out: the oldest unclaimed pair bought by the time of the sale.
            item = next(
                (c for c in candidates[key] if c.id not in claimed and c.purchased_at <= row.sold_at),
                None,
            )
            if item is None and row.purchase_price is None:
                errors.add(
                    row.row,
                    "sku",
                    f"no unsold pair of {product.sku} size {row.size} bought by {row.sold_at.date()} in "
                    "inventory; add purchase_price and purchased_at to create it",
                )
                return None
            if item is None:
                assert row.purchased_at is not None
                if row.purchased_at > row.sold_at:
                    errors.add(row.row, "sold_at", "must not be before the pair was purchased")
                    return None
            sku = product.sku
        if item is not None:
            claimed.add(item.id)
            if row.sold_at < item.purchased_at:
                errors.add(row.row, "sold_at", "must not be before the item was purchased")
                return None
            sku = item.sku
        order = OrderCreate(
            inventory_item_id=item.id if item is not None else 1,  # set when the pair is created
            platform=row.platform,
            sale_price=row.sale_price,
            sold_at=row.sold_at,
            shipping_cost=row.shipping_cost,
            platform_fee=row.platform_fee,
            processing_fee=row.processing_fee,
            external_ref=row.external_ref,
        )
        schedule = await self.orders.pricing.fee_schedule(platform=row.platform, at=row.sold_at)
        fees = compute_fees(schedule, sale_price=row.sale_price, shipping_cost=row.shipping_cost)
        platform_fee = fees.platform_fee if row.platform_fee is None else row.platform_fee
        processing_fee = fees.processing_fee if row.processing_fee is None else row.processing_fee
        payout = row.sale_price - platform_fee - processing_fee - row.shipping_cost
        if row.total_payout is not None and abs(row.total_payout - payout) > PAYOUT_TOLERANCE:
            errors.add(
                row.row,
                "Total Payout",
                f"{row.total_payout} does not equal Price - Seller Fee - Payment Processing - "
                f"Shipping Fee = {payout}",
            )
            return None
        purchase_price = item.purchase_price if item is not None else row.purchase_price
        assert purchase_price is not None
        return PlannedSale(
            source=row,
            item=item,
            sku=sku,
            size=item.size if item is not None else row.size or "",
            order=order,
            platform_fee=platform_fee,
            processing_fee=processing_fee,
            payout=to_money(payout),
            purchase_price=purchase_price,
        )

    async def _sku_differs(self, item: ItemOut, sku: str) -> bool:
        if item.sku.upper() == sku.strip().upper():
            return False
        try:
            product = await self.products.get_by_sku(sku)
        except DomainError:
            return True
        return product.id != item.product_id

    async def _write(self, planned: list[PlannedSale]) -> None:
        inventory = self.orders.inventory
        for sale in planned:
            item = sale.item
            if item is None:
                row = sale.source
                assert row.purchase_price is not None and row.purchased_at is not None
                item = await inventory.create_item(
                    data=ItemCreate(
                        sku=sale.sku,
                        size=sale.size,
                        condition=row.condition,
                        purchase_price=row.purchase_price,
                        purchased_at=row.purchased_at,
                        source="sales import",
                    )
                )
                sale.created_item_id = item.id
                sale.order = sale.order.model_copy(update={"inventory_item_id": item.id})
            try:
                order = await self.orders.sell_item(item=item, data=sale.order)
            except Conflict as exc:
                # Every row passed the checks a moment ago: another request (the same file
                # posted twice at once) recorded this sale in between. The database's unique
                # keys decided; this request writes nothing.
                raise Conflict(
                    f"Line {sale.source.row}: {exc.message}; another import recorded it at the same "
                    "time. Nothing of this file was imported",
                    code=exc.code,
                    details=[{"row": sale.source.row, **detail} for detail in exc.details],
                ) from exc
            sale.order_id = order.id

    @staticmethod
    def _result(parsed: ParsedFile, planned: list[PlannedSale], *, dry_run: bool) -> SalesImportResult:
        sales = [
            ImportedSale(
                row=sale.source.row,
                inventory_item_id=sale.item.id if sale.item is not None else sale.created_item_id,
                item_created=sale.item is None,
                sku=sale.sku,
                size=sale.size,
                platform=sale.source.platform,
                sale_price=sale.source.sale_price,
                platform_fee=sale.platform_fee,
                processing_fee=sale.processing_fee,
                shipping_cost=sale.source.shipping_cost,
                payout=sale.payout,
                purchase_price=sale.purchase_price,
                profit=to_money(sale.payout - sale.purchase_price),
                sold_at=sale.source.sold_at,
                external_ref=sale.source.external_ref,
                order_id=sale.order_id,
            )
            for sale in planned
        ]
        return SalesImportResult(
            format=parsed.format,
            dry_run=dry_run,
            rows=parsed.row_count,
            orders_created=len(sales),
            items_created=sum(1 for sale in sales if sale.item_created),
            revenue=to_money(sum((sale.sale_price for sale in sales), Decimal(0))),
            payout=to_money(sum((sale.payout for sale in sales), Decimal(0))),
            profit=to_money(sum((sale.profit for sale in sales), Decimal(0))),
            ignored_columns=parsed.ignored_columns,
            sales=sales,
        )


_FIELD_OF_CODE = {
    "product_not_found": "sku",
    "item_not_found": "inventory_item_id",
    "fee_schedule_not_found": "sold_at",
    "unknown_platform": "platform",
}


def _field_of(exc: DomainError, *, default: str) -> str:
    for detail in exc.details:
        if isinstance(detail, dict) and detail.get("field"):
            return str(detail["field"])
    return _FIELD_OF_CODE.get(exc.code, default)
