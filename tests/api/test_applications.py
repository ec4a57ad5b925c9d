"""Applications: create, merge-patch PUT, pre-check findings (E1–E9, T-…, K-…), the E6 boundary,
submit / withdraw, E3 and E4 through the API, lists and what each role may see.
Rule A1 (self-assessment) belongs to a later issue: nothing here asserts on it either way."""
import datetime as dt
import threading
from decimal import Decimal

import pytest

import smiptest as st
from smiptest import assert_error, expect, failing_errors, findings_by_rule, rule_error_ok, rule_ok

FINDING_KEYS = {"rule", "condition", "ok", "severity", "required", "actual", "message"}


def check(ent, app_id):
    """POST …/check, validating the answer's shape; returns the findings."""
    body = expect(ent.c.post(f"/applications/{app_id}/check"), 200, "check")
    assert isinstance(body["ok"], bool) and isinstance(body["findings"], list) and body["findings"]
    for f in body["findings"]:
        assert FINDING_KEYS <= set(f), f
        assert isinstance(f["rule"], str) and f["rule"]
        assert isinstance(f["condition"], str)
        assert isinstance(f["ok"], bool)
        assert f["severity"] in ("error", "warning"), f
        assert isinstance(f["required"], str) and isinstance(f["actual"], str), f
        assert isinstance(f["message"], str) and st.has_cjk(f["message"]), f
    # ok means: no error finding fails
    assert body["ok"] == (not [f for f in body["findings"] if f["severity"] == "error" and not f["ok"]]), body
    return body["findings"]


def put_ok(ent, app_id, patch):
    return expect(ent.c.put(f"/applications/{app_id}", patch), 200, f"PUT {patch}")


# ---------------------------------------------------------------- create, read, PUT

def test_create_application(platform, shared_enterprise, batch):
    ent = shared_enterprise
    project = platform.new_project(ent)
    app = expect(ent.c.post("/applications", {"batch_id": batch["id"], "project_id": project["id"],
                                              "type": "workshop"}), 201)
    assert isinstance(app["id"], int)
    assert app["status"] == "draft"
    assert app["batch_id"] == batch["id"] and app["project_id"] == project["id"] and app["type"] == "workshop"
    got = expect(ent.c.get(f"/applications/{app['id']}"), 200)
    assert got["id"] == app["id"] and got["status"] == "draft"
    assert isinstance(got["timeline"], list)


def test_create_validation(platform, shared_enterprise, other_enterprise, batch):
    ent = shared_enterprise
    project = platform.new_project(ent)
    theirs = platform.new_project(other_enterprise)
    body = {"batch_id": batch["id"], "project_id": project["id"], "type": "workshop"}
    assert_error(ent.c.post("/applications", {**body, "type": "plant"}), 400, "bad_request", ["type"])
    r = ent.c.post("/applications", {k: v for k, v in body.items() if k != "project_id"})
    assert_error(r, 400, "bad_request", ["project_id"])
    assert_error(ent.c.post("/applications", {**body, "project_id": theirs["id"]}), 404, "not_found")
    assert_error(ent.c.post("/applications", {**body, "project_id": 99999999}), 404, "not_found")
    assert_error(ent.c.post("/applications", {**body, "batch_id": 99999999}), 404, "not_found")


def test_put_merge_patch(platform, shared_enterprise, batch):
    ent = shared_enterprise
    app, _ = platform.new_application(ent, batch["id"], form=False)
    aid = app["id"]
    got = put_ok(ent, aid, {"equipment_total": 120, "equipment_digital": 66,
                            "networked": {"processing": True},
                            "kpis": {"operating_cost": {"before": "350.5", "after": "290"}}})
    assert got["status"] == "draft" and got["equipment_total"] == 120
    # nested objects merge, absent keys stay
    got = put_ok(ent, aid, {"networked": {"inspection": True}, "kpis": {"efficiency": {"before": "10", "after": "12"}}})
    assert got["networked"]["processing"] is True and got["networked"]["inspection"] is True
    assert Decimal(got["kpis"]["operating_cost"]["before"]) == Decimal("350.5")
    assert Decimal(got["kpis"]["operating_cost"]["after"]) == Decimal("290")
    assert Decimal(got["kpis"]["efficiency"]["after"]) == Decimal("12")
    assert got["equipment_total"] == 120 and got["equipment_digital"] == 66
    # deeper merge: one side of one KPI
    got = put_ok(ent, aid, {"kpis": {"operating_cost": {"after": "280.25"}}})
    assert Decimal(got["kpis"]["operating_cost"]["before"]) == Decimal("350.5")
    assert Decimal(got["kpis"]["operating_cost"]["after"]) == Decimal("280.25")
    # null clears
    got = put_ok(ent, aid, {"equipment_total": None, "networked": {"processing": None}})
    assert got.get("equipment_total") is None
    assert (got.get("networked") or {}).get("processing") is None
    assert got["networked"]["inspection"] is True and got["equipment_digital"] == 66
    # GET agrees with the PUT answers; decimals are answered as strings
    g = expect(ent.c.get(f"/applications/{aid}"), 200)
    assert g.get("equipment_total") is None and g["equipment_digital"] == 66
    assert Decimal(g["kpis"]["operating_cost"]["after"]) == Decimal("280.25")
    assert isinstance(g["kpis"]["operating_cost"]["after"], str)
    assert isinstance(g["kpis"]["efficiency"]["before"], str)
    # null on a whole object clears it
    got = put_ok(ent, aid, {"networked": None})
    assert not (got.get("networked") or {}).get("inspection")


