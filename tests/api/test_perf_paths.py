"""What the speed work must not change: a batch's rules are cached per server, yet a
changed rule applies at once; the lists answer per role from their indexes with the names an
application was submitted with (and the live ones while it is a draft), the counts right on
every page; a run of saves is one timeline entry with its count."""
import copy

import smiptest as st
from smiptest import assert_error, expect


def rule_by_id(findings, rule):
    hits = [f for f in findings if f["rule"] == rule]
    assert hits, f"no {rule} finding in {findings}"
    return hits[0]


def test_changed_batch_rule_applies_at_once(platform, commission, batch2020):
    b = platform.new_batch(batch2020["id"])
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, b["id"])
    check = lambda: expect(ent.c.post(f"/applications/{app['id']}/check"), 200)["findings"]
    assert rule_by_id(check(), "T-equipment-share")["ok"], "the passing form meets the 2020 rule"
    # The commission raises the equipment rate above what the form has: the very next pre-check
    # (same server, its cache warm) applies the new rule, and the batch shows it.
    rules = copy.deepcopy(expect(commission.get(f"/batches/{b['id']}"), 200)["rules"])
    raised = [c for c in rules["checks"] if c["id"] == "T-equipment-share"]
    assert raised, rules["checks"]
    old_min = raised[0]["min"]
    for c in raised:
        c["min"] = "0.99"
    expect(commission.put(f"/batches/{b['id']}", {"rules": rules}), 200)
    assert not rule_by_id(check(), "T-equipment-share")["ok"]
    got = expect(commission.get(f"/batches/{b['id']}"), 200)["rules"]
    assert {c["min"] for c in got["checks"] if c["id"] == "T-equipment-share"} == {"0.99"}
    # A save is validated against the batch as it is now, too; then back to the old rule.
    expect(ent.c.put(f"/applications/{app['id']}", {"equipment_total": 101}), 200)
    for c in raised:
        c["min"] = old_min
    expect(commission.put(f"/batches/{b['id']}", {"rules": rules}), 200)
    assert rule_by_id(check(), "T-equipment-share")["ok"]
    # Other batches keep their own rules.
    other = platform.new_batch(batch2020["id"])
    assert expect(commission.get(f"/batches/{other['id']}"), 200)["rules"] == batch2020["rules"]


def test_list_items_names_as_submitted(platform, district_yb, commission, batch):
    ent = platform.new_enterprise("500112")
    sub, project = platform.submitted_application(ent, batch["id"])
    draft, dproject = platform.new_application(ent, batch["id"], form=False)
    mine = {x["id"]: x for x in expect(ent.c.get("/applications?limit=500"), 200)["items"]}
    assert set(mine) == {sub["id"], draft["id"]}
    for app, proj in ((sub, project), (draft, dproject)):
        x = mine[app["id"]]
        assert x["project_name"] == proj["name"] and x["site_name"] == proj["site_name"], x
        assert x["uscc"] == ent.uscc and x["enterprise_name"], x
        assert {"district_deadline", "overdue", "submitted_at", "updated_at"} <= set(x), x
    # Renaming the projects: the submitted application keeps the name it was submitted with, the
    # draft follows the project — in every role's list.
    expect(ent.c.put(f"/projects/{project['id']}", {"name": "提交后改名", "site_name": "改名车间"}), 200)
    expect(ent.c.put(f"/projects/{dproject['id']}", {"name": "草稿改名"}), 200)
    for who in (ent.c, district_yb, commission):
        items = {x["id"]: x for x in expect(who.get("/applications?limit=500"), 200)["items"]}
        assert items[sub["id"]]["project_name"] == project["name"], who
        assert items[sub["id"]]["site_name"] == project["site_name"], who
        if who is not district_yb:
            assert items[draft["id"]]["project_name"] == "草稿改名", who
        else:
            assert draft["id"] not in items, "districts never see drafts"
    # Withdrawn, the application is a draft again and shows the project as it is now.
    expect(ent.c.post(f"/applications/{sub['id']}/withdraw"), 200)
    items = {x["id"]: x for x in expect(ent.c.get("/applications?limit=500"), 200)["items"]}
    assert items[sub["id"]]["project_name"] == "提交后改名"
    assert items[sub["id"]]["site_name"] == "改名车间"
    assert sub["id"] not in {x["id"] for x in expect(district_yb.get("/applications?limit=500"), 200)["items"]}
    assert_error(district_yb.get(f"/applications/{sub['id']}"), 404, "not_found")


def test_list_scopes_and_counts(platform, district_yb, district_wz, commission, batch):
    """Each role's list, page by page: the same rows and total whatever the page size."""
    a = platform.new_enterprise("500112")
    app_a, _ = platform.submitted_application(a, batch["id"])
    c = platform.new_enterprise("500101")
    app_c, _ = platform.submitted_application(c, batch["id"])
    platform.new_application(a, batch["id"], form=False)
    for who, must, never in ((district_yb, app_a, app_c), (district_wz, app_c, app_a),
                             (a.c, app_a, app_c), (commission, app_a, None)):
        whole = expect(who.get("/applications?limit=500"), 200)
        ids = [x["id"] for x in whole["items"]]
        assert must["id"] in ids and (never is None or never["id"] not in ids)
        assert whole["total"] >= len(ids)
        if whole["total"] > 500:
            continue  # the commission's list in a long session: paging checked on the others
        assert whole["total"] == len(ids)
        paged = []
        for off in range(0, len(ids), 2):
            page = expect(who.get(f"/applications?limit=2&offset={off}"), 200)
            assert page["total"] == whole["total"], (who, off)
            paged += [x["id"] for x in page["items"]]
        assert paged == ids, "pages follow the list's order (newest first)"
    assert_error(district_yb.get(f"/applications/{app_c['id']}"), 404, "not_found")
    assert_error(district_wz.get(f"/applications/{app_a['id']}"), 404, "not_found")
    only = expect(district_yb.get("/applications?status=draft&limit=500"), 200)
    assert only == {"items": [], "total": 0}


def test_saves_collapse_on_the_timeline(platform, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch["id"])  # create, then one save (the form)
    for n in (101, 102, 103):
        got = expect(ent.c.put(f"/applications/{app['id']}", {"equipment_total": n}), 200)
    saves = [t for t in got["timeline"] if t["action"] == "update"]
    assert len(saves) == 1 and saves[0]["count"] == 4, got["timeline"]
    assert saves[0]["first_at"] <= saves[0]["at"]
    expect(ent.c.post(f"/applications/{app['id']}/check"), 200)
    platform.ensure_assessment(ent)
    expect(ent.c.post(f"/applications/{app['id']}/submit"), 200)
    expect(ent.c.post(f"/applications/{app['id']}/withdraw"), 200)
    got = expect(ent.c.put(f"/applications/{app['id']}", {"equipment_total": 104}), 200)
    actions = [t["action"] for t in got["timeline"]]
    assert actions == ["create", "update", "submit", "withdraw", "update"], actions
    assert "count" not in got["timeline"][-1], "a single save has no count"
    # A GET sent back unchanged is still accepted (its read-only keys compared), a change is not.
    same = expect(ent.c.get(f"/applications/{app['id']}"), 200)
    expect(ent.c.put(f"/applications/{app['id']}", same), 200)
    assert_error(ent.c.put(f"/applications/{app['id']}", {**same, "status": "submitted"}), 400,
                 "bad_request", ["status"])
