"""Structured logs: one JSON object per line in production, readable text when embedded.

Every log line — ours (``structlog.get_logger`` or ``logging.getLogger``) and the
libraries' (uvicorn, Celery, SQLAlchemy) — goes through one stdlib handler whose
``ProcessorFormatter`` runs the same processors, so each line carries a timestamp, level,
logger name, the request's ``request_id`` and the tenant's ``customer_id`` (bound in
context variables by the request middleware and the auth dependency, or by the task
signals in a worker), and has its secrets redacted.

Secrets are redacted *in the formatter*, the last step before a line is written, so a
secret reaches no output whichever way it was logged: a field named like a secret
(``authorization``, ``api_key``, ``password``, ``secret``, ``token``, ``credential``,
``ciphertext``, ``private_key`` …), a bearer token, a ShelfOps API key or a PEM/OpenSSH
private key inside any text, or the password of a URL (``redis://:pw@host``).
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import uuid
from collections.abc import Mapping, MutableMapping
from typing import IO, Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from shelfops.config import Environment, Settings

REDACTED = "[REDACTED]"

# Field names whose value is a secret whatever it looks like.
_SECRET_KEY = re.compile(
    r"(authorization|api[_-]?key|password|passwd|secret|token|cookie|credential"
    r"|ciphertext|private[_-]?key|passphrase)",
    re.I,
)
# Secrets inside free text: bearer tokens, ShelfOps keys (so_<tenant>_<secret>: the tenant
# part is kept, it is not secret and helps reading), and URL passwords.
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_API_KEY = re.compile(r"\b(so_[0-9a-f]{32}_)[A-Za-z0-9_-]{8,}")
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.I)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
)

# Libraries whose own handlers would bypass ours; their records go to the root handler.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "celery", "sqlalchemy", "alembic")


# Text none of whose patterns can match lacks all of these (each pattern needs one of
# them), and most log text is such text: one search instead of four substitutions kept
# redaction from being the largest part of an access line's cost (bench/api_load.py).
_MAY_HOLD_SECRET = re.compile(r"(?i)bearer|basic|so_|-----BEGIN|://")


def redact_text(text: str) -> str:
    """``text`` with bearer tokens, API key secrets, private keys and URL passwords
    replaced."""
    if _MAY_HOLD_SECRET.search(text) is None:
        return text
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _API_KEY.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _PRIVATE_KEY.sub(f"-----BEGIN \\1PRIVATE KEY----- {REDACTED}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


@functools.lru_cache(maxsize=4096)
def _names_a_secret(key: str) -> bool:
    # Field names are few (the code's own), so each is matched once.
    return _SECRET_KEY.search(key) is not None


def _redact_value(key: str, value: Any) -> Any:
    if _names_a_secret(key) and value is not None:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(key, v) for v in value]
    return value


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: replace every secret in the event (see the module docstring)."""
    return {key: _redact_value(key, value) for key, value in event_dict.items()}


def _drop_color_message(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    # uvicorn adds a second, ANSI-coloured copy of its message; one copy is enough.
    event_dict.pop("color_message", None)
    return event_dict


def json_logs(settings: Settings) -> bool:
    """Whether log lines are JSON: ``SHELFOPS_LOG_FORMAT``, or ``auto`` = production."""
    if settings.log_format == "auto":
        return settings.env is Environment.PRODUCTION
    return settings.log_format == "json"


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
    ]


def configure_logging(settings: Settings, *, stream: IO[str] | None = None) -> None:
    """Route every log record of this process through structlog to ``stream`` (standard
    output by default), as JSON lines or console text (:func:`json_logs`). Idempotent:
    calling it again replaces the previous configuration."""
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json_logs(settings)
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared = _shared_processors()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            # Last before rendering, after the traceback became text: nothing escapes it.
            redact_secrets,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level.upper())
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers = []
        library.propagate = True
    # The request middleware writes one richer access line per request.
    logging.getLogger("uvicorn.access").disabled = True
    # SQL statements only when asked for: INFO would log every query with its parameters.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    """A structlog logger named ``name`` (its lines go through :func:`configure_logging`)."""
    return structlog.stdlib.get_logger(name)


def bind_request(request_id: str) -> None:
    """Start a fresh log context for one request: its id, and no tenant yet."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def bind_tenant(customer_id: uuid.UUID | str) -> None:
    """Add the tenant to every later log line of this request or task (called once the
    API key is resolved)."""
    structlog.contextvars.bind_contextvars(customer_id=str(customer_id))


def bound_context() -> MutableMapping[str, Any]:
    """The context variables bound now (what the next log line will carry)."""
    return dict(structlog.contextvars.get_contextvars())


def clear_context() -> None:
    """Forget the bound context (end of a request or task)."""
    structlog.contextvars.clear_contextvars()
