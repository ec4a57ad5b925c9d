/* api_review — API.md "Review side", first half: district review, experts and their conflicts,
 * assignments, expert reviews, the commission's decision and the direct route. Thin: read the
 * body and the query, call service/review, answer. Roles and the object in the path are checked
 * by the route table (routes.c, loaders.c) before the body is read; the services check again. */
#include <stdlib.h>
#include <string.h>

#include "service/review.h"
#include "web/handlers.h"

/* ---------------------------------------------------------------- helpers */

/* The body, or an empty object for a POST without one (released with the request). */
static const json_t *api_rv_body(req *r)
{
    if (r->json) return r->json;
    json_t *empty = json_object();
    arena_defer(r->a, (void (*)(void *))json_decref, empty);
    return empty;
}

static int api_rv_answer(req *r, int rc, int status, json_t *out, svc_err *e)
{
    return rc == 0 ? web_json(r, status, out) : web_error(r, e);
}

/* A non-negative decimal query value, def when absent, -1 when malformed. */
static int64_t api_rv_num(req *r, const char *key, int64_t def)
{
    const char *s = web_query(r, key);
    if (!s) return def;
    if (!*s || strlen(s) > 15) return -1;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

typedef int (*api_rv_action)(svc_ctx *, int64_t, const json_t *, json_t **, svc_err *);

/* POST /applications/{id}/…: the service with the path's id and the body. */
static int api_rv_act(req *r, api_rv_action fn, int status)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = fn(&c, web_param_id(r, 0), api_rv_body(r), &out, &e);
    return api_rv_answer(r, rc, status, out, &e);
}

/* ---------------------------------------------------------------- district, commission */

int api_district_review(req *r)
{
    return api_rv_act(r, svc_review_district, 200);
}

int api_decision(req *r)
{
    return api_rv_act(r, svc_review_decide, 200);
}

int api_direct_certification(req *r)
{
    return api_rv_act(r, svc_review_direct, 200);
}

/* ---------------------------------------------------------------- experts */

int api_experts_list(req *r)
{
    int64_t limit = api_rv_num(r, "limit", 50), offset = api_rv_num(r, "offset", 0);
    if (limit < 0 || offset < 0)
        return web_fail(r, 400, "bad_request", "limit 应为 1 至 500 的整数，offset 应为非负整数");
    if (limit == 0) limit = 50;
    if (limit > 500) limit = 500;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_experts_list(&c, limit, offset, &out, &e);
    return api_rv_answer(r, rc, 200, out, &e);
}

int api_expert_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_expert_create(&c, api_rv_body(r), &out, &e);
    return api_rv_answer(r, rc, 201, out, &e);
}

int api_expert_conflict_add(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_expert_conflict_add(&c, api_rv_body(r), &out, &e);
    return api_rv_answer(r, rc, 201, out, &e);
}

int api_expert_conflicts_list(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_expert_conflicts_list(&c, &out, &e);
    return api_rv_answer(r, rc, 200, out, &e);
}

/* ---------------------------------------------------------------- assignments, reviews */

int api_assignments_create(req *r)
{
    return api_rv_act(r, svc_review_assign, 201);
}

int api_assignments_list(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_review_assignments(&c, web_param_id(r, 0), &out, &e);
    return api_rv_answer(r, rc, 200, out, &e);
}

int api_expert_review_create(req *r)
{
    return api_rv_act(r, svc_review_expert_submit, 201);
}

int api_expert_reviews_list(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_review_expert_list(&c, web_param_id(r, 0), &out, &e);
    return api_rv_answer(r, rc, 200, out, &e);
}
