"""Expert review (专家评审, API.md "Review side"): expert accounts and declared conflicts (回避),
all-or-nothing assignments refused for a conflict of interest (employer or declared), scored
reviews on the batch's score form (maxima are batch data), blind until one's own review is in,
the aggregate, the commission's decision after at least three reviews, the direct route of
national special projects and pilots, and what the enterprise sees of all this."""
import json
import re

import pytest

import smiptest as st
from smiptest import SCORE_MAXIMA, SCORES_PASS, assert_error, expect


def expert_body(**over):
    u = st.unique("x")
    b = {"username": u, "password": st.PASSWORD, "display_name": "李专家", "phone": "13700000000",
         "email": f"{u}@example.cn", "employer_uscc": st.make_uscc("500103")}
    b.update(over)
    return b


@pytest.fixture(scope="module")
def wrong_roles(platform, server):
    """A logged-in, connected client of every role that is neither commission nor expert."""
    ent = platform.new_enterprise("500112")
    return {"enterprise": ent.c, "district": platform.new_staff("district", district="500112"),
            "admin": platform.new_staff("admin")}


def refusals(anon, client_ok, wrong, method, path, body, also_forbidden=()):
    """401 anonymous, 403 csrf (for writes), 403 forbidden for every wrong role."""
    call = getattr(anon, method)
    args = (path, body) if method in ("post", "put") else (path,)
    assert_error(call(*args), 401, "unauthenticated")
    if method in ("post", "put"):
        assert_error(getattr(client_ok, method)(path, body, csrf=False), 403, "csrf")
    for name, c in list(wrong.items()) + list(also_forbidden):
        r = getattr(c, method)(*args)
        assert r.status == 403, f"{name}: {r!r}"
        assert_error(r, 403, "forbidden")


# ---------------------------------------------------------------- expert accounts

def test_commission_creates_and_lists_experts(platform, commission, anon, wrong_roles):
    body = expert_body(employer_uscc=st.make_uscc("500103").lower())
    got = expect(commission.post("/experts", body), 201)
    assert got["role"] == "expert" and got["status"] == "active" and got["username"] == body["username"]
    assert got["employer_uscc"] == body["employer_uscc"].upper() and "password" not in json.dumps(got)
    assert_error(commission.post("/experts", dict(body)), 409, "duplicate")
    for bad, field in ((expert_body(employer_uscc=None), "employer_uscc"),
                       (expert_body(employer_uscc=""), "employer_uscc"),
                       (expert_body(employer_uscc=st.bad_check_uscc()), "employer_uscc"),
                       (expert_body(password="short"), "password"),
                       (expert_body(username=""), "username"),
                       (expert_body(display_name=3), "display_name")):
        if bad.get("employer_uscc") is None:
            bad.pop("employer_uscc")
        assert_error(commission.post("/experts", bad), 400, "bad_request", [field])
    # the new expert logs in and works
    c = platform.client()
    expect(c.login(body["username"], body["password"]), 200)
    assert c.account["role"] == "expert"
    listed = expect(commission.get("/experts?limit=500"), 200)
    mine = [x for x in listed["items"] if x["id"] == got["id"]]
    assert mine and mine[0]["conflicts"] == [] and mine[0]["employer_uscc"] == got["employer_uscc"]
    assert listed["total"] >= len(listed["items"]) and all("password" not in x for x in listed["items"])
    assert len(expect(commission.get("/experts?limit=1"), 200)["items"]) == 1
    expert = platform.new_expert()
    refusals(anon, commission, wrong_roles, "post", "/experts", expert_body(), [("expert", expert)])
    refusals(anon, commission, wrong_roles, "get", "/experts", None, [("expert", expert)])


