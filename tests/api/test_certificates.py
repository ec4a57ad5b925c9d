"""Certification and certificates (API.md "Review side"): certify only after the 公示 period's end
instant with no open objection, certificate numbers (URL-safe, unique, per year and type), the
public verification API and page (the QR code's target), the PDF for its owner and the
commission, and what follows: re-review (fail revokes), revocation for the four reasons with the
enterprise's own request, priority-recommendation marks, and rename/restructure approved by the
district and then the commission with the old name kept in the history."""
import datetime as dt
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

import smiptest as st
from smiptest import assert_error, expect

NO_RE = re.compile(r"CQ-\d{4}-[WF]-\d{4,}")


@pytest.fixture(scope="module")
def wrong_roles(platform):
    """Logged-in, connected clients of the roles that are never the commission."""
    return {"district": platform.new_staff("district", district="500112"),
            "expert": platform.experts(1)[0],
            "admin": platform.new_staff("admin")}


def refusals(anon, ok, wrong, method, path, body=None):
    args = (path, body) if method in ("post", "put") else (path,)
    assert_error(getattr(anon, method)(*args), 401, "unauthenticated")
    if method in ("post", "put"):
        assert_error(getattr(ok, method)(path, body, csrf=False), 403, "csrf")
    for name, c in wrong.items():
        r = getattr(c, method)(*args)
        assert r.status == 403 and r.error.get("code") == "forbidden", f"{name}: {r!r}"


def pdftotext(data):
    assert shutil.which("pdftotext"), "pdftotext is missing: scripts/install-deps.sh installs poppler-utils"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], check=True,
                             capture_output=True, timeout=60)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def app_of(ent, app_id):
    return expect(ent.c.get(f"/applications/{app_id}"), 200)


def events(cert):
    return [h["event"] for h in cert["history"]]


# ---------------------------------------------------------------- certify

def test_certify_issues_a_certificate(platform, batch, commission, anon):
    ent = platform.new_enterprise("500112")
    app, cert = platform.certified_application(ent, batch["id"], document_no="渝经信智能〔2026〕8号")
    no = cert["certificate_no"]
    assert NO_RE.fullmatch(no) and no.startswith(f"CQ-{batch['year']}-W-")
    assert cert["status"] == "valid" and cert["application_id"] == app["id"]
    assert cert["document_no"] == "渝经信智能〔2026〕8号"
    assert cert["verify_url"].endswith(f"/verify/{no}")
    full = app_of(ent, app["id"])
    assert full["status"] == "certified"
    e = [t for t in full["timeline"] if t["action"] == "certify"][0]
    assert e["from_state"] == "publicity" and e["to_state"] == "certified" and no in e["reason"]
    pub = expect(anon.get(f"/public/certificates/{no}"), 200)
    assert pub["certificate_no"] == no and pub["status"] == "valid" and pub["type"] == "workshop"
    assert pub["enterprise"] == full["enterprise"]["name"] and pub["project"] == full["project"]["name"]
    assert pub["batch"] == batch["name"]
    assert events(pub) == ["issued"] and pub["history"][0]["at"].endswith("+08:00")
    # what only the owner and the commission read stays out of the public answer
    assert "candidate_for" not in pub and "revocation_requests" not in pub
    assert_error(commission.post(f"/applications/{app['id']}/certify"), 409, "wrong_state")
    # no longer in the 公示 list
    ids = {i["application_id"] for i in expect(anon.get("/public/publicity?limit=500"), 200)["items"]}
    assert app["id"] not in ids
    mine = expect(ent.c.get("/certificates"), 200)
    assert [c["certificate_no"] for c in mine["items"]] == [no]


def test_certify_from_the_end_instant_on(platform, batch, commission, anon):
    """The period is [starts_at, ends_at): certifying is refused before its end, allowed at it."""
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    path = f"/applications/{app['id']}/certify"
    assert_error(commission.post(path), 409, "wrong_state")  # not published yet
    ends = st.now_cst() + dt.timedelta(seconds=2)
    expect(platform.publish(batch["id"], [app["id"]], st.now_cst() - dt.timedelta(days=7), ends), 201)
    err = assert_error(commission.post(path), 409, "conflict")
    assert st.iso(ends) in err["message"]
    while st.now_cst() < ends:
        time.sleep(0.1)
    got = expect(commission.post(path), 200)
    assert NO_RE.fullmatch(got["certificate_no"])


