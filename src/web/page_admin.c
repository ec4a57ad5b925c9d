/* page_admin — the admin's pages, one for each account operation of API.md's admin routes: the
 * accounts list (search, role and status filters, paging, and the registration queue's approve
 * and reject), one account (disable, enable, a new password, approve or reject), new accounts,
 * and the old platform's two imports as file uploads with a line-by-line report and a template
 * file each. Handlers are thin: read the post, call the service function the JSON API calls,
 * render. A refusal re-renders the form with what was typed (never a password) and the
 * service's reasons beside the fields; a success redirects (303) with a fixed message key,
 * except when the page made a password up: that is shown once, on the answer to the post. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "service/accounts.h"
#include "service/inbox.h"
#include "service/reference.h"
#include "web/pages.h"

/* Accounts on one page of the list. */
#define PD_PAGE_SIZE 50
/* Lines of an import's report shown one by one; past that only the lines with an error. */
#define PD_REPORT_LINES 1000

/* ---------------------------------------------------------------- shared pieces */

/* A page context with title, nav.current and flash (stolen; NULL for none). New reference. */
static json_t *pd_ctx(const char *title, const char *nav, json_t *flash)
{
    return json_pack("{s:s,s:{s:s},s:o}", "title", title, "nav", "current", nav, "flash",
                     flash ? flash : json_null());
}

static json_t *pd_flash(const char *kind, const char *msg)
{
    return json_pack("{s:s}", kind, msg);
}

static bool pd_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The form value, or "" (for re-filling inputs). */
static const char *pd_field(req *r, const char *name)
{
    const char *v = web_form(r, name);
    return v ? v : "";
}

/* Messages after a redirect (?done=…): fixed texts looked up by key, never the query echoed. */
static json_t *pd_done_flash(req *r)
{
    static const char *const map[][2] = {
        {"approved", "已通过该注册申请，申请人现在可以登录。"},
        {"rejected", "已驳回该注册申请，申请人登录时会看到驳回理由。"},
        {"created", "账号已创建，可以登录。"},
        {"disabled", "账号已停用，该账号的登录已全部退出。"},
        {"enabled", "账号已启用，可以重新登录。"},
        {"password", "密码已重置，该账号的登录已全部退出，请将新密码告知本人。"},
    };
    const char *d = web_query(r, "done");
    for (size_t i = 0; d && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(d, map[i][0]) == 0) return pd_flash("ok", map[i][1]);
    return NULL;
}

/* A friendly error page from a service refusal (clears it). */
static int pd_error_page(req *r, svc_err *e, const char *back)
{
    int status = e->status ? e->status : 500;
    const char *title = status == 404 ? "没有找到" : status == 403 ? "无权访问" : "操作未完成";
    json_t *ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", title, "status", status, "message",
                            e->message[0] ? e->message : "请求未能完成，请稍后再试。", "back_href",
                            back ? back : "/admin/accounts");
    svc_err_clear(e);
    return web_page(r, status, "error", ctx);
}

static const char *pd_name(const char *const (*map)[2], size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(code, map[i][0]) == 0) return map[i][1];
    return "";
}

static const char *pd_status_name(const char *s)
{
    static const char *const map[][2] = {
        {"pending", "待审核"}, {"active", "正常"}, {"rejected", "已驳回"}, {"disabled", "已停用"}};
    return pd_name(map, sizeof map / sizeof map[0], s);
}

static const char *pd_role_name(const char *s)
{
    static const char *const map[][2] = {{"enterprise", "企业"},
                                         {"district", "区县经信部门"},
                                         {"expert", "专家"},
                                         {"commission", "市经济信息委"},
                                         {"admin", "平台管理员"}};
    return pd_name(map, sizeof map / sizeof map[0], s);
}

/* code → name of the 41 districts (a new object). */
static json_t *pd_district_names(req *r)
{
    json_t *ds = svc_districts(r->db), *names = json_object(), *d;
    size_t i;
    json_array_foreach(ds, i, d)
    {
        const char *code = json_string_value(json_object_get(d, "code"));
        if (code) json_object_set(names, code, json_object_get(d, "name"));
    }
    json_decref(ds);
    return names;
}

