"""One freshness rule: whatever a server keeps (the enterprise's dashboard, GET /applications/{id}
for each kind of reader, the district's queue page) is keyed by the generations of the scopes it
shows, which every change counts up in its own transaction (service/generation.c). So each step of
the whole path — the district's approval, the experts' assignment and reviews, the decision, 公示,
the certificate, its revocation — shows on every page that displays it at the very next request,
for the enterprise, the district and the commission alike, although each of them had the page
kept at the state before. (The earlier steps — saves, checks, names, submission, return,
withdrawal, change requests — are walked by test_dashboard_cache, test_application_kept,
test_queue_cache and test_enterprise_changes.)"""
import datetime as dt
import re

import smiptest as st
from smiptest import expect

CODE = "500153"  # 潼南区: a district of its own, so other tests' applications do not mix in


def html(client, path):
    r = client.raw("GET", path, headers={"Accept": "text/html"})
    assert r.status == 200, r
    return r.raw.decode("utf-8")


def row(page, app_id):
    """The table row that links to application app_id, or ''."""
    for tr in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S):
        if f'href="/applications/{app_id}' in tr:
            return tr
    return ""


class Views:
    """Every kept view of one application, each read once now so that a stale copy would be kept
    and served: the enterprise's dashboard row and answer, the district's queue row and answer,
    the commission's answer."""

    def __init__(self, ent, district, commission, app_id):
        self.ent, self.d, self.comm, self.id = ent, district, commission, app_id
        self.read()

    def read(self):
        self.dash = row(html(self.ent.c, "/dashboard"), self.id)
        self.queue = row(html(self.d, "/district"), self.id)
        self.mine = expect(self.ent.c.get(f"/applications/{self.id}"), 200)
        self.theirs = expect(self.d.get(f"/applications/{self.id}"), 200)
        self.comms = expect(self.comm.get(f"/applications/{self.id}"), 200)
        return self

    def all_say(self, status, label):
        self.read()
        for who, answer in (("enterprise", self.mine), ("district", self.theirs),
                            ("commission", self.comms)):
            assert answer["status"] == status, f"{who}'s answer is stale: {answer['status']}"
        assert label in self.dash, f"the dashboard row is stale: {self.dash}"
        assert label in self.queue, f"the district's row is stale: {self.queue}"


def test_every_step_of_the_path_shows_at_once(platform, batch, commission):
    ent = platform.new_enterprise(CODE)
    d = platform.district_for(CODE)
    app, _ = platform.submitted_application(ent, batch["id"])
    aid = app["id"]
    v = Views(ent, d, commission, aid)
    v.all_say("submitted", "待区县初审")
    # the district approves
    expect(platform.district_review(d, aid), 200, "district approve")
    v.all_say("district_approved", "区县初审通过")
    # the commission assigns three experts
    experts = platform.experts(3)
    expect(platform.assign(aid, experts), 201, "assign")
    v.all_say("expert_review", "专家评审中")
    # each review enters the timeline the enterprise and the commission read (kept apart)
    for x in experts:
        before = v.read().mine["timeline"], v.comms["timeline"]
        expect(platform.review(x, aid), 201, "expert review")
        after = v.read().mine["timeline"], v.comms["timeline"]
        assert len(after[0]) == len(before[0]) + 1, "the enterprise's kept answer missed a review"
        assert len(after[1]) == len(before[1]) + 1, "the commission's kept answer missed a review"
    # the decision
    expect(commission.post(f"/applications/{aid}/decision",
                           {"decision": "pass", "reason": "专家组评审意见一致"}), 200, "decision")
    v.all_say("expert_passed", "专家评审通过")
    # 公示 (a period that ended a second ago), then the certificate
    now = st.now_cst()
    expect(platform.publish(batch["id"], [aid], now - dt.timedelta(days=10),
                            now - dt.timedelta(seconds=1)), 201, "publish")
    v.all_say("publicity", "公示")
    cert = expect(commission.post(f"/applications/{aid}/certify", {}), 200, "certify")
    v.all_say("certified", "已认定")
    # revoked by the commission: the certificate's change reaches the application's pages
    expect(commission.post(f"/certificates/{cert['certificate_no']}/revoke",
                           {"reason": "terminated", "note": "依据通知三（二）撤销"}), 200, "revoke")
    v.all_say("revoked", "撤销")
