/* page_account — the pages of the unified login (附件3) and the queue that sits beside it:
 * the public home page with the batch's timeline, registration, login and logout, the portal
 * (业务系统类, 确定接入), the first entry to imp (我是老用户 / 我是新用户) and the district's
 * review queue (the admin's pages are page_admin.c). Handlers are thin: read the post, call
 * the same service function as the JSON API, render. A refusal re-renders the form with what
 * the user typed (never a password) and the service's reasons beside the fields; a success
 * redirects (303) with a fixed message key in the query, never the text itself. */
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "service/accounts.h"
#include "service/enterprise.h"
#include "service/inbox.h"
#include "service/reference.h"
#include "web/kept.h"
#include "web/pages.h"

/* ---------------------------------------------------------------- shared pieces */

/* A page context with title, nav.current and flash (stolen; NULL for none). New reference. */
static json_t *pa_ctx(const char *title, const char *nav, json_t *flash)
{
    return json_pack("{s:s,s:{s:s},s:o}", "title", title, "nav", "current", nav, "flash",
                     flash ? flash : json_null());
}

static json_t *pa_flash(const char *kind, const char *msg)
{
    return json_pack("{s:s}", kind, msg);
}

/* Messages after a redirect (?done=…): fixed texts looked up by key, never the query echoed. */
static json_t *pa_done_flash(req *r)
{
    static const char *const map[][3] = {
        {"connected", "ok", "已接入智能制造信息管理平台，现在可以进入使用。"},
        {"logged_out", "ok", "已退出登录。"},
    };
    const char *d = web_query(r, "done");
    for (size_t i = 0; d && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(d, map[i][0]) == 0) return pa_flash(map[i][1], map[i][2]);
    return NULL;
}

static bool pa_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* A checkbox: the hidden "false" then "true" when ticked ("false,true"); true when the last
 * value is "true". */
static bool pa_checked(const char *v)
{
    if (!v) return false;
    size_t n = strlen(v);
    return n >= 4 && strcmp(v + n - 4, "true") == 0;
}

/* The form value, or "" (for re-filling inputs). */
static const char *pa_field(req *r, const char *name)
{
    const char *v = web_form(r, name);
    return v ? v : "";
}

/* A friendly error page from a service refusal (clears it). */
static int pa_error_page(req *r, svc_err *e, const char *back)
{
    int status = e->status ? e->status : 500;
    const char *title = status == 404 ? "没有找到" : status == 403 ? "无权访问" : "操作未完成";
    json_t *ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", title, "status", status, "message",
                            e->message[0] ? e->message : "请求未能完成，请稍后再试。", "back_href",
                            back ? back : "/");
    svc_err_clear(e);
    return web_page(r, status, "error", ctx);
}

/* Where an account continues after login: enterprise → /portal until connected, /imp until
 * bound, then /dashboard; admin → /admin/accounts; district → /district (via /portal until
 * connected, as the imp gate would send it there); others → /portal. */
static const char *pa_role_home(const svc_actor *a)
{
    if (pa_is(a->role, "enterprise")) {
        if (!a->imp_connected) return "/portal";
        return a->imp_bound || a->enterprise_id > 0 ? "/dashboard" : "/imp";
    }
    if (pa_is(a->role, "admin")) return "/admin/accounts";
    if (pa_is(a->role, "district")) return a->imp_connected ? "/district" : "/portal";
    return "/portal";
}

/* A `next` that stays on this site: a path starting with one "/", no backslash or control
 * characters (browsers read "/\evil" as "//evil"). */
static bool pa_local_path(const char *p)
{
    if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\') return false;
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f) return false;
    return true;
}

/* ---------------------------------------------------------------- times */

/* {label, at, time_left, passed} for a batch time field, or NULL when it is absent. */
static json_t *pa_milestone(req *r, const char *label, const json_t *at, const char *what)
{
    int64_t t = web_epoch(at);
    if (!t) return NULL;
    char *when = web_when(t), *left = web_time_left(t, r->now, what);
    json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "label", label, "at", when, "time_left", left,
                          "passed", t <= r->now);
    free(when);
    free(left);
    return o;
}

/* ---------------------------------------------------------------- home */

