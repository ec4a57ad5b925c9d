/* test_review_svc — the review services over a real temporary SQLite database, where the clock is
 * a parameter: the district deadline at the exact second on both sides (SPEC §3: exclusive, the
 * instant itself is closed), another district's application is 404, an assignment refused for a
 * conflict writes nothing, the decision needs three reviews, the score form's maxima and the
 * aggregate's exact mean. */
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
#include "service/review.h"
#include "util/util.h"

#define DEADLINE_2020                                                                              \
    1587139200 /* 2020-04-18T00:00:00+08:00, the 2020 batch's district deadline                    \
                */
#define APP_USCC "91500112AY4CL12T2C"

typedef struct fx {
    char dir[UNIT_DIR_MAX];
    db *d;
    svc_config cfg;
    svc_actor district, other_district, commission, experts[4];
    int64_t app[2], att;
} fx;

static void fx_actor(db *d, svc_actor *a, const char *user, const char *role, const char *dc,
                     const char *employer)
{
    memset(a, 0, sizeof *a);
    snprintf(a->username, sizeof a->username, "%s", user);
    snprintf(a->role, sizeof a->role, "%s", role);
    snprintf(a->status, sizeof a->status, "active");
    snprintf(a->district_code, sizeof a->district_code, "%s", dc ? dc : "");
    a->imp_connected = true;
    a->id =
        db_insert(d,
                  "INSERT INTO accounts (username, password_hash, role, status, district_code, "
                  "employer_uscc, imp_connected, created_at) VALUES (?, 'x', ?, 'active', ?, ?, "
                  "1, 1)",
                  "tttt", user, role, dc, employer);
}

/* Rule E4's index allows one application past draft per USCC and batch: each gets its own. */
static int64_t fx_app(db *d, int64_t batch, int64_t eid, int64_t pid, const char *uscc)
{
    return db_insert(d,
                     "INSERT INTO applications (batch_id, enterprise_id, project_id, uscc, "
                     "district_code, type, status, form, created_at, updated_at) VALUES "
                     "(?, ?, ?, ?, '500112', 'workshop', 'submitted', '{}', 1, 1)",
                     "iiit", batch, eid, pid, uscc);
}

static int setup(void **state)
{
    fx *f = xcalloc(1, sizeof *f);
    if (unit_tmpdir(f->dir, "unit") != 0 || !(f->d = unit_db(f->dir, &f->cfg))) return -1;
    int64_t batch = db_scalar_int(f->d, 0, "SELECT id FROM batches WHERE year = 2020", "");
    int64_t eid = db_insert(f->d,
                            "INSERT INTO enterprises (uscc, name, district_code, profile, "
                            "created_at, updated_at) VALUES (?, '甲公司', '500112', '{}', 1, 1)",
                            "t", APP_USCC);
    int64_t pid = db_insert(f->d,
                            "INSERT INTO projects (enterprise_id, doc, created_at, updated_at) "
                            "VALUES (?, '{\"name\":\"改造项目\"}', 1, 1)",
                            "i", eid);
    f->app[0] = fx_app(f->d, batch, eid, pid, APP_USCC);
    f->app[1] = fx_app(f->d, batch, eid, pid, "91500112MA5U3J7X2W");
    fx_actor(f->d, &f->district, "yb", "district", "500112", NULL);
    fx_actor(f->d, &f->other_district, "wz", "district", "500101", NULL);
    fx_actor(f->d, &f->commission, "jxw", "commission", NULL, NULL);
    fx_actor(f->d, &f->experts[0], "x0", "expert", NULL, "91500000MA5U3J7X22");
    fx_actor(f->d, &f->experts[1], "x1", "expert", NULL, "91500000MA5U3J7X22");
    fx_actor(f->d, &f->experts[2], "x2", "expert", NULL, "91500000MA5U3J7X22");
    fx_actor(f->d, &f->experts[3], "x3", "expert", NULL, APP_USCC); /* works for the applicant */
    f->att = db_insert(f->d,
                       "INSERT INTO attachments (uploader_id, kind, media_type, size, sha256, "
                       "created_at) VALUES (?, '真实性审核意见', 'application/pdf', 0, '', 1)",
                       "i", f->district.id);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    return unit_teardown(f->d, f->dir, f);
}

