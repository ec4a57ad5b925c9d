/* rules_form — the input validators of rules.h: the types and ranges of an application form
 * merge patch (rules_validate_form, rules_validate_form_for) and of a project
 * (rules_validate_project), declared as field tables that mirror API.md. */
#include "core/rules.h"

#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/rules_internal.h"
#include "util/util.h"

/* ==== input validation: application form and project ====================================== *
 *
 * The schema mirrors API.md. Types are checked here so that the API layer can answer 400 naming
 * every bad field before anything is saved; what a figure must reach is the pre-check's business.
 * null is accepted everywhere an object member may appear, because a merge patch clears with it. */

typedef enum rl_ftype {
    FT_COUNT, /* non-negative JSON integer */
    FT_MONEY, /* non-negative whole yuan */
    FT_PCT,   /* integer 0..100 */
    FT_BOOL,
    FT_DEC,    /* non-negative decimal string (or integer), ≤ 4 places */
    FT_TEXT,   /* string of at most `max` characters */
    FT_NAME,   /* non-blank string of at most `max` characters */
    FT_CODE,   /* short ASCII code */
    FT_DATE,   /* YYYY-MM-DD */
    FT_ENUM,   /* one of values */
    FT_SET,    /* array of distinct values */
    FT_IDS,    /* array of positive integer ids */
    FT_OBJ,    /* nested object of sub */
    FT_KEYELS, /* {element_id: {met, description, not_applicable}} */
} rl_ftype;

typedef struct rl_field {
    const char *name;
    rl_ftype t;
    const struct rl_field *sub;
    const char *const *values;
    int max;
} rl_field;

#define RL_COUNT_MAX 1000000000LL
#define RL_MONEY_MAX 1000000000000000LL /* 10¹⁵ yuan: far above any project, far below overflow */
#define RL_TEXT_MAX 10000

static const char *const rl_baselines[] = {"before_project", "industry_average", NULL};
static const char *const rl_techs[] = {
    "cloud", "5g",           "industrial_internet", "iot",        "big_data",       "ai", "vr",
    "ar",    "digital_twin", "biometrics",          "blockchain", "edge_computing", NULL};
static const char *const rl_modes[] = {"discrete",      "process",    "network",
                                       "customization", "remote_ops", NULL};
static const char *const rl_classes[] = {"I", "II", NULL};
static const char *const rl_proofs[] = {"approval",  "filing", "statistics", "plan_and_resolution",
                                        "agreement", NULL};

static const rl_field rl_f_networked[] = {{"processing", FT_BOOL, 0, 0, 0},
                                          {"inspection", FT_BOOL, 0, 0, 0},
                                          {"logistics", FT_BOOL, 0, 0, 0},
                                          {0}};
static const rl_field rl_f_mes[] = {{"scheduling", FT_BOOL, 0, 0, 0},
                                    {"process", FT_BOOL, 0, 0, 0},
                                    {"logistics_warehousing", FT_BOOL, 0, 0, 0},
                                    {"quality", FT_BOOL, 0, 0, 0},
                                    {"equipment", FT_BOOL, 0, 0, 0},
                                    {0}};
static const rl_field rl_f_integration[] = {
    {"realtime_data_mes_erp", FT_BOOL, 0, 0, 0}, {"description", FT_TEXT, 0, 0, RL_TEXT_MAX}, {0}};
static const rl_field rl_f_kpi[] = {{"before", FT_DEC, 0, 0, 0}, {"after", FT_DEC, 0, 0, 0}, {0}};
static const rl_field rl_f_kpis[] = {
    {"operating_cost", FT_OBJ, rl_f_kpi, 0, 0}, {"efficiency", FT_OBJ, rl_f_kpi, 0, 0},
    {"defect_rate", FT_OBJ, rl_f_kpi, 0, 0},    {"energy_utilization", FT_OBJ, rl_f_kpi, 0, 0},
    {"rd_cycle", FT_OBJ, rl_f_kpi, 0, 0},       {0}};
