/* review_expert — the expert side of review.h: expert accounts and their declared conflicts
 * (回避), the commission's assignments (all or nothing), the experts' scored reviews on the
 * batch's score form, and the reviews with their aggregate for the commission and, once their own
 * is in, for the assigned experts. Blind until one's own review is in, as HotCRP does it. */
#include "service/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/decimal.h"
#include "core/uscc.h"
#include "service/accounts.h"
#include "service/reference.h"
#include "service/review_internal.h"
#include "util/assets.h"
#include "util/util.h"

#define RV_MAX_ASSIGN 50 /* experts named in one assignment request */
/* Without a due date from the commission, a score is due at the end of the tenth working day
 * after the assignment: two working weeks, the time provincial reviews usually give. */
#define RV_DEFAULT_DUE_WORKING_DAYS 10
/* How people know an expert: the name, else the login name (accounts as `u`). */
#define RV_EXPERT_LABEL "COALESCE(NULLIF(u.display_name, ''), u.username)"

/* ---------------------------------------------------------------- experts and conflicts */

static json_t *rv_conflicts_of(db *d, int64_t expert_id)
{
    json_t *a = json_array();
    db_stmt *s = db_query(d, "SELECT uscc FROM expert_conflicts WHERE expert_id = ? ORDER BY id",
                          "i", expert_id);
    while (db_next(s))
        json_array_append_new(a, json_string(db_text(s, 0)));
    db_done(s);
    return a;
}

int svc_experts_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    json_t *items = json_array();
    /* The employer's name when it is an enterprise of the platform (one row per credit code). */
    db_stmt *s = db_query(c->db,
                          "SELECT u.id, u.username, u.display_name, u.phone, u.email, "
                          "u.employer_uscc, u.status, u.created_at, " RV_EXPERT_LABEL ", "
                          "(SELECT e.name FROM enterprises e WHERE e.uscc = u.employer_uscc) "
                          "FROM accounts u WHERE u.role = 'expert' ORDER BY u.id LIMIT ? OFFSET ?",
                          "ii", limit, offset);
    while (db_next(s)) {
        char *created = svc_time_str(db_int(s, 7));
        json_array_append_new(
            items, json_pack("{s:I,s:s,s:s?,s:s?,s:s?,s:s?,s:s,s:s,s:s,s:s?}", "id",
                             (json_int_t)db_int(s, 0), "username", db_text(s, 1), "display_name",
                             db_text(s, 2), "phone", db_text(s, 3), "email", db_text(s, 4),
                             "employer_uscc", db_text(s, 5), "status", db_text(s, 6), "created_at",
                             created, "label", db_text(s, 8), "employer_name", db_text(s, 9)));
        free(created);
    }
    db_done(s);
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x) json_object_set_new(
        x, "conflicts", rv_conflicts_of(c->db, json_integer_value(json_object_get(x, "id"))));
    int64_t total =
        db_scalar_int(c->db, 0, "SELECT count(*) FROM accounts WHERE role = 'expert'", "");
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

/* A string field of the create body, or NULL; a non-string value is a field error. */
static const char *rv_str(const json_t *in, const char *key, json_t *errors)
{
    json_t *v = json_object_get(in, key);
    if (v && !json_is_null(v) && !json_is_string(v))
        json_object_set_new(errors, key, json_string("应为文本"));
    return json_string_value(v);
}

int svc_expert_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    json_t *errors = json_object();
    acct_input a = {.role = "expert"};
    a.username = rv_str(in, "username", errors);
    a.password = rv_str(in, "password", errors);
    a.display_name = rv_str(in, "display_name", errors);
    a.phone = rv_str(in, "phone", errors);
    a.email = rv_str(in, "email", errors);
    a.employer_uscc = rv_str(in, "employer_uscc", errors);
    /* Without the employer no conflict of interest could ever be found. */
    if (!a.employer_uscc || !*a.employer_uscc)
        json_object_set_new(errors, "employer_uscc",
                            json_string("请填写专家工作单位的统一社会信用代码（用于回避）"));
    if (svc_fields_done(e, errors) != 0) return -1;
    return svc_account_create(c, &a, out, e);
}

