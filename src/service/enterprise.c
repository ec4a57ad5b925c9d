/* enterprise — the enterprise profile and its projects (see enterprise.h). Documents are JSON
 * texts; the columns the database must index or guard (uscc, name, district_code) are kept in
 * sync with them here. Attachments are in attachment.c, applications in application.c; what
 * the three share is in ent_internal.h. */
#include "service/enterprise.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/merge.h"
#include "core/rules.h"
#include "core/uscc.h"
#include "service/ent_internal.h"
#include "util/util.h"

/* ---------------------------------------------------------------- small helpers */

bool ent_district_known(db *d, const char *code)
{
    return db_scalar_int(d, 0, "SELECT count(*) FROM districts WHERE code = ?", "t", code) > 0;
}

/* ---------------------------------------------------------------- enterprise profile */

static const char *const ENT_FIELDS[] = {"uscc",
                                         "name",
                                         "district_code",
                                         "address",
                                         "legal_representative",
                                         "manufacturing_type",
                                         "independent_legal_person",
                                         "complete_machine",
                                         NULL};
/* Keys GET answers that a client may send back unchanged (svc_writable). */
static const char *const ENT_READONLY[] = {"id", "created_at", "updated_at", "legacy", NULL};
static const char *const ENT_MTYPES[] = {"discrete", "process", "mixed", NULL};
/* The district reviews the enterprise's applications and the credit code is who it is: a
 * change is a request (POST /api/v1/enterprise/changes) the districts or the admin approve. */
#define ENT_CHANGE_DISTRICT                                                                        \
    "所在区县已确定，不能直接修改：请提交区县变更申请，经原、新区县或管理员审核后生效"
#define ENT_CHANGE_USCC                                                                            \
    "统一社会信用代码已确定，不能直接修改：请提交信用代码变更申请，经所在区县或管理员审核后生效"

/* The profile of enterprise `id`: its document with the id and the columns laid over it.
 * New reference; NULL when absent. */
json_t *ent_profile(db *d, int64_t id)
{
    db_stmt *s = db_query(d,
                          "SELECT uscc, name, district_code, profile, legacy, created_at, "
                          "updated_at FROM enterprises WHERE id = ?",
                          "i", id);
    json_t *p = NULL;
    if (db_next(s)) {
        p = ent_load_doc(db_text(s, 3));
        json_object_set_new(p, "id", json_integer(id));
        const char *uscc = db_text(s, 0), *dc = db_text(s, 2);
        json_object_set_new(p, "uscc", uscc ? json_string(uscc) : json_null());
        json_object_set_new(p, "name", json_string(db_text(s, 1)));
        json_object_set_new(p, "district_code", dc ? json_string(dc) : json_null());
        json_object_set_new(p, "legacy", json_boolean(db_int(s, 4) != 0));
        ent_set_time(p, "created_at", db_int(s, 5));
        ent_set_time(p, "updated_at", db_int(s, 6));
    }
    db_done(s);
    return p;
}

int svc_enterprise_get(svc_ctx *c, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    *out = ent_profile(c->db, c->actor->enterprise_id);
    return *out ? 0 : svc_fail(e, 404, "not_found", "企业信息不存在");
}

/* Whether `key` of profile `cur` is set (a string) and `v` (a string) differs from it: the
 * district and the credit code, once set, change only by a request someone approves. */
static bool ent_moves(const json_t *cur, const char *key, const char *v)
{
    const char *was = json_string_value(json_object_get(cur, key));
    return was && *was && (!v || strcmp(was, v) != 0);
}

/* Validates a profile patch (read-only keys already out) into `clean`, the USCC normalised;
 * `cur` is the profile as it stands. */
