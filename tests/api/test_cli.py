"""The command line: init, user add, audit verify, check (exit 0 / 1 / 2)."""
import json
import os
import stat
import subprocess

import pytest

import smiptest as st
from conftest import tmpdir_for


def test_init_creates_database_and_private_key(server):
    d = tmpdir_for("cli-init")
    if st.PG_BASE:
        db = st.pg_new_database(d)
        r = st.run_cli("init", "--db", db, "--key", os.path.join(d, "audit.key"))
        assert r.returncode == 0, r.stderr
        assert stat.S_IMODE(os.stat(os.path.join(d, "audit.key")).st_mode) == 0o600
        r = st.run_cli("audit", "verify", "--db", db)
        assert r.returncode == 0, r.stderr
        return
    db = os.path.join(d, "fresh.db")
    r = st.run_cli("init", "--db", db)
    assert r.returncode == 0, r.stderr
    assert os.path.exists(db)
    others = [f for f in os.listdir(d) if f not in ("fresh.db", "fresh.db-wal", "fresh.db-shm", "fresh.db-journal")]
    assert others, f"no audit key file beside the database: {os.listdir(d)}"
    modes = {f: stat.S_IMODE(os.stat(os.path.join(d, f)).st_mode) for f in others}
    assert any(m == 0o600 for m in modes.values()), modes
    r = st.run_cli("audit", "verify", "--db", db)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not st.PG_BASE, reason="PostgreSQL only")
def test_postgresql_needs_a_key_file(server):
    """Servers sharing one database must share one key: smip does not invent one per server."""
    r = subprocess.run([st.SMIP_BIN, "audit", "verify", "--db", server.db], capture_output=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if k != "SMIP_KEY"})
    assert r.returncode != 0 and b"--key" in r.stderr, r.stderr


def test_user_add_refusals(server):
    def add(*args, password=b"Cli2020pass"):
        return st.run_cli("user", "add", "--db", server.db, *args, "--password-stdin", stdin=password)
    name = st.unique("cli")
    r = add("--role", "commission", "--username", name)
    assert r.returncode == 0, r.stderr
    r = add("--role", "commission", "--username", name)
    assert r.returncode != 0 and (r.stderr or r.stdout).strip(), "duplicate username must fail with a reason"
    r = add("--role", "emperor", "--username", st.unique("cli"))
    assert r.returncode != 0 and (r.stderr or r.stdout).strip()
    r = add("--role", "district", "--username", st.unique("cli"), "--district", "999999")
    assert r.returncode != 0 and (r.stderr or r.stdout).strip()
    # the account made on the command line works through the API
    c = st.Client(server.base)
    assert c.login(name, "Cli2020pass").status == 200


def test_audit_verify_on_live_database(server, commission):
    r = st.run_cli("audit", "verify", "--db", server.db)
    assert r.returncode == 0, (r.stdout, r.stderr)


def check_input(batch_id, uscc=None, district="500112", **project_over):
    uscc = uscc or st.make_uscc(district)
    ent = st.enterprise_profile(uscc, district)
    project = st.project_body(district)
    project.pop("approval_attachment_ids")
    project.update(project_over)
    form = st.passing_form()
    form.pop("attachment_ids")
    return {"batch_id": batch_id, "enterprise": ent, "project": project,
            "application": {"type": "workshop", **form}}


def run_check(doc, name):
    d = tmpdir_for("cli-check")
    path = os.path.join(d, f"{name}.json")
    if isinstance(doc, str):
        doc = doc.encode("utf-8")
    elif not isinstance(doc, bytes):
        doc = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    with open(path, "wb") as f:
        f.write(doc)
    return path


def cli_check(server, path):
    r = st.run_cli("check", "--db", server.db, path)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def test_check_passing(server, batch):
    rc, out, err = cli_check(server, run_check(check_input(batch["id"]), "pass"))
    assert rc == 0, out + err
    for rule in ("E1", "E6", "T-equipment-share", "T-kpi-operating_cost"):
        assert rule in out, f"{rule} not in the printed table:\n{out}"


def test_check_e6_fails(server, batch):
    rc, out, err = cli_check(server, run_check(check_input(batch["id"], equipment_software_investment=9_999_999),
                                               "e6"))
    assert rc == 1, out + err
    assert "E6" in out
    rc, out, err = cli_check(server, run_check(check_input(batch["id"], equipment_software_investment=10_000_000),
                                               "e6ok"))
    assert rc == 0, out + err


def test_check_e6_reduced_threshold(server, batch):
    doc = check_input(batch["id"], uscc=st.make_uscc("500101"), district="500101",
                      equipment_software_investment=5_000_000)
    rc, out, err = cli_check(server, run_check(doc, "wz"))
    assert rc == 0, out + err


def test_check_e1_outside_chongqing(server, batch):
    rc, out, err = cli_check(server, run_check(check_input(batch["id"], uscc=st.make_uscc("110105")), "e1"))
    assert rc == 1, out + err
    assert "E1" in out


def test_check_warning_only_is_exit_0(server, batch):
    doc = check_input(batch["id"], **{"class": "I", "start_date": "2019-01-01", "completion_date": "2021-12-31",
                                      "progress_pct": 90})
    rc, out, err = cli_check(server, run_check(doc, "warn"))
    # E7's approval proof may need an attachment that a file cannot carry: accept 1 only if E7 says so
    if rc == 1:
        assert "E7" in out, out
    else:
        assert rc == 0, out + err


@pytest.mark.parametrize("content", ['{"batch_id": ', "[]", '{"enterprise": {}}', b"\xff\xfe"])
def test_check_bad_input_is_2(server, batch, content):
    rc, out, err = cli_check(server, run_check(content, "bad"))
    assert rc == 2, (rc, out, err)
    assert (out + err).strip()


def test_check_missing_file_or_batch_is_2(server, batch):
    rc, out, err = cli_check(server, "/nonexistent/dir/app.json")
    assert rc == 2, (rc, out, err)
    rc, out, err = cli_check(server, run_check(check_input(99999999), "nobatch"))
    assert rc == 2, (rc, out, err)
