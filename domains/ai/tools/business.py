"""The assistant's tools, implemented over the domain services the REST API uses.

Every tool is read-only. Arguments are validated with the pydantic models of
`domains/ai/tools/specs.py` (unknown fields refused); a bad call, an unknown tool or a
domain error (unknown brand, sold item, ...) comes back as `ToolResult.error`, never as an
exception, so a model can correct itself.

Numbers in `ToolResult.data` are JSON-able: every Decimal (money, and the few Decimal
figures such as fees) becomes a float rounded to 2 places; ratios the services already give
as floats are kept; "not available" ratios stay `null`; datetimes and dates are ISO 8601 strings.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.base import FACT_KINDS, FactRef
from domains.ai.providers.base import ToolResult, ToolSpec
from domains.ai.tools.specs import (
    TOOL_ARGS,
    FeeEstimateArgs,
    ListInventoryArgs,
    ListOrdersArgs,
    LowStockArgs,
    MarketPricesArgs,
    PeriodArgs,
    PriceRecommendationArgs,
    ProductLookupArgs,
    tool_spec,
)
from domains.ai.understanding.vocabulary import Vocabulary, load_vocabulary
from domains.analytics.semantic.catalog import METRICS
from domains.analytics.semantic.query import QueryFilters, SemanticQuery
from domains.analytics.semantic.service import SemanticQueryService
from domains.analytics.service import AnalyticsService
from domains.analytics.windows import Window, resolve_window
from domains.inventory.schemas import InventoryFilters, normalize_size
from domains.inventory.service import InventoryService
from domains.orders.schemas import OrderFilters
from domains.orders.service import OrderService
from domains.pricing.platforms import PLATFORMS
from domains.pricing.service import PricingService
from domains.products.service import ProductMatch, ProductService
from shared.config.settings import Settings
from shared.error_handling.errors import DomainError, NotFound, ValidationFailed

logger = structlog.get_logger(__name__)

ALL_TIME_START = datetime(2000, 1, 1, tzinfo=UTC)
DEFAULT_PLATFORM = "stockx"


_JSON_SCALARS = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    """Service results (pydantic models, dataclasses, Decimals, datetimes) as plain JSON values."""
    if type(value) in _JSON_SCALARS:  # most values of a result: checked first, exactly
        return value
    if isinstance(value, BaseModel):
        return jsonable(value.model_dump(mode="python"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, Decimal):
        return round(float(value), 2)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def fact_as_dict(fact: FactRef) -> dict[str, Any]:
    return {"id": fact.id, "kind": fact.kind, "value": jsonable(fact.value), "text": fact.text}


def validation_error_text(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
        parts.append(f"{field}: {err.get('msg', 'invalid')}")
    return "Invalid arguments: " + "; ".join(parts)


@functools.cache
def business_tool_specs() -> tuple[ToolSpec, ...]:
    """The tools' specs, built once per process: pydantic's JSON schema generation took 10-20 ms
    per assistant turn when every turn's BusinessTools built them anew (docs/benchmarks.md)."""
    return tuple(tool_spec(name, model, description) for name, (model, description) in TOOL_ARGS.items())


