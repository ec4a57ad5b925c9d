/* Unit tests of core/calendar: dates, month clamping, leap years, RFC 3339 in +08:00 and working
 * days over the 2020 State Council table (COVID-19 Spring Festival extension, 调休 Sundays). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/calendar.h"

static cal_date D(const char *s)
{
    cal_date d = {0, 0, 0};
    assert_int_equal(cal_parse_date(s, &d), 0);
    return d;
}

static int64_t T(const char *s)
{
    int64_t t = 0;
    assert_int_equal(cal_parse_rfc3339(s, &t), 0);
    return t;
}

/* The 2020 arrangements (shared data/holidays.csv): the service loads these from the database. */
static const cal_holiday h2020[] = {
    {{2020, 1, 1}, CAL_OFF},   {{2020, 1, 19}, CAL_WORK}, {{2020, 1, 24}, CAL_OFF},
    {{2020, 1, 25}, CAL_OFF},  {{2020, 1, 26}, CAL_OFF},  {{2020, 1, 27}, CAL_OFF},
    {{2020, 1, 28}, CAL_OFF},  {{2020, 1, 29}, CAL_OFF},  {{2020, 1, 30}, CAL_OFF},
    {{2020, 1, 31}, CAL_OFF},  {{2020, 2, 1}, CAL_OFF},   {{2020, 2, 2}, CAL_OFF},
    {{2020, 4, 4}, CAL_OFF},   {{2020, 4, 5}, CAL_OFF},   {{2020, 4, 6}, CAL_OFF},
    {{2020, 4, 26}, CAL_WORK}, {{2020, 5, 1}, CAL_OFF},   {{2020, 5, 2}, CAL_OFF},
    {{2020, 5, 3}, CAL_OFF},   {{2020, 5, 4}, CAL_OFF},   {{2020, 5, 5}, CAL_OFF},
    {{2020, 5, 9}, CAL_WORK},  {{2020, 6, 25}, CAL_OFF},  {{2020, 6, 26}, CAL_OFF},
    {{2020, 6, 27}, CAL_OFF},  {{2020, 6, 28}, CAL_WORK}, {{2020, 9, 27}, CAL_WORK},
    {{2020, 10, 1}, CAL_OFF},  {{2020, 10, 2}, CAL_OFF},  {{2020, 10, 3}, CAL_OFF},
    {{2020, 10, 4}, CAL_OFF},  {{2020, 10, 5}, CAL_OFF},  {{2020, 10, 6}, CAL_OFF},
    {{2020, 10, 7}, CAL_OFF},  {{2020, 10, 8}, CAL_OFF},  {{2020, 10, 10}, CAL_WORK},
};
static const cal_table t2020 = {h2020, sizeof h2020 / sizeof h2020[0]};

