"""Concurrent requests on one server (its worker threads race as two servers do; tests/scale has
the several-server versions): a decision must be taken on what the database holds under the
write lock, not on a read made before it — or a double click is audited twice, and two edits of
different fields of one batch (or of one application's form) lose one of them."""
import threading

import smiptest as st
from smiptest import expect


def at_once(calls):
    """Runs the callables together (threads released by one barrier); their results in order."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def run(i, fn):
        barrier.wait(30)
        out[i] = fn()
    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(r is not None for r in out), "a request did not finish"
    return out


def twin(c):
    """Another connection of the same browser session."""
    n = st.Client(c.base, c.name)
    n.cookies, n.csrf, n.account = dict(c.cookies), c.csrf, c.account
    return n


def test_double_connect_is_audited_once(platform, commission):
    c, username, _, r = platform.register()
    platform.approve(expect(r, 201)["id"])
    expect(c.login(username, st.PASSWORD), 200)
    results = at_once([lambda: twin(c).post("/apps/imp/connect") for _ in range(8)])
    assert all(r.status == 200 for r in results), results
    items = expect(commission.get(f"/audit?entity=account&id={c.account['id']}&limit=500"), 200)["items"]
    assert [e["action"] for e in items].count("imp_connect") == 1, items


def test_concurrent_edits_of_one_batch_keep_every_field(platform, commission, batch2020):
    b = platform.new_batch(batch2020["id"])
    closes = st.parse_time(b["closes_at"])
    for n in range(3):
        want = {"name": f"并发批次{st.unique('n')}",
                "closes_at": st.iso(closes + st._dt.timedelta(days=1 + n)),
                "district_deadline": st.iso(closes + st._dt.timedelta(days=40 + n)),
                "contacts": {"phone": f"6389{n:04d}", "name": "并发测试"}}
        results = at_once([lambda k=k: twin(commission).put(f"/batches/{b['id']}", {k: want[k]})
                           for k in want for _ in range(2)])
        for r in results:
            expect(r, 200, "PUT /batches")
        got = expect(commission.get(f"/batches/{b['id']}"), 200)
        assert got["name"] == want["name"] and got["contacts"] == want["contacts"], got
        for k in ("closes_at", "district_deadline"):
            assert st.parse_time(got[k]) == st.parse_time(want[k]), (k, got[k])


def test_concurrent_saves_of_one_application_keep_every_field(platform, batch):
    """A save merges its fields before it takes the write lock, into the form as last committed;
    under the lock it must notice that another save came in between and merge again."""
    ent = platform.new_enterprise("500112")
    app, _ = platform.new_application(ent, batch["id"], form=False)
    fields = ["equipment_total", "equipment_digital", "data_points_total", "data_points_uploaded"]
    for n in range(4):
        want = {k: (300 if i % 2 == 0 else 200) + n for i, k in enumerate(fields)}
        results = at_once([lambda k=k: twin(ent.c).put(f"/applications/{app['id']}", {k: want[k]})
                           for k in fields for _ in range(2)])
        for r in results:
            expect(r, 200, "PUT /applications")
        got = expect(ent.c.get(f"/applications/{app['id']}"), 200)
        assert {k: got.get(k) for k in fields} == want, got
        saves = [t for t in got["timeline"] if t["action"] == "update"]
        assert sum(t.get("count", 1) for t in saves) == 8 * (n + 1), saves
