/* test_db_sqlite — the SQLite store's concurrency: the read snapshot of one request
 * (db_read_begin/db_read_end: its reads see one state while another connection commits; a write
 * started inside it starts from the newest state), group commit on the shared writer (many
 * threads' transactions all durable and counted, one's rollback undoing only its own part, a
 * waiting member released by the group's commit), the current batch found from its index, and
 * the migrations' recorded hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "unit_tmp.h"

static int64_t count_districts(db *d)
{
    return db_scalar_int(d, -1, "SELECT count(*) FROM districts", "");
}

static void test_snapshot_and_write_after(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "snap"), 0);
    svc_config cfg = {0};
    db *a = unit_db(dir, &cfg);
    assert_non_null(a);
    char *path = xasprintf("%s/t.db", dir), *err = NULL;
    db *b = db_open(path, &err);
    free(path);
    assert_non_null(b);
    int64_t before = count_districts(a);
    assert_true(before > 0);

    db_read_begin(a);
    assert_int_equal(count_districts(a), before);
    assert_int_equal(db_begin(b), 0);
    assert_int_equal(db_exec(b,
                             "INSERT INTO districts (code, name, type, grp, sort) VALUES "
                             "('999999', '测试区', 'district', 'x', 99)",
                             ""),
                     0);
    assert_int_equal(db_commit(b), 0);
    /* Inside the snapshot the other connection's row is not there yet… */
    assert_int_equal(count_districts(a), before);
    assert_false(db_in_tx(a));
    db_read_end(a);
    /* …and is once it ends. */
    assert_int_equal(count_districts(a), before + 1);

    /* A write inside a snapshot ends it first, so it starts from the newest state and commits. */
    db_read_begin(a);
    assert_int_equal(count_districts(a), before + 1);
    assert_int_equal(db_begin(b), 0);
    assert_int_equal(db_exec(b, "DELETE FROM districts WHERE code = '999999'", ""), 0);
    assert_int_equal(db_commit(b), 0);
    assert_int_equal(db_begin(a), 0);
    assert_int_equal(count_districts(a), before);
    assert_int_equal(db_exec(a, "UPDATE districts SET name = name WHERE code = '500112'", ""), 0);
    assert_int_equal(db_commit(a), 0);
    db_read_end(a); /* nothing open: harmless */
    db_read_end(a);
    db_close(b);
    db_close(a);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* Group commit: 8 threads × 40 transactions, each inserting one row on its own connection (one
 * db per thread, as the server's workers), every 5th rolled back. Every committed row is there,
 * no rolled-back one is, and each db_commit returned 0. */
typedef struct gc_arg {
    const char *path;
    int thread;
    int committed;
    int failed;
} gc_arg;

static void *gc_worker(void *p)
{
    gc_arg *g = p;
    char *err = NULL;
    db *d = db_open(g->path, &err);
    if (!d) {
        free(err);
        g->failed = 1000;
        return NULL;
    }
    for (int i = 0; i < 40; i++) {
        if (db_begin(d) != 0) {
            g->failed++;
            continue;
        }
        char code[16];
        snprintf(code, sizeof code, "9%02d%03d", g->thread, i);
        if (db_exec(d,
                    "INSERT INTO districts (code, name, type, grp, sort) VALUES (?, ?, 'd', "
                    "'g', 0)",
                    "tt", code, i % 5 == 4 ? "rolled back" : "kept") != 0) {
            db_rollback(d);
            g->failed++;
            continue;
        }
        if (i % 5 == 4) {
            db_rollback(d);
            continue;
        }
        if (db_commit(d) != 0)
            g->failed++;
        else
            g->committed++;
    }
    db_close(d);
    return NULL;
}

static void test_group_commit_many_threads(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "group"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    char *path = xasprintf("%s/t.db", dir);
    pthread_t t[8];
    gc_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (gc_arg){.path = path, .thread = i};
        assert_int_equal(pthread_create(&t[i], NULL, gc_worker, &args[i]), 0);
    }
    int committed = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].failed, 0);
        committed += args[i].committed;
    }
    assert_int_equal(committed, 8 * 32);
    /* A connection of its own sees exactly the committed rows: they are on disk. */
    char *err = NULL;
    db *fresh = db_open(path, &err);
    assert_non_null(fresh);
    assert_int_equal(
        db_scalar_int(fresh, -1, "SELECT count(*) FROM districts WHERE name = 'kept'", ""), 8 * 32);
    assert_int_equal(
        db_scalar_int(fresh, -1, "SELECT count(*) FROM districts WHERE name = 'rolled back'", ""),
        0);
    db_close(fresh);
    free(path);
    db_close(d);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* The group's first member finishes while a second waits for the lock: the first leaves the
 * group open and waits; the second rolls back its own part and, last in, commits the group, which
 * releases the first with success and keeps its row. */
typedef struct gc_second {
    db *d;
    int rc;
} gc_second;

