/* ent_change — an enterprise's district or credit-code change request (ent_change.h): the
 * enterprise asks, the districts concerned or the admin decide, and the last approval moves the
 * profile and the drafts' copies in the same transaction as its audit entries. Which district
 * approves which side is read from the row (from_district, to_district), never from the
 * profile, so a request is decided by the districts it named when it was made. */
#include "service/ent_change.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/uscc.h"
#include "service/ent_internal.h"
#include "util/util.h"

#define CHG_TEXT_MAX 500 /* characters of a reason or an opinion */

static const char *const CHG_CREATE_KEYS[] = {"district_code", "uscc", "reason", NULL};
static const char *const CHG_REVIEW_KEYS[] = {"decision", "opinion", NULL};
static const char *const CHG_DECISIONS[] = {"approve", "reject", NULL};

/* ---------------------------------------------------------------- rows */

#define CHG_COLS                                                                                   \
    "SELECT c.id, c.enterprise_id, e.name, c.status, c.reason, c.from_district, fd.name, "         \
    "c.to_district, td.name, c.from_uscc, c.to_uscc, c.from_approved_at, c.to_approved_at, "       \
    "c.decided_at, c.opinion, c.created_at, c.updated_at, da.role, da.district_code "              \
    "FROM enterprise_changes c JOIN enterprises e ON e.id = c.enterprise_id "                      \
    "LEFT JOIN districts fd ON fd.code = c.from_district "                                         \
    "LEFT JOIN districts td ON td.code = c.to_district "                                           \
    "LEFT JOIN accounts da ON da.id = c.decided_by "

static bool chg_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Which approval the caller gives: "from" or "to" for a district the request names, "admin"
 * for the admin, NULL for anyone else. */
static const char *chg_side(const svc_actor *a, const char *from, const char *to)
{
    if (!a || !a->id) return NULL;
    if (chg_is(a->role, "admin")) return "admin";
    if (!chg_is(a->role, "district")) return NULL;
    if (chg_is(from, a->district_code)) return "from";
    if (chg_is(to, a->district_code)) return "to";
    return NULL;
}

static json_t *chg_row(svc_ctx *c, db_stmt *s)
{
    const char *status = db_text(s, 3), *from = db_text(s, 5), *to = db_text(s, 7);
    int64_t from_at = db_int(s, 11), to_at = db_int(s, 12);
    const char *side = chg_side(c->actor, from, to);
    bool can = chg_is(status, "pending") && side &&
               (chg_is(side, "admin") || (chg_is(side, "from") && from_at <= 0) ||
                (chg_is(side, "to") && to_at <= 0));
    json_t *o = json_pack(
        "{s:I,s:I,s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:b}", "id",
        (json_int_t)db_int(s, 0), "enterprise_id", (json_int_t)db_int(s, 1), "enterprise_name",
        db_text(s, 2) ? db_text(s, 2) : "", "status", status, "reason", db_text(s, 4),
        "from_district", from, "from_district_name", db_text(s, 6), "to_district", to,
        "to_district_name", db_text(s, 8), "from_uscc", db_text(s, 9), "to_uscc", db_text(s, 10),
        "opinion", db_text(s, 14), "decided_by_role", db_text(s, 17), "decided_by_district",
        db_text(s, 18), "side", side, "can_review", can);
    ent_set_time(o, "from_approved_at", from_at);
    ent_set_time(o, "to_approved_at", to_at);
    ent_set_time(o, "decided_at", db_int(s, 13));
    ent_set_time(o, "created_at", db_int(s, 15));
    ent_set_time(o, "updated_at", db_int(s, 16));
    return o;
}

static json_t *chg_load(svc_ctx *c, int64_t id)
{
    db_stmt *s = db_query(c->db, CHG_COLS "WHERE c.id = ?", "i", id);
    json_t *o = db_next(s) ? chg_row(c, s) : NULL;
    db_done(s);
    return o;
}

/* Unknown keys of a body into errors ("未知字段"). */
static void chg_unknown(const json_t *in, const char *const *known, json_t *errors)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v)
    {
        if (!ent_in(k, known)) json_object_set_new(errors, k, json_string("未知字段"));
    }
}

/* A text value that was given: a non-empty string, or anything else that is not null (the
 * validator names it). An empty string means "unchanged", as the page's empty inputs send. */
static bool chg_given(const json_t *v)
{
    return v && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0);
}

/* ---------------------------------------------------------------- create, withdraw */

