/* page_desk — the commission's overview: the statistics page of a batch (charts drawn on the
 * server as SVG, each bar a link to the desk filtered to what it counted) and the desk itself
 * (search by name or USCC, filters, sort, paging, deadline and overdue columns, drafts only on
 * request). Counting and listing are service/stats.c; this file only chooses and formats. */
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "render/svg_chart.h"
#include "render/xlsx.h"
#include "service/desks.h"
#include "service/enterprise.h"
#include "service/inbox.h"
#include "service/publicity.h"
#include "service/reference.h"
#include "service/review.h"
#include "service/stats.h"
#include "web/pages.h"

enum { DESK_PAGE = 20 };

static bool pd_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *pd_state_label(const char *name)
{
    wf_state s;
    return name && wf_state_parse(name, &s) == 0 ? wf_state_label(s) : "";
}

static const char *pd_type_label(const char *t)
{
    return pd_is(t, "factory") ? "智能工厂" : pd_is(t, "workshop") ? "数字化车间" : "";
}

/* A positive id of the query, or 0 (absent or not a number). */
static int64_t pd_query_id(req *r, const char *key)
{
    const char *v = web_query(r, key);
    if (!v || !*v || strlen(v) > 15 || strspn(v, "0123456789") != strlen(v)) return 0;
    return strtoll(v, NULL, 10);
}

static const char *pd_query(req *r, const char *key)
{
    const char *v = web_query(r, key);
    return v && *v ? v : NULL;
}

/* Percent-encodes a query value (UTF-8 bytes outside the unreserved set). */
static void pd_qput(sbuf *b, const char *key, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    sbuf_printf(b, "%s%s=", b->len ? "&" : "", key);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-_.~", *p)) {
            sbuf_append(b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            sbuf_append(b, e, 3);
        }
    }
}

/* The batch to show: ?batch=, else the current one, else none (0). */
static int64_t pd_batch(req *r)
{
    int64_t id = pd_query_id(r, "batch");
    if (!id) id = pd_query_id(r, "batch_id");
    if (id) return id;
    const json_t *cur = web_current_batch_ref(r);
    return cur ? json_integer_value(json_object_get(cur, "id")) : 0;
}

static json_t *pd_batch_options(db *d, int64_t current)
{
    json_t *batches = svc_batches(d), *opts = json_array(), *b;
    size_t i;
    json_array_foreach(json_object_get(batches, "items"), i, b)
    {
        json_int_t id = json_integer_value(json_object_get(b, "id"));
        json_array_append_new(opts,
                              json_pack("{s:I,s:O,s:b}", "id", id, "name",
                                        json_object_get(b, "name"), "selected", id == current));
    }
    json_decref(batches);
    return opts;
}

/* ---------------------------------------------------------------- statistics */

/* The funnel's stages (stats_stage_state) as people name them. */
static const char *const pd_stage_label[STATS_STAGES] = {
    "全部（含草稿）", "已提交", "区县初审通过", "专家评审", "专家评审通过", "公示", "已认定"};

/* The desk's address for one figure of batch `batch`: `extra` is "key=value" (already safe). */
static char *pd_desk_href(int64_t batch, const char *extra)
{
    return xasprintf("/commission?batch_id=%lld%s%s", (long long)batch, extra ? "&" : "",
                     extra ? extra : "");
}

/* A chart and the table of its numbers: {id, title, note, svg, rows:[{label, value, href}]}.
 * Takes the hrefs (malloc'd) of `items`. */
static json_t *pd_chart(const char *id, const char *title, const char *note, svg_item *items,
                        size_t n, bool funnel)
{
    char *svg = funnel ? svg_funnel(id, title, items, n) : svg_bars(id, title, items, n);
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(rows, json_pack("{s:s,s:I,s:s}", "label", items[i].label, "value",
                                              (json_int_t)items[i].value, "href",
                                              items[i].href ? items[i].href : ""));
        free((char *)items[i].href);
    }
    json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "title", title, "note", note, "svg",
                          svg, "rows", rows);
    free(svg);
    return c;
}

/* "8 / 10（80.0%）", or "—" when nothing was decided yet. */
static char *pd_rate(int64_t part, int64_t whole)
{
    if (whole <= 0) return xstrdup("—");
    int64_t tenths = (part * 1000 + whole / 2) / whole;
    return xasprintf("%lld / %lld（%lld.%lld%%）", (long long)part, (long long)whole,
                     (long long)(tenths / 10), (long long)(tenths % 10));
}

static json_t *pd_figure(const char *label, char *value, char *href)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "label", label, "value", value, "href", href);
    free(value);
    free(href);
    return o;
}

typedef struct pd_district {
    const char *code, *name;
    int64_t count;
    size_t order;
} pd_district;

