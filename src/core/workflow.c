/* workflow — see workflow.h. The transition table is the diagram of SPEC §6 written as data, so
 * the diagram and the code can be compared line by line. */
#include "core/workflow.h"

#include <string.h>

static const struct {
    const char *name, *label;
} wf_states[WF_STATE_COUNT] = {
    [WF_DRAFT] = {"draft", "草稿"},
    [WF_SUBMITTED] = {"submitted", "已提交，待区县初审"},
    [WF_RETURNED] = {"returned", "已退回修改"},
    [WF_DISTRICT_APPROVED] = {"district_approved", "区县初审通过"},
    [WF_DISTRICT_REJECTED] = {"district_rejected", "区县初审未通过"},
    [WF_EXPERT_REVIEW] = {"expert_review", "专家评审中"},
    [WF_EXPERT_PASSED] = {"expert_passed", "专家评审通过"},
    [WF_EXPERT_FAILED] = {"expert_failed", "专家评审未通过"},
    [WF_PUBLICITY] = {"publicity", "公示中"},
    [WF_CERTIFIED] = {"certified", "已认定"},
    [WF_NOT_CERTIFIED] = {"not_certified", "未予认定"},
    [WF_REVOKED] = {"revoked", "已撤销"},
};

static const struct {
    const char *name, *role, *label;
} wf_actions[WF_ACTION_COUNT] = {
    [WF_SUBMIT] = {"submit", "enterprise", "提交"},
    [WF_WITHDRAW] = {"withdraw", "enterprise", "撤回"},
    [WF_APPROVE] = {"approve", "district", "初审通过"},
    [WF_RETURN] = {"return", "district", "退回修改"},
    [WF_REJECT] = {"reject", "district", "初审不通过"},
    [WF_ASSIGN] = {"assign", "commission", "分配评审专家"},
    [WF_PASS] = {"pass", "commission", "评审通过"},
    [WF_FAIL] = {"fail", "commission", "评审不通过"},
    [WF_DIRECT] = {"direct", "commission", "直接认定"},
    [WF_PUBLISH] = {"publish", "commission", "公示"},
    [WF_CERTIFY] = {"certify", "commission", "认定"},
    [WF_UPHOLD] = {"uphold", "commission", "因异议成立不予认定"},
    [WF_REVOKE] = {"revoke", "commission", "撤销认定"},
};

static const struct {
    wf_state from;
    wf_action action;
    wf_state to;
} wf_table[] = {
    {WF_DRAFT, WF_SUBMIT, WF_SUBMITTED},
    {WF_RETURNED, WF_SUBMIT, WF_SUBMITTED},
    {WF_SUBMITTED, WF_WITHDRAW, WF_DRAFT},
    {WF_SUBMITTED, WF_APPROVE, WF_DISTRICT_APPROVED},
    {WF_SUBMITTED, WF_RETURN, WF_RETURNED},
    {WF_SUBMITTED, WF_REJECT, WF_DISTRICT_REJECTED},
    {WF_DISTRICT_APPROVED, WF_ASSIGN, WF_EXPERT_REVIEW},
    /* further experts may be added while the review runs */
    {WF_EXPERT_REVIEW, WF_ASSIGN, WF_EXPERT_REVIEW},
    {WF_EXPERT_REVIEW, WF_PASS, WF_EXPERT_PASSED},
    {WF_EXPERT_REVIEW, WF_FAIL, WF_EXPERT_FAILED},
    {WF_DISTRICT_APPROVED, WF_DIRECT, WF_EXPERT_PASSED},
    {WF_EXPERT_PASSED, WF_PUBLISH, WF_PUBLICITY},
    {WF_PUBLICITY, WF_CERTIFY, WF_CERTIFIED},
    {WF_PUBLICITY, WF_UPHOLD, WF_NOT_CERTIFIED},
    {WF_CERTIFIED, WF_REVOKE, WF_REVOKED},
};

const char *wf_state_name(wf_state s)
{
    return (unsigned)s < WF_STATE_COUNT ? wf_states[s].name : "";
}

const char *wf_state_label(wf_state s)
{
    return (unsigned)s < WF_STATE_COUNT ? wf_states[s].label : "";
}

int wf_state_parse(const char *name, wf_state *out)
{
    for (int i = 0; name && i < WF_STATE_COUNT; i++)
        if (!strcmp(wf_states[i].name, name)) {
            *out = (wf_state)i;
            return 0;
        }
    return -1;
}

const char *wf_action_label(wf_action a)
{
    return (unsigned)a < WF_ACTION_COUNT ? wf_actions[a].label : "";
}

const char *wf_action_name(wf_action a)
{
    return (unsigned)a < WF_ACTION_COUNT ? wf_actions[a].name : "";
}

const char *wf_action_role(wf_action a)
{
    return (unsigned)a < WF_ACTION_COUNT ? wf_actions[a].role : "";
}

int wf_action_parse(const char *name, wf_action *out)
{
    for (int i = 0; name && i < WF_ACTION_COUNT; i++)
        if (!strcmp(wf_actions[i].name, name)) {
            *out = (wf_action)i;
            return 0;
        }
    return -1;
}

int wf_next(wf_state from, wf_action a, wf_state *to)
{
    for (size_t i = 0; i < sizeof wf_table / sizeof wf_table[0]; i++)
        if (wf_table[i].from == from && wf_table[i].action == a) {
            *to = wf_table[i].to;
            return 0;
        }
    return -1;
}

bool wf_enterprise_editable(wf_state s)
{
    return s == WF_DRAFT || s == WF_RETURNED;
}

bool wf_district_visible(wf_state s)
{
    return s != WF_DRAFT && (unsigned)s < WF_STATE_COUNT;
}

bool wf_counts_for_e4(wf_state s)
{
    return wf_district_visible(s);
}

bool wf_is_final(wf_state s)
{
    wf_state to;
    for (int a = 0; a < WF_ACTION_COUNT; a++)
        if (a != WF_REVOKE && wf_next(s, (wf_action)a, &to) == 0) return false;
    return true;
}

static bool wf_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool wf_may(const wf_party *who, const wf_subject *app, wf_may_what what)
{
    bool owner = wf_is(who->role, "enterprise") && who->enterprise_id > 0 &&
                 who->enterprise_id == app->enterprise_id;
    bool district = wf_is(who->role, "district") && who->district_code && who->district_code[0] &&
                    wf_is(who->district_code, app->district_code);
    bool expert = wf_is(who->role, "expert") && who->assigned;
    bool commission = wf_is(who->role, "commission");
    switch (what) {
    case WF_SEE:
        return owner || (district && wf_district_visible(app->state)) || expert || commission;
    case WF_EDIT:
        return owner && wf_enterprise_editable(app->state);
    case WF_REVIEW:
        return (district && app->state == WF_SUBMITTED) ||
               (expert && app->state == WF_EXPERT_REVIEW);
    case WF_DECIDE:
        return commission;
    }
    return false;
}