def test_put_list_and_strings(platform, shared_enterprise, batch):
    ent = shared_enterprise
    app, _ = platform.new_application(ent, batch["id"], form=False)
    got = put_ok(ent, app["id"], {"technologies": ["cloud", "5g", "ai"], "kpi_baseline": "industry_average",
                                  "integration": {"description": "系统集成说明"}})
    assert sorted(got["technologies"]) == ["5g", "ai", "cloud"]
    assert got["kpi_baseline"] == "industry_average"
    assert got["integration"]["description"] == "系统集成说明"
    got = put_ok(ent, app["id"], {"technologies": ["iot"]})  # arrays are replaced, not merged
    assert got["technologies"] == ["iot"]


@pytest.mark.parametrize("patch,field", [
    ({"equipment_total": -1}, "equipment_total"),
    ({"equipment_digital": 10.5}, "equipment_digital"),
    ({"networked": {"processing": "yes"}}, "networked"),
    ({"mes": {"quality": 1}}, "mes"),
    ({"kpi_baseline": "guess"}, "kpi_baseline"),
    ({"kpis": {"operating_cost": {"before": "0", "after": "1"}}}, "kpis"),
    ({"kpis": {"operating_cost": {"before": "-3", "after": "1"}}}, "kpis"),
    ({"kpis": {"operating_cost": {"before": "100", "after": "1.23456"}}}, "kpis"),
    ({"kpis": {"operating_cost": {"before": 350.5, "after": "1"}}}, "kpis"),
    ({"kpis": {"operating_cost": {"before": "abc", "after": "1"}}}, "kpis"),
    ({"technologies": ["telepathy"]}, "technologies"),
    ({"technologies": "5g"}, "technologies"),
    ({"declaration_signed": "true"}, "declaration_signed"),
    ({"factory": {"mode": "steampunk"}}, "factory"),
])
def test_put_validation_saves_nothing(platform, batch, put_app, patch, field):
    ent, aid = put_app
    before = expect(ent.c.get(f"/applications/{aid}"), 200)
    r = ent.c.put(f"/applications/{aid}", {"equipment_digital": 7, "visual_management": False, **patch})
    assert_error(r, 400, "bad_request", [field])
    after = expect(ent.c.get(f"/applications/{aid}"), 200)
    assert after["equipment_digital"] == before["equipment_digital"] == 60
    assert after["visual_management"] is True
    for k in ("kpis", "networked", "technologies", "mes"):
        assert after.get(k) == before.get(k), k


@pytest.fixture(scope="module")
def put_app(platform, shared_enterprise, batch):
    app, _ = platform.new_application(shared_enterprise, batch["id"])
    return shared_enterprise, app["id"]


def test_put_names_every_bad_field(put_app):
    ent, aid = put_app
    r = ent.c.put(f"/applications/{aid}", {"equipment_total": -5, "kpi_baseline": "x", "technologies": ["x"]})
    assert_error(r, 400, "bad_request", ["equipment_total", "kpi_baseline", "technologies"])


def test_put_foreign_attachment(put_app, other_enterprise, platform):
    ent, aid = put_app
    theirs = platform.upload_pdf(other_enterprise)
    r = ent.c.put(f"/applications/{aid}", {"attachment_ids": [theirs["id"]]})
    assert r.status in (400, 404), r
    assert_error(r, r.status, "not_found" if r.status == 404 else "bad_request")
    assert theirs["id"] not in (expect(ent.c.get(f"/applications/{aid}"), 200).get("attachment_ids") or [])


# ---------------------------------------------------------------- the pre-check

