/* page_assessment — the 智能制造能力测评 pages: the overview (/assessments), the questionnaire one
 * section (能力域) at a time, each section's post saving the draft on the server so nothing is
 * lost when a tab closes, and the report. No JavaScript needed: every step is a plain form post
 * followed by a redirect. The pages call the same service functions as the JSON API. */
#include <stdlib.h>
#include <string.h>

#include "core/assessment.h"
#include "service/assessment.h"
#include "web/pages.h"

/* ---------------------------------------------------------------- shared pieces */

static int pa_error(req *r, svc_err *e)
{
    int status = e->status ? e->status : 500;
    const char *msg = status == 404 ? "没有找到这次测评，或您无权查看。" : e->message;
    json_t *ctx = json_pack(
        "{s:s,s:i,s:s,s:s}", "title", status == 404 ? "没有找到" : "操作未完成", "status", status,
        "message", msg && *msg ? msg : "请求未能完成，请稍后再试。", "back_href", "/assessments");
    svc_err_clear(e);
    return web_page(r, status, "error", ctx);
}

static void pa_common(json_t *ctx, const char *title, json_t *flash)
{
    json_object_set_new(ctx, "title", json_string(title));
    json_object_set_new(ctx, "nav", json_pack("{s:s}", "current", "assessments"));
    json_object_set_new(ctx, "flash", flash ? flash : json_null());
}

/* Messages after a redirect (?done=…): fixed texts, never the query echoed. */
static json_t *pa_done_flash(req *r)
{
    const char *d = web_query(r, "done");
    if (d && !strcmp(d, "saved")) return json_pack("{s:s}", "ok", "本部分答案已保存为草稿。");
    if (d && !strcmp(d, "created"))
        return json_pack("{s:s}", "ok", "测评已完成。以下为本次测评报告。");
    return json_null();
}

/* The sections of the questionnaire: one per domain of the applicable model, in order, each
 * {domain, element} (borrowed from `model`). New array. */
static json_t *pa_sections(const json_t *model)
{
    json_t *out = json_array();
    size_t ei, di;
    json_t *el, *dm;
    json_array_foreach(json_object_get(model, "elements"), ei, el)
    {
        json_array_foreach(json_object_get(el, "domains"), di, dm)
        {
            json_array_append_new(out, json_pack("{s:O,s:O}", "domain", dm, "element", el));
        }
    }
    return out;
}

/* The answer text of a stored value ("1", "0.8", …) or NULL when unanswered or unusable. */
static const char *pa_value(const json_t *answers, const char *id)
{
    switch (asm_answer_value(json_object_get(answers, id))) {
    case 10000:
        return "1";
    case 8000:
        return "0.8";
    case 5000:
        return "0.5";
    case 0:
        return "0";
    default:
        return NULL;
    }
}

/* True when the object's manufacturing_type is "process". */
static bool pa_is_process(const json_t *o)
{
    const char *t = json_string_value(json_object_get(o, "manufacturing_type"));
    return t && !strcmp(t, "process");
}

/* ---------------------------------------------------------------- overview */

int page_assessments(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *list = NULL;
    if (svc_asm_list(&c, 50, 0, &list, &e) != 0) return pa_error(r, &e);
    json_t *ctx = json_object();
    pa_common(ctx, "智能制造能力测评", pa_done_flash(r));
    json_object_set_new(ctx, "assessments", json_incref(json_object_get(list, "items")));
    json_object_set_new(ctx, "status", svc_asm_status(&c));
    const json_t *m = svc_asm_model_current();
    json_object_set_new(ctx, "model",
                        json_pack("{s:O?,s:O?,s:O?}", "name", json_object_get(m, "name"), "basis",
                                  json_object_get(m, "basis"), "weights_note",
                                  json_object_get(json_object_get(m, "weights"), "note")));
    json_decref(list);
    return web_page(r, 200, "assessments", ctx);
}

/* ---------------------------------------------------------------- questionnaire */