def test_certify_waits_for_every_objection(platform, batch, commission, anon):
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    ends = st.now_cst() + dt.timedelta(seconds=2)
    expect(platform.publish(batch["id"], [app["id"]], st.now_cst() - dt.timedelta(days=7), ends), 201)
    o = expect(platform.objection(anon, app["id"]), 201)
    while st.now_cst() < ends:
        time.sleep(0.1)
    err = assert_error(commission.post(f"/applications/{app['id']}/certify"), 409, "conflict")
    assert "异议" in err["message"]
    expect(commission.post(f"/objections/{o['id']}/resolve", {"outcome": "dismissed", "reason": "不成立"}), 200)
    expect(commission.post(f"/applications/{app['id']}/certify"), 200)


def test_certify_refusals(platform, batch, commission, anon, wrong_roles):
    ent = platform.new_enterprise("500112")
    app = platform.published_application(ent, batch["id"])
    path = f"/applications/{app['id']}/certify"
    refusals(anon, commission, dict(wrong_roles, enterprise=ent.c), "post", path, {})
    assert_error(commission.post("/applications/99999999/certify", {"document_no": 5}), 404, "not_found")
    for bad in ({"document_no": 5}, {"document_no": "号" * 101}):
        assert_error(commission.post(path, bad), 400, "bad_request", ["document_no"])
    assert app_of(ent, app["id"])["status"] == "publicity"


def test_numbers_are_unique_and_sequential(platform, batch, commission):
    apps = [platform.published_application(platform.new_enterprise("500112"), batch["id"]) for _ in range(4)]
    first = expect(commission.post(f"/applications/{apps[0]['id']}/certify"), 200)["certificate_no"]
    second = expect(commission.post(f"/applications/{apps[1]['id']}/certify"), 200)["certificate_no"]
    seq = lambda no: int(no.rsplit("-", 1)[1])  # noqa: E731
    assert second.rsplit("-", 1)[0] == first.rsplit("-", 1)[0] and seq(second) > seq(first)
    # two certifications at the same moment still get two numbers (the unique index is the guard)
    got, threads = [], []
    for a in apps[2:]:
        t = threading.Thread(target=lambda i=a["id"]: got.append(commission.post(f"/applications/{i}/certify")))
        threads.append(t)
        t.start()
    for t in threads:
        t.join()
    nos = [expect(r, 200)["certificate_no"] for r in got] + [first, second]
    assert len(set(nos)) == 4 and all(NO_RE.fullmatch(n) for n in nos)
    # URL-safe as printed: the public answer finds each one by its number
    for n in nos:
        assert expect(commission.get(f"/certificates/{n}"), 200)["certificate_no"] == n


# ---------------------------------------------------------------- verification, PDF

def test_public_verification_page(platform, batch, server):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    no = cert["certificate_no"]
    c = st.Client(server.base, "phone")
    r = c.raw("GET", f"/verify/{no}", headers={"Accept": "text/html"})
    html = r.raw.decode()
    assert r.status == 200 and "text/html" in r.headers["Content-Type"]
    assert no in html and "有效" in html and cert["enterprise"] in html and "<script" not in html.split("</head>")[1]
    r = c.raw("GET", "/verify/CQ-1999-W-0001")
    assert r.status == 404 and "没有找到" in r.raw.decode()
    assert_error(c.get("/public/certificates/CQ-1999-W-0001"), 404, "not_found")
    assert_error(c.get("/public/certificates/%3Cscript%3E"), 404, "not_found")


def test_certificate_pdf_for_owner_and_commission(platform, batch, commission, anon, wrong_roles):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"], document_no="渝经信智能〔2026〕9号")
    no = cert["certificate_no"]
    for who in (ent.c, commission):
        r = who.raw("GET", f"/api/v1/certificates/{no}.pdf")
        assert r.status == 200 and r.headers["Content-Type"] == "application/pdf" and r.raw.startswith(b"%PDF")
    text = pdftotext(r.raw)
    assert no in text and cert["enterprise"].replace(" ", "") in text
    other = platform.new_enterprise("500112")
    assert_error(other.c.get(f"/certificates/{no}.pdf"), 404, "not_found")
    assert_error(other.c.get(f"/certificates/{no}"), 404, "not_found")
    assert_error(anon.get(f"/certificates/{no}.pdf"), 401, "unauthenticated")
    for name, c in wrong_roles.items():
        assert_error(c.get(f"/certificates/{no}.pdf"), 403, "forbidden")
    assert_error(commission.get("/certificates/CQ-1999-W-0001.pdf"), 404, "not_found")


