"""smiptest — the plumbing of the API suite: a stdlib HTTP client, a server runner that watches
for sanitizer reports, USCC generation, tiny valid upload files and the bodies of a project and
an application that pass every rule of the 2020 batch.

Only the contract of docs/api.md is assumed; nothing here knows the server's internals.
"""
import datetime as _dt
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import string
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SMIP_BIN = os.path.abspath(os.environ.get("SMIP_BIN") or os.path.join(REPO, "build", "asan", "smip"))
CST = _dt.timezone(_dt.timedelta(hours=8))
SANITIZER_RE = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error:")

# ---------------------------------------------------------------- unique names, USCC

_counter = [0]
_rng = random.Random()
_lock = threading.Lock()


def unique(prefix="t"):
    """A short unique lowercase name (letters then digits/letters): safe as a username."""
    with _lock:
        _counter[0] += 1
        n = _counter[0]
    tail = "".join(_rng.choice(string.ascii_lowercase + string.digits) for _ in range(6))
    return f"{prefix}{n:03d}{tail}"


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_used_uscc = set()


def uscc_check_char(first17):
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - s % 31) % 31]


def make_uscc(division="500112"):
    """A valid, never-before-returned USCC: 91 (company) + division + 9 chars + check digit."""
    body_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        org = "".join(_rng.choice(body_chars) for _ in range(9))
        first17 = "91" + division + org
        code = first17 + uscc_check_char(first17)
        with _lock:
            if code not in _used_uscc:
                _used_uscc.add(code)
                return code


def bad_check_uscc(division="500112"):
    """A USCC whose check digit is wrong (every other rule satisfied)."""
    good = make_uscc(division)
    wrong = USCC_CHARS[(USCC_CHARS.index(good[-1]) + 1) % 31]
    return good[:17] + wrong


assert uscc_check_char("91500112AY4CL12T2") == "C"  # the example of API.md


# ---------------------------------------------------------------- times

def iso(dt):
    """RFC 3339 in Asia/Shanghai, seconds precision: 2020-03-17T10:00:00+08:00."""
    return dt.astimezone(CST).replace(microsecond=0).isoformat()


def now_cst():
    return _dt.datetime.now(CST).replace(microsecond=0)


def html_page(client, path):
    """GET path as a browser asks for it: 200 expected; the page's text."""
    r = client.raw("GET", path, headers={"Accept": "text/html"})
    assert r.status == 200, r
    return r.raw.decode("utf-8")


def parse_time(s):
    return _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


# ---------------------------------------------------------------- tiny valid files

def make_pdf(pad=0, text="smip test"):
    """A minimal well-formed PDF 1.4 document (one empty page), optionally padded by a comment."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    ]
    stream = ("BT /F1 12 Tf 20 100 Td (%s) Tj ET" % text).encode()
    objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if pad:
        line = b"% " + b"x" * 70 + b"\n"
        while pad > 0:
            out += line
            pad -= len(line)
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def make_png():
    """A 1×1 opaque red PNG built from its chunks."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def make_jpeg():
    """A 1×1 baseline greyscale JPEG: one quantisation table, one-symbol Huffman tables."""
    soi = b"\xff\xd8"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 1, 1, 1) + b"\x01\x11\x00"
    # DC table 0 and AC table 0: a single code of length 1 for symbol 0
    dht_dc = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    dht_ac = b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"
    sos = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    scan = b"\x3f"  # DC diff 0 ("0"), EOB ("0"), padded with ones
    eoi = b"\xff\xd9"
    return soi + app0 + dqt + sof + dht_dc + dht_ac + sos + scan + eoi


def multipart(fields, files):
    """fields: {name: str}; files: [(field, filename, content_type, bytes)] → (content_type, body)."""
    boundary = "----smiptest" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(24))
    out = bytearray()
    for k, v in fields.items():
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode()
        out += v.encode() if isinstance(v, str) else v
        out += b"\r\n"
    for field, filename, ctype, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)


# ---------------------------------------------------------------- HTTP client