static const rl_field rl_f_factory[] = {{"mode", FT_ENUM, 0, rl_modes, 0},
                                        {"digital_workshops", FT_COUNT, 0, 0, 0},
                                        {"whole_factory", FT_BOOL, 0, 0, 0},
                                        {"design_tools", FT_BOOL, 0, 0, 0},
                                        {"design_knowledge_management", FT_BOOL, 0, 0, 0},
                                        {"erp_closed_loop", FT_BOOL, 0, 0, 0},
                                        {"remote_service", FT_BOOL, 0, 0, 0},
                                        {"key_elements", FT_KEYELS, 0, 0, 0},
                                        {"leading_description", FT_TEXT, 0, 0, RL_TEXT_MAX},
                                        {0}};
static const rl_field rl_f_form[] = {{"equipment_total", FT_COUNT, 0, 0, 0},
                                     {"equipment_digital", FT_COUNT, 0, 0, 0},
                                     {"data_points_total", FT_COUNT, 0, 0, 0},
                                     {"data_points_uploaded", FT_COUNT, 0, 0, 0},
                                     {"networked", FT_OBJ, rl_f_networked, 0, 0},
                                     {"realtime_monitoring", FT_BOOL, 0, 0, 0},
                                     {"mes", FT_OBJ, rl_f_mes, 0, 0},
                                     {"visual_management", FT_BOOL, 0, 0, 0},
                                     {"integration", FT_OBJ, rl_f_integration, 0, 0},
                                     {"kpi_baseline", FT_ENUM, 0, rl_baselines, 0},
                                     {"kpis", FT_OBJ, rl_f_kpis, 0, 0},
                                     {"technologies", FT_SET, 0, rl_techs, 0},
                                     {"factory", FT_OBJ, rl_f_factory, 0, 0},
                                     {"industrial_policy_compliant", FT_BOOL, 0, 0, 0},
                                     {"attachment_ids", FT_IDS, 0, 0, 0},
                                     {"declaration_signed", FT_BOOL, 0, 0, 0},
                                     {0}};
static const rl_field rl_f_project[] = {{"name", FT_NAME, 0, 0, 200},
                                        {"site_name", FT_NAME, 0, 0, 200},
                                        {"district_code", FT_CODE, 0, 0, 16},
                                        {"address", FT_TEXT, 0, 0, 500},
                                        {"class", FT_ENUM, 0, rl_classes, 0},
                                        {"start_date", FT_DATE, 0, 0, 0},
                                        {"completion_date", FT_DATE, 0, 0, 0},
                                        {"progress_pct", FT_PCT, 0, 0, 0},
                                        {"total_investment", FT_MONEY, 0, 0, 0},
                                        {"equipment_software_investment", FT_MONEY, 0, 0, 0},
                                        {"other_public_funding", FT_BOOL, 0, 0, 0},
                                        {"approval_proof_type", FT_ENUM, 0, rl_proofs, 0},
                                        {"approval_attachment_ids", FT_IDS, 0, 0, 0},
                                        {"content", FT_TEXT, 0, 0, RL_TEXT_MAX},
                                        {"expected_results", FT_TEXT, 0, 0, RL_TEXT_MAX},
                                        {0}};

typedef struct rl_vctx {
    const json_t *extras; /* rules.form_figures or NULL */
    const json_t *modes;
    json_t *errors;
} rl_vctx;

static void rl_bad(rl_vctx *v, const char *path, const char *why)
{
    if (!json_object_get(v->errors, path)) json_object_set_new(v->errors, path, json_string(why));
}

static size_t rl_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

static void rl_values_list(sbuf *b, const char *const *values)
{
    for (size_t i = 0; values[i]; i++)
        sbuf_printf(b, "%s%s", i ? "、" : "", values[i]);
}

static bool rl_in(const char *const *values, const char *s)
{
    for (size_t i = 0; values[i]; i++)
        if (!strcmp(values[i], s)) return true;
    return false;
}

static void rl_check_obj(rl_vctx *v, const json_t *obj, const rl_field *spec, const char *prefix);