/* "2027 年无节假日数据，工作日按周一至周五计算。" for the years from `from` to now without
 * holiday data, or NULL when every year is known. Caller frees. */
static char *pd_calendar_note(req *r, int from_year)
{
    cal_table t;
    svc_holidays_load(r->db, &t);
    int to = cal_date_of_epoch(r->now).y;
    sbuf years;
    sbuf_init(&years);
    for (int y = from_year; y <= to && y > 0; y++) {
        bool known = true;
        cal_is_working_day((cal_date){y, 1, 1}, &t, &known);
        if (known) continue;
        char buf[16];
        snprintf(buf, sizeof buf, "%s%d", years.len ? "、" : "", y);
        sbuf_puts(&years, buf);
    }
    free((void *)t.days);
    if (!years.len) {
        sbuf_free(&years);
        return NULL;
    }
    char *note = xasprintf("%s 年无节假日数据，工作日按周一至周五计算。", years.data);
    sbuf_free(&years);
    return note;
}

/* Adds what a person reads to an account of the API: the Chinese names of its role and status,
 * its unit (the enterprise, the district's name, the expert's employer) and the time it was
 * made. Returns the year its waiting time was counted without holiday data, or 0. */
static int pd_decorate(json_t *a, const json_t *districts)
{
    const char *role = json_string_value(json_object_get(a, "role"));
    const char *status = json_string_value(json_object_get(a, "status"));
    json_object_set_new(a, "role_name", json_string(pd_role_name(role)));
    json_object_set_new(a, "status_name", json_string(pd_status_name(status)));
    const char *dc = json_string_value(json_object_get(a, "district_code"));
    if (dc) {
        const char *name = json_string_value(json_object_get(districts, dc));
        json_object_set_new(a, "district_name", json_string(name ? name : "（已不在区县列表中）"));
    }
    int64_t t = web_epoch(json_object_get(a, "created_at"));
    json_object_set_new(a, "created_at", web_when_json(json_object_get(a, "created_at")));
    if (json_is_false(json_object_get(a, "age_calendar_known")))
        return t ? cal_date_of_epoch(t).y : 0;
    return 0;
}

/* ---------------------------------------------------------------- the accounts list */

/* Appends "&key=value" (or "?key=value" first) with the value percent-encoded. */
static void pd_query_add(sbuf *b, const char *key, const char *v)
{
    if (!v || !*v) return;
    sbuf_puts(b, b->len ? "&" : "?");
    sbuf_puts(b, key);
    sbuf_puts(b, "=");
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-_.~", *p))
            sbuf_append(b, (const char *)p, 1);
        else
            sbuf_printf(b, "%%%02X", *p);
    }
}

/* "/admin/accounts?q=…&role=…&status=…&page=N" for the list as filtered; status "" (all) is
 * written as such, since an absent status means the registration queue. */
static json_t *pd_list_href(const acct_filter *f, int64_t page)
{
    sbuf b;
    sbuf_init(&b);
    pd_query_add(&b, "q", f->q);
    pd_query_add(&b, "role", f->role);
    if (f->status && *f->status)
        pd_query_add(&b, "status", f->status);
    else
        sbuf_puts(&b, b.len ? "&status=" : "?status=");
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)page);
    if (page > 1) pd_query_add(&b, "page", n);
    json_t *href = json_sprintf("/admin/accounts%s", b.data ? b.data : "");
    sbuf_free(&b);
    return href;
}

/* The page number of the query: a whole number ≥ 1, else 1. */
static int64_t pd_page_number(req *r)
{
    const char *v = web_query(r, "page");
    if (!v || !*v || strlen(v) > 9 || strspn(v, "0123456789") != strlen(v)) return 1;
    long long n = atoll(v);
    return n >= 1 ? n : 1;
}

/* The list as the query filters it; `reject_id` names the row whose reject failed, with
 * `reject_error` beside its reason field (re-filled from the post). The filters of a post are
 * the queue's (no query). */