static void ent_validate_profile(svc_ctx *c, const json_t *patch, const json_t *cur, json_t *clean,
                                 json_t *errors)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        const char *why = NULL;
        if (!ent_in(k, ENT_FIELDS)) {
            why = "未知字段";
        } else if (strcmp(k, "uscc") == 0) {
            char norm[USCC_LEN + 1], err[256];
            if (!json_is_string(v)) {
                why = "统一社会信用代码必填，应为 18 位字符串";
            } else if (uscc_normalize(json_string_value(v), norm, err, sizeof err) != 0) {
                json_object_set_new(errors, k, json_string(err[0] ? err : "统一社会信用代码无效"));
                continue;
            } else if (ent_moves(cur, k, norm)) {
                why = ENT_CHANGE_USCC;
            } else {
                json_object_set_new(clean, k, json_string(norm));
                continue;
            }
        } else if (strcmp(k, "name") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0)
                why = "企业名称必填";
            else if (ent_chars(json_string_value(v)) > 100)
                why = "企业名称不超过 100 个字";
        } else if (strcmp(k, "district_code") == 0) {
            if (!json_is_string(v))
                why = "所在区县必填，应为区县代码（见 GET /api/v1/districts）";
            else if (!ent_district_known(c->db, json_string_value(v)))
                why = "不是重庆市的区县代码（见 GET /api/v1/districts）";
            else if (ent_moves(cur, k, json_string_value(v)))
                why = ENT_CHANGE_DISTRICT;
        } else if (strcmp(k, "address") == 0 || strcmp(k, "legal_representative") == 0) {
            if (!json_is_null(v) && !json_is_string(v))
                why = "应为文字";
            else if (json_is_string(v) && ent_chars(json_string_value(v)) > 200)
                why = "不超过 200 个字";
        } else if (strcmp(k, "manufacturing_type") == 0) {
            if (!json_is_null(v) && !ent_in(json_string_value(v), ENT_MTYPES))
                why = "制造类型应为 discrete（离散型）、process（流程型）或 mixed（混合型）";
        } else if (!json_is_null(v) && !json_is_boolean(v)) {
            why = "应为 true 或 false";
        }
        if (why)
            json_object_set_new(errors, k, json_string(why));
        else
            json_object_set(clean, k, v);
    }
}

int ent_profile_store(svc_ctx *c, int64_t eid, json_t *doc)
{
    for (const char *const *k = ENT_READONLY; *k; k++)
        json_object_del(doc, *k);
    const char *uscc = json_string_value(json_object_get(doc, "uscc"));
    const char *name = json_string_value(json_object_get(doc, "name"));
    const char *dc = json_string_value(json_object_get(doc, "district_code"));
    char *text = ent_dump(doc);
    int rc = db_exec(c->db,
                     "UPDATE enterprises SET uscc = ?, name = ?, district_code = ?, profile = ?, "
                     "updated_at = ? WHERE id = ?",
                     "ttttii", uscc, name ? name : "", dc, text, c->now, eid);
    free(text);
    /* Drafts follow the profile (E4 counts by USCC; the district reviews); submitted
     * applications keep what they were submitted with. */
    if (rc == 0)
        rc = db_exec(c->db,
                     "UPDATE applications SET uscc = ?, district_code = ? WHERE enterprise_id = ? "
                     "AND status = 'draft'",
                     "tti", uscc ? uscc : "", dc ? dc : "", eid);
    return rc;
}

int svc_enterprise_put(svc_ctx *c, const json_t *patch, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    int64_t eid = c->actor->enterprise_id;
    json_t *clean = json_object(), *errors = json_object(), *doc = NULL;
    if (svc_begin(c, e) != 0) goto out;
    doc = ent_profile(c->db, eid);
    if (!doc) {
        svc_fail(e, 404, "not_found", "企业信息不存在");
        goto fail;
    }
    json_t *writable = svc_writable(patch, ENT_READONLY, doc, errors);
    ent_validate_profile(c, writable, doc, clean, errors);
    json_decref(writable);
    if (json_object_size(errors) > 0) {
        svc_fail_fields(e, errors);
        errors = NULL;
        goto fail;
    }
    merge_patch(doc, clean);
    int rc = ent_profile_store(c, eid, doc);
    if (rc == 1) {
        const char *uscc = json_string_value(json_object_get(doc, "uscc"));
        svc_fail(e, 409, "duplicate",
                 "统一社会信用代码 %s 已被其他企业使用：一个信用代码只属于一个企业",
                 uscc ? uscc : "");
        goto fail;
    }
    json_t *detail = json_pack("{s:o}", "fields", ent_keys(clean));
    int64_t seq = rc == 0 ? svc_audit(c, "enterprise", eid, "update", NULL, NULL, detail) : -1;
    json_decref(detail);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) goto fail;
    *out = ent_profile(c->db, eid);
    json_decref(doc);
    json_decref(clean);
    json_decref(errors);
    return 0;
