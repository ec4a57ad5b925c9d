/* page_application — one application as its readers see it (GET /applications/{id}): the whole
 * 申报书 in the order of 附件1/附件2 (service/readable.c builds it, the PDF prints the same), the
 * history, the deadline that matters now, the enterprise's withdraw, and the reviewers' panels.
 * Who may read it is svc_app_get's rule: the enterprise its own, the district its district's once
 * submitted, experts once assigned, the commission; anyone else gets 404. */
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "service/enterprise.h"
#include "service/readable.h"
#include "service/reference.h"
#include "web/kept.h"
#include "web/pages.h"

static const char *pa_state_name(const char *state)
{
    wf_state s;
    return wf_state_parse(state, &s) == 0 ? wf_state_label(s) : "";
}

static const char *pa_action_name(const char *a)
{
    static const char *const map[][2] = {
        {"create", "创建申报书"},
        {"update", "保存申报书"},
        {"check", "预检"},
        {"submit", "提交申报"},
        {"withdraw", "撤回申报"},
        {"approve", "区县初审通过"},
        {"return", "区县退回修改"},
        {"reject", "区县初审不通过"},
        {"assign", "分配评审专家"},
        {"pass", "评审通过"},
        {"fail", "评审未通过"},
        {"direct", "直接认定（免于专家评审）"},
        {"publish", "进入公示"},
        {"certify", "认定"},
        {"uphold", "异议成立"},
        {"revoke", "撤销认定"},
        {"expert_review", "专家评审意见"},
        {"re_review", "验收复核"},
    };
    for (size_t i = 0; a && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(a, map[i][0])) return map[i][1];
    return "办理";
}

/* API timeline → the page's, in Chinese; runs of saves by one person collapse into one line. */
static json_t *pa_timeline(const json_t *tl)
{
    json_t *out = json_array(), *prev = NULL;
    int runs = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tl, i, t)
    {
        const char *action = json_string_value(json_object_get(t, "action"));
        const char *from = json_string_value(json_object_get(t, "from_state"));
        const char *to = json_string_value(json_object_get(t, "to_state"));
        json_t *actor = json_object_get(t, "actor");
        bool save = action && !strcmp(action, "update");
        if (save && prev && json_equal(json_object_get(prev, "actor"), actor) &&
            json_is_true(json_object_get(prev, "save"))) {
            json_t *n = json_object_get(t, "count");
            runs += json_is_integer(n) ? (int)json_integer_value(n) : 1;
            json_object_set_new(prev, "at", web_when_json(json_object_get(t, "at")));
            json_object_set_new(prev, "action_name", json_sprintf("保存申报书（%d 次）", runs));
            continue;
        }
        bool moved = from && to && strcmp(from, to) != 0;
        prev = json_pack("{s:o,s:O?,s:b,s:s,s:s?,s:s?,s:O?}", "at",
                         web_when_json(json_object_get(t, "at")), "actor", actor, "save", save,
                         "action_name", pa_action_name(action), "from_name",
                         moved ? pa_state_name(from) : NULL, "to_name",
                         moved || (!from && to) ? pa_state_name(to) : NULL, "reason",
                         json_object_get(t, "reason"));
        json_array_append_new(out, prev);
        const char *reason = json_string_value(json_object_get(t, "reason"));
        if (reason) {
            char *text = svc_readable_times(reason, web_when);
            json_object_set_new(prev, "reason", json_string(text));
            free(text);
        }
        /* The API already collapses a run of saves into one entry with its count. */
        runs = save && json_is_integer(json_object_get(t, "count"))
                   ? (int)json_integer_value(json_object_get(t, "count"))
                   : 1;
        if (runs > 1)
            json_object_set_new(prev, "action_name", json_sprintf("保存申报书（%d 次）", runs));
    }
    return out;
}

