/* publicity — 公示 and objections (publicity.h). The period is a row per application (what the
 * public list, the objection check and certification read); the state change and its audit
 * entry go through wf_next like every other transition. The objection rate limit reuses login
 * throttling's table (login_failures) with its own scope, inside the same write transaction as
 * the objection, so servers sharing the database share one exact count. */
#include "service/publicity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/cert_internal.h"
#include "service/reference.h"
#include "util/util.h"

#define PUB_MAX_IDS 500
#define PUB_NAME_MAX 100

/* ---------------------------------------------------------------- the period (pure) */

int64_t svc_pub_period_end(int64_t starts, const json_t *rules, const cal_table *t, bool *known)
{
    const json_t *p = json_object_get(rules, "publicity");
    json_int_t n = json_integer_value(json_object_get(p, "length"));
    const char *unit = json_string_value(json_object_get(p, "unit"));
    if (n <= 0 || n > 365) n = SVC_PUB_DEFAULT_LENGTH;
    if (unit && strcmp(unit, "days") == 0) {
        if (known) *known = true;
        return starts + (int64_t)n * 86400;
    }
    return cal_add_working_days(starts, (int)n, t, known);
}

bool svc_pub_period_open(int64_t starts, int64_t ends, int64_t now)
{
    return starts <= now && now < ends;
}

bool svc_pub_period(db *d, int64_t app_id, int64_t *starts, int64_t *ends)
{
    db_stmt *s = db_query(d, "SELECT starts_at, ends_at FROM publicity WHERE application_id = ?",
                          "i", app_id);
    bool found = db_next(s);
    if (found) {
        *starts = db_int(s, 0);
        *ends = db_int(s, 1);
    }
    db_done(s);
    return found;
}

int64_t svc_pub_open_objections(db *d, int64_t app_id)
{
    return db_scalar_int(d, 0,
                         "SELECT count(*) FROM objections WHERE application_id = ? AND "
                         "status = 'open'",
                         "i", app_id);
}

int svc_pub_batch_check(svc_ctx *c, int64_t id, svc_err *e)
{
    if (id > 0 && db_scalar_int(c->db, 0, "SELECT count(*) FROM batches WHERE id = ?", "i", id))
        return 0;
    return svc_fail(e, 404, "not_found", "批次不存在");
}

/* ---------------------------------------------------------------- publish */

/* application_ids: 1–500 distinct positive integers, into ids (caller frees). */
static int64_t *pub_ids(const json_t *in, size_t *n, json_t *errors)
{
    const json_t *a = json_object_get(in, "application_ids");
    *n = 0;
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > PUB_MAX_IDS) {
        json_object_set_new(errors, "application_ids",
                            json_string("应为 1 至 500 个申报编号（正整数）的数组"));
        return NULL;
    }
    int64_t *ids = xcalloc(json_array_size(a), sizeof *ids);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        int64_t id = json_is_integer(v) ? json_integer_value(v) : 0;
        bool dup = false;
        for (size_t k = 0; k < *n; k++)
            dup = dup || ids[k] == id;
        if (id <= 0 || dup) {
            json_object_set_new(errors, "application_ids",
                                json_string(id <= 0 ? "申报编号应为正整数" : "申报编号不得重复"));
            free(ids);
            *n = 0;
            return NULL;
        }
        ids[(*n)++] = id;
    }
    return ids;
}

/* An optional RFC 3339 time; *set tells whether it was given. */
static void pub_time(const json_t *in, const char *key, int64_t *t, bool *set, json_t *errors)
{
    json_t *v = json_object_get(in, key);
    *set = v && !json_is_null(v);
    if (*set && (!json_is_string(v) || cal_parse_rfc3339(json_string_value(v), t) != 0))
        json_object_set_new(errors, key,
                            json_string("时间格式应为 RFC 3339，如 2020-06-01T00:00:00+08:00"));
}

/* Every id names an application of the batch in expert_passed: 404 for one that does not
 * exist, else 409 wrong_state naming the first one that cannot be published. */
