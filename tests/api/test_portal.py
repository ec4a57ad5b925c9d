"""The portal: connecting imp, the imp gate (imp_not_connected / imp_not_bound), confirm-new, and
the order of the error checks of API.md."""
import pytest

import smiptest as st
from smiptest import assert_error, expect

GATED_GETS = ["/enterprise", "/projects", "/applications", "/projects/1", "/applications/1"]
UNGATED_GETS = ["/districts", "/batches", "/factory-modes"]


def test_connect_imp(platform):
    ent = platform.new_enterprise(connect=False, confirm=False)
    me = expect(ent.c.get("/me"), 200)
    assert [a["connected"] for a in me["apps"] if a["id"] == "imp"] == [False]
    assert expect(ent.c.post("/apps/imp/connect"), 200) == {"id": "imp", "connected": True}
    me = expect(ent.c.get("/me"), 200)
    assert [a["connected"] for a in me["apps"] if a["id"] == "imp"] == [True]
    # connecting again and logging in again are harmless
    assert expect(ent.c.post("/apps/imp/connect"), 200)["connected"] is True
    c2 = st.Client(platform.server.base)
    expect(c2.login(ent.username, ent.password), 200)
    me = expect(c2.get("/me"), 200)
    assert [a["connected"] for a in me["apps"] if a["id"] == "imp"] == [True]


def test_connect_with_empty_body(platform):
    ent = platform.new_enterprise(connect=False, confirm=False)
    r = ent.c.call("POST", "/apps/imp/connect", data=b"")
    assert r.status == 200 and r.body["connected"] is True, r


def test_gate_not_connected(platform):
    ent = platform.new_enterprise(connect=False, confirm=False)
    for path in GATED_GETS:
        assert_error(ent.c.get(path), 403, "imp_not_connected")
    assert_error(ent.c.post("/projects", st.project_body()), 403, "imp_not_connected")
    assert_error(ent.c.upload(st.make_pdf()), 403, "imp_not_connected")
    for path in UNGATED_GETS:
        assert expect(ent.c.get(path), 200)["items"]
    # csrf is checked before the gate
    assert_error(ent.c.post("/projects", st.project_body(), csrf=False), 403, "csrf")


def test_gate_not_connected_before_role(platform):
    """The gate answers before the role check: an unconnected enterprise on a commission route."""
    ent = platform.new_enterprise(connect=False, confirm=False)
    assert_error(ent.c.get("/audit/verify"), 403, "imp_not_connected")
    assert_error(ent.c.post("/batches", {"year": 2020}), 403, "imp_not_connected")


def test_gate_applies_to_staff(platform):
    c = platform.new_staff("commission", connect=False)
    assert_error(c.get("/audit/verify"), 403, "imp_not_connected")
    assert_error(c.get("/applications"), 403, "imp_not_connected")
    expect(c.get("/batches"), 200)
    expect(c.post("/apps/imp/connect"), 200)
    expect(c.get("/audit/verify"), 200)


def test_gate_not_bound(platform):
    ent = platform.new_enterprise(connect=True, confirm=False)
    for path in GATED_GETS:
        assert_error(ent.c.get(path), 403, "imp_not_bound")
    assert_error(ent.c.post("/projects", st.project_body()), 403, "imp_not_bound")
    assert_error(ent.c.upload(st.make_pdf()), 403, "imp_not_bound")
    # not bound comes before the role check too
    assert_error(ent.c.get("/audit/verify"), 403, "imp_not_bound")
    for path in UNGATED_GETS:
        expect(ent.c.get(path), 200)
    me = expect(ent.c.get("/me"), 200)
    assert me["imp"]["bound"] is False and me["imp"]["enterprise_id"] is None


def test_confirm_new(platform):
    ent = platform.new_enterprise(connect=True, confirm=False)
    prof = st.enterprise_profile(ent.uscc, "500112", manufacturing_type="mixed", complete_machine=True)
    got = expect(ent.c.post("/imp/confirm-new", {"enterprise": prof}), 200)["enterprise"]
    assert isinstance(got["id"], int)
    for k, v in prof.items():
        assert got[k] == v, (k, got)
    me = expect(ent.c.get("/me"), 200)
    assert me["imp"]["enterprise_id"] == got["id"]
    assert me["imp"]["bound"] is True
    assert expect(ent.c.get("/enterprise"), 200)["uscc"] == ent.uscc


def test_confirm_new_twice_is_409(platform):
    ent = platform.new_enterprise()
    r = ent.c.post("/imp/confirm-new", {"enterprise": st.enterprise_profile(ent.uscc)})
    assert r.status == 409, r
    assert r.error.get("code") in ("duplicate", "conflict", "wrong_state"), r


def test_confirm_new_lower_case_uscc_is_normalised(platform):
    ent = platform.new_enterprise(connect=True, confirm=False)
    prof = st.enterprise_profile(ent.uscc.lower())
    got = expect(ent.c.post("/imp/confirm-new", {"enterprise": prof}), 200)["enterprise"]
    assert got["uscc"] == ent.uscc


@pytest.fixture(scope="module")
def unbound_enterprise(platform):
    return platform.new_enterprise(connect=True, confirm=False)


@pytest.mark.parametrize("field,value", [
    ("uscc", "91500112AY4CL12T2D"),
    ("uscc", "ABC"),
    ("manufacturing_type", "artisanal"),
    ("district_code", "999999"),
    ("independent_legal_person", "yes"),
    ("name", ""),
])
def test_confirm_new_validation(unbound_enterprise, field, value):
    ent = unbound_enterprise
    prof = {**st.enterprise_profile(ent.uscc), field: value}
    assert_error(ent.c.post("/imp/confirm-new", {"enterprise": prof}), 400, "bad_request", [field])
    # nothing was saved: the account is still not bound
    assert_error(ent.c.get("/enterprise"), 403, "imp_not_bound")


def test_confirm_new_uscc_of_another_enterprise_is_duplicate(platform, other_enterprise):
    ent = platform.new_enterprise(connect=True, confirm=False)
    prof = st.enterprise_profile(other_enterprise.uscc)
    assert_error(ent.c.post("/imp/confirm-new", {"enterprise": prof}), 409, "duplicate")


def test_confirm_new_is_for_enterprises(district_yb):
    prof = st.enterprise_profile(st.make_uscc())
    assert_error(district_yb.post("/imp/confirm-new", {"enterprise": prof}), 403, "forbidden")
    assert_error(district_yb.post("/imp/bind-legacy", {"legacy_username": "x", "legacy_password": "y"}),
                 403, "forbidden")


def test_staff_me(district_yb, commission):
    me = expect(district_yb.get("/me"), 200)
    assert me["account"]["role"] == "district"
    assert [a["connected"] for a in me["apps"] if a["id"] == "imp"] == [True]
    assert expect(commission.get("/me"), 200)["account"]["role"] == "commission"


def test_role_before_not_found(district_yb, commission):
    """403 forbidden (role) answers before 404 (object)."""
    assert_error(district_yb.get("/projects/99999999"), 403, "forbidden")
    assert_error(district_yb.get("/projects"), 403, "forbidden")
    assert_error(district_yb.get("/enterprise"), 403, "forbidden")
    assert_error(commission.post("/applications/99999999/submit"), 403, "forbidden")
    assert_error(district_yb.post("/applications", {"batch_id": 1, "project_id": 1, "type": "workshop"}),
                 403, "forbidden")
