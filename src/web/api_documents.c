/* api_documents — generated files of API.md: the authenticity template (review side) and the
 * application list export (operation). Thin: parse the query, call service/documents.c, send
 * the bytes as an attachment. */
#include <stdlib.h>
#include <string.h>

#include "service/documents.h"
#include "web/handlers.h"

/* Sends f's bytes with its media type and file name; f is emptied. */
static int api_doc_send(req *r, svc_file *f)
{
    free(r->disposition);
    r->disposition = svc_content_disposition(f->filename);
    web_bytes(r, 200, f->media_type, f->data, f->len);
    f->data = NULL; /* web_bytes owns it now */
    svc_file_free(f);
    return 0;
}

int api_authenticity_template(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_doc_authenticity(&c, web_param_id(r, 0), &f, &e) != 0) return web_error(r, &e);
    return api_doc_send(r, &f);
}

int api_export_applications(req *r)
{
    svc_app_filter f = {0};
    if (web_query_int(r, "batch_id", 1, INT64_MAX, "批次编号", &f.batch_id) < 0) return 0;
    const char *st = web_query(r, "status"), *dc = web_query(r, "district_code");
    f.status = st && *st ? st : NULL;
    f.district_code = dc && *dc ? dc : NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file out;
    if (svc_doc_applications_xlsx(&c, &f, &out, &e) != 0) return web_error(r, &e);
    return api_doc_send(r, &out);
}

int api_materials_zip(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_doc_materials_zip(&c, web_param_id(r, 0), web_when, &f, &e) != 0)
        return web_error(r, &e);
    return api_doc_send(r, &f);
}

int api_application_pdf(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_doc_application_pdf(&c, web_param_id(r, 0), web_when, &f, &e) != 0)
        return web_error(r, &e);
    return api_doc_send(r, &f);
}

/* The other lists' exports: the same filters as their JSON lists. */
int api_export_certificates(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_doc_certificates_xlsx(&c, &f, &e) != 0) return web_error(r, &e);
    return api_doc_send(r, &f);
}

int api_export_objections(req *r)
{
    int64_t batch_id = 0;
    const char *st = web_query(r, "status");
    if (web_query_int(r, "batch_id", 1, INT64_MAX, "批次编号", &batch_id) < 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_doc_objections_xlsx(&c, batch_id, st && *st ? st : NULL, &f, &e) != 0)
        return web_error(r, &e);
    return api_doc_send(r, &f);
}

int api_export_experts(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_doc_experts_xlsx(&c, &f, &e) != 0) return web_error(r, &e);
    return api_doc_send(r, &f);
}

int api_export_adjustments(req *r)
{
    const char *st = web_query(r, "status");
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_file f;
    if (svc_doc_adjustments_xlsx(&c, st && *st ? st : NULL, &f, &e) != 0) return web_error(r, &e);
    return api_doc_send(r, &f);
}
