/* app_model — the application's head and the one policy (see app_model.h). */
#include "service/app_model.h"

#include <stdio.h>
#include <string.h>

#include "service/review.h"

void svc_app_head_row(db_stmt *s, int col, svc_app *a)
{
    memset(a, 0, sizeof *a);
    a->id = db_int(s, col);
    a->batch_id = db_int(s, col + 1);
    a->enterprise_id = db_int(s, col + 2);
    a->project_id = db_int(s, col + 3);
    snprintf(a->uscc, sizeof a->uscc, "%s", db_text(s, col + 4) ? db_text(s, col + 4) : "");
    snprintf(a->district_code, sizeof a->district_code, "%s",
             db_text(s, col + 5) ? db_text(s, col + 5) : "");
    snprintf(a->type, sizeof a->type, "%s", db_text(s, col + 6) ? db_text(s, col + 6) : "");
    snprintf(a->status, sizeof a->status, "%s", db_text(s, col + 7) ? db_text(s, col + 7) : "");
    if (wf_state_parse(a->status, &a->state) != 0) a->state = WF_STATE_COUNT;
}

int svc_app_head(db *d, int64_t id, svc_app *a)
{
    memset(a, 0, sizeof *a);
    if (id <= 0) return 1;
    db_stmt *s =
        db_query(d, "SELECT " SVC_APP_HEAD_COLS " FROM applications a WHERE a.id = ?", "i", id);
    int rc = 1;
    if (db_next(s)) {
        svc_app_head_row(s, 0, a);
        rc = 0;
    } else if (db_failed(s)) {
        rc = -1;
    }
    db_done(s);
    return rc;
}

bool svc_app_may(svc_ctx *c, const svc_app *a, wf_may_what what)
{
    const svc_actor *act = c->actor;
    if (!act || !act->id) return false;
    wf_party who = {.role = act->role,
                    .enterprise_id = act->enterprise_id,
                    .district_code = act->district_code};
    /* Only an expert's answer depends on the assignment: read it only then. */
    if (strcmp(act->role, "expert") == 0) who.assigned = svc_review_assigned(c->db, act->id, a->id);
    wf_subject app = {a->enterprise_id, a->district_code, a->state};
    return wf_may(&who, &app, what);
}

int svc_app_open(svc_ctx *c, int64_t id, svc_app *a, svc_err *e)
{
    int rc = svc_app_head(c->db, id, a);
    if (rc < 0) return svc_fail(e, 500, "internal", "读取申报失败，请稍后重试");
    if (rc > 0 || !svc_app_may(c, a, WF_SEE)) return svc_fail(e, 404, "not_found", "申报不存在");
    return 0;
}

int svc_app_next(const svc_app *a, wf_action action, wf_state *to, svc_err *e)
{
    if (a->state < WF_STATE_COUNT && wf_next(a->state, action, to) == 0) return 0;
    const char *now = a->state < WF_STATE_COUNT ? wf_state_label(a->state) : a->status;
    return svc_fail(e, 409, "wrong_state", "申报 %lld 当前状态为“%s”，不能%s", (long long)a->id,
                    now, wf_action_label(action));
}

bool svc_app_may_id(svc_ctx *c, int64_t id, wf_may_what what)
{
    svc_app a;
    return svc_app_head(c->db, id, &a) == 0 && svc_app_may(c, &a, what);
}
