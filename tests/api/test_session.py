"""POST/DELETE /session, cookies, CSRF, throttling, GET /me and POST /me/password."""
import pytest

import smiptest as st
from smiptest import PASSWORD, assert_error, expect


@pytest.fixture
def fresh_account(platform):
    """An active enterprise account (not connected), made by the admin: (username, password, id)."""
    username = st.unique("s")
    body = {"username": username, "password": PASSWORD, "display_name": "测试", "phone": "13900000000",
            "email": f"{username}@example.cn", "role": "enterprise"}
    acc = expect(platform.admin.post("/admin/accounts", body), 201)
    return username, PASSWORD, acc["id"]


def test_login_shape_and_cookie_flags(server, fresh_account):
    username, password, acc_id = fresh_account
    c = st.Client(server.base)
    r = c.login(username, password)
    body = expect(r, 200)
    assert body["account"]["id"] == acc_id
    assert body["account"]["username"] == username
    assert body["account"]["role"] == "enterprise"
    assert body["account"]["status"] == "active"
    assert isinstance(body["csrf_token"], str) and len(body["csrf_token"]) >= 16
    cookies = [h for h in r.headers.get_all("Set-Cookie") or [] if h.strip().startswith("smip_session=")]
    assert cookies, f"no smip_session cookie: {r.headers.get_all('Set-Cookie')}"
    attrs = [a.strip().lower() for a in cookies[0].split(";")]
    assert "httponly" in attrs, cookies[0]
    assert "samesite=lax" in attrs, cookies[0]
    assert "secure" not in attrs, "Secure only when configured for TLS"
    assert "path=/" in attrs, cookies[0]
    value = cookies[0].split(";")[0].split("=", 1)[1]
    assert len(value) >= 16 and value != body["csrf_token"]


def test_bad_credentials(server, fresh_account):
    username, _, _ = fresh_account
    assert_error(st.Client(server.base).login(username, "Wrong2020pass"), 401, "bad_credentials")
    assert_error(st.Client(server.base).login(st.unique("nobody"), "Wrong2020pass"), 401, "bad_credentials")


def test_me_requires_session(anon):
    assert_error(anon.get("/me"), 401, "unauthenticated")


def test_me_shape(server, fresh_account):
    username, password, acc_id = fresh_account
    c = st.Client(server.base)
    expect(c.login(username, password), 200)
    me = expect(c.get("/me"), 200)
    assert me["account"]["id"] == acc_id and me["account"]["username"] == username
    assert me["account"]["role"] == "enterprise" and me["account"]["status"] == "active"
    imp = [a for a in me["apps"] if a["id"] == "imp"]
    assert len(imp) == 1 and imp[0]["connected"] is False and imp[0]["name"]
    assert me["imp"]["bound"] is False and me["imp"]["enterprise_id"] is None


def test_logout_invalidates_the_cookie(server, fresh_account):
    username, password, _ = fresh_account
    c = st.Client(server.base)
    expect(c.login(username, password), 200)
    saved = dict(c.cookies)
    assert "smip_session" in saved
    assert_error(c.delete("/session", csrf=False), 403, "csrf")
    r = c.delete("/session")
    assert r.status == 204, r
    assert r.raw == b""
    replay = st.Client(server.base)
    replay.cookies = saved
    assert_error(replay.get("/me"), 401, "unauthenticated")
    assert_error(c.get("/me"), 401, "unauthenticated")


def test_logout_without_session_is_401(anon):
    assert_error(anon.delete("/session"), 401, "unauthenticated")


def test_csrf_missing_or_wrong(server, fresh_account, admin):
    username, password, _ = fresh_account
    c = st.Client(server.base)
    expect(c.login(username, password), 200)
    body = {"old_password": password, "new_password": "Other2020pass"}
    assert_error(c.post("/me/password", body, csrf=False), 403, "csrf")
    assert_error(c.post("/me/password", body, csrf="x" + c.csrf[1:]), 403, "csrf")
    assert_error(c.post("/me/password", body, csrf=admin.csrf), 403, "csrf")  # another session's token
    assert_error(c.post("/apps/imp/connect", csrf=False), 403, "csrf")
    # unauthenticated comes before csrf
    assert_error(st.Client(server.base).post("/me/password", body, csrf=False), 401, "unauthenticated")
    # and the password was not changed by any refused request
    expect(st.Client(server.base).login(username, password), 200)