/* The current batch with its milestones and window_open (a new reference), or NULL. */
static json_t *pa_home_batch(req *r)
{
    json_t *b = web_current_batch(r);
    if (!b) return NULL;
    static const char *const ms[][3] = {{"申报开始", "opens_at", "开始"},
                                        {"申报截止", "closes_at", "截止"},
                                        {"区县初审截止", "district_deadline", "截止"}};
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        json_t *m = pa_milestone(r, ms[i][0], json_object_get(b, ms[i][1]), ms[i][2]);
        if (m) json_array_append_new(list, m);
    }
    int64_t opens = web_epoch(json_object_get(b, "opens_at"));
    int64_t closes = web_epoch(json_object_get(b, "closes_at"));
    json_object_set_new(b, "milestones", list);
    json_object_set_new(b, "window_open", json_boolean(opens <= r->now && r->now < closes));
    json_object_del(b, "rules");
    return b;
}

/* The home page a visitor without a session sees is the same for everyone in the same second:
 * it is rendered from the current batch and the time (whole seconds) only. The last one is kept,
 * keyed by that second, the batch's id and the global generation (web_fresh), so a change of the
 * batch — by this server or another one of the same database — shows on the next request, and a
 * deadline passes on the page at the second it passes. It is the page most visitors open, and most
 * often in the days before a deadline. */
static web_kept_slot pa_home_slots[1];
static web_kept pa_home_kept = WEB_KEPT_INIT(pa_home_slots, 1, 256 * 1024, 256 * 1024);

static int pa_home_render(req *r)
{
    json_t *ctx = pa_ctx("首页", "home", pa_done_flash(r));
    json_t *b = pa_home_batch(r);
    if (b) {
        json_object_set(ctx, "window_open", json_object_get(b, "window_open"));
        json_object_set_new(ctx, "batch", b);
    }
    if (r->actor.id) json_object_set_new(ctx, "home_href", json_string(pa_role_home(&r->actor)));
    return web_page(r, 200, "home", ctx);
}

int page_home(req *r)
{
    /* Only the plain page of a visitor without a session is shared (a flash is per visit). */
    if (r->actor.id || web_query(r, "done")) return pa_home_render(r);
    static const svc_scope all[] = {{SVC_SCOPE_GLOBAL, 0}};
    int64_t batch = svc_current_batch_id(r->db, r->now);
    web_kept_version v;
    if (!web_fresh(r, all, 1, &batch, 1, &v)) return pa_home_render(r);
    if (web_kept_answer(r, &pa_home_kept, "home", &v, "text/html; charset=utf-8")) return 0;
    pa_home_render(r);
    /* Right for this second only: the page shows the time left to each milestone. */
    if (r->status == 200 && r->resp_body)
        web_kept_put(&pa_home_kept, "home", &v, r->now, r->now + 1, r->resp_body, r->resp_len, 0);
    return 0;
}

/* ---------------------------------------------------------------- registration */

static const char *const PA_REG_FIELDS[] = {"username", "display_name",    "phone",
                                            "email",    "enterprise_name", "uscc"};

int page_register(req *r)
{
    return web_page(r, 200, "register", pa_ctx("现在注册", "register", NULL));
}

int page_register_post(req *r)
{
    acct_input in = {
        .username = web_form(r, "username"),
        .password = web_form(r, "password"),
        .display_name = web_form(r, "display_name"),
        .phone = web_form(r, "phone"),
        .email = web_form(r, "email"),
        .enterprise_name = web_form(r, "enterprise_name"),
        .uscc = web_form(r, "uscc"),
    };
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int64_t id = 0;
    if (svc_account_register(&c, &in, &id, &e) == 0) {
        json_t *ctx = pa_ctx("注册申请已提交", "register",
                             pa_flash("ok", "账号已提交，等待管理员审核（不超过 1 个工作日）"));
        json_object_set_new(ctx, "done", json_true());
        return web_page(r, 200, "register", ctx);
    }
    if (e.status >= 500) return pa_error_page(r, &e, "/register");
    json_t *form = json_object();
    for (size_t i = 0; i < sizeof PA_REG_FIELDS / sizeof PA_REG_FIELDS[0]; i++)
        json_object_set_new(form, PA_REG_FIELDS[i], json_string(pa_field(r, PA_REG_FIELDS[i])));
    const char *msg =
        e.status == 400 && e.fields ? "请按提示修改标出的项目后重新提交。" : e.message;
    json_t *ctx = pa_ctx("现在注册", "register", pa_flash("error", msg));
    json_object_set_new(ctx, "form", form);
    json_object_set(ctx, "errors", e.fields ? e.fields : json_object());
    int status = e.status ? e.status : 400;
    svc_err_clear(&e);
    return web_page(r, status, "register", ctx);
}

