/* test_enterprise_svc — the enterprise services over a real temporary SQLite database: merge
 * patches of the profile, projects and application forms (nested objects merge, null clears,
 * a refused patch saves nothing), object scoping (another enterprise's objects are 404), state
 * guards, and rule E4 held by the database's partial unique index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_tmp.h"

#include "service/enterprise.h"
#include "service/reference.h"
#include "util/util.h"

typedef struct fx {
    char dir[UNIT_DIR_MAX];
    db *d;
    svc_config cfg;
    svc_actor a, b; /* two enterprise accounts of two enterprises */
    svc_ctx ca, cb;
} fx;

static int64_t fx_enterprise(db *d, const char *uscc, const char *name)
{
    char *doc = xasprintf("{\"uscc\":\"%s\",\"name\":\"%s\",\"district_code\":\"500112\","
                          "\"manufacturing_type\":\"discrete\",\"independent_legal_person\":true}",
                          uscc, name);
    int64_t id = db_insert(d,
                           "INSERT INTO enterprises (uscc, name, district_code, profile, "
                           "created_at, updated_at) VALUES (?, ?, '500112', ?, 1, 1)",
                           "ttt", uscc, name, doc);
    free(doc);
    return id;
}

static int setup(void **state)
{
    fx *f = xcalloc(1, sizeof *f);
    if (unit_tmpdir(f->dir, "unit") != 0 || !(f->d = unit_db(f->dir, &f->cfg))) return -1;
    int64_t ea = fx_enterprise(f->d, "91500112AY4CL12T2C", "甲公司");
    int64_t eb = fx_enterprise(f->d, "91500000MA5U3J7X22", "乙公司");
    unit_enterprise_actor(f->d, &f->a, "ea", ea);
    unit_enterprise_actor(f->d, &f->b, "eb", eb);
    /* Inside the 2020 window. */
    f->ca = (svc_ctx){.db = f->d, .now = 1584500000, .actor = &f->a, .cfg = &f->cfg};
    f->cb = (svc_ctx){.db = f->d, .now = 1584500000, .actor = &f->b, .cfg = &f->cfg};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    return unit_teardown(f->d, f->dir, f);
}

static json_t *J(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    if (!j) fail_msg("bad test JSON: %s", text);
    return j;
}

