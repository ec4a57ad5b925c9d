/* app_model — one application, as every service and page reads it: its head (the columns
 * ownership, visibility and the workflow depend on, no document) loaded by one function, and
 * the one policy of who may see, edit, review or decide it (wf_may of core/workflow.c, with the
 * expert's assignment read from the database). The full application (form, snapshot, findings,
 * timeline) is the application service's; it starts from this head. */
#ifndef SMIP_SERVICE_APP_MODEL_H
#define SMIP_SERVICE_APP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/workflow.h"
#include "service/svc.h"

typedef struct svc_app {
    int64_t id, batch_id, enterprise_id, project_id;
    char uscc[32], district_code[16], type[16], status[24];
    wf_state state; /* status parsed; WF_STATE_COUNT for a name the workflow does not know */
} svc_app;

/* The columns of the head, in the order svc_app_head_row reads them, for a SELECT that names
 * the applications table `a`. */
#define SVC_APP_HEAD_COLS                                                                          \
    "a.id, a.batch_id, a.enterprise_id, a.project_id, a.uscc, a.district_code, a.type, a.status"
enum { SVC_APP_HEAD_NCOLS = 8 };
/* Fills *a from the current row of s, whose columns from `col` on are SVC_APP_HEAD_COLS. */
void svc_app_head_row(db_stmt *s, int col, svc_app *a);

/* Loads the head of application `id`: 0; 1 when there is none; -1 when the database failed. */
int svc_app_head(db *d, int64_t id, svc_app *a);

/* Whether the caller may `what` application a (an expert: whether assigned to it). */
bool svc_app_may(svc_ctx *c, const svc_app *a, wf_may_what what);

/* svc_app_may of application `id`; false when it does not exist or cannot be read. */
bool svc_app_may_id(svc_ctx *c, int64_t id, wf_may_what what);

/* The state after `action` from a's (wf_next, the one table): 0, or 409 `wrong_state` naming
 * the state in Chinese. Every change of an application's state asks this first. */
int svc_app_next(const svc_app *a, wf_action action, wf_state *to, svc_err *e);

/* The head of application `id` when the caller may see it: 0; 404 `not_found` when there is
 * none or the caller may not see it (never 403: its existence is not told); 500 when the
 * database failed. */
int svc_app_open(svc_ctx *c, int64_t id, svc_app *a, svc_err *e);

#endif
