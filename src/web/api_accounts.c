/* api_accounts — the JSON handlers of API.md "Accounts, session, portal": they check the body's
 * shape (a wrong type is a 400 naming the field), call the accounts service and answer. */
#include <stdlib.h>
#include <string.h>

#include "service/accounts.h"
#include "web/handlers.h"

/* ---------------------------------------------------------------- body helpers */

/* The body must be an object (or absent). Returns 0, or answers 400 and returns -1. */
static int api_body_object(req *r)
{
    if (!r->json || json_is_object(r->json)) return 0;
    return web_fail(r, 400, "bad_request", "请求体应为 JSON 对象"), -1;
}

/* A string member of the body: NULL when absent or null; a wrong type is noted in `bad`. */
static const char *api_str(req *r, json_t *bad, const char *key)
{
    json_t *v = r->json ? json_object_get(r->json, key) : NULL;
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v)) {
        json_object_set_new(bad, key, json_string("应为字符串"));
        return NULL;
    }
    return json_string_value(v);
}

/* The {id} of the path; an id that cannot exist is answered like an absent one. */
static int64_t api_id(req *r)
{
    int64_t id = web_param_id(r, 0);
    if (!id) web_fail(r, 404, "not_found", "账号不存在");
    return id;
}

/* Reads an account's fields from the body. */
static int api_account_input(req *r, acct_input *in, bool admin)
{
    if (api_body_object(r) != 0) return -1;
    json_t *bad = json_object();
    memset(in, 0, sizeof *in);
    in->username = api_str(r, bad, "username");
    in->password = api_str(r, bad, "password");
    in->display_name = api_str(r, bad, "display_name");
    in->phone = api_str(r, bad, "phone");
    in->email = api_str(r, bad, "email");
    in->enterprise_name = api_str(r, bad, "enterprise_name");
    in->uscc = api_str(r, bad, "uscc");
    if (admin) {
        in->role = api_str(r, bad, "role");
        in->district_code = api_str(r, bad, "district_code");
        in->employer_uscc = api_str(r, bad, "employer_uscc");
    }
    return web_bad_fields(r, bad);
}

/* ---------------------------------------------------------------- registration, admin */

int api_accounts_create(req *r)
{
    acct_input in;
    if (api_account_input(r, &in, false) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    int64_t id = 0;
    if (svc_account_register(&c, &in, &id, &e) != 0) return web_error(r, &e);
    return web_json(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "pending"));
}

int api_admin_accounts_list(req *r)
{
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    acct_filter f = {.status = web_query(r, "status"),
                     .role = web_query(r, "role"),
                     .q = web_query(r, "q"),
                     .limit = limit,
                     .offset = offset};
    int rc = svc_account_search(&c, &f, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_admin_accounts_create(req *r)
{
    acct_input in;
    if (api_account_input(r, &in, true) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_account_create(&c, &in, &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

typedef int (*api_account_action)(svc_ctx *c, int64_t id, json_t **out, svc_err *e);

static int api_account_act(req *r, api_account_action fn)
{
    int64_t id = api_id(r);
    if (!id) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = fn(&c, id, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_admin_account_approve(req *r)
{
    return api_account_act(r, svc_account_approve);
}

int api_admin_account_disable(req *r)
{
    return api_account_act(r, svc_account_disable);
}

int api_admin_account_enable(req *r)
{
    return api_account_act(r, svc_account_enable);
}

int api_admin_account_reject(req *r)
{
    int64_t id = api_id(r);
    if (!id || api_body_object(r) != 0) return 0;
    json_t *bad = json_object();
    const char *reason = api_str(r, bad, "reason");
    if (web_bad_fields(r, bad) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_account_reject(&c, id, reason, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_admin_account_reset_password(req *r)
{
    int64_t id = api_id(r);
    if (!id || api_body_object(r) != 0) return 0;
    json_t *bad = json_object();
    const char *pw = api_str(r, bad, "new_password");
    if (web_bad_fields(r, bad) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_account_reset_password(&c, id, pw, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

/* ---------------------------------------------------------------- session, me */

int api_session_create(req *r)
{
    if (api_body_object(r) != 0) return 0;
    json_t *bad = json_object();
    const char *user = api_str(r, bad, "username"), *pw = api_str(r, bad, "password");
    if (!user && !json_object_get(bad, "username"))
        json_object_set_new(bad, "username", json_string("请填写用户名"));
    if (!pw && !json_object_get(bad, "password"))
        json_object_set_new(bad, "password", json_string("请填写密码"));
    if (web_bad_fields(r, bad) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_actor a;
    if (svc_login(&c, user, pw, &a, &e) != 0) return web_error(r, &e);
    char csrf[65];
    if (web_session_start(r, a.id, csrf) != 0)
        return web_fail(r, 500, "internal", "无法创建会话，请稍后重试");
    r->actor = a;
    return web_json(r, 200,
                    json_pack("{s:{s:I,s:s,s:s,s:s},s:s}", "account", "id", (json_int_t)a.id,
                              "username", a.username, "role", a.role, "status", a.status,
                              "csrf_token", csrf));
}

int api_session_delete(req *r)
{
    web_session_end(r);
    return web_no_content(r);
}

int api_me(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_me(&c, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_me_password(req *r)
{
    if (api_body_object(r) != 0) return 0;
    json_t *bad = json_object();
    const char *old = api_str(r, bad, "old_password"), *pw = api_str(r, bad, "new_password");
    if (!old && !json_object_get(bad, "old_password"))
        json_object_set_new(bad, "old_password", json_string("请填写原密码"));
    if (web_bad_fields(r, bad) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    if (svc_password_change(&c, old, pw, r->session_hash, &e) != 0) return web_error(r, &e);
    return web_no_content(r);
}

int api_apps_imp_connect(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_imp_connect(&c, &out, &e);
    if (rc == 0) r->actor.imp_connected = true;
    return web_answer(r, rc, 200, out, &e);
}

/* ---------------------------------------------------------------- imp entry */

int api_imp_bind_legacy(req *r)
{
    if (api_body_object(r) != 0) return 0;
    json_t *bad = json_object();
    const char *user = api_str(r, bad, "legacy_username");
    const char *pw = api_str(r, bad, "legacy_password");
    if (web_bad_fields(r, bad) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_imp_bind_legacy(&c, user, pw, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_imp_confirm_new(req *r)
{
    if (api_body_object(r) != 0) return 0;
    json_t *ent = r->json ? json_object_get(r->json, "enterprise") : NULL;
    if (!json_is_object(ent)) {
        json_t *bad = json_object();
        json_object_set_new(bad, "enterprise", json_string("请填写企业信息（JSON 对象）"));
        return web_bad_fields(r, bad), 0;
    }
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_imp_confirm_new(&c, ent, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

/* ---------------------------------------------------------------- legacy imports */

int api_admin_legacy_import(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc =
        svc_legacy_import_accounts(&c, r->body.data ? r->body.data : "", r->body.len, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_admin_legacy_certificates(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc =
        svc_legacy_import_certificates(&c, r->body.data ? r->body.data : "", r->body.len, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}