# ---------------------------------------------------------------- revocation

def test_revoke_on_the_enterprises_request(platform, batch, commission, anon, server):
    ent = platform.new_enterprise("500112")
    app, cert = platform.certified_application(ent, batch["id"])
    no = cert["certificate_no"]
    path = f"/certificates/{no}/revoke"
    # self_request needs the enterprise's own request first
    assert_error(commission.post(path, {"reason": "self_request", "note": "企业来函"}), 409, "conflict")
    assert_error(ent.c.post(f"/certificates/{no}/revocation-request", {"note": " "}), 400, "bad_request", ["note"])
    req = expect(ent.c.post(f"/certificates/{no}/revocation-request", {"note": "车间已停产，申请撤销"}), 201)
    assert req["certificate_no"] == no and req["id"] > 0
    assert_error(ent.c.post(f"/certificates/{no}/revocation-request", {"note": "再次申请"}), 409, "duplicate")
    mine = expect(ent.c.get(f"/certificates/{no}"), 200)
    assert [x["note"] for x in mine["revocation_requests"]] == ["车间已停产，申请撤销"]
    for body, field in (({"reason": "tired", "note": "x"}, "reason"), ({"note": "x"}, "reason"),
                        ({"reason": "terminated"}, "note")):
        assert_error(commission.post(path, body), 400, "bad_request", [field])
    got = expect(commission.post(path, {"reason": "self_request", "note": "同意企业申请"}), 200)
    assert got["status"] == "revoked" and got["revoked_reason"] == "self_request" and got["revoked_at"]
    assert app_of(ent, app["id"])["status"] == "revoked"
    pub = expect(anon.get(f"/public/certificates/{no}"), 200)
    assert pub["status"] == "revoked" and events(pub) == ["issued", "revoked"]
    assert pub["history"][1]["reason"] == "self_request"
    html = st.Client(server.base).raw("GET", f"/verify/{no}").raw.decode()
    assert "已撤销" in html
    assert_error(commission.post(path, {"reason": "terminated", "note": "x"}), 409, "wrong_state")
    assert_error(ent.c.post(f"/certificates/{no}/revocation-request", {"note": "x"}), 409, "wrong_state")


@pytest.mark.parametrize("reason", ["terminated", "fraud_or_violation", "re_review_failed"])
def test_revoke_for_each_reason(platform, batch, commission, anon, reason):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    got = expect(commission.post(f"/certificates/{cert['certificate_no']}/revoke",
                                 {"reason": reason, "note": "依据通知三（二）撤销"}), 200)
    assert got["status"] == "revoked" and got["revoked_reason"] == reason


def test_revocation_refusals(platform, batch, commission, anon, wrong_roles):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    no = cert["certificate_no"]
    refusals(anon, commission, dict(wrong_roles, enterprise=ent.c), "post", f"/certificates/{no}/revoke",
             {"reason": "terminated", "note": "x"})
    refusals(anon, ent.c, dict(wrong_roles, commission=commission), "post",
             f"/certificates/{no}/revocation-request", {"note": "x"})
    other = platform.new_enterprise("500112")
    assert_error(other.c.post(f"/certificates/{no}/revocation-request", {"note": "x"}), 404, "not_found")
    assert_error(commission.post("/certificates/CQ-1999-W-0001/revoke", {"reason": "bad"}), 404, "not_found")
    assert expect(commission.get(f"/certificates/{no}"), 200)["status"] == "valid"


# ---------------------------------------------------------------- re-review (复评, class I)

