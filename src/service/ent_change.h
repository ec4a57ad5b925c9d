/* ent_change — an enterprise's request to change its reviewing district or its credit code
 * (统一社会信用代码). Once set, both change only this way (PUT /enterprise refuses them): the
 * district reviews the enterprise's applications and the USCC is who it is, so a change is
 * approved by the districts concerned — the old and the new one for a district change, either
 * order; the current one for a USCC-only change — or by the admin alone; any party's rejection
 * ends it. The last approval moves the profile and the drafts' copies in its own transaction.
 *
 * A request as JSON: {id, enterprise_id, enterprise_name, status ("pending" "approved"
 * "rejected" "withdrawn"), reason, from_district, from_district_name, to_district,
 * to_district_name, from_uscc, to_uscc (to_*: null when unchanged), from_approved_at,
 * to_approved_at, decided_at, decided_by_role, decided_by_district, opinion, created_at,
 * updated_at, side ("from"/"to" for a district concerned, "admin", else null) and can_review
 * (the caller may approve or reject it now)}; times RFC 3339. Refusals: role 403 → object 404
 * (also for requests the caller may not see) → body 400 → state 409 `wrong_state` → 409
 * `duplicate`. On success *out receives a new reference the caller owns. */
#ifndef SMIP_SERVICE_ENT_CHANGE_H
#define SMIP_SERVICE_ENT_CHANGE_H

#include <jansson.h>
#include <stdint.h>

#include "service/svc.h"

/* The enterprise: {district_code?, uscc?, reason} → 201 the request (pending). At least one of
 * the two must differ from the profile; 409 `duplicate` for a USCC another enterprise holds or
 * a second pending request. */
int svc_ent_change_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e);
/* The enterprise withdraws its pending request → the request (withdrawn). */
int svc_ent_change_withdraw(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* {items,total}: an enterprise its own, newest first; a district those naming it as old or new
 * district, the admin all, pending first (oldest first) and then the rest newest first.
 * `status` NULL: any. */
int svc_ent_change_list(svc_ctx *c, const char *status, int64_t limit, int64_t offset, json_t **out,
                        svc_err *e);
/* 0 when request `id` exists and the caller may see it (its enterprise, a district concerned,
 * the admin); 404 otherwise. The routes' loader. */
int svc_ent_change_check(svc_ctx *c, int64_t id, svc_err *e);
int svc_ent_change_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* A district concerned or the admin: {decision:"approve"|"reject", opinion} (opinion required
 * to reject) → the request. 409 `wrong_state` once decided or when the district's side is
 * already approved. */
int svc_ent_change_review(svc_ctx *c, int64_t id, const json_t *in, json_t **out, svc_err *e);

#endif
