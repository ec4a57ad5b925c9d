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
#include "service/app_model.h"
#include "service/svc.h"

#define RV_OPINION_MAX 2000 /* characters of an opinion or a reason */

/* The columns of an application the review side decides on. */
/* An application is loaded by svc_app_open (service/app_model.h): its head when the caller may
 * see it, 404 otherwise. */
/* Inside the caller's transaction: sets the status (when `to` is not NULL) and appends the
 * audit entry `action` with `detail` (borrowed). 0 or -1. */
int rv_move(svc_ctx *c, const svc_app *a, const char *action, const char *to, const json_t *detail);
/* Commits and answers the application as the caller now sees it; on failure rolls back and
 * answers 500. */
int rv_commit_app(svc_ctx *c, int64_t id, json_t **out, svc_err *e);

/* Body input: svc_text, svc_enum, svc_fields_done, svc_need_role, svc_abort (service/svc.h).
 * A positive integer id field; 0 with a reason in `errors` when absent or malformed. */
int64_t rv_id(const json_t *in, const char *key, const char *label, json_t *errors);

#endif
