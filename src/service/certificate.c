/* certificate — certification and the certificate's life afterwards (certificate.h). The
 * certificate row holds what is queried and printed now (number, names, status, marks); its
 * story (issued, re-reviewed, renamed, revoked) is the audit trail on entity "certificate", from
 * which the public history is read, so the history can never disagree with the chain. */
#include "service/certificate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/uscc.h"
#include "render/pdf.h"
#include "service/cert_internal.h"
#include "service/publicity.h"
#include "util/util.h"

#define CERT_NAME_MAX 200
#define CERT_DOCNO_MAX 100

/* ---------------------------------------------------------------- rows */

typedef struct cert_row {
    int64_t id, application_id, batch_id, year, enterprise_id, issued_at, revoked_at;
    char no[SVC_CERT_NO_MAX + 8], type[16], district_code[16], status[16], revoked_reason[32];
    char *enterprise_name, *uscc, *project_name, *site_name, *project_class, *document_no;
    char *candidate_for;
} cert_row;

static void cert_row_free(cert_row *r)
{
    free(r->enterprise_name);
    free(r->uscc);
    free(r->project_name);
    free(r->site_name);
    free(r->project_class);
    free(r->document_no);
    free(r->candidate_for);
    memset(r, 0, sizeof *r);
}

static char *cert_dup(db_stmt *s, int col)
{
    return xstrdup(db_text(s, col) ? db_text(s, col) : "");
}

