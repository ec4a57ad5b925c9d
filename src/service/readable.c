/* readable — see readable.h. The fixed figures of the form are tables below, in the order of
 * 附件1/附件2; which finding belongs beside which figure is read from the batch's rules (each
 * check names its figures by path), never listed here. */
#include "service/readable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/decimal.h"
#include "core/workflow.h"
#include "service/assessment.h"
#include "service/ent_internal.h"
#include "service/enterprise.h"
#include "service/reference.h"
#include "service/review.h"
#include "util/util.h"

typedef enum { RD_COUNT, RD_BOOL, RD_TEXT, RD_TECHS, RD_MODE, RD_KEYELS } rd_kind;

typedef struct rd_fig {
    const char *path, *label;
    rd_kind kind;
    const char *unit; /* counts: 台/套, 项, 个 */
} rd_fig;

typedef struct rd_sec {
    const char *title;
    const char *only; /* "factory": only for that type; NULL: both */
    bool kpis;        /* the KPI table goes into this section */
    const rd_fig *figs;
} rd_sec;

static const rd_fig RD_EQUIPMENT[] = {{"equipment_total", "生产装备总数", RD_COUNT, "台/套"},
                                      {"equipment_digital", "其中数字化装备", RD_COUNT, "台/套"},
                                      {0}};
static const rd_fig RD_DATA[] = {
    {"networked.processing", "加工设备联网运行", RD_BOOL, 0},
    {"networked.inspection", "检测设备联网运行", RD_BOOL, 0},
    {"networked.logistics", "物流设备联网运行", RD_BOOL, 0},
    {"data_points_total", "应采集的设备运行数据项数", RD_COUNT, "项"},
    {"data_points_uploaded", "其中已自动上传的数据项数", RD_COUNT, "项"},
    {"realtime_monitoring", "设备实时监控", RD_BOOL, 0},
    {0}};
static const rd_fig RD_MES[] = {{"mes.scheduling", "车间作业计划管理和调度", RD_BOOL, 0},
                                {"mes.process", "工艺执行管理", RD_BOOL, 0},
                                {"mes.logistics_warehousing", "物流与仓储管理", RD_BOOL, 0},
                                {"mes.quality", "质量分析管理与跟踪", RD_BOOL, 0},
                                {"mes.equipment", "设备运行管理", RD_BOOL, 0},
                                {"visual_management", "车间可视化管理", RD_BOOL, 0},
                                {0}};
static const rd_fig RD_INTEGRATION[] = {
    {"integration.realtime_data_mes_erp",
     "设备实时数据采集系统、制造执行系统与企业管理设计信息系统已集成", RD_BOOL, 0},
    {"integration.description", "集成情况说明", RD_TEXT, 0},
    {0}};
static const rd_fig RD_NONE[] = {{0}};
static const rd_fig RD_TECH[] = {{"technologies", "应用的新一代信息技术", RD_TECHS, 0}, {0}};
static const rd_fig RD_FACTORY[] = {
    {"factory.whole_factory", "以单个工厂作为整体申报", RD_BOOL, 0},
    {"factory.digital_workshops", "工厂内数字化车间数量", RD_COUNT, "个"},
    {"factory.design_tools", "采用数字化研发设计工具开展产品、工艺设计", RD_BOOL, 0},
    {"factory.design_knowledge_management", "具有设计知识管理功能", RD_BOOL, 0},
    {"factory.erp_closed_loop", "以 ERP 为核心实现订单管理、生产管理、售后服务全部业务流程闭环管理",
     RD_BOOL, 0},
    {"factory.remote_service", "建有产品服务信息系统，实现产品远程服务", RD_BOOL, 0},
    {"factory.mode", "智能制造新模式", RD_MODE, 0},
    {"factory.key_elements", "关键要素", RD_KEYELS, 0},
    {"factory.leading_description", "行业领先水平和示范带动作用说明", RD_TEXT, 0},
    {0}};
static const rd_fig RD_DECLARATION[] = {
    {"industrial_policy_compliant", "申报项目符合国家及重庆市产业政策", RD_BOOL, 0},
    {"declaration_signed", "真实性声明：所填报内容及所附材料真实、准确、完整", RD_BOOL, 0},
    {0}};

