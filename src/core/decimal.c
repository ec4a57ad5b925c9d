/* decimal — see decimal.h. __int128 holds every intermediate product of two int64 values, so
 * comparisons are exact without overflow checks at each step. */
#include "core/decimal.h"

#include <stdio.h>
#include <string.h>

int dec_parse(const char *s, int64_t *out)
{
    if (!s || !*s) return -1;
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    if (*s < '0' || *s > '9') return -1;
    /* The magnitude may exceed INT64_MAX by a little before the sign is applied (INT64_MIN). */
    __int128 v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > (__int128)INT64_MAX / DEC_SCALE + 1) return -1;
    }
    int places = 0;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9') return -1;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (++places > DEC_PLACES) return -1;
            v = v * 10 + (*s - '0');
        }
    }
    if (*s) return -1;
    for (; places < DEC_PLACES; places++)
        v *= 10;
    if (neg) v = -v;
    if (v > INT64_MAX || v < INT64_MIN) return -1;
    *out = (int64_t)v;
    return 0;
}

/* Writes v / scale (scale a power of ten) with trailing zeros of the fraction trimmed. */
static char *dec_format_scaled(int64_t v, int64_t scale, const char *suffix, char *buf, size_t n)
{
    unsigned __int128 mag = v < 0 ? (unsigned __int128)(-(__int128)v) : (unsigned __int128)v;
    unsigned long long ip = (unsigned long long)(mag / (unsigned __int128)scale);
    unsigned long long fp = (unsigned long long)(mag % (unsigned __int128)scale);
    char frac[24] = "";
    if (fp) {
        /* Digits of the fraction most significant first, zero-padded, trailing zeros dropped. */
        size_t l = 0;
        frac[l++] = '.';
        for (int64_t s = scale / 10; s >= 1 && l < sizeof frac - 1; s /= 10) {
            frac[l++] = (char)('0' + (fp / (unsigned long long)s) % 10);
        }
        frac[l] = '\0';
        while (l > 1 && frac[l - 1] == '0')
            frac[--l] = '\0';
    }
    snprintf(buf, n, "%s%llu%s%s", v < 0 ? "-" : "", ip, frac, suffix);
    return buf;
}

char *dec_format(int64_t v, char *buf, size_t n)
{
    return dec_format_scaled(v, DEC_SCALE, "", buf, n);
}

char *dec_format_pct(int64_t v, char *buf, size_t n)
{
    /* v × 10⁴ as a ratio is v / 100 percent: two places of a percentage. */
    return dec_format_scaled(v, 100, "%", buf, n);
}

char *dec_format_wan(int64_t yuan, char *buf, size_t n)
{
    return dec_format_scaled(yuan, 10000, " 万元", buf, n);
}

int dec_ratio_cmp(int64_t num, int64_t den, int64_t t)
{
    __int128 l = (__int128)num * DEC_SCALE, r = (__int128)t * den;
    return (l > r) - (l < r);
}

/* floor division for __int128 with d > 0. */
static __int128 dec_floordiv(__int128 a, __int128 d)
{
    __int128 q = a / d;
    if ((a % d) != 0 && a < 0) q--;
    return q;
}

static int64_t dec_sat(__int128 v)
{
    if (v > INT64_MAX) return INT64_MAX;
    if (v < INT64_MIN) return INT64_MIN;
    return (int64_t)v;
}

int64_t dec_ratio(int64_t num, int64_t den)
{
    if (den <= 0) return 0;
    return dec_sat(dec_floordiv((__int128)num * DEC_SCALE, den));
}

int dec_improvement_cmp(int64_t before, int64_t after, bool lower_is_better, int64_t p)
{
    __int128 diff = lower_is_better ? (__int128)before - after : (__int128)after - before;
    __int128 l = diff * DEC_SCALE, r = (__int128)p * before;
    return (l > r) - (l < r);
}

int64_t dec_improvement(int64_t before, int64_t after, bool lower_is_better)
{
    if (before <= 0) return 0;
    __int128 diff = lower_is_better ? (__int128)before - after : (__int128)after - before;
    return dec_sat(dec_floordiv(diff * DEC_SCALE, before));
}

int64_t dec_scale_ceil(int64_t a, int64_t r)
{
    __int128 p = (__int128)a * r;
    __int128 q = p / DEC_SCALE;
    if (p % DEC_SCALE > 0) q++;
    return dec_sat(q);
}
