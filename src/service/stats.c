/* stats — the commission's overview of a batch and its desk list (stats.h). Each figure is one
 * GROUP BY over the batch's rows (index applications_batch); the state's funnel level and the
 * manufacturing type are SQL CASE expressions, so the desk filters by exactly what the
 * statistics counted and the two pages can never disagree. Portable SQL: SQLite and
 * PostgreSQL. */
#include <stdlib.h>
#include <string.h>

#include "service/stats.h"
#include "util/util.h"

/* The funnel: a state's level is the furthest stage it proves the application reached. Side
 * exits stay at the stage they left from (returned and district_rejected were submitted,
 * expert_failed was reviewed, not_certified was in 公示, revoked was certified). */
#define STATS_LEVEL_SQL                                                                            \
    "(CASE a.status WHEN 'draft' THEN 0 WHEN 'submitted' THEN 1 WHEN 'returned' THEN 1 "           \
    "WHEN 'district_rejected' THEN 1 WHEN 'district_approved' THEN 2 WHEN 'expert_review' THEN 3 " \
    "WHEN 'expert_failed' THEN 3 WHEN 'expert_passed' THEN 4 WHEN 'publicity' THEN 5 "             \
    "WHEN 'not_certified' THEN 5 ELSE 6 END)"

/* The enterprise profile is stored as a compact, key-sorted dump (ent_dump), so a member's text
 * is always `"manufacturing_type":"process"`. */
#define STATS_MTYPE_SQL                                                                            \
    "(CASE WHEN e.profile LIKE '%\"manufacturing_type\":\"discrete\"%' THEN 'discrete' "           \
    "WHEN e.profile LIKE '%\"manufacturing_type\":\"process\"%' THEN 'process' "                   \
    "WHEN e.profile LIKE '%\"manufacturing_type\":\"mixed\"%' THEN 'mixed' ELSE 'none' END)"

const char *const stats_stage_state[STATS_STAGES] = {
    "draft",         "submitted", "district_approved", "expert_review",
    "expert_passed", "publicity", "certified"};

static const struct {
    const char *state;
    int level;
} stats_levels[] = {
    {"draft", 0},
    {"submitted", 1},
    {"returned", 1},
    {"district_rejected", 1},
    {"district_approved", 2},
    {"expert_review", 3},
    {"expert_failed", 3},
    {"expert_passed", 4},
    {"publicity", 5},
    {"not_certified", 5},
    {"certified", 6},
    {"revoked", 6},
};

int stats_level(const char *state)
{
    for (size_t i = 0; state && i < sizeof stats_levels / sizeof stats_levels[0]; i++)
        if (strcmp(stats_levels[i].state, state) == 0) return stats_levels[i].level;
    return -1;
}

static const char *const stats_mtypes[][2] = {{"discrete", "离散型制造"},
                                              {"process", "流程型制造"},
                                              {"mixed", "混合型制造"},
                                              {"none", "未填写"}};

const char *stats_mtype_label(const char *code)
{
    for (size_t i = 0; code && i < 4; i++)
        if (strcmp(stats_mtypes[i][0], code) == 0) return stats_mtypes[i][1];
    return "";
}

bool stats_mtype_known(const char *code)
{
    return *stats_mtype_label(code) != '\0';
}

static int stats_need_reader(svc_ctx *c, svc_err *e)
{
    const char *role = c->actor ? c->actor->role : "";
    if (strcmp(role, "commission") == 0 || strcmp(role, "admin") == 0) return 0;
    return svc_fail(e, 403, "forbidden", "只有市经济信息委可以查看统计");
}

/* {key: count} of one GROUP BY whose first column is the key. */
static json_t *stats_group(db *d, const char *sql, int64_t batch_id)
{
    json_t *o = json_object();
    db_stmt *s = db_query(d, sql, "i", batch_id);
    while (db_next(s))
        if (db_text(s, 0)) json_object_set_new(o, db_text(s, 0), json_integer(db_int(s, 1)));
    db_done(s);
    return o;
}

