/* api_enterprise — API.md "Enterprise side": the profile, projects, attachments and
 * applications. Thin: read the body and the query, call service/enterprise, answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/enterprise.h"
#include "web/handlers.h"
#include "web/kept.h"

/* ---------------------------------------------------------------- helpers */

/* ---------------------------------------------------------------- profile */

int api_enterprise_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_enterprise_get(&c, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_enterprise_put(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_enterprise_put(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

/* ---------------------------------------------------------------- projects */

int api_projects_list(req *r)
{
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_projects_list(&c, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_project_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_project_create(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_project_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_project_get(&c, web_param_id(r, 0), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_project_put(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_project_put(&c, web_param_id(r, 0), web_body(r), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

/* ---------------------------------------------------------------- attachments */

int api_attachment_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    /* Pages may send their file under another name; this API takes only `file`. */
    FILE *file = r->upload.field && strcmp(r->upload.field, "file") == 0 ? r->upload.file : NULL;
    /* The body limit leaves room for the multipart framing; the file itself is held to
     * the configured size. */
    if (file && r->upload.size > r->cfg->max_upload) {
        char *msg = xasprintf("文件过大，上限 %zu 字节", r->cfg->max_upload);
        web_fail(r, 413, "too_large", msg);
        free(msg);
        return 0;
    }
    int rc = svc_attachment_create(&c, file, r->upload.filename, web_form(r, "kind"), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_attachment_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_attachment_get(&c, web_param_id(r, 0), &f, &e) != 0) return web_error(r, &e);
    free(r->disposition);
    r->disposition = svc_content_disposition(f.filename);
    /* ?inline=1 opens it in the browser (the readable application's links): every attachment
     * is a PDF, PNG or JPEG (libmagic checked it on upload), and nosniff keeps it at that type. */
    const char *in = web_query(r, "inline");
    if (in && !strcmp(in, "1")) {
        char *d = xasprintf("inline%s", r->disposition + strlen("attachment"));
        free(r->disposition);
        r->disposition = d;
    }
    web_bytes(r, 200, f.media_type, f.data, f.len);
    f.data = NULL; /* web_bytes owns it now */
    svc_file_free(&f);
    return 0;
}

/* ---------------------------------------------------------------- applications */

int api_applications_list(req *r)
{
    svc_app_filter f = {0};
    if (web_paging(r, &f.limit, &f.offset) != 0) return 0;
    if (web_query_int(r, "batch_id", 1, INT64_MAX, "批次编号", &f.batch_id) < 0) return 0;
    const char *st = web_query(r, "status"), *dc = web_query(r, "district_code");
    f.status = st && *st ? st : NULL;
    f.district_code = dc && *dc ? dc : NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_applications_list(&c, &f, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_application_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_app_create(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

/* The applications' answers, kept by the generations of their scopes (svc_app_scopes): an
 * enterprise reads its application again and again while filling it in, and the text (~3 KB,
 * with its timeline) cost most of such a read. The generations and the text come from the
 * request's one snapshot. Room for the drafts of a deadline week's crowd (2,048 answers, 8 MB;
 * 512 held half of 1,000 signed-in enterprises' answers). */
static web_kept_slot api_app_slots[2048];
static web_kept api_app_kept = WEB_KEPT_INIT(api_app_slots, 2048, 8 * 1024 * 1024, 64 * 1024);

int api_application_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int64_t id = web_param_id(r, 0);
    svc_scope scopes[SVC_APP_SCOPES];
    char viewer;
    if (svc_app_scopes(&c, id, scopes, &viewer, &e) != 0) return web_error(r, &e);
    web_kept_version kv;
    bool fresh = web_fresh(r, scopes, SVC_APP_SCOPES, NULL, 0, &kv);
    char key[WEB_KEPT_KEY];
    snprintf(key, sizeof key, "a%lld:%c", (long long)id, viewer);
    if (fresh && web_kept_answer(r, &api_app_kept, key, &kv, "application/json; charset=utf-8"))
        return 0;
    char *text = NULL;
    if (svc_app_get_text(&c, id, &text, &e) != 0) return web_error(r, &e);
    size_t len = strlen(text);
    if (fresh) web_kept_put(&api_app_kept, key, &kv, r->now, INT64_MAX, text, len, 0);
    return web_bytes(r, 200, "application/json; charset=utf-8", text, len);
}

int api_application_put(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    char *text = NULL;
    int64_t id = web_param_id(r, 0);
    /* Answered as GET answers, from what the save read and wrote. */
    if (svc_app_put_text(&c, id, web_body(r), &text, &e) != 0) return web_error(r, &e);
    return web_bytes(r, 200, "application/json; charset=utf-8", text, strlen(text));
}

int api_application_check(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    char *text = NULL;
    if (svc_app_check_text(&c, web_param_id(r, 0), &text, &e) != 0) return web_error(r, &e);
    return web_bytes(r, 200, "application/json; charset=utf-8", text, strlen(text));
}

int api_application_submit(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_app_submit(&c, web_param_id(r, 0), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_application_withdraw(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_app_withdraw(&c, web_param_id(r, 0), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}