/* Most applications first; equal counts in the reference order. */
static int pd_district_cmp(const void *a, const void *b)
{
    const pd_district *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static json_t *pd_district_chart(const json_t *by_district, int64_t batch)
{
    size_t n = json_array_size(by_district);
    pd_district *ds = xcalloc(n ? n : 1, sizeof *ds);
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(by_district, i);
        ds[i] = (pd_district){json_string_value(json_object_get(d, "code")),
                              json_string_value(json_object_get(d, "name")),
                              json_integer_value(json_object_get(d, "count")), i};
    }
    qsort(ds, n, sizeof *ds, pd_district_cmp);
    svg_item *items = xcalloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        char *q = xasprintf("district_code=%s", ds[i].code);
        items[i] = (svg_item){ds[i].name, ds[i].count, pd_desk_href(batch, q)};
        free(q);
    }
    json_t *c = pd_chart("chart-district", "各区县申报数（已提交，不含草稿）",
                         "全部区县，含尚无申报的区县，按申报数从多到少排列。", items, n, false);
    free(items);
    free(ds);
    return c;
}

static json_t *pd_stats_ctx(const json_t *st, int64_t batch)
{
    json_t *charts = json_array();
    /* The funnel: how many reached each stage. */
    svg_item items[WF_STATE_COUNT];
    const json_t *reached = json_object_get(st, "reached");
    for (int i = 0; i < STATS_STAGES; i++) {
        char *q = xasprintf("reached=%s", stats_stage_state[i]);
        items[i] =
            (svg_item){pd_stage_label[i], json_integer_value(json_array_get(reached, (size_t)i)),
                       pd_desk_href(batch, q)};
        free(q);
    }
    json_array_append_new(charts, pd_chart("chart-funnel", "申报进度漏斗",
                                           "每一阶段为已到达该阶段（含其后各阶段）的申报数。",
                                           items, STATS_STAGES, true));
    /* Every state as it stands. */
    const json_t *by_state = json_object_get(st, "by_state");
    for (int s = 0; s < WF_STATE_COUNT; s++) {
        const char *name = wf_state_name((wf_state)s);
        char *q = xasprintf("status=%s", name);
        items[s] =
            (svg_item){wf_state_label((wf_state)s),
                       json_integer_value(json_object_get(by_state, name)), pd_desk_href(batch, q)};
        free(q);
    }
    json_array_append_new(charts, pd_chart("chart-state", "各状态申报数", "按当前状态计数。", items,
                                           WF_STATE_COUNT, false));
    json_array_append_new(charts, pd_district_chart(json_object_get(st, "by_district"), batch));
    const json_t *bt = json_object_get(st, "by_type");
    items[0] = (svg_item){"数字化车间", json_integer_value(json_object_get(bt, "workshop")),
                          pd_desk_href(batch, "type=workshop")};
    items[1] = (svg_item){"智能工厂", json_integer_value(json_object_get(bt, "factory")),
                          pd_desk_href(batch, "type=factory")};
    json_array_append_new(charts, pd_chart("chart-type", "按申报类型（已提交）",
                                           "数字化车间与智能工厂。", items, 2, false));
    static const char *const mtypes[] = {"discrete", "process", "mixed", "none"};
    const json_t *bm = json_object_get(st, "by_mtype");
    for (size_t i = 0; i < 4; i++) {
        char *q = xasprintf("mtype=%s", mtypes[i]);
        items[i] =
            (svg_item){stats_mtype_label(mtypes[i]),
                       json_integer_value(json_object_get(bm, mtypes[i])), pd_desk_href(batch, q)};
        free(q);
    }
    json_array_append_new(charts, pd_chart("chart-mtype", "按制造类型（已提交）",
                                           "企业信息中填报的制造类型。", items, 4, false));

#define PD_N(k) json_integer_value(json_object_get(st, k))
    json_t *figures = json_array();
    json_array_append_new(figures,
                          pd_figure("已提交申报", xasprintf("%lld", (long long)PD_N("submitted")),
                                    pd_desk_href(batch, NULL)));
    json_array_append_new(figures,
                          pd_figure("草稿（未提交）", xasprintf("%lld", (long long)PD_N("drafts")),
                                    pd_desk_href(batch, "status=draft")));
    json_array_append_new(figures, pd_figure("区县初审超期未审",
                                             xasprintf("%lld", (long long)PD_N("overdue")),
                                             pd_desk_href(batch, "overdue=1")));
    json_array_append_new(figures,
                          pd_figure("区县初审通过率",
                                    pd_rate(PD_N("district_approved"), PD_N("district_decided")),
                                    pd_desk_href(batch, "reached=district_approved")));
    json_array_append_new(figures, pd_figure("专家评审通过率",
                                             pd_rate(PD_N("expert_passed"), PD_N("expert_decided")),
                                             pd_desk_href(batch, "reached=expert_passed")));
    int64_t reviews = PD_N("reviews"), sum = PD_N("score_sum");
    char *avg = reviews ? xasprintf("%lld.%lld 分（%lld 份评审意见）",
                                    (long long)((sum * 10 + reviews / 2) / reviews / 10),
                                    (long long)((sum * 10 + reviews / 2) / reviews % 10),
                                    (long long)reviews)
                        : xstrdup("—");
    json_array_append_new(
        figures, pd_figure("专家平均评分", avg, pd_desk_href(batch, "reached=expert_review")));
#undef PD_N
    return json_pack("{s:o,s:o}", "charts", charts, "figures", figures);
}