/* A certificate number as typed in a path: URL-safe ASCII of bounded length, else no match. */
static bool cert_no_ok(const char *no)
{
    size_t n = no ? strlen(no) : 0;
    if (n == 0 || n > SVC_CERT_NO_MAX) return false;
    return strspn(no, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

static bool cert_load(db *d, const char *no, cert_row *r)
{
    memset(r, 0, sizeof *r);
    if (!cert_no_ok(no)) return false;
    db_stmt *s = db_query(d,
                          "SELECT id, application_id, batch_id, year, enterprise_id, issued_at, "
                          "revoked_at, certificate_no, type, district_code, status, "
                          "revoked_reason, enterprise_name, uscc, project_name, site_name, "
                          "project_class, document_no, candidate_for FROM certificates WHERE "
                          "certificate_no = ?",
                          "t", no);
    bool found = db_next(s);
    if (found) {
        r->id = db_int(s, 0);
        r->application_id = db_int(s, 1);
        r->batch_id = db_int(s, 2);
        r->year = db_int(s, 3);
        r->enterprise_id = db_int(s, 4);
        r->issued_at = db_int(s, 5);
        r->revoked_at = db_is_null(s, 6) ? 0 : db_int(s, 6);
        snprintf(r->no, sizeof r->no, "%s", db_text(s, 7));
        snprintf(r->type, sizeof r->type, "%s", db_text(s, 8));
        snprintf(r->district_code, sizeof r->district_code, "%s", db_text(s, 9));
        snprintf(r->status, sizeof r->status, "%s", db_text(s, 10));
        snprintf(r->revoked_reason, sizeof r->revoked_reason, "%s",
                 db_text(s, 11) ? db_text(s, 11) : "");
        r->enterprise_name = cert_dup(s, 12);
        r->uscc = cert_dup(s, 13);
        r->project_name = cert_dup(s, 14);
        r->site_name = cert_dup(s, 15);
        r->project_class = cert_dup(s, 16);
        r->document_no = cert_dup(s, 17);
        r->candidate_for = cert_dup(s, 18);
    }
    db_done(s);
    return found;
}

static bool cert_visible(svc_ctx *c, const cert_row *r)
{
    const svc_actor *a = c->actor;
    if (!a || !a->id) return false;
    if (strcmp(a->role, "commission") == 0) return true;
    return strcmp(a->role, "enterprise") == 0 && a->enterprise_id > 0 &&
           a->enterprise_id == r->enterprise_id;
}

/* Loads certificate `no` for a caller who may see it, else 404. */
static int cert_load_visible(svc_ctx *c, const char *no, cert_row *r, svc_err *e)
{
    if (cert_load(c->db, no, r) && cert_visible(c, r)) return 0;
    cert_row_free(r);
    return svc_fail(e, 404, "not_found", "证书不存在");
}

/* The certificate's audit entry; records its number on the row. 0 or -1. */
static int cert_audit(svc_ctx *c, int64_t id, const char *action, const char *from, const char *to,
                      const json_t *detail)
{
    int64_t seq = svc_audit(c, "certificate", id, action, from, to, detail);
    if (seq <= 0) return -1;
    return db_exec(c->db, "UPDATE certificates SET last_audit_seq = ? WHERE id = ?", "ii", seq, id);
}

/* ---------------------------------------------------------------- what is shown */

static const char *cert_type_label(const char *type)
{
    return type && strcmp(type, "factory") == 0 ? "智能工厂" : "数字化车间";
}

static const char *cert_reason_label(const char *r)
{
    static const char *const map[][2] = {
        {"re_review_failed", "复评不合格"},
        {"self_request", "企业申请撤销"},
        {"terminated", "企业已终止经营"},
        {"fraud_or_violation", "弄虚作假或存在违法违规行为"},
    };
    for (size_t i = 0; r && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(r, map[i][0]) == 0) return map[i][1];
    return r ? r : "";
}

/* One public history item from an audit entry, or NULL for entries the public does not see
 * (the enterprise's request, recommendation marks). */
static json_t *cert_history_item(const char *action, const json_t *d)
{
    const char *s = NULL;
    char *text = NULL;
    json_t *o = NULL;
    if (strcmp(action, "issue") == 0) {
        s = json_string_value(json_object_get(d, "document_no"));
        text = xasprintf("认定并颁发证书（%s）%s%s",
                         json_string_value(json_object_get(d, "enterprise")),
                         s && *s ? "，认定文件：" : "", s && *s ? s : "");
        o = json_pack("{s:s,s:O?,s:O?}", "event", "issued", "enterprise",
                      json_object_get(d, "enterprise"), "document_no",
                      json_object_get(d, "document_no"));
    } else if (strcmp(action, "re_review") == 0) {
        const char *res = json_string_value(json_object_get(d, "result"));
        const char *src = json_string_value(json_object_get(d, "source"));
        text =
            xasprintf("复评%s（%s）", res && strcmp(res, "pass") == 0 ? "通过" : "未通过",
                      src && strcmp(src, "national") == 0 ? "国家专家组验收结果" : "本市组织复评");
        o = json_pack("{s:s,s:O?,s:O?}", "event", "re_review", "result",
                      json_object_get(d, "result"), "source", json_object_get(d, "source"));
    } else if (strcmp(action, "revoke") == 0) {
        s = json_string_value(json_object_get(d, "reason"));
        text = xasprintf("证书撤销：%s", cert_reason_label(s));
        o = json_pack("{s:s,s:s?}", "event", "revoked", "reason", s);
    } else if (strcmp(action, "adjust") == 0) {
        s = json_string_value(json_object_get(d, "kind"));
        bool rename = s && strcmp(s, "rename") == 0;
        text = xasprintf("%s：%s → %s", rename ? "企业更名" : "企业重组",
                         json_string_value(json_object_get(d, "old_name")),
                         json_string_value(json_object_get(d, "new_name")));
        o = json_pack("{s:s,s:O?,s:O?,s:O?,s:O?}", "event", rename ? "renamed" : "restructured",
                      "old_name", json_object_get(d, "old_name"), "new_name",
                      json_object_get(d, "new_name"), "old_uscc", json_object_get(d, "old_uscc"),
                      "new_uscc", json_object_get(d, "new_uscc"));
    }
    if (o) json_object_set_new(o, "text", json_string(text));
    free(text);
    return o;
}

static json_t *cert_history(db *d, int64_t id)
{
    json_t *h = json_array();
    db_stmt *s = db_query(d,
                          "SELECT at, action, detail FROM audit WHERE entity = 'certificate' AND "
                          "entity_id = ? ORDER BY seq",
                          "i", id);
    while (db_next(s)) {
        json_t *detail = json_loads(db_text(s, 2), 0, NULL);
        json_t *o = cert_history_item(db_text(s, 1), detail);
        if (o) {
            ce_set_time(o, "at", db_int(s, 0));
            json_array_append_new(h, o);
        }
        json_decref(detail);
    }
    db_done(s);
    return h;
}

static json_t *cert_public_json(db *d, const cert_row *r)
{
    char *batch = db_scalar_text(d, "SELECT name FROM batches WHERE id = ?", "i", r->batch_id);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:s,s:s}", "certificate_no", r->no,
                          "enterprise", r->enterprise_name, "uscc", r->uscc, "project",
                          r->project_name, "site_name", r->site_name, "type", r->type, "type_label",
                          cert_type_label(r->type), "project_class", r->project_class, "batch",
                          batch, "status", r->status, "document_no", r->document_no);
    free(batch);
    ce_set_time(o, "issued_at", r->issued_at);
    ce_set_time(o, "revoked_at", r->revoked_at);
    json_object_set_new(o, "revoked_reason",
                        r->revoked_reason[0] ? json_string(r->revoked_reason) : json_null());
    json_object_set_new(o, "history", cert_history(d, r->id));
    return o;
}

static json_t *cert_requests(db *d, int64_t id)
{
    json_t *a = json_array();
    db_stmt *s = db_query(d,
                          "SELECT id, note, created_at FROM revocation_requests WHERE "
                          "certificate_id = ? ORDER BY id",
                          "i", id);
    while (db_next(s)) {
        json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)db_int(s, 0), "note", db_text(s, 1));
        ce_set_time(o, "created_at", db_int(s, 2));
        json_array_append_new(a, o);
    }
    db_done(s);
    return a;
}

static json_t *cert_adjustment_json(db *d, int64_t id);

static json_t *cert_adjustments(db *d, int64_t id)
{
    json_t *ids = json_array(), *a = json_array();
    db_stmt *s = db_query(
        d, "SELECT id FROM certificate_adjustments WHERE certificate_id = ? ORDER BY id", "i", id);
    while (db_next(s))
        json_array_append_new(ids, json_integer(db_int(s, 0)));
    db_done(s);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
        json_array_append_new(a, cert_adjustment_json(d, json_integer_value(v)));
    json_decref(ids);
    return a;
}

