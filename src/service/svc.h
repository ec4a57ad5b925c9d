/* svc — what every service function shares: who acts, when, on which connection, and how a
 * refusal is reported. One use case is one function, one transaction: it checks permission,
 * changes state and appends the audit entry before it commits. */
#ifndef SMIP_SVC_H
#define SMIP_SVC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

typedef struct svc_actor {
    int64_t id; /* 0: the public, or the command line */
    char username[64];
    char role[16]; /* enterprise district expert commission admin; "" for the public */
    char status[16];
    char district_code[16];
    int64_t enterprise_id; /* enterprise accounts, once bound or confirmed */
    bool imp_connected;
    bool imp_bound;
} svc_actor;

typedef struct svc_config {
    unsigned char audit_key[32]; /* HMAC key of the audit chain, from a file outside the DB */
    const char *public_url;
} svc_config;

typedef struct svc_ctx {
    db *db;
    int64_t now; /* epoch seconds, read once by the caller */
    const svc_actor *actor;
    const svc_config *cfg;
} svc_ctx;

/* A refusal: HTTP status, API.md error code, a Chinese message, and optional field reasons
 * and findings (owned here; svc_err_clear frees them). */
typedef struct svc_err {
    int status;
    const char *code;
    char message[512];
    json_t *fields;
    json_t *findings;
} svc_err;

void svc_err_clear(svc_err *e);
/* Fills e and returns -1, so a service can `return svc_fail(e, 404, "not_found", "…")`. */
int svc_fail(svc_err *e, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a field reason (creating e->fields); returns -1. */
int svc_field(svc_err *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 400 bad_request naming the fields collected in `fields` (takes ownership). */
int svc_fail_fields(svc_err *e, json_t *fields);

/* Body input shared by the use cases (service/svc_input.c). svc_need_role: 403 unless the actor
 * (a logged-in account) has `role`. svc_abort: rolls the open transaction back, returns -1.
 * svc_text: the text at `key` — a reason into `errors` when it is not text, longer than `max`
 * characters, or blank while `need`; NULL for absent or blank. svc_enum: the value at `key` when
 * it is one of `set` (NULL-terminated), else `why` into `errors`. svc_fields_done: 0 and frees
 * `errors` when empty, else 400 naming them (takes `errors`). */
int svc_need_role(svc_ctx *c, const char *role, svc_err *e);
int svc_abort(svc_ctx *c);
const char *svc_text(const json_t *in, const char *key, const char *label, bool need, size_t max,
                     json_t *errors);
const char *svc_enum(const json_t *in, const char *key, const char *const *set, const char *why,
                     json_t *errors);
int svc_fields_done(svc_err *e, json_t *errors);
/* The one rule for read-only keys of a body, every endpoint alike: a key of `readonly`
 * (NULL-terminated) may come back with the value `current` has for it (a GET sent back
 * unchanged) and is then left out; any other value — or any such key at all when `current` is
 * NULL (a create) — gets "只读字段，不能修改" in `errors`. Returns the rest (new reference).
 * svc_has_any: whether `in` holds any of `keys` (to load `current` only when needed). */
json_t *svc_writable(const json_t *in, const char *const *readonly, const json_t *current,
                     json_t *errors);
bool svc_has_any(const json_t *in, const char *const *keys);

/* Appends one audit entry inside the caller's open write transaction and returns its number
 * (> 0), or -1. `detail` is borrowed. */
int64_t svc_audit(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                  const char *from_state, const char *to_state, const json_t *detail);
/* svc_audit without recording the entry's number on the audited row (last_audit_seq): for a
 * caller that updates that row right after and sets last_audit_seq in the same statement. */
int64_t svc_audit_headless(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                           const char *from_state, const char *to_state, const json_t *detail);
/* Walks the whole chain; returns 0 when intact. *entries gets the count; *first_bad the first
 * entry that does not verify (0 when none). */
int svc_audit_verify(db *d, const unsigned char key[32], int64_t *entries, int64_t *first_bad,
                     char **why);

/* The audit trail for the commission: {items:[{seq,at,actor,entity,entity_id,action,from_state,
 * to_state,detail}],total}, oldest first; `entity` NULL and `entity_id` 0 mean any. New reference.
 */
json_t *svc_audit_list(db *d, const char *entity, int64_t entity_id, int64_t limit, int64_t offset);

/* Time helpers shared by services: RFC 3339 in +08:00 (malloc'd). */
char *svc_time_str(int64_t epoch);

#endif