int svc_expert_conflict_add(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "expert", e) != 0) return -1;
    char uscc[USCC_LEN + 1], why[160];
    const char *given = json_string_value(json_object_get(in, "uscc"));
    if (!given || uscc_normalize(given, uscc, why, sizeof why) != 0)
        return svc_fail_fields(
            e, json_pack("{s:s}", "uscc", given ? why : "请填写需回避单位的统一社会信用代码"));
    if (svc_begin(c, e) != 0) return -1;
    int64_t id = db_insert(c->db,
                           "INSERT INTO expert_conflicts (expert_id, uscc, created_at) "
                           "VALUES (?, ?, ?)",
                           "iti", c->actor->id, uscc, c->now);
    if (id == -2) {
        svc_fail(e, 409, "duplicate", "已声明过对 %s 的回避", uscc);
        return svc_abort(c);
    }
    json_t *detail = json_pack("{s:s}", "uscc", uscc);
    int64_t seq =
        id > 0 ? svc_audit(c, "account", c->actor->id, "declare_conflict", NULL, NULL, detail) : -1;
    json_decref(detail);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) return -1;
    char *at = svc_time_str(c->now);
    *out = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "uscc", uscc, "created_at", at);
    free(at);
    return 0;
}

int svc_expert_conflicts_list(svc_ctx *c, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "expert", e) != 0) return -1;
    json_t *items = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT id, uscc, created_at FROM expert_conflicts WHERE expert_id = ? "
                          "ORDER BY id",
                          "i", c->actor->id);
    while (db_next(s)) {
        char *at = svc_time_str(db_int(s, 2));
        json_array_append_new(items, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_int(s, 0),
                                               "uscc", db_text(s, 1), "created_at", at));
        free(at);
    }
    db_done(s);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items));
    return 0;
}

/* Why expert `expert_id` may not review an applicant with `uscc`: its employer, or a conflict it
 * declared. NULL when it may. */
static const char *rv_conflict(db *d, int64_t expert_id, const char *uscc)
{
    if (!uscc || !*uscc) return NULL;
    char *employer =
        db_scalar_text(d, "SELECT employer_uscc FROM accounts WHERE id = ?", "i", expert_id);
    bool same = employer && strcmp(employer, uscc) == 0;
    free(employer);
    if (same) return "工作单位即申报企业";
    if (db_scalar_int(d, 0,
                      "SELECT count(*) FROM expert_conflicts WHERE expert_id = ? AND uscc = ?",
                      "it", expert_id, uscc) > 0)
        return "已声明与申报企业存在利益冲突";
    return NULL;
}

int64_t svc_review_due(db *d, int64_t expert_id, int64_t app_id)
{
    return db_scalar_int(d, 0,
                         "SELECT due_at FROM assignments WHERE application_id = ? AND "
                         "expert_id = ? AND due_at IS NOT NULL",
                         "ii", app_id, expert_id);
}

const char *svc_review_conflict(db *d, int64_t expert_id, int64_t app_id)
{
    char *uscc = db_scalar_text(d, "SELECT uscc FROM applications WHERE id = ?", "i", app_id);
    const char *why = rv_conflict(d, expert_id, uscc);
    free(uscc);
    return why;
}

/* "李建国（x0012，编号 17）": how a message names expert `id` — the name people know, the login
 * name, and the account id the API's clients send; caller frees. */
static char *rv_expert_named(db *d, int64_t id)
{
    char *name =
        db_scalar_text(d, "SELECT " RV_EXPERT_LABEL " FROM accounts u WHERE u.id = ?", "i", id);
    char *user = db_scalar_text(d, "SELECT username FROM accounts WHERE id = ?", "i", id);
    char *out = !name ? xasprintf("编号 %lld", (long long)id)
                : !user || strcmp(name, user) == 0
                    ? xasprintf("%s（编号 %lld）", name, (long long)id)
                    : xasprintf("%s（%s，编号 %lld）", name, user, (long long)id);
    free(name);
    free(user);
    return out;
}

/* ---------------------------------------------------------------- assignments */

