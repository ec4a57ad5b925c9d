"""An enterprise's district or credit code (USCC) changes only by a request the districts concerned
or the admin approve (POST /enterprise/changes, /enterprise-changes/{id}/review): the old and the
new district both approve a district change (either order), the current district a USCC-only
change, the admin alone is final, any rejection ends it. Until the last approval nothing moves;
then the profile and the drafts' copies move, submitted applications keep theirs, and the pages
that keep what they rendered (dashboard, the district queue with its inbox) show it at once.
Other tests share the database: counts are compared before and after."""
import re
import urllib.parse

from smiptest import assert_error, bad_check_uscc, expect, make_uscc

YB, WZ = "500112", "500101"  # 渝北区, 万州区 (the district_yb / district_wz fixtures)


def ask(ent, **body):
    return ent.c.post("/enterprise/changes", body)


def review(client, cid, decision="approve", opinion=None):
    body = {"decision": decision}
    if opinion is not None:
        body["opinion"] = opinion
    return client.post(f"/enterprise-changes/{cid}/review", body)


def inbox(client):
    body = expect(client.get("/inbox"), 200, "inbox")
    return {i["key"]: i["count"] for i in body["items"]}


def html(client, path):
    r = client.raw("GET", path, headers={"Accept": "text/html"})
    assert r.status == 200, r
    return r.raw.decode("utf-8")


def text_of(page):
    """What a person reads: <main> without tags and attributes."""
    main = page.split('<main id="main">', 1)[-1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def page_inbox(page, key):
    m = re.search(r'data-key="%s"><a [^>]*>[^<]*</a>：<strong class="inbox-count">(\d+)</strong>'
                  % key, page)
    assert m, f"no inbox line {key} on the page"
    return int(m.group(1))


def form_post(client, path, fields):
    body = urllib.parse.urlencode({**fields, "csrf_token": client.csrf}).encode()
    return client.raw("POST", path, body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})


def profile(ent):
    return expect(ent.c.get("/enterprise"), 200, "profile")


def app_of(ent, app_id):
    """The application as the enterprise's list gives it (with the copied uscc, district_code)."""
    items = expect(ent.c.get("/applications?limit=500"), 200, "applications")["items"]
    return next(a for a in items if a["id"] == app_id)


# ---------------------------------------------------------------- create

def test_create_is_validated(platform):
    ent = platform.new_enterprise(YB)
    err = assert_error(ask(ent, district_code=YB, reason="搬迁"), 400, "bad_request",
                       ["district_code"])
    assert "与当前相同" in err["fields"]["district_code"], err
    err = assert_error(ask(ent, uscc=ent.uscc.lower(), reason="更正"), 400, "bad_request", ["uscc"])
    assert "与当前相同" in err["fields"]["uscc"], err
    err = assert_error(ask(ent, district_code=WZ, reason="搬迁", note="x"), 400, "bad_request",
                       ["note"])
    assert "未知字段" in err["fields"]["note"], err
    assert_error(ask(ent, district_code="510100", reason="搬迁"), 400, "bad_request",
                 ["district_code"])
    assert_error(ask(ent, district_code=500101, reason="搬迁"), 400, "bad_request",
                 ["district_code"])
    assert_error(ask(ent, uscc=bad_check_uscc(), reason="更正"), 400, "bad_request", ["uscc"])
    assert_error(ask(ent, district_code=WZ), 400, "bad_request", ["reason"])
    assert_error(ask(ent, district_code=WZ, reason="　 "), 400, "bad_request", ["reason"])
    assert_error(ask(ent, district_code=WZ, reason="长" * 501), 400, "bad_request", ["reason"])
    assert_error(ask(ent, reason="什么也不变"), 400, "bad_request", ["district_code", "uscc"])
    other = platform.new_enterprise(YB)
    assert_error(ask(ent, uscc=other.uscc, reason="更正"), 409, "duplicate")
    assert expect(ent.c.get("/enterprise/changes"), 200)["total"] == 0, "a refused request was kept"

    ch = expect(ask(ent, district_code=WZ, reason="生产基地整体搬迁至万州"), 201, "create")
    assert ch["status"] == "pending" and ch["from_district"] == YB and ch["to_district"] == WZ, ch
    assert ch["from_uscc"] == ent.uscc and ch["to_uscc"] is None, ch
    assert ch["from_district_name"] == "渝北区" and ch["to_district_name"] == "万州区", ch
    assert ch["created_at"].endswith("+08:00") and ch["from_approved_at"] is None, ch
    err = assert_error(ask(ent, uscc=make_uscc(YB), reason="另一件事"), 409, "duplicate")
    assert "待审核" in err["message"], err
    mine = expect(ent.c.get("/enterprise/changes"), 200)
    assert mine["total"] == 1 and mine["items"][0]["id"] == ch["id"], mine
    assert profile(ent)["district_code"] == YB, "the request moved the profile before approval"
    # the direct way stays closed
    assert_error(ent.c.put("/enterprise", {"district_code": WZ}), 400, "bad_request",
                 ["district_code"])
    assert_error(ent.c.get("/enterprise/changes?status=open"), 400, "bad_request", ["status"])
    assert_error(ent.c.get("/enterprise/changes?limit=0"), 400, "bad_request", ["limit"])


