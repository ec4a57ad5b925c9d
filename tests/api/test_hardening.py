"""What one anonymous client may cost the server (web/form.c, web/guard.c).

Form bodies are gathered in time linear in their size and within per-route limits (public forms
small, signed-in forms large), refused with 413 the moment a limit is passed; the server's CPU
for a 2 MB and a 20 MB body and for 80,000 repeated keys is read from /proc and bounded (before,
a 2 MB field took 35 s of CPU). Slow clients: one address holds at most --max-conns-per-addr
connections, a request's headers are due within --header-timeout of the connection's start
however the bytes trickle in, and /healthz keeps answering from another address while one
address opens 1,000 slow connections. The attacker's sockets come from 127.0.0.2 (the whole of
127.0.0.0/8 is loopback), the probes from 127.0.0.1."""
import os
import resource
import select
import socket
import time

import pytest

import smiptest as st
from conftest import start_server
from smiptest import expect

HEADER_TIMEOUT = 2
PER_ADDR = 40


@pytest.fixture(scope="module")
def guarded():
    srv = start_server("guard", extra_args=["--header-timeout", str(HEADER_TIMEOUT),
                                            "--body-timeout", "3",
                                            "--max-conns-per-addr", str(PER_ADDR)])
    yield srv
    srv.stop()