static json_t *pa_deadline(req *r, const char *label, const json_t *at)
{
    int64_t t = web_epoch(at);
    if (!t) return NULL;
    char *left = web_time_left(t, r->now, "截止");
    json_t *o = json_pack("{s:s,s:o,s:s,s:b}", "label", label, "at", web_when_json(at), "time_left",
                          left, "passed", t <= r->now);
    free(left);
    return o;
}

/* The deadline that matters now for this application, or NULL. */
static json_t *pa_app_deadline(req *r, const char *st, const json_t *batch)
{
    if (!batch || !st) return NULL;
    if (!strcmp(st, "draft"))
        return pa_deadline(r, "企业申报截止", json_object_get(batch, "closes_at"));
    if (!strcmp(st, "returned"))
        return pa_deadline(r, "重新提交截止", json_object_get(batch, "district_deadline"));
    if (!strcmp(st, "submitted"))
        return pa_deadline(r, "区县初审截止", json_object_get(batch, "district_deadline"));
    return NULL;
}

const char *page_return_reason(const json_t *app)
{
    const char *reason = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(app, "timeline"), i, t)
    {
        const char *a = json_string_value(json_object_get(t, "action"));
        if (a && !strcmp(a, "return")) reason = json_string_value(json_object_get(t, "reason"));
    }
    const char *st = json_string_value(json_object_get(app, "status"));
    return st && !strcmp(st, "returned") ? reason : NULL;
}

/* Messages after a redirect (?done=…): fixed texts, never the query echoed. */
static json_t *pa_done_flash(req *r)
{
    const char *d = web_query(r, "done");
    if (d && !strcmp(d, "submitted")) return json_pack("{s:s}", "ok", "申报已提交，等待区县初审。");
    if (d && !strcmp(d, "withdrawn"))
        return json_pack("{s:s}", "ok", "申报已撤回，回到草稿状态；修改后请在申报截止前重新提交。");
    return json_null();
}

static int pa_not_found(req *r, svc_err *e)
{
    int status = e->status ? e->status : 500;
    const char *msg = status == 404 ? "没有找到这个页面，或您无权查看。" : e->message;
    json_t *ctx = json_pack(
        "{s:s,s:i,s:s,s:s}", "title", status == 404 ? "没有找到" : "操作未完成", "status", status,
        "message", msg && *msg ? msg : "请求未能完成，请稍后再试。", "back_href", "/dashboard");
    svc_err_clear(e);
    return web_page(r, status, "error", ctx);
}

/* The readable 申报书 (application_body), rendered once and kept per application and reader
 * class by the generations it shows (svc_app_scopes, web_fresh): it is most of the page's work
 * (the stored form parsed, every finding placed, the radar drawn), the same for every reader of
 * a class, and changes only with the application, its enterprise, its batch or the accounts.
 * The class is the reader's role: an enterprise never sees the district's scan, every other
 * reader of the application does (svc_review_att_visible). 1,024 documents of up to 256 KB,
 * 24 MB in all: a deadline week's drafts being read by their owners and reviewers. */
static web_kept_slot pa_doc_slots[1024];
static web_kept pa_doc_kept = WEB_KEPT_INIT(pa_doc_slots, 1024, 24 << 20, 256 << 10);

static void pa_doc_render(req *r, svc_ctx *c, const json_t *app, sbuf *out)
{
    json_t *ctx = json_pack("{s:o}", "doc", svc_app_readable_of(c, app, web_when));
    if (tpl_render(r->cfg->templates, "application_body", ctx, out) != 0) {
        out->len = 0;
        out->data[0] = '\0';
    }
    json_decref(ctx);
}

