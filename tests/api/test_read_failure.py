"""A failed read is a 500, never an absent row: when the database cannot answer a SELECT, the
request answers 500 `internal` — not 404 for an object, not an empty list, not "logged out" — and
the same request answers as before once the database reads again (db_take_read_failure, checked by
the server after the route's loader and after the handler). The fault is real:
tests/fault/fail_read.c, preloaded into this test's own server, makes chosen SELECTs of SQLite
fail with SQLITE_IOERR while a flag file exists."""
import os

import pytest

import smiptest as st
from conftest import start_server, tmpdir_for
from smiptest import assert_error, expect

FAULT = os.path.join(st.REPO, "build", "fault", "fail_read.so")


@pytest.mark.skipif(bool(st.PG_BASE), reason="the fault wraps SQLite's sqlite3_step")
@pytest.mark.parametrize("what,path,before", [
    # a list: never an empty one
    ("imp_bound FROM accounts", "/admin/accounts", 200),
    # one object, found through the batch cache's generation read: never a 404
    ("FROM batches", "/batches/1", 200),
    # the session: never "please log in"
    ("FROM sessions", "/me", 200),
])
def test_a_failed_read_answers_500(what, path, before):
    assert os.path.exists(FAULT), "build/fault/fail_read.so is missing (make builds it)"
    flag = os.path.join(tmpdir_for("read-flag"), "fail")
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"LD_PRELOAD": FAULT, "SMIP_FAIL_READ": flag, "SMIP_FAIL_READ_SQL": what,
           "ASAN_OPTIONS": f"{asan}:verify_asan_link_order=0".lstrip(":")}
    srv = start_server("read-failure", users=[("admin", st.ADMIN, None)], env=env)
    try:
        c = st.Client(srv.base, "admin")
        expect(c.login(*st.ADMIN), 200, "login while the disk reads")
        assert c.get(path).status == before
        open(flag, "w").close()
        assert_error(c.get(path), 500, "internal")
        os.remove(flag)
        assert c.get(path).status == before, "the server did not recover"
    finally:
        srv.stop()
