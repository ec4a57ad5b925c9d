/* rules — the pre-check of rules.h. Eligibility rules (E1–E9, A1) are named functions reading
 * their thresholds from the batch's rules object; technical, KPI and declaration rules are rows of
 * rules.checks interpreted by a small vocabulary (see "check rows" below), so a new year's notice
 * is a change of data. Key elements (K-…) come from the factory modes of 附件2.
 *
 * Severities: everything the notice states as a condition is an "error" (it blocks submission);
 * only the construction period of Class I (建设工期"一般"不超过30个月) and the integration
 * description are "warning"s. A row may set its own severity.
 *
 * The reference data (districts, factory modes) is here too; the input validators of rules.h are
 * in rules_form.c, and the JSON access both use is in rules_internal.h. */
#include "core/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/decimal.h"
#include "core/names.h"
#include "core/rules_internal.h"
#include "core/uscc.h"
#include "util/assets.h"
#include "util/util.h"

/* ==== findings and JSON access =========================================================== */

typedef struct rl_eval {
    const rules_ctx *ctx;
    const json_t *rules;
    const json_t *districts;
    const json_t *modes;
    const char *type; /* "workshop" | "factory" | NULL */
    json_t *out;
} rl_eval;

static void rl_finding(json_t *out, const char *rule, const char *cond, bool ok,
                       const char *severity, const char *required, const char *actual,
                       const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static void rl_finding(json_t *out, const char *rule, const char *cond, bool ok,
                       const char *severity, const char *required, const char *actual,
                       const char *fmt, ...)
{
    sbuf msg;
    sbuf_init(&msg);
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&msg, fmt, ap);
    va_end(ap);
    json_t *f = json_object();
    json_object_set_new(f, "rule", json_string(rule));
    json_object_set_new(f, "condition", json_string(cond));
    json_object_set_new(f, "ok", json_boolean(ok));
    json_object_set_new(f, "severity", json_string(severity ? severity : "error"));
    json_object_set_new(f, "required", json_string(required ? required : ""));
    json_object_set_new(f, "actual", json_string(actual ? actual : ""));
    json_object_set_new(f, "message", json_string(msg.data));
    json_array_append_new(out, f);
    sbuf_free(&msg);
}

/* A batch whose rules lack a parameter must not pass silently: the finding fails and says so. */
static void rl_config_error(json_t *out, const char *rule, const char *what)
{
    rl_finding(out, rule, "config", false, "error", "", "",
               "批次规则配置有误（%s），请联系市经济信息委", what);
}

/* Follows a dotted path ("kpis.operating_cost.before") through nested objects. */
static const json_t *rl_path(const json_t *root, const char *path)
{
    const json_t *cur = root;
    const char *p = path;
    while (cur && p && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[128];
        if (n >= sizeof key || !json_is_object(cur)) return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        cur = json_object_get(cur, key);
        p = dot ? dot + 1 : NULL;
    }
    return json_is_null(cur) ? NULL : cur;
}

/* A figure path names the application form, unless it starts with "enterprise." or "project.". */
static const json_t *rl_figure(const rl_eval *ev, const char *path)
{
    if (!path) return NULL;
    if (strncmp(path, "enterprise.", 11) == 0) return rl_path(ev->ctx->enterprise, path + 11);
    if (strncmp(path, "project.", 8) == 0) return rl_path(ev->ctx->project, path + 8);
    if (strncmp(path, "application.", 12) == 0) return rl_path(ev->ctx->application, path + 12);
    return rl_path(ev->ctx->application, path);
}

/* 1 true, 0 false, -1 absent or not a boolean. */
static int rl_bool(const json_t *v)
{
    if (json_is_true(v)) return 1;
    if (json_is_false(v)) return 0;
    return -1;
}

/* "2020-03-17 10:00", or "2020-04-10 24:00" for an exclusive end at midnight, as the notice says.
 */
static char *rl_local_time(int64_t epoch, bool end, char *buf, size_t n)
{
    int64_t local = epoch + CAL_TZ_OFFSET;
    int64_t sec = ((local % 86400) + 86400) % 86400;
    char d[CAL_DATE_BUF];
    if (end && sec == 0) {
        cal_format_date(cal_date_of_epoch(epoch - 1), d);
        snprintf(buf, n, "%s 24:00", d);
    } else {
        cal_format_date(cal_date_of_epoch(epoch), d);
        snprintf(buf, n, "%s %02d:%02d", d, (int)(sec / 3600), (int)(sec / 60 % 60));
    }
    return buf;
}

static const char *rl_mtype_name(const char *t)
{
    if (!t) return "";
    if (!strcmp(t, "discrete")) return "离散型";
    if (!strcmp(t, "process")) return "流程型";
    if (!strcmp(t, "mixed")) return "混合型";
    return t;
}

/* ==== E1–E9, A1 =========================================================================== */

static void rl_e1(rl_eval *ev)
{
    const json_t *ent = ev->ctx->enterprise;
    const char *code = rules_str(ent, "uscc");
    char norm[USCC_LEN + 1], err[256];
    bool valid = false;
    if (!code || !*code) {
        rl_finding(ev->out, "E1", "uscc", false, "error", "有效的统一社会信用代码", "未填写",
                   "企业资料未填写统一社会信用代码，请先完善企业资料");
    } else if (uscc_normalize(code, norm, err, sizeof err) != 0) {
        rl_finding(ev->out, "E1", "uscc", false, "error", "有效的统一社会信用代码", code, "%s",
                   err);
    } else {
        valid = true;
        rl_finding(ev->out, "E1", "uscc", true, "error", "有效的统一社会信用代码", norm,
                   "统一社会信用代码 %s 校验通过", norm);
    }
    if (valid) {
        char div[7];
        memcpy(div, norm + 2, 6);
        div[6] = '\0';
        bool cq = uscc_in_chongqing(norm);
        rl_finding(ev->out, "E1", "division", cq, "error", "登记管理机关行政区划码以 50 开头", div,
                   cq ? "登记管理机关行政区划码 %s，属于重庆市"
                      : "登记管理机关行政区划码 %s 不属于重庆市（应以 50 "
                        "开头），申报主体须在重庆市辖区内注册",
                   div);
    } else {
        rl_finding(ev->out, "E1", "division", false, "error", "登记管理机关行政区划码以 50 开头",
                   "", "统一社会信用代码无效，无法判断是否在重庆市注册");
    }
    const char *dc = rules_str(ent, "district_code");
    const json_t *d = dc ? rules_find_district(ev->districts, dc) : NULL;
    if (!dc || !*dc)
        rl_finding(ev->out, "E1", "district", false, "error", "重庆市区县或功能区", "未填写",
                   "企业资料未填写所在区县，请先完善企业资料");
    else if (!d)
        rl_finding(ev->out, "E1", "district", false, "error", "重庆市区县或功能区", dc,
                   "企业所在区县代码 %s 不是本批次的重庆市区县或功能区", dc);
    else
        rl_finding(ev->out, "E1", "district", true, "error", "重庆市区县或功能区",
                   rules_str(d, "name"), "企业注册于%s", rules_str(d, "name"));
}

