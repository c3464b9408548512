"""Configuration: every ``SOHOA_*`` variable declared once in ``TABLE`` (type, default,
meaning), read from the environment here and nowhere else (``value(name)``, ``Settings``),
printed by ``sohoa config``, passed to child processes by ``child_env``.

Every variable is optional: with none set, sohoa runs embedded (local folder, SQLite, no broker)
under ``SOHOA_HOME`` (default ``./.sohoa``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One ``SOHOA_*`` variable: its type, default and meaning. ``attr`` names the field of
    ``Settings`` it fills (dotted: ``limits.max_bytes``), so that a child process gets the
    parent's settings (``child_env``); settings without one are read where they are used,
    through ``value(name)``."""

    name: str
    type: type
    default: Any
    meaning: str
    attr: str | None = None


def _models_default() -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return str(Path(cache) / "sohoa" / "models")


# The one table of settings. To add one: one line here, then read it with ``value(NAME)`` (or
# give it an ``attr`` of ``Settings``).
TABLE: tuple[Setting, ...] = (
    # where things are
    Setting("SOHOA_HOME", Path, ".sohoa", "local state: objects, SQLite database, keys, "
            "logs", "home"),
    Setting("SOHOA_MODELS", Path, None, "the trained document-type model (sohoa train; "
            "default ~/.cache/sohoa/models)", "models_dir"),
    Setting("SOHOA_DATABASE_URL", str, None, "SQLAlchemy URL, e.g. postgresql+psycopg://u:p@h/db"
            " (default: SQLite in SOHOA_HOME)", "database_url"),
    # pipeline
    Setting("SOHOA_WORKERS", int, 0, "processes of the embedded runner (0: one per core)",
            "workers"),
    # vie: about half the Tesseract time of vie+eng and more words right on real Vietnamese
    # pages (benchmarks/ocr_bench.py); a page with no Vietnamese letter is read in English
    # (pipeline/ocr.py decides per page).
    Setting("SOHOA_OCR_LANGUAGES", str, "vie", "Tesseract languages (English is added per "
            "page where a page needs it)", "ocr.languages"),
    Setting("SOHOA_PREPROCESS_OFF", str, "", "preprocessing steps switched off, comma-separated"
            " (upscale, normalize, despeckle, deskew): for benchmarks/preprocess_variants.py"),
    Setting("SOHOA_TESSDATA", str, None, "Tesseract's tessdata folder (default: Debian's)",
            "ocr.tessdata"),
    Setting("SOHOA_PAGE_TIMEOUT", float, 120.0, "seconds of Tesseract per page before the page "
            "fails", "ocr.page_timeout"),
    Setting("SOHOA_TARGET_DPI", int, 300, "OCR resolution coarse scans are upscaled towards",
            "ocr.target_dpi"),
    Setting("SOHOA_RENDER_DPI", int, 300, "resolution PDF pages are rendered at",
            "ocr.render_dpi"),
    Setting("SOHOA_REVIEW_THRESHOLD", float, 0.90, "field confidence below which QA reviews "
            "the field", "review_threshold"),
    Setting("SOHOA_MAX_ATTEMPTS", int, 3, "runs of a document that may crash (process killed) "
            "before it is failed", "max_attempts"),
    # limits
    Setting("SOHOA_MAX_BYTES", int, 200 * 1024 * 1024, "largest input file, bytes",
            "limits.max_bytes"),
    Setting("SOHOA_MAX_PAGES", int, 500, "most pages of one input file", "limits.max_pages"),
    Setting("SOHOA_MAX_PAGE_PIXELS", int, 50_000_000, "largest decoded page, pixels",
            "limits.max_page_pixels"),
    Setting("SOHOA_MIN_PAGE_SIDE", int, 32, "smallest page side, pixels",
            "limits.min_page_side"),
    # object store and signing
    Setting("SOHOA_S3_ENDPOINT", str, None, "S3 host:port (MinIO or any S3); unset: a local "
            "folder", "s3_endpoint"),
    Setting("SOHOA_S3_ACCESS_KEY", str, None, "S3 access key", "s3_access_key"),
    Setting("SOHOA_S3_SECRET_KEY", str, None, "S3 secret key", "s3_secret_key"),
    Setting("SOHOA_S3_BUCKET", str, "sohoa", "archive bucket", "s3_bucket"),
    Setting("SOHOA_S3_WORK_BUCKET", str, None, "bucket for temporaries, no retention lock "
            "(default <bucket>-work)", "s3_work_bucket"),
    Setting("SOHOA_S3_SECURE", bool, False, "HTTPS to S3", "s3_secure"),
    Setting("SOHOA_S3_REGION", str, None, "S3 region", "s3_region"),
    Setting("SOHOA_S3_RETENTION_MODE", str, "GOVERNANCE", "object-lock mode (GOVERNANCE or "
            "COMPLIANCE)"),
    Setting("SOHOA_RETENTION_YEARS", int, 10, "object-lock retention of archived objects "
            "(0: none)", "retention_years"),
    Setting("SOHOA_SIGNING_KEY", str, None, "the Center's PKCS#12 signing key (default: a "
            "development key)", "signing_key"),
    Setting("SOHOA_SIGNING_KEY_PASSWORD", str, None, "its password", "signing_key_password"),
    # distributed workers
    Setting("SOHOA_BROKER_URL", str, None, "redis://... or amqp://...; unset: embedded",
            "broker_url"),
    Setting("SOHOA_BROKER_NAMESPACE", str, "dramatiq", "Redis key namespace of the broker"),
    Setting("SOHOA_BROKER_HEARTBEAT_MS", int, 60000, "Redis: a silent worker's messages are "
            "requeued after this"),
    Setting("SOHOA_BROKER_MAINTENANCE", int, 20000, "Redis: maintenance per million commands"),
    Setting("SOHOA_WORKER_MAX_RETRIES", int, 8, "retries of a failed stage message"),
    Setting("SOHOA_WORKER_MIN_BACKOFF", int, 2000, "first retry delay, ms"),
    Setting("SOHOA_WORKER_MAX_BACKOFF", int, 120000, "longest retry delay, ms"),
    Setting("SOHOA_WORKER_SHUTDOWN_MS", int, 60000, "grace for running messages at stop, ms"),
    Setting("SOHOA_WORKER_STALL_SECONDS", float, 900.0, "documents without progress this long "
            "are sent again"),
    Setting("SOHOA_INGEST_TIME_LIMIT", float, 300.0, "time limit of an ingest message, s"),
    Setting("SOHOA_PAGE_TIME_LIMIT", float, None, "time limit of a page message, s (default "
            "2 x page timeout + 60)"),
    Setting("SOHOA_FINISH_TIME_LIMIT", float, 900.0, "time limit of a finish message, s"),
    Setting("SOHOA_METRICS_PORT", int, 9191, "Prometheus port of sohoa worker (0: off)"),
    Setting("SOHOA_METRICS_HOST", str, "0.0.0.0", "Prometheus listen address"),
    Setting("SOHOA_METRICS_DIR", Path, None, "Prometheus multiprocess folder (default: a "
            "temporary one)"),
    Setting("SOHOA_LOG_LEVEL", str, "INFO", "log level of workers and drainer"),
    # HTTP API
    Setting("SOHOA_API_TOKENS", str, None, "token:role[:expiry],... (unset: a generated admin "
            "token in SOHOA_HOME)"),
    Setting("SOHOA_API_MAX_FILE_BYTES", int, 50 * 1024 * 1024, "largest uploaded file, bytes"),
    Setting("SOHOA_API_MAX_REQUEST_BYTES", int, 256 * 1024 * 1024, "largest request body, "
            "bytes"),
    Setting("SOHOA_API_MAX_FILES", int, 100, "most files in one batch upload"),
    Setting("SOHOA_API_QUEUE_MAX", int, 200, "unfinished documents before uploads get 429"),
    Setting("SOHOA_API_SYNC_PAGES", int, 3, "POST /extract answers synchronously up to this "
            "many pages"),
    Setting("SOHOA_API_SYNC_SECONDS", float, 60.0, "... when done within this time"),
    Setting("SOHOA_EVAL_CACHE", Path, None, "OCR readings of the generated calibration sets, "
            "keyed by code and tessdata (default ~/.cache/sohoa/ocr-sets)"),
    Setting("SOHOA_VI_DICTIONARY", Path, Path("/usr/share/hunspell/vi_VN.dic"),
            "Vietnamese syllable inventory (Debian hunspell-vi) that validates names and text "
            "as read"),
    Setting("SOHOA_ADMIN_TOKEN_DAYS", float, 30.0, "days before the embedded admin token file "
            "is replaced"),
    Setting("SOHOA_API_RATE_UPLOADS", int, 120, "uploads (POST /batches, /extract) per minute "
            "and token (0: off)"),
    Setting("SOHOA_API_RATE_SEARCHES", int, 600, "searches per minute and token (0: off)"),
)
BY_NAME = {s.name: s for s in TABLE}