def test_check_passing_application(platform, enterprise, batch):
    platform.ensure_assessment(enterprise)
    app, _ = platform.new_application(enterprise, batch["id"])
    findings = check(enterprise, app["id"])
    assert failing_errors(findings) == [], failing_errors(findings)
    rules = findings_by_rule(findings)
    for r in ("E1", "E2", "E3", "E4", "E5", "E6", "E8", "E9", "T-equipment-share",
              "T-kpi-operating_cost", "T-kpi-efficiency", "T-kpi-defect_rate", "T-kpi-energy_utilization"):
        assert r in rules, f"{r} missing from {sorted(rules)}"
        assert all(f["ok"] for f in rules[r]), rules[r]
    assert not any(r.startswith("K-") for r in rules), "K- rules are for factories"
    # the findings of the last check are part of the application
    got = expect(enterprise.c.get(f"/applications/{app['id']}"), 200)
    assert {f["rule"] for f in got["findings"]} == set(rules)


def test_check_reports_each_failure(platform, shared_enterprise, batch):
    ent = shared_enterprise
    app, _ = platform.new_application(ent, batch["id"])
    aid = app["id"]
    put_ok(ent, aid, {"equipment_digital": 49, "industrial_policy_compliant": False,
                      "kpis": {"operating_cost": {"before": "100", "after": "85.01"}}})
    f = check(ent, aid)
    assert not rule_ok(f, "T-equipment-share")
    assert not rule_ok(f, "T-kpi-operating_cost")
    assert not rule_ok(f, "E9")
    assert rule_ok(f, "T-kpi-efficiency")
    share = [x for x in f if x["rule"] == "T-equipment-share"][0]
    assert "49" in share["actual"] and "50" in share["required"], share
    # boundaries are included: 50 % and exactly −15 % pass
    put_ok(ent, aid, {"equipment_digital": 50, "industrial_policy_compliant": True,
                      "kpis": {"operating_cost": {"before": "100", "after": "85"}}})
    f = check(ent, aid)
    assert rule_ok(f, "T-equipment-share") and rule_ok(f, "T-kpi-operating_cost") and rule_ok(f, "E9")


def test_kpi_thresholds_use_exact_arithmetic(platform, shared_enterprise, batch):
    ent = shared_enterprise
    app, _ = platform.new_application(ent, batch["id"])
    aid = app["id"]
    # +8 % exactly on a value where floating point rounds below: 0.7 → 0.756
    put_ok(ent, aid, {"kpis": {"energy_utilization": {"before": "0.7", "after": "0.756"},
                               "efficiency": {"before": "0.3", "after": "0.33"},
                               "defect_rate": {"before": "0.3", "after": "0.27"}}})
    f = check(ent, aid)
    assert rule_ok(f, "T-kpi-energy_utilization")
    assert rule_ok(f, "T-kpi-efficiency")
    assert rule_ok(f, "T-kpi-defect_rate")
    put_ok(ent, aid, {"kpis": {"energy_utilization": {"before": "0.7", "after": "0.7559"}}})
    assert not rule_ok(check(ent, aid), "T-kpi-energy_utilization")


def test_check_upload_rate(platform, shared_enterprise, batch):
    ent = shared_enterprise
    app, _ = platform.new_application(ent, batch["id"])
    put_ok(ent, app["id"], {"data_points_total": 1000, "data_points_uploaded": 899})
    assert failing_errors(check(ent, app["id"]))
    put_ok(ent, app["id"], {"data_points_uploaded": 900})
    assert failing_errors(check(ent, app["id"])) == []


def test_check_missing_figures_fail(platform, shared_enterprise, batch):
    ent = shared_enterprise
    app, _ = platform.new_application(ent, batch["id"], form=False)
    f = check(ent, app["id"])
    assert not rule_ok(f, "T-equipment-share")
    assert not rule_ok(f, "E9")
    assert failing_errors(f)


@pytest.mark.parametrize("district,amount,ok", [
    ("500112", 9_999_999, False),
    ("500112", 10_000_000, True),
    ("CQLJ", 9_999_999, False),
    ("500101", 5_000_000, True),
    ("500101", 4_999_999, False),
    ("500114", 5_000_000, True),   # 黔江, 渝东南
])
def test_e6_boundary(e6_app, district, amount, ok):
    ent, app, project = e6_app
    expect(ent.c.put(f"/projects/{project['id']}", {"district_code": district,
                                                    "equipment_software_investment": amount}), 200)
    f = check(ent, app["id"])
    assert rule_ok(f, "E6") is ok, [x for x in f if x["rule"] == "E6"]
    e6 = [x for x in f if x["rule"] == "E6"]
    assert all(x["severity"] == "error" for x in e6)
    others = [x for x in failing_errors(f) if x["rule"] != "E6"]
    assert others == [], others


@pytest.fixture(scope="module")
def e6_app(platform, batch):
    ent = platform.new_enterprise("500112")
    app, project = platform.new_application(ent, batch["id"])
    return ent, app, project


