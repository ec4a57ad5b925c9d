/* calendar — civil dates, month arithmetic, RFC 3339 times in China Standard Time (UTC+8, no
 * daylight saving) and working days over a holiday table passed in as data (State Council
 * arrangements incl. 调休 working weekends). No clock is read here: callers pass `now`. */
#ifndef SMIP_CORE_CALENDAR_H
#define SMIP_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAL_TZ_OFFSET (8 * 3600) /* Asia/Shanghai */
#define CAL_DATE_BUF 11          /* "YYYY-MM-DD" + NUL */
#define CAL_TIME_BUF 26          /* "YYYY-MM-DDTHH:MM:SS+08:00" + NUL */

typedef struct cal_date {
    int y, m, d;
} cal_date;

bool cal_is_leap(int y);
int cal_days_in_month(int y, int m); /* 0 for a month outside 1..12 */
bool cal_valid(cal_date d);          /* years 1..9999 */
/* Strict "YYYY-MM-DD" (exactly 10 characters, a real date). Returns 0 or -1. */
int cal_parse_date(const char *s, cal_date *out);
char *cal_format_date(cal_date d, char buf[CAL_DATE_BUF]);
/* <0, 0, >0 like strcmp. */
int cal_compare(cal_date a, cal_date b);
/* Days since 1970-01-01 and back (proleptic Gregorian). */
int64_t cal_days_from_civil(cal_date d);
cal_date cal_civil_from_days(int64_t days);
cal_date cal_add_days(cal_date d, int64_t days);
/* Adds calendar months, clamping to the month's last day: 2019-08-31 + 6 = 2020-02-29. */
cal_date cal_add_months(cal_date d, int months);
/* ISO day of week: 1 Monday … 7 Sunday. */
int cal_weekday(cal_date d);

/* The civil date (UTC+8) of an instant, and the instant a date begins (00:00 UTC+8). */
cal_date cal_date_of_epoch(int64_t epoch);
int64_t cal_epoch_of_date(cal_date d);
/* Parses RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" ('t' or a space accepted for 'T',
 * fractions of a second dropped). Returns 0 or -1. */
int cal_parse_rfc3339(const char *s, int64_t *epoch);
/* Always "+08:00": "2020-03-17T10:00:00+08:00". */
char *cal_format_rfc3339(int64_t epoch, char buf[CAL_TIME_BUF]);

/* ---- working days ---------------------------------------------------------------------- */

typedef enum cal_day_kind { CAL_OFF, CAL_WORK } cal_day_kind;

/* One row of the holiday table: a day off (a holiday, also on a weekday) or a working weekend
 * day (调休). A weekday not listed is working, a weekend day not listed is not. A year is
 * "known" when the table has at least one row in it. */
typedef struct cal_holiday {
    cal_date date;
    cal_day_kind kind;
} cal_holiday;

typedef struct cal_table {
    const cal_holiday *days;
    size_t n;
} cal_table;

/* True when d is a working day. *known (may be NULL) is cleared when d's year has no data. */
bool cal_is_working_day(cal_date d, const cal_table *t, bool *known);
/* Whole working days elapsed from `from` to `to` (epoch seconds): the time of [from, to) that
 * falls on working days, in whole 24-hour days, rounded down (0 when to ≤ from). Registered on
 * Friday 17:00 and checked on Monday 17:00 is 1. *known (may be NULL) is set to false when a
 * year involved has no data (Mon–Fri then counted), else true. */
int64_t cal_working_days_between(int64_t from, int64_t to, const cal_table *t, bool *known);
/* The earliest instant at which n whole working days have elapsed since `from` (the inverse of
 * cal_working_days_between): Friday 17:00 + 1 = Monday 17:00; a period starting Monday 00:00
 * with n = 5 ends Saturday 00:00 (Friday 24:00). *known as above. */
int64_t cal_add_working_days(int64_t from, int n, const cal_table *t, bool *known);
/* The n-th working day after d (d itself not counted; n ≥ 0, n = 0 returns d). */
cal_date cal_add_working_days_date(cal_date d, int n, const cal_table *t, bool *known);

#endif