/* A declared boolean of the enterprise profile or the form: E2, E9, A1-like rules. */
static void rl_declared(rl_eval *ev, const char *rule, const char *cond, int v, const char *yes,
                        const char *no, const char *missing)
{
    rl_finding(ev->out, rule, cond, v == 1, "error", "是",
               v == 1   ? "是"
               : v == 0 ? "否"
                        : "未填写",
               "%s",
               v == 1   ? yes
               : v == 0 ? no
                        : missing);
}

static void rl_e3(rl_eval *ev)
{
    const rules_ctx *c = ev->ctx;
    char a[32], b[32], now[CAL_TIME_BUF], req[80];
    cal_format_rfc3339(c->now, now);
    if (c->resubmission) {
        rl_local_time(c->district_deadline, true, b, sizeof b);
        snprintf(req, sizeof req, "区县初审截止前（%s）", b);
        bool ok = c->now < c->district_deadline;
        rl_finding(ev->out, "E3", "resubmission", ok, "error", req, now,
                   ok ? "退回修改的申报可在区县初审截止（%s）前重新提交"
                      : "区县初审已于 %s 截止，退回的申报不能再提交",
                   b);
        return;
    }
    rl_local_time(c->opens_at, false, a, sizeof a);
    rl_local_time(c->closes_at, true, b, sizeof b);
    snprintf(req, sizeof req, "%s 至 %s", a, b);
    if (c->now < c->opens_at)
        rl_finding(ev->out, "E3", "window", false, "error", req, now,
                   "申报尚未开始，申报时间为 %s 至 %s", a, b);
    else if (c->now >= c->closes_at)
        rl_finding(ev->out, "E3", "window", false, "error", req, now,
                   "申报已截止，申报时间为 %s 至 %s", a, b);
    else
        rl_finding(ev->out, "E3", "window", true, "error", req, now, "当前在申报时间内（%s 至 %s）",
                   a, b);
}

static void rl_e4(rl_eval *ev)
{
    int n = ev->ctx->other_applications;
    char act[16];
    snprintf(act, sizeof act, "%d", n);
    if (n <= 0)
        rl_finding(ev->out, "E4", "one_per_entity", true, "error", "0", act,
                   "本批次该独立法人尚无其他已提交的申报");
    else
        rl_finding(ev->out, "E4", "one_per_entity", false, "error", "0", act,
                   "同一独立法人本批次只能申报一个数字化车间或智能工厂，已有 %d 个申报已提交", n);
}

static const char *rl_type_name(const char *t)
{
    return t && !strcmp(t, "factory") ? "智能工厂" : "数字化车间";
}

static void rl_e5(rl_eval *ev)
{
    const json_t *years = json_object_get(ev->rules, "prior_batch_years");
    if (!json_is_array(years)) {
        rl_config_error(ev->out, "E5", "prior_batch_years");
        return;
    }
    sbuf ys;
    sbuf_init(&ys);
    size_t i;
    const json_t *y;
    json_array_foreach(years, i, y)
        sbuf_printf(&ys, "%s%lld", i ? "、" : "", (long long)json_integer_value(y));
    char *req = xasprintf("未在 %s 年认定", json_array_size(years) ? ys.data : "往年");
    const char *site = rules_str(ev->ctx->project, "site_name");
    char mine[USCC_LEN + 1];
    const char *code = rules_str(ev->ctx->enterprise, "uscc");
    bool have_code = code && uscc_normalize(code, mine, NULL, 0) == 0;
    if (!site || !*site) {
        rl_finding(ev->out, "E5", "prior_certification", false, "error", req, "未填写",
                   "项目未填写车间/工厂名称，无法核对是否已认定");
        goto done;
    }
    const json_t *cert;
    json_array_foreach(ev->ctx->prior_certificates, i, cert)
    {
        json_int_t cy = json_integer_value(json_object_get(cert, "year"));
        bool listed = false;
        size_t k;
        json_array_foreach(years, k, y) if (json_integer_value(y) == cy) listed = true;
        if (!listed || !have_code) continue;
        char theirs[USCC_LEN + 1];
        const char *tc = rules_str(cert, "uscc");
        if (!tc || uscc_normalize(tc, theirs, NULL, 0) != 0 || strcmp(theirs, mine) != 0) continue;
        const char *cname = rules_str(cert, "site_name");
        const char *ctype = rules_str(cert, "type");
        if (names_equal(cname, site)) {
            rl_finding(ev->out, "E5", "prior_certification", false, "error", req, cname,
                       "“%s”已于 %lld 年认定为重庆市%s，不得重复申报", site, (long long)cy,
                       rl_type_name(ctype));
            goto done;
        }
        const json_t *ws = json_object_get(cert, "included_workshops");
        const json_t *w;
        json_array_foreach(ws, k, w)
        {
            if (!json_is_string(w) || !names_equal(json_string_value(w), site)) continue;
            rl_finding(ev->out, "E5", "prior_certification", false, "error", req,
                       json_string_value(w),
                       "“%s”是 %lld 年已认定智能工厂“%s”内包含的数字化车间，不得重复申报", site,
                       (long long)cy, cname ? cname : "");
            goto done;
        }
    }
    rl_finding(ev->out, "E5", "prior_certification", true, "error", req, site,
               "“%s”未在 %s 年认定（含已认定智能工厂内包含的数字化车间）", site,
               json_array_size(years) ? ys.data : "往");
done:
    free(req);
    sbuf_free(&ys);
}

