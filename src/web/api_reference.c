/* api_reference — health, districts, batches, factory modes and the audit trail (API.md). */
#include <stdlib.h>
#include <string.h>

#include "service/reference.h"
#include "web/handlers.h"

int api_healthz(req *r)
{
    return web_json(r, 200, json_pack("{s:b}", "ok", 1));
}

int api_districts(req *r)
{
    json_t *items = svc_districts(r->db);
    return web_json(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                      (json_int_t)json_array_size(items)));
}

int api_batches_list(req *r)
{
    return web_json(r, 200, svc_batches(r->db));
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
    json_t *out = NULL, *empty = json_object();
    int rc = svc_batch_create(&c, r->json ? r->json : empty, &out, &e);
    json_decref(empty);
    return rc == 0 ? web_json(r, 201, out) : web_error(r, &e);
}

int api_batch_update(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL, *empty = json_object();
    int rc = svc_batch_update(&c, web_param_id(r, 0), r->json ? r->json : empty, &out, &e);
    json_decref(empty);
    return rc == 0 ? web_json(r, 200, out) : web_error(r, &e);
}

int api_factory_modes(req *r)
{
    json_t *items = svc_factory_modes();
    return web_json(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                      (json_int_t)json_array_size(items)));
}

/* Reads ?limit= (default 50, at most 500) and ?offset=. */
static void api_paging(req *r, int64_t *limit, int64_t *offset)
{
    const char *l = web_query(r, "limit"), *o = web_query(r, "offset");
    *limit = l ? atoll(l) : 50;
    if (*limit <= 0) *limit = 50;
    if (*limit > 500) *limit = 500;
    *offset = o ? atoll(o) : 0;
    if (*offset < 0) *offset = 0;
}

int api_audit_list(req *r)
{
    const char *entity = web_query(r, "entity"), *id = web_query(r, "id");
    int64_t limit, offset;
    api_paging(r, &limit, &offset);
    int64_t eid = id ? atoll(id) : 0;
    const char *where = "WHERE (? IS NULL OR entity = ?) AND (? = 0 OR entity_id = ?) ";
    char *sql = xasprintf("SELECT seq, at, actor, entity, entity_id, action, from_state, "
                          "to_state, detail FROM audit %s ORDER BY seq LIMIT ? OFFSET ?",
                          where);
    char *csql = xasprintf("SELECT count(*) FROM audit %s", where);
    json_t *items = json_array();
    db_stmt *s = db_query(r->db, sql, "ttiiii", entity, entity, eid, eid, limit, offset);
    while (db_next(s)) {
        char *at = svc_time_str(db_int(s, 1));
        json_t *detail = json_loads(db_text(s, 8), 0, NULL);
        json_array_append_new(
            items, json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s?,s:s?,s:o}", "seq",
                             (json_int_t)db_int(s, 0), "at", at, "actor", db_text(s, 2),
                             "entity", db_text(s, 3), "entity_id", (json_int_t)db_int(s, 4),
                             "action", db_text(s, 5), "from_state", db_text(s, 6), "to_state",
                             db_text(s, 7), "detail", detail ? detail : json_object()));
        free(at);
    }
    db_done(s);
    int64_t total = db_scalar_int(r->db, 0, csql, "ttii", entity, entity, eid, eid);
    /* The SQL texts are cached per connection by content; these two never change. */
    free(sql);
    free(csql);
    return web_json(r, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total));
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