fail:
    db_rollback(c->db);
out:
    json_decref(doc);
    json_decref(clean);
    json_decref(errors);
    return -1;
}

/* ---------------------------------------------------------------- projects */

static const char *const PROJ_READONLY[] = {"id", "enterprise_id", "created_at", "updated_at",
                                            NULL};

#define PROJ_COLS "SELECT id, enterprise_id, doc, created_at, updated_at FROM projects "

/* A string member of a project document, or NULL. The name column is never NULL once written
 * (a project always has a name; "" if it had not), so a NULL name means "not filled yet". */
static const char *proj_str(const json_t *doc, const char *key)
{
    const char *v = json_string_value(json_object_get(doc, key));
    return v || strcmp(key, "name") != 0 ? v : "";
}

/* An integer member of a project document as text for a BIGINT column (buf), or NULL. */
static const char *proj_num(const json_t *doc, const char *key, char buf[24])
{
    json_t *v = json_object_get(doc, key);
    if (!json_is_integer(v)) return NULL;
    snprintf(buf, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return buf;
}

/* The summary columns of `doc` into row `id` (migrations 012 and 014). */
static int proj_set_summary(db *d, int64_t id, const json_t *doc)
{
    char pb[24], ib[24];
    return db_exec(
        d,
        "UPDATE projects SET name = ?, site_name = ?, class = ?, progress_pct = CAST(? AS "
        "BIGINT), investment = CAST(? AS BIGINT) WHERE id = ?",
        "ttttti", proj_str(doc, "name"), proj_str(doc, "site_name"), proj_str(doc, "class"),
        proj_num(doc, "progress_pct", pb), proj_num(doc, "equipment_software_investment", ib), id);
}

int svc_projects_backfill(svc_ctx *c)
{
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM projects WHERE name IS NULL", "") == 0)
        return 0;
    if (db_begin(c->db) != 0) return -1;
    db_stmt *s = db_query(c->db, "SELECT id, doc FROM projects WHERE name IS NULL", "");
    json_t *rows = json_array();
    while (db_next(s))
        json_array_append_new(rows, json_pack("{s:I,s:o}", "id", (json_int_t)db_int(s, 0), "doc",
                                              ent_load_doc(db_text(s, 1))));
    db_done(s);
    int rc = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (proj_set_summary(c->db, (int64_t)json_integer_value(json_object_get(r, "id")),
                             json_object_get(r, "doc")) != 0)
            rc = -1;
    }
    json_decref(rows);
    if (rc != 0) {
        db_rollback(c->db);
        return -1;
    }
    return db_commit(c->db);
}

static json_t *proj_row(db_stmt *s)
{
    json_t *p = ent_load_doc(db_text(s, 2));
    json_object_set_new(p, "id", json_integer(db_int(s, 0)));
    json_object_set_new(p, "enterprise_id", json_integer(db_int(s, 1)));
    ent_set_time(p, "created_at", db_int(s, 3));
    ent_set_time(p, "updated_at", db_int(s, 4));
    return p;
}

/* The project `id` when it belongs to enterprise `eid` (eid 0: any). New reference or NULL. */
json_t *ent_proj_load(db *d, int64_t id, int64_t eid)
{
    db_stmt *s =
        db_query(d, PROJ_COLS "WHERE id = ? AND (? = 0 OR enterprise_id = ?)", "iii", id, eid, eid);
    json_t *p = db_next(s) ? proj_row(s) : NULL;
    db_done(s);
    return p;
}

/* The project document alone (what rules and the snapshot see), with its id. */
json_t *ent_proj_doc(json_t *project)
{
    json_t *d = json_deep_copy(project);
    json_object_del(d, "enterprise_id");
    json_object_del(d, "created_at");
    json_object_del(d, "updated_at");
    return d;
}

