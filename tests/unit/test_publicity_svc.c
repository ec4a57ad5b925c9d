/* test_publicity_svc — 公示, objections and certification over a real temporary SQLite database,
 * where the clock is a parameter, so the boundaries are tested at the exact second: the period
 * [starts_at, ends_at) takes an objection at its first and its last second and refuses one at the
 * end instant; certification is refused one second before the end and allowed at it (once the
 * objections are resolved); the default period counts working days over National Day 2026 and
 * its 调休 Saturday; the per-address objection limit slides; certificate numbers follow the year
 * and type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_tmp.h"

#include "service/certificate.h"
#include "service/publicity.h"
#include "service/reference.h"
#include "util/util.h"

#define S0 1780000000 /* 2026-05-29T04:26:40+08:00: the period's start in these tests */
#define E0 (S0 + 3 * 86400)

typedef struct fx {
    char dir[UNIT_DIR_MAX];
    db *d;
    svc_config cfg;
    svc_actor commission, nobody;
    int64_t batch, app[3];
} fx;

static int64_t fx_app(db *d, int64_t batch, int64_t eid, int64_t pid, const char *uscc)
{
    return db_insert(d,
                     "INSERT INTO applications (batch_id, enterprise_id, project_id, uscc, "
                     "district_code, type, status, form, snapshot, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, '500112', 'workshop', 'expert_passed', '{}', "
                     "'{\"enterprise\":{\"name\":\"甲公司\"},\"project\":{\"name\":\"改造项目\","
                     "\"site_name\":\"一号车间\",\"class\":\"II\"}}', 1, 1)",
                     "iiit", batch, eid, pid, uscc);
}

