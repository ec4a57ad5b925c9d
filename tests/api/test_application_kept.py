"""GET /applications/{id} answers from a kept text while nothing it shows has changed (keyed by
the generations of its enterprise, its batch and everything: svc_app_scopes, web_fresh). The kept text must never be stale and never reach a reader who may not
see the application: every change — two saves within one second, a pre-check (stored without an
audit entry), the enterprise's and the project's names on a draft, a submission, a district's
return with its reason, a withdrawal — shows on the very next read, for the owner and for the
district alike; the commission's view (which names the experts) is kept apart (see
test_review_expert.test_enterprise_sees_reasons_not_experts); others get 404."""
import smiptest as st
from smiptest import assert_error, expect

CODE = "500152"


def read(client, aid):
    return expect(client.get(f"/applications/{aid}"), 200)


def test_every_change_shows_on_the_next_read(platform, batch):
    ent = platform.new_enterprise(CODE)
    app, project = platform.new_application(ent, batch["id"], form=False)
    aid = app["id"]
    first = read(ent.c, aid)
    assert read(ent.c, aid) == first
    # two saves within one second: each on the next read
    expect(ent.c.put(f"/applications/{aid}", {"equipment_total": 77}), 200)
    assert read(ent.c, aid)["equipment_total"] == 77
    expect(ent.c.put(f"/applications/{aid}", {"equipment_total": 78}), 200)
    after = read(ent.c, aid)
    assert after["equipment_total"] == 78
    assert after["timeline"][-1].get("count") == 2, after["timeline"]
    # a pre-check stores its findings without an audit entry: still on the next read
    assert after["findings"] == []
    findings = expect(ent.c.post(f"/applications/{aid}/check"), 200)["findings"]
    assert findings and read(ent.c, aid)["findings"] == findings
    expect(ent.c.put(f"/applications/{aid}", {"equipment_total": 79}), 200)
    assert read(ent.c, aid)["findings"] == findings  # kept at the save's version
    att = platform.upload_pdf(ent)
    expect(ent.c.put(f"/applications/{aid}", st.passing_form([att["id"]])), 200)
    assert read(ent.c, aid)["findings"] == findings
    checked = expect(ent.c.post(f"/applications/{aid}/check"), 200)["findings"]
    assert checked != findings
    assert read(ent.c, aid)["findings"] == checked
    # the enterprise's and the project's names, as they stand on a draft
    expect(ent.c.put("/enterprise", {"name": "读缓存测试制造有限公司"}), 200)
    assert read(ent.c, aid)["enterprise"]["name"] == "读缓存测试制造有限公司"
    expect(ent.c.put(f"/projects/{project['id']}", {"name": "读缓存改名后的项目"}), 200)
    assert read(ent.c, aid)["project"]["name"] == "读缓存改名后的项目"
    # submitted, returned by the district with its reason, resubmitted, withdrawn
    platform.ensure_assessment(ent)
    expect(ent.c.post(f"/applications/{aid}/submit"), 200)
    assert read(ent.c, aid)["status"] == "submitted"
    d = platform.district_for(CODE)
    assert read(d, aid)["status"] == "submitted"
    expect(d.post(f"/applications/{aid}/district-review",
                  {"decision": "return", "opinion": "请补充设备清单"}), 200)
    mine = read(ent.c, aid)
    assert mine["status"] == "returned" and mine["timeline"][-1]["reason"] == "请补充设备清单"
    assert read(d, aid) == mine
    expect(ent.c.post(f"/applications/{aid}/submit"), 200)
    assert read(d, aid)["status"] == "submitted"
    expect(ent.c.post(f"/applications/{aid}/withdraw"), 200)
    assert read(ent.c, aid)["status"] == "draft"
    # a draft is the enterprise's own again: the district's kept read does not outlive it
    assert_error(d.get(f"/applications/{aid}"), 404, "not_found")


def test_kept_text_never_reaches_others(platform, batch):
    ent = platform.new_enterprise(CODE)
    other = platform.new_enterprise(CODE)
    app, _ = platform.new_application(ent, batch["id"])
    aid = app["id"]
    read(ent.c, aid)
    read(ent.c, aid)
    assert_error(other.c.get(f"/applications/{aid}"), 404, "not_found")
    assert_error(platform.district_for(CODE).get(f"/applications/{aid}"), 404, "not_found")
    assert_error(platform.district_for("500112").get(f"/applications/{aid}"), 404, "not_found")
    assert_error(ent.c.get(f"/applications/{aid + 100000}"), 404, "not_found")


def test_the_page_shows_each_change_on_the_next_read(platform, batch):
    """The readable 申报书 on /applications/{id} is kept per application and reader class by the
    generations it shows: a save, a check, the enterprise's name and a change of its batch's own
    row each show on the next read (that another application's save does not count the batch
    is held by tests/unit/test_generation.c)."""
    b = platform.new_batch(batch["id"])
    try:
        ent = platform.new_enterprise(CODE)
        app, _ = platform.new_application(ent, b["id"], form=False)
        aid = app["id"]
        first = st.html_page(ent.c, f"/applications/{aid}")
        assert st.html_page(ent.c, f"/applications/{aid}") == first
        expect(ent.c.put(f"/applications/{aid}", {"equipment_total": 4321}), 200)
        assert "4321 台/套" in st.html_page(ent.c, f"/applications/{aid}")
        assert "尚未预检" in st.html_page(ent.c, f"/applications/{aid}")
        expect(ent.c.post(f"/applications/{aid}/check"), 200)
        assert "尚未预检" not in st.html_page(ent.c, f"/applications/{aid}")
        expect(ent.c.put("/enterprise", {"name": "页面缓存测试制造有限公司"}), 200)
        assert "页面缓存测试制造有限公司" in st.html_page(ent.c, f"/applications/{aid}")
        name = f"页面缓存测试批次{st.unique('n')}"
        expect(platform.commission.put(f"/batches/{b['id']}", {"name": name}), 200)
        text = st.html_page(ent.c, f"/applications/{aid}")
        assert text.count(name) >= 2, "the batch's new name in the heading and in the 申报书"
    finally:
        platform.retire_batch(b["id"])
