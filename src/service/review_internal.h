/* review_internal — what review.c (district, commission) and review_expert.c (experts,
 * assignments, reviews) share: the application as the review side sees it, the role and object
 * checks, the workflow step with its audit entry, and small body readers. Internal to them:
 * callers include review.h. */
#ifndef SMIP_SERVICE_REVIEW_INTERNAL_H
#define SMIP_SERVICE_REVIEW_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/workflow.h"
#include "service/svc.h"

#define RV_OPINION_MAX 2000 /* characters of an opinion or a reason */

/* The columns of an application the review side decides on. */
typedef struct rv_app {
    int64_t id, batch_id, enterprise_id;
    char uscc[32], district_code[16], status[24];
} rv_app;

/* 0 when the caller has `role`; a 403 refusal otherwise. */
int rv_need_role(svc_ctx *c, const char *role, svc_err *e);
/* Loads application `id` when the caller may see it: the commission all, a district its own
 * past draft, an expert those assigned to it. 404 otherwise. */
int rv_app_load(svc_ctx *c, int64_t id, rv_app *a, svc_err *e);
/* The state after `action` from the application's state, or 409 `wrong_state`. */
int rv_next(const rv_app *a, wf_action action, wf_state *to, svc_err *e);
/* Inside the caller's transaction: sets the status (when `to` is not NULL) and appends the
 * audit entry `action` with `detail` (borrowed). 0 or -1. */
int rv_move(svc_ctx *c, const rv_app *a, const char *action, const char *to, const json_t *detail);
/* Commits and answers the application as the caller now sees it; on failure rolls back and
 * answers 500. */
int rv_commit_app(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* Rolls back and returns -1 (the refusal is already in e). */
int rv_abort(svc_ctx *c);

/* A text field of `in`: trimmed non-blank and at most `max` characters when present; records
 * the reason in `errors` (and returns NULL) when it is required and absent or blank. */
const char *rv_text(const json_t *in, const char *key, const char *label, bool need, size_t max,
                    json_t *errors);
/* One of `set` (NULL-terminated) or a reason in `errors`. */
const char *rv_enum(const json_t *in, const char *key, const char *const *set, const char *why,
                    json_t *errors);
/* A positive integer id field; 0 with a reason in `errors` when absent or malformed. */
int64_t rv_id(const json_t *in, const char *key, const char *label, json_t *errors);
/* 400 naming the fields collected in `errors` when there are any (takes ownership either way). */
int rv_fields(svc_err *e, json_t *errors);

#endif
