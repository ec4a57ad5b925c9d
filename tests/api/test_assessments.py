"""智能制造能力测评: the model for each manufacturing type, the draft, completing an
assessment (incomplete 422 naming the missing ids, unknown ids 400), scores at 4 places, the list,
one report, the radar SVG, isolation between enterprises, roles, and rule A1 at submit."""
import pytest

import smiptest as st
from smiptest import assert_error, expect


def requirement_ids(model):
    ids = []
    for el in model["elements"]:
        for dm in el["domains"]:
            for sd in dm["subdomains"]:
                for q in sd["requirements"]:
                    ids.append(q["id"])
    return ids


def subdomain_names(model):
    return {sd["name"] for el in model["elements"] for dm in el["domains"] for sd in dm["subdomains"]}


def all_answers(model, value):
    return {i: value for i in requirement_ids(model)}


@pytest.fixture(scope="module")
def model(shared_enterprise):
    return expect(shared_enterprise.c.get("/assessment-model"), 200, "model")


def test_model_shape(model):
    assert isinstance(model["version"], str) and model["version"]
    assert len(model["elements"]) == 4
    assert sum(len(e["domains"]) for e in model["elements"]) == 12
    names = subdomain_names(model)
    assert len(names) == 20 and "产品设计" in names
    levels = set()
    for el in model["elements"]:
        assert isinstance(el["id"], str) and st.has_cjk(el["name"])
        for dm in el["domains"]:
            for sd in dm["subdomains"]:
                per = {}
                for q in sd["requirements"]:
                    assert isinstance(q["id"], str) and st.has_cjk(q["text"])
                    assert q["level"] in (1, 2, 3, 4, 5)
                    per[q["level"]] = per.get(q["level"], 0) + 1
                    levels.add(q["level"])
                assert all(n >= 2 for n in per.values()), (sd["id"], per)
    assert levels == {1, 2, 3, 4, 5}
    ids = requirement_ids(model)
    assert len(ids) == len(set(ids))


def test_process_model_lacks_product_design(platform, model):
    ent = platform.new_enterprise(manufacturing_type="process")
    m = expect(ent.c.get("/assessment-model"), 200)
    names = subdomain_names(m)
    assert "产品设计" not in names and "工艺设计" in names and len(names) == 19
    assert len(requirement_ids(m)) < len(requirement_ids(model))
    # answering the discrete-only sub-domain is answering an unknown requirement
    pd = [i for i in requirement_ids(model) if i not in set(requirement_ids(m))]
    answers = all_answers(m, 1)
    answers[pd[0]] = 1
    assert_error(ent.c.post("/assessments", {"answers": answers}), 400, "bad_request")
    # mixed enterprises use the discrete set
    mixed = platform.new_enterprise(manufacturing_type="mixed")
    assert "产品设计" in subdomain_names(expect(mixed.c.get("/assessment-model"), 200))


def test_draft_merge_and_resume(enterprise, model):
    ent = enterprise
    d = expect(ent.c.get("/assessments/draft"), 200)
    assert d["answers"] == {} and d["answered"] == 0 and d["total"] == len(requirement_ids(model))
    ids = requirement_ids(model)
    expect(ent.c.put("/assessments/draft", {"answers": {ids[0]: 1, ids[1]: 0.5}}), 200)
    expect(ent.c.put("/assessments/draft", {"answers": {ids[2]: 0.8, ids[1]: None}}), 200)
    d = expect(ent.c.get("/assessments/draft"), 200)
    assert d["answers"] == {ids[0]: 1, ids[2]: 0.8}
    assert d["answered"] == 2
    # a bad value or an unknown id refuses the whole patch and saves nothing of it
    r = ent.c.put("/assessments/draft", {"answers": {ids[3]: 1, ids[4]: 0.7}})
    assert_error(r, 400, "bad_request", fields=[f"answers.{ids[4]}"])
    assert_error(ent.c.put("/assessments/draft", {"answers": {"no.such.id": 1}}), 400, "bad_request")
    assert_error(ent.c.put("/assessments/draft", {"answers": [1]}), 400, "bad_request")
    assert expect(ent.c.get("/assessments/draft"), 200)["answers"] == {ids[0]: 1, ids[2]: 0.8}