/* Renders section `idx` (0-based) of the questionnaire with the draft's answers. */
static int pa_questionnaire(req *r, int status, long idx, json_t *flash, const json_t *missing)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *model = NULL, *draft = NULL;
    if (svc_asm_model(&c, &model, &e) != 0 || svc_asm_draft_get(&c, &draft, &e) != 0) {
        json_decref(model);
        json_decref(flash);
        return pa_error(r, &e);
    }
    const json_t *answers = json_object_get(draft, "answers");
    json_t *sections = pa_sections(model);
    long n = (long)json_array_size(sections);
    if (idx < 0) idx = 0;
    if (idx >= n) idx = n - 1;

    json_t *nav = json_array(), *current = NULL;
    static const char *const OPTS[][2] = {
        {"1", "全部满足"}, {"0.8", "大部分满足"}, {"0.5", "部分满足"}, {"0", "不满足"}};
    for (long i = 0; i < n; i++) {
        json_t *sec = json_array_get(sections, (size_t)i);
        json_t *dm = json_object_get(sec, "domain");
        int answered = 0, total = 0;
        json_t *subs = json_array();
        size_t si, ri;
        json_t *sd, *rq;
        json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
        {
            json_t *levels = json_array(), *lv = NULL;
            json_int_t last = 0;
            json_array_foreach(json_object_get(sd, "requirements"), ri, rq)
            {
                const char *id = json_string_value(json_object_get(rq, "id"));
                json_int_t l = json_integer_value(json_object_get(rq, "level"));
                const char *v = pa_value(answers, id);
                total++;
                if (v) answered++;
                if (i != idx) continue;
                if (!lv || l != last) {
                    lv = json_pack("{s:I,s:s,s:[]}", "level", l, "name", asm_level_name((int)l),
                                   "requirements");
                    json_array_append_new(levels, lv);
                    last = l;
                }
                json_t *opts = json_array();
                for (size_t k = 0; k < 4; k++)
                    json_array_append_new(opts, json_pack("{s:s,s:s,s:b,s:I}", "value", OPTS[k][0],
                                                          "label", OPTS[k][1], "checked",
                                                          v && !strcmp(v, OPTS[k][0]), "n",
                                                          (json_int_t)k));
                bool miss = false;
                size_t mi;
                json_t *mv;
                json_array_foreach(missing, mi, mv)
                {
                    if (id && !strcmp(json_string_value(mv), id)) miss = true;
                }
                json_array_append_new(json_object_get(lv, "requirements"),
                                      json_pack("{s:s?,s:O?,s:o,s:b}", "id", id, "text",
                                                json_object_get(rq, "text"), "options", opts,
                                                "missing", miss));
            }
            if (i == idx)
                json_array_append_new(
                    subs,
                    json_pack("{s:O?,s:o}", "name", json_object_get(sd, "name"), "levels", levels));
            else
                json_decref(levels);
        }
        json_array_append_new(
            nav, json_pack("{s:i,s:i,s:O?,s:O?,s:i,s:i,s:b,s:b}", "index", (int)i, "number",
                           (int)i + 1, "name", json_object_get(dm, "name"), "element",
                           json_object_get(json_object_get(sec, "element"), "name"), "answered",
                           answered, "total", total, "complete", answered == total, "current",
                           i == idx));
        if (i == idx)
            current = json_pack("{s:i,s:i,s:O?,s:O?,s:o,s:b,s:b,s:i,s:i}", "index", (int)i,
                                "number", (int)i + 1, "name", json_object_get(dm, "name"),
                                "element", json_object_get(json_object_get(sec, "element"), "name"),
                                "subdomains", subs, "first", i == 0, "last", i == n - 1, "prev",
                                (int)i - 1, "next", (int)i + 1);
        else
            json_decref(subs);
    }
    json_t *ctx = json_object();
    pa_common(ctx, "能力测评问卷", flash ? flash : pa_done_flash(r));
    json_object_set_new(ctx, "sections", nav);
    json_object_set_new(ctx, "section", current ? current : json_null());
    json_object_set_new(ctx, "count", json_integer(n));
    json_object_set(ctx, "answered", json_object_get(draft, "answered"));
    json_object_set(ctx, "total", json_object_get(draft, "total"));
    json_object_set(ctx, "updated_at", json_object_get(draft, "updated_at"));
    json_object_set(ctx, "version", json_object_get(model, "version"));
    json_object_set_new(ctx, "process", json_boolean(pa_is_process(model)));
    json_decref(sections);
    json_decref(model);
    json_decref(draft);
    return web_page(r, status, "assessment_form", ctx);
}

/* ?section=N (1-based in the address, as the user sees it). */
static long pa_section_param(const char *s)
{
    if (!s || !*s || strlen(s) > 4) return 0;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (*s - '0');
    }
    return v > 0 ? v - 1 : 0;
}

int page_assessment_questionnaire(req *r)
{
    return pa_questionnaire(r, 200, pa_section_param(web_query(r, "section")), NULL, NULL);
}

/* Submits the draft: only answers the current model has are sent, so a draft begun before a
 * change of manufacturing type still completes. */
static int pa_submit(req *r, long idx)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *model = NULL, *draft = NULL, *out = NULL;
    if (svc_asm_model(&c, &model, &e) != 0 || svc_asm_draft_get(&c, &draft, &e) != 0) {
        json_decref(model);
        return pa_error(r, &e);
    }
    json_t *answers = json_deep_copy(json_object_get(draft, "answers"));
    json_t *bad = json_object();
    asm_check_answers(model, answers, bad, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(bad, k, v) json_object_del(answers, k);
    json_decref(bad);
    json_t *in = json_pack("{s:o}", "answers", answers);
    int rc = svc_asm_create(&c, in, &out, &e);
    json_decref(in);
    json_decref(draft);
    if (rc == 0) {
        json_decref(model);
        char *loc = xasprintf("/assessments/%lld?done=created",
                              (long long)json_integer_value(json_object_get(out, "id")));
        json_decref(out);
        web_redirect(r, loc);
        free(loc);
        return 0;
    }
    if (e.status != 422) {
        json_decref(model);
        return pa_error(r, &e);
    }
    /* Back to the first section with an unanswered requirement, each one marked. */
    json_t *missing = json_array();
    json_object_foreach(e.fields, k, v) json_array_append_new(missing, json_string(k));
    json_t *sections = pa_sections(model);
    long first = -1;
    for (size_t i = 0; i < json_array_size(sections) && first < 0; i++) {
        json_t *dm = json_object_get(json_array_get(sections, i), "domain");
        size_t si, ri;
        json_t *sd, *rq;
        json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
        {
            json_array_foreach(json_object_get(sd, "requirements"), ri, rq)
            {
                if (first < 0 &&
                    json_object_get(e.fields, json_string_value(json_object_get(rq, "id"))))
                    first = (long)i;
            }
        }
    }
    json_decref(sections);
    json_decref(model);
    json_t *flash = json_pack("{s:s}", "error", e.message);
    svc_err_clear(&e);
    int res = pa_questionnaire(r, 422, first < 0 ? idx : first, flash, missing);
    json_decref(missing);
    return res;
}

