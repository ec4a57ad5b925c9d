"""The enterprise's dashboard (我的工作台) as a person sees it: its projects with progress and
investment (read from the projects' summary columns), its applications with batch and
state, and the new-application form only while it may start one in the current batch."""
import datetime as dt
import re

import smiptest as st
from smiptest import expect

NEW_FORM = 'action="/applications/new"'


def page(c):
    return st.html_page(c, "/dashboard")


def row(html, needle):
    for tr in re.findall(r"<tr>.*?</tr>", html, re.S):
        if needle in tr:
            return tr
    return None


def test_dashboard_lists_projects_and_applications(platform, batch2020):
    # the current batch: the one opened last (as in test_home_cache.py); moved away at the end
    now = st.now_cst()
    batch = platform.new_batch(batch2020["id"], opens=now - dt.timedelta(minutes=1))
    ent = platform.new_enterprise("500112")
    html = page(ent.c)
    assert "尚未登记项目" in html and "尚无申报" in html and NEW_FORM not in html
    project = platform.new_project(ent, progress_pct=60, equipment_software_investment=12345678)
    tr = row(page(ent.c), f'href="/projects/{project["id"]}"')
    assert tr and project["name"] in tr and project["site_name"] in tr, tr
    assert "Ⅱ类" in tr and "60%" in tr and "1234.5678" in tr, tr
    # an edit of the project shows on the next view
    expect(ent.c.put(f"/projects/{project['id']}", {"progress_pct": 75, "class": "I",
                                                    "equipment_software_investment": 20000000}), 200)
    html = page(ent.c)
    tr = row(html, f'href="/projects/{project["id"]}"')
    assert "75%" in tr and "2000" in tr and "Ⅰ类" in tr, tr
    assert NEW_FORM in html and batch["name"] in html  # may start one in the current batch
    app = expect(ent.c.post("/applications", {"batch_id": batch["id"], "project_id": project["id"],
                                              "type": "factory"}), 201)
    html = page(ent.c)
    tr = row(html, f'href="/applications/{app["id"]}/edit"')
    assert tr and batch["name"] in tr and "智能工厂" in tr and "草稿" in tr, tr
    assert project["name"] in tr
    assert NEW_FORM not in html, "a second application offered in the same batch"
    assert f'href="/applications/{app["id"]}/edit">继续填写申报书' in html  # the current step
    platform.retire_batch(batch["id"])
