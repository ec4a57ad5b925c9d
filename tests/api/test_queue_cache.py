"""A district's queue page reuses the rows it rendered while nothing it shows has changed (keyed by
the district's and the global generations: web_fresh):
the kept rows must never be stale — a submission, a review, a withdrawal, a resubmission and a
change of the district deadline show on the very next request, a row turns overdue at the second
its deadline passes, each status filter has its own rows, and no district sees another's."""
import datetime as dt
import re
import time

import smiptest as st
from smiptest import expect

CODE = "500151"  # 铜梁区: a district of its own, so other tests' applications do not mix in


def page(district, query=""):
    r = district.raw("GET", "/district" + query, headers={"Accept": "text/html"})
    assert r.status == 200, r
    return r.raw.decode("utf-8")


def row(html, app_id):
    """The queue's table row of application app_id, or None."""
    for tr in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S):
        if f'href="/applications/{app_id}"' in tr:
            return tr
    return None


def review(district, app_id, decision, opinion="请补充说明"):
    return district.post(f"/applications/{app_id}/district-review",
                         {"decision": decision, "opinion": opinion})


def test_queue_shows_each_change_at_once(platform, batch):
    d = platform.district_for(CODE)
    other = platform.district_for("500101")
    page(d), page(d, "?status=submitted"), page(other)  # rows kept before the changes below
    ent = platform.new_enterprise(CODE)
    app, _ = platform.submitted_application(ent, batch["id"])
    aid = app["id"]
    tr = row(page(d), aid)
    assert tr and "badge-submitted" in tr and "待区县初审" in tr, tr
    assert row(page(d, "?status=submitted"), aid)
    assert row(page(other), aid) is None, "another district sees the application"
    # asked again with nothing changed: the same rows
    assert row(page(d), aid) == tr
    # the district returns it: the next request shows it returned, and the filters follow
    expect(review(d, aid, "return"), 200)
    tr = row(page(d), aid)
    assert tr and "badge-returned" in tr, tr
    assert row(page(d, "?status=submitted"), aid) is None
    assert row(page(d, "?status=returned"), aid)
    # resubmitted, then withdrawn: back in the queue, then out of it
    expect(ent.c.post(f"/applications/{aid}/submit"), 200)
    assert "badge-submitted" in row(page(d), aid)
    expect(ent.c.post(f"/applications/{aid}/withdraw"), 200)
    assert row(page(d), aid) is None, "a withdrawn draft still in the district's queue"
    assert row(page(d, "?status=submitted"), aid) is None


def test_withdrawing_an_older_application_shows_at_once(platform, batch):
    """A withdrawal takes an application out of the queue without making any row of the queue
    newer: the queue's version must still change (its newest withdrawal), or the kept rows would
    go on showing it."""
    d = platform.district_for(CODE)
    older = platform.new_enterprise(CODE)
    first, _ = platform.submitted_application(older, batch["id"])
    second, _ = platform.submitted_application(platform.new_enterprise(CODE), batch["id"])
    html = page(d)
    assert row(html, first["id"]) and row(html, second["id"])
    expect(older.c.post(f"/applications/{first['id']}/withdraw"), 200)
    html = page(d)
    assert row(html, first["id"]) is None, "a withdrawn application still in the queue"
    assert row(html, second["id"])


def page_inbox(html):
    """The district page's inbox count of applications waiting for it (None: not shown)."""
    m = re.search(r'data-key="to_review">.*?class="inbox-count">(\d+)<', html, re.S)
    return int(m.group(1)) if m else None


def test_queue_page_inbox_counts_like_the_api(platform, batch):
    """The queue page takes its inbox's count from the rows it kept (all rows, or the submitted
    ones); it must be the API's count after every change, under each filter."""
    d = platform.district_for(CODE)

    def api_count():
        items = expect(d.get("/inbox"), 200)["items"]
        return next(i["count"] for i in items if i["key"] == "to_review")

    def check():
        want = api_count()
        for f in ("", "?status=submitted", "?status=returned"):
            assert page_inbox(page(d, f)) == want, (f, want)
        return want

    before = check()
    ent = platform.new_enterprise(CODE)
    app, _ = platform.submitted_application(ent, batch["id"])
    assert check() == before + 1
    expect(review(d, app["id"], "return"), 200)
    assert check() == before
    expect(ent.c.post(f"/applications/{app['id']}/submit"), 200)
    assert check() == before + 1
    expect(ent.c.post(f"/applications/{app['id']}/withdraw"), 200)
    assert check() == before


