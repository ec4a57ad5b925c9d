"""The commission's overview: the statistics page of a batch, drawn on the
server as SVG, whose every bar links to the desk filtered to exactly what it counted; the desk's
search, filters, drafts checkbox, sort and paging; who may see them."""
import html
import re
import urllib.parse

import pytest

import smiptest as st


def page(client, path):
    return st.html_page(client, path)


def bars(doc, chart_id):
    """{label: (value, href)} of the bars of one chart section, in drawing order as a list too."""
    m = re.search(r'<section class="card stat-chart" id="%s".*?</section>' % chart_id, doc, re.S)
    assert m, f"no chart {chart_id}"
    svg = re.search(r"<svg .*?</svg>", m.group(0), re.S).group(0)
    assert 'role="group"' in svg and "<title" in svg
    out = []
    for a in re.finditer(r'<a href="([^"]*)" tabindex="-1" class="bar" data-value="(\d+)" '
                         r'data-label="([^"]*)">', svg):
        out.append((html.unescape(a.group(3)), int(a.group(2)), html.unescape(a.group(1))))
    # the table beside it holds the same numbers
    rows = re.findall(r'<tr><th scope="row"><a href="([^"]*)">([^<]*)</a></th><td class="num">(\d+)</td>',
                      m.group(0))
    assert [(html.unescape(l), int(v), html.unescape(h)) for h, l, v in rows] == out
    return out


def desk_ids(client, href):
    doc = page(client, href)
    return [int(x) for x in re.findall(r'<tr[^>]*data-id="(\d+)"', doc)], doc


@pytest.fixture(scope="module")
def world(platform, batch2020, commission):
    """One batch: a draft in 渝中区, a submitted one in 渝北区 (流程型), an approved one in 万州区,
    a direct-route pass in 渝北区, an expert-failed one in 万州区 with three reviews."""
    b = platform.new_batch(batch2020["id"])
    bid = b["id"]
    w = {"batch": bid}
    e_draft = platform.new_enterprise("500103")
    w["draft"], _ = platform.new_application(e_draft, bid)
    e_sub = platform.new_enterprise("500112", manufacturing_type="process")
    w["submitted"], _ = platform.submitted_application(e_sub, bid)
    w["submitted_ent"] = e_sub
    e_app = platform.new_enterprise("500101")
    w["approved"], _ = platform.approved_application(e_app, bid)
    e_pass = platform.new_enterprise("500112")
    w["passed"] = platform.passed_application(e_pass, bid)
    e_fail = platform.new_enterprise("500101")
    w["failed"] = platform.decided_application(e_fail, bid, decision="fail")
    names = {}
    for k, e in (("draft", e_draft), ("submitted", e_sub), ("approved", e_app), ("passed", e_pass),
                 ("failed", e_fail)):
        names[k] = st.expect(e.c.get("/enterprise"), 200, "enterprise")["name"]
    w["names"] = names
    w["usccs"] = {"submitted": e_sub.uscc}
    yield w
    try:  # not the current batch for the tests after these (the last test retires it already)
        platform.retire_batch(bid)
    except Exception:  # the server may be gone after a failure
        pass


def stats(commission, w):
    return page(commission, f"/commission/statistics?batch={w['batch']}")


def test_counts_by_state_and_funnel(commission, world):
    doc = stats(commission, world)
    by_state = {l: v for l, v, _ in bars(doc, "chart-state")}
    assert by_state["草稿"] == 1 and by_state["已提交，待区县初审"] == 1
    assert sum(by_state.values()) == 5
    funnel = [(l, v) for l, v, _ in bars(doc, "chart-funnel")]
    # every application reached 全部; submitted: all but the draft; district approved: three;
    # into expert review: two (the failed one, and the pass that skipped it counts as past it)
    assert [v for _, v in funnel] == [5, 4, 3, 2, 1, 0, 0], funnel
    assert funnel[0][0].startswith("全部") and funnel[-1][0] == "已认定"
    assert "draft" not in re.sub(r'href="[^"]*"', "", doc)  # no internal code on the page
    _, desk = desk_ids(commission, f"/commission?batch_id={world['batch']}")
    for d in (doc, desk):
        assert "}}" not in d and "{{" not in d  # no template text leaks


