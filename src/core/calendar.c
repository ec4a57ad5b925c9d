/* calendar — see calendar.h. Day numbers use Howard Hinnant's days_from_civil algorithm, exact
 * for the proleptic Gregorian calendar; every instant is shifted by +8 h before taking its date,
 * since China has had one offset and no daylight saving since 1991. */
#include "core/calendar.h"

#include <stdio.h>
#include <string.h>

bool cal_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cal_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && cal_is_leap(y) ? 29 : days[m - 1];
}

bool cal_valid(cal_date d)
{
    return d.y >= 1 && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
           d.d <= cal_days_in_month(d.y, d.m);
}

/* Reads exactly n digits; -1 if any is not a digit. */
static int cal_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int cal_parse_date(const char *s, cal_date *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    cal_date d = {cal_digits(s, 4), cal_digits(s + 5, 2), cal_digits(s + 8, 2)};
    if (!cal_valid(d)) return -1;
    *out = d;
    return 0;
}

char *cal_format_date(cal_date d, char buf[CAL_DATE_BUF])
{
    /* The moduli tell the compiler (and the reader) that the fields fit the buffer. */
    snprintf(buf, CAL_DATE_BUF, "%04u-%02u-%02u", (unsigned)d.y % 10000u, (unsigned)d.m % 100u,
             (unsigned)d.d % 100u);
    return buf;
}

int cal_compare(cal_date a, cal_date b)
{
    if (a.y != b.y) return a.y < b.y ? -1 : 1;
    if (a.m != b.m) return a.m < b.m ? -1 : 1;
    if (a.d != b.d) return a.d < b.d ? -1 : 1;
    return 0;
}

int64_t cal_days_from_civil(cal_date d)
{
    int64_t y = d.y - (d.m <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (d.m + (d.m > 2 ? -3 : 9)) + 2) / 5 + d.d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

cal_date cal_civil_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    return (cal_date){(int)(yoe + era * 400 + (m <= 2)), m, d};
}

cal_date cal_add_days(cal_date d, int64_t days)
{
    return cal_civil_from_days(cal_days_from_civil(d) + days);
}

cal_date cal_add_months(cal_date d, int months)
{
    int64_t idx = (int64_t)d.y * 12 + (d.m - 1) + months;
    int64_t y = idx >= 0 ? idx / 12 : (idx - 11) / 12;
    cal_date r = {(int)y, (int)(idx - y * 12) + 1, d.d};
    int last = cal_days_in_month(r.y, r.m);
    if (r.d > last) r.d = last;
    return r;
}

int cal_weekday(cal_date d)
{
    int64_t z = cal_days_from_civil(d); /* 1970-01-01 was a Thursday (4) */
    int64_t w = (z % 7 + 7) % 7;
    return (int)((w + 3) % 7) + 1;
}

/* ---- instants ------------------------------------------------------------------------- */

static int64_t cal_floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

cal_date cal_date_of_epoch(int64_t epoch)
{
    return cal_civil_from_days(cal_floordiv(epoch + CAL_TZ_OFFSET, 86400));
}

int64_t cal_epoch_of_date(cal_date d)
{
    return cal_days_from_civil(d) * 86400 - CAL_TZ_OFFSET;
}

