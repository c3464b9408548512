"""Attacks that need a hand on the server's inside (TLS, a failing database) and the identity
parts (token formats, the provider chain, revocation, the embedded admin token), in process."""

from __future__ import annotations

import os
import stat
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from api.app import create_app
from api.auth import (
    Identity,
    Principal,
    StaticTokens,
    admin_token_file,
    embedded_admin_token,
    parse_tokens,
)
from api.limits import RateLimiter
from api.security import scrub
from api.settings import ApiSettings
from pipeline.config import Settings
from pipeline.model import TransientError
from storage.db import init_db
from storage.identity import access_log, check_person, create_token, list_tokens, revoke_token
from tests.storage_fixtures import db_url  # noqa: F401 - the fixture (SQLite, PostgreSQL)

TOK = {"scanner": "s" * 24, "old_scanner": "o" * 24, "archivist": "a" * 24, "admin": "d" * 24}
SPEC = (f"Nguyễn Văn Quét={TOK['scanner']}:scanner@CN07,{TOK['old_scanner']}:scanner,"
        f"Lê Lưu={TOK['archivist']}:archivist:2099-01-01T00:00:00Z,{TOK['admin']}:admin")


def H(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOK[key]}"}


@pytest.fixture
def app(tmp_path):
    return create_app(Settings(home=tmp_path / "home"), ApiSettings(tokens=SPEC),
                      start_processing=False)


def test_hsts_only_over_tls(app):
    with TestClient(app, base_url="https://sohoa.example") as c:
        for path in ("/healthz", "/ui/login", "/search?q=x", "/nope"):
            r = c.get(path, headers=H("archivist"))
            assert r.headers["strict-transport-security"].startswith("max-age="), path
    with TestClient(app) as c:
        assert "strict-transport-security" not in c.get("/healthz").headers


def test_database_errors_never_reach_the_client(app, monkeypatch, caplog):
    from storage.archive import Archive

    statement = "SELECT * FROM search_docs WHERE body_text MATCH ?"

    def locked(self, *a, **k):
        raise OperationalError(statement, ("Nguyễn Văn An",), Exception("database is locked"))

    monkeypatch.setattr(Archive, "search", locked)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/search?q=An", headers=H("archivist"))
    assert r.status_code == 503 and r.headers["retry-after"]
    body = r.text
    assert "SELECT" not in body and "Nguyễn" not in body and "locked" not in body
    eid = r.json()["error_id"]
    assert eid in r.json()["detail"]
    assert any(eid in rec.getMessage() and "SELECT" in rec.getMessage()
               for rec in caplog.records)  # the detail stays in the server's log


def test_transient_and_unexpected_errors_are_generic(app, monkeypatch):
    from storage.archive import Archive

    def transient(self, *a, **k):
        raise TransientError("show failed after 3 attempts: (sqlite3.OperationalError) "
                             "[SQL: SELECT documents.id FROM documents] /srv/sohoa/db.sqlite")

    def boom(self, *a, **k):
        raise RuntimeError("/srv/sohoa/intake/files/abc.pdf: http://minio:9000/x?secret")

    with TestClient(app, raise_server_exceptions=False) as c:
        monkeypatch.setattr(Archive, "show", transient)
        r = c.get("/documents/abc", headers=H("archivist"))
        assert r.status_code == 503 and "/srv" not in r.text and "SQL" not in r.text
        monkeypatch.setattr(Archive, "show", boom)
        r = c.get("/documents/abc", headers=H("archivist"))
        assert r.status_code == 500 and r.json()["error_id"] in r.json()["detail"]
        assert "/srv" not in r.text and "minio" not in r.text
        assert r.headers["x-content-type-options"] == "nosniff"


def test_scrub():
    assert scrub("cannot open /srv/sohoa/intake/files/ab.pdf: no such file") == \
        "cannot open [path]: no such file"
    assert "[url]" in scrub("GET http://minio:9000/bucket/key?X-Amz-Signature=1 failed")
    assert scrub("(sqlite3.IntegrityError) [SQL: INSERT INTO x VALUES (?)]") == \
        "a database error"
    assert scrub("no document 'abc' in the archive") == "no document 'abc' in the archive"


