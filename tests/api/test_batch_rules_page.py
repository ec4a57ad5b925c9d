"""The commission's batch rules page (/commission/batches/new, /commission/batches/{id}): a batch
made from the page's own form as a browser would post it, refusals that name the field in Chinese
beside its input and keep what was typed, the preview of the pre-check (nothing saved, nothing
audited), and the page for the commission only."""
import html as htmllib
import re
import urllib.parse
from html.parser import HTMLParser

import pytest

import smiptest as st
from smiptest import expect


class _Form(HTMLParser):
    """The fields of the page's rules form as a browser would post them (no button)."""

    def __init__(self):
        super().__init__()
        self.fields = []
        self.inside = False
        self.select = None
        self.options = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "batch-rules" in (a.get("class") or ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            t = a.get("type", "text")
            if t == "checkbox":
                if "checked" in a:
                    self.fields.append([a["name"], a.get("value", "on")])
            else:
                self.fields.append([a["name"], a.get("value") or ""])
        elif tag == "select":
            self.select = a.get("name")
            self.options = []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        if tag == "select" and self.select:
            chosen = [v for v, s in self.options if s] or [self.options[0][0] if self.options else ""]
            self.fields.append([self.select, chosen[0]])
            self.select = None


def form_fields(page_html):
    p = _Form()
    p.feed(page_html)
    return p.fields


def setf(fields, name, value):
    for f in fields:
        if f[0] == name:
            f[1] = value
            return
    fields.append([name, value])


def getf(fields, name):
    return next(v for n, v in fields if n == name)


def post(c, path, fields, action):
    body = urllib.parse.urlencode(list(map(tuple, fields)) + [("action", action)]).encode()
    return c.raw("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def page(c, path):
    r = c.raw("GET", path)
    return r.status, r.raw.decode()


def threshold_name(html, label_start):
    """The input name of a threshold from its label ("数字化装备占比（数字化车间）…")."""
    m = re.search(r'<label for="([^"]+)">' + re.escape(label_start), html)
    assert m, f"no input labelled {label_start}"
    m2 = re.search(r'id="' + re.escape(m.group(1)) + r'" name="([^"]+)"', html)
    return m2.group(1)


def field_error(html, name):
    """The reason printed beside input `name` (the next .field-error after it), or None."""
    i = html.find(f'name="{name}"')
    if i < 0:
        return None
    m = re.search(r'<p class="field-error"[^>]*>([^<]*)</p>', html[i:i + 1500])
    nxt = html.find("<input", i + 10)
    if not m or (0 <= nxt < i + m.start()):
        return None
    return htmllib.unescape(m.group(1))


def fill_2023(c, html):
    f = form_fields(html)
    setf(f, "year", "2023")
    setf(f, "name", f"2023年重庆市数字化车间和智能工厂认定{st.unique('p')}")
    setf(f, "notice_no", "渝经信智能〔2023〕2号")
    setf(f, "opens_date", "2023-01-28")
    setf(f, "opens_time", "10:00")
    setf(f, "closes_date", "2023-02-28")
    setf(f, "closes_time", "24:00")
    setf(f, "deadline_date", "2023-03-10")
    setf(f, "deadline_time", "24:00")
    setf(f, threshold_name(html, "数字化装备占比（数字化车间）"), "60")
    setf(f, threshold_name(html, "数字化（数控）装备占比（智能工厂）"), "70")
    return f


def add_key_process(c, path, f):
    r = post(c, path, f, "add_figure")
    assert r.status == 200, r.raw[:300]
    f = form_fields(r.raw.decode())
    n = int(getf(f, "fig_n"))
    setf(f, f"fig.{n - 1}.label", "关键工序数控化率")
    setf(f, f"fig.{n - 1}.unit", "%")
    setf(f, f"fig.{n - 1}.workshop", "70")
    setf(f, f"fig.{n - 1}.factory", "80")
    return f


def test_a_batch_from_the_page_alone(platform, batch2020, commission):
    status, html = page(commission, f"/commission/batches/new?from={batch2020['id']}")
    assert status == 200 and "新建申报批次" in html
    f = add_key_process(commission, "/commission/batches/new", fill_2023(commission, html))
    r = post(commission, "/commission/batches/new", f, "save")
    assert r.status == 303, r.raw.decode()[:2000]
    bid = int(re.search(r"/commission/batches/(\d+)\?done=created", r.headers["Location"]).group(1))
    b = expect(commission.get(f"/batches/{bid}"), 200)
    assert b["opens_at"] == "2023-01-28T10:00:00+08:00"
    assert b["closes_at"] == "2023-03-01T00:00:00+08:00"  # 2023-02-28 24:00
    shares = {c["applies_to"]: c["min"] for c in b["rules"]["checks"] if c["id"] == "T-equipment-share"}
    assert shares == {"workshop": "0.6", "factory": "0.7"}
    figs = b["rules"]["form_figures"]
    assert [(x["label"], x["type"], x["unit"]) for x in figs] == [("关键工序数控化率", "decimal", "%")]
    rows = {c["applies_to"]: c["min"] for c in b["rules"]["checks"] if c.get("figure") == figs[0]["path"]}
    assert rows == {"workshop": "70", "factory": "80"}
    # everything else carried over from 2020
    assert b["rules"]["score_form"] == batch2020["rules"]["score_form"]
    assert b["rules"]["investment_threshold"] == batch2020["rules"]["investment_threshold"]
    assert "districts" not in b["rules"]  # all 41 chosen: the platform's list
    # the page shows it back as typed, 24:00 included
    status, html = page(commission, f"/commission/batches/{bid}?done=created")
    assert status == 200 and "申报批次已创建" in html
    f2 = form_fields(html)
    assert getf(f2, "closes_date") == "2023-02-28" and getf(f2, "closes_time") == "24:00"
    assert getf(f2, threshold_name(html, "数字化装备占比（数字化车间）")) == "60"
    assert getf(f2, "fig.0.workshop") == "70"
    # an edit saves, and the figure keeps its place
    setf(f2, "fig.0.factory", "85")
    r = post(commission, f"/commission/batches/{bid}/rules", f2, "save")
    assert r.status == 303 and r.headers["Location"] == f"/commission/batches/{bid}?done=saved"
    b2 = expect(commission.get(f"/batches/{bid}"), 200)
    assert b2["rules"]["form_figures"][0]["path"] == figs[0]["path"]
    assert {c["applies_to"]: c["min"] for c in b2["rules"]["checks"]
            if c.get("figure") == figs[0]["path"]} == {"workshop": "70", "factory": "85"}


def test_refusal_names_the_fields_and_keeps_what_was_typed(batch2020, commission):
    status, html = page(commission, f"/commission/batches/new?from={batch2020['id']}")
    f = fill_2023(commission, html)
    share = threshold_name(html, "数字化装备占比（数字化车间）")
    setf(f, share, "abc")
    setf(f, "score.0.max", "20")  # 20 + 30 + 20 + 20 = 90
    setf(f, "closes_time", "25:00")
    setf(f, "name", "")
    before = len(expect(commission.get("/batches?limit=500"), 200)["items"])
    r = post(commission, "/commission/batches/new", f, "save")
    out = r.raw.decode()
    assert r.status == 400
    assert field_error(out, share) == "数字化装备占比（数字化车间）的最低比例须在 0% 到 100% 之间，最多精确到 0.01%"
    assert "专家评分表各项满分合计须为 100 分，目前为 90 分" in out
    assert field_error(out, "closes_date").startswith("申报截止时间须为有效的日期和时间")
    assert field_error(out, "name") == "批次名称必填"
    kept = form_fields(out)
    assert getf(kept, share) == "abc" and getf(kept, "closes_time") == "25:00"
    assert getf(kept, "score.0.max") == "20" and getf(kept, "notice_no") == "渝经信智能〔2023〕2号"
    assert len(expect(commission.get("/batches?limit=500"), 200)["items"]) == before
    # no internal name reaches the person
    text = re.sub(r"<[^>]+>", " ", out)
    for internal in ("rules.", "checks", "score_form", "min.", "ratio_min", "T-equipment"):
        assert internal not in text, internal
    # the boundaries of a share: 100 is taken, 100.01 and 12.345 are not
    setf(kept, share, "100.01")
    out = post(commission, "/commission/batches/new", kept, "save").raw.decode()
    assert field_error(out, share).startswith("数字化装备占比（数字化车间）的最低比例须在 0% 到 100% 之间")
    setf(kept, share, "12.345")
    out = post(commission, "/commission/batches/new", kept, "save").raw.decode()
    assert field_error(out, share) is not None
    setf(kept, share, "100")
    out = post(commission, "/commission/batches/new", kept, "save").raw.decode()
    assert field_error(out, share) is None


def test_score_rows_added_and_removed(batch2020, commission):
    status, html = page(commission, f"/commission/batches/new?from={batch2020['id']}")
    f = fill_2023(commission, html)
    r = post(commission, "/commission/batches/new", f, "add_score")
    f = form_fields(r.raw.decode())
    assert getf(f, "score_n") == "5"
    setf(f, "score.4.name", "安全")
    setf(f, "score.4.max", "10")
    setf(f, "score.3.max", "10")  # 30 + 30 + 20 + 10 + 10
    setf(f, "score.2.remove", "1")  # − 示范性 20: 80
    out = post(commission, "/commission/batches/new", f, "save").raw.decode()
    assert "专家评分表各项满分合计须为 100 分，目前为 80 分" in out
    kept = form_fields(out)
    assert getf(kept, "score_n") == "4" and getf(kept, "score.3.name") == "安全"
    setf(kept, "score.0.max", "50")
    r = post(commission, "/commission/batches/new", kept, "save")
    assert r.status == 303, r.raw.decode()[:1500]
    bid = int(re.search(r"/commission/batches/(\d+)", r.headers["Location"]).group(1))
    form = expect(commission.get(f"/batches/{bid}"), 200)["rules"]["score_form"]
    assert [(c["name"], c["max"]) for c in form] == [("信息基础", 50), ("技术先进性", 30), ("效益", 10), ("安全", 10)]
    assert len({c["id"] for c in form}) == 4


def test_preview_runs_the_precheck_without_saving(platform, batch2020, commission):
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch2020["id"])
    status, html = page(commission, f"/commission/batches/new?from={batch2020['id']}")
    f = add_key_process(commission, "/commission/batches/new", fill_2023(commission, html))
    setf(f, "preview_other", str(app["id"]))
    audit_before = expect(commission.get("/audit?limit=1&offset=0"), 200)["total"]
    batches_before = len(expect(commission.get("/batches?limit=500"), 200)["items"])
    r = post(commission, "/commission/batches/new", f, "preview")
    out = r.raw.decode()
    assert r.status == 200, out[:1500]
    assert "预检预览结果" in out
    assert "请填写关键工序数控化率（要求不低于 70%）" in out  # the new figure, not on the form yet
    assert "数字化装备占比 60%（60/100），满足不低于 60% 的要求" in out
    assert expect(commission.get("/audit?limit=1&offset=0"), 200)["total"] == audit_before
    assert len(expect(commission.get("/batches?limit=500"), 200)["items"]) == batches_before
    # an equipment share raised to 60.01% turns the same application's finding
    setf(f, threshold_name(html, "数字化装备占比（数字化车间）"), "60.01")
    out = post(commission, "/commission/batches/new", f, "preview").raw.decode()
    assert "数字化装备占比 60%（60/100），低于 60.01% 的要求" in out
    # an unknown application is named, and the typed rules are still there
    setf(f, "preview_other", "99999999")
    r = post(commission, "/commission/batches/new", f, "preview")
    assert r.status == 404 and "没有第 99999999 号申报" in r.raw.decode()
    assert getf(form_fields(r.raw.decode()), "fig.0.label") == "关键工序数控化率"


@pytest.mark.parametrize("path", ["/commission/batches/new", "/commission/batches/{id}"])
def test_commission_only(platform, batch2020, district_yb, anon, path):
    path = path.replace("{id}", str(batch2020["id"]))
    expert = platform.new_expert()
    ent = platform.new_enterprise("500112")
    # others get what the commission's other pages give them
    for c in (district_yb, expert, ent.c):
        want = c.raw("GET", "/commission/batches").status
        assert want in (303, 403, 404)
        assert c.raw("GET", path).status == want
        body = urllib.parse.urlencode({"action": "save", "name": "x", "csrf_token": c.csrf}).encode()
        got = c.raw("POST", path if path.endswith("new") else path + "/rules", body,
                    {"Content-Type": "application/x-www-form-urlencoded"}).status
        assert got == c.raw("POST", "/commission/batches", body,
                            {"Content-Type": "application/x-www-form-urlencoded"}).status
    r = anon.raw("GET", path)
    assert r.status in (303, 401, 404) and r.status == anon.raw("GET", "/commission/batches").status


def test_unknown_batch_is_404(commission):
    assert commission.raw("GET", "/commission/batches/99999999").status == 404
    body = urllib.parse.urlencode({"action": "save", "csrf_token": commission.csrf}).encode()
    assert commission.raw("POST", "/commission/batches/99999999/rules", body,
                          {"Content-Type": "application/x-www-form-urlencoded"}).status == 404


def test_api_refuses_the_same_rules(batch2020, commission):
    """One validation: the API's PUT gives the same reasons the page shows."""
    import copy
    rules = copy.deepcopy(batch2020["rules"])
    rules["score_form"][0]["max"] = 20
    i = next(k for k, c in enumerate(rules["checks"]) if c["id"] == "T-data-upload-rate")
    rules["checks"][i]["min"] = "1.5"
    r = commission.put(f"/batches/{batch2020['id']}", {"rules": rules})
    assert r.status == 400
    fields = r.body["error"]["fields"]
    assert fields["rules.score_form"] == "专家评分表各项满分合计须为 100 分，目前为 90 分"
    assert fields[f"rules.checks.{i}.min"].startswith("设备运行数据上传率（数字化车间）的最低比例须在 0% 到 100% 之间")


# ---------------------------------------------------------------- extra figures on the enterprise's form

def form_post(c, app_id, fields, action="check"):
    data = [(k, v) for k, v in fields] + [("action", action), ("csrf_token", c.csrf)]
    mct, body = st.multipart(dict(data), [])
    return c.raw("POST", f"/applications/{app_id}/edit", body, {"Content-Type": mct})


def test_extra_figure_on_the_form_saved_and_checked(platform, batch2020, commission):
    import copy
    rules = copy.deepcopy(batch2020["rules"])
    rules["form_figures"] = [{"path": "extra_1", "type": "decimal", "label": "关键工序数控化率", "unit": "%"},
                             {"path": "extra_2", "type": "count", "label": "工业机器人数量", "unit": "台"}]
    for t, m in (("workshop", "70"), ("factory", "80")):
        rules["checks"].append({"id": "X-extra_1", "condition": "extra", "applies_to": t, "severity": "error",
                                "kind": "value_min", "label": "关键工序数控化率", "figure": "extra_1",
                                "min": m, "unit": "%", "format": "number"})
    rules["checks"].append({"id": "X-extra_2", "condition": "extra", "applies_to": "factory", "severity": "error",
                            "kind": "value_min", "label": "工业机器人数量", "figure": "extra_2", "min": "5",
                            "unit": "台", "format": "number"})
    b = platform.new_batch(batch2020["id"], rules=rules)
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, b["id"])
    html = ent.c.raw("GET", f"/applications/{app['id']}/edit").raw.decode()
    assert "本批次补充指标" in html and "关键工序数控化率（%）" in html and "数字化车间不低于 70%" in html
    assert "工业机器人数量" not in html  # asked of factories only
    # 69.9% fails for a workshop, 70% passes; the figure is saved with the form
    r = form_post(ent.c, app["id"], [("extra_1", "69.9")])
    out = r.raw.decode()
    assert r.status == 200 and "关键工序数控化率 69.9%，低于 70% 的要求" in out
    assert 'value="69.9"' in out
    assert expect(ent.c.get(f"/applications/{app['id']}"), 200)["extra_1"] == "69.9"
    out = form_post(ent.c, app["id"], [("extra_1", "70")]).raw.decode()
    assert "关键工序数控化率 70%，满足不低于 70% 的要求" in out
    # a bad value is named beside the field and kept
    r = form_post(ent.c, app["id"], [("extra_1", "七十")], action="save")
    out = r.raw.decode()
    assert r.status == 400 and 'value="七十"' in out and "须为数字" in out
    assert expect(ent.c.get(f"/applications/{app['id']}"), 200)["extra_1"] == "70"
    # a factory sees both, the count saved as a whole number
    ent2 = platform.new_enterprise("500112")
    fac, _ = platform.new_application(ent2, b["id"], app_type="factory")
    html = ent2.c.raw("GET", f"/applications/{fac['id']}/edit").raw.decode()
    assert "智能工厂不低于 80%" in html and "工业机器人数量（台）" in html
    out = form_post(ent2.c, fac["id"], [("extra_1", "80"), ("extra_2", "5")]).raw.decode()
    assert "工业机器人数量 5台，满足不低于 5台 的要求" in out
    assert expect(ent2.c.get(f"/applications/{fac['id']}"), 200)["extra_2"] == 5
    platform.retire_batch(b["id"])