static void rl_check_keyels(rl_vctx *v, const json_t *val, const char *path)
{
    static const rl_field answer[] = {{"met", FT_BOOL, 0, 0, 0},
                                      {"description", FT_TEXT, 0, 0, RL_TEXT_MAX},
                                      {"not_applicable", FT_BOOL, 0, 0, 0},
                                      {0}};
    if (!json_is_object(val)) {
        rl_bad(v, path, "须为对象（关键要素编号 → {met, description, not_applicable}）");
        return;
    }
    const char *k;
    json_t *a;
    json_object_foreach((json_t *)val, k, a)
    {
        char *p = xasprintf("%s.%s", path, k);
        bool known = false;
        size_t i;
        const json_t *m;
        json_array_foreach(v->modes, i, m)
        {
            if (rules_find_district(json_object_get(m, "key_elements"), k)) known = true;
        }
        if (!known)
            rl_bad(v, p, "不是智能制造新模式的关键要素编号");
        else if (!json_is_null(a) && !json_is_object(a))
            rl_bad(v, p, "须为对象 {met, description, not_applicable}");
        else if (json_is_object(a))
            rl_check_obj(v, a, answer, p);
        free(p);
    }
}

/* Checks one value against its type; path names it in `errors`. */
static void rl_check_value(rl_vctx *v, const json_t *val, const rl_field *f, const char *path)
{
    if (json_is_null(val)) return;
    sbuf b;
    sbuf_init(&b);
    switch (f->t) {
    case FT_COUNT:
    case FT_MONEY:
    case FT_PCT: {
        json_int_t lim = f->t == FT_COUNT ? RL_COUNT_MAX : f->t == FT_MONEY ? RL_MONEY_MAX : 100;
        if (!json_is_integer(val) || json_integer_value(val) < 0 || json_integer_value(val) > lim) {
            if (f->t == FT_PCT)
                rl_bad(v, path, "须为 0 到 100 之间的整数");
            else if (f->t == FT_MONEY)
                rl_bad(v, path, "须为不小于 0 的整数（单位：元）");
            else
                rl_bad(v, path, "须为不小于 0 的整数");
        }
        break;
    }
    case FT_BOOL:
        if (!json_is_boolean(val)) rl_bad(v, path, "须为 true 或 false");
        break;
    case FT_DEC: {
        int64_t d;
        if (json_is_real(val))
            rl_bad(v, path, "小数须以字符串填写（如 \"0.595\"），最多 4 位小数");
        else if (rules_dec(val, &d) != 0)
            rl_bad(v, path, "须为数字，最多 4 位小数（如 \"0.595\"）");
        else if (d < 0)
            rl_bad(v, path, "不能为负数");
        break;
    }
    case FT_TEXT:
    case FT_NAME:
        if (!json_is_string(val))
            rl_bad(v, path, "须为文本");
        else if (f->t == FT_NAME && !rules_text_present(val))
            rl_bad(v, path, "不能为空");
        else if ((int)rl_utf8_chars(json_string_value(val)) > f->max) {
            sbuf_printf(&b, "不能超过 %d 个字", f->max);
            rl_bad(v, path, b.data);
        }
        break;
    case FT_CODE: {
        const char *s = json_is_string(val) ? json_string_value(val) : NULL;
        bool ok = s && *s && (int)strlen(s) <= f->max;
        for (; ok && *s; s++)
            if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
                ok = false;
        if (!ok) rl_bad(v, path, "须为区县代码（如 500112 或 CQLJ）");
        break;
    }
    case FT_DATE: {
        cal_date d;
        if (!json_is_string(val) || cal_parse_date(json_string_value(val), &d) != 0)
            rl_bad(v, path, "须为有效日期，格式 YYYY-MM-DD");
        break;
    }
    case FT_ENUM:
        if (!json_is_string(val) || !rl_in(f->values, json_string_value(val))) {
            sbuf_puts(&b, "须为以下之一：");
            rl_values_list(&b, f->values);
            rl_bad(v, path, b.data);
        }
        break;
    case FT_SET: {
        bool ok = json_is_array(val);
        size_t i, j;
        const json_t *e;
        json_array_foreach(ok ? val : NULL, i, e)
        {
            if (!json_is_string(e) || !rl_in(f->values, json_string_value(e))) ok = false;
            for (j = 0; ok && j < i; j++)
                if (json_equal(e, json_array_get(val, j))) ok = false;
        }
        if (!ok) {
            sbuf_puts(&b, "须为不重复的数组，取值为：");
            rl_values_list(&b, f->values);
            rl_bad(v, path, b.data);
        }
        break;
    }
    case FT_IDS: {
        bool ok = json_is_array(val);
        size_t i;
        const json_t *e;
        json_array_foreach(ok ? val : NULL, i,
                           e) if (!json_is_integer(e) || json_integer_value(e) <= 0) ok = false;
        if (!ok) rl_bad(v, path, "须为正整数编号的数组");
        break;
    }
    case FT_OBJ:
        if (!json_is_object(val))
            rl_bad(v, path, "须为对象");
        else
            rl_check_obj(v, val, f->sub, path);
        break;
    case FT_KEYELS:
        rl_check_keyels(v, val, path);
        break;
    }
    sbuf_free(&b);
}