def test_e7_class_one(platform, shared_enterprise, batch):
    ent = shared_enterprise
    project = platform.new_project(ent, **st.class1_project_body(progress_pct=79))
    app, _ = platform.new_application(ent, batch["id"], project=project)
    f = check(ent, app["id"])
    assert "E7" in findings_by_rule(f)
    assert not rule_error_ok(f, "E7")
    expect(ent.c.put(f"/projects/{project['id']}", {"progress_pct": 80}), 200)
    f = check(ent, app["id"])
    assert rule_error_ok(f, "E7"), [x for x in f if x["rule"] == "E7"]
    assert failing_errors(f) == []
    # other public funding fails; a start before 2018-01-01 fails
    expect(ent.c.put(f"/projects/{project['id']}", {"other_public_funding": True}), 200)
    assert not rule_error_ok(check(ent, app["id"]), "E7")
    expect(ent.c.put(f"/projects/{project['id']}", {"other_public_funding": False, "start_date": "2017-12-31"}), 200)
    assert not rule_error_ok(check(ent, app["id"]), "E7")
    expect(ent.c.put(f"/projects/{project['id']}", {"start_date": "2018-01-01", "completion_date": "2020-07-01"}), 200)
    assert rule_error_ok(check(ent, app["id"]), "E7")
    # the approval proof must be attached
    expect(ent.c.put(f"/projects/{project['id']}", {"approval_attachment_ids": []}), 200)
    assert not rule_error_ok(check(ent, app["id"]), "E7")


def test_e7_long_construction_is_a_warning(platform, shared_enterprise, batch):
    ent = shared_enterprise
    project = platform.new_project(ent, **st.class1_project_body(start_date="2019-01-01",
                                                                  completion_date="2021-12-31"))
    app, _ = platform.new_application(ent, batch["id"], project=project)
    f = check(ent, app["id"])
    e7 = [x for x in f if x["rule"] == "E7"]
    warnings = [x for x in e7 if x["severity"] == "warning" and not x["ok"]]
    assert warnings, e7
    assert rule_error_ok(f, "E7")
    assert failing_errors(f) == []


def test_e8_class_two_must_be_completed(platform, shared_enterprise, batch):
    ent = shared_enterprise
    app, project = platform.new_application(ent, batch["id"])
    expect(ent.c.put(f"/projects/{project['id']}", {"progress_pct": 95}), 200)
    assert not rule_ok(check(ent, app["id"]), "E8")
    future = (st.now_cst() + dt.timedelta(days=40)).date().isoformat()
    expect(ent.c.put(f"/projects/{project['id']}", {"progress_pct": 100, "completion_date": future}), 200)
    assert not rule_ok(check(ent, app["id"]), "E8")
    today = st.now_cst().date().isoformat()
    expect(ent.c.put(f"/projects/{project['id']}", {"completion_date": today}), 200)
    assert rule_ok(check(ent, app["id"]), "E8")


def test_e2_independent_legal_person(platform, enterprise, batch):
    app, _ = platform.new_application(enterprise, batch["id"])
    expect(enterprise.c.put("/enterprise", {"independent_legal_person": False}), 200)
    assert not rule_ok(check(enterprise, app["id"]), "E2")
    expect(enterprise.c.put("/enterprise", {"independent_legal_person": True}), 200)
    assert rule_ok(check(enterprise, app["id"]), "E2")