int64_t rules_investment_threshold(const json_t *rules, const char *group)
{
    int64_t base, ratio = DEC_SCALE;
    if (rules_int(json_object_get(rules, "investment_threshold"), &base) != 0 || base < 0)
        return -1;
    const json_t *r = json_object_get(json_object_get(rules, "reduced_ratio"), group ? group : "");
    if (r && rules_dec(r, &ratio) != 0) return -1;
    return dec_scale_ceil(base, ratio);
}

static void rl_e6(rl_eval *ev)
{
    const json_t *p = ev->ctx->project;
    const char *dc = rules_str(p, "district_code");
    if (!dc || !*dc) dc = rules_str(ev->ctx->enterprise, "district_code");
    const json_t *d = dc ? rules_find_district(ev->districts, dc) : NULL;
    if (!d) {
        rl_finding(ev->out, "E6", "investment", false, "error", "", dc ? dc : "未填写",
                   "项目所在区县%s%s不是本批次的重庆市区县或功能区，无法确定投资门槛",
                   dc ? "代码 " : "", dc ? dc : "未填写");
        return;
    }
    const char *dname = rules_str(d, "name"), *group = rules_str(d, "group");
    int64_t thr = rules_investment_threshold(ev->rules, group);
    if (thr < 0) {
        rl_config_error(ev->out, "E6", "investment_threshold / reduced_ratio");
        return;
    }
    char req[48], act[48], tw[DEC_BUF], aw[DEC_BUF];
    snprintf(req, sizeof req, "≥ %lld", (long long)thr);
    dec_format_wan(thr, tw, sizeof tw);
    int64_t inv;
    if (rules_int(json_object_get(p, "equipment_software_investment"), &inv) != 0) {
        rl_finding(ev->out, "E6", "investment", false, "error", req, "未填写",
                   "项目未填写设备和软件投资（含信息技术服务），%s所在%s的门槛为 %s", dname, group,
                   tw);
        return;
    }
    snprintf(act, sizeof act, "%lld", (long long)inv);
    dec_format_wan(inv, aw, sizeof aw);
    if (inv >= thr)
        rl_finding(ev->out, "E6", "investment", true, "error", req, act,
                   "设备和软件投资 %s，达到%s所在%s的门槛 %s", aw, dname, group, tw);
    else
        rl_finding(ev->out, "E6", "investment", false, "error", req, act,
                   "设备和软件投资 %s，低于%s所在%s的门槛 %s", aw, dname, group, tw);
}

