/* api_assessment — API.md's 智能制造能力测评 endpoints: the model for the caller, the draft, the
 * completed assessments and their radar chart. Thin: read, call service/assessment, answer. */
#include <stdlib.h>
#include <string.h>

#include "service/assessment.h"
#include "web/handlers.h"

int api_assessment_model(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_model(&c, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_assessment_draft_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_draft_get(&c, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_assessment_draft_put(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_draft_put(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_assessments_list(req *r)
{
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_list(&c, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_assessment_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_create(&c, web_body(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_assessment_get(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_asm_get(&c, web_param_id(r, 0), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_assessment_radar(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    char *svg = NULL;
    if (svc_asm_radar(&c, web_param_id(r, 0), &svg, &e) != 0) return web_error(r, &e);
    return web_bytes(r, 200, "image/svg+xml; charset=utf-8", svg, strlen(svg));
}
