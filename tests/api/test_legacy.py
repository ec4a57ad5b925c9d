"""The old platform: importing its accounts (crypt(3) hashes) and certificates, binding a new
account to an old one ("我是老用户"), and rule E5 over imported certificates."""
import warnings

import pytest

import smiptest as st
from smiptest import assert_error, expect, findings_by_rule

OLD_PASSWORD = "Old2019pass"

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import crypt as _crypt
    except ImportError:  # Python ≥ 3.13: fall back to hashes computed once with crypt(3)
        _crypt = None

# crypt(3) of OLD_PASSWORD, computed once (used only when the crypt module is missing)
FIXED_HASHES = {
    "$6$": "$6$smiptestsalt$vB5nZQbfHQBVZSVgkNYhuswJZX.YnG6q6uApXlBHDdQnvyTlydxzd4M6q88K627GOi77v/qTkZz73akSZUja80",
    "$5$": "$5$smiptestsalt$9ize4vfumHFEpwTFpuIDZvizdEWUmW8BaJrzHzWARY.",
}


def legacy_hash(prefix, password=OLD_PASSWORD):
    if _crypt is None:
        if prefix not in FIXED_HASHES or password != OLD_PASSWORD:
            pytest.skip("crypt module missing")
        return FIXED_HASHES[prefix]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if prefix == "$6$":
            salt = _crypt.mksalt(_crypt.METHOD_SHA512)
        elif prefix == "$5$":
            salt = _crypt.mksalt(_crypt.METHOD_SHA256)
        elif prefix == "$2b$":
            salt = _crypt.mksalt(_crypt.METHOD_BLOWFISH, rounds=16)
        elif prefix == "$y$":
            # 16 salt bytes: 21 full base-64 digits and a last one holding only 2 bits
            salt = "$y$j9T$" + "".join(st._rng.choice("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
                                       for _ in range(21)) + st._rng.choice("./01")
        h = _crypt.crypt(password, salt)
    if not h or not h.startswith(prefix):
        pytest.skip(f"libcrypt here cannot make {prefix} hashes")
    return h


def csv_body(header, rows):
    lines = [header] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


ACCOUNTS_HEADER = "username,password_hash,uscc,enterprise_name,district_code"
CERTS_HEADER = "certificate_no,year,type,uscc,enterprise_name,site_name,included_workshops"


def post_csv(client, path, body, ctype="text/csv; charset=utf-8"):
    return client.call("POST", path, data=body, content_type=ctype)


class Legacy:
    def __init__(self, username, uscc, name, district):
        self.username, self.uscc, self.name, self.district = username, uscc, name, district


@pytest.fixture(scope="module")
def legacy(admin):
    """Imports six old accounts (one per hash scheme, spares) plus two bad lines; returns the
    import answer and the accounts by key."""
    accounts = {}
    rows = []
    for key, prefix in [("sha512", "$6$"), ("sha256", "$5$"), ("sha512b", "$6$"), ("sha512c", "$6$"),
                        ("throttle", "$6$"), ("sha512d", "$6$")]:
        u = st.unique("old")
        uscc = st.make_uscc("500101" if key == "sha256" else "500112")
        name = f"重庆老{u}有限公司"
        district = "500101" if key == "sha256" else "500112"
        accounts[key] = Legacy(u, uscc, name, district)
        rows.append([u, legacy_hash(prefix), uscc, name, district])
    bad = [[st.unique("old"), "not-a-crypt-hash", st.make_uscc(), "重庆坏行有限公司", "500112"],
           [st.unique("old"), "$6$onlysalt"]]
    body = csv_body(ACCOUNTS_HEADER, rows + bad)
    r = post_csv(admin, "/admin/legacy-import", body)
    result = expect(r, 200, "legacy import")
    return result, accounts, body


def test_import_shape(legacy):
    result, accounts, _ = legacy
    assert set(result) >= {"imported", "skipped", "errors"}
    assert result["imported"] == 6
    assert result["skipped"] == 0
    assert isinstance(result["errors"], list) and len(result["errors"]) == 2
    # lines are the file's lines: the header is line 1, so the two bad rows are lines 8 and 9
    assert sorted(e["line"] for e in result["errors"]) == [8, 9], result["errors"]
    for e in result["errors"]:
        assert isinstance(e["message"], str) and e["message"]


def test_reimport_skips_existing(legacy, admin):
    _, _, body = legacy
    result = expect(post_csv(admin, "/admin/legacy-import", body), 200)
    assert result["imported"] == 0
    assert result["skipped"] == 6
    assert len(result["errors"]) == 2


def test_import_more_hash_schemes(admin, platform):
    rows = []
    users = {}
    for prefix in ("$2b$", "$y$"):
        h = legacy_hash(prefix)
        u = st.unique("old")
        users[prefix] = Legacy(u, st.make_uscc(), f"重庆老{u}有限公司", "500112")
        rows.append([u, h, users[prefix].uscc, users[prefix].name, "500112"])
    result = expect(post_csv(admin, "/admin/legacy-import", csv_body(ACCOUNTS_HEADER, rows)), 200)
    assert result["imported"] == 2 and result["errors"] == []
    for prefix, old in users.items():
        ent = platform.new_enterprise(connect=True, confirm=False, uscc=old.uscc)
        got = expect(ent.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                                     "legacy_password": OLD_PASSWORD}), 200, prefix)
        assert got["enterprise"]["uscc"] == old.uscc