class Resp(tuple):
    """(status, headers, body): body is parsed JSON when the answer is JSON, else bytes."""
    __slots__ = ()

    def __new__(cls, status, headers, body, raw=b""):
        return tuple.__new__(cls, (status, headers, body, raw))

    def __iter__(self):  # unpacks as a 3-tuple
        return iter(tuple.__getitem__(self, slice(0, 3)))

    status = property(lambda s: tuple.__getitem__(s, 0))
    headers = property(lambda s: tuple.__getitem__(s, 1))
    body = property(lambda s: tuple.__getitem__(s, 2))
    raw = property(lambda s: tuple.__getitem__(s, 3))

    @property
    def error(self):
        b = self.body
        if isinstance(b, dict) and isinstance(b.get("error"), dict):
            return b["error"]
        return {}

    def __repr__(self):
        b = self.body
        if isinstance(b, (bytes, bytearray)):
            b = bytes(b[:300])
        else:
            b = json.dumps(b, ensure_ascii=False)[:1500]
        return f"<HTTP {self.status} {b}>"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect())
_UNSET = object()


class Client:
    """One browser-like user: its own cookies and CSRF token. Never raises on 4xx/5xx."""

    def __init__(self, base, name=""):
        self.base = base.rstrip("/")
        self.name = name
        self.cookies = {}
        self.csrf = None
        self.account = None
        self.last_set_cookie = []

    # -- low level
    def raw(self, method, path, body=None, headers=None, csrf=True, cookies=True, timeout=60):
        url = self.base + path
        h = {"Accept": "application/json"}
        if cookies and self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if csrf is True:
            if self.csrf and method in ("POST", "PUT", "DELETE", "PATCH"):
                h["X-CSRF-Token"] = self.csrf
        elif isinstance(csrf, str):
            h["X-CSRF-Token"] = csrf
        if headers:
            h.update(headers)
        req = urllib.request.Request(url, data=body, method=method, headers=h)
        try:
            r = _opener.open(req, timeout=timeout)
            status, hdrs, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs = e.code, e.headers
            try:
                data = e.read()
            except Exception:  # noqa: BLE001 - a truncated error body is still an answer
                data = b""
        self._take_cookies(hdrs)
        parsed = data
        ctype = (hdrs.get("Content-Type") or "").lower()
        if data and "json" in ctype:
            try:
                parsed = json.loads(data.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                parsed = data
        return Resp(status, hdrs, parsed, data)

    def _take_cookies(self, hdrs):
        sc = hdrs.get_all("Set-Cookie") or []
        if sc:
            self.last_set_cookie = list(sc)
        for line in sc:
            parts = [p.strip() for p in line.split(";")]
            if "=" not in parts[0]:
                continue
            name, value = parts[0].split("=", 1)
            attrs = {}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                attrs[k.strip().lower()] = v.strip()
            expired = False
            if attrs.get("max-age", "1").lstrip("-").isdigit() and int(attrs.get("max-age", "1")) <= 0:
                expired = True
            if "expires" in attrs:
                try:
                    from email.utils import parsedate_to_datetime
                    if parsedate_to_datetime(attrs["expires"]).timestamp() < time.time():
                        expired = True
                except (TypeError, ValueError):
                    pass
            if expired or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    # -- JSON API under /api/v1
    def call(self, method, path, body=_UNSET, csrf=True, headers=None, data=None, content_type=None):
        h = dict(headers or {})
        payload = data
        if body is not _UNSET:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h.setdefault("Content-Type", "application/json; charset=utf-8")
        elif data is None and method in ("POST", "PUT"):
            payload = b"{}"
            h.setdefault("Content-Type", "application/json; charset=utf-8")
        if content_type is not None:
            h["Content-Type"] = content_type
        return self.raw(method, "/api/v1" + path, payload, h, csrf=csrf)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=_UNSET, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=_UNSET, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def login(self, username, password):
        r = self.post("/session", {"username": username, "password": password})
        if r.status == 200 and isinstance(r.body, dict):
            self.csrf = r.body.get("csrf_token")
            self.account = r.body.get("account")
        return r

    def logout(self):
        return self.delete("/session")

    def upload(self, data, filename="file.pdf", ctype="application/pdf", kind=None, csrf=True):
        fields = {"kind": kind} if kind is not None else {}
        mct, body = multipart(fields, [("file", filename, ctype, data)])
        return self.call("POST", "/attachments", data=body, content_type=mct, csrf=csrf)

    def __repr__(self):
        return f"<Client {self.name}>"


def expect(resp, status, what=""):
    """Asserts the status and returns the body (for the happy paths of helpers and tests)."""
    assert resp.status == status, f"{what}: expected HTTP {status}, got {resp!r}"
    return resp.body


def field_named(fields, name):
    """True when the error's fields name `name` (exactly, or as the head/part of a dotted path)."""
    for k in fields or {}:
        parts = re.split(r"[.\[\]/]+", k)
        if k == name or name in parts or k.startswith(name + ".") or k.startswith(name + "["):
            return True
    return False


def assert_error(resp, status, code, fields=()):
    """Checks the error envelope of API.md: {"error":{"code","message","fields"?}}."""
    assert resp.status == status, f"expected HTTP {status} {code}, got {resp!r}"
    err = resp.error
    assert err, f"no error envelope in {resp!r}"
    assert err.get("code") == code, f"expected code {code!r}, got {resp!r}"
    assert isinstance(err.get("message"), str) and err["message"].strip(), f"empty message: {resp!r}"
    assert has_cjk(err["message"]), f"user-facing message not in Chinese: {resp!r}"
    for f in fields:
        assert isinstance(err.get("fields"), dict), f"no fields object naming {f!r}: {resp!r}"
        assert field_named(err["fields"], f), f"fields do not name {f!r}: {resp!r}"
    for k, why in (err.get("fields") or {}).items():
        assert isinstance(why, str) and why.strip(), f"field {k!r} without a reason: {resp!r}"
    return err


def has_cjk(s):
    return any("\u4e00" <= ch <= "\u9fff" for ch in s or "")


# ---------------------------------------------------------------- raw sockets (size limits)

def raw_http(port, method, path, headers, body_iter=(), early_wait=1.0, timeout=30):
    """Sends a request by hand. If the server answers before the body is sent (an early 413),
    the body is not sent. Returns (status, headers dict lower-case, body bytes); status 0 if the
    connection was dropped without an answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        s.sendall(head.encode("latin-1"))
        readable, _, _ = select.select([s], [], [], early_wait)
        if not readable:
            try:
                for piece in body_iter:
                    s.sendall(piece)
                    r, _, _ = select.select([s], [], [], 0)
                    if r:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
        data = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                hd, _, rest = data.partition(b"\r\n\r\n")
                m = re.search(rb"(?i)content-length:\s*(\d+)", hd)
                if m and len(rest) >= int(m.group(1)):
                    break
        if not data:
            return 0, {}, b""
        hd, _, rest = data.partition(b"\r\n\r\n")
        lines = hd.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return status, hdrs, rest
    finally:
        s.close()


def pieces(total, size=65536, byte=b" "):
    """Yields `total` bytes of filler in pieces."""
    block = byte * size
    while total > 0:
        n = min(size, total)
        yield block[:n]
        total -= n


# ---------------------------------------------------------------- PostgreSQL

# With SMIP_TEST_PG set to a cluster's base URI (postgresql://postgres@127.0.0.1:PORT/, see
# scripts/pg-cluster.sh), every server gets a fresh database of that cluster instead of a SQLite
# file, and the tests that reach into the database do it through psql.
PG_BASE = os.environ.get("SMIP_TEST_PG", "").strip()
if PG_BASE and not PG_BASE.endswith("/"):
    PG_BASE += "/"
PG_KEYS = {}  # database URI -> its audit key file: smip needs --key for PostgreSQL


def is_pg(db):
    return db.startswith(("postgresql://", "postgres://"))


def psql(db, sql, timeout=60):
    """Runs `sql` on database URI `db`; returns the rows as lists of strings (unaligned)."""
    r = subprocess.run(["psql", db, "-v", "ON_ERROR_STOP=1", "-qAtX", "-F", "\x1f", "-c", sql],
                       capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {r.stderr.decode(errors='replace')}\n  in: {sql}")
    out = r.stdout.decode()
    return [line.split("\x1f") for line in out.split("\n") if line != ""]


def pg_new_database(workdir, template=None):
    """CREATE DATABASE smip_… (a copy of `template` when given); its key file goes in workdir."""
    name = unique("smip_")
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    psql(PG_BASE + "postgres", sql)
    uri = PG_BASE + name
    PG_KEYS[uri] = os.path.join(workdir, "audit.key")
    return uri


def pg_quote(v):
    """A literal for psql: dollar-quoted text (the tests' own values), or a bare number."""
    if isinstance(v, int):
        return str(v)
    return "$smipq$" + str(v) + "$smipq$"


# ---------------------------------------------------------------- server runner

CLI_PROBLEMS = []  # sanitizer reports of command-line runs, reported by the final test


def _with_key(args):
    """Adds --key for a PostgreSQL --db the suite made (SQLite keeps its key beside the file)."""
    args = list(args)
    if "--key" not in args and "--db" in args:
        i = args.index("--db")
        if i + 1 < len(args) and args[i + 1] in PG_KEYS:
            args += ["--key", PG_KEYS[args[i + 1]]]
    return args


def run_cli(*args, stdin=None, timeout=60, env=None):
    args = _with_key(args)
    r = subprocess.run([SMIP_BIN, *args], input=stdin, capture_output=True, timeout=timeout,
                       env=env or os.environ.copy())
    err = r.stderr.decode(errors="replace")
    m = SANITIZER_RE.search(err)
    if m:
        CLI_PROBLEMS.append(f"`smip {' '.join(args)}` printed a sanitizer report:\n"
                            f"{err[max(0, m.start() - 500):m.start() + 4000]}")
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `smip serve` process on a fresh database. `problems` collects what the final test
    reports: sanitizer output, a non-zero exit, a hang at SIGTERM."""

    registry = []  # every server started in this session

    def __init__(self, workdir, name="main", extra_args=(), db=None, env=None):
        self.name = name
        self.dir = workdir
        os.makedirs(self.dir, exist_ok=True)
        if db:
            self.db = db
        elif PG_BASE:
            self.db = pg_new_database(self.dir)
        else:
            self.db = os.path.join(self.dir, "smip.db")
        self.extra_args = list(extra_args)
        self.env = dict(env or {})  # added to the server's environment
        self.proc = None
        self.port = None
        self.stderr_path = os.path.join(self.dir, "server.stderr")
        self.stdout_path = os.path.join(self.dir, "server.stdout")
        self.problems = []
        self.reported = False
        self.stopped = False
        Server.registry.append(self)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def init(self):
        r = run_cli("init", "--db", self.db)
        if r.returncode != 0:
            raise RuntimeError(f"smip init failed ({r.returncode}): {r.stderr.decode(errors='replace')}")

    def add_user(self, role, username, password, district=None):
        args = ["user", "add", "--db", self.db, "--role", role, "--username", username]
        if district:
            args += ["--district", district]
        args.append("--password-stdin")
        r = run_cli(*args, stdin=password.encode())
        if r.returncode != 0:
            raise RuntimeError(f"smip user add {username} failed ({r.returncode}): "
                               f"{r.stderr.decode(errors='replace')}")

    def start(self, timeout=20):
        last = ""
        for _attempt in range(3):
            self.port = free_port()
            args = [SMIP_BIN, *_with_key(["serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}",
                                          *self.extra_args])]
            self.proc = subprocess.Popen(args, stdout=open(self.stdout_path, "ab"),
                                         stderr=open(self.stderr_path, "ab"), stdin=subprocess.DEVNULL,
                                         env={**os.environ, **self.env})
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                        if r.status == 200 and json.loads(r.read()) == {"ok": True}:
                            self.stopped = False
                            return self
                except Exception:  # noqa: BLE001 - not ready yet
                    pass
                time.sleep(0.1)
            last = self.stderr_tail()
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"server {self.name} not healthy within {timeout}s:\n{last}")
            if "in use" not in last.lower():
                break
        raise RuntimeError(f"server {self.name} exited at start ({self.proc.returncode}):\n{last}")

    def stderr_tail(self, n=6000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self, timeout=30):
        """SIGTERM, wait, inspect. Idempotent. Returns the list of problems found so far."""
        if self.proc is None or self.stopped:
            return self.problems
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.problems.append(f"server {self.name} did not exit within {timeout}s of SIGTERM")
        else:
            self.problems.append(f"server {self.name} had died before the end of the tests "
                                 f"(exit {self.proc.returncode})")
        rc = self.proc.returncode
        if rc != 0 and not any("did not exit" in p for p in self.problems):
            self.problems.append(f"server {self.name} exited with status {rc} after SIGTERM")
        err = self.stderr_tail(200000)
        m = SANITIZER_RE.search(err)
        if m:
            start = max(0, m.start() - 500)
            self.problems.append(f"server {self.name} stderr has a sanitizer report:\n{err[start:start + 6000]}")
        return self.problems

    def restart(self):
        self.stop()
        return self.start()

    @classmethod
    def stop_all(cls):
        out = list(CLI_PROBLEMS)
        CLI_PROBLEMS.clear()
        for s in cls.registry:
            s.stop()
            for p in s.problems:
                out.append(p)
            s.reported = True
        return out


# ---------------------------------------------------------------- platform helpers

PASSWORD = "Smip2020pass"
ADMIN = ("admin0", "Admin2020pass")
COMMISSION = ("comm0", "Comm2020pass")
DISTRICT_YB = ("dist500112", "Dist2020pass")
DISTRICT_WZ = ("dist500101", "Dist2020pass")


class Enterprise:
    """A ready enterprise account: logged-in client, account id, enterprise profile."""

    def __init__(self, client, username, password, account_id, uscc, district, enterprise=None):
        self.c = client
        self.username = username
        self.password = password
        self.account_id = account_id
        self.uscc = uscc
        self.district = district
        self.enterprise = enterprise or {}

    def __repr__(self):
        return f"<Enterprise {self.username} {self.uscc}>"


def enterprise_profile(uscc, district="500112", name=None, **over):
    p = {
        "uscc": uscc,
        "name": name or f"重庆测试{unique('q')}制造有限公司",
        "district_code": district,
        "address": "重庆市渝北区测试路1号",
        "legal_representative": "张三",
        "manufacturing_type": "discrete",
        "independent_legal_person": True,
        "complete_machine": False,
    }
    p.update(over)
    return p


def project_body(district="500112", **over):
    """A class II project, completed in the past, ≥ 10,000,000 yuan in equipment and software."""
    p = {
        "name": f"智能化改造项目{unique('p')}",
        "site_name": f"数字化车间{unique('s')}",
        "district_code": district,
        "address": "重庆市渝北区测试路1号",
        "class": "II",
        "start_date": "2018-06-01",
        "completion_date": "2019-12-31",
        "progress_pct": 100,
        "total_investment": 30000000,
        "equipment_software_investment": 12000000,
        "other_public_funding": False,
        "approval_proof_type": "filing",
        "approval_attachment_ids": [],
        "content": "建设数字化车间，引进数控设备和制造执行系统。",
        "expected_results": "运营成本降低20%，生产效率提高15%。",
    }
    p.update(over)
    return p


def class1_project_body(district="500112", **over):
    p = project_body(district, **{
        "class": "I",
        "start_date": "2019-06-01",
        "completion_date": "2021-06-30",
        "progress_pct": 85,
    })
    p.update(over)
    return p


def passing_form(attachment_ids=()):
    """Every figure of a digital workshop, each above its 2020 threshold."""
    return {
        "equipment_total": 100,
        "equipment_digital": 60,
        "data_points_total": 100,
        "data_points_uploaded": 95,
        "networked": {"processing": True, "inspection": True, "logistics": True},
        "realtime_monitoring": True,
        "mes": {"scheduling": True, "process": True, "logistics_warehousing": True,
                "quality": True, "equipment": True},
        "visual_management": True,
        "integration": {"realtime_data_mes_erp": True, "description": "MES 与 ERP 实时交换生产数据"},
        "kpi_baseline": "before_project",
        "kpis": {
            "operating_cost": {"before": "100", "after": "80"},        # −20% (≥ 15%)
            "efficiency": {"before": "100", "after": "115"},           # +15% (≥ 10%)
            "defect_rate": {"before": "2.0", "after": "1.5"},          # −25% (≥ 10%)
            "energy_utilization": {"before": "0.80", "after": "0.90"},  # +12.5% (≥ 8%)
            "rd_cycle": {"before": "100", "after": "85"},              # −15% (factories only)
        },
        "technologies": ["5g", "iot", "digital_twin"],
        "industrial_policy_compliant": True,
        "attachment_ids": list(attachment_ids),
        "declaration_signed": True,
    }


def findings_by_rule(findings):
    out = {}
    for f in findings:
        out.setdefault(f["rule"], []).append(f)
    return out


def failing_errors(findings, ignore=("A1",)):
    """Error findings that fail, leaving out rules this suite must not judge (A1)."""
    return [f for f in findings if f.get("severity") == "error" and f.get("ok") is False
            and f.get("rule") not in ignore]


def rule_ok(findings, rule):
    """True when every finding of `rule` passes; asserts the rule is reported at all."""
    fs = [f for f in findings if f.get("rule") == rule]
    assert fs, f"no finding for rule {rule}: {[f.get('rule') for f in findings]}"
    return all(f.get("ok") is True for f in fs)


def rule_error_ok(findings, rule):
    """True when no error finding of `rule` fails (warnings of the rule allowed)."""
    fs = [f for f in findings if f.get("rule") == rule]
    assert fs, f"no finding for rule {rule}: {[f.get('rule') for f in findings]}"
    return all(f.get("ok") is True for f in fs if f.get("severity") == "error")


# Expert scores of the 2020 score form (criteria and maxima are batch data: rules.score_form).
SCORES_PASS = {"foundation": 25, "technology": 25, "demonstration": 15, "benefit": 15}  # 80
SCORE_MAXIMA = {"foundation": 30, "technology": 30, "demonstration": 20, "benefit": 20}


class Platform:
    """Builds the world the tests need on one server, through the API only."""

    def __init__(self, server, admin, commission):
        self.server = server
        self.admin = admin
        self.commission = commission
        self._districts = {}  # district code -> a district account's client (review side)
        self._experts = []  # experts without conflicts shared by review tests

    def client(self, name=""):
        return Client(self.server.base, name)

    def register(self, username=None, password=PASSWORD, uscc=None, district="500112", **over):
        c = self.client(username or "")
        username = username or unique("e")
        uscc = make_uscc(district) if uscc is None else uscc
        body = {"username": username, "password": password, "display_name": "王工",
                "phone": "13800000000", "email": f"{username}@example.cn",
                "enterprise_name": f"重庆{username}有限公司", "uscc": uscc}
        body.update(over)
        r = c.post("/accounts", body)
        return c, username, uscc, r

    def approve(self, account_id):
        return expect(self.admin.post(f"/admin/accounts/{account_id}/approve"), 200, "approve")

    def new_enterprise(self, district="500112", connect=True, confirm=True, uscc=None, **profile):
        """register → approve → login → connect imp → confirm-new."""
        c, username, uscc, r = self.register(uscc=uscc, district=district)
        body = expect(r, 201, "register")
        acc_id = body["id"]
        self.approve(acc_id)
        expect(c.login(username, PASSWORD), 200, "login")
        ent = Enterprise(c, username, PASSWORD, acc_id, uscc, district)
        if connect:
            expect(c.post("/apps/imp/connect"), 200, "connect")
        if confirm:
            prof = enterprise_profile(uscc, district, **profile)
            ent.enterprise = expect(c.post("/imp/confirm-new", {"enterprise": prof}), 200, "confirm-new")["enterprise"]
        return ent

    def new_staff(self, role, district=None, connect=True, **over):
        """An active non-enterprise account made by the admin, logged in (and connected)."""
        username = unique(role[0])
        body = {"username": username, "password": PASSWORD, "display_name": "测试员",
                "phone": "13900000000", "email": f"{username}@example.cn", "role": role}
        if district:
            body["district_code"] = district
        body.update(over)
        acc = expect(self.admin.post("/admin/accounts", body), 201, "admin create")
        c = self.client(username)
        expect(c.login(username, PASSWORD), 200, "login")
        if connect:
            expect(c.post("/apps/imp/connect"), 200, "connect")
        c.account_id = acc["id"]
        c.username = username
        return c

    def new_batch(self, rules_from, opens=None, closes=None, deadline=None, **over):
        now = now_cst()
        body = {
            "year": now.year,
            "name": f"测试批次{unique('b')}",
            "notice_no": f"渝经信智能〔{now.year}〕测试",
            "opens_at": iso(opens or now - _dt.timedelta(days=1)),
            "closes_at": iso(closes or now + _dt.timedelta(days=30)),
            "district_deadline": iso(deadline or now + _dt.timedelta(days=45)),
            "rules_from": rules_from,
        }
        body.update(over)
        return expect(self.commission.post("/batches", body), 201, "create batch")

    def retire_batch(self, batch_id):
        """Moves a test's batch back to 2001 (window and district deadline), so that it is no
        longer the current batch for the tests after it."""
        old = _dt.datetime(2001, 1, 1, tzinfo=CST)
        expect(self.commission.put(f"/batches/{batch_id}", {
            "opens_at": iso(old), "closes_at": iso(old + _dt.timedelta(days=1)),
            "district_deadline": iso(old + _dt.timedelta(days=2))}), 200, "retire batch")

    def upload_pdf(self, ent_or_client, **kw):
        c = ent_or_client.c if isinstance(ent_or_client, Enterprise) else ent_or_client
        return expect(c.upload(make_pdf(**kw)), 201, "upload pdf")

    def new_project(self, ent, **over):
        att = self.upload_pdf(ent)
        body = project_body(ent.district)
        body.update(over)
        if not body.get("approval_attachment_ids"):
            body["approval_attachment_ids"] = [att["id"]]
        return expect(ent.c.post("/projects", body), 201, "create project")

    def new_application(self, ent, batch_id, project=None, form=True, app_type="workshop", **project_over):
        """A project and a draft application; with form=True every field filled to pass."""
        project = project or self.new_project(ent, **project_over)
        app = expect(ent.c.post("/applications", {"batch_id": batch_id, "project_id": project["id"],
                                                  "type": app_type}), 201, "create application")
        if form:
            att = self.upload_pdf(ent)
            f = passing_form([att["id"]])
            app = expect(ent.c.put(f"/applications/{app['id']}", f), 200, "fill application")
        return app, project

    def ensure_assessment(self, ent):
        """Completes a self-assessment when the server offers it (rule A1 is a later issue; this
        keeps submit tests valid once it exists). Silently does nothing otherwise."""
        r = ent.c.get("/assessment-model")
        if r.status != 200 or not isinstance(r.body, dict):
            return None
        answers = {}

        def walk(node):
            if isinstance(node, dict):
                if "requirements" in node and isinstance(node["requirements"], list):
                    for q in node["requirements"]:
                        if isinstance(q, dict) and "id" in q:
                            answers[str(q["id"])] = 1
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(r.body)
        if answers:
            ent.c.post("/assessments", {"answers": answers})
        return answers

    def submitted_application(self, ent, batch_id, **project_over):
        self.ensure_assessment(ent)
        app, project = self.new_application(ent, batch_id, **project_over)
        app = expect(ent.c.post(f"/applications/{app['id']}/submit"), 200, "submit")
        return app, project


    # ---- review side: an application walked past submission through the API, for the
    # review tests and the later ones (公示, certificates, pages) that need one in a given state.

    def district_for(self, code):
        """A logged-in, connected district account of district `code` (made once, then reused)."""
        if code not in self._districts:
            self._districts[code] = self.new_staff("district", district=code)
        return self._districts[code]

    def new_expert(self, employer_uscc=None, connect=True):
        """An expert account the commission creates (POST /experts), logged in; the client carries
        account_id, username and employer_uscc."""
        username = unique("x")
        employer = employer_uscc or make_uscc("500103")
        body = {"username": username, "password": PASSWORD, "display_name": f"专家{username[-4:]}",
                "phone": "13700000000", "email": f"{username}@example.cn", "employer_uscc": employer}
        acc = expect(self.commission.post("/experts", body), 201, "create expert")
        c = self.client(username)
        expect(c.login(username, PASSWORD), 200, "expert login")
        if connect:
            expect(c.post("/apps/imp/connect"), 200, "expert connect")
        c.account_id = acc["id"]
        c.username = username
        c.employer_uscc = acc.get("employer_uscc") or employer
        return c

    def experts(self, n=3):
        """n experts without conflicts, shared by the tests that only need reviewers."""
        while len(self._experts) < n:
            self._experts.append(self.new_expert())
        return self._experts[:n]

    def authenticity_file(self, district):
        """The 真实性审核意见 scan uploaded by `district` (a client): the attachment's id."""
        return expect(district.upload(make_pdf(text="authenticity"), kind="真实性审核意见"), 201,
                      "upload authenticity")["id"]

    def district_review(self, district, app_id, decision="approve", opinion="材料真实，同意推荐", **over):
        body = {"decision": decision, "opinion": opinion}
        if decision == "approve":
            body["authenticity_attachment_id"] = self.authenticity_file(district)
        body.update(over)
        return district.post(f"/applications/{app_id}/district-review", body)

    def approved_application(self, ent, batch_id, **project_over):
        """Submitted, then approved by the enterprise's district: (application, project)."""
        app, project = self.submitted_application(ent, batch_id, **project_over)
        app = expect(self.district_review(self.district_for(ent.district), app["id"]), 200,
                     "district approve")
        return app, project

    def assign(self, app_id, experts):
        return self.commission.post(f"/applications/{app_id}/assignments",
                                    {"expert_ids": [x.account_id for x in experts]})

    def application_in_review(self, ent, batch_id, experts=None, **project_over):
        """Approved and assigned to `experts` (default: three shared ones): (app, experts)."""
        experts = experts or self.experts(3)
        app, _ = self.approved_application(ent, batch_id, **project_over)
        expect(self.assign(app["id"], experts), 201, "assign")
        return app, experts

    def review(self, expert, app_id, criteria=None, recommend="pass", opinion="示范性强，建议通过"):
        return expert.post(f"/applications/{app_id}/expert-reviews",
                           {"criteria": dict(criteria or SCORES_PASS), "recommend": recommend,
                            "opinion": opinion})

    def decided_application(self, ent, batch_id, decision="pass", **project_over):
        """Three reviews and the commission's decision: an expert_passed (or _failed) application."""
        app, experts = self.application_in_review(ent, batch_id, **project_over)
        for x in experts:
            expect(self.review(x, app["id"], recommend=decision), 201, "expert review")
        return expect(self.commission.post(f"/applications/{app['id']}/decision",
                                           {"decision": decision, "reason": "专家组评审意见一致"}),
                      200, "decision")

    # ---- 公示, objections and certificates: an application walked to
    # expert_passed by the direct route (the quickest way there), published, certified.

    def passed_application(self, ent, batch_id, **project_over):
        """Approved by the district, then the commission's direct route (national list, with
        evidence): an expert_passed application."""
        app, _ = self.approved_application(ent, batch_id, **project_over)
        evidence = self.upload_pdf(self.commission)["id"]
        return expect(self.commission.post(f"/applications/{app['id']}/direct-certification",
                                           {"programme": "national_special",
                                            "evidence_attachment_id": evidence}),
                      200, "direct certification")

    def publish(self, batch_id, app_ids, starts_at=None, ends_at=None):
        """POST /batches/{id}/publicity; times (datetimes or strings) only when given."""
        body = {"application_ids": list(app_ids)}
        for k, v in (("starts_at", starts_at), ("ends_at", ends_at)):
            if v is not None:
                body[k] = v if isinstance(v, str) else iso(v)
        return self.commission.post(f"/batches/{batch_id}/publicity", body)

    def published_application(self, ent, batch_id, ended=True, **project_over):
        """In 公示: a period that ended a second ago (ended=True) or runs for another hour."""
        app = self.passed_application(ent, batch_id, **project_over)
        now = now_cst()
        ends = now - _dt.timedelta(seconds=1) if ended else now + _dt.timedelta(hours=1)
        expect(self.publish(batch_id, [app["id"]], now - _dt.timedelta(days=10), ends), 201, "publish")
        return app

    def certified_application(self, ent, batch_id, document_no=None, **project_over):
        """Published, period over, certified: (application, certificate)."""
        app = self.published_application(ent, batch_id, **project_over)
        body = {"document_no": document_no} if document_no else {}
        cert = expect(self.commission.post(f"/applications/{app['id']}/certify", body), 200, "certify")
        return app, cert

    def objection(self, client, app_id, ip=None, **over):
        """POST /public/objections from `client` (anonymous is fine), through the loopback proxy
        headers with address `ip` (a fresh one by default, so tests never share a rate bucket)."""
        body = {"application_id": app_id, "name": "张三", "contact": "13800000001",
                "content": "该企业申报的设备数量与实际不符。"}
        body.update(over)
        ip = ip or random_ip()
        return client.post("/public/objections", body, headers={"X-Real-IP": ip})


def random_ip():
    """A documentation-range address (RFC 5737) not handed out before in this run."""
    with _lock:
        _counter[0] += 1
        n = _counter[0]
    return f"198.51.{100 + (n // 250) % 100}.{1 + n % 250}"


def copy_db_dir(src_dir, dst_dir, src_db=None):
    """Copies a stopped server's directory (database, WAL, key file, anything beside it). On
    PostgreSQL (`src_db` a URI) the database is copied with CREATE DATABASE … TEMPLATE and the
    key file with the directory. Returns the copy's database (path or URI)."""
    shutil.copytree(src_dir, dst_dir, ignore=shutil.ignore_patterns("server.std*"))
    if src_db and is_pg(src_db):
        return pg_new_database(dst_dir, template=src_db.rsplit("/", 1)[1])
    return os.path.join(dst_dir, "smip.db")


def db_dir(db):
    """The folder of a database's files: the SQLite file's, or where the PostgreSQL key lives."""
    return os.path.dirname(PG_KEYS[db]) if is_pg(db) else os.path.dirname(db)


def new_tmpdir(prefix="smip-api-"):
    return tempfile.mkdtemp(prefix=prefix)


def log(*a):
    print(*a, file=sys.stderr)