int page_commission_stats(req *r)
{
    int64_t batch = pd_batch(r);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *st = NULL;
    if (!batch || svc_stats_batch(&c, batch, &st, &e) != 0) {
        svc_err_clear(&e);
        json_t *ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", "没有找到", "status", 404, "message",
                                "没有找到这个申报批次。", "back_href", "/commission");
        return web_page(r, 404, "error", ctx);
    }
    json_t *ctx = pd_stats_ctx(st, batch);
    json_object_set_new(ctx, "title", json_string("批次统计"));
    json_object_set_new(ctx, "nav", json_pack("{s:s}", "current", "commission"));
    json_object_set(ctx, "batch", json_object_get(st, "batch"));
    json_object_set_new(ctx, "batches", pd_batch_options(r->db, batch));
    char *dl = web_when(json_integer_value(json_object_get(st, "district_deadline")));
    json_object_set_new(ctx, "district_deadline", json_string(dl));
    free(dl);
    json_decref(st);
    return web_page(r, 200, "commission_stats", ctx);
}

/* ---------------------------------------------------------------- the desk */

static const char *const pd_sorts[][2] = {
    {"submitted", "提交时间（最新在前）"},
    {"name", "企业名称"},
    {"district", "区县"},
    {"status", "状态"},
};

/* The desk's filters as read from the query; a value the lists do not know is left out and
 * named in `bad` (Chinese labels), so the page says what it ignored. */
static void pd_read_filter(req *r, svc_desk_filter *f, sbuf *bad)
{
    *f = (svc_desk_filter){.limit = DESK_PAGE};
    f->batch_id = pd_query_id(r, "batch_id");
    f->q = pd_query(r, "q");
    if (f->q && strlen(f->q) > 100) {
        sbuf_puts(bad, "「企业名称或统一社会信用代码」超过 100 个字符；");
        f->q = NULL;
    }
    f->status = pd_query(r, "status");
    if (f->status && stats_level(f->status) < 0) {
        sbuf_puts(bad, "「状态」不是已知的申报状态；");
        f->status = NULL;
    }
    const char *reached = pd_query(r, "reached");
    for (int i = 0; reached && i < STATS_STAGES; i++)
        if (pd_is(reached, stats_stage_state[i])) f->reached = i;
    if (reached && !pd_is(reached, stats_stage_state[f->reached])) {
        sbuf_puts(bad, "「阶段」不是已知的阶段；");
    }
    f->district = pd_query(r, "district_code");
    json_t *dj = f->district ? svc_district(r->db, f->district) : NULL;
    if (f->district && !dj) {
        sbuf_puts(bad, "「区县」不是已知的区县；");
        f->district = NULL;
    }
    json_decref(dj);
    f->type = pd_query(r, "type");
    if (f->type && !*pd_type_label(f->type)) {
        sbuf_puts(bad, "「申报类型」不是已知的类型；");
        f->type = NULL;
    }
    f->mtype = pd_query(r, "mtype");
    if (f->mtype && !stats_mtype_known(f->mtype)) {
        sbuf_puts(bad, "「制造类型」不是已知的类型；");
        f->mtype = NULL;
    }
    f->sort = pd_query(r, "sort");
    bool sort_known = false;
    for (size_t i = 0; i < sizeof pd_sorts / sizeof pd_sorts[0]; i++)
        sort_known |= pd_is(f->sort, pd_sorts[i][0]);
    if (f->sort && !sort_known) {
        sbuf_puts(bad, "「排序」不是已知的方式；");
        f->sort = NULL;
    }
    f->overdue = pd_is(pd_query(r, "overdue"), "1");
    /* Drafts only when asked for, or when the filter is about drafts. */
    f->drafts = pd_is(pd_query(r, "drafts"), "1") || pd_is(f->status, "draft") ||
                (reached && f->reached == 0 && pd_is(reached, "draft"));
    /* Rows a page: 20 unless a size of 1 to 100 is asked for. */
    int64_t size = pd_query_id(r, "limit");
    f->limit = size >= 1 && size <= 100 ? size : DESK_PAGE;
    int64_t page = pd_query_id(r, "page");
    if (page > 100000) page = 100000;
    f->offset = page > 1 ? (page - 1) * f->limit : 0;
}

/* The filters, order and page size as a query string (the export and paging links). */
static char *pd_filter_query(const svc_desk_filter *f, req *r)
{
    sbuf q;
    sbuf_init(&q);
    if (f->batch_id) sbuf_printf(&q, "batch_id=%lld", (long long)f->batch_id);
    if (f->q) pd_qput(&q, "q", f->q);
    if (f->status) pd_qput(&q, "status", f->status);
    if (f->reached) pd_qput(&q, "reached", stats_stage_state[f->reached]);
    if (f->district) pd_qput(&q, "district_code", f->district);
    if (f->type) pd_qput(&q, "type", f->type);
    if (f->mtype) pd_qput(&q, "mtype", f->mtype);
    if (f->overdue) pd_qput(&q, "overdue", "1");
    if (pd_is(pd_query(r, "drafts"), "1")) pd_qput(&q, "drafts", "1");
    if (f->sort) pd_qput(&q, "sort", f->sort);
    if (f->limit != DESK_PAGE)
        sbuf_printf(&q, "%slimit=%lld", q.len ? "&" : "", (long long)f->limit);
    return sbuf_take(&q);
}

