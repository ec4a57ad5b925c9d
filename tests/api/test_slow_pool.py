"""What is slow on purpose runs on the server's slow pool (web/server.c): an argon2id hash at each
login takes tens of milliseconds, and with libmicrohttpd's threads at one per core, logins run in
those threads would hold up every page behind them. Checked by order, not by a clock: while a
couple of dozen logins are being hashed, an enterprise's reads go on between the hashes; every
login still gets its right answer (a wrong password its 401); a slow read (an export) and a slow
write (a password change) answer from the pool as before."""
import threading

import smiptest as st
from smiptest import expect


def test_pages_answered_while_logins_are_hashed(platform, shared_enterprise, server):
    ent = shared_enterprise
    names = []
    for _ in range(4):
        c, username, _, r = platform.register()
        platform.approve(expect(r, 201)["id"])
        names.append(username)
    n = 24
    logins = []
    lock = threading.Lock()

    def login(i):
        c = st.Client(server.base, f"login{i}")
        password = st.PASSWORD if i % 6 else "wrong-password-1"
        r = c.login(names[i % 4], password)
        with lock:
            logins.append((i, r.status))
    threads = [threading.Thread(target=login, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    # While the logins are hashed (one per core at a time), the enterprise keeps reading.
    pages = 0
    while True:
        with lock:
            if len(logins) == n:
                break
        expect(ent.c.get("/me"), 200)
        expect(ent.c.get("/enterprise"), 200)
        pages += 1
    for t in threads:
        t.join(120)
    print(f"pages answered during {n} logins: {pages}")
    # Run in libmicrohttpd's threads, each login would hold up the pages queued behind it on its
    # thread: a handful of pages in all. On the pool, the pages go on between the hashes.
    assert pages >= n, pages
    for i, status in logins:
        assert status == (200 if i % 6 else 401), (i, status)


def test_export_and_login_on_the_pool_answer_normally(commission, platform):
    """A slow read (an XLSX export) runs on the pool with its own snapshot, a slow write (a
    password change) waits there for its flush: both answer as before."""
    r = commission.get("/exports/experts.xlsx")
    assert r.status == 200 and r.raw[:2] == b"PK", r
    c, username, _, resp = platform.register()
    platform.approve(expect(resp, 201)["id"])
    expect(c.login(username, st.PASSWORD), 200)
    expect(c.post("/me/password", {"old_password": st.PASSWORD, "new_password": st.PASSWORD + "x"}), 204)
    c2 = st.Client(c.base, "again")
    expect(c2.login(username, st.PASSWORD + "x"), 200)
