/* Unit tests of core/assessment: the scoring of SPEC §5.1 on hand-computed cases (the bottom-up
 * total, every band edge, 4-place half-up rounding, a level of exactly 0.8 that floating point
 * would miss), the shipped model's structure and its discrete/process sets, answer checking,
 * the improvement directions and the radar's escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/assessment.h"
#include "util/assets.h"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j) fail_msg("bad JSON in test: %s (%s)", e.text, text);
    return j;
}

static json_t *shipped_model(void)
{
    size_t len = 0;
    const char *text = assets_get("data/assessment-model-v1.json", &len);
    assert_non_null(text);
    json_t *m = json_loadb(text, len, 0, NULL);
    assert_non_null(m);
    return m;
}

/* Answers every requirement of `model` with `value`. New reference. */
static json_t *answer_all(const json_t *model, json_t *value)
{
    json_t *a = json_object();
    size_t ei, di, si, ri;
    json_t *el, *dm, *sd, *rq;
    json_array_foreach(json_object_get(model, "elements"), ei, el)
        json_array_foreach(json_object_get(el, "domains"), di, dm)
            json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
                json_array_foreach(json_object_get(sd, "requirements"), ri, rq)
                    json_object_set(a, json_string_value(json_object_get(rq, "id")), value);
    json_decref(value);
    return a;
}

