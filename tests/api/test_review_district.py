"""District review (区县初审, API.md "Review side"): approve with the 真实性审核意见 scan, return
for changes and resubmission, reject with a reason, the district deadline (exclusive, SPEC §3)
and its extension by the commission, the district's queue and who may act on what, in API.md's
order of refusals."""
import datetime as dt
import time

import pytest

import smiptest as st
from smiptest import assert_error, expect


def review(district, app_id, body, **kw):
    return district.post(f"/applications/{app_id}/district-review", body, **kw)


def timeline_entry(app, action):
    hits = [t for t in app["timeline"] if t.get("action") == action]
    assert hits, f"no {action} on the timeline: {app['timeline']}"
    return hits[-1]


@pytest.fixture
def submitted(platform, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.submitted_application(ent, batch["id"])
    return ent, app


# ---------------------------------------------------------------- approve

def test_approve_needs_an_authenticity_file_of_the_district(platform, submitted, district_yb, district_wz):
    ent, app = submitted
    aid = app["id"]
    assert_error(review(district_yb, aid, {"decision": "approve", "opinion": "同意"}), 400, "bad_request",
                 ["authenticity_attachment_id"])
    # a file of the enterprise, of another district, or no file at all is not the district's opinion
    own_file = platform.upload_pdf(ent)["id"]
    for att in (own_file, platform.authenticity_file(district_wz), 99999999, "12", 0):
        assert_error(review(district_yb, aid, {"decision": "approve", "authenticity_attachment_id": att}),
                     400, "bad_request", ["authenticity_attachment_id"])
    assert expect(ent.c.get(f"/applications/{aid}"), 200)["status"] == "submitted"
    att = platform.authenticity_file(district_yb)
    got = expect(review(district_yb, aid, {"decision": "approve", "opinion": "材料真实",
                                           "authenticity_attachment_id": att}), 200)
    assert got["id"] == aid and got["status"] == "district_approved"
    e = timeline_entry(expect(ent.c.get(f"/applications/{aid}"), 200), "approve")
    assert e["from_state"] == "submitted" and e["to_state"] == "district_approved"
    assert e["reason"] == "材料真实"
    # approving twice is a wrong state; the enterprise cannot withdraw any more
    att2 = platform.authenticity_file(district_yb)
    assert_error(review(district_yb, aid, {"decision": "approve", "authenticity_attachment_id": att2}),
                 409, "wrong_state")
    assert_error(ent.c.post(f"/applications/{aid}/withdraw"), 409, "wrong_state")


def test_approve_by_another_account_of_the_same_district(platform, submitted):
    """The scan may come from any account of the reviewing district."""
    _, app = submitted
    colleague = platform.new_staff("district", district="500112")
    att = platform.authenticity_file(colleague)
    got = expect(review(platform.district_for("500112"), app["id"],
                        {"decision": "approve", "authenticity_attachment_id": att}), 200)
    assert got["status"] == "district_approved"


def test_authenticity_file_goes_to_the_reviewers(platform, submitted, district_yb, district_wz, commission):
    ent, app = submitted
    att = platform.authenticity_file(district_yb)
    expect(review(district_yb, app["id"], {"decision": "approve", "authenticity_attachment_id": att}), 200)
    assert commission.raw("GET", f"/api/v1/attachments/{att}").status == 200
    assert district_yb.raw("GET", f"/api/v1/attachments/{att}").status == 200
    assert_error(district_wz.get(f"/attachments/{att}"), 404, "not_found")
    assert_error(ent.c.get(f"/attachments/{att}"), 404, "not_found")


# ---------------------------------------------------------------- return, reject

@pytest.mark.parametrize("decision", ["return", "reject"])
def test_return_and_reject_need_a_reason(submitted, district_yb, decision):
    _, app = submitted
    for body in ({"decision": decision}, {"decision": decision, "opinion": ""},
                 {"decision": decision, "opinion": "  \u3000 "}, {"decision": decision, "opinion": 5},
                 {"decision": decision, "opinion": "长" * 2001}):
        assert_error(review(district_yb, app["id"], body), 400, "bad_request", ["opinion"])


def test_return_then_edit_and_resubmit(platform, submitted, district_yb):
    ent, app = submitted
    aid = app["id"]
    got = expect(review(district_yb, aid, {"decision": "return", "opinion": "请补充设备清单"}), 200)
    assert got["status"] == "returned"
    mine = expect(ent.c.get(f"/applications/{aid}"), 200)
    assert mine["status"] == "returned"
    e = timeline_entry(mine, "return")
    assert e["reason"] == "请补充设备清单" and e["to_state"] == "returned"
    # the district still sees it; the enterprise edits and submits again
    expect(district_yb.get(f"/applications/{aid}"), 200)
    assert expect(ent.c.put(f"/applications/{aid}", {"equipment_total": 101}), 200)["equipment_total"] == 101
    assert_error(review(district_yb, aid, {"decision": "reject", "opinion": "x"}), 409, "wrong_state")
    assert expect(ent.c.post(f"/applications/{aid}/submit"), 200)["status"] == "submitted"
    got = expect(platform.district_review(district_yb, aid), 200)
    assert got["status"] == "district_approved" and got["equipment_total"] == 101


def test_reject_is_final(submitted, district_yb):
    ent, app = submitted
    aid = app["id"]
    got = expect(review(district_yb, aid, {"decision": "reject", "opinion": "不属于智能化改造项目"}), 200)
    assert got["status"] == "district_rejected"
    e = timeline_entry(expect(ent.c.get(f"/applications/{aid}"), 200), "reject")
    assert e["reason"] == "不属于智能化改造项目"
    assert_error(ent.c.post(f"/applications/{aid}/submit"), 409, "wrong_state")
    assert_error(ent.c.put(f"/applications/{aid}", {"equipment_total": 1}), 409, "wrong_state")
    assert_error(review(district_yb, aid, {"decision": "return", "opinion": "x"}), 409, "wrong_state")


@pytest.mark.parametrize("body", [{}, {"decision": "maybe", "opinion": "x"}, {"decision": 1},
                                  {"decision": "APPROVE"}, []])
def test_unknown_decision(submitted, district_yb, body):
    _, app = submitted
    # a body that is no object at all is refused before its fields are read
    assert_error(review(district_yb, app["id"], body), 400, "bad_request", ["decision"] if body != [] else [])


# ---------------------------------------------------------------- who may act

def test_refusals_in_api_order(platform, submitted, anon, district_yb, district_wz, commission):
    ent, app = submitted
    aid = app["id"]
    body = {"decision": "return", "opinion": "请补充"}
    assert_error(anon.post(f"/applications/{aid}/district-review", body), 401, "unauthenticated")
    assert_error(review(district_yb, aid, body, csrf=False), 403, "csrf")
    assert_error(review(district_yb, aid, body, csrf="wrong"), 403, "csrf")
    assert_error(review(ent.c, aid, body), 403, "forbidden")
    assert_error(review(commission, aid, body), 403, "forbidden")
    assert_error(review(platform.new_expert(), aid, body), 403, "forbidden")
    assert_error(review(platform.new_staff("admin"), aid, body), 403, "forbidden")
    unconnected = platform.new_staff("district", district="500112", connect=False)
    assert_error(review(unconnected, aid, body), 403, "imp_not_connected")
    # another district: 404, also before the body's faults (400) and its media type (415)
    assert_error(review(district_wz, aid, body), 404, "not_found")
    assert_error(review(district_wz, aid, {"decision": "nonsense"}), 404, "not_found")
    assert_error(district_wz.call("POST", f"/applications/{aid}/district-review", data=b"x=1",
                                  content_type="application/x-www-form-urlencoded"), 404, "not_found")
    assert_error(district_yb.call("POST", f"/applications/{aid}/district-review", data=b"x=1",
                                  content_type="application/x-www-form-urlencoded"),
                 415, "unsupported_media_type")
    assert_error(district_yb.call("POST", f"/applications/{aid}/district-review", data=b"{bad",
                                  content_type="application/json"), 400, "bad_request")
    assert_error(review(district_yb, 99999999, body), 404, "not_found")
    assert expect(ent.c.get(f"/applications/{aid}"), 200)["status"] == "submitted"


def test_drafts_are_invisible_to_the_district(platform, batch, district_yb):
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch["id"])
    assert_error(review(district_yb, app["id"], {"decision": "return", "opinion": "x"}), 404, "not_found")