/* ---------------------------------------------------------------- login, logout */

/* The login page: username re-filled, `next` kept when it is a local path. */
static int pa_login_page(req *r, int status, const char *username, json_t *errors, json_t *flash)
{
    json_t *ctx = pa_ctx("登录", "login", flash);
    json_object_set_new(ctx, "form", json_pack("{s:s}", "username", username ? username : ""));
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    const char *next =
        r->method && strcmp(r->method, "POST") == 0 ? web_form(r, "next") : web_query(r, "next");
    if (pa_local_path(next)) json_object_set_new(ctx, "next", json_string(next));
    return web_page(r, status, "login", ctx);
}

int page_login(req *r)
{
    if (r->actor.id) {
        const char *next = web_query(r, "next");
        return web_redirect(r, pa_local_path(next) ? next : pa_role_home(&r->actor));
    }
    return pa_login_page(r, 200, NULL, NULL, pa_done_flash(r));
}

int page_login_post(req *r)
{
    const char *user = web_form(r, "username"), *pw = web_form(r, "password");
    json_t *errors = json_object();
    if (!user || !*user) json_object_set_new(errors, "username", json_string("请填写用户名"));
    if (!pw || !*pw) json_object_set_new(errors, "password", json_string("请填写密码"));
    if (json_object_size(errors)) return pa_login_page(r, 400, user, errors, NULL);
    json_decref(errors);

    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_actor a;
    if (svc_login(&c, user, pw, &a, &e) != 0) {
        int status = e.status ? e.status : 401;
        json_t *flash = pa_flash("error", e.message[0] ? e.message : "登录失败，请稍后重试");
        svc_err_clear(&e);
        return pa_login_page(r, status, user, NULL, flash);
    }
    char csrf[65];
    if (web_session_start(r, a.id, csrf) != 0)
        return pa_login_page(r, 500, user, NULL, pa_flash("error", "无法创建会话，请稍后重试"));
    r->actor = a;
    const char *next = web_form(r, "next");
    return web_redirect(r, pa_local_path(next) ? next : pa_role_home(&a));
}

int page_logout_post(req *r)
{
    web_session_end(r);
    return web_redirect(r, "/");
}

/* ---------------------------------------------------------------- portal */

/* Where the imp tile leads once connected. */
static const char *pa_imp_href(const svc_actor *a)
{
    if (pa_is(a->role, "enterprise"))
        return a->imp_bound || a->enterprise_id > 0 ? "/dashboard" : "/imp";
    if (pa_is(a->role, "district")) return "/district";
    if (pa_is(a->role, "admin")) return "/admin/accounts";
    return "/dashboard";
}

static int pa_portal_render(req *r, int status, json_t *flash)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *me = NULL;
    if (svc_me(&c, &me, &e) != 0) {
        json_decref(flash);
        return pa_error_page(r, &e, "/");
    }
    json_t *apps = json_incref(json_object_get(me, "apps"));
    json_decref(me);
    size_t i;
    json_t *app;
    json_array_foreach(apps, i, app)
    {
        if (!pa_is(json_string_value(json_object_get(app, "id")), "imp")) continue;
        json_object_set_new(app, "href", json_string(pa_imp_href(&r->actor)));
        json_object_set_new(app, "description",
                            json_string("智能制造能力测评、智能化改造项目认定、数字化车间和智能工厂"
                                        "申报与评审"));
    }
    json_t *ctx = pa_ctx("业务系统", "portal", flash);
    json_object_set_new(ctx, "apps", apps ? apps : json_array());
    return web_page(r, status, "portal", ctx);
}

int page_portal(req *r)
{
    return pa_portal_render(r, 200, pa_done_flash(r));
}