def cpu_seconds(srv):
    """User + system CPU of the server process so far."""
    with open(f"/proc/{srv.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def form_post(port, path, body_iter, length, cookie=None, chunked=False):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if chunked:
        h["Transfer-Encoding"] = "chunked"
        pieces = body_iter
        body_iter = (c for p in pieces for c in (b"%x\r\n%s\r\n" % (len(p), p),))
        body_iter = _then(body_iter, b"0\r\n\r\n")
    else:
        h["Content-Length"] = str(length)
    if cookie:
        h["Cookie"] = cookie
    return st.raw_http(port, "POST", path, h, body_iter, early_wait=0.2)


def _then(it, last):
    yield from it
    yield last


def repeated(piece, total):
    n = total // len(piece)
    block = piece * (65536 // len(piece))
    while n > 0:
        k = min(n, 65536 // len(piece))
        yield block[:k * len(piece)]
        n -= k


def test_public_form_limits_answer_at_once(server):
    before = cpu_seconds(server)
    # Declared over the public forms' 64 KiB: refused before a byte of the body is read.
    status, _, body = form_post(server.port, "/login", st.pieces(2 << 20, byte=b"a"), 2 << 20)
    assert status == 413, body
    # The same 2 MB, chunked (no length declared): refused once 64 KiB came in.
    status, _, _ = form_post(server.port, "/login",
                             (b"username=" + b"a" * 65536 if i == 0 else b"a" * 65536
                              for i in range(32)), 0, chunked=True)
    assert status == 413
    # 5,000 repeated keys (20 KB) pass the size but not the 64 fields of a public form.
    status, _, body = form_post(server.port, "/login", [b"a=b&" * 5000], 20000)
    assert status == 413, body
    assert "字段" in body.decode(), body
    # One 20 KB field: over a public form's 16 KiB.
    status, _, body = form_post(server.port, "/register", [b"username=" + b"x" * 20000], 20009)
    assert status == 413, body
    assert "16 KiB" in body.decode() or "16384" in body.decode() or "超过" in body.decode(), body
    used = cpu_seconds(server) - before
    print(f"server CPU for 2 MB declared + 2 MB chunked + 5,000 keys + 20 KB field: {used:.2f} s")
    # Gathered linearly the four cost a few milliseconds; the quadratic copy took seconds for
    # far less (a 312 KB body of repeated keys: 16 s).
    assert used < 2.0, used
    expect(st.Client(server.base).raw("GET", "/healthz"), 200)


def test_signed_in_form_limits(server, shared_enterprise):
    ent = shared_enterprise
    cookie = "; ".join(f"{k}={v}" for k, v in ent.c.cookies.items())
    before = cpu_seconds(server)
    # 20 MB in one field of a signed-in form: refused at the 256 KiB a field may hold.
    status, _, body = form_post(server.port, "/profile",
                                (b"name=" + b"x" * 65531 if i == 0 else b"x" * 65536
                                 for i in range(320)), 320 * 65536, cookie=cookie)
    assert status == 413, body
    # 80,000 repeated keys (312 KB): over the 2,000 fields a form may have.
    status, _, body = form_post(server.port, "/profile", repeated(b"a=b&", 320000), 320000,
                                cookie=cookie)
    assert status == 413, body
    # A 2 MB declared body of many small fields: the same, however it is split.
    status, _, _ = form_post(server.port, "/projects/new", repeated(b"k=v&", 2 << 20), 2 << 20,
                             cookie=cookie)
    assert status == 413
    used = cpu_seconds(server) - before
    print(f"server CPU for 20 MB field + 80,000 keys + 2 MB of fields (signed in): {used:.2f} s")
    assert used < 3.0, used
    # What was saved is untouched and the account still works.
    expect(ent.c.get("/enterprise"), 200)


def test_form_within_limits_still_works(server, shared_enterprise):
    """A signed-in form with many fields under the limits is taken as before."""
    ent = shared_enterprise
    r = ent.c.raw("GET", "/profile", headers={"Accept": "text/html"})
    assert r.status == 200


# ---------------------------------------------------------------- slow clients

def _raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def attacker_socket(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.2", 0))
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    return s


def is_closed(s):
    """True when the server closed the connection (EOF or reset); an answer it sent first is
    read past."""
    try:
        while True:
            r, _, _ = select.select([s], [], [], 0)
            if not r:
                return False
            if s.recv(65536) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError, OSError):
        return True


def trickle(s, data):
    try:
        s.send(data)
        return True
    except (BlockingIOError, ConnectionResetError, BrokenPipeError, OSError):
        return False


def healthz(port, timeout=5):
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0]
    finally:
        c.close()


def test_header_deadline_does_not_restart_with_each_byte(guarded):
    s = attacker_socket(guarded.port)
    try:
        time.sleep(0.1)
        trickle(s, b"GET /healthz HTTP/1.1\r\n")
        start = time.time()
        closed_at = None
        # A header line every 0.3 s: the old 30 s idle timeout restarted with each one.
        while time.time() - start < 4 * HEADER_TIMEOUT:
            if is_closed(s) or not trickle(s, b"X-A: b\r\n"):
                closed_at = time.time() - start
                break
            time.sleep(0.3)
        assert closed_at is not None, "a trickling client kept its connection past the deadline"
        assert closed_at >= HEADER_TIMEOUT - 0.5, closed_at
    finally:
        s.close()


def test_one_address_holds_at_most_its_share(guarded):
    socks = [attacker_socket(guarded.port) for _ in range(PER_ADDR + 10)]
    try:
        time.sleep(0.5)
        for s in socks:
            trickle(s, b"GET / HTTP/1.1\r\n")
        time.sleep(0.5)
        open_ = [s for s in socks if not is_closed(s)]
        assert len(open_) <= PER_ADDR, len(open_)
        # Another address is not held up by them.
        assert b" 200 " in healthz(guarded.port)
    finally:
        for s in socks:
            s.close()


def test_healthz_answers_while_one_address_holds_1000_slow_connections(guarded):
    n = 1000
    if _raise_fd_limit(n + 200) < n + 100:
        pytest.fail("RLIMIT_NOFILE too small for 1,000 sockets", pytrace=False)
    socks = []
    probes = []
    try:
        for i in range(n):
            socks.append(attacker_socket(guarded.port))
            if i % 100 == 99:
                probes.append(healthz(guarded.port))
        for s in socks:
            trickle(s, b"GET / HTTP/1.1\r\n")
        start = time.time()
        # Each attacker socket sends a header line now and then, as the slowloris tool does.
        while time.time() - start < 2 * HEADER_TIMEOUT + 1:
            for s in socks:
                trickle(s, b"X-B: c\r\n")
            probes.append(healthz(guarded.port))
            time.sleep(0.2)
        assert all(b" 200 " in p for p in probes), probes
        still_open = [s for s in socks if not is_closed(s)]
        # Past the header deadline, none of them is kept.
        assert still_open == [], len(still_open)
    finally:
        for s in socks:
            s.close()
    assert b" 200 " in healthz(guarded.port)


# ---------------------------------------------------------------- login CSRF, HSTS, usage

def page_form(srv, path, fields, headers):
    import urllib.parse
    c = st.Client(srv.base)
    h = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    h.update(headers)
    return c, c.raw("POST", path, urllib.parse.urlencode(fields).encode(), h, csrf=False)


def test_login_and_register_forms_refuse_other_sites(server, platform):
    c, username, _, r = platform.register()
    platform.approve(expect(r, 201)["id"])
    login = {"username": username, "password": st.PASSWORD}
    origin = f"http://127.0.0.1:{server.port}"
    # From another site: refused before the password is even checked, no session is made.
    for hostile in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Origin": f"http://127.0.0.1:{server.port}.evil.example"}):
        cl, resp = page_form(server, "/login", login, hostile)
        assert resp.status == 403, (hostile, resp)
        assert "跨站" in resp.raw.decode(), hostile
        assert "smip_session" not in cl.cookies, hostile
    for path, fields in (("/register", {"username": st.unique("x"), "password": st.PASSWORD}),
                         ("/publicity/objections", {"reason": "x"})):
        _, resp = page_form(server, path, fields, {"Sec-Fetch-Site": "cross-site"})
        assert resp.status == 403, (path, resp)
    # From the platform's own pages: a browser says same-origin, or names this origin.
    for friendly in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": origin},
                     {"Sec-Fetch-Site": "none"}, {}):
        cl, resp = page_form(server, "/login", login, friendly)
        assert resp.status == 303, (friendly, resp)
        assert "smip_session" in cl.cookies, friendly


def test_signed_in_form_from_another_site_is_refused(server, shared_enterprise):
    ent = shared_enterprise
    h = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html",
         "Origin": "https://evil.example"}
    r = ent.c.raw("POST", "/logout", b"csrf_token=" + ent.c.csrf.encode(), h, csrf=False)
    assert r.status == 403, r
    expect(ent.c.get("/me"), 200)  # still signed in


