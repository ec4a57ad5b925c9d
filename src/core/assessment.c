/* assessment — scoring of the 智能制造能力测评 (see assessment.h): a model given as data, exact
 * fractions for means and weighted sums, 4-place half-up rounding where a score is compared or
 * shown, the bottom-up total and its band, and the radar chart as SVG. */
#include "core/assessment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decimal.h"
#include "util/util.h"

/* ==== small pieces ======================================================================== */

/* An exact non-negative fraction. 128 bits: denominators are products of small counts and
 * weights, reduced after every step, so they never come near the limit. */
typedef struct asm_frac {
    __int128 n, d;
} asm_frac;

static __int128 asm_gcd(__int128 a, __int128 b)
{
    if (a < 0) a = -a;
    while (b) {
        __int128 t = a % b;
        a = b;
        b = t;
    }
    return a ? a : 1;
}

static asm_frac asm_frac_add(asm_frac x, asm_frac y)
{
    asm_frac r = {x.n * y.d + y.n * x.d, x.d * y.d};
    __int128 g = asm_gcd(r.n, r.d);
    r.n /= g, r.d /= g;
    return r;
}

/* x × k / m, reduced. */
static asm_frac asm_frac_scale(asm_frac x, int64_t k, int64_t m)
{
    asm_frac r = {x.n * k, x.d * m};
    __int128 g = asm_gcd(r.n, r.d);
    r.n /= g, r.d /= g;
    return r;
}

/* Half up: floor(n/d + 1/2) = floor((2n + d) / 2d) for n ≥ 0. */
static int64_t asm_frac_round(asm_frac x)
{
    return (int64_t)((2 * x.n + x.d) / (2 * x.d));
}

int64_t asm_round_half_up(int64_t p, int64_t q)
{
    return asm_frac_round((asm_frac){p, q});
}

int asm_answer_value(const json_t *v)
{
    int64_t e4;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i == 0 ? 0 : i == 1 ? ASM_SCALE : -1;
    }
    if (json_is_real(v)) {
        /* A JSON number like 0.8 is not exact in binary; it names one of four values, so the
         * nearest × 10⁴ integer decides, never a comparison of floats. */
        double d = json_real_value(v);
        if (!(d >= 0 && d <= 1)) return -1;
        e4 = (int64_t)llround(d * ASM_SCALE);
        if (fabs(d * ASM_SCALE - (double)e4) > 1e-6) return -1;
    } else if (json_is_string(v)) {
        if (dec_parse(json_string_value(v), &e4) != 0) return -1;
    } else {
        return -1;
    }
    return e4 == 0 || e4 == 5000 || e4 == 8000 || e4 == ASM_SCALE ? (int)e4 : -1;
}

const char *asm_level_name(int level)
{
    static const char *const names[] = {"", "规划级", "规范级", "集成级", "优化级", "引领级"};
    return level >= 1 && level <= ASM_LEVELS ? names[level] : "";
}

const char *asm_band_name(int band)
{
    static const char *const names[] = {"未达到一级", "一级", "二级", "三级", "四级", "五级"};
    return band >= 0 && band <= ASM_LEVELS ? names[band] : "";
}

static const char *asm_answer_name(int v)
{
    return v == ASM_SCALE ? "全部满足"
           : v == 8000    ? "大部分满足"
           : v == 5000    ? "部分满足"
           : v == 0       ? "不满足"
                          : "未作答";
}

int64_t asm_total(const int64_t level[ASM_LEVELS])
{
    int64_t s = 0;
    for (int i = 0; i < ASM_LEVELS; i++) {
        int64_t v = level[i] == ASM_NOT_APPLICABLE ? ASM_SCALE : level[i];
        s += v;
        if (v < ASM_PASS) break;
    }
    return s;
}

int asm_band(int64_t s)
{
    if (s < 8000) return 0;
    if (s < 18000) return 1;
    if (s < 28000) return 2;
    if (s < 38000) return 3;
    if (s < 48000) return 4;
    return 5;
}

char *asm_format(int64_t v, char *buf, size_t n)
{
    return dec_format(v, buf, n);
}

/* ==== the model =========================================================================== */

