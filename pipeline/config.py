"""Configuration, read from environment variables in this one place.

Every variable is optional: with none set, sohoa runs embedded (local folder, SQLite, no broker)
under ``SOHOA_HOME`` (default ``./.sohoa``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _str(name: str, default: str | None = None) -> str | None:
    raw = os.environ.get(name)
    return raw if raw not in (None, "") else default


def _default_models_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "sohoa" / "models"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024  # one uploaded file
    max_pages: int = 500
    max_page_pixels: int = 50_000_000  # A2 at 300 dpi; keeps one RGB page under 150 MB
    min_page_side: int = 32  # a 1x1 image is not a page

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_bytes=_int("SOHOA_MAX_BYTES", cls.max_bytes),
            max_pages=_int("SOHOA_MAX_PAGES", cls.max_pages),
            max_page_pixels=_int("SOHOA_MAX_PAGE_PIXELS", cls.max_page_pixels),
            min_page_side=_int("SOHOA_MIN_PAGE_SIDE", cls.min_page_side),
        )


@dataclass(frozen=True)
class OcrSettings:
    # vie: about half the Tesseract time of vie+eng and more words right on real Vietnamese
    # pages (benchmarks/ocr_bench.py); a page with no Vietnamese letter is read in English
    # (pipeline/ocr.py decides per page).
    languages: str = "vie"
    tessdata: str | None = None  # None: find Debian's tessdata
    page_timeout: float = 120.0  # seconds per page before the page is failed
    target_dpi: int = 300  # low-resolution pages are upscaled towards this for OCR
    render_dpi: int = 300  # PDF pages are rasterised at this resolution
    # Preprocessing steps switched off (comma-separated: upscale, normalize, despeckle,
    # deskew), for measuring what each one gains (benchmarks/preprocess_variants.py).
    preprocess_off: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls) -> OcrSettings:
        return cls(
            languages=_str("SOHOA_OCR_LANGUAGES", cls.languages),
            tessdata=_str("SOHOA_TESSDATA", None),
            page_timeout=_float("SOHOA_PAGE_TIMEOUT", cls.page_timeout),
            target_dpi=_int("SOHOA_TARGET_DPI", cls.target_dpi),
            render_dpi=_int("SOHOA_RENDER_DPI", cls.render_dpi),
            preprocess_off=frozenset(filter(None, (_str("SOHOA_PREPROCESS_OFF", "") or "")
                                            .split(","))),
        )


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=lambda: Path(".sohoa"))
    workers: int = 0  # 0: one process per core
    limits: Limits = field(default_factory=Limits)
    ocr: OcrSettings = field(default_factory=OcrSettings)
    review_threshold: float = 0.90
    # Trained models (the document-type categoriser), shared by every SOHOA_HOME on the
    # machine: set-up trains it once.
    models_dir: Path = field(default_factory=lambda: _default_models_dir())
    # Distributed parts: absent means the embedded default.
    database_url: str | None = None
    broker_url: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "sohoa"
    s3_secure: bool = False
    s3_region: str | None = None
    retention_years: int = 10
    signing_key: str | None = None  # PKCS#12 file
    signing_key_password: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(_str("SOHOA_HOME", ".sohoa"))
        return cls(
            home=home,
            workers=_int("SOHOA_WORKERS", 0),
            limits=Limits.from_env(),
            ocr=OcrSettings.from_env(),
            review_threshold=_float("SOHOA_REVIEW_THRESHOLD", cls.review_threshold),
            models_dir=Path(_str("SOHOA_MODELS", str(_default_models_dir()))),
            database_url=_str("SOHOA_DATABASE_URL"),
            broker_url=_str("SOHOA_BROKER_URL"),
            s3_endpoint=_str("SOHOA_S3_ENDPOINT"),
            s3_access_key=_str("SOHOA_S3_ACCESS_KEY"),
            s3_secret_key=_str("SOHOA_S3_SECRET_KEY"),
            s3_bucket=_str("SOHOA_S3_BUCKET", "sohoa"),
            s3_secure=_str("SOHOA_S3_SECURE", "0") in ("1", "true", "yes"),
            s3_region=_str("SOHOA_S3_REGION"),
            retention_years=_int("SOHOA_RETENTION_YEARS", 10),
            signing_key=_str("SOHOA_SIGNING_KEY"),
            signing_key_password=_str("SOHOA_SIGNING_KEY_PASSWORD"),
        )

    @property
    def process_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'sohoa.db').resolve()}"