static int pd_list_render(req *r, int code, int64_t reject_id, const char *reject_error,
                          json_t *flash)
{
    bool is_get = pd_is(r->method, "GET");
    const char *status = is_get ? web_query(r, "status") : NULL;
    acct_filter f = {.status = status ? status : "pending",
                     .role = is_get ? web_query(r, "role") : NULL,
                     .q = is_get ? web_query(r, "q") : NULL,
                     .limit = PD_PAGE_SIZE,
                     .newest_first = !pd_is(status ? status : "pending", "pending")};
    int64_t page = is_get ? pd_page_number(r) : 1;
    f.offset = (page - 1) * PD_PAGE_SIZE;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL, *errors = json_object();
    if (svc_account_search(&c, &f, &out, &e) != 0) {
        if (e.status != 400 || !e.fields) {
            json_decref(errors);
            json_decref(flash);
            return pd_error_page(r, &e, "/admin/accounts");
        }
        /* A filter the list does not know: the reason beside it, the other filters kept. */
        json_object_update(errors, e.fields);
        if (json_object_get(e.fields, "status")) f.status = "";
        if (json_object_get(e.fields, "role")) f.role = NULL;
        if (json_object_get(e.fields, "q")) f.q = NULL;
        svc_err_clear(&e);
        code = 400;
        if (!flash) flash = pd_flash("error", "筛选条件有误，请按提示修改。");
        if (svc_account_search(&c, &f, &out, &e) != 0) {
            json_decref(errors);
            json_decref(flash);
            return pd_error_page(r, &e, "/admin/accounts");
        }
    }
    json_t *items = json_incref(json_object_get(out, "items"));
    int64_t total = json_integer_value(json_object_get(out, "total"));
    json_decref(out);
    json_t *districts = pd_district_names(r), *a;
    int unknown_from = 0;
    size_t i;
    json_array_foreach(items, i, a)
    {
        int y = pd_decorate(a, districts);
        if (y && (!unknown_from || y < unknown_from)) unknown_from = y;
        if (json_integer_value(json_object_get(a, "id")) != reject_id) continue;
        json_object_set_new(a, "reject_error", json_string(reject_error));
        json_object_set_new(a, "reject_reason", json_string(pd_field(r, "reason")));
    }
    json_decref(districts);
    int64_t pages = total ? (total + PD_PAGE_SIZE - 1) / PD_PAGE_SIZE : 1;
    json_t *ctx = pd_ctx("账号管理", "admin_accounts", flash);
    svc_ctx ic = web_svc(r);
    json_object_set_new(ctx, "inbox", svc_inbox(&ic));
    /* What the filter form shows: the typed search text even when it was refused. */
    const char *typed_q = is_get ? web_query(r, "q") : NULL;
    json_object_set_new(ctx, "filter",
                        json_pack("{s:s,s:s,s:s}", "q", typed_q ? typed_q : "", "role",
                                  f.role ? f.role : "", "status", f.status ? f.status : ""));
    json_object_set_new(ctx, "errors", errors);
    json_object_set_new(ctx, "accounts", items);
    json_object_set_new(ctx, "total", json_integer(total));
    json_object_set_new(ctx, "page", json_integer(page));
    json_object_set_new(ctx, "pages", json_integer(pages));
    if (page > 1) json_object_set_new(ctx, "prev_href", pd_list_href(&f, page - 1));
    if (page < pages) json_object_set_new(ctx, "next_href", pd_list_href(&f, page + 1));
    char *note = unknown_from ? pd_calendar_note(r, unknown_from) : NULL;
    if (note) json_object_set_new(ctx, "calendar_note", json_string(note));
    free(note);
    return web_page(r, code, "admin_accounts", ctx);
}

int page_admin_accounts(req *r)
{
    return pd_list_render(r, 200, 0, NULL, pd_done_flash(r));
}

/* ---------------------------------------------------------------- one account */

/* The account page: `acct` the account of the API (borrowed), `new_password` one the page made
 * (shown once), `errors` the reasons of a refused post beside their fields (stolen). */
