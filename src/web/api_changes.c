/* api_changes — the enterprise's district or credit-code change requests (service/ent_change):
 * the enterprise creates, lists and withdraws its own; the districts concerned and the admin
 * list, read and review them. Thin: read the path, query and body, call the service, answer.
 * The reviewers' routes serve the admin, who never connects imp, so they cannot carry R_IMP:
 * the imp gate for the other roles is applied here (api_change_imp_gate), in the route table's
 * order — before the object is looked up. */
#include <string.h>

#include "service/ent_change.h"
#include "web/handlers.h"

int api_change_imp_gate(req *r)
{
    const svc_actor *a = &r->actor;
    bool page = r->route && (r->route->flags & R_PAGE);
    if (strcmp(a->role, "admin") == 0) return 0;
    if (!a->imp_connected) {
        if (page) return web_redirect(r, "/portal"), -1;
        return web_fail(r, 403, "imp_not_connected",
                        "请先在门户的业务系统中接入“智能制造信息管理平台”"),
               -1;
    }
    if (strcmp(a->role, "enterprise") == 0 && !a->imp_bound) {
        if (page) return web_redirect(r, "/imp"), -1;
        return web_fail(r, 403, "imp_not_bound", "请先完成老用户绑定或新用户信息确认"), -1;
    }
    return 0;
}

int api_load_ent_change(req *r)
{
    if (api_change_imp_gate(r) != 0) return -1;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    if (svc_ent_change_check(&c, web_param_id(r, 0), &e) != 0) {
        web_error(r, &e);
        return -1;
    }
    return 0;
}

/* ?status= one of the four states, or absent; -1 after answering 400. */
static int api_change_status(req *r, const char **status)
{
    static const char *const known[] = {"pending", "approved", "rejected", "withdrawn"};
    const char *s = web_query(r, "status");
    *status = NULL;
    if (!s || !*s) return 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(s, known[i]) == 0) return *status = s, 0;
    web_bad_fields(r,
                   json_pack("{s:s}", "status", "应为 pending、approved、rejected 或 withdrawn"));
    return -1;
}

static int api_change_list(req *r)
{
    int64_t limit, offset;
    const char *status;
    if (web_paging(r, &limit, &offset) != 0 || api_change_status(r, &status) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_ent_change_list(&c, status, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_ent_changes_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_ent_change_create(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_ent_changes_list(req *r)
{
    return api_change_list(r);
}

int api_ent_change_withdraw(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_ent_change_withdraw(&c, web_param_id(r, 0), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_changes_list(req *r)
{
    if (api_change_imp_gate(r) != 0) return 0;
    return api_change_list(r);
}

int api_change_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_ent_change_get(&c, web_param_id(r, 0), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_change_review(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_ent_change_review(&c, web_param_id(r, 0), web_body(r), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}