def test_queue_turns_overdue_with_the_deadline(platform, batch2020, commission):
    d = platform.district_for(CODE)
    now = st.now_cst()
    b = platform.new_batch(batch2020["id"])
    ent = platform.new_enterprise(CODE)
    app, _ = platform.submitted_application(ent, b["id"])
    aid = app["id"]
    assert "已超期" not in row(page(d), aid)

    def deadline(at):
        expect(commission.put(f"/batches/{b['id']}", {"closes_at": st.iso(now - dt.timedelta(minutes=2)),
                                                    "district_deadline": st.iso(at)}), 200)

    # the commission moves the deadline: the next request shows it, both ways
    deadline(now - dt.timedelta(minutes=1))
    assert "已超期" in row(page(d), aid)
    deadline(now + dt.timedelta(days=1))
    assert "已超期" not in row(page(d), aid)
    # nothing changes but the time: the row turns overdue at the second its deadline passes
    at = st.now_cst().replace(microsecond=0) + dt.timedelta(seconds=3)
    deadline(at)
    assert "已超期" not in row(page(d), aid)
    time.sleep(max(0.0, (at - st.now_cst()).total_seconds()) + 0.2)
    assert "已超期" in row(page(d), aid), "the kept rows outlived the deadline"
    # out of the way of later tests
    platform.retire_batch(b["id"])


def test_many_queues_turn_over_the_kept_rows(platform, batch, anon):
    """More (district, filter) pairs than the rows kept: the oldest are replaced, and every page
    is still right — a queue asked again after being replaced is rendered afresh."""
    codes = [d["code"] for d in expect(anon.get("/districts"), 200)["items"]][:14]
    assert len(codes) == 14
    filters = ["", "?status=submitted", "?status=returned", "?status=district_approved",
               "?status=district_rejected"]
    d = platform.district_for(CODE)
    ent = platform.new_enterprise(CODE)
    app, _ = platform.submitted_application(ent, batch["id"])
    first = page(d)
    assert row(first, app["id"])
    for code in codes:  # 70 pairs
        staff = platform.district_for(code)
        for f in filters:
            page(staff, f)
    assert row(page(d), app["id"]) == row(first, app["id"])
    expect(review(d, app["id"], "return"), 200)
    assert "badge-returned" in row(page(d), app["id"])
    assert row(page(d, "?status=returned"), app["id"])


def inbox_count(html, key):
    m = re.search(r'data-key="' + key + r'">.*?class="inbox-count">(\d+)<', html, re.S)
    return int(m.group(1)) if m else 0


def csrf_meta(html):
    m = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    return m.group(1) if m else None


def time_left(html):
    m = re.search(r'<strong>区县初审截止</strong>：[^<]*<span class="time-left[^"]*">([^<]*)</span>', html)
    return m.group(1) if m else None


def test_kept_page_follows_inbox_sessions_and_clock(platform, batch, batch2020, commission):
    """The whole page is kept per account and filter too: the inbox's other count (pending
    adjustments, which no row of the queue shows) on the next request, each session its own
    CSRF token, and the deadline's time left never past the second at which it changes."""
    d = platform.district_for(CODE)
    ent = platform.new_enterprise(CODE)
    _, cert = platform.certified_application(ent, batch["id"])
    before = inbox_count(page(d), "adjustments")
    assert inbox_count(page(d), "adjustments") == before
    body = {"kind": "rename", "new_name": f"重庆缓存更名{st.unique('n')}有限公司",
            "evidence_attachment_id": platform.upload_pdf(ent)["id"]}
    expect(ent.c.post(f"/certificates/{cert['certificate_no']}/adjustments", body), 201)
    assert inbox_count(page(d), "adjustments") == before + 1, "a kept inbox"
    # a second browser of the same account
    second = platform.client("second-browser")
    expect(second.login(d.username, st.PASSWORD), 200)
    assert csrf_meta(page(d)) == d.csrf
    assert csrf_meta(page(second)) == second.csrf != d.csrf
    assert csrf_meta(page(d)) == d.csrf, "another session's page (and token) served"
    # the district deadline 62 s from now: one minute left, then less than one minute
    now = st.now_cst()
    at = now + dt.timedelta(seconds=62)
    b = platform.new_batch(batch2020["id"], opens=now - dt.timedelta(minutes=2),
                           closes=now - dt.timedelta(minutes=1), deadline=at)
    assert time_left(page(d)) == "距截止还有 1 分钟"
    assert time_left(page(d)) == "距截止还有 1 分钟"  # served as kept
    time.sleep(max(0.0, (at - dt.timedelta(seconds=59) - st.now_cst()).total_seconds()) + 0.3)
    assert time_left(page(d)) == "距截止不足 1 分钟", "a stale countdown"
    platform.retire_batch(b["id"])