int page_portal_connect(req *r)
{
    const char *app = web_form(r, "app");
    if (app && *app && strcmp(app, "imp") != 0)
        return pa_portal_render(r, 400, pa_flash("error", "没有这个业务系统，请从列表中选择。"));
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_imp_connect(&c, &out, &e) != 0) {
        int status = e.status ? e.status : 500;
        json_t *flash = pa_flash("error", e.message);
        svc_err_clear(&e);
        return pa_portal_render(r, status, flash);
    }
    json_decref(out);
    r->actor.imp_connected = true;
    return web_redirect(r, "/portal?done=connected");
}

/* ---------------------------------------------------------------- first entry to imp */

static const char *const PA_GROUPS[] = {"主城都市区", "渝东北三峡库区城镇群",
                                        "渝东南武陵山区城镇群"};
#define PA_NGROUPS (sizeof PA_GROUPS / sizeof PA_GROUPS[0])

json_t *page_district_groups(req *r, const char *selected)
{
    json_t *ds = svc_districts(r->db), *groups = json_array();
    for (size_t g = 0; g < PA_NGROUPS; g++)
        json_array_append_new(groups, json_pack("{s:s,s:[]}", "name", PA_GROUPS[g], "districts"));
    size_t i;
    json_t *d;
    json_array_foreach(ds, i, d)
    {
        const char *grp = json_string_value(json_object_get(d, "group"));
        const char *code = json_string_value(json_object_get(d, "code"));
        if (!code) continue;
        json_t *target = NULL;
        size_t j;
        json_t *x;
        json_array_foreach(groups, j, x)
        {
            if (pa_is(json_string_value(json_object_get(x, "name")), grp ? grp : "其他"))
                target = x;
        }
        if (!target) {
            target = json_pack("{s:s,s:[]}", "name", grp ? grp : "其他", "districts");
            json_array_append_new(groups, target);
        }
        json_array_append_new(json_object_get(target, "districts"),
                              json_pack("{s:s,s:O,s:b}", "code", code, "name",
                                        json_object_get(d, "name"), "selected",
                                        pa_is(selected, code)));
    }
    json_decref(ds);
    return groups;
}

/* The enterprise part of the form as the user typed it (booleans as true/false). */
static json_t *pa_typed_enterprise(req *r)
{
    static const char *const text[] = {
        "uscc", "name", "district_code", "address", "legal_representative", "manufacturing_type"};
    json_t *ent = json_object();
    char key[64];
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        snprintf(key, sizeof key, "enterprise.%s", text[i]);
        json_object_set_new(ent, text[i], json_string(pa_field(r, key)));
    }
    json_object_set_new(
        ent, "independent_legal_person",
        json_boolean(pa_checked(web_form(r, "enterprise.independent_legal_person"))));
    json_object_set_new(ent, "complete_machine",
                        json_boolean(pa_checked(web_form(r, "enterprise.complete_machine"))));
    return ent;
}

/* The registration's enterprise name and USCC as the confirm form's starting values. */
static json_t *pa_prefilled_enterprise(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *me = NULL, *acct = NULL;
    if (svc_me(&c, &me, &e) == 0) acct = json_object_get(me, "account");
    svc_err_clear(&e);
    const char *name = json_string_value(json_object_get(acct, "enterprise_name"));
    const char *uscc = json_string_value(json_object_get(acct, "uscc"));
    json_t *ent =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "uscc", uscc ? uscc : "", "name",
                  name ? name : "", "district_code", "", "address", "", "legal_representative", "",
                  "manufacturing_type", "", "independent_legal_person", 0, "complete_machine", 0);
    json_decref(me);
    return ent;
}

/* Renders imp_entry; `form` holds {legacy_username?, enterprise} (stolen), errors stolen. */
static int pa_imp_render(req *r, int status, json_t *form, json_t *errors, json_t *flash)
{
    const char *dc =
        json_string_value(json_object_get(json_object_get(form, "enterprise"), "district_code"));
    json_t *ctx = pa_ctx("进入智能制造信息管理平台", "portal", flash);
    json_object_set_new(ctx, "district_groups", page_district_groups(r, dc));
    json_object_set_new(ctx, "form", form);
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    return web_page(r, status, "imp_entry", ctx);
}

/* /imp is for an enterprise that connected imp and is not yet bound; others move on. */
static const char *pa_imp_elsewhere(req *r)
{
    if (!r->actor.imp_connected) return "/portal";
    if (r->actor.imp_bound || r->actor.enterprise_id > 0) return "/dashboard";
    return NULL;
}

