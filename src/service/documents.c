/* documents — see documents.h. Visibility is decided by the services the JSON API uses; this
 * file only gathers the printed fields and hands them to render/. */
#include "service/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decimal.h"
#include "core/workflow.h"
#include "render/pdf.h"
#include "render/pdf_application.h"
#include "render/xlsx.h"
#include "render/zip.h"
#include "service/certificate.h"
#include "service/publicity.h"
#include "service/readable.h"
#include "service/reference.h"
#include "service/review.h"
#include "util/util.h"

#define DOC_PAGE 500 /* the list service's largest page */

/* ==== Helpers ================================================================================= */

static const char *doc_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static const char *doc_type_label(const char *type)
{
    if (strcmp(type, "workshop") == 0) return "数字化车间";
    if (strcmp(type, "factory") == 0) return "智能工厂";
    return type;
}

static const char *doc_status_label(const char *status)
{
    wf_state s;
    return wf_state_parse(status, &s) == 0 ? wf_state_label(s) : status;
}

/* ==== 真实性审核意见 ============================================================================
 */

/* 设备和软件投资 of the project as the application was submitted with it (the snapshot), else as
 * it stands; formatted in 万元 (malloc'd), "" when not given. */
static char *doc_investment(db *d, int64_t app_id)
{
    db_stmt *s = db_query(d,
                          "SELECT a.snapshot, p.doc FROM applications a "
                          "JOIN projects p ON p.id = a.project_id WHERE a.id = ?",
                          "i", app_id);
    json_t *snap = NULL, *live = NULL;
    if (db_next(s)) {
        snap = db_text(s, 0) ? json_loads(db_text(s, 0), 0, NULL) : NULL;
        live = db_text(s, 1) ? json_loads(db_text(s, 1), 0, NULL) : NULL;
    }
    db_done(s);
    json_t *proj = json_object_get(snap, "project");
    json_t *v =
        json_object_get(json_is_object(proj) ? proj : live, "equipment_software_investment");
    char buf[DEC_BUF] = "";
    if (json_is_integer(v)) dec_format_wan(json_integer_value(v), buf, sizeof buf);
    json_decref(snap);
    json_decref(live);
    return xstrdup(buf);
}

int svc_doc_authenticity(svc_ctx *c, int64_t id, svc_file *out, svc_err *e)
{
    memset(out, 0, sizeof *out);
    if (strcmp(c->actor->role, "district") != 0) return svc_fail(e, 404, "not_found", "申报不存在");
    json_t *app = NULL;
    if (svc_app_get(c, id, &app, e) != 0) return -1;
    json_t *ent = json_object_get(app, "enterprise"), *proj = json_object_get(app, "project");
    json_t *district = svc_district(c->db, doc_str(app, "district_code"));
    json_int_t batch_id = json_integer_value(json_object_get(app, "batch_id"));
    json_t *batch = svc_batch_json(c->db, batch_id);
    char *investment = doc_investment(c->db, id);
    render_pdf_app p = {
        .application_id = id,
        .enterprise_name = doc_str(ent, "name"),
        .uscc = doc_str(ent, "uscc"),
        .project_name = doc_str(proj, "name"),
        .site_name = doc_str(proj, "site_name"),
        .type = doc_str(app, "type"),
        .district_name = district ? doc_str(district, "name") : doc_str(app, "district_code"),
        .investment = investment,
        .batch_name = doc_str(batch, "name"),
        .notice_no = doc_str(batch, "notice_no"),
    };
    char *err = NULL;
    int rc = render_pdf_authenticity(&p, &out->data, &out->len, &err);
    if (rc == 0) {
        out->media_type = xstrdup("application/pdf");
        out->filename = xasprintf("真实性审核意见-%lld.pdf", (long long)id);
    } else {
        fprintf(stderr, "smip: authenticity template of application %lld: %s\n", (long long)id,
                err ? err : "?");
        svc_fail(e, 500, "internal", "生成审核意见模板失败，请稍后重试");
    }
    free(err);
    free(investment);
    json_decref(batch);
    json_decref(district);
    json_decref(app);
    return rc;
}

/* ==== Application list as xlsx ================================================================ */

static const render_xlsx_column DOC_APP_COLS[] = {
    {"申报编号", 0}, {"申报批次", 0},      {"企业名称", 0}, {"统一社会信用代码", 0},
    {"项目名称", 0}, {"车间/工厂名称", 0}, {"申报类型", 0}, {"所在区县", 0},
    {"状态", 0},     {"提交时间", 0},      {"更新时间", 0},
};