def test_factory_rules(platform, batch):
    ent = platform.new_enterprise("500112", manufacturing_type="discrete", complete_machine=False)
    modes = expect(ent.c.get("/factory-modes"), 200)["items"]
    discrete = [m for m in modes if m["id"] == "discrete"][0]
    app, _ = platform.new_application(ent, batch["id"], app_type="factory")
    aid = app["id"]
    put_ok(ent, aid, {"equipment_digital": 70,
                      "factory": {"mode": "discrete", "digital_workshops": 2, "whole_factory": True,
                                  "design_tools": True, "design_knowledge_management": True,
                                  "erp_closed_loop": True, "remote_service": False,
                                  "leading_description": "行业领先",
                                  "key_elements": {k["id"]: {"met": True, "description": "已实现"}
                                                   for k in discrete["key_elements"]}}})
    f = check(ent, aid)
    rules = findings_by_rule(f)
    assert any(r.startswith("K-") for r in rules), sorted(rules)
    assert "T-kpi-rd_cycle" in rules
    assert failing_errors(f) == [], failing_errors(f)
    # one key element not met fails a K- rule; one workshop too few fails a T- rule
    first = discrete["key_elements"][0]["id"]
    put_ok(ent, aid, {"factory": {"digital_workshops": 1, "key_elements": {first: {"met": False}}}})
    bad = {x["rule"] for x in failing_errors(check(ent, aid))}
    assert any(r.startswith("K-") for r in bad), bad
    assert any(r.startswith("T-") for r in bad), bad
    # process and mixed enterprises need one digital workshop, discrete ones two
    put_ok(ent, aid, {"factory": {"key_elements": {first: {"met": True}}}})
    assert failing_errors(check(ent, aid))
    for mtype in ("mixed", "process"):
        expect(ent.c.put("/enterprise", {"manufacturing_type": mtype}), 200)
        assert failing_errors(check(ent, aid)) == [], mtype
    expect(ent.c.put("/enterprise", {"manufacturing_type": "discrete"}), 200)
    put_ok(ent, aid, {"factory": {"digital_workshops": 2}})
    assert failing_errors(check(ent, aid)) == []
    # a complete-machine maker needs a remote service system
    expect(ent.c.put("/enterprise", {"complete_machine": True}), 200)
    assert failing_errors(check(ent, aid))
    put_ok(ent, aid, {"factory": {"remote_service": True}})
    assert failing_errors(check(ent, aid)) == []
    # the factory R&D-cycle KPI counts for factories
    put_ok(ent, aid, {"kpis": {"rd_cycle": {"before": "100", "after": "95"}}})
    assert {x["rule"] for x in failing_errors(check(ent, aid))} == {"T-kpi-rd_cycle"}


def test_factory_not_applicable_key_element(platform, batch):
    ent = platform.new_enterprise("500112", manufacturing_type="process")
    modes = expect(ent.c.get("/factory-modes"), 200)["items"]
    process = [m for m in modes if m["id"] == "process"][0]
    optional = [k for k in process["key_elements"]
                if any(v is True for kk, v in k.items() if kk not in ("id", "text"))]
    required = [k for k in process["key_elements"] if k not in optional]
    if not optional or not required:
        pytest.skip("the process mode marks no element as possibly not applicable")
    app, _ = platform.new_application(ent, batch["id"], app_type="factory")
    aid = app["id"]
    answers = {k["id"]: {"met": True, "description": "已实现"} for k in process["key_elements"]}
    answers[optional[0]["id"]] = {"met": False, "not_applicable": True, "description": "低风险项目"}
    put_ok(ent, aid, {"equipment_digital": 70,
                      "factory": {"mode": "process", "digital_workshops": 1, "whole_factory": True,
                                  "design_tools": True, "design_knowledge_management": True,
                                  "erp_closed_loop": True, "remote_service": False,
                                  "leading_description": "行业领先", "key_elements": answers}})
    assert failing_errors(check(ent, aid)) == []
    r = ent.c.put(f"/applications/{aid}", {"factory": {"key_elements": {
        required[0]["id"]: {"met": False, "not_applicable": True}}}})
    if r.status == 400:
        assert_error(r, 400, "bad_request", ["factory"])
    else:
        expect(r, 200)
        bad = {x["rule"] for x in failing_errors(check(ent, aid))}
        assert any(b.startswith("K-") for b in bad), bad


# ---------------------------------------------------------------- submit, withdraw, states

def test_submit_failing_application_is_422(platform, enterprise, batch):
    app, project = platform.new_application(enterprise, batch["id"])
    expect(enterprise.c.put(f"/projects/{project['id']}", {"equipment_software_investment": 9_999_999}), 200)
    r = enterprise.c.post(f"/applications/{app['id']}/submit")
    err = assert_error(r, 422, "rule_failed")
    assert isinstance(err["findings"], list) and err["findings"]
    e6 = [x for x in err["findings"] if x["rule"] == "E6"]
    assert e6 and not all(x["ok"] for x in e6)
    assert expect(enterprise.c.get(f"/applications/{app['id']}"), 200)["status"] == "draft"