/* The full view for the owner and the commission. */
static json_t *cert_full_json(svc_ctx *c, const cert_row *r)
{
    json_t *o = cert_public_json(c->db, r);
    json_object_set_new(o, "application_id", json_integer(r->application_id));
    json_object_set_new(o, "batch_id", json_integer(r->batch_id));
    json_t *marks = json_loads(r->candidate_for, 0, NULL);
    json_object_set_new(o, "candidate_for", json_is_array(marks) ? marks : json_array());
    if (!json_is_array(marks)) json_decref(marks);
    char *url = render_pdf_verify_url(c->cfg ? c->cfg->public_url : "", r->no);
    json_object_set_new(o, "verify_url", json_string(url));
    free(url);
    json_object_set_new(o, "revocation_requests", cert_requests(c->db, r->id));
    json_object_set_new(o, "adjustments", cert_adjustments(c->db, r->id));
    return o;
}

/* Commits and answers the certificate as the caller now sees it. */
static int cert_commit(svc_ctx *c, const char *no, json_t **out, svc_err *e)
{
    if (svc_commit(c, 0, e) != 0) return -1;
    return svc_cert_get(c, no, out, e);
}

int svc_cert_public(svc_ctx *c, const char *no, json_t **out, svc_err *e)
{
    cert_row r;
    if (!cert_load(c->db, no, &r)) return svc_fail(e, 404, "not_found", "没有编号为该号码的证书");
    *out = cert_public_json(c->db, &r);
    cert_row_free(&r);
    return 0;
}

int svc_cert_check_visible(svc_ctx *c, const char *no, svc_err *e)
{
    cert_row r;
    if (cert_load_visible(c, no, &r, e) != 0) return -1;
    cert_row_free(&r);
    return 0;
}

int svc_cert_get(svc_ctx *c, const char *no, json_t **out, svc_err *e)
{
    cert_row r;
    if (cert_load_visible(c, no, &r, e) != 0) return -1;
    *out = cert_full_json(c, &r);
    cert_row_free(&r);
    return 0;
}