static const rd_sec RD_SECTIONS[] = {
    {"一、设备数字化", NULL, false, RD_EQUIPMENT},
    {"二、数据采集", NULL, false, RD_DATA},
    {"三、生产过程数字化", NULL, false, RD_MES},
    {"四、车间信息集成", NULL, false, RD_INTEGRATION},
    {"五、绩效指标", NULL, true, RD_NONE},
    {"六、新一代信息技术应用", NULL, false, RD_TECH},
    {"七、智能工厂", "factory", false, RD_FACTORY},
};

static const char *const RD_TECH_NAMES[][2] = {
    {"cloud", "云计算"},
    {"5g", "5G"},
    {"industrial_internet", "工业互联网"},
    {"iot", "物联网"},
    {"big_data", "大数据"},
    {"ai", "人工智能"},
    {"vr", "虚拟现实"},
    {"ar", "增强现实"},
    {"digital_twin", "数字孪生"},
    {"biometrics", "生物识别"},
    {"blockchain", "区块链"},
    {"edge_computing", "边缘计算"},
};
static const char *const RD_MODE_NAMES[][2] = {
    {"discrete", "离散型智能制造模式"}, {"process", "流程型智能制造模式"},
    {"network", "网络协同制造模式"},    {"customization", "大规模个性化定制模式"},
    {"remote_ops", "远程运维服务模式"},
};
static const char *const RD_PROOF_NAMES[][2] = {
    {"approval", "核准"},
    {"filing", "备案"},
    {"statistics", "统计联网直报平台（固定资产投资报表）"},
    {"plan_and_resolution", "项目实施计划书和企业董事会立项决议书"},
    {"agreement", "项目投资协议书或投资合同"},
};
static const char *const RD_MTYPE_NAMES[][2] = {
    {"discrete", "离散型制造"}, {"process", "流程型制造"}, {"mixed", "混合型制造"}};

#define RD_NAME(map, key) rd_name(map, sizeof map / sizeof map[0], key)

static const char *rd_name(const char *const (*map)[2], size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (!strcmp(map[i][0], key)) return map[i][1];
    return NULL;
}

static const char *rd_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The member at a dotted path ("kpis.efficiency.before"), or NULL. */
static const json_t *rd_at(const json_t *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
        o = json_object_get(o, k);
    return o;
}

static char *rd_bool(const json_t *v)
{
    return xstrdup(json_is_true(v) ? "是" : json_is_false(v) ? "否" : "未填写");
}

/* A figure's value as text: a count with its unit, a decimal, a boolean, text. */
static char *rd_plain(const json_t *v, const char *unit)
{
    if (json_is_integer(v))
        return xasprintf("%lld%s%s", (long long)json_integer_value(v), unit ? " " : "",
                         unit ? unit : "");
    if (json_is_boolean(v)) return rd_bool(v);
    if (json_is_string(v) && json_string_length(v))
        return xasprintf("%s%s%s", json_string_value(v), unit ? " " : "", unit ? unit : "");
    return xstrdup("未填写");
}

static char *rd_techs(const json_t *v)
{
    sbuf b;
    sbuf_init(&b);
    size_t i;
    json_t *t;
    json_array_foreach(v, i, t)
    {
        const char *n = RD_NAME(RD_TECH_NAMES, json_string_value(t));
        sbuf_printf(&b, "%s%s", b.len ? "、" : "", n ? n : "其他");
    }
    if (!b.len) sbuf_puts(&b, "未填写");
    return sbuf_take(&b);
}

static void rd_row(json_t *rows, const char *label, char *value, const char *path)
{
    json_array_append_new(rows, json_pack("{s:s,s:s,s:s?,s:[]}", "label", label, "value",
                                          value ? value : "", "path", path, "findings"));
    free(value);
}

static void rd_text(json_t *texts, const char *label, const json_t *v, const char *path)
{
    const char *t = json_string_value(v);
    json_array_append_new(texts, json_pack("{s:s,s:s,s:s?,s:[]}", "label", label, "text",
                                           t && *t ? t : "未填写", "path", path, "findings"));
}

/* ---------------------------------------------------------------- findings */

typedef struct rd_ctx {
    const json_t *form, *checks, *findings;
    const char *type;
    bool *used; /* one per finding: already placed beside a figure */
    svc_when_fn when;
} rd_ctx;

