"""The enterprise's dashboard keeps the panel it rendered while nothing the panel shows has changed
(keyed by the enterprise's and the global generations: web_fresh). The kept panel must never be stale: every change — a
questionnaire saved twice within one second, an assessment completed, the profile, a project
and its name on a draft, an application created, submitted, returned, resubmitted, withdrawn, a
batch renamed — shows on the very next request; what depends on the clock or the request (the new-application
form, a refused form's errors) is decided per request; no enterprise sees another's panel.
The whole page is kept too, per account: never past the second at which a time left on it
changes, and never with another session's CSRF token."""
import datetime as dt
import re
import time
import urllib.parse

import smiptest as st
from smiptest import expect

CODE = "500151"
NEW_FORM = 'action="/applications/new"'


def page(c):
    return st.html_page(c, "/dashboard")


def row(html, needle):
    for tr in re.findall(r"<tr>.*?</tr>", html, re.S):
        if needle in tr:
            return tr
    return None


def returned_count(html):
    """The inbox's count of applications returned for changes (the page shows no inbox at 0)."""
    m = re.search(r'data-key="returned"><a [^>]*>[^<]*</a>：<strong class="inbox-count">(\d+)<', html)
    return int(m.group(1)) if m else 0


def questions(ent):
    model = expect(ent.c.get("/assessment-model"), 200)
    return [q["id"] for el in model["elements"] for dm in el["domains"] for sd in dm["subdomains"]
            for q in sd["requirements"]]


def test_assessment_changes_show_at_once(platform):
    ent = platform.new_enterprise(CODE)
    ids = questions(ent)
    assert "开始测评" in page(ent.c)
    # two saves of the draft within the same second: the answered count follows both
    expect(ent.c.put("/assessments/draft", {"answers": {ids[0]: 1}}), 200)
    assert f"问卷已答 1 / {len(ids)} 项" in page(ent.c)
    expect(ent.c.put("/assessments/draft", {"answers": {ids[1]: 1, ids[2]: 0.5}}), 200)
    assert f"问卷已答 3 / {len(ids)} 项" in page(ent.c)
    expect(ent.c.put("/assessments/draft", {"answers": {ids[1]: None}}), 200)
    assert f"问卷已答 2 / {len(ids)} 项" in page(ent.c)
    expect(ent.c.post("/assessments", {"answers": {i: 1 for i in ids}}), 201)
    html = page(ent.c)
    assert "最近一次测评" in html and "查看测评报告" in html, html
    # the assessment's time in words, never the API's RFC 3339 text
    said = re.search(r"最近一次测评：[^（]*（([^）]*)）", html).group(1)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", said), said
    # a new draft after the assessment starts again from 0 saves, yet shows
    expect(ent.c.put("/assessments/draft", {"answers": {ids[0]: 1}}), 200)
    assert "最近一次测评" in page(ent.c)


def test_profile_projects_and_applications_show_at_once(platform, batch2020, commission):
    now = st.now_cst()
    batch = platform.new_batch(batch2020["id"], opens=now - dt.timedelta(minutes=1))
    ent = platform.new_enterprise(CODE)
    other = platform.new_enterprise(CODE)
    page(other.c)
    html = page(ent.c)
    assert "尚未登记项目" in html and "尚无申报" in html and NEW_FORM not in html
    # the profile
    expect(ent.c.put("/enterprise", {"name": "缓存测试制造有限公司"}), 200)
    assert "缓存测试制造有限公司" in page(ent.c)
    assert "缓存测试制造有限公司" not in page(other.c), "another enterprise's panel shown"
    # a project: listed, and offered in the new-application form (decided per request)
    project = platform.new_project(ent)
    html = page(ent.c)
    assert row(html, f'href="/projects/{project["id"]}"') and NEW_FORM in html
    assert f'<option value="{project["id"]}">' in html
    assert NEW_FORM not in page(other.c)
    # a draft application: listed with its project's live name, the form no longer offered
    app = expect(ent.c.post("/applications", {"batch_id": batch["id"], "project_id": project["id"],
                                              "type": "workshop"}), 201)
    html = page(ent.c)
    tr = row(html, f'href="/applications/{app["id"]}/edit"')
    assert tr and "草稿" in tr and project["name"] in tr and batch["name"] in tr, tr
    assert NEW_FORM not in html
    expect(ent.c.put(f"/projects/{project['id']}", {"name": "缓存改名后的项目"}), 200)
    assert "缓存改名后的项目" in row(page(ent.c), f'href="/applications/{app["id"]}"')
    # the batch renamed by the commission
    expect(commission.put(f"/batches/{batch['id']}", {"name": batch["name"] + "（改）"}), 200)
    assert batch["name"] + "（改）" in row(page(ent.c), f'href="/applications/{app["id"]}"')
    # submitted, returned by the district, resubmitted, withdrawn: each on the next request
    platform.ensure_assessment(ent)
    att = platform.upload_pdf(ent)
    expect(ent.c.put(f"/applications/{app['id']}", st.passing_form([att["id"]])), 200)
    expect(ent.c.post(f"/applications/{app['id']}/submit"), 200)
    assert "已提交，待区县初审" in row(page(ent.c), f'href="/applications/{app["id"]}"')
    d = platform.district_for(CODE)
    expect(d.post(f"/applications/{app['id']}/district-review",
                  {"decision": "return", "opinion": "请补充说明"}), 200)
    html = page(ent.c)
    assert "已退回修改" in row(html, f'href="/applications/{app["id"]}"')
    assert returned_count(html) == 1, "the inbox missed the return"
    expect(ent.c.post(f"/applications/{app['id']}/submit"), 200)
    html = page(ent.c)
    assert "已提交，待区县初审" in row(html, f'href="/applications/{app["id"]}"')
    assert returned_count(html) == 0, "the inbox kept the return"
    expect(ent.c.post(f"/applications/{app['id']}/withdraw"), 200)
    assert "草稿" in row(page(ent.c), f'href="/applications/{app["id"]}"')
    assert row(page(other.c), f'href="/applications/{app["id"]}"') is None
    # the window closes with the clock alone: the form for this batch is gone at the second it
    # closes, although nothing the panel shows has changed (other tests' batches may be open)
    ent2 = platform.new_enterprise(CODE)
    platform.new_project(ent2)
    offered = f'name="batch_id" value="{batch["id"]}"'
    at = st.now_cst().replace(microsecond=0) + dt.timedelta(seconds=3)
    expect(commission.put(f"/batches/{batch['id']}", {"closes_at": st.iso(at)}), 200)
    assert offered in page(ent2.c)
    time.sleep(max(0.0, (at - st.now_cst()).total_seconds()) + 0.2)
    assert offered not in page(ent2.c), "the form outlived the window"
    platform.retire_batch(batch["id"])


