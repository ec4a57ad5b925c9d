/* test_assessment_peers — the assessment report's peer averages over a real temporary SQLite
 * database (migration 019): the running sums kept by svc_asm_create, the scan of every peer
 * (used only until the sums are built) and svc_asm_peers_backfill (which builds them from the
 * stored assessments) must give every report the same peers, and the sums themselves must be
 * the same whether kept along or built afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit_tmp.h"

#include "service/assessment.h"
#include "util/util.h"

enum { PE_N = 7 };

typedef struct fx {
    char dir[UNIT_DIR_MAX];
    db *d;
    svc_config cfg;
    svc_actor a[PE_N];
    svc_ctx c[PE_N];
} fx;

/* Enterprise i: 黔江区 (渝东南), process, except the last: 渝北区 (主城), another group. */
static void fx_add(fx *f, int i)
{
    const char *district = i == PE_N - 1 ? "500112" : "500114";
    char uscc[24], user[16];
    snprintf(uscc, sizeof uscc, "91500000TEST%05d", i);
    snprintf(user, sizeof user, "peer%d", i);
    char *doc = xasprintf("{\"uscc\":\"%s\",\"name\":\"企业%d\",\"district_code\":\"%s\","
                          "\"manufacturing_type\":\"process\"}",
                          uscc, i, district);
    int64_t eid = db_insert(f->d,
                            "INSERT INTO enterprises (uscc, name, district_code, profile, "
                            "created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)",
                            "tttt", uscc, user, district, doc);
    free(doc);
    unit_enterprise_actor(f->d, &f->a[i], user, eid);
    f->c[i] = (svc_ctx){.db = f->d, .now = 1584500000 + i, .actor = &f->a[i], .cfg = &f->cfg};
}

static int setup(void **state)
{
    fx *f = xcalloc(1, sizeof *f);
    if (unit_tmpdir(f->dir, "unit") != 0 || !(f->d = unit_db(f->dir, &f->cfg))) return -1;
    for (int i = 0; i < PE_N; i++)
        fx_add(f, i);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    return unit_teardown(f->d, f->dir, f);
}

/* Answers every requirement of the enterprise's model with value(k), k counting them. */
static int64_t pe_assess(svc_ctx *c, double (*value)(int k))
{
    json_t *model = NULL;
    svc_err e = {0};
    assert_int_equal(svc_asm_model(c, &model, &e), 0);
    json_t *answers = json_object();
    int k = 0;
    size_t i1, i2, i3, i4;
    json_t *el, *dm, *sd, *rq;
    json_array_foreach(json_object_get(model, "elements"), i1, el)
        json_array_foreach(json_object_get(el, "domains"), i2, dm)
            json_array_foreach(json_object_get(dm, "subdomains"), i3, sd)
                json_array_foreach(json_object_get(sd, "requirements"), i4, rq) json_object_set_new(
                    answers, json_string_value(json_object_get(rq, "id")), json_real(value(k++)));
    json_decref(model);
    json_t *in = json_pack("{s:o}", "answers", answers), *out = NULL;
    if (svc_asm_create(c, in, &out, &e) != 0) fail_msg("assessment refused: %s", e.message);
    json_decref(in);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static double pe_half(int k)
{
    return 0.5;
}
static double pe_full(int k)
{
    return 1;
}
static double pe_mixed(int k)
{
    return k % 3 == 0 ? 1 : k % 3 == 1 ? 0.5 : 0;
}

/* The peers of every report, one line each (compact JSON). */
static char *pe_reports(fx *f, const int64_t *ids, const int *who, int n)
{
    sbuf out;
    sbuf_init(&out);
    for (int i = 0; i < n; i++) {
        json_t *r = NULL;
        svc_err e = {0};
        assert_int_equal(svc_asm_get(&f->c[who[i]], ids[i], &r, &e), 0);
        char *p = json_dumps(json_object_get(r, "peers"), JSON_COMPACT | JSON_SORT_KEYS);
        sbuf_printf(&out, "%lld %s\n", (long long)ids[i], p);
        free(p);
        json_decref(r);
    }
    return sbuf_take(&out);
}

static char *pe_sums(db *d)
{
    sbuf out;
    sbuf_init(&out);
    db_stmt *s = db_query(d,
                          "SELECT grp, manufacturing_type, version, part, n, sum_e4 FROM "
                          "assessment_peer_sums WHERE n <> 0 ORDER BY 1, 2, 3, 4",
                          "");
    while (db_next(s))
        sbuf_printf(&out, "%s|%s|%s|%s|%lld|%lld\n", db_text(s, 0), db_text(s, 1), db_text(s, 2),
                    db_text(s, 3), (long long)db_int(s, 4), (long long)db_int(s, 5));
    db_done(s);
    return sbuf_take(&out);
}

static void test_sums_scan_and_backfill_agree(void **state)
{
    fx *f = *state;
    /* Six peers and one of another group; two enterprises assess twice (the second replaces
     * the first among the peers). */
    int64_t ids[PE_N + 2];
    int who[PE_N + 2];
    int n = 0;
    for (int i = 0; i < PE_N; i++) {
        who[n] = i;
        ids[n++] = pe_assess(&f->c[i], i == 0 ? pe_full : i % 2 ? pe_mixed : pe_half);
    }
    who[n] = 0, ids[n++] = pe_assess(&f->c[0], pe_half);
    who[n] = 3, ids[n++] = pe_assess(&f->c[3], pe_full);
    char *summed = pe_reports(f, ids, who, n), *kept = pe_sums(f->d);
    assert_non_null(strstr(summed, "\"count\":5,")); /* six in the group: five others */
    assert_non_null(strstr(summed, "\"count\":0,")); /* the one of another group */
    assert_null(strstr(summed, "\"count\":6,"));     /* never the same enterprise twice */
    /* The scan of every peer (before the sums are built) answers the same. */
    assert_int_equal(db_exec(f->d, "UPDATE assessment_peer_state SET built = 0", ""), 0);
    char *scanned = pe_reports(f, ids, who, n);
    assert_string_equal(scanned, summed);
    /* Built afterwards from the stored assessments: the same sums, the same reports. */
    assert_int_equal(db_exec(f->d, "UPDATE assessment_peer_sums SET n = 99, sum_e4 = 1", ""), 0);
    svc_ctx boot = {.db = f->d, .now = 1584600000, .cfg = &f->cfg};
    assert_int_equal(svc_asm_peers_backfill(&boot), 0);
    assert_int_equal(db_scalar_int(f->d, 0, "SELECT built FROM assessment_peer_state", ""), 1);
    char *built = pe_sums(f->d), *rebuilt = pe_reports(f, ids, who, n);
    assert_string_equal(built, kept);
    assert_string_equal(rebuilt, summed);
    assert_int_equal(svc_asm_peers_backfill(&boot), 0); /* built: nothing to do */
    free(summed);
    free(kept);
    free(scanned);
    free(built);
    free(rebuilt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sums_scan_and_backfill_agree, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