static bool rd_applies(const json_t *ck, const char *type)
{
    const char *to = rd_str(ck, "applies_to");
    return !to || !strcmp(to, "both") || !type || !strcmp(to, type);
}

static bool rd_digits(const char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    return true;
}

char *svc_readable_times(const char *t, svc_when_fn when)
{
    sbuf b;
    sbuf_init(&b);
    for (const char *p = t ? t : ""; *p;) {
        bool date = rd_digits(p, 4) && p[4] == '-' && rd_digits(p + 5, 2) && p[7] == '-' &&
                    rd_digits(p + 8, 2);
        if (date && p[10] == 'T') {
            size_t n = strcspn(p, " ；;，,）)");
            char *one = xstrndup(p, n);
            int64_t at;
            if (cal_parse_rfc3339(one, &at) == 0) {
                char *w = when(at);
                sbuf_puts(&b, w);
                free(w);
                free(one);
                p += n;
                continue;
            }
            free(one);
        }
        if (date && p[10] == ' ' && rd_digits(p + 11, 2) && p[13] == ':' && rd_digits(p + 14, 2)) {
            sbuf_printf(&b, "%d年%d月%d日 %.5s", atoi(p), atoi(p + 5), atoi(p + 8), p + 11);
            p += 16;
            continue;
        }
        if (date && !(p[10] >= '0' && p[10] <= '9')) {
            sbuf_printf(&b, "%d年%d月%d日", atoi(p), atoi(p + 5), atoi(p + 8));
            p += 10;
            continue;
        }
        sbuf_append(&b, p, 1);
        p++;
    }
    if (!b.len) sbuf_puts(&b, "");
    return sbuf_take(&b);
}

/* The finding of check `ck` as the page shows it; marks it used. NULL when none. */
static json_t *rd_finding_of(rd_ctx *x, const json_t *ck)
{
    const char *id = rd_str(ck, "id"), *cond = rd_str(ck, "condition");
    size_t i;
    json_t *f;
    json_array_foreach(x->findings, i, f)
    {
        const char *fr = rd_str(f, "rule"), *fc = rd_str(f, "condition");
        if (x->used[i] || !id || !fr || strcmp(id, fr)) continue;
        if (cond && fc && strcmp(cond, fc)) continue;
        x->used[i] = true;
        bool ok = json_is_true(json_object_get(f, "ok"));
        const char *sev = rd_str(f, "severity");
        bool warn = !ok && sev && !strcmp(sev, "warning");
        const char *tone = ok ? "ok" : warn ? "warning" : "fail";
        const char *verdict = ok ? "满足" : warn ? "提示" : "不满足";
        char *msg = svc_readable_times(rd_str(f, "message"), x->when);
        char *req = svc_readable_times(rd_str(f, "required"), x->when);
        char *act = svc_readable_times(rd_str(f, "actual"), x->when);
        json_t *o =
            json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:s?}", "ok", ok, "tone", tone, "verdict", verdict,
                      "message", msg, "required", req, "actual", act, "basis", rd_str(ck, "basis"));
        free(msg);
        free(req);
        free(act);
        return o;
    }
    return NULL;
}

/* The row (or text) of `path` in any section, or NULL. */
static json_t *rd_find_row(json_t *sections, const char *path, json_t **list, size_t *at)
{
    size_t i, j;
    json_t *s, *r;
    static const char *const lists[] = {"rows", "texts"};
    json_array_foreach(sections, i, s) for (int k = 0; k < 2; k++)
    {
        json_t *l = json_object_get(s, lists[k]);
        json_array_foreach(l, j, r)
        {
            const char *p = rd_str(r, "path");
            if (p && !strcmp(p, path)) {
                if (list) *list = l;
                if (at) *at = j;
                return r;
            }
        }
    }
    return NULL;
}

/* The last figure path a check names (its single figure, the last of its list, or the
 * denominator of a ratio). */
static const char *rd_check_path(const json_t *ck)
{
    const char *p = rd_str(ck, "figure");
    if (p) return p;
    json_t *figs = json_object_get(ck, "figures");
    if (json_array_size(figs))
        return rd_str(json_array_get(figs, json_array_size(figs) - 1), "path");
    return rd_str(ck, "den");
}

/* Places each check's finding beside its figure: a ratio gets a row of its own after its two
 * figures; a KPI's goes into its table row (rd_kpis). */