static void rl_e7(rl_eval *ev)
{
    const json_t *p = ev->ctx->project, *r = ev->rules;
    char req[160], act[64], buf[CAL_DATE_BUF], buf2[CAL_DATE_BUF];

    /* start date */
    cal_date earliest, start, done;
    if (rules_date(r, "class1_earliest_start", &earliest) != 0) {
        rl_config_error(ev->out, "E7", "class1_earliest_start");
    } else {
        snprintf(req, sizeof req, "≥ %s", cal_format_date(earliest, buf));
        if (rules_date(p, "start_date", &start) != 0)
            rl_finding(ev->out, "E7", "start_date", false, "error", req, "未填写",
                       "请填写项目开工日期（Ⅰ类项目须在 %s 以后开工）", buf);
        else if (cal_compare(start, earliest) < 0)
            rl_finding(ev->out, "E7", "start_date", false, "error", req,
                       cal_format_date(start, buf2), "开工日期 %s 早于 %s，Ⅰ类项目须在 %s 以后开工",
                       buf2, buf, buf);
        else
            rl_finding(ev->out, "E7", "start_date", true, "error", req,
                       cal_format_date(start, buf2), "开工日期 %s，在 %s 以后", buf2, buf);
    }

    /* progress */
    int64_t minp, prog;
    if (rules_int(json_object_get(r, "class1_min_progress"), &minp) != 0) {
        rl_config_error(ev->out, "E7", "class1_min_progress");
    } else {
        snprintf(req, sizeof req, "≥ %lld%%", (long long)minp);
        if (rules_int(json_object_get(p, "progress_pct"), &prog) != 0) {
            rl_finding(ev->out, "E7", "progress", false, "error", req, "未填写",
                       "请填写项目进度（Ⅰ类项目须达到 %lld%% 以上）", (long long)minp);
        } else {
            snprintf(act, sizeof act, "%lld%%", (long long)prog);
            if (prog >= minp)
                rl_finding(ev->out, "E7", "progress", true, "error", req, act,
                           "项目进度 %lld%%，达到 %lld%% 以上的要求", (long long)prog,
                           (long long)minp);
            else
                rl_finding(ev->out, "E7", "progress", false, "error", req, act,
                           "项目进度 %lld%%，低于Ⅰ类项目要求的 %lld%%", (long long)prog,
                           (long long)minp);
        }
    }

    /* other public funding */
    int f = rl_bool(json_object_get(p, "other_public_funding"));
    rl_finding(ev->out, "E7", "public_funding", f == 0, "error", "否",
               f == 1   ? "是"
               : f == 0 ? "否"
                        : "未填写",
               "%s",
               f == 0 ? "项目未获得其他财政资金支持"
               : f == 1 ? "项目已获得其他财政资金支持，不符合Ⅰ类项目申报条件"
                        : "请填写项目是否获得其他财政资金支持");

    /* approval proof: the type and its files (plan + board resolution are two documents) */
    const char *pt = rules_str(p, "approval_proof_type");
    const json_t *ids = json_object_get(p, "approval_attachment_ids");
    size_t nfiles = json_is_array(ids) ? json_array_size(ids) : 0;
    static const struct {
        const char *id, *name;
    } proofs[] = {{"approval", "核准文件"},
                  {"filing", "备案文件"},
                  {"statistics", "统计联网直报平台（固定资产投资报表）材料"},
                  {"plan_and_resolution", "项目实施计划书和企业董事会立项决议书"},
                  {"agreement", "项目投资协议书或投资合同"}};
    const char *pname = NULL;
    for (size_t i = 0; pt && i < sizeof proofs / sizeof proofs[0]; i++)
        if (!strcmp(pt, proofs[i].id)) pname = proofs[i].name;
    size_t need = pt && !strcmp(pt, "plan_and_resolution") ? 2 : 1;
    const char *preq = "立项证明及其文件";
    snprintf(act, sizeof act, "%zu 个文件", nfiles);
    if (!pname)
        rl_finding(ev->out, "E7", "approval_proof", false, "error", preq, "未填写",
                   "请选择立项证明类型（核准/备案/统计联网直报，或实施计划书和董事会立项决议，"
                   "或投资协议/合同）并上传文件");
    else if (nfiles < need)
        rl_finding(ev->out, "E7", "approval_proof", false, "error", preq, act,
                   need == 2 ? "立项证明为%s，须分别上传两份文件，目前 %zu 个"
                             : "立项证明为%s，请上传文件（目前 %zu 个）",
                   pname, nfiles);
    else
        rl_finding(ev->out, "E7", "approval_proof", true, "error", preq, act,
                   "已上传%s（%zu 个文件）", pname, nfiles);

    /* construction period: 建设工期一般不超过30个月 — "一般" makes it a warning reviewers see */
    int64_t maxm;
    if (rules_int(json_object_get(r, "class1_max_months"), &maxm) != 0 || maxm < 0 || maxm > 1200) {
        rl_config_error(ev->out, "E7", "class1_max_months");
    } else if (rules_date(p, "start_date", &start) != 0 ||
               rules_date(p, "completion_date", &done) != 0) {
        snprintf(req, sizeof req, "建设工期 ≤ %lld 个月", (long long)maxm);
        rl_finding(ev->out, "E7", "construction_period", false, "warning", req, "未填写",
                   "请填写开工日期和计划完工日期（建设工期一般不超过 %lld 个月）", (long long)maxm);
    } else {
        cal_date limit = cal_add_months(start, (int)maxm);
        snprintf(req, sizeof req, "完工日期 ≤ %s（开工后 %lld 个月）", cal_format_date(limit, buf),
                 (long long)maxm);
        cal_format_date(done, buf2);
        if (cal_compare(done, limit) <= 0)
            rl_finding(ev->out, "E7", "construction_period", true, "warning", req, buf2,
                       "建设工期不超过 %lld 个月（完工日期 %s，不晚于 %s）", (long long)maxm, buf2,
                       buf);
        else
            rl_finding(ev->out, "E7", "construction_period", false, "warning", req, buf2,
                       "建设工期超过 %lld 个月（完工日期 %s 晚于 %s）；通知要求一般不超过 "
                       "%lld 个月，评审专家将看到此项",
                       (long long)maxm, buf2, buf, (long long)maxm);
    }
}

static void rl_e8(rl_eval *ev)
{
    const json_t *p = ev->ctx->project;
    int64_t prog;
    char act[32], buf[CAL_DATE_BUF], today_s[CAL_DATE_BUF], req[48];
    if (rules_int(json_object_get(p, "progress_pct"), &prog) != 0) {
        rl_finding(ev->out, "E8", "progress", false, "error", "100%", "未填写",
                   "请填写项目进度（Ⅱ类项目须已建设完成，进度 100%%）");
    } else {
        snprintf(act, sizeof act, "%lld%%", (long long)prog);
        rl_finding(ev->out, "E8", "progress", prog == 100, "error", "100%", act,
                   prog == 100 ? "项目进度 %lld%%，已建设完成"
                               : "项目进度 %lld%%，Ⅱ类项目须已建设完成（进度 100%%）",
                   (long long)prog);
    }
    cal_date today = cal_date_of_epoch(ev->ctx->now), done;
    cal_format_date(today, today_s);
    snprintf(req, sizeof req, "≤ %s", today_s);
    if (rules_date(p, "completion_date", &done) != 0)
        rl_finding(ev->out, "E8", "completion_date", false, "error", req, "未填写",
                   "请填写项目完工日期（Ⅱ类项目须已建设完成）");
    else if (cal_compare(done, today) > 0)
        rl_finding(ev->out, "E8", "completion_date", false, "error", req,
                   cal_format_date(done, buf), "完工日期 %s 晚于今天（%s），Ⅱ类项目须已建设完成",
                   buf, today_s);
    else
        rl_finding(ev->out, "E8", "completion_date", true, "error", req, cal_format_date(done, buf),
                   "项目已于 %s 完工", buf);
}

static void rl_class_rules(rl_eval *ev)
{
    const char *cls = rules_str(ev->ctx->project, "class");
    if (cls && !strcmp(cls, "I")) {
        rl_e7(ev);
        rl_finding(ev->out, "E8", "class", true, "error", "Ⅱ类项目", "Ⅰ类项目",
                   "本项目为Ⅰ类项目，Ⅱ类项目条件不适用");
    } else if (cls && !strcmp(cls, "II")) {
        rl_finding(ev->out, "E7", "class", true, "error", "Ⅰ类项目", "Ⅱ类项目",
                   "本项目为Ⅱ类项目，Ⅰ类项目条件不适用");
        rl_e8(ev);
    } else {
        rl_finding(ev->out, "E7", "class", false, "error", "Ⅰ类或Ⅱ类", "未填写",
                   "项目未选择类别（Ⅰ类在建项目或Ⅱ类已完成项目）");
    }
}

