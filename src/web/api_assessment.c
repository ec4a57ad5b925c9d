/* api_assessment — API.md's 智能制造能力测评 endpoints: the model for the caller, the draft, the
 * completed assessments and their radar chart. Thin: read, call service/assessment, answer. */
#include <stdlib.h>
#include <string.h>

#include "service/assessment.h"
#include "web/handlers.h"

static int api_asm_answer(req *r, int rc, int status, json_t *out, svc_err *e)
{
    return rc == 0 ? web_json(r, status, out) : web_error(r, e);
}

/* The request body, or an empty object for a request without one (the service then names the
 * missing `answers`). Borrowed, or released with the request's arena. */
static const json_t *api_asm_body(req *r)
{
    if (r->json) return r->json;
    json_t *empty = json_object();
    arena_defer(r->a, (void (*)(void *))json_decref, empty);
    return empty;
}

/* A non-negative integer query value of at most 15 digits; -1 when malformed. */
static int64_t api_asm_num(const char *s)
{
    if (!s || !*s || strlen(s) > 15) return -1;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int api_assessment_model(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_model(&c, &out, &e);
    return api_asm_answer(r, rc, 200, out, &e);
}

int api_assessment_draft_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_draft_get(&c, &out, &e);
    return api_asm_answer(r, rc, 200, out, &e);
}

int api_assessment_draft_put(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_draft_put(&c, api_asm_body(r), &out, &e);
    return api_asm_answer(r, rc, 200, out, &e);
}

int api_assessments_list(req *r)
{
    const char *l = web_query(r, "limit"), *o = web_query(r, "offset");
    int64_t limit = l ? api_asm_num(l) : 50, offset = o ? api_asm_num(o) : 0;
    if (limit < 0 || offset < 0)
        return web_fail(r, 400, "bad_request", "limit 与 offset 应为非负整数（limit 不超过 500）");
    if (limit == 0) limit = 50;
    if (limit > 500) limit = 500;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_list(&c, limit, offset, &out, &e);
    return api_asm_answer(r, rc, 200, out, &e);
}

int api_assessment_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_create(&c, api_asm_body(r), &out, &e);
    return api_asm_answer(r, rc, 201, out, &e);
}

int api_assessment_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_get(&c, web_param_id(r, 0), &out, &e);
    return api_asm_answer(r, rc, 200, out, &e);
}

int api_assessment_radar(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    char *svg = NULL;
    if (svc_asm_radar(&c, web_param_id(r, 0), &svg, &e) != 0) return web_error(r, &e);
    return web_bytes(r, 200, "image/svg+xml; charset=utf-8", svg, strlen(svg));
}
