/* fuzz_decimal — libFuzzer harness for the exact decimals of core/decimal: the figures of an
 * application form (ratios, KPIs) and money, typed by enterprises. Text is parsed; a value
 * parse accepts must format to text that parses back to the same value and formats the same
 * again (a stored figure must not drift on a save), and the percentage and 万元 formats must
 * fit DEC_BUF. The input's bytes are also read as int64 operands of the threshold arithmetic,
 * which must agree with its own display values: floor(x) ≥ t exactly when x ≥ t. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/decimal.h"
#include "fuzz_common.h"

static int64_t take_i64(const uint8_t **p, size_t *n)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | (*n ? **p : 0);
        if (*n) (*p)++, (*n)--;
    }
    return (int64_t)v;
}

static void check_text(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    int64_t v = 0;
    if (dec_parse(s, &v) == 0) {
        char a[DEC_BUF], b[DEC_BUF];
        dec_format(v, a, sizeof a);
        int64_t w = 0;
        FUZZ_CHECK(dec_parse(a, &w) == 0, "\"%s\" parsed, its format \"%s\" does not", s, a);
        FUZZ_CHECK(w == v, "\"%s\" -> %lld -> \"%s\" -> %lld", s, (long long)v, a, (long long)w);
        dec_format(w, b, sizeof b);
        FUZZ_CHECK(strcmp(a, b) == 0, "format not stable: \"%s\" then \"%s\"", a, b);
        FUZZ_CHECK(strlen(dec_format_pct(v, a, sizeof a)) < DEC_BUF, "percentage too long");
        FUZZ_CHECK(strlen(dec_format_wan(v, a, sizeof a)) < DEC_BUF, "万元 too long");
    }
    free(s);
}

static void check_arith(const uint8_t *data, size_t size)
{
    int64_t a = take_i64(&data, &size), b = take_i64(&data, &size), t = take_i64(&data, &size);
    bool lower = size && (data[0] & 1);
    char buf[DEC_BUF];
    dec_format(a, buf, sizeof buf);
    int64_t back = 0;
    FUZZ_CHECK(dec_parse(buf, &back) == 0 && back == a, "%lld formats as \"%s\"", (long long)a,
               buf);
    FUZZ_CHECK(strlen(dec_format_pct(a, buf, sizeof buf)) < DEC_BUF, "percentage too long");
    FUZZ_CHECK(strlen(dec_format_wan(a, buf, sizeof buf)) < DEC_BUF, "万元 too long");
    if (b > 0) {
        /* the ratio a/b against threshold t, and the displayed (floored, saturated) ratio; a
         * value saturated to INT64_MIN was raised, so it says nothing about t */
        int64_t r = dec_ratio(a, b);
        bool pass = dec_ratio_cmp(a, b, t) >= 0, shown = r >= t;
        FUZZ_CHECK(pass == shown || r == INT64_MIN, "ratio %lld/%lld vs %lld: cmp %d, floor %lld",
                   (long long)a, (long long)b, (long long)t, pass, (long long)dec_ratio(a, b));
        /* improvement from b (before) to a (after) against t */
        r = dec_improvement(b, a, lower);
        pass = dec_improvement_cmp(b, a, lower, t) >= 0;
        shown = r >= t;
        FUZZ_CHECK(pass == shown || r == INT64_MIN, "improvement %lld -> %lld vs %lld",
                   (long long)b, (long long)a, (long long)t);
    }
    if (a >= 0 && b >= 0) {
        /* a × b / 10⁴ rounded up: never below the exact value, less than one above it */
        int64_t c = dec_scale_ceil(a, b);
        __int128 exact = (__int128)a * b;
        if (c != INT64_MAX) {
            FUZZ_CHECK((__int128)c * DEC_SCALE >= exact, "scale_ceil(%lld, %lld) = %lld low",
                       (long long)a, (long long)b, (long long)c);
            FUZZ_CHECK((__int128)(c - 1) * DEC_SCALE < exact || c == 0,
                       "scale_ceil(%lld, %lld) = %lld high", (long long)a, (long long)b,
                       (long long)c);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256) return 0;
    check_text(data, size);
    check_arith(data, size);
    return 0;
}