static int pd_account_render(req *r, int code, int64_t id, json_t *flash, const char *new_password,
                             json_t *errors)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *acct = NULL;
    if (svc_account_get(&c, id, &acct, &e) != 0) {
        json_decref(flash);
        json_decref(errors);
        return pd_error_page(r, &e, "/admin/accounts");
    }
    json_t *districts = pd_district_names(r);
    pd_decorate(acct, districts);
    json_decref(districts);
    json_t *ctx = pd_ctx("账号详情", "admin_accounts", flash);
    json_object_set_new(ctx, "acct", acct);
    json_object_set_new(ctx, "self", json_boolean(id == r->actor.id));
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    if (new_password) {
        json_object_set_new(ctx, "new_password", json_string(new_password));
        /* Made with the account, or set later. */
        json_object_set_new(
            ctx, "password_label",
            json_string(pd_is(r->route->pattern, "/admin/accounts/new") ? "初始密码" : "新密码"));
    }
    json_object_set_new(ctx, "reject_reason", json_string(pd_field(r, "reason")));
    return web_page(r, code, "admin_account", ctx);
}

int page_admin_account(req *r)
{
    int64_t id = web_param_id(r, 0);
    if (!id) return web_fail(r, 404, "not_found", "账号不存在");
    return pd_account_render(r, 200, id, pd_done_flash(r), NULL, NULL);
}

/* Where a post about one account goes on: the account's page with a message key. */
static int pd_account_done(req *r, int64_t id, const char *done)
{
    char *to = xasprintf("/admin/accounts/%lld?done=%s", (long long)id, done);
    int rc = web_redirect(r, to);
    free(to);
    return rc;
}

/* A refused post about one account: its page again with the message, or the error page. */
static int pd_account_refused(req *r, int64_t id, svc_err *e)
{
    if (e->status == 404 || e->status >= 500 || e->status == 0)
        return pd_error_page(r, e, "/admin/accounts");
    int code = e->status;
    json_t *errors = e->fields ? json_incref(e->fields) : NULL;
    json_t *flash = pd_flash(
        "error", e->fields && code == 400 ? "请按提示修改标出的项目后重新提交。" : e->message);
    svc_err_clear(e);
    return pd_account_render(r, code, id, flash, NULL, errors);
}

int page_admin_account_decide(req *r)
{
    int64_t id = web_param_id(r, 0);
    const char *decision = web_form(r, "decision"), *reason = web_form(r, "reason");
    if (!id) return web_fail(r, 404, "not_found", "账号不存在");
    /* Posted from the account's page (back=account) it answers there, else in the queue. */
    bool from_account = pd_is(web_form(r, "back"), "account");
    bool approve = pd_is(decision, "approve");
    if (!approve && !pd_is(decision, "reject")) {
        json_t *flash = pd_flash("error", "请选择“通过”或“驳回”。");
        return from_account ? pd_account_render(r, 400, id, flash, NULL, NULL)
                            : pd_list_render(r, 400, 0, NULL, flash);
    }
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = approve ? svc_account_approve(&c, id, &out, &e)
                     : svc_account_reject(&c, id, reason, &out, &e);
    json_decref(out);
    if (rc == 0) {
        if (from_account) return pd_account_done(r, id, approve ? "approved" : "rejected");
        return web_redirect(r, approve ? "/admin/accounts?done=approved"
                                       : "/admin/accounts?done=rejected");
    }
    if (from_account) return pd_account_refused(r, id, &e);
    json_t *why = e.fields ? json_object_get(e.fields, "reason") : NULL;
    if (json_is_string(why)) {
        char *msg = xstrdup(json_string_value(why));
        int status = e.status ? e.status : 400;
        svc_err_clear(&e);
        int ret = pd_list_render(r, status, id, msg,
                                 pd_flash("error", "驳回注册申请须填写理由，申请人登录时会看到。"));
        free(msg);
        return ret;
    }
    if (e.status == 404 || e.status >= 500) return pd_error_page(r, &e, "/admin/accounts");
    int status = e.status ? e.status : 409;
    json_t *flash = pd_flash("error", e.message);
    svc_err_clear(&e);
    return pd_list_render(r, status, 0, NULL, flash);
}

typedef int (*pd_action)(svc_ctx *c, int64_t id, json_t **out, svc_err *e);