static int pub_check_apps(svc_ctx *c, int64_t batch_id, const int64_t *ids, size_t n, svc_err *e)
{
    for (size_t i = 0; i < n; i++) {
        svc_app a;
        if (svc_app_head(c->db, ids[i], &a) != 0) {
            svc_fail(e, 404, "not_found", "申报 %lld 不存在", (long long)ids[i]);
            e->fields = json_pack("{s:s}", "application_ids", e->message);
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        svc_app a;
        wf_state to;
        svc_app_head(c->db, ids[i], &a);
        if (a.batch_id != batch_id)
            svc_fail(e, 409, "wrong_state", "申报 %lld 不属于本批次，不能在本批次公示",
                     (long long)a.id);
        else if (svc_app_next(&a, WF_PUBLISH, &to, e) == 0)
            continue;
        e->fields = json_pack("{s:s}", "application_ids", e->message);
        return -1;
    }
    return 0;
}

/* Writes the period and moves each application into 公示 (inside the transaction). */
static int pub_write(svc_ctx *c, int64_t batch_id, const int64_t *ids, size_t n, int64_t starts,
                     int64_t ends)
{
    char sb[CAL_TIME_BUF], eb[CAL_TIME_BUF];
    cal_format_rfc3339(starts, sb);
    cal_format_rfc3339(ends, eb);
    char *reason = xasprintf("公示期 %s 至 %s", sb, eb);
    json_t *detail = json_pack("{s:s,s:s,s:s,s:I}", "starts_at", sb, "ends_at", eb, "reason",
                               reason, "batch_id", (json_int_t)batch_id);
    free(reason);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        svc_app a;
        svc_app_head(c->db, ids[i], &a);
        if (db_insert(c->db,
                      "INSERT INTO publicity (batch_id, application_id, starts_at, ends_at, "
                      "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                      "iiiiii", batch_id, a.id, starts, ends, c->actor->id, c->now) <= 0)
            rc = -1;
        else
            rc = ce_app_move(c, &a, WF_PUBLISH, WF_PUBLICITY, detail);
    }
    json_decref(detail);
    return rc;
}

/* One item of the public list for application `app_id`. */
static json_t *pub_item(db *d, int64_t app_id, int64_t batch_id, int64_t starts, int64_t ends,
                        int64_t now)
{
    json_t *o = ce_app_names(d, app_id);
    if (!o) o = json_object();
    json_object_del(o, "uscc");
    json_object_del(o, "class");
    json_object_set_new(o, "application_id", json_integer(app_id));
    json_object_set_new(o, "batch_id", json_integer(batch_id));
    ce_set_time(o, "starts_at", starts);
    ce_set_time(o, "ends_at", ends);
    json_object_set_new(o, "open", json_boolean(svc_pub_period_open(starts, ends, now)));
    return o;
}

int svc_pub_publish(svc_ctx *c, int64_t batch_id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_pub_batch_check(c, batch_id, e) != 0) return -1;
    json_t *errors = json_object();
    size_t n = 0;
    int64_t *ids = pub_ids(in, &n, errors);
    int64_t starts = c->now, ends = 0;
    bool has_start, has_end;
    pub_time(in, "starts_at", &starts, &has_start, errors);
    pub_time(in, "ends_at", &ends, &has_end, errors);
    if (!json_object_get(errors, "starts_at") && !json_object_get(errors, "ends_at") && has_end &&
        ends <= starts)
        json_object_set_new(errors, "ends_at", json_string("公示结束时间必须晚于开始时间"));
    if (svc_fields_done(e, errors) != 0) return free(ids), -1;
    json_t *rules = svc_batch_rules(c->db, batch_id, NULL, NULL, NULL);
    bool known = true;
    if (!has_end) {
        cal_table t;
        svc_holidays_load(c->db, &t);
        ends = svc_pub_period_end(starts, rules, &t, &known);
        free((void *)t.days);
    }
    int rc = -1;
    if (svc_begin(c, e) != 0) goto done;
    if (pub_check_apps(c, batch_id, ids, n, e) != 0) {
        svc_abort(c);
        goto done;
    }
    if (pub_write(c, batch_id, ids, n, starts, ends) != 0 || svc_commit(c, 0, e) != 0) {
        svc_commit(c, -1, e);
        goto done;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, pub_item(c->db, ids[i], batch_id, starts, ends, c->now));
    const json_t *period = json_object_get(rules, "publicity");
    *out = json_pack("{s:I,s:O,s:b,s:o,s:I}", "batch_id", (json_int_t)batch_id, "period",
                     period ? period : json_null(), "calendar_known", known, "items", items,
                     "total", (json_int_t)n);
    ce_set_time(*out, "starts_at", starts);
    ce_set_time(*out, "ends_at", ends);
    rc = 0;
done:
    json_decref(rules);
    free(ids);
    return rc;
}

/* ---------------------------------------------------------------- the public list */

int svc_pub_list(svc_ctx *c, int64_t batch_id, int64_t limit, int64_t offset, json_t **out,
                 svc_err *e)
{
    int64_t total = db_scalar_int(c->db, 0,
                                  "SELECT count(*) FROM publicity p JOIN applications a ON a.id "
                                  "= p.application_id WHERE a.status = 'publicity' AND "
                                  "p.starts_at <= ? AND (? = 0 OR p.batch_id = ?)",
                                  "iii", c->now, batch_id, batch_id);
    json_t *rows = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT p.application_id, p.batch_id, p.starts_at, p.ends_at FROM "
                          "publicity p JOIN applications a ON a.id = p.application_id WHERE "
                          "a.status = 'publicity' AND p.starts_at <= ? AND (? = 0 OR "
                          "p.batch_id = ?) ORDER BY p.ends_at DESC, p.application_id LIMIT ? "
                          "OFFSET ?",
                          "iiiii", c->now, batch_id, batch_id, limit, offset);
    while (db_next(s))
        json_array_append_new(rows, json_pack("[I,I,I,I]", (json_int_t)db_int(s, 0),
                                              (json_int_t)db_int(s, 1), (json_int_t)db_int(s, 2),
                                              (json_int_t)db_int(s, 3)));
    db_done(s);
    json_t *items = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_array_append_new(items, pub_item(c->db, json_integer_value(json_array_get(r, 0)),
                                              json_integer_value(json_array_get(r, 1)),
                                              json_integer_value(json_array_get(r, 2)),
                                              json_integer_value(json_array_get(r, 3)), c->now));
    }
    json_decref(rows);
    (void)e;
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

