/* cert_internal — what publicity.c (公示, objections) and certificate.c (certificates and what
 * follows them) share: the application as they see it, the role check, the workflow step with its
 * audit entry, small body readers and the names a public list prints. Internal to them: callers
 * include publicity.h or certificate.h. */
#ifndef SMIP_SERVICE_CERT_INTERNAL_H
#define SMIP_SERVICE_CERT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/workflow.h"
#include "service/app_model.h"
#include "service/svc.h"

#define CE_TEXT_MAX 2000 /* characters of a reason, note, opinion or objection */

/* The columns of an application these services decide on. */
/* An application is read by svc_app_head (service/app_model.h). */
/* Inside the caller's transaction: the application's new status and its audit entry (`detail`
 * borrowed; its "reason" shows on the application's timeline). 0 or -1. */
int ce_app_move(svc_ctx *c, const svc_app *a, wf_action action, wf_state to, const json_t *detail);

/* What the public sees of an application, from the snapshot taken at submit:
 * {enterprise,uscc,project,site_name,class,type,district,district_code}. New reference. */
json_t *ce_app_names(db *d, int64_t app_id);

/* Body input: svc_text, svc_enum, svc_fields_done, svc_need_role, svc_abort (service/svc.h).
 * An id field: records a reason under `key` in `errors` and returns 0 when it is required and
 * absent, or not a positive integer. */
int64_t ce_id(const json_t *in, const char *key, const char *label, bool need, json_t *errors);

/* Sets o[key] to the RFC 3339 text of t (+08:00), or null when t <= 0. */
void ce_set_time(json_t *o, const char *key, int64_t t);

#endif
