/* page_enterprise — the enterprise's pages: the dashboard (where it stands in the three systems),
 * the profile, the 智能化改造项目 forms and the 申报书 (数字化车间/智能工厂) form with its
 * pre-check and submit (the application's view is page_application.c). One file, so the helpers
 * the pages share (form post → merge patch, uploads, districts, times, the error page) stay
 * static. Handlers are thin: read the post, call the same service function as the JSON API,
 * render. On a refusal the form comes back with everything the user typed and the service's
 * reasons beside the fields. */
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/decimal.h"
#include "core/workflow.h"
#include "service/app_model.h"
#include "service/assessment.h"
#include "service/enterprise.h"
#include "service/inbox.h"
#include "service/reference.h"
#include "web/kept.h"
#include "web/pages.h"

/* ---------------------------------------------------------------- form post → merge patch */

/* Fields whose values are whole numbers in the API (counts, percent, yuan). */
static const char *const PE_INT_FIELDS[] = {"equipment_total",
                                            "equipment_digital",
                                            "data_points_total",
                                            "data_points_uploaded",
                                            "digital_workshops",
                                            "progress_pct",
                                            "total_investment",
                                            "equipment_software_investment",
                                            NULL};
/* Fields posted as repeated values (checkbox lists). */
static const char *const PE_LIST_FIELDS[] = {"technologies", "attachment_ids",
                                             "approval_attachment_ids", NULL};
/* Free-text fields: an empty input is kept as "" and "true"/"false" stay text. */
static const char *const PE_TEXT_FIELDS[] = {
    "name",    "site_name",        "address",     "legal_representative", "uscc",
    "content", "expected_results", "description", "leading_description",  NULL};

static bool pe_in(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0) return true;
    return false;
}

/* "123" → 123; false when s is not a plain non-negative integer of at most 15 digits. */
static bool pe_int(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 15) return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* A checkbox or radio value: "true", "false", or the hidden "false" followed by "true"
 * ("false,true"). Returns 1 for true, 0 for false, -1 when the value is something else. */
static int pe_bool(const char *v)
{
    const char *last = strrchr(v, ',');
    last = last ? last + 1 : v;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        if (!((n == 4 && !strncmp(p, "true", 4)) || (n == 5 && !strncmp(p, "false", 5)))) return -1;
        p += n;
        if (*p == ',') p++;
    }
    return strcmp(last, "true") == 0 ? 1 : 0;
}

/* "a,,b" → ["a","b"] (ids as integers when they parse). A leading empty value only marks the
 * list as present, so "" gives [] (clear). */
static json_t *pe_list(const char *v, bool ids)
{
    json_t *a = json_array();
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        if (n > 0) {
            char *item = xstrndup(p, n);
            int64_t id;
            json_array_append_new(a,
                                  ids && pe_int(item, &id) ? json_integer(id) : json_string(item));
            free(item);
        }
        p += n;
        if (*p == ',') p++;
    }
    return a;
}

/* The JSON value of one posted field, by the API type of its last path segment. */
static json_t *pe_value(const char *last, const char *v)
{
    if (pe_in(last, PE_LIST_FIELDS)) return pe_list(v, strstr(last, "ids") != NULL);
    if (pe_in(last, PE_TEXT_FIELDS)) return json_string(v);
    if (!*v) return json_null(); /* an emptied number, date, choice or KPI value: cleared */
    if (pe_in(last, PE_INT_FIELDS)) {
        int64_t n;
        return pe_int(v, &n) ? json_integer(n) : json_string(v); /* the validator names it */
    }
    int b = pe_bool(v);
    if (b >= 0) return json_boolean(b);
    return json_string(v);
}

/* Sets `value` (stolen) at the dotted `path` inside obj, creating objects on the way. */
static void pe_set_path(json_t *obj, const char *path, json_t *value)
{
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        char *seg = xstrndup(path, (size_t)(dot - path));
        json_t *next = json_object_get(obj, seg);
        if (!json_is_object(next)) {
            next = json_object();
            json_object_set_new(obj, seg, next);
        }
        free(seg);
        obj = next;
        path = dot + 1;
    }
    json_object_set_new(obj, path, value);
}

static json_t *pe_form_patch(req *r)
{
    json_t *patch = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(r->form, k, v)
    {
        if (!strcmp(k, "csrf_token") || !strcmp(k, "action") || !*k) continue;
        const char *last = strrchr(k, '.');
        last = last ? last + 1 : k;
        const char *s = json_string_value(v);
        pe_set_path(patch, k, pe_value(last, s ? s : ""));
    }
    return patch;
}

static void pe_strip_nulls(json_t *obj)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v)
    {
        if (json_is_null(v))
            json_object_del(obj, k);
        else if (json_is_object(v))
            pe_strip_nulls(v);
    }
}

/* RFC 7396 merge patch: null deletes, objects merge, anything else replaces. */
static void pe_merge(json_t *target, const json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        json_t *t = json_object_get(target, k);
        if (json_is_null(v)) {
            json_object_del(target, k);
        } else if (json_is_object(v)) {
            if (!json_is_object(t)) {
                t = json_object();
                json_object_set_new(target, k, t);
            }
            pe_merge(t, v);
        } else {
            json_object_set(target, k, v);
        }
    }
}

static json_t *pe_form_over(const json_t *saved, const json_t *patch)
{
    json_t *form = saved ? json_deep_copy(saved) : json_object();
    pe_merge(form, patch);
    return form;
}

/* ---------------------------------------------------------------- uploads */

static int pe_upload(req *r, const char *kind, int64_t *id_out, json_t *errors, const char *field)
{
    *id_out = 0;
    if (!r->upload.file) return 0;
    if (r->upload.size > r->cfg->max_upload) {
        char *m = xasprintf("文件过大，每个文件不超过 %zu MB", r->cfg->max_upload >> 20);
        json_object_set_new(errors, field, json_string(m));
        free(m);
        return -1;
    }
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_attachment_create(&c, r->upload.file, r->upload.filename, kind, &out, &e) != 0) {
        json_object_set_new(errors, field, json_string(e.message));
        svc_err_clear(&e);
        return -1;
    }
    *id_out = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return 0;
}

static void pe_add_attachment(json_t *patch, const char *key, const json_t *saved, int64_t id)
{
    json_t *list = json_object_get(patch, key);
    if (!json_is_array(list)) {
        const json_t *old = json_object_get(saved, key);
        list = json_is_array(old) ? json_deep_copy(old) : json_array();
        json_object_set_new(patch, key, list);
    }
    json_array_append_new(list, json_integer(id));
}

/* One of the caller's own files as a form lists it. */
static void pe_attachment_line(const svc_att_line *a, void *arg)
{
    const char *fn = a->filename;
    char *name = fn && *fn ? xstrdup(fn) : xasprintf("附件 %lld", (long long)a->id);
    char *st = a->size >= 1 << 20 ? xasprintf("%.1f MB", (double)a->size / (1 << 20))
                                  : xasprintf("%lld KB", (long long)((a->size + 1023) / 1024));
    char *href = xasprintf("/api/v1/attachments/%lld", (long long)a->id);
    json_array_append_new(arg,
                          json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)a->id, "name", name,
                                    "size_text", st, "media_type", a->media_type, "href", href));
    free(name);
    free(st);
    free(href);
}

static json_t *pe_attachments(req *r, const json_t *ids)
{
    json_t *out = json_array();
    svc_ctx c = web_svc(r);
    svc_attachments_own(&c, ids, pe_attachment_line, out);
    return out;
}

