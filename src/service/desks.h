/* desks — the rows of the reviewers' desks read as rows, each from the index that holds them:
 * an expert's assignments (an index probe, not a test of every application for an assignment)
 * and the experts the commission may assign (one statement, no conflicts list per expert).
 * Read-only. */
#ifndef SMIP_SERVICE_DESKS_H
#define SMIP_SERVICE_DESKS_H

#include <stdbool.h>
#include <stdint.h>

#include "service/svc.h"

/* One assignment of the calling expert; the strings live until the visit returns. */
typedef struct svc_desk_task {
    int64_t id; /* the application */
    const char *enterprise_name, *project_name, *site_name, *type, *status;
    bool reviewed;  /* the expert's own review is in */
    int64_t due_at; /* 0: no due date set */
} svc_desk_task;

/* Calls visit for each application assigned to the calling expert, newest change first (ties
 * by id, as the application list orders), at most `limit`. An actor who is not an expert has
 * none. Returns 0, or -1 with e (500) when the database failed. */
int svc_desk_tasks_each(svc_ctx *c, int64_t limit, void (*visit)(const svc_desk_task *, void *),
                        void *arg, svc_err *e);

/* One expert the commission may assign: `label` the display name, else the user name;
 * `employer` the employer's name when it is an enterprise of the platform, else its credit
 * code, else NULL. */
typedef struct svc_desk_expert {
    int64_t id;
    const char *label, *employer;
} svc_desk_expert;

/* Calls visit for each active expert among the first `limit` expert accounts by id. Commission
 * only (403 otherwise). Returns 0, or -1 with e. */
int svc_desk_experts_each(svc_ctx *c, int64_t limit, void (*visit)(const svc_desk_expert *, void *),
                          void *arg, svc_err *e);

#endif
