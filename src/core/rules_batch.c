/* rules_batch — the validator of a batch's rules object (rules_validate_batch in rules.h): the
 * types and ranges of every parameter the pre-check, the score form and the 公示 period read,
 * so that a batch saved over the API or from the commission's page can never make the pre-check
 * answer "批次规则配置有误". A parameter that is absent is not refused here (the pre-check says
 * so, and older batches may lack one); a parameter that is present must be right. Reasons name
 * the parameter by its Chinese label. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/decimal.h"
#include "core/rules.h"
#include "core/rules_internal.h"
#include "util/util.h"

#define RB_LABEL_MAX 100
#define RB_MONEY_MAX 1000000000000LL /* 10¹² yuan */

static void rb_bad(json_t *errors, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rb_bad(json_t *errors, const char *path, const char *fmt, ...)
{
    if (json_object_get(errors, path)) return;
    sbuf b;
    sbuf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    json_object_set_new(errors, path, json_string(b.data));
    sbuf_free(&b);
}

static size_t rb_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

/* A non-blank text of at most max characters. */
static bool rb_text_ok(const json_t *v, size_t max)
{
    return rules_text_present(v) && rb_chars(json_string_value(v)) <= max;
}

static bool rb_int_in(const json_t *v, int64_t lo, int64_t hi)
{
    int64_t n;
    return rules_int(v, &n) == 0 && n >= lo && n <= hi;
}

static const char *rb_type_name(const char *t)
{
    if (t && !strcmp(t, "workshop")) return "数字化车间";
    if (t && !strcmp(t, "factory")) return "智能工厂";
    return "数字化车间和智能工厂";
}

static void rb_scalars(const json_t *rules, json_t *errors)
{
    const json_t *v = json_object_get(rules, "investment_threshold");
    if (v && !rb_int_in(v, 0, RB_MONEY_MAX))
        rb_bad(errors, "rules.investment_threshold", "设备和软件投资门槛须为不小于 0 的整数（元）");
    v = json_object_get(rules, "reduced_ratio");
    if (v && !json_is_object(v)) rb_bad(errors, "rules.reduced_ratio", "门槛折算比例须为对象");
    const char *k;
    json_t *r;
    json_object_foreach((json_t *)(json_is_object(v) ? v : NULL), k, r)
    {
        int64_t d;
        char *p = xasprintf("rules.reduced_ratio.%s", k);
        if (json_is_real(r) || rules_dec(r, &d) != 0 || d <= 0 || d > DEC_SCALE)
            rb_bad(errors, p, "%s的投资门槛折算比例须大于 0%% 且不超过 100%%，最多精确到 0.01%%",
                   k);
        free(p);
    }
    cal_date dt;
    v = json_object_get(rules, "class1_earliest_start");
    if (v && (!json_is_string(v) || cal_parse_date(json_string_value(v), &dt) != 0))
        rb_bad(errors, "rules.class1_earliest_start", "Ⅰ类项目最早开工日期须为有效日期");
    v = json_object_get(rules, "class1_max_months");
    if (v && !rb_int_in(v, 1, 1200))
        rb_bad(errors, "rules.class1_max_months",
               "Ⅰ类项目建设工期上限须为 1 到 1200 之间的整数（月）");
    v = json_object_get(rules, "class1_min_progress");
    if (v && !rb_int_in(v, 0, 100))
        rb_bad(errors, "rules.class1_min_progress",
               "Ⅰ类项目最低建设进度须为 0 到 100 之间的整数（%%）");
    v = json_object_get(rules, "prior_batch_years");
    if (v) {
        bool ok = json_is_array(v);
        size_t i;
        json_t *y;
        json_array_foreach(ok ? v : NULL, i, y) if (!rb_int_in(y, 2000, 2100)) ok = false;
        if (!ok)
            rb_bad(errors, "rules.prior_batch_years",
                   "往年认定年度须为 2000 到 2100 之间的年份，以逗号分隔");
    }
    v = json_object_get(rules, "publicity");
    if (v) {
        const json_t *len = json_object_get(v, "length");
        const char *unit = rules_str(v, "unit");
        if (!json_is_object(v) || !rb_int_in(len, 1, 365))
            rb_bad(errors, "rules.publicity.length", "公示期须为 1 到 365 之间的整数");
        if (!json_is_object(v) || !unit || (strcmp(unit, "working_days") && strcmp(unit, "days")))
            rb_bad(errors, "rules.publicity.unit", "公示期单位须为工作日或自然日");
    }
}

/* The expert score form: at least one criterion, each named and worth 1–100 points, names
 * distinct, and the maxima adding up to 100 (the notice scores out of 100). */
static void rb_score_form(const json_t *form, json_t *errors)
{
    if (!form) return;
    if (!json_is_array(form) || json_array_size(form) == 0) {
        rb_bad(errors, "rules.score_form", "专家评分表至少须有一项评分内容");
        return;
    }
    int64_t total = 0;
    bool all_ok = true;
    size_t i, j;
    json_t *c;
    json_array_foreach(form, i, c)
    {
        char *pn = xasprintf("rules.score_form.%zu.name", i);
        char *pm = xasprintf("rules.score_form.%zu.max", i);
        const json_t *name = json_object_get(c, "name"), *max = json_object_get(c, "max");
        if (!json_is_object(c) || !rb_text_ok(name, 50)) {
            rb_bad(errors, pn, "第 %zu 项评分内容须填写名称（不超过 50 个字）", i + 1);
            all_ok = false;
        } else {
            for (j = 0; j < i; j++)
                if (json_equal(name, json_object_get(json_array_get(form, j), "name"))) {
                    rb_bad(errors, pn, "第 %zu 项评分内容“%s”与第 %zu 项重名", i + 1,
                           json_string_value(name), j + 1);
                    all_ok = false;
                }
        }
        if (!rb_int_in(max, 1, 100)) {
            rb_bad(errors, pm, "第 %zu 项评分内容的满分须为 1 到 100 之间的整数", i + 1);
            all_ok = false;
        } else {
            total += json_integer_value(max);
        }
        const json_t *id = json_object_get(c, "id");
        if (json_is_object(c) && (!json_is_string(id) || !json_string_length(id))) {
            rb_bad(errors, pn, "第 %zu 项评分内容缺少编号", i + 1);
            all_ok = false;
        }
        for (j = 0; json_is_string(id) && j < i; j++)
            if (json_equal(id, json_object_get(json_array_get(form, j), "id")))
                rb_bad(errors, pn, "第 %zu 项评分内容的编号与第 %zu 项重复", i + 1, j + 1);
        free(pn);
        free(pm);
    }
    if (all_ok && total != 100)
        rb_bad(errors, "rules.score_form", "专家评分表各项满分合计须为 100 分，目前为 %lld 分",
               (long long)total);
}

/* A figure path is a dotted name of lower-case letters, digits and underscores. */
static bool rb_path_ok(const char *p)
{
    if (!p || !*p || strlen(p) > 64) return false;
    for (const char *s = p; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
            return false;
    return p[0] != '.' && p[strlen(p) - 1] != '.' && !strstr(p, "..");
}

static void rb_figures(const json_t *figs, json_t *errors)
{
    if (!figs) return;
    if (!json_is_array(figs)) {
        rb_bad(errors, "rules.form_figures", "补充指标须为列表");
        return;
    }
    size_t i, j;
    json_t *f;
    json_array_foreach(figs, i, f)
    {
        char *pl = xasprintf("rules.form_figures.%zu.label", i);
        char *pu = xasprintf("rules.form_figures.%zu.unit", i);
        const char *path = rules_str(f, "path"), *type = rules_str(f, "type");
        const json_t *label = json_object_get(f, "label"), *unit = json_object_get(f, "unit");
        if (!rb_text_ok(label, RB_LABEL_MAX))
            rb_bad(errors, pl, "第 %zu 项补充指标须填写名称（不超过 %d 个字）", i + 1,
                   RB_LABEL_MAX);
        if (unit && !json_is_null(unit) &&
            (!json_is_string(unit) || rb_chars(json_string_value(unit)) > 20))
            rb_bad(errors, pu, "第 %zu 项补充指标的单位不能超过 20 个字", i + 1);
        if (!rb_path_ok(path)) rb_bad(errors, pl, "第 %zu 项补充指标缺少有效的编号", i + 1);
        if (!type || (strcmp(type, "count") && strcmp(type, "decimal") && strcmp(type, "bool") &&
                      strcmp(type, "text")))
            rb_bad(errors, pl, "第 %zu 项补充指标的类型须为整数、数值、是否或文字", i + 1);
        for (j = 0; j < i; j++) {
            const json_t *o = json_array_get(figs, j);
            if (path && rules_str(o, "path") && !strcmp(path, rules_str(o, "path")))
                rb_bad(errors, pl, "第 %zu 项补充指标的编号与第 %zu 项重复", i + 1, j + 1);
            else if (json_is_string(label) && json_equal(label, json_object_get(o, "label")))
                rb_bad(errors, pl, "第 %zu 项补充指标“%s”与第 %zu 项重名", i + 1,
                       json_string_value(label), j + 1);
        }
        free(pl);
        free(pu);
    }
}

/* A check row's threshold(s): ratios and improvements are shares (0–100%), value_min any
 * non-negative number, count_min_by_manufacturing_type whole numbers per type. */
static void rb_check(const json_t *row, size_t i, json_t *errors)
{
    const char *kind = rules_str(row, "kind"), *label = rules_str(row, "label");
    const char *tname = rb_type_name(rules_str(row, "applies_to"));
    char *p = xasprintf("rules.checks.%zu.min", i);
    label = label ? label : "该项条件";
    const json_t *min = json_object_get(row, "min");
    int64_t d;
    if (!json_is_object(row) || !kind || !rules_str(row, "id")) {
        rb_bad(errors, p, "第 %zu 项申报条件缺少编号或类别", i + 1);
    } else if (!strcmp(kind, "ratio_min") || !strcmp(kind, "improvement_min")) {
        if (json_is_real(min) || rules_dec(min, &d) != 0 || d < 0 || d > DEC_SCALE ||
            (json_is_string(min) && strchr(json_string_value(min), '.') &&
             strlen(strchr(json_string_value(min), '.')) > 5))
            rb_bad(errors, p, "%s（%s）的%s须在 0%% 到 100%% 之间，最多精确到 0.01%%", label, tname,
                   !strcmp(kind, "ratio_min") ? "最低比例" : "最低改善幅度");
    } else if (!strcmp(kind, "value_min")) {
        if (json_is_real(min) || rules_dec(min, &d) != 0 || d < 0)
            rb_bad(errors, p, "%s（%s）的最低值须为不小于 0 的数，最多 4 位小数", label, tname);
    } else if (!strcmp(kind, "count_min_by_manufacturing_type")) {
        static const char *const mts[][2] = {
            {"discrete", "离散型"}, {"process", "流程型"}, {"mixed", "混合型"}};
        for (size_t k = 0; k < 3; k++) {
            const json_t *m = json_object_get(min, mts[k][0]);
            if (m && !rb_int_in(m, 0, 1000)) {
                char *pk = xasprintf("%s.%s", p, mts[k][0]);
                rb_bad(errors, pk, "%s（%s制造企业）须为 0 到 1000 之间的整数", label, mts[k][1]);
                free(pk);
            }
        }
    }
    free(p);
}

static void rb_districts(const json_t *ds, json_t *errors)
{
    if (!ds) return;
    bool ok = json_is_array(ds) && json_array_size(ds) > 0;
    size_t i, j;
    json_t *d;
    json_array_foreach(ok ? ds : NULL, i, d)
    {
        const char *code = rules_str(d, "code");
        if (!code || !*code || !rules_str(d, "name") || !rules_str(d, "group")) ok = false;
        for (j = 0; ok && j < i; j++)
            if (!strcmp(code, rules_str(json_array_get(ds, j), "code") ?: "")) ok = false;
    }
    if (!ok) rb_bad(errors, "rules.districts", "参加本批次的区县至少须选择一个，且不能重复");
}

int rules_validate_batch(const json_t *rules, json_t *errors)
{
    size_t before = json_object_size(errors);
    if (!json_is_object(rules)) {
        rb_bad(errors, "rules", "申报条件须为对象");
        return -1;
    }
    rb_scalars(rules, errors);
    rb_score_form(json_object_get(rules, "score_form"), errors);
    rb_figures(json_object_get(rules, "form_figures"), errors);
    const json_t *checks = json_object_get(rules, "checks");
    if (checks && !json_is_array(checks)) rb_bad(errors, "rules.checks", "申报条件须为列表");
    size_t i;
    json_t *row;
    json_array_foreach(json_is_array(checks) ? checks : NULL, i, row) rb_check(row, i, errors);
    rb_districts(json_object_get(rules, "districts"), errors);
    return json_object_size(errors) > before ? -1 : 0;
}
