"""The audit trail: GET /audit/verify on the running server, and tampering with a copy of a
database (edit one entry, delete one, delete the last) detected by `smip audit verify`."""
import json
import os
import re
import sqlite3

import pytest

import smiptest as st
from smiptest import assert_error, expect
from conftest import start_server, tmpdir_for


def test_verify_ok_and_counts_entries(platform, commission):
    body = expect(commission.get("/audit/verify"), 200)
    assert body["ok"] is True
    assert isinstance(body["entries"], int) and body["entries"] > 0
    assert body.get("first_bad") is None
    # state changes append entries
    c, username, uscc, r = platform.register()
    platform.approve(expect(r, 201)["id"])
    after = expect(commission.get("/audit/verify"), 200)
    assert after["ok"] is True and after["entries"] >= body["entries"] + 2


def test_verify_is_for_the_commission(anon, shared_enterprise, district_yb, admin):
    assert_error(anon.get("/audit/verify"), 401, "unauthenticated")
    assert_error(shared_enterprise.c.get("/audit/verify"), 403, "forbidden")
    assert_error(district_yb.get("/audit/verify"), 403, "forbidden")


# ---------------------------------------------------------------- tampering, on copies

@pytest.fixture(scope="module")
def audited():
    """A separate server whose database gets a few audited actions, then is stopped cleanly."""
    srv = start_server("audit", users=[("admin", st.ADMIN, None), ("commission", st.COMMISSION, None)])
    admin = st.Client(srv.base, "admin")
    expect(admin.login(*st.ADMIN), 200)
    comm = st.Client(srv.base, "commission")
    expect(comm.login(*st.COMMISSION), 200)
    expect(comm.post("/apps/imp/connect"), 200)
    p = st.Platform(srv, admin, comm)
    ent = p.new_enterprise("500112")
    expect(ent.c.post("/projects", st.project_body()), 201)
    _, _, _, r = p.register()
    expect(admin.post(f"/admin/accounts/{expect(r, 201)['id']}/reject", {"reason": "资料不符"}), 200)
    b2020 = [x for x in expect(comm.get("/batches"), 200)["items"] if x["year"] == 2020][0]
    p.new_batch(b2020["id"])
    v = expect(comm.get("/audit/verify"), 200)
    assert v["ok"] is True and v["entries"] >= 4, v
    srv.stop()
    assert not srv.problems, srv.problems
    return srv, v["entries"]


def copy_of(srv, name):
    dst = os.path.join(tmpdir_for(f"audit-{name}"), "db")
    return st.copy_db_dir(srv.dir, dst, srv.db)


def audit_table(con):
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND lower(name) LIKE '%audit%'")]
    assert names, "no table whose name contains 'audit'"
    counts = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    return max(names, key=lambda n: counts[n])


def drop_triggers(con, table):
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name=?", (table,)).fetchall():
        con.execute(f'DROP TRIGGER "{name}"')


def rows_of(con, table):
    info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
    cols = [r[1] for r in info]
    pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5] > 0]
    try:
        con.execute(f'SELECT rowid FROM "{table}" LIMIT 1').fetchall()
        key = ["rowid"]
    except sqlite3.OperationalError:
        key = pk
    sel = ", ".join([f'"{k}"' if k != "rowid" else "rowid" for k in key] + [f'"{c}"' for c in cols])
    order = ", ".join(k if k == "rowid" else f'"{k}"' for k in key)
    rows = con.execute(f'SELECT {sel} FROM "{table}" ORDER BY {order}').fetchall()
    return key, cols, rows


PREFERRED = ("detail", "details", "data", "payload", "after", "what", "action", "summary", "entity", "before")


def pick_edit(cols, values):
    """The column to edit in a row and its new value: a text column that is not a hash, the
    detail-like ones first, one digit changed (or a letter added)."""
    text_cols = [c for c, v in values.items() if isinstance(v, str) and v
                 and not re.search(r"hash|mac|prev|sig", c, re.I)]
    assert text_cols, f"no text column to edit: {values}"
    ordered = sorted(text_cols, key=lambda c: next((i for i, p in enumerate(PREFERRED) if p in c.lower()),
                                                   len(PREFERRED)))
    col = ordered[0]
    old = values[col]
    m = re.search(r"\d", old)
    if m:
        d = old[m.start()]
        return col, old[:m.start()] + ("7" if d != "7" else "8") + old[m.end():]
    return col, old + "x"