/* ---------------------------------------------------------------- shared page pieces */

static int pe_error_page(req *r, svc_err *e, const char *back)
{
    int status = e->status ? e->status : 500;
    const char *title = status == 404 ? "没有找到" : status == 403 ? "无权访问" : "操作未完成";
    const char *msg = status == 404 ? "没有找到这个页面，或您无权查看。" : e->message;
    json_t *ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", title, "status", status, "message",
                            msg && *msg ? msg : "请求未能完成，请稍后再试。", "back_href",
                            back ? back : "/dashboard");
    svc_err_clear(e);
    return web_page(r, status, "error", ctx);
}

static json_t *pe_flash(const char *kind, const char *msg)
{
    return json_pack("{s:s}", kind, msg);
}

/* Messages after a redirect (?done=…): fixed texts, never the query echoed. */
static json_t *pe_done_flash(req *r)
{
    static const char *const map[][2] = {
        {"saved", "已保存。"},
        {"created", "项目已登记。"},
        {"submitted", "申报已提交，等待区县初审。"},
        {"withdrawn", "申报已撤回，回到草稿状态；修改后请在申报截止前重新提交。"},
        {"change_requested", "变更申请已提交，经区县或平台管理员审核同意后生效。"},
        {"change_withdrawn", "变更申请已撤回。"},
    };
    const char *d = web_query(r, "done");
    for (size_t i = 0; d && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(d, map[i][0]) == 0) return pe_flash("ok", map[i][1]);
    return json_null();
}

static void pe_common(json_t *ctx, const char *title, const char *nav, json_t *flash)
{
    json_object_set_new(ctx, "title", json_string(title));
    json_object_set_new(ctx, "nav", json_pack("{s:s}", "current", nav));
    json_object_set_new(ctx, "flash", flash ? flash : json_null());
}

static const char *pe_district_name(req *r, json_t *districts, const char *code)
{
    (void)r;
    size_t i;
    json_t *d;
    json_array_foreach(districts, i, d)
    {
        const char *c = json_string_value(json_object_get(d, "code"));
        if (code && c && strcmp(c, code) == 0) return json_string_value(json_object_get(d, "name"));
    }
    return NULL;
}

static json_t *pe_district_groups(req *r, const char *selected)
{
    json_t *ds = svc_districts(r->db), *groups = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(ds, i, d)
    {
        const char *g = json_string_value(json_object_get(d, "group"));
        const char *code = json_string_value(json_object_get(d, "code"));
        if (!g || !code) continue;
        json_t *grp = NULL;
        size_t j;
        json_t *x;
        json_array_foreach(groups, j, x)
        {
            if (!strcmp(json_string_value(json_object_get(x, "name")), g)) grp = x;
        }
        if (!grp) {
            grp = json_pack("{s:s,s:[]}", "name", g, "districts");
            json_array_append_new(groups, grp);
        }
        json_array_append_new(json_object_get(grp, "districts"),
                              json_pack("{s:s,s:O,s:b}", "code", code, "name",
                                        json_object_get(d, "name"), "selected",
                                        selected && strcmp(selected, code) == 0));
    }
    json_decref(ds);
    return groups;
}

/* ---------------------------------------------------------------- times */

static int64_t pe_epoch(const json_t *v)
{
    int64_t t = 0;
    if (!json_is_string(v) || cal_parse_rfc3339(json_string_value(v), &t) != 0) return 0;
    return t;
}

static json_t *pe_time_text(const json_t *v)
{
    int64_t t = pe_epoch(v);
    char buf[WEB_SHORT_TIME_BUF];
    return t ? json_string(web_short_time(t, buf)) : json_null();
}

static json_t *pe_deadline(req *r, const char *label, const json_t *at, const char *what)
{
    int64_t t = pe_epoch(at);
    if (!t) return NULL;
    char *left = web_time_left(t, r->now, what);
    json_t *o = json_pack("{s:s,s:o,s:s,s:b}", "label", label, "at", pe_time_text(at), "time_left",
                          left, "passed", t <= r->now);
    free(left);
    return o;
}

/* ---------------------------------------------------------------- names */

static const char *pe_state_name(const char *state)
{
    wf_state s;
    return wf_state_parse(state, &s) == 0 ? wf_state_label(s) : state ? state : "";
}

static const char *pe_type_name(const char *type)
{
    if (type && !strcmp(type, "workshop")) return "数字化车间";
    if (type && !strcmp(type, "factory")) return "智能工厂";
    return type ? type : "";
}

static const char *pe_mtype_name(const char *t)
{
    if (!t) return NULL;
    if (!strcmp(t, "discrete")) return "离散型制造";
    if (!strcmp(t, "process")) return "流程型制造";
    if (!strcmp(t, "mixed")) return "混合型制造";
    return NULL;
}

static json_t *pe_wan(const json_t *yuan)
{
    if (!json_is_integer(yuan)) return json_null();
    char buf[DEC_BUF];
    dec_format_wan(json_integer_value(yuan), buf, sizeof buf);
    char *sp = strstr(buf, " 万元"); /* the column header says 万元 */
    if (sp) *sp = 0;
    return json_string(buf);
}

/* ---------------------------------------------------------------- profile */

/* Profile fields the rules need; a profile taken over from the old platform may lack them. */
static const char *const PE_PROFILE_NEEDED[][2] = {
    {"uscc", "统一社会信用代码"},           {"name", "企业名称"},
    {"district_code", "注册地所在区县"},    {"address", "注册地址"},
    {"legal_representative", "法定代表人"}, {"manufacturing_type", "制造类型"},
};

/* The labels of the required profile fields that are empty (a new array). */
static json_t *pe_profile_missing(const json_t *ent)
{
    json_t *m = json_array();
    for (size_t i = 0; i < sizeof PE_PROFILE_NEEDED / sizeof PE_PROFILE_NEEDED[0]; i++) {
        json_t *v = json_object_get(ent, PE_PROFILE_NEEDED[i][0]);
        if (!json_is_string(v) || json_string_length(v) == 0)
            json_array_append_new(m, json_sprintf("企业信息：%s", PE_PROFILE_NEEDED[i][1]));
    }
    if (!json_is_true(json_object_get(ent, "independent_legal_person")))
        json_array_append_new(m, json_string("企业信息：确认具有独立法人资格"));
    return m;
}

/* `saved` is the profile as stored: what is set there (the district, the USCC) is shown as
 * text with the change request beside it, whatever a refused post typed. */
static int pe_profile_render(req *r, int status, json_t *form, const json_t *saved, json_t *errors,
                             json_t *flash, const json_t *change_typed, const json_t *change_errors)
{
    const char *dc = json_string_value(json_object_get(form, "district_code"));
    json_t *ctx = json_object();
    pe_common(ctx, "企业信息", "profile", flash);
    json_object_set_new(ctx, "legacy", json_boolean(json_is_true(json_object_get(form, "legacy"))));
    json_object_set_new(ctx, "district_groups", pe_district_groups(r, dc));
    page_changes_profile(r, saved, ctx, change_typed, change_errors);
    json_object_set_new(ctx, "form", form);
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    return web_page(r, status, "profile", ctx);
}

int page_profile_view(req *r, int status, json_t *flash, const json_t *change_typed,
                      const json_t *change_errors)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *ent = NULL;
    if (svc_enterprise_get(&c, &ent, &e) != 0) {
        json_decref(flash);
        return pe_error_page(r, &e, "/dashboard");
    }
    json_t *saved = json_incref(ent);
    int rc = pe_profile_render(r, status, ent, saved, NULL, flash, change_typed, change_errors);
    json_decref(saved);
    return rc;
}