static void rd_place_findings(rd_ctx *x, json_t *sections)
{
    size_t i;
    json_t *ck;
    json_array_foreach(x->checks, i, ck)
    {
        const char *kind = rd_str(ck, "kind");
        if (!rd_applies(ck, x->type) || (kind && !strcmp(kind, "improvement_min"))) continue;
        const char *path = rd_check_path(ck);
        json_t *list = NULL;
        size_t at = 0;
        json_t *row = path ? rd_find_row(sections, path, &list, &at) : NULL;
        if (!row) continue;
        json_t *f = rd_finding_of(x, ck);
        if (!f) continue;
        if (kind && !strcmp(kind, "ratio_min")) {
            size_t num_at = 0;
            json_t *num_list = NULL;
            if (rd_find_row(sections, rd_str(ck, "num") ? rd_str(ck, "num") : "", &num_list,
                            &num_at) &&
                num_list == list && num_at > at)
                at = num_at;
            const char *actual = rd_str(f, "actual");
            json_t *r = json_pack("{s:s,s:s,s:[o]}", "label",
                                  rd_str(ck, "label") ? rd_str(ck, "label") : "", "value",
                                  actual && *actual ? actual : "未能计算", "findings", f);
            json_array_insert_new(list, at + 1, r);
        } else {
            json_array_append_new(json_object_get(row, "findings"), f);
        }
    }
}

/* ---------------------------------------------------------------- KPIs */

/* v (× 10⁴) as a signed decimal text: "+15", "−0.3". */
static char *rd_signed(int64_t v, bool pct)
{
    char buf[DEC_BUF];
    int64_t a = v < 0 ? -v : v;
    if (pct)
        dec_format_pct(a, buf, sizeof buf);
    else
        dec_format(a, buf, sizeof buf);
    return xasprintf("%s%s", v > 0 ? "+" : v < 0 ? "−" : "", buf);
}

static json_t *rd_kpis(rd_ctx *x)
{
    const char *base = rd_str(x->form, "kpi_baseline");
    const char *bname = !base                             ? "未填写"
                        : !strcmp(base, "before_project") ? "改造项目：与建设前对比"
                        : !strcmp(base, "industry_average") ? "新建项目：与行业平均水平对比"
                                                            : "未填写";
    json_t *rows = json_array(), *bfind = NULL;
    size_t i;
    json_t *ck;
    json_array_foreach(x->checks, i, ck)
    {
        const char *kind = rd_str(ck, "kind"), *fig = rd_str(ck, "figure");
        if (!rd_applies(ck, x->type) || !kind || !fig) continue;
        if (!strcmp(kind, "one_of") && !strcmp(fig, "kpi_baseline")) {
            if (!bfind) bfind = rd_finding_of(x, ck);
            continue;
        }
        if (strcmp(kind, "improvement_min")) continue;
        const json_t *k = rd_at(x->form, fig);
        const char *b = rd_str(k, "before"), *a = rd_str(k, "after");
        const char *dir = rd_str(ck, "direction");
        bool lower = dir && !strcmp(dir, "lower");
        int64_t bv, av, min;
        char *change = NULL, *pct = NULL, *want = NULL;
        if (b && a && dec_parse(b, &bv) == 0 && dec_parse(a, &av) == 0) {
            change = rd_signed(av - bv, false);
            if (bv > 0) pct = rd_signed((int64_t)((__int128)(av - bv) * DEC_SCALE / bv), true);
        }
        if (rd_str(ck, "min") && dec_parse(rd_str(ck, "min"), &min) == 0) {
            char buf[DEC_BUF];
            want = xasprintf("%s %s 以上", lower ? "降低" : "提高",
                             dec_format_pct(min, buf, sizeof buf));
        }
        json_t *f = rd_finding_of(x, ck);
        json_array_append_new(
            rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "label",
                            rd_str(ck, "label") ? rd_str(ck, "label") : fig, "before",
                            b && *b ? b : "未填写", "after", a && *a ? a : "未填写", "change",
                            change ? change : "—", "change_pct", pct ? pct : "—", "want",
                            want ? want : "", "findings", f ? json_pack("[o]", f) : json_array()));
        free(change);
        free(pct);
        free(want);
    }
    return json_pack("{s:s,s:o?,s:o}", "baseline", bname, "baseline_finding", bfind, "rows", rows);
}