def test_every_district_listed_zeros_included_sorted(commission, world):
    doc = stats(commission, world)
    d = bars(doc, "chart-district")
    assert len(d) == 41
    counts = {l: v for l, v, _ in d}
    assert counts["渝北区"] == 2 and counts["万州区"] == 2
    # the draft in 渝中区 is no application yet: 渝中区 is listed with 0
    assert counts["渝中区"] == 0
    values = [v for _, v, _ in d]
    assert values == sorted(values, reverse=True)


def test_types_rates_score(commission, world):
    doc = stats(commission, world)
    assert {l: v for l, v, _ in bars(doc, "chart-type")} == {"数字化车间": 4, "智能工厂": 0}
    m = {l: v for l, v, _ in bars(doc, "chart-mtype")}
    assert m["流程型制造"] == 1 and m["离散型制造"] == 3
    text = html.unescape(re.sub(r"<[^>]+>", " ", doc))
    assert re.search(r"区县初审通过率\s+3 / 3（100\.0%）", text), text
    assert re.search(r"专家评审通过率\s+1 / 2（50\.0%）", text)
    assert re.search(r"专家平均评分\s+80\.0 分（3 份评审意见）", text)
    assert re.search(r"区县初审超期未审\s+0\b", text)


def test_every_bar_links_to_the_desk_with_the_same_rows(commission, world):
    doc = stats(commission, world)
    for chart in ("chart-funnel", "chart-state", "chart-district", "chart-type", "chart-mtype"):
        for label, value, href in bars(doc, chart):
            assert href.startswith("/commission?batch_id=%d" % world["batch"])
            if chart == "chart-district" and value == 0 and label != "渝中区":
                continue  # 40 empty districts: one is checked
            ids, _ = desk_ids(commission, href + "&limit=100")
            assert len(ids) == value, (chart, label, href, ids)
    # the figures are links too
    ids, _ = desk_ids(commission, f"/commission?batch_id={world['batch']}&status=draft")
    assert ids == [world["draft"]["id"]]


def test_desk_hides_drafts_unless_asked(commission, world):
    ids, doc = desk_ids(commission, f"/commission?batch_id={world['batch']}")
    assert world["draft"]["id"] not in ids and len(ids) == 4
    ids, _ = desk_ids(commission, f"/commission?batch_id={world['batch']}&drafts=1")
    assert world["draft"]["id"] in ids and len(ids) == 5
    # the columns: district, submission time, deadline, in people's words
    assert "渝北区" in doc and "万州区" in doc and "年" in doc and "初审截止" in doc
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", doc)


def test_desk_search_by_name_and_uscc(commission, world):
    name = world["names"]["submitted"]
    part = name[2:-4]  # a middle piece of the name
    q = urllib.parse.quote(part)
    ids, doc = desk_ids(commission, f"/commission?batch_id={world['batch']}&q={q}")
    assert ids == [world["submitted"]["id"]], (part, ids)
    assert f'value="{html.escape(part)}"' in doc  # the search box keeps what was typed
    uscc = world["usccs"]["submitted"]
    ids, _ = desk_ids(commission, f"/commission?batch_id={world['batch']}&q={uscc[4:12].lower()}")
    assert ids == [world["submitted"]["id"]]
    # LIKE's wildcards are text: "%" finds nothing
    ids, _ = desk_ids(commission, f"/commission?batch_id={world['batch']}&q=%25")
    assert ids == []


