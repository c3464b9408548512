"""The dramatiq actors: thin wrappers that hand their message to :mod:`workers.tasks`.

``ingest`` (per document) -> ``ocr_page`` (per page) -> ``finish`` (per document, once). Retries,
time limits, logging and metrics come from the middleware (:mod:`workers.broker`).
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from workers import tasks

CONTEXT: tasks.Context | None = None  # set by the worker process (workers.supervisor)


def _ctx() -> tasks.Context:
    if CONTEXT is None:
        raise RuntimeError("worker context not initialised")
    return CONTEXT


def _token() -> str:
    message = CurrentMessage.get_current_message()
    return message.message_id if message is not None else "direct"


def ingest(doc: dict[str, Any]) -> None:
    tasks.ingest(_ctx(), doc)


def ocr_page(doc: dict[str, Any], number: int) -> None:
    tasks.ocr_page(_ctx(), doc, number, _token())


def finish(doc: dict[str, Any]) -> None:
    tasks.finish(_ctx(), doc)


def _seconds(name: str, default: float | None = None) -> int:
    from pipeline.config import value

    return int(1000 * (value(name) or default))


def declare(broker) -> None:
    """Declare the three actors on ``broker`` (idempotent)."""
    if "ingest" in broker.actors:
        return
    from pipeline.config import OcrSettings
    from workers.broker import FINISH_QUEUE, QUEUE

    page_limit = OcrSettings.from_env().page_timeout * 2 + 60  # tesserocr stops at page_timeout
    # Lower priority values run first among prefetched messages: finish what was started.
    dramatiq.actor(ingest, broker=broker, actor_name="ingest", queue_name=QUEUE, priority=20,
                   time_limit=_seconds("SOHOA_INGEST_TIME_LIMIT"))
    dramatiq.actor(ocr_page, broker=broker, actor_name="ocr_page", queue_name=QUEUE, priority=10,
                   time_limit=_seconds("SOHOA_PAGE_TIME_LIMIT", page_limit))
    dramatiq.actor(finish, broker=broker, actor_name="finish", queue_name=FINISH_QUEUE,
                   priority=0,
                   time_limit=_seconds("SOHOA_FINISH_TIME_LIMIT"))
