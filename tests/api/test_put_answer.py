"""The answer of PUT /applications/{id}: built from what the save read and wrote, not
read back after the commit, it must still be exactly what a GET answers next — the form as
merged, the stored findings of the last check, the timeline with this save counted, the
project's and the enterprise's names as they stand, and a returned application's reason."""
import smiptest as st
from smiptest import expect


def get(ent, app_id):
    return expect(ent.c.get(f"/applications/{app_id}"), 200, "GET application")


def put(ent, app_id, patch):
    return expect(ent.c.put(f"/applications/{app_id}", patch), 200, f"PUT {patch}")


def saves(app):
    rows = [t for t in app["timeline"] if t["action"] == "update"]
    return rows[-1].get("count", 1) if rows else 0


def test_put_answers_as_get_after_checks_and_renames(platform, batch):
    ent = platform.new_enterprise("500112")
    app, project = platform.new_application(ent, batch["id"])
    aid = app["id"]
    findings = expect(ent.c.post(f"/applications/{aid}/check"), 200, "check")["findings"]
    before = saves(get(ent, aid))

    got = put(ent, aid, {"equipment_total": 321, "networked": {"inspection": False}})
    assert got == get(ent, aid)
    assert got["equipment_total"] == 321 and got["networked"]["inspection"] is False
    assert got["networked"]["processing"] is True  # merged, not replaced
    assert got["findings"] == findings  # the last check's findings, stored beside the row
    assert saves(got) == before + 1

    # The project renamed and the enterprise's findings replaced by a new check: the next
    # answer shows both.
    new_name = f"更名项目{st.unique('r')}"
    expect(ent.c.put(f"/projects/{project['id']}", {"name": new_name}), 200, "rename project")
    put(ent, aid, {"equipment_total": 1})  # the check below must find E-rules failing
    findings2 = expect(ent.c.post(f"/applications/{aid}/check"), 200, "check")["findings"]
    got = put(ent, aid, {"data_points_uploaded": 12})
    assert got == get(ent, aid)
    assert got["project"]["name"] == new_name
    assert got["findings"] == findings2
    assert got["equipment_total"] == 1 and got["data_points_uploaded"] == 12
    assert saves(got) == before + 3


def test_put_answer_of_a_returned_application_keeps_the_reason(platform, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.submitted_application(ent, batch["id"])
    aid = app["id"]
    district = platform.district_for("500112")
    expect(district.post(f"/applications/{aid}/district-review",
                         {"decision": "return", "opinion": "请补充设备清单（第二页）"}), 200, "return")
    got = put(ent, aid, {"equipment_total": 140})
    assert got == get(ent, aid)
    assert got["status"] == "returned" and got["equipment_total"] == 140
    ret = [t for t in got["timeline"] if t["action"] == "return"]
    assert ret and ret[-1]["reason"] == "请补充设备清单（第二页）"
    # a submission's own entries carry no reason
    assert all(t["reason"] is None for t in got["timeline"] if t["action"] in ("create", "submit"))


def test_put_of_nothing_answers_the_application(platform, shared_enterprise, batch):
    app, _ = platform.new_application(shared_enterprise, batch["id"])
    before = get(shared_enterprise, app["id"])
    got = put(shared_enterprise, app["id"], {"id": app["id"], "status": before["status"]})
    assert got == before == get(shared_enterprise, app["id"])
