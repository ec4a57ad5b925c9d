"""GET /inbox: what waits for each role, counted where the work is. Counts
are compared before and after each step, since other tests share the database."""
from smiptest import assert_error, expect


def counts(client):
    body = expect(client.get("/inbox"), 200, "inbox")
    assert body["total"] == sum(i["count"] for i in body["items"]), body
    for i in body["items"]:
        assert i["label"] and i["href"].startswith("/"), i
    return {i["key"]: i["count"] for i in body["items"]}


def test_inbox_follows_an_application_through_the_review(platform, batch, commission):
    ent = platform.new_enterprise("500113")
    district = platform.district_for("500113")
    experts = [platform.new_expert() for _ in range(3)]
    d0, c0 = counts(district), counts(commission)
    assert set(d0) == {"to_review", "adjustments", "changes"}
    assert {"to_assign", "to_decide", "to_publish", "objections", "to_certify"} <= set(c0)

    app, _ = platform.submitted_application(ent, batch["id"])
    assert counts(district)["to_review"] == d0["to_review"] + 1
    expect(platform.district_review(district, app["id"]), 200, "approve")
    assert counts(district)["to_review"] == d0["to_review"]
    assert counts(commission)["to_assign"] == c0["to_assign"] + 1

    expect(platform.assign(app["id"], experts), 201, "assign")
    assert counts(commission)["to_assign"] == c0["to_assign"]
    assert all(counts(x) == {"to_score": 1} for x in experts)
    for n, x in enumerate(experts, 1):
        assert counts(commission)["to_decide"] == c0["to_decide"]  # fewer than three reviews
        expect(platform.review(x, app["id"]), 201, "review")
        assert counts(x) == {"to_score": 0}
    assert counts(commission)["to_decide"] == c0["to_decide"] + 1
    expect(commission.post(f"/applications/{app['id']}/decision", {"decision": "pass", "reason": "通过"}), 200, "decide")
    after = counts(commission)
    assert after["to_decide"] == c0["to_decide"] and after["to_publish"] == c0["to_publish"] + 1


def test_inbox_enterprise_returned_and_roles(platform, batch, admin, anon):
    ent = platform.new_enterprise("500114")
    assert counts(ent.c) == {"returned": 0}
    app, _ = platform.submitted_application(ent, batch["id"])
    expect(platform.district_review(platform.district_for("500114"), app["id"], decision="return",
                                    opinion="请补充设备清单"), 200, "return")
    assert counts(ent.c) == {"returned": 1}
    assert "accounts" in counts(admin)
    assert_error(anon.get("/inbox"), 401, "unauthenticated")