static json_t *rv_assignment_items(db *d, int64_t app_id)
{
    json_t *items = json_array();
    db_stmt *s =
        db_query(d,
                 "SELECT s.id, s.expert_id, " RV_EXPERT_LABEL ", u.username, s.created_at, "
                 "(SELECT count(*) FROM expert_reviews r WHERE r.application_id = "
                 "s.application_id AND r.expert_id = s.expert_id), s.due_at FROM "
                 "assignments s "
                 "JOIN accounts u ON u.id = s.expert_id WHERE s.application_id = ? "
                 "ORDER BY s.id",
                 "i", app_id);
    while (db_next(s)) {
        char *at = svc_time_str(db_int(s, 4));
        char *due = db_is_null(s, 6) ? NULL : svc_time_str(db_int(s, 6));
        json_array_append_new(
            items, json_pack("{s:I,s:I,s:s,s:s,s:s,s:b,s:s?}", "id", (json_int_t)db_int(s, 0),
                             "expert_id", (json_int_t)db_int(s, 1), "display_name", db_text(s, 2),
                             "username", db_text(s, 3), "created_at", at, "reviewed",
                             db_int(s, 5) > 0, "due_at", due));
        free(at);
        free(due);
    }
    db_done(s);
    return items;
}

static json_t *rv_assignments_json(svc_ctx *c, int64_t app_id)
{
    char *status =
        db_scalar_text(c->db, "SELECT status FROM applications WHERE id = ?", "i", app_id);
    json_t *items = rv_assignment_items(c->db, app_id);
    json_t *o = json_pack("{s:I,s:s,s:o,s:I}", "application_id", (json_int_t)app_id, "status",
                          status ? status : "", "items", items, "total",
                          (json_int_t)json_array_size(items));
    free(status);
    return o;
}

/* expert_ids: 1..RV_MAX_ASSIGN distinct positive integers, or a reason in errors. */
static void rv_expert_ids(const json_t *ids, json_t *errors)
{
    size_t n = json_array_size(ids);
    const char *why = NULL;
    if (!json_is_array(ids) || n == 0)
        why = "请选择至少 1 名专家（专家账号编号的数组）";
    else if (n > RV_MAX_ASSIGN)
        why = "一次最多分配 50 名专家";
    for (size_t i = 0; !why && i < n; i++) {
        json_t *v = json_array_get(ids, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0) why = "应为专家账号编号（正整数）";
        for (size_t j = 0; !why && j < i; j++)
            if (json_equal(v, json_array_get(ids, j))) why = "同一专家重复出现";
    }
    if (why) json_object_set_new(errors, "expert_ids", json_string(why));
}

/* 404 for an id that is no active expert account. */
static int rv_experts_exist(svc_ctx *c, const json_t *ids, svc_err *e)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id = json_integer_value(v);
        if (db_scalar_int(c->db, 0,
                          "SELECT count(*) FROM accounts WHERE id = ? AND role = 'expert' AND "
                          "status = 'active'",
                          "i", id) == 0)
            return svc_fail(e, 404, "not_found", "编号为 %lld 的专家不存在或账号未启用",
                            (long long)id);
    }
    return 0;
}

/* 409 conflict_of_interest naming the first expert that may not review this applicant, then
 * 409 duplicate for one already assigned. Nothing is written before both pass. */
static int rv_assignable(svc_ctx *c, const svc_app *a, const json_t *ids, svc_err *e)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id = json_integer_value(v);
        const char *why = rv_conflict(c->db, id, a->uscc);
        if (!why) continue;
        char *who = rv_expert_named(c->db, id);
        svc_fail(e, 409, "conflict_of_interest", "专家 %s 须回避：%s（%s）", who, why, a->uscc);
        free(who);
        e->fields = json_pack("{s:s?}", "expert_ids", e->message);
        return -1;
    }
    json_array_foreach(ids, i, v)
    {
        if (!svc_review_assigned(c->db, json_integer_value(v), a->id)) continue;
        char *who = rv_expert_named(c->db, json_integer_value(v));
        svc_fail(e, 409, "duplicate", "专家 %s 已分配评审此申报", who);
        free(who);
        return -1;
    }
    return 0;
}

/* due_at of the body: an RFC 3339 time after now, or (absent or null) the end of the tenth
 * working day after today. 0 with a reason in `errors`. */
static int64_t rv_due_at(svc_ctx *c, const json_t *in, json_t *errors)
{
    json_t *v = json_object_get(in, "due_at");
    int64_t t = 0;
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || cal_parse_rfc3339(json_string_value(v), &t) != 0) {
            json_object_set_new(errors, "due_at",
                                json_string("评审截止时间应为带时区的时间，如 "
                                            "2020-05-08T17:00:00+08:00"));
            return 0;
        }
        if (t <= c->now) {
            json_object_set_new(errors, "due_at", json_string("评审截止时间必须晚于现在"));
            return 0;
        }
        return t;
    }
    cal_table days;
    svc_holidays_load(c->db, &days);
    cal_date last = cal_add_working_days_date(cal_date_of_epoch(c->now),
                                              RV_DEFAULT_DUE_WORKING_DAYS, &days, NULL);
    free((void *)days.days);
    return cal_epoch_of_date(cal_add_days(last, 1));
}

