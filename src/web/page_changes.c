/* page_changes — district or credit-code change requests in the browser: the enterprise's form
 * and its request's card on the profile page (the district and the USCC, once set, are shown
 * as text there: a change is a request, never an input that then fails), and the reviewers'
 * page (/enterprise-changes) where the districts concerned and the admin approve or reject.
 * Posts call the same service (service/ent_change) as the API. A person reads district names,
 * Chinese states and short times, never codes, field names or RFC 3339 text. */
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "service/ent_change.h"
#include "service/inbox.h"
#include "service/reference.h"
#include "web/handlers.h"
#include "web/pages.h"

static bool pg_is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *pg_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "2026-05-04 10:20" of an RFC 3339 member, or NULL. */
static json_t *pg_time(const json_t *o, const char *key)
{
    int64_t t = 0;
    const char *s = pg_str(o, key);
    if (!s || cal_parse_rfc3339(s, &t) != 0 || !t) return json_null();
    char buf[WEB_SHORT_TIME_BUF];
    return json_string(web_short_time(t, buf));
}

static const char *pg_status_name(const char *s)
{
    static const char *const map[][2] = {{"pending", "待审核"},
                                         {"approved", "已通过"},
                                         {"rejected", "未通过"},
                                         {"withdrawn", "已撤回"}};
    for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i][0]) == 0) return map[i][1];
    return "";
}

/* Where a request stands, in a sentence: "待原区县（渝北区）审核 · 新区县（万州区）已同意". */
static char *pg_progress(const json_t *ch)
{
    const char *st = pg_str(ch, "status"), *from = pg_str(ch, "from_district_name");
    const char *to = pg_str(ch, "to_district_name");
    bool from_ok = json_is_string(json_object_get(ch, "from_approved_at"));
    bool to_ok = json_is_string(json_object_get(ch, "to_approved_at"));
    if (pg_is(st, "pending")) {
        if (!from) return xstrdup("待管理员审核");
        if (!pg_str(ch, "to_district")) return xasprintf("待所在区县（%s）审核", from);
        return xasprintf("%s原区县（%s）%s · %s新区县（%s）%s", from_ok ? "" : "待", from,
                         from_ok ? "已同意" : "审核", to_ok ? "" : "待", to ? to : "",
                         to_ok ? "已同意" : "审核");
    }
    if (pg_is(st, "withdrawn")) return xstrdup("企业已撤回该申请");
    const char *role = pg_str(ch, "decided_by_role"), *dc = pg_str(ch, "decided_by_district");
    bool admin = pg_is(role, "admin"), by_from = pg_is(dc, pg_str(ch, "from_district"));
    if (pg_is(st, "approved"))
        return admin ? xstrdup("平台管理员已同意，变更已生效")
               : to  ? xstrdup("原、新区县均已同意，变更已生效")
                    : xasprintf("所在区县（%s）已同意，变更已生效", from ? from : "");
    if (admin) return xstrdup("平台管理员不同意");
    const char *who = by_from ? (to ? "原区县" : "所在区县") : "新区县";
    const char *name = by_from ? from : to;
    return xasprintf("%s（%s）不同意", who, name ? name : "");
}

/* A request as a person reads it: names, Chinese state, short times, the progress sentence. */
static void pg_decorate(json_t *ch)
{
    const char *st = pg_str(ch, "status");
    json_object_set_new(ch, "status_name", json_string(pg_status_name(st)));
    json_object_set_new(ch, "pending", json_boolean(pg_is(st, "pending")));
    char *p = pg_progress(ch);
    json_object_set_new(ch, "progress", json_string(p));
    free(p);
    json_object_set_new(ch, "created_text", pg_time(ch, "created_at"));
    json_object_set_new(ch, "decided_text", pg_time(ch, "decided_at"));
    json_object_set_new(ch, "moves_district", json_boolean(pg_str(ch, "to_district") != NULL));
    json_object_set_new(ch, "moves_uscc", json_boolean(pg_str(ch, "to_uscc") != NULL));
}

/* The 41 units by 一区两群 for a select, `selected` marked. */
static json_t *pg_district_groups(req *r, const char *selected, const char *skip)
{
    json_t *ds = svc_districts(r->db), *groups = json_array(), *grp = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(ds, i, d)
    {
        const char *g = pg_str(d, "group"), *code = pg_str(d, "code");
        if (!g || !code || pg_is(code, skip)) continue;
        if (!grp || !pg_is(pg_str(grp, "name"), g)) {
            grp = NULL;
            size_t j;
            json_t *x;
            json_array_foreach(groups, j, x) if (pg_is(pg_str(x, "name"), g)) grp = x;
            if (!grp) {
                grp = json_pack("{s:s,s:[]}", "name", g, "districts");
                json_array_append_new(groups, grp);
            }
        }
        json_array_append_new(json_object_get(grp, "districts"),
                              json_pack("{s:s,s:O,s:b}", "code", code, "name",
                                        json_object_get(d, "name"), "selected",
                                        pg_is(selected, code)));
    }
    json_decref(ds);
    return groups;
}

