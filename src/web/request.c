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

/* A whole number of at most 15 digits, nothing else. */
static bool web_digits(const char *q, int64_t *v)
{
    size_t n = strlen(q);
    if (n == 0 || n > 15 || strspn(q, "0123456789") != n) return false;
    *v = strtoll(q, NULL, 10);
    return true;
}

int web_query_int(req *r, const char *key, int64_t min, int64_t max, const char *label,
                  int64_t *out)
{
    const char *q = web_query(r, key);
    if (!q) return 0;
    int64_t v = 0;
    if (web_digits(q, &v) && v >= min && v <= max) {
        *out = v;
        return 1;
    }
    char *why = max >= 100000000000000LL
                    ? xasprintf("%s %s 应为不小于 %lld 的整数", label, key, (long long)min)
                    : xasprintf("%s %s 应为 %lld 至 %lld 的整数", label, key, (long long)min,
                                (long long)max);
    web_bad_fields(r, json_pack("{s:s}", key, why));
    free(why);
    return -1;
}

int web_paging(req *r, int64_t *limit, int64_t *offset)
{
    *limit = 50;
    *offset = 0;
    if (web_query_int(r, "limit", 1, 500, "每页条数", limit) < 0) return -1;
    if (web_query_int(r, "offset", 0, 999999999, "起始位置", offset) < 0) return -1;
    return 0;
}

typedef struct web_qbad {
    const char *key; /* the first bad name (or the name of the first bad value), or NULL */
} web_qbad;

static enum MHD_Result web_query_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    web_qbad *bad = cls;
    bool ok = key && strlen(key) == key_size && util_utf8_valid(key, key_size);
    if (ok && value) ok = strlen(value) == value_size && util_utf8_valid(value, value_size);
    if (ok) return MHD_YES;
    bad->key = key ? key : "";
    return MHD_NO;
}

int web_query_check(req *r)
{
    web_qbad bad = {NULL};
    MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, web_query_one, &bad);
    if (!bad.key) return 0;
    /* The name itself may be what is wrong: shown only when it is printable UTF-8. */
    size_t n = strlen(bad.key);
    bool showable = n > 0 && n <= 64 && util_utf8_valid(bad.key, n);
    char *why = xasprintf("查询参数%s%s%s含有无效字符（空字符或非 UTF-8 编码）",
                          showable ? " " : "", showable ? bad.key : "", showable ? " " : "");
    if (showable)
        web_bad_fields(r, json_pack("{s:s}", bad.key, why));
    else
        web_fail(r, 400, "bad_request", why);
    free(why);
    return -1;
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