static void test_profile_merge_patch(void **state)
{
    fx *f = *state;
    json_t *out = NULL, *p = J("{\"address\":\"渝北区1号\",\"legal_representative\":\"王\"}");
    svc_err e = {0};
    assert_int_equal(svc_enterprise_put(&f->ca, p, &out, &e), 0);
    json_decref(p);
    json_decref(out);
    p = J("{\"address\":null,\"uscc\":\"91500112ay4cl12t2c\"}");
    assert_int_equal(svc_enterprise_put(&f->ca, p, &out, &e), 0);
    assert_null(json_object_get(out, "address"));
    assert_string_equal(json_string_value(json_object_get(out, "legal_representative")), "王");
    assert_string_equal(json_string_value(json_object_get(out, "uscc")), "91500112AY4CL12T2C");
    json_decref(p);
    json_decref(out);
    /* One bad field refuses all: the good one is not saved either. */
    p = J("{\"legal_representative\":\"李\",\"manufacturing_type\":\"craft\"}");
    assert_int_equal(svc_enterprise_put(&f->ca, p, &out, &e), -1);
    assert_int_equal(e.status, 400);
    assert_non_null(json_object_get(e.fields, "manufacturing_type"));
    svc_err_clear(&e);
    json_decref(p);
    assert_int_equal(svc_enterprise_get(&f->ca, &out, &e), 0);
    assert_string_equal(json_string_value(json_object_get(out, "legal_representative")), "王");
    json_decref(out);
    /* A set credit code changes only through a change request. */
    p = J("{\"uscc\":\"91500000MA5U3J7X22\"}");
    assert_int_equal(svc_enterprise_put(&f->ca, p, &out, &e), -1);
    assert_int_equal(e.status, 400);
    assert_non_null(strstr(json_string_value(json_object_get(e.fields, "uscc")), "变更申请"));
    svc_err_clear(&e);
    /* An enterprise without one (an old-platform account) may set it, but not to another
     * enterprise's code. */
    assert_int_equal(db_exec(f->d, "UPDATE enterprises SET uscc = NULL WHERE id = ?", "i",
                             f->a.enterprise_id),
                     0);
    assert_int_equal(svc_enterprise_put(&f->ca, p, &out, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "duplicate");
    svc_err_clear(&e);
    json_decref(p);
}

static int64_t new_project(fx *f, svc_ctx *c)
{
    json_t *out = NULL, *p = J("{\"name\":\"改造项目\",\"class\":\"II\",\"progress_pct\":100,"
                               "\"content\":\"建设\"}");
    svc_err e = {0};
    if (svc_project_create(c, p, &out, &e) != 0) fail_msg("project: %s", e.message);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    assert_string_equal(json_string_value(json_object_get(out, "district_code")), "500112");
    json_decref(p);
    json_decref(out);
    return id;
}

static void test_project_merge_and_scope(void **state)
{
    fx *f = *state;
    int64_t id = new_project(f, &f->ca);
    json_t *out = NULL, *p = J("{\"progress_pct\":50,\"content\":null}");
    svc_err e = {0};
    assert_int_equal(svc_project_put(&f->ca, id, p, &out, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(out, "progress_pct")), 50);
    assert_null(json_object_get(out, "content"));
    assert_string_equal(json_string_value(json_object_get(out, "name")), "改造项目");
    json_decref(out);
    json_decref(p);
    assert_int_equal(svc_project_get(&f->cb, id, &out, &e), -1);
    assert_int_equal(e.status, 404);
    svc_err_clear(&e);
    p = J("{\"approval_attachment_ids\":[12345]}");
    assert_int_equal(svc_project_put(&f->ca, id, p, &out, &e), -1);
    assert_int_equal(e.status, 400);
    assert_non_null(json_object_get(e.fields, "approval_attachment_ids"));
    svc_err_clear(&e);
    json_decref(p);
}

static int64_t new_app(fx *f, svc_ctx *c)
{
    int64_t pid = new_project(f, c);
    char *body =
        xasprintf("{\"batch_id\":1,\"project_id\":%lld,\"type\":\"workshop\"}", (long long)pid);
    json_t *out = NULL, *in = J(body);
    svc_err e = {0};
    if (svc_app_create(c, in, &out, &e) != 0) fail_msg("app: %s", e.message);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "draft");
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(in);
    json_decref(out);
    free(body);
    return id;
}

/* The project's summary columns (migration 012) follow its document on create and update; rows
 * written before them are filled by svc_projects_backfill; the application's answer names the
 * project the same way either way. */