static json_t *pd_rows(const json_t *items)
{
    json_t *rows = json_array(), *a;
    size_t i;
    json_array_foreach(items, i, a)
    {
        json_t *o = json_deep_copy(a);
        const char *st = json_string_value(json_object_get(a, "status"));
        json_object_set_new(o, "status_name", json_string(pd_state_label(st)));
        json_object_set_new(
            o, "type_name",
            json_string(pd_type_label(json_string_value(json_object_get(a, "type")))));
        int64_t sub = json_integer_value(json_object_get(a, "submitted_at"));
        int64_t dl = json_integer_value(json_object_get(a, "district_deadline"));
        char *s1 = sub ? web_when(sub) : xstrdup("未提交");
        char *s2 = dl ? web_when(dl) : xstrdup("—");
        json_object_set_new(o, "submitted", json_string(s1));
        json_object_set_new(o, "deadline", json_string(s2));
        free(s1);
        free(s2);
        json_array_append_new(rows, o);
    }
    return rows;
}

/* The choices of a select, the current one marked. */
static json_t *pd_options(const char *const (*pairs)[2], size_t n, const char *current)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "value", pairs[i][0], "label",
                                           pairs[i][1], "selected", pd_is(current, pairs[i][0])));
    return a;
}

static json_t *pd_desk_choices(req *r, const svc_desk_filter *f)
{
    json_t *states = json_array(), *dopts = json_array(), *b;
    for (int s = 0; s < WF_STATE_COUNT; s++)
        json_array_append_new(states,
                              json_pack("{s:s,s:s,s:b}", "value", wf_state_name((wf_state)s),
                                        "label", wf_state_label((wf_state)s), "selected",
                                        pd_is(f->status, wf_state_name((wf_state)s))));
    json_t *districts = svc_districts(r->db);
    size_t i;
    json_array_foreach(districts, i, b)
    {
        const char *code = json_string_value(json_object_get(b, "code"));
        json_array_append_new(dopts, json_pack("{s:s,s:O,s:b}", "code", code, "name",
                                               json_object_get(b, "name"), "selected",
                                               pd_is(code, f->district)));
    }
    json_decref(districts);
    static const char *const types[][2] = {{"workshop", "数字化车间"}, {"factory", "智能工厂"}};
    static const char *const mtypes[][2] = {{"discrete", "离散型制造"},
                                            {"process", "流程型制造"},
                                            {"mixed", "混合型制造"},
                                            {"none", "未填写"}};
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "states", states, "districts", dopts, "batches",
                     pd_batch_options(r->db, f->batch_id), "types", pd_options(types, 2, f->type),
                     "mtypes", pd_options(mtypes, 4, f->mtype), "sorts",
                     pd_options(pd_sorts, 4, f->sort ? f->sort : "submitted"));
}

/* Messages after a bulk action's redirect: fixed texts chosen by ?done=, with the count ?n=. */
static json_t *pd_done_flash(req *r)
{
    const char *d = pd_query(r, "done");
    int64_t n = pd_query_id(r, "n");
    char *m = pd_is(d, "assigned") ? xasprintf("已为 %lld 件申报分配评审专家。", (long long)n)
              : pd_is(d, "published") ? xasprintf("%lld 件申报已进入公示。", (long long)n)
                                      : NULL;
    json_t *f = m ? json_pack("{s:s}", "ok", m) : NULL;
    free(m);
    return f;
}

/* Active expert accounts for the bulk assignment: [{id, name, employer}] (employer: the
 * employer's name, else its credit code, else NULL). */
static void pd_expert(const svc_desk_expert *x, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I,s:s?,s:s?}", "id", (json_int_t)x->id, "name",
                                         x->label, "employer", x->employer));
}

static json_t *pd_experts(svc_ctx *c)
{
    json_t *a = json_array();
    svc_err e = {0};
    if (svc_desk_experts_each(c, 500, pd_expert, a, &e) != 0) svc_err_clear(&e);
    return a;
}