static int setup(void **state)
{
    fx *f = xcalloc(1, sizeof *f);
    if (unit_tmpdir(f->dir, "unit") != 0 || !(f->d = unit_db(f->dir, &f->cfg))) return -1;
    f->batch = db_scalar_int(f->d, 0, "SELECT id FROM batches WHERE year = 2020", "");
    int64_t eid = db_insert(f->d,
                            "INSERT INTO enterprises (uscc, name, district_code, profile, "
                            "created_at, updated_at) VALUES ('91500112AY4CL12T2C', '甲公司', "
                            "'500112', '{}', 1, 1)",
                            "");
    int64_t pid = db_insert(f->d,
                            "INSERT INTO projects (enterprise_id, doc, created_at, updated_at) "
                            "VALUES (?, '{\"name\":\"改造项目\"}', 1, 1)",
                            "i", eid);
    f->app[0] = fx_app(f->d, f->batch, eid, pid, "91500112AY4CL12T2C");
    f->app[1] = fx_app(f->d, f->batch, eid, pid, "91500112MA5U3J7X2W");
    f->app[2] = fx_app(f->d, f->batch, eid, pid, "91500112MA5U3J7X3X");
    snprintf(f->commission.username, sizeof f->commission.username, "jxw");
    snprintf(f->commission.role, sizeof f->commission.role, "commission");
    f->commission.id = db_insert(f->d,
                                 "INSERT INTO accounts (username, password_hash, role, status, "
                                 "imp_connected, created_at) VALUES ('jxw', 'x', 'commission', "
                                 "'active', 1, 1)",
                                 "");
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

/* Checks an outcome: want 0 for success, else the HTTP status and code. Keeps *keep (when not
 * NULL) instead of freeing the answer. */
static void expect_rc(int rc, json_t *out, svc_err *e, int want, const char *code, json_t **keep)
{
    if (want == 0) {
        if (rc != 0) fail_msg("refused: %d %s %s", e->status, e->code, e->message);
    } else {
        assert_int_equal(rc, -1);
        assert_int_equal(e->status, want);
        assert_string_equal(e->code, code);
    }
    if (keep)
        *keep = out;
    else
        json_decref(out);
    svc_err_clear(e);
}

static void publish(fx *f, int64_t app, int64_t now, int64_t starts, int64_t ends)
{
    svc_ctx c = ctx(f, &f->commission, now);
    svc_err e = {0};
    char sb[CAL_TIME_BUF], eb[CAL_TIME_BUF];
    json_t *out = NULL,
           *in = json_pack("{s:[I],s:s,s:s}", "application_ids", (json_int_t)app, "starts_at",
                           cal_format_rfc3339(starts, sb), "ends_at", cal_format_rfc3339(ends, eb));
    int rc = svc_pub_publish(&c, f->batch, in, &out, &e);
    json_decref(in);
    expect_rc(rc, out, &e, 0, NULL, NULL);
}

/* Files an objection from `client` at `now`; returns its id (0 when refused as expected). */
static int64_t object(fx *f, int64_t app, int64_t now, const char *client, int want,
                      const char *code)
{
    svc_ctx c = ctx(f, &f->nobody, now);
    svc_err e = {0};
    json_t *out = NULL,
           *in = json_pack("{s:I,s:s,s:s,s:s}", "application_id", (json_int_t)app, "name", "张三",
                           "contact", "13800000000", "content", "异议");
    int rc = svc_pub_objection_create(&c, in, client, &out, &e);
    json_decref(in);
    int64_t id = rc == 0 ? json_integer_value(json_object_get(out, "id")) : 0;
    expect_rc(rc, out, &e, want, code, NULL);
    return id;
}

static void resolve(fx *f, int64_t id, int64_t now)
{
    svc_ctx c = ctx(f, &f->commission, now);
    svc_err e = {0};
    json_t *out = NULL, *in = json_pack("{s:s,s:s}", "outcome", "dismissed", "reason", "不成立");
    int rc = svc_pub_objection_resolve(&c, id, in, &out, &e);
    json_decref(in);
    expect_rc(rc, out, &e, 0, NULL, NULL);
}

/* Certifies at `now`; returns the certificate number (static buffer) or "". */
static const char *certify(fx *f, int64_t app, int64_t now, int want, const char *code)
{
    static char no[64];
    svc_ctx c = ctx(f, &f->commission, now);
    svc_err e = {0};
    json_t *out = NULL, *in = json_object();
    int rc = svc_cert_certify(&c, app, in, &out, &e);
    json_decref(in);
    no[0] = '\0';
    if (rc == 0)
        snprintf(no, sizeof no, "%s", json_string_value(json_object_get(out, "certificate_no")));
    expect_rc(rc, out, &e, want, code, NULL);
    return no;
}

static void test_period_boundaries_to_the_second(void **state)
{
    fx *f = *state;
    publish(f, f->app[0], S0 - 100, S0, E0);
    object(f, f->app[0], S0 - 1, "192.0.2.1", 409, "wrong_state");   /* not begun */
    int64_t o1 = object(f, f->app[0], S0, "192.0.2.1", 0, NULL);     /* its first second */
    int64_t o2 = object(f, f->app[0], E0 - 1, "192.0.2.2", 0, NULL); /* its last second */
    object(f, f->app[0], E0, "192.0.2.3", 409, "deadline_passed");   /* the end instant */
    certify(f, f->app[0], E0 - 1, 409, "conflict");                  /* period not over */
    certify(f, f->app[0], E0, 409, "conflict");                      /* open objections */
    resolve(f, o1, E0);
    certify(f, f->app[0], E0, 409, "conflict"); /* one still open */
    resolve(f, o2, E0);
    assert_string_equal(certify(f, f->app[0], E0, 0, NULL), "CQ-2020-W-0001");
    certify(f, f->app[0], E0, 409, "wrong_state");
    /* the next one of the same year and type takes the next number */
    publish(f, f->app[1], E0, E0, E0 + 1);
    assert_string_equal(certify(f, f->app[1], E0 + 1, 0, NULL), "CQ-2020-W-0002");
    /* never published: a wrong state, not a period question */
    certify(f, f->app[2], E0 + 1, 409, "wrong_state");
}

static void test_objection_limit_slides(void **state)
{
    fx *f = *state;
    publish(f, f->app[0], S0, S0, S0 + 10 * 86400);
    for (int i = 0; i < SVC_PUB_OBJECTION_MAX; i++)
        object(f, f->app[0], S0 + i, "2001:db8::1", 0, NULL);
    object(f, f->app[0], S0 + 100, "2001:db8::1", 429, "throttled");
    object(f, f->app[0], S0 + 100, "2001:db8::2", 0, NULL); /* another address */
    /* the first objection leaves the window one hour after it was filed, the others later */
    object(f, f->app[0], S0 + SVC_PUB_OBJECTION_WINDOW - 1, "2001:db8::1", 429, "throttled");
    object(f, f->app[0], S0 + SVC_PUB_OBJECTION_WINDOW, "2001:db8::1", 0, NULL);
    object(f, f->app[0], S0 + SVC_PUB_OBJECTION_WINDOW, "2001:db8::1", 429, "throttled");
}

static void test_default_period_on_the_calendar(void **state)
{
    (void)state;
    static const cal_holiday days[] = {
        {{2026, 9, 20}, CAL_WORK}, {{2026, 10, 1}, CAL_OFF}, {{2026, 10, 2}, CAL_OFF},
        {{2026, 10, 3}, CAL_OFF},  {{2026, 10, 4}, CAL_OFF}, {{2026, 10, 5}, CAL_OFF},
        {{2026, 10, 6}, CAL_OFF},  {{2026, 10, 7}, CAL_OFF}, {{2026, 10, 10}, CAL_WORK},
    };
    cal_table t = {days, sizeof days / sizeof days[0]};
    int64_t start, end, want;
    bool known = false;
    assert_int_equal(cal_parse_rfc3339("2026-09-30T10:00:00+08:00", &start), 0);
    assert_int_equal(cal_parse_rfc3339("2026-10-13T10:00:00+08:00", &want), 0);
    json_t *none = json_object();
    end = svc_pub_period_end(start, none, &t, &known); /* no setting: 5 working days */
    assert_int_equal(end, want);
    assert_true(known);
    json_t *three = json_pack("{s:{s:i,s:s}}", "publicity", "length", 3, "unit", "working_days");
    assert_int_equal(cal_parse_rfc3339("2026-10-10T10:00:00+08:00", &want), 0);
    assert_int_equal(svc_pub_period_end(start, three, &t, &known), want);
    json_t *days7 = json_pack("{s:{s:i,s:s}}", "publicity", "length", 7, "unit", "days");
    assert_int_equal(svc_pub_period_end(start, days7, &t, &known), start + 7 * 86400);
    json_decref(none);
    json_decref(three);
    json_decref(days7);
    assert_true(svc_pub_period_open(start, end, start));
    assert_true(svc_pub_period_open(start, end, end - 1));
    assert_false(svc_pub_period_open(start, end, end));
    assert_false(svc_pub_period_open(start, end, start - 1));
}

static void test_certificate_numbers(void **state)
{
    (void)state;
    char buf[64];
    svc_cert_number(buf, sizeof buf, 2020, "workshop", 1);
    assert_string_equal(buf, "CQ-2020-W-0001");
    svc_cert_number(buf, sizeof buf, 2026, "factory", 37);
    assert_string_equal(buf, "CQ-2026-F-0037");
    svc_cert_number(buf, sizeof buf, 2026, "factory", 12345);
    assert_string_equal(buf, "CQ-2026-F-12345");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_period_boundaries_to_the_second, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objection_limit_slides, setup, teardown),
        cmocka_unit_test(test_default_period_on_the_calendar),
        cmocka_unit_test(test_certificate_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