int svc_cert_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e)
{
    const svc_actor *a = c->actor;
    bool all = a && strcmp(a->role, "commission") == 0;
    if (!all && !(a && strcmp(a->role, "enterprise") == 0))
        return svc_fail(e, 403, "forbidden", "当前账号的角色无权进行此操作");
    int64_t eid = all ? 0 : a->enterprise_id;
    int64_t total = db_scalar_int(
        c->db, 0, "SELECT count(*) FROM certificates WHERE (? = 0 OR enterprise_id = ?)", "ii", eid,
        eid);
    json_t *nos = json_array(), *items = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT certificate_no FROM certificates WHERE (? = 0 OR enterprise_id "
                          "= ?) ORDER BY id DESC LIMIT ? OFFSET ?",
                          "iiii", eid, eid, limit, offset);
    while (db_next(s))
        json_array_append_new(nos, json_string(db_text(s, 0)));
    db_done(s);
    size_t i;
    json_t *v;
    json_array_foreach(nos, i, v)
    {
        cert_row r;
        if (!cert_load(c->db, json_string_value(v), &r)) continue;
        json_t *o = cert_public_json(c->db, &r);
        json_object_set_new(o, "application_id", json_integer(r.application_id));
        json_object_set_new(o, "batch_id", json_integer(r.batch_id));
        json_array_append_new(items, o);
        cert_row_free(&r);
    }
    json_decref(nos);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

/* ---------------------------------------------------------------- certify */

void svc_cert_number(char *buf, size_t len, int64_t year, const char *type, int64_t seq)
{
    snprintf(buf, len, "CQ-%04lld-%c-%04lld", (long long)year,
             type && strcmp(type, "factory") == 0 ? 'F' : 'W', (long long)seq);
}

/* 409 unless the 公示 period is over (its end instant included) with no open objection. */
static int cert_period_over(svc_ctx *c, const svc_app *a, svc_err *e)
{
    int64_t starts = 0, ends = 0;
    if (!svc_pub_period(c->db, a->id, &starts, &ends))
        return svc_fail(e, 409, "wrong_state", "该申报尚未公示，不能认定");
    if (c->now < ends) {
        char buf[CAL_TIME_BUF];
        return svc_fail(e, 409, "conflict", "公示期至 %s 结束，期满后方可认定",
                        cal_format_rfc3339(ends, buf));
    }
    int64_t open = svc_pub_open_objections(c->db, a->id);
    if (open > 0)
        return svc_fail(e, 409, "conflict", "该申报有 %lld 件异议尚未处理，处理后方可认定",
                        (long long)open);
    return 0;
}

/* Inserts the certificate row with the next number of its year and type (under the write
 * lock; the unique index is the last word). *id and no are filled. */
static int cert_insert(svc_ctx *c, const svc_app *a, const json_t *names, const char *docno,
                       int64_t *id, char *no, size_t nolen)
{
    int64_t year =
        db_scalar_int(c->db, 0, "SELECT year FROM batches WHERE id = ?", "i", a->batch_id);
    int64_t seq =
        db_scalar_int(c->db, 0, "SELECT max(seq) FROM certificates WHERE year = ? AND type = ?",
                      "it", year, a->type) +
        1;
    svc_cert_number(no, nolen, year, a->type, seq);
    const char *site = json_string_value(json_object_get(names, "site_name"));
    const char *cls = json_string_value(json_object_get(names, "class"));
    *id = db_insert(c->db,
                    "INSERT INTO certificates (certificate_no, application_id, batch_id, year, "
                    "type, seq, enterprise_id, district_code, enterprise_name, uscc, "
                    "project_name, site_name, project_class, document_no, status, issued_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'valid', ?)",
                    "tiiitiittttttti", no, a->id, a->batch_id, year, a->type, seq, a->enterprise_id,
                    a->district_code, json_string_value(json_object_get(names, "enterprise")),
                    a->uscc, json_string_value(json_object_get(names, "project")), site ? site : "",
                    cls ? cls : "", docno ? docno : "", c->now);
    return *id > 0 ? 0 : -1;
}

int svc_cert_certify(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    svc_app a;
    if (svc_app_head(c->db, app_id, &a) != 0) return svc_fail(e, 404, "not_found", "申报不存在");
    json_t *errors = json_object();
    const char *docno = svc_text(in, "document_no", "认定文件文号", false, CERT_DOCNO_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    svc_app_head(c->db, app_id, &a);
    wf_state to;
    if (svc_app_next(&a, WF_CERTIFY, &to, e) != 0 || cert_period_over(c, &a, e) != 0)
        return svc_abort(c);
    json_t *names = ce_app_names(c->db, a.id);
    char no[SVC_CERT_NO_MAX + 8];
    int64_t id = 0;
    int rc = cert_insert(c, &a, names, docno, &id, no, sizeof no);
    json_t *detail = json_pack("{s:s,s:s?,s:I,s:O?}", "certificate_no", no, "document_no", docno,
                               "application_id", (json_int_t)a.id, "enterprise",
                               json_object_get(names, "enterprise"));
    if (rc == 0) rc = cert_audit(c, id, "issue", NULL, "valid", detail);
    json_decref(detail);
    json_decref(names);
    if (rc == 0) {
        char *why = xasprintf("认定为%s，证书编号 %s%s%s", cert_type_label(a.type), no,
                              docno ? "，认定文件：" : "", docno ? docno : "");
        json_t *d2 =
            json_pack("{s:s,s:s,s:s?}", "reason", why, "certificate_no", no, "document_no", docno);
        free(why);
        rc = ce_app_move(c, &a, WF_CERTIFY, to, d2);
        json_decref(d2);
    }
    if (rc != 0) return svc_commit(c, -1, e);
    return cert_commit(c, no, out, e);
}

/* ---------------------------------------------------------------- the PDF */

/* The one place the certificate is drawn (render/pdf.c), so the endpoint does not care how. */
static int cert_render(svc_ctx *c, const cert_row *r, char **pdf, size_t *len)
{
    char date[CAL_DATE_BUF];
    cal_format_date(cal_date_of_epoch(r->issued_at), date);
    render_pdf_cert cert = {
        .certificate_no = r->no,
        .type = r->type,
        .enterprise_name = r->enterprise_name,
        .project_name = r->site_name[0] ? r->site_name : r->project_name,
        .issued_on = date,
        .document_no = r->document_no,
        .public_url = c->cfg ? c->cfg->public_url : "",
    };
    char *err = NULL;
    int rc = render_pdf_certificate(&cert, pdf, len, &err);
    if (rc != 0) fprintf(stderr, "smip: certificate %s: %s\n", r->no, err ? err : "render failed");
    free(err);
    return rc;
}

int svc_cert_pdf(svc_ctx *c, const char *no, char **pdf, size_t *len, svc_err *e)
{
    cert_row r;
    if (cert_load_visible(c, no, &r, e) != 0) return -1;
    int rc = cert_render(c, &r, pdf, len);
    cert_row_free(&r);
    return rc == 0 ? 0 : svc_fail(e, 500, "internal", "证书生成失败，请稍后重试");
}

/* ---------------------------------------------------------------- revocation */

static const char *const CERT_REASONS[] = {"re_review_failed", "self_request", "terminated",
                                           "fraud_or_violation", NULL};

/* Inside the transaction: the certificate and its application become revoked. */
static int cert_do_revoke(svc_ctx *c, const cert_row *r, const char *reason, const char *note)
{
    svc_app a;
    wf_state to;
    svc_err ignore = {0};
    svc_app_head(c->db, r->application_id, &a);
    if (svc_app_next(&a, WF_REVOKE, &to, &ignore) != 0) {
        svc_err_clear(&ignore);
        return -1;
    }
    if (db_exec(c->db,
                "UPDATE certificates SET status = 'revoked', revoked_reason = ?, revoked_at = ? "
                "WHERE id = ?",
                "tii", reason, c->now, r->id) != 0)
        return -1;
    json_t *d = json_pack("{s:s,s:s?}", "reason", reason, "note", note);
    int rc = cert_audit(c, r->id, "revoke", "valid", "revoked", d);
    json_decref(d);
    if (rc != 0) return -1;
    char *why = xasprintf("证书 %s 撤销：%s%s%s", r->no, cert_reason_label(reason),
                          note ? "。" : "", note ? note : "");
    d = json_pack("{s:s,s:s,s:s}", "reason", why, "revocation_reason", reason, "certificate_no",
                  r->no);
    free(why);
    rc = ce_app_move(c, &a, WF_REVOKE, to, d);
    json_decref(d);
    return rc;
}

/* Opens the transaction and loads a certificate that is still valid (409 wrong_state when
 * revoked). On failure the transaction is closed. */
static int cert_begin_valid(svc_ctx *c, const char *no, cert_row *r, svc_err *e)
{
    if (svc_begin(c, e) != 0) return -1;
    if (cert_load_visible(c, no, r, e) != 0) return svc_abort(c);
    if (strcmp(r->status, "valid") == 0) return 0;
    cert_row_free(r);
    svc_fail(e, 409, "wrong_state", "证书已撤销，不能进行此操作");
    return svc_abort(c);
}

int svc_cert_revoke(svc_ctx *c, const char *no, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_cert_check_visible(c, no, e) != 0) return -1;
    json_t *errors = json_object();
    const char *reason =
        svc_enum(in, "reason", CERT_REASONS,
                 "应为 re_review_failed（复评不合格）、self_request（企业申请）、"
                 "terminated（企业终止）或 fraud_or_violation（弄虚作假、违法违规）",
                 errors);
    const char *note = svc_text(in, "note", "撤销说明", true, CE_TEXT_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return -1;
    cert_row r;
    if (cert_begin_valid(c, no, &r, e) != 0) return -1;
    if (strcmp(reason, "self_request") == 0 &&
        db_scalar_int(c->db, 0, "SELECT count(*) FROM revocation_requests WHERE certificate_id = ?",
                      "i", r.id) == 0) {
        cert_row_free(&r);
        svc_fail(e, 409, "conflict", "企业尚未提出撤销申请，不能以“企业申请撤销”为由撤销");
        return svc_abort(c);
    }
    int rc = cert_do_revoke(c, &r, reason, note);
    cert_row_free(&r);
    if (rc != 0) return svc_commit(c, -1, e);
    return cert_commit(c, no, out, e);
}

static const char *const CERT_RESULTS[] = {"pass", "fail", NULL};
static const char *const CERT_SOURCES[] = {"local", "national", NULL};

/* Evidence is a file of the commission or of the certificate's enterprise. */
static bool cert_evidence_ok(svc_ctx *c, int64_t att, int64_t enterprise_id, bool commission)
{
    return db_scalar_int(c->db, 0,
                         "SELECT count(*) FROM attachments t JOIN accounts u ON u.id = "
                         "t.uploader_id WHERE t.id = ? AND ((? = 1 AND u.role = 'commission') "
                         "OR t.enterprise_id = ?)",
                         "iii", att, (int64_t)(commission ? 1 : 0), enterprise_id) > 0;
}

int svc_cert_re_review(svc_ctx *c, const char *no, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    cert_row r;
    if (cert_load_visible(c, no, &r, e) != 0) return -1;
    json_t *errors = json_object();
    const char *result =
        svc_enum(in, "result", CERT_RESULTS, "应为 pass（复评通过）或 fail（复评不合格）", errors);
    const char *source =
        svc_enum(in, "source", CERT_SOURCES,
                 "应为 local（本市组织复评）或 national（国家专家组验收结果）", errors);
    const char *note = svc_text(in, "note", "复评意见", true, CE_TEXT_MAX, errors);
    int64_t att = ce_id(in, "evidence_attachment_id", "复评证明材料", false, errors);
    if (att && !cert_evidence_ok(c, att, r.enterprise_id, true))
        json_object_set_new(errors, "evidence_attachment_id",
                            json_string("证明材料须为委员会或该企业上传的附件"));
    cert_row_free(&r);
    if (svc_fields_done(e, errors) != 0) return -1;
    if (cert_begin_valid(c, no, &r, e) != 0) return -1;
    /* Notice 三(一): only Class I projects (under construction) are re-reviewed at acceptance. */
    if (strcmp(r.project_class, "I") != 0) {
        cert_row_free(&r);
        svc_fail(e, 409, "conflict", "二类（已建成）项目的证书无需复评");
        return svc_abort(c);
    }
    json_t *d = json_pack("{s:s,s:s,s:s}", "result", result, "source", source, "note", note);
    if (att) json_object_set_new(d, "evidence_attachment_id", json_integer(att));
    int rc = cert_audit(c, r.id, "re_review", "valid",
                        strcmp(result, "pass") == 0 ? "valid" : "revoked", d);
    json_decref(d);
    if (rc == 0 && strcmp(result, "fail") == 0)
        rc = cert_do_revoke(c, &r, "re_review_failed", note);
    cert_row_free(&r);
    if (rc != 0) return svc_commit(c, -1, e);
    return cert_commit(c, no, out, e);
}

int svc_cert_revocation_request(svc_ctx *c, const char *no, const json_t *in, json_t **out,
                                svc_err *e)
{
    if (svc_need_role(c, "enterprise", e) != 0) return -1;
    if (svc_cert_check_visible(c, no, e) != 0) return -1;
    json_t *errors = json_object();
    const char *note = svc_text(in, "note", "撤销申请说明", true, CE_TEXT_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return -1;
    cert_row r;
    if (cert_begin_valid(c, no, &r, e) != 0) return -1;
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM revocation_requests WHERE certificate_id = ?",
                      "i", r.id) > 0) {
        cert_row_free(&r);
        svc_fail(e, 409, "duplicate", "已提交撤销申请，请等待市经济信息委处理");
        return svc_abort(c);
    }
    int64_t id = db_insert(c->db,
                           "INSERT INTO revocation_requests (certificate_id, note, requested_by, "
                           "created_at) VALUES (?, ?, ?, ?)",
                           "itii", r.id, note, c->actor->id, c->now);
    json_t *d = json_pack("{s:I,s:s}", "request_id", (json_int_t)id, "note", note);
    int rc = id > 0 ? cert_audit(c, r.id, "revocation_request", NULL, NULL, d) : -1;
    json_decref(d);
    if (rc != 0 || svc_commit(c, 0, e) != 0) {
        cert_row_free(&r);
        return svc_commit(c, -1, e);
    }
    *out = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "certificate_no", r.no, "note", note);
    ce_set_time(*out, "created_at", c->now);
    cert_row_free(&r);
    return 0;
}

