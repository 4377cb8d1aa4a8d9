"""The insight, the on-demand list and the stored digests, as the widget and webhooks read them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Severity = Literal["info", "warning", "critical"]
Language = Literal["en", "de"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


class Insight(BaseModel):
    type: str = Field(description="What was found, e.g. dead_stock_crossed (docs/insights.md)")
    severity: Severity
    headline: str = Field(description="One line, in the user's language")
    explanation: str = Field(description="A few sentences: what the figures mean and what to do")
    figures: dict[str, Any] = Field(description="The numbers behind the headline (money as strings)")
    sources: list[dict[str, Any]] = Field(description="The service calls the figures come from")
    follow_up: str = Field(description="A question to ask the assistant next")


class InsightsOut(BaseModel):
    generated_at: datetime
    language: Language
    items: list[Insight]


class DigestSummary(BaseModel):
    id: int
    digest_date: date
    created_at: datetime
    language: Language
    insight_count: int


class DeliveryOut(BaseModel):
    channel: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


class DigestOut(DigestSummary):
    items: list[Insight]
    deliveries: list[DeliveryOut] = []


class InsightSettingsOut(BaseModel):
    """The settings the user's insights and digest use: their memory facts, else the defaults."""

    dead_stock_days: int
    digest_enabled: bool
    digest_hour: int = Field(description="UTC hour from which the day's digest is built")
    language: Language
    min_severity: Severity
    from_memory: list[str] = Field(description="The fact kinds these came from; the rest are defaults")