/* ---------------------------------------------------------------- sections */

static void rd_keyels(json_t *rows, json_t *texts, const json_t *batch, const json_t *form)
{
    const json_t *fac = json_object_get(form, "factory");
    const char *mode = rd_str(fac, "mode");
    if (!mode) return;
    json_t *modes = json_object_get(json_object_get(batch, "rules"), "factory_modes");
    modes = json_is_array(modes) ? json_incref(modes) : svc_factory_modes();
    const json_t *answers = json_object_get(fac, "key_elements");
    size_t i, j;
    json_t *m, *el;
    json_array_foreach(modes, i, m)
    {
        if (strcmp(rd_str(m, "id") ? rd_str(m, "id") : "", mode)) continue;
        json_array_foreach(json_object_get(m, "key_elements"), j, el)
        {
            const char *eid = rd_str(el, "id");
            const json_t *ans = json_object_get(answers, eid ? eid : "");
            const json_t *met = json_object_get(ans, "met");
            const char *v = json_is_true(json_object_get(ans, "not_applicable")) ? "本项目不适用"
                            : json_is_true(met)                                  ? "满足"
                            : json_is_false(met)                                 ? "不满足"
                                                                                 : "未填写";
            const char *et = rd_str(el, "text");
            char *label = xasprintf("关键要素 %s：%s", eid ? eid : "", et ? et : "");
            rd_row(rows, label, xstrdup(v), NULL);
            const char *d = rd_str(ans, "description");
            if (d && *d) {
                char *tl = xasprintf("关键要素 %s 建设情况说明", eid ? eid : "");
                rd_text(texts, tl, json_object_get(ans, "description"), NULL);
                free(tl);
            }
            free(label);
        }
    }
    json_decref(modes);
}

static json_t *rd_section(const rd_sec *sec, const json_t *batch, const json_t *form)
{
    json_t *rows = json_array(), *texts = json_array();
    for (const rd_fig *f = sec->figs; f->path; f++) {
        const json_t *v = rd_at(form, f->path);
        switch (f->kind) {
        case RD_COUNT:
        case RD_BOOL:
            rd_row(rows, f->label, rd_plain(v, f->unit), f->path);
            break;
        case RD_TEXT:
            rd_text(texts, f->label, v, f->path);
            break;
        case RD_TECHS:
            rd_row(rows, f->label, rd_techs(v), f->path);
            break;
        case RD_MODE: {
            const char *n = RD_NAME(RD_MODE_NAMES, json_string_value(v));
            rd_row(rows, f->label, xstrdup(n ? n : "未填写"), f->path);
            break;
        }
        case RD_KEYELS:
            rd_keyels(rows, texts, batch, form);
            break;
        }
    }
    return json_pack("{s:s,s:o,s:o}", "title", sec->title, "rows", rows, "texts", texts);
}

/* The figures the batch adds (rules.form_figures: [{path, type, label, unit?}]). */
static json_t *rd_extra_section(const json_t *rules, const json_t *form)
{
    json_t *rows = json_array(), *texts = json_array();
    size_t i;
    json_t *ef;
    json_array_foreach(json_object_get(rules, "form_figures"), i, ef)
    {
        const char *path = rd_str(ef, "path"), *t = rd_str(ef, "type");
        const char *label = rd_str(ef, "label") ? rd_str(ef, "label") : "本批次增加的指标";
        if (!path) continue;
        const json_t *v = rd_at(form, path);
        if (t && !strcmp(t, "text"))
            rd_text(texts, label, v, path);
        else
            rd_row(rows, label, rd_plain(v, rd_str(ef, "unit")), path);
    }
    if (!json_array_size(rows) && !json_array_size(texts)) {
        json_decref(rows);
        json_decref(texts);
        return NULL;
    }
    return json_pack("{s:s,s:o,s:o}", "title", "本批次增加的指标", "rows", rows, "texts", texts);
}