int page_profile(req *r)
{
    return page_profile_view(r, 200, pe_done_flash(r), NULL, NULL);
}

int page_profile_post(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *saved = NULL, *out = NULL;
    if (svc_enterprise_get(&c, &saved, &e) != 0) return pe_error_page(r, &e, "/dashboard");
    json_t *patch = pe_form_patch(r);
    int rc = svc_enterprise_put(&c, patch, &out, &e);
    if (rc == 0) {
        json_decref(saved);
        json_decref(patch);
        json_decref(out);
        return web_redirect(r, "/profile?done=saved");
    }
    if (e.status == 404) {
        json_decref(saved);
        json_decref(patch);
        return pe_error_page(r, &e, "/dashboard");
    }
    json_t *form = pe_form_over(saved, patch);
    json_decref(patch);
    json_t *errors = e.fields ? json_incref(e.fields) : json_object();
    if (e.status == 409 && !json_object_get(errors, "uscc"))
        json_object_set_new(errors, "uscc", json_string(e.message));
    int status = e.status;
    json_t *flash = pe_flash("error", e.status == 400 ? "请按提示修改标红的字段。" : e.message);
    svc_err_clear(&e);
    rc = pe_profile_render(r, status, form, saved, errors, flash, NULL, NULL);
    json_decref(saved);
    return rc;
}

/* ---------------------------------------------------------------- projects */

/* project_id → {status, status_name} of its latest application (a new object). */
static json_t *pe_app_status_by_project(req *r, json_t *apps)
{
    json_t *m = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(apps, "items"), i, a)
    {
        char key[32];
        snprintf(key, sizeof key, "%lld",
                 (long long)json_integer_value(json_object_get(a, "project_id")));
        if (json_object_get(m, key)) continue; /* items come newest first */
        const char *st = json_string_value(json_object_get(a, "status"));
        json_object_set_new(
            m, key, json_pack("{s:s,s:s}", "status", st ? st : "", "name", pe_state_name(st)));
    }
    (void)r;
    return m;
}

static json_t *pe_my_applications(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_app_filter f = {.limit = 500};
    json_t *out = NULL;
    if (svc_applications_list(&c, &f, &out, &e) != 0) {
        svc_err_clear(&e);
        return json_pack("{s:[],s:i}", "items", "total", 0);
    }
    return out;
}

/* The projects of the list pages, in the templates' shape (a new array). */
static json_t *pe_project_rows(req *r, json_t *list, json_t *apps)
{
    json_t *ds = svc_districts(r->db), *rows = json_array();
    json_t *st = pe_app_status_by_project(r, apps);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(list, "items"), i, p)
    {
        json_int_t id = json_integer_value(json_object_get(p, "id"));
        const char *dn =
            pe_district_name(r, ds, json_string_value(json_object_get(p, "district_code")));
        json_t *row = json_pack(
            "{s:I,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:o,s:s?}", "id", id, "name",
            json_object_get(p, "name"), "site_name", json_object_get(p, "site_name"), "class",
            json_object_get(p, "class"), "start_date", json_object_get(p, "start_date"),
            "completion_date", json_object_get(p, "completion_date"), "progress_pct",
            json_object_get(p, "progress_pct"), "equipment_software_investment_wan",
            pe_wan(json_object_get(p, "equipment_software_investment")), "district_name", dn);
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)id);
        json_t *s = json_object_get(st, key);
        if (s) {
            json_object_set(row, "application_status", json_object_get(s, "status"));
            json_object_set(row, "application_status_name", json_object_get(s, "name"));
        }
        json_array_append_new(rows, row);
    }
    json_decref(st);
    json_decref(ds);
    return rows;
}

static json_t *pe_my_projects(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_projects_list(&c, 500, 0, &out, &e) != 0) {
        svc_err_clear(&e);
        return json_pack("{s:[],s:i}", "items", "total", 0);
    }
    return out;
}

int page_projects(req *r)
{
    json_t *list = pe_my_projects(r), *apps = pe_my_applications(r);
    json_t *ctx = json_object();
    pe_common(ctx, "智能化改造项目认定", "projects", pe_done_flash(r));
    json_object_set_new(ctx, "projects", pe_project_rows(r, list, apps));
    json_decref(list);
    json_decref(apps);
    return web_page(r, 200, "projects", ctx);
}

/* The current batch's project rules as the texts of the form. */
static json_t *pe_thresholds(req *r)
{
    json_t *b = web_current_batch(r);
    json_t *rules = json_object_get(b, "rules"), *t = json_object();
    json_t *inv = json_object_get(rules, "investment_threshold");
    if (json_is_integer(inv)) {
        json_object_set_new(t, "investment_wan", pe_wan(inv));
        const char *ratio = json_string_value(
            json_object_get(json_object_get(rules, "reduced_ratio"), "渝东北三峡库区城镇群"));
        int64_t rv;
        if (ratio && dec_parse(ratio, &rv) == 0) {
            json_t *red = json_integer(dec_scale_ceil(json_integer_value(inv), rv));
            json_object_set_new(t, "reduced_wan", pe_wan(red));
            json_decref(red);
        }
    }
    cal_date d;
    const char *es = json_string_value(json_object_get(rules, "class1_earliest_start"));
    if (es && cal_parse_date(es, &d) == 0)
        json_object_set_new(t, "earliest_start", json_sprintf("%d年%d月%d日", d.y, d.m, d.d));
    json_t *mm = json_object_get(rules, "class1_max_months");
    if (json_is_integer(mm)) json_object_set(t, "max_months", mm);
    json_t *mp = json_object_get(rules, "class1_min_progress");
    if (json_is_integer(mp)) json_object_set(t, "min_progress", mp);
    json_decref(b);
    return t;
}

/* Renders project_form. `id` 0 for a new project; form and errors are stolen. */
static int pe_project_render(req *r, int status, int64_t id, json_t *form, json_t *errors,
                             json_t *flash)
{
    json_t *ctx = json_object();
    pe_common(ctx, id ? "编辑项目" : "登记项目", "projects", flash);
    json_object_set_new(ctx, "project",
                        id ? json_pack("{s:I}", "id", (json_int_t)id) : json_null());
    const char *dc = json_string_value(json_object_get(form, "district_code"));
    json_object_set_new(ctx, "district_groups", pe_district_groups(r, dc));
    json_object_set_new(ctx, "attachments",
                        pe_attachments(r, json_object_get(form, "approval_attachment_ids")));
    json_object_set_new(ctx, "thresholds", pe_thresholds(r));
    json_object_set_new(ctx, "form", form);
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    return web_page(r, status, "project_form", ctx);
}

int page_project_new(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *ent = NULL, *form = json_object();
    if (svc_enterprise_get(&c, &ent, &e) == 0) {
        json_t *dc = json_object_get(ent, "district_code");
        if (json_is_string(dc)) json_object_set(form, "district_code", dc);
        json_decref(ent);
    } else {
        svc_err_clear(&e);
    }
    return pe_project_render(r, 200, 0, form, NULL, NULL);
}

