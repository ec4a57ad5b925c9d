"""Reference data: districts, batches (GET, POST with rules_from, PUT), factory modes."""
import datetime as dt


import smiptest as st
from smiptest import assert_error, expect

MAIN = "主城都市区"
NE = "渝东北三峡库区城镇群"
SE = "渝东南武陵山区城镇群"

# GB/T 2260 codes of the 38 区县 (2020), their type and group of 一区两群, plus the three zones
DISTRICTS = {
    "500101": ("万州", "区", NE), "500102": ("涪陵", "区", MAIN), "500103": ("渝中", "区", MAIN),
    "500104": ("大渡口", "区", MAIN), "500105": ("江北", "区", MAIN), "500106": ("沙坪坝", "区", MAIN),
    "500107": ("九龙坡", "区", MAIN), "500108": ("南岸", "区", MAIN), "500109": ("北碚", "区", MAIN),
    "500110": ("綦江", "区", MAIN), "500111": ("大足", "区", MAIN), "500112": ("渝北", "区", MAIN),
    "500113": ("巴南", "区", MAIN), "500114": ("黔江", "区", SE), "500115": ("长寿", "区", MAIN),
    "500116": ("江津", "区", MAIN), "500117": ("合川", "区", MAIN), "500118": ("永川", "区", MAIN),
    "500119": ("南川", "区", MAIN), "500120": ("璧山", "区", MAIN), "500151": ("铜梁", "区", MAIN),
    "500152": ("潼南", "区", MAIN), "500153": ("荣昌", "区", MAIN), "500154": ("开州", "区", NE),
    "500155": ("梁平", "区", NE), "500156": ("武隆", "区", SE), "500229": ("城口", "县", NE),
    "500230": ("丰都", "县", NE), "500231": ("垫江", "县", NE), "500233": ("忠县", "县", NE),
    "500235": ("云阳", "县", NE), "500236": ("奉节", "县", NE), "500237": ("巫山", "县", NE),
    "500238": ("巫溪", "县", NE), "500240": ("石柱", "自治县", SE), "500241": ("秀山", "自治县", SE),
    "500242": ("酉阳", "自治县", SE), "500243": ("彭水", "自治县", SE),
    "CQLJ": ("两江新区", "功能区", MAIN), "CQGX": ("重庆高新区", "功能区", MAIN),
    "CQWS": ("万盛经开区", "功能区", MAIN),
}


def check_districts(items):
    assert len(items) == 41
    by_code = {d["code"]: d for d in items}
    assert set(by_code) == set(DISTRICTS)
    for code, (name, typ, group) in DISTRICTS.items():
        d = by_code[code]
        assert name.rstrip("县") in d["name"], d
        assert d["type"] == typ, d
        assert d["group"] == group, d
    groups = [d["group"] for d in items]
    assert groups.count(MAIN) == 24 and groups.count(NE) == 11 and groups.count(SE) == 6
    assert by_code["500112"]["name"] == "渝北区" and by_code["500101"]["name"] == "万州区"
    assert by_code["CQLJ"]["name"] == "两江新区" and by_code["CQGX"]["name"] == "重庆高新区"
    assert by_code["CQWS"]["name"] == "万盛经开区"
    types = [d["type"] for d in items]
    assert (types.count("区"), types.count("县"), types.count("自治县"), types.count("功能区")) == (26, 8, 4, 3)


def test_districts_public(anon):
    body = expect(anon.get("/districts"), 200)
    assert body["total"] == 41
    check_districts(body["items"])


def test_districts_of_a_batch(anon, batch2020, batch):
    check_districts(expect(anon.get(f"/districts?batch_id={batch2020['id']}"), 200)["items"])
    check_districts(expect(anon.get(f"/districts?batch_id={batch['id']}"), 200)["items"])


def test_batch_2020(commission, batch2020):
    b = batch2020
    assert b["year"] == 2020
    assert b["opens_at"] == "2020-03-17T10:00:00+08:00"
    assert b["closes_at"] == "2020-04-11T00:00:00+08:00"
    assert b["district_deadline"] == "2020-04-18T00:00:00+08:00"
    assert b["notice_no"] == "渝经信智能〔2020〕15号"
    assert isinstance(b["id"], int) and b["name"]
    assert "contacts" in b and "rules" in b and b["rules"]
    one = expect(commission.get(f"/batches/{b['id']}"), 200)
    for k in ("id", "year", "name", "notice_no", "opens_at", "closes_at", "district_deadline"):
        assert one[k] == b[k]
    assert one["rules"] == b["rules"]


def test_batches_visible_to_any_account_outside_the_gate(platform, anon, batch2020):
    ent = platform.new_enterprise(connect=False, confirm=False)
    items = expect(ent.c.get("/batches"), 200)["items"]
    assert any(x["id"] == batch2020["id"] for x in items)
    expect(ent.c.get(f"/batches/{batch2020['id']}"), 200)


def test_batch_not_found(commission):
    assert_error(commission.get("/batches/99999999"), 404, "not_found")