static int pd_account_act(req *r, pd_action fn, const char *done)
{
    int64_t id = web_param_id(r, 0);
    if (!id) return web_fail(r, 404, "not_found", "账号不存在");
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (fn(&c, id, &out, &e) != 0) return pd_account_refused(r, id, &e);
    json_decref(out);
    return pd_account_done(r, id, done);
}

int page_admin_account_disable(req *r)
{
    return pd_account_act(r, svc_account_disable, "disabled");
}

int page_admin_account_enable(req *r)
{
    return pd_account_act(r, svc_account_enable, "enabled");
}

/* A password the admin can pass on: 12 characters from letters and digits that cannot be
 * mistaken for one another (no 0 O 1 l I), at least one letter and one digit, as the policy
 * asks; libsodium's generator, as for session tokens. */
static void pd_make_password(char out[13])
{
    static const char letters[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    static const char digits[] = "23456789";
    static const char all[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < 12; i++)
        out[i] = all[randombytes_uniform(sizeof all - 1)];
    /* One letter and one digit at two random places of the twelve. */
    uint32_t at = randombytes_uniform(12), dt = (at + 1 + randombytes_uniform(11)) % 12;
    out[at] = letters[randombytes_uniform(sizeof letters - 1)];
    out[dt] = digits[randombytes_uniform(sizeof digits - 1)];
    out[12] = '\0';
}

int page_admin_account_password(req *r)
{
    int64_t id = web_param_id(r, 0);
    if (!id) return web_fail(r, 404, "not_found", "账号不存在");
    const char *typed = web_form(r, "new_password");
    char made[13] = "";
    bool make = !typed || !*typed;
    if (make) pd_make_password(made);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_account_reset_password(&c, id, make ? made : typed, &out, &e) != 0)
        return pd_account_refused(r, id, &e);
    json_decref(out);
    if (!make) return pd_account_done(r, id, "password");
    int rc = pd_account_render(
        r, 200, id, pd_flash("ok", "密码已重置，该账号的登录已全部退出。新密码只显示这一次。"),
        made, NULL);
    sodium_memzero(made, sizeof made);
    return rc;
}

/* ---------------------------------------------------------------- a new account */

static const char *const PD_NEW_FIELDS[] = {"role",          "username",        "display_name",
                                            "phone",         "email",           "district_code",
                                            "employer_uscc", "enterprise_name", "uscc"};
#define PD_NEW_NFIELDS (sizeof PD_NEW_FIELDS / sizeof PD_NEW_FIELDS[0])

static int pd_new_render(req *r, int code, json_t *errors, json_t *flash)
{
    json_t *form = json_object();
    for (size_t i = 0; i < PD_NEW_NFIELDS; i++)
        json_object_set_new(form, PD_NEW_FIELDS[i], json_string(pd_field(r, PD_NEW_FIELDS[i])));
    /* A district account is what the admin makes most: it is chosen when nothing is yet. */
    if (!*pd_field(r, "role")) json_object_set_new(form, "role", json_string("district"));
    json_t *ctx = pd_ctx("新建账号", "admin_accounts", flash);
    json_object_set_new(ctx, "district_groups",
                        page_district_groups(r, pd_field(r, "district_code")));
    json_object_set_new(ctx, "form", form);
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    return web_page(r, code, "admin_account_new", ctx);
}

int page_admin_account_new(req *r)
{
    return pd_new_render(r, 200, NULL, NULL);
}