def default(name: str) -> Any:
    """A setting's default, from the table (the dataclasses below take theirs from here)."""
    return BY_NAME[name].default


def _parse(setting: Setting, raw: str) -> Any:
    if setting.type is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return setting.type(raw)


def value(name: str) -> Any:
    """The variable's value from the environment, typed, or its default: the one place that
    reads ``SOHOA_*`` variables."""
    setting = BY_NAME[name]
    raw = os.environ.get(name)
    if raw in (None, ""):
        if name == "SOHOA_MODELS":
            return Path(_models_default())
        return setting.default if setting.default is None or setting.type is not Path \
            else Path(setting.default)
    return _parse(setting, raw)


def _attr(settings: Settings, path: str) -> Any:
    obj: Any = settings
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def child_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process that runs with ``settings``: every setting with a
    ``Settings`` field from it, the others as they are here; ``OMP_THREAD_LIMIT=1``."""
    env = dict(os.environ if base is None else base)
    for s in TABLE:
        if s.attr is None:
            continue
        v = _attr(settings, s.attr)
        if v is None:
            env.pop(s.name, None)
        else:
            env[s.name] = ("1" if v else "0") if s.type is bool else str(v)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def reference() -> str:
    """The configuration reference (``sohoa config``): every variable, its type, default,
    current value (secrets masked) and meaning."""
    lines = [f"{'variable':<30} {'type':<6} {'default':<22} {'now':<22} meaning"]
    for s in TABLE:
        now = os.environ.get(s.name, "")
        if now and any(w in s.name for w in ("SECRET", "PASSWORD", "TOKENS", "DATABASE_URL")):
            now = "(set)"
        default = "" if s.default is None else str(s.default)
        lines.append(f"{s.name:<30} {s.type.__name__:<6} {default[:22]:<22} {now[:22]:<22} "
                     f"{s.meaning}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = default("SOHOA_MAX_BYTES")  # one uploaded file
    max_pages: int = default("SOHOA_MAX_PAGES")
    # A2 at 300 dpi; keeps one RGB page under 150 MB
    max_page_pixels: int = default("SOHOA_MAX_PAGE_PIXELS")
    min_page_side: int = default("SOHOA_MIN_PAGE_SIDE")  # a 1x1 image is not a page

    @classmethod
    def from_env(cls) -> Limits:
        return cls(max_bytes=value("SOHOA_MAX_BYTES"), max_pages=value("SOHOA_MAX_PAGES"),
                   max_page_pixels=value("SOHOA_MAX_PAGE_PIXELS"),
                   min_page_side=value("SOHOA_MIN_PAGE_SIDE"))


@dataclass(frozen=True)
class OcrSettings:
    languages: str = default("SOHOA_OCR_LANGUAGES")
    tessdata: str | None = None  # None: find Debian's tessdata
    page_timeout: float = default("SOHOA_PAGE_TIMEOUT")
    target_dpi: int = default("SOHOA_TARGET_DPI")
    render_dpi: int = default("SOHOA_RENDER_DPI")
    # Steps switched off, for measuring what each one gains (benchmarks/preprocess_variants.py).
    preprocess_off: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls) -> OcrSettings:
        off = frozenset(filter(None, (value("SOHOA_PREPROCESS_OFF") or "").split(",")))
        return cls(languages=value("SOHOA_OCR_LANGUAGES"), tessdata=value("SOHOA_TESSDATA"),
                   page_timeout=value("SOHOA_PAGE_TIMEOUT"),
                   target_dpi=value("SOHOA_TARGET_DPI"), render_dpi=value("SOHOA_RENDER_DPI"),
                   preprocess_off=off)


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=lambda: Path(".sohoa"))
    workers: int = 0  # 0: one process per core
    limits: Limits = field(default_factory=Limits)
    ocr: OcrSettings = field(default_factory=OcrSettings)
    review_threshold: float = default("SOHOA_REVIEW_THRESHOLD")
    # Trained models (the document-type categoriser), shared by every SOHOA_HOME on the
    # machine: set-up trains it once.
    models_dir: Path = field(default_factory=lambda: Path(_models_default()))
    # Distributed parts: absent means the embedded default.
    database_url: str | None = None
    broker_url: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = default("SOHOA_S3_BUCKET")
    s3_secure: bool = False
    s3_region: str | None = None
    s3_work_bucket: str | None = None  # temporaries (default <bucket>-work)
    retention_years: int = default("SOHOA_RETENTION_YEARS")
    signing_key: str | None = None  # PKCS#12 file
    signing_key_password: str | None = None
    max_attempts: int = default("SOHOA_MAX_ATTEMPTS")

    @classmethod
    def from_env(cls) -> Settings:
        fields = {s.attr: value(s.name) for s in TABLE if s.attr and "." not in s.attr}
        return cls(limits=Limits.from_env(), ocr=OcrSettings.from_env(), **fields)

    @property
    def process_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'sohoa.db').resolve()}"


def process_setup() -> None:
    """What every sohoa process sets before Tesseract or OpenCV load: one OpenMP thread
    (Tesseract ran 5x slower with OpenMP threads unset) and one OpenCV thread; parallelism
    comes from processes. Children inherit the environment."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
