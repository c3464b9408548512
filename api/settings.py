"""API configuration from environment variables (the rest comes from ``pipeline.config``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pipeline.config import Settings


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class ApiSettings:
    # "token:role[:expiry],..." (expiry ISO 8601, e.g. 2026-12-31T00:00:00Z). None: a random
    # admin token is generated into SOHOA_HOME/api-admin-token (embedded default).
    tokens: str | None = None
    max_file_bytes: int = 50 * 1024 * 1024  # one uploaded file
    max_request_bytes: int = 256 * 1024 * 1024  # one whole request body
    max_files: int = 100  # files in one batch upload
    queue_max: int = 200  # documents queued or running before uploads are refused (429)
    sync_pages: int = 3  # POST /extract answers synchronously up to this many pages ...
    sync_seconds: float = 60.0  # ... if it is done within this time; otherwise 202 + job URL
    chunk: int = 16  # documents handed to the runner at once
    processes: int = 0  # runner processes (0: settings.process_count)
    rate_uploads: int = 120  # uploads (POST /batches, /extract) per minute and token (0: off)
    rate_searches: int = 600  # searches per minute and token (0: off)

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> ApiSettings:
        settings = settings or Settings.from_env()
        return cls(
            tokens=os.environ.get("SOHOA_API_TOKENS") or None,
            max_file_bytes=_int("SOHOA_API_MAX_FILE_BYTES",
                                min(cls.max_file_bytes, settings.limits.max_bytes)),
            max_request_bytes=_int("SOHOA_API_MAX_REQUEST_BYTES", cls.max_request_bytes),
            max_files=_int("SOHOA_API_MAX_FILES", cls.max_files),
            queue_max=_int("SOHOA_API_QUEUE_MAX", cls.queue_max),
            sync_pages=_int("SOHOA_API_SYNC_PAGES", cls.sync_pages),
            sync_seconds=_float("SOHOA_API_SYNC_SECONDS", cls.sync_seconds),
            chunk=_int("SOHOA_API_CHUNK", cls.chunk),
            processes=_int("SOHOA_API_PROCESSES", 0),
            rate_uploads=_int("SOHOA_API_RATE_UPLOADS", cls.rate_uploads),
            rate_searches=_int("SOHOA_API_RATE_SEARCHES", cls.rate_searches),
        )