def test_desk_sort_and_paging(commission, world):
    base = f"/commission?batch_id={world['batch']}&drafts=1"
    ids, doc = desk_ids(commission, base + "&sort=name")
    names = {world[k]["id"]: world["names"][k] for k in world["names"]}
    assert [names[i] for i in ids] == sorted(names[i] for i in ids)
    ids, _ = desk_ids(commission, base + "&sort=status")
    assert ids[0] == world["draft"]["id"]
    ids, _ = desk_ids(commission, base + "&sort=district")
    # reference order: 万州区 (500101) before 渝中区 (500103) before 渝北区 (500112)
    assert ids.index(world["approved"]["id"]) < ids.index(world["draft"]["id"]) < ids.index(
        world["submitted"]["id"])
    p1, doc = desk_ids(commission, base + "&sort=name&limit=2")
    assert len(p1) == 2 and "第 1 / 3 页" in doc
    nxt = html.unescape(re.search(r'<a href="([^"]*)" rel="next"', doc).group(1))
    assert "sort=name" in nxt and "limit=2" in nxt and "drafts=1" in nxt
    p2, doc2 = desk_ids(commission, nxt)
    p3, _ = desk_ids(commission, base + "&sort=name&limit=2&page=3")
    assert len(p2) == 2 and len(p3) == 1 and not set(p1) & set(p2) and p1 + p2 + p3 == ids_sorted(
        commission, base + "&sort=name")
    assert 'rel="prev"' in doc2


def ids_sorted(commission, href):
    return desk_ids(commission, href)[0]


def test_desk_ignores_unknown_filters_and_says_so(commission, world):
    ids, doc = desk_ids(commission, f"/commission?batch_id={world['batch']}&status=bogus&sort=x&type=y")
    assert len(ids) == 4
    assert "已忽略无效的筛选条件" in doc and "「状态」" in doc and "「排序」" in doc


def test_unknown_batch_is_404_and_others_may_not_look(server, commission, district_yb, anon, world):
    r = commission.raw("GET", "/commission/statistics?batch=999999", headers={"Accept": "text/html"})
    assert r.status == 404
    for path in (f"/commission/statistics?batch={world['batch']}", "/commission"):
        a = district_yb.raw("GET", path, headers={"Accept": "text/html"})
        b = district_yb.raw("GET", "/commission/experts", headers={"Accept": "text/html"})
        assert a.status == b.status and a.status in (403, 404), a
        assert "渝北区" not in a.raw.decode("utf-8", "replace") or a.status != 200
        c = anon.raw("GET", path, headers={"Accept": "text/html"})
        assert c.status in (302, 303) and "/login" in (c.headers.get("Location") or ""), c


def test_overdue_counted_and_flagged(commission, platform, world):
    """Past the district deadline the submitted one is overdue: counted, linked, flagged."""
    platform.retire_batch(world["batch"])
    doc = stats(commission, world)
    text = html.unescape(re.sub(r"<[^>]+>", " ", doc))
    assert re.search(r"区县初审超期未审\s+1\b", text)
    ids, desk = desk_ids(commission, f"/commission?batch_id={world['batch']}&overdue=1")
    assert ids == [world["submitted"]["id"]]
    assert "初审已超期" in desk and 'class="overdue-row"' in desk


# ---- bulk actions on the desk: the same experts for several applications, 公示 of several


def desk_form_post(client, path, fields, token):
    """An HTML form post as the desk's bulk form sends it: repeated names for checkboxes, the
    page's csrf_token as a hidden field (no header)."""
    body = urllib.parse.urlencode(fields + [("csrf_token", token)]).encode()
    return client.raw("POST", path, body, csrf=False, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})


def bulk_token(client, batch_id):
    doc = page(client, f"/commission?batch_id={batch_id}")
    m = re.search(r'<form method="post" action="/commission/bulk\?([^"]*)" id="bulk".*?'
                  r'name="csrf_token" value="([^"]+)"', doc, re.S)
    assert m, "no bulk form on the desk"
    assert html.unescape(m.group(1)) == f"batch_id={batch_id}"
    return m.group(2)


@pytest.fixture(scope="module")
def bulk_batch(platform, batch2020):
    b = platform.new_batch(batch2020["id"])
    yield b["id"]
    try:
        platform.retire_batch(b["id"])
    except Exception:
        pass


