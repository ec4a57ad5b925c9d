"""GET/PUT /enterprise: the own profile, merge-patch updates, USCC validation and uniqueness."""
import pytest

import smiptest as st
from smiptest import assert_error, expect


def test_get_own_profile(enterprise):
    p = expect(enterprise.c.get("/enterprise"), 200)
    assert p["id"] == enterprise.enterprise["id"]
    assert p["uscc"] == enterprise.uscc
    assert p["district_code"] == "500112"
    assert p["manufacturing_type"] == "discrete"
    assert p["independent_legal_person"] is True and p["complete_machine"] is False


def test_put_merges(enterprise):
    before = expect(enterprise.c.get("/enterprise"), 200)
    got = expect(enterprise.c.put("/enterprise", {"address": "重庆市渝北区新地址8号"}), 200)
    assert got["address"] == "重庆市渝北区新地址8号"
    for k in ("uscc", "name", "district_code", "manufacturing_type", "legal_representative"):
        assert got[k] == before[k], k
    assert expect(enterprise.c.get("/enterprise"), 200)["address"] == "重庆市渝北区新地址8号"
    got = expect(enterprise.c.put("/enterprise", {"manufacturing_type": "process", "complete_machine": True}), 200)
    assert got["manufacturing_type"] == "process" and got["complete_machine"] is True
    assert got["address"] == "重庆市渝北区新地址8号"


@pytest.mark.parametrize("field,value", [
    ("uscc", "91500112AY4CL12T2D"),
    ("uscc", "915001"),
    ("manufacturing_type", "craft"),
    ("district_code", "510100"),
    ("complete_machine", "no"),
])
def test_put_validation_saves_nothing(shared_enterprise, field, value):
    c = shared_enterprise.c
    before = expect(c.get("/enterprise"), 200)
    r = c.put("/enterprise", {"address": "不应保存的地址", field: value})
    assert_error(r, 400, "bad_request", [field])
    after = expect(c.get("/enterprise"), 200)
    assert after == before


def test_put_uscc_lower_case_normalised(enterprise):
    got = expect(enterprise.c.put("/enterprise", {"uscc": enterprise.uscc.lower()}), 200)
    assert got["uscc"] == enterprise.uscc


def test_put_uscc_owned_by_another_enterprise(shared_enterprise, other_enterprise):
    before = expect(shared_enterprise.c.get("/enterprise"), 200)
    assert_error(shared_enterprise.c.put("/enterprise", {"uscc": other_enterprise.uscc}), 409, "duplicate")
    assert expect(shared_enterprise.c.get("/enterprise"), 200) == before


def test_put_new_valid_uscc(enterprise):
    new = st.make_uscc("500112")
    assert expect(enterprise.c.put("/enterprise", {"uscc": new}), 200)["uscc"] == new


def test_enterprise_endpoints_refusals(anon, shared_enterprise, district_yb, commission):
    assert_error(anon.get("/enterprise"), 401, "unauthenticated")
    assert_error(anon.put("/enterprise", {"address": "x"}), 401, "unauthenticated")
    assert_error(shared_enterprise.c.put("/enterprise", {"address": "x"}, csrf=False), 403, "csrf")
    assert_error(district_yb.get("/enterprise"), 403, "forbidden")
    assert_error(commission.put("/enterprise", {"address": "x"}), 403, "forbidden")