int page_admin_account_create(req *r)
{
    const char *role = web_form(r, "role"), *typed = web_form(r, "password");
    char made[13] = "";
    bool make = !typed || !*typed;
    if (make) pd_make_password(made);
    /* Each role's own part of the form counts; what was typed in another role's part stays in
     * the form but is not sent (without JavaScript every part is shown). */
    acct_input in = {
        .username = web_form(r, "username"),
        .password = make ? made : typed,
        .display_name = web_form(r, "display_name"),
        .phone = web_form(r, "phone"),
        .email = web_form(r, "email"),
        .role = role ? role : "",
        .district_code = pd_is(role, "district") ? web_form(r, "district_code") : NULL,
        .employer_uscc = pd_is(role, "expert") ? web_form(r, "employer_uscc") : NULL,
        .enterprise_name = pd_is(role, "enterprise") ? web_form(r, "enterprise_name") : NULL,
        .uscc = pd_is(role, "enterprise") ? web_form(r, "uscc") : NULL,
    };
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_account_create(&c, &in, &out, &e) != 0) {
        sodium_memzero(made, sizeof made);
        if (e.status >= 500 || e.status == 403) return pd_error_page(r, &e, "/admin/accounts/new");
        json_t *errors = e.fields ? json_incref(e.fields) : json_object();
        /* The service names the role with its codes: the page names it as the form does. */
        if (json_object_get(errors, "role"))
            json_object_set_new(errors, "role", json_string("请选择账号类型"));
        const char *msg = e.status == 400 ? "请按提示修改标出的项目后重新提交。" : e.message;
        json_t *flash = pd_flash("error", msg);
        int code = e.status ? e.status : 400;
        svc_err_clear(&e);
        return pd_new_render(r, code, errors, flash);
    }
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    if (!make) return pd_account_done(r, id, "created");
    int rc = pd_account_render(
        r, 200, id, pd_flash("ok", "账号已创建。初始密码只显示这一次，请告知本人。"), made, NULL);
    sodium_memzero(made, sizeof made);
    return rc;
}

/* ---------------------------------------------------------------- the old platform's imports */

typedef int (*pd_import_fn)(svc_ctx *c, const char *csv, size_t len, json_t **out, svc_err *e);

/* One import: its path segment, what its report calls the key column, the header, the service. */
typedef struct pd_import {
    const char *kind; /* accounts | certificates */
    const char *title;
    const char *header;
    pd_import_fn fn;
} pd_import;

static const pd_import PD_IMPORTS[] = {
    {"accounts", "原平台账号", "username,password_hash,uscc,enterprise_name,district_code",
     svc_legacy_import_accounts},
    {"certificates", "原平台证书",
     "certificate_no,year,type,uscc,enterprise_name,site_name,included_workshops",
     svc_legacy_import_certificates},
};

static const char *pd_result_name(const char *result)
{
    static const char *const map[][2] = {
        {"imported", "已导入"}, {"skipped", "已存在，未改动"}, {"error", "未导入"}};
    return pd_name(map, sizeof map / sizeof map[0], result);
}

/* The report of an import's answer (borrowed): counts, and its lines for the table — all of
 * them up to PD_REPORT_LINES, else only those with an error. */
static json_t *pd_report(const pd_import *imp, const json_t *out)
{
    const json_t *lines = json_object_get(out, "lines");
    size_t n = json_array_size(lines), nerr = json_array_size(json_object_get(out, "errors"));
    bool all = n <= PD_REPORT_LINES;
    json_t *rows = json_array(), *l;
    size_t i;
    json_array_foreach(lines, i, l)
    {
        const char *result = json_string_value(json_object_get(l, "result"));
        if (!all && !pd_is(result, "error")) continue;
        if (json_array_size(rows) >= PD_REPORT_LINES) break;
        json_t *row = json_deep_copy(l);
        json_object_set_new(row, "result_name", json_string(pd_result_name(result)));
        json_array_append_new(rows, row);
    }
    return json_pack("{s:s,s:s,s:O,s:O,s:I,s:I,s:o,s:b}", "kind", imp->kind, "title", imp->title,
                     "imported", json_object_get(out, "imported"), "skipped",
                     json_object_get(out, "skipped"), "errors", (json_int_t)nerr, "lines",
                     (json_int_t)n, "rows", rows, "all_rows", all);
}

static int pd_imports_render(req *r, int code, json_t *report, json_t *errors, json_t *flash)
{
    json_t *ctx = pd_ctx("导入原平台数据", "admin_imports", flash);
    if (report) json_object_set_new(ctx, "report", report);
    json_object_set_new(ctx, "errors", errors ? errors : json_object());
    json_object_set_new(ctx, "max_mb", json_integer((json_int_t)(r->cfg->max_json >> 20)));
    return web_page(r, code, "admin_imports", ctx);
}