def tamper_pg(db, mode):
    """The same three forgeries through psql, for a PostgreSQL copy."""
    names = [r[0] for r in st.psql(db, "SELECT table_name FROM information_schema.tables WHERE "
                                       "table_schema = 'public' AND lower(table_name) LIKE '%audit%'")]
    assert names, "no table whose name contains 'audit'"
    table = max(names, key=lambda n: int(st.psql(db, f'SELECT count(*) FROM "{n}"')[0][0]))
    for (trigger,) in st.psql(db, f"SELECT tgname FROM pg_trigger WHERE tgrelid = '\"{table}\"'::regclass "
                                  "AND NOT tgisinternal"):
        st.psql(db, f'DROP TRIGGER "{trigger}" ON "{table}"')
    key = [r[0] for r in st.psql(db, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON "
                                     "a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE "
                                     f"i.indrelid = '\"{table}\"'::regclass AND i.indisprimary")]
    assert key, f"no primary key on {table}"
    order = ", ".join(f'"{k}"' for k in key)
    rows = [json.loads(r[0]) for r in st.psql(db, f'SELECT row_to_json(t) FROM "{table}" t ORDER BY {order}')]
    assert len(rows) >= 3, f"too few audit rows in {table}: {len(rows)}"
    target = rows[-1] if mode == "delete_last" else rows[len(rows) // 2]
    where = " AND ".join(f'"{k}" = {st.pg_quote(target[k])}' for k in key)
    if mode.startswith("delete"):
        st.psql(db, f'DELETE FROM "{table}" WHERE {where}')
    else:
        col, new = pick_edit(list(target), {c: v for c, v in target.items() if c not in key})
        st.psql(db, f'UPDATE "{table}" SET "{col}" = {st.pg_quote(new)} WHERE {where}')
    return table


def tamper(db, mode):
    if st.is_pg(db):
        return tamper_pg(db, mode)
    con = sqlite3.connect(db)
    try:
        table = audit_table(con)
        drop_triggers(con, table)
        key, cols, rows = rows_of(con, table)
        assert len(rows) >= 3, f"too few audit rows in {table}: {len(rows)}"
        nk = len(key)
        where = " AND ".join(f"{k} = ?" if k == "rowid" else f'"{k}" = ?' for k in key)
        if mode == "delete_last":
            target = rows[-1]
        else:
            target = rows[len(rows) // 2]
        kv = list(target[:nk])
        if mode.startswith("delete"):
            con.execute(f'DELETE FROM "{table}" WHERE {where}', kv)
        else:
            values = dict(zip(cols, target[nk:]))
            col, new = pick_edit(cols, values)
            con.execute(f'UPDATE "{table}" SET "{col}" = ? WHERE {where}', [new] + kv)
        con.commit()
        return table
    finally:
        con.close()


def verify_cli(db):
    r = st.run_cli("audit", "verify", "--db", db)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace")


def test_untouched_copy_verifies(audited):
    srv, _ = audited
    rc, out = verify_cli(copy_of(srv, "clean"))
    assert rc == 0, out


def test_cli_detects_an_edited_entry(audited):
    srv, _ = audited
    db = copy_of(srv, "edit")
    tamper(db, "edit")
    rc, out = verify_cli(db)
    assert rc != 0, f"an edited audit entry went unnoticed: {out}"
    assert out.strip() and re.search(r"\d", out), out


def test_cli_detects_a_deleted_entry(audited):
    srv, _ = audited
    db = copy_of(srv, "delete")
    tamper(db, "delete_middle")
    rc, out = verify_cli(db)
    assert rc != 0, f"a deleted audit entry went unnoticed: {out}"


def test_cli_detects_a_deleted_tail(audited):
    srv, _ = audited
    db = copy_of(srv, "tail")
    tamper(db, "delete_last")
    rc, out = verify_cli(db)
    assert rc != 0, f"deleting the last audit entry went unnoticed: {out}"


def test_api_reports_tampering(audited):
    srv, _ = audited
    db = copy_of(srv, "api")
    tamper(db, "edit")
    s2 = st.Server(st.db_dir(db), "audit-tampered", db=db)
    try:
        s2.start()
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"server did not start on a tampered database: {e}")
    c = st.Client(s2.base)
    expect(c.login(*st.COMMISSION), 200)
    body = expect(c.get("/audit/verify"), 200)
    assert body["ok"] is False, body
    assert body.get("first_bad") is not None, body
    assert isinstance(body["entries"], int)
    s2.stop()