static svc_ctx ctx(fx *f, const svc_actor *a, int64_t now)
{
    return (svc_ctx){.db = f->d, .now = now, .actor = a, .cfg = &f->cfg};
}

static const char *status_of(fx *f, int64_t id)
{
    static char buf[32];
    char *s = db_scalar_text(f->d, "SELECT status FROM applications WHERE id = ?", "i", id);
    snprintf(buf, sizeof buf, "%s", s ? s : "");
    free(s);
    return buf;
}

/* Runs fn and checks its outcome: want 0 for success, else the HTTP status and code. */
static void expect_rc(int rc, json_t *out, svc_err *e, int want, const char *code)
{
    if (want == 0) {
        if (rc != 0) fail_msg("refused: %d %s %s", e->status, e->code, e->message);
    } else {
        assert_int_equal(rc, -1);
        assert_int_equal(e->status, want);
        assert_string_equal(e->code, code);
    }
    json_decref(out);
    svc_err_clear(e);
}

static void district(fx *f, const svc_actor *a, int64_t now, int64_t app, const char *json,
                     int want, const char *code)
{
    svc_ctx c = ctx(f, a, now);
    svc_err e = {0};
    json_t *out = NULL, *in = json_loads(json, 0, NULL);
    int rc = svc_review_district(&c, app, in, &out, &e);
    json_decref(in);
    expect_rc(rc, out, &e, want, code);
}

static void test_district_deadline_is_exclusive(void **state)
{
    fx *f = *state;
    char *approve = xasprintf("{\"decision\":\"approve\",\"authenticity_attachment_id\":%lld}",
                              (long long)f->att);
    /* The last second before the deadline is open … */
    district(f, &f->district, DEADLINE_2020 - 1, f->app[0], approve, 0, NULL);
    assert_string_equal(status_of(f, f->app[0]), "district_approved");
    /* … the deadline instant itself is closed, and so is everything after it. */
    district(f, &f->district, DEADLINE_2020, f->app[1], approve, 409, "deadline_passed");
    district(f, &f->district, DEADLINE_2020, f->app[1],
             "{\"decision\":\"return\",\"opinion\":\"补\"}", 409, "deadline_passed");
    district(f, &f->district, DEADLINE_2020 + 86400, f->app[1],
             "{\"decision\":\"reject\",\"opinion\":\"否\"}", 409, "deadline_passed");
    assert_string_equal(status_of(f, f->app[1]), "submitted");
    /* Another district does not see it at all; the body is not even looked at. */
    district(f, &f->other_district, DEADLINE_2020 - 1, f->app[1], "{}", 404, "not_found");
    /* The wrong state answers before the deadline. */
    district(f, &f->district, DEADLINE_2020, f->app[0],
             "{\"decision\":\"return\",\"opinion\":\"补\"}", 409, "wrong_state");
    free(approve);
}

static void assign(fx *f, int64_t app, const char *ids, int want, const char *code)
{
    svc_ctx c = ctx(f, &f->commission, DEADLINE_2020 + 10);
    svc_err e = {0};
    json_t *out = NULL, *in = json_pack("{s:o}", "expert_ids", json_loads(ids, 0, NULL));
    int rc = svc_review_assign(&c, app, in, &out, &e);
    json_decref(in);
    expect_rc(rc, out, &e, want, code);
}

