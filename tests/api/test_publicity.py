"""公示 and objections (API.md "Review side"): publishing a batch's passed applications for the
batch's period (default 5 working days on the holiday calendar with 调休), the public list and
page, real-name objections only inside the period [starts_at, ends_at) with a per-address rate
limit shared through the database, and the commission resolving them (upheld → not_certified).
Every endpoint as the right role and every wrong one, in API.md's order of refusals."""
import csv
import datetime as dt
import os
import re
import time
import urllib.parse

import pytest

import smiptest as st
from smiptest import assert_error, expect

CST = st.CST


def holidays():
    days = {}
    with open(os.path.join(st.REPO, "data", "holidays.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            days[row["date"]] = row["kind"]
    return days


def working(d, table):
    k = table.get(d.isoformat())
    return k == "work" if k else d.weekday() < 5


def add_working_days(start, n, table):
    """The instant n whole working days after `start` (SPEC: Monday 00:00 + 5 = Saturday 00:00)."""
    need = n * 86400
    day = start.date()
    while True:
        d0 = dt.datetime(day.year, day.month, day.day, tzinfo=CST)
        d1 = d0 + dt.timedelta(days=1)
        if working(day, table):
            a = max(start, d0)
            have = (d1 - a).total_seconds()
            if have >= need:
                return a + dt.timedelta(seconds=need)
            need -= have
        day += dt.timedelta(days=1)


@pytest.fixture(scope="module")
def wrong_roles(platform):
    """Logged-in, connected clients of every role but the commission."""
    return {"enterprise": platform.new_enterprise("500112").c,
            "district": platform.new_staff("district", district="500112"),
            "expert": platform.experts(1)[0],
            "admin": platform.new_staff("admin")}


def refusals(anon, ok, wrong, method, path, body=None):
    """401 anonymous, 403 csrf for writes, 403 forbidden for every wrong role."""
    args = (path, body) if method in ("post", "put") else (path,)
    assert_error(getattr(anon, method)(*args), 401, "unauthenticated")
    if method in ("post", "put"):
        assert_error(getattr(ok, method)(path, body, csrf=False), 403, "csrf")
    for name, c in wrong.items():
        r = getattr(c, method)(*args)
        assert r.status == 403 and r.error.get("code") == "forbidden", f"{name}: {r!r}"


def status_of(commission, app_id):
    return expect(commission.get(f"/applications/{app_id}"), 200)["status"]


# ---------------------------------------------------------------- publish

def test_publish_defaults_to_five_working_days_from_now(platform, batch, commission):
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    before = st.now_cst()
    got = expect(platform.publish(batch["id"], [app["id"]]), 201)
    after = st.now_cst()
    starts, ends = st.parse_time(got["starts_at"]), st.parse_time(got["ends_at"])
    assert before <= starts <= after and got["starts_at"].endswith("+08:00")
    assert ends == add_working_days(starts, 5, holidays())
    assert got["batch_id"] == batch["id"] and got["total"] == 1 and got["calendar_known"] is True
    assert got["period"] == {"length": 5, "unit": "working_days"}
    item = got["items"][0]
    assert item["application_id"] == app["id"] and item["open"] is True
    assert status_of(commission, app["id"]) == "publicity"
    e = [t for t in expect(ent.c.get(f"/applications/{app['id']}"), 200)["timeline"] if t["action"] == "publish"]
    assert e and e[0]["from_state"] == "expert_passed" and e[0]["to_state"] == "publicity"
    assert got["ends_at"] in e[0]["reason"]


@pytest.mark.parametrize("starts,ends", [
    # National Day 2026: 10-01..07 off, Saturday 10-10 a 调休 working day
    ("2026-09-30T10:00:00+08:00", "2026-10-13T10:00:00+08:00"),
    ("2026-09-30T00:00:00+08:00", "2026-10-13T00:00:00+08:00"),
    # Spring Festival 2026: Saturday 02-14 works, 02-15..23 off
    ("2026-02-13T00:00:00+08:00", "2026-02-27T00:00:00+08:00"),
    # 2020: Spring Festival with the COVID-19 extension, 01-24..02-02 off
    ("2020-01-21T09:00:00+08:00", "2020-02-05T09:00:00+08:00"),
    # 2020: Sunday 01-19 a 调休 working day
    ("2020-01-17T09:00:00+08:00", "2020-01-23T09:00:00+08:00"),
])
def test_period_counts_working_days_over_holidays_and_tiaoxiu(platform, batch, starts, ends):
    """Only starts_at given: the end is 5 whole working days later on the holiday calendar."""
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    got = expect(platform.publish(batch["id"], [app["id"]], starts_at=starts), 201)
    assert got["starts_at"] == starts and got["ends_at"] == ends
    assert st.parse_time(ends) == add_working_days(st.parse_time(starts), 5, holidays())


def test_period_is_batch_data(platform, batch2020, commission):
    """A batch whose rules say 7 calendar days: no code decides the length."""
    rules = dict(expect(commission.get(f"/batches/{batch2020['id']}"), 200)["rules"])
    rules["publicity"] = {"length": 7, "unit": "days"}
    b = platform.new_batch(batch2020["id"], rules=rules)
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, b["id"])
    got = expect(platform.publish(b["id"], [app["id"]], starts_at="2026-09-30T10:00:00+08:00"), 201)
    assert got["ends_at"] == "2026-10-07T10:00:00+08:00"


def test_given_times_are_honoured(platform, batch):
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    got = expect(platform.publish(batch["id"], [app["id"]], "2026-06-01T09:00:00+08:00",
                                  "2026-06-02T01:00:00Z"), 201)
    assert got["starts_at"] == "2026-06-01T09:00:00+08:00"
    assert got["ends_at"] == "2026-06-02T09:00:00+08:00"


def test_publish_is_all_or_nothing(platform, batch, batch2020, commission):
    passed = platform.passed_application(platform.new_enterprise("500112"), batch["id"])
    approved, _ = platform.approved_application(platform.new_enterprise("500112"), batch["id"])
    r = platform.publish(batch["id"], [passed["id"], approved["id"]])
    err = assert_error(r, 409, "wrong_state", ["application_ids"])
    assert str(approved["id"]) in err["message"]
    assert status_of(commission, passed["id"]) == "expert_passed"
    # an application of another batch is no candidate either
    other_batch = platform.new_batch(batch2020["id"])
    elsewhere = platform.passed_application(platform.new_enterprise("500112"), other_batch["id"])
    err = assert_error(platform.publish(batch["id"], [passed["id"], elsewhere["id"]]), 409, "wrong_state")
    assert str(elsewhere["id"]) in err["message"]
    # an id that is no application at all: 404 naming it
    err = assert_error(platform.publish(batch["id"], [passed["id"], 99999999]), 404, "not_found")
    assert "99999999" in err["message"]
    assert status_of(commission, passed["id"]) == "expert_passed"
    # then both candidates of the batch at once; publishing again is a wrong state
    second = platform.passed_application(platform.new_enterprise("500112"), batch["id"])
    got = expect(platform.publish(batch["id"], [passed["id"], second["id"]]), 201)
    assert {i["application_id"] for i in got["items"]} == {passed["id"], second["id"]}
    assert_error(platform.publish(batch["id"], [passed["id"]]), 409, "wrong_state")


@pytest.mark.parametrize("body,field", [
    ({}, "application_ids"),
    ({"application_ids": []}, "application_ids"),
    ({"application_ids": "1"}, "application_ids"),
    ({"application_ids": [1, 1]}, "application_ids"),
    ({"application_ids": [0]}, "application_ids"),
    ({"application_ids": ["1"]}, "application_ids"),
    ({"application_ids": [1], "starts_at": "2026-06-01"}, "starts_at"),
    ({"application_ids": [1], "ends_at": 5}, "ends_at"),
    ({"application_ids": [1], "starts_at": "2026-06-02T00:00:00+08:00",
      "ends_at": "2026-06-02T00:00:00+08:00"}, "ends_at"),
])
def test_publish_bad_bodies(commission, batch, body, field):
    assert_error(commission.post(f"/batches/{batch['id']}/publicity", body), 400, "bad_request", [field])


def test_publish_refusals(platform, batch, commission, anon, wrong_roles):
    path = f"/batches/{batch['id']}/publicity"
    refusals(anon, commission, wrong_roles, "post", path, {"application_ids": [1]})
    # an unknown batch answers 404 before the body is looked at (400) or read (415)
    assert_error(commission.post("/batches/99999999/publicity", {"application_ids": "x"}), 404, "not_found")
    assert_error(commission.call("POST", "/batches/99999999/publicity", data=b"a=1",
                                 content_type="application/x-www-form-urlencoded"), 404, "not_found")
    assert_error(commission.call("POST", path, data=b"a=1", content_type="application/x-www-form-urlencoded"),
                 415, "unsupported_media_type")
    unconnected = platform.new_staff("commission", connect=False)
    assert_error(unconnected.post(path, {"application_ids": [1]}), 403, "imp_not_connected")


# ---------------------------------------------------------------- the public list and page

def test_public_list_needs_no_login(platform, batch, anon):
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    got = expect(platform.publish(batch["id"], [app["id"]]), 201)
    lst = expect(anon.get(f"/public/publicity?batch_id={batch['id']}&limit=500"), 200)
    item = [i for i in lst["items"] if i["application_id"] == app["id"]]
    assert item, lst
    item = item[0]
    for k in ("application_id", "enterprise", "project", "type", "district", "starts_at", "ends_at"):
        assert k in item, k
    full = expect(ent.c.get(f"/applications/{app['id']}"), 200)
    assert item["enterprise"] == full["enterprise"]["name"] and item["project"] == full["project"]["name"]
    assert item["type"] == "workshop" and item["district"] == "渝北区"
    assert item["starts_at"] == got["starts_at"] and item["ends_at"] == got["ends_at"]
    assert lst["total"] >= 1 and all(i["batch_id"] == batch["id"] for i in lst["items"])
    # what the public must not read: the USCC column of the form, scores, contacts
    assert "uscc" not in item and "findings" not in item
    # a period that has not begun is not public yet
    later = platform.passed_application(platform.new_enterprise("500112"), batch["id"])
    expect(platform.publish(batch["id"], [later["id"]], st.now_cst() + dt.timedelta(days=3)), 201)
    ids = {i["application_id"] for i in expect(anon.get("/public/publicity?limit=500"), 200)["items"]}
    assert app["id"] in ids and later["id"] not in ids
    assert_error(anon.get("/public/publicity?batch_id=x"), 400, "bad_request", ["batch_id"])
    assert_error(anon.get("/public/publicity?limit=0"), 400, "bad_request", ["limit"])
    paged = expect(anon.get("/public/publicity?limit=1"), 200)
    assert len(paged["items"]) == 1 and paged["total"] >= 1


def test_public_page_lists_and_takes_objections_without_js(platform, batch, server):
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    expect(platform.publish(batch["id"], [app["id"]]), 201)
    c = st.Client(server.base, "browser")
    r = c.raw("GET", "/publicity", headers={"Accept": "text/html"})
    assert r.status == 200 and "text/html" in r.headers["Content-Type"]
    html = r.raw.decode()
    assert "公示" in html and 'action="/publicity/objections"' in html
    name = expect(ent.c.get(f"/applications/{app['id']}"), 200)["enterprise"]["name"]
    assert name in html and f'value="{app["id"]}"' in html
    form = {"application_id": str(app["id"]), "name": "李四", "contact": "lisi@example.cn",
            "content": "数据采集点数量存疑。"}
    ip = st.random_ip()
    r = c.raw("POST", "/publicity/objections", urllib.parse.urlencode(form).encode(),
              {"Content-Type": "application/x-www-form-urlencoded", "X-Real-IP": ip})
    assert r.status == 303 and r.headers["Location"] == "/publicity?done=objection"
    ok = c.raw("GET", "/publicity?done=objection").raw.decode()
    assert "异议已提交" in ok
    # anonymous: the form comes back with the reason beside the field and the input kept
    form["name"] = ""
    r = c.raw("POST", "/publicity/objections", urllib.parse.urlencode(form).encode(),
              {"Content-Type": "application/x-www-form-urlencoded", "X-Real-IP": ip})
    html = r.raw.decode()
    assert r.status == 400 and "匿名" in html and "数据采集点数量存疑。" in html
    objs = expect(platform.commission.get(f"/objections?batch_id={batch['id']}&limit=500"), 200)["items"]
    mine = [o for o in objs if o["application_id"] == app["id"]]
    assert len(mine) == 1 and mine[0]["name"] == "李四" and mine[0]["status"] == "open"


# ---------------------------------------------------------------- objections

def test_objection_inside_the_period_only(platform, batch, anon, commission):
    """[starts_at, ends_at): accepted up to the last second, refused from the end instant on."""
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    ends = st.now_cst() + dt.timedelta(seconds=3)
    expect(platform.publish(batch["id"], [app["id"]], st.now_cst() - dt.timedelta(days=5), ends), 201)
    got = expect(platform.objection(anon, app["id"]), 201)
    assert got["application_id"] == app["id"] and got["status"] == "open" and got["id"] > 0
    assert "client" not in got
    while st.now_cst() < ends:
        time.sleep(0.2)
    err = assert_error(platform.objection(anon, app["id"]), 409, "deadline_passed")
    assert st.iso(ends) in err["message"]
    # not yet begun: published, but no objection before starts_at either
    later = platform.passed_application(platform.new_enterprise("500112"), batch["id"])
    expect(platform.publish(batch["id"], [later["id"]], st.now_cst() + dt.timedelta(hours=1)), 201)
    assert_error(platform.objection(anon, later["id"]), 409, "wrong_state")


def test_objection_needs_a_real_name_and_a_published_application(platform, batch, anon):
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    # not published (yet): the public learns nothing of it
    assert_error(platform.objection(anon, app["id"]), 404, "not_found")
    assert_error(platform.objection(anon, 99999999), 404, "not_found")
    expect(platform.publish(batch["id"], [app["id"]]), 201)
    for over, field in (({"name": ""}, "name"), ({"contact": ""}, "contact"),
                        ({"name": "  \u3000"}, "name"), ({"name": None}, "name"),
                        ({"contact": 13800000000}, "contact"), ({"content": ""}, "content"),
                        ({"content": "长" * 2001}, "content"), ({"name": "名" * 101}, "name"),
                        ({"application_id": "x"}, "application_id"),
                        ({"application_id": None}, "application_id")):
        assert_error(platform.objection(anon, app["id"], **over), 400, "bad_request", [field])
    body = {"application_id": app["id"], "content": "x"}
    err = assert_error(anon.post("/public/objections", body, headers={"X-Real-IP": st.random_ip()}),
                       400, "bad_request", ["name", "contact"])
    assert "匿名" in err["fields"]["name"]
    assert_error(anon.call("POST", "/public/objections", data=b"{bad", content_type="application/json"),
                 400, "bad_request")


def test_objection_with_a_session_needs_csrf(platform, batch):
    ent = platform.new_enterprise("500112")
    app = platform.published_application(ent, batch["id"], ended=False)
    other = platform.new_enterprise("500112")
    assert_error(other.c.post("/public/objections", {"application_id": app["id"], "name": "王五",
                                                     "contact": "1", "content": "x"}, csrf=False,
                              headers={"X-Real-IP": st.random_ip()}), 403, "csrf")
    expect(platform.objection(other.c, app["id"]), 201)


def test_objection_rate_limit_per_address(platform, batch, anon, server):
    ent = platform.new_enterprise("500112")
    app = platform.published_application(ent, batch["id"], ended=False)
    ip = st.random_ip()
    for i in range(5):
        expect(platform.objection(anon, app["id"], ip=ip, content=f"第{i + 1}条异议"), 201)
    err = assert_error(platform.objection(anon, app["id"], ip=ip), 429, "throttled")
    assert "分钟" in err["message"]
    # the last hop of X-Forwarded-For names the same client behind the proxy
    assert_error(anon.post("/public/objections", {"application_id": app["id"], "name": "甲", "contact": "1",
                                                  "content": "x"},
                           headers={"X-Forwarded-For": f"203.0.113.9, {ip}"}), 429, "throttled")
    # a refusal for the body comes before the limit (API.md: 400 before 429)
    assert_error(platform.objection(anon, app["id"], ip=ip, name=""), 400, "bad_request", ["name"])
    # another address has its own allowance; the count lives in the database, not the process
    expect(platform.objection(anon, app["id"]), 201)
    rows = st.psql(server.db, "SELECT count(*) FROM login_failures WHERE scope = 'objection:%s'" % ip) \
        if st.is_pg(server.db) else None
    if rows is not None:
        assert rows[0][0] == "5"
    # a garbage header is no address: the socket's own (loopback) is counted instead
    expect(anon.post("/public/objections", {"application_id": app["id"], "name": "乙", "contact": "2",
                                            "content": "x"}, headers={"X-Real-IP": "not-an-ip"}), 201)


def test_upheld_objection_means_not_certified(platform, batch, anon, commission):
    ent = platform.new_enterprise("500112")
    app = platform.published_application(ent, batch["id"], ended=False)
    o1 = expect(platform.objection(anon, app["id"]), 201)
    o2 = expect(platform.objection(anon, app["id"], name="某某公司"), 201)
    got = expect(commission.post(f"/objections/{o1['id']}/resolve",
                                 {"outcome": "upheld", "reason": "经核实，设备数量与申报不符"}), 200)
    assert got["status"] == "upheld" and got["outcome"] == "upheld" and got["reason"].startswith("经核实")
    assert got["resolved_at"]
    mine = expect(ent.c.get(f"/applications/{app['id']}"), 200)
    assert mine["status"] == "not_certified"
    e = [t for t in mine["timeline"] if t["action"] == "uphold"]
    assert e and e[0]["from_state"] == "publicity" and "设备数量" in e[0]["reason"]
    assert_error(commission.post(f"/objections/{o1['id']}/resolve", {"outcome": "dismissed", "reason": "x"}),
                 409, "wrong_state")
    # the application has left 公示: no certification, no second upheld, no more objections
    assert_error(commission.post(f"/applications/{app['id']}/certify"), 409, "wrong_state")
    assert_error(commission.post(f"/objections/{o2['id']}/resolve", {"outcome": "upheld", "reason": "同上"}),
                 409, "wrong_state")
    expect(commission.post(f"/objections/{o2['id']}/resolve", {"outcome": "dismissed", "reason": "已处理"}), 200)
    assert_error(platform.objection(anon, app["id"]), 409, "wrong_state")
    ids = {i["application_id"] for i in expect(anon.get("/public/publicity?limit=500"), 200)["items"]}
    assert app["id"] not in ids


def test_objections_list_and_resolve(platform, batch, batch2020, anon, commission, wrong_roles):
    ent = platform.new_enterprise("500112")
    app = platform.published_application(ent, batch["id"], ended=False)
    o = expect(platform.objection(anon, app["id"], contact="lw@example.cn"), 201)
    lst = expect(commission.get(f"/objections?batch_id={batch['id']}&status=open&limit=500"), 200)
    item = [x for x in lst["items"] if x["id"] == o["id"]][0]
    assert item["contact"] == "lw@example.cn" and item["enterprise"] and item["batch_id"] == batch["id"]
    assert all(x["status"] == "open" for x in lst["items"])
    other = platform.new_batch(batch2020["id"])
    assert expect(commission.get(f"/objections?batch_id={other['id']}"), 200) == {"items": [], "total": 0}
    assert_error(commission.get("/objections?status=maybe"), 400, "bad_request", ["status"])
    assert_error(commission.get("/objections?batch_id=-1"), 400, "bad_request", ["batch_id"])
    refusals(anon, commission, wrong_roles, "get", "/objections")
    path = f"/objections/{o['id']}/resolve"
    refusals(anon, commission, wrong_roles, "post", path, {"outcome": "dismissed", "reason": "x"})
    assert_error(commission.post("/objections/99999999/resolve", {"outcome": "bad"}), 404, "not_found")
    for body, field in (({"outcome": "maybe", "reason": "x"}, "outcome"), ({"outcome": "dismissed"}, "reason"),
                        ({"outcome": "dismissed", "reason": " "}, "reason"), ({}, "outcome")):
        assert_error(commission.post(path, body), 400, "bad_request", [field])
    got = expect(commission.post(path, {"outcome": "dismissed", "reason": "与事实不符"}), 200)
    assert got["status"] == "dismissed"
    assert status_of(commission, app["id"]) == "publicity"
    done = expect(commission.get(f"/objections?batch_id={batch['id']}&status=dismissed&limit=500"), 200)
    assert o["id"] in {x["id"] for x in done["items"]}


def test_audit_chain_verifies(commission):
    body = expect(commission.get("/audit/verify"), 200)
    assert body["ok"] is True, body
    entries = expect(commission.get("/audit?entity=objection&limit=500"), 200)["items"]
    assert entries and all(re.fullmatch(r"create|resolve", e["action"]) for e in entries)
    # who filed an objection is no part of the hash chain (personal data stays deletable)
    assert all("contact" not in (e.get("detail") or {}) for e in entries)
