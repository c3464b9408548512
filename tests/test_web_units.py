"""The pages' own pieces without a browser: review decisions and undo (reopen), the public
dossier stages, Vietnamese names, the download name, codes from a QR code, branch names, the
rate limit. A real archive (SQLite, local store) with real PDFs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api import i18n
from api.routes import pages, public
from storage import reads
from storage import review as reviews
from storage.archive import Archive
from storage.db import utcnow
from storage.models import FieldRow
from storage.review import NotReviewable, StaleVersion
from tests.storage_fixtures import (
    make_pdfa,
    make_result,
    pg_schema_url,
    s3_endpoint,
    settings_for,
    write_original,
)

CODE = "000.00.17.H26-261125-0042"


@pytest.fixture(params=["local+sqlite", "s3+postgresql"])
def archive(request, tmp_path):
    if request.param == "local+sqlite":
        yield from _archive(tmp_path, settings_for(tmp_path / "home"))
        return
    with pg_schema_url() as url:
        yield from _archive(tmp_path, settings_for(tmp_path / "home", database_url=url,
                                                   s3_endpoint=s3_endpoint()))


def _archive(tmp_path, settings):
    a = Archive(settings)
    result = make_result("doc-1", fields={"requester_name": "NGUYỄN VĂN AN",
                                          "mother_name": None, "signed_date": "2026-04-14"},
                         needs_review=("requester_name", "mother_name"), dossier_code=CODE)
    missing = result.fields["mother_name"]  # not found on the page: no place
    missing.page, missing.bbox, missing.reasons = None, None, ["label_not_found"]
    a.archive_document(result, make_pdfa("1"), write_original(tmp_path, b"%PDF-scan"),
                       branch="hn01", batch_id="b-1", actor="Hà (scanner#1)")
    yield a
    a.close()


def field_id(archive, name: str) -> int:
    from sqlalchemy import select

    return archive.db.run(lambda s: s.scalar(select(FieldRow.id).where(
        FieldRow.field_id == name)), "t")


def version(archive, name: str) -> int:
    return next(f["version"] for f in archive.show("doc-1")["fields"] if f["id"] == name)


def age_decision(archive, name: str, seconds: float) -> None:
    """Move the field's last decision ``seconds`` into the past (the undo minute is over)."""
    from sqlalchemy import update

    archive.db.run(lambda s: s.execute(update(FieldRow).where(FieldRow.field_id == name).values(
        reviewed_at=utcnow() - timedelta(seconds=seconds))), "t")


def test_decide_undo_and_decide_again(archive):
    """The pages' decide and undo are the archive's review events (versions, reopen)."""
    name = "requester_name"
    out = archive.decide("doc-1", name, "accept", actor="Lan (qa#1)",
                         version=version(archive, name))
    assert out["review_state"] == "accepted"
    with pytest.raises(StaleVersion):  # decided on what was shown before the accept
        archive.decide("doc-1", name, "correct", value="X", actor="Minh (qa#2)",
                       version=out["version"] - 1)
    with pytest.raises(NotReviewable, match="reopen"):  # only the one who decided may undo
        archive.decide("doc-1", name, "reopen", actor="Minh (qa#2)", version=out["version"])
    out = archive.decide("doc-1", name, "reopen", actor="Lan (qa#1)", version=out["version"])
    assert out["review_state"] == "pending"
    archive.decide("doc-1", name, "correct", value="NGUYỄN VĂN ANH", actor="Lan (qa#1)",
                   version=out["version"])
    assert [h.document_id for h in archive.search("nguyen van anh")] == ["doc-1"]
    age_decision(archive, name, reviews.REOPEN_SECONDS + 1)
    with pytest.raises(NotReviewable):  # after the minute: not the reviewer any more
        archive.decide("doc-1", name, "reopen", actor="Lan (qa#1)",
                       version=version(archive, name))
    archive.decide("doc-1", name, "reopen", actor="admin#9", admin=True,
                   version=version(archive, name))  # an admin may, at any time
    assert [h.document_id for h in archive.search("nguyen van anh")] == []
    history = reviews.field_history(archive.db, "doc-1")[name]
    assert [e["kind"] for e in history] == ["review_accepted", "review_reopened",
                                            "review_corrected", "review_reopened"]
    assert history[2]["details"]["old"] == "NGUYỄN VĂN AN"
    assert history[2]["details"]["new"] == "NGUYỄN VĂN ANH"
    assert history[3]["actor"] == "admin#9" and history[3]["details"]["old"] == "NGUYỄN VĂN ANH"
    assert reviews.reviewer_stats(archive.db, "Lan (qa#1)")["decided"] == 2