def test_submit_put_withdraw_resubmit(platform, enterprise, batch):
    ent = enterprise
    platform.ensure_assessment(ent)
    app, project = platform.new_application(ent, batch["id"])
    aid = app["id"]
    t0 = len(expect(ent.c.get(f"/applications/{aid}"), 200)["timeline"])
    got = expect(ent.c.post(f"/applications/{aid}/submit"), 200)
    assert got["id"] == aid and got["status"] == "submitted"
    g = expect(ent.c.get(f"/applications/{aid}"), 200)
    assert g["status"] == "submitted"
    assert len(g["timeline"]) > t0 and all(isinstance(x, dict) for x in g["timeline"])
    # no edits once submitted
    assert_error(ent.c.put(f"/applications/{aid}", {"equipment_total": 200}), 409, "wrong_state")
    assert expect(ent.c.get(f"/applications/{aid}"), 200)["equipment_total"] == 100
    assert_error(ent.c.post(f"/applications/{aid}/submit"), 409, "wrong_state")
    # the project is copied at submit: later edits of the project do not move the application
    expect(ent.c.put(f"/projects/{project['id']}", {"name": "提交后改名"}), 200)
    g = expect(ent.c.get(f"/applications/{aid}"), 200)
    if isinstance(g.get("project"), dict) and "name" in g["project"]:
        assert g["project"]["name"] == project["name"]
    # withdraw → draft, editable again, resubmit
    got = expect(ent.c.post(f"/applications/{aid}/withdraw"), 200)
    assert got["status"] == "draft"
    put_ok(ent, aid, {"equipment_total": 110})
    assert_error(ent.c.post(f"/applications/{aid}/withdraw"), 409, "wrong_state")
    got = expect(ent.c.post(f"/applications/{aid}/submit"), 200)
    assert got["status"] == "submitted" and got["equipment_total"] == 110
    assert len(expect(ent.c.get(f"/applications/{aid}"), 200)["timeline"]) >= t0 + 3


def test_e4_one_application_per_enterprise_and_batch(platform, enterprise, batch):
    ent = enterprise
    platform.ensure_assessment(ent)
    first, _ = platform.new_application(ent, batch["id"])
    second, _ = platform.new_application(ent, batch["id"])
    assert rule_ok(check(ent, second["id"]), "E4")  # drafts do not count
    expect(ent.c.post(f"/applications/{first['id']}/submit"), 200)
    assert not rule_ok(check(ent, second["id"]), "E4")
    err = assert_error(ent.c.post(f"/applications/{second['id']}/submit"), 422, "rule_failed")
    assert not all(x["ok"] for x in err["findings"] if x["rule"] == "E4")
    # withdrawing the first frees the batch for the second
    expect(ent.c.post(f"/applications/{first['id']}/withdraw"), 200)
    assert rule_ok(check(ent, second["id"]), "E4")
    expect(ent.c.post(f"/applications/{second['id']}/submit"), 200)
    assert_error(ent.c.post(f"/applications/{first['id']}/submit"), 422, "rule_failed")


def test_e4_race_is_lost_to_the_database(platform, batch):
    """Two applications of one enterprise submitted at the same moment: exactly one wins, the
    other answers 422 rule_failed with E4 failing (API.md: the database's own E4 guard)."""
    for _round in range(3):
        ent = platform.new_enterprise()
        platform.ensure_assessment(ent)
        apps = [platform.new_application(ent, batch["id"])[0] for _ in range(2)]
        clients = [ent.c]
        c2 = st.Client(platform.server.base)
        expect(c2.login(ent.username, ent.password), 200)
        clients.append(c2)
        results = [None, None]
        barrier = threading.Barrier(2)

        def go(i):
            barrier.wait()
            results[i] = clients[i].post(f"/applications/{apps[i]['id']}/submit")
        threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(r.status for r in results)
        assert statuses == [200, 422], results
        loser = [r for r in results if r.status == 422][0]
        err = assert_error(loser, 422, "rule_failed")
        assert not all(f["ok"] for f in err["findings"] if f["rule"] == "E4"), err
        states = sorted(expect(ent.c.get(f"/applications/{a['id']}"), 200)["status"] for a in apps)
        assert states == ["draft", "submitted"]


def test_error_order_400_before_409_and_404_before_415(platform, enterprise, other_enterprise, batch):
    ent = enterprise
    platform.ensure_assessment(ent)
    app, _ = platform.submitted_application(ent, batch["id"])
    aid = app["id"]
    assert_error(ent.c.put(f"/applications/{aid}", {"equipment_total": -1}), 400, "bad_request",
                 ["equipment_total"])
    assert_error(ent.c.put(f"/applications/{aid}", {"equipment_total": 1}), 409, "wrong_state")
    assert_error(other_enterprise.c.call("PUT", f"/applications/{aid}", data=b"x=1",
                                         content_type="application/x-www-form-urlencoded"), 404, "not_found")
    assert_error(ent.c.call("PUT", f"/applications/{aid}", data=b"x=1",
                            content_type="application/x-www-form-urlencoded"), 415, "unsupported_media_type")


def test_e4_other_batch_is_free(platform, enterprise, batch, batch2020):
    ent = enterprise
    platform.ensure_assessment(ent)
    platform.submitted_application(ent, batch["id"])
    other = platform.new_batch(batch2020["id"])
    app, _ = platform.new_application(ent, other["id"])
    assert rule_ok(check(ent, app["id"]), "E4")