/* An extra figure of the batch (rules.form_figures) with this full path, or one below it. */
static const json_t *rl_extra(const rl_vctx *v, const char *path, bool *below)
{
    size_t i, n = strlen(path);
    const json_t *e;
    *below = false;
    json_array_foreach(v->extras, i, e)
    {
        const char *p = rules_str(e, "path");
        if (!p) continue;
        if (!strcmp(p, path)) return e;
        if (!strncmp(p, path, n) && p[n] == '.') *below = true;
    }
    return NULL;
}

static void rl_check_obj(rl_vctx *v, const json_t *obj, const rl_field *spec, const char *prefix)
{
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)obj, k, val)
    {
        char *path = prefix && *prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
        const rl_field *f = NULL;
        for (size_t i = 0; spec && spec[i].name; i++)
            if (!strcmp(spec[i].name, k)) f = &spec[i];
        bool below = false;
        const json_t *extra = f ? NULL : rl_extra(v, path, &below);
        if (f) {
            rl_check_value(v, val, f, path);
        } else if (extra) {
            const char *t = rules_str(extra, "type");
            rl_field ef = {k, FT_TEXT, 0, 0, RL_TEXT_MAX};
            if (t && !strcmp(t, "count")) ef.t = FT_COUNT;
            if (t && !strcmp(t, "decimal")) ef.t = FT_DEC;
            if (t && !strcmp(t, "bool")) ef.t = FT_BOOL;
            rl_check_value(v, val, &ef, path);
        } else if (below && (json_is_object(val) || json_is_null(val))) {
            if (json_is_object(val)) rl_check_obj(v, val, NULL, path);
        } else {
            rl_bad(v, path, "未知字段");
        }
        free(path);
    }
}

int rules_validate_form_for(const json_t *patch, const json_t *rules, const json_t *modes,
                            json_t *errors)
{
    json_t *own_modes = NULL;
    rl_vctx v = {.extras = json_object_get(rules, "form_figures"), .errors = errors};
    v.modes = json_object_get(rules, "factory_modes");
    if (!v.modes) v.modes = modes;
    if (!v.modes) v.modes = own_modes = rules_default_factory_modes();
    size_t before = json_object_size(errors);
    if (!json_is_object(patch))
        rl_bad(&v, "", "申报书须为 JSON 对象");
    else
        rl_check_obj(&v, patch, rl_f_form, "");
    json_decref(own_modes);
    return json_object_size(errors) > before ? -1 : 0;
}

int rules_validate_form(const json_t *patch, json_t *errors)
{
    return rules_validate_form_for(patch, NULL, NULL, errors);
}

int rules_validate_project(const json_t *obj, json_t *errors)
{
    rl_vctx v = {.errors = errors};
    size_t before = json_object_size(errors);
    if (!json_is_object(obj)) {
        rl_bad(&v, "", "项目须为 JSON 对象");
        return -1;
    }
    rl_check_obj(&v, obj, rl_f_project, "");
    /* Cross-field rules, only where both sides are present and individually valid. */
    cal_date s, c;
    if (!json_object_get(errors, "start_date") && !json_object_get(errors, "completion_date") &&
        rules_date(obj, "start_date", &s) == 0 && rules_date(obj, "completion_date", &c) == 0 &&
        cal_compare(c, s) < 0)
        rl_bad(&v, "completion_date", "完工日期不能早于开工日期");
    int64_t tot, eq;
    if (!json_object_get(errors, "total_investment") &&
        !json_object_get(errors, "equipment_software_investment") &&
        rules_int(json_object_get(obj, "total_investment"), &tot) == 0 &&
        rules_int(json_object_get(obj, "equipment_software_investment"), &eq) == 0 && eq > tot)
        rl_bad(&v, "equipment_software_investment", "设备和软件投资不能大于项目总投资");
    return json_object_size(errors) > before ? -1 : 0;
}
