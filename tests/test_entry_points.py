"""One flow whichever way a document comes in: the same three documents through ``sohoa
process`` (CLI), the HTTP API (embedded drainer), the dramatiq workers on Redis (SQLite, local
store) and on RabbitMQ (PostgreSQL, S3) end with the same archive records, fields and events
(actor, time, batch and storage keys aside)."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from pipeline.config import Settings
from storage.archive import Archive
from tests.conftest import SAMPLES
from tests.storage_fixtures import pg_schema_url, require_service
from tests.test_workers import (
    make_page,
    redis_db_url,
    use_env,  # noqa: F401 - fixture
    wait_batch,
    worker_env,
    worker_group,
)

DOSSIER = "000.00.17.H26-261203-0042"
VOLATILE = re.compile(r"(key|sha256|batch_id|version_id|seconds|_at|signer)$")


def _documents(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("0010_citizen_id_card.png", "0005_dossier_receipt.png"):
        shutil.copyfile(SAMPLES / name, folder / name)
    return sorted([*folder.iterdir(), make_page(folder / "note.png", 7)])


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not VOLATILE.search(k)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _record(settings: Settings, doc_ids: list[str]) -> dict:
    """What must be the same: each document's record, fields and timeline."""
    with Archive(settings) as archive:
        out = {}
        for doc_id in sorted(doc_ids):
            info = archive.show(doc_id)
            out[doc_id] = {
                "document": {k: info[k] for k in ("document_type", "status", "ok", "branch",
                                                  "dossier_code", "file", "page_count")},
                "fields": [_clean({k: v for k, v in f.items() if k != "field_id"})
                           for f in info["fields"]],
                "events": [(e["kind"], _clean(e["details"])) for e in info["timeline"]],
            }
            assert archive.verify(doc_id).ok
        return out


def _via_cli(tmp_path, use_env, files):  # noqa: F811
    from pipeline.cli import main

    use_env(worker_env(tmp_path / "cli", broker_url=None))
    out = tmp_path / "cli" / "out"
    assert main(["process", *map(str, files), "--out", str(out), "--branch", "hn01",
                 "--dossier", DOSSIER, "--no-progress", "-j", "1", "--actor", "cli"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    return Settings.from_env(), [r["document_id"] for r in summary["results"]]


def _via_api(tmp_path, use_env, files):  # noqa: F811
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings

    use_env(worker_env(tmp_path / "api", broker_url=None))
    token = "scanner-token-" + "e" * 20
    settings = Settings.from_env()
    app = create_app(settings, ApiSettings(tokens=f"Mai={token}:scanner@hn01"))
    with TestClient(app) as c:
        r = c.post("/batches", headers={"Authorization": f"Bearer {token}"},
                   data={"branch": "hn01", "dossier_code": DOSSIER},
                   files=[("files", (f.name, f.read_bytes(), "image/png")) for f in files])
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            status = c.get(r.headers["Location"],
                           headers={"Authorization": f"Bearer {token}"}).json()
            if status["finished"]:
                break
            time.sleep(0.5)
    assert status["finished"], status
    return settings, [d["document_id"] for d in status["documents"]]


def _via_workers(tmp_path, use_env, files, env):  # noqa: F811
    from workers.submit import submit_batch

    env = use_env(env)
    settings = Settings.from_env()
    with worker_group(env, tmp_path / f"{Path(env['SOHOA_HOME']).parent.name}.log",
                      processes=1):
        receipt = submit_batch(files, "hn01", DOSSIER, settings, actor="workers")
        status = wait_batch(receipt.batch_id, timeout=400, settings=settings)
    assert status["complete"], status
    return settings, [d["id"] for d in status["documents"]]


@pytest.mark.redis
@pytest.mark.s3
@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_documents_end_the_same_through_every_entry_point(tmp_path, use_env):  # noqa: F811
    files = _documents(tmp_path)
    redis = redis_db_url()
    amqp = require_service("SOHOA_TEST_AMQP_URL")
    s3 = require_service("SOHOA_TEST_S3_ENDPOINT")
    records = {}
    settings, ids = _via_cli(tmp_path, use_env, files)
    records["cli"] = _record(settings, ids)
    settings, ids = _via_api(tmp_path, use_env, files)
    records["api"] = _record(settings, ids)
    settings, ids = _via_workers(tmp_path, use_env, files,
                                 worker_env(tmp_path / "redis", broker_url=redis))
    records["redis"] = _record(settings, ids)
    with pg_schema_url() as db_url:
        settings, ids = _via_workers(tmp_path, use_env, files,
                                     worker_env(tmp_path / "rabbitmq", broker_url=amqp,
                                                database_url=db_url, s3_endpoint=s3))
        records["rabbitmq"] = _record(settings, ids)
    assert len(records["cli"]) == 3
    assert any(r["fields"] for r in records["cli"].values())
    for path in ("api", "redis", "rabbitmq"):
        assert records[path].keys() == records["cli"].keys(), path
        for doc_id, want in records["cli"].items():
            for part in ("document", "fields", "events"):
                assert records[path][doc_id][part] == want[part], (path, doc_id, part)