static const char *S(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_int_t I(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* ==== the total and the bands ============================================================== */

static void test_total_hand_cases(void **state)
{
    (void)state;
    /* SPEC's example: L1 1.0, L2 0.9, L3 0.7 → S = 2.6, 二级 (L3 is the first below 0.8 and
     * counts; L4 and L5 do not). */
    int64_t a[5] = {10000, 9000, 7000, 9000, 9000};
    assert_int_equal(asm_total(a), 26000);
    assert_int_equal(asm_band(asm_total(a)), 2);
    assert_string_equal(asm_band_name(2), "二级");
    int64_t all8[5] = {8000, 8000, 8000, 8000, 8000};
    assert_int_equal(asm_total(all8), 40000);
    assert_int_equal(asm_band(40000), 4);
    int64_t all5[5] = {5000, 5000, 5000, 5000, 5000};
    assert_int_equal(asm_total(all5), 5000);
    assert_int_equal(asm_band(5000), 0);
    int64_t all1[5] = {10000, 10000, 10000, 10000, 10000};
    assert_int_equal(asm_total(all1), 50000);
    assert_int_equal(asm_band(50000), 5);
    int64_t zero[5] = {0, 10000, 10000, 10000, 10000};
    assert_int_equal(asm_total(zero), 0);
    /* A level that asks nothing counts as met. */
    int64_t na[5] = {ASM_NOT_APPLICABLE, 9000, 7900, 10000, 10000};
    assert_int_equal(asm_total(na), 10000 + 9000 + 7900);
    /* Just below 0.8 stops; exactly 0.8 goes on. */
    int64_t edge[5] = {8000, 7999, 10000, 10000, 10000};
    assert_int_equal(asm_total(edge), 15999);
}

static void test_band_edges(void **state)
{
    (void)state;
    static const struct {
        int64_t s;
        int band;
    } cases[] = {{0, 0},     {7999, 0},  {8000, 1},  {17999, 1}, {18000, 2}, {27999, 2},
                 {28000, 3}, {37999, 3}, {38000, 4}, {47999, 4}, {48000, 5}, {50000, 5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (asm_band(cases[i].s) != cases[i].band)
            fail_msg("S %lld: band %d, want %d", (long long)cases[i].s, asm_band(cases[i].s),
                     cases[i].band);
    }
    assert_string_equal(asm_band_name(0), "未达到一级");
    assert_string_equal(asm_band_name(5), "五级");
    assert_string_equal(asm_level_name(1), "规划级");
    assert_string_equal(asm_level_name(5), "引领级");
}

static void test_rounding(void **state)
{
    (void)state;
    /* × 10⁴ units: 7999.5 rounds up to 0.8, 7999.4 down. */
    assert_int_equal(asm_round_half_up(79995, 10), 8000);
    assert_int_equal(asm_round_half_up(79994, 10), 7999);
    assert_int_equal(asm_round_half_up(20000, 3), 6667); /* 0.66666… */
    assert_int_equal(asm_round_half_up(10000, 3), 3333);
    assert_int_equal(asm_round_half_up(0, 7), 0);
}

static void test_answer_values(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int want;
    } cases[] = {{"1", 10000},   {"0", 0},           {"0.8", 8000},    {"0.5", 5000},
                 {"1.0", 10000}, {"\"0.8\"", 8000},  {"\"1\"", 10000}, {"0.7", -1},
                 {"2", -1},      {"-0.5", -1},       {"true", -1},     {"\"a\"", -1},
                 {"null", -1},   {"\"0.80001\"", -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        if (asm_answer_value(v) != cases[i].want)
            fail_msg("%s: %d, want %d", cases[i].json, asm_answer_value(v), cases[i].want);
        json_decref(v);
    }
}

/* ==== scoring over a model ================================================================= */

/* Two domains (one sub-domain each) at levels 1–3, two requirements per cell. */
static const char *tiny_model =
    "{\"version\":\"t1\",\"weights\":{\"note\":\"等权\"},\"elements\":[{\"id\":\"e\",\"name\":"
    "\"要素\","
    "\"domains\":["
    "{\"id\":\"a\",\"name\":\"甲\",\"subdomains\":[{\"id\":\"a\",\"name\":\"甲\",\"requirements\":["
    "{\"id\":\"a.1.1\",\"level\":1,\"text\":\"a11\"},{\"id\":\"a.1.2\",\"level\":1,\"text\":"
    "\"a12\"},"
    "{\"id\":\"a.2.1\",\"level\":2,\"text\":\"a21\"},{\"id\":\"a.2.2\",\"level\":2,\"text\":"
    "\"a22\"},"
    "{\"id\":\"a.3.1\",\"level\":3,\"text\":\"a31\"},{\"id\":\"a.3.2\",\"level\":3,\"text\":"
    "\"a32\"}]}]},"
    "{\"id\":\"b\",\"name\":\"乙<&>\",\"subdomains\":[{\"id\":\"b\",\"name\":\"乙\","
    "\"requirements\":["
    "{\"id\":\"b.1.1\",\"level\":1,\"text\":\"b11\"},{\"id\":\"b.1.2\",\"level\":1,\"text\":"
    "\"b12\"},"
    "{\"id\":\"b.2.1\",\"level\":2,\"text\":\"b21\"},{\"id\":\"b.2.2\",\"level\":2,\"text\":"
    "\"b22\"},"
    "{\"id\":\"b.3.1\",\"level\":3,\"text\":\"b31\"},{\"id\":\"b.3.2\",\"level\":3,\"text\":"
    "\"b32\"}]}]}"
    "]}]}";

static void test_score_hand_computed(void **state)
{
    (void)state;
    json_t *m = J(tiny_model);
    /* L1: a (1,1)=1, b (1,1)=1 → 1.0. L2: a (1,0.8)=0.9, b (1,0.8)=0.9 → 0.9.
     * L3: a (1,0.8)=0.9, b (0.5,0.5)=0.5 → 0.7. S = 2.6, 二级. */
    json_t *ans = J("{\"a.1.1\":1,\"a.1.2\":1,\"b.1.1\":1,\"b.1.2\":\"1\",\"a.2.1\":1,"
                    "\"a.2.2\":0.8,\"b.2.1\":1,\"b.2.2\":0.8,\"a.3.1\":1,\"a.3.2\":0.8,"
                    "\"b.3.1\":0.5,\"b.3.2\":0.5}");
    json_t *r = asm_score(m, ans);
    assert_string_equal(S(r, "score"), "2.6");
    assert_int_equal(I(r, "score_e4"), 26000);
    assert_int_equal(I(r, "level"), 2);
    assert_string_equal(S(r, "level_name"), "二级");
    json_t *lv = json_object_get(r, "levels");
    assert_string_equal(S(json_array_get(lv, 0), "score"), "1");
    assert_string_equal(S(json_array_get(lv, 1), "score"), "0.9");
    assert_string_equal(S(json_array_get(lv, 2), "score"), "0.7");
    assert_true(json_is_null(json_object_get(json_array_get(lv, 3), "score")));
    /* Domain a: 1 + 0.9 + 0.9, and nothing asked above L3. Domain b: 1 + 0.9 + 0.5. */
    json_t *doms = json_object_get(r, "domains");
    assert_string_equal(S(json_array_get(doms, 0), "score"), "2.8");
    assert_string_equal(S(json_array_get(doms, 1), "score"), "2.4");
    /* The weakest: b first (L2 is the first level not fully met), then a. */
    json_t *w = json_object_get(r, "weakest");
    assert_int_equal(json_array_size(w), 2);
    assert_string_equal(S(json_array_get(w, 0), "id"), "b");
    assert_int_equal(I(json_array_get(w, 0), "next_level"), 2);
    json_t *miss = json_object_get(json_array_get(w, 0), "missing");
    assert_int_equal(json_array_size(miss), 1);
    assert_string_equal(S(json_array_get(miss, 0), "id"), "b.2.2");
    assert_string_equal(S(json_array_get(miss, 0), "answer_name"), "大部分满足");
    assert_int_equal(I(r, "answered"), 12);
    assert_int_equal(I(r, "total"), 12);
    json_decref(r);
    json_decref(ans);
    json_decref(m);
}

static void test_exact_point_eight(void **state)
{
    (void)state;
    /* Three domains at one level scoring 1, 0.9 and 0.5: the level is exactly 0.8, which a
     * double computes as 0.7999999999999999. It must count as met. */
    json_t *m = J("{\"version\":\"t2\",\"elements\":[{\"id\":\"e\",\"name\":\"e\",\"domains\":["
                  "{\"id\":\"x\",\"name\":\"x\",\"subdomains\":[{\"id\":\"x\",\"name\":\"x\","
                  "\"requirements\":[{\"id\":\"x1\",\"level\":1,\"text\":\"t\"},{\"id\":\"x2\","
                  "\"level\":1,\"text\":\"t\"}]}]},"
                  "{\"id\":\"y\",\"name\":\"y\",\"subdomains\":[{\"id\":\"y\",\"name\":\"y\","
                  "\"requirements\":[{\"id\":\"y1\",\"level\":1,\"text\":\"t\"},{\"id\":\"y2\","
                  "\"level\":1,\"text\":\"t\"}]}]},"
                  "{\"id\":\"z\",\"name\":\"z\",\"subdomains\":[{\"id\":\"z\",\"name\":\"z\","
                  "\"requirements\":[{\"id\":\"z1\",\"level\":1,\"text\":\"t\"},{\"id\":\"z2\","
                  "\"level\":1,\"text\":\"t\"}]}]}]}]}");
    json_t *ans = J("{\"x1\":1,\"x2\":1,\"y1\":1,\"y2\":0.8,\"z1\":0.5,\"z2\":0.5}");
    json_t *r = asm_score(m, ans);
    assert_string_equal(S(json_array_get(json_object_get(r, "levels"), 0), "score"), "0.8");
    assert_int_equal(I(r, "score_e4"), 8000);
    assert_int_equal(I(r, "level"), 1);
    json_decref(r);
    json_decref(ans);
    json_decref(m);
}

static void test_shipped_model_uniform_answers(void **state)
{
    (void)state;
    json_t *raw = shipped_model();
    json_t *m = asm_model_for(raw, "discrete");
    static const struct {
        const char *value, *score;
        int level;
    } cases[] = {{"0.8", "4", 4}, {"0.5", "0.5", 0}, {"1", "5", 5}, {"0", "0", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *ans = answer_all(m, json_loads(cases[i].value, JSON_DECODE_ANY, NULL));
        json_t *r = asm_score(m, ans);
        if (strcmp(S(r, "score"), cases[i].score) || I(r, "level") != cases[i].level)
            fail_msg("all %s: S %s level %d, want %s level %d", cases[i].value, S(r, "score"),
                     (int)I(r, "level"), cases[i].score, cases[i].level);
        json_decref(r);
        json_decref(ans);
    }
    json_decref(m);
    json_decref(raw);
}

static void test_empty_and_partial(void **state)
{
    (void)state;
    json_t *raw = shipped_model();
    json_t *m = asm_model_for(raw, "discrete");
    json_t *empty = json_object();
    json_t *r = asm_score(m, empty);
    assert_string_equal(S(r, "score"), "0");
    assert_int_equal(I(r, "level"), 0);
    assert_int_equal(I(r, "answered"), 0);
    json_decref(r);
    /* Every level-1 requirement fully met and nothing else: L1 1.0, L2 0 → S 1.0, 一级. */
    json_t *part = json_object();
    json_t *all = answer_all(m, json_integer(1));
    const char *k;
    json_t *v;
    json_object_foreach(all, k, v)
    {
        if (strstr(k, ".1.")) json_object_set(part, k, v);
    }
    r = asm_score(m, part);
    assert_string_equal(S(r, "score"), "1");
    assert_int_equal(I(r, "level"), 1);
    assert_true(I(r, "answered") > 0 && I(r, "answered") < I(r, "total"));
    json_t *missing = json_array(), *bad = json_object();
    assert_int_equal(asm_check_answers(m, part, bad, missing), 0);
    assert_int_equal(json_array_size(missing), (size_t)(I(r, "total") - I(r, "answered")));
    json_decref(r);
    json_decref(missing);
    json_decref(bad);
    json_decref(part);
    json_decref(all);
    json_decref(empty);
    json_decref(m);
    json_decref(raw);
}

/* ==== the shipped model ==================================================================== */

static void test_model_structure(void **state)
{
    (void)state;
    json_t *raw = shipped_model();
    assert_string_equal(S(raw, "version"), "v1");
    assert_string_equal(S(json_object_get(raw, "weights"), "method"), "equal");
    size_t ne = 0, nd = 0, ns = 0, nr = 0;
    size_t ei, di, si, ri;
    json_t *el, *dm, *sd, *rq;
    json_array_foreach(json_object_get(raw, "elements"), ei, el)
    {
        ne++;
        json_array_foreach(json_object_get(el, "domains"), di, dm)
        {
            nd++;
            json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
            {
                ns++;
                int per_level[6] = {0};
                json_array_foreach(json_object_get(sd, "requirements"), ri, rq)
                {
                    nr++;
                    per_level[I(rq, "level")]++;
                }
                for (int l = 1; l <= 5; l++)
                    if (per_level[l] == 1)
                        fail_msg("%s level %d has a single requirement", S(sd, "id"), l);
            }
        }
    }
    assert_int_equal(ne, 4);
    assert_int_equal(nd, 12);
    assert_int_equal(ns, 20);
    assert_true(nr >= 2 * 5 * 17);
    json_decref(raw);
}

static bool has_subdomain(const json_t *m, const char *name)
{
    size_t ei, di, si;
    json_t *el, *dm, *sd;
    json_array_foreach(json_object_get(m, "elements"), ei, el)
        json_array_foreach(json_object_get(el, "domains"), di, dm)
            json_array_foreach(json_object_get(dm, "subdomains"), si,
                               sd) if (!strcmp(S(sd, "name"), name)) return true;
    return false;
}

static void test_process_set(void **state)
{
    (void)state;
    json_t *raw = shipped_model();
    json_t *p = asm_model_for(raw, "process"), *d = asm_model_for(raw, "discrete"),
           *x = asm_model_for(raw, "mixed");
    assert_false(has_subdomain(p, "产品设计"));
    assert_true(has_subdomain(p, "工艺设计"));
    assert_true(has_subdomain(d, "产品设计"));
    assert_true(has_subdomain(x, "产品设计")); /* mixed uses the discrete set */
    assert_string_equal(S(x, "manufacturing_type"), "discrete");
    /* A process enterprise answering 产品设计 is answering something it is not asked. */
    json_t *bad = json_object();
    json_t *ans = J("{\"product_design.1.1\":1}");
    assert_int_equal(asm_check_answers(p, ans, bad, NULL), 1);
    assert_non_null(json_object_get(bad, "product_design.1.1"));
    json_decref(ans);
    json_decref(bad);
    /* All 0.8 on the process set is still S 4.0. */
    json_t *all = answer_all(p, json_real(0.8));
    json_t *r = asm_score(p, all);
    assert_string_equal(S(r, "score"), "4");
    json_decref(r);
    json_decref(all);
    json_decref(p);
    json_decref(d);
    json_decref(x);
    json_decref(raw);
}

static void test_check_answers(void **state)
{
    (void)state;
    json_t *m = J(tiny_model);
    json_t *ans = J("{\"a.1.1\":1,\"nope\":1,\"a.1.2\":0.7,\"b.1.1\":null}");
    json_t *bad = json_object(), *missing = json_array();
    assert_int_equal(asm_check_answers(m, ans, bad, missing), 2);
    assert_non_null(json_object_get(bad, "nope"));
    assert_non_null(json_object_get(bad, "a.1.2"));
    /* a.1.2 has a bad value (reported as bad, not missing); b.1.1 null counts as unanswered. */
    assert_int_equal(json_array_size(missing), 10);
    assert_string_equal(json_string_value(json_array_get(missing, 0)), "a.2.1");
    assert_string_equal(json_string_value(json_array_get(missing, 4)), "b.1.1");
    json_decref(bad);
    json_decref(missing);
    json_decref(ans);
    json_decref(m);
}

static void test_radar_escapes(void **state)
{
    (void)state;
    const char *labels[] = {"甲<script>", "乙&\"'", "丙"};
    int64_t v[] = {26000, 50000, 0}, c[] = {10000, 20000, 30000};
    char *svg = asm_radar_svg("总分 <2.6>", 3, labels, v, c, "本次", "平均<x>");
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "甲&lt;script&gt;"));
    assert_non_null(strstr(svg, "乙&amp;&quot;&#39;"));
    assert_non_null(strstr(svg, "总分 &lt;2.6&gt;"));
    assert_non_null(strstr(svg, "平均&lt;x&gt;"));
    assert_null(strstr(svg, "<script>"));
    assert_non_null(strstr(svg, "radar-compare"));
    free(svg);
    svg = asm_radar_svg("t", 3, labels, v, NULL, "本次", NULL);
    assert_null(strstr(svg, "radar-compare"));
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total_hand_cases),
        cmocka_unit_test(test_band_edges),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_answer_values),
        cmocka_unit_test(test_score_hand_computed),
        cmocka_unit_test(test_exact_point_eight),
        cmocka_unit_test(test_shipped_model_uniform_answers),
        cmocka_unit_test(test_empty_and_partial),
        cmocka_unit_test(test_model_structure),
        cmocka_unit_test(test_process_set),
        cmocka_unit_test(test_check_answers),
        cmocka_unit_test(test_radar_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
