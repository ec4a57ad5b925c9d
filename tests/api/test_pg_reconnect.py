"""PostgreSQL only: a server survives a restart of the database server. Every worker thread's
connection is dropped by the restart; the next request on each must reconnect, prepare its
statements again and answer as before — reads and write transactions alike."""
import glob
import os
import re
import subprocess

import pytest

import smiptest as st
from smiptest import expect
from conftest import start_server

PG_DIR = os.environ.get("SMIP_TEST_PG_DIR", "")

pytestmark = pytest.mark.skipif(not (st.PG_BASE and PG_DIR), reason="PostgreSQL suite only")


def pg_ctl():
    """The newest installed pg_ctl (the cluster was made by scripts/pg-cluster.sh, which picks the
    newest too); never a version written down here."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
    assert found, "no pg_ctl under /usr/lib/postgresql/*/bin (Debian's postgresql package)"
    return found[-1]


def restart_cluster():
    # -l: the new postmaster must not inherit (and hold open) pipes of ours
    cmd = [pg_ctl(), "-D", os.path.join(PG_DIR, "data"), "-l",
           os.path.join(PG_DIR, "server.log"), "-m", "fast", "-w", "restart"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)
    assert r.returncode == 0, f"pg_ctl restart failed: see {PG_DIR}/server.log"


def test_server_reconnects_after_database_restart():
    srv = start_server("reconnect", users=[("admin", st.ADMIN, None), ("commission", st.COMMISSION, None)])
    admin = st.Client(srv.base, "admin")
    # many requests, so that many worker threads hold a connection when the database goes away
    for _ in range(20):
        expect(st.Client(srv.base).login(*st.ADMIN), 200, "login before")
    expect(admin.login(*st.ADMIN), 200)
    restart_cluster()
    for i in range(20):
        expect(st.Client(srv.base).login(*st.ADMIN), 200, f"login {i} after the restart")
    p = st.Platform(srv, admin, None)
    _, _, _, r = p.register()
    expect(r, 201, "a write transaction after the restart")
    expect(admin.get("/admin/accounts?status=pending"), 200, "a read with the old session")
    srv.stop()
    assert not srv.problems, srv.problems