static void test_parse_format_date(void **state)
{
    (void)state;
    char b[CAL_DATE_BUF];
    assert_string_equal(cal_format_date(D("2020-02-29"), b), "2020-02-29");
    cal_date d;
    const char *bad[] = {"2019-02-29", "2020-13-01", "2020-00-10",  "2020-04-31",
                         "2020-4-1",   "20200401",   "2020-04-01x", "",
                         "2020/04/01", "0000-01-01", "1900-02-29",  "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cal_parse_date(bad[i], &d) == 0) fail_msg("accepted %s", bad[i]);
    assert_int_equal(cal_parse_date(NULL, &d), -1);
    D("2000-02-29");
    assert_true(cal_is_leap(2000) && cal_is_leap(2020) && !cal_is_leap(1900) && !cal_is_leap(2019));
    assert_true(cal_compare(D("2017-12-31"), D("2018-01-01")) < 0);
    assert_int_equal(cal_compare(D("2018-01-01"), D("2018-01-01")), 0);
}

static void test_add_months(void **state)
{
    (void)state;
    char b[CAL_DATE_BUF];
    assert_string_equal(cal_format_date(cal_add_months(D("2019-08-31"), 6), b), "2020-02-29");
    assert_string_equal(cal_format_date(cal_add_months(D("2018-08-31"), 6), b), "2019-02-28");
    assert_string_equal(cal_format_date(cal_add_months(D("2018-01-31"), 30), b), "2020-07-31");
    assert_string_equal(cal_format_date(cal_add_months(D("2018-01-01"), 30), b), "2020-07-01");
    assert_string_equal(cal_format_date(cal_add_months(D("2019-10-31"), 1), b), "2019-11-30");
    assert_string_equal(cal_format_date(cal_add_months(D("2020-02-29"), 12), b), "2021-02-28");
    assert_string_equal(cal_format_date(cal_add_months(D("2020-02-29"), 48), b), "2024-02-29");
    assert_string_equal(cal_format_date(cal_add_months(D("2020-03-31"), -1), b), "2020-02-29");
    assert_string_equal(cal_format_date(cal_add_months(D("2020-01-15"), -13), b), "2018-12-15");
    assert_string_equal(cal_format_date(cal_add_months(D("2019-12-15"), 1), b), "2020-01-15");
}

static void test_days_and_weekday(void **state)
{
    (void)state;
    assert_int_equal(cal_days_from_civil(D("1970-01-01")), 0);
    assert_int_equal(cal_days_from_civil(D("2000-03-01")), 11017);
    char b[CAL_DATE_BUF];
    assert_string_equal(cal_format_date(cal_civil_from_days(18322), b), "2020-03-01");
    assert_string_equal(cal_format_date(cal_add_days(D("2020-02-28"), 1), b), "2020-02-29");
    assert_string_equal(cal_format_date(cal_add_days(D("2020-12-31"), 1), b), "2021-01-01");
    assert_int_equal(cal_weekday(D("2020-03-17")), 2); /* Tuesday */
    assert_int_equal(cal_weekday(D("2020-01-19")), 7); /* Sunday */
    assert_int_equal(cal_weekday(D("1970-01-01")), 4);
    assert_int_equal(cal_weekday(D("2026-01-05")), 1);
    for (int64_t z = -800000; z < 800000; z += 997)
        assert_int_equal(cal_days_from_civil(cal_civil_from_days(z)), z);
}

static void test_rfc3339(void **state)
{
    (void)state;
    char b[CAL_TIME_BUF];
    int64_t open = T("2020-03-17T10:00:00+08:00");
    assert_int_equal(open, 1584410400);
    assert_int_equal(T("2020-03-17T02:00:00Z"), open);
    assert_int_equal(T("2020-03-17T02:00:00z"), open);
    assert_int_equal(T("2020-03-16T21:00:00-05:00"), open);
    assert_int_equal(T("2020-03-17T10:00:00.123+08:00"), open);
    assert_int_equal(T("2020-03-17 10:00:00+08:00"), open);
    assert_string_equal(cal_format_rfc3339(open, b), "2020-03-17T10:00:00+08:00");
    assert_string_equal(cal_format_rfc3339(T("2020-04-10T16:00:00Z"), b),
                        "2020-04-11T00:00:00+08:00");
    assert_string_equal(cal_format_rfc3339(0, b), "1970-01-01T08:00:00+08:00");
    assert_string_equal(cal_format_rfc3339(-28801, b), "1969-12-31T23:59:59+08:00");
    int64_t t;
    const char *bad[] = {"2020-03-17T10:00:00",       "2020-03-17T24:00:00+08:00",
                         "2020-03-17T10:60:00+08:00", "2020-02-30T10:00:00+08:00",
                         "2020-03-17T10:00:00+0800",  "2020-03-17T10:00:00+08:00x",
                         "2020-03-17X10:00:00Z",      "2020-03-17T10:00:00.Z",
                         "2020-03-17T10:00Z",         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cal_parse_rfc3339(bad[i], &t) == 0) fail_msg("accepted %s", bad[i]);
    /* date of an instant in Beijing time */
    char d[CAL_DATE_BUF];
    assert_string_equal(cal_format_date(cal_date_of_epoch(T("2020-04-10T16:00:00Z")), d),
                        "2020-04-11");
    assert_string_equal(cal_format_date(cal_date_of_epoch(T("2020-04-10T15:59:59Z")), d),
                        "2020-04-10");
    assert_int_equal(cal_epoch_of_date(D("2020-04-11")), T("2020-04-11T00:00:00+08:00"));
}

static void test_working_day_table(void **state)
{
    (void)state;
    bool known = true;
    assert_true(cal_is_working_day(D("2020-01-19"), &t2020, &known));  /* 调休 Sunday */
    assert_false(cal_is_working_day(D("2020-01-18"), &t2020, &known)); /* plain Saturday */
    assert_false(cal_is_working_day(D("2020-01-31"), &t2020, &known)); /* COVID extension */
    assert_false(cal_is_working_day(D("2020-02-01"), &t2020, &known));
    assert_true(cal_is_working_day(D("2020-02-03"), &t2020, &known));
    assert_true(known);
    assert_true(cal_is_working_day(D("2021-01-01"), &t2020, &known)); /* no data: Mon–Fri */
    assert_false(known);
}

static void test_working_days_between(void **state)
{
    (void)state;
    bool known = false;
    /* Friday 17:00 → Monday 17:00 is one whole working day */
    assert_int_equal(cal_working_days_between(T("2020-03-13T17:00:00+08:00"),
                                              T("2020-03-16T17:00:00+08:00"), &t2020, &known),
                     1);
    assert_true(known);
    assert_int_equal(cal_working_days_between(T("2020-03-13T17:00:00+08:00"),
                                              T("2020-03-16T16:59:59+08:00"), &t2020, NULL),
                     0);
    assert_int_equal(cal_working_days_between(T("2020-03-13T17:00:00+08:00"),
                                              T("2020-03-17T17:00:00+08:00"), &t2020, NULL),
                     2);
    /* registered Thursday 2020-01-23 10:00 (last day before the holiday); the whole Spring
     * Festival incl. the COVID extension (01-24 … 02-02) is off: Monday 02-03 10:00 is 1 */
    assert_int_equal(cal_working_days_between(T("2020-01-23T10:00:00+08:00"),
                                              T("2020-02-03T10:00:00+08:00"), &t2020, NULL),
                     1);
    assert_int_equal(cal_working_days_between(T("2020-01-23T10:00:00+08:00"),
                                              T("2020-02-03T09:59:59+08:00"), &t2020, NULL),
                     0);
    /* Saturday 2020-01-18 10:00 → Monday 01-20 10:00: Sunday 01-19 is a 调休 working day */
    assert_int_equal(cal_working_days_between(T("2020-01-18T10:00:00+08:00"),
                                              T("2020-01-20T10:00:00+08:00"), &t2020, NULL),
                     1);
    /* the same weekend a year without 调休 (2021 has no data): 0, and flagged */
    assert_int_equal(cal_working_days_between(T("2021-01-16T10:00:00+08:00"),
                                              T("2021-01-18T10:00:00+08:00"), &t2020, &known),
                     0);
    assert_false(known);
    assert_int_equal(cal_working_days_between(T("2020-03-16T10:00:00+08:00"),
                                              T("2020-03-13T10:00:00+08:00"), &t2020, NULL),
                     0);
}

static void test_add_working_days(void **state)
{
    (void)state;
    char b[CAL_TIME_BUF];
    bool known;
    /* Friday 17:00 + 1 = Monday 17:00 */
    assert_string_equal(
        cal_format_rfc3339(cal_add_working_days(T("2020-03-13T17:00:00+08:00"), 1, &t2020, &known),
                           b),
        "2020-03-16T17:00:00+08:00");
    assert_true(known);
    /* a 5-working-day 公示 from Monday 2020-09-21 00:00: Sunday 09-27 is 调休 working, so it
     * ends at the end of Friday 09-25 (09-26 00:00) */
    assert_string_equal(
        cal_format_rfc3339(cal_add_working_days(T("2020-09-21T00:00:00+08:00"), 5, &t2020, NULL),
                           b),
        "2020-09-26T00:00:00+08:00");
    /* from Wednesday 09-23 00:00: Wed Thu Fri, Sun 27 (调休), Mon 28 → ends 09-29 00:00 */
    assert_string_equal(
        cal_format_rfc3339(cal_add_working_days(T("2020-09-23T00:00:00+08:00"), 5, &t2020, NULL),
                           b),
        "2020-09-29T00:00:00+08:00");
    /* consistent with the counting function */
    int64_t from = T("2020-01-22T15:30:00+08:00");
    for (int n = 0; n < 12; n++) {
        int64_t end = cal_add_working_days(from, n, &t2020, NULL);
        assert_int_equal(cal_working_days_between(from, end, &t2020, NULL), n);
        if (n) assert_int_equal(cal_working_days_between(from, end - 1, &t2020, NULL), n - 1);
    }
    /* date version: working day after Thursday 2020-01-23 is Monday 2020-02-03 */
    char d[CAL_DATE_BUF];
    assert_string_equal(
        cal_format_date(cal_add_working_days_date(D("2020-01-23"), 1, &t2020, &known), d),
        "2020-02-03");
    assert_true(known);
    assert_string_equal(
        cal_format_date(cal_add_working_days_date(D("2020-01-17"), 1, &t2020, NULL), d),
        "2020-01-19");
    assert_string_equal(
        cal_format_date(cal_add_working_days_date(D("2020-12-31"), 1, &t2020, &known), d),
        "2021-01-01");
    assert_false(known);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format_date), cmocka_unit_test(test_add_months),
        cmocka_unit_test(test_days_and_weekday),  cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_working_day_table), cmocka_unit_test(test_working_days_between),
        cmocka_unit_test(test_add_working_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
