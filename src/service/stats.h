/* stats — the commission's overview of a batch: counts by state, district, type and
 * manufacturing type, pass rates, overdue district reviews, the experts' average score; and the
 * desk's list of applications with search, filters, sort and paging. Reads only; commission
 * (and admin) accounts only. */
#ifndef SMIP_STATS_H
#define SMIP_STATS_H

#include <jansson.h>

#include "service/svc.h"

/* The stages of the funnel, in order: an application "reached" stage i when its state's level
 * (stats_level) is ≥ i. Names are the state that opens each stage. */
#define STATS_STAGES 7
extern const char *const stats_stage_state[STATS_STAGES];
/* The level of a state (0 draft … 6 certified or after), -1 for an unknown name. */
int stats_level(const char *state);

/* Manufacturing types as counted (the enterprise profile's manufacturing_type; "none" when
 * absent) and their Chinese labels. */
const char *stats_mtype_label(const char *code);
bool stats_mtype_known(const char *code);

/* The overview of batch `batch_id`:
 *   {batch:{id,name}, total, drafts, submitted,
 *    by_state:{state:n}, reached:[n × STATS_STAGES],
 *    by_district:[{code,name,count}] (every district, zeros included, in reference order),
 *    by_type:{workshop,factory}, by_mtype:{discrete,process,mixed,none},
 *    district_approved, district_decided, expert_passed, expert_decided,
 *    overdue, reviews, score_sum}
 * Counts other than total/drafts/by_state/reached leave drafts out. 404 for an unknown batch. */
int svc_stats_batch(svc_ctx *c, int64_t batch_id, json_t **out, svc_err *e);

typedef struct svc_desk_filter {
    int64_t batch_id;     /* 0: every batch */
    const char *status;   /* one state, or NULL */
    int reached;          /* minimum level (0: any) */
    const char *district; /* district code, or NULL */
    const char *type;     /* workshop / factory, or NULL */
    const char *mtype;    /* discrete / process / mixed / none, or NULL */
    const char *q;        /* part of the enterprise's name or of its USCC, or NULL */
    bool drafts;          /* include drafts */
    bool overdue;         /* only submitted ones past their batch's district deadline */
    const char *sort;     /* submitted (newest first, default) / name / district / status */
    int64_t limit, offset;
} svc_desk_filter;

/* The desk's page of applications: {items:[{id, batch_id, enterprise_name, uscc, project_name,
 * district_code, district_name, type, status, submitted_at, district_deadline (epoch seconds,
 * 0 when never submitted), overdue}], total}. 400 naming the field for an unknown state, type,
 * manufacturing type or sort. */
int svc_desk_list(svc_ctx *c, const svc_desk_filter *f, json_t **out, svc_err *e);

typedef struct svc_cert_filter {
    const char *status;   /* valid / revoked, or NULL */
    const char *type;     /* workshop / factory, or NULL */
    const char *district; /* district code, or NULL */
    const char *mark;     /* a priority mark (benchmark innovation_demo national_pilot
                             national_project), "any" for one at least, or NULL */
    const char *q;        /* part of the enterprise's name or USCC, or of the number */
    bool re_review_due;   /* valid Class I certificates with no re-review recorded */
    bool requested;       /* valid certificates whose enterprise asked to revoke them */
    int64_t limit, offset;
} svc_cert_filter;

/* The commission's certificates: {items:[{certificate_no, application_id, enterprise_name,
 * uscc, project_name, project_class, type, district_name, status, revoked_reason, marks:[…],
 * issued_at, re_review_due, request:{note, created_at}|absent}], total,
 * counts:{valid, revoked, marked, re_review_due, requested}} (counts over every certificate).
 * 400 naming the field for an unknown status, type or mark. */
/* The Chinese label of a priority mark, "" for an unknown code. */
const char *stats_mark_label(const char *code);
int svc_cert_overview(svc_ctx *c, const svc_cert_filter *f, json_t **out, svc_err *e);

#endif
