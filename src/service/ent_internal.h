/* ent_internal — what the enterprise side's three files share (enterprise.c: profile and
 * projects; attachment.c; application.c). Internal to them: callers include enterprise.h. */
#ifndef SMIP_SERVICE_ENT_INTERNAL_H
#define SMIP_SERVICE_ENT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/svc.h"

/* ---- small helpers (ent_internal.c) */
/* Number of characters (code points) of valid UTF-8 text. */
size_t ent_chars(const char *s);
/* True when s (may be NULL: false) is one of the NULL-terminated set. */
bool ent_in(const char *s, const char *const *set);
/* 400 naming one field; returns -1. */
int ent_fail1(svc_err *e, const char *field, const char *why);
/* Sets o[key] to the time t as text, or null when t <= 0. */
void ent_set_time(json_t *o, const char *key, int64_t t);
/* A new array of the top-level keys of `o` (the audit detail of a save). */
json_t *ent_keys(const json_t *o);
/* The JSON object of a document column (NULL or not an object: an empty object). New reference. */
json_t *ent_load_doc(const char *text);
/* A document as stored: compact, keys sorted. malloc'd. */
char *ent_dump(const json_t *o);
/* 0 when the caller is an enterprise account bound to an enterprise; a 403 refusal otherwise. */
int ent_need_enterprise(svc_ctx *c, svc_err *e);

/* ---- profile and projects (enterprise.c) */
/* Whether `code` is one of the districts (reviewing units). */
bool ent_district_known(db *d, const char *code);
/* The profile of enterprise `id`: its document with the id and the columns laid over it.
 * New reference; NULL when absent. */
json_t *ent_profile(db *d, int64_t id);
/* Writes profile `doc` (as ent_profile gives it; its read-only keys are dropped) to enterprise
 * `eid` — the document and the uscc, name and district_code columns — and copies the USCC and
 * the district to the enterprise's drafts, inside the caller's write transaction. 0, 1 when
 * another enterprise holds the USCC, -1 on error. No audit entry: the caller writes it. */
int ent_profile_store(svc_ctx *c, int64_t eid, json_t *doc);
/* The enterprise's own district code, the default place of its projects (E6). malloc'd or NULL. */
char *ent_district(db *d, int64_t eid);
/* The project `id` when it belongs to enterprise `eid` (eid 0: any). New reference or NULL. */
json_t *ent_proj_load(db *d, int64_t id, int64_t eid);
/* The project document alone (what rules and the snapshot see), with its id. New reference. */
json_t *ent_proj_doc(json_t *project);

/* ---- attachments (attachment.c) */
/* Checks that `ids` (an array) names attachments of the caller; records a reason under
 * `field` in errors otherwise. */
void ent_check_attachments(svc_ctx *c, const json_t *ids, const char *field, json_t *errors);

/* ---- applications (application.c) */
/* True when attachment `att` of enterprise `enterprise_id` belongs to an application the
 * caller may read. */
bool ent_att_in_visible_app(svc_ctx *c, int64_t att, int64_t enterprise_id);

#endif