def test_hsts_only_when_asked(server):
    r = st.Client(server.base).raw("GET", "/healthz")
    assert r.headers.get("Strict-Transport-Security") is None
    srv = start_server("hsts", extra_args=["--hsts"])
    try:
        r = st.Client(srv.base).raw("GET", "/healthz")
        assert r.headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
        r = st.Client(srv.base).raw("GET", "/")
        assert "max-age=31536000" in (r.headers.get("Strict-Transport-Security") or "")
    finally:
        srv.stop()


def test_every_option_is_in_the_usage_text():
    """The options main.c takes (its string literals starting with --) all appear in the usage
    text `smip` prints for an unknown option."""
    import re
    src = open(os.path.join(os.path.dirname(__file__), "..", "..", "src", "main.c")).read()
    usage_fn = src[src.index("static void usage(void)"):]
    usage_fn = usage_fn[:usage_fn.index("\n}\n")]
    taken = set(re.findall(r'"(--[a-z][a-z-]+)"', src.replace(usage_fn, "")))
    assert {"--secure-cookies", "--hsts", "--trusted-proxy", "--header-timeout"} <= taken
    r = st.run_cli("serve", "--no-such-option")
    text = r.stderr.decode()
    assert r.returncode != 0
    missing = [o for o in sorted(taken) if o not in text]
    assert missing == [], missing


# ---------------------------------------------------------------- one input rule

def test_project_read_only_fields_are_refused_not_dropped(platform, shared_enterprise):
    ent = shared_enterprise
    p = platform.new_project(ent)
    r = ent.c.post("/projects", dict(st.project_body(), id=p["id"] + 1000))
    assert_error_fields(r, ["id"], "只读")
    for field, value in (("id", p["id"] + 1), ("enterprise_id", p["enterprise_id"] + 1),
                         ("created_at", "2020-01-01T00:00:00+08:00")):
        r = ent.c.put(f"/projects/{p['id']}", {"name": "不应保存", field: value})
        assert_error_fields(r, [field], "只读")
    assert expect(ent.c.get(f"/projects/{p['id']}"), 200) == p
    # the whole project sent back as GET gave it, with one change: saved
    got = expect(ent.c.put(f"/projects/{p['id']}", dict(p, name="回显后改名")), 200)
    assert got["name"] == "回显后改名"
    assert_error_fields(ent.c.put(f"/projects/{p['id']}", {"no_such_field": 1}), ["no_such_field"],
                        "未知")


