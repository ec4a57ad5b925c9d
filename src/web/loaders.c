/* loaders — the route table's object checks, run before a body is read: the object named in the
 * path must exist and be visible to the caller, else 404 (API.md: 404 before 400/413/415). */
#include "service/enterprise.h"
#include "web/handlers.h"

static int web_load_with(req *r, int (*get)(svc_ctx *, int64_t, json_t **, svc_err *))
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *obj = NULL;
    if (get(&c, web_param_id(r, 0), &obj, &e) != 0) {
        web_error(r, &e);
        return -1;
    }
    json_decref(obj);
    return 0;
}

int web_load_application(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    if (svc_app_check_visible(&c, web_param_id(r, 0), &e) != 0) {
        web_error(r, &e);
        return -1;
    }
    return 0;
}

int web_load_project(req *r)
{
    return web_load_with(r, svc_project_get);
}