static json_t *rd_sections(rd_ctx *x, const json_t *batch)
{
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof RD_SECTIONS / sizeof RD_SECTIONS[0]; i++) {
        const rd_sec *s = &RD_SECTIONS[i];
        if (s->only && x->type && strcmp(s->only, x->type)) continue;
        json_t *o = rd_section(s, batch, x->form);
        if (s->kpis) json_object_set_new(o, "kpis", json_null()); /* filled after placing */
        json_array_append_new(out, o);
    }
    json_t *extra = rd_extra_section(json_object_get(batch, "rules"), x->form);
    if (extra) json_array_append_new(out, extra);
    json_t *decl = rd_section(&(rd_sec){"声明", NULL, false, RD_DECLARATION}, batch, x->form);
    json_array_append_new(out, decl);
    rd_place_findings(x, out);
    size_t i;
    json_t *s;
    json_array_foreach(out, i, s) if (json_object_get(s, "kpis"))
        json_object_set_new(s, "kpis", rd_kpis(x));
    return out;
}

/* ---------------------------------------------------------------- enterprise and project */

static json_t *rd_enterprise(db *d, const json_t *ent)
{
    json_t *rows = json_array();
    json_t *ds = svc_districts(d);
    const char *dc = rd_str(ent, "district_code"), *dn = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(ds, i, x) if (dc && rd_str(x, "code") && !strcmp(dc, rd_str(x, "code"))) dn =
        rd_str(x, "name");
    rd_row(rows, "企业名称", rd_plain(json_object_get(ent, "name"), NULL), NULL);
    rd_row(rows, "统一社会信用代码", rd_plain(json_object_get(ent, "uscc"), NULL), NULL);
    rd_row(rows, "注册地所在区县", xstrdup(dn ? dn : "未填写"), NULL);
    rd_row(rows, "注册地址", rd_plain(json_object_get(ent, "address"), NULL), NULL);
    rd_row(rows, "法定代表人", rd_plain(json_object_get(ent, "legal_representative"), NULL), NULL);
    const char *mt = RD_NAME(RD_MTYPE_NAMES, rd_str(ent, "manufacturing_type"));
    rd_row(rows, "制造类型", xstrdup(mt ? mt : "未填写"), NULL);
    rd_row(rows, "具有独立法人资格", rd_bool(json_object_get(ent, "independent_legal_person")),
           NULL);
    rd_row(rows, "整机产品类企业", rd_bool(json_object_get(ent, "complete_machine")), NULL);
    json_decref(ds);
    return rows;
}

static char *rd_money(const json_t *v)
{
    if (!json_is_integer(v)) return xstrdup("未填写");
    char buf[DEC_BUF];
    return xasprintf("%s（%lld 元）", dec_format_wan(json_integer_value(v), buf, sizeof buf),
                     (long long)json_integer_value(v));
}

/* A YYYY-MM-DD date as people write it (2019年12月31日). */
static char *rd_date(const json_t *v)
{
    cal_date d;
    if (!json_is_string(v) || cal_parse_date(json_string_value(v), &d) != 0)
        return rd_plain(v, NULL);
    return xasprintf("%d年%d月%d日", d.y, d.m, d.d);
}

static json_t *rd_project(const json_t *p)
{
    json_t *rows = json_array(), *texts = json_array();
    rd_row(rows, "项目名称", rd_plain(json_object_get(p, "name"), NULL), NULL);
    rd_row(rows, "车间/工厂名称", rd_plain(json_object_get(p, "site_name"), NULL), NULL);
    rd_row(rows, "项目地址", rd_plain(json_object_get(p, "address"), NULL), NULL);
    const char *cl = rd_str(p, "class");
    rd_row(rows, "项目类别",
           xstrdup(cl && !strcmp(cl, "I")    ? "Ⅰ类（在建项目）"
                   : cl && !strcmp(cl, "II") ? "Ⅱ类（已建成项目）"
                                             : "未填写"),
           NULL);
    rd_row(rows, "开工日期", rd_date(json_object_get(p, "start_date")), NULL);
    rd_row(rows, "（计划）完工日期", rd_date(json_object_get(p, "completion_date")), NULL);
    rd_row(rows, "项目进度", rd_plain(json_object_get(p, "progress_pct"), "%"), NULL);
    rd_row(rows, "项目总投资", rd_money(json_object_get(p, "total_investment")), NULL);
    rd_row(rows, "设备和软件投资（含信息技术服务）",
           rd_money(json_object_get(p, "equipment_software_investment")), NULL);
    rd_row(rows, "获得其他财政资金支持", rd_bool(json_object_get(p, "other_public_funding")), NULL);
    const char *pt = RD_NAME(RD_PROOF_NAMES, rd_str(p, "approval_proof_type"));
    rd_row(rows, "立项证明类型", xstrdup(pt ? pt : "未填写"), NULL);
    rd_text(texts, "主要建设内容", json_object_get(p, "content"), NULL);
    rd_text(texts, "预期效果", json_object_get(p, "expected_results"), NULL);
    return json_pack("{s:o,s:o}", "rows", rows, "texts", texts);
}

