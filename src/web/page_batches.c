/* page_batches — the commission's batches (申报批次): every batch with its window and district
 * deadline, a form that opens a new batch with the rules of an earlier one (rules_from), and a
 * form per batch that moves its dates — the way the commission extends the district deadline
 * (SPEC §6) or the window. Times are typed in Beijing time and sent as RFC 3339. */
#include <stdlib.h>
#include <string.h>

#include "service/reference.h"
#include "web/pages.h"

json_t *page_local_time(const char *v)
{
    if (!v || !*v) return NULL;
    size_t n = strlen(v);
    bool local = (n == 16 || n == 19) && v[10] == 'T' && !strchr(v + 10, '+') && !strchr(v, 'Z');
    if (!local) return json_string(v);
    char *t = xasprintf("%s%s+08:00", v, n == 16 ? ":00" : "");
    json_t *s = json_string(t);
    free(t);
    return s;
}

/* "2020-03-17T10:00:00+08:00" → "2020-03-17T10:00:00" for a datetime-local field. */
static json_t *pb_local(const json_t *rfc)
{
    const char *s = json_string_value(rfc);
    return s && strlen(s) >= 19 ? json_stringn(s, 19) : json_string("");
}

static json_t *pb_flash(req *r)
{
    const char *d = web_query(r, "done");
    if (d && !strcmp(d, "created")) return json_pack("{s:s}", "ok", "申报批次已创建。");
    if (d && !strcmp(d, "updated")) return json_pack("{s:s}", "ok", "批次时间已修改。");
    return NULL;
}

int page_batches(req *r)
{
    json_t *all = svc_batches(r->db), *items = json_object_get(all, "items");
    size_t i;
    json_t *b;
    json_array_foreach(items, i, b)
    {
        json_object_del(b, "rules"); /* not shown; keeps the page small */
        json_object_set_new(b, "opens_local", pb_local(json_object_get(b, "opens_at")));
        json_object_set_new(b, "closes_local", pb_local(json_object_get(b, "closes_at")));
        json_object_set_new(b, "deadline_local", pb_local(json_object_get(b, "district_deadline")));
        json_object_set_new(b, "opens_when", web_when_json(json_object_get(b, "opens_at")));
        json_object_set_new(b, "closes_when", web_when_json(json_object_get(b, "closes_at")));
        json_object_set_new(b, "deadline_when",
                            web_when_json(json_object_get(b, "district_deadline")));
    }
    json_t *flash = r->page_flash ? r->page_flash : pb_flash(r);
    json_t *ctx = json_pack("{s:s,s:{s:s},s:o,s:O}", "title", "申报批次", "nav", "current",
                            "commission", "flash", flash ? flash : json_null(), "batches", items);
    json_decref(all);
    json_t *posted = json_object();
    static const char *const keep[] = {
        "year", "name", "notice_no", "opens_at", "closes_at", "district_deadline", "rules_from"};
    for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *v = web_form(r, keep[i]);
        if (v) json_object_set_new(posted, keep[i], json_string(v));
    }
    json_object_set_new(ctx, "posted", posted);
    json_object_set_new(ctx, "errors",
                        r->page_errors ? json_incref(r->page_errors) : json_object());
    return web_page(r, r->page_status ? r->page_status : 200, "batches", ctx);
}

/* The batch fields of the form, times converted; only what was filled in. */
static json_t *pb_fields(req *r)
{
    json_t *in = json_object();
    static const char *const texts[] = {"name", "notice_no"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = web_form(r, texts[i]);
        if (v && *v) json_object_set_new(in, texts[i], json_string(v));
    }
    static const char *const times[] = {"opens_at", "closes_at", "district_deadline"};
    for (size_t i = 0; i < 3; i++) {
        json_t *t = page_local_time(web_form(r, times[i]));
        if (t) json_object_set_new(in, times[i], t);
    }
    static const char *const ints[] = {"year", "rules_from"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = web_form(r, ints[i]);
        if (!v || !*v) continue;
        char *end = NULL;
        long long n = strtoll(v, &end, 10);
        json_object_set_new(in, ints[i], end && !*end ? json_integer(n) : json_string(v));
    }
    return in;
}

static int pb_refused(req *r, svc_err *e)
{
    r->page_flash = json_pack("{s:s}", "error", e->message[0] ? e->message : "操作未完成");
    r->page_errors = e->fields ? json_incref(e->fields) : json_object();
    arena_defer(r->a, (void (*)(void *))json_decref, r->page_errors);
    r->page_status = e->status ? e->status : 400;
    svc_err_clear(e);
    return page_batches(r);
}

int page_batch_create(req *r)
{
    json_t *in = pb_fields(r), *out = NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int rc = svc_batch_create(&c, in, &out, &e);
    json_decref(in);
    if (rc != 0) return pb_refused(r, &e);
    json_decref(out);
    return web_redirect(r, "/commission/batches?done=created");
}

int page_batch_update(req *r)
{
    json_t *in = pb_fields(r), *out = NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int rc = svc_batch_update(&c, web_param_id(r, 0), in, &out, &e);
    json_decref(in);
    if (rc != 0) return pb_refused(r, &e);
    json_decref(out);
    return web_redirect(r, "/commission/batches?done=updated");
}
