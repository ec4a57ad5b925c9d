/* request — the helpers handlers use to read a request and to answer it (web.h). */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "web/web.h"

const char *web_param(req *r, int i)
{
    return i < r->nparams ? r->params[i] : "";
}

int64_t web_param_id(req *r, int i)
{
    const char *s = web_param(r, i);
    if (!*s || strlen(s) > 15) return 0;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (*s - '0');
    }
    return v;
}

const char *web_query(req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *web_header(req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *web_form(req *r, const char *name)
{
    return r->form ? json_string_value(json_object_get(r->form, name)) : NULL;
}

static void web_set_type(req *r, const char *type)
{
    free(r->resp_type);
    r->resp_type = xstrdup(type);
}

int web_bytes(req *r, int status, const char *type, char *data, size_t len)
{
    free(r->resp_body);
    r->resp_body = data;
    r->resp_len = len;
    r->status = status;
    web_set_type(r, type);
    r->answered = true;
    return 0;
}

int web_json(req *r, int status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
    json_decref(body);
    return web_bytes(r, status, "application/json; charset=utf-8", s, strlen(s));
}

int web_fail(req *r, int status, const char *code, const char *message)
{
    if (r->route && (r->route->flags & R_PAGE)) {
        json_t *ctx =
            json_pack("{s:s,s:s,s:i}", "message", message, "code", code, "status", status);
        return web_page(r, status, "error", ctx);
    }
    return web_json(r, status,
                    json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

int web_error(req *r, svc_err *e)
{
    int status = e->status ? e->status : 500;
    const char *code = e->code ? e->code : "internal";
    json_t *err = json_pack("{s:s,s:s}", "code", code, "message",
                            e->message[0] ? e->message : "服务器内部错误");
    if (e->fields) json_object_set(err, "fields", e->fields);
    if (e->findings) json_object_set(err, "findings", e->findings);
    svc_err_clear(e);
    return web_json(r, status, json_pack("{s:o}", "error", err));
}

int web_answer(req *r, int rc, int status, json_t *out, svc_err *e)
{
    return rc == 0 ? web_json(r, status, out) : web_error(r, e);
}

int web_bad_fields(req *r, json_t *bad)
{
    if (!json_object_size(bad)) {
        json_decref(bad);
        return 0;
    }
    svc_err e = {0};
    svc_fail_fields(&e, bad);
    return web_error(r, &e), -1;
}

const json_t *web_body(req *r)
{
    if (r->json) return r->json;
    json_t *empty = json_object();
    arena_defer(r->a, (void (*)(void *))json_decref, empty);
    return empty;
}

/* One paging parameter: digits only (no sign, no spaces), at most 9 of them. */
static bool web_paging_value(const char *q, int64_t *v)
{
    size_t n = strlen(q);
    if (n == 0 || n > 9 || strspn(q, "0123456789") != n) return false;
    *v = strtoll(q, NULL, 10);
    return true;
}

int web_paging(req *r, int64_t *limit, int64_t *offset)
{
    *limit = 50;
    *offset = 0;
    json_t *bad = json_object();
    const char *l = web_query(r, "limit"), *o = web_query(r, "offset");
    if (l && (!web_paging_value(l, limit) || *limit < 1 || *limit > 500))
        json_object_set_new(bad, "limit", json_string("每页条数 limit 应为 1 至 500 的整数"));
    if (o && !web_paging_value(o, offset))
        json_object_set_new(bad, "offset", json_string("起始位置 offset 应为非负整数"));
    return web_bad_fields(r, bad);
}

int web_no_content(req *r)
{
    web_bytes(r, 204, "text/plain", NULL, 0);
    return 0;
}

int web_redirect(req *r, const char *location)
{
    free(r->location);
    r->location = xstrdup(location);
    char *body = xstrdup("");
    return web_bytes(r, 303, "text/plain; charset=utf-8", body, 0);
}

svc_ctx web_svc(req *r)
{
    svc_ctx c = {.db = r->db, .now = r->now, .actor = &r->actor, .cfg = &r->cfg->svc};
    return c;
}
