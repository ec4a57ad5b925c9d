"""Several servers, one PostgreSQL (issue 6, point 3): two `smip serve` behind nginx share
everything through the database — sessions and CSRF tokens, login throttling, rule E4, the state
of an application and of a batch, and one audit chain. Concurrent requests are spread over both
servers (each hit directly, and through nginx); nothing may depend on one process's memory, and
every decision must be taken on what the database holds under the write lock.

The tests run in file order: the last ones check that the audit chain stayed one chain after all
the concurrency above, and that both servers stop cleanly on SIGTERM without sanitizer reports."""
import collections
import threading

import smiptest as st
from smiptest import assert_error, expect


def clone(c, base, name=""):
    """The same browser session (cookie, CSRF token) pointed at another server."""
    n = st.Client(base, name or c.name)
    n.cookies = dict(c.cookies)
    n.csrf = c.csrf
    n.account = c.account
    return n


def parallel(jobs, timeout=120):
    """Runs the callables at once (one thread each, released together); their results in order,
    an exception as the result of a job that raised."""
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


def entrances(farm):
    """Where concurrent requests go, in turn: server a, server b, and nginx (round-robin)."""
    return [farm.a.base, farm.b.base, farm.nginx.base]


def upstreams(farm):
    return {f"127.0.0.1:{s.port}" for s in farm.backends}


def audit_of(commission, entity, entity_id):
    return expect(commission.get(f"/audit?entity={entity}&id={entity_id}&limit=500"), 200)["items"]


# ---------------------------------------------------------------- the farm itself

def test_nginx_spreads_requests_over_both_servers(farm):
    seen = collections.Counter()
    c = farm.client("front")
    for _ in range(10):
        r = c.raw("GET", "/healthz")
        assert r.status == 200 and r.body == {"ok": True}, r
        seen[r.headers.get("X-Smip-Upstream")] += 1
    assert set(seen) == upstreams(farm), f"round-robin did not reach both servers: {seen}"
    for s in farm.backends:
        assert st.Client(s.base).raw("GET", "/healthz").status == 200, s.name


# ---------------------------------------------------------------- sessions

def test_session_made_on_one_server_works_on_the_other(farm, platform):
    ent = platform.new_enterprise("500112")  # made through nginx, so on both servers already
    on_a = farm.client(farm.a, "on_a")
    expect(on_a.login(ent.username, ent.password), 200, "login on server a")
    on_b = clone(on_a, farm.b.base, "on_b")
    assert expect(on_b.get("/enterprise"), 200)["uscc"] == ent.uscc
    # a state change on b with the CSRF token a issued, read back on a
    addr = f"重庆市渝北区{st.unique('x')}路2号"
    expect(on_b.put("/enterprise", {"address": addr}), 200, "PUT on b")
    assert expect(on_a.get("/enterprise"), 200)["address"] == addr
    assert_error(on_b.put("/enterprise", {"address": "x"}, csrf="0" * len(on_a.csrf)), 403, "csrf")
    # through nginx the one session is served by both
    via = clone(on_a, farm.nginx.base, "via_nginx")
    seen = set()
    for _ in range(6):
        r = via.get("/enterprise")
        expect(r, 200, "GET through nginx")
        seen.add(r.headers.get("X-Smip-Upstream"))
    assert seen == upstreams(farm), seen
    # logging out on b ends the session on a too
    r = on_b.logout()
    assert r.status in (200, 204), r
    assert_error(on_a.get("/enterprise"), 401, "unauthenticated")
    assert_error(via.get("/enterprise"), 401, "unauthenticated")


def test_concurrent_first_connect_is_audited_once(farm, platform, commission):
    """接入 clicked twice lands on both servers at once: the account is connected once, with one
    audit entry (the check that it is not yet connected must happen under the write lock)."""
    c, username, _, r = platform.register()
    platform.approve(expect(r, 201, "register")["id"])
    expect(c.login(username, st.PASSWORD), 200)
    results = parallel([lambda s=s: clone(c, s.base).post("/apps/imp/connect")
                        for s in farm.backends for _ in range(5)])
    assert all(r.status == 200 for r in results), results
    entries = [e for e in audit_of(commission, "account", c.account["id"]) if e["action"] == "imp_connect"]
    assert len(entries) == 1, entries


# ---------------------------------------------------------------- login throttling