def test_import_refusals(admin, platform, anon):
    body = csv_body(ACCOUNTS_HEADER, [])
    assert_error(post_csv(anon, "/admin/legacy-import", body), 401, "unauthenticated")
    ent = platform.new_enterprise()
    assert_error(post_csv(ent.c, "/admin/legacy-import", body), 403, "forbidden")
    assert_error(post_csv(admin, "/admin/legacy-import", body, ctype="application/json"), 415,
                 "unsupported_media_type")
    assert_error(post_csv(admin, "/admin/legacy-import", b"name,hash\nx,y\n"), 400, "bad_request")
    assert_error(admin.call("POST", "/admin/legacy-import", data=body, content_type="text/csv", csrf=False),
                 403, "csrf")


def test_bind_legacy(legacy, platform):
    _, accounts, _ = legacy
    old = accounts["sha512"]
    ent = platform.new_enterprise(connect=True, confirm=False, uscc=old.uscc)
    got = expect(ent.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                                 "legacy_password": OLD_PASSWORD}), 200)["enterprise"]
    assert isinstance(got["id"], int)
    assert got["uscc"] == old.uscc and got["name"] == old.name and got["district_code"] == old.district
    me = expect(ent.c.get("/me"), 200)
    assert me["imp"]["bound"] is True and me["imp"]["enterprise_id"] == got["id"]
    prof = expect(ent.c.get("/enterprise"), 200)
    assert prof["id"] == got["id"] and prof["uscc"] == old.uscc
    # the taken-over profile is completed by the enterprise
    upd = expect(ent.c.put("/enterprise", {"manufacturing_type": "process", "independent_legal_person": True,
                                           "complete_machine": False, "legal_representative": "赵六",
                                           "address": "重庆市渝北区老路2号"}), 200)
    assert upd["manufacturing_type"] == "process" and upd["uscc"] == old.uscc
    # confirm-new after binding, and binding again, are refused
    r = ent.c.post("/imp/confirm-new", {"enterprise": st.enterprise_profile(st.make_uscc())})
    assert r.status == 409, r
    other = accounts["sha512b"]
    assert_error(ent.c.post("/imp/bind-legacy", {"legacy_username": other.username,
                                                 "legacy_password": OLD_PASSWORD}), 409, "duplicate")


def test_bind_sha256(legacy, platform):
    _, accounts, _ = legacy
    old = accounts["sha256"]
    ent = platform.new_enterprise(district="500101", connect=True, confirm=False, uscc=old.uscc)
    got = expect(ent.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                                 "legacy_password": OLD_PASSWORD}), 200)["enterprise"]
    assert got["uscc"] == old.uscc and got["district_code"] == "500101"


def test_same_old_account_binds_once(legacy, platform):
    _, accounts, _ = legacy
    old = accounts["sha512c"]
    first = platform.new_enterprise(connect=True, confirm=False, uscc=old.uscc)
    expect(first.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                             "legacy_password": OLD_PASSWORD}), 200)
    second = platform.new_enterprise(connect=True, confirm=False)
    assert_error(second.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                                    "legacy_password": OLD_PASSWORD}), 409, "duplicate")
    assert_error(second.c.get("/enterprise"), 403, "imp_not_bound")


def test_bind_wrong_password_or_unknown_user(legacy, platform):
    _, accounts, _ = legacy
    old = accounts["sha512d"]
    ent = platform.new_enterprise(connect=True, confirm=False)
    assert_error(ent.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                                 "legacy_password": "Wrong2019pass"}),
                 422, "legacy_credentials_invalid")
    assert_error(ent.c.post("/imp/bind-legacy", {"legacy_username": st.unique("nobody"),
                                                 "legacy_password": OLD_PASSWORD}),
                 422, "legacy_credentials_invalid")
    assert_error(ent.c.get("/enterprise"), 403, "imp_not_bound")
    # the old account is still free
    expect(ent.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                           "legacy_password": OLD_PASSWORD}), 200)


