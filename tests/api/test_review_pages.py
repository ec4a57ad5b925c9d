"""The reviewers' application page over HTTP (page_review.c): the expert's score form with the
batch's maxima, the total, the due date and the expert's own score once it is in; the
commission's expert choices by name and employer, conflicted experts shown and not selectable,
errors naming the expert, assignments with their due date, and the scores kept on the page after
the decision."""
import html as htmllib
import re
import urllib.parse

import smiptest as st
from smiptest import SCORES_PASS, expect

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def page(client, app_id):
    return st.html_page(client, f"/applications/{app_id}")


def text_of(page_html):
    main = page_html.split('<main id="main">', 1)[-1].split("</main>", 1)[0]
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def panel_text(page_html):
    """The visible text of the review panel (the findings' own wording is another page's concern)."""
    m = re.search(r'<section class="card review-panel".*?</section>', page_html, re.S)
    assert m, "no review panel on the page"
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0))))


def form_post(client, path, fields):
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    body = urllib.parse.urlencode(pairs + [("csrf_token", client.csrf)]).encode()
    return client.raw("POST", path, body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})


def score_form(platform, batch_id):
    b = expect(platform.commission.get(f"/batches/{batch_id}"), 200, "batch")
    return b["rules"]["score_form"]


def test_score_form_shows_each_maximum_and_the_due_date(platform, batch):
    ent = platform.new_enterprise("500112")
    app, experts = platform.application_in_review(ent, batch["id"], experts=[
        platform.new_expert() for _ in range(3)])
    html = page(experts[0], app["id"])
    form = score_form(platform, batch["id"])
    assert form, "the batch has no score form"
    for cr in form:
        field = f"criteria.{cr['id']}"
        m = re.search(r'<input type="number" id="%s" name="%s" min="0" max="([^"]*)"'
                      % (re.escape(field), re.escape(field)), html)
        assert m, f"no input for {field}"
        assert m.group(1) == str(cr["max"]), f"{field}: max={m.group(1)!r}, batch says {cr['max']}"
        assert f"{cr['name']}（0–{cr['max']} 分）" in htmllib.unescape(html), cr
    total = sum(cr["max"] for cr in form)
    text = panel_text(html)
    assert f"评分（满分 {total} 分）" in text
    assert re.search(r"总分 0 / %d 分" % total, text)
    # the default due date: the end of the tenth working day after today, in words
    assert re.search(r"评审截止\s*：\s*\d{4}年\d{1,2}月\d{1,2}日 24:00 距截止还有 \d+ 天", text), text
    assert not RFC3339.search(text), "an RFC 3339 time on the page"
    assert "\x03" not in html


def test_refused_score_keeps_values_names_the_criterion_and_adds_the_rest(platform, batch):
    ent = platform.new_enterprise("500112")
    app, experts = platform.application_in_review(ent, batch["id"], experts=[
        platform.new_expert() for _ in range(3)])
    form = score_form(platform, batch["id"])
    first, rest = form[0], form[1:]
    fields = {f"criteria.{first['id']}": str(first["max"] + 1), "recommend": "pass",
              "opinion": "意见"}
    for cr in rest:
        fields[f"criteria.{cr['id']}"] = str(cr["max"])   # each exactly at its maximum: taken
    r = form_post(experts[0], f"/applications/{app['id']}/expert-review", fields)
    assert r.status == 400, r
    html = r.raw.decode()
    text = text_of(html)
    assert f"{first['name']}应为 0 至 {first['max']} 之间的整数分" in text
    assert re.search(r'id="criteria\.%s"[^>]*value="%d"[^>]*aria-invalid="true"'
                     % (re.escape(first["id"]), first["max"] + 1), html), "the refused value is lost"
    assert f"总分 {sum(cr['max'] for cr in rest)} /" in text, "the server's total of the valid scores"
    # exactly at every maximum is taken
    fields[f"criteria.{first['id']}"] = str(first["max"])
    r = form_post(experts[0], f"/applications/{app['id']}/expert-review", fields)
    assert r.status == 303, r