/* The desk with `flash` (stolen; NULL: the message of ?done=) answered with `status`. */
static int pd_desk(req *r, int status, json_t *flash)
{
    svc_desk_filter f;
    sbuf bad;
    sbuf_init(&bad);
    pd_read_filter(r, &f, &bad);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_desk_list(&c, &f, &out, &e) != 0) {
        svc_err_clear(&e);
        out = json_pack("{s:[],s:i}", "items", "total", 0);
    }
    int64_t total = json_integer_value(json_object_get(out, "total"));
    int64_t page = f.offset / f.limit + 1, pages = (total + f.limit - 1) / f.limit;
    json_t *ctx = pd_desk_choices(r, &f);
    json_object_set_new(ctx, "title", json_string("工作台"));
    json_object_set_new(ctx, "nav", json_pack("{s:s}", "current", "commission"));
    if (flash) {
        json_object_set_new(ctx, "flash", flash);
    } else if (bad.len) {
        char *m = xasprintf("已忽略无效的筛选条件：%s", bad.data);
        json_object_set_new(ctx, "flash", json_pack("{s:s}", "error", m));
        free(m);
    } else {
        json_object_set_new(ctx, "flash", pd_done_flash(r));
    }
    sbuf_free(&bad);
    json_object_set_new(ctx, "inbox", svc_inbox(&c));
    json_object_set_new(ctx, "applications", pd_rows(json_object_get(out, "items")));
    json_object_set_new(ctx, "total", json_integer(total));
    json_object_set_new(ctx, "q", json_string(f.q ? f.q : ""));
    json_object_set_new(ctx, "drafts", json_boolean(pd_is(pd_query(r, "drafts"), "1")));
    json_object_set_new(ctx, "overdue", json_boolean(f.overdue));
    if (f.reached)
        json_object_set_new(ctx, "reached",
                            json_pack("{s:s,s:s}", "value", stats_stage_state[f.reached], "label",
                                      pd_stage_label[f.reached]));
    char *query = pd_filter_query(&f, r);
    json_object_set_new(ctx, "query", json_string(query));
    json_object_set_new(ctx, "experts", pd_experts(&c));
    json_object_set_new(ctx, "bulk_batch", json_integer(f.batch_id));
    /* Paging links keep every filter and the order. */
    if (pages > 1) {
        json_t *pg = json_pack("{s:I,s:I}", "page", (json_int_t)page, "pages", (json_int_t)pages);
        if (page > 1)
            json_object_set_new(pg, "prev",
                                json_sprintf("/commission?%s%spage=%lld", query, *query ? "&" : "",
                                             (long long)(page - 1)));
        if (page < pages)
            json_object_set_new(pg, "next",
                                json_sprintf("/commission?%s%spage=%lld", query, *query ? "&" : "",
                                             (long long)(page + 1)));
        json_object_set_new(ctx, "paging", pg);
    }
    free(query);
    int64_t stats_batch = f.batch_id ? f.batch_id : pd_batch(r);
    if (stats_batch)
        json_object_set_new(
            ctx, "stats_href",
            json_sprintf("/commission/statistics?batch=%lld", (long long)stats_batch));
    json_decref(out);
    return web_page(r, status, "commission_desk", ctx);
}

int page_commission_desk(req *r)
{
    return pd_desk(r, 200, NULL);
}

/* ---------------------------------------------------------------- bulk actions */

/* The positive ids of a form field whose checkboxes were joined with commas. */
static json_t *pd_form_ids(req *r, const char *name)
{
    json_t *ids = json_array();
    for (const char *p = web_form(r, name); p && *p;) {
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (v > 0) json_array_append_new(ids, json_integer(v));
        if (end == p) break;
        p = end && *end == ',' ? end + 1 : "";
    }
    return ids;
}

static int pd_bulk_refused(req *r, int status, const char *msg)
{
    return pd_desk(r, status, json_pack("{s:s}", "error", msg));
}

/* The desk again after a bulk action done in full: its filters kept, the count in the message. */
static int pd_bulk_done(req *r, const char *done, size_t n)
{
    svc_desk_filter f;
    sbuf bad;
    sbuf_init(&bad);
    pd_read_filter(r, &f, &bad);
    sbuf_free(&bad);
    char *query = pd_filter_query(&f, r);
    char *loc = xasprintf("/commission?%s%sdone=%s&n=%zu", query, *query ? "&" : "", done, n);
    web_redirect(r, loc);
    free(loc);
    free(query);
    return 0;
}

/* The same experts for every selected application, one application at a time (each is all or
 * nothing, as the API's assignment is); what was refused is named with the reason. */
static int pd_bulk_assign(req *r, json_t *apps)
{
    json_t *experts = pd_form_ids(r, "expert_ids");
    if (json_array_size(experts) == 0) {
        json_decref(experts);
        return pd_bulk_refused(r, 400, "评审专家：请至少选择一位评审专家。");
    }
    svc_ctx c = web_svc(r);
    json_t *in = json_pack("{s:o}", "expert_ids", experts);
    sbuf why;
    sbuf_init(&why);
    size_t ok = 0, i;
    json_t *v;
    int status = 0;
    json_array_foreach(apps, i, v)
    {
        svc_err e = {0};
        json_t *out = NULL;
        int64_t id = json_integer_value(v);
        if (svc_review_assign(&c, id, in, &out, &e) == 0) {
            ok++;
            json_decref(out);
            continue;
        }
        json_t *app = NULL;
        svc_err ge = {0};
        const char *name = NULL;
        if (e.status != 404 && svc_app_get(&c, id, &app, &ge) == 0)
            name = json_string_value(json_object_get(json_object_get(app, "enterprise"), "name"));
        svc_err_clear(&ge);
        sbuf_printf(&why, "「%s」%s；", name ? name : "所选申报之一",
                    e.status == 404 ? "没有找到或无权查看" : e.message);
        if (!status) status = e.status ? e.status : 409;
        json_decref(app);
        svc_err_clear(&e);
    }
    json_decref(in);
    if (!why.len) {
        sbuf_free(&why);
        return pd_bulk_done(r, "assigned", ok);
    }
    char *m = xasprintf("已为 %zu 件申报分配评审专家；以下申报未分配：%s", ok, why.data);
    sbuf_free(&why);
    int rc = pd_bulk_refused(r, status, m);
    free(m);
    return rc;
}