/* ==== check rows (technical conditions, KPIs, declarations) ================================ *
 *
 * A row: {id, condition, applies_to:"workshop"|"factory"|"both", severity, kind, label, basis, …}
 *   ratio_min        num, den (figure paths), num_label, den_label, min (decimal): num/den ≥ min,
 *                    num ≤ den (a share), den > 0
 *   value_min        figure, min, format:"percent"|"number", unit: figure ≥ min
 *   count_min_by_manufacturing_type  figure, min:{discrete:n,process:n,mixed:n}, unit
 *   all_true         figures:[{path,label}]: every one true
 *   true_if          figure, when (a flag path, e.g. enterprise.complete_machine), when_label
 *   improvement_min  figure ({before,after}), direction:"lower"|"higher", min (decimal)
 *   non_empty        figure: a non-blank text
 *   one_of           figure, values:{value:label}
 * Figures are paths into the application form, or into enterprise./project. when so prefixed. */

static void rl_fmt_fig(int64_t v, char *buf, size_t n)
{
    dec_format(v, buf, n);
}

static void rl_row_ratio(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                         const char *sev, const char *label)
{
    const char *nl = rules_str(row, "num_label"), *dl = rules_str(row, "den_label");
    nl = nl ? nl : rules_str(row, "num");
    dl = dl ? dl : rules_str(row, "den");
    int64_t min, num, den;
    if (!nl || !dl || rules_dec(json_object_get(row, "min"), &min) != 0) {
        rl_config_error(ev->out, id, "ratio_min");
        return;
    }
    char req[DEC_BUF + 8], mins[DEC_BUF], act[DEC_BUF], a[DEC_BUF], b[DEC_BUF];
    dec_format_pct(min, mins, sizeof mins);
    snprintf(req, sizeof req, "≥ %s", mins);
    bool hn = rules_dec(rl_figure(ev, rules_str(row, "num")), &num) == 0;
    bool hd = rules_dec(rl_figure(ev, rules_str(row, "den")), &den) == 0;
    if (!hn || !hd) {
        rl_finding(ev->out, id, cond, false, sev, req, "未填写",
                   "请填写%s%s%s，以计算%s（要求不低于 %s）", hn ? "" : nl, hn || hd ? "" : "和",
                   hd ? "" : dl, label, mins);
        return;
    }
    rl_fmt_fig(num, a, sizeof a);
    rl_fmt_fig(den, b, sizeof b);
    if (den <= 0) {
        rl_finding(ev->out, id, cond, false, sev, req, "—", "%s须大于 0，才能计算%s", dl, label);
        return;
    }
    if (num < 0 || num > den) {
        rl_finding(ev->out, id, cond, false, sev, req, "—", "%s（%s）不能大于%s（%s），请核对", nl,
                   a, dl, b);
        return;
    }
    dec_format_pct(dec_ratio(num, den), act, sizeof act);
    if (dec_ratio_cmp(num, den, min) >= 0)
        rl_finding(ev->out, id, cond, true, sev, req, act, "%s %s（%s/%s），满足不低于 %s 的要求",
                   label, act, a, b, mins);
    else
        rl_finding(ev->out, id, cond, false, sev, req, act, "%s %s（%s/%s），低于 %s 的要求", label,
                   act, a, b, mins);
}

static void rl_row_value(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                         const char *sev, const char *label)
{
    int64_t min, v;
    const char *fmt = rules_str(row, "format"), *unit = rules_str(row, "unit");
    bool pct = fmt && !strcmp(fmt, "percent");
    unit = unit ? unit : "";
    if (rules_dec(json_object_get(row, "min"), &min) != 0) {
        rl_config_error(ev->out, id, "value_min");
        return;
    }
    char mins[DEC_BUF], req[DEC_BUF + 8], act[DEC_BUF];
    if (pct)
        dec_format_pct(min, mins, sizeof mins);
    else
        dec_format(min, mins, sizeof mins);
    snprintf(req, sizeof req, "≥ %s%s", mins, unit);
    if (rules_dec(rl_figure(ev, rules_str(row, "figure")), &v) != 0) {
        rl_finding(ev->out, id, cond, false, sev, req, "未填写", "请填写%s（要求不低于 %s%s）",
                   label, mins, unit);
        return;
    }
    if (pct)
        dec_format_pct(v, act, sizeof act);
    else
        dec_format(v, act, sizeof act);
    bool ok = v >= min;
    rl_finding(ev->out, id, cond, ok, sev, req, act,
               ok ? "%s %s%s，满足不低于 %s%s 的要求" : "%s %s%s，低于 %s%s 的要求", label, act,
               unit, mins, unit);
}

static void rl_row_count_by_type(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                                 const char *sev, const char *label)
{
    const char *mt = rules_str(ev->ctx->enterprise, "manufacturing_type");
    const char *unit = rules_str(row, "unit");
    unit = unit ? unit : "";
    if (!mt || !*mt) {
        rl_finding(
            ev->out, id, cond, false, sev, "", "",
            "企业资料未填写制造类型（离散型/流程型/混合型），无法确定%s的要求，请先完善企业资料",
            label);
        return;
    }
    int64_t min, v;
    if (rules_int(json_object_get(json_object_get(row, "min"), mt), &min) != 0) {
        rl_config_error(ev->out, id, "count_min_by_manufacturing_type");
        return;
    }
    char req[64], act[32];
    snprintf(req, sizeof req, "≥ %lld（%s）", (long long)min, rl_mtype_name(mt));
    if (rules_int(rl_figure(ev, rules_str(row, "figure")), &v) != 0) {
        rl_finding(ev->out, id, cond, false, sev, req, "未填写",
                   "请填写%s（%s制造企业不少于 %lld %s）", label, rl_mtype_name(mt), (long long)min,
                   unit);
        return;
    }
    snprintf(act, sizeof act, "%lld", (long long)v);
    if (v >= min)
        rl_finding(ev->out, id, cond, true, sev, req, act,
                   "%s %lld %s，满足%s制造企业不少于 %lld %s的要求", label, (long long)v, unit,
                   rl_mtype_name(mt), (long long)min, unit);
    else
        rl_finding(ev->out, id, cond, false, sev, req, act,
                   "%s %lld %s，少于%s制造企业要求的 %lld %s", label, (long long)v, unit,
                   rl_mtype_name(mt), (long long)min, unit);
}

