"""The API's settings (declared, with the rest, in ``pipeline.config.TABLE``)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import Settings, default, value


@dataclass(frozen=True)
class ApiSettings:
    # "token:role[:expiry],..." (expiry ISO 8601, e.g. 2026-12-31T00:00:00Z). None: a random
    # admin token is generated into SOHOA_HOME/api-admin-token (embedded default).
    tokens: str | None = None
    max_file_bytes: int = default("SOHOA_API_MAX_FILE_BYTES")  # one uploaded file
    max_request_bytes: int = default("SOHOA_API_MAX_REQUEST_BYTES")  # one whole request body
    max_files: int = default("SOHOA_API_MAX_FILES")  # files in one batch upload
    queue_max: int = default("SOHOA_API_QUEUE_MAX")  # unfinished documents before 429
    sync_pages: int = default("SOHOA_API_SYNC_PAGES")  # POST /extract waits up to this many
    sync_seconds: float = default("SOHOA_API_SYNC_SECONDS")  # pages this long; then 202 + job
    rate_uploads: int = default("SOHOA_API_RATE_UPLOADS")  # per minute and token (0: off)
    rate_searches: int = default("SOHOA_API_RATE_SEARCHES")  # per minute and token (0: off)

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> ApiSettings:
        settings = settings or Settings.from_env()
        return cls(
            tokens=value("SOHOA_API_TOKENS"),
            max_file_bytes=min(value("SOHOA_API_MAX_FILE_BYTES"), settings.limits.max_bytes),
            max_request_bytes=value("SOHOA_API_MAX_REQUEST_BYTES"),
            max_files=value("SOHOA_API_MAX_FILES"),
            queue_max=value("SOHOA_API_QUEUE_MAX"),
            sync_pages=value("SOHOA_API_SYNC_PAGES"),
            sync_seconds=value("SOHOA_API_SYNC_SECONDS"),
            rate_uploads=value("SOHOA_API_RATE_UPLOADS"),
            rate_searches=value("SOHOA_API_RATE_SEARCHES"),
        )