int svc_review_assign(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    svc_app a;
    if (svc_app_open(c, app_id, &a, e) != 0) return svc_abort(c);
    json_t *ids = json_object_get(in, "expert_ids"), *errors = json_object();
    rv_expert_ids(ids, errors);
    int64_t due = rv_due_at(c, in, errors);
    if (svc_fields_done(e, errors) != 0 || rv_experts_exist(c, ids, e) != 0) return svc_abort(c);
    /* At least SVC_REVIEW_MIN_REVIEWS experts: the decision needs that many reviews. The first
     * assignment (which starts the review) names them all at once; later ones may add single
     * experts. */
    if (strcmp(a.status, "district_approved") == 0 &&
        json_array_size(ids) < SVC_REVIEW_MIN_REVIEWS) {
        svc_fail(e, 400, "bad_request", "首次分配须至少 %d 名评审专家", SVC_REVIEW_MIN_REVIEWS);
        svc_field(e, "expert_ids", "首次分配须至少 %d 名评审专家", SVC_REVIEW_MIN_REVIEWS);
        return svc_abort(c);
    }
    wf_state to;
    if (svc_app_next(&a, WF_ASSIGN, &to, e) != 0 || rv_assignable(c, &a, ids, e) != 0)
        return svc_abort(c);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (db_insert(c->db,
                      "INSERT INTO assignments (application_id, expert_id, assigned_by, "
                      "created_at, due_at) VALUES (?, ?, ?, ?, ?)",
                      "iiiii", a.id, (int64_t)json_integer_value(v), c->actor->id, c->now,
                      due) <= 0) {
            char *who = rv_expert_named(c->db, json_integer_value(v));
            svc_fail(e, 409, "duplicate", "专家 %s 已分配评审此申报", who);
            free(who);
            return svc_abort(c);
        }
    }
    char *due_text = svc_time_str(due);
    json_t *detail = json_pack("{s:O,s:s}", "expert_ids", ids, "due_at", due_text);
    free(due_text);
    int rc = rv_move(c, &a, wf_action_name(WF_ASSIGN), wf_state_name(to), detail);
    json_decref(detail);
    if (svc_commit(c, rc, e) != 0) return -1;
    *out = rv_assignments_json(c, a.id);
    return 0;
}

int svc_review_assignments(svc_ctx *c, int64_t app_id, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    svc_app a;
    if (svc_app_open(c, app_id, &a, e) != 0) return -1;
    *out = rv_assignments_json(c, a.id);
    return 0;
}

/* ---------------------------------------------------------------- the score form */

/* A score form is [{id,name,max}] with max a positive integer. */
static bool rv_form_ok(const json_t *form)
{
    if (!json_is_array(form) || json_array_size(form) == 0) return false;
    size_t i;
    json_t *v;
    json_array_foreach(form, i, v)
    {
        json_t *max = json_object_get(v, "max");
        if (!json_is_string(json_object_get(v, "id")) || !json_is_integer(max) ||
            json_integer_value(max) <= 0)
            return false;
    }
    return true;
}

/* The score form of batch `batch_id` (rules.score_form); a batch whose rules carry none uses the
 * form of the shipped 2020 batch (data/batch-2020.json), so the points stay data. New reference. */
static json_t *rv_score_form(db *d, int64_t batch_id)
{
    char *t = db_scalar_text(d, "SELECT rules FROM batches WHERE id = ?", "i", batch_id);
    json_t *rules = t ? json_loads(t, 0, NULL) : NULL;
    free(t);
    json_t *form = json_object_get(rules, "score_form");
    if (rv_form_ok(form)) {
        json_incref(form);
        json_decref(rules);
        return form;
    }
    json_decref(rules);
    json_t *b = json_loads(assets_get("data/batch-2020.json", NULL), 0, NULL);
    form = json_incref(json_object_get(json_object_get(b, "rules"), "score_form"));
    json_decref(b);
    return form ? form : json_array();
}

json_t *svc_review_score_form(db *d, int64_t batch_id)
{
    return rv_score_form(d, batch_id);
}