static void rl_row_all_true(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                            const char *sev, const char *label)
{
    const json_t *figs = json_object_get(row, "figures");
    if (!json_is_array(figs) || json_array_size(figs) == 0) {
        rl_config_error(ev->out, id, "all_true");
        return;
    }
    sbuf missing, no, all;
    sbuf_init(&missing);
    sbuf_init(&no);
    sbuf_init(&all);
    size_t i, yes = 0;
    const json_t *f;
    json_array_foreach(figs, i, f)
    {
        const char *path = json_is_string(f) ? json_string_value(f) : rules_str(f, "path");
        const char *fl = json_is_object(f) && rules_str(f, "label") ? rules_str(f, "label") : path;
        int v = rl_bool(rl_figure(ev, path));
        sbuf *dst = v == 1 ? NULL : v == 0 ? &no : &missing;
        if (dst) sbuf_printf(dst, "%s%s", dst->len ? "、" : "", fl);
        sbuf_printf(&all, "%s%s", all.len ? "、" : "", fl);
        if (v == 1) yes++;
    }
    size_t n = json_array_size(figs);
    char act[32];
    snprintf(act, sizeof act, "%zu/%zu", yes, n);
    /* One figure named like its row needs no list: "车间可视化管理：已满足". */
    bool same = n == 1 && !strcmp(all.data, label);
    const char *req = n == 1 ? "是" : "全部满足";
    if (yes == n && same) {
        rl_finding(ev->out, id, cond, true, sev, req, "是", "%s：已满足", label);
    } else if (yes == n) {
        rl_finding(ev->out, id, cond, true, sev, req, n == 1 ? "是" : act, "%s：%s，%s", label,
                   all.data, n == 1 ? "已满足" : "均已满足");
    } else if (same) {
        rl_finding(ev->out, id, cond, false, sev, req, no.len ? "否" : "未填写",
                   no.len ? "%s：填写为否，须满足" : "请填写%s", label);
    } else {
        sbuf msg;
        sbuf_init(&msg);
        if (no.len) sbuf_printf(&msg, "未满足：%s", no.data);
        if (missing.len) sbuf_printf(&msg, "%s未填写：%s", no.len ? "；" : "", missing.data);
        rl_finding(ev->out, id, cond, false, sev, req, n == 1 ? (no.len ? "否" : "未填写") : act,
                   "%s（要求%s）——%s", label, n == 1 ? "满足" : "全部满足", msg.data);
        sbuf_free(&msg);
    }
    sbuf_free(&missing);
    sbuf_free(&no);
    sbuf_free(&all);
}

static void rl_row_true_if(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                           const char *sev, const char *label)
{
    const char *when = rules_str(row, "when"), *wl = rules_str(row, "when_label");
    if (!when || !rules_str(row, "figure")) {
        rl_config_error(ev->out, id, "true_if");
        return;
    }
    wl = wl ? wl : when;
    int flag = rl_bool(rl_figure(ev, when));
    if (flag == 0) {
        rl_finding(ev->out, id, cond, true, sev, "不适用", "不适用", "不属于%s，不要求%s", wl,
                   label);
        return;
    }
    if (flag < 0) {
        rl_finding(ev->out, id, cond, false, sev, "是", "未填写",
                   "未填写是否属于%s，无法判断是否需要%s，请先完善企业资料", wl, label);
        return;
    }
    int v = rl_bool(rl_figure(ev, rules_str(row, "figure")));
    rl_finding(ev->out, id, cond, v == 1, sev, "是",
               v == 1   ? "是"
               : v == 0 ? "否"
                        : "未填写",
               v == 1   ? "属于%s，已建有%s"
               : v == 0 ? "属于%s，须建有%s"
                        : "属于%s，请填写是否建有%s",
               wl, label);
}

static void rl_row_improvement(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                               const char *sev, const char *label)
{
    const char *dir = rules_str(row, "direction");
    int64_t min, before, after;
    if (!dir || (strcmp(dir, "lower") && strcmp(dir, "higher")) ||
        rules_dec(json_object_get(row, "min"), &min) != 0) {
        rl_config_error(ev->out, id, "improvement_min");
        return;
    }
    bool lower = !strcmp(dir, "lower");
    const char *word = lower ? "降低" : "提高", *opposite = lower ? "升高" : "下降";
    char mins[DEC_BUF], req[DEC_BUF + 16], act[DEC_BUF + 16], pct[DEC_BUF], a[DEC_BUF], b[DEC_BUF];
    dec_format_pct(min, mins, sizeof mins);
    snprintf(req, sizeof req, "%s ≥ %s", word, mins);
    const json_t *kpi = rl_figure(ev, rules_str(row, "figure"));
    bool hb = rules_dec(json_object_get(kpi, "before"), &before) == 0;
    bool ha = rules_dec(json_object_get(kpi, "after"), &after) == 0;
    if (!hb || !ha) {
        rl_finding(ev->out, id, cond, false, sev, req, "未填写",
                   "请填写%s的%s%s%s（要求%s %s 以上）", label, hb ? "" : "基准值",
                   hb || ha ? "" : "和", ha ? "" : "项目建成后数值", word, mins);
        return;
    }
    rl_fmt_fig(before, a, sizeof a);
    rl_fmt_fig(after, b, sizeof b);
    if (before <= 0) {
        rl_finding(ev->out, id, cond, false, sev, req, "—",
                   "%s的基准值须大于 0（填写为 %s），无法计算%s幅度", label, a, word);
        return;
    }
    int64_t imp = dec_improvement(before, after, lower);
    if (imp >= 0)
        snprintf(act, sizeof act, "%s %s", word, dec_format_pct(imp, pct, sizeof pct));
    else
        snprintf(act, sizeof act, "%s %s", opposite,
                 dec_format_pct(dec_improvement(before, after, !lower), pct, sizeof pct));
    if (dec_improvement_cmp(before, after, lower, min) >= 0)
        rl_finding(ev->out, id, cond, true, sev, req, act, "%s%s（%s → %s），达到%s %s 以上的要求",
                   label, act, a, b, word, mins);
    else
        rl_finding(ev->out, id, cond, false, sev, req, act,
                   "%s%s（%s → %s），未达到%s %s 以上的要求", label, act, a, b, word, mins);
}