/* A name from an array of {key_field, name} objects (districts, batches), or NULL. */
static const char *doc_lookup(const json_t *list, const char *key_field, const json_t *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_equal(json_object_get(v, key_field), key))
            return json_string_value(json_object_get(v, "name"));
    }
    return NULL;
}

/* One sheet row from one list item. New reference. */
static json_t *doc_app_row(const json_t *it, const json_t *batches, const json_t *districts)
{
    json_t *bid = json_object_get(it, "batch_id"), *dc = json_object_get(it, "district_code");
    const char *bname = doc_lookup(batches, "id", bid), *dname = doc_lookup(districts, "code", dc);
    return json_pack(
        "[O,s,s,s,s,s,s,s,s,s,s]", json_object_get(it, "id"), bname ? bname : "",
        doc_str(it, "enterprise_name"), doc_str(it, "uscc"), doc_str(it, "project_name"),
        doc_str(it, "site_name"), doc_type_label(doc_str(it, "type")),
        dname ? dname : doc_str(it, "district_code"), doc_status_label(doc_str(it, "status")),
        doc_str(it, "submitted_at"), doc_str(it, "updated_at"));
}

/* Every page of the list for `f` appended to rows as sheet rows. */
static int doc_app_rows(svc_ctx *c, const svc_app_filter *f, json_t *rows, svc_err *e)
{
    json_t *batches = svc_batches(c->db), *districts = svc_districts(c->db);
    json_t *bitems = json_object_get(batches, "items");
    svc_app_filter page = *f;
    page.limit = DOC_PAGE;
    int rc = 0;
    for (page.offset = 0;; page.offset += DOC_PAGE) {
        json_t *out = NULL;
        if ((rc = svc_applications_list(c, &page, &out, e)) != 0) break;
        json_t *items = json_object_get(out, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
            json_array_append_new(rows, doc_app_row(it, bitems, districts));
        size_t n = json_array_size(items);
        json_decref(out);
        if (n < DOC_PAGE) break;
    }
    json_decref(batches);
    json_decref(districts);
    return rc;
}

int svc_doc_applications_xlsx(svc_ctx *c, const svc_app_filter *f, svc_file *out, svc_err *e)
{
    memset(out, 0, sizeof *out);
    json_t *rows = json_array();
    if (doc_app_rows(c, f, rows, e) != 0) {
        json_decref(rows);
        return -1;
    }
    char *err = NULL;
    int rc =
        render_xlsx_table("申报列表", DOC_APP_COLS, sizeof DOC_APP_COLS / sizeof DOC_APP_COLS[0],
                          rows, &out->data, &out->len, &err);
    if (rc == 0) {
        out->media_type =
            xstrdup("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        out->filename = xstrdup("申报列表.xlsx");
    } else {
        fprintf(stderr, "smip: applications export: %s\n", err ? err : "?");
        svc_fail(e, 500, "internal", "导出失败，请稍后重试");
    }
    free(err);
    json_decref(rows);
    return rc;
}

/* ==== The whole material as ZIP =============================================================== */

/* The attachment ids of `list` (a JSON array of integers) appended to `ids` once each. */
static void doc_add_ids(json_t *ids, const json_t *list)
{
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(list, i, v)
    {
        bool dup = !json_is_integer(v);
        json_array_foreach(ids, j, w) dup |= json_equal(v, w);
        if (!dup) json_array_append(ids, v);
    }
}

/* The files of the application (form, project approval proof as submitted) and of its review
 * decisions: two arrays of ids. */
static void doc_material_ids(db *d, int64_t id, const json_t *app, json_t *files, json_t *review)
{
    doc_add_ids(files, json_object_get(app, "attachment_ids"));
    db_stmt *s = db_query(d,
                          "SELECT a.snapshot, p.doc FROM applications a "
                          "JOIN projects p ON p.id = a.project_id WHERE a.id = ?",
                          "i", id);
    if (db_next(s)) {
        json_t *snap = db_text(s, 0) ? json_loads(db_text(s, 0), 0, NULL) : NULL;
        json_t *live = db_text(s, 1) ? json_loads(db_text(s, 1), 0, NULL) : NULL;
        json_t *proj = json_object_get(snap, "project");
        doc_add_ids(files,
                    json_object_get(json_is_object(proj) ? proj : live, "approval_attachment_ids"));
        json_decref(snap);
        json_decref(live);
    }
    db_done(s);
    s = db_query(d,
                 "SELECT attachment_id FROM review_decisions WHERE application_id = ? "
                 "AND attachment_id IS NOT NULL ORDER BY id",
                 "i", id);
    json_t *ids = json_array();
    while (db_next(s))
        json_array_append_new(ids, json_integer(db_int(s, 0)));
    db_done(s);
    doc_add_ids(review, ids);
    json_decref(ids);
}

/* Reads every file of `ids` the caller may open into `files` (under `folder`); the others are
 * left out, as the JSON API would refuse them. */
static void doc_read_files(svc_ctx *c, const json_t *ids, const char *folder, svc_file *files,
                           render_zip_entry *entries, size_t *n)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        svc_err e = {0};
        svc_file *f = &files[*n];
        if (svc_attachment_get(c, json_integer_value(v), f, &e) != 0) {
            svc_err_clear(&e);
            continue;
        }
        char *name = xasprintf("%s/%s", folder, f->filename);
        free(f->filename);
        f->filename = name;
        entries[*n] = (render_zip_entry){.name = f->filename, .data = f->data, .len = f->len};
        (*n)++;
    }
}