/* ---------------------------------------------------------------- objections */

static json_t *pub_objection_json(db *d, int64_t id)
{
    db_stmt *s = db_query(d,
                          "SELECT id, application_id, batch_id, name, contact, content, status, "
                          "reason, created_at, resolved_at FROM objections WHERE id = ?",
                          "i", id);
    json_t *o = NULL;
    if (db_next(s)) {
        o = json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s?}", "id", (json_int_t)db_int(s, 0),
                      "application_id", (json_int_t)db_int(s, 1), "batch_id",
                      (json_int_t)db_int(s, 2), "name", db_text(s, 3), "contact", db_text(s, 4),
                      "content", db_text(s, 5), "status", db_text(s, 6), "reason", db_text(s, 7));
        const char *st = db_text(s, 6);
        json_object_set_new(o, "outcome", strcmp(st, "open") == 0 ? json_null() : json_string(st));
        ce_set_time(o, "created_at", db_int(s, 8));
        ce_set_time(o, "resolved_at", db_is_null(s, 9) ? 0 : db_int(s, 9));
    }
    db_done(s);
    return o;
}

/* The application must have been published (404 otherwise: the public learns nothing of
 * applications outside 公示). */
static int pub_objection_target(svc_ctx *c, const json_t *in, svc_app *a, int64_t *starts,
                                int64_t *ends, svc_err *e)
{
    json_t *errors = json_object();
    int64_t id = ce_id(in, "application_id", "申报编号 application_id", true, errors);
    if (!id) return svc_fields_done(e, errors);
    json_decref(errors);
    if (!svc_pub_period(c->db, id, starts, ends) || svc_app_head(c->db, id, a) != 0)
        return svc_fail(e, 404, "not_found", "公示中没有编号为 %lld 的申报", (long long)id);
    return 0;
}