def test_expert_sees_own_score_after_submitting(platform, batch):
    ent = platform.new_enterprise("500112")
    app, experts = platform.application_in_review(ent, batch["id"], experts=[
        platform.new_expert() for _ in range(3)])
    expect(platform.review(experts[0], app["id"], opinion="我的独立意见"), 201, "review")
    text = text_of(page(experts[0], app["id"]))
    assert "您的评分" in text
    total = sum(SCORES_PASS.values())
    assert f"总分 {total} 分" in text
    for cr in score_form(platform, batch["id"]):
        assert f"{cr['name']} {SCORES_PASS[cr['id']]} / {cr['max']} 分" in text, cr
    assert "我的独立意见" in text
    assert "评分（满分" not in text, "the form is offered again after the review is in"


def test_commission_sees_experts_by_name_and_employer_and_conflicts(platform, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    employer = platform.new_enterprise("500112")
    named = platform.new_expert(employer_uscc=employer.uscc)
    colleague = platform.new_expert(employer_uscc=ent.uscc)
    html = page(platform.commission, app["id"])
    text = text_of(html)
    profile = expect(employer.c.get("/enterprise"), 200, "employer profile")
    assert re.search(r"专家%s \s*（%s）" % (named.username[-4:], re.escape(profile["name"])), text), \
        "an expert is not shown by name and employer"
    m = re.search(r'<input type="checkbox" name="expert_ids" value="%d"([^>]*)>' % colleague.account_id,
                  html)
    assert m and "disabled" in m.group(1), "a conflicted expert can be ticked"
    assert "须回避：工作单位即申报企业" in text
    m = re.search(r'<input type="checkbox" name="expert_ids" value="%d"([^>]*)>' % named.account_id, html)
    assert m and "disabled" not in m.group(1)
    # posting the conflicted one anyway: the message names the expert, not an internal number only
    others = [platform.new_expert(), platform.new_expert()]
    pairs = [("expert_ids", str(x.account_id)) for x in [named, colleague] + others]
    r = form_post(platform.commission, f"/applications/{app['id']}/assign", pairs)
    assert r.status == 409, r
    assert f"专家 专家{colleague.username[-4:]}（{colleague.username}" in text_of(r.raw.decode())


def test_assignment_due_date_and_scores_kept_after_the_decision(platform, batch):
    ent = platform.new_enterprise("500112")
    app, _ = platform.approved_application(ent, batch["id"])
    experts = [platform.new_expert() for _ in range(3)]
    day = (st.now_cst() + st._dt.timedelta(days=20)).date()
    pairs = [("expert_ids", str(x.account_id)) for x in experts] + [("due_date", day.isoformat())]
    r = form_post(platform.commission, f"/applications/{app['id']}/assign", pairs)
    assert r.status == 303, r
    got = expect(platform.commission.get(f"/applications/{app['id']}/assignments"), 200, "list")
    nxt = day + st._dt.timedelta(days=1)
    assert {a["due_at"][:19] for a in got["items"]} == {f"{nxt.isoformat()}T00:00:00"}
    text = text_of(page(platform.commission, app["id"]))
    assert f"评审截止 {day.year}年{day.month}月{day.day}日 24:00" in text
    # a day in the past is refused beside the field, with what was ticked kept
    past = (st.now_cst() - st._dt.timedelta(days=1)).date().isoformat()
    more = platform.new_expert()
    r = form_post(platform.commission, f"/applications/{app['id']}/assign",
                  [("expert_ids", str(more.account_id)), ("due_date", past)])
    assert r.status == 400, r
    assert "评审截止时间必须晚于现在" in text_of(r.raw.decode())
    for x in experts:
        expect(platform.review(x, app["id"]), 201, "review")
    expect(platform.commission.post(f"/applications/{app['id']}/decision",
                                    {"decision": "pass", "reason": "一致通过"}), 200, "decision")
    html = page(platform.commission, app["id"])
    text = panel_text(html)
    thead = re.search(r'<table class="reviews">\s*<thead>(.*?)</thead>', html, re.S).group(1)
    heads = [htmllib.unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<th[^>]*>(.*?)</th>", thead)]
    assert heads == ["专家"] + [f"{cr['name']}（{cr['max']}）" for cr in score_form(platform, batch["id"])] + \
        ["总分", "建议", "意见", "提交时间"], heads
    for x in experts:
        assert f"专家{x.username[-4:]}" in text, "an expert's name is missing from the reviews"
    assert text.count(f" {sum(SCORES_PASS.values())} 建议通过") == 3, "the scores are gone"
    assert not RFC3339.search(text)