int svc_doc_application_pdf(svc_ctx *c, int64_t id, svc_when_fn when, svc_file *out, svc_err *e)
{
    memset(out, 0, sizeof *out);
    json_t *doc = NULL;
    if (svc_app_readable(c, id, when, &doc, e) != 0) return -1;
    char *err = NULL;
    int rc = render_pdf_application(doc, &out->data, &out->len, &err);
    if (rc == 0) {
        out->media_type = xstrdup("application/pdf");
        out->filename = xasprintf("申报书-%lld.pdf", (long long)id);
    } else {
        fprintf(stderr, "smip: application %lld as PDF: %s\n", (long long)id, err ? err : "?");
        svc_fail(e, 500, "internal", "生成申报书 PDF 失败，请稍后重试");
    }
    free(err);
    json_decref(doc);
    return rc;
}

int svc_doc_materials_zip(svc_ctx *c, int64_t id, svc_when_fn when, svc_file *out, svc_err *e)
{
    memset(out, 0, sizeof *out);
    json_t *app = NULL;
    if (svc_app_get(c, id, &app, e) != 0) return -1;
    svc_file pdf;
    if (svc_doc_application_pdf(c, id, when, &pdf, e) != 0) {
        json_decref(app);
        return -1;
    }
    json_t *files_ids = json_array(), *review_ids = json_array();
    doc_material_ids(c->db, id, app, files_ids, review_ids);
    size_t max = 2 + json_array_size(files_ids) + json_array_size(review_ids), n = 2;
    svc_file *files = xcalloc(max, sizeof *files);
    render_zip_entry *entries = xcalloc(max, sizeof *entries);
    char *doc = json_dumps(app, JSON_INDENT(2) | JSON_SORT_KEYS);
    entries[0] = (render_zip_entry){.name = "申报书.json", .data = doc, .len = strlen(doc)};
    entries[1] = (render_zip_entry){.name = "申报书.pdf", .data = pdf.data, .len = pdf.len};
    doc_read_files(c, files_ids, "附件", files, entries, &n);
    doc_read_files(c, review_ids, "审核材料", files, entries, &n);
    char *err = NULL;
    int rc = render_zip(entries, n, &out->data, &out->len, &err);
    if (rc == 0) {
        out->media_type = xstrdup("application/zip");
        out->filename = xasprintf("申报材料-%lld.zip", (long long)id);
    } else {
        fprintf(stderr, "smip: materials of application %lld: %s\n", (long long)id,
                err ? err : "?");
        svc_fail(e, 500, "internal", "生成申报材料压缩包失败，请稍后重试");
    }
    free(err);
    for (size_t i = 0; i < n; i++)
        svc_file_free(&files[i]);
    free(files);
    free(entries);
    free(doc);
    svc_file_free(&pdf);
    json_decref(files_ids);
    json_decref(review_ids);
    json_decref(app);
    return rc;
}

/* ==== The other lists as xlsx ================================================================ */

/* One column of an exported list: its header and the item's key. */
typedef struct doc_col {
    const char *title, *key;
} doc_col;

/* One page of a list service, its filters bound in `arg`. */
typedef int (*doc_page_fn)(svc_ctx *c, const void *arg, int64_t limit, int64_t offset, json_t **out,
                           svc_err *e);