static int64_t stats_get(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

int svc_stats_batch(svc_ctx *c, int64_t batch_id, json_t **out, svc_err *e)
{
    if (stats_need_reader(c, e) != 0) return -1;
    char *name = db_scalar_text(c->db, "SELECT name FROM batches WHERE id = ?", "i", batch_id);
    if (!name) return svc_fail(e, 404, "not_found", "没有这个申报批次");
    int64_t deadline = db_scalar_int(c->db, 0, "SELECT district_deadline FROM batches WHERE id = ?",
                                     "i", batch_id);
    json_t *o = json_pack("{s:{s:I,s:s}}", "batch", "id", (json_int_t)batch_id, "name", name);
    free(name);

    json_t *by_state = stats_group(
        c->db, "SELECT status, count(*) FROM applications WHERE batch_id = ? GROUP BY status",
        batch_id);
    int64_t total = 0, reached[STATS_STAGES] = {0};
    const char *k;
    json_t *v;
    json_object_foreach(by_state, k, v)
    {
        int64_t n = json_integer_value(v);
        int level = stats_level(k);
        total += n;
        for (int i = 0; i <= level && i < STATS_STAGES; i++)
            reached[i] += n;
    }
    json_t *ra = json_array();
    for (int i = 0; i < STATS_STAGES; i++)
        json_array_append_new(ra, json_integer(reached[i]));
    int64_t drafts = stats_get(by_state, "draft");
    json_object_set_new(o, "by_state", by_state);
    json_object_set_new(o, "reached", ra);
    json_object_set_new(o, "total", json_integer(total));
    json_object_set_new(o, "drafts", json_integer(drafts));
    json_object_set_new(o, "submitted", json_integer(total - drafts));

    /* Every district, the ones without an application as 0 (LEFT JOIN from the reference). */
    json_t *dist = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT d.code, d.name, count(a.id) FROM districts d "
                          "LEFT JOIN applications a ON a.district_code = d.code "
                          "AND a.batch_id = ? AND a.status <> 'draft' "
                          "GROUP BY d.code, d.name, d.sort ORDER BY d.sort",
                          "i", batch_id);
    while (db_next(s))
        json_array_append_new(dist, json_pack("{s:s,s:s,s:I}", "code", db_text(s, 0), "name",
                                              db_text(s, 1), "count", (json_int_t)db_int(s, 2)));
    db_done(s);
    json_object_set_new(o, "by_district", dist);

    json_t *by_type = stats_group(c->db,
                                  "SELECT type, count(*) FROM applications WHERE batch_id = ? "
                                  "AND status <> 'draft' GROUP BY type",
                                  batch_id);
    json_object_set_new(o, "by_type",
                        json_pack("{s:I,s:I}", "workshop",
                                  (json_int_t)stats_get(by_type, "workshop"), "factory",
                                  (json_int_t)stats_get(by_type, "factory")));
    json_decref(by_type);
    json_t *by_m =
        stats_group(c->db,
                    "SELECT " STATS_MTYPE_SQL " AS m, count(*) FROM applications a "
                    "JOIN enterprises e ON e.id = a.enterprise_id "
                    "WHERE a.batch_id = ? AND a.status <> 'draft' GROUP BY " STATS_MTYPE_SQL,
                    batch_id);
    json_t *mo = json_object();
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(mo, stats_mtypes[i][0],
                            json_integer(stats_get(by_m, stats_mtypes[i][0])));
    json_decref(by_m);
    json_object_set_new(o, "by_mtype", mo);

    /* Pass rates over the decided ones: the district's (approved ÷ approved + rejected; a
     * returned application is not decided yet), the experts' (passed ÷ passed + failed). */
    const json_t *bs = json_object_get(o, "by_state");
    int64_t d_rejected = stats_get(bs, "district_rejected");
    int64_t x_failed = stats_get(bs, "expert_failed");
    json_object_set_new(o, "district_approved", json_integer(reached[2]));
    json_object_set_new(o, "district_decided", json_integer(reached[2] + d_rejected));
    json_object_set_new(o, "expert_passed", json_integer(reached[4]));
    json_object_set_new(o, "expert_decided", json_integer(reached[4] + x_failed));

    /* Overdue: still waiting for the district at the batch's district deadline, as the
     * district queue flags it. */
    int64_t overdue = c->now >= deadline ? stats_get(bs, "submitted") : 0;
    json_object_set_new(o, "overdue", json_integer(overdue));
    json_object_set_new(o, "district_deadline", json_integer(deadline));

    s = db_query(c->db,
                 "SELECT count(*), coalesce(sum(r.score), 0) FROM expert_reviews r "
                 "JOIN applications a ON a.id = r.application_id WHERE a.batch_id = ?",
                 "i", batch_id);
    int64_t reviews = 0, sum = 0;
    if (db_next(s)) {
        reviews = db_int(s, 0);
        sum = db_int(s, 1);
    }
    db_done(s);
    json_object_set_new(o, "reviews", json_integer(reviews));
    json_object_set_new(o, "score_sum", json_integer(sum));
    *out = o;
    return 0;
}