/* ---------------------------------------------------------------- attachments, district */

static char *rd_size(int64_t n)
{
    if (n >= 1024 * 1024) return xasprintf("%.1f MB", (double)n / (1024 * 1024));
    if (n >= 1024) return xasprintf("%.0f KB", (double)n / 1024);
    return xasprintf("%lld 字节", (long long)n);
}

/* {id, name, size_text, media_type, image} of attachment `id`, or NULL. */
static json_t *rd_attachment(db *d, int64_t id)
{
    db_stmt *s =
        db_query(d, "SELECT filename, size, media_type FROM attachments WHERE id = ?", "i", id);
    json_t *o = NULL;
    if (db_next(s)) {
        const char *fn = db_text(s, 0), *mt = db_text(s, 2);
        char *name = fn && *fn ? xstrdup(fn) : xasprintf("附件 %lld", (long long)id);
        char *size = rd_size(db_int(s, 1));
        o = json_pack("{s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)id, "name", name, "size_text",
                      size, "media_type", mt ? mt : "", "image", mt && !strncmp(mt, "image/", 6));
        free(name);
        free(size);
    }
    db_done(s);
    return o;
}

static void rd_attachments(db *d, json_t *out, const json_t *ids, const char *group)
{
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(ids, i, v)
    {
        if (!json_is_integer(v)) continue;
        bool dup = false;
        json_array_foreach(out, j, w) dup |=
            json_integer_value(json_object_get(w, "id")) == json_integer_value(v);
        json_t *a = dup ? NULL : rd_attachment(d, json_integer_value(v));
        if (!a) continue;
        json_object_set_new(a, "group", json_string(group));
        json_array_append_new(out, a);
    }
}

/* The district's latest decision: its opinion, and the 真实性审核意见 scan for those who may
 * open it (the same check as the download). */
static json_t *rd_district(svc_ctx *c, int64_t id, svc_when_fn when)
{
    db_stmt *s = db_query(c->db,
                          "SELECT decision, opinion, attachment_id, created_at FROM "
                          "review_decisions WHERE application_id = ? AND stage = 'district' "
                          "ORDER BY id DESC LIMIT 1",
                          "i", id);
    json_t *o = NULL;
    int64_t att = 0;
    if (db_next(s)) {
        const char *dec = db_text(s, 0);
        const char *dn = !strcmp(dec, "approve")  ? "初审通过，推荐上报"
                         : !strcmp(dec, "return") ? "退回修改"
                         : !strcmp(dec, "reject") ? "初审不通过"
                                                  : "已审核";
        char *at = when(db_int(s, 3));
        o = json_pack("{s:s,s:s,s:s}", "decision_name", dn, "opinion", db_text(s, 1), "at", at);
        free(at);
        att = db_is_null(s, 2) ? 0 : db_int(s, 2);
    }
    db_done(s);
    if (o && att > 0 && svc_review_att_visible(c, att)) {
        json_t *a = rd_attachment(c->db, att);
        if (a) json_object_set_new(o, "scan", a);
    }
    return o;
}

/* ---------------------------------------------------------------- the document */

/* The enterprise and project as submitted (the snapshot), else as they stand now. */
static void rd_docs(db *d, const json_t *app, json_t **ent, json_t **proj)
{
    int64_t id = json_integer_value(json_object_get(app, "id"));
    char *t = db_scalar_text(d, "SELECT snapshot FROM applications WHERE id = ?", "i", id);
    json_t *snap = t ? json_loads(t, 0, NULL) : NULL;
    free(t);
    *ent = json_incref(json_object_get(snap, "enterprise"));
    *proj = json_incref(json_object_get(snap, "project"));
    json_decref(snap);
    if (!*ent) *ent = ent_profile(d, json_integer_value(json_object_get(app, "enterprise_id")));
    if (!*proj) {
        json_t *p = ent_proj_load(d, json_integer_value(json_object_get(app, "project_id")), 0);
        *proj = p ? ent_proj_doc(p) : NULL;
        json_decref(p);
    }
    if (!*ent) *ent = json_object();
    if (!*proj) *proj = json_object();
}