def test_expert_declares_conflicts(platform, commission, anon, wrong_roles):
    x = platform.new_expert()
    target = st.make_uscc("500112")
    got = expect(x.post("/experts/me/conflicts", {"uscc": target.lower()}), 201)
    assert got["uscc"] == target and isinstance(got["id"], int)
    assert_error(x.post("/experts/me/conflicts", {"uscc": target}), 409, "duplicate")
    for bad in ({}, {"uscc": ""}, {"uscc": st.bad_check_uscc()}, {"uscc": 5}):
        assert_error(x.post("/experts/me/conflicts", bad), 400, "bad_request", ["uscc"])
    mine = expect(x.get("/experts/me/conflicts"), 200)
    assert [c["uscc"] for c in mine["items"]] == [target] and mine["total"] == 1
    listed = [e for e in expect(commission.get("/experts?limit=500"), 200)["items"] if e["id"] == x.account_id]
    assert listed[0]["conflicts"] == [target]
    refusals(anon, x, wrong_roles, "post", "/experts/me/conflicts", {"uscc": st.make_uscc()},
             [("commission", commission)])
    refusals(anon, x, wrong_roles, "get", "/experts/me/conflicts", None, [("commission", commission)])
    # the imp gate comes before the role's work
    unconnected = platform.new_expert(connect=False)
    assert_error(unconnected.post("/experts/me/conflicts", {"uscc": target}), 403, "imp_not_connected")
    assert_error(unconnected.get("/experts/me/conflicts"), 403, "imp_not_connected")


# ---------------------------------------------------------------- assignments

def assignments(commission, app_id):
    return expect(commission.get(f"/applications/{app_id}/assignments"), 200)


def test_assignment_moves_to_expert_review(platform, batch, commission):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    aid = app["id"]
    xs = [platform.new_expert() for _ in range(4)]
    got = expect(platform.assign(aid, xs[:3]), 201)
    assert got["status"] == "expert_review" and got["total"] == 3
    assert {a["expert_id"] for a in got["items"]} == {x.account_id for x in xs[:3]}
    assert expect(commission.get(f"/applications/{aid}"), 200)["status"] == "expert_review"
    # a fourth joins later; one already assigned is a duplicate (and nothing else is added)
    assert expect(platform.assign(aid, xs[3:]), 201)["total"] == 4
    assert_error(platform.assign(aid, [platform.new_expert(), xs[0]]), 409, "duplicate")
    assert assignments(commission, aid)["total"] == 4
    # the assigned experts see the application, others do not
    assert expect(xs[0].get(f"/applications/{aid}"), 200)["id"] == aid
    assert aid in {x["id"] for x in expect(xs[0].get("/applications?limit=500"), 200)["items"]}
    outsider = platform.new_expert()
    assert_error(outsider.get(f"/applications/{aid}"), 404, "not_found")
    assert aid not in {x["id"] for x in expect(outsider.get("/applications?limit=500"), 200)["items"]}
    # the application's files go with it to the assigned experts
    att = expect(xs[0].get(f"/applications/{aid}"), 200)["attachment_ids"][0]
    assert xs[0].raw("GET", f"/api/v1/attachments/{att}").status == 200
    assert_error(outsider.get(f"/attachments/{att}"), 404, "not_found")
    tl = [t for t in expect(ent.c.get(f"/applications/{aid}"), 200)["timeline"] if t["action"] == "assign"]
    assert tl[0]["from_state"] == "district_approved" and tl[0]["to_state"] == "expert_review"


def test_conflict_by_employer_refuses_all(platform, batch, commission):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    aid = app["id"]
    ok = [platform.new_expert(), platform.new_expert()]
    colleague = platform.new_expert(employer_uscc=ent.uscc)
    err = assert_error(platform.assign(aid, ok + [colleague]), 409, "conflict_of_interest", ["expert_ids"])
    assert str(colleague.account_id) in err["message"]
    assert str(colleague.account_id) in json.dumps(err["fields"], ensure_ascii=False)
    # nothing was assigned, nothing moved
    assert assignments(commission, aid)["total"] == 0
    assert expect(commission.get(f"/applications/{aid}"), 200)["status"] == "district_approved"
    assert_error(ok[0].get(f"/applications/{aid}"), 404, "not_found")
    assert expect(platform.assign(aid, ok + [platform.new_expert()]), 201)["total"] == 3


def test_first_assignment_names_at_least_three(platform, batch, commission):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    aid = app["id"]
    xs = [platform.new_expert() for _ in range(4)]
    err = assert_error(platform.assign(aid, xs[:2]), 400, "bad_request", ["expert_ids"])
    assert "3" in err["fields"]["expert_ids"]
    assert assignments(commission, aid)["total"] == 0
    assert expect(platform.assign(aid, xs[:3]), 201)["total"] == 3  # exactly three: allowed
    assert expect(platform.assign(aid, xs[3:]), 201)["total"] == 4  # then one more may join