/* ---------------------------------------------------------------- the profile page */

void page_changes_profile(req *r, const json_t *saved, json_t *ctx, const json_t *typed,
                          const json_t *errors)
{
    const char *dc = pg_str(saved, "district_code"), *uscc = pg_str(saved, "uscc");
    bool has_dc = dc && *dc, has_uscc = uscc && *uscc;
    json_t *d = has_dc ? svc_district(r->db, dc) : NULL;
    json_object_set_new(ctx, "locked",
                        json_pack("{s:b,s:s?,s:b,s:s?}", "district_code", has_dc, "district_name",
                                  d ? pg_str(d, "name") : dc, "uscc", has_uscc, "uscc_value",
                                  has_uscc ? uscc : NULL));
    json_decref(d);
    if (!has_dc && !has_uscc) return;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *list = NULL, *latest = NULL;
    if (svc_ent_change_list(&c, NULL, 1, 0, &list, &e) == 0)
        latest = json_array_get(json_object_get(list, "items"), 0);
    svc_err_clear(&e);
    if (latest) {
        pg_decorate(latest);
        json_object_set(ctx, "change", latest);
    }
    bool pending = latest && pg_is(pg_str(latest, "status"), "pending");
    json_decref(list);
    if (pending) return;
    const char *want = typed ? pg_str(typed, "district_code") : NULL;
    json_t *errs = errors ? json_incref((json_t *)errors) : json_object();
    json_object_set_new(
        ctx, "change_form",
        json_pack("{s:o,s:s,s:s,s:o}", "district_groups", pg_district_groups(r, want, dc), "uscc",
                  typed && pg_str(typed, "uscc") ? pg_str(typed, "uscc") : "", "reason",
                  typed && pg_str(typed, "reason") ? pg_str(typed, "reason") : "", "errors", errs));
}

/* The posted form as the API's body: empty inputs are left out (unchanged). */
static json_t *pg_change_body(req *r)
{
    json_t *in = json_object();
    static const char *const names[] = {"district_code", "uscc", "reason"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = web_form(r, names[i]);
        if (v && v[strspn(v, " \t\r\n")]) json_object_set_new(in, names[i], json_string(v));
    }
    return in;
}

int page_change_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *in = pg_change_body(r), *out = NULL;
    int rc = svc_ent_change_create(&c, in, &out, &e);
    json_decref(out);
    if (rc == 0) {
        json_decref(in);
        return web_redirect(r, "/profile?done=change_requested");
    }
    json_t *errors = e.fields ? json_incref(e.fields) : json_object();
    if (e.status == 409 && pg_is(e.code, "duplicate") && json_object_get(in, "uscc") &&
        !json_object_get(errors, "uscc") && !strstr(e.message, "待审核"))
        json_object_set_new(errors, "uscc", json_string(e.message));
    /* Reasons a person can act on; field names never reach the page. */
    json_t *flash = json_pack(
        "{s:s}", "error", e.status == 400 ? "变更申请未提交：请按提示修改标红的内容。" : e.message);
    int status = e.status ? e.status : 500;
    svc_err_clear(&e);
    rc = page_profile_view(r, status, flash, in, errors);
    json_decref(in);
    json_decref(errors);
    return rc;
}

int page_change_withdraw(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_ent_change_withdraw(&c, web_param_id(r, 0), &out, &e);
    json_decref(out);
    if (rc == 0) return web_redirect(r, "/profile?done=change_withdrawn");
    json_t *flash =
        json_pack("{s:s}", "error", e.status == 404 ? "没有找到这个变更申请。" : e.message);
    int status = e.status ? e.status : 500;
    svc_err_clear(&e);
    return page_profile_view(r, status, flash, NULL, NULL);
}

/* ---------------------------------------------------------------- the reviewers' page */

static const char *const PG_FILTERS[][2] = {
    {"", "全部"},           {"pending", "待审核"},   {"approved", "已通过"},
    {"rejected", "未通过"}, {"withdrawn", "已撤回"},
};

static json_t *pg_done_flash(req *r)
{
    static const char *const map[][2] = {
        {"approved", "已同意，变更已生效：企业信息和草稿申报已改为新的区县或信用代码。"},
        {"approved_side", "已同意，正等待另一区县审核；双方都同意后变更生效。"},
        {"rejected", "已驳回该变更申请，企业信息不变。"},
    };
    const char *d = web_query(r, "done");
    for (size_t i = 0; d && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(d, map[i][0]) == 0) return json_pack("{s:s}", "ok", map[i][1]);
    return json_null();
}

