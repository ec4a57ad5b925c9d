"""The public objection limit across several servers (issue 4, second half): objections are
counted per client address in the database, inside the objection's own write transaction, so
two `smip serve` behind nginx share one exact count — 20 objections at once from one address,
spread over both servers, leave exactly 5 accepted. Certifying on one server sees an objection
filed on the other. (Runs before test_scaleout.py, whose last test stops the farm.)"""
import collections
import datetime as dt
import threading
import time

import smiptest as st
from smiptest import assert_error, expect


def parallel(jobs, timeout=120):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def work(i, fn):
        try:
            barrier.wait(30)
        except threading.BrokenBarrierError:
            pass
        try:
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - the test reports it
            results[i] = e
    threads = [threading.Thread(target=work, args=(i, fn)) for i, fn in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "requests still running after the timeout"
    for r in results:
        assert not isinstance(r, Exception), f"a request raised: {r!r}"
    return results


def test_objection_limit_is_shared_by_both_servers(farm, platform, batch):
    ent = platform.new_enterprise("500112")
    app = platform.published_application(ent, batch["id"], ended=False)
    ip = st.random_ip()
    targets = [farm.a, farm.b]
    jobs = [lambda i=i: platform.objection(farm.client(targets[i % 2]), app["id"], ip=ip,
                                           content=f"异议{i}") for i in range(20)]
    codes = collections.Counter(r.status for r in parallel(jobs))
    assert codes == {201: 5, 429: 15}, codes
    assert st.psql(farm.db, f"SELECT count(*) FROM objections WHERE client = '{ip}'")[0][0] == "5"
    for s in targets:
        assert_error(platform.objection(farm.client(s), app["id"], ip=ip), 429, "throttled")


def test_certify_on_one_server_sees_an_objection_filed_on_the_other(farm, platform, commission, batch):
    ent = platform.new_enterprise("500112")
    app = platform.passed_application(ent, batch["id"])
    ends = st.now_cst() + dt.timedelta(seconds=2)
    expect(platform.publish(batch["id"], [app["id"]], st.now_cst() - dt.timedelta(days=7), ends), 201)
    o = expect(platform.objection(farm.client(farm.a), app["id"]), 201)
    while st.now_cst() < ends:
        time.sleep(0.1)
    on_b = st.Client(farm.b.base, "commission-b")
    on_b.cookies, on_b.csrf = dict(commission.cookies), commission.csrf
    assert_error(on_b.post(f"/applications/{app['id']}/certify"), 409, "conflict")
    expect(on_b.post(f"/objections/{o['id']}/resolve", {"outcome": "dismissed", "reason": "不成立"}), 200)
    cert = expect(on_b.post(f"/applications/{app['id']}/certify"), 200)
    on_a = st.Client(farm.a.base)
    assert expect(on_a.get(f"/public/certificates/{cert['certificate_no']}"), 200)["status"] == "valid"
