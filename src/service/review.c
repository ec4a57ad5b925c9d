/* review — the district's review (区县初审) and the commission's decisions of review.h, with the
 * helpers of review_internal.h that review_expert.c shares. The application's status and its
 * audit entry change together here, always through wf_next, so the transition table in core/
 * stays the one place that says which move is allowed. */
#include "service/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/enterprise.h"
#include "service/review_internal.h"
#include "util/util.h"

/* ---------------------------------------------------------------- shared helpers */

bool svc_review_assigned(db *d, int64_t expert_id, int64_t app_id)
{
    return expert_id > 0 && db_scalar_int(d, 0,
                                          "SELECT count(*) FROM assignments WHERE "
                                          "application_id = ? AND expert_id = ?",
                                          "ii", app_id, expert_id) > 0;
}

bool svc_review_submitted(db *d, int64_t expert_id, int64_t app_id)
{
    return expert_id > 0 && db_scalar_int(d, 0,
                                          "SELECT count(*) FROM expert_reviews WHERE "
                                          "application_id = ? AND expert_id = ?",
                                          "ii", app_id, expert_id) > 0;
}

int rv_move(svc_ctx *c, const svc_app *a, const char *action, const char *to, const json_t *detail)
{
    if (to && db_exec(c->db, "UPDATE applications SET status = ?, updated_at = ? WHERE id = ?",
                      "tii", to, c->now, a->id) != 0)
        return -1;
    /* svc_audit records the entry's number on the application row (last_audit_seq). */
    return svc_audit(c, "application", a->id, action, a->status, to ? to : a->status, detail) > 0
               ? 0
               : -1;
}

int rv_commit_app(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    if (svc_commit(c, 0, e) != 0) return -1;
    return svc_app_get(c, id, out, e);
}

int64_t rv_id(const json_t *in, const char *key, const char *label, json_t *errors)
{
    json_t *v = json_object_get(in, key);
    if (json_is_integer(v) && json_integer_value(v) > 0) return json_integer_value(v);
    char *m = xasprintf(v && !json_is_null(v) ? "%s应为附件编号（正整数）" : "请上传%s", label);
    json_object_set_new(errors, key, json_string(m));
    free(m);
    return 0;
}

/* Records a decision row (inside the caller's transaction). */
static int rv_decision_row(svc_ctx *c, int64_t app_id, const char *stage, const char *decision,
                           const char *opinion, int64_t attachment_id, const char *programme)
{
    return db_insert(c->db,
                     "INSERT INTO review_decisions (application_id, stage, decision, opinion, "
                     "attachment_id, programme, actor_id, created_at) "
                     "VALUES (?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?, ?)",
                     "itttitii", app_id, stage, decision, opinion ? opinion : "", attachment_id,
                     programme, c->actor->id, c->now) > 0
               ? 0
               : -1;
}

bool svc_review_att_visible(svc_ctx *c, int64_t att)
{
    if (!c->actor || !c->actor->id || strcmp(c->actor->role, "enterprise") == 0) return false;
    json_t *ids = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT DISTINCT application_id FROM review_decisions WHERE "
                          "attachment_id = ?",
                          "i", att);
    while (db_next(s))
        json_array_append_new(ids, json_integer(db_int(s, 0)));
    db_done(s);
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        svc_app a;
        svc_err e = {0};
        found = svc_app_open(c, json_integer_value(v), &a, &e) == 0;
        svc_err_clear(&e);
        if (found) break;
    }
    json_decref(ids);
    return found;
}

/* ---------------------------------------------------------------- district review */

static const char *const RV_DISTRICT_DECISIONS[] = {"approve", "return", "reject", NULL};

/* The 真实性审核意见 must be a file an account of the reviewing district uploaded. */
static bool rv_district_file(svc_ctx *c, int64_t att, const char *district_code)
{
    return db_scalar_int(c->db, 0,
                         "SELECT count(*) FROM attachments t JOIN accounts u ON u.id = "
                         "t.uploader_id WHERE t.id = ? AND u.role = 'district' AND "
                         "u.district_code = ?",
                         "it", att, district_code) > 0;
}

/* 409 deadline_passed from the batch's district deadline on: "4月17日24:00" is the instant
 * 4月18日00:00 and is already closed (SPEC §3, exclusive deadlines). */
static int rv_district_open(svc_ctx *c, const svc_app *a, svc_err *e)
{
    int64_t dl = db_scalar_int(c->db, 0, "SELECT district_deadline FROM batches WHERE id = ?", "i",
                               a->batch_id);
    if (c->now < dl) return 0;
    char *t = svc_time_str(dl);
    svc_fail(e, 409, "deadline_passed",
             "本批次区县初审已于 %s 截止；如需延期，请联系市经济信息委调整截止时间", t);
    free(t);
    return -1;
}