int cal_parse_rfc3339(const char *s, int64_t *epoch)
{
    if (!s || strlen(s) < 20) return -1;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    cal_date d;
    if (cal_parse_date(date, &d) != 0) return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return -1;
    if (s[13] != ':' || s[16] != ':') return -1;
    int hh = cal_digits(s + 11, 2), mm = cal_digits(s + 14, 2), ss = cal_digits(s + 17, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t off;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh = cal_digits(p + 1, 2), om = cal_digits(p + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else {
        return -1;
    }
    *epoch = cal_days_from_civil(d) * 86400 + hh * 3600 + mm * 60 + ss - off;
    return 0;
}

char *cal_format_rfc3339(int64_t epoch, char buf[CAL_TIME_BUF])
{
    int64_t local = epoch + CAL_TZ_OFFSET;
    int64_t day = cal_floordiv(local, 86400), sec = local - day * 86400;
    cal_date d = cal_civil_from_days(day);
    unsigned s = (unsigned)sec % 86400u;
    /* Digits written directly: lists format three times per row, and snprintf was a tenth of a
     * 150-row page. Same output as "%04u-%02u-%02uT%02u:%02u:%02u+08:00". */
    unsigned v[6] = {(unsigned)d.y % 10000u, (unsigned)d.m % 100u, (unsigned)d.d % 100u,
                     s / 3600u % 100u,       s / 60u % 60u,        s % 60u};
    static const char pattern[] = "0000-00-00T00:00:00+08:00";
    memcpy(buf, pattern, sizeof pattern);
    buf[0] = (char)('0' + v[0] / 1000u);
    buf[1] = (char)('0' + v[0] / 100u % 10u);
    buf[2] = (char)('0' + v[0] / 10u % 10u);
    buf[3] = (char)('0' + v[0] % 10u);
    for (int i = 1; i < 6; i++) {
        buf[2 + 3 * i] = (char)('0' + v[i] / 10u);
        buf[3 + 3 * i] = (char)('0' + v[i] % 10u);
    }
    return buf;
}

/* ---- working days --------------------------------------------------------------------- */

bool cal_is_working_day(cal_date d, const cal_table *t, bool *known)
{
    bool year_known = false;
    for (size_t i = 0; t && i < t->n; i++) {
        const cal_holiday *h = &t->days[i];
        if (h->date.y != d.y) continue;
        year_known = true;
        if (h->date.m == d.m && h->date.d == d.d) return h->kind == CAL_WORK;
    }
    if (!year_known && known) *known = false;
    return cal_weekday(d) <= 5;
}

int64_t cal_working_days_between(int64_t from, int64_t to, const cal_table *t, bool *known)
{
    if (known) *known = true;
    if (to <= from) {
        /* Still report whether the day has data, so callers can say "Mon–Fri counted". */
        (void)cal_is_working_day(cal_date_of_epoch(from), t, known);
        return 0;
    }
    int64_t secs = 0;
    int64_t day = cal_floordiv(from + CAL_TZ_OFFSET, 86400);
    int64_t last = cal_floordiv(to - 1 + CAL_TZ_OFFSET, 86400);
    for (; day <= last; day++) {
        int64_t start = day * 86400 - CAL_TZ_OFFSET, end = start + 86400;
        if (!cal_is_working_day(cal_civil_from_days(day), t, known)) continue;
        int64_t a = from > start ? from : start, b = to < end ? to : end;
        secs += b - a;
    }
    return secs / 86400;
}

int64_t cal_add_working_days(int64_t from, int n, const cal_table *t, bool *known)
{
    if (known) *known = true;
    int64_t need = (int64_t)(n > 0 ? n : 0) * 86400;
    int64_t day = cal_floordiv(from + CAL_TZ_OFFSET, 86400);
    if (need == 0) {
        (void)cal_is_working_day(cal_civil_from_days(day), t, known);
        return from;
    }
    for (;; day++) {
        int64_t start = day * 86400 - CAL_TZ_OFFSET, end = start + 86400;
        if (!cal_is_working_day(cal_civil_from_days(day), t, known)) continue;
        int64_t a = from > start ? from : start;
        if (end - a >= need) return a + need;
        need -= end - a;
    }
}

cal_date cal_add_working_days_date(cal_date d, int n, const cal_table *t, bool *known)
{
    if (known) *known = true;
    (void)cal_is_working_day(d, t, known);
    while (n > 0) {
        d = cal_add_days(d, 1);
        if (cal_is_working_day(d, t, known)) n--;
    }
    return d;
}