static void test_project_summary_columns(void **state)
{
    fx *f = *state;
    int64_t app = new_app(f, &f->ca);
    int64_t pid =
        db_scalar_int(f->d, 0, "SELECT project_id FROM applications WHERE id = ?", "i", app);
    char *name = db_scalar_text(f->d, "SELECT name FROM projects WHERE id = ?", "i", pid);
    assert_string_equal(name, "改造项目");
    free(name);
    char *cls = db_scalar_text(f->d, "SELECT class FROM projects WHERE id = ?", "i", pid);
    assert_string_equal(cls, "II");
    free(cls);
    assert_int_equal(db_scalar_int(f->d, -1,
                                   "SELECT count(*) FROM projects WHERE id = ? AND "
                                   "site_name IS NULL",
                                   "i", pid),
                     1);
    json_t *out = NULL, *p = J("{\"name\":\"改造项目二期\",\"site_name\":\"一号车间\"}");
    svc_err e = {0};
    assert_int_equal(svc_project_put(&f->ca, pid, p, &out, &e), 0);
    json_decref(out);
    json_decref(p);
    name = db_scalar_text(f->d, "SELECT name || '/' || site_name FROM projects WHERE id = ?", "i",
                          pid);
    assert_string_equal(name, "改造项目二期/一号车间");
    free(name);
    assert_int_equal(svc_app_get(&f->ca, app, &out, &e), 0);
    json_t *proj = json_object_get(out, "project");
    assert_string_equal(json_string_value(json_object_get(proj, "name")), "改造项目二期");
    assert_string_equal(json_string_value(json_object_get(proj, "site_name")), "一号车间");
    assert_string_equal(json_string_value(json_object_get(proj, "class")), "II");
    char *before = json_dumps(proj, JSON_SORT_KEYS);
    json_decref(out);
    /* A row from before the columns: the answer reads its document, and the backfill fills it. */
    assert_int_equal(
        db_exec(f->d, "UPDATE projects SET name = NULL, site_name = NULL, class = NULL", ""), 0);
    assert_int_equal(svc_app_get(&f->ca, app, &out, &e), 0);
    char *fallback = json_dumps(json_object_get(out, "project"), JSON_SORT_KEYS);
    assert_string_equal(fallback, before);
    json_decref(out);
    assert_int_equal(svc_projects_backfill(&f->ca), 0);
    name = db_scalar_text(f->d,
                          "SELECT name || '/' || site_name || '/' || class FROM projects "
                          "WHERE id = ?",
                          "i", pid);
    assert_string_equal(name, "改造项目二期/一号车间/II");
    free(name);
    assert_int_equal(svc_projects_backfill(&f->ca), 0); /* nothing left: harmless */
    free(before);
    free(fallback);
}

/* svc_projects_each gives each project's figures from its columns (014) — set on create, moved
 * by an update, absent as absent — and the same from the document for a row not filled yet. */
typedef struct proj_seen {
    int n;
    char line[4][96];
} proj_seen;

static void proj_see(const svc_project_summary *p, void *arg)
{
    proj_seen *s = arg;
    if (s->n >= 4) return;
    snprintf(s->line[s->n++], sizeof s->line[0], "%s|%s|%s|%lld|%lld", p->name ? p->name : "-",
             p->site_name ? p->site_name : "-", p->klass ? p->klass : "-",
             p->has_progress ? (long long)p->progress_pct : -1LL,
             p->has_investment ? (long long)p->investment : -1LL);
}

static void test_project_figures_each(void **state)
{
    fx *f = *state;
    int64_t first = new_project(f, &f->ca);
    int64_t second = new_project(f, &f->ca);
    json_t *out = NULL, *p = J("{\"progress_pct\":40,\"equipment_software_investment\":12000000,"
                               "\"site_name\":\"二号车间\"}");
    svc_err e = {0};
    assert_int_equal(svc_project_put(&f->ca, second, p, &out, &e), 0);
    json_decref(out);
    json_decref(p);
    proj_seen s = {0};
    assert_int_equal(svc_projects_each(&f->ca, proj_see, &s, &e), 2);
    assert_string_equal(s.line[0], "改造项目|二号车间|II|40|12000000"); /* newest first */
    assert_string_equal(s.line[1], "改造项目|-|II|100|-1");
    /* Rows not filled yet (as after migration 014): the documents say the same. */
    assert_int_equal(db_exec(f->d,
                             "UPDATE projects SET name = NULL, site_name = NULL, class = NULL, "
                             "progress_pct = NULL, investment = NULL",
                             ""),
                     0);
    proj_seen doc = {0};
    assert_int_equal(svc_projects_each(&f->ca, proj_see, &doc, &e), 2);
    assert_memory_equal(&doc, &s, sizeof s);
    assert_int_equal(svc_projects_backfill(&f->ca), 0);
    assert_int_equal(
        db_scalar_int(f->d, -1, "SELECT investment FROM projects WHERE id = ?", "i", second),
        12000000);
    assert_int_equal(
        db_scalar_int(f->d, -1, "SELECT progress_pct FROM projects WHERE id = ?", "i", first), 100);
    proj_seen filled = {0};
    assert_int_equal(svc_projects_each(&f->ca, proj_see, &filled, &e), 2);
    assert_memory_equal(&filled, &s, sizeof s);
    /* Another enterprise sees none of them. */
    proj_seen none = {0};
    assert_int_equal(svc_projects_each(&f->cb, proj_see, &none, &e), 0);
}

