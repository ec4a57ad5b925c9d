// Browser tests of smip: the enterprise's whole path clicked through in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core; no browser download), an admin session
// without JavaScript, a basic accessibility sanity check of every visited page, and a clean
// server exit under ASan/UBSan.
//
//   node tests/e2e/run.mjs            (SMIP_BIN defaults to build/asan/smip)
//
// Prints `ok - NAME` / `FAIL - NAME: message` per test and finally exactly one line
// `e2e: N passed, M failed`; exits 0 when M is 0. Screenshots go to tests/e2e/screenshots/.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const SMIP_BIN = path.resolve(ROOT, process.env.SMIP_BIN || "build/asan/smip");
const SHOTS = path.join(HERE, "screenshots");
const ACTION_MS = 15000; // every click, fill and navigation
const TOTAL_MS = 600000; // the whole script stays under 10 minutes (a loaded 2-core machine)
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };

const ADMIN = { username: "admin", password: "Admin2020pass" };
const COMMISSION = { username: "comm", password: "Comm2020pass" };
const PASSWORD = "Smip2020pass";

const SAN_ENV = {
  ASAN_OPTIONS: process.env.ASAN_OPTIONS || "detect_leaks=1:abort_on_error=0:halt_on_error=1",
  UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || "print_stacktrace=1:halt_on_error=1",
};
const SANITIZER_RE = /AddressSanitizer|LeakSanitizer|runtime error:/;

// ------------------------------------------------------------------ tiny runner

const tests = [];
const late = []; // registered while running (accessibility of the pages visited)
const results = { passed: 0, failed: 0 };
let currentPage = null; // the page a failing test is screenshotted from

function test(name, fn) {
  tests.push({ name, fn });
}

function slug(s) {
  return s.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "test";
}

async function runOne(t) {
  currentPage = null;
  try {
    await t.fn();
    results.passed++;
    console.log(`ok - ${t.name}`);
  } catch (err) {
    results.failed++;
    const msg = String((err && err.message) || err).split("\n").slice(0, 12).join("\n    ");
    console.log(`FAIL - ${t.name}: ${msg}`);
    if (currentPage && !currentPage.isClosed()) {
      try {
        await currentPage.screenshot({ path: path.join(SHOTS, `fail-${slug(t.name)}.png`), fullPage: true, timeout: 5000 });
      } catch {
        /* the page may be gone */
      }
    }
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ------------------------------------------------------------------ helpers

let shotNo = 0;
async function shot(page, step) {
  shotNo++;
  const name = `${String(shotNo).padStart(2, "0")}-${step}.png`;
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true, timeout: ACTION_MS });
}

function cstIso(ms) {
  // RFC 3339 in China Standard Time: 2026-11-24T10:00:00+08:00
  return new Date(ms + 8 * 3600e3).toISOString().slice(0, 19) + "+08:00";
}

const USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function usccCheck(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}
function makeUscc() {
  let body = "91500112MA";
  for (let i = 0; i < 7; i++) body += Math.floor(Math.random() * 10);
  return body + usccCheck(body);
}
assert(usccCheck("91500112AY4CL12T2") === "C", "USCC check digit self-test");

function makePdf(text = "smip e2e") {
  const objs = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
  ];
  const stream = `BT /F1 12 Tf 20 100 Td (${text}) Tj ET`;
  objs.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The JSON API, as one user with a cookie jar and a CSRF token.
class Api {
  constructor(base) {
    this.base = base;
    this.cookies = {};
    this.csrf = "";
  }
  async call(method, p, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.csrf && method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    const jar = Object.entries(this.cookies).map(([k, v]) => `${k}=${v}`).join("; ");
    if (jar) headers.Cookie = jar;
    const res = await fetch(this.base + "/api/v1" + p, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(ACTION_MS),
    });
    for (const line of res.headers.getSetCookie ? res.headers.getSetCookie() : []) {
      const [pair] = line.split(";");
      const i = pair.indexOf("=");
      if (i > 0) this.cookies[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
    }
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  }
  async expect(method, p, body, status) {
    const r = await this.call(method, p, body);
    assert(r.status === status, `${method} /api/v1${p} answered ${r.status}, expected ${status}: ${r.text.slice(0, 400)}`);
    return r.json;
  }
  async login(username, password) {
    const j = await this.expect("POST", "/session", { username, password }, 200);
    this.csrf = j.csrf_token;
    assert(this.csrf, "POST /session gave no csrf_token");
  }
}

// Accessibility sanity: html[lang]=zh-CN, an <h1>, every visible form control labelled, ids unique.
const a11yResults = new Map(); // page key -> violations
function pageKey(url) {
  const u = new URL(url);
  return u.pathname.replace(/\/\d+(?=\/|$)/g, "/{id}");
}
// axe-core (node_modules/axe-core) on the page as it stands: the serious and critical violations.
const AXE_JS = path.join(ROOT, "node_modules", "axe-core", "axe.min.js");
async function axeSerious(page, what) {
  // evaluated through the DevTools protocol: the pages' CSP allows no injected <script>
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(fs.readFileSync(AXE_JS, "utf8"));
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert(found.length === 0, `axe on ${what}: ${found.join("; ")}`);
}

async function a11y(page, label) {
  const violations = await page.evaluate(() => {
    const v = [];
    const lang = document.documentElement.getAttribute("lang");
    if (lang !== "zh-CN") v.push(`html[lang] is ${JSON.stringify(lang)}, not "zh-CN"`);
    if (!document.querySelector("h1")) v.push("the page has no <h1>");
    const seen = new Map();
    for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
    for (const [id, n] of seen) if (n > 1) v.push(`id "${id}" is used ${n} times`);
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.tagName === "INPUT" && el.type === "hidden") continue;
      const aria = (el.getAttribute("aria-label") || "").trim();
      const by = (el.getAttribute("aria-labelledby") || "")
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => (document.getElementById(id) || {}).textContent || "")
        .join("")
        .trim();
      const labels = Array.from(el.labels || []).map((l) => l.textContent.trim()).join("");
      if (!aria && !by && !labels) {
        const what = `${el.tagName.toLowerCase()}${el.type ? `[type=${el.type}]` : ""}[name=${el.getAttribute("name")}]`;
        v.push(`${what} has no label or aria-label`);
      }
    }
    return v;
  });
  const key = label || pageKey(page.url());
  const prev = a11yResults.get(key) || [];
  for (const x of violations) if (!prev.includes(x)) prev.push(x);
  a11yResults.set(key, prev);
  return violations;
}

// Watches a page: the status of every document response and every uncaught script error.
function watch(page, who) {
  page.setDefaultTimeout(ACTION_MS);
  page.setDefaultNavigationTimeout(ACTION_MS);
  const w = { last: null, errors: [] };
  page.on("response", (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame() && !(res.status() >= 300 && res.status() < 400))
      w.last = { status: res.status(), method: req.method(), url: res.url() };
  });
  page.on("pageerror", (e) => w.errors.push(`${who}: ${e.message}`));
  page.watch = w;
  return page;
}

// The page's document answered, with its status in `ok` (default 2xx).
async function landed(page, what, ok = (s) => s >= 200 && s < 300) {
  await page.waitForLoadState("load");
  const last = page.watch.last;
  if (!last || !ok(last.status)) {
    let body = "";
    try {
      body = (await page.locator("main").innerText({ timeout: 2000 })).replace(/\s+/g, " ").slice(0, 300);
    } catch {
      /* no main */
    }
    const u = new URL(last ? last.url : page.url());
    throw new Error(`${what}: ${last ? `${last.method} ${u.pathname}${u.search} answered ${last.status}` : "no document response"}${body ? ` — page says: ${body}` : ""}`);
  }
  await a11y(page);
}

// Submits with a click and waits for the resulting document.
async function submit(page, locator, what, ok) {
  const before = page.watch.last;
  await locator.click();
  await page.waitForLoadState("load");
  // a POST may 303 to a GET; wait until the response after the click has been seen
  for (let i = 0; i < 50 && page.watch.last === before; i++) await sleep(100);
  await landed(page, what, ok);
}

async function see(locator, what, timeout = 5000) {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
  } catch {
    throw new Error(`${what} not shown on ${new URL(locator.page().url()).pathname}`);
  }
}

async function mainText(page) {
  return (await page.locator("main").innerText()).replace(/\s+/g, " ");
}

async function fieldErrors(page) {
  return page.locator(".field-error").allInnerTexts();
}

// Completes a 能力测评 through the API with the page's own session (cookie and CSRF token),
// answering 全部满足 everywhere: the quick way to satisfy rule A1 in a path about something else.
async function completeAssessmentViaApi(page) {
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
  const m = await page.request.get(server.base + "/api/v1/assessment-model");
  assert(m.status() === 200, `GET /assessment-model answered ${m.status()}`);
  const model = await m.json();
  const answers = {};
  for (const el of model.elements)
    for (const d of el.domains) for (const s of d.subdomains) for (const q of s.requirements) answers[q.id] = 1;
  const r = await page.request.post(server.base + "/api/v1/assessments", {
    data: { answers },
    headers: { "X-CSRF-Token": csrf || "" },
  });
  assert(r.status() === 201, `POST /assessments answered ${r.status()}: ${(await r.text()).slice(0, 300)}`);
}

// ------------------------------------------------------------------ server

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "smip-e2e-"));
const DB = path.join(tmp, "smip.db");
const server = { proc: null, port: 0, base: "", stderrPath: path.join(tmp, "server.stderr"), exit: null };
let browser = null;
const state = {}; // what the enterprise path built, for later tests

function cli(args, input) {
  const r = spawnSync(SMIP_BIN, args, {
    input: input ?? "",
    env: { ...process.env, ...SAN_ENV },
    timeout: 30000,
    encoding: "utf8",
  });
  const err = r.stderr || "";
  if (r.error) throw new Error(`smip ${args.join(" ")}: ${r.error.message}`);
  if (SANITIZER_RE.test(err)) throw new Error(`smip ${args.join(" ")} printed a sanitizer report:\n${err.slice(0, 2000)}`);
  if (r.status !== 0) throw new Error(`smip ${args.join(" ")} exited ${r.status}: ${err.slice(0, 1000)}`);
  return r;
}

async function startServer() {
  assert(fs.existsSync(SMIP_BIN), `no server binary at ${SMIP_BIN} (run make build/asan/smip)`);
  cli(["init", "--db", DB]);
  cli(["user", "add", "--db", DB, "--role", "admin", "--username", ADMIN.username, "--password-stdin"], ADMIN.password);
  cli(["user", "add", "--db", DB, "--role", "commission", "--username", COMMISSION.username, "--password-stdin"], COMMISSION.password);
  for (let attempt = 0; attempt < 3; attempt++) {
    server.port = await freePort();
    server.base = `http://127.0.0.1:${server.port}`;
    const err = fs.openSync(server.stderrPath, "a");
    const proc = spawn(SMIP_BIN, ["serve", "--db", DB, "--listen", `127.0.0.1:${server.port}`], {
      env: { ...process.env, ...SAN_ENV },
      stdio: ["ignore", err, err],
    });
    fs.closeSync(err);
    server.proc = proc;
    server.exit = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
    let exited = false;
    server.exit.then(() => (exited = true));
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline && !exited) {
      try {
        const r = await fetch(server.base + "/healthz", { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) return;
      } catch {
        /* not yet */
      }
      await sleep(100);
    }
    const tail = fs.readFileSync(server.stderrPath, "utf8").slice(-2000);
    if (!exited) {
      proc.kill("SIGKILL");
      throw new Error(`server not healthy within 20 s:\n${tail}`);
    }
    if (!/in use/i.test(tail)) throw new Error(`server exited at start:\n${tail}`);
  }
  throw new Error("no free port after 3 attempts");
}

