"""The model registry: imports every domain's models so Base.metadata knows all tables.

Alembic (alembic/env.py), the test harness and the demo loader import Base from here. It lives in
domains/ because it imports every domain; shared/ never imports a domain.
"""

from domains.ai.memory.models import MemoryFact
from domains.ai.models import Conversation, Message, UnansweredQuestion, UsageLedger
from domains.analytics.models import (
    ProductSalesDaily,
    ProductSalesHourly,
    ProductSalesMonthly,
    PurchasesDaily,
    SalesDaily,
    SalesHourly,
    StockByProductSize,
    StockDaily,
    StockHourly,
)
from domains.auth.models import User
from domains.insights.models import InsightDelivery, InsightDigest
from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.pricing.models import FeeSchedule, MarketPrice
from domains.products.models import Brand, Product
from shared.database.base import Base

__all__ = [
    "Base",
    "Brand",
    "Conversation",
    "FeeSchedule",
    "InsightDelivery",
    "InsightDigest",
    "InventoryItem",
    "MarketPrice",
    "MemoryFact",
    "Message",
    "Order",
    "Product",
    "ProductSalesDaily",
    "ProductSalesHourly",
    "ProductSalesMonthly",
    "PurchasesDaily",
    "SalesDaily",
    "SalesHourly",
    "StockByProductSize",
    "StockDaily",
    "StockHourly",
    "UnansweredQuestion",
    "UsageLedger",
    "User",
]
