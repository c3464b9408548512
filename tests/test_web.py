"""Each role's day in real headless Chromium (Debian's ``chromium``, driven by Playwright),
against the API served by uvicorn on loopback with the real stack behind it (real OCR of
generated forms, SQLite, the local object store). One archive for the whole module.

- a scanner uploads a stack with a bad file, a refused file and a duplicate, and watches it
  finish after a reload;
- an archivist finds a birth registration by its holder's name typed without diacritics as
  the first hit, opens its document page, verifies it and downloads it under its name;
- QA tabs through the controls without accepting anything, accepts, undoes, and corrects a
  field that was not found by drawing its box on the page;
- a citizen opens the status page from the receipt's QR code and sees no personal data.

Screenshots of every page at desktop and phone width go to ``tests/artifacts/``; with
``SOHOA_UPDATE_DOCS=1`` also to ``docs/pages-*.png``.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import socket
import subprocess
import threading
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote

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
TOKENS = {r: f"{r}-web-token-{'w' * 16}" for r in ("scanner", "archivist", "qa", "admin")}
EXPIRED = f"scanner-expired-{'x' * 16}"  # a scanner token that expired long ago
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


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


def text_page(text: str) -> bytes:
    im = Image.new("L", (1600, 420), 255)
    ImageDraw.Draw(im).multiline_text((80, 100), text, font=ImageFont.truetype(FONT, 40), fill=0)
    buf = io.BytesIO()
    im.save(buf, "PNG", dpi=(300, 300))
    return buf.getvalue()


def wait_batch(client: httpx.Client, location: str) -> dict:
    end = time.monotonic() + 600
    while True:
        status = client.get(location).json()
        if status["finished"]:
            return status
        assert time.monotonic() < end, "processing did not finish"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The service with one dossier: its receipt (QR code), a birth registration whose
    mother's name line was left blank (a field not found) and a letter naming the holder."""
    import uvicorn

    base = tmp_path_factory.mktemp("web")
    home = base / "home"
    home.mkdir()
    if (ROOT / ".sohoa" / "models").is_dir():
        shutil.copytree(ROOT / ".sohoa" / "models", home / "models")
    settings = Settings(home=home, review_threshold=0.999)  # every field goes to review
    # a scanner's branch comes with its token (hn03); the others are role-only tokens
    spec = ",".join([*(f"{t}:{r}@hn03" if r == "scanner" else f"{t}:{r}"
                       for r, t in TOKENS.items()),
                     f"{EXPIRED}:scanner@hn03:2020-01-01T00:00:00Z"])
    app = create_app(settings, ApiSettings(tokens=spec))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"

    birth = generate_document("birth_registration", random.Random(31), level="clean")
    page = birth.pages[0].copy()
    x0, y0, x1, y1 = birth.boxes["mother_name"].bbox
    page[y0 - 12 : y1 + 12, :] = 255  # the whole line, label and value: not found
    receipt = generate_document("dossier_receipt", random.Random(21), level="clean",
                                procedures=["birth_registration"])
    code = receipt.fields["dossier_code"]
    holder = birth.fields["requester_name"]
    letter = text_page(f"THƯ GỬI\nKính gửi ông/bà {holder}\nvề việc nhận kết quả hồ sơ.")
    files = {"bien-nhan.png": png(receipt.pages[0]), "khai-sinh.png": png(page),
             "thu.png": letter}
    with httpx.Client(base_url=url, timeout=60,
                      headers={"Authorization": f"Bearer {TOKENS['scanner']}"}) as c:
        r = c.post("/batches", data={"dossier_code": code},
                   files=[("files", (n, b, "image/png")) for n, b in files.items()])
        assert r.status_code == 202, r.text
        wait_batch(c, r.headers["Location"])
    ids = {d["file"]: d["document_id"] for d in r.json()["documents"]}
    yield {"url": url, "base": base, "app": app, "code": code, "birth": birth,
           "receipt": receipt, "files": files, "ids": ids, "batch": r.json()["batch_id"]}
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


def api(server, role: str) -> httpx.Client:
    return httpx.Client(base_url=server["url"], timeout=60,
                        headers={"Authorization": f"Bearer {TOKENS[role]}"})