int svc_review_district(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "district", e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    svc_app a;
    if (svc_app_open(c, app_id, &a, e) != 0) return svc_abort(c);
    json_t *errors = json_object();
    const char *decision =
        svc_enum(in, "decision", RV_DISTRICT_DECISIONS,
                 "应为 approve（通过）、return（退回修改）或 reject（不通过）", errors);
    bool approve = decision && strcmp(decision, "approve") == 0;
    /* Returning and rejecting must tell the enterprise why. */
    const char *opinion =
        svc_text(in, "opinion", "审核意见", decision && !approve, RV_OPINION_MAX, errors);
    int64_t att = 0;
    if (approve) {
        att = rv_id(in, "authenticity_attachment_id", "真实性审核意见扫描件", errors);
        if (att && !rv_district_file(c, att, a.district_code))
            json_object_set_new(errors, "authenticity_attachment_id",
                                json_string("真实性审核意见须为本区县账号上传的扫描件"
                                            "（PDF、JPEG 或 PNG），请先上传"));
    }
    if (svc_fields_done(e, errors) != 0) return svc_abort(c);
    wf_action action;
    wf_action_parse(decision, &action);
    wf_state to;
    if (svc_app_next(&a, action, &to, e) != 0 || rv_district_open(c, &a, e) != 0)
        return svc_abort(c);
    json_t *detail = json_pack("{s:s,s:s?}", "decision", decision, "opinion", opinion);
    if (att) json_object_set_new(detail, "authenticity_attachment_id", json_integer(att));
    int rc = rv_decision_row(c, a.id, "district", decision, opinion, att, NULL);
    if (rc == 0) rc = rv_move(c, &a, wf_action_name(action), wf_state_name(to), detail);
    json_decref(detail);
    if (rc != 0) {
        svc_fail(e, 500, "internal", "保存失败，请稍后重试");
        return svc_abort(c);
    }
    return rv_commit_app(c, a.id, out, e);
}

/* ---------------------------------------------------------------- the commission's decision */

static const char *const RV_PASS_FAIL[] = {"pass", "fail", NULL};

int svc_review_decide(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    svc_app a;
    if (svc_app_open(c, app_id, &a, e) != 0) return svc_abort(c);
    json_t *errors = json_object();
    const char *decision =
        svc_enum(in, "decision", RV_PASS_FAIL, "应为 pass（通过）或 fail（不通过）", errors);
    const char *reason = svc_text(in, "reason", "决定理由", true, RV_OPINION_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return svc_abort(c);
    wf_action action = strcmp(decision, "pass") == 0 ? WF_PASS : WF_FAIL;
    wf_state to;
    if (svc_app_next(&a, action, &to, e) != 0) return svc_abort(c);
    int64_t n = db_scalar_int(
        c->db, 0, "SELECT count(*) FROM expert_reviews WHERE application_id = ?", "i", a.id);
    if (n < SVC_REVIEW_MIN_REVIEWS) {
        svc_fail(e, 409, "conflict", "已提交的专家评审意见 %lld 份，作出决定至少需要 %d 份",
                 (long long)n, SVC_REVIEW_MIN_REVIEWS);
        return svc_abort(c);
    }
    json_t *detail = json_pack("{s:s,s:s,s:I}", "decision", decision, "reason", reason, "reviews",
                               (json_int_t)n);
    int rc = rv_decision_row(c, a.id, "commission", decision, reason, 0, NULL);
    if (rc == 0) rc = rv_move(c, &a, wf_action_name(action), wf_state_name(to), detail);
    json_decref(detail);
    if (rc != 0) {
        svc_fail(e, 500, "internal", "保存失败，请稍后重试");
        return svc_abort(c);
    }
    return rv_commit_app(c, a.id, out, e);
}

/* ---------------------------------------------------------------- direct route (二(四)) */

static const char *const RV_PROGRAMMES[] = {"national_special", "national_pilot", NULL};

static const char *rv_programme_label(const char *p)
{
    return strcmp(p, "national_special") == 0 ? "国家智能制造专项" : "国家智能制造试点示范";
}

/* The evidence is a file the commission uploaded, or one of the applicant's own. */
static bool rv_evidence_file(svc_ctx *c, int64_t att, int64_t enterprise_id)
{
    return db_scalar_int(c->db, 0,
                         "SELECT count(*) FROM attachments t JOIN accounts u ON u.id = "
                         "t.uploader_id WHERE t.id = ? AND (u.role = 'commission' OR "
                         "t.enterprise_id = ?)",
                         "ii", att, enterprise_id) > 0;
}

int svc_review_direct(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    svc_app a;
    if (svc_app_open(c, app_id, &a, e) != 0) return svc_abort(c);
    json_t *errors = json_object();
    const char *programme = svc_enum(
        in, "programme", RV_PROGRAMMES,
        "应为 national_special（国家智能制造专项）或 national_pilot（国家试点示范）", errors);
    int64_t att = rv_id(in, "evidence_attachment_id", "列入名单的证明材料", errors);
    if (att && !rv_evidence_file(c, att, a.enterprise_id))
        json_object_set_new(errors, "evidence_attachment_id",
                            json_string("证明材料须为委员会或申报企业上传的附件"));
    const char *note = svc_text(in, "note", "说明", false, RV_OPINION_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return svc_abort(c);
    wf_state to;
    if (svc_app_next(&a, WF_DIRECT, &to, e) != 0) return svc_abort(c);
    /* The enterprise reads this reason on its timeline. */
    char *reason = xasprintf("已列入%s名单，免于专家评审%s%s", rv_programme_label(programme),
                             note ? "：" : "", note ? note : "");
    json_t *detail = json_pack("{s:s,s:I,s:s}", "programme", programme, "evidence_attachment_id",
                               (json_int_t)att, "reason", reason);
    int rc = rv_decision_row(c, a.id, "direct", "pass", reason, att, programme);
    if (rc == 0) rc = rv_move(c, &a, wf_action_name(WF_DIRECT), wf_state_name(to), detail);
    json_decref(detail);
    free(reason);
    if (rc != 0) {
        svc_fail(e, 500, "internal", "保存失败，请稍后重试");
        return svc_abort(c);
    }
    return rv_commit_app(c, a.id, out, e);
}