/* ---------------------------------------------------------------- recommendation (三(四)) */

static const char *const CERT_MARKS[] = {"benchmark", "innovation_demo", "national_pilot",
                                         "national_project", NULL};

/* candidate_for: distinct values of CERT_MARKS (may be empty) as stored text, or NULL. */
static char *cert_marks(const json_t *in, json_t *errors)
{
    const json_t *a = json_object_get(in, "candidate_for");
    bool ok = json_is_array(a);
    json_t *seen = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);
        bool known = false, dup = false;
        for (const char *const *p = CERT_MARKS; s && *p; p++)
            known = known || strcmp(s, *p) == 0;
        size_t k;
        json_t *w;
        json_array_foreach(seen, k, w) dup = dup || strcmp(json_string_value(w), s) == 0;
        if (!known || dup) ok = false;
        if (known && !dup) json_array_append_new(seen, json_string(s));
    }
    if (!ok) {
        json_decref(seen);
        json_object_set_new(
            errors, "candidate_for",
            json_string("应为不重复的 benchmark（标杆）、innovation_demo（创新示范）、"
                        "national_pilot（国家试点示范）、national_project"
                        "（国家专项）组成的数组"));
        return NULL;
    }
    char *t = json_dumps(seen, JSON_COMPACT);
    json_decref(seen);
    return t;
}

