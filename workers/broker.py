"""The dramatiq broker from configuration, with sohoa's middleware.

``SOHOA_BROKER_URL``: ``redis://host:6379/0`` (the default for distributed runs) or
``amqp://user:pass@host:5672/vhost`` (RabbitMQ). Without it sohoa runs embedded
(``pipeline/runner.py``) and nothing here is used.

Cross-cutting behaviour is middleware, not code in actors:

- ``Retries`` with ``retry_when``: transient failures (``TransientError``, storage or database
  unreachable, connection errors, time limits) retry with exponential back-off
  (``SOHOA_WORKER_MIN_BACKOFF`` ms, doubling up to ``SOHOA_WORKER_MAX_BACKOFF``) at most
  ``SOHOA_WORKER_MAX_RETRIES`` times; permanent ``SohoaError`` (bad input, limits) never retry.
- ``TimeLimit``: every actor has a ``time_limit``. It interrupts Python code; Tesseract (a C
  call) is bounded by tesserocr's own timeout inside ``run_page`` (``SOHOA_PAGE_TIMEOUT``).
- :class:`Outcome`: binds log ids, times each message, and when a message failed for good
  (after ``Retries`` gave up) records the document as ``failed`` with the reason.
- ``Prometheus`` (worker processes only) plus :mod:`workers.metrics`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from pipeline.config import Settings, value
from pipeline.model import SohoaError
from workers import logs, metrics

log = logging.getLogger("sohoa.workers")
QUEUE = "sohoa"  # ingest and ocr_page
# finish has a queue of its own: a worker process takes a document's finish as soon as its
# last page is done (it runs next, ahead of prefetched pages), instead of behind every page
# queued after it (the queue is first in, first out). Documents are archived as they complete,
# the finish of one overlaps the pages of the next, and temporaries do not pile up.
FINISH_QUEUE = "sohoa-finish"
QUEUES = (QUEUE, FINISH_QUEUE)


def max_retries() -> int:
    return value("SOHOA_WORKER_MAX_RETRIES")


def retry_when(retries: int, exception: BaseException) -> bool:
    """Retry transient failures a bounded number of times; permanent errors never."""
    if isinstance(exception, SohoaError) and exception.permanent:
        return False
    return retries < max_retries()


def reason_of(exception: BaseException) -> dict[str, str]:
    if isinstance(exception, SohoaError):
        return exception.to_dict()
    name = type(exception).__name__
    code = "time_limit" if name == "TimeLimitExceeded" else "error"
    return {"code": code, "message": f"{name}: {exception}"[:2000]}


class Outcome(Middleware):
    """Log context, durations and failure bookkeeping around every message.

    Placed before ``Retries`` in the middleware list, so its ``after_process_message`` runs
    after ``Retries`` has decided (dramatiq calls ``after_*`` hooks in reverse order):
    ``message.failed`` then means the message will not be retried.
    """

    def __init__(self, on_failed: Callable[[dict[str, Any], dict[str, str]], None] | None = None):
        self.on_failed = on_failed
        self._started: dict[str, tuple[float, Any]] = {}

    def before_process_message(self, broker, message):
        doc = message.kwargs.get("doc") or {}
        token = logs.bind(batch_id=doc.get("batch_id"), document_id=doc.get("document_id"),
                          dossier=doc.get("dossier_code"), stage=message.actor_name,
                          page=message.kwargs.get("number"), message_id=message.message_id,
                          retries=message.options.get("retries") or None)
        self._started[message.message_id] = (time.perf_counter(), token)
        log.info("start")

    def after_process_message(self, broker, message, *, result=None, exception=None):
        started, token = self._started.pop(message.message_id, (time.perf_counter(), None))
        seconds = time.perf_counter() - started
        reason = reason_of(exception) if exception is not None else None
        try:
            metrics.message_done(message.actor_name, seconds,
                                 reason["code"] if reason else None)
        except Exception:  # noqa: BLE001 - metrics never break processing
            pass
        if exception is None:
            log.info("done", extra={"seconds": round(seconds, 4)})
        elif message.failed:
            log.error("failed for good", extra={"seconds": round(seconds, 4), "reason": reason})
            doc = message.kwargs.get("doc")
            if doc and self.on_failed is not None:
                try:
                    self.on_failed(doc, reason)
                except Exception:  # noqa: BLE001 - the database may be the thing that is down
                    log.exception("could not record the failure")
        else:
            log.warning("will retry", extra={"seconds": round(seconds, 4), "reason": reason})
        if token is not None:
            try:
                logs.reset(token)
            except ValueError:  # reset from another context: just clear
                logs.clear()

    after_skip_message = after_process_message


def middleware(*, worker: bool,
               on_failed: Callable[[dict[str, Any], dict[str, str]], None] | None = None):
    out: list[Middleware] = []
    if worker:
        from dramatiq.middleware.prometheus import Prometheus

        out.append(Prometheus())
    out += [
        Outcome(on_failed),
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=max_retries(),
                min_backoff=value("SOHOA_WORKER_MIN_BACKOFF"),
                max_backoff=value("SOHOA_WORKER_MAX_BACKOFF"),
                retry_when=retry_when),
        CurrentMessage(),
    ]
    return out


def make_broker(settings: Settings, *, worker: bool = False,
                on_failed: Callable[[dict[str, Any], dict[str, str]], None] | None = None):
    url = settings.broker_url
    if not url:
        raise ValueError("no broker configured (SOHOA_BROKER_URL)")
    mw = middleware(worker=worker, on_failed=on_failed)
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis
        from dramatiq.brokers.redis import RedisBroker

        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=5, socket_timeout=30,
                                             health_check_interval=15)
        broker = RedisBroker(
            client=redis.Redis(connection_pool=pool), middleware=mw,
            namespace=value("SOHOA_BROKER_NAMESPACE"),
            # A worker that stops heart-beating (killed) has its unacked messages requeued
            # after this long; maintenance runs on this share of a million broker commands.
            heartbeat_timeout=value("SOHOA_BROKER_HEARTBEAT_MS"),
            maintenance_chance=value("SOHOA_BROKER_MAINTENANCE"))
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, middleware=mw, confirm_delivery=True, max_priority=10)
    else:
        raise ValueError(f"unsupported broker URL (redis:// or amqp://): {url!r}")
    from workers import actors

    actors.declare(broker)
    return broker


_brokers: dict[str, Any] = {}


def client_broker(settings: Settings):
    """A broker for sending only (``submit``), one per URL per process."""
    key = f"{settings.broker_url or ''} {value('SOHOA_BROKER_NAMESPACE')}"
    if key not in _brokers:
        _brokers[key] = make_broker(settings, worker=False)
    return _brokers[key]


def send(broker, actor_name: str, **kwargs: Any) -> None:
    broker.get_actor(actor_name).send(**kwargs)


def set_global(broker) -> None:
    dramatiq.set_broker(broker)