def test_token_formats_with_people_and_branches():
    t = parse_tokens(SPEC)
    by_name = {p.name: p for p in t.values()}
    assert by_name["Nguyễn Văn Quét"].branch == "CN07"
    assert by_name["Nguyễn Văn Quét"].role == "scanner"
    assert by_name["Lê Lưu"].expires == datetime(2099, 1, 1, tzinfo=UTC)
    old = next(p for p in t.values() if p.role == "scanner" and p.branch is None)
    assert old.who.startswith("scanner#") and old.token_id.startswith("env-")
    for bad in (f"X={TOK['scanner']}:scanner",  # a named scanner needs its branch
                f"X={TOK['admin']}:admin@CN01",  # only scanners have a branch
                f"A:B={TOK['admin']}:admin", f"={TOK['admin']}:root"):
        with pytest.raises(ValueError):
            parse_tokens(bad)


def test_a_scanner_without_a_branch_cannot_upload(app, monkeypatch):
    from api.intake import Intake

    monkeypatch.setattr(Intake, "alive", property(lambda self: True))
    with TestClient(app) as c:
        r = c.post("/batches", headers=H("old_scanner"),
                   files=[("files", ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50))])
        assert r.status_code == 403 and "--branch" in r.json()["detail"]


def test_identity_is_a_chain_of_providers(app):
    """An OIDC or LDAP provider plugs in as one more ``token -> Principal`` provider."""

    class Directory:  # stands for a provider asking an identity server
        def principal(self, token: str):
            if token == "ldap-token-of-mai-0123456789":
                return Principal("Đinh Thị Mai", "qa", None, "ldap:mai")
            return None

    app.state.identity = Identity([StaticTokens(parse_tokens(SPEC)), Directory()])
    with TestClient(app) as c:
        h = {"Authorization": "Bearer ldap-token-of-mai-0123456789"}
        assert c.get("/review", headers=h).status_code == 200
        assert c.get("/search", headers=h).status_code == 403
        entries = c.get("/access-log", headers=H("admin"),
                        params={"person": "Đinh Thị Mai"}).json()["entries"]
    assert {(e["action"], e["status"], e["token_id"]) for e in entries} == {
        ("review_queue", 200, "ldap:mai"), ("search", 403, "ldap:mai")}


def test_database_tokens_revoked_and_expired(app, tmp_path):
    from api.security import get_archive_db

    db = get_archive_db(app)
    app.state.identity.providers[1].ttl = 0  # no cache in this test
    token, info = create_token(db, "Trần Duyệt", "qa", created_by="test")
    old, _ = create_token(db, "Cũ Hết Hạn", "qa", created_by="test",
                          expires=datetime.now(UTC) - timedelta(days=1))
    with TestClient(app) as c:
        h = {"Authorization": f"Bearer {token}"}
        assert c.get("/review", headers=h).status_code == 200
        revoke_token(db, info.id, actor="test")
        r = c.get("/review", headers=h)
        assert r.status_code == 401 and "revoked" in r.json()["detail"]
        r = c.get("/review", headers={"Authorization": f"Bearer {old}"})
        assert r.status_code == 401 and "expired" in r.json()["detail"]
    stored = init_db(Settings(home=tmp_path / "home").effective_database_url)
    rows = stored.run(lambda s: s.execute(
        __import__("sqlalchemy").text("SELECT digest, name FROM api_tokens")).all())
    assert token not in str(rows) and len(rows[0][0]) == 64  # digests only
    assert [t.name for t in list_tokens(db)] == ["Trần Duyệt", "Cũ Hết Hạn"]
    assert access_log(db, actor="Trần Duyệt")[0]["action"] == "review_queue"


def test_people_are_checked():
    assert check_person("  Nguyễn   Văn An ", "qa", None) == ("Nguyễn Văn An", None)
    for args in (("", "qa", None), ("x" * 121, "qa", None), ("A", "root", None),
                 ("A", "scanner", None), ("A", "qa", "CN01"), ("A", "scanner", "../x")):
        with pytest.raises(ValueError):
            check_person(*args)


