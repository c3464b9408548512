// sohoa pages: the token kept once, API calls with the Authorization header, review keys and
// page boxes, batch uploads and their progress, verify. No inline script anywhere (CSP).
"use strict";
const KEY = "sohoa_token";
const UNDO_MS = 60000;
let expired = false;  // the token stopped working: every poll stops

const $ = (id) => document.getElementById(id);
const vi = () => document.body.dataset.lang !== "en";
const T = (v, e) => (vi() ? v : e);

function setToken(t) {
  localStorage.setItem(KEY, t);
  document.cookie = `${KEY}=${encodeURIComponent(t)}; path=/; SameSite=Strict`;
}
function clearToken() {
  localStorage.removeItem(KEY);
  document.cookie = `${KEY}=; path=/; max-age=0; SameSite=Strict`;
}
function hasCookie() {
  return document.cookie.split(";").some((c) => c.trim().startsWith(KEY + "="));
}
function sessionExpired() {
  expired = true;
  const el = $("session-expired");
  if (el) el.hidden = false;
}
async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {},
                                { Authorization: "Bearer " + (localStorage.getItem(KEY) || "") });
  let r;
  try {
    r = await fetch(path, Object.assign({}, opts, { headers }));
  } catch (e) {
    return { status: 0, ok: false, body: { detail: T("Mất kết nối tới máy chủ.", "No connection to the server.") }, headers: new Headers() };
  }
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (r.status === 401) sessionExpired();
  return { status: r.status, ok: r.ok, body, headers: r.headers };
}
function detail(res) {
  const d = res.body && res.body.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return T("Dữ liệu gửi lên không hợp lệ.", "Invalid request.");
  return T("Lỗi ", "Error ") + res.status;
}
// dd/mm/yyyy HH:mm in Hà Nội time, whatever the browser's own zone and locale
function hanoiTime(iso) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit",
    year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso))) parts[p.type] = p.value;
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}
function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

document.addEventListener("DOMContentLoaded", () => {
  // A token saved earlier but no cookie yet (e.g. a new session): restore it once.
  if (localStorage.getItem(KEY) && !hasCookie() && document.body.dataset.page !== "login") {
    setToken(localStorage.getItem(KEY));
    if ($("login-form")) { location.reload(); return; }
  }
  const logout = $("logout");
  if (logout) logout.onclick = () => { clearToken(); location.href = "/ui/login"; };
  const login = $("login-form");
  if (login) login.onsubmit = (e) => {
    e.preventDefault();
    setToken($("token").value.trim());
    // the login page itself: land on the role's page; a refused page: try it again
    if (document.body.dataset.page === "login") location.href = "/";
    else location.reload();
  };
  if ($("review") || $("empty")) reviewPage();
  if ($("batch-form")) batchPage();
  if ($("verify")) documentPage();
  if ($("status-form")) statusForm();
});

// ---------------------------------------------------------------- review

function showUndo() {
  const bar = $("undo-bar");
  const last = JSON.parse(sessionStorage.getItem("sohoa_undo") || "null");
  if (!bar || !last) return;
  const left = () => UNDO_MS - (Date.now() - last.at);
  if (left() <= 0) { sessionStorage.removeItem("sohoa_undo"); return; }
  $("undo-text").textContent = (last.action === "correct" ? T("Đã sửa", "Corrected") : T("Đã chấp nhận", "Accepted")) +
    ` «${last.name}»${last.value ? " = " + last.value : ""}.`;
  bar.hidden = false;
  const tick = () => {
    const s = Math.ceil(left() / 1000);
    if (s <= 0) { bar.hidden = true; sessionStorage.removeItem("sohoa_undo"); return; }
    $("undo-left").textContent = T(`còn ${s} giây`, `${s} s left`);
    setTimeout(tick, 1000);
  };
  tick();
  $("undo").onclick = undo;
}
async function undo() {
  const last = JSON.parse(sessionStorage.getItem("sohoa_undo") || "null");
  if (!last) return;
  const res = await api(`/ui/api/review/${last.field}/reopen`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ version: last.version }) });
  const err = $("review-error") || $("undo-text");
  if (!res.ok) { if (err) { err.hidden = false; err.textContent = detail(res); } return; }
  sessionStorage.removeItem("sohoa_undo");
  location.href = `/ui/review?field=${last.field}`;
}

