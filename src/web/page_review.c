/* page_review — the reviewers' side of the application page and their desks: the
 * district's 初审 form with the 真实性审核意见 upload, the commission's expert assignment, the
 * reviews with their aggregate, the decision and the direct route, the expert's scoring form;
 * the /commission and /expert desks. Every post calls the same service function as the JSON
 * API, so a page can never allow what the API refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/workflow.h"
#include "service/enterprise.h"
#include "service/inbox.h"
#include "service/reference.h"
#include "service/review.h"
#include "service/desks.h"
#include "web/pages.h"

/* ---------------------------------------------------------------- small helpers */

static bool pr_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *pr_state_label(const char *name)
{
    wf_state s;
    return name && wf_state_parse(name, &s) == 0 ? wf_state_label(s) : (name ? name : "");
}

static json_t *pr_ctx(const char *title, const char *nav, json_t *flash)
{
    return json_pack("{s:s,s:{s:s},s:o}", "title", title, "nav", "current", nav, "flash",
                     flash ? flash : json_null());
}

static int pr_error_page(req *r, svc_err *e, const char *back)
{
    int status = e->status ? e->status : 500;
    const char *msg = status == 404 ? "没有找到这个页面，或您无权查看。" : e->message;
    json_t *ctx =
        json_pack("{s:s,s:i,s:s,s:s}", "title", status == 404 ? "没有找到" : "操作未完成", "status",
                  status, "message", msg && *msg ? msg : "请求未能完成。", "back_href", back);
    svc_err_clear(e);
    return web_page(r, status, "error", ctx);
}

static int pr_redirect_done(req *r, int64_t id, const char *done)
{
    char *loc = xasprintf("/applications/%lld?done=%s", (long long)id, done);
    web_redirect(r, loc);
    free(loc);
    return 0;
}

/* Messages after a review or certification action's redirect: fixed texts chosen by ?done=. */
static json_t *pr_done_flash(req *r)
{
    static const char *const map[][2] = {
        {"district_reviewed", "初审意见已提交。"},
        {"assigned", "评审专家已分配。"},
        {"expert_reviewed", "评审意见已提交。"},
        {"decided", "评审结论已记录。"},
        {"direct", "已按国家专项或试点示范项目直接通过专家评审环节。"},
        {"published", "已进入公示。"},
        {"resolved", "异议处理结果已记录。"},
        {"certified", "已认定并生成证书。"},
        {"revoked", "证书已撤销。"},
        {"re_reviewed", "复评结果已记录。"},
        {"requested", "撤销申请已提交，等待市经济信息委办理。"},
        {"adjustment", "更名或重组申请已提交，等待区县和市经济信息委审核。"},
        {"recommended", "优先推荐标记已保存。"},
        {"adjustment_reviewed", "审核意见已提交。"},
    };
    const char *d = web_query(r, "done");
    for (size_t i = 0; d && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(d, map[i][0]) == 0) return json_pack("{s:s}", "ok", map[i][1]);
    return NULL;
}

/* ---------------------------------------------------------------- the panel */

/* The batch's score form for the expert: [{id, field, name, max, value, error}] with what a
 * refused post carried, and the total of the posted scores that are whole numbers within their
 * maximum (what the page's script adds up as the expert types). */
static json_t *pr_score_form(req *r, const json_t *app)
{
    json_t *form =
        svc_review_score_form(r->db, json_integer_value(json_object_get(app, "batch_id")));
    json_t *items = json_array();
    json_int_t total = 0, max_total = 0;
    size_t i;
    json_t *cr;
    json_array_foreach(form, i, cr)
    {
        const char *id = json_string_value(json_object_get(cr, "id"));
        const char *name = json_string_value(json_object_get(cr, "name"));
        json_int_t max = json_integer_value(json_object_get(cr, "max"));
        if (!id || max <= 0) continue;
        char *field = xasprintf("criteria.%s", id);
        const char *posted = web_form(r, field);
        char *end = NULL;
        long long v = posted && *posted ? strtoll(posted, &end, 10) : -1;
        if (end && !*end && v >= 0 && v <= max) total += v;
        max_total += max;
        json_t *err = r->page_errors ? json_object_get(r->page_errors, field) : NULL;
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:I,s:s,s:O?}", "id", id, "field",
                                               field, "name", name ? name : id, "max", max, "value",
                                               posted ? posted : "", "error", err));
        free(field);
    }
    json_decref(form);
    return json_pack("{s:o,s:I,s:I}", "items", items, "total", total, "max_total", max_total);
}

