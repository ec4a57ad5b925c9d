"""Fixtures of the API suite: one `smip serve` per session on a free loopback port with a fresh
database (init + admin + commission + district accounts for 500112 渝北区 and 500101 万州区), the
logged-in staff clients, an open batch copied from the 2020 rules, and factories for enterprises,
projects and applications. The server is stopped by the last test (test_zz_server_exit.py), which
fails when the server printed a sanitizer report, hung at SIGTERM or exited non-zero."""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import smiptest as st  # noqa: E402

from smiptest import ADMIN, COMMISSION, DISTRICT_WZ, DISTRICT_YB  # noqa: E402

LAST_TEST = "test_zz_server_exit.py"


def pytest_collection_modifyitems(session, config, items):
    """The server-exit check runs last, whatever the order of collection."""
    last = [i for i in items if i.nodeid.split("::")[0].endswith(LAST_TEST)]
    rest = [i for i in items if i not in last]
    items[:] = rest + last


def pytest_sessionfinish(session, exitstatus):
    """Safety net when the final test did not run (deselected, -x): still stop every server and
    make a sanitizer report fail the run."""
    unreported = list(st.CLI_PROBLEMS)
    st.CLI_PROBLEMS.clear()
    for s in st.Server.registry:
        if s.reported:
            continue
        s.stop()
        unreported.extend(s.problems)
        s.reported = True
    if unreported:
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        msg = "\n\n".join(unreported)
        if tr:
            tr.write_sep("=", "smip server problems", red=True)
            tr.write_line(msg)
        else:
            print(msg, file=sys.stderr)
        session.exitstatus = 1
    if not os.environ.get("SMIP_KEEP_TMP"):
        for d in _tmpdirs:
            shutil.rmtree(d, ignore_errors=True)


_tmpdirs = []


def tmpdir_for(name):
    d = st.new_tmpdir(f"smip-api-{name}-")
    _tmpdirs.append(d)
    return d


def start_server(name, extra_args=(), users=(), env=None):
    if not os.path.exists(st.SMIP_BIN):
        pytest.fail(f"smip binary not found at {st.SMIP_BIN} (build it with `make build/asan/smip` "
                    f"or set SMIP_BIN)", pytrace=False)
    srv = st.Server(os.path.join(tmpdir_for(name), "db"), name, extra_args, env=env)
    try:
        srv.init()
        for role, (user, pw), district in users:
            srv.add_user(role, user, pw, district)
        srv.start()
    except Exception as e:  # noqa: BLE001 - report why the server could not start
        pytest.fail(f"could not start smip ({name}): {e}", pytrace=False)
    return srv


def staff_users():
    return [("admin", ADMIN, None), ("commission", COMMISSION, None),
            ("district", DISTRICT_YB, "500112"), ("district", DISTRICT_WZ, "500101")]


@pytest.fixture(scope="session")
def server():
    srv = start_server("main", users=staff_users())
    yield srv
    srv.stop()


def _login(srv, creds, connect):
    c = st.Client(srv.base, creds[0])
    st.expect(c.login(*creds), 200, f"login {creds[0]}")
    if connect:
        st.expect(c.post("/apps/imp/connect"), 200, f"connect {creds[0]}")
    return c


@pytest.fixture(scope="session")
def admin(server):
    return _login(server, ADMIN, connect=False)


@pytest.fixture(scope="session")
def commission(server):
    return _login(server, COMMISSION, connect=True)


@pytest.fixture(scope="session")
def district_yb(server):
    return _login(server, DISTRICT_YB, connect=True)


@pytest.fixture(scope="session")
def district_wz(server):
    return _login(server, DISTRICT_WZ, connect=True)


@pytest.fixture(scope="session")
def platform(server, admin, commission):
    return st.Platform(server, admin, commission)


@pytest.fixture
def anon(server):
    return st.Client(server.base, "anonymous")


@pytest.fixture(scope="session")
def batch2020(commission):
    r = commission.get("/batches?limit=500")
    items = st.expect(r, 200, "GET /batches")["items"]
    b = [x for x in items if x.get("year") == 2020 and x.get("opens_at") == "2020-03-17T10:00:00+08:00"]
    assert b, f"the 2020 batch of the notice is missing: {items}"
    return b[0]


@pytest.fixture(scope="session")
def batch(platform, batch2020):
    """A commission-made batch with the 2020 rules and a window open now."""
    return platform.new_batch(batch2020["id"])


@pytest.fixture
def enterprise(platform):
    """A fresh enterprise in 渝北 (500112), connected and confirmed."""
    return platform.new_enterprise("500112")


@pytest.fixture(scope="module")
def shared_enterprise(platform):
    """One enterprise per test module, for tests that only read or add their own objects."""
    return platform.new_enterprise("500112")


@pytest.fixture(scope="module")
def other_enterprise(platform):
    """A second enterprise per module: the 'someone else' of the 404 tests."""
    return platform.new_enterprise("500112")


@pytest.fixture(scope="session")
def limits_server():
    """A second server with tiny limits, so 413 can be tested with small bodies."""
    srv = start_server("limits", extra_args=["--max-upload", "1024", "--max-json", "4096"],
                       users=[("commission", COMMISSION, None), ("admin", ADMIN, None)])
    yield srv
    srv.stop()
