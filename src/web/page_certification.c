/* page_certification — the application page's part after the experts: the commission
 * publishes (公示), resolves objections and certifies; the certificate with its PDF and public
 * page; revocation, Class I re-review and priority marks for the commission; the enterprise's
 * revocation request and rename/restructure; the district's and then the commission's review of
 * such a request. Every post calls the service the JSON API calls and comes back to the
 * application page. */
#include <stdlib.h>
#include <string.h>

#include "service/certificate.h"
#include "service/enterprise.h"
#include "service/publicity.h"
#include "web/pages.h"

static bool pc_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* "2026-11-26T10:36:39+08:00" → "2026年11月26日 10:36" (web_when, as every page shows a time). */
static json_t *pc_short(const char *rfc)
{
    json_t *in = json_string(rfc ? rfc : "");
    json_t *out = web_when_json(in);
    json_decref(in);
    if (json_is_null(out)) return json_string(rfc ? rfc : "");
    return out;
}

/* ---------------------------------------------------------------- the panel */

/* The objections filed against application `id` (the commission sees every one). */
static json_t *pc_objections(req *r, int64_t batch_id, int64_t id)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL, *mine = json_array();
    if (svc_pub_objections_list(&c, batch_id, NULL, 500, 0, &out, &e) != 0) {
        svc_err_clear(&e);
        return mine;
    }
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(out, "items"), i, o)
    {
        if (json_integer_value(json_object_get(o, "application_id")) != id) continue;
        const char *st = json_string_value(json_object_get(o, "status"));
        json_object_set_new(o, "open", json_boolean(pc_is(st, "open")));
        json_object_set_new(o, "status_name",
                            json_string(pc_is(st, "open")     ? "待处理"
                                        : pc_is(st, "upheld") ? "异议成立"
                                                              : "异议不成立"));
        json_array_append(mine, o);
    }
    json_decref(out);
    return mine;
}

/* The certificate as the caller may see it, with forms marked by role; NULL when none. */
static json_t *pc_certificate(req *r, int64_t app_id)
{
    char no[64];
    if (!svc_cert_no_of_application(r->db, app_id, no, sizeof no)) return NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *cert = NULL;
    if (svc_cert_get(&c, no, &cert, &e) != 0) {
        /* A district sees the application but not the certificate's private parts. */
        svc_err_clear(&e);
        if (svc_cert_public(&c, no, &cert, &e) != 0) {
            svc_err_clear(&e);
            return NULL;
        }
    }
    bool valid = pc_is(json_string_value(json_object_get(cert, "status")), "valid");
    json_object_set_new(cert, "valid", json_boolean(valid));
    json_object_set_new(cert, "issued_at",
                        pc_short(json_string_value(json_object_get(cert, "issued_at"))));
    size_t i;
    json_t *adj;
    const char *role = r->actor.role;
    if (pc_is(role, "district")) {
        /* The district reviews this certificate's rename/restructure requests of its district. */
        json_t *list = NULL, *mine = json_array();
        if (svc_cert_adjustments_list(&c, NULL, 500, 0, &list, &e) == 0) {
            json_array_foreach(
                json_object_get(list, "items"), i,
                adj) if (pc_is(json_string_value(json_object_get(adj, "certificate_no")), no))
                json_array_append(mine, adj);
            json_decref(list);
        }
        svc_err_clear(&e);
        json_object_set_new(cert, "adjustments", mine);
    }
    json_array_foreach(json_object_get(cert, "adjustments"), i, adj)
    {
        const char *st = json_string_value(json_object_get(adj, "status"));
        bool mine = (pc_is(role, "district") && pc_is(st, "pending_district")) ||
                    (pc_is(role, "commission") && pc_is(st, "pending_commission"));
        json_object_set_new(adj, "may_review", json_boolean(mine));
        json_object_set_new(
            adj, "kind_name",
            json_string(pc_is(json_string_value(json_object_get(adj, "kind")), "rename")
                            ? "更名"
                            : "重组（法人变更）"));
    }
    return cert;
}

