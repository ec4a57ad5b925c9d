"""Public registration and the admin's account management (API.md "Accounts, session, portal")."""
import re
import sqlite3

import pytest

import smiptest as st
from smiptest import PASSWORD, assert_error, expect, has_cjk


# ---------------------------------------------------------------- registration

def test_register_creates_pending_enterprise_account(platform):
    c, username, uscc, r = platform.register()
    body = expect(r, 201, "register")
    assert isinstance(body["id"], int)
    assert body["status"] == "pending"
    platform.approve(body["id"])
    acc = expect(c.login(username, PASSWORD), 200)["account"]
    assert acc == {**acc, "id": body["id"], "username": username, "role": "enterprise", "status": "active"}


def test_register_always_makes_an_enterprise(platform):
    c, username, uscc, r = platform.register(role="admin")
    if r.status == 400:  # refusing the unknown field is also acceptable
        return
    body = expect(r, 201)
    platform.approve(body["id"])
    assert expect(c.login(username, PASSWORD), 200)["account"]["role"] == "enterprise"


@pytest.mark.parametrize("password", ["Ab1cdef", "abcdefghijk", "1234567890", "", "        "])
def test_register_refuses_weak_password(platform, password):
    _, _, _, r = platform.register(password=password)
    assert_error(r, 400, "bad_request", ["password"])


def test_register_accepts_eight_chars_with_letters_and_digits(platform):
    _, _, _, r = platform.register(password="Abcdef12")
    assert expect(r, 201)["status"] == "pending"


@pytest.mark.parametrize("uscc", ["91500112AY4CL12T2D", "91500112AY4CL12T2", "91500112AY4CL12T2CX",
                                  "91500112AY4CL12I2C", ""])
def test_register_refuses_bad_uscc(platform, uscc):
    _, _, _, r = platform.register(uscc=uscc)
    assert_error(r, 400, "bad_request", ["uscc"])


def test_register_accepts_lower_case_uscc(platform, admin):
    uscc = st.make_uscc()
    _, _, _, r = platform.register(uscc=uscc.lower())
    acc_id = expect(r, 201)["id"]
    listed = [a for a in expect(admin.get("/admin/accounts?status=pending&limit=500"), 200)["items"]
              if a["id"] == acc_id]
    if listed and "uscc" in listed[0]:
        assert listed[0]["uscc"] == uscc, "lower case is normalised to upper case"


def test_register_names_every_bad_field(platform):
    _, _, _, r = platform.register(password="short", uscc="123")
    assert_error(r, 400, "bad_request", ["password", "uscc"])


@pytest.mark.parametrize("missing", ["username", "password", "enterprise_name", "uscc"])
def test_register_requires_fields(anon, missing):
    body = {"username": st.unique("u"), "password": PASSWORD, "display_name": "李工", "phone": "13800000001",
            "email": "l@example.cn", "enterprise_name": "重庆某公司", "uscc": st.make_uscc()}
    del body[missing]
    assert_error(anon.post("/accounts", body), 400, "bad_request", [missing])


def test_register_duplicate_username_409(platform):
    _, username, _, r = platform.register()
    expect(r, 201)
    _, _, _, r2 = platform.register(username=username)
    assert_error(r2, 409, "duplicate")


def test_register_with_a_session_needs_csrf(platform, admin):
    """A POST that carries the session cookie must carry X-CSRF-Token, even on a public endpoint."""
    c = st.Client(admin.base)
    c.cookies = dict(admin.cookies)
    body = {"username": st.unique("u"), "password": PASSWORD, "display_name": "李工", "phone": "13800000001",
            "email": "l@example.cn", "enterprise_name": "重庆某公司", "uscc": st.make_uscc()}
    assert_error(c.post("/accounts", body, csrf=False), 403, "csrf")


# ---------------------------------------------------------------- login refusals by account state

def test_pending_account_cannot_log_in(platform):
    c, username, _, r = platform.register()
    expect(r, 201)
    err = assert_error(c.login(username, PASSWORD), 403, "account_pending")
    assert has_cjk(err["message"]), err
    assert re.search(r"\d{6,}", err["message"]), f"the message should say whom to contact: {err}"
    assert "smip_session" not in c.cookies


def test_rejected_account_cannot_log_in(platform, admin):
    c, username, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    acc = expect(admin.post(f"/admin/accounts/{acc_id}/reject", {"reason": "统一社会信用代码与企业名称不符"}), 200)
    assert acc["id"] == acc_id and acc["status"] == "rejected"
    err = assert_error(c.login(username, PASSWORD), 403, "account_rejected")
    assert "统一社会信用代码与企业名称不符" in err["message"], "the error says why"
    assert re.search(r"\d{6,}", err["message"]), f"the message should say whom to contact: {err}"