static void rl_row_non_empty(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                             const char *sev, const char *label)
{
    bool ok = rules_text_present(rl_figure(ev, rules_str(row, "figure")));
    rl_finding(ev->out, id, cond, ok, sev, "已填写", ok ? "已填写" : "未填写",
               ok ? "已填写%s" : "请填写%s", label);
}

static void rl_row_one_of(rl_eval *ev, const json_t *row, const char *id, const char *cond,
                          const char *sev, const char *label)
{
    const json_t *values = json_object_get(row, "values");
    if (!json_is_object(values)) {
        rl_config_error(ev->out, id, "one_of");
        return;
    }
    sbuf req;
    sbuf_init(&req);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)values, k, v)
        sbuf_printf(&req, "%s%s", req.len ? " / " : "", json_string_value(v));
    const json_t *fig = rl_figure(ev, rules_str(row, "figure"));
    const json_t *hit =
        json_is_string(fig) ? json_object_get(values, json_string_value(fig)) : NULL;
    if (hit)
        rl_finding(ev->out, id, cond, true, sev, req.data, json_string_value(hit), "%s：%s", label,
                   json_string_value(hit));
    else
        rl_finding(ev->out, id, cond, false, sev, req.data, fig ? json_string_value(fig) : "未填写",
                   "请选择%s（%s）", label, req.data);
    sbuf_free(&req);
}

static void rl_rows(rl_eval *ev)
{
    const json_t *rows = json_object_get(ev->rules, "checks");
    if (!json_is_array(rows)) {
        rl_config_error(ev->out, "T", "checks");
        return;
    }
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *id = rules_str(row, "id"), *kind = rules_str(row, "kind");
        const char *applies = rules_str(row, "applies_to");
        if (!id || !kind) {
            rl_config_error(ev->out, id ? id : "T", "id / kind");
            continue;
        }
        if (applies && strcmp(applies, "both") != 0 && (!ev->type || strcmp(applies, ev->type)))
            continue;
        const char *cond = rules_str(row, "condition"), *sev = rules_str(row, "severity");
        const char *label = rules_str(row, "label");
        cond = cond ? cond : kind;
        sev = sev && !strcmp(sev, "warning") ? "warning" : "error";
        label = label ? label : id;
        if (!strcmp(kind, "ratio_min"))
            rl_row_ratio(ev, row, id, cond, sev, label);
        else if (!strcmp(kind, "value_min"))
            rl_row_value(ev, row, id, cond, sev, label);
        else if (!strcmp(kind, "count_min_by_manufacturing_type"))
            rl_row_count_by_type(ev, row, id, cond, sev, label);
        else if (!strcmp(kind, "all_true"))
            rl_row_all_true(ev, row, id, cond, sev, label);
        else if (!strcmp(kind, "true_if"))
            rl_row_true_if(ev, row, id, cond, sev, label);
        else if (!strcmp(kind, "improvement_min"))
            rl_row_improvement(ev, row, id, cond, sev, label);
        else if (!strcmp(kind, "non_empty"))
            rl_row_non_empty(ev, row, id, cond, sev, label);
        else if (!strcmp(kind, "one_of"))
            rl_row_one_of(ev, row, id, cond, sev, label);
        else
            rl_config_error(ev->out, id, kind);
    }
}

/* ==== K: key elements of 附件2 ============================================================= */

/* The element text up to its first comma or full stop: enough for a person to recognise it. */
static char *rl_short_text(const char *text)
{
    const char *cut = NULL;
    const char *marks[] = {"，", "。", "；"};
    for (size_t i = 0; i < 3; i++) {
        const char *p = strstr(text, marks[i]);
        if (p && (!cut || p < cut)) cut = p;
    }
    return cut ? xstrndup(text, (size_t)(cut - text)) : xstrdup(text);
}

static void rl_key_elements(rl_eval *ev)
{
    const json_t *f = json_object_get(ev->ctx->application, "factory");
    const char *mode = rules_str(f, "mode");
    const json_t *m = mode ? rules_find_mode(ev->modes, mode) : NULL;
    if (!mode || !*mode) {
        rl_finding(ev->out, "K-mode", "mode", false, "error", "选择一种智能制造新模式", "未填写",
                   "请选择智能制造新模式（离散型、流程型、网络协同、大规模个性化定制、远程运维）");
        return;
    }
    if (!m) {
        rl_finding(ev->out, "K-mode", "mode", false, "error", "选择一种智能制造新模式", mode,
                   "智能制造新模式“%s”不存在", mode);
        return;
    }
    const char *mname = rules_str(m, "name");
    rl_finding(ev->out, "K-mode", "mode", true, "error", "选择一种智能制造新模式", mname,
               "已选择%s", mname);
    const json_t *answers = json_object_get(f, "key_elements");
    const json_t *els = json_object_get(m, "key_elements"), *el;
    size_t i;
    json_array_foreach(els, i, el)
    {
        const char *eid = rules_str(el, "id");
        if (!eid) continue;
        bool may_na = json_is_true(json_object_get(el, "may_not_apply"));
        char *rule = xasprintf("K-%s", eid);
        char *shorttext = rl_short_text(rules_str(el, "text") ? rules_str(el, "text") : "");
        const json_t *ans = json_object_get(answers, eid);
        int met = rl_bool(json_object_get(ans, "met"));
        bool na = json_is_true(json_object_get(ans, "not_applicable"));
        const char *req = may_na ? "满足（或不适用）" : "满足";
        if (na && may_na)
            rl_finding(ev->out, rule, "key_element", true, "error", req, "不适用",
                       "关键要素 %zu（%s）：填写为不适用", i + 1, shorttext);
        else if (na)
            rl_finding(ev->out, rule, "key_element", false, "error", req, "不适用",
                       "关键要素 %zu（%s）不能填写为不适用，须满足", i + 1, shorttext);
        else if (met == 1)
            rl_finding(ev->out, rule, "key_element", true, "error", req, "满足",
                       "关键要素 %zu（%s）：已满足", i + 1, shorttext);
        else if (met == 0)
            rl_finding(ev->out, rule, "key_element", false, "error", req, "不满足",
                       "关键要素 %zu（%s）：填写为不满足，智能工厂须满足所选模式的全部关键要素",
                       i + 1, shorttext);
        else
            rl_finding(ev->out, rule, "key_element", false, "error", req, "未填写",
                       "关键要素 %zu（%s）：尚未填写，请逐项说明", i + 1, shorttext);
        free(rule);
        free(shorttext);
    }
}