def test_re_review_pass_then_national_fail_revokes(platform, batch, commission, anon):
    ent = platform.new_enterprise("500112")
    app, cert = platform.certified_application(ent, batch["id"], **st.class1_project_body())
    no = cert["certificate_no"]
    path = f"/certificates/{no}/re-review"
    evidence = platform.upload_pdf(commission)["id"]
    for body, field in (({"result": "ok", "source": "local", "note": "x"}, "result"),
                        ({"result": "pass", "source": "city", "note": "x"}, "source"),
                        ({"result": "pass", "source": "local"}, "note"),
                        ({"result": "pass", "source": "local", "note": "x", "evidence_attachment_id": "1"},
                         "evidence_attachment_id"),
                        ({"result": "pass", "source": "local", "note": "x",
                          "evidence_attachment_id": platform.upload_pdf(platform.new_enterprise())["id"]},
                         "evidence_attachment_id")):
        assert_error(commission.post(path, body), 400, "bad_request", [field])
    got = expect(commission.post(path, {"result": "pass", "source": "local", "note": "验收合格",
                                        "evidence_attachment_id": evidence}), 200)
    assert got["status"] == "valid" and events(got) == ["issued", "re_review"]
    got = expect(commission.post(path, {"result": "fail", "source": "national", "note": "国家专家组验收不合格"}), 200)
    assert got["status"] == "revoked" and got["revoked_reason"] == "re_review_failed"
    pub = expect(anon.get(f"/public/certificates/{no}"), 200)
    assert events(pub) == ["issued", "re_review", "re_review", "revoked"]
    assert pub["history"][2]["result"] == "fail" and pub["history"][2]["source"] == "national"
    assert app_of(ent, app["id"])["status"] == "revoked"
    assert_error(commission.post(path, {"result": "pass", "source": "local", "note": "x"}), 409, "wrong_state")


def test_re_review_is_for_class_one_only(platform, batch, commission, anon, wrong_roles):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])  # class II
    path = f"/certificates/{cert['certificate_no']}/re-review"
    body = {"result": "pass", "source": "local", "note": "x"}
    refusals(anon, commission, dict(wrong_roles, enterprise=ent.c), "post", path, body)
    assert_error(commission.post(path, body), 409, "conflict")


# ---------------------------------------------------------------- recommendation (三(四))

def test_recommendation_marks(platform, batch, commission, anon, wrong_roles):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    no = cert["certificate_no"]
    path = f"/certificates/{no}/recommendation"
    refusals(anon, commission, dict(wrong_roles, enterprise=ent.c), "put", path, {"candidate_for": []})
    for bad in ({}, {"candidate_for": "benchmark"}, {"candidate_for": ["best"]},
                {"candidate_for": ["benchmark", "benchmark"]}, {"candidate_for": [1]}):
        assert_error(commission.put(path, bad), 400, "bad_request", ["candidate_for"])
    got = expect(commission.put(path, {"candidate_for": ["benchmark", "national_pilot"]}), 200)
    assert got["candidate_for"] == ["benchmark", "national_pilot"]
    assert expect(ent.c.get(f"/certificates/{no}"), 200)["candidate_for"] == ["benchmark", "national_pilot"]
    assert "candidate_for" not in expect(anon.get(f"/public/certificates/{no}"), 200)
    got = expect(commission.put(path, {"candidate_for": ["innovation_demo", "national_project"]}), 200)
    assert got["candidate_for"] == ["innovation_demo", "national_project"]
    assert expect(commission.put(path, {"candidate_for": []}), 200)["candidate_for"] == []


# ---------------------------------------------------------------- rename / restructure (三(三))

def adjust(ent, no, **over):
    body = {"kind": "rename", "new_name": f"重庆新名称{st.unique('n')}有限公司",
            "evidence_attachment_id": st.expect(ent.c.upload(st.make_pdf()), 201)["id"]}
    body.update(over)
    return ent.c.post(f"/certificates/{no}/adjustments", body)