def test_a_drawn_box_places_a_field_that_was_not_found(archive):
    archive.decide("doc-1", "mother_name", "correct", value="TRẦN THỊ BÌNH", actor="qa#1",
                   version=version(archive, "mother_name"), box=(1, 300, 1600, 900, 1660))
    doc = archive.show("doc-1")
    f = next(x for x in doc["fields"] if x["id"] == "mother_name")
    assert f["review_box"] == [1, 300, 1600, 900, 1660] and f["bbox"] is None
    assert f["effective_value"] == "TRẦN THỊ BÌNH"
    ev = reviews.field_history(archive.db, "doc-1")["mother_name"][0]
    assert ev["details"]["box"] == [1, 300, 1600, 900, 1660] and ev["details"]["old"] is None


def test_public_stages_hold_nothing_personal(archive):
    status = reads.dossier_stages(archive.db, CODE)
    assert status["stage"] == "review" and status["documents"] == 1
    assert status["dates"]["received"] and status["dates"]["digitised"]
    assert "NGUY" not in repr(status).upper() and "doc-1" not in repr(status)
    for name in ("requester_name", "mother_name"):
        archive.decide("doc-1", name, "accept", actor="qa#1", version=version(archive, name))
    done = reads.dossier_stages(archive.db, CODE)
    assert done["stage"] == "done" and done["dates"]["done"]
    assert reads.dossier_stages(archive.db, "000.00.00.H00-000000-0000") is None


def test_vietnamese_names():
    titles = i18n.type_titles()  # from extractors/schemas.json
    assert titles["birth_registration"] == "Tờ khai đăng ký khai sinh"
    assert i18n.type_name("power_of_attorney") == "Giấy ủy quyền"
    assert i18n.type_name("power_of_attorney", "en") == "Power of attorney"
    assert i18n.field_name("mother_name") == "Họ tên mẹ"
    assert i18n.state_name("needs_review") == "cần kiểm tra"
    assert i18n.reason_name("label_not_found") == "không tìm thấy nhãn trên trang"
    assert i18n.event_name("ocr_done") == "đã nhận dạng chữ (OCR)"
    assert i18n.hanoi_time("2026-12-01T23:04:11.364603+00:00") == "02/12/2026 06:04"
    assert i18n.vn_date("2026-11-20") == "20/11/2026"
    from samples.contract import ALL_TYPES, FIELDS

    missing = {f for fs in FIELDS.values() for f in fs} - set(i18n.FIELDS_VI)
    assert not missing, missing  # every field of the contract has a Vietnamese name
    assert all(t in titles for t in ALL_TYPES if t != "other")


def test_download_name_and_disposition(archive):
    doc = archive.show("doc-1")
    name = pages.download_name(doc)
    assert name == f"Tờ khai đăng ký khai sinh - {CODE} - 14-04-2026.pdf"
    header = pages.content_disposition(name)
    assert header.startswith(f'attachment; filename="To khai dang ky khai sinh - {CODE}')
    assert "filename*=UTF-8''T%E1%BB%9D%20khai" in header


def test_codes_from_qr_codes_and_urls():
    assert public.code_from(CODE) == CODE
    assert public.code_from(f"https://dichvucong.hanoi.gov.vn/tra-cuu/{CODE}") == CODE
    assert public.code_from(f"https://x.vn/status?ma={CODE}&x=1") == CODE
    assert public.code_from(" ") is None and public.code_from("../../etc/passwd") is None


