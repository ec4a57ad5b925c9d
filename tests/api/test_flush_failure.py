"""A failed flush of SQLite's WAL: answers wait for their commits to be on disk
(web_finish), so when the disk refuses the flush the answer is a 500 that reports nothing as
saved — no session cookie either — and, since after a failed fdatasync the kernel may have
dropped the pages, no later write succeeds until the server restarts, while reads go on. The
fault is real: tests/fault/fail_wal_flush.c, preloaded into this test's own server, makes
fdatasync of the WAL fail with EIO while a flag file exists."""
import os

import pytest

import smiptest as st
from conftest import start_server, tmpdir_for
from smiptest import assert_error, expect

FAULT = os.path.join(st.REPO, "build", "fault", "fail_wal_flush.so")


@pytest.mark.skipif(bool(st.PG_BASE), reason="SQLite's WAL (PostgreSQL flushes its own)")
def test_failed_flush_answers_500_and_fails_every_later_write():
    assert os.path.exists(FAULT), "build/fault/fail_wal_flush.so is missing (make builds it)"
    flag = os.path.join(tmpdir_for("flush-flag"), "fail")
    asan = os.environ.get("ASAN_OPTIONS", "")
    srv = start_server("flush-failure", users=[("admin", st.ADMIN, None)],
                       env={"LD_PRELOAD": FAULT, "SMIP_FAIL_WAL_FLUSH": flag,
                            # the sanitizer's runtime then is not first among the libraries
                            "ASAN_OPTIONS": f"{asan}:verify_asan_link_order=0".lstrip(":")})
    try:
        first = st.Client(srv.base, "first")
        expect(first.login(*st.ADMIN), 200, "login while the disk works")
        assert first.cookies, "a session cookie once the session is on disk"

        open(flag, "w").close()
        second = st.Client(srv.base, "second")
        r = second.login(*st.ADMIN)  # the new session's row cannot be flushed
        assert_error(r, 500, "internal")
        assert "set-cookie" not in {k.lower() for k in r.headers}, r.headers
        assert not second.cookies

        os.remove(flag)
        assert_error(st.Client(srv.base, "third").login(*st.ADMIN), 500, "internal")
        # reads go on: the first session still answers
        expect(first.get("/me"), 200, "GET /me")
        expect(st.Client(srv.base, "anon").get("/districts"), 200, "GET /districts")
    finally:
        srv.stop()
    with open(srv.stderr_path, encoding="utf-8", errors="replace") as f:
        assert "flushing" in f.read()