def test_registered_district_reviews_a_project_elsewhere(platform, batch, district_yb, district_wz):
    """SPEC §6: the enterprise's registered district reviews, wherever the project is."""
    ent = platform.new_enterprise("500112")
    app, _ = platform.submitted_application(ent, batch["id"], district_code="500101")
    assert_error(review(district_wz, app["id"], {"decision": "return", "opinion": "x"}), 404, "not_found")
    expect(review(district_yb, app["id"], {"decision": "return", "opinion": "请补充"}), 200)


# ---------------------------------------------------------------- the district's queue

def test_queue_is_own_district_with_time_left(platform, batch, district_yb, district_wz):
    mine = platform.new_enterprise("500112")
    theirs = platform.new_enterprise("500101")
    a, _ = platform.submitted_application(mine, batch["id"])
    b, _ = platform.submitted_application(theirs, batch["id"])
    yb = expect(district_yb.get("/applications?status=submitted&limit=500"), 200)
    ids = {x["id"] for x in yb["items"]}
    assert a["id"] in ids and b["id"] not in ids
    assert all(x["status"] == "submitted" and x["district_code"] == "500112" for x in yb["items"])
    item = [x for x in yb["items"] if x["id"] == a["id"]][0]
    assert item["district_deadline"] == batch["district_deadline"]
    left = (st.parse_time(batch["district_deadline"]) - st.now_cst()).total_seconds()
    assert isinstance(item["district_seconds_left"], int) and abs(item["district_seconds_left"] - left) < 120
    assert item["overdue"] is False
    wz = {x["id"] for x in expect(district_wz.get("/applications?limit=500"), 200)["items"]}
    assert b["id"] in wz and a["id"] not in wz
    # filters narrow the queue
    expect(review(district_yb, a["id"], {"decision": "return", "opinion": "请补充"}), 200)
    ret = expect(district_yb.get(f"/applications?status=returned&batch_id={batch['id']}&limit=500"), 200)
    assert a["id"] in {x["id"] for x in ret["items"]} and all(x["status"] == "returned" for x in ret["items"])
    assert a["id"] not in {x["id"] for x in expect(district_yb.get("/applications?status=submitted&limit=500"),
                                                   200)["items"]}
    assert_error(district_yb.get("/applications?status=approved"), 400, "bad_request", ["status"])