def test_conflict_by_declaration_refuses_all(platform, batch, commission):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    aid = app["id"]
    ok = [platform.new_expert(), platform.new_expert()]
    declared = platform.new_expert()
    expect(declared.post("/experts/me/conflicts", {"uscc": ent.uscc}), 201)
    err = assert_error(platform.assign(aid, ok + [declared]), 409, "conflict_of_interest")
    assert str(declared.account_id) in err["message"]
    assert assignments(commission, aid)["total"] == 0


def test_conflict_declared_after_assignment_blocks_the_review(platform, batch):
    ent = platform.new_enterprise("500112")
    x = platform.new_expert()
    app, _ = platform.application_in_review(ent, batch["id"], experts=[x] + platform.experts(2))
    expect(x.post("/experts/me/conflicts", {"uscc": ent.uscc}), 201)
    assert_error(platform.review(x, app["id"]), 409, "conflict_of_interest")


def test_assignment_input_and_state(platform, batch, commission, district_yb):
    ent = platform.new_enterprise("500112")
    submitted, _ = platform.submitted_application(ent, batch["id"])
    x = platform.experts(1)
    assert_error(platform.assign(submitted["id"], x), 409, "wrong_state")
    app, _ = platform.approved_application(platform.new_enterprise("500112"), batch["id"])
    aid = app["id"]
    for bad in ({}, {"expert_ids": []}, {"expert_ids": "1"}, {"expert_ids": [0]}, {"expert_ids": ["1"]},
                {"expert_ids": [x[0].account_id, x[0].account_id]}, {"expert_ids": list(range(1, 60))}):
        assert_error(commission.post(f"/applications/{aid}/assignments", bad), 400, "bad_request", ["expert_ids"])
    # ids that are no (active) expert: 404, nothing assigned
    district_id = district_yb.account["id"]
    for bad in ([99999999], [x[0].account_id, district_id]):
        assert_error(commission.post(f"/applications/{aid}/assignments", {"expert_ids": bad}), 404, "not_found")
    assert assignments(commission, aid)["total"] == 0


def test_assignment_refusals(platform, batch, commission, anon, wrong_roles, district_wz):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    path = f"/applications/{app['id']}/assignments"
    body = {"expert_ids": [platform.experts(1)[0].account_id]}
    refusals(anon, commission, wrong_roles, "post", path, body, [("expert", platform.experts(1)[0]),
                                                                  ("owner", ent.c), ("other district", district_wz)])
    refusals(anon, commission, wrong_roles, "get", path, None, [("expert", platform.experts(1)[0])])
    assert_error(commission.post("/applications/99999999/assignments", body), 404, "not_found")
    assert assignments(commission, app["id"])["total"] == 0


# ---------------------------------------------------------------- expert reviews

@pytest.fixture
def in_review(platform, batch):
    ent = platform.new_enterprise("500112")
    xs = [platform.new_expert() for _ in range(3)]
    app, _ = platform.application_in_review(ent, batch["id"], experts=xs)
    return ent, app, xs


def test_score_is_the_sum_and_maxima_are_accepted(platform, in_review):
    _, app, xs = in_review
    got = expect(platform.review(xs[0], app["id"], criteria=SCORE_MAXIMA), 201)
    assert got["score"] == 100 and got["criteria"] == SCORE_MAXIMA and got["recommend"] == "pass"
    assert got["application_id"] == app["id"] and got["opinion"]
    zero = {k: 0 for k in SCORE_MAXIMA}
    assert expect(platform.review(xs[1], app["id"], criteria=zero, recommend="fail"), 201)["score"] == 0
    assert_error(platform.review(xs[0], app["id"]), 409, "duplicate")


def desk_row(expert, app_id):
    """The expert desk's table row of application app_id (HTML), or None."""
    html = st.html_page(expert, "/expert")
    for tr in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S):
        if f'href="/applications/{app_id}"' in tr:
            return tr
    return None


def test_desk_marks_each_experts_own_review(platform, in_review):
    """The desk says 待评审 until this expert's own review is in, whatever the others did."""
    _, app, xs = in_review
    assert "待评审" in desk_row(xs[0], app["id"]) and "待评审" in desk_row(xs[1], app["id"])
    expect(platform.review(xs[1], app["id"], criteria=SCORES_PASS), 201)
    assert "待评审" in desk_row(xs[0], app["id"]), "another expert's review marked this one's task"
    row = desk_row(xs[1], app["id"])
    assert "已提交" in row and "待评审" not in row, row
    outsider = platform.new_expert()
    assert desk_row(outsider, app["id"]) is None