static const char *rd_state_name(const char *st)
{
    wf_state s;
    return wf_state_parse(st, &s) == 0 ? wf_state_label(s) : "";
}

int svc_app_readable(svc_ctx *c, int64_t id, svc_when_fn when, json_t **out, svc_err *e)
{
    json_t *app = NULL;
    if (svc_app_get(c, id, &app, e) != 0) return -1;
    *out = svc_app_readable_of(c, app, when);
    json_decref(app);
    return 0;
}

json_t *svc_app_readable_of(svc_ctx *c, const json_t *app_in, svc_when_fn when)
{
    json_t *app = (json_t *)app_in; /* read only: json_object_get takes no const */
    int64_t id = json_integer_value(json_object_get(app, "id"));
    const char *type = rd_str(app, "type"), *st = rd_str(app, "status");
    json_t *batch = svc_batch_json(c->db, json_integer_value(json_object_get(app, "batch_id")));
    json_t *rules = json_object_get(batch, "rules");
    json_t *findings = json_object_get(app, "findings");
    rd_ctx x = {.form = app,
                .checks = json_object_get(rules, "checks"),
                .findings = findings,
                .type = type,
                .when = when,
                .used = xcalloc(json_array_size(findings) + 1, sizeof(bool))};
    json_t *ent, *proj;
    rd_docs(c->db, app, &ent, &proj);
    bool factory = type && !strcmp(type, "factory");
    json_t *doc =
        json_pack("{s:I,s:s,s:s,s:s,s:s,s:O?,s:O?,s:o,s:o}", "id", (json_int_t)id, "type",
                  type ? type : "", "type_name", factory ? "智能工厂" : "数字化车间", "status",
                  st ? st : "", "status_name", rd_state_name(st), "batch_name",
                  json_object_get(batch, "name"), "notice_no", json_object_get(batch, "notice_no"),
                  "enterprise", rd_enterprise(c->db, ent), "project", rd_project(proj));
    json_object_set_new(doc, "form_name",
                        json_string(factory ? "附件2 智能工厂申报书" : "附件1 数字化车间申报书"));
    int64_t sub = 0;
    const char *subt = rd_str(app, "submitted_at");
    if (subt && cal_parse_rfc3339(subt, &sub) == 0 && sub > 0) {
        char *s = when(sub);
        json_object_set_new(doc, "submitted_at", json_string(s));
        free(s);
    }
    json_t *cert = json_object_get(app, "certificate_no");
    if (json_is_string(cert)) json_object_set(doc, "certificate_no", cert);
    json_object_set_new(doc, "sections", rd_sections(&x, batch));
    json_t *other = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        if (x.used[i]) continue;
        json_t *ck =
            json_pack("{s:s?,s:s?}", "id", rd_str(f, "rule"), "condition", rd_str(f, "condition"));
        json_t *g = rd_finding_of(&x, ck);
        json_decref(ck);
        if (g) json_array_append_new(other, g);
    }
    json_object_set_new(doc, "other_findings", other);
    json_object_set_new(doc, "checked", json_boolean(json_array_size(findings) > 0));
    json_t *atts = json_array();
    rd_attachments(c->db, atts, json_object_get(app, "attachment_ids"), "申报书附件");
    rd_attachments(c->db, atts, json_object_get(proj, "approval_attachment_ids"), "立项证明");
    json_object_set_new(doc, "attachments", atts);
    json_t *dist = rd_district(c, id, when);
    json_object_set_new(doc, "district", dist ? dist : json_null());
    json_t *asmt =
        svc_asm_for_reader(c->db, json_integer_value(json_object_get(app, "enterprise_id")));
    if (asmt) {
        char *at = when(json_integer_value(json_object_get(asmt, "at")));
        json_object_set_new(asmt, "at", json_string(at));
        free(at);
    }
    json_object_set_new(doc, "assessment", asmt ? asmt : json_null());
    free(x.used);
    json_decref(ent);
    json_decref(proj);
    json_decref(batch);
    return doc;
}