int svc_cert_recommend(svc_ctx *c, const char *no, const json_t *in, json_t **out, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_cert_check_visible(c, no, e) != 0) return -1;
    json_t *errors = json_object();
    char *marks = cert_marks(in, errors);
    if (svc_fields_done(e, errors) != 0) return free(marks), -1;
    cert_row r;
    if (cert_begin_valid(c, no, &r, e) != 0) return free(marks), -1;
    json_t *d = json_pack("{s:o}", "candidate_for", json_loads(marks, 0, NULL));
    int rc =
        db_exec(c->db, "UPDATE certificates SET candidate_for = ? WHERE id = ?", "ti", marks, r.id);
    if (rc == 0) rc = cert_audit(c, r.id, "recommendation", NULL, NULL, d);
    json_decref(d);
    free(marks);
    cert_row_free(&r);
    if (rc != 0) return svc_commit(c, -1, e);
    return cert_commit(c, no, out, e);
}

/* ---------------------------------------------------------------- rename / restructure */

static const char *const CERT_KINDS[] = {"rename", "restructure", NULL};
static const char *const CERT_DECISIONS[] = {"approve", "reject", NULL};

static json_t *cert_adjustment_json(db *d, int64_t id)
{
    db_stmt *s = db_query(d,
                          "SELECT a.id, c.certificate_no, a.kind, a.old_name, a.old_uscc, "
                          "a.new_name, a.new_uscc, a.evidence_attachment_id, a.district_code, "
                          "a.status, a.created_at, a.updated_at, c.application_id FROM "
                          "certificate_adjustments a "
                          "JOIN certificates c ON c.id = a.certificate_id WHERE a.id = ?",
                          "i", id);
    json_t *o = NULL;
    if (db_next(s)) {
        o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:I,s:s,s:s}", "id", (json_int_t)db_int(s, 0),
                      "certificate_no", db_text(s, 1), "kind", db_text(s, 2), "old_name",
                      db_text(s, 3), "old_uscc", db_text(s, 4), "new_name", db_text(s, 5),
                      "new_uscc", db_text(s, 6), "evidence_attachment_id", (json_int_t)db_int(s, 7),
                      "district_code", db_text(s, 8), "status", db_text(s, 9));
        ce_set_time(o, "created_at", db_int(s, 10));
        ce_set_time(o, "updated_at", db_int(s, 11));
        json_object_set_new(o, "application_id", json_integer(db_int(s, 12)));
    }
    db_done(s);
    return o;
}