/* ---------------------------------------------------------------- the desk */

#define DESK_COLS                                                                                  \
    "SELECT a.id, a.batch_id, coalesce(a.snap_enterprise_name, e.name), a.uscc, "                  \
    "coalesce(a.snap_project_name, p.name), a.district_code, d.name, a.type, a.status, "           \
    "a.submitted_at, b.district_deadline "
/* The enterprise and the project are read only for a row without submitted names (a draft), and
 * the enterprise also when the manufacturing type is filtered on (the first parameter): the
 * other rows come from the columns of applications_district_list alone. */
#define DESK_FROM                                                                                  \
    "FROM applications a JOIN batches b ON b.id = a.batch_id "                                     \
    "LEFT JOIN enterprises e ON e.id = a.enterprise_id "                                           \
    "AND (a.snap_enterprise_name IS NULL OR CAST(? AS TEXT) IS NOT NULL) "                         \
    "LEFT JOIN projects p ON p.id = a.project_id AND a.snap_project_name IS NULL "                 \
    "LEFT JOIN districts d ON d.code = a.district_code "
#define DESK_WHERE                                                                                 \
    "WHERE (CAST(? AS BIGINT) = 0 OR a.batch_id = ?) "                                             \
    "AND (CAST(? AS TEXT) IS NULL OR a.status = ?) "                                               \
    "AND (CAST(? AS TEXT) IS NULL OR a.district_code = ?) "                                        \
    "AND (CAST(? AS TEXT) IS NULL OR a.type = ?) "                                                 \
    "AND (CAST(? AS TEXT) IS NULL OR " STATS_MTYPE_SQL " = ?) "                                    \
    "AND " STATS_LEVEL_SQL " >= CAST(? AS BIGINT) "                                                \
    "AND (CAST(? AS BIGINT) = 0 OR (a.status = 'submitted' AND b.district_deadline <= ?)) "        \
    "AND (CAST(? AS TEXT) IS NULL OR coalesce(a.snap_enterprise_name, e.name) LIKE ? ESCAPE '\\' " \
    "OR upper(a.uscc) LIKE ? ESCAPE '\\') "
#define DESK_TYPES "tiittttttttiiittt"
#define DESK_ARGS(f, pat, upat)                                                                    \
    f->mtype, f->batch_id, f->batch_id, f->status, f->status, f->district, f->district, f->type,   \
        f->type, f->mtype, f->mtype, (int64_t)f->reached, (int64_t)f->overdue, c->now, pat, pat,   \
        upat

/* Drafts left out by a literal condition, so that the statement reads the partial covering index
 * of the submitted applications (applications_district_list) instead of every row. */
#define DESK_NO_DRAFTS "AND a.status <> 'draft' "

/* One fixed statement per order (an ORDER BY cannot be a parameter), without drafts and with
 * them; ties by id. */
