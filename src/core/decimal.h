/* decimal — exact decimals for ratios and KPI figures (int64 × 10⁴, at most 4 places) and money in
 * whole yuan. Thresholds are compared with integer arithmetic only: a float at a boundary could
 * turn 50% into 49.9999…% and refuse an application the notice accepts. */
#ifndef SMIP_CORE_DECIMAL_H
#define SMIP_CORE_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_SCALE 10000 /* a dec value v means v / 10⁴ */
#define DEC_PLACES 4
#define DEC_BUF 48 /* enough for any formatted value, percentage or 万元 amount */

/* Parses "123", "0.595", "-1.5" (optional leading '-', digits, optional '.' and 1–4 digits) into
 * *out (× 10⁴). Rejects empty strings, '+', spaces, exponents, a bare or trailing '.', more than 4
 * places and values outside int64. Returns 0 or -1. */
int dec_parse(const char *s, int64_t *out);
/* Formats v (× 10⁴) without trailing zeros: 5000 → "0.5", 10000 → "1". Returns buf. */
char *dec_format(int64_t v, char *buf, size_t n);
/* Formats a ratio v (× 10⁴) as a percentage: 5500 → "55%", 1250 → "12.5%", 4999 → "49.99%". */
char *dec_format_pct(int64_t v, char *buf, size_t n);
/* Formats whole yuan as 万元: 9500000 → "950 万元", 9876500 → "987.65 万元". */
char *dec_format_wan(int64_t yuan, char *buf, size_t n);

/* Compares num/den with threshold t (× 10⁴) exactly: <0, 0, >0. den must be > 0. */
int dec_ratio_cmp(int64_t num, int64_t den, int64_t t);
/* floor(num/den) as a × 10⁴ value (den > 0), saturated to the int64 range; for display only,
 * where flooring keeps a failing figure from printing as the threshold. */
int64_t dec_ratio(int64_t num, int64_t den);
/* Relative improvement of a KPI, both values × 10⁴ and before > 0. lower_is_better:
 * (before − after) / before, else (after − before) / before. Compares it with p (× 10⁴)
 * exactly: <0, 0, >0. */
int dec_improvement_cmp(int64_t before, int64_t after, bool lower_is_better, int64_t p);
/* The improvement as a floored × 10⁴ value, for display. */
int64_t dec_improvement(int64_t before, int64_t after, bool lower_is_better);
/* a × r rounded up to a whole number (a whole yuan, r × 10⁴ ≥ 0): thresholds scaled by a ratio
 * never round in the applicant's favour below the exact value. Saturates. */
int64_t dec_scale_ceil(int64_t a, int64_t r);

#endif
