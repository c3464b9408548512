"""API security: roles per endpoint (every endpoint x every role), missing, unknown and expired
tokens, upload limits, hostile file names, malformed multipart, full queue. No OCR here: the
processing thread is not started, so nothing is processed and every refusal can be checked
to have stored nothing."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.auth import ROLES, parse_tokens
from api.intake import Intake
from api.settings import ApiSettings
from pipeline.config import Settings

TOKENS = {role: f"{role}-token-{'x' * 20}" for role in ROLES}
EXPIRED = "expired-token-yyyyyyyyyyyyyyyy"
SPEC = (",".join(f"{t}:{r}@hn01" if r == "scanner" else f"{t}:{r}" for r, t in TOKENS.items())
        + f",{EXPIRED}:admin:2020-01-01T00:00:00Z")

# Every endpoint and the roles with business there (admin may do everything).
ENDPOINTS = [
    ("POST", "/batches", {"scanner"}),
    ("GET", "/batches/b-unknown", {"scanner"}),
    ("POST", "/extract", {"intake"}),
    ("GET", "/jobs/j-unknown", {"intake"}),
    ("GET", "/search?q=x", {"archivist"}),
    ("GET", "/documents/unknown", {"archivist", "qa"}),
    ("GET", "/documents/unknown/pdf", {"archivist"}),
    ("POST", "/documents/unknown/verify", {"archivist"}),
    ("GET", "/dossiers/unknown", {"archivist"}),
    ("GET", "/review", {"qa"}),
    ("GET", "/review/999999", {"qa"}),
    ("GET", "/review/999999/crop", {"qa"}),
    ("POST", "/review/999999", {"qa"}),
]
IDS = [f"{m} {p}" for m, p, _ in ENDPOINTS]
PAGES = [("/ui/search", {"archivist"}), ("/ui/review", {"qa"}), ("/ui/batches", {"scanner"}),
         ("/ui/dossiers/unknown", {"archivist"})]


def png_bytes(seed: int = 0, size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, color=seed % 256).save(buf, "PNG")
    return buf.getvalue()


def make_client(tmp_path: Path, alive: bool = True, monkeypatch=None, **api) -> TestClient:
    settings = Settings(home=tmp_path / "home")
    api_settings = ApiSettings(tokens=SPEC, **api)
    app = create_app(settings, api_settings, start_processing=False)
    if alive and monkeypatch is not None:  # accept uploads, never process them
        monkeypatch.setattr(Intake, "alive", property(lambda self: True))
    return TestClient(app)


@pytest.fixture
def client(tmp_path, monkeypatch):
    with make_client(tmp_path, monkeypatch=monkeypatch, max_file_bytes=10_000,
                     max_request_bytes=200_000, max_files=3, queue_max=5) as c:
        yield c


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def call(c: TestClient, method: str, path: str, headers: dict):
    if path == "/batches":
        return c.post(path, headers=headers, data={"branch": "hn01"},
                      files=[("files", ("a.png", png_bytes(1), "image/png"))])
    if path == "/extract":
        return c.post(path, headers=headers, files=[("file", ("a.txt", b"hello", "text/plain"))])
    if method == "POST" and path.startswith("/review/"):
        return c.post(path, headers=headers, json={"action": "accept", "version": 1})
    return c.request(method, path, headers=headers)


def stored(home: Path) -> list[Path]:
    """Uploaded files kept: staged (``intake/files``) or submitted (the work store)."""
    out = []
    for spool in (home / "intake" / "files", home / "work"):
        if spool.exists():
            out.extend(p for p in spool.rglob("*") if p.is_file() and ".meta" not in p.parts)
    return sorted(out)


def items(c: TestClient) -> int:
    return sum(c.app.state.intake.counts().values())


@pytest.mark.parametrize("method,path,allowed", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_refuses_roles_without_business(client, method, path, allowed, role):
    r = call(client, method, path, auth(role))
    if role == "admin" or role in allowed:
        assert r.status_code not in (401, 403), (role, path, r.status_code, r.text)
    else:
        assert r.status_code == 403, (role, path, r.status_code, r.text)
        assert "may not use" in r.json()["detail"]


@pytest.mark.parametrize("method,path,allowed", ENDPOINTS, ids=IDS)
def test_every_endpoint_needs_a_valid_token(client, method, path, allowed):
    home = client.app.state.settings.home
    for headers in ({}, {"Authorization": "Bearer not-a-known-token-zzzzzzz"},
                    {"Authorization": f"Bearer {EXPIRED}"},
                    {"Authorization": f"Basic {TOKENS['admin']}"}):
        r = call(client, method, path, headers)
        assert r.status_code == 401, (path, headers, r.status_code)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored(home) == [] and items(client) == 0


def test_expired_token_message(client):
    r = client.get("/search", headers={"Authorization": f"Bearer {EXPIRED}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


@pytest.mark.parametrize("path,allowed", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_by_cookie_role(client, path, allowed, role):
    client.cookies.set("sohoa_token", TOKENS[role])
    r = client.get(path)
    client.cookies.clear()
    if role == "admin" or role in allowed:
        assert r.status_code in (200, 404), (path, role, r.status_code)
        assert 'id="login-form"' not in r.text
    else:
        assert r.status_code == 403 and 'id="login-form"' in r.text


def test_pages_without_token_show_the_login(client):
    for path, _ in PAGES:
        r = client.get(path)
        assert r.status_code == 401 and 'id="login-form"' in r.text


def test_cookie_is_not_enough_to_change_anything(client):
    """A cross-site form carries the cookie but cannot set the header: refused."""
    client.cookies.set("sohoa_token", TOKENS["admin"])
    r = client.post("/batches", data={"branch": "hn01"},
                    files=[("files", ("a.png", png_bytes(2), "image/png"))])
    assert r.status_code == 401
    r = client.post("/review/1", json={"action": "accept"})
    assert r.status_code == 401
    assert client.get("/search?q=x").status_code == 200  # reading by cookie is fine
    client.cookies.clear()
    assert stored(client.app.state.settings.home) == []


def test_path_traversal_file_names_never_reach_a_path(client):
    home = client.app.state.settings.home
    names = ["../../../../etc/cron.d/evil.png", "..\\..\\windows\\evil.png", "/abs/evil.png",
             "a\x00b.png", "...", ".hidden.png"]
    files = [("files", (n, png_bytes(i + 10), "image/png")) for i, n in enumerate(names[:3])]
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"}, files=files)
    assert r.status_code == 202, r.text
    shown = [d["file"] for d in r.json()["documents"]]
    assert shown == ["evil.png", "evil.png", "evil.png"]
    for f in stored(home):  # named by the batch, the document id and the sniffed type only
        assert f.parent.parent.parent == home / "work" / "tmp" and f.name == "source.png"
    assert not any(p.name == "evil.png" for p in Path(home).rglob("*"))
    from api.uploads import display_name

    for n in names:
        d = display_name(n)
        assert "/" not in d and "\\" not in d and "\x00" not in d and d not in ("", ".", "..")


def test_oversized_file_is_refused_and_nothing_stored(client):
    home = client.app.state.settings.home
    big = png_bytes(3, size=(400, 400)) + os.urandom(12_000)
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                    files=[("files", ("ok.png", png_bytes(4), "image/png")),
                           ("files", ("big.png", big, "image/png"))])
    assert r.status_code == 413 and "big.png" in r.json()["detail"]
    assert "10000" in r.json()["detail"]
    assert stored(home) == [] and items(client) == 0


def test_oversized_request_and_too_many_files(client):
    home = client.app.state.settings.home
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                    files=[("files", (f"{i}.png", os.urandom(9_000), "image/png"))
                           for i in range(30)])
    assert r.status_code == 413 and "request body" in r.json()["detail"]
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                    files=[("files", (f"{i}.png", png_bytes(i), "image/png")) for i in range(4)])
    assert r.status_code == 413 and "limit is 3" in r.json()["detail"]
    assert stored(home) == [] and items(client) == 0


def test_chunked_request_over_the_limit(client):
    def body():  # a well-formed part that just goes on (no Content-Length)
        yield (b'--zz\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\n'
               b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n")
        for _ in range(40):
            yield b"x" * 10_000

    r = client.post("/batches", headers={**auth("scanner"),
                                         "Content-Type": "multipart/form-data; boundary=zz"},
                    content=body())
    assert r.status_code == 413
    assert stored(client.app.state.settings.home) == []


def test_malformed_multipart_and_bad_types(client):
    home = client.app.state.settings.home
    bad = (b"--zz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n"
           b"Content-Type: image/png\r\n\r\n\x89PNG garbage without the closing boundary")
    r = client.post("/batches", headers={**auth("scanner"),
                                         "Content-Type": "multipart/form-data; boundary=zz"},
                    content=bad)
    assert r.status_code in (400, 422), r.text
    r = client.post("/batches", headers={**auth("scanner"), "Content-Type": "multipart/form-data"},
                    content=b"no boundary at all")
    assert r.status_code in (400, 422)
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"})
    assert r.status_code == 422  # no files
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "../etc"},
                    files=[("files", ("a.png", png_bytes(5), "image/png"))])
    assert r.status_code == 422
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                    files=[("files", ("a.png", b"#!/bin/sh\nrm -rf /\n", "image/png"))])
    assert r.status_code == 415
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                    files=[("files", ("a.png", b"", "image/png"))])
    assert r.status_code == 422
    assert stored(home) == [] and items(client) == 0


def test_idempotent_by_content(client):
    files = [("files", ("a.png", png_bytes(7), "image/png")),
             ("files", ("b.png", png_bytes(8), "image/png"))]
    r1 = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"}, files=files)
    r2 = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                     files=list(reversed(files)))
    assert (r1.status_code, r2.status_code) == (202, 200)
    assert r1.json()["batch_id"] == r2.json()["batch_id"]
    assert items(client) == 2 and len(stored(client.app.state.settings.home)) == 2
    st = client.get(r1.headers["Location"], headers=auth("scanner")).json()
    assert [d["state"] for d in st["documents"]] == ["queued", "queued"]
    assert st["counts"]["queued"] == 2 and not st["finished"]


def test_full_queue_is_429_with_retry_after(client):
    for i in range(5):
        r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                        files=[("files", (f"{i}.png", png_bytes(20 + i), "image/png"))])
        assert r.status_code == 202
    before = stored(client.app.state.settings.home)
    r = client.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                    files=[("files", ("late.png", png_bytes(99), "image/png"))])
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    r = client.post("/extract", headers=auth("intake"),
                    files=[("file", ("late.png", png_bytes(98), "image/png"))])
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert stored(client.app.state.settings.home) == before and items(client) == 5


def test_no_processing_is_503_with_retry_after(tmp_path):
    with make_client(tmp_path, alive=False) as c:
        r = c.post("/batches", headers=auth("scanner"), data={"branch": "hn01"},
                   files=[("files", ("a.png", png_bytes(1), "image/png"))])
        assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1
        assert stored(c.app.state.settings.home) == []


def test_extract_refuses_unreadable_files_with_the_contract_error(client):
    r = client.post("/extract", headers=auth("intake"),
                    files=[("file", ("notes.txt", b"hello", "text/plain"))])
    assert r.status_code == 415
    broken = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    r = client.post("/extract", headers=auth("intake"),
                    files=[("file", ("../x/broken.pdf", broken, "application/pdf"))])
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"file", "error"} and body["file"] == "broken.pdf"
    assert set(body["error"]) == {"code", "message"}
    assert stored(client.app.state.settings.home) == []


def test_token_configuration():
    t = parse_tokens("aaaaaaaaaaaaaaaaaaaa:qa, bbbbbbbbbbbbbbbbbbbb:admin:2026-12-31T00:00:00Z")
    assert sorted(x.role for x in t.values()) == ["admin", "qa"]
    assert [x.expires.isoformat() for x in t.values() if x.expires] == ["2026-12-31T00:00:00+00:00"]
    for bad in ("aaaaaaaaaaaaaaaaaaaa:root", "short:qa", "aaaaaaaaaaaaaaaaaaaa", ",",
                "aaaaaaaaaaaaaaaaaaaa:qa:not-a-date"):
        with pytest.raises(ValueError):
            parse_tokens(bad)


def test_embedded_default_generates_an_admin_token(tmp_path):
    settings = Settings(home=tmp_path / "home")
    app = create_app(settings, ApiSettings(tokens=None), start_processing=False)
    path = tmp_path / "home" / "api-admin-token"
    token = path.read_text().strip()
    assert len(token) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    with TestClient(app) as c:
        assert c.get("/search", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/search").status_code == 401
    again = create_app(settings, ApiSettings(tokens=None), start_processing=False)
    assert again.state.tokens == app.state.tokens  # the same token on the next start


def test_openapi_lists_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    paths = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    for method, path, _ in ENDPOINTS:
        template = path.split("?")[0]
        for concrete, tmpl in (("b-unknown", "{batch_id}"), ("j-unknown", "{job_id}"),
                               ("unknown", "{document_id}"), ("999999", "{field_id}")):
            template = template.replace(concrete, tmpl)
        if template.startswith("/dossiers/"):
            template = "/dossiers/{code}"
        assert (method, template) in paths, (method, template)
    assert client.get("/docs").status_code == 200
