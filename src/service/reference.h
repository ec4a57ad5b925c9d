/* reference — districts, holidays, batches and factory modes: the data the rules stand on.
 * Seeded from the files in data/ (embedded) by `smip init`; a batch carries its own rules. */
#ifndef SMIP_REFERENCE_H
#define SMIP_REFERENCE_H

#include <jansson.h>

#include "core/calendar.h"
#include "service/svc.h"

/* Creates districts, holidays and the 2020 batch when absent (idempotent). */
int svc_seed_reference(svc_ctx *c, char **err);
/* Imports holidays in the format of data/holidays.csv (date,kind,name); returns rows or -1. */
int svc_holidays_import(svc_ctx *c, const char *csv, char **err);
/* Loads the holiday table (caller frees t->days with free()). */
void svc_holidays_load(db *d, cal_table *t);

/* [{code,name,type,group}]: a new reference to an array read once per process and shared by
 * every thread — never modify it. */
json_t *svc_districts(db *d);
/* The district object for `code`, or NULL. New reference. */
json_t *svc_district(db *d, const char *code);

/* Batches are parsed once per process and cached (reference.c says how a change is noticed).
 * The three functions below return a new object per call whose top level the caller may change;
 * its "rules" and "contacts" are shared with every thread and must never be modified. */
json_t *svc_batch_json(db *d, int64_t id); /* NULL when absent */
json_t *svc_batches(db *d);                /* {items,total} */
/* The batch open at `now` (latest opened), else the latest; NULL when there is none. */
/* The current batch's id (0 when there is none): what a kept page derived from it is keyed on,
 * beside the global generation every change of a batch counts up. */
int64_t svc_current_batch_id(db *d, int64_t now);
json_t *svc_current_batch(db *d, int64_t now);
/* The rules of batch `id` (a new reference to the shared, read-only tree) and its times (each
 * pointer may be NULL); NULL when there is no such batch. */
json_t *svc_batch_rules(db *d, int64_t id, int64_t *opens_at, int64_t *closes_at,
                        int64_t *district_deadline);
int svc_batch_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e);
int svc_batch_update(svc_ctx *c, int64_t id, const json_t *patch, json_t **out, svc_err *e);

/* The preview of a batch not yet saved: `in` is a body as svc_batch_create takes it (with
 * "rules"), checked exactly as that checks it (400 naming the fields); then the pre-check
 * application `app_id` would get under it (svc_app_precheck_preview). Commission only; saves
 * nothing. *findings: a new array. */
int svc_batch_preview(svc_ctx *c, const json_t *in, int64_t app_id, json_t **findings, svc_err *e);

json_t *svc_factory_modes(void); /* the 5 modes of 附件2 */
/* The same list parsed once per process, immutable and shared between threads (borrowed: do not
 * change or free it). Validation and the pre-check read it on every save. */
const json_t *svc_factory_modes_shared(void);

#endif
