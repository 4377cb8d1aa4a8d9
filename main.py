"""SoleFlip API: app factory and lifespan. Engines and clients are made here, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from domains.ai.lifecycle import ai_shutdown, ai_startup
from domains.ai.router import router as ai_router
from domains.analytics.router import router as analytics_router
from domains.auth.router import router as auth_router
from domains.auth.throttle import login_throttle_shutdown
from domains.insights.router import router as insights_router
from domains.insights.scheduler import insights_shutdown, insights_startup
from domains.inventory.router import router as inventory_router
from domains.orders.router import router as orders_router
from domains.pricing.router import router as pricing_router
from domains.products.router import router as products_router
from domains.webui.router import router as webui_router
from shared.api.middleware import BodySizeLimitMiddleware, HttpMetrics, RequestContextMiddleware
from shared.config.settings import Settings, get_settings
from shared.database.engine import create_engine, create_sessionmaker
from shared.database.migrations import upgrade_to_head_async
from shared.error_handling.handlers import error_body, install_error_handlers
from shared.logging import configure_logging

logger = structlog.get_logger("soleflip")

ROUTERS = (
    auth_router,
    products_router,
    inventory_router,
    pricing_router,
    orders_router,
    analytics_router,
    ai_router,
    insights_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.LOG_LEVEL, json=settings.LOG_JSON)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.AUTO_MIGRATE:
            await upgrade_to_head_async(settings.DATABASE_URL)
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        # Analytics read from a replica when one is configured, else from the primary.
        analytics_engine = engine
        if settings.ANALYTICS_DATABASE_URL:
            analytics_engine = create_engine(
                settings.model_copy(update={"DATABASE_URL": settings.ANALYTICS_DATABASE_URL})
            )
        app.state.analytics_engine = analytics_engine
        app.state.analytics_sessionmaker = create_sessionmaker(analytics_engine)
        for hook in app.state.startup_hooks:
            await hook(app)
        logger.info("startup", database=engine.dialect.name, environment=settings.ENVIRONMENT)
        try:
            yield
        finally:
            for hook in app.state.shutdown_hooks:
                await hook(app)
            if analytics_engine is not engine:
                await analytics_engine.dispose()
            await engine.dispose()

    app = FastAPI(
        title=settings.APP_NAME,
        version="0.1.0",
        description="Sneaker resale backend: products, inventory, pricing, orders, analytics "
        "and an AI assistant grounded in the database.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Domains that need start-up work (AI providers, memory) append async hooks here.
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    app.state.startup_hooks.append(ai_startup)
    app.state.shutdown_hooks.append(ai_shutdown)
    app.state.shutdown_hooks.append(login_throttle_shutdown)
    app.state.startup_hooks.append(insights_startup)  # the daily digest job (docs/insights.md)
    app.state.shutdown_hooks.append(insights_shutdown)
    registry = CollectorRegistry()
    app.state.metrics_registry = registry

    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.CORS_ORIGINS,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID", "Retry-After"],
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.MAX_BODY_BYTES)
    app.add_middleware(RequestContextMiddleware, metrics=HttpMetrics(registry))

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(webui_router)  # the chat widget at /assistant/, after the API routes
    _add_operational_routes(app, registry)
    return app


def _add_operational_routes(app: FastAPI, registry: CollectorRegistry) -> None:
    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get(
        "/health/ready",
        tags=["operations"],
        responses={503: {"description": "database unreachable"}},
    )
    async def ready(request: Request) -> Any:
        """Readiness: the database answers a query."""
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not ready", never a 500
            logger.warning("readiness_failed", error=type(exc).__name__)
            body = error_body(request, code="database_unavailable", message="Database is not reachable")
            return JSONResponse(body, status_code=503)
        return {"status": "ready", "database": request.app.state.engine.dialect.name}

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def __getattr__(name: str) -> Any:
    # `uvicorn main:app` gets an app built on first access, not at import of this module.
    if name == "app":
        return create_app()
    raise AttributeError(name)