static void *gc_second_member(void *p)
{
    gc_second *g = p;
    g->rc = db_begin(g->d); /* blocks until the first member has finished its part */
    if (g->rc != 0) return NULL;
    db_exec(g->d,
            "INSERT INTO districts (code, name, type, grp, sort) VALUES ('988888', "
            "'second', 'd', 'g', 0)",
            "");
    db_rollback(g->d);
    return NULL;
}

static void test_group_member_rollback_keeps_others(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "member"), 0);
    svc_config cfg = {0};
    db *a = unit_db(dir, &cfg);
    assert_non_null(a);
    char *path = xasprintf("%s/t.db", dir), *err = NULL;
    gc_second second = {.d = db_open(path, &err)};
    assert_non_null(second.d);
    assert_int_equal(db_begin(a), 0);
    assert_int_equal(db_exec(a,
                             "INSERT INTO districts (code, name, type, grp, sort) VALUES "
                             "('977777', 'first', 'd', 'g', 0)",
                             ""),
                     0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, gc_second_member, &second), 0);
    usleep(200 * 1000);                /* the second member is now waiting for the write lock */
    assert_int_equal(db_commit(a), 0); /* returns once the second has committed the group */
    pthread_join(t, NULL);
    assert_int_equal(second.rc, 0);
    db *fresh = db_open(path, &err);
    assert_non_null(fresh);
    assert_int_equal(db_scalar_int(fresh, -1,
                                   "SELECT count(*) FROM districts WHERE code IN ('977777', "
                                   "'988888')",
                                   ""),
                     1);
    assert_int_equal(
        db_scalar_int(fresh, -1, "SELECT count(*) FROM districts WHERE name = 'first'", ""), 1);
    db_close(fresh);
    db_close(second.d);
    free(path);
    db_close(a);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* Every migration's SHA-256 is recorded when it is applied, and one whose text changed after it
 * was applied stops the database from opening, naming it (a kept database would otherwise run
 * without the change, silently). */
static void test_changed_migration_refused(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "migrations"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    int64_t applied = db_scalar_int(d, -1, "SELECT count(*) FROM schema_migrations", "");
    assert_true(applied >= 17);
    assert_int_equal(db_scalar_int(d, -1,
                                   "SELECT count(*) FROM schema_migration_hashes h JOIN "
                                   "schema_migrations m ON m.version = h.version WHERE "
                                   "length(h.sha256) = 64",
                                   ""),
                     applied);
    char *path = xasprintf("%s/t.db", dir), *err = NULL;
    db *again = db_open(path, &err); /* unchanged texts: opens */
    assert_non_null(again);
    db_close(again);
    assert_int_equal(db_begin(d), 0);
    assert_int_equal(
        db_exec(d, "UPDATE schema_migration_hashes SET sha256 = 'abc' WHERE version = 10", ""), 0);
    assert_int_equal(db_commit(d), 0);
    db_close(d);
    assert_null(db_open(path, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "migration 010_"));
    assert_non_null(strstr(err, "changed after it was applied"));
    free(err);
    err = NULL;
    /* A database from before the hashes were kept records them at its next start. */
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "DELETE FROM schema_migration_hashes", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    d = db_open(path, &err);
    assert_non_null(d);
    assert_int_equal(db_scalar_int(d, -1, "SELECT count(*) FROM schema_migration_hashes", ""),
                     applied);
    db_close(d);
    free(path);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* svc_current_batch: the batch open at `now` (opens_at ≤ now < district_deadline), else the
 * latest by opens_at — both boundaries of the window exactly. */
static void test_current_batch_boundaries(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "batch"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    db_stmt *s = db_query(d, "SELECT id, opens_at, district_deadline FROM batches", "");
    assert_true(db_next(s));
    int64_t id = db_int(s, 0), opens = db_int(s, 1), deadline = db_int(s, 2);
    db_done(s);
    /* A later batch, not open yet at the 2020 batch's times. */
    int64_t later = db_insert(d,
                              "INSERT INTO batches (year, name, notice_no, opens_at, closes_at, "
                              "district_deadline, contacts, rules, created_at) VALUES "
                              "(2021, '2021 年', 'x', ?, ?, ?, '[]', '{}', 0)",
                              "iii", deadline + 100, deadline + 200, deadline + 300);
    assert_true(later > 0);
    const struct {
        int64_t now, want;
    } cases[] = {
        {opens, id},             /* opens_at is inside the window */
        {deadline - 1, id},      /* the last second before the district deadline */
        {deadline, later},       /* at the deadline: no batch open, the latest one */
        {opens - 1, later},      /* before any window: the latest one */
        {deadline + 100, later}, /* the later batch's own window */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *b = svc_current_batch(d, cases[i].now);
        assert_non_null(b);
        assert_int_equal(json_integer_value(json_object_get(b, "id")), cases[i].want);
        json_decref(b);
    }
    db_close(d);
    assert_int_equal(unit_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_and_write_after),
        cmocka_unit_test(test_group_commit_many_threads),
        cmocka_unit_test(test_group_member_rollback_keeps_others),
        cmocka_unit_test(test_current_batch_boundaries),
        cmocka_unit_test(test_changed_migration_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
