"""Per-document locks around the archive's write path: a redelivered message, a duplicate
upload and a reprocess of the same document never write it at the same time.

PostgreSQL: an advisory lock (works across machines). SQLite: a lock file under
``SOHOA_HOME/locks`` (SQLite is one machine anyway).
"""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from pipeline.model import TransientError
from storage.db import Database


@contextmanager
def document_lock(db: Database, home: Path, document_id: str,
                  timeout: float = 300.0) -> Iterator[None]:
    key = "sohoa-archive:" + document_id
    deadline = time.monotonic() + timeout
    if db.dialect == "postgresql":
        conn = db.engine.connect()
        try:
            while not conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:k))"),
                                   {"k": key}).scalar():
                if time.monotonic() > deadline:
                    raise TransientError(f"document {document_id} is locked by another run")
                time.sleep(0.1)
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": key})
                conn.commit()
        finally:
            conn.close()
        return
    locks = Path(home) / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock"
    with open(locks / name, "a+") as f:
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TransientError(
                        f"document {document_id} is locked by another run") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