static void test_form_nested_merge(void **state)
{
    fx *f = *state;
    int64_t id = new_app(f, &f->ca);
    svc_err e = {0};
    json_t *out = NULL;
    const char *steps[] = {
        "{\"equipment_total\":120,\"kpis\":{\"operating_cost\":{\"before\":\"350.5\",\"after\":"
        "\"290\"}}}",
        "{\"kpis\":{\"efficiency\":{\"before\":\"100\",\"after\":\"120\"}}}",
        "{\"kpis\":{\"operating_cost\":{\"after\":\"280\"}}}",
    };
    for (size_t i = 0; i < 3; i++) {
        json_t *p = J(steps[i]);
        assert_int_equal(svc_app_put(&f->ca, id, p, &out, &e), 0);
        json_decref(p);
        if (i < 2) json_decref(out);
    }
    assert_int_equal(json_integer_value(json_object_get(out, "equipment_total")), 120);
    json_t *kpis = json_object_get(out, "kpis");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(kpis, "operating_cost"), "before")),
        "350.5");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(kpis, "operating_cost"), "after")),
        "280");
    assert_non_null(json_object_get(kpis, "efficiency"));
    json_decref(out);
    /* A bad field refuses the whole patch; `before` must be > 0. */
    json_t *p = J("{\"equipment_total\":5,\"kpis\":{\"efficiency\":{\"before\":\"0\"}}}");
    assert_int_equal(svc_app_put(&f->ca, id, p, &out, &e), -1);
    assert_int_equal(e.status, 400);
    svc_err_clear(&e);
    json_decref(p);
    assert_int_equal(svc_app_get(&f->ca, id, &out, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(out, "equipment_total")), 120);
    /* create + 3 saves on the timeline, the run of saves as one entry with its count */
    json_t *tl = json_object_get(out, "timeline");
    assert_int_equal(json_array_size(tl), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 1), "action")),
                        "update");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(tl, 1), "count")), 3);
    json_decref(out);
    /* Another enterprise sees nothing; a draft cannot be withdrawn. */
    assert_int_equal(svc_app_get(&f->cb, id, &out, &e), -1);
    assert_int_equal(e.status, 404);
    svc_err_clear(&e);
    assert_int_equal(svc_app_withdraw(&f->ca, id, &out, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "wrong_state");
    svc_err_clear(&e);
}

static void test_e4_unique_guard(void **state)
{
    fx *f = *state;
    int64_t a1 = new_app(f, &f->ca), a2 = new_app(f, &f->ca);
    /* Two drafts of one USCC in one batch are fine; two past draft are not. */
    assert_int_equal(
        db_exec(f->d, "UPDATE applications SET status = 'submitted' WHERE id = ?", "i", a1), 0);
    assert_int_equal(
        db_exec(f->d, "UPDATE applications SET status = 'submitted' WHERE id = ?", "i", a2), 1);
    /* The pre-check sees the other one too (E4 fails for the second). */
    svc_err e = {0};
    json_t *out = NULL;
    assert_int_equal(svc_app_check(&f->ca, a2, &out, &e), 0);
    json_t *fs = json_object_get(out, "findings");
    size_t i;
    json_t *v;
    bool e4_failed = false, a1_failed = false;
    json_array_foreach(fs, i, v)
    {
        const char *rule = json_string_value(json_object_get(v, "rule"));
        /* No assessment was completed: A1 is listed and fails like every other rule. */
        if (rule && strcmp(rule, "A1") == 0 && json_is_false(json_object_get(v, "ok")))
            a1_failed = true;
        if (rule && strcmp(rule, "E4") == 0 && json_is_false(json_object_get(v, "ok")))
            e4_failed = true;
    }
    assert_true(e4_failed);
    assert_true(a1_failed);
    json_decref(out);
    /* Submitting it is refused with the findings. */
    assert_int_equal(svc_app_submit(&f->ca, a2, &out, &e), -1);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "rule_failed");
    assert_true(json_is_array(e.findings));
    svc_err_clear(&e);
}