def test_reject_needs_a_reason(platform, admin):
    _, _, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    assert_error(admin.post(f"/admin/accounts/{acc_id}/reject", {}), 400, "bad_request", ["reason"])
    assert_error(admin.post(f"/admin/accounts/{acc_id}/reject", {"reason": ""}), 400, "bad_request", ["reason"])


def test_reject_blank_reason_is_no_reason(platform, admin):
    """A reason of white space only says nothing to the applicant (SPEC §2: the error says why)."""
    _, _, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    assert_error(admin.post(f"/admin/accounts/{acc_id}/reject", {"reason": " \t "}), 400, "bad_request", ["reason"])
    pending = expect(admin.get("/admin/accounts?status=pending&limit=500"), 200)["items"]
    assert any(a["id"] == acc_id for a in pending), "a refused rejection leaves the account pending"


def test_disable_and_enable(platform, admin):
    c, username, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    platform.approve(acc_id)
    acc = expect(admin.post(f"/admin/accounts/{acc_id}/disable"), 200)
    assert acc["id"] == acc_id and acc["status"] == "disabled"
    err = assert_error(st.Client(admin.base).login(username, PASSWORD), 403, "account_disabled")
    assert has_cjk(err["message"])
    acc = expect(admin.post(f"/admin/accounts/{acc_id}/enable"), 200)
    assert acc["status"] == "active"
    expect(st.Client(admin.base).login(username, PASSWORD), 200)


def test_reset_password(platform, admin):
    c, username, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    platform.approve(acc_id)
    assert_error(admin.post(f"/admin/accounts/{acc_id}/reset-password", {"new_password": "short"}),
                 400, "bad_request", ["new_password"])
    acc = expect(admin.post(f"/admin/accounts/{acc_id}/reset-password", {"new_password": "Reset2020pw"}), 200)
    assert acc["id"] == acc_id
    expect(st.Client(admin.base).login(username, "Reset2020pw"), 200)
    assert_error(st.Client(admin.base).login(username, PASSWORD), 401, "bad_credentials")


@pytest.mark.parametrize("action", ["approve", "reject", "disable", "enable", "reset-password"])
def test_admin_action_on_missing_account_404(admin, action):
    body = {"reason": "无此账号"} if action == "reject" else {"new_password": "Reset2020pw"}
    assert_error(admin.post(f"/admin/accounts/99999999/{action}", body), 404, "not_found")


# ---------------------------------------------------------------- the admin's queue

def test_pending_queue_shows_age_and_overdue(platform, admin):
    _, username, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    body = expect(admin.get("/admin/accounts?status=pending&limit=500"), 200)
    assert isinstance(body["items"], list) and isinstance(body["total"], int)
    assert body["total"] >= len(body["items"]) >= 1
    mine = [a for a in body["items"] if a["id"] == acc_id]
    assert mine, f"account {acc_id} not in the pending queue"
    a = mine[0]
    assert a["status"] == "pending" and a["username"] == username
    assert a["age_working_days"] == 0 and type(a["age_working_days"]) is int
    assert a["overdue"] is False
    for x in body["items"]:
        assert x["status"] == "pending"
        assert type(x["age_working_days"]) is int and x["age_working_days"] >= 0
        assert x["overdue"] is (x["age_working_days"] > 1)


def backdate_sqlite(db, acc_id):
    con = sqlite3.connect(db, timeout=30)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if "account" in t.lower() and "legacy" not in t.lower()]
        for t in tables:
            cols = [c[1] for c in con.execute(f'PRAGMA table_info("{t}")')]
            if "created_at" not in cols or "id" not in cols:
                continue
            (v,) = con.execute(f'SELECT created_at FROM "{t}" WHERE id = ?', (acc_id,)).fetchone() or (None,)
            if isinstance(v, int):
                con.execute(f'UPDATE "{t}" SET created_at = ? WHERE id = ?', (v - 14 * 86400, acc_id))
                con.commit()
                return True
    finally:
        con.close()
    return False


def backdate_pg(db, acc_id):
    tables = [r[0] for r in st.psql(db, "SELECT table_name FROM information_schema.tables WHERE "
                                        "table_schema = 'public'")
              if "account" in r[0].lower() and "legacy" not in r[0].lower()]
    for t in tables:
        cols = {r[0] for r in st.psql(db, "SELECT column_name FROM information_schema.columns WHERE "
                                          f"table_schema = 'public' AND table_name = '{t}'")}
        if "created_at" not in cols or "id" not in cols:
            continue
        n = st.psql(db, f'UPDATE "{t}" SET created_at = created_at - {14 * 86400} WHERE id = {int(acc_id)} '
                        "RETURNING id")
        if n:
            return True
    return False