# ---------------------------------------------------------------- who sees what

def test_only_the_parties_see_a_request(platform, admin, commission, district_yb, district_wz,
                                        other_enterprise):
    ent = platform.new_enterprise(YB)
    ch = expect(ask(ent, district_code=WZ, reason="搬迁"), 201)
    cid = ch["id"]
    path = f"/enterprise-changes/{cid}"
    for who, side in ((district_yb, "from"), (district_wz, "to"), (admin, "admin")):
        got = expect(who.get(path), 200, f"{who.name} reads it")
        assert got["side"] == side and got["can_review"] is True, got
        listed = expect(who.get("/enterprise-changes?status=pending&limit=500"), 200)
        assert cid in [i["id"] for i in listed["items"]], f"{who.name} does not list it"
    assert expect(ent.c.get(path), 200)["can_review"] is False
    uninvolved = platform.district_for("500113")
    for who in (uninvolved, other_enterprise.c):
        assert_error(who.get(path), 404, "not_found")
    assert_error(review(uninvolved, cid), 404, "not_found")
    assert_error(other_enterprise.c.post(f"/enterprise/changes/{cid}/withdraw"), 404, "not_found")
    listed = expect(uninvolved.get("/enterprise-changes?limit=500"), 200)
    assert cid not in [i["id"] for i in listed["items"]], "an uninvolved district lists it"
    # roles: the commission has no part; the enterprise does not review; districts have no own list
    assert_error(commission.get(path), 403, "forbidden")
    assert_error(commission.get("/enterprise-changes"), 403, "forbidden")
    assert_error(review(ent.c, cid), 403, "forbidden")
    assert_error(ent.c.get("/enterprise-changes"), 403, "forbidden")
    assert_error(district_yb.get("/enterprise/changes"), 403, "forbidden")
    assert_error(district_yb.post("/enterprise/changes", {"district_code": WZ, "reason": "x"}),
                 403, "forbidden")
    assert_error(district_yb.get("/enterprise-changes?status=open"), 400, "bad_request",
                 ["status"])
    # a district account that never connected imp is stopped at the gate, before the object
    fresh = platform.new_staff("district", district=YB, connect=False)
    assert_error(fresh.get(path), 403, "imp_not_connected")
    assert_error(fresh.get("/enterprise-changes"), 403, "imp_not_connected")
    assert_error(review(district_yb, 999999999), 404, "not_found")


# ---------------------------------------------------------------- the two districts

