/* api_reference — health, districts, batches, factory modes and the audit trail (API.md). */
#include <stdlib.h>
#include <string.h>

#include "service/inbox.h"
#include "service/reference.h"
#include "web/handlers.h"

int api_healthz(req *r)
{
    return web_json(r, 200, json_pack("{s:b}", "ok", 1));
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