def test_login_failures_count_across_both_servers(farm, platform):
    ent = platform.new_enterprise("500112")
    a, b = farm.client(farm.a), farm.client(farm.b)
    # 4 failures, 2 on each server: not yet locked
    for c in (a, b, a, b):
        assert_error(c.login(ent.username, "Wrong2020pass"), 401, "bad_credentials")
    expect(farm.client(farm.a).login(ent.username, ent.password), 200, "right password after 4 failures")
    # the 5th failure on b: a saw 2, b 3 — only the shared count reaches the limit of 5
    assert_error(b.login(ent.username, "Wrong2020pass"), 401, "bad_credentials")
    for where in (farm.a, farm.b, "front"):
        assert_error(farm.client(where).login(ent.username, ent.password), 429, "throttled")


def test_parallel_guesses_over_both_servers_get_at_most_five_tries(farm):
    """20 guesses at once for one name, half on each server: every attempt reserves its failure
    row in the database before the password is checked, so at most 5 are checked at all."""
    name = st.unique("guess")
    targets = [farm.a, farm.b]
    jobs = [lambda i=i: farm.client(targets[i % 2]).login(name, f"Guess{i}2020pass") for i in range(20)]
    results = parallel(jobs)
    codes = collections.Counter(r.status for r in results)
    assert set(codes) <= {401, 429}, codes
    assert codes[401] <= 5 and codes[429] >= 15, codes
    for r in results:
        if r.status == 429:
            assert_error(r, 429, "throttled")
    assert_error(farm.client("front").login(name, "Guess2020pass"), 429, "throttled")


# ---------------------------------------------------------------- rule E4 under a race