def test_district_change_needs_old_and_new_district(platform, batch, commission, district_yb,
                                                    district_wz):
    ent = platform.new_enterprise(YB)
    eid = ent.enterprise["id"]
    submitted, _ = platform.submitted_application(ent, batch["id"])
    draft, _ = platform.new_application(ent, batch["id"])
    yb0, wz0 = inbox(district_yb), inbox(district_wz)
    yb_page0, wz_page0 = html(district_yb, "/district"), html(district_wz, "/district")
    dash0 = text_of(html(ent.c, "/dashboard"))
    assert "渝北区" in dash0, dash0
    # GET /applications/{id} is kept by version too: read once so a stale answer would be kept
    assert expect(ent.c.get(f"/applications/{draft['id']}"), 200)["district_code"] == YB

    ch = expect(ask(ent, district_code=WZ, reason="生产基地整体搬迁至万州"), 201)
    cid = ch["id"]
    assert inbox(district_yb)["changes"] == yb0["changes"] + 1
    assert inbox(district_wz)["changes"] == wz0["changes"] + 1
    # the queue pages are kept by version: their inbox count is part of it
    assert page_inbox(html(district_yb, "/district"), "changes") == \
        page_inbox(yb_page0, "changes") + 1
    assert page_inbox(html(district_wz, "/district"), "changes") == \
        page_inbox(wz_page0, "changes") + 1

    # the old district approves first: still pending, nothing moved
    got = expect(review(district_yb, cid, opinion="同意迁出"), 200, "old district approves")
    assert got["status"] == "pending" and got["from_approved_at"] and not got["to_approved_at"]
    assert got["can_review"] is False, got
    assert_error(review(district_yb, cid), 409, "wrong_state")
    assert_error(review(district_yb, cid, "reject", "改主意"), 409, "wrong_state")
    assert profile(ent)["district_code"] == YB
    assert app_of(ent, draft["id"])["district_code"] == YB
    assert inbox(district_yb)["changes"] == yb0["changes"], "the approved side still waits"
    assert inbox(district_wz)["changes"] == wz0["changes"] + 1
    assert page_inbox(html(district_yb, "/district"), "changes") == page_inbox(yb_page0, "changes")
    assert "渝北区" in text_of(html(ent.c, "/dashboard"))

    # the new district approves: the change takes effect
    got = expect(review(district_wz, cid), 200, "new district approves")
    assert got["status"] == "approved" and got["to_approved_at"] and got["decided_at"], got
    assert got["decided_by_role"] == "district" and got["decided_by_district"] == WZ, got
    assert profile(ent)["district_code"] == WZ
    assert app_of(ent, draft["id"])["district_code"] == WZ, "the draft stayed in the old district"
    assert expect(ent.c.get(f"/applications/{draft['id']}"), 200)["district_code"] == WZ, \
        "the kept application answer still names the old district"
    sub = app_of(ent, submitted["id"])
    assert sub["district_code"] == YB and sub["status"] == "submitted", "a submitted one moved"
    yb_apps = expect(district_yb.get("/applications?limit=500"), 200)["items"]
    assert submitted["id"] in [a["id"] for a in yb_apps], "the old district lost its submission"
    wz_apps = expect(district_wz.get("/applications?limit=500"), 200)["items"]
    assert submitted["id"] not in [a["id"] for a in wz_apps]
    assert expect(district_wz.get(f"/enterprise-changes/{cid}"), 200)["status"] == "approved"
    assert_error(review(district_wz, cid), 409, "wrong_state")
    assert inbox(district_wz)["changes"] == wz0["changes"]
    assert page_inbox(html(district_wz, "/district"), "changes") == page_inbox(wz_page0, "changes")
    dash = text_of(html(ent.c, "/dashboard"))
    assert "万州区" in dash and "渝北区" not in dash, dash
    prof = text_of(html(ent.c, "/profile"))
    assert "万州区" in prof and "原、新区县均已同意" in prof, prof

    # the story: one entry per step on the request, the enterprise's naming the request
    trail = expect(commission.get(f"/audit?entity=enterprise_change&id={cid}"), 200)["items"]
    assert [(a["action"], a["from_state"], a["to_state"]) for a in trail] == [
        ("create", None, "pending"), ("review", "pending", "pending"),
        ("review", "pending", "approved")], trail
    assert [a["detail"]["side"] for a in trail[1:]] == ["from", "to"], trail
    ent_trail = expect(commission.get(f"/audit?entity=enterprise&id={eid}&limit=500"), 200)["items"]
    last = ent_trail[-1]
    assert last["action"] == "update" and last["detail"]["change_id"] == cid, last
    assert last["detail"]["fields"] == ["district_code"], last
    assert expect(commission.get("/audit/verify"), 200)["ok"] is True