/* The parsed batch is cached per process; a change of the batch (audited, so its
 * last_audit_seq moves) is seen by the very next read, and a caller's copy never leaks into
 * the cache. */
static void test_batch_cache_invalidated(void **state)
{
    fx *f = *state;
    svc_err e = {0};
    json_t *in = J("{\"year\":2021,\"name\":\"缓存测试批次\",\"notice_no\":\"测试〔2021〕1号\","
                   "\"opens_at\":\"2021-03-01T09:00:00+08:00\","
                   "\"closes_at\":\"2021-04-01T17:00:00+08:00\","
                   "\"district_deadline\":\"2021-04-15T17:00:00+08:00\","
                   "\"rules\":{\"investment_threshold\":10000000}}");
    json_t *b = NULL;
    assert_int_equal(svc_batch_create(&f->ca, in, &b, &e), 0);
    json_decref(in);
    int64_t id = json_integer_value(json_object_get(b, "id"));
    json_decref(b);
    int64_t opens = 0, closes = 0, dl = 0;
    json_t *r1 = svc_batch_rules(f->d, id, &opens, &closes, &dl);
    assert_non_null(r1);
    assert_int_equal(json_integer_value(json_object_get(r1, "investment_threshold")), 10000000);
    assert_true(opens > 0 && opens < closes && closes < dl);
    json_t *r2 = svc_batch_rules(f->d, id, NULL, NULL, NULL);
    assert_ptr_equal(r1, r2); /* the same parsed tree: cached */
    json_decref(r2);
    /* A caller may change its copy's top level without touching the cache. */
    json_t *copy = svc_batch_json(f->d, id);
    json_object_set_new(copy, "name", json_string("改过的副本"));
    json_object_del(copy, "rules");
    json_decref(copy);
    copy = svc_batch_json(f->d, id);
    assert_string_equal(json_string_value(json_object_get(copy, "name")), "缓存测试批次");
    assert_non_null(json_object_get(copy, "rules"));
    json_decref(copy);
    /* An update is seen at once: new rules, new times. */
    json_t *patch = J("{\"rules\":{\"investment_threshold\":5000000},"
                      "\"district_deadline\":\"2021-04-20T17:00:00+08:00\"}");
    json_t *out = NULL;
    assert_int_equal(svc_batch_update(&f->ca, id, patch, &out, &e), 0);
    json_decref(out);
    json_decref(patch);
    int64_t dl2 = 0;
    json_t *r3 = svc_batch_rules(f->d, id, NULL, NULL, &dl2);
    assert_int_equal(json_integer_value(json_object_get(r3, "investment_threshold")), 5000000);
    assert_int_equal(dl2 - dl, 5 * 86400);
    /* The tree a reader still holds stays valid and unchanged. */
    assert_int_equal(json_integer_value(json_object_get(r1, "investment_threshold")), 10000000);
    json_decref(r1);
    json_decref(r3);
    assert_null(svc_batch_rules(f->d, 99999, NULL, NULL, NULL));
    assert_null(svc_batch_json(f->d, 99999));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profile_merge_patch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_project_merge_and_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_project_summary_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_project_figures_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_form_nested_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_e4_unique_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_cache_invalidated, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