int page_imp_entry(req *r)
{
    const char *away = pa_imp_elsewhere(r);
    if (away) return web_redirect(r, away);
    json_t *form =
        json_pack("{s:s,s:o}", "legacy_username", "", "enterprise", pa_prefilled_enterprise(r));
    return pa_imp_render(r, 200, form, NULL, NULL);
}

/* The status and flash of a refused first entry; field reasons go into `errors`. */
static int pa_imp_refused(req *r, svc_err *e, json_t *form, json_t *errors,
                          const char *field_for_message)
{
    int status = e->status ? e->status : 500;
    json_t *flash = NULL;
    if (e->fields) {
        json_object_update(errors, e->fields);
        flash =
            pa_flash("error", status == 400 ? "请按提示修改标出的项目后重新提交。" : e->message);
    } else if (field_for_message && status == 422) {
        json_object_set_new(errors, field_for_message, json_string(e->message));
    } else {
        flash = pa_flash("error", e->message[0] ? e->message : "操作未完成，请稍后重试");
    }
    svc_err_clear(e);
    return pa_imp_render(r, status, form, errors, flash);
}

int page_imp_bind(req *r)
{
    const char *away = pa_imp_elsewhere(r);
    if (away) return web_redirect(r, away);
    const char *user = web_form(r, "legacy_username"), *pw = web_form(r, "legacy_password");
    json_t *form = json_pack("{s:s,s:o}", "legacy_username", user ? user : "", "enterprise",
                             pa_prefilled_enterprise(r));
    json_t *errors = json_object();
    if (!user || !*user)
        json_object_set_new(errors, "legacy_username", json_string("请填写原平台用户名"));
    if (!pw || !*pw)
        json_object_set_new(errors, "legacy_password", json_string("请填写原平台密码"));
    if (json_object_size(errors)) return pa_imp_render(r, 400, form, errors, NULL);

    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_imp_bind_legacy(&c, user, pw, &out, &e) != 0)
        return pa_imp_refused(r, &e, form, errors, "legacy_password");
    json_decref(out);
    json_decref(form);
    json_decref(errors);
    return web_redirect(r, "/dashboard");
}

/* The service's input from the typed form: empty texts are left out so the service names them
 * as missing. New reference. */
static json_t *pa_confirm_input(const json_t *typed)
{
    json_t *in = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)typed, k, v)
    {
        if (json_is_string(v) && !*json_string_value(v)) continue;
        json_object_set(in, k, v);
    }
    return in;
}

int page_imp_confirm(req *r)
{
    const char *away = pa_imp_elsewhere(r);
    if (away) return web_redirect(r, away);
    json_t *typed = pa_typed_enterprise(r);
    json_t *in = pa_confirm_input(typed);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_imp_confirm_new(&c, in, &out, &e);
    json_decref(in);
    if (rc != 0) {
        json_t *form = json_pack("{s:s,s:o}", "legacy_username", "", "enterprise", typed);
        return pa_imp_refused(r, &e, form, json_object(), NULL);
    }
    json_decref(typed);
    json_decref(out);
    return web_redirect(r, "/dashboard");
}

/* ---------------------------------------------------------------- district: review queue */

static const char *pa_state_name(const char *state)
{
    wf_state s;
    return state && wf_state_parse(state, &s) == 0 ? wf_state_label(s) : state ? state : "";
}

static const char *pa_type_name(const char *type)
{
    if (pa_is(type, "workshop")) return "数字化车间";
    if (pa_is(type, "factory")) return "智能工厂";
    return type ? type : "";
}

/* The queue's rows are rendered as the list statement reads them (district_queue_row.html with
 * the row as a flat frame): a 150-row queue builds no tree per row. */
typedef struct pa_queue_rows {
    req *r;
    sbuf html;
    size_t n;
    /* Rows waiting for the district: its inbox's count (kept with them); -1 when the list was
     * cut at its limit and the count is not known. */
    int64_t submitted;
    int64_t valid_until; /* the first district deadline still ahead of a submitted row */
} pa_queue_rows;