def login(page, url: str, token: str) -> None:
    """The login page, then the role's landing page."""
    page.goto(url + "/ui/login")
    page.fill("#token", token)
    with page.expect_navigation():
        page.press("#token", "Enter")
    page.wait_for_load_state("networkidle")


def fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


def test_scanner_uploads_a_stack_and_watches_it_after_a_reload(server, browser, tmp_path):
    url = server["url"]
    # bypass_csp: Playwright's wait_for_function evaluates strings, which the pages' CSP
    # forbids; the screenshot test below runs every page under the CSP
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN", bypass_csp=True)
    page = ctx.new_page()
    login(page, url, TOKENS["scanner"])
    assert page.url.endswith("/ui/batches")  # a scanner lands on the batch page
    assert page.inner_text("#menu").split() == ["Tải", "lên"]  # and sees only its page
    # the branch comes with the scanner's token: shown, not to be changed
    assert page.input_value("#branch") == "hn03"
    assert page.get_attribute("#branch", "readonly") is not None
    stack = {"don.png": text_page("ĐƠN ĐỀ NGHỊ số 7\nHọ và tên: Lê Thị Hoa"),
             "thu.png": server["files"]["thu.png"],  # uploaded before: a duplicate
             "hong.pdf": b"%PDF-1.7\n1 0 obj broken",  # a PDF that cannot be read
             "ghi-chu.txt": "không phải bản quét".encode()}  # not a scan: refused
    paths = []
    for name, data in stack.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    page.set_input_files("#files", paths)
    assert "hong.pdf" in page.inner_text("#chosen")
    page.dblclick("#upload")  # a double click uploads once
    page.wait_for_url("**/ui/batches/b-*")
    batch_id = page.url.rsplit("/", 1)[1]
    assert "ghi-chu.txt" in page.inner_text("#refused")
    assert page.locator("#refused li").count() == 1
    page.reload()  # the batch survives a reload: its URL holds it
    page.wait_for_selector("#docs tbody tr")
    page.wait_for_function("document.getElementById('batch-summary').textContent"
                           ".includes('đã xong')", timeout=300_000)
    rows = {r.locator("td").first.inner_text(): r for r in page.locator("#docs tbody tr").all()}
    assert set(rows) == {"don.png", "thu.png", "hong.pdf"}
    assert rows["hong.pdf"].get_attribute("data-state") == "failed"
    assert rows["hong.pdf"].locator(".error").inner_text().strip()  # its own error, in place
    assert rows["don.png"].get_attribute("data-state") in ("done", "needs_review")
    assert "trùng" in rows["thu.png"].inner_text()  # flagged as a duplicate
    assert server["batch"] in rows["thu.png"].inner_text()
    if rows["don.png"].get_attribute("data-state") == "needs_review":
        link = rows["don.png"].locator("a.review-link").get_attribute("href")
        assert link.startswith("/ui/review?document=")
    assert page.evaluate("document.getElementById('bar-fill').style.width") == "100%"
    # the branch's list, newest first: this batch once (the double click sent one upload)
    page.wait_for_selector("#batch-list:not([hidden])")
    listed = [a.inner_text() for a in page.locator("#batch-list tbody a").all()]
    assert listed == [batch_id, server["batch"]]
    with api(server, "scanner") as c:  # whatever branch it asks for, it gets its own
        assert [b["batch_id"] for b in c.get("/ui/api/batches?branch=ba-dinh").json()[
            "batches"]] == [batch_id, server["batch"]]
    with api(server, "admin") as c:  # an admin names the branch, as people write it
        r = c.post("/ui/api/batches", data={"branch": "!!!"},
                   files=[("files", ("a.png", stack["don.png"], "image/png"))])
        assert r.status_code == 422 and "chi nhánh" in r.json()["detail"].lower()
    ctx.close()


