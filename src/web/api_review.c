/* api_review — API.md "Review side", first half: district review, experts and their conflicts,
 * assignments, expert reviews, the commission's decision and the direct route. Thin: read the
 * body and the query, call service/review, answer. Roles and the object in the path are checked
 * by the route table (routes.c, loaders.c) before the body is read; the services check again. */
#include <stdlib.h>
#include <string.h>

#include "service/review.h"
#include "web/handlers.h"

/* ---------------------------------------------------------------- helpers */

typedef int (*api_rv_action)(svc_ctx *, int64_t, const json_t *, json_t **, svc_err *);

/* POST /applications/{id}/…: the service with the path's id and the body. */
static int api_rv_act(req *r, api_rv_action fn, int status)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = fn(&c, web_param_id(r, 0), web_body(r), &out, &e);
    return web_answer(r, rc, status, out, &e);
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
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_experts_list(&c, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_expert_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_expert_create(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_expert_conflict_add(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_expert_conflict_add(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_expert_conflicts_list(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_expert_conflicts_list(&c, &out, &e);
    return web_answer(r, rc, 200, out, &e);
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
    return web_answer(r, rc, 200, out, &e);
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
    return web_answer(r, rc, 200, out, &e);
}