def assert_error_fields(r, fields, word):
    err = st.assert_error(r, 400, "bad_request", fields)
    for f in fields:
        assert word in err["fields"][f], err


def test_query_integers_are_strict(commission, shared_enterprise):
    c = commission
    for path, field in (("/audit?id=1%20OR%201=1", "id"), ("/audit?id=-1", "id"),
                        ("/audit?id=1x", "id"), ("/applications?limit=5%00", "limit"),
                        ("/applications?limit=5%20", "limit"), ("/applications?offset=%2B1", "offset"),
                        ("/applications?batch_id=1.0", "batch_id"),
                        ("/applications?batch_id=", "batch_id"),
                        ("/exports/applications.xlsx?batch_id=0x1", "batch_id"),
                        ("/objections?batch_id=99999999999999999999", "batch_id")):
        st.assert_error(c.get(path), 400, "bad_request", [field])
    expect(c.get("/audit?id=1"), 200)
    expect(c.get("/applications?limit=5&offset=0"), 200)


def test_query_with_nul_or_bad_utf8_is_refused(commission):
    for path in ("/applications?status=sub%00mitted", "/applications?status=%FF%FE",
                 "/applications?lim%00it=5", "/public/publicity?batch_id=1%00"):
        r = commission.get(path)
        st.assert_error(r, 400, "bad_request")
        assert "查询参数" in r.error["message"], r
    # a page too: an HTML answer, not a crash
    r = commission.raw("GET", "/commission?status=%C0%AF", headers={"Accept": "text/html"})
    assert r.status == 400, r


def test_multipart_forms_have_the_same_limits(server, shared_enterprise):
    """The same limits hold when a form comes as multipart/form-data (the encoding file inputs
    need): many small parts or one big text part are refused at once, in linear time."""
    ent = shared_enterprise
    cookie = "; ".join(f"{k}={v}" for k, v in ent.c.cookies.items())
    boundary = "----smipboundary7MA4YWxkTrZu0gW"

    def parts(n, value):
        one = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n".encode()
               + value + b"\r\n")
        block = one * 256
        while n > 0:
            k = min(n, 256)
            yield block[:k * len(one)]
            n -= k
        yield f"--{boundary}--\r\n".encode()

    def post(path, body, length, cookie=None):
        h = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)}
        if cookie:
            h["Cookie"] = cookie
        return st.raw_http(server.port, "POST", path, h, body, early_wait=0.2)

    before = cpu_seconds(server)
    one_len = len(f"--{boundary}\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n".encode()) + 3
    n = 40000
    total = n * one_len + len(f"--{boundary}--\r\n")
    status, _, body = post("/profile", parts(n, b"x"), total, cookie)
    assert status == 413, body
    # One text part of 300 KB: over the 256 KiB a field of a signed-in form may hold.
    big = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n".encode(),
           b"y" * 300000, f"\r\n--{boundary}--\r\n".encode()]
    status, _, body = post("/profile", big, sum(map(len, big)), cookie)
    assert status == 413, body
    # 200 parts on the public login form: over its 64 fields.
    status, _, body = post("/login", parts(200, b"z"), 200 * one_len + len(f"--{boundary}--\r\n"))
    assert status == 413, body
    used = cpu_seconds(server) - before
    print(f"server CPU for multipart: 40,000 parts + a 300 KB part + 200 public parts: {used:.2f} s")
    assert used < 3.0, used
    expect(ent.c.get("/enterprise"), 200)


def test_form_with_an_empty_last_field(server, platform):
    """A browser sends an empty hidden field last ("next="): libmicrohttpd hands it over only
    when its PostProcessor is destroyed, which must come before the fields are finished."""
    c, username, _, r = platform.register()
    platform.approve(expect(r, 201)["id"])
    cl, resp = page_form(server, "/login", {"username": username, "password": st.PASSWORD,
                                            "next": ""}, {})
    assert resp.status == 303, resp
    _, resp = page_form(server, "/login", {"username": username, "password": "wrong-1a",
                                           "next": ""}, {})
    assert resp.status == 401, resp
    expect(st.Client(server.base).raw("GET", "/healthz"), 200)