def test_archivist_finds_opens_and_verifies_a_birth_registration(server, browser):
    url = server["url"]
    birth_id = server["ids"]["khai-sinh.png"]
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True,
                              bypass_csp=True)
    page = ctx.new_page()
    login(page, url, TOKENS["archivist"])
    assert page.url.endswith("/ui/search")
    holder = server["birth"].fields["requester_name"]
    page.fill("#q", fold(holder))  # typed without diacritics
    with page.expect_navigation():
        page.press("#q", "Enter")
    hits = page.locator("li.hit")
    assert hits.count() >= 2  # the letter names the holder too
    assert hits.first.get_attribute("data-document") == birth_id
    assert hits.first.get_attribute("data-type") == "birth_registration"
    assert int(page.get_attribute("#count", "data-total")) == hits.count()
    assert "khai-sinh.png" in hits.first.inner_text()  # the file name, and both dates
    assert "ngày giấy tờ" in hits.first.inner_text() and "lưu trữ" in hits.first.inner_text()
    # the title of the form: birth registrations come first
    page.fill("#q", "dang ky khai sinh")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("li.hit").first.get_attribute("data-type") == "birth_registration"
    page.fill("#q", "khai-sinh.png")  # a file name is searchable
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("li.hit").first.get_attribute("data-document") == birth_id
    page.fill("#q", '" * "')
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("#search-notice").is_visible()
    page.fill("#q", fold(holder))
    with page.expect_navigation():
        page.press("#q", "Enter")
    with page.expect_navigation():
        page.locator("li.hit a.title").first.click()
    assert page.url.endswith(f"/ui/documents/{birth_id}")
    assert page.inner_text("#doc-title") == "Tờ khai đăng ký khai sinh"
    assert "Họ tên người yêu cầu" in page.inner_text("#fields")
    assert page.locator("#thumbs img").count() == 1
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    page.click("#verify")
    page.wait_for_selector("#verdict.good")
    assert "toàn vẹn" in page.inner_text("#verdict")
    assert "SHA-256 khớp" in page.inner_text("#verdict")
    with page.expect_download() as info:
        page.click("#download")
    name = info.value.suggested_filename
    assert name.startswith("Tờ khai đăng ký khai sinh - ") and server["code"] in name
    assert name.endswith(".pdf")
    r = page.request.get(url + f"/ui/documents/{birth_id}/download")
    assert r.body().startswith(b"%PDF")
    assert quote("Tờ khai đăng ký khai sinh") in r.headers["content-disposition"]
    ctx.close()


def test_citizen_opens_the_status_page_from_the_receipt_qr(server, browser):
    from api.routes import public
    from classifiers.qr import decode_qr

    url = server["url"]
    code = server["code"]
    (qr,) = decode_qr(server["receipt"].pages[0])
    assert code in qr
    ctx = browser.new_context(viewport=PHONE, locale="vi-VN")  # no token at all
    page = ctx.new_page()
    page.goto(url + "/tra-cuu?ma=" + quote(qr))
    assert page.url.endswith(f"/tra-cuu/{code}")
    stage = page.get_attribute("#stage", "data-stage")
    assert stage == "review"  # every field is waiting for QA in this archive
    steps = page.inner_text("#steps")
    assert "Đã tiếp nhận hồ sơ" in steps and "Đã số hóa" in steps and "Đang kiểm tra" in steps
    assert page.locator("#steps li.done time").first.inner_text()[2] == "/"  # dd/mm/yyyy
    # a URL holding the code works as well
    page.goto(url + "/tra-cuu?ma=" + quote(f"https://dichvucong.hanoi.gov.vn/tra-cuu/{code}"))
    assert page.url.endswith(f"/tra-cuu/{code}")
    html = page.content()
    birth, receipt = server["birth"].fields, server["receipt"].fields
    private = [birth["requester_name"], birth["requester_id_number"], birth["child_name"],
               receipt["applicant_name"], receipt["applicant_id_number"],
               receipt["applicant_phone"], *server["files"], *server["ids"].values()]
    for value in private:
        assert value not in html and fold(value) not in fold(html), value
    assert page.locator("#menu a").count() == 0  # nothing of the staff pages
    page.goto(url + "/tra-cuu/000.00.00.H00-000000-0000")
    assert "Không tìm thấy" in page.inner_text("#status-error")
    # many look-ups from one address are slowed down
    public.limiter._buckets.clear()
    with httpx.Client(base_url=url) as c:
        answers = [c.get(f"/tra-cuu/{code}") for _ in range(public.limiter.burst + 3)]
    assert answers[0].status_code == 200 and answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) >= 1
    public.limiter._buckets.clear()
    ctx.close()