int page_admin_imports(req *r)
{
    return pd_imports_render(r, 200, NULL, NULL, NULL);
}

/* The uploaded file's bytes (malloc'd, NUL-terminated) into *csv, or NULL with the reason. */
static const char *pd_read_upload(req *r, char **csv, size_t *len)
{
    *csv = NULL;
    *len = 0;
    if (!r->upload.file || !pd_is(r->upload.field, "file") || !r->upload.size)
        return r->upload.file && r->upload.size == 0 && pd_is(r->upload.field, "file")
                   ? "所选文件是空的，请选择填好的 CSV 文件"
                   : "请选择要导入的 CSV 文件";
    if (r->upload.size > r->cfg->max_json) return "文件过大";
    char *buf = xmalloc(r->upload.size + 1);
    rewind(r->upload.file);
    if (fread(buf, 1, r->upload.size, r->upload.file) != r->upload.size) {
        free(buf);
        return "文件读取失败，请重新选择后再试";
    }
    buf[r->upload.size] = '\0';
    *csv = buf;
    *len = r->upload.size;
    return NULL;
}

static int pd_import_post(req *r, const pd_import *imp)
{
    char field[32];
    snprintf(field, sizeof field, "file_%s", imp->kind);
    char *csv = NULL;
    size_t len = 0;
    const char *why = pd_read_upload(r, &csv, &len);
    if (why) {
        json_t *errors = json_object();
        if (pd_is(why, "文件过大"))
            json_object_set_new(errors, field,
                                json_sprintf("CSV 文件不超过 %zu MB", r->cfg->max_json >> 20));
        else
            json_object_set_new(errors, field, json_string(why));
        return pd_imports_render(r, 400, NULL, errors,
                                 pd_flash("error", "没有导入：请按提示选择文件后重新提交。"));
    }
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = imp->fn(&c, csv, len, &out, &e);
    free(csv);
    if (rc != 0) {
        if (e.status != 400) return pd_error_page(r, &e, "/admin/imports");
        /* The whole file was refused (its encoding, its header): nothing was imported. */
        json_t *errors = json_pack("{s:s}", field, e.message);
        svc_err_clear(&e);
        return pd_imports_render(r, 400, NULL, errors,
                                 pd_flash("error", "没有导入：文件的格式不对，请按提示修改。"));
    }
    json_t *report = pd_report(imp, out);
    json_int_t nerr = json_integer_value(json_object_get(report, "errors"));
    char *msg =
        xasprintf("%s导入完成：导入 %lld 行，已存在未改动 %lld 行，有错误未导入 %lld 行。",
                  imp->title, (long long)json_integer_value(json_object_get(out, "imported")),
                  (long long)json_integer_value(json_object_get(out, "skipped")), (long long)nerr);
    json_decref(out);
    json_t *flash = pd_flash(nerr ? "error" : "ok", msg);
    free(msg);
    return pd_imports_render(r, 200, report, NULL, flash);
}

int page_admin_import_accounts(req *r)
{
    return pd_import_post(r, &PD_IMPORTS[0]);
}

int page_admin_import_certificates(req *r)
{
    return pd_import_post(r, &PD_IMPORTS[1]);
}

/* /admin/imports/{accounts|certificates}.csv: the header the import expects, as a file to fill
 * in. UTF-8 with a byte order mark, so that Excel opens it as UTF-8 (the import skips the mark). */
int page_admin_import_template(req *r)
{
    const char *file = web_param(r, 0);
    for (size_t i = 0; i < sizeof PD_IMPORTS / sizeof PD_IMPORTS[0]; i++) {
        char name[48];
        snprintf(name, sizeof name, "%s.csv", PD_IMPORTS[i].kind);
        if (!pd_is(file, name)) continue;
        char *body = xasprintf("\xEF\xBB\xBF%s\r\n", PD_IMPORTS[i].header);
        free(r->disposition);
        r->disposition = xasprintf("attachment; filename=\"legacy-%s.csv\"", PD_IMPORTS[i].kind);
        return web_bytes(r, 200, "text/csv; charset=utf-8", body, strlen(body));
    }
    return web_fail(r, 404, "not_found", "没有这个模板文件");
}