int svc_ent_change_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    int64_t eid = c->actor->enterprise_id;
    json_t *errors = json_object();
    chg_unknown(in, CHG_CREATE_KEYS, errors);
    const char *reason = svc_text(in, "reason", "变更理由", true, CHG_TEXT_MAX, errors);
    json_t *dv = json_object_get(in, "district_code"), *uv = json_object_get(in, "uscc");
    bool dgiven = chg_given(dv), ugiven = chg_given(uv);
    const char *dc = NULL;
    char norm[USCC_LEN + 1] = "";
    if (dgiven) {
        if (!json_is_string(dv))
            json_object_set_new(
                errors, "district_code",
                json_string("新的所在区县应为区县代码（见 GET /api/v1/districts）"));
        else if (!ent_district_known(c->db, json_string_value(dv)))
            json_object_set_new(errors, "district_code",
                                json_string("不是重庆市的区县代码（见 GET /api/v1/districts）"));
        else
            dc = json_string_value(dv);
    }
    if (ugiven) {
        char why[256] = "";
        if (!json_is_string(uv))
            json_object_set_new(errors, "uscc", json_string("统一社会信用代码应为 18 位字符串"));
        else if (uscc_normalize(json_string_value(uv), norm, why, sizeof why) != 0)
            json_object_set_new(errors, "uscc", json_string(why[0] ? why : "统一社会信用代码无效"));
    }
    if (!dgiven && !ugiven) {
        json_object_set_new(errors, "district_code",
                            json_string("请填写新的所在区县或新的统一社会信用代码（至少一项）"));
        json_object_set_new(errors, "uscc",
                            json_string("请填写新的所在区县或新的统一社会信用代码（至少一项）"));
    }
    if (json_object_size(errors) > 0) return svc_fields_done(e, errors);
    /* The comparison with the profile is made under the write lock: the request records what
     * it changes from, and the approval checks that this still holds. */
    if (svc_begin(c, e) != 0) {
        json_decref(errors);
        return -1;
    }
    json_t *cur = ent_profile(c->db, eid);
    if (!cur) {
        json_decref(errors);
        svc_fail(e, 404, "not_found", "企业信息不存在");
        return svc_abort(c);
    }
    const char *cur_dc = json_string_value(json_object_get(cur, "district_code"));
    const char *cur_uscc = json_string_value(json_object_get(cur, "uscc"));
    bool same_dc = false, same_uscc = false;
    const char *to_dc = NULL, *to_uscc = NULL;
    if (dc && (!cur_dc || !*cur_dc))
        json_object_set_new(errors, "district_code",
                            json_string("尚未填写所在区县：请在企业信息中直接填写，无需申请"));
    else if (dc && chg_is(dc, cur_dc))
        same_dc = true;
    else if (dc)
        to_dc = dc;
    if (norm[0] && (!cur_uscc || !*cur_uscc))
        json_object_set_new(
            errors, "uscc",
            json_string("尚未填写统一社会信用代码：请在企业信息中直接填写，无需申请"));
    else if (norm[0] && chg_is(norm, cur_uscc))
        same_uscc = true;
    else if (norm[0])
        to_uscc = norm;
    if (!to_dc && !to_uscc && json_object_size(errors) == 0) {
        if (same_dc) json_object_set_new(errors, "district_code", json_string("与当前相同"));
        if (same_uscc) json_object_set_new(errors, "uscc", json_string("与当前相同"));
    }
    if (json_object_size(errors) > 0) {
        json_decref(cur);
        svc_fields_done(e, errors);
        return svc_abort(c);
    }
    json_decref(errors);
    int64_t id = -1;
    if (db_scalar_int(c->db, 0,
                      "SELECT count(*) FROM enterprise_changes WHERE enterprise_id = ? AND "
                      "status = 'pending'",
                      "i", eid) > 0) {
        id = -2;
    } else if (to_uscc && db_scalar_int(c->db, 0,
                                        "SELECT count(*) FROM enterprises WHERE uscc = ? AND "
                                        "id <> ?",
                                        "ti", to_uscc, eid) > 0) {
        json_decref(cur);
        svc_fail(e, 409, "duplicate",
                 "统一社会信用代码 %s 已被其他企业使用：一个信用代码只属于一个企业", to_uscc);
        return svc_abort(c);
    } else {
        id = db_insert(c->db,
                       "INSERT INTO enterprise_changes (enterprise_id, requested_by, "
                       "from_district, to_district, from_uscc, to_uscc, reason, status, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                       "iitttttii", eid, c->actor->id, cur_dc, to_dc, cur_uscc, to_uscc, reason,
                       c->now, c->now);
    }
    if (id == -2) { /* one pending request per enterprise; the index decides a race */
        json_decref(cur);
        svc_fail(e, 409, "duplicate", "已有待审核的变更申请：请等待审核结果，或先撤回该申请");
        return svc_abort(c);
    }
    json_t *d = json_pack("{s:s?,s:s?,s:s?,s:s?,s:s}", "from_district", cur_dc, "to_district",
                          to_dc, "from_uscc", cur_uscc, "to_uscc", to_uscc, "reason", reason);
    int64_t seq = id > 0 ? svc_audit(c, "enterprise_change", id, "create", NULL, "pending", d) : -1;
    json_decref(d);
    json_decref(cur);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) return -1;
    *out = chg_load(c, id);
    return 0;
}