def test_roles_landing_and_menus(server, browser):
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    login(page, server["url"], TOKENS["qa"])
    assert page.url.endswith("/ui/review") and page.inner_text("#menu").strip() == "Kiểm tra"
    page.goto(server["url"] + "/ui/batches")  # not a QA page: the login, in Vietnamese
    assert page.locator("#login-form").is_visible()
    assert "Vai trò" in page.inner_text("#login-message")
    page.goto(server["url"] + "/ui/review?lang=en")  # English where staff want it
    assert "Accept" in page.inner_text("#accept")
    page.goto(server["url"] + "/ui/review?lang=vi")
    assert "Chấp nhận" in page.inner_text("#accept")
    ctx.close()


def test_polling_stops_when_the_token_expires(server, browser):
    """The page was opened while the token worked (cookie); its API calls now get 401:
    the page says so and stops asking."""
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.add_cookies([{"name": "sohoa_token", "value": TOKENS["scanner"], "url": server["url"]}])
    ctx.add_init_script(f"localStorage.setItem('sohoa_token', '{EXPIRED}')")
    page = ctx.new_page()
    calls = []
    page.on("request", lambda r: calls.append(r.url) if "/ui/api/batches/" in r.url else None)
    page.goto(server["url"] + f"/ui/batches/{server['batch']}")
    page.wait_for_selector("#session-expired:not([hidden])")
    page.wait_for_timeout(3000)
    assert len(calls) == 1, calls
    ctx.close()


SHOTS = [  # (name, role, path)
    ("login", None, "/ui/login"),
    ("batches", "scanner", "/ui/batches/{batch}"),
    ("review", "qa", "/ui/review"),
    ("review-not-found", "qa", "/ui/review?field={missing}"),
    ("search", "archivist", "/ui/search?q=dang+ky+khai+sinh"),
    ("document", "archivist", "/ui/documents/{birth}"),
    ("dossier", "archivist", "/ui/dossiers/{code}"),
    ("status", None, "/tra-cuu/{code}"),
]


def test_every_page_at_desktop_and_phone_width(server, browser):
    """Screenshots; no page is wider than a phone, no request fails (the icon included)."""
    from api.routes import public

    public.limiter._buckets.clear()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    update = os.environ.get("SOHOA_UPDATE_DOCS") == "1"
    with api(server, "qa") as c:
        queue = c.get("/review?limit=200").json()["items"]
    missing = next(i for i in queue if i["field"] == "mother_name" and i["bbox"] is None)
    values = {"batch": server["batch"], "birth": server["ids"]["khai-sinh.png"],
              "code": server["code"], "missing": missing["field_id"]}
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for name, role, path in SHOTS:
            ctx = browser.new_context(viewport=viewport, locale="vi-VN")
            if role:
                token = TOKENS[role]
                ctx.add_cookies([{"name": "sohoa_token", "value": token, "url": server["url"]}])
                ctx.add_init_script(f"localStorage.setItem('sohoa_token', '{token}')")
            page = ctx.new_page()
            failed = []
            page.on("response", lambda r, f=failed: f.append(r.url) if r.status >= 400 else None)
            page.on("pageerror", lambda e, f=failed: f.append(str(e)))
            # the pages' own CSP (no inline script or style): a violation is a console error
            page.on("console", lambda m, f=failed: f.append(m.text) if m.type == "error" else None)
            page.goto(server["url"] + path.format(**values))
            page.wait_for_load_state("networkidle")
            if name == "batches":
                page.wait_for_selector("#docs tbody tr")
            page.wait_for_timeout(400)
            assert not failed, (name, label, failed)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, (name, label, width)
            out = ARTIFACTS / f"pages-{name}-{label}.png"
            page.screenshot(path=str(out), full_page=True)
            if update:
                shutil.copyfile(out, ROOT / "docs" / out.name)
                if out.name == "pages-review-desktop.png":  # the README's older name
                    shutil.copyfile(out, ROOT / "docs" / "review-page.png")
            ctx.close()
    with httpx.Client(base_url=server["url"]) as c:
        assert c.get("/favicon.ico").status_code == 200


def review_total(server) -> int:
    with api(server, "qa") as c:
        return c.get("/review?limit=1").json()["total"]


