"""Structured logs: one JSON object per line, carrying the batch, dossier and document ids.

``bind(**ids)`` puts ids into a context variable for the current thread of work (a dramatiq
worker thread handles one message at a time); every record logged meanwhile carries them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from contextlib import contextmanager
from typing import Any

from pipeline.config import value

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "sohoa_log_context", default=None)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def bind(**ids: Any) -> contextvars.Token:
    """Add ids (``batch_id``, ``document_id``, ``dossier``, ``stage``, ``page``) to the
    context of the current thread; returns a token for :func:`reset`."""
    new = {k: v for k, v in ids.items() if v is not None}
    return _context.set({**(_context.get() or {}), **new})


def reset(token: contextvars.Token) -> None:
    _context.reset(token)


def clear() -> None:
    _context.set({})


@contextmanager
def bound(**ids: Any):
    token = bind(**ids)
    try:
        yield
    finally:
        reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        out.update(_context.get() or {})
        for key, item in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = item
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup(level: str | None = None, stream=None) -> None:
    """JSON lines on stderr for the whole process (idempotent)."""
    root = logging.getLogger()
    level = level or value("SOHOA_LOG_LEVEL")
    root.setLevel(level.upper())
    for h in list(root.handlers):
        if getattr(h, "_sohoa_json", False):
            return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._sohoa_json = True  # type: ignore[attr-defined]
    root.handlers = [handler]
    # dramatiq logs every retry at INFO/WARNING already; keep pika and urllib3 quiet.
    for noisy in ("pika", "urllib3", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