/* The refusal of a project post: re-render with what was typed and the reasons. */
static int pe_project_refused(req *r, int64_t id, const json_t *saved, const json_t *patch,
                              json_t *errors, svc_err *e)
{
    if (e->status == 404) {
        json_decref(errors);
        return pe_error_page(r, e, "/projects");
    }
    if (e->fields) json_object_update(errors, e->fields);
    int status = e->status ? e->status : 400;
    json_t *flash = pe_flash("error", status == 400 ? "请按提示修改标红的字段。" : e->message);
    svc_err_clear(e);
    return pe_project_render(r, status, id, pe_form_over(saved, patch), errors, flash);
}

int page_project_create(req *r)
{
    json_t *patch = pe_form_patch(r), *errors = json_object(), *out = NULL;
    pe_strip_nulls(patch); /* a new project has nothing to clear */
    svc_err e = {0};
    int64_t att;
    if (pe_upload(r, "approval", &att, errors, "approval_files") != 0) {
        svc_fail(&e, 400, "bad_request", "上传失败");
        int rc = pe_project_refused(r, 0, NULL, patch, errors, &e);
        json_decref(patch);
        return rc;
    }
    if (att) pe_add_attachment(patch, "approval_attachment_ids", NULL, att);
    svc_ctx c = web_svc(r);
    if (svc_project_create(&c, patch, &out, &e) != 0) {
        int rc = pe_project_refused(r, 0, NULL, patch, errors, &e);
        json_decref(patch);
        return rc;
    }
    char *loc = xasprintf("/projects/%lld?done=created",
                          (long long)json_integer_value(json_object_get(out, "id")));
    web_redirect(r, loc);
    free(loc);
    json_decref(out);
    json_decref(patch);
    json_decref(errors);
    return 0;
}

int page_project_edit(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *p = NULL;
    int64_t id = web_param_id(r, 0);
    if (svc_project_get(&c, id, &p, &e) != 0) return pe_error_page(r, &e, "/projects");
    return pe_project_render(r, 200, id, p, NULL, pe_done_flash(r));
}

int page_project_save(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *saved = NULL, *out = NULL, *errors = json_object();
    int64_t id = web_param_id(r, 0), att;
    if (svc_project_get(&c, id, &saved, &e) != 0) {
        json_decref(errors);
        return pe_error_page(r, &e, "/projects");
    }
    json_t *patch = pe_form_patch(r);
    int rc;
    if (pe_upload(r, "approval", &att, errors, "approval_files") != 0) {
        svc_fail(&e, 400, "bad_request", "上传失败");
        rc = pe_project_refused(r, id, saved, patch, errors, &e);
    } else {
        if (att) pe_add_attachment(patch, "approval_attachment_ids", saved, att);
        if (svc_project_put(&c, id, patch, &out, &e) != 0) {
            rc = pe_project_refused(r, id, saved, patch, errors, &e);
        } else {
            char *loc = xasprintf("/projects/%lld?done=saved", (long long)id);
            rc = web_redirect(r, loc);
            free(loc);
            json_decref(out);
            json_decref(errors);
        }
    }
    json_decref(patch);
    json_decref(saved);
    return rc;
}

/* ---------------------------------------------------------------- dashboard */

static json_t *pe_enterprise_summary(req *r, const json_t *ent, bool incomplete)
{
    json_t *ds = svc_districts(r->db);
    const char *dn =
        pe_district_name(r, ds, json_string_value(json_object_get(ent, "district_code")));
    json_t *o =
        json_pack("{s:O?,s:O?,s:s?,s:s?,s:b}", "name", json_object_get(ent, "name"), "uscc",
                  json_object_get(ent, "uscc"), "district_name", dn, "manufacturing_type_name",
                  pe_mtype_name(json_string_value(json_object_get(ent, "manufacturing_type"))),
                  "incomplete", incomplete);
    json_decref(ds);
    return o;
}

static json_t *pe_batch_deadlines(req *r, const json_t *batch)
{
    json_t *out = json_array(), *d;
    if (!batch) return out;
    if (pe_epoch(json_object_get(batch, "opens_at")) > r->now &&
        (d = pe_deadline(r, "申报开始", json_object_get(batch, "opens_at"), "开始")))
        json_array_append_new(out, d);
    if ((d = pe_deadline(r, "企业申报截止", json_object_get(batch, "closes_at"), "截止")))
        json_array_append_new(out, d);
    if ((d = pe_deadline(r, "区县初审截止（退回修改后重新提交亦截止于此）",
                         json_object_get(batch, "district_deadline"), "截止")))
        json_array_append_new(out, d);
    return out;
}

/* The dashboard's applications, rendered from the list statement's rows (no list tree). */
typedef struct pe_dash_apps {
    req *r;
    const json_t *batch; /* the current batch (its name serves most rows) */
    json_t *rows;        /* the rows of the template */
    json_t *latest;      /* {id, status, type} of the newest, or NULL */
    json_t *names;       /* batch id → name, for the other batches */
    sbuf *batch_ids;     /* ",id,id," of the batches they are in */
    int64_t n, returned; /* rows listed; of them returned for changes */
} pe_dash_apps;

static json_t *pe_batch_name(pe_dash_apps *d, int64_t id)
{
    if (d->batch && json_integer_value(json_object_get(d->batch, "id")) == id)
        return json_object_get(d->batch, "name");
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    json_t *bn = json_object_get(d->names, key);
    if (bn) return bn;
    json_t *b = svc_batch_json(d->r->db, id);
    bn = json_string(b ? json_string_value(json_object_get(b, "name")) : "");
    json_decref(b);
    json_object_set_new(d->names, key, bn);
    return bn;
}

static void pe_dashboard_app(const svc_app_summary *a, void *arg)
{
    pe_dash_apps *d = arg;
    const char *st = a->status;
    bool editable = st && (!strcmp(st, "draft") || !strcmp(st, "returned"));
    char at[WEB_SHORT_TIME_BUF];
    json_array_append_new(
        d->rows, json_pack("{s:I,s:s?,s:s?,s:s,s:s?,s:s,s:O,s:s?,s:b}", "id", (json_int_t)a->id,
                           "project_name", a->project_name, "type", a->type, "type_name",
                           pe_type_name(a->type), "status", st, "status_name", pe_state_name(st),
                           "batch_name", pe_batch_name(d, a->batch_id), "updated_at",
                           a->updated_at > 0 ? web_short_time(a->updated_at, at) : NULL, "editable",
                           editable));
    if (!d->latest)
        d->latest =
            json_pack("{s:I,s:s?,s:s?}", "id", (json_int_t)a->id, "status", st, "type", a->type);
    sbuf_printf(d->batch_ids, "%lld,", (long long)a->batch_id);
    d->n++;
    if (st && !strcmp(st, "returned")) d->returned++;
}

enum { PE_DASH_APPS_MAX = 500 };

static void pe_dashboard_apps(req *r, pe_dash_apps *d)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_app_filter f = {.limit = PE_DASH_APPS_MAX};
    d->r = r;
    d->rows = json_array();
    d->names = json_object();
    if (svc_applications_each(&c, &f, pe_dashboard_app, d, NULL, &e) != 0) svc_err_clear(&e);
}

/* {batch_id, batch_name} when a new application may be started (the form lists the projects
 * the panel kept), else NULL; `batch_ids`: ",id,id," of the batches the enterprise already has
 * an application in (one per batch). */
static json_t *pe_new_application(req *r, const json_t *batch, bool has_projects,
                                  const char *batch_ids)
{
    if (!batch || !has_projects) return NULL;
    if (pe_epoch(json_object_get(batch, "closes_at")) <= r->now) return NULL;
    char id[32];
    snprintf(id, sizeof id, ",%lld,", (long long)json_integer_value(json_object_get(batch, "id")));
    if (strstr(batch_ids, id)) return NULL;
    return json_pack("{s:O,s:O}", "batch_id", json_object_get(batch, "id"), "batch_name",
                     json_object_get(batch, "name"));
}