static void pa_queue_row(const svc_app_summary *a, void *arg)
{
    pa_queue_rows *q = arg;
    static const char *const keys[] = {"id",           "enterprise_name", "uscc",   "project_name",
                                       "site_name",    "type_name",       "status", "status_name",
                                       "submitted_at", "overdue"};
    char id[24], at[WEB_SHORT_TIME_BUF];
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    const char *vals[] = {id,
                          a->enterprise_name,
                          a->uscc,
                          a->project_name,
                          a->site_name,
                          pa_type_name(a->type),
                          a->status,
                          pa_state_name(a->status),
                          web_short_time(a->submitted_at, at),
                          a->overdue ? "1" : ""};
    tpl_row row = {keys, vals, sizeof keys / sizeof keys[0]};
    tpl_render_row(q->r->cfg->templates, "district_queue_row", NULL, &row, &q->html);
    if (a->status && strcmp(a->status, "submitted") == 0) q->submitted++;
    q->n++;
    /* At that instant the row turns overdue: the rows rendered now are right until then. */
    if (!a->overdue && a->status && strcmp(a->status, "submitted") == 0 &&
        a->district_deadline > q->r->now && a->district_deadline < q->valid_until)
        q->valid_until = a->district_deadline;
}

/* A district's rows change only when its generation or the global one (batches) does
 * (web_fresh), or when a submitted row reaches its district deadline; until then the rows rendered
 * last are the rows (the page around them — who is logged in, the inbox, the countdown — is
 * rendered for each request). A district's few accounts open the queue again and again in the days
 * before the deadline; its rows are re-rendered only after a change. Kept per district and status
 * filter — room for the queues of all 41 districts, unfiltered and filtered, at up to ~80 KB each
 * (500 rows) — the least recently used replaced when a set of slots or the bytes are full:
 * memory stays bounded (8 MB of the 64, of which two concurrent argon2id hashes take 38). */
static web_kept_slot pa_queue_slots[256];
static web_kept pa_queue_kept = WEB_KEPT_INIT(pa_queue_slots, 256, 8 * 1024 * 1024, 256 * 1024);

/* The whole page as an account saw it last, per status filter: kept while the district's and
 * the global generations (its rows, the inbox's counts of the district's adjustments and change
 * requests, the batches), the current batch and who is logged in (the session's CSRF token, the
 * account's names) stand, until a row turns overdue and until the deadline's time left changes
 * (web_time_left_until). A district's account reloading its queue then costs two generation
 * reads and one copy of the page, instead of rendering the page around the rows and copying the
 * rows into it. It pays where the rows store alone does not: with a random district account per
 * request over all 41, the page around the rows (the inbox's counts, the layout, the copy of the
 * rows) costs a third of the queue's answer (docs/rendering.md). Room for the pages of ~100
 * accounts of 150 rows (8 MB). */
static web_kept_slot pa_queue_page_slots[128];
static web_kept pa_queue_page_kept =
    WEB_KEPT_INIT(pa_queue_page_slots, 128, 8 * 1024 * 1024, 256 * 1024);

/* The page's key and version; false when it cannot be kept (the database failed, a key too
 * long). `rows` gets the generations alone, which the rows are kept by. */
static bool pa_queue_page_version(req *r, const char *status, web_kept_version *rows,
                                  web_kept_version *kv, char key[WEB_KEPT_KEY])
{
    const svc_scope scopes[] = {svc_scope_district(r->actor.district_code), {SVC_SCOPE_GLOBAL, 0}};
    int n = snprintf(key, WEB_KEPT_KEY, "a%lld|%s", (long long)r->actor.id, status ? status : "");
    if (n < 0 || n >= WEB_KEPT_KEY) return false;
    const int64_t extra[] = {svc_current_batch_id(r->db, r->now), web_session_digest(r)};
    if (!web_fresh(r, scopes, 2, extra, 2, kv)) return false;
    *rows = (web_kept_version){.part = {kv->part[0], kv->part[1]}};
    return true;
}

/* The district's rows for `status` (NULL: all) into q, with until when they are right: kept
 * ones while they stand, else read and rendered (and kept). `known`: the generations when the
 * caller read them (NULL: read here). As svc_applications_each: 0, or -1 with e. */