/* The checks core does not know: the district exists, the name is there, attachments are
 * the caller's own. `patch` is what the client sent, `merged` the resulting document. */
static void proj_check_extra(svc_ctx *c, const json_t *patch, const json_t *merged, json_t *errors)
{
    json_t *name = json_object_get(patch, "name");
    if (name && (!json_is_string(name) || json_string_length(name) == 0))
        json_object_set_new(errors, "name", json_string("项目名称必填"));
    if (!json_object_get(merged, "name") && !json_object_get(errors, "name"))
        json_object_set_new(errors, "name", json_string("项目名称必填"));
    json_t *dc = json_object_get(patch, "district_code");
    if (json_is_string(dc) && !ent_district_known(c->db, json_string_value(dc)))
        json_object_set_new(errors, "district_code",
                            json_string("不是重庆市的区县代码（见 GET /api/v1/districts）"));
    ent_check_attachments(c, json_object_get(patch, "approval_attachment_ids"),
                          "approval_attachment_ids", errors);
}

/* The enterprise's own district, the default place of its projects (E6). */
char *ent_district(db *d, int64_t eid)
{
    return db_scalar_text(d, "SELECT district_code FROM enterprises WHERE id = ?", "i", eid);
}

int svc_project_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    int64_t eid = c->actor->enterprise_id;
    json_t *errors = json_object(), *doc = json_object();
    json_t *patch = svc_writable(in, PROJ_READONLY, NULL, errors);
    char *text = NULL;
    if (svc_begin(c, e) != 0) goto out;
    rules_validate_project(patch, errors);
    merge_patch(doc, patch); /* drops nulls: absent and null are alike in a create */
    if (!json_object_get(doc, "district_code")) {
        char *dc = ent_district(c->db, eid);
        if (dc) json_object_set_new(doc, "district_code", json_string(dc));
        free(dc);
    }
    if (json_object_size(errors) == 0) rules_validate_project(doc, errors);
    proj_check_extra(c, patch, doc, errors);
    if (json_object_size(errors) > 0) {
        svc_fail_fields(e, errors);
        errors = NULL;
        goto fail;
    }
    text = ent_dump(doc);
    char pb[24], ib[24];
    int64_t id = db_insert(
        c->db,
        "INSERT INTO projects (enterprise_id, doc, created_at, updated_at, name, "
        "site_name, class, progress_pct, investment) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "CAST(? AS BIGINT), CAST(? AS BIGINT))",
        "itiittttt", eid, text, c->now, c->now, proj_str(doc, "name"), proj_str(doc, "site_name"),
        proj_str(doc, "class"), proj_num(doc, "progress_pct", pb),
        proj_num(doc, "equipment_software_investment", ib));
    json_t *detail = json_pack("{s:O?}", "name", json_object_get(doc, "name"));
    int64_t seq = id > 0 ? svc_audit(c, "project", id, "create", NULL, NULL, detail) : -1;
    json_decref(detail);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) goto fail;
    *out = ent_proj_load(c->db, id, eid);
    free(text);
    json_decref(patch);
    json_decref(doc);
    json_decref(errors);
    return 0;
fail:
    db_rollback(c->db);
out:
    free(text);
    json_decref(patch);
    json_decref(doc);
    json_decref(errors);
    return -1;
}

int svc_project_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    *out = id > 0 ? ent_proj_load(c->db, id, c->actor->enterprise_id) : NULL;
    return *out ? 0 : svc_fail(e, 404, "not_found", "项目不存在");
}

/* Edits are allowed at any time: an application copies the project when it is submitted, so
 * later edits never move a submitted application. */