/* 公示 of the selected applications of one batch with one period: all or nothing (the API's). */
static int pd_bulk_publish(req *r, json_t *apps)
{
    int64_t batch = 0;
    const char *b = web_form(r, "batch_id");
    if (b && *b && strspn(b, "0123456789") == strlen(b) && strlen(b) < 16)
        batch = strtoll(b, NULL, 10);
    if (!batch)
        return pd_bulk_refused(r, 400, "批量公示：请先在上方按批次筛选，再勾选该批次的申报。");
    json_t *in = json_pack("{s:O}", "application_ids", apps), *out = NULL;
    json_t *starts = page_local_time(web_form(r, "starts_at"));
    json_t *ends = page_local_time(web_form(r, "ends_at"));
    if (starts) json_object_set_new(in, "starts_at", starts);
    if (ends) json_object_set_new(in, "ends_at", ends);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int rc = svc_pub_publish(&c, batch, in, &out, &e);
    json_decref(in);
    if (rc != 0) {
        char *m = xasprintf("批量公示未完成（所选申报均未公示）：%s",
                            e.message[0] ? e.message : "请求未能完成");
        int st = e.status ? e.status : 409;
        svc_err_clear(&e);
        rc = pd_bulk_refused(r, st, m);
        free(m);
        return rc;
    }
    json_decref(out);
    return pd_bulk_done(r, "published", json_array_size(apps));
}

int page_commission_bulk(req *r)
{
    json_t *apps = pd_form_ids(r, "application_ids");
    const char *action = web_form(r, "action");
    int rc;
    if (json_array_size(apps) == 0)
        rc = pd_bulk_refused(r, 400, "申报：请先在列表中勾选至少一件申报。");
    else if (pd_is(action, "assign"))
        rc = pd_bulk_assign(r, apps);
    else if (pd_is(action, "publish"))
        rc = pd_bulk_publish(r, apps);
    else
        rc = pd_bulk_refused(r, 400, "操作：请选择“分配评审专家”或“公示”。");
    json_decref(apps);
    return rc;
}

/* ---------------------------------------------------------------- certificates */

static const char *pd_reason_label(const char *r)
{
    static const char *const map[][2] = {
        {"re_review_failed", "复评不合格"},
        {"self_request", "企业申请撤销"},
        {"terminated", "企业已终止经营"},
        {"fraud_or_violation", "弄虚作假或存在违法违规行为"},
    };
    for (size_t i = 0; r && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(r, map[i][0]) == 0) return map[i][1];
    return "";
}

static json_t *pd_cert_rows(const json_t *items)
{
    json_t *rows = json_array(), *a;
    size_t i;
    json_array_foreach(items, i, a)
    {
        json_t *o = json_deep_copy(a);
        const char *st = json_string_value(json_object_get(a, "status"));
        json_object_set_new(o, "valid", json_boolean(pd_is(st, "valid")));
        json_object_set_new(
            o, "type_name",
            json_string(pd_type_label(json_string_value(json_object_get(a, "type")))));
        json_object_set_new(
            o, "class_name",
            json_string(pd_is(json_string_value(json_object_get(a, "project_class")), "I")
                            ? "一类（在建）"
                            : "二类（已建成）"));
        json_object_set_new(
            o, "reason_name",
            json_string(pd_reason_label(json_string_value(json_object_get(a, "revoked_reason")))));
        char *issued = web_date(json_integer_value(json_object_get(a, "issued_at")));
        json_object_set_new(o, "issued", json_string(issued));
        free(issued);
        json_t *rq = json_object_get(o, "request");
        if (rq) {
            char *at = web_when(json_integer_value(json_object_get(rq, "created_at")));
            json_object_set_new(rq, "at", json_string(at));
            free(at);
        }
        json_array_append_new(rows, o);
    }
    return rows;
}

/* The certificates page's filters from the query; unknown values left out and named in `bad`. */
static void pd_cert_filter(req *r, svc_cert_filter *fp, sbuf *bad_buf)
{
    svc_cert_filter f = {.limit = DESK_PAGE};
    sbuf *bad = bad_buf;
    f.status = pd_query(r, "status");
    if (f.status && !pd_is(f.status, "valid") && !pd_is(f.status, "revoked")) {
        sbuf_puts(bad, "「证书状态」不是已知的状态；");
        f.status = NULL;
    }
    f.type = pd_query(r, "type");
    if (f.type && !*pd_type_label(f.type)) {
        sbuf_puts(bad, "「申报类型」不是已知的类型；");
        f.type = NULL;
    }
    f.district = pd_query(r, "district_code");
    json_t *dj = f.district ? svc_district(r->db, f.district) : NULL;
    if (f.district && !dj) {
        sbuf_puts(bad, "「区县」不是已知的区县；");
        f.district = NULL;
    }
    json_decref(dj);
    f.mark = pd_query(r, "mark");
    if (f.mark && !pd_is(f.mark, "any") && !*stats_mark_label(f.mark)) {
        sbuf_puts(bad, "「优先推荐标记」不是已知的标记；");
        f.mark = NULL;
    }
    f.q = pd_query(r, "q");
    if (f.q && strlen(f.q) > 100) f.q = NULL;
    f.re_review_due = pd_is(pd_query(r, "re_review_due"), "1");
    f.requested = pd_is(pd_query(r, "requested"), "1");
    int64_t size = pd_query_id(r, "limit");
    f.limit = size >= 1 && size <= 100 ? size : DESK_PAGE;
    int64_t page = pd_query_id(r, "page");
    if (page > 100000) page = 100000;
    f.offset = page > 1 ? (page - 1) * f.limit : 0;

    *fp = f;
}

