"""The web pages in real headless Chromium (Debian's ``chromium``, driven by Playwright), against
the API served by uvicorn on loopback with the real stack behind it.

A QA reviewer logs in with a token, corrects a field from the keyboard (Vietnamese text), an
archivist then finds the corrected value with the search page and opens the dossier timeline;
a branch operator uploads a file on the batch page and watches it finish. Screenshots of every
page go to ``tests/artifacts/``; with ``SOHOA_UPDATE_DOCS=1`` the review page's also replaces
``docs/review-page.png``."""

from __future__ import annotations

import io
import os
import random
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont

from api.app import create_app
from api.settings import ApiSettings
from pipeline.config import Settings
from samples.generate import generate_document

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOSSIER = "000.00.17.H26-261125-0077"
TOKENS = {r: f"{r}-web-token-{'w' * 16}" for r in ("scanner", "archivist", "qa")}
CORRECTED = "Bệnh viện Khuých Đông"


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() != 0:
        pytest.fail("Debian's chromium is missing: run scripts/setup.sh as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"],
                   check=True, env=env, timeout=1800, capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def png(image) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "PNG", dpi=(300, 300))
    return buf.getvalue()


def small_page(path: Path, text: str) -> Path:
    im = Image.new("L", (1400, 400), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 44)
    ImageDraw.Draw(im).text((80, 120), text, font=font, fill=0)
    im.save(path, "PNG", dpi=(300, 300))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    base = tmp_path_factory.mktemp("web")
    home = base / "home"
    home.mkdir()
    if (ROOT / ".sohoa" / "models").is_dir():
        shutil.copytree(ROOT / ".sohoa" / "models", home / "models")
    settings = Settings(home=home, review_threshold=0.999)
    # a scanner's branch comes with its token (hn03); the others are role-only tokens
    app = create_app(settings, ApiSettings(tokens=",".join(
        f"{t}:{r}@hn03" if r == "scanner" else f"{t}:{r}" for r, t in TOKENS.items())))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    sample = generate_document("birth_registration", random.Random(11), level="clean")
    with httpx.Client(base_url=url, timeout=60,
                      headers={"Authorization": f"Bearer {TOKENS['scanner']}"}) as c:
        r = c.post("/batches", data={"dossier_code": DOSSIER},
                   files=[("files", ("khai-sinh.png", png(sample.pages[0]), "image/png"))])
        assert r.status_code == 202, r.text
        end = time.monotonic() + 900
        while not c.get(r.headers["Location"]).json()["finished"]:
            assert time.monotonic() < end, "processing did not finish"
            time.sleep(0.5)
    yield {"url": url, "base": base, "document_id": r.json()["documents"][0]["document_id"]}
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser():
    ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, url: str, path: str, token: str) -> None:
    page.goto(url + path)
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_load_state("networkidle")


def test_review_correction_is_found_by_search(server, browser):
    url = server["url"]
    ctx = browser.new_context(viewport={"width": 1400, "height": 820}, locale="vi-VN")
    page = ctx.new_page()
    page.goto(url + "/ui/review")
    assert page.locator("#login-form").is_visible()
    login(page, url, "/ui/review", TOKENS["qa"])
    page.wait_for_selector("#review")
    # keyboard-first: skip fields until a text or name one, with its crop loaded
    for _ in range(20):
        kind = page.inner_text("#field-name small")
        if kind in ("(text)", "(name)"):
            break
        page.keyboard.press("n")
        page.wait_for_load_state("networkidle")
    page.wait_for_function("document.getElementById('crop').naturalWidth > 0")
    assert page.evaluate("document.getElementById('crop').naturalWidth") > 100
    remaining = int(page.inner_text("#remaining").split()[0])
    if os.environ.get("SOHOA_UPDATE_DOCS") == "1":
        path = shot(page, "review-page")
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(path, ROOT / "docs" / "review-page.png")
    field = page.get_attribute("#review", "data-field")
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "value"
    page.keyboard.press("Control+A")
    page.keyboard.type(CORRECTED)  # Vietnamese text typed key by key
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#throughput")
    assert page.inner_text("#throughput").startswith("1 ")
    assert int(page.inner_text("#remaining").split()[0]) == remaining - 1
    # accept the next one with a single key
    if page.locator("#review").count():
        with page.expect_navigation():
            page.keyboard.press("a")
        assert page.inner_text("#throughput").startswith("2 ")
    shot(page, "review-page")

    # the archivist: log out, log in, search the corrected value
    page.click("#logout")
    page.wait_for_selector("#login-form")
    login(page, url, "/ui/search", TOKENS["archivist"])
    page.fill("#q", "Khuých Đông")
    with page.expect_navigation():
        page.press("#q", "Enter")
    hits = page.locator("li.hit")
    assert hits.count() == 1
    assert hits.first.get_attribute("data-document") == server["document_id"]
    assert "Khuých" in hits.first.locator("mark").first.inner_text()
    shot(page, "search-page")
    pdf = page.request.get(url + hits.first.locator("a.pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    with page.expect_navigation():
        hits.first.locator("a.dossier").click()
    timeline = page.inner_text("#timeline")
    assert "review_corrected" in timeline and "archived" in timeline
    shot(page, "dossier-page")
    # the API agrees: who and when recorded
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKENS['qa']}"}) as c:
        f = c.get(f"/review/{field}").json()
    assert f["review_state"] == "corrected" and f["effective_value"] == CORRECTED
    assert f["reviewed_by"].startswith("qa#") and f["reviewed_at"]
    ctx.close()


def test_batch_page_upload_and_progress(server, browser):
    url = server["url"]
    ctx = browser.new_context(viewport={"width": 1200, "height": 700})
    page = ctx.new_page()
    login(page, url, "/ui/batches", TOKENS["scanner"])
    page.wait_for_selector("#batch-form")
    assert page.input_value("#branch") == "hn03"  # from the token, not to be changed
    f = small_page(server["base"] / "phieu.png", "GIẤY ỦY QUYỀN số 12")
    page.set_input_files("#files", str(f))
    assert "phieu.png" in page.inner_text("#chosen")
    page.click("#upload")
    page.wait_for_selector("#progress:not([hidden])")
    # (polled from here: the pages' CSP forbids the string evaluation wait_for_function uses)
    state = page.locator("#docs tbody td:nth-child(2)")
    end = time.monotonic() + 600
    while not (state.count() and state.first.inner_text() in ("done", "needs_review", "failed")):
        assert time.monotonic() < end, "the batch did not finish"
        page.wait_for_timeout(500)
    assert page.inner_text("#docs tbody td:nth-child(1)") == "phieu.png"
    assert page.inner_text("#docs tbody td:nth-child(2)") in ("done", "needs_review")
    page.wait_for_timeout(500)  # the progress bar's transition
    shot(page, "batch-page")
    ctx.close()


def test_wrong_role_sees_the_login(server, browser):
    ctx = browser.new_context()
    page = ctx.new_page()
    login(page, server["url"], "/ui/review", TOKENS["scanner"])
    assert page.locator("#login-form").is_visible()
    assert "scanner" in page.inner_text("#login-message")
    shot(page, "login-page")
    ctx.close()