def test_rename_needs_the_district_then_the_commission(platform, batch, commission, anon, district_yb,
                                                       district_wz):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    no, old = cert["certificate_no"], cert["enterprise"]
    adj = expect(adjust(ent, no, new_name="重庆更名后智能装备有限公司"), 201)
    assert adj["status"] == "pending_district" and adj["old_name"] == old and adj["kind"] == "rename"
    assert_error(adjust(ent, no), 409, "duplicate")
    # the district's queue of requests: its own district only
    queue = expect(district_yb.get("/adjustments?status=pending_district&limit=500"), 200)
    assert adj["id"] in {a["id"] for a in queue["items"]}
    assert all(a["status"] == "pending_district" and a["district_code"] == "500112" for a in queue["items"])
    assert adj["id"] not in {a["id"] for a in expect(district_wz.get("/adjustments?limit=500"), 200)["items"]}
    assert adj["id"] in {a["id"] for a in expect(commission.get("/adjustments?limit=500"), 200)["items"]}
    # the evidence goes to the reviewers of the request, not to another district
    ev = adj["evidence_attachment_id"]
    assert district_yb.raw("GET", f"/api/v1/attachments/{ev}").status == 200
    assert commission.raw("GET", f"/api/v1/attachments/{ev}").status == 200
    assert_error(district_wz.get(f"/attachments/{ev}"), 404, "not_found")
    assert_error(district_yb.get("/adjustments?status=open"), 400, "bad_request", ["status"])
    assert_error(ent.c.get("/adjustments"), 403, "forbidden")
    assert_error(anon.get("/adjustments"), 401, "unauthenticated")
    path = f"/adjustments/{adj['id']}/review"
    assert_error(commission.post(path, {"decision": "approve", "opinion": "同意"}), 409, "wrong_state")
    assert_error(district_wz.post(path, {"decision": "approve"}), 404, "not_found")
    assert_error(district_yb.post(path, {"decision": "maybe"}), 400, "bad_request", ["decision"])
    assert_error(district_yb.post(path, {"decision": "reject"}), 400, "bad_request", ["opinion"])
    got = expect(district_yb.post(path, {"decision": "approve", "opinion": "情况属实"}), 200)
    assert got["status"] == "pending_commission"
    assert expect(anon.get(f"/public/certificates/{no}"), 200)["enterprise"] == old
    assert_error(district_yb.post(path, {"decision": "approve"}), 409, "wrong_state")
    got = expect(commission.post(path, {"decision": "approve", "opinion": "同意更名"}), 200)
    assert got["status"] == "approved"
    pub = expect(anon.get(f"/public/certificates/{no}"), 200)
    assert pub["enterprise"] == "重庆更名后智能装备有限公司" and pub["uscc"] == cert["uscc"]
    renamed = [h for h in pub["history"] if h["event"] == "renamed"]
    assert renamed and renamed[0]["old_name"] == old and renamed[0]["new_name"] == pub["enterprise"]
    assert_error(commission.post(path, {"decision": "approve"}), 409, "wrong_state")
    text = pdftotext(ent.c.raw("GET", f"/api/v1/certificates/{no}.pdf").raw)
    assert "重庆更名后智能装备有限公司" in text


def test_restructure_changes_the_uscc(platform, batch, commission, anon, district_yb):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    no = cert["certificate_no"]
    for over, field in (({"kind": "restructure"}, "new_uscc"),
                        ({"kind": "restructure", "new_uscc": st.bad_check_uscc()}, "new_uscc"),
                        ({"kind": "rename", "new_uscc": st.make_uscc()}, "new_uscc"),
                        ({"kind": "merge"}, "kind"), ({"new_name": ""}, "new_name"),
                        ({"evidence_attachment_id": None}, "evidence_attachment_id"),
                        ({"evidence_attachment_id": platform.upload_pdf(platform.new_enterprise())["id"]},
                         "evidence_attachment_id")):
        assert_error(adjust(ent, no, **over), 400, "bad_request", [field])
    new_uscc = st.make_uscc("500112")
    adj = expect(adjust(ent, no, kind="restructure", new_name="重庆重组后制造有限公司",
                        new_uscc=new_uscc.lower()), 201)
    assert adj["new_uscc"] == new_uscc
    path = f"/adjustments/{adj['id']}/review"
    expect(district_yb.post(path, {"decision": "approve"}), 200)
    expect(commission.post(path, {"decision": "approve", "opinion": "同意"}), 200)
    pub = expect(anon.get(f"/public/certificates/{no}"), 200)
    assert pub["uscc"] == new_uscc and pub["enterprise"] == "重庆重组后制造有限公司"
    h = [x for x in pub["history"] if x["event"] == "restructured"][0]
    assert h["old_uscc"] == cert["uscc"] and h["new_uscc"] == new_uscc


def test_adjustment_rejected_by_either(platform, batch, commission, anon, district_yb):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    no = cert["certificate_no"]
    a1 = expect(adjust(ent, no), 201)
    got = expect(district_yb.post(f"/adjustments/{a1['id']}/review", {"decision": "reject", "opinion": "材料不全"}), 200)
    assert got["status"] == "rejected"
    assert_error(commission.post(f"/adjustments/{a1['id']}/review", {"decision": "approve"}), 409, "wrong_state")
    a2 = expect(adjust(ent, no), 201)  # a new request after a refusal
    expect(district_yb.post(f"/adjustments/{a2['id']}/review", {"decision": "approve"}), 200)
    got = expect(commission.post(f"/adjustments/{a2['id']}/review", {"decision": "reject", "opinion": "不符合规定"}),
                 200)
    assert got["status"] == "rejected"
    assert expect(anon.get(f"/public/certificates/{no}"), 200)["enterprise"] == cert["enterprise"]