int svc_project_put(svc_ctx *c, int64_t id, const json_t *in, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    int64_t eid = c->actor->enterprise_id;
    json_t *patch = NULL, *cur = NULL, *doc = NULL, *errors = json_object();
    char *text = NULL;
    if (svc_begin(c, e) != 0) goto out;
    cur = id > 0 ? ent_proj_load(c->db, id, eid) : NULL;
    if (!cur) {
        svc_fail(e, 404, "not_found", "项目不存在");
        goto fail;
    }
    patch = svc_writable(in, PROJ_READONLY, cur, errors);
    doc = ent_proj_doc(cur);
    json_object_del(doc, "id");
    rules_validate_project(patch, errors);
    merge_patch(doc, patch);
    if (!json_object_get(doc, "district_code")) {
        char *dc = ent_district(c->db, eid);
        if (dc) json_object_set_new(doc, "district_code", json_string(dc));
        free(dc);
    }
    if (json_object_size(errors) == 0) rules_validate_project(doc, errors);
    proj_check_extra(c, patch, doc, errors);
    if (json_object_size(errors) > 0) {
        svc_fail_fields(e, errors);
        errors = NULL;
        goto fail;
    }
    text = ent_dump(doc);
    int rc = db_exec(c->db, "UPDATE projects SET doc = ?, updated_at = ? WHERE id = ?", "tii", text,
                     c->now, id);
    if (rc == 0) rc = proj_set_summary(c->db, id, doc);
    json_t *detail = json_pack("{s:o}", "fields", ent_keys(patch));
    int64_t seq = rc == 0 ? svc_audit(c, "project", id, "update", NULL, NULL, detail) : -1;
    json_decref(detail);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) goto fail;
    *out = ent_proj_load(c->db, id, eid);
    free(text);
    json_decref(patch);
    json_decref(cur);
    json_decref(doc);
    json_decref(errors);
    return 0;
fail:
    db_rollback(c->db);
out:
    free(text);
    json_decref(patch);
    json_decref(cur);
    json_decref(doc);
    json_decref(errors);
    return -1;
}

/* The summary of a project row written before its summary columns, from its document. */
static svc_project_summary proj_doc_summary(int64_t id, const json_t *doc)
{
    json_t *pr = json_object_get(doc, "progress_pct"),
           *inv = json_object_get(doc, "equipment_software_investment");
    return (svc_project_summary){.id = id,
                                 .name = proj_str(doc, "name"),
                                 .site_name = proj_str(doc, "site_name"),
                                 .klass = proj_str(doc, "class"),
                                 .has_progress = json_is_integer(pr),
                                 .has_investment = json_is_integer(inv),
                                 .progress_pct = json_integer_value(pr),
                                 .investment = json_integer_value(inv)};
}

int64_t svc_projects_each(svc_ctx *c, svc_project_visit visit, void *arg, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    db_stmt *s = db_query(c->db,
                          "SELECT id, name, site_name, class, progress_pct, investment, CASE WHEN "
                          "name IS NULL THEN doc END FROM projects WHERE enterprise_id = ? "
                          "ORDER BY id DESC LIMIT 500",
                          "i", c->actor->enterprise_id);
    int64_t n = 0;
    while (db_next(s)) {
        /* A NULL name: written before the summary columns and not filled yet. */
        json_t *doc = db_is_null(s, 1) ? ent_load_doc(db_text(s, 6)) : NULL;
        svc_project_summary p = doc ? proj_doc_summary(db_int(s, 0), doc)
                                    : (svc_project_summary){.id = db_int(s, 0),
                                                            .name = db_text(s, 1),
                                                            .site_name = db_text(s, 2),
                                                            .klass = db_text(s, 3),
                                                            .has_progress = !db_is_null(s, 4),
                                                            .has_investment = !db_is_null(s, 5),
                                                            .progress_pct = db_int(s, 4),
                                                            .investment = db_int(s, 5)};
        visit(&p, arg);
        json_decref(doc);
        n++;
    }
    db_done(s);
    return n;
}

int svc_projects_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    int64_t eid = c->actor->enterprise_id;
    json_t *items = json_array();
    db_stmt *s =
        db_query(c->db, PROJ_COLS "WHERE enterprise_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                 "iii", eid, limit, offset);
    while (db_next(s))
        json_array_append_new(items, proj_row(s));
    db_done(s);
    /* A first page that is not full already is the whole list: no count needed. */
    int64_t total = (int64_t)json_array_size(items);
    if (offset > 0 || total >= limit)
        total = db_scalar_int(c->db, 0, "SELECT count(*) FROM projects WHERE enterprise_id = ?",
                              "i", eid);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}