class BusinessTools:
    """ToolExecutor over the business: one instance per assistant turn (one session, one `now`)."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        settings: Settings,
        now: datetime | None = None,
        user_settings: dict[str, Any] | None = None,
        facts: list[FactRef] | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.user_settings = dict(user_settings or {})
        self.facts = list(facts or [])
        self.specs: list[ToolSpec] = list(business_tool_specs())
        self._handlers: dict[str, Callable[[Any, _Call], Awaitable[dict[str, Any]]]] = {
            "query_business": self._query_business,
            "list_inventory": self._list_inventory,
            "list_orders": self._list_orders,
            "product_lookup": self._product_lookup,
            "market_prices": self._market_prices,
            "price_recommendation": self._price_recommendation,
            "fee_estimate": self._fee_estimate,
            "low_stock": self._low_stock,
        }
        self._call_seq = 0

    # --- ToolExecutor ------------------------------------------------------------------------

    async def run(self, name: str, arguments: dict[str, Any], *, call_id: str | None = None) -> ToolResult:
        """Validate and run one tool; bad input and domain errors come back as `error`."""
        self._call_seq += 1
        call_id = call_id or f"call_{self._call_seq}"
        raw = arguments if isinstance(arguments, dict) else {}
        entry = TOOL_ARGS.get(name)
        handler = self._handlers.get(name)
        if entry is None or handler is None:
            return ToolResult(
                call_id=call_id,
                name=name,
                arguments=jsonable(raw),
                data={},
                error=f"Unknown tool {name!r}; available: {', '.join(TOOL_ARGS)}",
            )
        if not isinstance(arguments, dict):
            return ToolResult(call_id, name, {}, {}, error="Invalid arguments: expected a JSON object")
        model, _description = entry
        try:
            args = model.model_validate(arguments)
        except ValidationError as exc:
            return ToolResult(call_id, name, jsonable(raw), {}, error=validation_error_text(exc))
        call = _Call(args, given=set(arguments))
        try:
            data = await handler(args, call)
        except DomainError as exc:
            logger.info("ai_tool_domain_error", tool=name, code=exc.code)
            return ToolResult(call_id, name, call.arguments(), {}, error=exc.message, facts_used=call.facts)
        except ValidationError as exc:  # a value the service's own filters refuse (e.g. a SKU too long)
            logger.info("ai_tool_invalid_filter", tool=name)
            return ToolResult(call_id, name, jsonable(raw), {}, error=validation_error_text(exc))
        return ToolResult(call_id, name, call.arguments(), data, facts_used=call.facts)

    # --- defaults from the user's memory --------------------------------------------------------

    def _user_default(self, key: str, fallback: Any, call: _Call) -> Any:
        """The user's remembered setting for `key` (recording the fact behind it), else `fallback`."""
        value = self.user_settings.get(key)
        if value is None:
            return fallback
        for fact in self.facts:
            if FACT_KINDS.get(fact.kind) == key:
                call.use_fact(fact)
                break
        return value

    def _dead_stock_days(self, given: int | None, call: _Call, field: str) -> int:
        if given is not None:
            return given
        days = int(self._user_default("dead_stock_days", self.settings.DEAD_STOCK_DAYS, call))
        call.resolved[field] = days
        return days

    def _window(self, args: PeriodArgs, call: _Call) -> Window:
        if args.period == "all_time":
            if args.days is not None or args.start is not None or args.end is not None:
                raise ValidationFailed("period=all_time takes no days/start/end")
            window = Window(ALL_TIME_START, self.now, "all time")
        else:
            window = resolve_window(
                now=self.now, period=args.period, days=args.days, start=args.start, end=args.end
            )
        call.window = window
        return window

    # --- the business's vocabulary (names the built-in engine reads questions with) -------------

    async def vocabulary(self) -> Vocabulary:
        """Brands, products and platforms the built-in engine reads questions with."""
        return await load_vocabulary(self.session)

    # --- the semantic query -----------------------------------------------------------------------

    async def _query_business(self, args: SemanticQuery, call: _Call) -> dict[str, Any]:
        if "dead_stock_days" not in call.given and any(m.startswith("dead_stock") for m in args.metrics):
            args = args.model_copy(
                update={"dead_stock_days": self._dead_stock_days(None, call, "dead_stock_days")}
            )
            call.args = args
        result = await SemanticQueryService(self.session).run(args, now=self.now)
        data: dict[str, Any] = jsonable(result)
        data["kinds"] = {m: METRICS[m].kind for m in args.metrics}
        return data

    # --- inventory ---------------------------------------------------------------------------

    async def _list_inventory(self, args: ListInventoryArgs, call: _Call) -> dict[str, Any]:
        min_age = args.min_age_days
        days: int | None = None
        if args.older_than_dead_stock:
            days = self._dead_stock_days(args.dead_stock_days, call, "dead_stock_days")
            min_age = max(min_age or 0, days + 1)  # dead stock: older than the threshold
        filters = InventoryFilters(
            status="listed" if args.listed_platform else args.status,
            skus=args.skus,
            sizes=args.sizes,
            brand=args.brand,
            sku=args.sku,
            size=args.size,
            condition=args.condition,
            listed_platform=args.listed_platform,
            product_query=args.product_query,
            min_age_days=min_age,
            max_age_days=args.max_age_days,
            min_purchase_price=None
            if args.min_purchase_price is None
            else Decimal(str(args.min_purchase_price)),
            max_purchase_price=None
            if args.max_purchase_price is None
            else Decimal(str(args.max_purchase_price)),
            sort=args.sort,
        )
        inventory = InventoryService(self.session, now=self.now)
        counted = await self._stock_count(filters)
        if counted is None:
            items, total = await inventory.list_items(filters=filters, limit=args.limit, offset=0)
        else:
            items, total = await inventory.page_items(filters=filters, limit=args.limit), counted
        data = {"total": total, "returned": len(items), "items": jsonable(items)}
        if days is not None:
            data["dead_stock_days"] = days
        return data

    async def _stock_count(self, filters: InventoryFilters) -> int | None:
        """How many pairs in inventory match `filters`, from the semantic query (the stock rollups:
        counting the dead stock of 1M pairs row by row took ~200 ms); None when the filters do not
        translate exactly (a fuzzy product name, sold pairs, a brand the shop does not have)."""
        both = (filters.sku and filters.skus) or (filters.size and filters.sizes)
        if filters.product_query or filters.product_id is not None or filters.status == "sold" or both:
            return None
        brand: list[str] = []
        if filters.brand:
            found = await ProductService(self.session).find_brand(filters.brand)
            if found is None:
                return None
            brand = [found.name]
        status = [] if filters.status in (None, "in_inventory") else [filters.status]
        sizes = [*(filters.sizes or []), *([filters.size] if filters.size else [])]
        try:
            stock_filters = QueryFilters(
                brand=brand,
                product=[*(filters.skus or []), *([filters.sku] if filters.sku else [])],
                size=[normalize_size(size) for size in sizes],
                platform=[filters.listed_platform] if filters.listed_platform else [],
                condition=[filters.condition] if filters.condition else [],
                status=status,
                # inventory: age >= N days; the semantic filter: age > N days
                min_age_days=filters.min_age_days - 1 if filters.min_age_days else None,
                max_age_days=filters.max_age_days,
                min_price=filters.min_purchase_price,
                max_price=filters.max_purchase_price,
            )
        except ValidationError:  # beyond the semantic query's bounds: count the rows instead
            return None
        query = SemanticQuery(metrics=["units_in_inventory"], filters=stock_filters)
        result = await SemanticQueryService(self.session).run(query, now=self.now)
        return int(result.totals["units_in_inventory"] or 0)

    async def _low_stock(self, args: LowStockArgs, call: _Call) -> dict[str, Any]:
        rows, total = await AnalyticsService(self.session, now=self.now).low_stock(
            by_size=args.by_size, limit=args.limit, offset=0
        )
        return {"total": total, "returned": len(rows), "items": jsonable(rows)}

    # --- sales ---------------------------------------------------------------------------------

    async def _list_orders(self, args: ListOrdersArgs, call: _Call) -> dict[str, Any]:
        window = self._window(args, call)
        filters = OrderFilters(
            platform=args.platform, brand=args.brand, sku=args.sku, start=window.start, end=window.end
        )
        orders, total = await OrderService(self.session, now=self.now).list_orders(
            filters=filters, limit=args.limit, offset=0
        )
        return {
            "window": window.as_dict(),
            "total": total,
            "returned": len(orders),
            "items": jsonable(orders),
        }

    # --- products and pricing ------------------------------------------------------------------

    async def _product_lookup(self, args: ProductLookupArgs, call: _Call) -> dict[str, Any]:
        matches = await ProductService(
            self.session, popularity=InventoryService(self.session, now=self.now)
        ).search_products(query=args.query, limit=args.limit)
        units = await InventoryService(self.session, now=self.now).units_in_inventory(
            product_ids=[m.product_id for m in matches]
        )
        items = []
        for match in matches:
            row = jsonable(match)
            row["units_in_inventory"] = units.get(match.product_id, 0)
            items.append(row)
        return {"query": args.query, "items": items}

    async def _find_product(self, query: str) -> ProductMatch:

        matches = await ProductService(
            self.session, popularity=InventoryService(self.session, now=self.now)
        ).search_products(query=query, limit=1)
        if not matches:
            raise NotFound(f"No product matches {query!r}", code="product_not_found")
        return matches[0]

    async def _market_prices(self, args: MarketPricesArgs, call: _Call) -> dict[str, Any]:
        query = args.sku or args.product_query
        if not query:
            raise ValidationFailed("give product_query or sku")
        product = await self._find_product(query)
        prices = await PricingService(
            self.session, now=self.now, settings=self.settings
        ).latest_market_prices(product_id=product.product_id, size=args.size, platform=args.platform)
        return {"product": jsonable(product), "observations": jsonable(prices)}

    async def _price_recommendation(self, args: PriceRecommendationArgs, call: _Call) -> dict[str, Any]:
        target = args.target_margin_pct
        if target is None:
            target = float(self._user_default("target_margin_pct", self.settings.TARGET_MARGIN_PCT, call))
            call.resolved["target_margin_pct"] = target
        platform: str | None = args.platform
        if platform is None:
            platform = str(self._user_default("preferred_platform", DEFAULT_PLATFORM, call))
            call.resolved["platform"] = platform
        item_id = args.item_id or await self._item_for(args)
        call.resolved["item_id"] = item_id
        recommendation = await PricingService(
            self.session, now=self.now, settings=self.settings
        ).recommend_price(item_id=item_id, target_margin_pct=target, platform=platform)
        data: dict[str, Any] = jsonable(recommendation)
        return data

    async def _item_for(self, args: PriceRecommendationArgs) -> int:
        """The oldest pair in inventory of the named product (and size) to price."""

        if not args.product_query:
            raise ValidationFailed("give item_id, or product_query (and size)")
        product = await self._find_product(args.product_query)
        filters = InventoryFilters(
            status="in_inventory", product_id=product.product_id, size=args.size, sort="oldest"
        )
        items, _total = await InventoryService(self.session, now=self.now).list_items(
            filters=filters, limit=1, offset=0
        )
        if not items:
            size = f" in size {args.size}" if args.size else ""
            raise NotFound(
                f"No pair of {product.name} ({product.sku}){size} in inventory", code="item_not_found"
            )
        return int(items[0].id)

    async def _fee_estimate(self, args: FeeEstimateArgs, call: _Call) -> dict[str, Any]:
        pricing = PricingService(self.session, now=self.now, settings=self.settings)
        platforms = [args.platform] if args.platform else list(PLATFORMS)
        estimates = []
        for platform in platforms:
            estimate = await pricing.estimate_fees(
                platform=platform,
                sale_price=Decimal(str(args.sale_price)),
                shipping_cost=Decimal(str(args.shipping_cost)),
            )
            estimates.append(jsonable(estimate))
        estimates.sort(key=lambda e: -float(e["payout"]))
        return {"sale_price": round(args.sale_price, 2), "estimates": estimates}


class _Call:
    """What one tool call resolved: defaults filled in, the window used, the facts behind defaults."""

    def __init__(self, args: BaseModel, *, given: set[str] | None = None) -> None:
        self.args = args
        self.given = given or set()
        self.resolved: dict[str, Any] = {}
        self.window: Window | None = None
        self.facts: list[dict[str, Any]] = []

    def use_fact(self, fact: FactRef) -> None:
        if all(f["id"] != fact.id for f in self.facts):
            self.facts.append(fact_as_dict(fact))

    def arguments(self) -> dict[str, Any]:
        values: dict[str, Any] = self.args.model_dump(mode="json")
        values.update(jsonable(self.resolved))
        if self.window is not None:
            values["window"] = self.window.as_dict()
        return values
