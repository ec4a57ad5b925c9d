"""Generated documents: the 真实性审核意见 template (GET /applications/{id}/authenticity-template)
and the application list export (GET /exports/applications.xlsx). The PDF is read back with
poppler's pdftotext; the workbook with zipfile and ElementTree, and its rows must be exactly the
rows the list API gives the same caller for the same filter."""
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from io import BytesIO

import pytest

import smiptest as st
from smiptest import assert_error, expect

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
RARE_NAME_PREFIX = "重庆𠀾㐀"


@pytest.fixture(scope="module")
def doc_batch(platform, batch2020):
    """A batch of this module's own, so the export's rows are only the ones made here."""
    return platform.new_batch(batch2020["id"])


@pytest.fixture(scope="module")
def world(platform, doc_batch):
    """Applications of one batch: two submitted in 渝北 (one with rare characters in its name),
    one draft in 渝北, one submitted in 万州."""
    bid = doc_batch["id"]
    yb1 = platform.new_enterprise("500112", name=f"{RARE_NAME_PREFIX}{st.unique('n')}精密机械有限公司")
    yb2 = platform.new_enterprise("500112")
    yb3 = platform.new_enterprise("500112")
    wz = platform.new_enterprise("500101")
    a1, p1 = platform.submitted_application(yb1, bid)
    a2, _ = platform.submitted_application(yb2, bid)
    draft, _ = platform.new_application(yb3, bid)
    a4, _ = platform.submitted_application(wz, bid)
    return {"batch": doc_batch, "yb1": yb1, "yb3": yb3, "wz": wz, "a1": a1, "p1": p1, "a2": a2,
            "draft": draft, "a4": a4}


def pdftotext(data):
    assert shutil.which("pdftotext"), "pdftotext is missing: scripts/install-deps.sh installs poppler-utils"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], check=True,
                             capture_output=True, timeout=60).stdout.decode("utf-8")
    return out.replace("\n", "").replace("\f", "")


def xlsx_rows(data):
    """The cells of sheet 1 as rows of values: numbers as int/float, text as str, by column."""
    z = zipfile.ZipFile(BytesIO(data))
    assert z.testzip() is None
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        sst = ET.fromstring(z.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in sst.findall("m:si", NS)]
    sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet  # no formula anywhere
    root = ET.fromstring(sheet)
    rows = []
    for row in root.find("m:sheetData", NS).findall("m:row", NS):
        values = {}
        for c in row.findall("m:c", NS):
            ref = c.get("r")
            col = ord(ref[0]) - ord("A")  # 11 columns: A–K
            t = c.get("t")
            if t == "inlineStr":
                values[col] = "".join(x.text or "" for x in c.iter(f"{{{NS['m']}}}t"))
            elif t == "s":
                values[col] = shared[int(c.find("m:v", NS).text)]
            else:
                v = c.find("m:v", NS).text
                values[col] = int(v) if v.lstrip("-").isdigit() else float(v)
        rows.append([values.get(i) for i in range(max(values) + 1)] if values else [])
    return rows


def list_ids(client, query):
    body = expect(client.get(f"/applications?{query}&limit=500"), 200, "list")
    return [a["id"] for a in body["items"]]


def export(client, query):
    r = client.get(f"/exports/applications.xlsx?{query}")
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").startswith(XLSX_TYPE), r.headers
    assert "attachment" in r.headers.get("Content-Disposition", "")
    assert r.raw[:4] == b"PK\x03\x04"
    rows = xlsx_rows(r.raw)
    assert rows[0][:3] == ["申报编号", "申报批次", "企业名称"], rows[0]
    return rows


# ---------------------------------------------------------------- authenticity template