void page_certification_panel(req *r, const json_t *app, json_t *ctx)
{
    const char *role = r->actor.role, *st = json_string_value(json_object_get(app, "status"));
    int64_t id = json_integer_value(json_object_get(app, "id"));
    int64_t batch_id = json_integer_value(json_object_get(app, "batch_id"));
    json_t *panel = json_object();
    bool any = false;
    if (pc_is(role, "commission") && pc_is(st, "expert_passed")) {
        json_object_set_new(panel, "publish_form", json_true());
        any = true;
    }
    if (pc_is(st, "publicity") || pc_is(st, "not_certified")) {
        int64_t starts = 0, ends = 0;
        if (svc_pub_period(r->db, id, &starts, &ends)) {
            char *a = svc_time_str(starts), *b = svc_time_str(ends);
            json_object_set_new(panel, "period",
                                json_pack("{s:o,s:o,s:b}", "starts_at", pc_short(a), "ends_at",
                                          pc_short(b), "over", r->now >= ends));
            free(a);
            free(b);
            any = true;
        }
        if (pc_is(role, "commission")) {
            json_object_set_new(panel, "objections", pc_objections(r, batch_id, id));
            if (pc_is(st, "publicity")) json_object_set_new(panel, "certify_form", json_true());
        }
    }
    json_t *cert = pc_certificate(r, id);
    if (cert) {
        bool valid = json_is_true(json_object_get(cert, "valid"));
        bool owner = pc_is(role, "enterprise");
        json_object_set_new(panel, "commission_forms",
                            json_boolean(valid && pc_is(role, "commission")));
        json_object_set_new(
            panel, "class_one",
            json_boolean(pc_is(json_string_value(json_object_get(cert, "project_class")), "I")));
        json_object_set_new(panel, "owner_forms", json_boolean(valid && owner));
        json_object_set_new(panel, "may_download",
                            json_boolean(owner || pc_is(role, "commission")));
        json_object_set_new(panel, "certificate", cert);
        any = true;
    }
    static const char *const keep[] = {"starts_at",   "ends_at",  "outcome",  "reason", "note",
                                       "document_no", "new_name", "new_uscc", "kind",   "result",
                                       "source",      "decision", "opinion"};
    json_t *posted = json_object();
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *v = web_form(r, keep[i]);
        if (v) json_object_set_new(posted, keep[i], json_string(v));
    }
    json_object_set_new(panel, "posted", posted);
    json_object_set_new(panel, "errors",
                        r->page_errors ? json_incref(r->page_errors) : json_object());
    if (any)
        json_object_set_new(ctx, "certification", panel);
    else
        json_decref(panel);
}

/* ---------------------------------------------------------------- the posts */

static int pc_done(req *r, const char *done)
{
    char *loc = xasprintf("/applications/%lld?done=%s", (long long)web_param_id(r, 0), done);
    web_redirect(r, loc);
    free(loc);
    return 0;
}

/* The application of the path, as the caller sees it (its batch and certificate number). */
static int pc_app(req *r, int64_t *batch_id, char *no, size_t len, svc_err *e)
{
    svc_ctx c = web_svc(r);
    json_t *app = NULL;
    if (svc_app_get(&c, web_param_id(r, 0), &app, e) != 0) return -1;
    *batch_id = json_integer_value(json_object_get(app, "batch_id"));
    json_decref(app);
    if (no && !svc_cert_no_of_application(r->db, web_param_id(r, 0), no, len))
        return svc_fail(e, 409, "wrong_state", "该申报尚未认定，没有证书");
    return 0;
}