#define DESK_ORDER(name, order)                                                                    \
    {                                                                                              \
        name, DESK_COLS DESK_FROM DESK_WHERE DESK_NO_DRAFTS order " LIMIT ? OFFSET ?",             \
            DESK_COLS DESK_FROM DESK_WHERE order " LIMIT ? OFFSET ?"                               \
    }
static const char *const desk_orders[][3] = {
    DESK_ORDER("submitted", "ORDER BY coalesce(a.submitted_at, 0) DESC, a.id DESC"),
    DESK_ORDER("name", "ORDER BY coalesce(a.snap_enterprise_name, e.name), a.id"),
    DESK_ORDER("district", "ORDER BY coalesce(d.sort, 0), a.district_code, a.id"),
    DESK_ORDER("status", "ORDER BY " STATS_LEVEL_SQL ", a.status, a.id"),
};
#undef DESK_ORDER

/* '%' + q with LIKE's wildcards escaped + '%'; upper-cased when `upper` (the USCC is stored in
 * capitals). */
static char *desk_pattern(const char *q, bool upper)
{
    size_t n = strlen(q);
    char *p = xmalloc(2 * n + 3), *w = p;
    *w++ = '%';
    for (const char *r = q; *r; r++) {
        if (*r == '%' || *r == '_' || *r == '\\') *w++ = '\\';
        *w++ = upper && *r >= 'a' && *r <= 'z' ? (char)(*r - 32) : *r;
    }
    *w++ = '%';
    *w = '\0';
    return p;
}

static int desk_bad(svc_err *e, const char *field, const char *why)
{
    return svc_fail_fields(e, json_pack("{s:s}", field, why));
}