async function stopServer() {
  const problems = [];
  if (!server.proc) return ["the server was never started"];
  if (server.proc.exitCode === null && server.proc.signalCode === null) {
    server.proc.kill("SIGTERM");
    const r = await Promise.race([server.exit, sleep(30000).then(() => null)]);
    if (!r) {
      server.proc.kill("SIGKILL");
      problems.push("the server did not exit within 30 s of SIGTERM");
    }
  } else {
    problems.push("the server had died before the end of the tests");
  }
  const { code, signal } = await server.exit;
  if (code !== 0) problems.push(`the server exited with ${code === null ? `signal ${signal}` : `status ${code}`}`);
  const err = fs.existsSync(server.stderrPath) ? fs.readFileSync(server.stderrPath, "utf8") : "";
  const m = SANITIZER_RE.exec(err);
  if (m) problems.push(`the server's stderr has a sanitizer report:\n${err.slice(Math.max(0, m.index - 300), m.index + 3000)}`);
  return problems;
}

// ------------------------------------------------------------------ tests

test("server starts; the commission opens a batch through the API", async () => {
  await startServer();
  const comm = new Api(server.base);
  await comm.login(COMMISSION.username, COMMISSION.password);
  await comm.expect("POST", "/apps/imp/connect", {}, 200);
  const list = await comm.expect("GET", "/batches", undefined, 200);
  const items = Array.isArray(list) ? list : list.items || [];
  const b2020 = items.find((b) => b.year === 2020);
  assert(b2020, `no year-2020 batch in GET /batches: ${JSON.stringify(list).slice(0, 300)}`);
  const now = Date.now();
  const year = Number(cstIso(now).slice(0, 4));
  const batch = await comm.expect(
    "POST",
    "/batches",
    {
      year,
      name: `${year}年重庆市数字化车间和智能工厂认定（浏览器测试）`,
      notice_no: `渝经信智能〔${year}〕99号`,
      opens_at: cstIso(now - 86400e3),
      closes_at: cstIso(now + 30 * 86400e3),
      district_deadline: cstIso(now + 37 * 86400e3),
      rules_from: b2020.id,
    },
    201,
  );
  state.batch = batch;
});

test("enterprise: register → approval → 确定接入 → 我是新用户 → project → application → 预检 → 提交申报", async () => {
  assert(server.base && state.batch, "no server or batch (setup failed)");
  const uniq = String(Date.now() % 1e6).padStart(6, "0");
  const ent = {
    username: `e2e_ent_${uniq}`,
    password: PASSWORD,
    display_name: "王晓明",
    phone: "13800138000",
    email: `e2e${uniq}@example.cn`,
    enterprise_name: `重庆浏览器测试${uniq}智能装备有限公司`,
    uscc: makeUscc(),
  };
  state.ent = ent;
  const pdfPath = path.join(tmp, "立项备案证明.pdf");
  fs.writeFileSync(pdfPath, makePdf("approval"));
  const pdf2Path = path.join(tmp, "设备清单.pdf");
  fs.writeFileSync(pdf2Path, makePdf("equipment list"));

  // --- on a phone: home, register, try to log in while pending
  const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: "zh-CN" });
  let page = watch(await phone.newPage(), "phone");
  currentPage = page;
  await page.goto(server.base + "/");
  await landed(page, "home page");
  const home = await mainText(page);
  assert(home.includes("申报截止"), "the home page shows no batch timeline with 申报截止");
  assert(home.includes(state.batch.name), `the home page does not name the open batch ${state.batch.name}`);
  await shot(page, "home-phone");

  await page.locator("main").getByRole("link", { name: "现在注册" }).click();
  await landed(page, "register page");
  await see(page.getByRole("heading", { level: 1, name: "现在注册" }), "the heading 现在注册");
  await page.getByLabel("用户名").fill(ent.username);
  await page.getByLabel("密码").fill(ent.password);
  await page.getByLabel("联系人姓名").fill(ent.display_name);
  await page.getByLabel("手机号码").fill(ent.phone);
  await page.getByLabel("电子邮箱").fill(ent.email);
  await page.getByLabel("企业名称").fill(ent.enterprise_name);
  await page.getByLabel("统一社会信用代码").fill(ent.uscc);
  await shot(page, "register-filled");
  await submit(page, page.getByRole("button", { name: "提交注册" }), "submitting the registration");
  const errs = await fieldErrors(page);
  assert(errs.length === 0, `the registration was refused: ${errs.join("; ")}`);
  await see(page.getByText("注册申请已提交"), "注册申请已提交");
  assert((await mainText(page)).includes("审核"), "the registration result does not say it awaits 审核");
  await shot(page, "register-done");

  await page.getByRole("link", { name: "去登录" }).click();
  await landed(page, "login page");
  await page.getByLabel("用户名").fill(ent.username);
  await page.getByLabel("密码").fill(ent.password);
  await submit(page, page.getByRole("button", { name: "登录", exact: true }), "logging in while pending", (s) => s < 500);
  await see(page.locator(".flash-error"), "a refusal message");
  const refusal = await page.locator(".flash-error").innerText();
  assert(refusal.includes("审核"), `the pending login says "${refusal}", expected a message about 审核`);
  assert(new URL(page.url()).pathname === "/login", `a pending account got past the login to ${page.url()}`);
  await shot(page, "login-pending");
  await phone.close();

  // --- the admin approves, in a second browser context at a desktop
  const adminCtx = await browser.newContext({ viewport: DESKTOP, locale: "zh-CN" });
  const admin = watch(await adminCtx.newPage(), "admin");
  currentPage = admin;
  await admin.goto(server.base + "/login");
  await landed(admin, "login page (admin)");
  await admin.getByLabel("用户名").fill(ADMIN.username);
  await admin.getByLabel("密码").fill(ADMIN.password);
  await submit(admin, admin.getByRole("button", { name: "登录", exact: true }), "admin login");
  if (new URL(admin.url()).pathname !== "/admin/accounts") {
    await admin.locator("nav.site-nav").getByRole("link", { name: "账号管理" }).click();
    await landed(admin, "the registration queue");
  }
  await see(admin.getByRole("heading", { level: 1, name: "账号管理" }), "the heading 账号管理");
  const row = admin.locator("tbody tr", { hasText: ent.username });
  await see(row, `the queue row of ${ent.username}`);
  assert((await row.innerText()).includes(ent.uscc), "the queue row does not show the USCC");
  await shot(admin, "admin-queue");
  await submit(admin, row.getByRole("button", { name: "通过" }), "approving the request");
  await admin.goto(server.base + "/admin/accounts?status=active");
  await landed(admin, "the approved accounts");
  await see(admin.locator("tbody tr", { hasText: ent.username }), `${ent.username} among the approved accounts`);
  state.approved = true;
  await shot(admin, "admin-approved");
  await adminCtx.close();

  // --- the enterprise at a desktop from here on
  const desk = await browser.newContext({ viewport: DESKTOP, locale: "zh-CN" });
  page = watch(await desk.newPage(), "enterprise");
  currentPage = page;
  await page.goto(server.base + "/");
  await landed(page, "home page (desktop)");
  await page.locator("main").getByRole("link", { name: "登录" }).click();
  await landed(page, "login page");
  await page.getByLabel("用户名").fill(ent.username);
  await page.getByLabel("密码").fill(ent.password);
  await submit(page, page.getByRole("button", { name: "登录", exact: true }), "enterprise login");
  assert(new URL(page.url()).pathname !== "/login", `the approved enterprise is still on /login: ${await mainText(page)}`);
  if (new URL(page.url()).pathname !== "/portal") {
    await page.locator("nav.site-nav").getByRole("link", { name: "业务系统" }).click();
    await landed(page, "the portal");
  }
  await see(page.getByRole("heading", { level: 1, name: "业务系统类" }), "the heading 业务系统类");
  const tile = page.locator(".app-tile", { hasText: "智能制造信息管理平台" });
  await see(tile, "the 智能制造信息管理平台 tile");
  await shot(page, "portal-before");
  await submit(page, tile.getByRole("button", { name: "确定接入" }), "确定接入");
  await see(page.getByRole("link", { name: /进入智能制造信息管理平台/ }), "the link into the platform after 确定接入");
  await shot(page, "portal-connected");
  await page.getByRole("link", { name: /进入智能制造信息管理平台/ }).click();
  await landed(page, "the platform's first entry");
  await see(page.getByRole("heading", { name: "我是新用户" }), "我是新用户");
  const newUser = page.locator("section", { has: page.getByRole("heading", { name: "我是新用户" }) });
  assert((await newUser.locator('input[name="enterprise.uscc"]').inputValue()).toUpperCase() === ent.uscc, "the USCC is not pre-filled from the registration");
  assert((await newUser.locator('input[name="enterprise.name"]').inputValue()) === ent.enterprise_name, "the enterprise name is not pre-filled from the registration");
  await newUser.getByLabel("注册地址").fill("重庆市渝北区两港大道 188 号");
  await newUser.getByLabel("法定代表人").fill("李建国");
  await newUser.getByLabel("注册地所在区县").selectOption("500112");
  await newUser.getByLabel("离散型").check();
  await newUser.getByLabel("具有独立法人资格").check();
  await shot(page, "imp-new-user");
  await submit(page, newUser.getByRole("button", { name: "确认信息并进入" }), "confirming the enterprise (我是新用户)");
  {
    const e = await fieldErrors(page);
    assert(e.length === 0, `我是新用户 was refused: ${e.join("; ")}`);
  }
  if (new URL(page.url()).pathname !== "/dashboard") {
    await page.locator("nav.site-nav").getByRole("link", { name: "我的工作台" }).click();
    await landed(page, "the dashboard");
  }
  await see(page.getByRole("heading", { level: 1, name: "我的工作台" }), "the heading 我的工作台");
  const dash = await mainText(page);
  assert(dash.includes(ent.enterprise_name), "the dashboard does not show the enterprise name");
  assert(dash.includes("渝北"), "the dashboard does not show the district 渝北区");
  await shot(page, "dashboard-first");

  // --- 智能化改造项目
  await page.locator("main").getByRole("link", { name: "登记新项目" }).click();
  await landed(page, "the new project form");
  const project = { name: `数字化车间智能化改造项目${uniq}`, site: `精密加工数字化车间${uniq}` };
  state.project = project;
  await page.getByLabel("项目名称").fill(project.name);
  await page.getByLabel("车间/工厂名称").fill(project.site);
  await page.getByLabel("项目所在区县").selectOption("500112");
  await page.getByLabel("项目地址").fill("重庆市渝北区两港大道 188 号 3 号厂房");
  await page.getByLabel(/Ⅱ类项目/).check();
  await page.getByLabel("开工日期").fill("2018-06-01");
  await page.getByLabel("（计划）完工日期").fill("2019-12-31");
  await page.getByLabel("项目进度（%）").fill("100");
  await page.getByLabel("项目总投资（元）").fill("30000000");
  await page.getByLabel(/设备和软件投资/).fill("12000000");
  await page.getByLabel("立项证明类型").selectOption({ label: "备案" });
  await page.getByLabel("上传立项证明文件").setInputFiles(pdfPath);
  await page.getByLabel("主要建设内容").fill("引进五轴数控加工中心 40 台，建设 MES 与设备联网采集系统。");
  await page.getByLabel("预期效果").fill("运营成本降低 20%，生产效率提高 15%，不良品率降低 20%，能源利用率提高 10%。");
  await shot(page, "project-form");
  await submit(page, page.getByRole("button", { name: "保存项目" }), "saving the project");
  {
    const e = await fieldErrors(page);
    assert(e.length === 0, `the project was refused: ${e.join("; ")}`);
  }
  await shot(page, "project-saved");

  // --- back on the dashboard: a new application
  await page.locator("nav.site-nav").getByRole("link", { name: "我的工作台" }).click();
  await landed(page, "the dashboard");
  assert((await mainText(page)).includes(project.name), "the dashboard does not list the new project");
  const newApp = page.locator("form", { has: page.getByRole("button", { name: "创建申报书" }) });
  await see(newApp, "the 新建申报 form on the dashboard");
  await newApp.getByLabel("申报项目").selectOption({ label: project.name });
  await newApp.getByLabel("数字化车间").check();
  await shot(page, "dashboard-new-application");
  await submit(page, newApp.getByRole("button", { name: "创建申报书" }), "creating the application");
  {
    const e = await fieldErrors(page);
    assert(e.length === 0, `the application was refused: ${e.join("; ")}`);
  }
  if (!/\/applications\/\d+\/edit$/.test(new URL(page.url()).pathname)) {
    const link = page.getByRole("link", { name: /修改申报书|填写申报书/ }).first();
    await link.click();
    await landed(page, "the application form");
  }
  const appPath = new URL(page.url()).pathname.replace(/\/edit$/, "");
  state.appPath = appPath;
  await see(page.getByRole("heading", { level: 1, name: /数字化车间申报书/ }), "the heading 数字化车间申报书");

  // --- a bad value first: the error sits next to its field, the other values stay
  const form = page.locator("#application-form");
  const f = (name) => form.locator(`[name="${name}"]:not([type=hidden])`);
  await f("equipment_total").fill("100");
  await f("equipment_digital").fill("60");
  await f("data_points_total").fill("100");
  await f("integration.description").fill("MES 与 ERP、设备数据采集系统通过 OPC UA 实时交换生产数据");
  await f("kpis.operating_cost.before").fill("abc");
  await f("kpis.operating_cost.after").fill("80");
  await submit(page, form.getByRole("button", { name: "保存草稿" }), "saving a draft with a bad value", (s) => s < 500);
  const errEl = page.locator('[id="kpis.operating_cost.before-error"]');
  await see(errEl, "the field error of kpis.operating_cost.before");
  const beside = await page.evaluate(() => {
    const input = document.getElementById("kpis.operating_cost.before");
    const err = document.getElementById("kpis.operating_cost.before-error");
    if (!input || !err) return "missing";
    const box = input.closest(".field, td");
    return box && box.contains(err) ? "ok" : "elsewhere";
  });
  assert(beside === "ok", `the error of kpis.operating_cost.before is not next to its field (${beside})`);
  assert((await f("kpis.operating_cost.before").getAttribute("aria-invalid")) === "true", "the bad field is not marked aria-invalid");
  assert((await f("kpis.operating_cost.before").inputValue()) === "abc", "the bad value was not kept for correction");
  for (const [name, want] of [
    ["equipment_total", "100"],
    ["equipment_digital", "60"],
    ["data_points_total", "100"],
    ["kpis.operating_cost.after", "80"],
  ]) {
    const got = await f(name).inputValue();
    assert(got === want, `after the refused save ${name} is "${got}", the typed "${want}" was lost`);
  }
  assert((await f("integration.description").inputValue()).includes("OPC UA"), "after the refused save the integration description was lost");
  await shot(page, "application-field-error");

  // --- every figure so that every rule passes
  await f("kpis.operating_cost.before").fill("100");
  await f("equipment_total").fill("100");
  await f("equipment_digital").fill("60");
  await f("data_points_total").fill("100");
  await f("data_points_uploaded").fill("95");
  for (const name of [
    "networked.processing",
    "networked.inspection",
    "networked.logistics",
    "realtime_monitoring",
    "mes.scheduling",
    "mes.process",
    "mes.logistics_warehousing",
    "mes.quality",
    "mes.equipment",
    "visual_management",
    "integration.realtime_data_mes_erp",
    "industrial_policy_compliant",
    "declaration_signed",
  ])
    await form.locator(`input[type=checkbox][name="${name}"]`).check();
  await form.getByLabel(/改造项目：与建设前对比/).check();
  await f("kpis.operating_cost.after").fill("80");
  await f("kpis.efficiency.before").fill("100");
  await f("kpis.efficiency.after").fill("115");
  await f("kpis.defect_rate.before").fill("10");
  await f("kpis.defect_rate.after").fill("8");
  await f("kpis.energy_utilization.before").fill("100");
  await f("kpis.energy_utilization.after").fill("110");
  await form.getByLabel("5G").check();
  await form.getByLabel("数字孪生").check();
  await form.getByLabel("上传附件").setInputFiles(pdf2Path);
  await submit(page, form.getByRole("button", { name: "保存草稿" }), "saving the full draft", (s) => s < 500);
  {
    const e = await fieldErrors(page);
    assert(e.length === 0, `the full draft was refused: ${e.join("; ")}`);
  }
  for (const [name, want] of [
    ["equipment_digital", "60"],
    ["data_points_uploaded", "95"],
    ["kpis.energy_utilization.after", "110"],
  ]) {
    const got = (await f(name).inputValue()).replace(/\.0+$/, "");
    assert(got === want, `after saving the draft ${name} is "${got}", expected "${want}"`);
  }
  assert(await form.locator('input[type=checkbox][name="mes.quality"]').isChecked(), "after saving the draft mes.quality is not ticked");
  assert(await form.locator('input[type=checkbox][name="technologies"][value="digital_twin"]').isChecked(), "after saving the draft 数字孪生 is not ticked");
  await see(form.locator("#section-attachments a", { hasText: /设备清单|\.pdf/ }), "the uploaded attachment in 附件材料");
  await shot(page, "application-saved");

  // --- rule A1 needs a completed 能力测评 before submitting: answered here through the API with
  // the page's own session (the questionnaire itself is driven in the browser by its own test)
  await completeAssessmentViaApi(page);

  // --- 预检
  const before = page.watch.last;
  await form.getByRole("button", { name: "预检" }).click();
  await page.waitForLoadState("load");
  if (page.watch.last !== before) await landed(page, "预检 (form post)", (s) => s < 500);
  const list = page.locator("#findings-list");
  await see(list.locator("li", { hasText: "T-equipment-share" }), "the finding T-equipment-share in the 预检 panel", ACTION_MS);
  const fails = await list.locator("li.finding-fail").allInnerTexts();
  assert(fails.length === 0, `预检 still fails: ${fails.map((t) => t.replace(/\s+/g, " ")).join(" | ")}`);
  const passes = await list.locator("li.finding-ok").count();
  assert(passes >= 5, `预检 shows only ${passes} passing findings`);
  const summary = await page.locator("#findings-summary").innerText();
  assert(summary.includes("全部满足"), `the 预检 summary says "${summary}"`);
  await shot(page, "application-precheck");

  // --- 提交申报
  await submit(page, page.locator("#application-form").getByRole("button", { name: "提交申报" }), "提交申报", (s) => s < 500);
  {
    const e = await fieldErrors(page);
    const ff = await page.locator("#findings-list li.finding-fail").allInnerTexts();
    assert(e.length === 0 && ff.length === 0, `提交申报 was refused: ${[...e, ...ff].join(" | ").replace(/\s+/g, " ")}`);
  }
  if (new URL(page.url()).pathname !== appPath) {
    await page.goto(server.base + appPath);
    await landed(page, "the application page");
  }
  await see(page.getByRole("heading", { level: 1 }).filter({ hasText: "已提交" }), "the status 已提交 in the heading");
  const timeline = page.locator("section", { has: page.getByRole("heading", { name: "办理过程" }) }).locator("ol.timeline li");
  assert((await timeline.count()) >= 1, "the application page has no timeline entry");
  assert(/提交/.test(await timeline.last().innerText()), `the last timeline entry does not record the submit: ${await timeline.last().innerText()}`);
  await shot(page, "application-submitted");

  // the dashboard lists it as submitted
  await page.locator("nav.site-nav").getByRole("link", { name: "我的工作台" }).click();
  await landed(page, "the dashboard after submit");
  const appRow = page.locator("#applications tbody tr", { hasText: project.name });
  await see(appRow, "the application row on the dashboard");
  assert((await appRow.innerText()).includes("已提交"), `the dashboard row says ${await appRow.innerText()}`);
  await shot(page, "dashboard-submitted");

  const jsErrors = [...page.watch.errors];
  assert(jsErrors.length === 0, `script errors: ${jsErrors.join("; ")}`);
  await desk.close();
});

