"""Projects: create, read, list, merge-patch update, validation, and visibility."""
import pytest

import smiptest as st
from smiptest import assert_error, expect


def test_create_and_get(platform, shared_enterprise):
    ent = shared_enterprise
    att = platform.upload_pdf(ent)
    body = st.project_body(approval_attachment_ids=[att["id"]])
    p = expect(ent.c.post("/projects", body), 201)
    assert isinstance(p["id"], int)
    for k, v in body.items():
        assert p[k] == v, (k, p.get(k), v)
    got = expect(ent.c.get(f"/projects/{p['id']}"), 200)
    for k, v in body.items():
        assert got[k] == v, k
    lst = expect(ent.c.get("/projects?limit=500"), 200)
    assert any(x["id"] == p["id"] for x in lst["items"]) and lst["total"] >= 1


def test_district_defaults_to_the_enterprise(platform):
    ent = platform.new_enterprise(district="500101")
    body = st.project_body()
    del body["district_code"]
    p = expect(ent.c.post("/projects", body), 201)
    assert p["district_code"] == "500101"


def test_project_elsewhere(shared_enterprise):
    p = expect(shared_enterprise.c.post("/projects", st.project_body(district="CQLJ")), 201)
    assert p["district_code"] == "CQLJ"


@pytest.mark.parametrize("proof", ["approval", "filing", "statistics", "plan_and_resolution", "agreement"])
def test_approval_proof_types(shared_enterprise, platform, proof):
    ids = [platform.upload_pdf(shared_enterprise)["id"]]
    if proof == "plan_and_resolution":
        ids.append(platform.upload_pdf(shared_enterprise)["id"])
    p = expect(shared_enterprise.c.post("/projects", st.project_body(approval_proof_type=proof,
                                                                      approval_attachment_ids=ids)), 201)
    assert p["approval_proof_type"] == proof and p["approval_attachment_ids"] == ids


def test_class_one_project(shared_enterprise):
    body = st.class1_project_body()
    p = expect(shared_enterprise.c.post("/projects", body), 201)
    assert p["class"] == "I" and p["progress_pct"] == 85


@pytest.mark.parametrize("field,value", [
    ("class", "III"),
    ("class", 2),
    ("approval_proof_type", "verbal"),
    ("progress_pct", 101),
    ("progress_pct", -1),
    ("progress_pct", 80.5),
    ("total_investment", -1),
    ("equipment_software_investment", -5000000),
    ("equipment_software_investment", 1000000.5),
    ("start_date", "2020-02-30"),
    ("start_date", "2020/01/01"),
    ("completion_date", "2019-13-01"),
    ("district_code", "999999"),
    ("name", ""),
    ("other_public_funding", "no"),
    ("approval_attachment_ids", [99999999]),
])
def test_create_validation(shared_enterprise, field, value):
    body = st.project_body(**{field: value})
    r = shared_enterprise.c.post("/projects", body)
    if field == "approval_attachment_ids":
        # an attachment the caller cannot see is named inside the body: 404 (or 400 naming it)
        assert r.status in (400, 404), r
        if r.status == 400:
            assert_error(r, 400, "bad_request", [field])
        else:
            assert_error(r, 404, "not_found")
        return
    assert_error(r, 400, "bad_request", [field])


def test_completion_before_start(shared_enterprise):
    r = shared_enterprise.c.post("/projects", st.project_body(start_date="2019-06-01",
                                                              completion_date="2019-05-31"))
    err = assert_error(r, 400, "bad_request")
    assert st.field_named(err.get("fields"), "completion_date") or st.field_named(err.get("fields"), "start_date"), r


def test_create_names_every_bad_field(shared_enterprise):
    r = shared_enterprise.c.post("/projects", st.project_body(progress_pct=150, **{"class": "X"},
                                                              total_investment=-3))
    assert_error(r, 400, "bad_request", ["progress_pct", "class", "total_investment"])


def test_progress_bounds_accepted(shared_enterprise):
    for v in (0, 100):
        body = st.class1_project_body(progress_pct=v) if v == 0 else st.project_body(progress_pct=v)
        assert expect(shared_enterprise.c.post("/projects", body), 201)["progress_pct"] == v


def test_put_merge_and_refusal_saves_nothing(shared_enterprise):
    c = shared_enterprise.c
    p = expect(c.post("/projects", st.project_body()), 201)
    got = expect(c.put(f"/projects/{p['id']}", {"name": "改名后的项目", "progress_pct": 100}), 200)
    assert got["name"] == "改名后的项目"
    assert got["site_name"] == p["site_name"] and got["total_investment"] == p["total_investment"]
    before = expect(c.get(f"/projects/{p['id']}"), 200)
    r = c.put(f"/projects/{p['id']}", {"name": "不应保存", "progress_pct": 500, "equipment_software_investment": -1})
    assert_error(r, 400, "bad_request", ["progress_pct", "equipment_software_investment"])
    assert expect(c.get(f"/projects/{p['id']}"), 200) == before


def test_put_null_clears_optional_field(shared_enterprise):
    c = shared_enterprise.c
    p = expect(c.post("/projects", st.project_body(expected_results="预期成果")), 201)
    got = expect(c.put(f"/projects/{p['id']}", {"expected_results": None}), 200)
    assert got.get("expected_results") in (None, "")


def test_other_enterprise_sees_404(shared_enterprise, other_enterprise):
    p = expect(shared_enterprise.c.post("/projects", st.project_body()), 201)
    assert_error(other_enterprise.c.get(f"/projects/{p['id']}"), 404, "not_found")
    assert_error(other_enterprise.c.put(f"/projects/{p['id']}", {"name": "抢注"}), 404, "not_found")
    # 404 comes before 400: an invalid body on someone else's project is still 404
    assert_error(other_enterprise.c.put(f"/projects/{p['id']}", {"progress_pct": 900}), 404, "not_found")
    assert all(x["id"] != p["id"] for x in expect(other_enterprise.c.get("/projects?limit=500"), 200)["items"])
    assert expect(shared_enterprise.c.get(f"/projects/{p['id']}"), 200)["name"] == p["name"]


def test_missing_project_404(shared_enterprise):
    assert_error(shared_enterprise.c.get("/projects/99999999"), 404, "not_found")
    assert_error(shared_enterprise.c.put("/projects/99999999", {"name": "x"}), 404, "not_found")


def test_projects_refusals(anon, shared_enterprise, commission):
    assert_error(anon.get("/projects"), 401, "unauthenticated")
    assert_error(anon.post("/projects", st.project_body()), 401, "unauthenticated")
    assert_error(shared_enterprise.c.post("/projects", st.project_body(), csrf=False), 403, "csrf")
    assert_error(shared_enterprise.c.post("/projects", st.project_body(), csrf="bad"), 403, "csrf")
    assert_error(commission.post("/projects", st.project_body()), 403, "forbidden")


def test_list_paging(shared_enterprise):
    c = shared_enterprise.c
    for _ in range(3):
        expect(c.post("/projects", st.project_body()), 201)
    full = expect(c.get("/projects?limit=500"), 200)
    assert full["total"] == len(full["items"]) >= 3
    page = expect(c.get("/projects?limit=2&offset=1"), 200)
    assert len(page["items"]) == 2 and page["total"] == full["total"]
    assert [x["id"] for x in page["items"]] == [x["id"] for x in full["items"]][1:3]