def test_login_with_cookie_needs_no_csrf(server, fresh_account):
    username, password, _ = fresh_account
    c = st.Client(server.base)
    expect(c.login(username, password), 200)
    first = c.cookies["smip_session"]
    r = c.post("/session", {"username": username, "password": password}, csrf=False)
    assert r.status == 200, r
    # a login always issues a fresh session token (no session fixation)
    assert c.cookies.get("smip_session") and c.cookies["smip_session"] != first


def test_unknown_session_cookie_is_401(server):
    c = st.Client(server.base)
    c.cookies = {"smip_session": "0" * 43}
    assert_error(c.get("/me"), 401, "unauthenticated")
    assert_error(c.post("/projects", st.project_body(), csrf="0" * 32), 401, "unauthenticated")
    assert_error(c.post("/projects", st.project_body(), csrf=False), 401, "unauthenticated")


def test_change_own_password(server, fresh_account):
    username, password, _ = fresh_account
    c = st.Client(server.base)
    expect(c.login(username, password), 200)
    assert_error(c.post("/me/password", {"old_password": password, "new_password": "abcdefgh"}),
                 400, "bad_request", ["new_password"])
    r = c.post("/me/password", {"old_password": "Wrong2020pass", "new_password": "Other2020pass"})
    assert 400 <= r.status < 500 and r.error.get("code"), r
    r = c.post("/me/password", {"old_password": password, "new_password": "Other2020pass"})
    assert r.status == 204, r
    expect(st.Client(server.base).login(username, "Other2020pass"), 200)
    assert_error(st.Client(server.base).login(username, password), 401, "bad_credentials")


def test_throttle_known_username(server, fresh_account):
    username, password, _ = fresh_account
    for i in range(5):
        assert_error(st.Client(server.base).login(username, f"Wrong{i}pass99"), 401, "bad_credentials")
    err = assert_error(st.Client(server.base).login(username, password), 429, "throttled")
    assert st.has_cjk(err["message"])
    assert_error(st.Client(server.base).login(username, "Wrong9pass99"), 429, "throttled")


def test_throttle_unknown_username(server):
    username = st.unique("ghost")
    for i in range(5):
        assert_error(st.Client(server.base).login(username, f"Wrong{i}pass99"), 401, "bad_credentials")
    assert_error(st.Client(server.base).login(username, "Wrong5pass99"), 429, "throttled")


def test_throttle_is_per_username(server, platform):
    a = st.unique("ta")
    b = st.unique("tb")
    for name in (a, b):
        body = {"username": name, "password": PASSWORD, "display_name": "测试", "phone": "13900000000",
                "email": f"{name}@example.cn", "role": "enterprise"}
        expect(platform.admin.post("/admin/accounts", body), 201)
    for i in range(5):
        st.Client(server.base).login(a, f"Wrong{i}pass99")
    assert_error(st.Client(server.base).login(a, PASSWORD), 429, "throttled")
    expect(st.Client(server.base).login(b, PASSWORD), 200)


def test_session_token_and_password_not_stored_in_clear(server, fresh_account):
    import sqlite3
    import subprocess
    username, password, _ = fresh_account
    c = st.Client(server.base)
    expect(c.login(username, password), 200)
    token = c.cookies["smip_session"]
    if st.is_pg(server.db):
        # every value of every table, as pg_dump writes it
        r = subprocess.run(["pg_dump", "--data-only", server.db], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr
        dump = r.stdout.decode(errors="replace")
        assert token not in dump and password not in dump, "session token or password stored in clear"
        return
    con = sqlite3.connect(f"file:{server.db}?mode=ro", uri=True, timeout=30)
    try:
        found = []
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            for col in cols:
                for (v,) in con.execute(f'SELECT "{col}" FROM "{t}"'):
                    if isinstance(v, (bytes, str)):
                        s = v if isinstance(v, str) else v.decode("latin-1")
                        if token in s or password in s:
                            found.append(f"{t}.{col}")
    finally:
        con.close()
    assert not found, f"session token or password stored in clear in {sorted(set(found))}"


def test_four_failures_do_not_throttle(server, fresh_account):
    username, password, _ = fresh_account
    for i in range(4):
        assert_error(st.Client(server.base).login(username, f"Wrong{i}pass99"), 401, "bad_credentials")
    expect(st.Client(server.base).login(username, password), 200)
