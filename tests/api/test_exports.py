"""The desks' other lists as .xlsx (certificates, objections, experts, rename/restructure
requests): each workbook holds exactly the rows its JSON list gives the same caller, in order;
the roles are the list's."""
import pytest

from smiptest import assert_error, expect
from test_documents import XLSX_TYPE, xlsx_rows


def workbook(client, path):
    r = client.get(path)
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").startswith(XLSX_TYPE), r.headers
    assert "attachment" in r.headers.get("Content-Disposition", "")
    return xlsx_rows(r.raw)


def listed(client, path, key):
    body = expect(client.get(f"{path}{'&' if '?' in path else '?'}limit=500"), 200, "list")
    assert body["total"] <= 500, "more rows than one page: the comparison would be partial"
    return [i[key] for i in body["items"]]


@pytest.fixture(scope="module")
def world(platform, batch):
    ent = platform.new_enterprise("500112")
    app, cert = platform.certified_application(ent, batch["id"])
    evidence = platform.upload_pdf(ent)["id"]
    expect(ent.c.post(f"/certificates/{cert['certificate_no']}/adjustments",
                      {"kind": "rename", "new_name": "重庆导出测试更名有限公司",
                       "evidence_attachment_id": evidence}), 201, "adjustment")
    other = platform.published_application(platform.new_enterprise("500112"), batch["id"], ended=False)
    expect(platform.objection(platform.client("public"), other["id"]), 201, "objection")
    platform.new_expert()
    return {"ent": ent, "cert": cert, "batch": batch}


@pytest.mark.parametrize("export,lst,key,first", [
    ("/exports/certificates.xlsx", "/certificates", "certificate_no", "证书编号"),
    ("/exports/objections.xlsx", "/objections", "id", "异议编号"),
    ("/exports/experts.xlsx", "/experts", "id", "编号"),
    ("/exports/adjustments.xlsx", "/adjustments", "id", "编号"),
])
def test_export_is_the_list(world, commission, export, lst, key, first):
    rows = workbook(commission, export)
    assert rows[0][0] == first, rows[0]
    assert [r[0] for r in rows[1:]] == listed(commission, lst, key)
    assert len(rows) > 1, f"{export} exported no row"


def test_export_filters_and_scope(world, commission, platform):
    bid = world["batch"]["id"]
    rows = workbook(commission, f"/exports/objections.xlsx?batch_id={bid}&status=open")
    assert [r[0] for r in rows[1:]] == listed(commission, f"/objections?batch_id={bid}&status=open", "id")
    # an enterprise exports its own certificates only; a district its district's requests
    ent = world["ent"]
    rows = workbook(ent.c, "/exports/certificates.xlsx")
    assert [r[0] for r in rows[1:]] == [world["cert"]["certificate_no"]]
    district = platform.district_for("500112")
    rows = workbook(district, "/exports/adjustments.xlsx")
    assert [r[0] for r in rows[1:]] == listed(district, "/adjustments", "id")
    assert_error(platform.district_for("500101").get("/exports/experts.xlsx"), 403, "forbidden")
    assert_error(ent.c.get("/exports/objections.xlsx"), 403, "forbidden")
    assert_error(commission.get("/exports/objections.xlsx?batch_id=x"), 400, "bad_request")


def test_export_needs_a_session(anon):
    for p in ("/exports/certificates.xlsx", "/exports/objections.xlsx", "/exports/experts.xlsx",
              "/exports/adjustments.xlsx"):
        assert_error(anon.get(p), 401, "unauthenticated")