def test_fifty_concurrent_submits_leave_exactly_one(farm, platform, commission, batch):
    """Two complete applications of one enterprise in one batch; 50 submits at once, 25 of each,
    spread over both servers (directly and through nginx). Rule E4 (one per legal entity per batch) must hold: one submit
    succeeds, the other application's submits fail E4 (422), the winner's later ones 409."""
    ent = platform.new_enterprise("500112")
    platform.ensure_assessment(ent)
    apps = [platform.new_application(ent, batch["id"])[0] for _ in range(2)]
    for app in apps:
        got = expect(ent.c.post(f"/applications/{app['id']}/check"), 200, "check")
        assert not st.failing_errors(got["findings"]), got["findings"]
    jobs = []
    for i in range(50):
        app = apps[i % 2]
        c = clone(ent.c, entrances(farm)[(i // 2) % 3])
        jobs.append(lambda c=c, aid=app["id"]: (aid, c.post(f"/applications/{aid}/submit")))
    results = parallel(jobs)
    ok = [(aid, r) for aid, r in results if r.status == 200]
    assert len(ok) == 1, f"{len(ok)} submits succeeded: {[(a, r.status) for a, r in results]}"
    winner = ok[0][0]
    loser = [a["id"] for a in apps if a["id"] != winner][0]
    for aid, r in results:
        if r.status == 200:
            continue
        if aid == winner:
            assert_error(r, 409, "wrong_state")
        else:
            err = assert_error(r, 422, "rule_failed")
            e4 = [f for f in err.get("findings", []) if f.get("rule") == "E4"]
            assert e4 and any(f.get("ok") is False and f.get("severity") == "error" for f in e4), err
    assert expect(ent.c.get(f"/applications/{winner}"), 200)["status"] == "submitted"
    assert expect(ent.c.get(f"/applications/{loser}"), 200)["status"] == "draft"
    submits = [e for aid in (winner, loser) for e in audit_of(commission, "application", aid)
               if e["action"] == "submit"]
    assert len(submits) == 1 and submits[0]["entity_id"] == winner, submits
    listed = expect(ent.c.get(f"/applications?batch_id={batch['id']}&status=submitted"), 200)
    assert [x["id"] for x in listed["items"]] == [winner], listed


# ---------------------------------------------------------------- one application, many hands

def test_concurrent_withdraw_and_submit_of_one_application(farm, platform, commission, batch):
    """20 withdraws and submits of one application at once over both servers (directly and
    through nginx): each success is one transition recorded by one audit entry, successes never
    overlap (two withdraws of one submission, or two submits of one draft), and the final state
    is where the entries end."""
    ent = platform.new_enterprise("500112")
    app, _ = platform.submitted_application(ent, batch["id"])
    aid = app["id"]
    before = audit_of(commission, "application", aid)
    last_seq = max(e["seq"] for e in before)
    jobs = []
    for i in range(20):
        c = clone(ent.c, entrances(farm)[i % 3])
        action = "withdraw" if (i // 3) % 2 == 0 else "submit"
        jobs.append(lambda c=c, action=action: (action, c.post(f"/applications/{aid}/{action}")))
    results = parallel(jobs)
    done = collections.Counter()
    for action, r in results:
        if r.status == 200:
            done[action] += 1
        else:
            assert_error(r, 409, "wrong_state")
    assert done["withdraw"] >= 1, f"no withdraw succeeded: {[(a, r.status) for a, r in results]}"
    entries = [e for e in audit_of(commission, "application", aid) if e["seq"] > last_seq]
    assert collections.Counter(e["action"] for e in entries) == done, (entries, done)
    state = "submitted"
    for e in entries:
        assert e["from_state"] == state, f"entry {e['seq']} starts from {e['from_state']}, not {state}"
        state = e["to_state"]
    # transitions alternate: never two successes out of one state
    assert abs(done["withdraw"] - done["submit"]) <= 1, done
    final = expect(ent.c.get(f"/applications/{aid}"), 200)["status"]
    assert final == state, (final, entries)


# ---------------------------------------------------------------- batches: no lost update, no stale copy

def test_concurrent_edits_of_different_batch_fields_all_stay(farm, platform, commission, batch):
    """Four commission users change four different fields of one batch at once, on both
    servers: a merge patch keeps the keys it does not name, so all four changes must stay."""
    b = platform.new_batch(batch["id"])
    base = st.parse_time(b["closes_at"])
    for round_ in range(3):
        name = f"并发修改批次{st.unique('n')}"
        closes = st.iso(base + st._dt.timedelta(days=1 + round_, hours=1))
        deadline = st.iso(base + st._dt.timedelta(days=30 + round_))
        contacts = {"phone": f"6389{round_:04d}", "name": "并发测试"}
        patches = [{"name": name}, {"closes_at": closes}, {"district_deadline": deadline},
                   {"contacts": contacts}]
        jobs = [lambda p=p, i=i: clone(commission, farm.backends[i % 2].base).put(f"/batches/{b['id']}", p)
                for i, p in enumerate(patches * 2)]
        for r in parallel(jobs):
            expect(r, 200, "PUT /batches")
        got = expect(commission.get(f"/batches/{b['id']}"), 200)
        assert got["name"] == name, got["name"]
        assert st.parse_time(got["closes_at"]) == st.parse_time(closes), got["closes_at"]
        assert st.parse_time(got["district_deadline"]) == st.parse_time(deadline), got["district_deadline"]
        assert got["contacts"] == contacts, got["contacts"]


def test_batch_closed_on_one_server_is_closed_on_the_other(farm, platform, commission, batch):
    """A server keeps nothing about a batch that the other could change under it: once server a
    closes the window, server b answers with the new times and refuses a submit (E3)."""
    b = platform.new_batch(batch["id"])
    ent = platform.new_enterprise("500112")
    platform.ensure_assessment(ent)
    app, _ = platform.new_application(ent, b["id"])
    for s in farm.backends:  # both servers have read the batch and its rules
        expect(clone(commission, s.base).get(f"/batches/{b['id']}"), 200)
        got = expect(clone(ent.c, s.base).post(f"/applications/{app['id']}/check"), 200)
        assert not st.failing_errors(got["findings"]), got["findings"]
    closes = st.iso(st.now_cst() - st._dt.timedelta(minutes=5))
    expect(clone(commission, farm.a.base).put(f"/batches/{b['id']}", {"closes_at": closes}), 200)
    seen = expect(clone(commission, farm.b.base).get(f"/batches/{b['id']}"), 200)
    assert st.parse_time(seen["closes_at"]) == st.parse_time(closes), seen
    err = assert_error(clone(ent.c, farm.b.base).post(f"/applications/{app['id']}/submit"), 422, "rule_failed")
    e3 = [f for f in err["findings"] if f.get("rule") == "E3"]
    assert e3 and any(f.get("ok") is False for f in e3), err["findings"]


# ---------------------------------------------------------------- one audit chain

def test_audit_chain_is_one_chain(farm, commission):
    count, lo, hi, distinct = (int(x) for x in st.psql(
        farm.db, "SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM audit")[0])
    assert count > 0 and lo == 1 and hi == count and distinct == count, (count, lo, hi, distinct)
    for where in ("front", farm.a, farm.b):
        c = clone(commission, farm.client(where).base)
        v = expect(c.get("/audit/verify"), 200, "GET /audit/verify")
        assert v["ok"] is True and v["entries"] >= count and v.get("first_bad") is None, v
    # quiet now: the servers agree with the table exactly
    v = expect(commission.get("/audit/verify"), 200)
    assert v["entries"] == int(st.psql(farm.db, "SELECT count(*) FROM audit")[0][0]), v
    r = st.run_cli("audit", "verify", "--db", farm.db, "--key", farm.key)
    assert r.returncode == 0, (r.stdout, r.stderr)


def test_zz_servers_stop_cleanly(farm):
    problems = farm.stop()
    assert not problems, "\n\n".join(problems)
