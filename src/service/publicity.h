/* publicity — 公示 and objections (异议) of API.md's review side (SPEC §6): the commission
 * publishes a batch's passed applications for a period (a batch setting, by default 5 working
 * days on the holiday calendar); anyone may file a real-name objection during the period,
 * rate-limited per client address in the database; the commission resolves each (upheld → the
 * application is not certified). Each action is one function and one transaction: role (403),
 * object (404), body (400), wf_next (409 wrong_state), preconditions (409), rate (429), then the
 * change and its audit entry. On success *out receives a new JSON reference the caller owns. */
#ifndef SMIP_SERVICE_PUBLICITY_H
#define SMIP_SERVICE_PUBLICITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "service/svc.h"

/* Objections one client address may file in a sliding window (rows of login_failures with
 * scope "objection:ADDRESS", so every server of the database shares the count). */
#define SVC_PUB_OBJECTION_MAX 5
#define SVC_PUB_OBJECTION_WINDOW (60 * 60)
/* The period when a batch's rules name none: 5 working days (SPEC §6). */
#define SVC_PUB_DEFAULT_LENGTH 5

/* ---- pure helpers (no I/O) */
/* The end of a period starting at `starts` by the batch's `rules.publicity` {length, unit:
 * "working_days" | "days"} (default 5 working days): whole working days on the calendar `t`
 * (调休 included; Monday 00:00 + 5 = Saturday 00:00), or calendar days. *known as
 * cal_add_working_days (false when a year had no holiday data). */
int64_t svc_pub_period_end(int64_t starts, const json_t *rules, const cal_table *t, bool *known);
/* The period is the half-open interval [starts, ends): open at `starts`, closed at `ends` (the
 * end instant belongs to after, as every deadline of SPEC §3). */
bool svc_pub_period_open(int64_t starts, int64_t ends, int64_t now);

/* ---- the commission */
/* POST /batches/{id}/publicity {application_ids,starts_at?,ends_at?}: all or nothing; each id
 * must be an application of the batch in expert_passed (404 unknown, 409 wrong_state naming it).
 * → {batch_id,starts_at,ends_at,period,calendar_known,items,total}. */
int svc_pub_publish(svc_ctx *c, int64_t batch_id, const json_t *in, json_t **out, svc_err *e);
/* GET /objections: {items,total}; batch_id 0 and status NULL mean any. */
int svc_pub_objections_list(svc_ctx *c, int64_t batch_id, const char *status, int64_t limit,
                            int64_t offset, json_t **out, svc_err *e);
/* POST /objections/{id}/resolve {outcome:"upheld"|"dismissed",reason} → the objection; upheld
 * moves the application publicity → not_certified. 409 wrong_state when already resolved. */
int svc_pub_objection_resolve(svc_ctx *c, int64_t id, const json_t *in, json_t **out, svc_err *e);
/* 404 unless objection `id` exists (the route's loader; the commission sees every one). */
int svc_pub_objection_check(svc_ctx *c, int64_t id, svc_err *e);
/* 404 unless batch `id` exists. */
int svc_pub_batch_check(svc_ctx *c, int64_t id, svc_err *e);

/* ---- the public */
/* GET /public/publicity: applications in 公示 whose period has begun (batch_id 0: any), each
 * {application_id,batch_id,enterprise,project,site_name,type,district,district_code,starts_at,
 * ends_at,open}. */
int svc_pub_list(svc_ctx *c, int64_t batch_id, int64_t limit, int64_t offset, json_t **out,
                 svc_err *e);
/* POST /public/objections {application_id,name,contact,content} from `client` (an address) →
 * the objection. 404 for an application never published, 400 anonymous or blank, 409
 * `deadline_passed` from the period's end instant on, 409 `wrong_state` before its start or once
 * the application has left 公示, 429 `throttled` past the per-address limit. */
int svc_pub_objection_create(svc_ctx *c, const json_t *in, const char *client, json_t **out,
                             svc_err *e);

/* What certificate.c asks before certifying: the application's period (false when it was never
 * published) and its open objections. */
bool svc_pub_period(db *d, int64_t app_id, int64_t *starts, int64_t *ends);
int64_t svc_pub_open_objections(db *d, int64_t app_id);

#endif