/* ==== entry points ========================================================================= */

json_t *rules_precheck(const rules_ctx *ctx)
{
    json_t *out = json_array();
    json_t *own_districts = NULL, *own_modes = NULL;
    rl_eval ev = {.ctx = ctx, .rules = ctx->rules, .out = out};
    /* The batch may carry its own lists; otherwise the shipped defaults apply. */
    ev.districts = ctx->districts ? ctx->districts : json_object_get(ctx->rules, "districts");
    if (!ev.districts) ev.districts = own_districts = rules_default_districts();
    ev.modes = json_object_get(ctx->rules, "factory_modes");
    if (!ev.modes) ev.modes = ctx->factory_modes;
    if (!ev.modes) ev.modes = own_modes = rules_default_factory_modes();
    ev.type = rules_str(ctx->application, "type");
    if (!json_is_object(ctx->rules)) {
        rl_config_error(out, "E", "rules");
        goto done;
    }

    rl_e1(&ev);
    rl_declared(&ev, "E2", "independent_legal_person",
                rl_bool(json_object_get(ctx->enterprise, "independent_legal_person")),
                "申报主体具有独立法人资格", "申报主体须具有独立法人资格",
                "企业资料未填写是否具有独立法人资格，请先完善企业资料");
    rl_e3(&ev);
    rl_e4(&ev);
    rl_e5(&ev);
    rl_e6(&ev);
    rl_class_rules(&ev);
    rl_declared(&ev, "E9", "industrial_policy",
                rl_bool(json_object_get(ctx->application, "industrial_policy_compliant")),
                "申报项目符合国家及重庆市产业政策（已声明）", "申报项目须符合国家及重庆市产业政策",
                "请声明申报项目是否符合国家及重庆市产业政策");
    rl_finding(out, "A1", "assessment", ctx->assessment_done, "error", "已完成",
               ctx->assessment_done ? "已完成" : "未完成", "%s",
               ctx->assessment_done
                   ? "已完成智能制造能力测评"
                   : "尚未完成智能制造能力测评，请先在“智能制造能力测评”中完成一次测评");
    if (!ev.type || (strcmp(ev.type, "workshop") && strcmp(ev.type, "factory"))) {
        rl_finding(out, "T-type", "type", false, "error", "workshop / factory",
                   ev.type ? ev.type : "未填写", "申报类型须为数字化车间或智能工厂");
        goto done;
    }
    rl_rows(&ev);
    if (!strcmp(ev.type, "factory")) rl_key_elements(&ev);
done:
    json_decref(own_districts);
    json_decref(own_modes);
    return out;
}

bool rules_findings_ok(const json_t *findings)
{
    size_t i;
    const json_t *f;
    json_array_foreach(findings, i, f)
    {
        const char *sev = rules_str(f, "severity");
        if (!json_is_true(json_object_get(f, "ok")) && (!sev || strcmp(sev, "warning") != 0))
            return false;
    }
    return true;
}

/* ==== reference data ======================================================================= */

json_t *rules_districts_from_csv(const char *csv, size_t len)
{
    json_t *arr = json_array();
    const char *p = csv, *end = csv + len;
    bool header = true;
    /* Spreadsheet programs save CSV with a UTF-8 byte-order mark. */
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r') n--;
        if (n == 0) {
            p = nl ? nl + 1 : end;
            continue;
        }
        char *line = xstrndup(p, n);
        char *fields[4] = {0};
        int k = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, ",", &save); t && k < 4; t = strtok_r(NULL, ",", &save))
            fields[k++] = t;
        bool bad = k != 4 || strtok_r(NULL, ",", &save) != NULL;
        if (!bad && header)
            bad = strcmp(fields[0], "code") || strcmp(fields[1], "name") ||
                  strcmp(fields[2], "type") || strcmp(fields[3], "group");
        else if (!bad)
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s}", "code", fields[0], "name",
                                                 fields[1], "type", fields[2], "group", fields[3]));
        free(line);
        if (bad) {
            json_decref(arr);
            return NULL;
        }
        header = false;
        p = nl ? nl + 1 : end;
    }
    return arr;
}

json_t *rules_default_districts(void)
{
    size_t len;
    const char *csv = assets_get("data/districts.csv", &len);
    return csv ? rules_districts_from_csv(csv, len) : json_array();
}

json_t *rules_default_factory_modes(void)
{
    size_t len;
    const char *s = assets_get("data/factory-modes.json", &len);
    json_t *j = s ? json_loadb(s, len, 0, NULL) : NULL;
    return j ? j : json_array();
}

const json_t *rules_find_district(const json_t *districts, const char *code)
{
    size_t i;
    const json_t *d;
    json_array_foreach(districts, i, d)
    {
        const char *c = rules_str(d, "code");
        if (!c) c = rules_str(d, "id");
        if (c && code && !strcmp(c, code)) return d;
    }
    return NULL;
}

const json_t *rules_find_mode(const json_t *modes, const char *id)
{
    return rules_find_district(modes, id); /* both are lists of objects keyed by a string id */
}