json_t *asm_model_for(const json_t *model, const char *mtype)
{
    if (!json_is_object(model) || !json_is_array(json_object_get(model, "elements"))) return NULL;
    /* Mixed enterprises use the discrete set (SPEC §5.1); so does a profile without a type. */
    const char *t = mtype && !strcmp(mtype, "process") ? "process" : "discrete";
    json_t *out = json_deep_copy(model);
    json_t *elements = json_object_get(out, "elements");
    for (size_t ei = json_array_size(elements); ei-- > 0;) {
        json_t *domains = json_object_get(json_array_get(elements, ei), "domains");
        for (size_t di = json_array_size(domains); di-- > 0;) {
            json_t *subs = json_object_get(json_array_get(domains, di), "subdomains");
            for (size_t si = json_array_size(subs); si-- > 0;) {
                json_t *types = json_object_get(json_array_get(subs, si), "types");
                if (!json_is_array(types)) continue;
                bool in = false;
                size_t k;
                json_t *ty;
                json_array_foreach(types, k, ty)
                {
                    if (json_is_string(ty) && !strcmp(json_string_value(ty), t)) in = true;
                }
                if (!in) json_array_remove(subs, si);
            }
            if (json_array_size(subs) == 0) json_array_remove(domains, di);
        }
        if (json_array_size(domains) == 0) json_array_remove(elements, ei);
    }
    json_object_set_new(out, "manufacturing_type", json_string(t));
    return out;
}

/* Calls fn for every requirement of an applicable model, in model order. */
typedef void (*asm_req_fn)(void *arg, const json_t *req);
static void asm_each_req(const json_t *m, asm_req_fn fn, void *arg)
{
    size_t ei, di, si, ri;
    json_t *el, *dm, *sd, *rq;
    json_array_foreach(json_object_get(m, "elements"), ei, el)
    {
        json_array_foreach(json_object_get(el, "domains"), di, dm)
        {
            json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
            {
                json_array_foreach(json_object_get(sd, "requirements"), ri, rq) fn(arg, rq);
            }
        }
    }
}

typedef struct asm_check_st {
    const json_t *answers;
    json_t *missing;
    json_t *known; /* id → true */
} asm_check_st;

static void asm_check_one(void *arg, const json_t *rq)
{
    asm_check_st *st = arg;
    const char *id = json_string_value(json_object_get(rq, "id"));
    if (!id) return;
    json_object_set_new(st->known, id, json_true());
    json_t *v = json_object_get(st->answers, id);
    if (st->missing && (!v || json_is_null(v))) json_array_append_new(st->missing, json_string(id));
}

size_t asm_check_answers(const json_t *applicable, const json_t *answers, json_t *bad,
                         json_t *missing)
{
    asm_check_st st = {answers, missing, json_object()};
    asm_each_req(applicable, asm_check_one, &st);
    size_t nbad = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)answers, k, v)
    {
        if (!json_object_get(st.known, k)) {
            json_object_set_new(bad, k, json_string("测评模型中没有这项要求"));
            nbad++;
        } else if (!json_is_null(v) && asm_answer_value(v) < 0) {
            json_object_set_new(bad, k, json_string("应为 1、0.8、0.5 或 0"));
            nbad++;
        }
    }
    json_decref(st.known);
    return nbad;
}

/* ==== scoring ============================================================================= */

typedef struct asm_sub {
    const json_t *node;
    const char *id, *name;
    size_t domain;
    int64_t weight;
    int64_t sum[ASM_LEVELS];
    int64_t count[ASM_LEVELS];
    bool gap[ASM_LEVELS]; /* some requirement of the level is not fully met */
} asm_sub;

typedef struct asm_dom {
    const char *id, *name, *element;
    int64_t weight;
} asm_dom;

/* A weight from the data: a positive integer (relative), 1 when absent or unusable. */
static int64_t asm_weight(const json_t *node)
{
    json_t *w = json_object_get(node, "weight");
    return json_is_integer(w) && json_integer_value(w) > 0 && json_integer_value(w) <= 1000000
               ? (int64_t)json_integer_value(w)
               : 1;
}

/* Bottom-up total of one part's level scores (ASM_NOT_APPLICABLE below its first level counts
 * as met, above its last as nothing to add). */
static int64_t asm_part_total(const int64_t lv[ASM_LEVELS])
{
    int64_t tmp[ASM_LEVELS];
    int last = -1;
    for (int i = 0; i < ASM_LEVELS; i++)
        if (lv[i] != ASM_NOT_APPLICABLE) last = i;
    for (int i = 0; i < ASM_LEVELS; i++)
        tmp[i] = i > last ? 0 : lv[i];
    return last < 0 ? 0 : asm_total(tmp);
}

static json_t *asm_score_str(int64_t v)
{
    char buf[48];
    return json_string(asm_format(v, buf, sizeof buf));
}