static json_t *pe_system(const char *name, bool done, const char *status, json_t *missing,
                         const char *href, const char *label)
{
    return json_pack("{s:s,s:b,s:b,s:s?,s:o,s:s?,s:s?}", "name", name, "done", done, "current", 0,
                     "status_text", status, "missing", missing ? missing : json_array(), "href",
                     href, "action_label", label);
}

static json_t *pe_systems(req *r, const json_t *ent, size_t nprojects, const json_t *latest)
{
    json_t *sys = json_array();
    /* 智能制造能力测评 (service/assessment.h): done once any assessment is complete (rule A1). */
    svc_ctx sc = web_svc(r);
    json_t *asm_st = svc_asm_status(&sc);
    bool asm_done = json_is_true(json_object_get(asm_st, "done"));
    json_t *asm_latest = json_object_get(asm_st, "latest"),
           *asm_draft = json_object_get(asm_st, "draft");
    if (!json_is_object(asm_draft)) asm_draft = NULL; /* "draft": null when there is none */
    /* The assessment's time as people write it, never the API's RFC 3339 text. */
    int64_t asm_at = web_epoch(json_object_get(asm_latest, "created_at"));
    char *asm_when = asm_at ? web_when(asm_at) : xstrdup("");
    char *asm_text =
        asm_done
            ? xasprintf(
                  "最近一次测评：%s，总分 %s（%s）。测评结果仅供企业自身参考，不作为评审依据。",
                  json_string_value(json_object_get(asm_latest, "level_name")),
                  json_string_value(json_object_get(asm_latest, "score")), asm_when)
        : asm_draft
            ? xasprintf("问卷已答 %lld / %lld 项，可继续答题。提交申报前须完成一次测评。",
                        (long long)json_integer_value(json_object_get(asm_draft, "answered")),
                        (long long)json_integer_value(json_object_get(asm_draft, "total")))
            : xstrdup("提交申报前须完成一次智能制造能力测评。");
    json_t *asm_missing = json_array();
    if (!asm_done) json_array_append_new(asm_missing, json_string("完成一次智能制造能力测评"));
    json_array_append_new(sys, pe_system("智能制造能力测评", asm_done, asm_text, asm_missing,
                                         asm_done    ? "/assessments"
                                         : asm_draft ? "/assessments/questionnaire?section=1"
                                                     : "/assessments",
                                         asm_done    ? "查看测评报告"
                                         : asm_draft ? "继续答题"
                                                     : "开始测评"));
    free(asm_text);
    free(asm_when);
    json_decref(asm_st);
    char *st = nprojects ? xasprintf("已登记 %zu 个智能化改造项目。", nprojects)
                         : xstrdup("尚未登记智能化改造项目。");
    json_t *pm = json_array();
    if (!nprojects) json_array_append_new(pm, json_string("至少登记一个智能化改造项目"));
    json_array_append_new(sys, pe_system("智能化改造项目认定", nprojects > 0, st, pm,
                                         nprojects ? "/projects" : "/projects/new",
                                         nprojects ? "查看项目" : "登记项目"));
    free(st);
    json_t *am = pe_profile_missing(ent);
    if (!asm_done) json_array_append_new(am, json_string("智能制造能力测评"));
    if (!nprojects) json_array_append_new(am, json_string("智能化改造项目"));
    const char *as = json_string_value(json_object_get(latest, "status"));
    bool done = as && strcmp(as, "draft") != 0;
    bool editable = as && (!strcmp(as, "draft") || !strcmp(as, "returned"));
    char *href = NULL, *text;
    const char *label = NULL;
    if (latest) {
        long long id = (long long)json_integer_value(json_object_get(latest, "id"));
        href = editable ? xasprintf("/applications/%lld/edit", id)
                        : xasprintf("/applications/%lld", id);
        label = editable ? "继续填写申报书" : "查看申报";
        text = xasprintf("%s申报：%s",
                         pe_type_name(json_string_value(json_object_get(latest, "type"))),
                         pe_state_name(as));
    } else {
        if (nprojects) {
            href = xstrdup("#applications");
            label = "新建申报";
        }
        text = xstrdup("尚未申报。");
    }
    json_array_append_new(sys, pe_system("数字化车间和智能工厂申报", done, text, am, href, label));
    free(href);
    free(text);
    /* The current step: the first the enterprise can act on that is not done. */
    for (size_t i = 0; i < json_array_size(sys); i++) {
        json_t *s = json_array_get(sys, i);
        if (!json_is_true(json_object_get(s, "done"))) {
            json_object_set_new(s, "current", json_true());
            break;
        }
    }
    return sys;
}

/* Other roles have their own home pages. */
static int pe_dashboard_other(req *r)
{
    const char *role = r->actor.role;
    if (!strcmp(role, "district")) return web_redirect(r, "/district");
    if (!strcmp(role, "admin")) return web_redirect(r, "/admin/accounts");
    if (!strcmp(role, "commission")) return web_redirect(r, "/commission");
    if (!strcmp(role, "expert")) return web_redirect(r, "/expert");
    return web_redirect(r, "/portal");
}

/* The dashboard's project rows (a new array), from the summary columns: no document parsed. */
static void pe_dashboard_project(const svc_project_summary *p, void *arg)
{
    json_t *row = json_pack("{s:I,s:s?,s:s?,s:s?}", "id", (json_int_t)p->id, "name", p->name,
                            "site_name", p->site_name, "class", p->klass);
    if (p->has_progress) json_object_set_new(row, "progress_pct", json_integer(p->progress_pct));
    json_t *inv = p->has_investment ? json_integer(p->investment) : NULL;
    json_object_set_new(row, "equipment_software_investment_wan", pe_wan(inv));
    json_decref(inv);
    json_array_append_new(arg, row);
}

static json_t *pe_dashboard_projects(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *rows = json_array();
    if (svc_projects_each(&c, pe_dashboard_project, rows, &e) < 0) svc_err_clear(&e);
    return rows;
}

/* The dashboard's panel: what it shows of the database — the enterprise line, the three
 * systems with the projects, the applications table, the projects as the new-application
 * form's options, and the batches the applications are in — rendered by dashboard_panel.html
 * part by part into one string, the parts separated by NUL bytes. It changes only with the
 * enterprise's generation or the global one (the batches' names) and never with the clock, so
 * it is kept by them (web_fresh; an enterprise opens its dashboard again and again before a
 * deadline); the page around it — the
 * person, the inbox, the deadlines with their time left, whether the form is offered now — is
 * rendered for each request. */
enum {
    PE_PART_ENTERPRISE,
    PE_PART_PROGRESS,
    PE_PART_APPLICATIONS,
    PE_PART_OPTIONS,
    PE_PART_BATCH_IDS, /* not rendered: ",id,id," */
    PE_PART_RETURNED,  /* not rendered: the inbox's count of returned applications, "" if cut */
    PE_PANEL_PARTS
};
static const char *const PE_PANEL_PART[] = {"enterprise", "progress", "applications", "options"};
typedef struct pe_panel {
    sbuf blob;
    const char *part[PE_PANEL_PARTS]; /* into blob: the four renderings, ",id,id,", a count */
} pe_panel;

