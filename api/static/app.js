// sohoa pages: the token kept once, API calls with the Authorization header, review keys.
"use strict";
const KEY = "sohoa_token";

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
async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {},
                                { Authorization: "Bearer " + localStorage.getItem(KEY) });
  const r = await fetch(path, Object.assign({}, opts, { headers }));
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return { status: r.status, ok: r.ok, body, headers: r.headers };
}
function detail(res) {
  const d = res.body && res.body.detail;
  return typeof d === "string" ? d : JSON.stringify(d || res.status);
}

document.addEventListener("DOMContentLoaded", () => {
  // A token saved earlier but no cookie yet (e.g. a new session): restore it once.
  if (localStorage.getItem(KEY) && !hasCookie() && document.body.dataset.page !== "login") {
    setToken(localStorage.getItem(KEY));
    if (document.getElementById("login-form")) { location.reload(); return; }
  }
  const logout = document.getElementById("logout");
  if (logout) logout.onclick = () => { clearToken(); location.href = "/ui/login"; };
  const login = document.getElementById("login-form");
  if (login) login.onsubmit = (e) => {
    e.preventDefault();
    setToken(document.getElementById("token").value.trim());
    location.href = document.body.dataset.page === "login" ? "/ui/search" : location.href;
  };
  if (document.getElementById("review") || document.getElementById("empty")) reviewPage();
  if (document.getElementById("batch-form")) batchPage();
});

// ---------------------------------------------------------------- review

function counter() {
  let c = JSON.parse(sessionStorage.getItem("sohoa_review") || "null");
  if (!c) { c = { n: 0, start: Date.now() }; sessionStorage.setItem("sohoa_review", JSON.stringify(c)); }
  return c;
}
function showCounter() {
  const c = counter();
  const minutes = Math.max((Date.now() - c.start) / 60000, 1 / 60);
  const el = document.getElementById("throughput");
  if (el) el.textContent = `${c.n} đã xử lý · ${(c.n / minutes).toFixed(1)}/phút`;
}
function reviewPage() {
  showCounter();
  const sec = document.getElementById("review");
  if (!sec) return;
  const input = document.getElementById("value");
  const original = input.value;
  const err = document.getElementById("review-error");
  let busy = false;
  async function decide(action) {
    if (busy) return;
    busy = true;
    const payload = { action };
    if (action === "correct") payload.value = input.value.normalize("NFC");
    const res = await api(`/review/${sec.dataset.field}`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload) });
    if (!res.ok) { err.hidden = false; err.textContent = detail(res); busy = false; return; }
    const c = counter(); c.n += 1; sessionStorage.setItem("sohoa_review", JSON.stringify(c));
    location.reload();  // the reviewed field left the queue: the same offset is the next one
  }
  function skip() {
    const u = new URL(location.href);
    u.searchParams.set("offset", String(Number(sec.dataset.offset || 0) + 1));
    location.href = u.toString();
  }
  function submitInput() { decide(input.value === original ? "accept" : "correct"); }
  document.getElementById("accept").onclick = () => decide("accept");
  document.getElementById("correct").onclick = () => {
    if (document.activeElement === input && input.value !== original) submitInput();
    else { input.focus(); input.select(); }
  };
  document.getElementById("skip").onclick = skip;
  input.addEventListener("keydown", (e) => {
    if (e.isComposing) return;  // Vietnamese IMEs (Telex/VNI) compose with keys
    if (e.key === "Enter") { e.preventDefault(); submitInput(); }
    if (e.key === "Escape") { e.preventDefault(); input.value = original; input.blur(); }
  });
  document.addEventListener("keydown", (e) => {
    if (document.activeElement === input || e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.activeElement && document.activeElement.tagName === "INPUT") return;
    const k = e.key.toLowerCase();
    if (k === "a" || k === "enter") { e.preventDefault(); decide("accept"); }
    else if (k === "e") { e.preventDefault(); input.focus(); input.select(); }
    else if (k === "n") { e.preventDefault(); skip(); }
  });
  document.activeElement && document.activeElement.blur();
}

// ---------------------------------------------------------------- batches

function batchPage() {
  const form = document.getElementById("batch-form");
  const drop = document.getElementById("drop");
  const picker = document.getElementById("files");
  const err = document.getElementById("batch-error");
  let files = [];
  function list() {
    document.getElementById("chosen").innerHTML = "";
    for (const f of files) {
      const li = document.createElement("li");
      li.textContent = `${f.name} (${Math.ceil(f.size / 1024)} KiB)`;
      document.getElementById("chosen").appendChild(li);
    }
  }
  picker.onchange = () => { files = Array.from(picker.files); list(); };
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = (e) => {
    e.preventDefault(); drop.classList.remove("over");
    files = files.concat(Array.from(e.dataTransfer.files)); list();
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (!files.length) { err.hidden = false; err.textContent = "Chưa chọn tệp · no files"; return; }
    const fd = new FormData();
    fd.append("branch", document.getElementById("branch").value.trim());
    const dossier = document.getElementById("dossier").value.trim();
    if (dossier) fd.append("dossier_code", dossier);
    for (const f of files) fd.append("files", f, f.name);
    const res = await api("/batches", { method: "POST", body: fd });
    if (!res.ok) {
      err.hidden = false;
      const wait = res.headers.get("Retry-After");
      err.textContent = detail(res) + (wait ? ` (thử lại sau ${wait} s)` : "");
      return;
    }
    watch(res.body.batch_id);
  };
}
async function watch(id) {
  document.getElementById("progress").hidden = false;
  document.getElementById("batch-id").textContent = id;
  const res = await api(`/batches/${encodeURIComponent(id)}`);
  if (res.ok) {
    const b = res.body;
    const finished = b.total - b.counts.queued - b.counts.running;
    document.getElementById("bar-fill").style.width = `${(100 * finished / Math.max(b.total, 1)).toFixed(0)}%`;
    document.getElementById("batch-summary").textContent =
      `${finished}/${b.total} xong · ${b.counts.needs_review} cần kiểm tra · ${b.counts.failed} lỗi`;
    const body = document.querySelector("#docs tbody");
    body.innerHTML = "";
    for (const d of b.documents) {
      const tr = document.createElement("tr");
      for (const v of [d.file, d.state, d.review_fields || "", d.error ? d.error.message : ""]) {
        const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      }
      tr.children[1].className = "state-" + d.state;
      body.appendChild(tr);
    }
    if (b.finished) return;
  }
  setTimeout(() => watch(id), 1000);
}
