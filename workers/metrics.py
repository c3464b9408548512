"""Prometheus metrics of the workers, beside dramatiq's own (``dramatiq_*`` from its
``Prometheus`` middleware): documents and pages per stage, failures by reason, stage
durations, queue depth.

Worker processes write to prometheus-client's multiprocess directory
(``PROMETHEUS_MULTIPROC_DIR``, set by ``sohoa worker``); the supervisor serves the sum of all
processes on ``SOHOA_METRICS_PORT`` (default 9191). Without that directory (tests calling the
stages directly, the embedded runner) the counters are plain in-process ones.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_metrics: dict[str, object] | None = None


def _get() -> dict[str, object]:
    global _metrics
    if _metrics is None:
        with _lock:
            if _metrics is None:
                import prometheus_client as prom

                registry = prom.CollectorRegistry()  # multiprocess: the files are the registry
                _metrics = {
                    "documents": prom.Counter(
                        "sohoa_documents_total", "Documents leaving a stage, by outcome.",
                        ["stage", "outcome"], registry=registry),
                    "pages": prom.Counter(
                        "sohoa_pages_total", "Pages OCR'd, by status.", ["status"],
                        registry=registry),
                    "failures": prom.Counter(
                        "sohoa_failures_total", "Failed messages and documents, by reason.",
                        ["stage", "reason"], registry=registry),
                    "seconds": prom.Histogram(
                        "sohoa_stage_seconds", "Wall time of one message of a stage.",
                        ["stage"], registry=registry,
                        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)),
                    "ocr": prom.Histogram(
                        "sohoa_page_ocr_seconds", "run_page time of one page (load, "
                        "preprocess, OCR, page PDF).", registry=registry,
                        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 60, 120)),
                }
    return _metrics


def document_event(stage: str, outcome: str, reason: str | None = None) -> None:
    m = _get()
    m["documents"].labels(stage, outcome).inc()
    if outcome == "failed":
        m["failures"].labels(stage, reason or "unknown").inc()


def page_done(page) -> None:
    m = _get()
    m["pages"].labels(page.status.value).inc()
    total = page.timings.get("page.total")
    if total is not None:
        m["ocr"].observe(total)


def message_done(stage: str, seconds: float, reason: str | None) -> None:
    m = _get()
    m["seconds"].labels(stage).observe(seconds)
    if reason:
        m["failures"].labels(stage, reason).inc()


class QueueDepthCollector:
    """Messages waiting in the broker, read at scrape time (Redis list lengths, or RabbitMQ's
    queue counts)."""

    def __init__(self, broker, queues: list[str]):
        self.broker = broker
        self.queues = queues

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        g = GaugeMetricFamily("sohoa_queue_depth", "Messages waiting in the broker.",
                              labels=["queue"])
        for q in self.queues:
            try:
                g.add_metric([q], float(queue_depth(self.broker, q)))
            except Exception:  # noqa: BLE001 - a scrape must not fail because the broker is away
                continue
        yield g


def queue_depth(broker, queue: str) -> int:
    if hasattr(broker, "get_queue_message_counts"):  # RabbitMQ
        return sum(broker.get_queue_message_counts(queue))
    ns = getattr(broker, "namespace", "dramatiq")
    client = broker.client
    from dramatiq.common import dq_name

    return int(client.llen(f"{ns}:{queue}")) + int(client.llen(f"{ns}:{dq_name(queue)}"))