/* Room for the panels of a crowd of ~2,000 enterprises signed in at once, at ~4 KB each: with a
 * random enterprise per request over 1,000 of them, a store of 400 missed half the time and the
 * page cost half again as much (docs/rendering.md). 12 MB at most, within the 64 MB budget. */
static web_kept_slot pe_panel_slots[2048];
static web_kept pe_panel_kept = WEB_KEPT_INIT(pe_panel_slots, 2048, 12 * 1024 * 1024, 64 * 1024);

static void pe_panel_render(req *r, sbuf *blob)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *ent = NULL;
    if (svc_enterprise_get(&c, &ent, &e) != 0) {
        svc_err_clear(&e);
        ent = json_object();
    }
    json_t *projects = pe_dashboard_projects(r);
    const json_t *batch = web_current_batch_ref(r);
    sbuf ids;
    sbuf_init(&ids);
    sbuf_append(&ids, ",", 1);
    pe_dash_apps apps = {.batch = batch, .batch_ids = &ids};
    pe_dashboard_apps(r, &apps);
    json_t *missing = pe_profile_missing(ent);
    json_t *ctx = json_object();
    json_object_set_new(ctx, "enterprise",
                        pe_enterprise_summary(r, ent, json_array_size(missing) > 0));
    json_decref(missing);
    json_object_set_new(ctx, "systems", pe_systems(r, ent, json_array_size(projects), apps.latest));
    json_object_set_new(ctx, "projects", projects);
    json_object_set_new(ctx, "applications", apps.rows);
    for (size_t i = 0; i < sizeof PE_PANEL_PART / sizeof PE_PANEL_PART[0]; i++) {
        json_object_set_new(ctx, "part", json_string(PE_PANEL_PART[i]));
        tpl_render(r->cfg->templates, "dashboard_panel", ctx, blob);
        sbuf_append(blob, "", 1);
    }
    sbuf_append(blob, ids.data, ids.len);
    sbuf_free(&ids);
    /* The inbox's one count for an enterprise is in the panel's rows (and so in its version):
     * the page needs no statement of its own for it, unless the list was cut. */
    sbuf_append(blob, "", 1);
    if (apps.n < PE_DASH_APPS_MAX) sbuf_printf(blob, "%lld", (long long)apps.returned);
    json_decref(ctx);
    json_decref(ent);
    json_decref(apps.latest);
    json_decref(apps.names);
}

/* Points p->part into p->blob. */
static void pe_panel_split(pe_panel *p)
{
    const char *at = p->blob.data ? p->blob.data : "", *end = at + p->blob.len;
    for (int i = 0; i < PE_PANEL_PARTS; i++) {
        p->part[i] = at;
        at += strlen(at);
        if (at < end) at++;
    }
}

/* The scopes the dashboard shows: the enterprise's, and the global one (batches). */
static void pe_dash_scopes(const req *r, svc_scope s[2])
{
    s[0] = (svc_scope){SVC_SCOPE_ENTERPRISE, r->actor.enterprise_id};
    s[1] = (svc_scope){SVC_SCOPE_GLOBAL, 0};
}

/* The panel of the calling enterprise: kept while its generations (*known, read by the caller;
 * NULL: read here) stand, else rendered (and kept). The caller frees p->blob. */
static void pe_panel_load(req *r, pe_panel *p, const web_kept_version *known)
{
    svc_scope scopes[2];
    pe_dash_scopes(r, scopes);
    web_kept_version kv;
    char key[WEB_KEPT_KEY];
    bool versioned = r->actor.enterprise_id > 0 &&
                     (known ? (kv = *known, true) : web_fresh(r, scopes, 2, NULL, 0, &kv));
    if (versioned) snprintf(key, sizeof key, "e%lld", (long long)r->actor.enterprise_id);
    sbuf_init(&p->blob);
    sbuf_reserve(&p->blob, 8 * 1024);
    if (!versioned || !web_kept_get(&pe_panel_kept, key, &kv, r->now, &p->blob, NULL, NULL)) {
        pe_panel_render(r, &p->blob);
        if (versioned)
            web_kept_put(&pe_panel_kept, key, &kv, r->now, INT64_MAX, p->blob.data, p->blob.len, 0);
    }
    pe_panel_split(p);
}

/* The dashboard with `flash` (stolen; NULL: the one of ?done=) and the new-application form's
 * `errors` (stolen; NULL: none); `ev` the panel's generations when the caller read them. */
static int pe_dashboard_render(req *r, int status, json_t *flash, json_t *errors,
                               const web_kept_version *ev)
{
    pe_panel p;
    pe_panel_load(r, &p, ev);
    svc_ctx c = web_svc(r);
    const json_t *batch = web_current_batch_ref(r);
    json_t *ctx = json_object();
    pe_common(ctx, "我的工作台", "dashboard", flash ? flash : pe_done_flash(r));
    json_object_set_new(ctx, "deadlines", pe_batch_deadlines(r, batch));
    json_t *na =
        pe_new_application(r, batch, p.part[PE_PART_OPTIONS][0] != '\0', p.part[PE_PART_BATCH_IDS]);
    json_object_set_new(ctx, "new_application", na ? na : json_null());
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    const char *returned = p.part[PE_PART_RETURNED];
    json_object_set_new(ctx, "inbox",
                        returned[0] ? svc_inbox_known(&c, "returned", strtoll(returned, NULL, 10))
                                    : svc_inbox(&c));
    static const char *const keys[] = {"enterprise_html", "progress_html", "applications_html",
                                       "options_html"};
    tpl_row row = {keys, p.part, PE_PART_BATCH_IDS};
    int rc = web_page_row(r, status, "dashboard", ctx, &row, p.blob.len + 12 * 1024);
    sbuf_free(&p.blob);
    return rc;
}