def test_authenticity_template_prefilled(world, district_yb):
    a1, ent, p1 = world["a1"], world["yb1"], world["p1"]
    r = district_yb.get(f"/applications/{a1['id']}/authenticity-template")
    assert r.status == 200, r
    assert r.headers.get("Content-Type") == "application/pdf"
    assert "attachment" in r.headers.get("Content-Disposition", "")
    assert r.raw[:5] == b"%PDF-"
    text = pdftotext(r.raw)
    for want in ("真实性审核意见", ent.enterprise["name"], ent.uscc, p1["name"], p1["site_name"],
                 "数字化车间", "渝北区", "1200 万元", world["batch"]["name"],
                 world["batch"]["notice_no"], str(a1["id"]), "经办人（签字）", "单位（盖章）"):
        assert want in text, (want, text)
    assert "𠀾" in text and "㐀" in text


def test_authenticity_template_who_may_not(world, district_yb, district_wz, commission, anon):
    aid = world["a1"]["id"]
    path = f"/applications/{aid}/authenticity-template"
    assert_error(district_wz.get(path), 404, "not_found")  # another district's application
    assert_error(commission.get(path), 403, "forbidden")
    assert_error(world["yb1"].c.get(path), 403, "forbidden")  # its own enterprise: not a reviewer
    assert_error(anon.get(path), 401, "unauthenticated")
    assert_error(district_yb.get("/applications/999999999/authenticity-template"), 404, "not_found")


def test_authenticity_template_draft_is_404(world, district_yb):
    assert_error(district_yb.get(f"/applications/{world['draft']['id']}/authenticity-template"),
                 404, "not_found")


def test_authenticity_template_other_district(world, district_wz):
    r = district_wz.get(f"/applications/{world['a4']['id']}/authenticity-template")
    assert r.status == 200, r
    text = pdftotext(r.raw)
    assert "万州区" in text and world["wz"].uscc in text


# ---------------------------------------------------------------- xlsx export

def test_export_commission_same_rows_as_list(world, commission):
    bid = world["batch"]["id"]
    rows = export(commission, f"batch_id={bid}")
    ids = [r[0] for r in rows[1:]]
    assert ids == list_ids(commission, f"batch_id={bid}")
    assert set(ids) == {world[k]["id"] for k in ("a1", "a2", "draft", "a4")}  # drafts included
    by_id = {r[0]: r for r in rows[1:]}
    row = by_id[world["a1"]["id"]]
    assert row[1] == world["batch"]["name"]
    assert row[2] == world["yb1"].enterprise["name"] and row[2].startswith(RARE_NAME_PREFIX)
    assert row[4] == world["p1"]["name"]
    assert row[6] == "数字化车间"
    assert row[7] == "渝北区"
    assert row[8] == "已提交，待区县初审"
    assert by_id[world["draft"]["id"]][8] == "草稿"
    assert by_id[world["a4"]["id"]][7] == "万州区"
    assert isinstance(row[0], int)  # numbers stay numbers


def test_export_district_scope(world, district_yb, district_wz):
    bid = world["batch"]["id"]
    yb = [r[0] for r in export(district_yb, f"batch_id={bid}")[1:]]
    assert yb == list_ids(district_yb, f"batch_id={bid}")
    assert set(yb) == {world["a1"]["id"], world["a2"]["id"]}  # own district, never drafts
    wz = [r[0] for r in export(district_wz, f"batch_id={bid}")[1:]]
    assert wz == [world["a4"]["id"]]
    # a district cannot widen its scope with the list's district_code filter
    assert [r[0] for r in export(district_yb, f"batch_id={bid}&district_code=500101")[1:]] == []


def test_export_status_filter(world, commission):
    bid = world["batch"]["id"]
    rows = export(commission, f"batch_id={bid}&status=draft")
    assert [r[0] for r in rows[1:]] == [world["draft"]["id"]]
    rows = export(commission, f"batch_id={bid}&status=certified")
    assert rows[1:] == []  # header only


def test_export_bad_input_and_roles(world, commission, anon):
    assert_error(commission.get("/exports/applications.xlsx?batch_id=abc"), 400, "bad_request")
    assert_error(commission.get("/exports/applications.xlsx?batch_id=0"), 400, "bad_request")
    assert_error(commission.get("/exports/applications.xlsx?status=nonsense"), 400, "bad_request")
    assert_error(world["yb1"].c.get("/exports/applications.xlsx"), 403, "forbidden")
    assert_error(anon.get("/exports/applications.xlsx"), 401, "unauthenticated")