int svc_desk_list(svc_ctx *c, const svc_desk_filter *f, json_t **out, svc_err *e)
{
    if (stats_need_reader(c, e) != 0) return -1;
    const char *sort = f->sort && *f->sort ? f->sort : "submitted";
    const char *sql = NULL;
    for (size_t i = 0; i < sizeof desk_orders / sizeof desk_orders[0]; i++)
        if (strcmp(desk_orders[i][0], sort) == 0) sql = desk_orders[i][f->drafts ? 2 : 1];
    if (!sql) return desk_bad(e, "sort", "排序方式：不是已知的选项");
    if (f->status && stats_level(f->status) < 0)
        return desk_bad(e, "status", "状态：不是已知的申报状态");
    if (f->type && strcmp(f->type, "workshop") != 0 && strcmp(f->type, "factory") != 0)
        return desk_bad(e, "type", "申报类型：不是已知的申报类型");
    if (f->mtype && !stats_mtype_known(f->mtype))
        return desk_bad(e, "mtype", "制造类型：不是已知的制造类型");
    char *pat = f->q && *f->q ? desk_pattern(f->q, false) : NULL;
    char *upat = pat ? desk_pattern(f->q, true) : NULL;
    json_t *items = json_array();
    db_stmt *s =
        db_query(c->db, sql, DESK_TYPES "ii", DESK_ARGS(f, pat, upat), f->limit, f->offset);
    while (db_next(s)) {
        const char *st = db_text(s, 8);
        int64_t submitted = db_is_null(s, 9) ? 0 : db_int(s, 9), deadline = db_int(s, 10);
        bool overdue = st && strcmp(st, "submitted") == 0 && c->now >= deadline;
        json_t *o = json_pack("{s:I,s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:I,s:I,s:b}", "id",
                              (json_int_t)db_int(s, 0), "batch_id", (json_int_t)db_int(s, 1),
                              "enterprise_name", db_text(s, 2), "uscc", db_text(s, 3),
                              "project_name", db_text(s, 4), "district_code", db_text(s, 5),
                              "district_name", db_text(s, 6), "type", db_text(s, 7), "status", st,
                              "submitted_at", (json_int_t)submitted, "district_deadline",
                              (json_int_t)(submitted ? deadline : 0), "overdue", overdue);
        json_array_append_new(items, o);
    }
    db_done(s);
    /* Without a filter beyond the batch, the count is an index's entries (no row, no join). */
    bool plain =
        !pat && !f->status && !f->district && !f->type && !f->mtype && !f->reached && !f->overdue;
    int64_t total =
        plain ? db_scalar_int(c->db, 0,
                              f->drafts ? "SELECT count(*) FROM applications a "
                                          "WHERE (CAST(? AS BIGINT) = 0 OR a.batch_id = ?)"
                                        : "SELECT count(*) FROM applications a "
                                          "WHERE (CAST(? AS BIGINT) = 0 OR a.batch_id = ?) "
                                          "AND a.status <> 'draft'",
                              "ii", f->batch_id, f->batch_id)
        : f->drafts
            ? db_scalar_int(c->db, 0, "SELECT count(*) " DESK_FROM DESK_WHERE, DESK_TYPES,
                            DESK_ARGS(f, pat, upat))
            : db_scalar_int(c->db, 0, "SELECT count(*) " DESK_FROM DESK_WHERE DESK_NO_DRAFTS,
                            DESK_TYPES, DESK_ARGS(f, pat, upat));
    free(pat);
    free(upat);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

/* ---------------------------------------------------------------- certificates */

/* A valid Class I (under construction) certificate is re-reviewed once its project is built
 * (notice 三(一)); until an entry of that is recorded the re-review is due. */
#define CERT_DUE_SQL                                                                               \
    "(c.status = 'valid' AND c.project_class = 'I' AND NOT EXISTS (SELECT 1 FROM audit u "         \
    "WHERE u.entity = 'certificate' AND u.entity_id = c.id AND u.action = 're_review'))"
#define CERT_FROM                                                                                  \
    "FROM certificates c LEFT JOIN districts d ON d.code = c.district_code "                       \
    "LEFT JOIN revocation_requests q ON q.certificate_id = c.id "
#define CERT_WHERE                                                                                 \
    "WHERE (CAST(? AS TEXT) IS NULL OR c.status = ?) AND (CAST(? AS TEXT) IS NULL OR c.type = ?) " \
    "AND (CAST(? AS TEXT) IS NULL OR c.district_code = ?) "                                        \
    "AND (CAST(? AS TEXT) IS NULL OR (? = 'any' AND c.candidate_for <> '[]') "                     \
    "OR c.candidate_for LIKE ?) "                                                                  \
    "AND (CAST(? AS BIGINT) = 0 OR " CERT_DUE_SQL ") "                                             \
    "AND (CAST(? AS BIGINT) = 0 OR (c.status = 'valid' AND q.id IS NOT NULL)) "                    \
    "AND (CAST(? AS TEXT) IS NULL OR c.enterprise_name LIKE ? ESCAPE '\\' "                        \
    "OR upper(c.uscc) LIKE ? ESCAPE '\\' OR upper(c.certificate_no) LIKE ? ESCAPE '\\') "
#define CERT_TYPES "tttttttttiitttt"
#define CERT_ARGS                                                                                  \
    f->status, f->status, f->type, f->type, f->district, f->district, f->mark, f->mark, markpat,   \
        (int64_t)f->re_review_due, (int64_t)f->requested, pat, pat, upat, upat

static const char *const cert_marks[][2] = {{"benchmark", "标杆"},
                                            {"innovation_demo", "创新示范"},
                                            {"national_pilot", "国家试点示范"},
                                            {"national_project", "国家专项"}};

const char *stats_mark_label(const char *code)
{
    for (size_t i = 0; code && i < 4; i++)
        if (strcmp(cert_marks[i][0], code) == 0) return cert_marks[i][1];
    return "";
}

static json_t *cert_mark_labels(const char *text)
{
    json_t *a = json_array(), *doc = text ? json_loads(text, 0, NULL) : NULL, *v;
    size_t i;
    json_array_foreach(doc, i, v)
    {
        const char *l = stats_mark_label(json_string_value(v));
        if (*l) json_array_append_new(a, json_string(l));
    }
    json_decref(doc);
    return a;
}

int svc_cert_overview(svc_ctx *c, const svc_cert_filter *f, json_t **out, svc_err *e)
{
    if (stats_need_reader(c, e) != 0) return -1;
    if (f->status && strcmp(f->status, "valid") != 0 && strcmp(f->status, "revoked") != 0)
        return desk_bad(e, "status", "证书状态：应为有效或已撤销");
    if (f->type && strcmp(f->type, "workshop") != 0 && strcmp(f->type, "factory") != 0)
        return desk_bad(e, "type", "申报类型：不是已知的申报类型");
    if (f->mark && strcmp(f->mark, "any") != 0 && !*stats_mark_label(f->mark))
        return desk_bad(e, "mark", "优先推荐标记：不是已知的标记");
    char *pat = f->q && *f->q ? desk_pattern(f->q, false) : NULL;
    char *upat = pat ? desk_pattern(f->q, true) : NULL;
    char *markpat = f->mark ? xasprintf("%%\"%s\"%%", f->mark) : NULL;
    json_t *items = json_array();
    db_stmt *s = db_query(
        c->db,
        "SELECT c.certificate_no, c.application_id, c.enterprise_name, c.uscc, c.project_name, "
        "c.project_class, c.type, d.name, c.status, c.revoked_reason, c.candidate_for, "
        "c.issued_at, " CERT_DUE_SQL ", q.note, q.created_at " CERT_FROM CERT_WHERE
        "ORDER BY c.issued_at DESC, c.id DESC LIMIT ? OFFSET ?",
        CERT_TYPES "ii", CERT_ARGS, f->limit, f->offset);
    while (db_next(s)) {
        json_t *o =
            json_pack("{s:s?,s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:I,s:b}",
                      "certificate_no", db_text(s, 0), "application_id", (json_int_t)db_int(s, 1),
                      "enterprise_name", db_text(s, 2), "uscc", db_text(s, 3), "project_name",
                      db_text(s, 4), "project_class", db_text(s, 5), "type", db_text(s, 6),
                      "district_name", db_text(s, 7), "status", db_text(s, 8), "revoked_reason",
                      db_text(s, 9), "marks", cert_mark_labels(db_text(s, 10)), "issued_at",
                      (json_int_t)db_int(s, 11), "re_review_due", db_int(s, 12) != 0);
        if (!db_is_null(s, 13))
            json_object_set_new(o, "request",
                                json_pack("{s:s,s:I}", "note", db_text(s, 13), "created_at",
                                          (json_int_t)db_int(s, 14)));
        json_array_append_new(items, o);
    }
    db_done(s);
    int64_t total =
        db_scalar_int(c->db, 0, "SELECT count(*) " CERT_FROM CERT_WHERE, CERT_TYPES, CERT_ARGS);
    free(pat);
    free(upat);
    free(markpat);
    json_t *counts = json_object();
    s = db_query(c->db,
                 "SELECT coalesce(sum(CASE WHEN c.status = 'valid' THEN 1 ELSE 0 END), 0), "
                 "coalesce(sum(CASE WHEN c.status = 'revoked' THEN 1 ELSE 0 END), 0), "
                 "coalesce(sum(CASE WHEN c.candidate_for <> '[]' THEN 1 ELSE 0 END), 0), "
                 "coalesce(sum(CASE WHEN " CERT_DUE_SQL " THEN 1 ELSE 0 END), 0), "
                 "coalesce(sum(CASE WHEN c.status = 'valid' AND q.id IS NOT NULL THEN 1 ELSE 0 "
                 "END), 0) " CERT_FROM,
                 "");
    if (db_next(s)) {
        static const char *const keys[] = {"valid", "revoked", "marked", "re_review_due",
                                           "requested"};
        for (int i = 0; i < 5; i++)
            json_object_set_new(counts, keys[i], json_integer(db_int(s, i)));
    }
    db_done(s);
    *out = json_pack("{s:o,s:I,s:o}", "items", items, "total", (json_int_t)total, "counts", counts);
    return 0;
}