def test_bulk_assign_the_same_experts(platform, commission, bulk_batch):
    bid = bulk_batch
    a1, _ = platform.approved_application(platform.new_enterprise("500112"), bid)
    a2, _ = platform.approved_application(platform.new_enterprise("500101"), bid)
    e3 = platform.new_enterprise("500112")
    a3, _ = platform.submitted_application(e3, bid)
    experts = platform.experts(3)
    token = bulk_token(commission, bid)
    xs = [("expert_ids", str(x.account_id)) for x in experts]
    # nothing selected, or no expert: refused with the reason, nothing changed
    r = desk_form_post(commission, f"/commission/bulk?batch_id={bid}", xs + [("action", "assign")], token)
    assert r.status == 400 and "请先在列表中勾选" in r.raw.decode()
    r = desk_form_post(commission, f"/commission/bulk?batch_id={bid}",
                       [("application_ids", str(a1["id"])), ("action", "assign")], token)
    assert r.status == 400 and "请至少选择一位评审专家" in r.raw.decode()
    # no CSRF token: refused
    r = commission.raw("POST", f"/commission/bulk?batch_id={bid}",
                       urllib.parse.urlencode([("application_ids", str(a1["id"])), ("action", "assign")] + xs).encode(),
                       csrf=False, headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    assert r.status in (400, 403), r
    assert st.expect(commission.get(f"/applications/{a1['id']}"), 200)["status"] == "district_approved"
    # two selected: both assigned the same three, back to the desk with its filters
    r = desk_form_post(commission, f"/commission/bulk?batch_id={bid}",
                       [("application_ids", str(a1["id"])), ("application_ids", str(a2["id"])),
                        ("action", "assign")] + xs, token)
    assert r.status == 303, r
    loc = r.headers.get("Location")
    assert loc.startswith(f"/commission?batch_id={bid}") and "done=assigned" in loc and "n=2" in loc
    assert "已为 2 件申报分配评审专家" in page(commission, loc)
    for a in (a1, a2):
        got = st.expect(commission.get(f"/applications/{a['id']}/assignments"), 200)
        assert sorted(x["expert_id"] for x in got["items"]) == sorted(x.account_id for x in experts)
        assert got["status"] == "expert_review"
    # one that cannot be assigned (still with the district) is named, the others go through
    a4, _ = platform.approved_application(platform.new_enterprise("500112"), bid)
    r = desk_form_post(commission, f"/commission/bulk?batch_id={bid}",
                       [("application_ids", str(a4["id"])), ("application_ids", str(a3["id"])),
                        ("action", "assign")] + xs, token)
    doc = r.raw.decode()
    assert r.status == 409, r
    name3 = st.expect(e3.c.get("/enterprise"), 200)["name"]
    assert "已为 1 件申报分配评审专家" in doc, re.findall(r"flash[^<]*", doc)
    assert f"「{html.escape(name3)}」" in doc, re.findall(r"flash[^<]*", doc)
    assert st.expect(commission.get(f"/applications/{a4['id']}"), 200)["status"] == "expert_review"
    assert st.expect(commission.get(f"/applications/{a3['id']}"), 200)["status"] == "submitted"


def test_bulk_publish_all_or_nothing(platform, commission, bulk_batch):
    bid = bulk_batch
    p1 = platform.passed_application(platform.new_enterprise("500112"), bid)
    p2 = platform.passed_application(platform.new_enterprise("500101"), bid)
    other, _ = platform.approved_application(platform.new_enterprise("500112"), bid)
    token = bulk_token(commission, bid)
    # without a batch filter the desk cannot publish
    r = desk_form_post(commission, "/commission/bulk",
                       [("application_ids", str(p1["id"])), ("action", "publish"), ("batch_id", "")], token)
    assert r.status == 400 and "按批次筛选" in r.raw.decode()
    # one not passed by the experts: none is published
    r = desk_form_post(commission, f"/commission/bulk?batch_id={bid}",
                       [("application_ids", str(p1["id"])), ("application_ids", str(other["id"])),
                        ("action", "publish"), ("batch_id", str(bid))], token)
    assert r.status == 409 and "所选申报均未公示" in r.raw.decode(), r
    assert st.expect(commission.get(f"/applications/{p1['id']}"), 200)["status"] == "expert_passed"
    # both passed ones, with a period typed in Beijing time
    r = desk_form_post(commission, f"/commission/bulk?batch_id={bid}",
                       [("application_ids", str(p1["id"])), ("application_ids", str(p2["id"])),
                        ("action", "publish"), ("batch_id", str(bid)),
                        ("starts_at", "2026-01-05T09:00"), ("ends_at", "2026-01-12T09:00")], token)
    assert r.status == 303 and "done=published" in r.headers.get("Location"), r
    for p in (p1, p2):
        a = st.expect(commission.get(f"/applications/{p['id']}"), 200)
        assert a["status"] == "publicity"
    pub = st.expect(commission.get(f"/public/publicity?batch_id={bid}"), 200)
    items = pub["items"] if isinstance(pub, dict) else pub
    mine = [x for x in items if x["application_id"] in (p1["id"], p2["id"])]
    assert len(mine) == 2 and all(x["starts_at"].startswith("2026-01-05T09:00:00+08:00") for x in mine)


# ---- the desk's list as xlsx: the same rows, Chinese labels, real date cells


def xlsx_sheet(raw):
    """(rows, every text of the sheet); a date cell as ("date", serial, format)."""
    import io
    import zipfile
    import xml.etree.ElementTree as ET
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    z = zipfile.ZipFile(io.BytesIO(raw))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    numfmts = {n.get("numFmtId"): n.get("formatCode") for n in styles.iter("{%s}numFmt" % ns["m"])}
    xfs = [x.get("numFmtId") for x in styles.find("m:cellXfs", ns).findall("m:xf", ns)]
    rows = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter("{%s}row" % ns["m"]):
        cells = []
        for c in row.findall("m:c", ns):
            col = ord(re.match(r"[A-Z]+", c.get("r")).group(0)[-1]) - ord("A")  # ≤ 26 columns
            cells.extend([None] * (col - len(cells)))  # empty cells are not written
            v = c.find("m:v", ns)
            if c.get("t") == "s":
                cells.append(shared[int(v.text)])
            elif c.get("t") == "inlineStr":  # constant-memory workbooks write text inline
                text = "".join(t.text or "" for t in c.iter("{%s}t" % ns["m"]))
                shared.append(text)
                cells.append(text)
            elif v is not None:
                fmt = numfmts.get(xfs[int(c.get("s", "0"))], "")
                cells.append(("date", float(v.text), fmt) if "yy" in fmt else float(v.text))
            else:
                cells.append(None)
        rows.append(cells)
    return rows, shared


def test_desk_xlsx_same_rows_chinese_labels_dates(commission, world):
    q = f"batch_id={world['batch']}&drafts=1&sort=name"
    ids, doc = desk_ids(commission, f"/commission?{q}")
    assert f'href="/commission/applications.xlsx?{html.escape(q)}"' in doc
    r = commission.raw("GET", f"/commission/applications.xlsx?{q}")
    assert r.status == 200 and "spreadsheetml" in r.headers.get("Content-Type")
    rows, shared = xlsx_sheet(r.raw)
    assert rows[0][:6] == ["企业名称", "统一社会信用代码", "项目名称", "区县", "申报类型", "状态"]
    names = {world[k]["id"]: world["names"][k] for k in world["names"]}
    assert [x[0] for x in rows[1:]] == [names[i] for i in ids]
    # Chinese labels, never codes
    for code in ("draft", "submitted", "workshop", "expert_failed", "500112"):
        assert code not in shared, code
    assert "草稿" in shared and "数字化车间" in shared and "渝北区" in shared
    # a submitted row's time is a real date cell in Chongqing time; a draft's is empty
    sub = next(x for x in rows[1:] if x[0] == world["names"]["submitted"])
    assert sub[6][0] == "date" and sub[6][2] == "yyyy-mm-dd hh:mm"
    got = st.parse_time(st.expect(commission.get(f"/applications/{world['submitted']['id']}"), 200)["submitted_at"])
    serial = 25569 + (got.timestamp() + 8 * 3600) / 86400
    assert abs(sub[6][1] - serial) < 1 / 86400 * 1.5
    draft = next(x for x in rows[1:] if x[0] == world["names"]["draft"])
    assert draft[6] is None and draft[8] == "否"


def test_xlsx_only_for_the_commission(district_yb, anon):
    for path in ("/commission/applications.xlsx", "/commission/certificates.xlsx"):
        assert district_yb.raw("GET", path).status in (403, 404)
        assert anon.raw("GET", path).status in (401, 302, 303)
