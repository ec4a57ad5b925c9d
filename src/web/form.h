/* form — the fields of an HTML form post (urlencoded or multipart) as libmicrohttpd's
 * PostProcessor hands them over, piece by piece, gathered in time and memory linear in the body
 * and within the route's limits. Kept apart from the server so a fuzzer can drive it. */
#ifndef SMIP_WEB_FORM_H
#define SMIP_WEB_FORM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct web_form_limits {
    size_t max_values;      /* name=value pairs in the whole body, repeated names included */
    size_t max_value_bytes; /* one field's value (repeated names joined) */
    size_t max_name_bytes;  /* one field's name */
} web_form_limits;

/* Why web_formset_add refused a piece (WEB_FORM_OK: it did not). */
typedef enum web_form_status {
    WEB_FORM_OK = 0,
    WEB_FORM_TOO_MANY, /* more than max_values pairs */
    WEB_FORM_VALUE_TOO_LONG,
    WEB_FORM_NAME_TOO_LONG,
} web_form_status;

typedef struct web_formset web_formset;

/* An empty set gathering under `lim` (copied); the caller frees it with web_formset_free or
 * web_formset_finish. */
web_formset *web_formset_new(const web_form_limits *lim);
/* One piece of field `name`'s value: `off` 0 starts a value, more continues the one started
 * last under that name. A name given again joins its values as "a,b,c" (checkbox lists),
 * except names with '[' (one value per name: the last one stays). After a refusal every later
 * piece is refused with the same status. */
web_form_status web_formset_add(web_formset *f, const char *name, const char *data, uint64_t off,
                                size_t size);
/* The first refusal (WEB_FORM_OK while there is none). */
web_form_status web_formset_status(const web_formset *f);
/* The field the first refusal was about (borrowed, valid until the set is freed), or NULL. */
const char *web_formset_refused_name(const web_formset *f);
/* The fields as a JSON object of strings in the order they first came (new reference; values
 * may hold any bytes: the caller checks their encoding). Frees f. */
json_t *web_formset_finish(web_formset *f);
void web_formset_free(web_formset *f);

/* A person's words for a refusal under `lim` (malloc'd). The field's name is internal: the log
 * gets it (web_formset_refused_name), the person the rule. */
char *web_form_status_message(web_form_status st, const web_form_limits *lim);

#endif