@pytest.mark.parametrize("criterion", sorted(SCORE_MAXIMA))
def test_each_criterion_max_plus_one_is_refused(platform, in_review, criterion):
    _, app, xs = in_review
    crit = dict(SCORE_MAXIMA)
    crit[criterion] += 1
    assert_error(platform.review(xs[0], app["id"], criteria=crit), 400, "bad_request", [criterion])
    crit[criterion] = -1
    assert_error(platform.review(xs[0], app["id"], criteria=crit), 400, "bad_request", [criterion])
    # nothing was saved: the expert can still review
    expect(platform.review(xs[0], app["id"]), 201)


@pytest.mark.parametrize("body,field", [
    ({"recommend": "pass", "opinion": "好"}, "criteria"),
    ({"criteria": {k: v for k, v in SCORES_PASS.items() if k != "benefit"}, "recommend": "pass", "opinion": "好"},
     "benefit"),
    ({"criteria": dict(SCORES_PASS, foundation=25.5), "recommend": "pass", "opinion": "好"}, "foundation"),
    ({"criteria": dict(SCORES_PASS, technology="25"), "recommend": "pass", "opinion": "好"}, "technology"),
    ({"criteria": dict(SCORES_PASS, beauty=5), "recommend": "pass", "opinion": "好"}, "beauty"),
    ({"criteria": SCORES_PASS, "recommend": "yes", "opinion": "好"}, "recommend"),
    ({"criteria": SCORES_PASS, "opinion": "好"}, "recommend"),
    ({"criteria": SCORES_PASS, "recommend": "pass"}, "opinion"),
    ({"criteria": SCORES_PASS, "recommend": "pass", "opinion": "   "}, "opinion"),
])
def test_review_body_validation(in_review, body, field):
    _, app, xs = in_review
    assert_error(xs[0].post(f"/applications/{app['id']}/expert-reviews", body), 400, "bad_request", [field])


def test_review_refusals(platform, in_review, anon, commission, wrong_roles, district_yb):
    ent, app, xs = in_review
    path = f"/applications/{app['id']}/expert-reviews"
    body = {"criteria": SCORES_PASS, "recommend": "pass", "opinion": "好"}
    refusals(anon, xs[0], wrong_roles, "post", path, body, [("commission", commission), ("owner", ent.c),
                                                             ("its district", district_yb)])
    # an expert not assigned: 404, before its body's faults
    outsider = platform.new_expert()
    assert_error(outsider.post(path, body), 404, "not_found")
    assert_error(outsider.post(path, {"criteria": 1}), 404, "not_found")
    assert_error(xs[0].post("/applications/99999999/expert-reviews", body), 404, "not_found")


def test_batch_score_form_is_data(platform, batch2020, commission):
    rules = json.loads(json.dumps(batch2020["rules"]))
    rules["score_form"] = [{"id": "foundation", "name": "信息基础", "max": 40},
                           {"id": "technology", "name": "技术先进性", "max": 20},
                           {"id": "demonstration", "name": "示范性", "max": 20},
                           {"id": "benefit", "name": "效益", "max": 20}]
    b = platform.new_batch(batch2020["id"], rules=rules)
    assert [c["max"] for c in b["rules"]["score_form"]] == [40, 20, 20, 20]
    ent = platform.new_enterprise("500112")
    xs = [platform.new_expert() for _ in range(3)]
    app, _ = platform.application_in_review(ent, b["id"], experts=xs)
    crit = {"foundation": 41, "technology": 20, "demonstration": 20, "benefit": 20}
    assert_error(platform.review(xs[0], app["id"], criteria=crit), 400, "bad_request", ["foundation"])
    crit["foundation"] = 40
    assert expect(platform.review(xs[0], app["id"], criteria=crit), 201)["score"] == 100
    crit["technology"] = 21
    assert_error(platform.review(xs[1], app["id"], criteria=crit), 400, "bad_request", ["technology"])


# ---------------------------------------------------------------- reading the reviews