int svc_ent_change_withdraw(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    if (svc_ent_change_check(c, id, e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    char *status =
        db_scalar_text(c->db, "SELECT status FROM enterprise_changes WHERE id = ?", "i", id);
    if (!chg_is(status, "pending")) {
        svc_fail(e, 409, "wrong_state", "%s",
                 chg_is(status, "withdrawn") ? "该申请已撤回" : "该申请已审核完毕，不能撤回");
        free(status);
        return svc_abort(c);
    }
    free(status);
    int rc = db_exec(c->db,
                     "UPDATE enterprise_changes SET status = 'withdrawn', decided_by = ?, "
                     "decided_at = ?, updated_at = ? WHERE id = ?",
                     "iiii", c->actor->id, c->now, c->now, id);
    int64_t seq =
        rc == 0 ? svc_audit(c, "enterprise_change", id, "withdraw", "pending", "withdrawn", NULL)
                : -1;
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) return -1;
    *out = chg_load(c, id);
    return 0;
}

/* ---------------------------------------------------------------- reading */

int svc_ent_change_check(svc_ctx *c, int64_t id, svc_err *e)
{
    const svc_actor *a = c->actor;
    bool ok = false;
    if (id > 0 && a && a->id) {
        db_stmt *s = db_query(c->db,
                              "SELECT enterprise_id, from_district, to_district FROM "
                              "enterprise_changes WHERE id = ?",
                              "i", id);
        if (db_next(s)) {
            if (chg_is(a->role, "enterprise"))
                ok = a->enterprise_id > 0 && db_int(s, 0) == a->enterprise_id;
            else
                ok = chg_side(a, db_text(s, 1), db_text(s, 2)) != NULL;
        }
        db_done(s);
    }
    return ok ? 0 : svc_fail(e, 404, "not_found", "变更申请不存在");
}

int svc_ent_change_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    if (svc_ent_change_check(c, id, e) != 0) return -1;
    *out = chg_load(c, id);
    return *out ? 0 : svc_fail(e, 404, "not_found", "变更申请不存在");
}