def test_new_district_may_approve_first(platform, district_yb, district_wz):
    ent = platform.new_enterprise(WZ)
    cid = expect(ask(ent, district_code=YB, reason="迁回渝北"), 201)["id"]
    assert expect(review(district_yb, cid), 200)["status"] == "pending"  # YB is the new one here
    assert profile(ent)["district_code"] == WZ
    assert expect(review(district_wz, cid), 200)["status"] == "approved"
    assert profile(ent)["district_code"] == YB


def test_uscc_change_is_final_with_the_current_district(platform, batch, district_yb,
                                                        district_wz):
    ent = platform.new_enterprise(YB)
    draft, _ = platform.new_application(ent, batch["id"])
    new = make_uscc(YB)
    cid = expect(ask(ent, uscc=new.lower(), reason="重组后换发营业执照"), 201)["id"]
    got = expect(district_yb.get(f"/enterprise-changes/{cid}"), 200)
    assert got["to_uscc"] == new and got["to_district"] is None, got
    assert_error(district_wz.get(f"/enterprise-changes/{cid}"), 404, "not_found")
    assert expect(review(district_yb, cid), 200)["status"] == "approved"
    p = profile(ent)
    assert p["uscc"] == new and p["district_code"] == YB, p
    assert app_of(ent, draft["id"])["uscc"] == new


def test_admin_alone_approves(platform, batch, admin, district_yb):
    ent = platform.new_enterprise(YB)
    draft, _ = platform.new_application(ent, batch["id"])
    a0 = inbox(admin)
    new = make_uscc(WZ)
    cid = expect(ask(ent, district_code=WZ, uscc=new, reason="迁址并换证"), 201)["id"]
    assert inbox(admin)["changes"] == a0["changes"] + 1
    got = expect(review(admin, cid, opinion="材料齐全"), 200, "admin approves")
    assert got["status"] == "approved" and got["decided_by_role"] == "admin", got
    assert got["from_approved_at"] is None and got["to_approved_at"] is None, got
    p = profile(ent)
    assert p["district_code"] == WZ and p["uscc"] == new, p
    d = app_of(ent, draft["id"])
    assert d["district_code"] == WZ and d["uscc"] == new, d
    assert inbox(admin)["changes"] == a0["changes"]
    assert_error(review(district_yb, cid), 409, "wrong_state")
    assert_error(review(admin, cid), 409, "wrong_state")


def test_any_party_rejects(platform, admin, commission, district_yb, district_wz):
    ent = platform.new_enterprise(YB)
    before = profile(ent)
    for reviewer in (district_wz, district_yb, admin):
        cid = expect(ask(ent, district_code=WZ, reason="搬迁"), 201)["id"]
        assert_error(review(reviewer, cid, "reject"), 400, "bad_request", ["opinion"])
        assert_error(review(reviewer, cid, "maybe"), 400, "bad_request", ["decision"])
        assert_error(reviewer.post(f"/enterprise-changes/{cid}/review",
                                   {"decision": "approve", "why": 1}), 400, "bad_request", ["why"])
        got = expect(review(reviewer, cid, "reject", "未见搬迁证明"), 200)
        assert got["status"] == "rejected" and got["opinion"] == "未见搬迁证明", got
        assert profile(ent)["district_code"] == before["district_code"]
        for other in (district_yb, district_wz, admin):
            assert_error(review(other, cid), 409, "wrong_state")
        trail = expect(commission.get(f"/audit?entity=enterprise_change&id={cid}"), 200)["items"]
        assert trail[-1]["to_state"] == "rejected", trail
    assert profile(ent)["updated_at"] == before["updated_at"]


def test_withdraw(platform, district_yb, other_enterprise):
    ent = platform.new_enterprise(YB)
    cid = expect(ask(ent, district_code=WZ, reason="搬迁"), 201)["id"]
    assert_error(other_enterprise.c.post(f"/enterprise/changes/{cid}/withdraw"), 404, "not_found")
    got = expect(ent.c.post(f"/enterprise/changes/{cid}/withdraw"), 200, "withdraw")
    assert got["status"] == "withdrawn", got
    assert_error(ent.c.post(f"/enterprise/changes/{cid}/withdraw"), 409, "wrong_state")
    assert_error(review(district_yb, cid), 409, "wrong_state")
    assert profile(ent)["district_code"] == YB
    assert expect(ask(ent, district_code=WZ, reason="重新申请"), 201)["status"] == "pending"


