/* rules_internal — JSON access shared by the pre-check (rules.c) and the input validators
 * (rules_form.c). Internal to core/rules: nothing outside those two files includes it. */
#ifndef SMIP_CORE_RULES_INTERNAL_H
#define SMIP_CORE_RULES_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/decimal.h"

static inline const char *rules_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A decimal (× 10⁴) from a JSON integer or a decimal string; -1 when absent or malformed. */
static inline int rules_dec(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > INT64_MAX / DEC_SCALE || i < INT64_MIN / DEC_SCALE) return -1;
        *out = (int64_t)i * DEC_SCALE;
        return 0;
    }
    if (json_is_string(v)) return dec_parse(json_string_value(v), out);
    return -1;
}

static inline int rules_int(const json_t *v, int64_t *out)
{
    if (!json_is_integer(v)) return -1;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

static inline bool rules_text_present(const json_t *v)
{
    if (!json_is_string(v)) return false;
    for (const char *s = json_string_value(v); *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return true;
    return false;
}

static inline int rules_date(const json_t *obj, const char *key, cal_date *d)
{
    const char *s = rules_str(obj, key);
    return s ? cal_parse_date(s, d) : -1;
}

#endif
