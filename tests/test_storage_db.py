# ruff: noqa: F811
"""Database: migrations applied by init_db, WAL on SQLite, idempotent events, timeouts."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import inspect, text

from pipeline.model import TransientError
from storage.db import _head, init_db, utcnow
from storage.models import Document, Event
from tests.storage_fixtures import db_url  # noqa: F401

TABLES = {
    "batches",
    "dossiers",
    "originals",
    "receipts",
    "documents",
    "pages",
    "fields",
    "events",
    "search_docs",
}


def test_init_db_creates_schema_and_is_repeatable(db_url):
    db = init_db(db_url)
    assert TABLES <= set(inspect(db.engine).get_table_names())
    with db.engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
    db.dispose()
    db2 = init_db(db_url)  # second run: nothing to do, no error
    with db2.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    db2.dispose()


def test_sqlite_uses_wal(tmp_path):
    db = init_db(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_concurrent_init_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    errors = []

    def run():
        try:
            init_db(url).dispose()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_event_replay_adds_no_row(db_url):
    db = init_db(db_url)

    def add(s):
        return db.add_event(
            s, kind="ocr_done", idem_key="d1:ocr_done:abc", document_id="d1", details={"pages": 2}
        )

    assert db.run(add) is True
    assert db.run(add) is False
    with db.session() as s:
        assert s.query(Event).count() == 1
        ev = s.query(Event).one()
        assert ev.details == {"pages": 2} and ev.at.tzinfo is not None
    db.dispose()


def test_models_round_trip(db_url):
    db = init_db(db_url)
    now = utcnow()
    with db.session() as s:
        s.add(
            Document(
                id="d1",
                created_at=now,
                ok=True,
                status="archived",
                page_count=1,
                error={"code": "x"},
            )
        )
    with db.session() as s:
        d = s.get(Document, "d1")
        assert d.error == {"code": "x"}
        assert abs((d.created_at - now).total_seconds()) < 1
    db.dispose()


def test_unreachable_postgres_raises_transient():
    t = time.monotonic()
    with pytest.raises(TransientError):
        init_db("postgresql+psycopg://sohoa:sohoa@127.0.0.1:9/nothing", attempts=2)
    assert time.monotonic() - t < 30
