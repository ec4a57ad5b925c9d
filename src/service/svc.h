/* svc — what every service function shares: who acts, when, on which connection, and how a
 * refusal is reported. One use case is one function, one transaction: it checks permission,
 * changes state and appends the audit entry before it commits. */
#ifndef SMIP_SVC_H
#define SMIP_SVC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
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

/* The start of a write transaction: 0, or 500 when the database cannot begin one. */
int svc_begin(svc_ctx *c, svc_err *e);
/* The one end of every write transaction. `rc` is the use case's result so far: 0 when every
 * change is made and audited (svc_audit counts the generations up with each entry, so the pages
 * that show them are stale from this commit on). Then it commits; otherwise — or when the commit
 * fails — it rolls back, and answers 500 `internal` unless e already holds a refusal. 0 or -1. */
int svc_commit(svc_ctx *c, int rc, svc_err *e);
/* svc_audit of one entry, then svc_commit: the end of a use case whose last step is the entry. */
int svc_commit_entry(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                     const char *from_state, const char *to_state, const json_t *detail,
                     svc_err *e);

/* Appends one audit entry inside the caller's open write transaction and returns its number
 * (> 0), or -1. `detail` is borrowed. */
int64_t svc_audit(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                  const char *from_state, const char *to_state, const json_t *detail);
/* svc_audit without recording the entry's number on the audited row (last_audit_seq): for a
 * caller that updates that row right after and sets last_audit_seq in the same statement. */
int64_t svc_audit_headless(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                           const char *from_state, const char *to_state, const json_t *detail);
/* ---- the freshness rule (service/generation.c): a generation counter per scope, counted up
 * in the transaction of every change. svc_audit bumps the scopes of the audited entity's row
 * (svc_gen_bump_entity); a change that is not audited (a questionnaire draft, a check's
 * findings) bumps its scope itself. Anything kept outside the database is keyed by the
 * generations it read (web_fresh), so it is never served after a change it shows. */
typedef enum {
    SVC_SCOPE_ENTERPRISE, /* what one enterprise's pages show: id = enterprises.id */
    SVC_SCOPE_DISTRICT,   /* a district's queue and inbox: id = the district code's number */
    SVC_SCOPE_BATCH,      /* a batch's own row (dates, rules, contacts): id = batches.id */
    SVC_SCOPE_GLOBAL,     /* what every page may show (batches, accounts, certificates): id 0 */
} svc_scope_kind;
typedef struct svc_scope {
    svc_scope_kind kind;
    int64_t id;
} svc_scope;
svc_scope svc_scope_district(const char *code);
/* Counts scope `s` up inside the caller's write transaction; 0, or -1 on a database error. */
int svc_gen_bump(svc_ctx *c, svc_scope s);
/* Counts up every scope a change of (entity, entity_id) shows in, read from its row. */
int svc_gen_bump_entity(svc_ctx *c, const char *entity, int64_t entity_id);
/* The current generations of n scopes into gen[] (0 for one never counted); 0, or -1 when the
 * database failed. */
int svc_gen_read(db *d, const svc_scope *s, size_t n, int64_t *gen);

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