def test_embedded_admin_token_is_written_once_and_replaced_when_old(tmp_path):
    home = tmp_path / "home"
    first = embedded_admin_token(home)
    path = admin_token_file(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert embedded_admin_token(home) == first
    old = time.time() - 31 * 86400
    os.utime(path, (old, old))
    second = embedded_admin_token(home)
    assert second != first and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rate_limiter():
    rl = RateLimiter({"search": (60, 3)})
    assert [rl.take("t1", "search") for _ in range(3)] == [0, 0, 0]
    assert rl.take("t1", "search") >= 1
    assert rl.take("t2", "search") == 0  # per token
    assert RateLimiter({"search": (0, 0)}).take("t", "search") == 0  # off


def test_compose_secrets_come_from_the_env_file_without_defaults():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    compose = (root / "docker-compose.yml").read_text()
    secrets = [line.strip() for line in compose.splitlines()
               if re_secret(line) and not line.strip().startswith("#")]
    assert len(secrets) >= 5
    for line in secrets:
        value = line.split(":", 1)[1].strip()
        assert "${" in value and ":?" in value, line  # required, no default
    assert "change-me" not in compose and '"9001:9001"' not in compose
    example = (root / "compose.env.example").read_text()
    for name in ("POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD", "SOHOA_API_TOKENS"):
        assert f"\n{name}=\n" in example  # listed, empty


def re_secret(line: str) -> bool:
    import re

    return bool(re.match(r"\s*(\w*(PASSWORD|SECRET_KEY|API_TOKENS|DATABASE_URL))\s*:", line))


def test_identity_and_access_log_on_both_databases(db_url):  # noqa: F811
    db = init_db(db_url)
    try:
        token, info = create_token(db, "Nguyễn Thị Hoa", "scanner", branch="CN07",
                                   created_by="test")
        from storage.identity import digest, lookup, record_access

        found = lookup(db, digest(token))
        assert found == info and found.branch == "CN07" and found.usable()
        assert lookup(db, digest(token + "x")) is None
        for i in range(3):
            record_access(db, actor=info.name, token_id=info.id, role="scanner",
                          branch="CN07", action="upload", status=202,
                          document_id=f"d{i}", target="/batches/b1")
        rows = access_log(db, actor="Nguyễn Thị Hoa", limit=2)
        assert [r["document_id"] for r in rows] == ["d2", "d1"]
        assert [r["document_id"] for r in access_log(db, actor="Nguyễn Thị Hoa",
                                                      before_id=rows[-1]["id"])] == ["d0"]
        assert access_log(db, document_id="d1")[0]["actor"] == "Nguyễn Thị Hoa"
        assert revoke_token(db, info.id, actor="admin").revoked_at is not None
        assert not lookup(db, digest(token)).usable()
        assert revoke_token(db, "t-000000000000", actor="admin") is None
    finally:
        db.dispose()


def test_error_objects_in_answers_are_scrubbed():
    from api.security import scrub_errors

    status = {"batch_id": "b1", "documents": [
        {"file": "a.pdf", "error": {"code": "render_failed", "message":
                                    "cannot render page 1: I/O Error: Couldn't open file "
                                    "'/srv/sohoa/intake/files/0a1b.pdf'"}}]}
    out = scrub_errors(status)
    assert out["documents"][0]["error"]["message"].endswith("'[path]'")
    assert out["documents"][0]["file"] == "a.pdf" and out["batch_id"] == "b1"


def test_identity_store_down_is_503_not_a_crash(app, monkeypatch):
    import storage.identity

    def down(*a, **k):
        raise TransientError("token lookup failed after 3 attempts: could not connect to "
                             "server at 10.0.0.5:5432")

    monkeypatch.setattr(storage.identity, "lookup", down)
    with TestClient(app) as c:
        r = c.get("/search?q=x", headers={"Authorization": "Bearer sohoa_db-token-xxxxxxxxxx"})
        assert r.status_code == 503 and r.headers["retry-after"] == "30"
        assert "10.0.0.5" not in r.text and r.headers["x-content-type-options"] == "nosniff"
        # configured tokens are checked first and still work
        assert c.get("/search?q=x", headers=H("archivist")).status_code == 200