def test_blind_until_ones_own_review(platform, in_review, commission, anon, wrong_roles):
    ent, app, xs = in_review
    path = f"/applications/{app['id']}/expert-reviews"
    body = expect(commission.get(path), 200)
    assert body["items"] == [] and body["total"] == 0
    assert body["aggregate"] == {"mean": None, "min": None, "max": None, "pass_votes": 0, "fail_votes": 0}
    expect(platform.review(xs[0], app["id"], criteria=SCORES_PASS), 201)  # 80
    assert_error(xs[1].get(path), 403, "forbidden")
    expect(platform.review(xs[1], app["id"], criteria=SCORE_MAXIMA), 201)  # 100
    seen = expect(xs[1].get(path), 200)
    assert seen["total"] == 2
    own = [r for r in seen["items"] if r["mine"]]
    others = [r for r in seen["items"] if not r["mine"]]
    assert len(own) == 1 and own[0]["score"] == 100
    assert others[0]["score"] == 80 and "expert_id" not in others[0] and "expert_name" not in others[0]
    assert_error(xs[2].get(path), 403, "forbidden")
    low = {"foundation": 20, "technology": 20, "demonstration": 16, "benefit": 15}  # 71
    expect(platform.review(xs[2], app["id"], criteria=low, recommend="fail"), 201)
    full = expect(commission.get(path), 200)
    assert full["total"] == 3
    assert {r["expert_id"] for r in full["items"]} == {x.account_id for x in xs}
    # (80 + 100 + 71) / 3 = 83.666… → "83.6667" (a decimal string, half up, 4 places)
    assert full["aggregate"] == {"mean": "83.6667", "min": 71, "max": 100, "pass_votes": 2, "fail_votes": 1}
    refusals(anon, commission, wrong_roles, "get", path, None, [("owner", ent.c)])
    assert_error(platform.new_expert().get(path), 404, "not_found")


def test_experts_never_see_the_self_assessment(platform, in_review):
    _, app, xs = in_review
    got = expect(xs[0].get(f"/applications/{app['id']}"), 200)
    text = json.dumps(got, ensure_ascii=False)
    assert "assessment" not in got and "level" not in got and "score" not in got
    assert "测评得分" not in text


# ---------------------------------------------------------------- the commission's decision

def decide(client, app_id, body):
    return client.post(f"/applications/{app_id}/decision", body)


def test_decision_needs_three_reviews(platform, in_review, commission):
    ent, app, xs = in_review
    aid = app["id"]
    body = {"decision": "pass", "reason": "专家组一致建议通过"}
    assert_error(decide(commission, aid, body), 409, "conflict")
    for x in xs[:2]:
        expect(platform.review(x, aid), 201)
    assert_error(decide(commission, aid, body), 409, "conflict")
    for bad, field in (({"decision": "pass"}, "reason"), ({"decision": "pass", "reason": " "}, "reason"),
                       ({"decision": "ok", "reason": "x"}, "decision"), ({}, "decision")):
        assert_error(decide(commission, aid, bad), 400, "bad_request", [field])
    expect(platform.review(xs[2], aid), 201)
    got = expect(decide(commission, aid, body), 200)
    assert got["status"] == "expert_passed"
    assert_error(decide(commission, aid, body), 409, "wrong_state")
    # no more reviews once decided
    late = platform.new_expert()
    assert_error(platform.assign(aid, [late]), 409, "wrong_state")


def test_decision_fail(platform, batch, commission):
    ent = platform.new_enterprise("500112")
    got = platform.decided_application(ent, batch["id"], decision="fail")
    assert got["status"] == "expert_failed"


def test_decision_refusals(platform, in_review, commission, anon, wrong_roles):
    ent, app, xs = in_review
    path = f"/applications/{app['id']}/decision"
    refusals(anon, commission, wrong_roles, "post", path, {"decision": "pass", "reason": "x"},
             [("expert", xs[0]), ("owner", ent.c)])
    assert_error(commission.post("/applications/99999999/decision", {"decision": "pass", "reason": "x"}),
                 404, "not_found")


