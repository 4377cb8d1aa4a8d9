"""structlog JSON logs; every line of a request carries its request id.

- One line per request: RequestContextMiddleware writes it (method, path, redacted query,
  status, duration, request id); uvicorn's own access log is switched off here, whatever the
  command line says (it repeated every request and printed query strings as sent).
- Each line is written whole: one os.write per line, so the lines of several workers sharing
  one stdout pipe do not cut into each other (a write of up to PIPE_BUF, 4096 bytes on Linux,
  is atomic on a pipe; print() wrote the text and the newline separately, through a buffer).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode

import structlog

# Anything shaped like a credential is masked before a log line is written.
_SECRET_KEYS = re.compile(r"(password|secret|token|api_key|authorization|apikey)", re.I)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._\-]+")
_KEY_SHAPES = re.compile(
    r"\b(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,}|eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-.]+)"
)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return _KEY_SHAPES.sub("[redacted]", _BEARER.sub(r"\1[redacted]", value))
    if isinstance(value, dict):
        return {k: "[redacted]" if _SECRET_KEYS.search(str(k)) else _redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def redact_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return {k: "[redacted]" if _SECRET_KEYS.search(k) else _redact(v) for k, v in event_dict.items()}


def redacted_query(query: bytes | str) -> str:
    """A query string for the log: values of credential-like parameters (token, password, ...)
    and credential-shaped values replaced by [redacted]."""
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode(
        [(k, "[redacted]" if _SECRET_KEYS.search(k) else _redact(v)) for k, v in pairs], safe="[]"
    )


class LineWriter:
    """A structlog logger that writes each line with one os.write (see the module docstring).
    Without a real file descriptor (a test's captured stdout) it writes the line in one call."""

    def __init__(self, file: TextIO | None = None) -> None:
        self._file = file

    def msg(self, message: str) -> None:
        target = self._file or sys.stdout
        line = message + "\n"
        try:
            fd = target.fileno()
        except (AttributeError, OSError, ValueError):
            target.write(line)
            target.flush()
            return
        target.flush()  # anything print() left in the buffer goes out first
        data = memoryview(line.encode("utf-8", "backslashreplace"))
        while data:
            data = data[os.write(fd, data) :]

    log = debug = info = warn = warning = error = err = critical = exception = fatal = failure = msg


class LineWriterFactory:
    def __init__(self, file: TextIO | None = None) -> None:
        self._file = file

    def __call__(self, *_args: Any) -> LineWriter:
        return LineWriter(self._file)


def silence_uvicorn_access_log() -> None:
    """The app logs each request itself (redacted, with its request id): uvicorn's access
    logger would repeat it with the raw query string. uvicorn configures its loggers before it
    imports the app, so this runs after it, in every worker."""
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True


def configure_logging(*, level: str = "INFO", json: bool = True) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_secrets,
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=LineWriterFactory(),
        cache_logger_on_first_use=False,
    )
    silence_uvicorn_access_log()