/* {at, left, passed} of a due time, as the page shows it; NULL for none. */
static json_t *pr_due(req *r, int64_t due)
{
    if (!due) return NULL;
    char *at = web_when(due), *left = web_time_left(due, r->now, "截止");
    json_t *o = json_pack("{s:s,s:s,s:b}", "at", at, "left", left, "passed", due <= r->now);
    free(at);
    free(left);
    return o;
}

/* The reviews as the caller may see them: each with its scores in the order of the score form
 * (`cells`), the recommendation and time in words, and who wrote it (the commission sees names;
 * an expert sees its own as 您 and the others as 专家 1, 2, …). NULL when it may not see them. */
static json_t *pr_reviews(req *r, const json_t *app)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_review_expert_list(&c, json_integer_value(json_object_get(app, "id")), &out, &e) != 0) {
        svc_err_clear(&e);
        return NULL;
    }
    json_t *criteria =
        svc_review_score_form(r->db, json_integer_value(json_object_get(app, "batch_id")));
    size_t i, j, others = 0;
    json_t *rv, *cr;
    json_array_foreach(json_object_get(out, "items"), i, rv)
    {
        const char *rec = json_string_value(json_object_get(rv, "recommend"));
        json_object_set_new(rv, "recommend_name",
                            json_string(pr_is(rec, "pass") ? "建议通过" : "建议不通过"));
        json_object_set_new(rv, "at", web_when_json(json_object_get(rv, "created_at")));
        bool mine = json_is_true(json_object_get(rv, "mine"));
        if (mine && pr_is(r->actor.role, "expert"))
            json_object_set_new(rv, "expert_name", json_string("您"));
        else if (!json_string_value(json_object_get(rv, "expert_name")))
            json_object_set_new(rv, "expert_name", json_sprintf("专家 %zu", ++others));
        json_t *cells = json_array(), *scores = json_object_get(rv, "criteria");
        json_array_foreach(criteria, j, cr)
        {
            json_t *v = json_object_get(scores, json_string_value(json_object_get(cr, "id")));
            json_array_append_new(cells,
                                  json_pack("{s:O?,s:O?,s:O?}", "name", json_object_get(cr, "name"),
                                            "max", json_object_get(cr, "max"), "value", v));
        }
        json_object_set_new(rv, "cells", cells);
        if (mine) json_object_set(out, "mine", rv);
    }
    json_object_set_new(out, "columns", criteria);
    return out;
}

/* Every active expert for the commission to choose from, with its employer; those already
 * assigned are left out, those who must stay away from the applicant are shown with the reason
 * and cannot be ticked. */
static json_t *pr_expert_choices(req *r, int64_t app_id, const json_t *assigned)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL, *choices = json_array();
    if (svc_experts_list(&c, 500, 0, &out, &e) != 0) {
        svc_err_clear(&e);
        return choices;
    }
    const char *picked = web_form(r, "expert_ids");
    size_t i, j;
    json_t *x, *a;
    json_array_foreach(json_object_get(out, "items"), i, x)
    {
        if (!pr_is(json_string_value(json_object_get(x, "status")), "active")) continue;
        json_int_t xid = json_integer_value(json_object_get(x, "id"));
        bool taken = false;
        json_array_foreach(json_object_get(assigned, "items"), j, a) taken |=
            json_integer_value(json_object_get(a, "expert_id")) == xid;
        if (taken) continue;
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)xid);
        bool checked = false;
        for (const char *p = picked; p && *p;) {
            size_t n = strcspn(p, ",");
            checked |= n == strlen(key) && strncmp(p, key, n) == 0;
            p += n + (p[n] == ',');
        }
        const char *why = svc_review_conflict(r->db, xid, app_id);
        const char *employer = json_string_value(json_object_get(x, "employer_name"));
        const char *employer_uscc = json_string_value(json_object_get(x, "employer_uscc"));
        json_array_append_new(choices, json_pack("{s:I,s:O,s:O,s:s?,s:s?,s:b,s:s?}", "id", xid,
                                                 "label", json_object_get(x, "label"), "username",
                                                 json_object_get(x, "username"), "employer",
                                                 employer, "employer_uscc", employer_uscc,
                                                 "checked", checked && !why, "conflict", why));
    }
    json_decref(out);
    return choices;
}