function reviewPage() {
  showUndo();
  const sec = $("review");
  if (!sec) {
    document.addEventListener("keydown", (e) => { if (e.key.toLowerCase() === "u" && e.target === document.body) undo(); });
    return;
  }
  const input = $("value");
  const original = input.value;
  const err = $("review-error");
  const fieldId = sec.dataset.field;
  let busy = false;
  let drawn = null;  // [page, x0, y0, x1, y1] in page pixels
  const view = pageView(sec, (box) => { drawn = box; input.focus(); input.select(); });

  async function decide(action) {
    if (busy) return;
    busy = true;
    const payload = { action, version: Number(sec.dataset.version) };
    if (action === "correct") payload.value = input.value.normalize("NFC");
    if (action === "correct" && drawn) payload.box = drawn;
    const res = await api(`/ui/api/review/${fieldId}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
    if (!res.ok) { err.hidden = false; err.textContent = detail(res); busy = false; return; }
    sessionStorage.setItem("sohoa_undo", JSON.stringify({
      field: fieldId, name: sec.dataset.name, action, at: Date.now(), version: res.body.version,
      value: action === "correct" ? payload.value : "" }));
    next(false);
  }
  function next(skip) {
    const u = new URL(location.href);
    u.searchParams.delete("field");
    if (skip) u.searchParams.set("offset", String(Number(sec.dataset.offset || 0) + 1));
    location.href = u.toString();  // a decided field left the queue: the same offset is the next one
  }
  function submitInput() {
    decide(input.value === original && !drawn ? "accept" : "correct");
  }
  // Buttons act on click only (Enter or Space on a focused button is a click): no key handler
  // of ours ever runs for them.
  $("accept").onclick = () => decide("accept");
  $("correct").onclick = () => {
    if (input.value !== original || drawn) submitInput();
    else { input.focus(); input.select(); }
  };
  $("skip").onclick = () => next(true);
  input.addEventListener("keydown", (e) => {
    if (e.isComposing) return;  // Vietnamese IMEs (Telex/VNI) compose with keys
    if (e.key === "Enter") { e.preventDefault(); submitInput(); }
    if (e.key === "Escape") { e.preventDefault(); input.value = original; sec.focus(); }
  });
  // Shortcuts only while the field card itself has focus: never on a button, link or input.
  sec.addEventListener("keydown", (e) => {
    if (e.target !== sec || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    const k = e.key.toLowerCase();
    if (k === "a") { e.preventDefault(); decide("accept"); }
    else if (k === "e") { e.preventDefault(); input.focus(); input.select(); }
    else if (k === "n") { e.preventDefault(); next(true); }
    else if (k === "u") { e.preventDefault(); undo(); }
    else if (k === "+" || k === "=") { e.preventDefault(); view.zoom(1.25); }
    else if (k === "-") { e.preventDefault(); view.zoom(0.8); }
  });
  sec.focus();
  // the next field's crop and page, loaded while this one is read
  if (sec.dataset.next) {
    new Image().src = `/review/${sec.dataset.next}/crop`;
    new Image().src = `/ui/api/documents/${sec.dataset.nextDocument}/pages/${sec.dataset.nextPage}.png`;
  }
}

function pageView(sec, onDrawn) {
  const img = $("page-img");
  const inner = $("page-inner");
  const fieldBox = $("field-box");
  const drawnBox = $("drawn-box");
  const sizes = JSON.parse(sec.dataset.sizes || "{}");
  let page = Number(sec.dataset.page || 1);
  let scale = 1;
  const dims = () => sizes[page] || [Number(sec.dataset.pageW) || img.naturalWidth, Number(sec.dataset.pageH) || img.naturalHeight];
  function place(box, x0, y0, x1, y1) {
    const [w, h] = dims();
    box.style.left = `${(100 * x0 / w).toFixed(3)}%`;
    box.style.top = `${(100 * y0 / h).toFixed(3)}%`;
    box.style.width = `${(100 * (x1 - x0) / w).toFixed(3)}%`;
    box.style.height = `${(100 * (y1 - y0) / h).toFixed(3)}%`;
    box.hidden = false;
  }
  function showFieldBox() {
    const b = (sec.dataset.bbox || "").split(",").map(Number);
    if (b.length === 4 && page === Number(sec.dataset.page)) {
      place(fieldBox, ...b);
      // scroll the field into view once the image has its size
      const wrap = $("page-wrap");
      const [, h] = dims();
      wrap.scrollTop = Math.max(0, img.clientHeight * b[1] / h - wrap.clientHeight / 3);
    } else fieldBox.hidden = true;
  }
  function zoom(f) {
    scale = f === 0 ? 1 : Math.min(4, Math.max(0.5, scale * f));
    inner.style.width = `${(100 * scale).toFixed(0)}%`;
  }
  $("zoom-in").onclick = () => zoom(1.25);
  $("zoom-out").onclick = () => zoom(0.8);
  $("zoom-fit").onclick = () => zoom(0);
  const select = $("page-select");
  if (select) select.onchange = () => {
    page = Number(select.value);
    img.src = `/ui/api/documents/${sec.dataset.document}/pages/${page}.png`;
    drawnBox.hidden = true;
    showFieldBox();
  };
  if (img.complete) showFieldBox(); else img.onload = showFieldBox;
  img.onerror = () => { img.alt = T("Không tải được ảnh trang.", "The page image did not load."); };
  // Drawing: drag on the page to mark where the value is (page pixels).
  let start = null;
  const toPage = (e) => {
    const r = img.getBoundingClientRect();
    const [w, h] = dims();
    return [Math.round(Math.min(Math.max(e.clientX - r.left, 0), r.width) * w / r.width),
            Math.round(Math.min(Math.max(e.clientY - r.top, 0), r.height) * h / r.height)];
  };
  inner.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    start = toPage(e);
    inner.setPointerCapture(e.pointerId);
  });
  inner.addEventListener("pointermove", (e) => {
    if (!start) return;
    const p = toPage(e);
    place(drawnBox, Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.max(start[0], p[0]), Math.max(start[1], p[1]));
  });
  inner.addEventListener("pointerup", (e) => {
    if (!start) return;
    const p = toPage(e);
    const box = [page, Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.max(start[0], p[0]), Math.max(start[1], p[1])];
    start = null;
    if (box[3] - box[1] < 4 || box[4] - box[2] < 4) { drawnBox.hidden = true; return; }
    drawnBox.dataset.box = box.join(",");
    onDrawn(box);
  });
  return { zoom };
}

// ---------------------------------------------------------------- batches

function batchPage() {
  const form = $("batch-form");
  const drop = $("drop");
  const picker = $("files");
  const err = $("batch-error");
  const branch = $("branch");
  const button = $("upload");
  let files = [];
  if (!branch.value) branch.value = localStorage.getItem("sohoa_branch") || "";
  function list() {
    $("chosen").innerHTML = "";
    for (const f of files) $("chosen").appendChild(el("li", {}, `${f.name} (${Math.ceil(f.size / 1024)} KiB)`));
  }
  picker.onchange = () => { files = Array.from(picker.files); list(); };
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = (e) => {
    e.preventDefault(); drop.classList.remove("over");
    files = files.concat(Array.from(e.dataTransfer.files)); list();
  };
  branch.addEventListener("change", () => loadList());
  form.onsubmit = async (e) => {
    e.preventDefault();
    if (button.disabled) return;  // one upload at a time: a double click sends once
    err.hidden = true;
    $("refused").innerHTML = "";
    if (!files.length) { err.hidden = false; err.textContent = T("Chưa chọn tệp nào.", "No files chosen."); return; }
    if (!branch.value.trim()) { err.hidden = false; err.textContent = T("Hãy nhập chi nhánh, ví dụ «hn01» hoặc «Ba Đình».", "Enter the branch, e.g. hn01."); branch.focus(); return; }
    const fd = new FormData();
    fd.append("branch", branch.value.trim());
    const dossier = $("dossier").value.trim();
    if (dossier) fd.append("dossier_code", dossier);
    for (const f of files) fd.append("files", f, f.name);
    button.disabled = true;
    const label = button.textContent;
    button.textContent = T("Đang gửi…", "Sending…");
    const res = await api("/ui/api/batches", { method: "POST", body: fd });
    button.disabled = false;
    button.textContent = label;
    const refused = (res.body && res.body.refused) || [];
    for (const r of refused) $("refused").appendChild(el("li", { class: "error" }, `${r.file}: ${r.reason}`));
    if (!res.ok || !res.body.batch_id) {
      err.hidden = false;
      const wait = res.headers.get("Retry-After");
      err.textContent = refused.length ? T("Không có tệp nào hợp lệ.", "No valid file.") : detail(res) + (wait ? T(` (thử lại sau ${wait} giây)`, ` (retry in ${wait} s)`) : "");
      return;
    }
    localStorage.setItem("sohoa_branch", branch.value.trim());
    files = []; picker.value = ""; list();
    history.pushState({}, "", res.body.page_url);
    form.dataset.batch = res.body.batch_id;
    watch(res.body.batch_id);
    loadList();
  };
  window.addEventListener("popstate", () => location.reload());
  if (form.dataset.batch) watch(form.dataset.batch);
  loadList();
}
async function loadList() {
  const branch = $("branch").value.trim();
  const res = await api(`/ui/api/batches${branch ? "?branch=" + encodeURIComponent(branch) : ""}`);
  const body = document.querySelector("#batch-list tbody");
  if (!res.ok) { $("list-error").hidden = false; $("list-error").textContent = detail(res); return; }
  $("list-error").hidden = true;
  body.innerHTML = "";
  for (const b of res.body.batches) {
    const tr = el("tr");
    const a = el("a", { href: `/ui/batches/${b.batch_id}` }, b.batch_id);
    const td = el("td"); td.appendChild(a); tr.appendChild(td);
    tr.appendChild(el("td", {}, hanoiTime(b.created_at)));
    tr.appendChild(el("td", {}, b.branch || ""));
    tr.appendChild(el("td", {}, `${b.total - b.open}/${b.total}`));
    tr.appendChild(el("td", {}, b.review ? String(b.review) : ""));
    tr.appendChild(el("td", {}, b.failed ? String(b.failed) : ""));
    if (b.batch_id === $("batch-form").dataset.batch) tr.className = "on";
    body.appendChild(tr);
  }
  $("batch-list").hidden = !res.body.batches.length;
}
let watching = null;
async function watch(id) {
  watching = id;
  $("progress").hidden = false;
  $("batch-id").textContent = id;
  const res = await api(`/ui/api/batches/${encodeURIComponent(id)}`);
  if (watching !== id || expired) return;
  if (res.status === 404) { $("batch-summary").textContent = T("không có lô này", "no such batch"); return; }
  if (res.ok) {
    const b = res.body;
    const c = b.counts;
    const finished = b.total - c.queued - c.running;
    const progress = (finished + 0.5 * c.running) / Math.max(b.total, 1);
    $("bar-fill").style.width = `${(100 * progress).toFixed(0)}%`;
    $("bar-fill").parentElement.setAttribute("aria-valuenow", (100 * progress).toFixed(0));
    $("batch-summary").textContent = T(
      `${finished}/${b.total} xong · ${c.needs_review} cần kiểm tra · ${c.failed} lỗi`,
      `${finished}/${b.total} finished · ${c.needs_review} need review · ${c.failed} failed`);
    const body = document.querySelector("#docs tbody");
    body.innerHTML = "";
    for (const d of b.documents) {
      const tr = el("tr", { "data-state": d.state });
      tr.appendChild(el("td", {}, d.file));
      const st = el("td", { class: "state-" + d.state }, d.state_name || d.state);
      const bar = el("span", { class: "minibar" });
      const fill = el("span");
      fill.style.width = `${{ queued: 3, running: 50 }[d.state] ?? 100}%`;  // CSSOM: allowed by the CSP
      bar.appendChild(fill);
      st.prepend(bar);
      tr.appendChild(st);
      const rv = el("td");
      if (d.review_url) rv.appendChild(el("a", { href: d.review_url, class: "review-link" }, T(`kiểm tra ${d.review_fields || ""} trường`, `review ${d.review_fields || ""} fields`)));
      tr.appendChild(rv);
      const note = el("td");
      if (d.duplicate_of) {
        note.appendChild(el("span", { class: "dup" }, T("trùng tệp đã tải ở lô ", "duplicate of batch ")));
        note.appendChild(el("a", { href: `/ui/batches/${d.duplicate_of}` }, d.duplicate_of));
      }
      if (d.error_text) note.appendChild(el("span", { class: "error" }, " " + d.error_text));
      tr.appendChild(note);
      body.appendChild(tr);
    }
    if (b.finished) { $("batch-summary").textContent += T(" · đã xong", " · finished"); loadList(); return; }
  }
  setTimeout(() => watch(id), 1000);
}

// ---------------------------------------------------------------- documents

function documentPage() {
  // an admin may reopen any decided field, at any time (its decision stays in the history)
  for (const b of document.querySelectorAll("button.reopen")) b.onclick = async () => {
    b.disabled = true;
    const res = await api(`/ui/api/review/${b.dataset.field}/reopen`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ version: Number(b.dataset.version) }) });
    if (res.ok) location.reload();
    else { b.disabled = false; b.after(el("span", { class: "error" }, " " + detail(res))); }
  };
  const btn = $("verify");
  btn.onclick = async () => {
    btn.disabled = true;
    const out = $("verdict");
    out.hidden = false;
    out.className = "verdict";
    out.textContent = T("Đang kiểm tra…", "Checking…");
    const res = await api(`/ui/api/documents/${btn.dataset.document}/verify`, { method: "POST" });
    btn.disabled = false;
    if (!res.ok) { out.className = "verdict bad"; out.textContent = detail(res); return; }
    out.className = "verdict " + (res.body.ok ? "good" : "bad");
    out.textContent = "";
    out.appendChild(el("b", {}, res.body.verdict));
    const ul = el("ul");
    for (const line of res.body.lines) ul.appendChild(el("li", {}, line));
    out.appendChild(ul);
  };
}

// ---------------------------------------------------------------- public status

function statusForm() {
  // nothing to script: the form is a plain GET; kept for symmetry and future QR scanning
}