def test_district_list(platform, batch2020, commission):
    """None chosen is refused beside the list; a subset is the batch's own list, and an
    application of a district left out fails E1 in the preview."""
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch2020["id"])
    status, html = page(commission, f"/commission/batches/new?from={batch2020['id']}")
    f = [x for x in fill_2023(commission, html) if x[0] != "districts"] + [["districts", ""]]
    out = post(commission, "/commission/batches/new", f, "save").raw.decode()
    assert "参加本批次的区县至少须选择一个" in out
    f += [["districts", "500101"], ["districts", "500102"]]
    setf(f, "preview_other", str(app["id"]))
    out = post(commission, "/commission/batches/new", f, "preview").raw.decode()
    assert "企业所在区县代码 500112 不是本批次的重庆市区县或功能区" in out
    kept = form_fields(out)
    assert sorted(v for n, v in kept if n == "districts" and v) == ["500101", "500102"]
    r = post(commission, "/commission/batches/new", f, "save")
    assert r.status == 303, r.raw.decode()[:1500]
    bid = int(re.search(r"/commission/batches/(\d+)", r.headers["Location"]).group(1))
    ds = expect(commission.get(f"/batches/{bid}"), 200)["rules"]["districts"]
    assert [d["code"] for d in ds] == ["500101", "500102"] and ds[0]["name"] == "万州区"
