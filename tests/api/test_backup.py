"""The restore drill, as docs/deploy.md tells an operator to rehearse it: data
made through the API, a backup taken while the server runs and keeps writing, a restore into a
fresh location (the backup plus the key file, which is kept apart from it), `smip audit verify`
on the restored database, and a server on it that serves the same data — logins, the submitted
application, its attachments byte for byte (SHA-256) — and goes on writing.

SQLite: `smip backup FILE`. PostgreSQL (SMIP_TEST_PG): `smip backup` refuses and names pg_dump;
the drill is pg_dump -Fc, then pg_restore into a fresh database of the same cluster, with the
binaries of the Debian postgresql package found at run time."""
import glob
import hashlib
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import threading

import pytest

import smiptest as st
from smiptest import expect
from conftest import start_server, tmpdir_for


def pg_tool(name):
    """The newest pg_dump/pg_restore of the postgresql packages (never older than the server)."""
    def version(p):
        m = re.search(r"/postgresql/(\d+)/", p)
        return int(m.group(1)) if m else 0
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    path = found[-1] if found else shutil.which(name)
    assert path, f"{name} not found (Debian package postgresql-client)"
    return path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def world():
    """A server of its own with an enterprise whose application is submitted with attachments."""
    srv = start_server("backup", users=[("admin", st.ADMIN, None), ("commission", st.COMMISSION, None)])
    admin = st.Client(srv.base, "admin")
    expect(admin.login(*st.ADMIN), 200)
    comm = st.Client(srv.base, "commission")
    expect(comm.login(*st.COMMISSION), 200)
    expect(comm.post("/apps/imp/connect"), 200)
    p = st.Platform(srv, admin, comm)
    b2020 = [x for x in expect(comm.get("/batches?limit=500"), 200)["items"] if x["year"] == 2020][0]
    batch = p.new_batch(b2020["id"])
    ent = p.new_enterprise("500112")
    app, project = p.submitted_application(ent, batch["id"])
    app = expect(ent.c.get(f"/applications/{app['id']}"), 200)
    att_ids = list(app["attachment_ids"]) + list(project["approval_attachment_ids"])
    files = {}
    for aid in att_ids:
        r = ent.c.raw("GET", f"/api/v1/attachments/{aid}")
        assert r.status == 200, r
        files[aid] = sha256(r.raw)
    return {"srv": srv, "platform": p, "comm": comm, "ent": ent, "app": app, "files": files}


def keep_writing(platform, stop, errors):
    """Registrations while the backup runs: an online backup must not need a quiet server."""
    while not stop.is_set():
        _, _, _, r = platform.register()
        if r.status != 201:
            errors.append(r)


def check_restored(db, w, entries_before, missing_username):
    """A server on the restored database serves what the original served, then writes on."""
    r = st.run_cli("audit", "verify", "--db", db)
    assert r.returncode == 0, (r.stdout, r.stderr)
    srv = st.Server(tmpdir_for("restored"), "restored", db=db).start()
    try:
        ent = w["ent"]
        c = st.Client(srv.base, "restored-enterprise")
        expect(c.login(ent.username, ent.password), 200, "login on the restored database")
        app = expect(c.get(f"/applications/{w['app']['id']}"), 200)
        assert app["status"] == "submitted"
        assert app["attachment_ids"] == w["app"]["attachment_ids"]
        for aid, digest in w["files"].items():
            got = c.raw("GET", f"/api/v1/attachments/{aid}")
            assert got.status == 200 and sha256(got.raw) == digest, f"attachment {aid} differs"
        comm = st.Client(srv.base, "restored-commission")
        expect(comm.login(*st.COMMISSION), 200)
        v = expect(comm.get("/audit/verify"), 200)
        assert v["ok"] is True and v["entries"] >= entries_before, v
        # the backup is a point in time: what came after it is not there
        assert st.Client(srv.base).login(missing_username, st.PASSWORD).status == 401
        # and the restored database goes on: new rows get new ids, the chain grows and verifies
        _, _, _, reg = st.Platform(srv, None, comm).register()
        expect(reg, 201, "a write on the restored database")
        after = expect(comm.get("/audit/verify"), 200)
        assert after["ok"] is True and after["entries"] > v["entries"], after
    finally:
        srv.stop()
    assert not srv.problems, srv.problems


def backup_while_writing(w, take_backup):
    """Runs take_backup() while registrations go on; returns the audit entries before it."""
    entries = expect(w["comm"].get("/audit/verify"), 200)["entries"]
    stop, errors = threading.Event(), []
    t = threading.Thread(target=keep_writing, args=(w["platform"], stop, errors))
    t.start()
    try:
        take_backup()
    finally:
        stop.set()
        t.join(60)
    assert not errors, errors[:3]
    return entries


@pytest.mark.skipif(bool(st.PG_BASE), reason="SQLite drill (PostgreSQL: pg_dump below)")
def test_sqlite_backup_and_restore_drill(world):
    w = world
    src = w["srv"].db
    d = tmpdir_for("backup")
    path = os.path.join(d, "smip-backup.db")

    def take():
        r = st.run_cli("backup", path, "--db", src)
        assert r.returncode == 0, (r.stdout, r.stderr)
    entries = backup_while_writing(w, take)
    _, late_user, _, r = w["platform"].register()
    expect(r, 201, "a registration after the backup")
    # password and session hashes inside: as private as the database
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, oct(os.stat(path).st_mode)
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    # The restore: the backup file and, separately, the key — nothing else of the old place.
    fresh = tmpdir_for("restore")
    db = os.path.join(fresh, "smip.db")
    shutil.copyfile(path, db)
    shutil.copyfile(src + ".key", db + ".key")
    os.chmod(db + ".key", 0o600)
    assert stat.S_IMODE(os.stat(src + ".key").st_mode) == 0o600
    check_restored(db, w, entries, late_user)


@pytest.mark.skipif(not st.PG_BASE, reason="PostgreSQL only")
def test_backup_command_refuses_postgresql_and_names_pg_dump(world):
    path = os.path.join(tmpdir_for("backup-pg"), "x.db")
    r = st.run_cli("backup", path, "--db", world["srv"].db)
    assert r.returncode != 0 and b"pg_dump" in r.stderr, (r.stdout, r.stderr)
    assert not os.path.exists(path)


@pytest.mark.skipif(not st.PG_BASE, reason="PostgreSQL only")
def test_postgresql_pg_dump_and_restore_drill(world):
    w = world
    src = w["srv"].db
    d = tmpdir_for("pgdump")
    dump = os.path.join(d, "smip.dump")

    def take():
        r = subprocess.run([pg_tool("pg_dump"), "-Fc", "-f", dump, src], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
    entries = backup_while_writing(w, take)
    _, late_user, _, r = w["platform"].register()
    expect(r, 201, "a registration after the backup")
    fresh = tmpdir_for("pgrestore")
    db = st.pg_new_database(fresh)  # an empty database of the same cluster; its key goes here
    r = subprocess.run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", db, dump],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    shutil.copyfile(st.PG_KEYS[src], st.PG_KEYS[db])
    os.chmod(st.PG_KEYS[db], 0o600)
    check_restored(db, w, entries, late_user)