int page_commission_certificates(req *r)
{
    sbuf bad;
    sbuf_init(&bad);
    svc_cert_filter f;
    pd_cert_filter(r, &f, &bad);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_cert_overview(&c, &f, &out, &e) != 0) {
        svc_err_clear(&e);
        out = json_pack("{s:[],s:i,s:{}}", "items", "total", 0, "counts");
    }
    /* The enterprises' pending requests to revoke, whatever the filters. */
    svc_cert_filter rf = {.requested = true, .limit = 100};
    json_t *req_out = NULL;
    if (svc_cert_overview(&c, &rf, &req_out, &e) != 0) {
        svc_err_clear(&e);
        req_out = json_pack("{s:[]}", "items");
    }
    json_t *ctx = json_pack("{s:s,s:{s:s}}", "title", "证书管理", "nav", "current", "commission");
    if (bad.len) {
        char *m = xasprintf("已忽略无效的筛选条件：%s", bad.data);
        json_object_set_new(ctx, "flash", json_pack("{s:s}", "error", m));
        free(m);
    }
    sbuf_free(&bad);
    json_object_set_new(ctx, "certificates", pd_cert_rows(json_object_get(out, "items")));
    json_object_set_new(ctx, "requests", pd_cert_rows(json_object_get(req_out, "items")));
    json_object_set(ctx, "counts", json_object_get(out, "counts"));
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    json_object_set_new(ctx, "total", json_integer(total));
    static const char *const statuses[][2] = {{"valid", "有效"}, {"revoked", "已撤销"}};
    static const char *const types[][2] = {{"workshop", "数字化车间"}, {"factory", "智能工厂"}};
    static const char *const marks[][2] = {{"any", "任一标记"},
                                           {"benchmark", "标杆"},
                                           {"innovation_demo", "创新示范"},
                                           {"national_pilot", "国家试点示范"},
                                           {"national_project", "国家专项"}};
    json_object_set_new(ctx, "statuses", pd_options(statuses, 2, f.status));
    json_object_set_new(ctx, "types", pd_options(types, 2, f.type));
    json_object_set_new(ctx, "marks", pd_options(marks, 5, f.mark));
    json_t *dopts = json_array(), *b, *districts = svc_districts(r->db);
    size_t i;
    json_array_foreach(districts, i, b)
    {
        const char *code = json_string_value(json_object_get(b, "code"));
        json_array_append_new(dopts, json_pack("{s:s,s:O,s:b}", "code", code, "name",
                                               json_object_get(b, "name"), "selected",
                                               pd_is(code, f.district)));
    }
    json_decref(districts);
    json_object_set_new(ctx, "districts", dopts);
    json_object_set_new(ctx, "q", json_string(f.q ? f.q : ""));
    json_object_set_new(ctx, "re_review_due", json_boolean(f.re_review_due));
    json_object_set_new(ctx, "requested", json_boolean(f.requested));
    sbuf q;
    sbuf_init(&q);
    if (f.status) pd_qput(&q, "status", f.status);
    if (f.type) pd_qput(&q, "type", f.type);
    if (f.district) pd_qput(&q, "district_code", f.district);
    if (f.mark) pd_qput(&q, "mark", f.mark);
    if (f.q) pd_qput(&q, "q", f.q);
    if (f.re_review_due) pd_qput(&q, "re_review_due", "1");
    if (f.requested) pd_qput(&q, "requested", "1");
    if (f.limit != DESK_PAGE) sbuf_printf(&q, "%slimit=%lld", q.len ? "&" : "", (long long)f.limit);
    int64_t pages = (total + f.limit - 1) / f.limit, cur = f.offset / f.limit + 1;
    if (pages > 1) {
        const char *sep = q.len ? "&" : "";
        json_t *pg = json_pack("{s:I,s:I}", "page", (json_int_t)cur, "pages", (json_int_t)pages);
        if (cur > 1)
            json_object_set_new(pg, "prev",
                                json_sprintf("/commission/certificates?%s%spage=%lld",
                                             q.data ? q.data : "", sep, (long long)(cur - 1)));
        if (cur < pages)
            json_object_set_new(pg, "next",
                                json_sprintf("/commission/certificates?%s%spage=%lld",
                                             q.data ? q.data : "", sep, (long long)(cur + 1)));
        json_object_set_new(ctx, "paging", pg);
    }
    json_object_set_new(ctx, "query", json_string(q.data ? q.data : ""));
    sbuf_free(&q);
    json_decref(out);
    json_decref(req_out);
    return web_page(r, 200, "commission_certificates", ctx);
}

