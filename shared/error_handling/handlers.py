"""One JSON error shape for every 4xx/5xx:

{"error": {"code": "...", "message": "...", "details": [...], "request_id": "..."}}
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.error_handling.errors import DomainError, RateLimited

logger = structlog.get_logger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


def error_body(
    request: Request, *, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "request_id": getattr(request.state, "request_id", None),
        }
    }


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        details.append(
            {"field": ".".join(loc), "message": err.get("msg", "invalid"), "type": err.get("type")}
        )
    return details


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    body = error_body(request, code=exc.code, message=exc.message, details=exc.details)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    first = details[0] if details else {"field": "", "message": "invalid request"}
    message = f"Invalid request: {first['field'] or 'body'}: {first['message']}"
    return JSONResponse(
        error_body(request, code="validation_error", message=message, details=details),
        status_code=422,
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        # FastAPI turns a JSON body nested too deeply for the parser into a bare 400.
        return JSONResponse(
            error_body(request, code="validation_error", message="The JSON body is nested too deeply"),
            status_code=422,
        )
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(
        error_body(request, code=code, message=message),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def lost_connection(exc: BaseException) -> DBAPIError | None:
    """The database error in `exc`'s chain that says the connection died (database restart,
    pg_terminate_backend), if any. Errors raised afterwards on the same session (a failed
    rollback, PendingRollbackError) carry it as their cause or context."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return current
        current = current.__cause__ or current.__context__
    return None


def is_data_error(exc: DBAPIError) -> bool:
    """The database refused a *value* the client sent (SQLSTATE class 22: NUL byte in text,
    number out of range, ...), or the driver could not encode it (asyncpg's client-side DataError)."""
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate.startswith("22"):
        return True
    cause = getattr(exc.orig, "__cause__", None)
    return type(cause).__name__ == "DataError" and isinstance(cause, ValueError)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot take is the client's mistake (422), not a server error."""
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated:
        return _connection_lost(request, exc)
    if isinstance(exc, IntegrityError):
        # A unique key refused a row that a concurrent request wrote first. Services turn the
        # races they know into a specific 409; this is the net under the ones they do not.
        logger.warning("request_conflicts_with_concurrent_write", path=request.url.path)
        return JSONResponse(
            error_body(
                request, code="conflict", message="The request conflicts with data written at the same time"
            ),
            status_code=409,
        )
    if not is_data_error(exc):
        return await _unhandled(request, exc)
    logger.info(
        "request_value_refused_by_database", path=request.url.path, error_type=type(exc.orig).__name__
    )
    return JSONResponse(
        error_body(
            request,
            code="validation_error",
            message="A value in the request cannot be used (out of range or contains a NUL character)",
        ),
        status_code=422,
    )


DATABASE_RETRY_AFTER_SECONDS = 1


def _connection_lost(request: Request, exc: DBAPIError) -> JSONResponse:
    # The connection died under the request (database restart, pg_terminate_backend): the
    # pool drops it and pre-pings the others; the client may simply try again.
    logger.warning("database_connection_lost", path=request.url.path, error_type=type(exc.orig).__name__)
    return JSONResponse(
        error_body(request, code="database_unavailable", message="The database connection was lost; retry"),
        status_code=503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    lost = lost_connection(exc)
    if lost is not None:  # e.g. PendingRollbackError on a session whose connection died
        return _connection_lost(request, lost)
    logger.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return JSONResponse(
        error_body(request, code="internal_error", message="Internal server error"),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unhandled)
