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
    ("district_code", "500101"),
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
    """The same code in lower case is no change: saved as it was."""
    got = expect(enterprise.c.put("/enterprise", {"uscc": enterprise.uscc.lower()}), 200)
    assert got["uscc"] == enterprise.uscc


def test_put_cannot_move_the_district_or_the_credit_code(shared_enterprise, other_enterprise, platform,
                                                        batch):
    """The district reviews the enterprise's applications and the credit code is who it is: once
    set, PUT refuses to change either (a change request does it, tests/api/test_enterprise_changes.py)
    and nothing moves — not the profile, not the drafts' copies."""
    ent = shared_enterprise
    before = expect(ent.c.get("/enterprise"), 200)
    draft, _ = platform.new_application(ent, batch["id"])
    for field, value in (("uscc", other_enterprise.uscc), ("uscc", st.make_uscc("500112")),
                         ("district_code", "500101"), ("district_code", None), ("uscc", None)):
        err = assert_error(ent.c.put("/enterprise", {"address": "不应保存", field: value}), 400,
                           "bad_request", [field])
        assert value is None or "变更申请" in err["fields"][field], err
    assert expect(ent.c.get("/enterprise"), 200) == before
    got = expect(ent.c.get(f"/applications/{draft['id']}"), 200)
    assert got["district_code"] == before["district_code"]
    # The same values sent back (a GET echoed) are no change.
    got = expect(ent.c.put("/enterprise", {"uscc": before["uscc"].lower(),
                                           "district_code": before["district_code"]}), 200)
    assert got["uscc"] == before["uscc"] and got["district_code"] == before["district_code"]


def test_put_read_only_and_unknown_fields(shared_enterprise):
    """One rule for every endpoint: read-only keys may come back unchanged, a different value
    or an unknown key is 400 naming it, and nothing is saved."""
    c = shared_enterprise.c
    before = expect(c.get("/enterprise"), 200)
    echoed = dict(before, address="回显整份资料也能保存")
    got = expect(c.put("/enterprise", echoed), 200)
    assert got["address"] == "回显整份资料也能保存"
    before = got
    for field, value in (("id", before["id"] + 1), ("created_at", "2020-01-01T00:00:00+08:00"),
                         ("legacy", not before["legacy"]), ("enterprise_id", 1), ("owner", "x")):
        err = assert_error(c.put("/enterprise", {"address": "不应保存", field: value}), 400,
                           "bad_request", [field])
        assert ("只读" in err["fields"][field]) or ("未知" in err["fields"][field]), err
    assert expect(c.get("/enterprise"), 200) == before


def test_enterprise_endpoints_refusals(anon, shared_enterprise, district_yb, commission):
    assert_error(anon.get("/enterprise"), 401, "unauthenticated")
    assert_error(anon.put("/enterprise", {"address": "x"}), 401, "unauthenticated")
    assert_error(shared_enterprise.c.put("/enterprise", {"address": "x"}, csrf=False), 403, "csrf")
    assert_error(district_yb.get("/enterprise"), 403, "forbidden")
    assert_error(commission.put("/enterprise", {"address": "x"}), 403, "forbidden")