def test_approval_rechecks_the_credit_code(platform, admin):
    """Two enterprises ask for the same new USCC: the second approval finds it taken."""
    a, b = platform.new_enterprise(YB), platform.new_enterprise(YB)
    new = make_uscc(YB)
    ca = expect(ask(a, uscc=new, reason="换证"), 201)["id"]
    cb = expect(ask(b, uscc=new, reason="换证"), 201)["id"]
    expect(review(admin, ca), 200)
    assert_error(review(admin, cb), 409, "duplicate")
    assert expect(b.c.get(f"/enterprise-changes/{cb}"), 200)["status"] == "pending"
    assert profile(b)["uscc"] == b.uscc
    assert_error(ask(platform.new_enterprise(YB), uscc=new, reason="换证"), 409, "duplicate")


# ---------------------------------------------------------------- pages

def test_pages_request_review_and_show_names(platform, district_yb, district_wz):
    ent = platform.new_enterprise(YB)
    page = html(ent.c, "/profile")
    assert 'name="district_code" required' not in page and 'id="district-value"' in page
    assert 'id="uscc"' not in page, "the USCC is still an input once set"
    # saving the rest of the profile still works without district or USCC inputs
    r = form_post(ent.c, "/profile", {"name": "重庆页面改名测试有限公司", "address": "重庆市渝北区新路2号",
                                      "legal_representative": "李四",
                                      "manufacturing_type": "process",
                                      "independent_legal_person": "false,true",
                                      "complete_machine": "false"})
    assert r.status == 303, r
    assert profile(ent)["name"] == "重庆页面改名测试有限公司"
    # a refused request comes back beside its fields
    r = form_post(ent.c, "/profile/changes", {"district_code": WZ, "uscc": "", "reason": ""})
    assert r.status == 400, r
    assert "请填写变更理由" in r.raw.decode("utf-8")
    r = form_post(ent.c, "/profile/changes", {"district_code": WZ, "uscc": "",
                                              "reason": "生产基地搬迁"})
    assert r.status == 303 and "done=change_requested" in r.headers["Location"], r
    prof = text_of(html(ent.c, "/profile"))
    assert "待原区县（渝北区）审核 · 待新区县（万州区）审核" in prof, prof
    assert "撤回变更申请" in prof
    cid = expect(ent.c.get("/enterprise/changes"), 200)["items"][0]["id"]

    desk = html(district_yb, "/enterprise-changes")
    words = text_of(desk)
    assert "渝北区 → 万州区" in words and "生产基地搬迁" in words, words
    assert not re.search(r"(?<![0-9A-Z])50\d{4}(?![0-9A-Z])|\d{4}-\d\d-\d\dT|\+08:00|pending", words), words
    # rejecting without an opinion is refused beside the field
    r = form_post(district_yb, f"/enterprise-changes/{cid}/review", {"decision": "reject"})
    assert r.status == 400 and "opinion-%d-error" % cid in r.raw.decode("utf-8"), r
    r = form_post(district_yb, f"/enterprise-changes/{cid}/review", {"decision": "approve"})
    assert r.status == 303 and "done=approved_side" in r.headers["Location"], r
    assert "渝北区（已同意）" not in text_of(html(ent.c, "/profile"))
    assert "原区县（渝北区）已同意 · 待新区县（万州区）审核" in text_of(html(ent.c, "/profile"))
    r = form_post(district_wz, f"/enterprise-changes/{cid}/review", {"decision": "approve"})
    assert r.status == 303 and "done=approved" in r.headers["Location"], r
    done = text_of(html(district_wz, "/enterprise-changes?done=approved"))
    assert "变更已生效" in done
    prof = text_of(html(ent.c, "/profile"))
    assert "万州区" in prof and "变更已生效" in prof, prof
    assert not re.search(r"(?<![0-9A-Z])50\d{4}(?![0-9A-Z])|\d{4}-\d\d-\d\dT|\+08:00|approved", prof), prof
    # the admin's page lists it too, without imp
    platform_admin = platform.admin
    assert "企业变更审核" in html(platform_admin, "/enterprise-changes")
