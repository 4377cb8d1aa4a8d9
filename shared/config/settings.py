"""Application settings: one validated object, read from the environment and `.env`.

Names from the owner's integration plan (MEMORI_*, AI_*) are kept as they are so an
existing `.env` keeps working.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "soleflip.db"

ProviderName = Literal["auto", "builtin", "openai", "anthropic"]
MemoryBackend = Literal["sql", "memori"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

    # --- service -------------------------------------------------------------------
    APP_NAME: str = "SoleFlip API"
    ENVIRONMENT: Literal["development", "test", "production"] = "development"
    LOG_LEVEL: str = "INFO"
    LOG_JSON: bool = True
    DATABASE_URL: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    # Optional streaming read replica for the read-only analytics endpoints (same URL forms).
    ANALYTICS_DATABASE_URL: str | None = None
    DATABASE_POOL_SIZE: int = Field(default=10, ge=1, le=200)
    DATABASE_MAX_OVERFLOW: int = Field(default=10, ge=0, le=200)
    AUTO_MIGRATE: bool = True
    # Behind pgbouncer in transaction mode: no server-side prepared statement caching.
    DATABASE_PGBOUNCER: bool = False
    REDIS_URL: str | None = None
    CURRENCY: str = Field(default="EUR", min_length=3, max_length=3)
    MAX_BODY_BYTES: int = Field(default=1_000_000, ge=1024)
    CORS_ORIGINS: list[str] = ["http://localhost:5173", "http://127.0.0.1:5173"]

    # --- auth ----------------------------------------------------------------------
    # Empty means: generate one and keep it in var/jwt_secret (fine for a single machine).
    JWT_SECRET: SecretStr = SecretStr("")
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    JWT_AUDIENCE: str = "soleflip-api"
    JWT_ISSUER: str = "soleflip"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=12 * 60, ge=1)
    # Failed logins allowed per account and per client address within the window; then
    # POST /auth/token answers 429 until the oldest failure leaves the window. 0 switches one off.
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int = Field(default=10, ge=0)
    LOGIN_MAX_FAILURES_PER_CLIENT: int = Field(default=50, ge=0)
    LOGIN_THROTTLE_WINDOW_SECONDS: int = Field(default=900, ge=1, le=86_400)
    DEMO_USER_EMAIL: str = "demo@soleflip.dev"
    DEMO_USER_PASSWORD: SecretStr = SecretStr("soleflip-demo")

    # --- business rules ------------------------------------------------------------
    DEAD_STOCK_DAYS: int = Field(default=60, ge=1, le=3650)
    TARGET_MARGIN_PCT: float = Field(default=20.0, ge=0, le=95)

    # --- AI assistant (names from the integration plan) ------------------------------
    AI_ASSISTANT_ENABLED: bool = True
    MEMORI_PROVIDER: ProviderName = "auto"
    MEMORI_MODEL: str = ""
    MEMORI_ENABLED: bool = False
    MEMORI_USER_TRACKING: bool = True
    AI_MEMORY_BACKEND: MemoryBackend = "sql"
    OPENAI_API_KEY: SecretStr = SecretStr("")
    OPENAI_BASE_URL: str | None = None
    ANTHROPIC_API_KEY: SecretStr = SecretStr("")
    ANTHROPIC_BASE_URL: str | None = None
    AI_MAX_TOKENS: int = Field(default=4096, ge=64, le=200_000)
    AI_TEMPERATURE: float = Field(default=0.7, ge=0, le=2)
    AI_CONTEXT_WINDOW_SIZE: int = Field(default=10, ge=0, le=200)
    AI_REQUEST_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0, le=600)
    AI_MAX_RETRIES: int = Field(default=2, ge=0, le=10)
    AI_MAX_TOOL_STEPS: int = Field(default=6, ge=1, le=20)
    AI_DAILY_TOKEN_BUDGET: int = Field(default=200_000, ge=0)
    AI_RATE_LIMIT_PER_MINUTE: int = Field(default=30, ge=0)

    # --- proactive insights and the daily digest (docs/insights.md) -------------------
    # auto: the app runs the digest scheduler itself on the embedded SQLite default (never when
    # ENVIRONMENT=test); with PostgreSQL `make worker` runs it. on / off force it in the app.
    INSIGHTS_SCHEDULER: Literal["auto", "on", "off"] = "auto"
    INSIGHTS_SCHEDULER_INTERVAL_SECONDS: int = Field(default=300, ge=5, le=86_400)
    INSIGHTS_DIGEST_HOUR: int = Field(default=7, ge=0, le=23)  # UTC hour of the daily digest
    INSIGHTS_LANGUAGE: Literal["en", "de"] = "en"
    INSIGHTS_MIN_SEVERITY: Literal["info", "warning", "critical"] = "info"
    INSIGHTS_OVERPRICED_PCT: float = Field(default=10.0, gt=0, le=1000)
    INSIGHTS_BASELINE_THRESHOLD_PCT: float = Field(default=25.0, gt=0, le=1000)
    INSIGHTS_BEST_SELLERS: int = Field(default=20, ge=1, le=100)
    INSIGHTS_FEE_NOTICE_DAYS: int = Field(default=14, ge=1, le=365)
    INSIGHTS_PAIRS_SHOWN: int = Field(default=10, ge=1, le=100)
    INSIGHTS_WEBHOOK_URL: str | None = None
    INSIGHTS_WEBHOOK_SECRET: SecretStr = SecretStr("")
    INSIGHTS_DELIVERY_ATTEMPTS: int = Field(default=4, ge=1, le=20)
    INSIGHTS_DELIVERY_BACKOFF_SECONDS: float = Field(default=2.0, ge=0, le=600)
    INSIGHTS_DELIVERY_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)
    SMTP_HOST: str | None = None  # e-mail delivery of the digest when set
    SMTP_PORT: int = Field(default=587, ge=1, le=65_535)
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: SecretStr = SecretStr("")
    SMTP_FROM: str = "SoleFlip <insights@soleflip.dev>"
    SMTP_STARTTLS: bool = True
    SMTP_USE_TLS: bool = False  # implicit TLS (port 465)

    @field_validator("DATABASE_URL", "ANALYTICS_DATABASE_URL")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        # People paste sync URLs from other tools; map them to the async drivers we use.
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("DATABASE_URL must be a postgresql+asyncpg:// or sqlite+aiosqlite:// URL")
        return value

    @model_validator(mode="after")
    def _production_secret(self) -> Settings:
        # A generated per-machine key would make tokens fail across machines.
        if self.ENVIRONMENT == "production" and not self.JWT_SECRET.get_secret_value():
            raise ValueError("JWT_SECRET must be set when ENVIRONMENT=production")
        return self

    @model_validator(mode="after")
    def _memori_flag(self) -> Settings:
        # The plan's MEMORI_ENABLED=true switches the memory backend to Memori.
        if self.MEMORI_ENABLED:
            self.AI_MEMORY_BACKEND = "memori"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.DATABASE_URL.split(":///", 1)[1]
        return None if raw in ("", ":memory:") else Path(raw)

    def jwt_secret(self) -> str:
        """The signing key; generated once and kept beside the app when not configured."""
        configured = self.JWT_SECRET.get_secret_value()
        if configured:
            return configured
        key_file = PROJECT_ROOT / "var" / "jwt_secret"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