/* The weakest sub-domains (at most 3, lowest total first, model order on ties) with the
 * requirements they miss at the first level where something is not fully met. */
static json_t *asm_weakest(const json_t *answers, asm_sub *subs, size_t ns, const int64_t *stot,
                           const asm_dom *doms)
{
    json_t *out = json_array();
    size_t *order = xcalloc(ns ? ns : 1, sizeof *order);
    size_t n = 0;
    for (size_t i = 0; i < ns; i++) {
        bool any = false;
        for (int l = 0; l < ASM_LEVELS; l++)
            any |= subs[i].gap[l];
        if (!any) continue;
        size_t j = n++;
        while (j > 0 && stot[order[j - 1]] > stot[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (size_t k = 0; k < n && k < 3; k++) {
        asm_sub *s = &subs[order[k]];
        int next = 0;
        for (int l = 0; l < ASM_LEVELS && !next; l++)
            if (s->gap[l]) next = l + 1;
        json_t *miss = json_array();
        size_t ri;
        json_t *rq;
        json_array_foreach(json_object_get(s->node, "requirements"), ri, rq)
        {
            if (json_integer_value(json_object_get(rq, "level")) != next) continue;
            const char *id = json_string_value(json_object_get(rq, "id"));
            int v = id ? asm_answer_value(json_object_get(answers, id)) : -1;
            if (v == ASM_SCALE) continue;
            json_array_append_new(miss, json_pack("{s:s?,s:O?,s:o,s:s}", "id", id, "text",
                                                  json_object_get(rq, "text"), "answer",
                                                  v < 0 ? json_null() : asm_score_str(v),
                                                  "answer_name", asm_answer_name(v)));
        }
        json_array_append_new(
            out, json_pack("{s:s,s:s,s:s,s:s,s:o,s:I,s:i,s:s,s:o}", "id", s->id, "name", s->name,
                           "domain", doms[s->domain].id, "domain_name", doms[s->domain].name,
                           "score", asm_score_str(stot[order[k]]), "score_e4",
                           (json_int_t)stot[order[k]], "next_level", next, "next_level_name",
                           asm_level_name(next), "missing", miss));
    }
    free(order);
    return out;
}

json_t *asm_score(const json_t *applicable, const json_t *answers)
{
    size_t nd = 0, ns = 0, cap_d = 16, cap_s = 32;
    asm_dom *doms = xcalloc(cap_d, sizeof *doms);
    asm_sub *subs = xcalloc(cap_s, sizeof *subs);
    int64_t answered = 0, total = 0;
    size_t ei, di, si, ri;
    json_t *el, *dm, *sd, *rq;
    json_array_foreach(json_object_get(applicable, "elements"), ei, el)
    {
        json_array_foreach(json_object_get(el, "domains"), di, dm)
        {
            if (nd == cap_d) doms = xrealloc(doms, (cap_d *= 2) * sizeof *doms);
            doms[nd] = (asm_dom){json_string_value(json_object_get(dm, "id")),
                                 json_string_value(json_object_get(dm, "name")),
                                 json_string_value(json_object_get(el, "id")), asm_weight(dm)};
            json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
            {
                if (ns == cap_s) subs = xrealloc(subs, (cap_s *= 2) * sizeof *subs);
                asm_sub *s = &subs[ns++];
                memset(s, 0, sizeof *s);
                s->node = sd;
                s->id = json_string_value(json_object_get(sd, "id"));
                s->name = json_string_value(json_object_get(sd, "name"));
                s->domain = nd;
                s->weight = asm_weight(sd);
                json_array_foreach(json_object_get(sd, "requirements"), ri, rq)
                {
                    json_int_t l = json_integer_value(json_object_get(rq, "level"));
                    const char *id = json_string_value(json_object_get(rq, "id"));
                    if (l < 1 || l > ASM_LEVELS || !id) continue;
                    int v = asm_answer_value(json_object_get(answers, id));
                    total++;
                    if (v >= 0) answered++;
                    s->sum[l - 1] += v < 0 ? 0 : v;
                    s->count[l - 1]++;
                    if (v != ASM_SCALE) s->gap[l - 1] = true;
                }
            }
            nd++;
        }
    }

    /* Per level: sub-domain means → weighted domain scores → weighted level score. */
    int64_t level_e4[ASM_LEVELS];
    int64_t *dom_lv = xcalloc(nd ? nd * ASM_LEVELS : 1, sizeof *dom_lv);
    int64_t *sub_lv = xcalloc(ns ? ns * ASM_LEVELS : 1, sizeof *sub_lv);
    for (int l = 0; l < ASM_LEVELS; l++) {
        asm_frac lvl = {0, 1};
        int64_t lw = 0;
        for (size_t d = 0; d < nd; d++) {
            asm_frac dom = {0, 1};
            int64_t dw = 0;
            for (size_t k = 0; k < ns; k++) {
                if (subs[k].domain != d) continue;
                if (!subs[k].count[l]) {
                    sub_lv[k * ASM_LEVELS + l] = ASM_NOT_APPLICABLE;
                    continue;
                }
                asm_frac mean = {subs[k].sum[l], subs[k].count[l]};
                sub_lv[k * ASM_LEVELS + l] = asm_frac_round(mean);
                dom = asm_frac_add(dom, asm_frac_scale(mean, subs[k].weight, 1));
                dw += subs[k].weight;
            }
            if (!dw) {
                dom_lv[d * ASM_LEVELS + l] = ASM_NOT_APPLICABLE;
                continue;
            }
            dom = asm_frac_scale(dom, 1, dw);
            dom_lv[d * ASM_LEVELS + l] = asm_frac_round(dom);
            lvl = asm_frac_add(lvl, asm_frac_scale(dom, doms[d].weight, 1));
            lw += doms[d].weight;
        }
        level_e4[l] = lw ? asm_frac_round(asm_frac_scale(lvl, 1, lw)) : ASM_NOT_APPLICABLE;
    }

    /* Levels above the model's last add nothing, and a model with no requirement at all scores
     * nothing rather than "everything met". */
    int64_t s = total ? asm_part_total(level_e4) : 0;
    int band = asm_band(s);
    json_t *levels = json_array(), *domains = json_array(), *subdomains = json_array();
    for (int l = 0; l < ASM_LEVELS; l++)
        json_array_append_new(
            levels,
            json_pack("{s:i,s:s,s:o,s:o}", "level", l + 1, "name", asm_level_name(l + 1), "score",
                      level_e4[l] == ASM_NOT_APPLICABLE ? json_null() : asm_score_str(level_e4[l]),
                      "score_e4",
                      level_e4[l] == ASM_NOT_APPLICABLE ? json_null() : json_integer(level_e4[l])));
    for (size_t d = 0; d < nd; d++) {
        int64_t t = total ? asm_part_total(&dom_lv[d * ASM_LEVELS]) : 0;
        json_array_append_new(domains,
                              json_pack("{s:s?,s:s?,s:s?,s:o,s:I}", "id", doms[d].id, "name",
                                        doms[d].name, "element", doms[d].element, "score",
                                        asm_score_str(t), "score_e4", (json_int_t)t));
    }
    int64_t *stot = xcalloc(ns ? ns : 1, sizeof *stot);
    for (size_t k = 0; k < ns; k++) {
        stot[k] = total ? asm_part_total(&sub_lv[k * ASM_LEVELS]) : 0;
        json_array_append_new(subdomains,
                              json_pack("{s:s?,s:s?,s:s?,s:o,s:I}", "id", subs[k].id, "name",
                                        subs[k].name, "domain", doms[subs[k].domain].id, "score",
                                        asm_score_str(stot[k]), "score_e4", (json_int_t)stot[k]));
    }
    json_t *out =
        json_pack("{s:O?,s:o,s:I,s:i,s:s,s:o,s:o,s:o,s:o,s:I,s:I,s:O?}", "version",
                  json_object_get(applicable, "version"), "score", asm_score_str(s), "score_e4",
                  (json_int_t)s, "level", band, "level_name", asm_band_name(band), "levels", levels,
                  "domains", domains, "subdomains", subdomains, "weakest",
                  asm_weakest(answers, subs, ns, stot, doms), "answered", (json_int_t)answered,
                  "total", (json_int_t)total, "weights_note",
                  json_object_get(json_object_get(applicable, "weights"), "note"));
    free(stot);
    free(dom_lv);
    free(sub_lv);
    free(doms);
    free(subs);
    return out;
}

/* ==== the radar chart ===================================================================== */

static void asm_xml(sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            sbuf_puts(b, "&amp;");
            break;
        case '<':
            sbuf_puts(b, "&lt;");
            break;
        case '>':
            sbuf_puts(b, "&gt;");
            break;
        case '"':
            sbuf_puts(b, "&quot;");
            break;
        case '\'':
            sbuf_puts(b, "&#39;");
            break;
        default:
            sbuf_append(b, s, 1);
        }
    }
}

/* The polygon of values (× 10⁴ on 0..5) around centre (cx, cy) with radius r for 5. */
static void asm_polygon(sbuf *b, size_t n, const int64_t *v, double cx, double cy, double r,
                        const char *cls, const char *stroke, const char *fill, bool dashed)
{
    sbuf_printf(b,
                "<polygon class=\"%s\" fill=\"%s\" fill-opacity=\"0.25\" stroke=\"%s\" "
                "stroke-width=\"2\"%s points=\"",
                cls, fill, stroke, dashed ? " stroke-dasharray=\"6 4\"" : "");
    for (size_t i = 0; i < n; i++) {
        double x = (double)(v[i] < 0 ? 0 : v[i] > 50000 ? 50000 : v[i]) / 50000.0;
        double a = -M_PI / 2 + 2 * M_PI * (double)i / (double)n;
        sbuf_printf(b, "%s%.1f,%.1f", i ? " " : "", cx + r * x * cos(a), cy + r * x * sin(a));
    }
    sbuf_puts(b, "\"/>\n");
}

char *asm_radar_svg(const char *title, size_t n, const char *const *labels, const int64_t *values,
                    const int64_t *compare, const char *values_label, const char *compare_label)
{
    const double w = 560, h = 520, cx = 280, cy = 250, r = 170;
    sbuf b;
    sbuf_init(&b);
    sbuf_printf(
        &b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"radar\" viewBox=\"0 0 %.0f "
        "%.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-labelledby=\"radar-title\" "
        "font-family=\"PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif\">\n",
        w, h, w, h);
    sbuf_puts(&b, "<title id=\"radar-title\">");
    asm_xml(&b, title);
    sbuf_puts(&b, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    /* Rings at levels 1..5 and one spoke per domain. */
    for (int ring = 1; ring <= ASM_LEVELS; ring++) {
        sbuf_puts(&b, "<polygon fill=\"none\" stroke=\"#c8d0dc\" stroke-width=\"1\" points=\"");
        for (size_t i = 0; i < n; i++) {
            double a = -M_PI / 2 + 2 * M_PI * (double)i / (double)(n ? n : 1);
            sbuf_printf(&b, "%s%.1f,%.1f", i ? " " : "", cx + r * ring / 5.0 * cos(a),
                        cy + r * ring / 5.0 * sin(a));
        }
        sbuf_puts(&b, "\"/>\n");
        sbuf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#5a6472\">%d</text>\n",
                    cx + 3, cy - r * ring / 5.0 + 12, ring);
    }
    for (size_t i = 0; i < n; i++) {
        double a = -M_PI / 2 + 2 * M_PI * (double)i / (double)n;
        double x = cx + r * cos(a), y = cy + r * sin(a);
        sbuf_printf(&b,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c8d0dc\"/>\n",
                    cx, cy, x, y);
        double lx = cx + (r + 22) * cos(a), ly = cy + (r + 22) * sin(a) + 5;
        const char *anchor = fabs(cos(a)) < 0.2 ? "middle" : cos(a) > 0 ? "start" : "end";
        char buf[48];
        sbuf_printf(&b,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"%s\" "
                    "fill=\"#1d2733\">",
                    lx, ly, anchor);
        asm_xml(&b, labels[i]);
        sbuf_printf(&b, " %s</text>\n", asm_format(values[i], buf, sizeof buf));
    }
    if (compare) asm_polygon(&b, n, compare, cx, cy, r, "radar-compare", "#b26b00", "none", true);
    asm_polygon(&b, n, values, cx, cy, r, "radar-values", "#1f4e8c", "#1f4e8c", false);
    /* Legend. */
    sbuf_printf(&b,
                "<rect x=\"20\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\"#1f4e8c\"/>"
                "<text x=\"40\" y=\"%.0f\" font-size=\"13\" fill=\"#1d2733\">",
                h - 36, h - 24);
    asm_xml(&b, values_label);
    sbuf_puts(&b, "</text>\n");
    if (compare) {
        sbuf_printf(&b,
                    "<line x1=\"200\" y1=\"%.0f\" x2=\"230\" y2=\"%.0f\" stroke=\"#b26b00\" "
                    "stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"236\" y=\"%.0f\" "
                    "font-size=\"13\" fill=\"#1d2733\">",
                    h - 29, h - 29, h - 24);
        asm_xml(&b, compare_label);
        sbuf_puts(&b, "</text>\n");
    }
    sbuf_puts(&b, "</svg>\n");
    return sbuf_take(&b);
}