def test_old_pending_request_is_overdue(platform, admin, server):
    """Backdates one registration in the database (found by name: a table holding accounts with
    a created_at column) and expects the queue to count working days and flag it."""
    _, _, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    done = backdate_pg(server.db, acc_id) if st.is_pg(server.db) else backdate_sqlite(server.db, acc_id)
    if not done:
        pytest.skip("cannot backdate a registration in this schema")
    a = [x for x in expect(admin.get("/admin/accounts?status=pending&limit=500"), 200)["items"] if x["id"] == acc_id][0]
    assert a["age_working_days"] >= 8, a   # two calendar weeks hold at least 8 working days
    assert a["overdue"] is True


def test_status_filter_and_paging(platform, admin):
    _, _, _, r = platform.register()
    acc_id = expect(r, 201)["id"]
    platform.approve(acc_id)
    active = expect(admin.get("/admin/accounts?status=active&limit=500"), 200)
    assert any(a["id"] == acc_id for a in active["items"])
    assert all(a["status"] == "active" for a in active["items"])
    pending = expect(admin.get("/admin/accounts?status=pending&limit=500"), 200)
    assert not any(a["id"] == acc_id for a in pending["items"])
    one = expect(admin.get("/admin/accounts?limit=1"), 200)
    assert len(one["items"]) == 1 and one["total"] >= 2
    two = expect(admin.get("/admin/accounts?limit=1&offset=1"), 200)
    assert len(two["items"]) == 1 and two["items"][0]["id"] != one["items"][0]["id"]


def test_list_default_limit_is_50(admin):
    total = expect(admin.get("/admin/accounts?limit=1"), 200)["total"]
    for _ in range(max(0, 51 - total)):
        u = st.unique("l")
        expect(admin.post("/admin/accounts", {"username": u, "password": PASSWORD, "display_name": "测试",
                                              "phone": "13900000000", "email": f"{u}@example.cn",
                                              "role": "commission"}), 201)
    body = expect(admin.get("/admin/accounts"), 200)
    assert body["total"] > 50 and len(body["items"]) == 50
    assert len(expect(admin.get("/admin/accounts?limit=500"), 200)["items"]) == min(500, body["total"])


def test_admin_endpoints_need_admin(platform, anon, commission):
    assert_error(anon.get("/admin/accounts"), 401, "unauthenticated")
    assert_error(commission.get("/admin/accounts"), 403, "forbidden")
    # an enterprise that has not even connected imp: admin routes are outside the imp gate
    ent = platform.new_enterprise(connect=False, confirm=False)
    assert_error(ent.c.get("/admin/accounts?status=pending"), 403, "forbidden")
    assert_error(ent.c.post(f"/admin/accounts/{ent.account_id}/approve"), 403, "forbidden")
    assert_error(anon.post("/admin/accounts/1/approve"), 401, "unauthenticated")


# ---------------------------------------------------------------- accounts made by the admin

def test_admin_creates_active_accounts_of_any_role(admin, server):
    for role, extra in [("district", {"district_code": "500112"}), ("commission", {}), ("admin", {}),
                        ("enterprise", {}), ("expert", {"employer_uscc": st.make_uscc()})]:
        username = st.unique(role[0])
        body = {"username": username, "password": PASSWORD, "display_name": "测试", "phone": "13900000000",
                "email": f"{username}@example.cn", "role": role, **extra}
        acc = expect(admin.post("/admin/accounts", body), 201, f"create {role}")
        assert isinstance(acc["id"], int)
        assert acc["status"] == "active" and acc["role"] == role and acc["username"] == username
        c = st.Client(server.base)
        assert expect(c.login(username, PASSWORD), 200)["account"]["role"] == role


def test_admin_create_validation(admin):
    def body(**over):
        u = st.unique("v")
        b = {"username": u, "password": PASSWORD, "display_name": "测试", "phone": "13900000000",
             "email": f"{u}@example.cn", "role": "district", "district_code": "500112"}
        b.update(over)
        return {k: v for k, v in b.items() if v is not None}
    assert_error(admin.post("/admin/accounts", body(role="superuser")), 400, "bad_request", ["role"])
    assert_error(admin.post("/admin/accounts", body(district_code="999999")), 400, "bad_request",
                 ["district_code"])
    assert_error(admin.post("/admin/accounts", body(password="weak")), 400, "bad_request", ["password"])
    assert_error(admin.post("/admin/accounts", body(role="expert", district_code=None,
                                                    employer_uscc="91500112AY4CL12T2D")),
                 400, "bad_request", ["employer_uscc"])
    b = body()
    expect(admin.post("/admin/accounts", b), 201)
    assert_error(admin.post("/admin/accounts", body(username=b["username"])), 409, "duplicate")


def test_admin_create_needs_csrf(admin):
    u = st.unique("v")
    body = {"username": u, "password": PASSWORD, "display_name": "测试", "phone": "13900000000",
            "email": f"{u}@example.cn", "role": "commission"}
    assert_error(admin.post("/admin/accounts", body, csrf=False), 403, "csrf")
    assert_error(admin.post("/admin/accounts", body, csrf="0" * 32), 403, "csrf")
    expect(admin.post("/admin/accounts", body), 201)