def test_create_batch_copies_rules(commission, batch2020, platform):
    now = st.now_cst()
    body = {"year": 2021, "name": "2021年度数字化车间和智能工厂认定", "notice_no": "渝经信智能〔2021〕1号",
            "opens_at": st.iso(now - dt.timedelta(hours=1)), "closes_at": st.iso(now + dt.timedelta(days=20)),
            "district_deadline": st.iso(now + dt.timedelta(days=27)), "rules_from": batch2020["id"]}
    r = commission.post("/batches", body)
    b = expect(r, 201)
    assert isinstance(b["id"], int) and b["id"] != batch2020["id"]
    for k in ("year", "name", "notice_no", "opens_at", "closes_at", "district_deadline"):
        assert b[k] == body[k], k
    assert b["rules"] == batch2020["rules"]
    got = expect(commission.get(f"/batches/{b['id']}"), 200)
    assert got["rules"] == batch2020["rules"] and got["opens_at"] == body["opens_at"]
    assert any(x["id"] == b["id"] for x in expect(commission.get("/batches?limit=500"), 200)["items"])
    # years need not be unique
    expect(commission.post("/batches", {**body, "name": "同年第二批"}), 201)


def test_create_batch_refusals(commission, district_yb, shared_enterprise, batch2020, anon):
    now = st.now_cst()
    body = {"year": 2022, "name": "测试", "notice_no": "测试〔2022〕1号",
            "opens_at": st.iso(now), "closes_at": st.iso(now + dt.timedelta(days=10)),
            "district_deadline": st.iso(now + dt.timedelta(days=17)), "rules_from": batch2020["id"]}
    assert_error(anon.post("/batches", body), 401, "unauthenticated")
    assert_error(commission.post("/batches", body, csrf=False), 403, "csrf")
    assert_error(shared_enterprise.c.post("/batches", body), 403, "forbidden")
    assert_error(district_yb.post("/batches", body), 403, "forbidden")
    assert_error(commission.post("/batches", {**body, "opens_at": "next monday"}), 400, "bad_request",
                 ["opens_at"])
    assert_error(commission.post("/batches", {**body, "name": ""}), 400, "bad_request", ["name"])
    assert_error(commission.post("/batches", {**body, "rules_from": 99999999}), 404, "not_found")


def test_batch_times_answered_in_cst(commission, batch2020):
    body = {"year": 2030, "name": "时区测试批次", "notice_no": "测试〔2030〕1号",
            "opens_at": "2030-01-01T02:00:00Z", "closes_at": "2030-01-31T16:00:00+00:00",
            "district_deadline": "2030-02-10T00:00:00+08:00", "rules_from": batch2020["id"]}
    b = expect(commission.post("/batches", body), 201)
    assert b["opens_at"] == "2030-01-01T10:00:00+08:00"
    assert b["closes_at"] == "2030-02-01T00:00:00+08:00"
    assert b["district_deadline"] == "2030-02-10T00:00:00+08:00"


def test_update_batch_deadline(platform, commission, batch2020, shared_enterprise):
    b = platform.new_batch(batch2020["id"])
    new_deadline = st.iso(st.now_cst() + dt.timedelta(days=60))
    got = expect(commission.put(f"/batches/{b['id']}", {"district_deadline": new_deadline}), 200)
    assert got["district_deadline"] == new_deadline
    assert got["opens_at"] == b["opens_at"] and got["closes_at"] == b["closes_at"]
    assert got["rules"] == b["rules"] and got["name"] == b["name"]
    assert expect(commission.get(f"/batches/{b['id']}"), 200)["district_deadline"] == new_deadline
    assert_error(shared_enterprise.c.put(f"/batches/{b['id']}", {"district_deadline": new_deadline}),
                 403, "forbidden")
    assert_error(commission.put("/batches/99999999", {"district_deadline": new_deadline}), 404, "not_found")
    assert_error(commission.put(f"/batches/{b['id']}", {"district_deadline": "tomorrow"}), 400,
                 "bad_request", ["district_deadline"])
    err = assert_error(commission.put(f"/batches/{b['id']}", {"closes_at": "2020-01-01T00:00:00+08:00"}),
                       400, "bad_request")
    assert st.field_named(err.get("fields"), "closes_at") or st.field_named(err.get("fields"), "opens_at"), err
    assert expect(commission.get(f"/batches/{b['id']}"), 200)["district_deadline"] == new_deadline


def test_factory_modes(shared_enterprise, platform):
    ent = platform.new_enterprise(connect=False, confirm=False)  # outside the imp gate
    for c in (shared_enterprise.c, ent.c):
        body = expect(c.get("/factory-modes"), 200)
        assert body["total"] == 5
        ids = [m["id"] for m in body["items"]]
        assert sorted(ids) == sorted(["discrete", "process", "network", "customization", "remote_ops"])
        for m in body["items"]:
            assert isinstance(m["name"], str) and m["name"]
            assert m["key_elements"], m
            for k in m["key_elements"]:
                assert isinstance(k["id"], str) and k["id"]
                assert isinstance(k["text"], str) and st.has_cjk(k["text"])
            assert len({k["id"] for k in m["key_elements"]}) == len(m["key_elements"])