static void pa_doc_html(req *r, svc_ctx *c, int64_t id, const json_t *app, sbuf *out)
{
    svc_scope scopes[SVC_APP_SCOPES];
    char viewer;
    svc_err e = {0};
    web_kept_version kv;
    char key[WEB_KEPT_KEY];
    bool keep = svc_app_scopes(c, id, scopes, &viewer, &e) == 0 &&
                web_fresh(r, scopes, SVC_APP_SCOPES, NULL, 0, &kv);
    svc_err_clear(&e);
    snprintf(key, sizeof key, "%lld:%s", (long long)id, r->actor.role);
    if (keep && web_kept_get(&pa_doc_kept, key, &kv, r->now, out, NULL, NULL)) return;
    pa_doc_render(r, c, app, out);
    if (keep && out->len)
        web_kept_put(&pa_doc_kept, key, &kv, r->now, INT64_MAX, out->data, out->len, 0);
}

static int pa_view(req *r, int status, json_t *flash)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int64_t id = web_param_id(r, 0);
    json_t *app = NULL;
    if (svc_app_get(&c, id, &app, &e) != 0) {
        json_decref(flash);
        return pa_not_found(r, &e);
    }
    const char *st = json_string_value(json_object_get(app, "status"));
    const char *type = json_string_value(json_object_get(app, "type"));
    const char *type_name = type && !strcmp(type, "factory") ? "智能工厂" : "数字化车间";
    json_t *batch = svc_batch_json(r->db, json_integer_value(json_object_get(app, "batch_id")));
    bool owner =
        !strcmp(r->actor.role, "enterprise") && r->actor.enterprise_id > 0 &&
        json_integer_value(json_object_get(app, "enterprise_id")) == r->actor.enterprise_id;
    bool editable = st && (!strcmp(st, "draft") || !strcmp(st, "returned"));
    json_t *ctx = json_object();
    json_object_set_new(ctx, "title", json_sprintf("%s申报书", type_name));
    json_object_set_new(ctx, "nav", json_pack("{s:s}", "current", "applications"));
    json_object_set_new(ctx, "flash", flash ? flash : pa_done_flash(r));
    json_object_set_new(ctx, "application",
                        json_pack("{s:I,s:s?,s:s,s:s,s:O?,s:O?,s:s?}", "id", (json_int_t)id,
                                  "status", st, "status_name", pa_state_name(st), "type_name",
                                  type_name, "batch_name", json_object_get(batch, "name"),
                                  "enterprise_name",
                                  json_object_get(json_object_get(app, "enterprise"), "name"),
                                  "return_reason", page_return_reason(app)));
    json_object_set_new(ctx, "timeline", pa_timeline(json_object_get(app, "timeline")));
    json_object_set_new(ctx, "can_edit", json_boolean(owner && editable));
    json_object_set_new(ctx, "can_withdraw", json_boolean(owner && st && !strcmp(st, "submitted")));
    json_t *dl = pa_app_deadline(r, st, batch);
    json_object_set_new(ctx, "deadline", dl ? dl : json_null());
    page_review_panel(r, app, ctx);
    page_certification_panel(r, app, ctx);
    sbuf doc;
    sbuf_init(&doc);
    pa_doc_html(r, &c, id, app, &doc);
    static const char *const keys[] = {"doc_html"};
    const char *vals[] = {doc.data};
    tpl_row row = {keys, vals, 1};
    json_decref(batch);
    json_decref(app);
    int rc = web_page_row(r, status, "application", ctx, &row, doc.len + 16 * 1024);
    sbuf_free(&doc);
    return rc;
}

int page_application(req *r)
{
    return pa_view(r, 200, NULL);
}

int page_application_view(req *r, int status, json_t *flash)
{
    return pa_view(r, status, flash);
}

int page_application_withdraw(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int64_t id = web_param_id(r, 0);
    if (svc_app_withdraw(&c, id, &out, &e) != 0) {
        if (e.status == 404) return pa_not_found(r, &e);
        json_t *flash = json_pack("{s:s}", "error", e.message);
        int status = e.status;
        svc_err_clear(&e);
        return pa_view(r, status, flash);
    }
    json_decref(out);
    char *loc = xasprintf("/applications/%lld?done=withdrawn", (long long)id);
    web_redirect(r, loc);
    free(loc);
    return 0;
}