test("enterprise without JavaScript: the whole 能力测评 questionnaire section by section → report with radar", async () => {
  assert(server.base && state.ent && state.approved, "no enterprise from the enterprise path (it failed)");
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: DESKTOP, locale: "zh-CN" });
  try {
    const page = watch(await ctx.newPage(), "assessment");
    currentPage = page;
    await page.goto(server.base + "/login");
    await landed(page, "login page (assessment)");
    await page.getByLabel("用户名").fill(state.ent.username);
    await page.getByLabel("密码").fill(state.ent.password);
    await submit(page, page.getByRole("button", { name: "登录", exact: true }), "enterprise login (assessment)");
    await page.goto(server.base + "/assessments");
    await landed(page, "the 能力测评 page");
    await see(page.getByRole("heading", { level: 1, name: "智能制造能力测评" }), "the heading 智能制造能力测评");
    await submit(page, page.locator("main").getByRole("link", { name: /开始(新的)?测评/ }), "starting the questionnaire");

    // every section: answer each requirement (大部分满足 for every third, else 全部满足), save, go on
    let sections = 0;
    let answered = 0;
    for (;;) {
      sections++;
      assert(sections <= 20, "the questionnaire does not end");
      const reqs = page.locator("fieldset.asm-req");
      const n = await reqs.count();
      assert(n >= 2, `section ${sections} shows ${n} requirements`);
      for (let i = 0; i < n; i++) {
        await reqs.nth(i).locator(`input[type=radio][value="${(answered + i) % 3 === 2 ? "0.8" : "1"}"]`).check();
      }
      answered += n;
      const last = page.getByRole("button", { name: "保存并提交测评" });
      if (await last.count()) {
        await shot(page, "assessment-last-section");
        await submit(page, last, "submitting the questionnaire");
        break;
      }
      await submit(page, page.getByRole("button", { name: "保存并继续" }), `saving section ${sections}`);
      if (sections === 1) {
        // the draft is on the server: the overview shows the progress and resumes it
        await page.goto(server.base + "/assessments");
        await landed(page, "the 能力测评 page with a draft");
        const text = await mainText(page);
        assert(text.includes(`已答 ${n} /`), `the overview does not show the draft's progress: ${text.slice(0, 300)}`);
        await submit(page, page.getByRole("link", { name: "继续答题" }), "resuming the questionnaire");
        const checked = await page.locator("fieldset.asm-req input[type=radio]:checked").count();
        assert(checked === n, `resumed section 1 shows ${checked} of ${n} answers`);
        await submit(page, page.getByRole("button", { name: "保存并继续" }), "going on from section 1");
        await shot(page, "assessment-section-2");
      }
    }
    assert(sections >= 12, `only ${sections} sections`);

    // the report
    await see(page.getByRole("heading", { level: 1, name: "智能制造能力测评报告" }), "the report heading");
    const score = (await page.locator("#asm-score").innerText()).trim();
    assert(/^[0-5](\.\d{1,4})?$/.test(score) && Number(score) >= 3.8, `the report's score is "${score}"`);
    const text = await mainText(page);
    assert(/[一二三四五]级/.test(text), "the report names no level");
    const radar = page.locator("figure.asm-radar svg");
    await see(radar, "the radar chart");
    assert((await radar.locator("polygon.radar-values").count()) === 1, "the radar has no polygon of this assessment");
    assert((await radar.locator("text", { hasText: "组织战略" }).count()) >= 1, "the radar does not name 组织战略");
    await see(page.locator(".asm-weakest li").first(), "the weakest sub-domains");
    assert(text.includes("达到"), "the improvement directions name no next level");
    // the assessment made through the API earlier appears side by side with its change
    assert((await page.locator("table.asm-domains thead th").count()) >= 4, "no earlier assessment beside this one");
    assert(text.includes("等权"), "the report does not say the weights are equal");
    await shot(page, "assessment-report");
    const svg = await page.request.get(page.url().replace(/\/assessments\/(\d+).*$/, "/api/v1/assessments/$1/radar.svg"));
    assert(svg.status() === 200 && (svg.headers()["content-type"] || "").startsWith("image/svg+xml"), `radar.svg answered ${svg.status()}`);
  } finally {
    await ctx.close();
  }
});