int page_cert_publish(req *r)
{
    svc_err e = {0};
    int64_t batch_id = 0;
    if (pc_app(r, &batch_id, NULL, 0, &e) != 0) return page_post_refused(r, &e);
    json_t *in = json_pack("{s:[I]}", "application_ids", (json_int_t)web_param_id(r, 0)),
           *out = NULL;
    json_t *starts = page_local_time(web_form(r, "starts_at"));
    json_t *ends = page_local_time(web_form(r, "ends_at"));
    if (starts) json_object_set_new(in, "starts_at", starts);
    if (ends) json_object_set_new(in, "ends_at", ends);
    svc_ctx c = web_svc(r);
    int rc = svc_pub_publish(&c, batch_id, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pc_done(r, "published");
}

int page_cert_resolve(req *r)
{
    svc_err e = {0};
    int64_t batch_id = 0;
    if (pc_app(r, &batch_id, NULL, 0, &e) != 0) return page_post_refused(r, &e);
    static const char *const names[] = {"outcome", "reason"};
    json_t *in = page_post_fields(r, names, 2), *out = NULL;
    svc_ctx c = web_svc(r);
    int rc = svc_pub_objection_resolve(&c, web_param_id(r, 1), in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pc_done(r, "resolved");
}

int page_cert_certify(req *r)
{
    svc_err e = {0};
    int64_t batch_id = 0;
    if (pc_app(r, &batch_id, NULL, 0, &e) != 0) return page_post_refused(r, &e);
    static const char *const names[] = {"document_no"};
    json_t *in = page_post_fields(r, names, 1), *out = NULL;
    svc_ctx c = web_svc(r);
    int rc = svc_cert_certify(&c, web_param_id(r, 0), in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pc_done(r, "certified");
}

/* The certificate actions share one shape: read fields, maybe a file, call, come back. */
typedef int (*pc_cert_fn)(svc_ctx *, const char *, const json_t *, json_t **, svc_err *);

static int pc_cert_action(req *r, pc_cert_fn fn, const char *const *names, size_t n,
                          const char *upload_kind, const char *upload_key, const char *done)
{
    svc_err e = {0};
    int64_t batch_id = 0;
    char no[64];
    if (pc_app(r, &batch_id, no, sizeof no, &e) != 0) return page_post_refused(r, &e);
    json_t *in = page_post_fields(r, names, n), *out = NULL;
    int64_t att = 0;
    if (upload_kind && page_post_upload(r, upload_kind, upload_key, &att, &e) != 0) {
        json_decref(in);
        return page_post_refused(r, &e);
    }
    if (att) json_object_set_new(in, upload_key, json_integer(att));
    svc_ctx c = web_svc(r);
    int rc = fn(&c, no, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pc_done(r, done);
}

int page_cert_revoke(req *r)
{
    static const char *const names[] = {"reason", "note"};
    return pc_cert_action(r, svc_cert_revoke, names, 2, NULL, NULL, "revoked");
}

int page_cert_re_review(req *r)
{
    static const char *const names[] = {"result", "source", "note"};
    return pc_cert_action(r, svc_cert_re_review, names, 3, "re_review_evidence",
                          "evidence_attachment_id", "re_reviewed");
}

int page_cert_revocation_request(req *r)
{
    static const char *const names[] = {"note"};
    return pc_cert_action(r, svc_cert_revocation_request, names, 1, NULL, NULL, "requested");
}

int page_cert_adjustment(req *r)
{
    static const char *const names[] = {"kind", "new_name", "new_uscc"};
    return pc_cert_action(r, svc_cert_adjustment_create, names, 3, "adjustment_evidence",
                          "evidence_attachment_id", "adjustment");
}

int page_cert_recommend(req *r)
{
    svc_err e = {0};
    int64_t batch_id = 0;
    char no[64];
    if (pc_app(r, &batch_id, no, sizeof no, &e) != 0) return page_post_refused(r, &e);
    json_t *marks = json_array();
    for (const char *p = web_form(r, "candidate_for"); p && *p;) {
        size_t n = strcspn(p, ",");
        if (n) json_array_append_new(marks, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    json_t *in = json_pack("{s:o}", "candidate_for", marks), *out = NULL;
    svc_ctx c = web_svc(r);
    int rc = svc_cert_recommend(&c, no, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pc_done(r, "recommended");
}

int page_cert_adjustment_review(req *r)
{
    svc_err e = {0};
    int64_t batch_id = 0;
    if (pc_app(r, &batch_id, NULL, 0, &e) != 0) return page_post_refused(r, &e);
    static const char *const names[] = {"decision", "opinion"};
    json_t *in = page_post_fields(r, names, 2), *out = NULL;
    svc_ctx c = web_svc(r);
    int rc = svc_cert_adjustment_review(&c, web_param_id(r, 1), in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pc_done(r, "adjustment_reviewed");
}

/* ---------------------------------------------------------------- the adjustments desk */

int page_adjustments(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    const char *pending =
        pc_is(r->actor.role, "district") ? "pending_district" : "pending_commission";
    if (svc_cert_adjustments_list(&c, pending, 500, 0, &out, &e) != 0) {
        json_t *ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", "操作未完成", "status", e.status,
                                "message", e.message, "back_href", "/dashboard");
        svc_err_clear(&e);
        return web_page(r, 500, "error", ctx);
    }
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(out, "items"), i, a) json_object_set_new(
        a, "kind_name",
        json_string(pc_is(json_string_value(json_object_get(a, "kind")), "rename")
                        ? "更名"
                        : "重组（法人变更）"));
    json_t *ctx = json_pack("{s:s,s:{s:s},s:n,s:O}", "title", "更名或重组申请", "nav", "current",
                            pc_is(r->actor.role, "district") ? "district_queue" : "commission",
                            "flash", "adjustments", json_object_get(out, "items"));
    json_decref(out);
    return web_page(r, 200, "adjustments", ctx);
}
