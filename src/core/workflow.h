/* workflow — the application's states, the one table of allowed transitions (SPEC §6) and the
 * one policy of who may see, edit, review or decide an application. The service asks wf_may
 * before it shows or touches an application (404 when it may not see it) and wf_next before any
 * state change (409 wrong_state when it refuses); the preconditions that need the database
 * (deadlines, reviews, objections) stay with the service. */
#ifndef SMIP_CORE_WORKFLOW_H
#define SMIP_CORE_WORKFLOW_H

#include <stdbool.h>
#include <stdint.h>

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
/* Chinese name of an action for messages ("提交", "撤回", "公示", …). */
const char *wf_action_label(wf_action a);
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

/* ---- the policy */

typedef enum wf_may_what {
    WF_SEE,    /* read it: its owner, its district once submitted, its experts, the commission */
    WF_EDIT,   /* change its form: its owner while it is a draft or returned */
    WF_REVIEW, /* its district while it waits for the first review; its experts during theirs */
    WF_DECIDE, /* the commission's actions (assign, decide, publish, certify, revoke) */
} wf_may_what;

/* Who asks, as far as the policy needs: the role ("enterprise", "district", "expert",
 * "commission", "admin"; "" for the public), the enterprise an enterprise account acts for, the
 * district a district account reviews, and whether an expert is assigned to the application. */
typedef struct wf_party {
    const char *role;
    int64_t enterprise_id;
    const char *district_code;
    bool assigned;
} wf_party;

/* The application, as far as the policy needs: its enterprise, its district, its state. */
typedef struct wf_subject {
    int64_t enterprise_id;
    const char *district_code;
    wf_state state;
} wf_subject;

bool wf_may(const wf_party *who, const wf_subject *app, wf_may_what what);

#endif