def test_incomplete_names_missing_ids(enterprise, model):
    ids = requirement_ids(model)
    answers = all_answers(model, 1)
    del answers[ids[5]]
    del answers[ids[-1]]
    r = enterprise.c.post("/assessments", {"answers": answers})
    err = assert_error(r, 422, "incomplete")
    assert set(err["fields"]) == {ids[5], ids[-1]}
    assert ids[5] in err["message"]
    assert_error(enterprise.c.post("/assessments", {"answers": {}}), 422, "incomplete")


def test_unknown_id_or_bad_value_is_400(enterprise, model):
    answers = all_answers(model, 1)
    answers["unknown.9.9"] = 1
    assert_error(enterprise.c.post("/assessments", {"answers": answers}), 400, "bad_request")
    answers = all_answers(model, 1)
    answers[requirement_ids(model)[0]] = 0.6
    assert_error(enterprise.c.post("/assessments", {"answers": answers}), 400, "bad_request")
    assert_error(enterprise.c.post("/assessments", {}), 400, "bad_request", fields=["answers"])


@pytest.mark.parametrize("value,score,level", [(0.8, "4", 4), ("0.8", "4", 4), (0.5, "0.5", 0),
                                               (1, "5", 5), (0, "0", 0)])
def test_uniform_answers_score(platform, value, score, level):
    ent = platform.new_enterprise()
    m = expect(ent.c.get("/assessment-model"), 200)
    a = expect(ent.c.post("/assessments", {"answers": all_answers(m, value)}), 201)
    assert a["score"] == score and a["level"] == level, a
    assert a["version"] == m["version"]
    assert len(a["domains"]) == 12 and all(isinstance(d["id"], str) for d in a["domains"])
    assert all(isinstance(d["score"], str) for d in a["domains"])
    assert isinstance(a["weakest"], list)


def test_hand_computed_levels(platform):
    """L1 all 1, L2 half 1 half 0.8 (0.9), L3 and up 0.5 → S = 1 + 0.9 + 0.5 = 2.4, 二级."""
    ent = platform.new_enterprise()
    m = expect(ent.c.get("/assessment-model"), 200)
    answers = {}
    for el in m["elements"]:
        for dm in el["domains"]:
            for sd in dm["subdomains"]:
                by = {}
                for q in sd["requirements"]:
                    by.setdefault(q["level"], []).append(q["id"])
                for lv, qs in by.items():
                    for i, q in enumerate(qs):
                        answers[q] = 1 if lv == 1 else (1 if i % 2 == 0 else 0.8) if lv == 2 else 0.5
    # every L2 cell has an even number of requirements in the shipped model, so L2 is 0.9
    a = expect(ent.c.post("/assessments", {"answers": answers}), 201)
    levels = {x["level"]: x["score"] for x in a["levels"]}
    assert levels[1] == "1" and levels[2] == "0.9" and levels[3] == "0.5", levels
    assert a["score"] == "2.4" and a["level"] == 2 and a["level_name"] == "二级"
    # the weakest sub-domains name the requirements they miss at the next level
    assert a["weakest"] and a["weakest"][0]["missing"]
    assert all(st.has_cjk(q["text"]) for q in a["weakest"][0]["missing"])


def test_list_get_radar_history_and_draft_cleared(enterprise, model):
    ent = enterprise
    expect(ent.c.put("/assessments/draft", {"answers": {requirement_ids(model)[0]: 1}}), 200)
    first = expect(ent.c.post("/assessments", {"answers": all_answers(model, 0.5)}), 201)
    assert expect(ent.c.get("/assessments/draft"), 200)["answers"] == {}
    second = expect(ent.c.post("/assessments", {"answers": all_answers(model, 0.8)}), 201)
    lst = expect(ent.c.get("/assessments"), 200)
    assert lst["total"] == 2 and [x["id"] for x in lst["items"]] == [second["id"], first["id"]]
    assert lst["items"][0]["score"] == "4" and lst["items"][0]["level"] == 4
    got = expect(ent.c.get(f"/assessments/{second['id']}"), 200)
    assert got["id"] == second["id"] and got["score"] == "4"
    assert got["history"][0]["id"] == first["id"]
    changes = {d["id"]: d["change"] for d in got["history"][0]["domains"]}
    assert all(c.startswith("+") for c in changes.values()), changes
    peers = got["peers"]  # other tests' 渝北 discrete enterprises may or may not be five yet
    assert peers["shown"] is (peers["count"] >= 5)
    r = ent.c.get(f"/assessments/{second['id']}/radar.svg")
    assert r.status == 200 and r.headers["Content-Type"].startswith("image/svg+xml")
    svg = r.body.decode("utf-8") if isinstance(r.body, bytes) else r.body
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg and "<polygon" in svg
    assert "组织战略" in svg and "<script" not in svg