# ---------------------------------------------------------------- the deadline

def set_deadline(commission, batch_id, deadline, closes=None):
    body = {"district_deadline": st.iso(deadline)}
    if closes is not None:
        body["closes_at"] = st.iso(closes)
    return expect(commission.put(f"/batches/{batch_id}", body), 200, "PUT batch")


def test_after_the_deadline_nothing_until_extended(platform, batch2020, commission, district_yb):
    b = platform.new_batch(batch2020["id"])
    ent = platform.new_enterprise("500112")
    other = platform.new_enterprise("500112")
    app, _ = platform.submitted_application(ent, b["id"])
    ret, _ = platform.submitted_application(other, b["id"])
    expect(review(district_yb, ret["id"], {"decision": "return", "opinion": "请补充"}), 200)
    now = st.now_cst()
    set_deadline(commission, b["id"], now - dt.timedelta(minutes=1), closes=now - dt.timedelta(minutes=2))
    for decision in ("return", "reject"):
        assert_error(review(district_yb, app["id"], {"decision": decision, "opinion": "x"}), 409, "deadline_passed")
    assert_error(platform.district_review(district_yb, app["id"]), 409, "deadline_passed")
    # 400 before 409: a bad body is still named first
    assert_error(review(district_yb, app["id"], {"decision": "return"}), 400, "bad_request", ["opinion"])
    item = [x for x in expect(district_yb.get(f"/applications?batch_id={b['id']}&limit=500"), 200)["items"]
            if x["id"] == app["id"]][0]
    assert item["overdue"] is True and item["district_seconds_left"] == 0
    # a returned application cannot come back after the deadline either (E3)
    err = assert_error(other.c.post(f"/applications/{ret['id']}/submit"), 422, "rule_failed")
    assert not all(f["ok"] for f in err["findings"] if f["rule"] == "E3")
    # only the commission extends the deadline
    assert_error(district_yb.put(f"/batches/{b['id']}", {"district_deadline": st.iso(now + dt.timedelta(days=1))}),
                 403, "forbidden")
    set_deadline(commission, b["id"], now + dt.timedelta(days=1))
    assert expect(platform.district_review(district_yb, app["id"]), 200)["status"] == "district_approved"
    assert expect(other.c.post(f"/applications/{ret['id']}/submit"), 200)["status"] == "submitted"


def test_deadline_instant_is_closed_and_just_before_is_open(platform, batch2020, commission, district_yb):
    """SPEC §3: deadlines are exclusive — "4月17日24:00" is 4月18日00:00 and already closed. The
    unit test test_review_svc checks the exact second on both sides; here the server's clock."""
    b = platform.new_batch(batch2020["id"])
    ent = platform.new_enterprise("500112")
    other = platform.new_enterprise("500112")
    app, _ = platform.submitted_application(ent, b["id"])
    early, _ = platform.submitted_application(other, b["id"])
    now = st.now_cst()
    deadline = now + dt.timedelta(seconds=4)
    set_deadline(commission, b["id"], deadline, closes=now - dt.timedelta(minutes=1))
    # before the instant: open
    expect(review(district_yb, early["id"], {"decision": "return", "opinion": "请补充"}), 200)
    # at the instant (within its second): closed
    wait = deadline.timestamp() - time.time()
    if wait > 0:
        time.sleep(wait + 0.05)
    assert_error(review(district_yb, app["id"], {"decision": "return", "opinion": "请补充"}), 409, "deadline_passed")


def test_audit_chain_verifies(commission):
    body = expect(commission.get("/audit/verify"), 200)
    assert body["ok"] is True, body
