/* workflow — the application's states and the one table of allowed transitions (SPEC §6). The
 * service asks wf_next before any state change and answers 409 wrong_state when it refuses;
 * who may act and the preconditions (deadlines, reviews, objections) stay with the service. */
#ifndef SMIP_CORE_WORKFLOW_H
#define SMIP_CORE_WORKFLOW_H

#include <stdbool.h>

typedef enum wf_state {
    WF_DRAFT,
    WF_SUBMITTED,
    WF_RETURNED,
    WF_DISTRICT_APPROVED,
    WF_DISTRICT_REJECTED,
    WF_EXPERT_REVIEW,
    WF_EXPERT_PASSED,
    WF_EXPERT_FAILED,
    WF_PUBLICITY,
    WF_CERTIFIED,
    WF_NOT_CERTIFIED,
    WF_REVOKED,
    WF_STATE_COUNT
} wf_state;

typedef enum wf_action {
    WF_SUBMIT,   /* enterprise: draft or returned → submitted */
    WF_WITHDRAW, /* enterprise: submitted → draft, before the district acts */
    WF_APPROVE,  /* district */
    WF_RETURN,   /* district: back to the enterprise for changes */
    WF_REJECT,   /* district */
    WF_ASSIGN,   /* commission: first assignment starts the expert review */
    WF_PASS,     /* commission decision after the reviews */
    WF_FAIL,
    WF_DIRECT,  /* commission: national special project / pilot list skips the experts */
    WF_PUBLISH, /* commission: into 公示 */
    WF_CERTIFY, /* commission: period over, no open objection */
    WF_UPHOLD,  /* commission: an objection upheld during 公示 */
    WF_REVOKE,  /* commission: re-review failed, own request, terminated, fraud */
    WF_ACTION_COUNT
} wf_action;

/* API names ("draft", "district_approved", …; "submit", "withdraw", …) and back. The parsers
 * return 0, or -1 for an unknown name. */
const char *wf_state_name(wf_state s);
int wf_state_parse(const char *name, wf_state *out);
const char *wf_action_name(wf_action a);
int wf_action_parse(const char *name, wf_action *out);
/* Chinese label of a state for pages ("已提交", "公示中", …). */
const char *wf_state_label(wf_state s);
/* The role that performs an action: "enterprise", "district" or "commission". */
const char *wf_action_role(wf_action a);

/* The state after `a` from `from`. Returns 0 and fills *to, or -1 when the table has no such
 * transition (the caller answers 409 wrong_state). */
int wf_next(wf_state from, wf_action a, wf_state *to);
/* The enterprise may edit the form only in these states (draft, returned). */
bool wf_enterprise_editable(wf_state s);
/* A district sees an application once it has left draft (never drafts). */
bool wf_district_visible(wf_state s);
/* Counts against rule E4 (one application per USCC per batch): every state past draft. */
bool wf_counts_for_e4(wf_state s);
/* No further transition except revocation (certified) or none at all. */
bool wf_is_final(wf_state s);

#endif