def test_refused_form_keeps_panel_and_shows_errors(platform, batch2020):
    now = st.now_cst()
    batch = platform.new_batch(batch2020["id"], opens=now - dt.timedelta(minutes=1))
    ent = platform.new_enterprise(CODE)
    project = platform.new_project(ent)
    before = page(ent.c)
    body = urllib.parse.urlencode({"batch_id": batch["id"], "project_id": project["id"],
                                   "type": "nonsense",
                                   "csrf_token": ent.c.csrf}).encode()
    r = ent.c.raw("POST", "/applications/new", body=body,
                  headers={"Content-Type": "application/x-www-form-urlencoded",
                           "Accept": "text/html"})
    html = r.raw.decode("utf-8")
    assert r.status == 400, (r.status, html[-2000:])
    assert 'id="type-error"' in html and "flash-error" in html
    assert row(html, f'href="/projects/{project["id"]}"') == row(before, f'href="/projects/{project["id"]}"')
    assert NEW_FORM in html
    platform.retire_batch(batch["id"])


def time_left(html, label):
    m = re.search(r"<strong>" + re.escape(label) + r'</strong> <span class="when">[^<]*</span> '
                  r'<span class="time-left[^"]*">([^<]*)</span>', html)
    return m.group(1) if m else None


def csrf_meta(html):
    m = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    return m.group(1) if m else None


def test_kept_page_follows_clock_and_session(platform, batch2020, commission):
    ent = platform.new_enterprise(CODE)
    # a second browser of the same account: its own session, its own token on its own page
    other = platform.client("second-browser")
    expect(other.login(ent.username, ent.password), 200)
    assert other.csrf != ent.c.csrf
    assert csrf_meta(page(ent.c)) == ent.c.csrf
    assert csrf_meta(page(other)) == other.csrf
    assert csrf_meta(page(ent.c)) == ent.c.csrf, "another session's page (and token) served"
    # the window closes 62 s from now: one minute left, then, with nothing else changed, less
    # than one minute as soon as fewer than 60 s are left
    at = st.now_cst() + dt.timedelta(seconds=62)
    batch = platform.new_batch(batch2020["id"], opens=st.now_cst() - dt.timedelta(minutes=1),
                               closes=at)
    html = page(ent.c)
    assert batch["name"] in html
    assert time_left(html, "企业申报截止") == "距截止还有 1 分钟", html
    assert time_left(page(ent.c), "企业申报截止") == "距截止还有 1 分钟"  # served as kept
    time.sleep(max(0.0, (at - dt.timedelta(seconds=59) - st.now_cst()).total_seconds()) + 0.3)
    assert time_left(page(ent.c), "企业申报截止") == "距截止不足 1 分钟", "a stale countdown"
    # a message after a redirect is shown once, and the page after it is the plain one
    assert "已保存。" in st.html_page(ent.c, "/dashboard?done=saved")
    assert "已保存。" not in page(ent.c)
    platform.retire_batch(batch["id"])