/* Real name (or unit) and contact are required: anonymous objections are refused (SPEC §6). */
static int pub_objection_fields(const json_t *in, const char **name, const char **contact,
                                const char **content, svc_err *e)
{
    json_t *errors = json_object();
    *name = svc_text(in, "name", "姓名或单位名称（不受理匿名异议）", true, PUB_NAME_MAX, errors);
    *contact = svc_text(in, "contact", "联系方式（不受理匿名异议）", true, PUB_NAME_MAX, errors);
    *content = svc_text(in, "content", "异议内容及理由", true, CE_TEXT_MAX, errors);
    return svc_fields_done(e, errors);
}

/* 429 when `scope` already used its allowance in the window (inside the transaction); else
 * records this use. */
static int pub_throttle(svc_ctx *c, const char *scope, svc_err *e)
{
    int64_t since = c->now - SVC_PUB_OBJECTION_WINDOW;
    db_exec(c->db, "DELETE FROM login_failures WHERE scope = ? AND at <= ?", "ti", scope, since);
    int64_t n =
        db_scalar_int(c->db, 0, "SELECT count(*) FROM login_failures WHERE scope = ? AND at > ?",
                      "ti", scope, since);
    if (n >= SVC_PUB_OBJECTION_MAX) {
        int64_t first = db_scalar_int(c->db, c->now,
                                      "SELECT at FROM login_failures WHERE scope = ? AND at > ? "
                                      "ORDER BY at LIMIT 1 OFFSET ?",
                                      "tii", scope, since, n - SVC_PUB_OBJECTION_MAX);
        int64_t wait = first + SVC_PUB_OBJECTION_WINDOW - c->now;
        return svc_fail(e, 429, "throttled",
                        "提交异议过于频繁（同一网络地址 1 小时内最多 %d 件），请 %lld 分钟后再试",
                        SVC_PUB_OBJECTION_MAX, (long long)((wait + 59) / 60));
    }
    return db_insert(c->db, "INSERT INTO login_failures (scope, at) VALUES (?, ?)", "ti", scope,
                     c->now) > 0
               ? 0
               : -1;
}