/* The assignments with their due time in words and an overdue flag for unscored ones. */
static void pr_assignments_words(req *r, json_t *assigned)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(assigned, "items"), i, a)
    {
        int64_t due = web_epoch(json_object_get(a, "due_at"));
        if (!due) continue;
        char *at = web_when(due);
        json_object_set_new(a, "due_text", json_string(at));
        free(at);
        json_object_set_new(
            a, "overdue",
            json_boolean(due <= r->now && !json_is_true(json_object_get(a, "reviewed"))));
    }
}

/* States in which the experts' scores are part of the record the commission reads. */
static bool pr_reviewed_state(const char *st)
{
    static const char *const after[] = {"expert_review", "expert_passed", "expert_failed",
                                        "publicity",     "certified",     "revoked"};
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
        if (pr_is(st, after[i])) return true;
    return false;
}

static void pr_panel_commission(req *r, const json_t *app, const char *st, json_t *panel)
{
    int64_t id = json_integer_value(json_object_get(app, "id"));
    bool approved = pr_is(st, "district_approved"), in_review = pr_is(st, "expert_review");
    if (pr_reviewed_state(st)) {
        json_t *reviews = pr_reviews(r, app);
        if (reviews) json_object_set_new(panel, "reviews", reviews);
    }
    if (!approved && !in_review) return;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *assigned = NULL;
    if (svc_review_assignments(&c, id, &assigned, &e) != 0) {
        svc_err_clear(&e);
        assigned = json_pack("{s:[],s:i}", "items", "total", 0);
    }
    pr_assignments_words(r, assigned);
    json_object_set_new(panel, "experts", pr_expert_choices(r, id, assigned));
    json_object_set_new(panel, "assignments", assigned);
    json_object_set_new(panel, "assign_form", json_true());
    if (approved) json_object_set_new(panel, "direct_form", json_true());
    if (in_review) json_object_set_new(panel, "decision_form", json_true());
}

static void pr_panel_expert(req *r, const json_t *app, const char *st, json_t *panel)
{
    int64_t id = json_integer_value(json_object_get(app, "id"));
    json_t *due = pr_due(r, svc_review_due(r->db, r->actor.id, id));
    if (due) json_object_set_new(panel, "due", due);
    json_t *reviews = pr_reviews(r, app);
    if (reviews) {
        json_object_set_new(panel, "reviews", reviews);
        return;
    }
    /* Not reviewed yet: the form, while the application is in expert review. */
    if (pr_is(st, "expert_review") && svc_review_assigned(r->db, r->actor.id, id))
        json_object_set_new(panel, "expert_form", pr_score_form(r, app));
}

void page_review_panel(req *r, const json_t *app, json_t *ctx)
{
    const char *role = r->actor.role, *st = json_string_value(json_object_get(app, "status"));
    json_t *done = pr_done_flash(r);
    if (done) json_object_set_new(ctx, "flash", done);
    if (!pr_is(role, "district") && !pr_is(role, "commission") && !pr_is(role, "expert")) return;
    json_t *panel = json_object();
    json_object_set_new(panel, "role", json_string(role));
    if (pr_is(role, "district") && pr_is(st, "submitted"))
        json_object_set_new(panel, "district_form", json_true());
    if (pr_is(role, "commission")) pr_panel_commission(r, app, st, panel);
    if (pr_is(role, "expert")) pr_panel_expert(r, app, st, panel);
    /* What a refused post carried comes back beside its fields. */
    json_t *posted = json_object();
    static const char *const keep[] = {"decision",  "opinion",   "reason",
                                       "recommend", "programme", "due_date"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *v = web_form(r, keep[i]);
        if (v) json_object_set_new(posted, keep[i], json_string(v));
    }
    json_object_set_new(panel, "posted", posted);
    json_object_set_new(panel, "errors",
                        r->page_errors ? json_incref(r->page_errors) : json_object());
    json_object_set_new(ctx, "review", panel);
}