def test_bind_is_throttled_like_login(legacy, platform):
    _, accounts, _ = legacy
    old = accounts["throttle"]
    ent = platform.new_enterprise(connect=True, confirm=False)
    for i in range(5):
        assert_error(ent.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                                     "legacy_password": f"Wrong{i}pass"}),
                     422, "legacy_credentials_invalid")
    assert_error(ent.c.post("/imp/bind-legacy", {"legacy_username": old.username,
                                                 "legacy_password": OLD_PASSWORD}), 429, "throttled")


def test_bind_needs_fields(platform):
    ent = platform.new_enterprise(connect=True, confirm=False)
    assert_error(ent.c.post("/imp/bind-legacy", {"legacy_password": OLD_PASSWORD}), 400, "bad_request",
                 ["legacy_username"])


# ---------------------------------------------------------------- certificates of earlier batches and E5

@pytest.fixture(scope="module")
def certified(admin, platform):
    """An enterprise with a 2019 workshop, a 2018 factory and a 2020 workshop certificate."""
    ent = platform.new_enterprise()
    u = ent.uscc
    name = ent.enterprise.get("name", "重庆某公司")
    rows = [
        [f"CQ2019W{st.unique('n').upper()}", "2019", "workshop", u, name, "智能 装配车间", ""],
        [f"CQ2018F{st.unique('n').upper()}", "2018", "factory", u, name, "某某智能工厂", "冲压车间;焊装车间"],
        [f"CQ2019W{st.unique('n').upper()}", "2019", "workshop", u, name, "ＡＢＣ车间", ""],
        [f"CQ2020W{st.unique('n').upper()}", "2020", "workshop", u, name, "二零二零车间", ""],
        ["BAD1", "not-a-year", "workshop", u, name, "坏行车间", ""],
    ]
    r = post_csv(admin, "/admin/legacy-certificates", csv_body(CERTS_HEADER, rows))
    return ent, expect(r, 200, "legacy certificates")


def test_certificates_import_shape(certified):
    _, result = certified
    assert result["imported"] == 4
    assert result["skipped"] == 0
    assert [e["line"] for e in result["errors"]] == [6]
    assert result["errors"][0]["message"]


def test_certificates_import_refusals(admin, anon, district_yb):
    body = csv_body(CERTS_HEADER, [])
    assert_error(post_csv(anon, "/admin/legacy-certificates", body), 401, "unauthenticated")
    assert_error(post_csv(district_yb, "/admin/legacy-certificates", body), 403, "forbidden")
    assert_error(post_csv(admin, "/admin/legacy-certificates", body, ctype="application/json"), 415,
                 "unsupported_media_type")


def e5_for_site(platform, ent, batch, site):
    app, _ = platform.new_application(ent, batch["id"], site_name=site)
    res = expect(ent.c.post(f"/applications/{app['id']}/check"), 200)
    assert "E5" in findings_by_rule(res["findings"]), res
    return st.rule_ok(res["findings"], "E5")


@pytest.mark.parametrize("site,ok", [
    ("智能装配车间", False),     # same site, white space removed
    ("智能　装配 车间", False),  # full-width space
    ("焊装车间", False),         # a workshop inside a certified factory
    ("ABC车间", False),          # full-width letters match half-width after NFKC
    ("某某智能工厂", False),     # the factory itself
    ("全新总装车间", True),      # never certified
    ("二零二零车间", True),      # certified in 2020, which is not a prior batch of this batch
])
def test_e5_prior_certificates(platform, batch, certified, site, ok):
    ent, _ = certified
    assert e5_for_site(platform, ent, batch, site) is ok


def test_malformed_hashes_are_reported_per_line(admin):
    """A hash in a known scheme that crypt(3) could never produce would import an account no
    one can ever bind: each is reported with its line and why, and not imported."""
    good = legacy_hash("$6$")
    bent = ["$2b$99$abc", "$2b$03$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
            good[:-1], good + "x", "$6$rounds=10$salt$" + good.rsplit("$", 1)[1],
            "$y$j9T$$", "$5$salt$tooshort"]
    rows = [[st.unique("old"), h, st.make_uscc(), "重庆坏哈希有限公司", "500112"] for h in bent]
    rows.append([st.unique("old"), good, st.make_uscc(), "重庆好哈希有限公司", "500112"])
    result = expect(post_csv(admin, "/admin/legacy-import", csv_body(ACCOUNTS_HEADER, rows)), 200)
    assert result["imported"] == 1, result
    assert [e["line"] for e in result["errors"]] == list(range(2, 2 + len(bent))), result
    for e in result["errors"]:
        assert "password_hash" in e["message"] and "无法绑定" in e["message"], e
    assert "04 至 31" in result["errors"][0]["message"], result["errors"][0]
