/* Unit tests of core/decimal: parsing edge cases, formatting, exact comparisons at thresholds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/decimal.h"

static int64_t P(const char *s)
{
    int64_t v = 0;
    assert_int_equal(dec_parse(s, &v), 0);
    return v;
}

static void test_parse_ok(void **state)
{
    (void)state;
    assert_int_equal(P("0"), 0);
    assert_int_equal(P("1"), 10000);
    assert_int_equal(P("0.595"), 5950);
    assert_int_equal(P("350.5"), 3505000);
    assert_int_equal(P("0.0001"), 1);
    assert_int_equal(P("12.3400"), 123400);
    assert_int_equal(P("-1.5"), -15000);
    assert_int_equal(P("007"), 70000);
    assert_int_equal(P("922337203685477.5807"), INT64_MAX);
    assert_int_equal(P("-922337203685477.5808"), INT64_MIN);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "-",
                         ".5",
                         "5.",
                         "1.23456",
                         "+1",
                         " 1",
                         "1 ",
                         "1e3",
                         "0x10",
                         "1,5",
                         "abc",
                         "1.2.3",
                         "--1",
                         "NaN",
                         "inf",
                         "1.0000000",
                         "922337203685477.5808",
                         "-922337203685477.5809",
                         "99999999999999999999",
                         "１"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 42;
        if (dec_parse(bad[i], &v) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(v, 42);
    }
    int64_t v;
    assert_int_equal(dec_parse(NULL, &v), -1);
}

static void test_format(void **state)
{
    (void)state;
    char b[DEC_BUF];
    assert_string_equal(dec_format(5000, b, sizeof b), "0.5");
    assert_string_equal(dec_format(10000, b, sizeof b), "1");
    assert_string_equal(dec_format(3505000, b, sizeof b), "350.5");
    assert_string_equal(dec_format(1, b, sizeof b), "0.0001");
    assert_string_equal(dec_format(0, b, sizeof b), "0");
    assert_string_equal(dec_format(-15000, b, sizeof b), "-1.5");
    assert_string_equal(dec_format(INT64_MIN, b, sizeof b), "-922337203685477.5808");
    assert_string_equal(dec_format_pct(5500, b, sizeof b), "55%");
    assert_string_equal(dec_format_pct(1250, b, sizeof b), "12.5%");
    assert_string_equal(dec_format_pct(4999, b, sizeof b), "49.99%");
    assert_string_equal(dec_format_pct(10000, b, sizeof b), "100%");
    assert_string_equal(dec_format_pct(0, b, sizeof b), "0%");
    assert_string_equal(dec_format_wan(9500000, b, sizeof b), "950 万元");
    assert_string_equal(dec_format_wan(10000000, b, sizeof b), "1000 万元");
    assert_string_equal(dec_format_wan(9876500, b, sizeof b), "987.65 万元");
    assert_string_equal(dec_format_wan(9999999, b, sizeof b), "999.9999 万元");
    assert_string_equal(dec_format_wan(0, b, sizeof b), "0 万元");
    /* round trip */
    assert_int_equal(P(dec_format(123456789, b, sizeof b)), 123456789);
}

static void test_ratio(void **state)
{
    (void)state;
    char b[DEC_BUF];
    /* 66/120 = 55% ≥ 50% */
    assert_true(dec_ratio_cmp(66, 120, P("0.5")) > 0);
    assert_int_equal(dec_ratio_cmp(60, 120, P("0.5")), 0);
    assert_true(dec_ratio_cmp(4999, 10000, P("0.5")) < 0);
    /* 1/3 against 0.3333: strictly above, no float rounding */
    assert_true(dec_ratio_cmp(1, 3, P("0.3333")) > 0);
    assert_true(dec_ratio_cmp(1, 3, P("0.3334")) < 0);
    assert_int_equal(dec_ratio(66, 120), 5500);
    assert_int_equal(dec_ratio(2, 3), 6666); /* floored for display */
    assert_string_equal(dec_format_pct(dec_ratio(499999, 1000000), b, sizeof b), "49.99%");
    /* huge values do not overflow */
    assert_true(dec_ratio_cmp(INT64_MAX, INT64_MAX, P("1")) == 0);
    assert_true(dec_ratio_cmp(INT64_MAX - 1, INT64_MAX, P("1")) < 0);
}

static void test_improvement(void **state)
{
    (void)state;
    /* lower is better: 100 → 85 is exactly 15% */
    assert_int_equal(dec_improvement_cmp(P("100"), P("85"), true, P("0.15")), 0);
    assert_true(dec_improvement_cmp(P("100"), P("85.0001"), true, P("0.15")) < 0);
    assert_true(dec_improvement_cmp(P("350.5"), P("290"), true, P("0.15")) > 0);
    /* higher is better: 100 → 110 is 10% */
    assert_int_equal(dec_improvement_cmp(P("100"), P("110"), false, P("0.1")), 0);
    assert_true(dec_improvement_cmp(P("100"), P("109.9999"), false, P("0.1")) < 0);
    /* 0.3 → 0.27: 10% exactly, though 0.27/0.3 is not exact in binary floating point */
    assert_int_equal(dec_improvement_cmp(P("0.3"), P("0.27"), true, P("0.1")), 0);
    assert_int_equal(dec_improvement(P("350.5"), P("290"), true), 1726); /* 17.26…% floored */
    assert_int_equal(dec_improvement(P("100"), P("105"), true), -500);
    assert_int_equal(dec_improvement(0, P("1"), true), 0);
}

static void test_scale_ceil(void **state)
{
    (void)state;
    assert_int_equal(dec_scale_ceil(10000000, P("0.5")), 5000000);
    assert_int_equal(dec_scale_ceil(10000001, P("0.5")), 5000001); /* 5000000.5 rounds up */
    assert_int_equal(dec_scale_ceil(10000000, P("1")), 10000000);
    assert_int_equal(dec_scale_ceil(3, P("0.3333")), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),    cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_format),      cmocka_unit_test(test_ratio),
        cmocka_unit_test(test_improvement), cmocka_unit_test(test_scale_ceil),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