def test_other_enterprise_is_404(shared_enterprise, other_enterprise, model):
    a = expect(shared_enterprise.c.post("/assessments", {"answers": all_answers(model, 1)}), 201)
    assert_error(other_enterprise.c.get(f"/assessments/{a['id']}"), 404, "not_found")
    assert_error(other_enterprise.c.get(f"/assessments/{a['id']}/radar.svg"), 404, "not_found")
    assert_error(other_enterprise.c.get("/assessments/99999999"), 404, "not_found")
    lst = expect(other_enterprise.c.get("/assessments"), 200)
    assert all(x["id"] != a["id"] for x in lst["items"])


def test_staff_never_see_assessments(platform, commission, district_yb):
    expert = platform.new_staff("expert", employer_uscc=st.make_uscc())
    for c in (expert, commission, district_yb):
        assert_error(c.get("/assessments"), 403, "forbidden")
        assert_error(c.get("/assessment-model"), 403, "forbidden")
        assert_error(c.get("/assessments/1"), 403, "forbidden")


def test_peer_averages_need_five_others(platform):
    """Peers are the same district group and manufacturing type: 渝东南 process enterprises."""
    ents = [platform.new_enterprise(district="500114", manufacturing_type="process") for _ in range(6)]
    m = expect(ents[0].c.get("/assessment-model"), 200)
    ids = []
    for i, e in enumerate(ents):
        a = expect(e.c.post("/assessments", {"answers": all_answers(m, 1 if i == 0 else 0.5)}), 201)
        ids.append(a["id"])
        if i < 5:
            assert a["peers"]["shown"] is False
    # the sixth sees five others (all 0.5): their average, never any single one
    last = expect(ents[5].c.get(f"/assessments/{ids[5]}"), 200)
    # one of the five others answered 1 everywhere: average of (5, .5, .5, .5, .5) = 1.4
    assert last["peers"]["shown"] is True and last["peers"]["count"] == 5
    assert last["peers"]["score"] == "1.4", last["peers"]
    assert len(last["peers"]["domains"]) == len(last["domains"])
    # the first enterprise assesses again (0.5 everywhere): its new assessment replaces its
    # first among the peers, it is not added (migration 019 keeps the sums)
    again = expect(ents[0].c.post("/assessments", {"answers": all_answers(m, 0.5)}), 201)
    last = expect(ents[5].c.get(f"/assessments/{ids[5]}"), 200)
    assert last["peers"]["count"] == 5 and last["peers"]["score"] == "0.5", last["peers"]
    assert all(d["score"] == dm["score"] for d, dm in zip(last["peers"]["domains"], last["domains"]))
    # an enterprise is never its own peer, in its older report as in its new one
    for aid in (ids[0], again["id"]):
        own = expect(ents[0].c.get(f"/assessments/{aid}"), 200)["peers"]
        assert own["count"] == 5 and own["score"] == "0.5", (aid, own)


def test_a1_at_submit(platform, batch):
    ent = platform.new_enterprise()
    app, _ = platform.new_application(ent, batch["id"])
    chk = expect(ent.c.post(f"/applications/{app['id']}/check"), 200)
    a1 = [f for f in chk["findings"] if f["rule"] == "A1"]
    assert a1 and a1[0]["ok"] is False and a1[0]["severity"] == "error"
    # the finding says whether an assessment exists, never its score
    assert "score" not in a1[0] and "分" not in a1[0]["actual"]
    err = assert_error(ent.c.post(f"/applications/{app['id']}/submit"), 422, "rule_failed")
    assert any(f["rule"] == "A1" and not f["ok"] for f in err["findings"])
    platform.ensure_assessment(ent)
    chk = expect(ent.c.post(f"/applications/{app['id']}/check"), 200)
    assert [f for f in chk["findings"] if f["rule"] == "A1"][0]["ok"] is True
    got = expect(ent.c.post(f"/applications/{app['id']}/submit"), 200)
    assert got["status"] == "submitted"