def test_adjustment_refusals(platform, batch, commission, anon, district_yb):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    no = cert["certificate_no"]
    att = platform.upload_pdf(ent)["id"]
    body = {"kind": "rename", "new_name": "新名称有限公司", "evidence_attachment_id": att}
    wrong = {"district": district_yb, "commission": commission, "expert": platform.experts(1)[0],
             "admin": platform.new_staff("admin")}
    refusals(anon, ent.c, wrong, "post", f"/certificates/{no}/adjustments", body)
    other = platform.new_enterprise("500112")
    assert_error(other.c.post(f"/certificates/{no}/adjustments", {"kind": "x"}), 404, "not_found")
    adj = expect(ent.c.post(f"/certificates/{no}/adjustments", body), 201)
    path = f"/adjustments/{adj['id']}/review"
    assert_error(anon.post(path, {"decision": "approve"}), 401, "unauthenticated")
    assert_error(district_yb.post(path, {"decision": "approve"}, csrf=False), 403, "csrf")
    for c in (ent.c, platform.experts(1)[0], platform.new_staff("admin")):
        assert_error(c.post(path, {"decision": "approve"}), 403, "forbidden")
    assert_error(commission.post("/adjustments/99999999/review", {"decision": "x"}), 404, "not_found")
    # a revoked certificate takes no new request
    expect(commission.post(f"/certificates/{no}/revoke", {"reason": "terminated", "note": "注销"}), 200)
    assert_error(ent.c.post(f"/certificates/{no}/adjustments", dict(body, evidence_attachment_id=platform.upload_pdf(ent)["id"])),
                 409, "wrong_state")


def test_certificate_lists_by_role(platform, batch, commission, anon, wrong_roles):
    ent = platform.new_enterprise("500112")
    _, cert = platform.certified_application(ent, batch["id"])
    assert [c["certificate_no"] for c in expect(ent.c.get("/certificates"), 200)["items"]] == \
        [cert["certificate_no"]]
    assert expect(platform.new_enterprise("500112").c.get("/certificates"), 200) == {"items": [], "total": 0}
    everything = expect(commission.get("/certificates?limit=500"), 200)
    assert cert["certificate_no"] in {c["certificate_no"] for c in everything["items"]}
    assert_error(commission.get("/certificates?limit=501"), 400, "bad_request", ["limit"])
    assert_error(anon.get("/certificates"), 401, "unauthenticated")
    for name, c in wrong_roles.items():
        assert_error(c.get("/certificates"), 403, "forbidden")


def test_audit_chain_verifies(commission):
    body = expect(commission.get("/audit/verify"), 200)
    assert body["ok"] is True, body


def test_e5_counts_certificates_smip_issued(platform, batch, batch2020, commission):
    """A site certified by smip in a batch of year Y may not apply again in a later batch whose
    rules list Y among the prior years (E5); another site of the same enterprise may."""
    ent = platform.new_enterprise("500112")
    app, cert = platform.certified_application(ent, batch["id"])
    year = int(cert["certificate_no"].split("-")[1])
    site = expect(ent.c.get(f"/applications/{app['id']}"), 200, "app")["project"]["site_name"]
    rules = expect(commission.get(f"/batches/{batch2020['id']}"), 200, "2020 rules")["rules"]
    rules = dict(rules, prior_batch_years=[year])
    later = platform.new_batch(batch2020["id"])
    expect(commission.put(f"/batches/{later['id']}", {"rules": rules}), 200, "set the prior years")
    again, _ = platform.new_application(ent, later["id"], site_name=site)
    body = expect(ent.c.post(f"/applications/{again['id']}/check"), 200, "check")
    e5 = [f for f in body["findings"] if f["rule"] == "E5"]
    assert e5 and not e5[0]["ok"], e5
    assert cert["certificate_no"] in e5[0]["message"] or site in e5[0]["message"], e5[0]
    other, _ = platform.new_application(ent, later["id"])
    body = expect(ent.c.post(f"/applications/{other['id']}/check"), 200, "check")
    assert all(f["ok"] for f in body["findings"] if f["rule"] == "E5"), body["findings"]