/* The page with `flash` (stolen); `failed_id` names the row whose review was refused, with the
 * reason beside its opinion field. */
static int pg_changes_render(req *r, int status_code, json_t *flash, int64_t failed_id,
                             const char *failed_why)
{
    const char *status = web_query(r, "status");
    bool known = !status || !*status;
    for (size_t i = 1; !known && i < sizeof PG_FILTERS / sizeof PG_FILTERS[0]; i++)
        known = strcmp(status, PG_FILTERS[i][0]) == 0;
    if (!known) {
        json_decref(flash);
        flash = json_pack("{s:s}", "error", "没有这个状态，已显示全部申请。");
        status = NULL;
    }
    if (status && !*status) status = NULL;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_ent_change_list(&c, status, 500, 0, &out, &e) != 0) {
        json_decref(flash);
        json_t *ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", "操作未完成", "status", e.status,
                                "message", e.message, "back_href", "/");
        int st = e.status ? e.status : 500;
        svc_err_clear(&e);
        return web_page(r, st, "error", ctx);
    }
    json_t *items = json_incref(json_object_get(out, "items"));
    json_decref(out);
    size_t i;
    json_t *ch;
    json_array_foreach(items, i, ch)
    {
        pg_decorate(ch);
        if (json_integer_value(json_object_get(ch, "id")) != failed_id) continue;
        json_object_set_new(ch, "review_error", json_string(failed_why));
        const char *op = web_form(r, "opinion");
        json_object_set_new(ch, "typed_opinion", json_string(op ? op : ""));
    }
    json_t *filters = json_array();
    for (size_t k = 0; k < sizeof PG_FILTERS / sizeof PG_FILTERS[0]; k++)
        json_array_append_new(filters,
                              json_pack("{s:s,s:s,s:b,s:b}", "value", PG_FILTERS[k][0], "label",
                                        PG_FILTERS[k][1], "current",
                                        pg_is(status ? status : "", PG_FILTERS[k][0]), "more",
                                        k + 1 < sizeof PG_FILTERS / sizeof PG_FILTERS[0]));
    json_t *d =
        pg_is(r->actor.role, "district") ? svc_district(r->db, r->actor.district_code) : NULL;
    json_t *ctx = json_pack("{s:s,s:{s:s},s:o,s:o,s:o,s:o,s:s?}", "title", "企业变更审核", "nav",
                            "current", "enterprise_changes", "flash", flash ? flash : json_null(),
                            "changes", items, "filters", filters, "inbox", svc_inbox(&c),
                            "district_name", d ? pg_str(d, "name") : NULL);
    json_decref(d);
    return web_page(r, status_code, "enterprise_changes", ctx);
}

int page_changes(req *r)
{
    if (api_change_imp_gate(r) != 0) return 0;
    return pg_changes_render(r, 200, pg_done_flash(r), 0, NULL);
}

int page_change_review(req *r)
{
    if (api_change_imp_gate(r) != 0) return 0;
    int64_t id = web_param_id(r, 0);
    const char *decision = web_form(r, "decision"), *opinion = web_form(r, "opinion");
    json_t *in = json_object();
    if (decision) json_object_set_new(in, "decision", json_string(decision));
    if (opinion && opinion[strspn(opinion, " \t\r\n")])
        json_object_set_new(in, "opinion", json_string(opinion));
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_ent_change_review(&c, id, in, &out, &e);
    json_decref(in);
    if (rc == 0) {
        bool done = pg_is(pg_str(out, "status"), "approved");
        bool rejected = pg_is(pg_str(out, "status"), "rejected");
        json_decref(out);
        return web_redirect(r, rejected ? "/enterprise-changes?done=rejected"
                               : done   ? "/enterprise-changes?done=approved"
                                        : "/enterprise-changes?done=approved_side");
    }
    int status = e.status ? e.status : 500;
    if (status == 404) {
        json_t *ctx =
            json_pack("{s:s,s:i,s:s,s:s}", "title", "没有找到", "status", 404, "message",
                      "没有找到这个变更申请，或您无权查看。", "back_href", "/enterprise-changes");
        svc_err_clear(&e);
        return web_page(r, 404, "error", ctx);
    }
    const char *why = e.fields ? json_string_value(json_object_get(e.fields, "opinion")) : NULL;
    char *row_why = why ? xstrdup(why) : NULL;
    json_t *flash = json_pack("{s:s}", "error",
                              why        ? "驳回须填写审核意见，企业会看到。"
                              : e.fields ? "请选择“同意”或“驳回”。"
                                         : e.message);
    svc_err_clear(&e);
    rc = pg_changes_render(r, status, flash, row_why ? id : 0, row_why);
    free(row_why);
    return rc;
}
