/* page_public — the pages anyone may open without an account: the 公示 list with its real-name
 * objection form (/publicity) and a certificate's verification page (/verify/{no}, the target of
 * the QR code printed on the certificate). They call the same services as /api/v1/public/…;
 * a successful objection redirects (303) with a fixed message key, never echoing the input. */
#include <stdlib.h>
#include <string.h>

#include "service/certificate.h"
#include "service/publicity.h"
#include "web/handlers.h"
#include "web/pages.h"

static const char *pp_type_label(const char *type)
{
    return type && strcmp(type, "factory") == 0 ? "智能工厂" : "数字化车间";
}

/* Adds type_label to each item of a list (in place). */
static void pp_label_items(json_t *items)
{
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o)
    {
        const char *t = json_string_value(json_object_get(o, "type"));
        json_object_set_new(o, "type_label", json_string(pp_type_label(t)));
    }
}

/* The 公示 page: the list, the form (re-filled after a refusal) and the message. */
static int pp_publicity_page(req *r, int status, json_t *form, json_t *errors, json_t *flash)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *list = NULL;
    svc_pub_list(&c, 0, 500, 0, &list, &e);
    svc_err_clear(&e);
    json_t *items = list ? json_incref(json_object_get(list, "items")) : json_array();
    json_decref(list);
    pp_label_items(items);
    json_t *open = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o) if (json_is_true(json_object_get(o, "open")))
        json_array_append(open, o);
    json_t *ctx =
        json_pack("{s:s,s:{s:s},s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "title", "公示", "nav", "current",
                  "publicity", "items", items, "open_items", open, "form",
                  form ? form : json_object(), "errors", errors ? errors : json_object(), "flash",
                  flash ? flash : json_null(), "max", (json_int_t)SVC_PUB_OBJECTION_MAX,
                  "window_minutes", (json_int_t)(SVC_PUB_OBJECTION_WINDOW / 60));
    return web_page(r, status, "publicity", ctx);
}

int page_publicity(req *r)
{
    const char *done = web_query(r, "done");
    json_t *flash =
        done && strcmp(done, "objection") == 0
            ? json_pack("{s:s}", "ok",
                        "异议已提交。市经济信息委将核实处理，并通过您留下的联系方式反馈。")
            : NULL;
    return pp_publicity_page(r, 200, NULL, NULL, flash);
}

static const char *pp_field(req *r, const char *name)
{
    const char *v = web_form(r, name);
    return v ? v : "";
}

int page_publicity_objection(req *r)
{
    const char *aid = pp_field(r, "application_id");
    size_t n = strlen(aid);
    json_t *in = json_pack("{s:s,s:s,s:s}", "name", pp_field(r, "name"), "contact",
                           pp_field(r, "contact"), "content", pp_field(r, "content"));
    /* A chosen entry is digits; anything else is left out so the service names the field. */
    if (n > 0 && n <= 15 && strspn(aid, "0123456789") == n)
        json_object_set_new(in, "application_id", json_integer(strtoll(aid, NULL, 10)));
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_pub_objection_create(&c, in, api_client_address(r), &out, &e);
    json_decref(in);
    if (rc == 0) {
        json_decref(out);
        return web_redirect(r, "/publicity?done=objection");
    }
    json_t *form =
        json_pack("{s:s,s:s,s:s,s:s}", "application_id", aid, "name", pp_field(r, "name"),
                  "contact", pp_field(r, "contact"), "content", pp_field(r, "content"));
    const char *msg = e.status == 400 ? "请按提示修改标出的项目后重新提交。" : e.message;
    json_t *flash = json_pack("{s:s}", "error", msg);
    json_t *errors = e.fields ? json_incref(e.fields) : json_object();
    int status = e.status ? e.status : 500;
    svc_err_clear(&e);
    return pp_publicity_page(r, status, form, errors, flash);
}

int page_verify(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *cert = NULL;
    const char *no = web_param(r, 0);
    if (svc_cert_public(&c, no, &cert, &e) != 0) {
        svc_err_clear(&e);
        json_t *ctx = json_pack("{s:s,s:{s:s},s:n,s:s}", "title", "证书查验", "nav", "current",
                                "verify", "cert", "no", strlen(no) <= SVC_CERT_NO_MAX ? no : "");
        return web_page(r, 404, "verify", ctx);
    }
    bool valid = strcmp(json_string_value(json_object_get(cert, "status")), "valid") == 0;
    json_object_set_new(cert, "valid", json_boolean(valid));
    json_object_set_new(cert, "status_label", json_string(valid ? "有效" : "已撤销"));
    json_t *ctx = json_pack("{s:s,s:{s:s},s:o}", "title", "证书查验", "nav", "current", "verify",
                            "cert", cert);
    return web_page(r, 200, "verify", ctx);
}