test("without JavaScript: register, then the admin logs in through the form and sees the queue", async () => {
  assert(server.base, "no server (setup failed)");
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: DESKTOP, locale: "zh-CN" });
  try {
    const page = watch(await ctx.newPage(), "nojs");
    currentPage = page;
    const uniq = String((Date.now() + 7) % 1e6).padStart(6, "0");
    const username = `e2e_nojs_${uniq}`;
    await page.goto(server.base + "/register");
    await landed(page, "register page (no JS)");
    await page.getByLabel("用户名").fill(username);
    await page.getByLabel("密码").fill(PASSWORD);
    await page.getByLabel("联系人姓名").fill("赵静");
    await page.getByLabel("手机号码").fill("023-63895239");
    await page.getByLabel("电子邮箱").fill(`${username}@example.cn`);
    await page.getByLabel("企业名称").fill(`重庆无脚本${uniq}机械有限公司`);
    await page.getByLabel("统一社会信用代码").fill(makeUscc().toLowerCase());
    await submit(page, page.getByRole("button", { name: "提交注册" }), "registration (no JS)");
    const e = await fieldErrors(page);
    assert(e.length === 0, `the registration was refused: ${e.join("; ")}`);
    await see(page.getByText("注册申请已提交"), "注册申请已提交");

    await page.goto(server.base + "/login");
    await landed(page, "login page (no JS)");
    await page.getByLabel("用户名").fill(ADMIN.username);
    await page.getByLabel("密码").fill(ADMIN.password);
    await submit(page, page.getByRole("button", { name: "登录", exact: true }), "admin login (no JS)");
    if (new URL(page.url()).pathname !== "/admin/accounts") {
      await page.locator("nav.site-nav").getByRole("link", { name: "账号管理" }).click();
      await landed(page, "the registration queue (no JS)");
    }
    await see(page.getByRole("heading", { level: 1, name: "账号管理" }), "the heading 账号管理");
    const row = page.locator("tbody tr", { hasText: username });
    await see(row, `the pending request of ${username}`);
    await see(row.getByRole("button", { name: "通过" }), "the 通过 button");
    await see(row.getByLabel("驳回理由"), "the 驳回理由 field");
    if (state.approved) assert(!(await mainText(page)).includes(state.ent.username), "the approved enterprise is still in the pending queue");
    await shot(page, "nojs-admin-queue");
  } finally {
    await ctx.close();
  }
});

test("an expired session loses nothing: questionnaire answers and application input come back after login", async () => {
  assert(server.base && state.ent && state.approved && state.appPath, "no enterprise application from the enterprise path (it failed)");
  const appId = Number(state.appPath.split("/").pop());
  const api = new Api(server.base);
  await api.login(state.ent.username, state.ent.password);
  const before = await api.expect("GET", `/applications/${appId}`, undefined, 200);
  if (before.status !== "draft") await api.expect("POST", `/applications/${appId}/withdraw`, {}, 200);
  const ctx = await browser.newContext({ viewport: DESKTOP, locale: "zh-CN" });
  try {
    const page = watch(await ctx.newPage(), "keeper");
    currentPage = page;
    const login = async (what) => {
      if (new URL(page.url()).pathname !== "/login") await page.goto(server.base + "/login");
      await page.getByLabel("用户名").fill(state.ent.username);
      await page.getByLabel("密码").fill(state.ent.password);
      await submit(page, page.getByRole("button", { name: "登录", exact: true }), what);
    };
    await login("enterprise login (keeper)");

    // --- the questionnaire: a choice is saved as it is made; after the session ends it waits in the browser
    await page.goto(server.base + "/assessments/questionnaire");
    await landed(page, "the questionnaire");
    const reqs = page.locator("fieldset.asm-req");
    const id0 = await reqs.nth(0).locator("input[type=radio]").first().getAttribute("name");
    const id1 = await reqs.nth(1).locator("input[type=radio]").first().getAttribute("name");
    await reqs.nth(0).locator('input[type=radio][value="0.5"]').check();
    await see(page.locator("#asm-autosave", { hasText: "作答已自动保存" }), "the autosave line after the first choice");
    let draft = await api.expect("GET", "/assessments/draft", undefined, 200);
    assert(String(draft.answers[id0]) === "0.5", `the first choice is not in the draft: ${JSON.stringify(draft.answers[id0])}`);
    await ctx.clearCookies(); // the session is gone (as after 30 idle minutes)
    await reqs.nth(1).locator('input[type=radio][value="0.5"]').check();
    await see(page.locator("#asm-autosave", { hasText: "登录已过期" }), "the expired-session line");
    draft = await api.expect("GET", "/assessments/draft", undefined, 200);
    assert(draft.answers[id1] === undefined, "the second choice reached the server without a session");
    await shot(page, "keeper-questionnaire-expired");
    await login("logging in again (questionnaire)");
    await page.goto(server.base + "/assessments/questionnaire");
    await landed(page, "the questionnaire again");
    await see(page.locator(".keeper-notice", { hasText: "已提交您上次" }), "the notice that the kept answers were sent");
    draft = await api.expect("GET", "/assessments/draft", undefined, 200);
    assert(String(draft.answers[id1]) === "0.5", `the kept choice did not reach the draft: ${JSON.stringify(draft.answers)}`);

    // --- the application form: typed while the session is gone, saved after logging in again
    await page.goto(server.base + state.appPath + "/edit");
    await landed(page, "the application form (keeper)");
    const field = page.locator('#application-form [name="data_points_uploaded"]:not([type=hidden])');
    const total = Number((await page.locator('#application-form [name="data_points_total"]').inputValue()) || "0");
    const current = Number((await field.inputValue()) || "0");
    assert(total >= 2, `the application has ${total} data points; the test needs a value below it`);
    const typed = String(current === total - 1 ? total - 2 : total - 1);
    await ctx.clearCookies();
    await field.fill(typed);
    await field.blur();
    await submit(page, page.getByRole("button", { name: "保存草稿" }), "saving the draft after the session ended", (s) => s < 500);
    assert(new URL(page.url()).pathname === "/login", `an expired session's post went to ${page.url()}, expected the login page`);
    let app = await api.expect("GET", `/applications/${appId}`, undefined, 200);
    assert(String(app.data_points_uploaded) !== typed, "the post without a session changed the draft");
    await login("logging in again (application)");
    if (new URL(page.url()).pathname !== state.appPath + "/edit") await page.goto(server.base + state.appPath + "/edit");
    await landed(page, "the application form after logging in again");
    await see(page.locator(".keeper-notice", { hasText: "尚未保存的内容" }), "the notice that unsaved input was restored");
    assert((await field.inputValue()) === typed, `the form shows ${await field.inputValue()}, not the kept ${typed}`);
    await shot(page, "keeper-application-restored");
    await see(page.locator("#autosave-status", { hasText: "已自动保存" }), "the restored input saved automatically", 10000);
    app = await api.expect("GET", `/applications/${appId}`, undefined, 200);
    assert(String(app.data_points_uploaded) === typed, `the draft holds ${app.data_points_uploaded}, not the restored ${typed}`);
    await page.reload();
    await landed(page, "the application form reloaded");
    assert((await page.locator(".keeper-notice").count()) === 0, "a notice is shown again after the input was saved");
  } finally {
    await ctx.close();
  }
});

// A staff member in a browser of their own: logs in through the form and connects the platform on
// the portal as a person does the first time.
async function staffPage(who, username, password) {
  const ctx = await browser.newContext({ viewport: DESKTOP, locale: "zh-CN" });
  const page = watch(await ctx.newPage(), who);
  currentPage = page;
  await page.goto(server.base + "/login");
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await submit(page, page.getByRole("button", { name: "登录", exact: true }), `${who} login`);
  await page.goto(server.base + "/portal");
  await landed(page, `${who} portal`);
  const connect = page.getByRole("button", { name: "确定接入" });
  if (await connect.count()) await submit(page, connect.first(), `${who} connects the platform`);
  return { ctx, page };
}