# ---------------------------------------------------------------- the district's queue page

def test_district_queue_links(world, district_yb):
    """The queue page offers each application's template and the export of what it shows, and
    both links answer with the page's own session cookie."""
    r = district_yb.raw("GET", "/district?status=submitted", headers={"Accept": "text/html"})
    assert r.status == 200, r
    html = r.raw.decode("utf-8")
    aid = world["a1"]["id"]
    link = f"/api/v1/applications/{aid}/authenticity-template"
    assert f'href="{link}"' in html
    assert 'href="/api/v1/exports/applications.xlsx?status=submitted"' in html
    pdf = district_yb.raw("GET", link, headers={"Accept": "text/html"})
    assert pdf.status == 200 and pdf.raw[:5] == b"%PDF-", pdf
    xlsx = district_yb.raw("GET", "/api/v1/exports/applications.xlsx?status=submitted",
                           headers={"Accept": "text/html"})
    assert xlsx.status == 200, xlsx
    ids = {row[0] for row in xlsx_rows(xlsx.raw)[1:]}
    assert aid in ids and world["draft"]["id"] not in ids


# ---------------------------------------------------------------- the whole material as ZIP

def materials(client, app_id):
    r = client.get(f"/applications/{app_id}/materials.zip")
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").startswith("application/zip"), r.headers
    assert "attachment" in r.headers.get("Content-Disposition", "")
    z = zipfile.ZipFile(BytesIO(r.raw))
    assert z.testzip() is None
    return z


def test_materials_zip_has_the_application_and_every_file(platform, doc_batch, district_yb, commission):
    ent = platform.new_enterprise("500112")
    app, project = platform.approved_application(ent, doc_batch["id"])
    full = expect(ent.c.get(f"/applications/{app['id']}"), 200, "get")
    wanted = set(full["attachment_ids"]) | set(expect(ent.c.get(f"/projects/{project['id']}"), 200, "project")["approval_attachment_ids"])
    hashes = {}
    for att_id in wanted:
        r = ent.c.get(f"/attachments/{att_id}")
        assert r.status == 200, r
        hashes[att_id] = __import__("hashlib").sha256(r.raw).hexdigest()
    district = platform.district_for("500112")
    for who in (district, commission, ent.c):
        z = materials(who, app["id"])
        names = z.namelist()
        doc = __import__("json").loads(z.read("申报书.json"))
        assert doc["id"] == app["id"] and doc["status"] == "district_approved"
        files = [n for n in names if n.startswith("附件/")]
        got = sorted(__import__("hashlib").sha256(z.read(n)).hexdigest() for n in files)
        assert got == sorted(hashes.values()), (names, hashes)
        assert all(not n.startswith("/") and ".." not in n.split("/") for n in names), names
        review_files = [n for n in names if n.startswith("审核材料/")]
        if who is ent.c:
            assert review_files == [], "the enterprise is given the district's own scan"
        else:
            assert len(review_files) == 1, names  # the district's 真实性审核意见 scan
            assert z.read(review_files[0]).startswith(b"%PDF")


def test_materials_zip_who_may_not(world, district_wz, anon, platform):
    a1 = world["a1"]["id"]
    assert_error(district_wz.get(f"/applications/{a1}/materials.zip"), 404, "not_found")
    assert_error(world["wz"].c.get(f"/applications/{a1}/materials.zip"), 404, "not_found")
    assert_error(anon.get(f"/applications/{a1}/materials.zip"), 401, "unauthenticated")
    expert = platform.experts(1)[0]
    assert_error(expert.get(f"/applications/{a1}/materials.zip"), 404, "not_found")
    assert_error(district_wz.get("/applications/999999999/materials.zip"), 404, "not_found")
