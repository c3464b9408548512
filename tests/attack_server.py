"""A real ``sohoa serve`` on loopback for the attack suite: an archive seeded with two branches'
documents (through the real storage code), people's tokens for every role made in the
database, and a client that keeps every response so that the suite can check all of them
(security headers, no leaked paths or SQL)."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOHOA = str(Path(sys.executable).with_name("sohoa"))

# The people of the test (names with Vietnamese diacritics, as at the Center).
PEOPLE = {
    "scanner": ("Nguyễn Văn Quét", "CN01"),
    "scanner2": ("Trần Thị Bình", "CN02"),
    "scanner3": ("Đỗ Văn Nhanh", "CN03"),  # the rate-limit test's scanner
    "intake": ("Hệ thống Một cửa", None),
    "archivist": ("Lê Văn Lưu", None),
    "archivist2": ("Vũ Thị Tìm", None),  # the rate-limit test's archivist
    "qa": ("Phạm Thị Duyệt", None),
    "admin": ("Hoàng Quản Trị", None),
}
ROLE_OF = {k: k.rstrip("23") for k in PEOPLE}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The embedded default in ``home``: no distributed parts, no configured tokens."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("SOHOA_") and k not in ("SOHOA_REALDATA", "SOHOA_MODELS"))}
    env.update({"SOHOA_HOME": str(home), "OMP_THREAD_LIMIT": "1", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def png_bytes(seed: int, size=(120, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, color=seed % 256).save(buf, "PNG")
    return buf.getvalue()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@dataclass
class Server:
    url: str
    port: int
    proc: subprocess.Popen
    home: Path
    env: dict[str, str]
    tokens: dict[str, str]  # person key -> token
    names: dict[str, str]  # person key -> name
    docs: dict[str, str]  # "A" (CN01), "B" (CN02) -> document id
    fields: dict[str, int]  # "A.full_name", "A.place", "B.full_name" -> field row id
    stderr_path: Path
    responses: list[httpx.Response] = field(default_factory=list)
    client: httpx.Client | None = None

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def request(self, method: str, path: str, who: str | None = None, **kw) -> httpx.Response:
        headers = {**(self.h(who) if who else {}), **kw.pop("headers", {})}
        r = self.client.request(method, path, headers=headers, **kw)
        self.responses.append(r)
        return r

    def get(self, path: str, who: str | None = None, **kw) -> httpx.Response:
        return self.request("GET", path, who, **kw)

    def post(self, path: str, who: str | None = None, **kw) -> httpx.Response:
        return self.request("POST", path, who, **kw)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([SOHOA, *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)


def seed_archive(home: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Two archived documents, one per branch, each with fields waiting for review."""
    from sqlalchemy import select

    from pipeline.config import Settings
    from storage.archive import Archive
    from storage.models import FieldRow
    from tests.storage_fixtures import make_pdfa, make_result

    docs = {"A": ("a1" * 12, "CN01", "000.00.01.H26-261201-0001", "Nguyễn Văn An"),
            "B": ("b2" * 12, "CN02", "000.00.02.H26-261201-0002", "Trần Văn Bảo")}
    fields: dict[str, int] = {}
    with Archive(Settings(home=home)) as archive:
        for key, (doc_id, branch, code, person) in docs.items():
            original = home / f"seed-{key}.pdf"
            original.write_bytes(make_pdfa(f"original {key}"))
            result = make_result(doc_id, fields={"full_name": person,
                                                 "place": "Phường Hàng Bạc, Quận Hoàn Kiếm"},
                                 needs_review=("full_name", "place"), dossier_code=code,
                                 file=f"to-khai-{key}.pdf", text_=f"{person} Hàng Bạc")
            archive.archive_document(result, make_pdfa(f"archived {key}"), original,
                                     branch=branch, actor="seed")
            original.unlink()
        rows = archive.db.run(lambda s: s.execute(
            select(FieldRow.document_id, FieldRow.field_id, FieldRow.id)).all(), "seed")
    ids = {v[0]: k for k, v in docs.items()}
    for doc_id, field_id, row_id in rows:
        fields[f"{ids[doc_id]}.{field_id}"] = row_id
    return {k: v[0] for k, v in docs.items()}, fields


def make_tokens(home: Path) -> tuple[dict[str, str], dict[str, str]]:
    from pipeline.config import Settings
    from storage.db import init_db
    from storage.identity import create_token

    db = init_db(Settings(home=home).effective_database_url)
    tokens, names = {}, {}
    try:
        for key, (name, branch) in PEOPLE.items():
            token, _ = create_token(db, name, ROLE_OF[key], branch=branch, created_by="test")
            tokens[key], names[key] = token, name
    finally:
        db.dispose()
    return tokens, names


def start_server(base: Path, **env_extra: str) -> Server:
    home = base / "home"
    home.mkdir(parents=True)
    docs, fields = seed_archive(home)
    tokens, names = make_tokens(home)
    port = free_port()
    env = clean_env(home, SOHOA_API_PROCESSES="1", SOHOA_API_RATE_SEARCHES="120",
                    SOHOA_API_RATE_UPLOADS="40", **env_extra)
    stderr_path = base / "serve.log"
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen([SOHOA, "serve", "--port", str(port), "--log-level", "warning"],
                                cwd=ROOT, env=env, stdout=err, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    server = Server(url, port, proc, home, env, tokens, names, docs, fields, stderr_path)
    server.client = httpx.Client(base_url=url, timeout=30)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sohoa serve exited: {stderr_path.read_text()[-2000:]}")
        try:
            if server.client.get("/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("sohoa serve did not become healthy")


def stop_server(server: Server) -> None:
    if server.client is not None:
        server.client.close()
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=10)


def wait_batch(server: Server, batch_id: str, who: str, timeout: float = 180) -> dict:
    end = time.monotonic() + timeout
    st: dict = {}
    while time.monotonic() < end:
        st = server.get(f"/batches/{batch_id}", who).json()
        if st.get("finished"):
            return st
        time.sleep(0.5)
    raise AssertionError(f"batch {batch_id} not finished: {json.dumps(st)[:500]}")