/* The new USCC of a restructure (normalised into `out`), or a reason in errors. A rename keeps
 * the legal entity, so it names none. */
static void cert_new_uscc(const json_t *in, bool restructure, char out[USCC_LEN + 1],
                          json_t *errors)
{
    json_t *v = json_object_get(in, "new_uscc");
    out[0] = '\0';
    bool given = v && !json_is_null(v);
    if (!restructure) {
        if (given)
            json_object_set_new(errors, "new_uscc",
                                json_string("更名不改变统一社会信用代码；法人主体变更请选择重组"));
        return;
    }
    char why[160] = "";
    if (!given || !json_is_string(v) ||
        uscc_normalize(json_string_value(v), out, why, sizeof why) != 0) {
        out[0] = '\0';
        json_object_set_new(errors, "new_uscc",
                            json_string(given ? "新的统一社会信用代码无效（18 位，校验位正确）"
                                              : "重组须填写新的统一社会信用代码"));
    }
}

int svc_cert_adjustment_create(svc_ctx *c, const char *no, const json_t *in, json_t **out,
                               svc_err *e)
{
    if (svc_need_role(c, "enterprise", e) != 0) return -1;
    if (svc_cert_check_visible(c, no, e) != 0) return -1;
    json_t *errors = json_object();
    const char *kind =
        svc_enum(in, "kind", CERT_KINDS, "应为 rename（更名）或 restructure（重组）", errors);
    const char *name = svc_text(in, "new_name", "新的企业名称", true, CERT_NAME_MAX, errors);
    char uscc[USCC_LEN + 1] = "";
    if (kind) cert_new_uscc(in, strcmp(kind, "restructure") == 0, uscc, errors);
    int64_t att = ce_id(in, "evidence_attachment_id", "更名或重组的证明材料", true, errors);
    if (att && !cert_evidence_ok(c, att, c->actor->enterprise_id, false))
        json_object_set_new(errors, "evidence_attachment_id",
                            json_string("证明材料须为本企业上传的附件（PDF、JPEG 或 PNG）"));
    if (svc_fields_done(e, errors) != 0) return -1;
    cert_row r;
    if (cert_begin_valid(c, no, &r, e) != 0) return -1;
    if (db_scalar_int(c->db, 0,
                      "SELECT count(*) FROM certificate_adjustments WHERE certificate_id = ? AND "
                      "status IN ('pending_district', 'pending_commission')",
                      "i", r.id) > 0) {
        cert_row_free(&r);
        svc_fail(e, 409, "duplicate", "该证书已有待审核的更名或重组申请");
        return svc_abort(c);
    }
    int64_t id = db_insert(
        c->db,
        "INSERT INTO certificate_adjustments (certificate_id, kind, old_name, old_uscc, "
        "new_name, new_uscc, evidence_attachment_id, district_code, status, requested_by, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending_district', ?, ?, ?)",
        "itttttitiii", r.id, kind, r.enterprise_name, r.uscc, name, uscc[0] ? uscc : NULL, att,
        r.district_code, c->actor->id, c->now, c->now);
    json_t *d = json_pack("{s:s,s:s,s:s?,s:s}", "kind", kind, "new_name", name, "new_uscc",
                          uscc[0] ? uscc : NULL, "certificate_no", r.no);
    int64_t seq =
        id > 0 ? svc_audit(c, "adjustment", id, "create", NULL, "pending_district", d) : -1;
    json_decref(d);
    cert_row_free(&r);
    if (seq <= 0 ||
        db_exec(c->db, "UPDATE certificate_adjustments SET last_audit_seq = ? WHERE id = ?", "ii",
                seq, id) != 0 ||
        svc_commit(c, 0, e) != 0)
        return svc_commit(c, -1, e);
    *out = cert_adjustment_json(c->db, id);
    return 0;
}

int svc_cert_adjustment_check(svc_ctx *c, int64_t id, svc_err *e)
{
    char *dc = id > 0 ? db_scalar_text(c->db,
                                       "SELECT district_code FROM certificate_adjustments WHERE "
                                       "id = ?",
                                       "i", id)
                      : NULL;
    const svc_actor *a = c->actor;
    bool ok = dc && a && a->id &&
              (strcmp(a->role, "commission") == 0 ||
               (strcmp(a->role, "district") == 0 && strcmp(a->district_code, dc) == 0));
    free(dc);
    return ok ? 0 : svc_fail(e, 404, "not_found", "更名或重组申请不存在");
}