def test_qa_tabs_accepts_undoes_and_draws_a_box(server, browser):
    url = server["url"]
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN", bypass_csp=True)
    page = ctx.new_page()
    login(page, url, TOKENS["qa"])
    assert page.url.endswith("/ui/review")
    page.wait_for_selector("#review")
    waiting = review_total(server)
    assert int(page.get_attribute("#remaining", "data-total")) == waiting
    first = page.get_attribute("#review", "data-field")
    # Tab through every control; "a" (the accept key) on each button or link accepts nothing
    for _ in range(60):
        page.keyboard.press("Tab")
        active = page.evaluate("[document.activeElement.tagName, document.activeElement.id]")
        if active[1] == "skip":
            break
        if active[0] in ("BUTTON", "A") and active[1] not in ("logout",):
            page.keyboard.press("a")
    else:
        raise AssertionError("Tab never reached the skip button")
    assert review_total(server) == waiting
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter on "Bỏ qua" skips: it does not accept
    assert review_total(server) == waiting
    assert page.get_attribute("#review", "data-field") != first
    # accept from the keyboard (focus on the field card), then undo within the minute
    field = page.get_attribute("#review", "data-field")
    assert page.evaluate("document.activeElement.id") == "review"
    with page.expect_navigation():
        page.keyboard.press("a")
    assert review_total(server) == waiting - 1
    assert page.locator("#undo-bar").is_visible()
    with page.expect_navigation():
        page.click("#undo")
    assert page.get_attribute("#review", "data-field") == field
    assert review_total(server) == waiting
    with api(server, "qa") as c:
        assert c.get(f"/review/{field}").json()["review_state"] == "pending"
        queue = c.get("/review?limit=200").json()["items"]
    missing = next(i for i in queue if i["field"] == "mother_name" and i["bbox"] is None)
    # a field that was not found: no crop (no broken image), QA draws its box and types it
    page.goto(url + f"/ui/review?field={missing['field_id']}")
    page.wait_for_selector("#not-found")
    assert page.locator("#crop").count() == 0
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    box = page.locator("#page-img").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.47)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.49, steps=5)
    page.mouse.up()
    assert page.locator("#drawn-box").is_visible()
    assert page.evaluate("document.activeElement.id") == "value"
    page.keyboard.type("Nguyễn Thị Lan")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with api(server, "qa") as c:
        doc = c.get(f"/documents/{missing['document_id']}").json()
    f = next(x for x in doc["fields"] if x["id"] == "mother_name")
    assert f["review_state"] == "corrected" and f["effective_value"] == "Nguyễn Thị Lan"
    box = f["review_box"]  # where QA found it: (page, x0, y0, x1, y1) in page pixels
    assert box[0] == 1 and box[3] > box[1] and box[4] > box[2] and f["bbox"] is None
    ev = [e for e in doc["timeline"] if e["kind"] == "review_corrected"][-1]
    assert ev["details"]["box"][0] == 1 and ev["details"]["old"] is None
    assert ev["actor"].startswith("qa")
    assert int(page.get_attribute("#throughput", "data-decided")) == 2  # accept + correct
    ctx.close()
    # later, an admin reopens the correction from the document page
    ctx = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = ctx.new_page()
    login(page, url, TOKENS["admin"])
    page.goto(url + f"/ui/documents/{missing['document_id']}")
    row = page.locator('#fields tr[data-field="mother_name"]')
    assert "Nguyễn Thị Lan" in row.inner_text() and "sửa trường" in row.inner_text()
    with page.expect_navigation():
        row.locator("button.reopen").click()
    row = page.locator('#fields tr[data-field="mother_name"]')
    assert row.get_attribute("data-state") == "pending"
    assert "mở lại trường" in row.inner_text()
    # the dossier's timeline says who did what, old -> new, in Hà Nội time
    page.goto(url + f"/ui/dossiers/{server['code']}")
    timeline = page.inner_text("#timeline")
    assert "sửa trường «Họ tên mẹ» — → Nguyễn Thị Lan khung vẽ tay, trang 1 bởi qa" in " ".join(
        timeline.split())
    assert "mở lại trường" in timeline and "hoàn tác" not in timeline
    out = ARTIFACTS / "pages-dossier-desktop.png"
    page.screenshot(path=str(out), full_page=True)
    if os.environ.get("SOHOA_UPDATE_DOCS") == "1":
        shutil.copyfile(out, ROOT / "docs" / out.name)
    ctx.close()