def test_branch_names():
    assert pages.branch_code("hn01") == "hn01"
    assert pages.branch_code("Ba Đình") == "ba-dinh"
    assert pages.branch_code("  Hoàn Kiếm 2 ") == "hoan-kiem-2"
    with pytest.raises(ValueError, match="chi nhánh"):
        pages.branch_code("!!!")


def test_rate_limit():
    limit = public.RateLimit(rate=1.0, burst=3)
    assert [limit.allow("a", now=0.0)[0] for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b", now=0.0)[0]  # per client
    assert limit.allow("a", now=1.5)[0]  # refilled
    slow = public.RateLimit(rate=0.5, burst=1)
    assert slow.allow("c", now=0.0) == (True, 0)
    assert slow.allow("c", now=0.0) == (False, 3)  # Retry-After in whole seconds


# Every endpoint the pages added, and the roles with business there (admin may do everything).
PAGE_ENDPOINTS = [
    ("POST", "/ui/api/review/999999", {"qa"}),
    ("POST", "/ui/api/review/999999/reopen", {"qa"}),
    ("GET", "/ui/api/documents/unknown/pages/1.png", {"archivist", "qa"}),
    ("POST", "/ui/api/documents/unknown/verify", {"archivist", "qa"}),
    ("GET", "/ui/documents/unknown/download", {"archivist"}),
    ("POST", "/ui/api/batches", {"scanner"}),
    ("GET", "/ui/api/batches", {"scanner"}),
    ("GET", "/ui/api/batches/b-unknown", {"scanner"}),
]
ROLE_TOKENS = {r: f"{r}-units-token-{'u' * 16}" for r in ("scanner", "intake", "archivist",
                                                              "qa", "admin")}
OTHER_SCANNER = f"scanner-hn02-token-{'v' * 16}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from pipeline.config import Settings

    home = tmp_path_factory.mktemp("units") / "home"
    app = create_app(Settings(home=home), ApiSettings(tokens=token_spec()),
                     start_processing=False)
    with TestClient(app) as c:
        yield c


def token_spec() -> str:
    """A scanner's branch comes with its token (hn01); the others are role-only tokens."""
    return ",".join([*(f"{t}:{r}@hn01" if r == "scanner" else f"{t}:{r}"
                       for r, t in ROLE_TOKENS.items()), f"{OTHER_SCANNER}:scanner@hn02"])


@pytest.mark.parametrize("method,path,allowed", PAGE_ENDPOINTS)
def test_page_endpoints_by_role(client, method, path, allowed):
    kwargs = {}
    if "review" in path:  # well-formed decisions, so only the role decides
        kwargs = {"json": {"version": 1} if path.endswith("/reopen")
                  else {"action": "accept", "version": 1}}
    if path == "/ui/api/batches" and method == "POST":
        kwargs = {"data": {"branch": "hn01"}, "files": [("files", ("a.txt", b"x", "text/plain"))]}
    assert client.request(method, path, **kwargs).status_code == 401
    for role, token in ROLE_TOKENS.items():
        r = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if role == "admin" or role in allowed:
            assert r.status_code not in (401, 403), (path, role, r.status_code)
        else:
            assert r.status_code == 403, (path, role, r.status_code)
    # the cookie alone never changes anything
    if method == "POST":
        client.cookies.set("sohoa_token", ROLE_TOKENS["admin"])
        assert client.request(method, path, **kwargs).status_code == 401
        client.cookies.clear()


def test_public_status_needs_no_token_and_hides_nothing_it_should_not(client):
    r = client.get("/tra-cuu/000.00.00.H00-000000-0000")
    assert r.status_code == 404 and "Không tìm thấy" in r.text
    assert client.get("/tra-cuu").status_code == 200
    assert client.get("/tra-cuu?ma=%2F%2F%2F").status_code == 422


def test_upload_refuses_bad_files_one_by_one(tmp_path, monkeypatch):
    """A stack with a good scan, a text file and the same scan twice: the scan is queued in
    the one batch store, the others are refused with their own reasons (nothing is processed
    here). An admin names the branch (typed as people write it); the branch's scanner lists
    the batch, another branch's scanner sees none of it."""
    import io

    from fastapi.testclient import TestClient
    from PIL import Image

    from api.app import create_app
    from api.intake import Intake
    from api.settings import ApiSettings
    from pipeline.config import Settings

    monkeypatch.setattr(Intake, "alive", property(lambda self: True))
    app = create_app(Settings(home=tmp_path / "home"), ApiSettings(tokens=token_spec()),
                     start_processing=False)
    buf = io.BytesIO()
    Image.new("L", (64, 48), 200).save(buf, "PNG")
    scan = buf.getvalue()

    def auth(token):
        return {"Authorization": f"Bearer {token}"}

    with TestClient(app) as c:
        r = c.post("/ui/api/batches", headers=auth(ROLE_TOKENS["admin"]),
                   data={"branch": "Hoàn Kiếm"},
                   files=[("files", ("a.png", scan, "image/png")),
                          ("files", ("note.txt", b"hello", "text/plain")),
                          ("files", ("a-again.png", scan, "image/png"))])
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["branch"] == "hoan-kiem" and [d["file"] for d in body["documents"]] == ["a.png"]
        assert [(x["file"], x["status"]) for x in body["refused"]] == [("note.txt", 415),
                                                                      ("a-again.png", 409)]
        assert body["page_url"] == f"/ui/batches/{body['batch_id']}"
        listed = c.get("/ui/api/batches?branch=Hoàn Kiếm", headers=auth(ROLE_TOKENS["admin"]))
        assert [b["batch_id"] for b in listed.json()["batches"]] == [body["batch_id"]]
        # a scanner uploads for its own branch only (from its token), and sees only that
        r = c.post("/ui/api/batches", headers=auth(ROLE_TOKENS["scanner"]),
                   files=[("files", ("a.png", scan, "image/png"))])
        assert r.status_code == 202, r.text
        mine = r.json()
        assert mine["branch"] == "hn01"
        progress = c.get(f"/ui/api/batches/{mine['batch_id']}",
                         headers=auth(ROLE_TOKENS["scanner"])).json()
        assert progress["documents"][0]["duplicate_of"] == body["batch_id"]  # the same scan
        listed = c.get("/ui/api/batches?branch=hoan-kiem", headers=auth(ROLE_TOKENS["scanner"]))
        assert [b["batch_id"] for b in listed.json()["batches"]] == [mine["batch_id"]]
        other = auth(OTHER_SCANNER)
        assert c.get("/ui/api/batches", headers=other).json()["batches"] == []
        assert c.get(f"/ui/api/batches/{mine['batch_id']}", headers=other).status_code == 404


def test_every_route_is_declared_at_the_gate(client):
    """Each route of the app (the pages' too) has its line in api.security.ROUTES: roles and
    body limit are decided before a byte of the body is read."""
    import re

    from fastapi.routing import APIRoute

    from api.security import UNLISTED, match

    missing = []
    for route in client.app.routes:
        if not isinstance(route, APIRoute):
            continue
        path = re.sub(r"\{\w+:path\}", "a/b", route.path)
        path = re.sub(r"\{\w+\}", "x1", path)
        for method in route.methods - {"HEAD"}:
            if match(method, path)[0] is UNLISTED:
                missing.append((method, route.path))
    assert not missing, missing


def test_pages_carry_the_gatekeepers_headers_once(client):
    r = client.get("/tra-cuu/000.00.00.H00-000000-0000")
    for name in ("content-security-policy", "referrer-policy", "x-content-type-options"):
        assert len(r.headers.get_list(name)) == 1, name
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert 'http-equiv="Content-Security-Policy"' not in r.text  # one source: the header


def test_a_page_upload_waits_when_processing_is_down(client):
    """Processing is not running in this app: the page's upload is told to come back (503 +
    Retry-After) before its files are read, as ``POST /batches`` is."""
    scanner = {"Authorization": f"Bearer {ROLE_TOKENS['scanner']}"}
    r = client.post("/ui/api/batches", headers=scanner,
                    files=[("files", ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50, "image/png"))])
    assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1
