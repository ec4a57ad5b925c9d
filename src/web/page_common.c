/* page_common — what every HTML page shares: the common context (who is logged in, the CSRF
 * token, the current batch's contacts) and rendering a template into the response. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "service/reference.h"
#include "web/kept.h"
#include "web/web.h"

static char *web_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

const char *web_short_time(int64_t t, char buf[WEB_SHORT_TIME_BUF])
{
    if (!t) return "";
    int64_t sec = ((t + CAL_TZ_OFFSET) % 86400 + 86400) % 86400;
    cal_date d = cal_date_of_epoch(t);
    if (d.y < 0 || d.y > 9999) return "";
    char *p = web_digits(buf, d.y, 4);
    *p++ = '-';
    p = web_digits(p, d.m, 2);
    *p++ = '-';
    p = web_digits(p, d.d, 2);
    *p++ = ' ';
    p = web_digits(p, (int)(sec / 3600), 2);
    *p++ = ':';
    p = web_digits(p, (int)(sec % 3600 / 60), 2);
    *p = '\0';
    return buf;
}

int64_t web_epoch(const json_t *v)
{
    int64_t t = 0;
    if (!json_is_string(v) || cal_parse_rfc3339(json_string_value(v), &t) != 0) return 0;
    return t;
}

char *web_when(int64_t t)
{
    int64_t sec = ((t + CAL_TZ_OFFSET) % 86400 + 86400) % 86400;
    cal_date d = cal_date_of_epoch(t);
    if (sec == 0) {
        d = cal_add_days(d, -1);
        return xasprintf("%d年%d月%d日 24:00", d.y, d.m, d.d);
    }
    return xasprintf("%d年%d月%d日 %02d:%02d", d.y, d.m, d.d, (int)(sec / 3600),
                     (int)(sec % 3600 / 60));
}

char *web_date(int64_t t)
{
    cal_date d = cal_date_of_epoch(t);
    return xasprintf("%d年%d月%d日", d.y, d.m, d.d);
}

json_t *web_when_json(const json_t *rfc3339)
{
    int64_t t = web_epoch(rfc3339);
    if (!t) return json_null();
    char *s = web_when(t);
    json_t *j = json_string(s);
    free(s);
    return j;
}

char *web_time_left(int64_t at, int64_t now, const char *what)
{
    int64_t d = at - now;
    if (d <= 0) return xasprintf("已%s", what);
    long long days = d / 86400, hours = d % 86400 / 3600, mins = d % 3600 / 60;
    if (days > 0) return xasprintf("距%s还有 %lld 天 %lld 小时", what, days, hours);
    if (hours > 0) return xasprintf("距%s还有 %lld 小时 %lld 分钟", what, hours, mins);
    if (mins > 0) return xasprintf("距%s还有 %lld 分钟", what, mins);
    return xasprintf("距%s不足 1 分钟", what);
}

int64_t web_time_left_until(int64_t at, int64_t now)
{
    int64_t d = at - now;
    if (d <= 0) return INT64_MAX;
    /* The text is a function of whole hours left (a day or more), whole minutes left (a minute
     * to a day), or constant under a minute: it changes when the remainder drops below its
     * current multiple of that step. */
    int64_t step = d >= 86400 ? 3600 : d >= 60 ? 60 : 0;
    if (!step) return at;
    return at - d / step * step + 1;
}

int64_t web_session_digest(const req *r)
{
    const char *who[] = {r->csrf_token, r->actor.username, r->display_name};
    return (int64_t)web_kept_digest(who, sizeof who / sizeof who[0]);
}

bool web_fresh(req *r, const svc_scope *scopes, size_t n, const int64_t *extra, size_t nextra,
               web_kept_version *v)
{
    *v = (web_kept_version){0};
    if (n + nextra > WEB_KEPT_PARTS) return false;
    if (svc_gen_read(r->db, scopes, n, v->part) != 0) return false;
    for (size_t i = 0; i < nextra; i++)
        v->part[n + i] = extra[i];
    return true;
}

bool web_kept_answer(req *r, web_kept *k, const char *key, const web_kept_version *v,
                     const char *type)
{
    sbuf kept;
    sbuf_init(&kept);
    if (!web_kept_get(k, key, v, r->now, &kept, NULL, NULL)) {
        sbuf_free(&kept);
        return false;
    }
    size_t len = kept.len;
    web_bytes(r, 200, type, sbuf_take(&kept), len);
    return true;
}

const json_t *web_current_batch_ref(req *r)
{
    if (!r->batch_read) {
        r->batch = svc_current_batch(r->db, r->now);
        r->batch_read = true;
    }
    return r->batch;
}

json_t *web_current_batch(req *r)
{
    const json_t *b = web_current_batch_ref(r);
    return b ? json_copy((json_t *)b) : NULL;
}

json_t *web_page_ctx(req *r)
{
    json_t *ctx = json_object();
    if (r->actor.id) {
        json_object_set_new(ctx, "account",
                            json_pack("{s:s,s:s,s:I}", "username", r->actor.username, "role",
                                      r->actor.role, "id", (json_int_t)r->actor.id));
        if (r->display_name)
            json_object_set_new(json_object_get(ctx, "account"), "display_name",
                                json_string(r->display_name));
    } else {
        json_object_set_new(ctx, "account", json_null());
    }
    json_object_set_new(ctx, "csrf_token", json_string(r->csrf_token));
    /* The template only reads it: the request's own batch, shared. */
    const json_t *batch = web_current_batch_ref(r);
    json_object_set(ctx, "batch", batch ? (json_t *)batch : json_null());
    return ctx;
}

int web_page(req *r, int status, const char *name, json_t *ctx)
{
    return web_page_row(r, status, name, ctx, NULL, 0);
}

int web_page_row(req *r, int status, const char *name, json_t *ctx, const tpl_row *row,
                 size_t size_hint)
{
    json_t *full = web_page_ctx(r);
    if (ctx) json_object_update(full, ctx);
    if (ctx) json_decref(ctx);
    sbuf out;
    sbuf_init(&out);
    /* Pages are 5–20 KB: one buffer of that size instead of doubling from 256 bytes. */
    sbuf_reserve(&out, size_hint ? size_hint : 16 * 1024);
    if (tpl_render_row(r->cfg->templates, name, full, row, &out) != 0) {
        sbuf_free(&out);
        json_decref(full);
        static const char fallback[] =
            "<!doctype html><meta charset=utf-8><p>页面渲染失败，请稍后重试。";
        return web_bytes(r, 500, "text/html; charset=utf-8", xstrdup(fallback),
                         sizeof fallback - 1);
    }
    json_decref(full);
    size_t len = out.len;
    return web_bytes(r, status, "text/html; charset=utf-8", sbuf_take(&out), len);
}