int page_assessment_save(req *r)
{
    long idx = pa_section_param(web_form(r, "section"));
    const char *action = web_form(r, "action");
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *model = NULL;
    if (svc_asm_model(&c, &model, &e) != 0) return pa_error(r, &e);
    json_t *sections = pa_sections(model);
    long n = (long)json_array_size(sections);
    if (idx >= n) idx = n - 1;
    /* Only the posted section's radios are read: the other sections' answers stay as saved. */
    json_t *answers = json_object();
    json_t *dm = json_object_get(json_array_get(sections, (size_t)idx), "domain");
    size_t si, ri;
    json_t *sd, *rq;
    json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
    {
        json_array_foreach(json_object_get(sd, "requirements"), ri, rq)
        {
            const char *id = json_string_value(json_object_get(rq, "id"));
            const char *v = id ? web_form(r, id) : NULL;
            if (v && *v) json_object_set_new(answers, id, json_string(v));
        }
    }
    json_decref(sections);
    json_decref(model);
    json_t *patch = json_pack("{s:o}", "answers", answers), *out = NULL;
    int rc = svc_asm_draft_put(&c, patch, &out, &e);
    json_decref(patch);
    json_decref(out);
    if (rc != 0) {
        json_t *flash = json_pack("{s:s}", "error", "答案无效，请在每项要求的四个选项中选择一个。");
        svc_err_clear(&e);
        return pa_questionnaire(r, 400, idx, flash, NULL);
    }
    if (action && !strcmp(action, "submit")) return pa_submit(r, idx);
    long to = idx;
    const char *done = "";
    if (action && !strcmp(action, "next") && idx + 1 < n)
        to = idx + 1;
    else if (action && !strcmp(action, "prev") && idx > 0)
        to = idx - 1;
    else if (action && !strncmp(action, "goto-", 5))
        to = pa_section_param(action + 5);
    else
        done = "&done=saved";
    char *loc = xasprintf("/assessments/questionnaire?section=%ld%s#questions", to + 1, done);
    web_redirect(r, loc);
    free(loc);
    return 0;
}

/* ---------------------------------------------------------------- report */

int page_assessment_report(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *a = NULL;
    char *svg = NULL;
    int64_t id = web_param_id(r, 0);
    if (svc_asm_get(&c, id, &a, &e) != 0 || svc_asm_radar(&c, id, &svg, &e) != 0) {
        json_decref(a);
        return pa_error(r, &e);
    }
    /* The domain table: this score, the peers' average, and each earlier assessment's score
     * with the change since, side by side. */
    json_t *peers = json_object_get(a, "peers");
    bool peers_shown = json_is_true(json_object_get(peers, "shown"));
    json_t *history = json_object_get(a, "history");
    json_t *rows = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(a, "domains"), i, d)
    {
        json_t *cols = json_array();
        size_t h;
        json_t *hv;
        json_array_foreach(history, h, hv)
        {
            json_t *hd = json_array_get(json_object_get(hv, "domains"), i);
            json_array_append_new(cols,
                                  json_pack("{s:O?,s:O?}", "score", json_object_get(hd, "score"),
                                            "change", json_object_get(hd, "change")));
        }
        json_t *pd = peers_shown ? json_array_get(json_object_get(peers, "domains"), i) : NULL;
        json_array_append_new(rows, json_pack("{s:O?,s:O?,s:O?,s:O?,s:o}", "name",
                                              json_object_get(d, "name"), "score",
                                              json_object_get(d, "score"), "peer",
                                              json_object_get(pd, "score"), "difference",
                                              json_object_get(pd, "difference"), "history", cols));
    }
    json_t *ctx = json_object();
    pa_common(ctx, "能力测评报告", pa_done_flash(r));
    json_object_set_new(ctx, "assessment", a);
    json_object_set_new(ctx, "domain_rows", rows);
    json_object_set_new(ctx, "radar_svg", json_string(svg));
    json_object_set_new(ctx, "peers_shown", json_boolean(peers_shown));
    json_object_set_new(ctx, "manufacturing_type_name",
                        json_string(pa_is_process(a) ? "流程型" : "离散型"));
    free(svg);
    return web_page(r, 200, "assessment_report", ctx);
}