test("review chain in the browser: district approves with the authenticity scan, three experts score, the commission decides", async () => {
  assert(server.base && state.ent && state.appPath, "no enterprise application from the enterprise path (it failed)");
  const appId = Number(state.appPath.split("/").pop());
  const ent = new Api(server.base);
  await ent.login(state.ent.username, state.ent.password);
  let app = await ent.expect("GET", `/applications/${appId}`, undefined, 200);
  if (app.status === "draft") app = await ent.expect("POST", `/applications/${appId}/submit`, {}, 200);
  assert(app.status === "submitted", `the application is ${app.status}, not submitted`);

  // the staff accounts: a 渝北区 reviewer by the admin, three experts by the commission
  const admin = new Api(server.base);
  await admin.login(ADMIN.username, ADMIN.password);
  const uniq = String(Date.now() % 1e6).padStart(6, "0");
  const district = { username: `e2e_yb_${uniq}`, password: PASSWORD };
  await admin.expect("POST", "/admin/accounts", { ...district, role: "district", district_code: "500112", display_name: "渝北区经信委", phone: "13900000001", email: `yb${uniq}@example.cn` }, 201);
  // the commission creates the three expert accounts on its page; a missing employer is refused
  // beside the field with the other values kept
  const experts = [];
  {
    const c0 = await staffPage("commission", COMMISSION.username, COMMISSION.password);
    try {
      await c0.page.goto(server.base + "/commission");
      await landed(c0.page, "the commission desk");
      // the commission extends the batch's district deadline by a day on the batches page
      await c0.page.getByRole("link", { name: "申报批次" }).click();
      await landed(c0.page, "the batches page");
      const card = c0.page.locator("section.card", { hasText: state.batch.name });
      await card.locator("summary").click();
      const dl = card.getByLabel("区县初审截止");
      const before = await dl.inputValue();
      const later = new Date(Date.parse(before + "+08:00") + 86400e3 + 8 * 3600e3).toISOString().slice(0, 19);
      await dl.fill(later);
      await submit(c0.page, card.getByRole("button", { name: "保存时间" }), "extending the district deadline");
      await see(c0.page.getByText("批次时间已修改"), "the confirmation");
      const b = await ent.expect("GET", `/batches/${state.batch.id}`, undefined, 200);
      assert(b.district_deadline.slice(0, 19) === later, `the district deadline is ${b.district_deadline}, expected ${later}`);
      await c0.page.goto(server.base + "/commission");
      // the desk's filters: 渝北区, submitted → the application is listed and the export link
      // carries the same filters
      await c0.page.getByLabel("区县").selectOption("500112");
      await c0.page.getByLabel("状态").selectOption("submitted");
      await submit(c0.page, c0.page.getByRole("button", { name: "筛选" }), "filtering the desk");
      await see(c0.page.getByRole("link", { name: state.ent.enterprise_name }), "the application under the filters");
      const exportHref = await c0.page.getByRole("link", { name: /导出 Excel/ }).getAttribute("href");
      assert(/status=submitted/.test(exportHref) && /district_code=500112/.test(exportHref), `the export link ${exportHref} does not carry the filters`);
      await c0.page.getByRole("link", { name: "评审专家账号" }).click();
      await landed(c0.page, "the experts page");
      for (const [n, name] of [[1, "李建国"], [2, "赵敏"], [3, "孙立新"]]) {
        const x = { username: `e2e_x${n}_${uniq}`, password: PASSWORD, display_name: name };
        const form = c0.page.locator('form[action="/commission/experts"]');
        await form.getByLabel("用户名").fill(x.username);
        await form.getByLabel("初始密码").fill(x.password);
        await form.getByLabel("姓名").fill(name);
        await form.getByLabel("手机号码").fill(`1390000001${n}`);
        await form.getByLabel("电子邮箱").fill(`x${n}${uniq}@example.cn`);
        if (n === 1) {
          await submit(c0.page, form.getByRole("button", { name: "创建专家账号" }), "creating an expert without employer", (s) => s === 400);
          await see(c0.page.locator(".field-error"), "the reason beside the employer field");
          assert((await c0.page.getByLabel("姓名").inputValue()) === name, "the refused form lost the typed name");
          await shot(c0.page, "experts-refused");
          await c0.page.getByLabel("初始密码").fill(x.password);
        }
        await c0.page.getByLabel("工作单位统一社会信用代码").fill(makeUscc());
        await submit(c0.page, c0.page.getByRole("button", { name: "创建专家账号" }), `creating expert ${n}`);
        await see(c0.page.getByText("专家账号已创建"), "the confirmation");
        experts.push(x);
      }
      for (const x of experts) await see(c0.page.locator("td", { hasText: x.username }), `expert ${x.username} in the list`);
    } finally {
      await c0.ctx.close();
    }
  }
  const pdfPath = path.join(tmp, "真实性审核意见.pdf");
  fs.writeFileSync(pdfPath, makePdf("authenticity opinion"));

  // --- the district: queue → dossier → approve without the scan (refused, beside the field) → with it
  const d = await staffPage("district", district.username, district.password);
  try {
    await d.page.goto(server.base + "/district");
    await landed(d.page, "the district queue");
    await d.page.getByRole("link", { name: state.ent.enterprise_name }).first().click();
    await landed(d.page, "the dossier (district)");
    const panel = d.page.locator("section.review-panel");
    await see(panel, "the review panel");
    await panel.getByLabel(/同意推荐/).check();
    await panel.getByLabel("审核意见说明").fill("经核实，申报材料真实。");
    await submit(d.page, panel.getByRole("button", { name: "提交初审意见" }), "approving without the scan", (s) => s >= 400 && s < 500);
    await see(d.page.locator("section.review-panel .field-error"), "the reason beside the file field");
    assert((await d.page.getByLabel("审核意见说明").inputValue()) === "经核实，申报材料真实。", "the refused post lost the typed opinion");
    await shot(d.page, "review-district-refused");
    await d.page.locator("section.review-panel").getByLabel(/同意推荐/).check();
    await d.page.locator("#authenticity_file").setInputFiles(pdfPath);
    await submit(d.page, d.page.getByRole("button", { name: "提交初审意见" }), "approving with the scan");
    await see(d.page.getByText("初审意见已提交"), "the confirmation");
    await see(d.page.locator(".badge", { hasText: "区县初审通过" }).first(), "the state 区县初审通过");
    await shot(d.page, "review-district-approved");
  } finally {
    await d.ctx.close();
  }

  // --- the commission: desk → dossier → assign three experts
  const c = await staffPage("commission", COMMISSION.username, COMMISSION.password);
  try {
    await c.page.goto(server.base + "/commission?status=district_approved");
    await landed(c.page, "the commission desk");
    await c.page.getByRole("link", { name: state.ent.enterprise_name }).first().click();
    await landed(c.page, "the dossier (commission)");
    for (const x of experts) await c.page.getByLabel(new RegExp(x.display_name)).check();
    await axeSerious(c.page, "review-commission-assign");
    await shot(c.page, "review-commission-assign");
    await submit(c.page, c.page.getByRole("button", { name: "分配", exact: true }), "assigning three experts");
    await see(c.page.getByText("评审专家已分配"), "the confirmation");
    await see(c.page.locator(".badge", { hasText: "专家评审中" }).first(), "the state 专家评审中");
  } finally {
    await c.ctx.close();
  }

  // --- each expert: desk → dossier → scores; after its own review it sees the others'
  const scores = [[28, 27, 18, 17], [25, 26, 16, 18], [30, 22, 15, 14]];
  for (let k = 0; k < experts.length; k++) {
    const x = await staffPage(`expert${k + 1}`, experts[k].username, experts[k].password);
    try {
      await x.page.goto(server.base + "/expert");
      await landed(x.page, "the expert desk");
      if (k === 0) {
        const other = makeUscc();
        await x.page.getByLabel("需回避单位的统一社会信用代码").fill(other);
        await submit(x.page, x.page.getByRole("button", { name: "声明回避" }), "declaring a conflict");
        await see(x.page.getByText("回避声明已记录"), "the confirmation");
        await see(x.page.locator("li", { hasText: other }), "the declared USCC in the list");
      }
      await see(x.page.getByText("待评审"), "the task waiting");
      await see(x.page.locator("td", { hasText: /\d+年\d+月\d+日 24:00/ }), "the due date on the desk");
      if (k === 0) {
        await axeSerious(x.page, "expert desk");
        await shotWidths(x.page, "expert-desk");
      }
      const waiting = (await x.page.locator('.inbox li[data-key="to_score"] .inbox-count').innerText()).trim();
      assert(waiting === "1", `the expert's 待办 shows ${waiting} reviews waiting, expected 1`);
      await x.page.getByRole("link", { name: state.ent.enterprise_name }).first().click();
      await landed(x.page, "the dossier (expert)");
      const inputs = x.page.locator('section.review-panel input[type="number"]');
      assert((await inputs.count()) === 4, `the score form has ${await inputs.count()} criteria`);
      for (let i = 0; i < 4; i++) await inputs.nth(i).fill(String(scores[k][i]));
      await x.page.getByLabel("建议通过").check();
      await x.page.getByLabel("评审意见").fill(`第${k + 1}位专家：建设内容完整，指标达到要求。`);
      // the total adds up as the scores are typed; the deadline is in words
      const typed = String(scores[k].reduce((a, b) => a + b, 0));
      const shown = (await x.page.locator("#score-total").innerText()).trim();
      assert(shown === typed, `the score total shows ${shown}, expected ${typed}`);
      await see(x.page.locator("section.review-panel .deadline", { hasText: /评审截止.*\d+年\d+月\d+日 24:00/ }), "the due date");
      if (k === 0) {
        await axeSerious(x.page, "review-expert-form");
        await shot(x.page, "review-expert-form");
        await x.page.setViewportSize(PHONE);
        await axeSerious(x.page, "review-expert-form-phone");
        await shot(x.page, "review-expert-form-phone");
        await x.page.setViewportSize(DESKTOP);
      }
      await submit(x.page, x.page.getByRole("button", { name: "提交评审意见" }), `expert ${k + 1} submits`);
      await see(x.page.getByText("评审意见已提交"), "the confirmation");
      const rows = await x.page.locator("section.review-panel tbody tr").count();
      assert(rows === k + 1, `expert ${k + 1} sees ${rows} reviews after its own, expected ${k + 1}`);
    } finally {
      await x.ctx.close();
    }
  }

  // --- the commission sees the aggregate and decides
  const c2 = await staffPage("commission", COMMISSION.username, COMMISSION.password);
  try {
    await c2.page.goto(server.base + state.appPath);
    await landed(c2.page, "the dossier with three reviews");
    const mean = (await c2.page.locator("#review-mean").innerText()).trim();
    const expected = scores.map((s) => s.reduce((a, b) => a + b, 0));
    const want = (expected.reduce((a, b) => a + b, 0) / 3).toFixed(4).replace(/\.?0+$/, "");
    assert(Number(mean) === Number(want), `the mean shown is ${mean}, expected ${want}`);
    await c2.page.getByLabel("通过", { exact: true }).check();
    await c2.page.getByLabel("理由").fill("三位专家均建议通过，平均分达到要求。");
    await axeSerious(c2.page, "review-commission-decision");
    await shot(c2.page, "review-commission-decision");
    await submit(c2.page, c2.page.getByRole("button", { name: "记录评审结论" }), "recording the decision");
    await see(c2.page.getByText("评审结论已记录"), "the confirmation");
    await see(c2.page.locator(".badge", { hasText: "专家评审通过" }).first(), "the state 专家评审通过");
    // the scores stay on the page after the decision, each row under its expert's name
    for (const x of experts) await see(c2.page.locator("table.reviews th", { hasText: x.display_name }), `expert ${x.display_name}'s scores after the decision`);
    await c2.page.setViewportSize(PHONE);
    await axeSerious(c2.page, "review-commission-decided-phone");
    await shot(c2.page, "review-commission-decided-phone");
    await c2.page.setViewportSize(DESKTOP);
  } finally {
    await c2.ctx.close();
  }

  // --- the enterprise's timeline carries every reason, no expert's name
  app = await ent.expect("GET", `/applications/${appId}`, undefined, 200);
  assert(app.status === "expert_passed", `the application ended ${app.status}`);
  const tl = JSON.stringify(app.timeline || []);
  assert(tl.includes("经核实，申报材料真实") && tl.includes("三位专家均建议通过"), "the enterprise's timeline lacks a reviewer's reason");
  for (const x of experts) assert(!tl.includes(x.display_name), `the enterprise's timeline names expert ${x.display_name}`);
  state.expertPassed = true;

  // --- 公示: the commission publishes for a short period it types; the public objects by name;
  // the commission dismisses the objection; once the period is over it certifies
  const PERIOD_MS = 40e3;
  const local = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 19); // datetime-local, Beijing time
  const c3 = await staffPage("commission", COMMISSION.username, COMMISSION.password);
  let endsAt = 0;
  try {
    await c3.page.goto(server.base + state.appPath);
    await landed(c3.page, "the dossier (expert_passed)");
    const now = Date.now();
    endsAt = Math.ceil((now + PERIOD_MS) / 1000) * 1000;
    await c3.page.locator("#starts_at").fill(local(now - 1000));
    await c3.page.locator("#ends_at").fill(local(endsAt));
    await submit(c3.page, c3.page.getByRole("button", { name: "发布公示" }), "publishing");
    await see(c3.page.getByText("已进入公示"), "the confirmation");
    await see(c3.page.locator(".badge", { hasText: "公示" }).first(), "the state 公示");
  } finally {
    await c3.ctx.close();
  }
  const pubCtx = await browser.newContext({ viewport: PHONE, isMobile: true, locale: "zh-CN" });
  try {
    const pub = watch(await pubCtx.newPage(), "public");
    currentPage = pub;
    await pub.goto(server.base + "/publicity");
    await landed(pub, "the public 公示 page");
    await see(pub.getByText(state.ent.enterprise_name).first(), "the application in the 公示 list");
    await pub.getByLabel("异议对象").selectOption(String(appId));
    await pub.getByLabel(/姓名或单位名称/).fill("张明");
    await pub.getByLabel(/联系方式/).fill("13600000000");
    await pub.getByLabel(/异议内容及理由/).fill("该车间部分设备为租赁，请核实数字化装备数量。");
    await shot(pub, "publicity-objection");
    await submit(pub, pub.getByRole("button", { name: "提交异议" }), "filing the objection");
    assert((await fieldErrors(pub)).length === 0, `the objection was refused: ${(await fieldErrors(pub)).join("; ")}`);
  } finally {
    await pubCtx.close();
  }
  const c4 = await staffPage("commission", COMMISSION.username, COMMISSION.password);
  try {
    await c4.page.goto(server.base + state.appPath);
    await landed(c4.page, "the dossier in 公示");
    const obj = c4.page.locator("li.objection", { hasText: "租赁" });
    await see(obj, "the objection on the dossier");
    await obj.getByLabel(/异议不成立/).check();
    await obj.getByLabel("处理意见").fill("经核实，租赁设备未计入数字化装备，异议不成立。");
    await submit(c4.page, obj.getByRole("button", { name: "记录处理结果" }), "dismissing the objection");
    await see(c4.page.getByText("异议处理结果已记录"), "the confirmation");
    // certifying before the period ends is refused with a reason
    await c4.page.locator("#document_no").fill("渝经信智能〔2020〕88号");
    await submit(c4.page, c4.page.getByRole("button", { name: "认定并生成证书" }), "certifying during the period", (s) => s === 409);
    await see(c4.page.locator(".flash-error"), "the refusal while the period runs");
    await shot(c4.page, "certify-too-early");
    const wait = endsAt - Date.now() + 1500;
    if (wait > 0) await sleep(wait);
    await c4.page.goto(server.base + state.appPath);
    await c4.page.locator("#document_no").fill("渝经信智能〔2020〕88号");
    await submit(c4.page, c4.page.getByRole("button", { name: "认定并生成证书" }), "certifying after the period");
    await see(c4.page.getByText("已认定并生成证书"), "the confirmation");
    const no = (await c4.page.locator("#certificate-no").innerText()).trim();
    assert(/^[A-Za-z0-9-]+$/.test(no), `the certificate number "${no}" is not URL-safe ASCII`);
    state.certificateNo = no;
    await shot(c4.page, "certified");
    const pdf = await c4.page.request.get(`${server.base}/api/v1/certificates/${no}.pdf`);
    assert(pdf.status() === 200 && (await pdf.body()).subarray(0, 5).toString() === "%PDF-", `the certificate PDF answered ${pdf.status()}`);
    fs.writeFileSync(path.join(SHOTS, "certificate.pdf"), await pdf.body());
  } finally {
    await c4.ctx.close();
  }
  // --- anyone verifies the certificate by the address its QR code carries
  const vCtx = await browser.newContext({ viewport: PHONE, isMobile: true, locale: "zh-CN" });
  try {
    const v = watch(await vCtx.newPage(), "verify");
    currentPage = v;
    await v.goto(`${server.base}/verify/${state.certificateNo}`);
    await landed(v, "the verification page");
    const text = await mainText(v);
    assert(text.includes(state.certificateNo) && text.includes(state.ent.enterprise_name), "the verification page lacks the number or the enterprise");
    assert(text.includes("有效"), "the verification page does not say the certificate is valid");
    await shot(v, "verify-certificate");
  } finally {
    await vCtx.close();
  }

  // --- after certification: the enterprise asks to rename; its district, then the commission
  // approve on their pages; the public page shows the new name and keeps the old in the history
  const newName = `${state.ent.enterprise_name.replace("有限公司", "")}科技股份有限公司`;
  const e1 = await staffPage("enterprise", state.ent.username, state.ent.password);
  try {
    await e1.page.goto(server.base + state.appPath);
    await landed(e1.page, "the certified application (enterprise)");
    await see(e1.page.getByRole("link", { name: "下载证书（PDF）" }), "the certificate download");
    await e1.page.locator("summary", { hasText: "申请更名或重组" }).click();
    await e1.page.getByLabel(/更名（法人不变）/).check();
    await e1.page.getByLabel("新名称").fill(newName);
    await e1.page.locator("#adj-evidence").setInputFiles(pdfPath);
    await submit(e1.page, e1.page.getByRole("button", { name: "提交申请" }), "requesting the rename");
    await see(e1.page.getByText("更名或重组申请已提交"), "the confirmation");
  } finally {
    await e1.ctx.close();
  }
  for (const [who, user, pw] of [["district", district.username, district.password], ["commission", COMMISSION.username, COMMISSION.password]]) {
    const s2 = await staffPage(who, user, pw);
    try {
      await s2.page.goto(server.base + "/adjustments");
      await landed(s2.page, `the adjustments desk (${who})`);
      await s2.page.getByRole("link", { name: state.certificateNo }).click();
      await landed(s2.page, `the certified application (${who})`);
      const item = s2.page.locator("li", { hasText: newName });
      await item.getByLabel("同意", { exact: true }).check();
      await item.getByLabel("审核意见").fill("名称变更材料齐全，同意。");
      await submit(s2.page, item.getByRole("button", { name: "提交审核意见" }), `${who} approves the rename`);
      await see(s2.page.getByText("审核意见已提交"), "the confirmation");
    } finally {
      await s2.ctx.close();
    }
  }
  const v2 = await browser.newContext({ viewport: PHONE, isMobile: true, locale: "zh-CN" });
  try {
    const v = watch(await v2.newPage(), "verify2");
    currentPage = v;
    await v.goto(`${server.base}/verify/${state.certificateNo}`);
    await landed(v, "the verification page after the rename");
    const text = await mainText(v);
    assert(text.includes(newName), "the verification page does not show the new name");
    assert(text.includes(state.ent.enterprise_name), "the verification page lost the old name from the history");
    await shot(v, "verify-after-rename");
  } finally {
    await v2.close();
  }
});