/* ---------------------------------------------------------------- the posts */

/* A refused post: the application page again, the message on top and the reasons beside the
 * fields; 404 becomes the error page (nothing about the object is shown). */
int page_post_refused(req *r, svc_err *e)
{
    if (e->status == 404) return pr_error_page(r, e, "/dashboard");
    int status = e->status;
    json_t *flash = json_pack("{s:s}", "error", e->message[0] ? e->message : "操作未完成");
    r->page_errors = e->fields ? json_incref(e->fields) : json_object();
    arena_defer(r->a, (void (*)(void *))json_decref, r->page_errors);
    svc_err_clear(e);
    return page_application_view(r, status, flash);
}

/* The application of the path must be one the caller may see before anything of the post is
 * kept (an uploaded file included); -1 after answering the error page. */
static int pr_visible(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    if (svc_app_check_visible(&c, web_param_id(r, 0), &e) == 0) return 0;
    pr_error_page(r, &e, "/dashboard");
    return -1;
}

/* The file of this post as a new attachment (0 when none was chosen); -1 after refusing. */
int page_post_upload(req *r, const char *kind, const char *field, int64_t *id, svc_err *e)
{
    *id = 0;
    if (!r->upload.file) return 0;
    if (r->upload.size > r->cfg->max_upload) {
        svc_fail(e, 413, "too_large", "文件过大");
        return svc_field(e, field, "文件不超过 %zu MB", r->cfg->max_upload >> 20);
    }
    svc_ctx c = web_svc(r);
    json_t *out = NULL;
    if (svc_attachment_create(&c, r->upload.file, r->upload.filename, kind, &out, e) != 0) {
        if (!e->fields) svc_field(e, field, "%s", e->message);
        return -1;
    }
    *id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return 0;
}

/* The named text fields of the post that were filled in, as a JSON object (an empty field is
 * left out, so the service names it as missing where it is required). */
json_t *page_post_fields(req *r, const char *const *names, size_t n)
{
    json_t *in = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *v = web_form(r, names[i]);
        if (v && *v) json_object_set_new(in, names[i], json_string(v));
    }
    return in;
}