int page_dashboard(req *r)
{
    if (strcmp(r->actor.role, "enterprise") != 0) return pe_dashboard_other(r);
    return pe_dashboard_render(r, 200, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- applications: pieces */

static bool pe_findings_ok(const json_t *findings)
{
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        const char *sev = json_string_value(json_object_get(f, "severity"));
        if (!json_is_true(json_object_get(f, "ok")) && (!sev || !strcmp(sev, "error")))
            return false;
    }
    return true;
}

static void pe_set_findings(json_t *ctx, const json_t *findings, bool checked)
{
    json_object_set_new(ctx, "findings",
                        json_is_array(findings) ? json_deep_copy(findings) : json_array());
    bool have = json_array_size(findings) > 0;
    json_object_set_new(ctx, "checked", json_boolean(checked || have));
    json_object_set_new(ctx, "check_ok", json_boolean(have && pe_findings_ok(findings)));
}

static const char *pe_app_district(req *r, const json_t *app, json_t **ds)
{
    *ds = svc_districts(r->db);
    return pe_district_name(r, *ds, json_string_value(json_object_get(app, "district_code")));
}

/* The `application` object the two application templates share. */
static json_t *pe_app_head(req *r, const json_t *app, json_t **batch)
{
    const char *st = json_string_value(json_object_get(app, "status"));
    const char *ty = json_string_value(json_object_get(app, "type"));
    *batch = svc_batch_json(r->db, json_integer_value(json_object_get(app, "batch_id")));
    json_t *ds;
    const char *dn = pe_app_district(r, app, &ds);
    json_t *ent = json_object_get(app, "enterprise");
    json_t *o = json_pack("{s:O,s:s?,s:s,s:s?,s:s,s:O?,s:O?,s:{s:O?,s:O?,s:s?},s:s?}", "id",
                          json_object_get(app, "id"), "status", st, "status_name",
                          pe_state_name(st), "type", ty, "type_name", pe_type_name(ty),
                          "batch_name", json_object_get(*batch, "name"), "project",
                          json_object_get(app, "project"), "enterprise", "name",
                          json_object_get(ent, "name"), "uscc", json_object_get(ent, "uscc"),
                          "district_name", dn, "return_reason", page_return_reason(app));
    json_decref(ds);
    return o;
}

/* ---------------------------------------------------------------- application: form */

/* The batch's thresholds as the form's rule texts (limits.*). */
static json_t *pe_limits(const json_t *batch, const char *type)
{
    json_t *limits = json_object();
    size_t i;
    json_t *ck;
    json_array_foreach(json_object_get(json_object_get(batch, "rules"), "checks"), i, ck)
    {
        const char *id = json_string_value(json_object_get(ck, "id"));
        const char *to = json_string_value(json_object_get(ck, "applies_to"));
        const char *min = json_string_value(json_object_get(ck, "min"));
        int64_t v;
        if (!id || !min || dec_parse(min, &v) != 0) continue;
        if (to && strcmp(to, "both") && type && strcmp(to, type)) continue;
        const char *key = NULL;
        char kbuf[64];
        if (!strcmp(id, "T-equipment-share"))
            key = "equipment_share";
        else if (!strcmp(id, "T-data-upload-rate"))
            key = "upload_rate";
        else if (!strncmp(id, "T-kpi-", 6) && strlen(id) < 50) {
            snprintf(kbuf, sizeof kbuf, "kpi_%s", id + 6);
            key = kbuf;
        }
        if (!key) continue;
        char buf[DEC_BUF];
        json_object_set_new(limits, key, json_string(dec_format_pct(v, buf, sizeof buf)));
    }
    return limits;
}

/* The chosen mode's key elements merged with the answers in the form. */
static json_t *pe_key_elements(const json_t *batch, const json_t *form)
{
    json_t *out = json_array();
    const json_t *fac = json_object_get(form, "factory");
    const char *mode = json_string_value(json_object_get(fac, "mode"));
    if (!mode || !*mode) return out;
    json_t *modes = json_object_get(json_object_get(batch, "rules"), "factory_modes");
    modes = json_is_array(modes) ? json_incref(modes) : svc_factory_modes();
    json_t *answers = json_object_get(fac, "key_elements");
    size_t i, j;
    json_t *m, *el;
    json_array_foreach(modes, i, m)
    {
        const char *id = json_string_value(json_object_get(m, "id"));
        if (!id || strcmp(id, mode)) continue;
        json_array_foreach(json_object_get(m, "key_elements"), j, el)
        {
            json_t *eid = json_object_get(el, "id");
            json_t *ans = json_object_get(answers, json_string_value(eid));
            json_t *met = json_object_get(ans, "met");
            json_array_append_new(
                out, json_pack("{s:O,s:O?,s:b,s:O,s:b,s:O?}", "id", eid, "text",
                               json_object_get(el, "text"), "may_not_apply",
                               json_is_true(json_object_get(el, "may_not_apply")), "met",
                               json_is_boolean(met) ? met : json_null(), "not_applicable",
                               json_is_true(json_object_get(ans, "not_applicable")), "description",
                               json_object_get(ans, "description")));
        }
    }
    json_decref(modes);
    return out;
}

/* The value at a dotted path of the form (borrowed), or NULL. */
static const json_t *pe_form_at(const json_t *form, const char *path)
{
    char *copy = xstrdup(path), *save = NULL;
    const json_t *cur = form;
    for (char *seg = strtok_r(copy, ".", &save); seg && cur; seg = strtok_r(NULL, ".", &save))
        cur = json_is_object(cur) ? json_object_get(cur, seg) : NULL;
    free(copy);
    return cur;
}

/* The threshold of extra figure `path` for this type as the form's rule text ("不低于 70%"),
 * or NULL; *asked tells whether any row checks the figure for some type. */
static char *pe_extra_rule(const json_t *checks, const char *path, const char *type, bool *asked,
                           bool *mine)
{
    char *rule = NULL;
    size_t i;
    json_t *ck;
    json_array_foreach(checks, i, ck)
    {
        const char *fig = json_string_value(json_object_get(ck, "figure"));
        if (!fig || strcmp(fig, path)) continue;
        *asked = true;
        const char *to = json_string_value(json_object_get(ck, "applies_to"));
        if (to && strcmp(to, "both") && type && strcmp(to, type)) continue;
        *mine = true;
        const char *min = json_string_value(json_object_get(ck, "min"));
        const char *unit = json_string_value(json_object_get(ck, "unit"));
        if (min && !rule)
            rule = xasprintf("%s不低于 %s%s", pe_type_name(type), min, unit ? unit : "");
    }
    return rule;
}

/* The batch's extra figures asked of this type: those a check row names for it, and those no
 * row names (asked of both). */
static json_t *pe_extras(const json_t *batch, const char *type, const json_t *form,
                         const json_t *errors)
{
    json_t *out = json_array();
    const json_t *rules = json_object_get(batch, "rules");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(rules, "form_figures"), i, f)
    {
        const char *path = json_string_value(json_object_get(f, "path"));
        const char *label = json_string_value(json_object_get(f, "label"));
        const char *ft = json_string_value(json_object_get(f, "type"));
        if (!path || !label) continue;
        bool asked = false, mine = false;
        char *rule = pe_extra_rule(json_object_get(rules, "checks"), path, type, &asked, &mine);
        if (asked && !mine) {
            free(rule);
            continue;
        }
        const json_t *v = pe_form_at(form, path);
        char *text = json_is_string(v)    ? xstrdup(json_string_value(v))
                     : json_is_integer(v) ? xasprintf("%lld", (long long)json_integer_value(v))
                     : json_is_boolean(v) ? xstrdup(json_is_true(v) ? "true" : "false")
                                          : xstrdup("");
        char *id = xasprintf("extra-%zu", i);
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:b}", "name", path, "id", id, "label",
                              label, "value", text, "is_bool", ft && !strcmp(ft, "bool"), "is_text",
                              ft && !strcmp(ft, "text"), "is_number",
                              !ft || !strcmp(ft, "count") || !strcmp(ft, "decimal"));
        json_t *unit = json_object_get(f, "unit");
        if (json_is_string(unit) && json_string_length(unit)) json_object_set(o, "unit", unit);
        if (rule) json_object_set_new(o, "rule", json_string(rule));
        json_t *err = json_object_get(errors, path);
        if (json_is_string(err)) json_object_set(o, "error", err);
        json_array_append_new(out, o);
        free(id);
        free(text);
        free(rule);
    }
    return out;
}

/* Whole-number extra figures arrive as text from the form; the API takes them as integers. */
static void pe_extra_counts(const json_t *batch, json_t *patch)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(json_object_get(batch, "rules"), "form_figures"), i, f)
    {
        const char *path = json_string_value(json_object_get(f, "path"));
        const char *ft = json_string_value(json_object_get(f, "type"));
        const json_t *v = path ? pe_form_at(patch, path) : NULL;
        int64_t n;
        if (ft && !strcmp(ft, "count") && json_is_string(v) && pe_int(json_string_value(v), &n))
            pe_set_path(patch, path, json_integer(n));
    }
}

/* Renders application_form. `app` is the saved application (borrowed); `form` and `errors`
 * stolen; `findings` borrowed (NULL: the application's last check). */
