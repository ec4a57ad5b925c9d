/* api_reference — health, the API reference itself, districts, batches, factory modes and the
 * audit trail (docs/api.md). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/inbox.h"
#include "service/reference.h"
#include "util/assets.h"
#include "web/handlers.h"

int api_healthz(req *r)
{
    return web_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* The OpenAPI document lives in data/ because the build embeds every JSON file of data/ already; it
 * holds the same bytes for the life of the binary, so its ETag is a digest of them taken once, and
 * a client that sends it back in If-None-Match gets 304 instead of the whole document. */
#define API_OPENAPI_FILE "data/openapi.json"
static char api_openapi_tag[24];
static pthread_once_t api_openapi_once = PTHREAD_ONCE_INIT;

static void api_openapi_digest(void)
{
    size_t len = 0;
    const char *doc = assets_get(API_OPENAPI_FILE, &len);
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (size_t i = 0; doc && i < len; i++)
        h = (h ^ (unsigned char)doc[i]) * 1099511628211ULL;
    snprintf(api_openapi_tag, sizeof api_openapi_tag, "\"%016llx\"", (unsigned long long)h);
}

int api_openapi(req *r)
{
    size_t len = 0;
    const char *doc = assets_get(API_OPENAPI_FILE, &len);
    if (!doc) return web_fail(r, 404, "not_found", "接口文档不存在");
    pthread_once(&api_openapi_once, api_openapi_digest);
    r->etag = api_openapi_tag;
    r->cache_control = "public, no-cache"; /* kept by clients, revalidated with the ETag */
    const char *seen = web_header(r, "If-None-Match");
    if (seen && (strstr(seen, api_openapi_tag) || strcmp(seen, "*") == 0))
        return web_bytes(r, 304, "application/json; charset=utf-8", NULL, 0);
    return web_bytes(r, 200, "application/json; charset=utf-8", xstrndup(doc, len), len);
}

int api_districts(req *r)
{
    json_t *items = svc_districts(r->db);
    return web_json(
        r, 200,
        json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* Batches are a few a year: the service lists them all and the page of them is cut here. */
int api_batches_list(req *r)
{
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    json_t *all = svc_batches(r->db), *items = json_object_get(all, "items"), *page = json_array();
    for (size_t i = (size_t)offset; i < json_array_size(items) && i < (size_t)(offset + limit); i++)
        json_array_append(page, json_array_get(items, i));
    json_object_set_new(all, "items", page);
    return web_json(r, 200, all);
}

int api_batch_get(req *r)
{
    json_t *b = svc_batch_json(r->db, web_param_id(r, 0));
    if (!b) return web_fail(r, 404, "not_found", "批次不存在");
    return web_json(r, 200, b);
}

int api_batch_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_batch_create(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_batch_update(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_batch_update(&c, web_param_id(r, 0), web_body(r), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_factory_modes(req *r)
{
    json_t *items = svc_factory_modes();
    return web_json(
        r, 200,
        json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

int api_audit_list(req *r)
{
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    const char *entity = web_query(r, "entity");
    int64_t eid = 0;
    if (web_query_int(r, "id", 1, INT64_MAX, "对象编号", &eid) < 0) return 0;
    return web_json(r, 200, svc_audit_list(r->db, entity, eid, limit, offset));
}

int api_audit_verify(req *r)
{
    int64_t entries = 0, bad = 0;
    char *why = NULL;
    int rc = svc_audit_verify(r->db, r->cfg->svc.audit_key, &entries, &bad, &why);
    json_t *o = json_pack("{s:b,s:I}", "ok", rc == 0, "entries", (json_int_t)entries);
    if (rc != 0) {
        json_object_set_new(o, "first_bad", json_integer(bad));
        json_object_set_new(o, "reason", json_string(why ? why : ""));
    }
    free(why);
    return web_json(r, 200, o);
}

int api_inbox(req *r)
{
    svc_ctx c = web_svc(r);
    return web_json(r, 200, svc_inbox(&c));
}