int page_review_district(req *r)
{
    if (pr_visible(r) != 0) return 0;
    int64_t id = web_param_id(r, 0), att = 0;
    svc_err e = {0};
    const char *decision = web_form(r, "decision");
    if (pr_is(decision, "approve") &&
        page_post_upload(r, "authenticity", "authenticity_attachment_id", &att, &e) != 0)
        return page_post_refused(r, &e);
    static const char *const names[] = {"decision", "opinion"};
    json_t *in = page_post_fields(r, names, 2), *out = NULL;
    if (att) json_object_set_new(in, "authenticity_attachment_id", json_integer(att));
    svc_ctx c = web_svc(r);
    int rc = svc_review_district(&c, id, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pr_redirect_done(r, id, "district_reviewed");
}

int page_review_assign(req *r)
{
    if (pr_visible(r) != 0) return 0;
    int64_t id = web_param_id(r, 0);
    json_t *ids = json_array();
    for (const char *p = web_form(r, "expert_ids"); p && *p;) {
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (v > 0) json_array_append_new(ids, json_integer(v));
        p = end && *end == ',' ? end + 1 : "";
    }
    json_t *in = json_pack("{s:o}", "expert_ids", ids), *out = NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    /* The page asks for a day; the score is due at its end (24:00 Chongqing time). */
    const char *day = web_form(r, "due_date");
    if (day && *day) {
        cal_date d;
        if (cal_parse_date(day, &d) != 0) {
            json_decref(in);
            svc_fail(&e, 400, "bad_request", "评审截止日期无效");
            svc_field(&e, "due_at", "评审截止日期应为有效日期，如 2020-05-08");
            return page_post_refused(r, &e);
        }
        char buf[CAL_TIME_BUF];
        json_object_set_new(
            in, "due_at",
            json_string(cal_format_rfc3339(cal_epoch_of_date(cal_add_days(d, 1)), buf)));
    }
    int rc = svc_review_assign(&c, id, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pr_redirect_done(r, id, "assigned");
}

int page_review_expert(req *r)
{
    if (pr_visible(r) != 0) return 0;
    int64_t id = web_param_id(r, 0);
    json_t *criteria = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(r->form, k, v)
    {
        if (strncmp(k, "criteria.", 9) != 0 || !k[9]) continue;
        const char *s = json_string_value(v);
        char *end = NULL;
        long long n = s && *s ? strtoll(s, &end, 10) : 0;
        /* Whole numbers go as numbers; anything else as typed, for the service to name. */
        json_object_set_new(criteria, k + 9,
                            s && *s && end && !*end ? json_integer(n) : json_string(s ? s : ""));
    }
    static const char *const names[] = {"recommend", "opinion"};
    json_t *in = page_post_fields(r, names, 2), *out = NULL;
    json_object_set_new(in, "criteria", criteria);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int rc = svc_review_expert_submit(&c, id, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pr_redirect_done(r, id, "expert_reviewed");
}

int page_review_decide(req *r)
{
    if (pr_visible(r) != 0) return 0;
    int64_t id = web_param_id(r, 0);
    static const char *const names[] = {"decision", "reason"};
    json_t *in = page_post_fields(r, names, 2), *out = NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int rc = svc_review_decide(&c, id, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pr_redirect_done(r, id, "decided");
}

int page_review_direct(req *r)
{
    if (pr_visible(r) != 0) return 0;
    int64_t id = web_param_id(r, 0), att = 0;
    svc_err e = {0};
    if (page_post_upload(r, "direct_evidence", "evidence_attachment_id", &att, &e) != 0)
        return page_post_refused(r, &e);
    static const char *const names[] = {"programme", "note"};
    json_t *in = page_post_fields(r, names, 2), *out = NULL;
    if (att) json_object_set_new(in, "evidence_attachment_id", json_integer(att));
    svc_ctx c = web_svc(r);
    int rc = svc_review_direct(&c, id, in, &out, &e);
    json_decref(in);
    if (rc != 0) return page_post_refused(r, &e);
    json_decref(out);
    return pr_redirect_done(r, id, "direct");
}

/* ---------------------------------------------------------------- desks */

/* Messages after a desk's own posts. */
static json_t *pr_desk_flash(req *r)
{
    const char *d = web_query(r, "done");
    if (pr_is(d, "conflict")) return json_pack("{s:s}", "ok", "回避声明已记录。");
    if (pr_is(d, "expert")) return json_pack("{s:s}", "ok", "专家账号已创建。");
    return NULL;
}

/* One task of the expert desk as its template row. */
static void pr_task_row(const svc_desk_task *t, void *arg)
{
    void **a = arg;
    req *r = a[0];
    json_t *o = json_pack(
        "{s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s,s:s,s:b}", "id", (json_int_t)t->id, "enterprise_name",
        t->enterprise_name, "project_name", t->project_name, "site_name", t->site_name, "type",
        t->type, "status", t->status, "status_name", pr_state_label(t->status), "type_name",
        pr_is(t->type, "factory") ? "智能工厂" : "数字化车间", "reviewed", t->reviewed);
    json_t *due = pr_due(r, t->due_at);
    if (due) {
        if (t->reviewed) json_object_set_new(due, "passed", json_false());
        json_object_set_new(o, "due", due);
    }
    json_array_append_new(a[1], o);
}

int page_expert_desk(req *r)
{
    json_t *flash = NULL, *items = json_array();
    size_t i;
    json_t *a;
    svc_ctx tc = web_svc(r);
    svc_err te = {0};
    void *arg[2] = {r, items};
    /* The expert's tasks with its review and due date, in one statement from its assignments. */
    if (svc_desk_tasks_each(&tc, 500, pr_task_row, arg, &te) != 0) {
        svc_err_clear(&te);
        flash = json_pack("{s:s}", "error", "评审任务暂时无法读取，请稍后重试。");
    }
    json_t *ctx = pr_ctx("评审任务", "expert",
                         flash           ? flash
                         : r->page_flash ? r->page_flash
                                         : pr_desk_flash(r));
    json_t *conflicts = NULL;
    svc_ctx cc = web_svc(r);
    svc_err ce = {0};
    if (svc_expert_conflicts_list(&cc, &conflicts, &ce) != 0) {
        svc_err_clear(&ce);
        conflicts = json_pack("{s:[],s:i}", "items", "total", 0);
    }
    json_array_foreach(json_object_get(conflicts, "items"), i, a)
        json_object_set_new(a, "created_text", web_when_json(json_object_get(a, "created_at")));
    json_object_set_new(ctx, "conflicts", conflicts);
    json_object_set_new(ctx, "errors",
                        r->page_errors ? json_incref(r->page_errors) : json_object());
    const char *posted = web_form(r, "uscc");
    json_object_set_new(ctx, "posted_uscc", json_string(posted ? posted : ""));
    svc_ctx ic = web_svc(r);
    json_object_set_new(ctx, "inbox", svc_inbox(&ic));
    json_object_set_new(ctx, "applications", items);
    return web_page(r, r->page_status ? r->page_status : 200, "expert_desk", ctx);
}

/* A refused desk post: the desk again with the reasons beside the fields. */
static int pr_desk_refused(req *r, svc_err *e, int (*desk)(req *))
{
    json_t *flash = json_pack("{s:s}", "error", e->message[0] ? e->message : "操作未完成");
    r->page_errors = e->fields ? json_incref(e->fields) : json_object();
    arena_defer(r->a, (void (*)(void *))json_decref, r->page_errors);
    r->page_flash = flash;
    r->page_status = e->status ? e->status : 400;
    svc_err_clear(e);
    return desk(r);
}

int page_expert_conflict(req *r)
{
    const char *uscc = web_form(r, "uscc");
    json_t *in = json_pack("{s:s}", "uscc", uscc ? uscc : ""), *out = NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int rc = svc_expert_conflict_add(&c, in, &out, &e);
    json_decref(in);
    if (rc != 0) return pr_desk_refused(r, &e, page_expert_desk);
    json_decref(out);
    return web_redirect(r, "/expert?done=conflict");
}

int page_experts(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_experts_list(&c, 500, 0, &out, &e) != 0) {
        json_decref(r->page_flash);
        return pr_error_page(r, &e, "/commission");
    }
    json_t *ctx =
        pr_ctx("评审专家", "commission", r->page_flash ? r->page_flash : pr_desk_flash(r));
    json_object_set_new(ctx, "experts", json_incref(json_object_get(out, "items")));
    json_decref(out);
    json_t *posted = json_object();
    static const char *const keep[] = {"username", "display_name", "phone", "email",
                                       "employer_uscc"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *v = web_form(r, keep[i]);
        if (v) json_object_set_new(posted, keep[i], json_string(v));
    }
    json_object_set_new(ctx, "posted", posted);
    json_object_set_new(ctx, "errors",
                        r->page_errors ? json_incref(r->page_errors) : json_object());
    return web_page(r, r->page_status ? r->page_status : 200, "experts", ctx);
}

int page_expert_create(req *r)
{
    static const char *const names[] = {"username", "password", "display_name",
                                        "phone",    "email",    "employer_uscc"};
    json_t *in = page_post_fields(r, names, sizeof names / sizeof names[0]), *out = NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int rc = svc_expert_create(&c, in, &out, &e);
    json_decref(in);
    if (rc != 0) return pr_desk_refused(r, &e, page_experts);
    json_decref(out);
    return web_redirect(r, "/commission/experts?done=expert");
}
