/* test_generation — the freshness rule over a real temporary SQLite database: an audited change
 * counts up exactly the scopes its entity's row names (an application its enterprise and
 * district, not its batch, whose scope is the batch's own row; a batch its own and the global one; a district move both districts; an entity of
 * no scope the global one), nothing else; a generation counted in a transaction that rolls back
 * is not counted; a never-counted scope reads 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit_tmp.h"

#include "service/svc.h"
#include "util/util.h"

enum { G_ENT, G_ENT2, G_YB, G_WZ, G_BATCH, G_ALL, G_N };

typedef struct fx {
    char dir[UNIT_DIR_MAX];
    db *d;
    svc_config cfg;
    svc_actor who;
    int64_t batch, ent, ent2, app, change;
} fx;

static int setup(void **state)
{
    fx *f = xcalloc(1, sizeof *f);
    if (unit_tmpdir(f->dir, "gen") != 0 || !(f->d = unit_db(f->dir, &f->cfg))) return -1;
    f->batch = db_scalar_int(f->d, 0, "SELECT id FROM batches WHERE year = 2020", "");
    f->ent = db_insert(f->d,
                       "INSERT INTO enterprises (uscc, name, district_code, profile, created_at, "
                       "updated_at) VALUES ('91500112AY4CL12T2C', '甲公司', '500112', '{}', 1, 1)",
                       "");
    f->ent2 = db_insert(f->d,
                        "INSERT INTO enterprises (uscc, name, district_code, profile, created_at, "
                        "updated_at) VALUES ('91500112MA5U3J7X2W', '乙公司', '500101', '{}', 1, 1)",
                        "");
    int64_t pid = db_insert(f->d,
                            "INSERT INTO projects (enterprise_id, doc, created_at, updated_at) "
                            "VALUES (?, '{}', 1, 1)",
                            "i", f->ent);
    f->app = db_insert(f->d,
                       "INSERT INTO applications (batch_id, enterprise_id, project_id, uscc, "
                       "district_code, type, status, form, created_at, updated_at) VALUES "
                       "(?, ?, ?, '91500112AY4CL12T2C', '500112', 'workshop', 'submitted', '{}', "
                       "1, 1)",
                       "iii", f->batch, f->ent, pid);
    unit_enterprise_actor(f->d, &f->who, "jia", f->ent);
    f->change = db_insert(f->d,
                          "INSERT INTO enterprise_changes (enterprise_id, requested_by, "
                          "from_district, to_district, reason, status, created_at, updated_at) "
                          "VALUES (?, ?, '500112', '500101', '搬迁', 'pending', 1, 1)",
                          "ii", f->ent, f->who.id);
    *state = f;
    return f->app > 0 && f->change > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    fx *f = *state;
    return unit_teardown(f->d, f->dir, f);
}

static void gens(fx *f, int64_t out[G_N])
{
    const svc_scope s[G_N] = {
        [G_ENT] = {SVC_SCOPE_ENTERPRISE, f->ent}, [G_ENT2] = {SVC_SCOPE_ENTERPRISE, f->ent2},
        [G_YB] = svc_scope_district("500112"),    [G_WZ] = svc_scope_district("500101"),
        [G_BATCH] = {SVC_SCOPE_BATCH, f->batch},  [G_ALL] = {SVC_SCOPE_GLOBAL, 0},
    };
    assert_int_equal(svc_gen_read(f->d, s, G_N, out), 0);
}

/* Audits (entity, id) in a transaction that commits (or rolls back) and returns which scopes
 * moved, as a bit per G_ index. */
static int moved(fx *f, const char *entity, int64_t id, bool commit)
{
    int64_t before[G_N], after[G_N];
    gens(f, before);
    svc_ctx c = {.db = f->d, .now = 1584410400, .actor = &f->who, .cfg = &f->cfg};
    assert_int_equal(db_begin(f->d), 0);
    assert_true(svc_audit(&c, entity, id, "update", NULL, NULL, NULL) > 0);
    if (commit)
        assert_int_equal(db_commit(f->d), 0);
    else
        db_rollback(f->d);
    gens(f, after);
    int bits = 0;
    for (int i = 0; i < G_N; i++) {
        assert_true(after[i] == before[i] || after[i] == before[i] + 1);
        if (after[i] != before[i]) bits |= 1 << i;
    }
    return bits;
}

static void test_application_counts_its_enterprise_and_district_not_its_batch(void **state)
{
    fx *f = *state;
    assert_int_equal(moved(f, "application", f->app, true), 1 << G_ENT | 1 << G_YB);
}

static void test_enterprise_counts_itself_and_its_district(void **state)
{
    fx *f = *state;
    assert_int_equal(moved(f, "enterprise", f->ent2, true), 1 << G_ENT2 | 1 << G_WZ);
}

static void test_batch_counts_itself_and_everything(void **state)
{
    fx *f = *state;
    assert_int_equal(moved(f, "batch", f->batch, true), 1 << G_BATCH | 1 << G_ALL);
}

static void test_a_district_move_counts_both_districts(void **state)
{
    fx *f = *state;
    assert_int_equal(moved(f, "enterprise_change", f->change, true),
                     1 << G_ENT | 1 << G_YB | 1 << G_WZ);
}

static void test_an_account_counts_its_enterprise_and_everything(void **state)
{
    fx *f = *state;
    assert_int_equal(moved(f, "account", f->who.id, true), 1 << G_ENT | 1 << G_ALL);
}

static void test_an_entity_of_no_scope_counts_everything(void **state)
{
    fx *f = *state;
    assert_int_equal(moved(f, "legacy_import", 0, true), 1 << G_ALL);
}

static void test_a_rolled_back_change_counts_nothing(void **state)
{
    fx *f = *state;
    assert_int_equal(moved(f, "application", f->app, false), 0);
    /* and the next committed one counts exactly once */
    assert_int_equal(moved(f, "application", f->app, true), 1 << G_ENT | 1 << G_YB);
}

static void test_a_scope_never_counted_reads_zero(void **state)
{
    fx *f = *state;
    int64_t g[G_N];
    gens(f, g);
    assert_int_equal(g[G_ENT2], 0);
    svc_ctx c = {.db = f->d, .now = 1584410400, .actor = &f->who, .cfg = &f->cfg};
    assert_int_equal(db_begin(f->d), 0);
    assert_int_equal(svc_gen_bump(&c, (svc_scope){SVC_SCOPE_ENTERPRISE, f->ent2}), 0);
    assert_int_equal(svc_gen_bump(&c, (svc_scope){SVC_SCOPE_ENTERPRISE, f->ent2}), 0);
    assert_int_equal(db_commit(f->d), 0);
    gens(f, g);
    assert_int_equal(g[G_ENT2], 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_application_counts_its_enterprise_and_district_not_its_batch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_enterprise_counts_itself_and_its_district, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batch_counts_itself_and_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_district_move_counts_both_districts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_account_counts_its_enterprise_and_everything, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_entity_of_no_scope_counts_everything, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_rolled_back_change_counts_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_scope_never_counted_reads_zero, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