int svc_cert_adjustments_list(svc_ctx *c, const char *status, int64_t limit, int64_t offset,
                              json_t **out, svc_err *e)
{
    const svc_actor *a = c->actor;
    bool district = a && strcmp(a->role, "district") == 0;
    if (!district && svc_need_role(c, "commission", e) != 0) return -1;
    const char *dc = district ? a->district_code : "", *st = status ? status : "";
    int64_t total = db_scalar_int(c->db, 0,
                                  "SELECT count(*) FROM certificate_adjustments WHERE (? = '' OR "
                                  "district_code = ?) AND (? = '' OR status = ?)",
                                  "tttt", dc, dc, st, st);
    json_t *ids = json_array(), *items = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT id FROM certificate_adjustments WHERE (? = '' OR district_code "
                          "= ?) AND (? = '' OR status = ?) ORDER BY id LIMIT ? OFFSET ?",
                          "ttttii", dc, dc, st, st, limit, offset);
    while (db_next(s))
        json_array_append_new(ids, json_integer(db_int(s, 0)));
    db_done(s);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
        json_array_append_new(items, cert_adjustment_json(c->db, json_integer_value(v)));
    json_decref(ids);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

bool svc_cert_att_visible(svc_ctx *c, int64_t att)
{
    const svc_actor *a = c->actor;
    if (!a || !a->id) return false;
    bool commission = strcmp(a->role, "commission") == 0;
    if (!commission && strcmp(a->role, "district") != 0) return false;
    return db_scalar_int(c->db, 0,
                         "SELECT count(*) FROM certificate_adjustments WHERE "
                         "evidence_attachment_id = ? AND (? = 1 OR district_code = ?)",
                         "iit", att, (int64_t)(commission ? 1 : 0), a->district_code) > 0;
}

/* The commission's approval: the certificate is reissued under the new name (and USCC). */
static int cert_apply_adjustment(svc_ctx *c, int64_t adj_id)
{
    db_stmt *s = db_query(c->db,
                          "SELECT certificate_id, kind, old_name, old_uscc, new_name, new_uscc "
                          "FROM certificate_adjustments WHERE id = ?",
                          "i", adj_id);
    if (!db_next(s)) {
        db_done(s);
        return -1;
    }
    int64_t cert = db_int(s, 0);
    json_t *d = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?}", "adjustment_id", (json_int_t)adj_id, "kind",
                          db_text(s, 1), "old_name", db_text(s, 2), "old_uscc", db_text(s, 3),
                          "new_name", db_text(s, 4), "new_uscc", db_text(s, 5));
    db_done(s);
    const char *nu = json_string_value(json_object_get(d, "new_uscc"));
    int rc = db_exec(c->db,
                     "UPDATE certificates SET enterprise_name = ?, uscc = COALESCE(?, uscc) "
                     "WHERE id = ?",
                     "tti", json_string_value(json_object_get(d, "new_name")), nu, cert);
    if (rc == 0) rc = cert_audit(c, cert, "adjust", NULL, NULL, d);
    json_decref(d);
    return rc;
}

int svc_cert_adjustment_review(svc_ctx *c, int64_t id, const json_t *in, json_t **out, svc_err *e)
{
    const svc_actor *a = c->actor;
    bool district = a && strcmp(a->role, "district") == 0;
    if (!district && svc_need_role(c, "commission", e) != 0) return -1;
    if (svc_cert_adjustment_check(c, id, e) != 0) return -1;
    json_t *errors = json_object();
    const char *decision =
        svc_enum(in, "decision", CERT_DECISIONS, "应为 approve（同意）或 reject（不同意）", errors);
    bool approve = decision && strcmp(decision, "approve") == 0;
    const char *opinion =
        svc_text(in, "opinion", "审核意见", decision && !approve, CE_TEXT_MAX, errors);
    if (svc_fields_done(e, errors) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    char *status =
        db_scalar_text(c->db, "SELECT status FROM certificate_adjustments WHERE id = ?", "i", id);
    const char *want = district ? "pending_district" : "pending_commission";
    bool ok = status && strcmp(status, want) == 0;
    if (!ok) {
        svc_fail(e, 409, "wrong_state", "%s",
                 status && strcmp(status, "pending_district") == 0 ? "该申请须先由区县审核"
                 : status && strcmp(status, "pending_commission") == 0
                     ? "区县已审核，待市经济信息委审核"
                     : "该申请已审核完毕");
        free(status);
        return svc_abort(c);
    }
    const char *to = !approve ? "rejected" : district ? "pending_commission" : "approved";
    json_t *d = json_pack("{s:s,s:s?,s:s}", "decision", decision, "opinion", opinion, "stage",
                          district ? "district" : "commission");
    int64_t seq = svc_audit(c, "adjustment", id, "review", status, to, d);
    json_decref(d);
    free(status);
    int rc = seq > 0 ? db_exec(c->db,
                               "UPDATE certificate_adjustments SET status = ?, updated_at = ?, "
                               "last_audit_seq = ? WHERE id = ?",
                               "tiii", to, c->now, seq, id)
                     : -1;
    if (rc == 0 && strcmp(to, "approved") == 0) rc = cert_apply_adjustment(c, id);
    if (rc != 0 || svc_commit(c, 0, e) != 0) return svc_commit(c, -1, e);
    *out = cert_adjustment_json(c->db, id);
    return 0;
}

bool svc_cert_no_of_application(db *d, int64_t app_id, char *buf, size_t len)
{
    db_stmt *s = db_query(d, "SELECT certificate_no FROM certificates WHERE application_id = ?",
                          "i", app_id);
    bool found = db_next(s);
    if (found) snprintf(buf, len, "%s", db_text(s, 0));
    db_done(s);
    return found;
}