int svc_pub_objection_create(svc_ctx *c, const json_t *in, const char *client, json_t **out,
                             svc_err *e)
{
    svc_app a;
    int64_t starts = 0, ends = 0;
    const char *name, *contact, *content;
    if (pub_objection_target(c, in, &a, &starts, &ends, e) != 0) return -1;
    if (pub_objection_fields(in, &name, &contact, &content, e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    /* Read again under the write lock: certification or an upheld objection may just have
     * ended the 公示. */
    svc_app_head(c->db, a.id, &a);
    if (strcmp(a.status, "publicity") != 0 || !svc_pub_period_open(starts, ends, c->now)) {
        char sb[CAL_TIME_BUF], eb[CAL_TIME_BUF];
        /* After the end instant the period is over (deadline_passed); before its start, or
         * once the application has left 公示, the state is wrong. */
        bool over = strcmp(a.status, "publicity") == 0 && c->now >= ends;
        svc_fail(e, 409, over ? "deadline_passed" : "wrong_state",
                 "该申报的公示期为 %s 至 %s（不含结束时刻），当前不受理异议",
                 cal_format_rfc3339(starts, sb), cal_format_rfc3339(ends, eb));
        return svc_abort(c);
    }
    char *scope = xasprintf("objection:%s", client && *client ? client : "unknown");
    int rc = pub_throttle(c, scope, e);
    free(scope);
    if (rc != 0) return e->status ? svc_abort(c) : svc_commit(c, -1, e);
    int64_t id = db_insert(c->db,
                           "INSERT INTO objections (application_id, batch_id, name, contact, "
                           "content, client, status, created_at) VALUES (?, ?, ?, ?, ?, ?, "
                           "'open', ?)",
                           "iitttti", a.id, a.batch_id, name, contact, content,
                           client ? client : "", c->now);
    json_t *detail = json_pack("{s:I}", "application_id", (json_int_t)a.id);
    int64_t seq = id > 0 ? svc_audit(c, "objection", id, "create", NULL, "open", detail) : -1;
    json_decref(detail);
    if (seq <= 0 ||
        db_exec(c->db, "UPDATE objections SET last_audit_seq = ? WHERE id = ?", "ii", seq, id) !=
            0 ||
        svc_commit(c, 0, e) != 0)
        return svc_commit(c, -1, e);
    *out = pub_objection_json(c->db, id);
    return 0;
}

int svc_pub_objection_check(svc_ctx *c, int64_t id, svc_err *e)
{
    if (id > 0 && db_scalar_int(c->db, 0, "SELECT count(*) FROM objections WHERE id = ?", "i", id))
        return 0;
    return svc_fail(e, 404, "not_found", "异议不存在");
}

int svc_pub_objections_list(svc_ctx *c, int64_t batch_id, const char *status, int64_t limit,
                            int64_t offset, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    const char *st = status ? status : "";
    int64_t total = db_scalar_int(c->db, 0,
                                  "SELECT count(*) FROM objections WHERE (? = 0 OR batch_id = ?) "
                                  "AND (? = '' OR status = ?)",
                                  "iitt", batch_id, batch_id, st, st);
    json_t *ids = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT id FROM objections WHERE (? = 0 OR batch_id = ?) AND (? = '' "
                          "OR status = ?) ORDER BY id LIMIT ? OFFSET ?",
                          "iittii", batch_id, batch_id, st, st, limit, offset);
    while (db_next(s))
        json_array_append_new(ids, json_integer(db_int(s, 0)));
    db_done(s);
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        json_t *o = pub_objection_json(c->db, json_integer_value(v));
        if (!o) continue;
        json_t *names =
            ce_app_names(c->db, json_integer_value(json_object_get(o, "application_id")));
        json_object_set(o, "enterprise",
                        names ? json_object_get(names, "enterprise") : json_null());
        json_object_set(o, "project", names ? json_object_get(names, "project") : json_null());
        json_decref(names);
        json_array_append_new(items, o);
    }
    json_decref(ids);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

static const char *const PUB_OUTCOMES[] = {"upheld", "dismissed", NULL};

int svc_pub_objection_resolve(svc_ctx *c, int64_t id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_pub_objection_check(c, id, e) != 0) return -1;
    json_t *errors = json_object();
    const char *outcome = svc_enum(in, "outcome", PUB_OUTCOMES,
                                   "应为 upheld（异议成立）或 dismissed（异议不成立）", errors);
    const char *reason = svc_text(in, "reason", "处理理由", true, CE_TEXT_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    char *status = db_scalar_text(c->db, "SELECT status FROM objections WHERE id = ?", "i", id);
    int64_t app_id =
        db_scalar_int(c->db, 0, "SELECT application_id FROM objections WHERE id = ?", "i", id);
    bool open = status && strcmp(status, "open") == 0;
    free(status);
    if (!open) {
        svc_fail(e, 409, "wrong_state", "该异议已处理，不能再次处理");
        return svc_abort(c);
    }
    bool upheld = strcmp(outcome, "upheld") == 0;
    svc_app a;
    wf_state to = WF_NOT_CERTIFIED;
    svc_app_head(c->db, app_id, &a);
    if (upheld && svc_app_next(&a, WF_UPHOLD, &to, e) != 0) return svc_abort(c);
    json_t *detail = json_pack("{s:s,s:s,s:I}", "outcome", outcome, "reason", reason,
                               "application_id", (json_int_t)app_id);
    int64_t seq = svc_audit(c, "objection", id, "resolve", "open", outcome, detail);
    json_decref(detail);
    if (seq <= 0 ||
        db_exec(c->db,
                "UPDATE objections SET status = ?, reason = ?, resolved_by = ?, resolved_at = ?, "
                "last_audit_seq = ? WHERE id = ?",
                "ttiiii", outcome, reason, c->actor->id, c->now, seq, id) != 0)
        return svc_commit(c, -1, e);
    if (upheld) {
        char *why = xasprintf("异议成立，不予认定：%s", reason);
        json_t *d2 = json_pack("{s:s,s:I}", "reason", why, "objection_id", (json_int_t)id);
        free(why);
        int rc = ce_app_move(c, &a, WF_UPHOLD, to, d2);
        json_decref(d2);
        if (rc != 0) return svc_commit(c, -1, e);
    }
    if (svc_commit(c, 0, e) != 0) return -1;
    *out = pub_objection_json(c->db, id);
    return 0;
}
