"""The application, readable: GET /applications/{id} shows the whole 申报书 in the order of
附件1/附件2 to each role that may read it (the enterprise, its district once submitted, assigned
experts, the commission) and 404 to the others; the same content as a server-made PDF
(GET /api/v1/applications/{id}/application.pdf and 申报书.pdf in the materials ZIP); attachments
open inline."""
import html.parser
import io
import re
import shutil
import subprocess
import tempfile
import zipfile

import pytest

import smiptest as st
from smiptest import expect


class _Text(html.parser.HTMLParser):
    """The text a person reads: character data outside <script>/<style>, never attributes."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(page):
    p = _Text()
    p.feed(page)
    return re.sub(r"\s+", " ", " ".join(p.parts))


RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Internal codes a person must never read: states, types, rule ids, enum values.
CODES = ("district_approved", "expert_review", "submitted", "workshop", "factory",
         "before_project", "T-equipment-share", "T-kpi", "operating_cost", "D-declaration",
         "discrete", "filing", "true", "false", "null", "other_findings", "radar_svg", "{{", "}}")


def no_codes(text):
    for c in CODES:
        assert not re.search(r"(?<![A-Za-z_-])" + re.escape(c) + r"(?![A-Za-z_-])", text), c
    assert not re.search(r"[{}\[\]]", text), "template text leaks: " + text[:300]
    assert not RFC3339.search(text), RFC3339.search(text).group(0)


@pytest.fixture(scope="module")
def world(platform, batch):
    """A workshop application with a PDF and a PNG attachment, approved by 渝北区 with its
    authenticity scan, assigned to three experts."""
    ent = platform.new_enterprise("500112")
    platform.ensure_assessment(ent)
    app, project = platform.new_application(ent, batch["id"])
    png = expect(ent.c.upload(st.make_png(), filename="车间照片.png", ctype="image/png"), 201, "png")
    ids = app["attachment_ids"] + [png["id"]]
    expect(ent.c.put(f"/applications/{app['id']}", {"attachment_ids": ids}), 200, "attach png")
    expect(ent.c.post(f"/applications/{app['id']}/submit"), 200, "submit")
    district = platform.district_for("500112")
    expect(platform.district_review(district, app["id"], opinion="材料真实，数据可信，同意推荐"),
           200, "approve")
    experts = [platform.new_expert() for _ in range(3)]
    expect(platform.assign(app["id"], experts), 201, "assign")
    return {"ent": ent, "app": app, "project": project, "png": png["id"],
            "pdf": app["attachment_ids"][0], "district": district, "experts": experts}


def get_page(client, app_id):
    return client.raw("GET", f"/applications/{app_id}", headers={"Accept": "text/html"})


def assert_readable(page, w):
    text = page_text(page)
    ent_name = w["ent"].enterprise.get("name") or ""
    # enterprise and project
    assert ent_name and ent_name in text
    assert w["ent"].uscc in text
    assert w["project"]["name"] in text
    assert "1200 万元（12000000 元）" in text  # 设备和软件投资 with its unit
    assert "2019年12月31日" in text  # the completion date as people write it
    # every figure of 附件1 with its finding beside it, in order
    order = ["一、设备数字化", "生产装备总数", "100 台/套", "其中数字化装备", "60 台/套",
             "数字化装备占比", "二、数据采集", "加工设备联网运行", "应采集的设备运行数据项数",
             "95 项", "设备运行数据上传率", "三、生产过程数字化", "车间作业计划管理和调度",
             "四、车间信息集成", "MES 与 ERP 实时交换生产数据", "五、绩效指标", "六、新一代信息技术应用",
             "数字孪生", "声明"]
    at = 0
    for label in order:
        i = text.find(label, at)
        assert i >= 0, f"{label!r} missing or out of order after {text[at - 40:at]!r}"
        at = i
    assert "满足" in text and "不满足" not in text
    # KPIs before → after with the change, absolute and relative
    kpi = re.search(r"运营成本 100 80 −20 −20% 降低 15% 以上 满足", text)
    assert kpi, text[text.find("运营成本"):text.find("运营成本") + 120]
    assert re.search(r"生产效率 100 115 \+15 \+15% 提高 10% 以上 满足", text)
    assert re.search(r"能源利用率 0\.80 0\.90 \+0\.1 \+12\.5%", text)
    # self-assessment
    assert "智能制造能力自评估" in text and "企业尚未完成自评估" not in text
    assert "<svg" in page
    # attachments open inline
    assert f'href="/api/v1/attachments/{w["pdf"]}?inline=1"' in page
    assert f'href="/api/v1/attachments/{w["png"]}?inline=1"' in page
    assert "车间照片.png" in text
    # the district's opinion
    assert "区县初审意见" in text and "材料真实，数据可信，同意推荐" in text
    no_codes(text)
    return text


def test_each_reader_sees_the_whole_application(world, commission):
    app_id = world["app"]["id"]
    for who, client in (("enterprise", world["ent"].c), ("district", world["district"]),
                        ("expert", world["experts"][0]), ("commission", commission)):
        r = get_page(client, app_id)
        assert r.status == 200, (who, r)
        text = assert_readable(r.raw.decode("utf-8"), world)
        if who == "enterprise":  # the scan goes with the review, not back to the enterprise
            assert "真实性审核意见" not in text
        else:
            assert "真实性审核意见" in text


def test_district_scan_linked_after_approval(world):
    page = get_page(world["district"], world["app"]["id"]).raw.decode("utf-8")
    m = re.search(r'真实性审核意见</dt><dd><a href="/api/v1/attachments/(\d+)\?inline=1"', page)
    assert m, "the authenticity scan is not linked"
    r = world["district"].raw("GET", f"/api/v1/attachments/{m.group(1)}?inline=1")
    assert r.status == 200 and r.raw.startswith(b"%PDF")


@pytest.mark.parametrize("path", ["/applications/{id}", "/api/v1/applications/{id}/application.pdf",
                                  "/api/v1/applications/{id}/materials.zip"])
def test_others_get_404(world, platform, district_wz, path):
    app_id = world["app"]["id"]
    outsider = platform.new_expert()  # an expert, not assigned to it
    other_ent = platform.new_enterprise("500112")
    for who, client in (("unassigned expert", outsider), ("other district", district_wz),
                        ("other enterprise", other_ent.c)):
        r = client.raw("GET", path.format(id=app_id), headers={"Accept": "text/html"})
        assert r.status == 404, (who, path, r.status)
    assert world["ent"].enterprise["name"].encode() not in r.raw


def test_district_sees_no_draft(platform, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch["id"])
    district = platform.district_for("500112")
    assert get_page(district, app["id"]).status == 404
    assert district.raw("GET", f"/api/v1/applications/{app['id']}/application.pdf").status == 404
    assert get_page(ent.c, app["id"]).status == 200  # its own draft


def test_attachment_opens_inline_for_a_reader(world, district_wz):
    d = world["district"]
    for att, ctype in ((world["pdf"], "application/pdf"), (world["png"], "image/png")):
        r = d.raw("GET", f"/api/v1/attachments/{att}?inline=1")
        assert r.status == 200
        assert r.headers.get("Content-Type") == ctype
        assert r.headers.get("Content-Disposition", "").startswith("inline; filename*=UTF-8''")
        r = d.raw("GET", f"/api/v1/attachments/{att}")
        assert r.headers.get("Content-Disposition", "").startswith("attachment;")
        r = d.raw("GET", f"/api/v1/attachments/{att}?inline=0")
        assert r.headers.get("Content-Disposition", "").startswith("attachment;")
        assert district_wz.raw("GET", f"/api/v1/attachments/{att}?inline=1").status == 404


def pdf_text(data):
    assert shutil.which("pdftotext"), "pdftotext is missing: scripts/install-deps.sh installs poppler-utils"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def test_application_pdf_has_the_same_content(world, commission):
    app_id = world["app"]["id"]
    r = world["district"].raw("GET", f"/api/v1/applications/{app_id}/application.pdf")
    assert r.status == 200
    assert r.headers.get("Content-Type") == "application/pdf"
    assert r.raw.startswith(b"%PDF")
    text = pdf_text(r.raw)
    assert world["ent"].enterprise["name"] in text
    assert world["ent"].uscc in text
    for s in ("生产装备总数", "100 台/套", "数字化装备占比", "运营成本", "−20%", "材料真实，数据可信，同意推荐",
              "车间照片.png", "附件1 数字化车间申报书"):
        assert s in text, s
    # the self-assessment's radar is drawn with each domain's name and score
    assert "智能制造能力自评估" in text and re.search(r"组织战略 \d(\.\d)?", text)
    assert not RFC3339.search(text)


def test_materials_zip_holds_the_pdf(world):
    app_id = world["app"]["id"]
    r = world["experts"][0].raw("GET", f"/api/v1/applications/{app_id}/materials.zip")
    assert r.status == 200
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    names = z.namelist()
    assert "申报书.json" in names and "申报书.pdf" in names, names
    pdf = z.read("申报书.pdf")
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    text = pdf_text(pdf)
    assert world["ent"].enterprise["name"] in text and "生产装备总数" in text


def test_extra_figures_of_the_batch_are_shown(platform, batch2020, commission):
    """A figure and threshold added to the batch's rules (2023's 关键工序数控化率 ≥ 70%) appear on
    the page with their finding, from the rules alone; the boundary 70% passes, 69% fails."""
    b = platform.new_batch(batch2020["id"])
    rules = expect(commission.get(f"/batches/{b['id']}"), 200)["rules"]
    rules["form_figures"] = [
        {"path": "key_processes_total", "type": "count", "label": "关键工序总数", "unit": "道"},
        {"path": "key_processes_nc", "type": "count", "label": "其中数控化的关键工序数", "unit": "道"}]
    rules["checks"].append({
        "id": "T-key-process-nc", "condition": "share", "applies_to": "workshop",
        "severity": "error", "kind": "ratio_min", "basis": "2023年通知", "label": "关键工序数控化率",
        "num": "key_processes_nc", "num_label": "数控化的关键工序数", "den": "key_processes_total",
        "den_label": "关键工序总数", "min": "0.7"})
    expect(commission.put(f"/batches/{b['id']}", {"rules": rules}), 200, "extra figures")
    try:
        ent = platform.new_enterprise("500112")
        app, _ = platform.new_application(ent, b["id"])
        for nc, verdict in ((70, "满足"), (69, "不满足")):
            expect(ent.c.put(f"/applications/{app['id']}",
                             {"key_processes_total": 100, "key_processes_nc": nc}), 200, "extra")
            expect(ent.c.post(f"/applications/{app['id']}/check"), 200, "check")
            text = page_text(st.html_page(ent.c, f"/applications/{app['id']}"))
            assert "本批次增加的指标" in text
            i = text.find("关键工序总数 100 道")
            assert i >= 0, text
            assert f"其中数控化的关键工序数 {nc} 道" in text
            m = re.search(r"关键工序数控化率 (\S+) (满足|不满足)", text[i:])
            assert m and m.group(2) == verdict, text[i:i + 200]
            assert m.group(1).startswith(f"{nc}%")
            no_codes(text)
    finally:
        platform.retire_batch(b["id"])


def test_factory_in_the_order_of_annex_2(platform, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch["id"], app_type="factory")
    expect(ent.c.put(f"/applications/{app['id']}", {"factory": {
        "whole_factory": True, "digital_workshops": 3, "mode": "discrete",
        "leading_description": "在同行业中率先实现全流程数字化。"}}), 200, "factory")
    expect(ent.c.post(f"/applications/{app['id']}/check"), 200, "check")
    text = page_text(st.html_page(ent.c, f"/applications/{app['id']}"))
    assert "附件2 智能工厂申报书" in text
    assert "七、智能工厂" in text and "工厂内数字化车间数量 3 个" in text
    assert "离散型智能制造模式" in text and "在同行业中率先实现全流程数字化。" in text
    assert re.search(r"产品研发周期 100 85 −15 −15%", text)
    no_codes(text)


def test_pdf_flows_a_long_text_across_pages(platform, batch):
    """A description of several pages flows on line by line: its end is printed, nothing cut."""
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch["id"], app_type="factory")
    long = "智能工厂建设说明。" * 1000 + "全文到此结束"
    expect(ent.c.put(f"/applications/{app['id']}", {"factory": {"leading_description": long}}),
           200, "long text")
    r = ent.c.raw("GET", f"/api/v1/applications/{app['id']}/application.pdf")
    assert r.status == 200 and r.raw.startswith(b"%PDF")
    text = pdf_text(r.raw)
    flat = re.sub(r"\s+", "", text)  # lines wrap inside the phrase
    assert "第6页" in flat
    flat = re.sub(r"第\d+页", "", flat)  # the page numbers fall between the lines
    assert flat.count("智能工厂建设说明。") == 1000  # no line lost at a page break
    assert "智能工厂建设说明。全文到此结束" in flat


def test_certified_application_shows_no_machine_time(platform, batch, commission):
    """After 公示 and certification the history (whose 公示 reason the service writes with its
    times) and the certificate panel print every time as people read it."""
    ent = platform.new_enterprise("500112")
    app, _ = platform.certified_application(ent, batch["id"])
    for client in (commission, platform.district_for("500112"), ent.c):
        text = page_text(st.html_page(client, f"/applications/{app['id']}"))
        assert "公示期" in text and "认定时间" in text, text[-800:]
        assert not RFC3339.search(text), text[RFC3339.search(text).start() - 80:][:160]