def test_enterprise_sees_reasons_not_experts(platform, batch, commission, district_yb):
    ent = platform.new_enterprise("500112")
    xs = [platform.new_expert() for _ in range(3)]
    app, _ = platform.application_in_review(ent, batch["id"], experts=xs)
    aid = app["id"]
    opinions = ["数据采集完整，建议通过", "示范性较强", "效益测算依据不足"]
    for x, op in zip(xs, opinions):
        expect(platform.review(x, aid, opinion=op), 201)
    # while the review runs the enterprise learns nothing of the opinions
    during = json.dumps(expect(ent.c.get(f"/applications/{aid}"), 200), ensure_ascii=False)
    assert not any(op in during for op in opinions)
    expect(decide(commission, aid, {"decision": "pass", "reason": "专家组评审通过"}), 200)
    mine = expect(ent.c.get(f"/applications/{aid}"), 200)
    text = json.dumps(mine, ensure_ascii=False)
    reasons = [t.get("reason") for t in mine["timeline"]]
    assert "专家组评审通过" in reasons and "材料真实，同意推荐" in reasons
    assert all(op in reasons for op in opinions), mine["timeline"]
    for x in xs:
        assert x.username not in text
    assert all(t["actor"] == "评审专家" for t in mine["timeline"] if t["action"] == "expert_review")
    assert '"score"' not in text
    assert_error(ent.c.get(f"/applications/{aid}/expert-reviews"), 403, "forbidden")
    # the commission's view names the experts
    full = json.dumps(expect(commission.get(f"/applications/{aid}"), 200), ensure_ascii=False)
    assert all(x.username in full for x in xs)


# ---------------------------------------------------------------- direct route (二(四))

def test_direct_certification(platform, batch, commission, district_yb):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    aid = app["id"]
    evidence = platform.upload_pdf(commission)["id"]
    path = f"/applications/{aid}/direct-certification"
    for bad, field in (({"programme": "provincial", "evidence_attachment_id": evidence}, "programme"),
                       ({"programme": "national_special"}, "evidence_attachment_id"),
                       ({"programme": "national_special", "evidence_attachment_id": 99999999},
                        "evidence_attachment_id"),
                       ({"programme": "national_special",
                         "evidence_attachment_id": platform.upload_pdf(platform.new_enterprise())["id"]},
                        "evidence_attachment_id")):
        assert_error(commission.post(path, bad), 400, "bad_request", [field])
    got = expect(commission.post(path, {"programme": "national_special", "evidence_attachment_id": evidence}), 200)
    assert got["status"] == "expert_passed"
    e = [t for t in expect(ent.c.get(f"/applications/{aid}"), 200)["timeline"] if t["action"] == "direct"][0]
    assert e["from_state"] == "district_approved" and e["to_state"] == "expert_passed" and "国家" in e["reason"]
    assert_error(commission.post(path, {"programme": "national_pilot", "evidence_attachment_id": evidence}),
                 409, "wrong_state")
    # the evidence goes with the application to those who review it
    assert district_yb.raw("GET", f"/api/v1/attachments/{evidence}").status == 200


def test_direct_certification_only_from_district_approved(platform, batch, commission):
    ent = platform.new_enterprise("500112")
    own = platform.upload_pdf(ent)["id"]  # the applicant's own file is evidence too
    submitted, _ = platform.submitted_application(ent, batch["id"])
    body = {"programme": "national_pilot", "evidence_attachment_id": own}
    assert_error(commission.post(f"/applications/{submitted['id']}/direct-certification", body), 409, "wrong_state")
    ent2 = platform.new_enterprise("500112")
    app, _ = platform.application_in_review(ent2, batch["id"])
    body["evidence_attachment_id"] = platform.upload_pdf(ent2)["id"]
    assert_error(commission.post(f"/applications/{app['id']}/direct-certification", body), 409, "wrong_state")
    ent3 = platform.new_enterprise("500112")
    app3, _ = platform.approved_application(ent3, batch["id"])
    body["evidence_attachment_id"] = platform.upload_pdf(ent3)["id"]
    assert expect(commission.post(f"/applications/{app3['id']}/direct-certification", body), 200)["status"] == \
        "expert_passed"


def test_direct_certification_refusals(platform, batch, commission, anon, wrong_roles):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    path = f"/applications/{app['id']}/direct-certification"
    body = {"programme": "national_special", "evidence_attachment_id": platform.upload_pdf(commission)["id"]}
    refusals(anon, commission, wrong_roles, "post", path, body,
             [("expert", platform.experts(1)[0]), ("owner", ent.c)])
    assert expect(commission.get(f"/applications/{app['id']}"), 200)["status"] == "district_approved"


def test_audit_chain_verifies(commission):
    body = expect(commission.get("/audit/verify"), 200)
    assert body["ok"] is True, body