def test_e3_window(platform, enterprise, commission, batch2020):
    ent = enterprise
    platform.ensure_assessment(ent)
    b = platform.new_batch(batch2020["id"])
    app, _ = platform.new_application(ent, b["id"])
    assert rule_ok(check(ent, app["id"]), "E3")
    now = st.now_cst()
    expect(commission.put(f"/batches/{b['id']}", {"opens_at": st.iso(now - dt.timedelta(days=3)),
                                                  "closes_at": st.iso(now - dt.timedelta(minutes=1))}), 200)
    err = assert_error(ent.c.post(f"/applications/{app['id']}/submit"), 422, "rule_failed")
    e3 = [x for x in err["findings"] if x["rule"] == "E3"]
    assert e3 and not all(x["ok"] for x in e3), err["findings"]
    assert expect(ent.c.get(f"/applications/{app['id']}"), 200)["status"] == "draft"
    # not yet open fails as well
    expect(commission.put(f"/batches/{b['id']}", {"opens_at": st.iso(now + dt.timedelta(days=1)),
                                                  "closes_at": st.iso(now + dt.timedelta(days=10))}), 200)
    assert not rule_ok(check(ent, app["id"]), "E3")
    # open again: E3 was the only obstacle
    expect(commission.put(f"/batches/{b['id']}", {"opens_at": st.iso(now - dt.timedelta(days=1))}), 200)
    assert expect(ent.c.post(f"/applications/{app['id']}/submit"), 200)["status"] == "submitted"


def test_e3_in_the_2020_batch(platform, shared_enterprise, batch2020):
    ent = shared_enterprise
    project = platform.new_project(ent)
    r = ent.c.post("/applications", {"batch_id": batch2020["id"], "project_id": project["id"], "type": "workshop"})
    if r.status == 409:  # refusing to open an application in a closed batch is fine too
        return
    app = expect(r, 201)
    e3 = [x for x in check(ent, app["id"]) if x["rule"] == "E3"]
    assert e3 and not all(x["ok"] for x in e3)


# ---------------------------------------------------------------- who sees what

def test_list_only_own(platform, shared_enterprise, other_enterprise, batch):
    mine, _ = platform.new_application(shared_enterprise, batch["id"], form=False)
    theirs, _ = platform.new_application(other_enterprise, batch["id"], form=False)
    items = expect(shared_enterprise.c.get("/applications?limit=500"), 200)["items"]
    ids = {x["id"] for x in items}
    assert mine["id"] in ids and theirs["id"] not in ids
    body = expect(shared_enterprise.c.get(f"/applications?batch_id={batch['id']}&status=draft&limit=500"), 200)
    assert body["total"] >= 1 and all(x["status"] == "draft" for x in body["items"])
    assert all(x["batch_id"] == batch["id"] for x in body["items"])
    assert mine["id"] in {x["id"] for x in body["items"]}


def test_other_enterprise_gets_404(platform, shared_enterprise, other_enterprise, batch):
    app, _ = platform.new_application(shared_enterprise, batch["id"], form=False)
    aid = app["id"]
    c = other_enterprise.c
    assert_error(c.get(f"/applications/{aid}"), 404, "not_found")
    assert_error(c.put(f"/applications/{aid}", {"equipment_total": 1}), 404, "not_found")
    assert_error(c.put(f"/applications/{aid}", {"equipment_total": -1}), 404, "not_found")  # 404 before 400
    for action in ("check", "submit", "withdraw"):
        assert_error(c.post(f"/applications/{aid}/{action}"), 404, "not_found")
    for action in ("check", "submit", "withdraw"):
        assert_error(shared_enterprise.c.post(f"/applications/99999999/{action}"), 404, "not_found")
    assert_error(shared_enterprise.c.get("/applications/99999999"), 404, "not_found")
    assert expect(shared_enterprise.c.get(f"/applications/{aid}"), 200).get("equipment_total") is None


def test_application_refusals(platform, shared_enterprise, batch, anon, district_yb, commission):
    app, _ = platform.new_application(shared_enterprise, batch["id"], form=False)
    aid = app["id"]
    assert_error(anon.get(f"/applications/{aid}"), 401, "unauthenticated")
    assert_error(anon.get("/applications"), 401, "unauthenticated")
    assert_error(anon.post(f"/applications/{aid}/check"), 401, "unauthenticated")
    assert_error(shared_enterprise.c.post(f"/applications/{aid}/check", csrf=False), 403, "csrf")
    assert_error(shared_enterprise.c.put(f"/applications/{aid}", {"equipment_total": 1}, csrf=False), 403, "csrf")
    assert_error(shared_enterprise.c.post(f"/applications/{aid}/submit", csrf="wrong"), 403, "csrf")
    assert_error(district_yb.post("/applications", {"batch_id": batch["id"], "project_id": 1, "type": "workshop"}),
                 403, "forbidden")
    assert_error(district_yb.post(f"/applications/{aid}/check"), 403, "forbidden")
    assert_error(commission.post(f"/applications/{aid}/submit"), 403, "forbidden")
    assert_error(commission.put(f"/applications/{aid}", {"equipment_total": 1}), 403, "forbidden")