test("a district change: the enterprise asks on its profile, the old and the new district approve", async () => {
  assert(server.base, "no server (setup failed)");
  const uniq = String(Date.now() % 1e6).padStart(6, "0");
  const admin = new Api(server.base);
  await admin.login(ADMIN.username, ADMIN.password);
  // a fresh enterprise in 渝北区 through the API (the browser part is the change itself)
  const ent = { username: `e2e_chg_${uniq}`, password: PASSWORD, name: `重庆迁址测试${uniq}有限公司`, uscc: makeUscc() };
  const acc = await new Api(server.base).expect("POST", "/accounts", { username: ent.username, password: ent.password, display_name: "刘洋", phone: "13800138001", email: `chg${uniq}@example.cn`, enterprise_name: ent.name, uscc: ent.uscc }, 201);
  await admin.expect("POST", `/admin/accounts/${acc.id}/approve`, {}, 200);
  const api = new Api(server.base);
  await api.login(ent.username, ent.password);
  await api.expect("POST", "/apps/imp/connect", {}, 200);
  await api.expect("POST", "/imp/confirm-new", { enterprise: { uscc: ent.uscc, name: ent.name, district_code: "500112", address: "重庆市渝北区金开大道 1 号", legal_representative: "刘洋", manufacturing_type: "discrete", independent_legal_person: true, complete_machine: false } }, 200);
  const reviewers = {};
  for (const [code, tag] of [["500112", "yb"], ["500101", "wz"]]) {
    reviewers[tag] = { username: `e2e_chg_${tag}_${uniq}`, password: PASSWORD };
    await admin.expect("POST", "/admin/accounts", { ...reviewers[tag], role: "district", district_code: code, display_name: "区县经信委", phone: "13900000002", email: `chg${tag}${uniq}@example.cn` }, 201);
  }

  const e = await staffPage("enterprise", ent.username, ent.password);
  try {
    await e.page.goto(server.base + "/profile");
    await landed(e.page, "the profile");
    assert((await e.page.locator("#district-value").innerText()).includes("渝北区"), "the profile does not show 渝北区 as the district");
    const form = e.page.locator('form[action="/profile/changes"]');
    await form.getByLabel("新的所在区县").selectOption({ label: "万州区" });
    await form.getByLabel("变更理由").fill("生产基地整体搬迁至万州经开区");
    await submit(e.page, form.getByRole("button", { name: "提交变更申请" }), "requesting the change");
    await see(e.page.getByText("变更申请已提交"), "the confirmation");
    const progress = await e.page.locator("#change-progress").innerText();
    assert(progress.includes("待原区县（渝北区）审核") && progress.includes("待新区县（万州区）审核"), `the progress says ${progress}`);
    await shot(e.page, "change-requested");
    for (const [tag, flash] of [["yb", "正等待另一区县审核"], ["wz", "变更已生效"]]) {
      const d = await staffPage(tag, reviewers[tag].username, reviewers[tag].password);
      try {
        await d.page.locator("nav.site-nav").getByRole("link", { name: "企业变更审核" }).click();
        await landed(d.page, `the ${tag} reviewers' page`);
        const card = d.page.locator("section.card", { hasText: ent.name });
        await see(card, `the request on the ${tag} page`);
        assert((await card.innerText()).includes("渝北区 → 万州区"), "the request does not name both districts");
        await submit(d.page, card.getByRole("button", { name: "同意" }), `${tag} approves`);
        await see(d.page.getByText(flash), `"${flash}"`);
        await shot(d.page, `change-approved-${tag}`);
      } finally {
        await d.ctx.close();
      }
    }
    await e.page.goto(server.base + "/profile");
    await landed(e.page, "the profile after the approvals");
    assert((await e.page.locator("#district-value").innerText()).includes("万州区"), "the profile does not show the new district 万州区");
    assert((await e.page.locator("#change-progress").innerText()).includes("变更已生效"), "the request is not shown as in effect");
    await shot(e.page, "change-in-effect");
  } finally {
    await e.ctx.close();
  }
});

// ------------------------------------------------------------------ the application, readable

// A district officer of the application's district opens it: the figures of 附件1 with their
// pre-check findings, the KPIs before → after, the attachments opening inline, the district's
// opinion with its scan; no machine time. Looked at on a desktop and on a phone.
test("the district officer reads the whole application and opens its attachments inline", async () => {
  assert(server.base && state.ent && state.appPath, "no enterprise application from the enterprise path (it failed)");
  const appId = Number(state.appPath.split("/").pop());
  const ent = new Api(server.base);
  await ent.login(state.ent.username, state.ent.password);
  const app = await ent.expect("GET", `/applications/${appId}`, undefined, 200);
  assert(app.status !== "draft" && app.status !== "submitted", `the application is ${app.status}: the review chain did not approve it`);
  const admin = new Api(server.base);
  await admin.login(ADMIN.username, ADMIN.password);
  const uniq = String(Date.now() % 1e6).padStart(6, "0");
  const officer = { username: `e2e_rd_${uniq}`, password: PASSWORD };
  await admin.expect("POST", "/admin/accounts", { ...officer, role: "district", district_code: app.district_code, display_name: "区县经信委", phone: "13900000003", email: `rd${uniq}@example.cn` }, 201);
  const d = await staffPage("district officer", officer.username, officer.password);
  try {
    const page = d.page;
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(server.base + state.appPath);
    await landed(page, "the application page");
    for (const h of ["申报企业", "智能化改造项目", "一、设备数字化", "二、数据采集", "五、绩效指标", "智能制造能力自评估", "附件材料", "区县初审意见"])
      await see(page.getByRole("heading", { name: h }), `the section ${h}`);
    const figures = page.locator("section", { has: page.getByRole("heading", { name: "一、设备数字化" }) });
    await see(figures.locator("li", { hasText: "生产装备总数" }), "the figure 生产装备总数");
    const share = figures.locator("li", { hasText: "数字化装备占比" });
    await see(share.locator(".doc-finding .verdict", { hasText: "满足" }), "the finding beside 数字化装备占比");
    const kpi = page.locator("table.doc-kpis tbody tr", { hasText: "运营成本" });
    await see(kpi, "the KPI row 运营成本");
    const cells = (await kpi.locator("td").allInnerTexts()).map((t) => t.trim());
    assert(cells.length >= 4 && /^[−+]?\d/.test(cells[2]) && /%$/.test(cells[3]), `the KPI row reads ${cells.join(" | ")}`);
    const text = await mainText(page);
    const machine = text.search(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/);
    assert(machine < 0, `a machine time on the page: …${text.slice(Math.max(0, machine - 120), machine + 40)}…`);
    for (const code of ["district_approved", "expert_passed", "workshop", "T-equipment-share", "before_project"])
      assert(!text.includes(code), `the page shows the code ${code}`);
    // every attachment opens inline, with the officer's own session
    const links = page.locator(".doc-attachments a[href*='inline=1']");
    const n = await links.count();
    assert(n >= 1, "no attachment listed");
    for (let i = 0; i < n; i++) {
      const href = await links.nth(i).getAttribute("href");
      const res = await page.request.get(server.base + href);
      assert(res.status() === 200, `${href} answered ${res.status()}`);
      const cd = res.headers()["content-disposition"] || "";
      assert(cd.startsWith("inline"), `${href} is sent as ${cd}`);
      assert(/^(application\/pdf|image\/(png|jpeg))$/.test(res.headers()["content-type"]), `${href} is ${res.headers()["content-type"]}`);
    }
    const scan = page.locator("section", { has: page.getByRole("heading", { name: "区县初审意见" }) }).locator("a[href*='inline=1']");
    await see(scan, "the 真实性审核意见 scan linked");
    const pdf = await page.request.get(server.base + `/api/v1/applications/${appId}/application.pdf`);
    assert(pdf.status() === 200 && (await pdf.body()).subarray(0, 4).toString() === "%PDF", "the 申报书 PDF is not served");
    await a11y(page, "application readable (desktop)");
    await axeSerious(page, "application-readable-1366");
    await shot(page, "application-readable-1366");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await landed(page, "the application page on a phone");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert(overflow <= 1, `the page is ${overflow}px wider than a phone`);
    await a11y(page, "application readable (phone)");
    await axeSerious(page, "application-readable-390");
    await shot(page, "application-readable-390");
  } finally {
    await d.ctx.close();
  }
});