int svc_ent_change_list(svc_ctx *c, const char *status, int64_t limit, int64_t offset, json_t **out,
                        svc_err *e)
{
    const svc_actor *a = c->actor;
    bool ent = a && chg_is(a->role, "enterprise");
    if (ent && ent_need_enterprise(c, e) != 0) return -1;
    if (!ent && !(a && a->id && (chg_is(a->role, "district") || chg_is(a->role, "admin"))))
        return svc_fail(e, 403, "forbidden", "当前账号的角色无权进行此操作");
    int64_t eid = ent ? a->enterprise_id : 0;
    const char *dc = chg_is(a->role, "district") ? a->district_code : "";
    const char *st = status ? status : "";
    int64_t total = db_scalar_int(c->db, 0,
                                  "SELECT count(*) FROM enterprise_changes c WHERE (? = 0 OR "
                                  "c.enterprise_id = ?) AND (? = '' OR c.from_district = ? OR "
                                  "c.to_district = ?) AND (? = '' OR c.status = ?)",
                                  "iittttt", eid, eid, dc, dc, dc, st, st);
    /* The enterprise reads its story newest first; a reviewer works the oldest pending first. */
    const char *sql =
        ent ? CHG_COLS "WHERE (? = 0 OR c.enterprise_id = ?) AND (? = '' OR c.from_district = ? "
                       "OR c.to_district = ?) AND (? = '' OR c.status = ?) ORDER BY c.id DESC "
                       "LIMIT ? OFFSET ?"
            : CHG_COLS "WHERE (? = 0 OR c.enterprise_id = ?) AND (? = '' OR c.from_district = ? "
                       "OR c.to_district = ?) AND (? = '' OR c.status = ?) ORDER BY CASE WHEN "
                       "c.status = 'pending' THEN 0 ELSE 1 END, CASE WHEN c.status = 'pending' "
                       "THEN c.id ELSE -c.id END LIMIT ? OFFSET ?";
    db_stmt *s = db_query(c->db, sql, "iitttttii", eid, eid, dc, dc, dc, st, st, limit, offset);
    json_t *items = json_array();
    while (db_next(s))
        json_array_append_new(items, chg_row(c, s));
    db_done(s);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

/* ---------------------------------------------------------------- review */

/* The last approval: the profile must still say what the request changes from, and a new
 * USCC must still be free; then the profile and the drafts move and the enterprise's own
 * audit entry names the request (its last_audit_seq keeps the dashboard and the kept
 * application answers current). */
static int chg_apply(svc_ctx *c, int64_t id, int64_t eid, const char *from_dc, const char *to_dc,
                     const char *from_uscc, const char *to_uscc, svc_err *e)
{
    json_t *doc = ent_profile(c->db, eid);
    if (!doc) return svc_fail(e, 500, "internal", "企业信息不存在");
    const char *dc = json_string_value(json_object_get(doc, "district_code"));
    const char *uscc = json_string_value(json_object_get(doc, "uscc"));
    bool same_dc = from_dc ? chg_is(dc, from_dc) : !dc || !*dc;
    bool same_uscc = from_uscc ? chg_is(uscc, from_uscc) : !uscc || !*uscc;
    if (!same_dc || !same_uscc) {
        json_decref(doc);
        return svc_fail(e, 409, "wrong_state",
                        "企业信息已变更，请重新提交：该申请提交后企业的所在区县或信用代码已不同");
    }
    json_t *fields = json_array();
    if (to_dc) {
        json_object_set_new(doc, "district_code", json_string(to_dc));
        json_array_append_new(fields, json_string("district_code"));
    }
    if (to_uscc) {
        json_object_set_new(doc, "uscc", json_string(to_uscc));
        json_array_append_new(fields, json_string("uscc"));
    }
    int rc = ent_profile_store(c, eid, doc);
    json_decref(doc);
    if (rc == 1) {
        json_decref(fields);
        return svc_fail(e, 409, "duplicate",
                        "统一社会信用代码 %s 已被其他企业使用：一个信用代码只属于一个企业",
                        to_uscc ? to_uscc : "");
    }
    json_t *d = json_pack("{s:o,s:I}", "fields", fields, "change_id", (json_int_t)id);
    int64_t seq = rc == 0 ? svc_audit(c, "enterprise", eid, "update", NULL, NULL, d) : -1;
    json_decref(d);
    return seq > 0 ? 0 : svc_fail(e, 500, "internal", "保存失败，请稍后重试");
}

typedef struct chg_state {
    int64_t enterprise_id, from_at, to_at;
    char status[16];
    char *from_dc, *to_dc, *from_uscc, *to_uscc;
} chg_state;

static bool chg_state_load(db *d, int64_t id, chg_state *st)
{
    memset(st, 0, sizeof *st);
    db_stmt *s = db_query(d,
                          "SELECT enterprise_id, status, from_district, to_district, from_uscc, "
                          "to_uscc, from_approved_at, to_approved_at FROM enterprise_changes "
                          "WHERE id = ?",
                          "i", id);
    bool found = db_next(s);
    if (found) {
        st->enterprise_id = db_int(s, 0);
        snprintf(st->status, sizeof st->status, "%s", db_text(s, 1) ? db_text(s, 1) : "");
        st->from_dc = db_text(s, 2) ? xstrdup(db_text(s, 2)) : NULL;
        st->to_dc = db_text(s, 3) ? xstrdup(db_text(s, 3)) : NULL;
        st->from_uscc = db_text(s, 4) ? xstrdup(db_text(s, 4)) : NULL;
        st->to_uscc = db_text(s, 5) ? xstrdup(db_text(s, 5)) : NULL;
        st->from_at = db_int(s, 6);
        st->to_at = db_int(s, 7);
    }
    db_done(s);
    return found;
}

static void chg_state_free(chg_state *st)
{
    free(st->from_dc);
    free(st->to_dc);
    free(st->from_uscc);
    free(st->to_uscc);
}

/* Inside the open transaction: the review of `side` on request `id` as `st` stands. */
static int chg_decide(svc_ctx *c, int64_t id, const chg_state *st, const char *side, bool approve,
                      const char *opinion, svc_err *e)
{
    bool admin = chg_is(side, "admin");
    if (!chg_is(st->status, "pending"))
        return svc_fail(e, 409, "wrong_state", "%s",
                        chg_is(st->status, "withdrawn") ? "该申请已被企业撤回"
                                                        : "该申请已审核完毕");
    if ((chg_is(side, "from") && st->from_at > 0) || (chg_is(side, "to") && st->to_at > 0))
        return svc_fail(e, 409, "wrong_state", "本区县已同意该申请，正等待另一方审核");
    int rc = 0;
    const char *to_state = "rejected";
    if (!approve) {
        rc = db_exec(c->db,
                     "UPDATE enterprise_changes SET status = 'rejected', decided_by = ?, "
                     "decided_at = ?, opinion = ?, updated_at = ? WHERE id = ?",
                     "iitii", c->actor->id, c->now, opinion, c->now, id);
    } else {
        bool from_ok = st->from_at > 0 || chg_is(side, "from");
        bool to_ok = !st->to_dc || st->to_at > 0 || chg_is(side, "to");
        bool final = admin || (from_ok && to_ok);
        to_state = final ? "approved" : "pending";
        if (chg_is(side, "from"))
            rc = db_exec(c->db,
                         "UPDATE enterprise_changes SET from_approved_by = ?, from_approved_at "
                         "= ?, updated_at = ? WHERE id = ?",
                         "iiii", c->actor->id, c->now, c->now, id);
        else if (chg_is(side, "to"))
            rc = db_exec(c->db,
                         "UPDATE enterprise_changes SET to_approved_by = ?, to_approved_at = ?, "
                         "updated_at = ? WHERE id = ?",
                         "iiii", c->actor->id, c->now, c->now, id);
        if (rc == 0 && final) {
            if (chg_apply(c, id, st->enterprise_id, st->from_dc, st->to_dc, st->from_uscc,
                          st->to_uscc, e) != 0)
                return -1;
            rc = db_exec(c->db,
                         "UPDATE enterprise_changes SET status = 'approved', decided_by = ?, "
                         "decided_at = ?, opinion = ?, updated_at = ? WHERE id = ?",
                         "iitii", c->actor->id, c->now, opinion, c->now, id);
        }
    }
    json_t *d = json_pack("{s:s,s:s?,s:s}", "decision", approve ? "approve" : "reject", "opinion",
                          opinion, "side", side);
    int64_t seq =
        rc == 0 ? svc_audit(c, "enterprise_change", id, "review", "pending", to_state, d) : -1;
    json_decref(d);
    return seq > 0 ? 0 : svc_fail(e, 500, "internal", "保存失败，请稍后重试");
}

int svc_ent_change_review(svc_ctx *c, int64_t id, const json_t *in, json_t **out, svc_err *e)
{
    const svc_actor *a = c->actor;
    if (!(a && a->id && chg_is(a->role, "admin")) && svc_need_role(c, "district", e) != 0)
        return -1;
    if (svc_ent_change_check(c, id, e) != 0) return -1;
    json_t *errors = json_object();
    chg_unknown(in, CHG_REVIEW_KEYS, errors);
    const char *decision =
        svc_enum(in, "decision", CHG_DECISIONS, "应为 approve（同意）或 reject（不同意）", errors);
    bool approve = chg_is(decision, "approve");
    const char *opinion =
        svc_text(in, "opinion", "审核意见", decision && !approve, CHG_TEXT_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    chg_state st;
    if (!chg_state_load(c->db, id, &st)) {
        svc_fail(e, 404, "not_found", "变更申请不存在");
        return svc_abort(c);
    }
    const char *side = chg_side(a, st.from_dc, st.to_dc);
    int rc = side ? chg_decide(c, id, &st, side, approve, opinion, e)
                  : svc_fail(e, 404, "not_found", "变更申请不存在");
    chg_state_free(&st);
    if (rc != 0) return svc_abort(c);
    if (svc_commit(c, 0, e) != 0) return -1;
    *out = chg_load(c, id);
    return 0;
}