/* Checks criteria against the form: every criterion an integer within 0..max, none unknown.
 * Field errors are named criteria.<id>. Returns the sum. */
static int64_t rv_criteria(const json_t *crit, const json_t *form, json_t *errors)
{
    if (!json_is_object(crit)) {
        json_object_set_new(errors, "criteria", json_string("请按评分表逐项打分"));
        return 0;
    }
    int64_t sum = 0;
    size_t i;
    json_t *f;
    json_array_foreach(form, i, f)
    {
        const char *id = json_string_value(json_object_get(f, "id"));
        const char *name = json_string_value(json_object_get(f, "name"));
        int64_t max = json_integer_value(json_object_get(f, "max"));
        json_t *v = json_object_get(crit, id);
        if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= max) {
            sum += json_integer_value(v);
            continue;
        }
        char *key = xasprintf("criteria.%s", id);
        json_object_set_new(
            errors, key,
            json_sprintf("%s应为 0 至 %lld 之间的整数分", name ? name : id, (long long)max));
        free(key);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)crit, k, v)
    {
        bool known = false;
        json_array_foreach(form, i, f)
        {
            const char *id = json_string_value(json_object_get(f, "id"));
            if (id && strcmp(id, k) == 0) known = true;
        }
        if (known) continue;
        char *key = xasprintf("criteria.%s", k);
        json_object_set_new(errors, key, json_string("不是本批次评分表中的指标"));
        free(key);
    }
    return sum;
}

/* ---------------------------------------------------------------- expert reviews */

static const char *const RV_RECOMMEND[] = {"pass", "fail", NULL};

static json_t *rv_review_row(db_stmt *s)
{
    char *at = svc_time_str(db_int(s, 7));
    json_t *crit = json_loads(db_text(s, 3), 0, NULL);
    json_t *o =
        json_pack("{s:I,s:I,s:s,s:o,s:I,s:s,s:s,s:s}", "id", (json_int_t)db_int(s, 0), "expert_id",
                  (json_int_t)db_int(s, 1), "expert_name", db_text(s, 2), "criteria",
                  crit ? crit : json_object(), "score", (json_int_t)db_int(s, 4), "recommend",
                  db_text(s, 5), "opinion", db_text(s, 6), "created_at", at);
    free(at);
    return o;
}

#define RV_REVIEW_COLS                                                                             \
    "SELECT r.id, r.expert_id, " RV_EXPERT_LABEL ", r.criteria, r.score, r.recommend, "            \
    "r.opinion, "                                                                                  \
    "r.created_at, r.application_id FROM expert_reviews r JOIN accounts u ON u.id = r.expert_id "

static json_t *rv_review_json(db *d, int64_t id)
{
    db_stmt *s = db_query(d, RV_REVIEW_COLS "WHERE r.id = ?", "i", id);
    json_t *o = NULL;
    if (db_next(s)) {
        o = rv_review_row(s);
        json_object_set_new(o, "application_id", json_integer(db_int(s, 8)));
    }
    db_done(s);
    return o;
}

/* 409s after the body: the review is open (expert_review), the expert has not since declared a
 * conflict with the applicant, and it has not reviewed yet. */
static int rv_may_review(svc_ctx *c, const svc_app *a, svc_err *e)
{
    if (strcmp(a->status, "expert_review") != 0)
        return svc_fail(e, 409, "wrong_state", "申报当前不在专家评审阶段，不能提交评审意见");
    const char *why = rv_conflict(c->db, c->actor->id, a->uscc);
    if (why) return svc_fail(e, 409, "conflict_of_interest", "您须回避此申报：%s", why);
    if (db_scalar_int(c->db, 0,
                      "SELECT count(*) FROM expert_reviews WHERE application_id = ? AND "
                      "expert_id = ?",
                      "ii", a->id, c->actor->id) > 0)
        return svc_fail(e, 409, "duplicate", "您已提交过此申报的评审意见，每位专家只能提交一次");
    return 0;
}