// ---- the commission's overview: the statistics page of the batch, a bar → the filtered desk
test("commission overview: statistics of the batch, a district bar opens the filtered desk (1366 and 390 px)", async () => {
  assert(server.base, "no server (setup failed)");
  const c = await staffPage("commission", COMMISSION.username, COMMISSION.password);
  try {
    await c.page.setViewportSize({ width: 1366, height: 900 });
    await c.page.goto(server.base + "/commission");
    await landed(c.page, "the commission desk");
    await axeSerious(c.page, "overview-desk-1366");
    await shot(c.page, "overview-desk-1366");
    await submit(c.page, c.page.getByRole("link", { name: "批次统计" }), "opening the statistics");
    await see(c.page.getByRole("heading", { name: /批次统计/ }), "the statistics heading");
    const bars = c.page.locator("#chart-district svg a.bar");
    assert((await bars.count()) === 41, `the district chart has ${await bars.count()} bars, not 41`);
    await axeSerious(c.page, "overview-stats-1366");
    await shot(c.page, "overview-stats-1366");
    // the tallest bar first; clicking it lists exactly as many applications as it shows
    const first = bars.first();
    const label = await first.getAttribute("data-label");
    const value = Number(await first.getAttribute("data-value"));
    assert(value > 0, `the first district bar (${label}) shows ${value}`);
    await submit(c.page, first.locator("rect").last(), `clicking the bar of ${label}`);
    const u = new URL(c.page.url());
    assert(u.pathname === "/commission" && u.searchParams.get("district_code"), `the bar led to ${u.pathname}${u.search}`);
    const rows = await c.page.locator("table.desk-table tbody tr").count();
    assert(rows === value, `the desk lists ${rows} applications under ${label}, the bar showed ${value}`);
    const chosen = await c.page.getByLabel("区县", { exact: true }).evaluate((el) => el.options[el.selectedIndex].text);
    assert(chosen === label, `the desk's district filter shows ${chosen}, not ${label}`);
    await axeSerious(c.page, "overview-desk-filtered-1366");
    await shot(c.page, "overview-desk-filtered-1366");
    // the certificates page: counts, the revocation requests, the filters
    await submit(c.page, c.page.getByRole("link", { name: "证书管理" }), "opening the certificates page");
    await see(c.page.getByRole("heading", { name: "企业撤销申请" }), "the revocation requests");
    await axeSerious(c.page, "overview-certificates-1366");
    await shot(c.page, "overview-certificates-1366");
    // a phone: the same page readable at 390 px, a funnel bar → the desk
    const state2 = await c.ctx.storageState();
    const phone = await browser.newContext({ viewport: PHONE, locale: "zh-CN", storageState: state2 });
    try {
      const p = watch(await phone.newPage(), "commission phone");
      currentPage = p;
      await p.goto(server.base + u.search.replace(/^.*batch_id=(\d+).*$/, "/commission/statistics?batch=$1"));
      await landed(p, "the statistics on a phone");
      const wide = await p.evaluate(() => document.documentElement.scrollWidth);
      assert(wide <= 390, `the statistics page is ${wide} px wide on a 390 px phone`);
      await axeSerious(p, "overview-stats-390");
      await shot(p, "overview-stats-390");
      await p.locator("#chart-district").screenshot({ path: path.join(SHOTS, "overview-district-chart-390.png") });
      const submitted = p.locator('#chart-funnel svg a.bar[data-label="已提交"]');
      const n = Number(await submitted.getAttribute("data-value"));
      await submit(p, submitted.locator("rect").last(), "clicking the funnel's 已提交 bar");
      assert(/reached=submitted/.test(p.url()), `the funnel bar led to ${p.url()}`);
      const shown = (await p.locator("#desk-total").innerText()).match(/\d+/)[0];
      assert(Number(shown) === n, `the desk says ${shown}, the funnel showed ${n}`);
      await axeSerious(p, "overview-desk-390");
      await shot(p, "overview-desk-390");
      await p.goto(server.base + "/commission/certificates");
      await landed(p, "the certificates page on a phone");
      const wide2 = await p.evaluate(() => document.documentElement.scrollWidth);
      assert(wide2 <= 390, `the certificates page is ${wide2} px wide on a 390 px phone`);
      await axeSerious(p, "overview-certificates-390");
      await shot(p, "overview-certificates-390");
    } finally {
      await phone.close();
    }
  } finally {
    await c.ctx.close();
  }
});

// ------------------------------------------------------------------ the admin's pages

// Nothing but a table's own scroll box may be wider than a phone's screen.
async function fitsWidth(page, what) {
  const width = page.viewportSize().width;
  const over = await page.evaluate((w) => document.documentElement.scrollWidth - w, width);
  assert(over <= 1, `${what} is ${over} px wider than the screen`);
}

async function adminLooks(page, step, what) {
  await a11y(page);
  await axeSerious(page, what);
  await fitsWidth(page, what);
  await shot(page, step);
}