/* Every page of the list as sheet rows of `cols`, then the workbook. */
static int doc_list_xlsx(svc_ctx *c, doc_page_fn page, const void *arg, const char *title,
                         const doc_col *cols, size_t ncols, svc_file *out, svc_err *e)
{
    memset(out, 0, sizeof *out);
    json_t *rows = json_array();
    for (int64_t offset = 0;; offset += DOC_PAGE) {
        json_t *got = NULL;
        if (page(c, arg, DOC_PAGE, offset, &got, e) != 0) {
            json_decref(rows);
            return -1;
        }
        json_t *items = json_object_get(got, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            json_t *row = json_array();
            for (size_t k = 0; k < ncols; k++) {
                json_t *v = json_object_get(it, cols[k].key);
                json_array_append_new(row, v ? json_incref(v) : json_null());
            }
            json_array_append_new(rows, row);
        }
        size_t n = json_array_size(items);
        json_decref(got);
        if (n < DOC_PAGE) break;
    }
    render_xlsx_column *rc = xcalloc(ncols, sizeof *rc);
    for (size_t k = 0; k < ncols; k++)
        rc[k].title = cols[k].title;
    char *err = NULL;
    int ok = render_xlsx_table(title, rc, ncols, rows, &out->data, &out->len, &err);
    free(rc);
    json_decref(rows);
    if (ok != 0) {
        fprintf(stderr, "smip: %s export: %s\n", title, err ? err : "?");
        free(err);
        return svc_fail(e, 500, "internal", "导出失败，请稍后重试");
    }
    out->media_type = xstrdup("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    out->filename = xasprintf("%s.xlsx", title);
    return 0;
}

static int doc_cert_page(svc_ctx *c, const void *arg, int64_t limit, int64_t offset, json_t **out,
                         svc_err *e)
{
    (void)arg;
    return svc_cert_list(c, limit, offset, out, e);
}

int svc_doc_certificates_xlsx(svc_ctx *c, svc_file *out, svc_err *e)
{
    static const doc_col cols[] = {
        {"证书编号", "certificate_no"},
        {"企业名称", "enterprise"},
        {"统一社会信用代码", "uscc"},
        {"项目名称", "project"},
        {"车间/工厂名称", "site_name"},
        {"类型", "type_label"},
        {"批次", "batch"},
        {"状态", "status"},
        {"认定时间", "issued_at"},
        {"认定文件", "document_no"},
    };
    return doc_list_xlsx(c, doc_cert_page, NULL, "证书列表", cols, sizeof cols / sizeof *cols, out,
                         e);
}

typedef struct doc_obj_filter {
    int64_t batch_id;
    const char *status;
} doc_obj_filter;

static int doc_obj_page(svc_ctx *c, const void *arg, int64_t limit, int64_t offset, json_t **out,
                        svc_err *e)
{
    const doc_obj_filter *f = arg;
    return svc_pub_objections_list(c, f->batch_id, f->status, limit, offset, out, e);
}

int svc_doc_objections_xlsx(svc_ctx *c, int64_t batch_id, const char *status, svc_file *out,
                            svc_err *e)
{
    static const doc_col cols[] = {
        {"异议编号", "id"},      {"申报编号", "application_id"}, {"姓名或单位", "name"},
        {"联系方式", "contact"}, {"异议内容", "content"},        {"状态", "status"},
        {"处理意见", "reason"},  {"提交时间", "created_at"},
    };
    doc_obj_filter f = {batch_id, status};
    return doc_list_xlsx(c, doc_obj_page, &f, "异议列表", cols, sizeof cols / sizeof *cols, out, e);
}

static int doc_expert_page(svc_ctx *c, const void *arg, int64_t limit, int64_t offset, json_t **out,
                           svc_err *e)
{
    (void)arg;
    return svc_experts_list(c, limit, offset, out, e);
}

int svc_doc_experts_xlsx(svc_ctx *c, svc_file *out, svc_err *e)
{
    static const doc_col cols[] = {
        {"编号", "id"},           {"用户名", "username"},
        {"姓名", "display_name"}, {"手机号码", "phone"},
        {"电子邮箱", "email"},    {"工作单位统一社会信用代码", "employer_uscc"},
        {"状态", "status"},
    };
    return doc_list_xlsx(c, doc_expert_page, NULL, "评审专家", cols, sizeof cols / sizeof *cols,
                         out, e);
}

static int doc_adj_page(svc_ctx *c, const void *arg, int64_t limit, int64_t offset, json_t **out,
                        svc_err *e)
{
    return svc_cert_adjustments_list(c, arg, limit, offset, out, e);
}

int svc_doc_adjustments_xlsx(svc_ctx *c, const char *status, svc_file *out, svc_err *e)
{
    static const doc_col cols[] = {
        {"编号", "id"},         {"证书编号", "certificate_no"}, {"类型", "kind"},
        {"原名称", "old_name"}, {"新名称", "new_name"},         {"新信用代码", "new_uscc"},
        {"状态", "status"},     {"提交时间", "created_at"},
    };
    return doc_list_xlsx(c, doc_adj_page, status, "更名重组申请", cols, sizeof cols / sizeof *cols,
                         out, e);
}