int svc_review_expert_submit(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "expert", e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    svc_app a;
    if (svc_app_open(c, app_id, &a, e) != 0) return svc_abort(c);
    json_t *form = rv_score_form(c->db, a.batch_id), *errors = json_object();
    const json_t *crit = json_object_get(in, "criteria");
    int64_t score = rv_criteria(crit, form, errors);
    json_decref(form);
    const char *rec = svc_enum(in, "recommend", RV_RECOMMEND,
                               "应为 pass（建议通过）或 fail（建议不通过）", errors);
    const char *opinion = svc_text(in, "opinion", "评审意见", true, RV_OPINION_MAX, errors);
    if (svc_fields_done(e, errors) != 0 || rv_may_review(c, &a, e) != 0) return svc_abort(c);
    char *ctext = json_dumps(crit, JSON_COMPACT | JSON_SORT_KEYS);
    int64_t id = db_insert(c->db,
                           "INSERT INTO expert_reviews (application_id, expert_id, criteria, "
                           "score, recommend, opinion, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           "iititti", a.id, c->actor->id, ctext, score, rec, opinion, c->now);
    free(ctext);
    if (id == -2) {
        svc_fail(e, 409, "duplicate", "您已提交过此申报的评审意见，每位专家只能提交一次");
        return svc_abort(c);
    }
    /* The timeline shows the opinion without the expert's name or score to the enterprise
     * (application.c); the audit keeps everything for the commission. */
    json_t *detail = json_pack("{s:I,s:s,s:s,s:I}", "review_id", (json_int_t)id, "recommend", rec,
                               "opinion", opinion, "score", (json_int_t)score);
    int rc = id > 0 ? rv_move(c, &a, "expert_review", NULL, detail) : -1;
    json_decref(detail);
    if (svc_commit(c, rc, e) != 0) return -1;
    *out = rv_review_json(c->db, id);
    return 0;
}

/* mean (a decimal string, half up to 4 places), min, max and the votes of `items`. */
static json_t *rv_aggregate(const json_t *items)
{
    size_t n = json_array_size(items), i;
    int64_t sum = 0, lo = 0, hi = 0, pass = 0;
    json_t *r;
    json_array_foreach(items, i, r)
    {
        int64_t s = json_integer_value(json_object_get(r, "score"));
        sum += s;
        lo = i == 0 || s < lo ? s : lo;
        hi = i == 0 || s > hi ? s : hi;
        if (strcmp(json_string_value(json_object_get(r, "recommend")), "pass") == 0) pass++;
    }
    if (n == 0)
        return json_pack("{s:n,s:n,s:n,s:i,s:i}", "mean", "min", "max", "pass_votes", 0,
                         "fail_votes", 0);
    char buf[DEC_BUF];
    int64_t mean = (sum * DEC_SCALE * 2 + (int64_t)n) / (2 * (int64_t)n);
    return json_pack("{s:s,s:I,s:I,s:I,s:I}", "mean", dec_format(mean, buf, sizeof buf), "min",
                     (json_int_t)lo, "max", (json_int_t)hi, "pass_votes", (json_int_t)pass,
                     "fail_votes", (json_int_t)((int64_t)n - pass));
}

int svc_review_expert_list(svc_ctx *c, int64_t app_id, json_t **out, svc_err *e)
{
    bool expert = c->actor && strcmp(c->actor->role, "expert") == 0;
    if (!expert && svc_need_role(c, "commission", e) != 0) return -1;
    svc_app a;
    if (svc_app_open(c, app_id, &a, e) != 0) return -1;
    if (expert && db_scalar_int(c->db, 0,
                                "SELECT count(*) FROM expert_reviews WHERE application_id = ? "
                                "AND expert_id = ?",
                                "ii", a.id, c->actor->id) == 0)
        return svc_fail(e, 403, "forbidden", "请先提交您本人的评审意见，再查看其他专家的意见");
    json_t *items = json_array();
    db_stmt *s =
        db_query(c->db, RV_REVIEW_COLS "WHERE r.application_id = ? ORDER BY r.id", "i", a.id);
    while (db_next(s)) {
        json_t *o = rv_review_row(s);
        bool mine = db_int(s, 1) == c->actor->id;
        json_object_set_new(o, "mine", json_boolean(mine));
        /* Experts read each other's scores and opinions, not who wrote them. */
        if (expert && !mine) {
            json_object_del(o, "expert_id");
            json_object_del(o, "expert_name");
        }
        json_array_append_new(items, o);
    }
    db_done(s);
    json_t *agg = rv_aggregate(items);
    *out = json_pack("{s:o,s:I,s:o}", "items", items, "total", (json_int_t)json_array_size(items),
                     "aggregate", agg);
    return 0;
}
