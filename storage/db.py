"""Database connection and schema: SQLite (embedded default, WAL) or PostgreSQL.

``init_db(url)`` applies the Alembic migrations (``upgrade head``) programmatically, so nobody
runs alembic by hand, and returns a :class:`Database`. Connections have timeouts; transient
failures (server unreachable, SQLite locked) are retried a bounded number of times and then raised
as :class:`pipeline.model.TransientError`.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.model import TransientError
from storage.models import Event
from storage.retry import RetryPolicy, retry_call

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK = 0x50_48_4F_41  # "sohoa" migrations lock (PostgreSQL)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, connect_timeout: float = 5.0, statement_timeout_ms: int = 30000):
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_pre_ping=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if u.get_backend_name() == "postgresql":
        if u.drivername in ("postgresql", "postgres"):
            u = u.set(drivername="postgresql+psycopg")  # psycopg 3 is what we install
        # Keep libpq options given in the URL (e.g. ``?options=-csearch_path%3Dx``).
        options = f"-c statement_timeout={statement_timeout_ms}"
        if u.query.get("options"):
            options = f"{u.query['options']} {options}"
            u = u.difference_update_query(["options"])
        return create_engine(
            u,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            pool_timeout=30,
            connect_args={
                "connect_timeout": int(connect_timeout),
                "options": options,
            },
        )
    raise ValueError(f"unsupported database URL (SQLite or PostgreSQL only): {u!r}")


def _alembic_config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """SQLite DDL is not transactional here: serialise migrators with a lock file."""
    db = engine.url.database
    if engine.dialect.name != "sqlite" or not db or db == ":memory:":
        yield
        return
    with open(db + ".migrate.lock", "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _upgrade(engine: Engine) -> None:
    head = _head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with _sqlite_file_lock(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several processes may start at once: one migrates, the others wait.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
        if MigrationContext.configure(conn).get_current_revision() != head:
            command.upgrade(_alembic_config(conn), "head")


def _transient_db(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def db_retry(fn: Callable[[], T], what: str, policy: RetryPolicy | None = None) -> T:
    """Run ``fn`` (a whole transaction) with bounded retries on connection-level failures."""
    return retry_call(
        fn,
        what=what,
        retry_on=(OperationalError, DBAPIError),
        is_transient=_transient_db,
        policy=policy or RetryPolicy(attempts=3, base_delay=0.5),
    )


class Database:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.Session = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.Session() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def run(self, fn: Callable[[Session], T], what: str = "database") -> T:
        """``fn(session)`` in one transaction, retried (from scratch) when the server hiccups."""

        def attempt() -> T:
            with self.session() as s:
                return fn(s)

        return db_retry(attempt, what=f"{what} ({self.engine.url.render_as_string()})")

    def insert_ignore(self, session: Session, table, values: dict[str, Any], keys: list[str]):
        """INSERT … ON CONFLICT DO NOTHING (both dialects); returns the number of new rows."""
        ins = pg_insert if self.dialect == "postgresql" else sqlite_insert
        stmt = (
            ins(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=keys)
            .returning(table.c[keys[0]])
        )
        # rowcount is not reliable with implicit RETURNING on PostgreSQL: count returned rows.
        return len(session.execute(stmt).all())

    def add_event(
        self,
        session: Session,
        *,
        kind: str,
        idem_key: str,
        document_id: str | None = None,
        dossier_id: int | None = None,
        actor: str = "sohoa",
        branch: str | None = None,
        details: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Record a timeline event once: a replay with the same ``idem_key`` adds nothing."""
        n = self.insert_ignore(
            session,
            Event.__table__,
            {
                "idem_key": idem_key[:255],
                "kind": kind,
                "document_id": document_id,
                "dossier_id": dossier_id,
                "at": at or utcnow(),
                "actor": actor,
                "branch": branch,
                "details": details or {},
            },
            ["idem_key"],
        )
        return bool(n)

    def dispose(self) -> None:
        self.engine.dispose()


def init_db(url: str, *, attempts: int = 5) -> Database:
    """Connect to ``url``, bring the schema to the newest revision, return the database."""
    engine = make_engine(url)
    last: Exception | None = None
    for i in range(attempts):
        try:
            _upgrade(engine)
            return Database(engine)
        except OperationalError as exc:  # server not up yet, or a concurrent migrator
            last = exc
            time.sleep(0.5 * (i + 1))
        except DBAPIError as exc:  # e.g. "table already exists" from a concurrent SQLite init
            last = exc
            time.sleep(0.2 * (i + 1))
    engine.dispose()
    raise TransientError(f"database {make_url(url)!r} not usable: {last}") from last