static void review(fx *f, int i, int64_t app, int a, int b, int c3, int d, int want,
                   const char *code)
{
    svc_ctx c = ctx(f, &f->experts[i], DEADLINE_2020 + 20);
    svc_err e = {0};
    json_t *out = NULL;
    json_t *in = json_pack("{s:{s:i,s:i,s:i,s:i},s:s,s:s}", "criteria", "foundation", a,
                           "technology", b, "demonstration", c3, "benefit", d, "recommend",
                           a + b + c3 + d >= 75 ? "pass" : "fail", "opinion", "意见");
    int rc = svc_review_expert_submit(&c, app, in, &out, &e);
    if (rc == 0)
        assert_int_equal(json_integer_value(json_object_get(out, "score")), a + b + c3 + d);
    json_decref(in);
    expect_rc(rc, out, &e, want, code);
}

static void decide(fx *f, int64_t app, int want, const char *code)
{
    svc_ctx c = ctx(f, &f->commission, DEADLINE_2020 + 30);
    svc_err e = {0};
    json_t *out = NULL, *in = json_pack("{s:s,s:s}", "decision", "pass", "reason", "通过");
    int rc = svc_review_decide(&c, app, in, &out, &e);
    json_decref(in);
    expect_rc(rc, out, &e, want, code);
}

static void test_expert_review_path(void **state)
{
    fx *f = *state;
    int64_t app = f->app[0];
    db_exec(f->d, "UPDATE applications SET status = 'district_approved' WHERE id = ?", "i", app);
    char *ids =
        xasprintf("[%lld,%lld,%lld,%lld]", (long long)f->experts[0].id, (long long)f->experts[1].id,
                  (long long)f->experts[2].id, (long long)f->experts[3].id);
    /* Expert 3 works for the applicant: nothing is assigned, nothing moves. */
    assign(f, app, ids, 409, "conflict_of_interest");
    assert_int_equal(db_scalar_int(f->d, -1, "SELECT count(*) FROM assignments", ""), 0);
    assert_string_equal(status_of(f, app), "district_approved");
    char *three = xasprintf("[%lld,%lld,%lld]", (long long)f->experts[0].id,
                            (long long)f->experts[1].id, (long long)f->experts[2].id);
    assign(f, app, three, 0, NULL);
    free(three);
    assert_string_equal(status_of(f, app), "expert_review");
    assert_true(svc_review_assigned(f->d, f->experts[0].id, app));
    assert_false(svc_review_assigned(f->d, f->experts[3].id, app));

    review(f, 0, app, 31, 30, 20, 20, 400, "bad_request"); /* max + 1 */
    review(f, 0, app, 25, 25, 15, 15, 0, NULL);            /* 80 */
    review(f, 0, app, 25, 25, 15, 15, 409, "duplicate");
    review(f, 1, app, 30, 30, 20, 20, 0, NULL); /* 100: every maximum */
    review(f, 3, app, 1, 1, 1, 1, 404, "not_found");
    decide(f, app, 409, "conflict");            /* two reviews */
    review(f, 2, app, 20, 20, 16, 15, 0, NULL); /* 71 */

    svc_ctx c = ctx(f, &f->commission, DEADLINE_2020 + 25);
    svc_err e = {0};
    json_t *out = NULL;
    assert_int_equal(svc_review_expert_list(&c, app, &out, &e), 0);
    json_t *agg = json_object_get(out, "aggregate");
    assert_string_equal(json_string_value(json_object_get(agg, "mean")), "83.6667");
    assert_int_equal(json_integer_value(json_object_get(agg, "min")), 71);
    assert_int_equal(json_integer_value(json_object_get(agg, "max")), 100);
    assert_int_equal(json_integer_value(json_object_get(agg, "pass_votes")), 2);
    assert_int_equal(json_integer_value(json_object_get(agg, "fail_votes")), 1);
    json_decref(out);

    decide(f, app, 0, NULL);
    assert_string_equal(status_of(f, app), "expert_passed");
    decide(f, app, 409, "wrong_state");
    free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_district_deadline_is_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expert_review_path, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