/* ---------------------------------------------------------------- the same lists as xlsx */

/* Sends a workbook as a download named `filename`; 500 when it could not be built. */
static int pd_send_xlsx(req *r, const char *title, const render_xlsx_column *cols, size_t n,
                        const json_t *rows, const char *filename)
{
    char *data = NULL, *err = NULL;
    size_t len = 0;
    if (render_xlsx_table(title, cols, n, rows, &data, &len, &err) != 0) {
        free(err);
        return web_fail(r, 500, "internal", "表格生成失败，请稍后重试");
    }
    free(r->disposition);
    r->disposition = svc_content_disposition(filename);
    return web_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     data, len);
}

/* A time as a date-time cell, or an empty cell for none. */
static json_t *pd_cell_time(json_int_t t, const char *key)
{
    return t > 0 ? json_pack("{s:I}", key, t) : json_null();
}

/* The desk's rows under the same filters and order, every page, as the desk names them. */
int page_commission_desk_xlsx(req *r)
{
    svc_desk_filter f;
    sbuf bad;
    sbuf_init(&bad);
    pd_read_filter(r, &f, &bad);
    sbuf_free(&bad);
    f.limit = 100000;
    f.offset = 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_desk_list(&c, &f, &out, &e) != 0) return web_error(r, &e);
    static const render_xlsx_column cols[] = {
        {"企业名称", 0},  {"统一社会信用代码", 0}, {"项目名称", 0},
        {"区县", 0},      {"申报类型", 0},         {"状态", 0},
        {"提交时间", 17}, {"区县初审截止", 17},    {"初审超期", 0}};
    json_t *rows = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(out, "items"), i, a)
    {
        json_array_append_new(
            rows,
            json_pack(
                "[O,O,O,O,s,s,o,o,b]", json_object_get(a, "enterprise_name"),
                json_object_get(a, "uscc"), json_object_get(a, "project_name"),
                json_object_get(a, "district_name"),
                pd_type_label(json_string_value(json_object_get(a, "type"))),
                pd_state_label(json_string_value(json_object_get(a, "status"))),
                pd_cell_time(json_integer_value(json_object_get(a, "submitted_at")), "epoch"),
                pd_cell_time(json_integer_value(json_object_get(a, "district_deadline")), "epoch"),
                json_is_true(json_object_get(a, "overdue"))));
    }
    json_decref(out);
    int rc = pd_send_xlsx(r, "申报列表", cols, sizeof cols / sizeof cols[0], rows, "申报列表.xlsx");
    json_decref(rows);
    return rc;
}

int page_commission_certificates_xlsx(req *r)
{
    svc_cert_filter f;
    sbuf bad;
    sbuf_init(&bad);
    pd_cert_filter(r, &f, &bad);
    sbuf_free(&bad);
    f.limit = 100000;
    f.offset = 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_cert_overview(&c, &f, &out, &e) != 0) return web_error(r, &e);
    static const render_xlsx_column cols[] = {
        {"证书编号", 0},     {"企业名称", 0},     {"统一社会信用代码", 0},
        {"项目名称", 0},     {"类型", 0},         {"项目类别", 0},
        {"区县", 0},         {"发证日期", 12},    {"证书状态", 0},
        {"撤销原因", 0},     {"优先推荐标记", 0}, {"待复评", 0},
        {"企业撤销申请", 0}, {"撤销申请时间", 17}};
    json_t *rows = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(out, "items"), i, a)
    {
        sbuf m;
        sbuf_init(&m);
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(a, "marks"), k, v)
            sbuf_printf(&m, "%s%s", k ? "、" : "", json_string_value(v));
        const json_t *rq = json_object_get(a, "request");
        bool valid = pd_is(json_string_value(json_object_get(a, "status")), "valid");
        json_array_append_new(
            rows,
            json_pack(
                "[O,O,O,O,s,s,O,o,s,s,s,b,O?,o]", json_object_get(a, "certificate_no"),
                json_object_get(a, "enterprise_name"), json_object_get(a, "uscc"),
                json_object_get(a, "project_name"),
                pd_type_label(json_string_value(json_object_get(a, "type"))),
                pd_is(json_string_value(json_object_get(a, "project_class")), "I")
                    ? "一类（在建）"
                    : "二类（已建成）",
                json_object_get(a, "district_name"),
                pd_cell_time(json_integer_value(json_object_get(a, "issued_at")), "date"),
                valid ? "有效" : "已撤销",
                pd_reason_label(json_string_value(json_object_get(a, "revoked_reason"))),
                m.data ? m.data : "", json_is_true(json_object_get(a, "re_review_due")),
                json_object_get(rq, "note"),
                pd_cell_time(json_integer_value(json_object_get(rq, "created_at")), "epoch")));
        sbuf_free(&m);
    }
    json_decref(out);
    int rc = pd_send_xlsx(r, "证书列表", cols, sizeof cols / sizeof cols[0], rows, "证书列表.xlsx");
    json_decref(rows);
    return rc;
}