static int pa_queue_fill(req *r, pa_queue_rows *q, const char *status,
                         const web_kept_version *known, svc_err *e)
{
    svc_ctx c = web_svc(r);
    const char *district = r->actor.district_code;
    const svc_scope scopes[] = {svc_scope_district(district), {SVC_SCOPE_GLOBAL, 0}};
    char key[WEB_KEPT_KEY];
    web_kept_version kv;
    bool versioned = known ? (kv = *known, true) : web_fresh(r, scopes, 2, NULL, 0, &kv);
    if (versioned) snprintf(key, sizeof key, "%s|%s", district, status ? status : "");
    q->valid_until = INT64_MAX;
    if (versioned &&
        web_kept_get(&pa_queue_kept, key, &kv, r->now, &q->html, &q->submitted, &q->valid_until))
        return 0;
    svc_app_filter f = {.status = status, .district_code = district, .limit = 500};
    if (svc_applications_each(&c, &f, pa_queue_row, q, NULL, e) != 0) return -1;
    if (q->n >= (size_t)f.limit) q->submitted = -1;
    if (versioned)
        web_kept_put(&pa_queue_kept, key, &kv, r->now, q->valid_until, q->html.data, q->html.len,
                     q->submitted);
    return 0;
}

int page_district_queue(req *r)
{
    const char *status = web_query(r, "status");
    if (status && !*status) status = NULL;
    web_kept_version v, pv;
    char pkey[WEB_KEPT_KEY];
    bool keep = pa_queue_page_version(r, status, &v, &pv, pkey);
    if (keep && web_kept_answer(r, &pa_queue_page_kept, pkey, &pv, "text/html; charset=utf-8"))
        return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *flash = NULL;
    pa_queue_rows q = {.r = r};
    sbuf_init(&q.html);
    /* A 150-row queue is ~75 KB: no regrowth, and under the mmap threshold (server.c), so the
     * buffer comes from the arena warm instead of from fresh zeroed pages. */
    sbuf_reserve(&q.html, 96 * 1024);
    if (pa_queue_fill(r, &q, status, keep ? &v : NULL, &e) != 0) {
        if (e.status != 400) {
            sbuf_free(&q.html);
            return pa_error_page(r, &e, "/district");
        }
        svc_err_clear(&e);
        flash = pa_flash("error", "没有这个状态，已显示全部申报。");
        status = NULL;
        keep = false; /* the message is for this request's filter */
        if (pa_queue_fill(r, &q, status, NULL, &e) != 0) {
            sbuf_free(&q.html);
            json_decref(flash);
            return pa_error_page(r, &e, "/district");
        }
    }
    json_t *ctx = pa_ctx("初审队列", "district_queue", flash);
    /* All rows, or the submitted ones: the rows counted what the inbox would count again. */
    bool counted = q.submitted >= 0 && (!status || strcmp(status, "submitted") == 0);
    json_object_set_new(ctx, "inbox",
                        counted ? svc_inbox_known(&c, "to_review", q.submitted) : svc_inbox(&c));
    json_t *d = svc_district(r->db, r->actor.district_code);
    json_object_set_new(ctx, "district",
                        d ? d : json_pack("{s:s,s:s}", "code", r->actor.district_code, "name", ""));
    json_t *b = web_current_batch(r);
    json_t *dl =
        b ? pa_milestone(r, "区县初审截止", json_object_get(b, "district_deadline"), "截止") : NULL;
    int64_t deadline = b ? web_epoch(json_object_get(b, "district_deadline")) : 0;
    int64_t until = deadline ? web_time_left_until(deadline, r->now) : INT64_MAX;
    if (q.valid_until < until) until = q.valid_until;
    json_decref(b);
    if (dl) json_object_set_new(ctx, "deadline", dl);
    json_object_set_new(ctx, "status", json_string(status ? status : ""));
    json_object_set_new(ctx, "has_rows", json_boolean(q.html.len > 0));
    static const char *const keys[] = {"rows_html"};
    const char *vals[] = {q.html.data ? q.html.data : ""};
    tpl_row row = {keys, vals, 1};
    int rc = web_page_row(r, 200, "district_queue", ctx, &row, q.html.len + 16 * 1024);
    sbuf_free(&q.html);
    if (keep && r->status == 200 && r->resp_body)
        web_kept_put(&pa_queue_page_kept, pkey, &pv, r->now, until, r->resp_body, r->resp_len, 0);
    return rc;
}
