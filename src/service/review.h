/* review — the review side of API.md (SPEC §6): what happens to an application after the
 * enterprise submits it, up to the commission's decision. District review (区县初审), expert
 * accounts and their declared conflicts (回避), assignments, expert reviews (专家评审) with their
 * aggregate, the commission's decision and the direct route of national special projects and
 * pilots. Each action is one function and one transaction: role check (403), object check
 * (404, also for objects the caller may not see), body (400), wf_next (409 wrong_state) and the
 * other preconditions (409), then the state change and its audit entry before the commit.
 * On success *out receives a new JSON reference the caller owns. */
#ifndef SMIP_SERVICE_REVIEW_H
#define SMIP_SERVICE_REVIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "service/svc.h"

/* SPEC §6: the commission decides on an application only with at least three expert reviews. */
#define SVC_REVIEW_MIN_REVIEWS 3

/* ---- district review (review.c) */
/* {decision:"approve"|"return"|"reject",opinion,authenticity_attachment_id?} → the application.
 * Only the district account of the application's district; approve needs a 真实性审核意见 file
 * uploaded by an account of that district; return and reject need an opinion. 409
 * `deadline_passed` from the batch's district deadline on (the deadline instant is closed). */
int svc_review_district(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e);

/* ---- the commission's decisions (review.c) */
/* {decision:"pass"|"fail",reason} on an application in expert review with at least three
 * expert reviews (409 `conflict` otherwise) → the application. */
int svc_review_decide(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e);
/* {programme:"national_special"|"national_pilot",evidence_attachment_id,note?}: from
 * district_approved straight to expert_passed → the application. */
int svc_review_direct(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e);

/* ---- experts (review_expert.c) */
/* The commission's list of expert accounts {items,total}, each with its declared conflicts. */
int svc_experts_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e);
/* {username,password,display_name,phone,email,employer_uscc} → the new expert account (active).
 * employer_uscc is required here: without it no conflict could be checked. */
int svc_expert_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e);
/* The calling expert declares a conflict {uscc} → {id,uscc,created_at}; 409 `duplicate` when
 * already declared. */
int svc_expert_conflict_add(svc_ctx *c, const json_t *in, json_t **out, svc_err *e);
/* The calling expert's own declared conflicts {items,total}. */
int svc_expert_conflicts_list(svc_ctx *c, json_t **out, svc_err *e);

/* ---- assignments and expert reviews (review_expert.c) */
/* {expert_ids:[…]}, all or nothing: 404 for an id that is no active expert, 409
 * `conflict_of_interest` naming the expert when its employer or a declared conflict is the
 * applicant's USCC, 409 `duplicate` when already assigned. The first assignment moves
 * district_approved → expert_review. *out: {application_id,status,items,total}. */
int svc_review_assign(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e);
/* The commission's list of an application's assignments {application_id,status,items,total}. */
int svc_review_assignments(svc_ctx *c, int64_t app_id, json_t **out, svc_err *e);
/* An assigned expert's review {criteria:{…},recommend,opinion}; the criteria and their maxima
 * are the batch's score form (rules.score_form). → the review with score = sum. */
int svc_review_expert_submit(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out,
                             svc_err *e);
/* {items,total,aggregate:{mean,min,max,pass_votes,fail_votes}}: the commission, or an assigned
 * expert once its own review is in (403 before). mean is a decimal string (≤ 4 places, half
 * up); other experts' identities are not shown to an expert. */
int svc_review_expert_list(svc_ctx *c, int64_t app_id, json_t **out, svc_err *e);

/* ---- what other services ask */
/* True when expert account `expert_id` is assigned to application `app_id`. */
bool svc_review_assigned(db *d, int64_t expert_id, int64_t app_id);
/* Why expert `expert_id` must stay away from application `app_id` (its employer is the
 * applicant, or it declared a conflict with it), in Chinese; NULL when it may review it. */
const char *svc_review_conflict(db *d, int64_t expert_id, int64_t app_id);
/* When expert `expert_id`'s score on application `app_id` is due (epoch seconds); 0 when it is
 * not assigned or the assignment has no due date. */
int64_t svc_review_due(db *d, int64_t expert_id, int64_t app_id);
/* The score form [{id, name, max}] experts fill for batch `batch_id`: the batch's own, else the
 * shipped 2020 one. New reference. */
json_t *svc_review_score_form(db *d, int64_t batch_id);
/* True when expert account `expert_id` has submitted its review of application `app_id` (one
 * probe of the pair's index: the expert's desk asks it for each of its applications). */
bool svc_review_submitted(db *d, int64_t expert_id, int64_t app_id);
/* True when attachment `att` backs a review decision (authenticity opinion, direct-route
 * evidence) of an application a reviewer caller may see (never for enterprise accounts). */
bool svc_review_att_visible(svc_ctx *c, int64_t att);

#endif