@pytest.fixture(scope="module")
def district_world(platform, batch):
    """A: registered in 渝北 with its project in 万州, submitted. B: 渝北, draft. C: 万州, submitted."""
    a = platform.new_enterprise("500112")
    app_a, _ = platform.submitted_application(a, batch["id"], district_code="500101")
    b = platform.new_enterprise("500112")
    app_b, _ = platform.new_application(b, batch["id"])
    c = platform.new_enterprise("500101")
    app_c, _ = platform.submitted_application(c, batch["id"])
    return {"A": (a, app_a), "B": (b, app_b), "C": (c, app_c)}


def test_district_list(district_world, district_yb, district_wz):
    a, b, c = (district_world[k][1]["id"] for k in "ABC")
    yb = expect(district_yb.get("/applications?limit=500"), 200)
    ids = {x["id"] for x in yb["items"]}
    assert a in ids, "the enterprise's registered district reviews it, wherever the project is"
    assert b not in ids, "districts never see drafts"
    assert c not in ids, "another district's application"
    assert all(x["status"] != "draft" for x in yb["items"])
    wz = {x["id"] for x in expect(district_wz.get("/applications?limit=500"), 200)["items"]}
    assert c in wz and a not in wz and b not in wz
    drafts = expect(district_yb.get("/applications?status=draft&limit=500"), 200)
    assert drafts["items"] == [] and drafts["total"] == 0


def test_district_object_access(district_world, district_yb, district_wz):
    (ent_a, a), (_, b), (_, c) = (district_world[k] for k in "ABC")
    got = expect(district_yb.get(f"/applications/{a['id']}"), 200)
    assert got["status"] == "submitted" and got["id"] == a["id"]
    assert_error(district_yb.get(f"/applications/{b['id']}"), 404, "not_found")
    assert_error(district_yb.get(f"/applications/{c['id']}"), 404, "not_found")
    assert_error(district_wz.get(f"/applications/{a['id']}"), 404, "not_found")
    expect(district_wz.get(f"/applications/{c['id']}"), 200)
    # the attachments of the application come with it
    att = got["attachment_ids"][0]
    assert district_yb.raw("GET", f"/api/v1/attachments/{att}").status == 200
    assert_error(district_wz.get(f"/attachments/{att}"), 404, "not_found")
    assert ent_a.c.raw("GET", f"/api/v1/attachments/{att}").status == 200
    # so do the project's approval files (the project is part of the submitted application)
    proj_att = expect(ent_a.c.get(f"/projects/{got['project_id']}"), 200)["approval_attachment_ids"][0]
    assert district_yb.raw("GET", f"/api/v1/attachments/{proj_att}").status == 200
    assert_error(district_wz.get(f"/attachments/{proj_att}"), 404, "not_found")


def test_district_loses_sight_after_withdraw(platform, district_yb, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.submitted_application(ent, batch["id"])
    expect(district_yb.get(f"/applications/{app['id']}"), 200)
    expect(ent.c.post(f"/applications/{app['id']}/withdraw"), 200)
    assert_error(district_yb.get(f"/applications/{app['id']}"), 404, "not_found")


def test_expert_sees_only_assigned(district_world, platform):
    expert = platform.new_staff("expert", employer_uscc=st.make_uscc())
    body = expect(expert.get("/applications?limit=500"), 200)
    assert body["items"] == [] and body["total"] == 0
    assert_error(expert.get(f"/applications/{district_world['A'][1]['id']}"), 404, "not_found")


def test_post_actions_without_body(platform, shared_enterprise, batch):
    app, _ = platform.new_application(shared_enterprise, batch["id"])
    r = shared_enterprise.c.call("POST", f"/applications/{app['id']}/check", data=b"")
    assert r.status == 200 and isinstance(r.body["findings"], list), r


def test_commission_sees_all_submitted(district_world, commission):
    a, c = district_world["A"][1]["id"], district_world["C"][1]["id"]
    ids = {x["id"] for x in expect(commission.get("/applications?limit=500"), 200)["items"]}
    assert a in ids and c in ids
    assert expect(commission.get(f"/applications/{a}"), 200)["status"] == "submitted"
    wz = expect(commission.get("/applications?district_code=500101&limit=500"), 200)["items"]
    assert c in {x["id"] for x in wz}