for (const [tag, viewport] of [["1366", { width: 1366, height: 900 }], ["390", PHONE]]) {
  test(`admin pages at ${tag} px: a district account made on the page logs in, then is disabled; an import's report`, async () => {
    assert(server.base, "no server (setup failed)");
    const uniq = String(Date.now() % 1e6).padStart(6, "0");
    const officer = { username: `e2e_adm_${tag}_${uniq}`, password: PASSWORD };
    const adminCtx = await browser.newContext({ viewport, isMobile: tag === "390", locale: "zh-CN" });
    const officerCtx = await browser.newContext({ viewport, isMobile: tag === "390", locale: "zh-CN" });
    try {
      const admin = watch(await adminCtx.newPage(), `admin-${tag}`);
      currentPage = admin;
      await admin.goto(server.base + "/login");
      await admin.getByLabel("用户名").fill(ADMIN.username);
      await admin.getByLabel("密码").fill(ADMIN.password);
      await submit(admin, admin.getByRole("button", { name: "登录", exact: true }), "admin login");
      await see(admin.getByRole("heading", { level: 1, name: "账号管理" }), "the accounts page");
      await adminLooks(admin, `admin-accounts-${tag}`, `the accounts list at ${tag}`);

      // a district account through the form; a refusal first (no district chosen)
      await admin.getByRole("link", { name: "新建账号" }).click();
      await landed(admin, "the new account form");
      await admin.getByLabel(/区县经信部门/).check();
      await admin.getByLabel("用户名").fill(officer.username);
      await admin.getByLabel("初始密码").fill(officer.password);
      await admin.getByLabel("姓名").fill("渝北区经信委 王科长");
      await submit(admin, admin.getByRole("button", { name: "创建账号" }), "creating without a district", (s) => s === 400);
      await see(admin.locator("#district_code-error"), "the district's reason beside it");
      assert((await admin.getByLabel("用户名").inputValue()) === officer.username, "the user name was not kept");
      await adminLooks(admin, `admin-new-refused-${tag}`, `the refused new account form at ${tag}`);
      await admin.getByLabel("初始密码").fill(officer.password);
      await admin.getByLabel("所属区县").selectOption({ label: "渝北区" });
      await submit(admin, admin.getByRole("button", { name: "创建账号" }), "creating the district account");
      await see(admin.getByText("账号已创建"), "账号已创建");
      const facts = await admin.locator("dl.facts").innerText();
      assert(facts.includes("区县经信部门") && facts.includes("渝北区") && facts.includes("正常"), `the account page says ${facts}`);
      const accountUrl = admin.url().split("?")[0];

      // the new account logs in
      const officerPage = watch(await officerCtx.newPage(), `officer-${tag}`);
      currentPage = officerPage;
      await officerPage.goto(server.base + "/login");
      await officerPage.getByLabel("用户名").fill(officer.username);
      await officerPage.getByLabel("密码").fill(officer.password);
      await submit(officerPage, officerPage.getByRole("button", { name: "登录", exact: true }), "the district officer's login");
      assert(new URL(officerPage.url()).pathname === "/portal", `the officer landed on ${officerPage.url()}`);
      await shot(officerPage, `admin-made-officer-in-${tag}`);

      // the admin finds it in the list and disables it
      currentPage = admin;
      await admin.goto(server.base + "/admin/accounts?status=");
      await landed(admin, "the accounts list");
      await admin.getByLabel("搜索").fill(officer.username);
      await admin.getByLabel("角色").selectOption({ label: "区县经信部门" });
      await submit(admin, admin.getByRole("button", { name: "查找" }), "searching");
      const row = admin.locator("tbody tr", { hasText: officer.username });
      await see(row, "the new account in the list");
      const cells = await row.locator("td").allInnerTexts();
      assert(cells[2] === "区县经信部门" && cells[3].includes("渝北区"), `the row reads ${cells.join(" | ")}`);
      await adminLooks(admin, `admin-accounts-found-${tag}`, `the searched list at ${tag}`);
      await row.getByRole("link", { name: officer.username, exact: true }).click();
      await landed(admin, "the account page");
      assert(admin.url().split("?")[0] === accountUrl, "the list links to another account");
      await adminLooks(admin, `admin-account-${tag}`, `the account page at ${tag}`);
      await submit(admin, admin.getByRole("button", { name: "停用账号" }), "disabling the account");
      await see(admin.getByText("账号已停用"), "the confirmation");
      assert((await admin.locator("#account-status").innerText()) === "已停用", "the status is not 已停用");
      await see(admin.getByRole("button", { name: "启用账号" }), "the 启用账号 button");
      await shot(admin, `admin-account-disabled-${tag}`);

      // the officer's session is over and the login is refused with the reason
      currentPage = officerPage;
      await officerPage.goto(server.base + "/portal");
      await officerPage.waitForLoadState("load");
      assert(new URL(officerPage.url()).pathname === "/login", `a disabled account still sees ${officerPage.url()}`);
      await officerPage.getByLabel("用户名").fill(officer.username);
      await officerPage.getByLabel("密码").fill(officer.password);
      await submit(officerPage, officerPage.getByRole("button", { name: "登录", exact: true }), "the disabled login", (s) => s === 403);
      await see(officerPage.getByText("账号已停用"), "账号已停用 on the login page");

      // an import with a bad line: the report names the line
      currentPage = admin;
      await admin.locator("nav.site-nav").getByRole("link", { name: "数据导入" }).click();
      await landed(admin, "the imports page");
      const csv = `username,password_hash,uscc,enterprise_name,district_code\ne2e_old_${tag}_${uniq},not-a-hash,,重庆老企业有限公司,500112\n`;
      await admin.locator("#file_accounts").setInputFiles({ name: "old.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await submit(admin, admin.getByRole("button", { name: "导入账号" }), "importing");
      const cellsR = await admin.locator("#report-table tbody tr").first().locator("td").allInnerTexts();
      assert(cellsR[0] === "2" && cellsR[1] === "未导入" && cellsR[4].includes("密码哈希"), `the report row reads ${cellsR.join(" | ")}`);
      await adminLooks(admin, `admin-import-report-${tag}`, `the import report at ${tag}`);
    } finally {
      await adminCtx.close();
      await officerCtx.close();
    }
  });
}

// ------------------------------------------------------------------ main

const watchdog = setTimeout(async () => {
  console.log(`FAIL - the whole run: exceeded ${TOTAL_MS / 1000} s`);
  try {
    server.proc && server.proc.kill("SIGKILL");
  } catch {
    /* gone */
  }
  console.log(`e2e: ${results.passed} passed, ${results.failed + 1} failed`);
  process.exit(1);
}, TOTAL_MS);

// ------------------------------------------------------------------ the next batch without code

// Screenshots of one page at the two widths people use: 1366 px and a 390 px phone.
async function shotWidths(page, step) {
  await page.setViewportSize({ width: 1366, height: 900 });
  await axeSerious(page, `${step} at 1366 px`);
  await shot(page, `${step}-1366`);
  await page.setViewportSize(PHONE);
  await axeSerious(page, `${step} at 390 px`);
  await shot(page, `${step}-390`);
  await page.setViewportSize({ width: 1366, height: 900 });
}

test("the 2023 batch made on the commission's pages alone; its key-process figure on the form and in the preview", async () => {
  assert(server.base, "no server (setup failed)");
  const uniq = String(Date.now() % 1e6).padStart(6, "0");
  const c = await staffPage("commission", COMMISSION.username, COMMISSION.password);
  let batchId = 0;
  try {
    const p = c.page;
    await p.goto(server.base + "/commission/batches");
    await landed(p, "the batches page");
    await shotWidths(p, "batches-list");
    await submit(p, p.getByRole("link", { name: "按页面填写新批次的全部申报条件" }), "opening the new batch page");
    await see(p.getByRole("heading", { level: 1, name: "新建申报批次" }), "the new batch page");
    await p.getByLabel("年度", { exact: true }).fill("2023");
    await p.getByLabel("批次名称", { exact: true }).fill(`2023年重庆市数字化车间和智能工厂认定（页面${uniq}）`);
    await p.getByLabel("通知文号", { exact: true }).fill("渝经信智能〔2023〕2号");
    for (const [what, date, time] of [["申报开始", "2023-01-28", "10:00"], ["申报截止", "2023-02-28", "24:00"], ["区县初审截止", "2023-03-10", "24:00"]]) {
      await p.getByLabel(`${what}日期`, { exact: true }).fill(date);
      await p.getByLabel(`${what}时刻`, { exact: true }).fill(time);
    }
    await p.getByLabel("数字化装备占比（数字化车间）不低于").fill("60");
    await p.getByLabel("数字化（数控）装备占比（智能工厂）不低于").fill("70");
    await submit(p, p.getByRole("button", { name: "添加一项补充指标" }), "adding an extra figure");
    await p.getByLabel("第 1 项指标名称").fill("关键工序数控化率");
    await p.getByLabel("第 1 项单位").fill("%");
    await p.getByLabel("第 1 项数字化车间不低于").fill("70");
    await p.getByLabel("第 1 项智能工厂不低于").fill("80");
    // a score form that does not add up to 100 is refused beside the table, nothing lost
    await p.getByLabel("第 1 项满分").fill("20");
    const total = async () => (await p.locator("#score-total-value").innerText()).trim();
    assert((await total()) === "90", `the total as typed reads ${await total()}, not 90`);
    await submit(p, p.getByRole("button", { name: "创建批次" }), "saving a score form of 90", (s) => s === 400);
    await see(p.getByText("专家评分表各项满分合计须为 100 分，目前为 90 分"), "the score total's reason");
    assert((await p.getByLabel("第 1 项指标名称").inputValue()) === "关键工序数控化率", "the extra figure was lost");
    assert((await p.getByLabel("申报截止时刻", { exact: true }).inputValue()) === "24:00", "the typed 24:00 was lost");
    await shotWidths(p, "batch-rules-refused");
    await p.getByLabel("第 1 项满分").fill("30");
    assert((await total()) === "100", `the total as typed reads ${await total()}, not 100`);
    await submit(p, p.getByRole("button", { name: "创建批次" }), "creating the 2023 batch");
    await see(p.getByText("申报批次已创建"), "the confirmation");
    batchId = Number(new URL(p.url()).pathname.split("/").pop());
    assert(batchId > 0, `no batch id in ${p.url()}`);
  } finally {
    /* the commission's context stays for the preview below */
  }

  // the batch as the API sees it: what was typed on the page
  const comm = new Api(server.base);
  await comm.login(COMMISSION.username, COMMISSION.password);
  await comm.expect("POST", "/apps/imp/connect", {}, 200);
  const b = await comm.expect("GET", `/batches/${batchId}`, undefined, 200);
  assert(b.opens_at === "2023-01-28T10:00:00+08:00" && b.closes_at === "2023-03-01T00:00:00+08:00", `the window is ${b.opens_at} – ${b.closes_at}`);
  const share = Object.fromEntries(b.rules.checks.filter((x) => x.id === "T-equipment-share").map((x) => [x.applies_to, x.min]));
  assert(share.workshop === "0.6" && share.factory === "0.7", `equipment shares ${JSON.stringify(share)}`);
  const fig = b.rules.form_figures[0];
  const kp = Object.fromEntries(b.rules.checks.filter((x) => x.figure === fig.path).map((x) => [x.applies_to, x.min]));
  assert(fig.label === "关键工序数控化率" && kp.workshop === "70" && kp.factory === "80", `key process ${JSON.stringify(kp)}`);

  // a workshop's application in that batch (set up through the API; the form is the browser's)
  const admin = new Api(server.base);
  await admin.login(ADMIN.username, ADMIN.password);
  const ent = { username: `e2e_b23_${uniq}`, password: PASSWORD, name: `重庆关键工序测试${uniq}有限公司`, uscc: makeUscc() };
  const acc = await new Api(server.base).expect("POST", "/accounts", { username: ent.username, password: ent.password, display_name: "陈静", phone: "13800138002", email: `b23${uniq}@example.cn`, enterprise_name: ent.name, uscc: ent.uscc }, 201);
  await admin.expect("POST", `/admin/accounts/${acc.id}/approve`, {}, 200);
  const api = new Api(server.base);
  await api.login(ent.username, ent.password);
  await api.expect("POST", "/apps/imp/connect", {}, 200);
  await api.expect("POST", "/imp/confirm-new", { enterprise: { uscc: ent.uscc, name: ent.name, district_code: "500112", address: "重庆市渝北区金开大道 2 号", legal_representative: "陈静", manufacturing_type: "discrete", independent_legal_person: true, complete_machine: false } }, 200);
  const project = await api.expect("POST", "/projects", { name: `关键工序改造项目${uniq}`, site_name: `机加车间${uniq}`, district_code: "500112", address: "重庆市渝北区金开大道 2 号", class: "II", start_date: "2021-03-01", completion_date: "2022-06-30", progress_pct: 100, total_investment: 30000000, equipment_software_investment: 12000000, other_public_funding: false, approval_proof_type: "filing", approval_attachment_ids: [], content: "数控化改造", expected_results: "效率提升" }, 201);
  const app = await api.expect("POST", "/applications", { batch_id: batchId, project_id: project.id, type: "workshop" }, 201);
  await api.expect("PUT", `/applications/${app.id}`, { equipment_total: 100, equipment_digital: 60, declaration_signed: true }, 200);

  const e = await staffPage("enterprise", ent.username, ent.password);
  try {
    const p = e.page;
    await p.goto(server.base + `/applications/${app.id}/edit`);
    await landed(p, "the application form");
    const input = p.getByLabel("关键工序数控化率（%）");
    await see(input, "the key-process figure on the form");
    await see(p.getByText("数字化车间不低于 70%"), "the figure's threshold");
    for (const [typed, finding] of [["69.9", "关键工序数控化率 69.9%，低于 70% 的要求"], ["70", "关键工序数控化率 70%，满足不低于 70% 的要求"]]) {
      await p.getByLabel("关键工序数控化率（%）").fill(typed);
      await submit(p, p.getByRole("button", { name: "预检", exact: true }), `checking with ${typed}%`);
      await see(p.locator("#findings").getByText(finding), `the finding “${finding}”`);
      assert((await p.getByLabel("关键工序数控化率（%）").inputValue()) === typed, `the form does not keep ${typed}`);
    }
    const saved = await api.expect("GET", `/applications/${app.id}`, undefined, 200);
    assert(saved[fig.path] === "70", `the saved figure is ${JSON.stringify(saved[fig.path])}`);
    await p.locator("#section-extras").scrollIntoViewIfNeeded();
    await shotWidths(p, "application-form-extra-figure");
  } finally {
    await e.ctx.close();
  }

  // the commission previews the same application under the batch's rules as typed: 69.9% fails
  try {
    const p = c.page;
    await p.goto(server.base + `/commission/batches/${batchId}`);
    await landed(p, "the batch's rules page");
    await p.getByLabel("第 1 项数字化车间不低于").fill("70.01");
    await p.getByLabel("或填写申报编号").fill(String(app.id));
    const auditBefore = (await comm.expect("GET", "/audit?limit=1", undefined, 200)).total;
    await submit(p, p.getByRole("button", { name: "预检预览" }), "previewing the pre-check");
    await see(p.getByText("关键工序数控化率 70%，低于 70.01% 的要求"), "the preview's key-process finding");
    await see(p.getByText("数字化装备占比 60%（60/100），满足不低于 60% 的要求"), "the preview's equipment share");
    const after = await comm.expect("GET", `/batches/${batchId}`, undefined, 200);
    assert(after.rules.checks.some((x) => x.figure === fig.path && x.min === "70"), "the preview saved the rules");
    assert((await comm.expect("GET", "/audit?limit=1", undefined, 200)).total === auditBefore, "the preview wrote an audit entry");
    await shotWidths(p, "batch-rules-preview");
  } finally {
    await c.ctx.close();
  }
});

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith(".png")) fs.unlinkSync(path.join(SHOTS, f));
  try {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      timeout: 30000,
    });
  } catch (err) {
    console.log(`FAIL - launch chromium: ${err.message.split("\n")[0]}`);
    results.failed++;
  }
  if (browser) {
    // E2E_ONLY: a regular expression of the tests to run; the first test (it starts the server)
    // always runs, and tests that build on others need those named too, e.g.
    // E2E_ONLY="enterprise: register|commission overview"; all when unset.
    const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
    for (const t of tests) if (!only || t === tests[0] || only.test(t.name)) await runOne(t);
  }
  for (const [key, v] of a11yResults) late.push({ name: `accessibility of ${key}`, fn: async () => assert(v.length === 0, v.join("; ")) });
  for (const t of late) await runOne(t);
  if (browser) await browser.close().catch(() => {});
  await runOne({
    name: "server exits cleanly on SIGTERM without sanitizer reports",
    fn: async () => {
      const problems = await stopServer();
      assert(problems.length === 0, problems.join("\n"));
    },
  });
  clearTimeout(watchdog);
  if (results.failed === 0) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`# server files kept in ${tmp}`);
  console.log(`e2e: ${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

main().catch((err) => {
  console.log(`FAIL - runner: ${err && err.stack}`);
  try {
    server.proc && server.proc.kill("SIGKILL");
  } catch {
    /* gone */
  }
  console.log(`e2e: ${results.passed} passed, ${results.failed + 1} failed`);
  process.exit(1);
});