static int pe_app_form_render(req *r, int status, const json_t *app, json_t *form, json_t *errors,
                              const json_t *findings, bool checked, json_t *flash)
{
    json_t *batch = NULL, *ctx = json_object();
    json_t *head = pe_app_head(r, app, &batch);
    const char *type = json_string_value(json_object_get(app, "type"));
    pe_common(ctx, "填写申报书", "applications", flash);
    json_object_set_new(ctx, "application", head);
    pe_set_findings(ctx, findings ? findings : json_object_get(app, "findings"), checked);
    json_object_set_new(ctx, "key_elements", pe_key_elements(batch, form));
    json_object_set_new(ctx, "attachments",
                        pe_attachments(r, json_object_get(form, "attachment_ids")));
    json_object_set_new(ctx, "limits", pe_limits(batch, type));
    json_object_set_new(ctx, "extras", pe_extras(batch, type, form, errors));
    json_object_set_new(ctx, "form", form);
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    json_decref(batch);
    return web_page(r, status, "application_form", ctx);
}

/* Loads the caller's application for editing; answers (error page or redirect) and returns
 * NULL when it cannot be edited. */
static json_t *pe_app_for_edit(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *app = NULL;
    if (svc_app_get(&c, web_param_id(r, 0), &app, &e) != 0) {
        pe_error_page(r, &e, "/dashboard");
        return NULL;
    }
    /* The policy (wf_may): only its owner edits, and only a draft or a returned one; others
     * who may read it (the district, the commission) are not told it has a form here. */
    int64_t id = web_param_id(r, 0);
    bool owner = strcmp(r->actor.role, "enterprise") == 0;
    if (!owner) {
        json_decref(app);
        svc_fail(&e, 404, "not_found", "申报不存在");
        pe_error_page(r, &e, "/dashboard");
        return NULL;
    }
    if (!svc_app_may_id(&c, id, WF_EDIT)) {
        char *loc = xasprintf("/applications/%lld", (long long)web_param_id(r, 0));
        web_redirect(r, loc);
        free(loc);
        json_decref(app);
        return NULL;
    }
    return app;
}

int page_application_edit(req *r)
{
    json_t *app = pe_app_for_edit(r);
    if (!app) return 0;
    int rc =
        pe_app_form_render(r, 200, app, json_deep_copy(app), NULL, NULL, false, pe_done_flash(r));
    json_decref(app);
    return rc;
}

/* A refused save: everything typed comes back with the reasons beside the fields. */
static int pe_app_refused(req *r, const json_t *app, const json_t *patch, json_t *errors,
                          svc_err *e)
{
    if (e->status == 404) {
        json_decref(errors);
        return pe_error_page(r, e, "/dashboard");
    }
    if (e->fields) json_object_update(errors, e->fields);
    int status = e->status ? e->status : 400;
    json_t *flash =
        pe_flash("error", status == 400 ? "未保存：请按提示修改标红的字段。" : e->message);
    svc_err_clear(e);
    return pe_app_form_render(r, status, app, pe_form_over(app, patch), errors, NULL, false, flash);
}

/* After a save: the pre-check, shown beside the form. */
static int pe_app_after_check(req *r, const json_t *saved)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_app_check(&c, web_param_id(r, 0), &out, &e) != 0) {
        json_t *flash = pe_flash("error", e.message);
        int status = e.status;
        svc_err_clear(&e);
        return pe_app_form_render(r, status, saved, json_deep_copy(saved), NULL, NULL, false,
                                  flash);
    }
    bool ok = json_is_true(json_object_get(out, "ok"));
    json_t *flash =
        ok ? pe_flash("ok", "已保存。预检通过：申报条件已全部满足，可以提交。")
           : pe_flash("error", "已保存。预检发现不满足的条件（见预检结果），请修改后再预检。");
    int rc = pe_app_form_render(r, 200, saved, json_deep_copy(saved), NULL,
                                json_object_get(out, "findings"), true, flash);
    json_decref(out);
    return rc;
}

/* After a save: submit, or show why not. */
static int pe_app_after_submit(req *r, const json_t *saved)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int64_t id = web_param_id(r, 0);
    if (svc_app_submit(&c, id, &out, &e) == 0) {
        json_decref(out);
        char *loc = xasprintf("/applications/%lld?done=submitted", (long long)id);
        web_redirect(r, loc);
        free(loc);
        return 0;
    }
    if (e.status == 404) return pe_error_page(r, &e, "/dashboard");
    char *msg = xasprintf("未提交：%s", e.message[0] ? e.message : "请稍后再试");
    json_t *flash = pe_flash("error", msg);
    free(msg);
    int status = e.status;
    json_t *findings = e.findings ? json_incref(e.findings) : NULL;
    json_t *errors = e.fields ? json_incref(e.fields) : NULL;
    svc_err_clear(&e);
    int rc = pe_app_form_render(r, status, saved, json_deep_copy(saved), errors, findings,
                                findings != NULL, flash);
    json_decref(findings);
    return rc;
}

int page_application_save(req *r)
{
    json_t *app = pe_app_for_edit(r);
    if (!app) return 0;
    const char *action = web_form(r, "action");
    if (!action || !*action) action = "save";
    json_t *patch = pe_form_patch(r), *errors = json_object(), *saved = NULL;
    json_t *batch = svc_batch_json(r->db, json_integer_value(json_object_get(app, "batch_id")));
    pe_extra_counts(batch, patch);
    json_decref(batch);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int64_t att;
    int rc;
    if (pe_upload(r, "application", &att, errors, "attachment_files") != 0) {
        svc_fail(&e, 400, "bad_request", "上传失败");
        rc = pe_app_refused(r, app, patch, errors, &e);
    } else {
        if (att) pe_add_attachment(patch, "attachment_ids", app, att);
        if (svc_app_put(&c, web_param_id(r, 0), patch, &saved, &e) != 0) {
            rc = pe_app_refused(r, app, patch, errors, &e);
        } else {
            json_decref(errors);
            if (!strcmp(action, "check"))
                rc = pe_app_after_check(r, saved);
            else if (!strcmp(action, "submit"))
                rc = pe_app_after_submit(r, saved);
            else
                rc = pe_app_form_render(r, 200, saved, json_deep_copy(saved), NULL, NULL, false,
                                        pe_flash("ok", "已保存。"));
            json_decref(saved);
        }
    }
    json_decref(patch);
    json_decref(app);
    return rc;
}

/* ---------------------------------------------------------------- application: create */

int page_application_create(req *r)
{
    json_t *in = json_object();
    static const char *const ids[] = {"batch_id", "project_id"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = web_form(r, ids[i]);
        int64_t n;
        json_object_set_new(in, ids[i],
                            pe_int(v, &n) ? json_integer(n)
                            : v           ? json_string(v)
                                          : json_null());
    }
    const char *type = web_form(r, "type");
    if (type) json_object_set_new(in, "type", json_string(type));
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_app_create(&c, in, &out, &e);
    json_decref(in);
    if (rc == 0) {
        char *loc = xasprintf("/applications/%lld/edit",
                              (long long)json_integer_value(json_object_get(out, "id")));
        web_redirect(r, loc);
        free(loc);
        json_decref(out);
        return 0;
    }
    json_t *flash = pe_flash("error", e.message[0] ? e.message : "未能创建申报。");
    json_t *errors = e.fields ? json_incref(e.fields) : NULL;
    int status = e.status ? e.status : 400;
    svc_err_clear(&e);
    return pe_dashboard_render(r, status, flash, errors, NULL);
}
