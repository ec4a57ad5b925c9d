/* Unit tests of core/rules: every rule of the pre-check at, just below and just above its
 * boundary, on the 2020 batch loaded from data/batch-2020.json; a 2023-style rule added purely
 * as data; and the type checks of application forms and projects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/calendar.h"
#include "core/rules.h"
#include "util/assets.h"

/* ==== fixture ============================================================================== */

typedef struct fx {
    json_t *batch, *rules, *districts, *enterprise, *project, *application, *certs;
    rules_ctx ctx;
    json_t *findings;
} fx;

static int64_t T(const char *s)
{
    int64_t t = 0;
    assert_int_equal(cal_parse_rfc3339(s, &t), 0);
    return t;
}

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j) fail_msg("bad JSON in test: %s (%s)", e.text, text);
    return j;
}

static const char *workshop_form =
    "{\"type\":\"workshop\",\"equipment_total\":120,\"equipment_digital\":66,"
    "\"data_points_total\":1000,\"data_points_uploaded\":950,"
    "\"networked\":{\"processing\":true,\"inspection\":true,\"logistics\":true},"
    "\"realtime_monitoring\":true,"
    "\"mes\":{\"scheduling\":true,\"process\":true,\"logistics_warehousing\":true,"
    "\"quality\":true,\"equipment\":true},\"visual_management\":true,"
    "\"integration\":{\"realtime_data_mes_erp\":true,\"description\":\"SCADA、MES 与 ERP 集成\"},"
    "\"kpi_baseline\":\"before_project\","
    "\"kpis\":{\"operating_cost\":{\"before\":\"100\",\"after\":\"80\"},"
    "\"efficiency\":{\"before\":\"100\",\"after\":\"120\"},"
    "\"defect_rate\":{\"before\":\"1.5\",\"after\":\"1.2\"},"
    "\"energy_utilization\":{\"before\":\"0.7\",\"after\":\"0.8\"},"
    "\"rd_cycle\":{\"before\":\"12\",\"after\":\"10\"}},"
    "\"technologies\":[\"5g\",\"digital_twin\"],"
    "\"industrial_policy_compliant\":true,\"declaration_signed\":true}";

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    size_t len;
    const char *b = assets_get("data/batch-2020.json", &len);
    assert_non_null(b);
    f->batch = json_loadb(b, len, 0, NULL);
    assert_non_null(f->batch);
    f->rules = json_deep_copy(json_object_get(f->batch, "rules"));
    f->districts = rules_default_districts();
    f->enterprise = J("{\"uscc\":\"91500112AY4CL12T2C\",\"name\":\"重庆某机电有限公司\","
                      "\"district_code\":\"500112\",\"manufacturing_type\":\"discrete\","
                      "\"independent_legal_person\":true,\"complete_machine\":false}");
    f->project = J("{\"name\":\"缸体智能化改造\",\"site_name\":\"发动机缸体数字化车间\","
                   "\"district_code\":\"500112\",\"class\":\"I\",\"start_date\":\"2019-01-01\","
                   "\"completion_date\":\"2020-06-30\",\"progress_pct\":85,"
                   "\"total_investment\":30000000,\"equipment_software_investment\":12000000,"
                   "\"other_public_funding\":false,\"approval_proof_type\":\"filing\","
                   "\"approval_attachment_ids\":[3]}");
    f->application = J(workshop_form);
    f->certs = json_array();
    f->ctx = (rules_ctx){
        .now = T("2020-03-20T10:00:00+08:00"),
        .opens_at = T(json_string_value(json_object_get(f->batch, "opens_at"))),
        .closes_at = T(json_string_value(json_object_get(f->batch, "closes_at"))),
        .district_deadline = T(json_string_value(json_object_get(f->batch, "district_deadline"))),
        .rules = f->rules,
        .districts = f->districts,
        .enterprise = f->enterprise,
        .project = f->project,
        .application = f->application,
        .prior_certificates = f->certs,
        .assessment_done = true,
    };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    json_t *all[] = {f->batch,   f->rules,       f->districts, f->enterprise,
                     f->project, f->application, f->certs,     f->findings};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        json_decref(all[i]);
    free(f);
    return 0;
}

/* Turns the fixture's application into a passing discrete-mode factory. */
static void make_factory(fx *f)
{
    json_object_set_new(f->application, "type", json_string("factory"));
    json_object_set_new(f->application, "equipment_digital", json_integer(80));
    json_t *fac = J("{\"mode\":\"discrete\",\"digital_workshops\":2,\"whole_factory\":true,"
                    "\"design_tools\":true,\"design_knowledge_management\":true,"
                    "\"erp_closed_loop\":true,\"remote_service\":false,"
                    "\"leading_description\":\"行业领先\",\"key_elements\":{}}");
    json_t *ke = json_object_get(fac, "key_elements");
    for (int i = 1; i <= 7; i++) {
        char id[32];
        snprintf(id, sizeof id, "discrete-%d", i);
        json_object_set_new(ke, id, J("{\"met\":true,\"description\":\"已建成\"}"));
    }
    json_object_set_new(f->application, "factory", fac);
}

static const json_t *run(fx *f)
{
    json_decref(f->findings);
    f->findings = rules_precheck(&f->ctx);
    assert_non_null(f->findings);
    return f->findings;
}

static const json_t *find(fx *f, const char *rule, const char *cond)
{
    size_t i;
    const json_t *x;
    json_array_foreach(f->findings, i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "rule")), rule)) continue;
        if (cond && strcmp(json_string_value(json_object_get(x, "condition")), cond)) continue;
        return x;
    }
    fail_msg("no finding %s/%s", rule, cond ? cond : "*");
    return NULL;
}

static const char *msg(fx *f, const char *rule, const char *cond)
{
    return json_string_value(json_object_get(find(f, rule, cond), "message"));
}

#define OK(f, rule, cond) check((f), (rule), (cond), true, __LINE__)
#define FAIL(f, rule, cond) check((f), (rule), (cond), false, __LINE__)

static void check(fx *f, const char *rule, const char *cond, bool want, int line)
{
    const json_t *x = find(f, rule, cond);
    if (json_is_true(json_object_get(x, "ok")) != want)
        fail_msg("line %d: %s/%s expected ok=%d: %s", line, rule, cond ? cond : "*", want,
                 json_string_value(json_object_get(x, "message")));
}

static void set_int(json_t *o, const char *k, json_int_t v)
{
    json_object_set_new(o, k, json_integer(v));
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v));
}

static void set_kpi(fx *f, const char *k, const char *before, const char *after)
{
    json_object_set_new(json_object_get(f->application, "kpis"), k,
                        json_pack("{s:s,s:s}", "before", before, "after", after));
}

static void assert_all_ok(fx *f)
{
    size_t i;
    const json_t *x;
    json_array_foreach(f->findings, i, x) if (!json_is_true(json_object_get(x, "ok")))
        fail_msg("%s/%s failed: %s", json_string_value(json_object_get(x, "rule")),
                 json_string_value(json_object_get(x, "condition")),
                 json_string_value(json_object_get(x, "message")));
    assert_true(rules_findings_ok(f->findings));
}

/* ==== whole applications =================================================================== */

static void test_workshop_passes(void **state)
{
    fx *f = *state;
    run(f);
    assert_all_ok(f);
    /* shape of a finding */
    const json_t *x = find(f, "T-equipment-share", "share");
    assert_string_equal(json_string_value(json_object_get(x, "severity")), "error");
    assert_string_equal(json_string_value(json_object_get(x, "required")), "≥ 50%");
    assert_string_equal(json_string_value(json_object_get(x, "actual")), "55%");
    assert_string_equal(msg(f, "T-equipment-share", "share"),
                        "数字化装备占比 55%（66/120），满足不低于 50% 的要求");
    /* workshop gets no factory rows and no K */
    size_t i;
    json_array_foreach(f->findings, i, x)
    {
        const char *r = json_string_value(json_object_get(x, "rule"));
        assert_true(strncmp(r, "K-", 2) != 0);
        assert_true(strcmp(r, "T-kpi-rd_cycle") != 0 && strcmp(r, "T-digital-workshops") != 0);
    }
}

static void test_factory_passes(void **state)
{
    fx *f = *state;
    make_factory(f);
    run(f);
    assert_all_ok(f);
    OK(f, "K-mode", "mode");
    OK(f, "K-discrete-7", "key_element");
    OK(f, "T-kpi-rd_cycle", "improvement");
    OK(f, "T-remote-service", "remote_service"); /* not a complete machine: not required */
    assert_string_equal(
        json_string_value(json_object_get(find(f, "T-remote-service", NULL), "actual")), "不适用");
}

/* ==== E1–E9, A1 ============================================================================ */

static void test_e1(void **state)
{
    fx *f = *state;
    set_str(f->enterprise, "uscc", "91500112ay4cl12t2c"); /* lower case is fine */
    run(f);
    OK(f, "E1", "uscc");
    OK(f, "E1", "division");
    set_str(f->enterprise, "uscc", "91500112AY4CL12T2D");
    run(f);
    FAIL(f, "E1", "uscc");
    assert_non_null(strstr(msg(f, "E1", "uscc"), "第 18 位应为 C"));
    FAIL(f, "E1", "division");
    set_str(f->enterprise, "uscc", "91110108551385082Q");
    run(f);
    OK(f, "E1", "uscc");
    FAIL(f, "E1", "division");
    json_object_del(f->enterprise, "uscc");
    run(f);
    FAIL(f, "E1", "uscc");
    set_str(f->enterprise, "district_code", "110105");
    run(f);
    FAIL(f, "E1", "district");
    set_str(f->enterprise, "district_code", "CQWS");
    run(f);
    OK(f, "E1", "district");
}

static void test_e2_e9_a1(void **state)
{
    fx *f = *state;
    json_object_set_new(f->enterprise, "independent_legal_person", json_false());
    json_object_set_new(f->application, "industrial_policy_compliant", json_false());
    f->ctx.assessment_done = false;
    run(f);
    FAIL(f, "E2", NULL);
    FAIL(f, "E9", NULL);
    FAIL(f, "A1", NULL);
    assert_false(rules_findings_ok(f->findings));
    json_object_del(f->enterprise, "independent_legal_person"); /* old-platform profile */
    run(f);
    FAIL(f, "E2", NULL);
    assert_non_null(strstr(msg(f, "E2", NULL), "完善企业资料"));
}

static void test_e3_window(void **state)
{
    fx *f = *state;
    int64_t open = f->ctx.opens_at, close = f->ctx.closes_at, dl = f->ctx.district_deadline;
    assert_int_equal(open, T("2020-03-17T10:00:00+08:00"));
    assert_int_equal(close, T("2020-04-11T00:00:00+08:00"));
    assert_int_equal(dl, T("2020-04-18T00:00:00+08:00"));
    f->ctx.now = open - 1;
    run(f);
    FAIL(f, "E3", "window");
    f->ctx.now = open;
    run(f);
    OK(f, "E3", "window");
    f->ctx.now = close - 1;
    run(f);
    OK(f, "E3", "window");
    f->ctx.now = close;
    run(f);
    FAIL(f, "E3", "window");
    assert_non_null(strstr(msg(f, "E3", "window"), "2020-04-10 24:00"));
    /* a returned application: until the district deadline, exclusive */
    f->ctx.resubmission = true;
    f->ctx.now = dl - 1;
    run(f);
    OK(f, "E3", "resubmission");
    f->ctx.now = dl;
    run(f);
    FAIL(f, "E3", "resubmission");
    assert_non_null(strstr(msg(f, "E3", "resubmission"), "2020-04-17 24:00"));
}

static void test_e4(void **state)
{
    fx *f = *state;
    f->ctx.other_applications = 0;
    run(f);
    OK(f, "E4", NULL);
    f->ctx.other_applications = 1;
    run(f);
    FAIL(f, "E4", NULL);
}

static void test_e5(void **state)
{
    fx *f = *state;
    /* certified in 2019 under a full-width, spaced spelling of the same site name */
    json_array_append_new(f->certs, json_pack("{s:i,s:s,s:s,s:s,s:[]}", "year", 2019, "type",
                                              "workshop", "uscc", "91500112ay4cl12t2c", "site_name",
                                              "发动机缸体\u3000数字化车间 ", "included_workshops"));
    run(f);
    FAIL(f, "E5", NULL);
    /* full-width latin letters and digits against half-width */
    set_str(f->project, "site_name", "１号ＡＢ车间");
    json_object_set_new(json_array_get(f->certs, 0), "site_name", json_string("1号AB 车间"));
    run(f);
    FAIL(f, "E5", NULL);
    /* a different site of the same enterprise is fine */
    set_str(f->project, "site_name", "2号AB车间");
    run(f);
    OK(f, "E5", NULL);
    /* the site is a workshop inside a factory certified in 2018 */
    json_array_append_new(f->certs,
                          json_pack("{s:i,s:s,s:s,s:s,s:[s,s]}", "year", 2018, "type", "factory",
                                    "uscc", "91500112AY4CL12T2C", "site_name", "整车智能工厂",
                                    "included_workshops", "冲压车间", "２号ＡＢ车间"));
    run(f);
    FAIL(f, "E5", NULL);
    assert_non_null(strstr(msg(f, "E5", NULL), "整车智能工厂"));
    /* same names under another USCC, or a year the batch does not list: no match */
    json_object_set_new(json_array_get(f->certs, 1), "uscc", json_string("91500000MA5U7E3K5C"));
    run(f);
    OK(f, "E5", NULL);
    json_object_set_new(json_array_get(f->certs, 1), "uscc", json_string("91500112AY4CL12T2C"));
    json_object_set_new(json_array_get(f->certs, 1), "year", json_integer(2017));
    run(f);
    OK(f, "E5", NULL);
}

static void investment(fx *f, const char *district, json_int_t yuan)
{
    set_str(f->project, "district_code", district);
    set_int(f->project, "equipment_software_investment", yuan);
    run(f);
}

static void test_e6(void **state)
{
    fx *f = *state;
    investment(f, "500112", 10000000);
    OK(f, "E6", "investment");
    investment(f, "500112", 9999999);
    FAIL(f, "E6", "investment");
    investment(f, "500112", 9500000);
    FAIL(f, "E6", "investment");
    assert_string_equal(msg(f, "E6", "investment"),
                        "设备和软件投资 950 万元，低于渝北区所在主城都市区的门槛 1000 万元");
    assert_string_equal(json_string_value(json_object_get(find(f, "E6", NULL), "required")),
                        "≥ 10000000");
    assert_string_equal(json_string_value(json_object_get(find(f, "E6", NULL), "actual")),
                        "9500000");
    /* 渝东北 (万州) and 渝东南 (彭水): half — the PROJECT's district decides, not the enterprise's
     */
    investment(f, "500101", 5000000);
    OK(f, "E6", "investment");
    investment(f, "500101", 4999999);
    FAIL(f, "E6", "investment");
    assert_non_null(strstr(msg(f, "E6", NULL), "渝东北三峡库区城镇群的门槛 500 万元"));
    investment(f, "500243", 5000000);
    OK(f, "E6", "investment");
    investment(f, "500243", 4999999);
    FAIL(f, "E6", "investment");
    /* every functional zone is 主城都市区: at, just below and just above the full threshold */
    static const char *zones[] = {"CQLJ", "CQGX", "CQWS"};
    for (size_t i = 0; i < 3; i++) {
        investment(f, zones[i], 9999999);
        FAIL(f, "E6", "investment");
        investment(f, zones[i], 10000000);
        OK(f, "E6", "investment");
        investment(f, zones[i], 10000001);
        OK(f, "E6", "investment");
    }
    /* just above the reduced thresholds of both groups */
    investment(f, "500101", 5000001);
    OK(f, "E6", "investment");
    investment(f, "500243", 5000001);
    OK(f, "E6", "investment");
    /* no project district: the enterprise's applies */
    json_object_del(f->project, "district_code");
    set_int(f->project, "equipment_software_investment", 9999999);
    run(f);
    FAIL(f, "E6", "investment");
    investment(f, "999999", 20000000);
    FAIL(f, "E6", "investment");
    assert_int_equal(rules_investment_threshold(f->rules, "渝东南武陵山区城镇群"), 5000000);
    assert_int_equal(rules_investment_threshold(f->rules, "主城都市区"), 10000000);
}

static void test_e7(void **state)
{
    fx *f = *state;
    set_str(f->project, "start_date", "2018-01-01");
    set_str(f->project, "completion_date", "2020-07-01"); /* exactly 30 months */
    run(f);
    OK(f, "E7", "start_date");
    OK(f, "E7", "construction_period");
    set_str(f->project, "completion_date", "2020-07-02");
    run(f);
    FAIL(f, "E7", "construction_period");
    assert_string_equal(
        json_string_value(json_object_get(find(f, "E7", "construction_period"), "severity")),
        "warning");
    assert_true(rules_findings_ok(f->findings)); /* a warning does not block */
    /* month-end clamping: 2018-01-31 + 30 months = 2020-07-31 */
    set_str(f->project, "start_date", "2018-01-31");
    set_str(f->project, "completion_date", "2020-07-31");
    run(f);
    OK(f, "E7", "construction_period");
    set_str(f->project, "completion_date", "2020-08-01");
    run(f);
    FAIL(f, "E7", "construction_period");
    /* 2019-08-31 + 6 months clamps to 2020-02-29: a 6-month rule shows it */
    set_int(f->rules, "class1_max_months", 6);
    set_str(f->project, "start_date", "2019-08-31");
    set_str(f->project, "completion_date", "2020-02-29");
    run(f);
    OK(f, "E7", "construction_period");
    set_str(f->project, "completion_date", "2020-03-01");
    run(f);
    FAIL(f, "E7", "construction_period");

    set_str(f->project, "start_date", "2017-12-31");
    run(f);
    FAIL(f, "E7", "start_date");
    assert_false(rules_findings_ok(f->findings));

    set_int(f->project, "progress_pct", 80);
    run(f);
    OK(f, "E7", "progress");
    set_int(f->project, "progress_pct", 79);
    run(f);
    FAIL(f, "E7", "progress");
    set_int(f->project, "progress_pct", 81);
    run(f);
    OK(f, "E7", "progress");

    json_object_set_new(f->project, "other_public_funding", json_true());
    run(f);
    FAIL(f, "E7", "public_funding");
    json_object_del(f->project, "other_public_funding");
    run(f);
    FAIL(f, "E7", "public_funding");

    json_object_set_new(f->project, "approval_attachment_ids", json_array());
    run(f);
    FAIL(f, "E7", "approval_proof");
    set_str(f->project, "approval_proof_type", "plan_and_resolution");
    json_object_set_new(f->project, "approval_attachment_ids", json_pack("[i]", 4));
    run(f);
    FAIL(f, "E7", "approval_proof");
    json_object_set_new(f->project, "approval_attachment_ids", json_pack("[i,i]", 4, 5));
    run(f);
    OK(f, "E7", "approval_proof");
    json_object_del(f->project, "approval_proof_type");
    run(f);
    FAIL(f, "E7", "approval_proof");
    /* Class I: E8 not applicable */
    OK(f, "E8", "class");
}

static void test_e8(void **state)
{
    fx *f = *state;
    set_str(f->project, "class", "II");
    set_int(f->project, "progress_pct", 100);
    f->ctx.now = T("2020-03-20T23:59:59+08:00");
    set_str(f->project, "completion_date", "2020-03-20"); /* today in Beijing */
    run(f);
    OK(f, "E8", "completion_date");
    OK(f, "E8", "progress");
    OK(f, "E7", "class");
    f->ctx.now = T("2020-03-20T00:00:00+08:00");
    run(f);
    OK(f, "E8", "completion_date");
    set_str(f->project, "completion_date", "2020-03-21"); /* tomorrow */
    run(f);
    FAIL(f, "E8", "completion_date");
    /* 2020-03-19T16:30Z is already 2020-03-20 00:30 in Chongqing */
    f->ctx.now = T("2020-03-20T16:30:00Z");
    run(f);
    OK(f, "E8", "completion_date");
    set_int(f->project, "progress_pct", 99);
    run(f);
    FAIL(f, "E8", "progress");
    json_object_del(f->project, "class");
    run(f);
    FAIL(f, "E7", "class");
}

/* ==== technical conditions and KPIs ======================================================== */

static void test_equipment_share(void **state)
{
    fx *f = *state;
    set_int(f->application, "equipment_total", 10000);
    set_int(f->application, "equipment_digital", 5000);
    run(f);
    OK(f, "T-equipment-share", "share");
    set_int(f->application, "equipment_digital", 4999);
    run(f);
    FAIL(f, "T-equipment-share", "share");
    assert_string_equal(msg(f, "T-equipment-share", "share"),
                        "数字化装备占比 49.99%（4999/10000），低于 50% 的要求");
    set_int(f->application, "equipment_digital", 5001);
    run(f);
    OK(f, "T-equipment-share", "share");
    set_int(f->application, "equipment_digital", 10001);
    run(f);
    FAIL(f, "T-equipment-share", "share");
    set_int(f->application, "equipment_total", 0);
    run(f);
    FAIL(f, "T-equipment-share", "share");
    json_object_del(f->application, "equipment_total");
    run(f);
    FAIL(f, "T-equipment-share", "share");
    assert_non_null(strstr(msg(f, "T-equipment-share", "share"), "请填写生产装备总数量"));
    /* factory: 65% */
    make_factory(f);
    set_int(f->application, "equipment_total", 10000);
    set_int(f->application, "equipment_digital", 6500);
    run(f);
    OK(f, "T-equipment-share", "share");
    set_int(f->application, "equipment_digital", 6499);
    run(f);
    FAIL(f, "T-equipment-share", "share");
    set_int(f->application, "equipment_digital", 5000);
    run(f);
    FAIL(f, "T-equipment-share", "share");
}

static void test_upload_rate_and_booleans(void **state)
{
    fx *f = *state;
    set_int(f->application, "data_points_total", 10000);
    set_int(f->application, "data_points_uploaded", 9000);
    run(f);
    OK(f, "T-data-upload-rate", "rate");
    set_int(f->application, "data_points_uploaded", 8999);
    run(f);
    FAIL(f, "T-data-upload-rate", "rate");
    set_int(f->application, "data_points_uploaded", 9001);
    run(f);
    OK(f, "T-data-upload-rate", "rate");

    json_object_set_new(json_object_get(f->application, "networked"), "logistics", json_false());
    json_object_del(json_object_get(f->application, "networked"), "inspection");
    json_object_set_new(json_object_get(f->application, "mes"), "quality", json_false());
    json_object_set_new(f->application, "realtime_monitoring", json_null());
    run(f);
    FAIL(f, "T-networked", NULL);
    assert_non_null(strstr(msg(f, "T-networked", NULL), "未满足：物流设备联网"));
    assert_non_null(strstr(msg(f, "T-networked", NULL), "未填写：检测设备联网"));
    FAIL(f, "T-mes", NULL);
    FAIL(f, "T-realtime-monitoring", NULL);
    OK(f, "T-visual-management", NULL);
    json_object_set_new(f->application, "integration",
                        json_pack("{s:b}", "realtime_data_mes_erp", 1));
    run(f);
    OK(f, "T-integration", "integration");
    FAIL(f, "T-integration", "description");
    assert_string_equal(
        json_string_value(json_object_get(find(f, "T-integration", "description"), "severity")),
        "warning");
    json_object_set_new(f->application, "declaration_signed", json_false());
    run(f);
    FAIL(f, "D-declaration", NULL);
    json_object_del(f->application, "kpi_baseline");
    run(f);
    FAIL(f, "T-kpi-baseline", NULL);
    set_str(f->application, "kpi_baseline", "industry_average");
    run(f);
    OK(f, "T-kpi-baseline", NULL);
}

static void kpi_case(fx *f, const char *k, const char *after_ok, const char *after_below,
                     const char *after_above)
{
    char id[64];
    snprintf(id, sizeof id, "T-kpi-%s", k);
    set_kpi(f, k, "100", after_ok);
    run(f);
    OK(f, id, "improvement");
    set_kpi(f, k, "100", after_below);
    run(f);
    FAIL(f, id, "improvement");
    set_kpi(f, k, "100", after_above);
    run(f);
    OK(f, id, "improvement");
}

static void test_kpis(void **state)
{
    fx *f = *state;
    make_factory(f);
    kpi_case(f, "operating_cost", "85", "85.0001", "84.9999");
    kpi_case(f, "efficiency", "110", "109.9999", "110.0001");
    kpi_case(f, "defect_rate", "90", "90.0001", "89.9999");
    kpi_case(f, "energy_utilization", "108", "107.9999", "108.0001");
    kpi_case(f, "rd_cycle", "90", "90.0001", "89.9999");
    set_kpi(f, "operating_cost", "350.5", "290");
    run(f);
    assert_string_equal(msg(f, "T-kpi-operating_cost", NULL),
                        "运营成本降低 17.26%（350.5 → 290），达到降低 15% 以上的要求");
    /* small values that are not exact in binary: 0.3 → 0.27 is exactly 10% */
    set_kpi(f, "defect_rate", "0.3", "0.27");
    run(f);
    OK(f, "T-kpi-defect_rate", NULL);
    set_kpi(f, "defect_rate", "0.3", "0.2701");
    run(f);
    FAIL(f, "T-kpi-defect_rate", NULL);
    /* worse after the project */
    set_kpi(f, "operating_cost", "100", "105");
    run(f);
    FAIL(f, "T-kpi-operating_cost", NULL);
    assert_string_equal(
        json_string_value(json_object_get(find(f, "T-kpi-operating_cost", NULL), "actual")),
        "升高 5%");
    /* before must be > 0 */
    set_kpi(f, "efficiency", "0", "10");
    run(f);
    FAIL(f, "T-kpi-efficiency", NULL);
    assert_non_null(strstr(msg(f, "T-kpi-efficiency", NULL), "基准值须大于 0"));
    /* missing figures say what to fill */
    json_object_set_new(json_object_get(f->application, "kpis"), "rd_cycle",
                        json_pack("{s:s}", "before", "12"));
    run(f);
    FAIL(f, "T-kpi-rd_cycle", NULL);
    assert_non_null(strstr(msg(f, "T-kpi-rd_cycle", NULL), "请填写产品研发周期的项目建成后数值"));
    json_object_del(f->application, "kpis");
    run(f);
    FAIL(f, "T-kpi-energy_utilization", NULL);
    /* a workshop has no R&D-cycle KPI */
    set_str(f->application, "type", "workshop");
    run(f);
    size_t i;
    const json_t *x;
    json_array_foreach(f->findings, i, x)
        assert_string_not_equal(json_string_value(json_object_get(x, "rule")), "T-kpi-rd_cycle");
}

static void test_digital_workshops(void **state)
{
    fx *f = *state;
    make_factory(f);
    json_t *fac = json_object_get(f->application, "factory");
    static const struct {
        const char *type;
        int ok, below;
    } cases[] = {{"discrete", 2, 1}, {"process", 1, 0}, {"mixed", 1, 0}};
    for (size_t i = 0; i < 3; i++) {
        set_str(f->enterprise, "manufacturing_type", cases[i].type);
        set_int(fac, "digital_workshops", cases[i].ok);
        run(f);
        OK(f, "T-digital-workshops", NULL);
        set_int(fac, "digital_workshops", cases[i].below);
        run(f);
        FAIL(f, "T-digital-workshops", NULL);
        set_int(fac, "digital_workshops", cases[i].ok + 1);
        run(f);
        OK(f, "T-digital-workshops", NULL);
    }
    json_object_del(f->enterprise, "manufacturing_type");
    run(f);
    FAIL(f, "T-digital-workshops", NULL);
    assert_non_null(strstr(msg(f, "T-digital-workshops", NULL), "制造类型"));
}

static void test_factory_conditions(void **state)
{
    fx *f = *state;
    make_factory(f);
    json_t *fac = json_object_get(f->application, "factory");
    json_object_set_new(f->enterprise, "complete_machine", json_true());
    run(f);
    FAIL(f, "T-remote-service", NULL);
    json_object_set_new(fac, "remote_service", json_true());
    run(f);
    OK(f, "T-remote-service", NULL);
    json_object_del(f->enterprise, "complete_machine");
    run(f);
    FAIL(f, "T-remote-service", NULL);
    json_object_set_new(fac, "whole_factory", json_false());
    json_object_set_new(fac, "design_knowledge_management", json_false());
    json_object_set_new(fac, "erp_closed_loop", json_false());
    set_str(fac, "leading_description", "  ");
    run(f);
    FAIL(f, "T-whole-factory", NULL);
    FAIL(f, "T-design", NULL);
    FAIL(f, "T-erp", NULL);
    FAIL(f, "T-leading", NULL);
}

static void test_key_elements(void **state)
{
    fx *f = *state;
    make_factory(f);
    json_t *fac = json_object_get(f->application, "factory");
    json_t *ke = json_object_get(fac, "key_elements");
    json_object_set_new(ke, "discrete-3", J("{\"met\":false}"));
    json_object_del(ke, "discrete-4");
    json_object_set_new(ke, "discrete-5", J("{\"not_applicable\":true}"));
    run(f);
    FAIL(f, "K-discrete-3", NULL);
    FAIL(f, "K-discrete-4", NULL);
    FAIL(f, "K-discrete-5", NULL); /* may not be marked not applicable */
    OK(f, "K-discrete-1", NULL);
    /* process mode: element 5 (high safety/environment risk) may not apply */
    set_str(fac, "mode", "process");
    json_object_clear(ke);
    for (int i = 1; i <= 7; i++) {
        char id[32];
        snprintf(id, sizeof id, "process-%d", i);
        json_object_set_new(ke, id, i == 5 ? J("{\"not_applicable\":true}") : J("{\"met\":true}"));
    }
    run(f);
    OK(f, "K-process-5", NULL);
    assert_string_equal(json_string_value(json_object_get(find(f, "K-process-5", NULL), "actual")),
                        "不适用");
    json_object_set_new(ke, "process-4", J("{\"not_applicable\":true}"));
    run(f);
    FAIL(f, "K-process-4", NULL);
    /* other modes have their own element counts */
    set_str(fac, "mode", "customization");
    run(f);
    FAIL(f, "K-customization-4", NULL);
    set_str(fac, "mode", "teleport");
    run(f);
    FAIL(f, "K-mode", NULL);
    json_object_del(fac, "mode");
    run(f);
    FAIL(f, "K-mode", NULL);
}

/* ==== rules are data ======================================================================= */

static void test_2023_rules_as_data(void **state)
{
    fx *f = *state;
    /* 2023: 关键工序数控化率 ≥ 70% for workshops via two new figures, and the equipment share
     * raised to 60% — a new row, a changed number, no code. */
    json_t *checks = json_object_get(f->rules, "checks");
    json_array_append_new(
        checks,
        J("{\"id\":\"T-key-process-nc\",\"condition\":\"share\",\"applies_to\":\"workshop\","
          "\"severity\":\"error\",\"kind\":\"ratio_min\",\"label\":\"关键工序数控化率\","
          "\"num\":\"key_processes_nc\",\"num_label\":\"数控化的关键工序数\","
          "\"den\":\"key_processes_total\",\"den_label\":\"关键工序总数\",\"min\":\"0.7\"}"));
    json_object_set_new(f->rules, "form_figures",
                        J("[{\"path\":\"key_processes_total\",\"type\":\"count\"},"
                          "{\"path\":\"key_processes_nc\",\"type\":\"count\"}]"));
    size_t i;
    json_t *row;
    json_array_foreach(checks, i, row)
    {
        const char *id = json_string_value(json_object_get(row, "id"));
        const char *ap = json_string_value(json_object_get(row, "applies_to"));
        if (!strcmp(id, "T-equipment-share") && !strcmp(ap, "workshop")) set_str(row, "min", "0.6");
    }
    set_int(f->application, "key_processes_total", 100);
    set_int(f->application, "key_processes_nc", 70);
    run(f);
    OK(f, "T-key-process-nc", "share");
    assert_string_equal(msg(f, "T-key-process-nc", NULL),
                        "关键工序数控化率 70%（70/100），满足不低于 70% 的要求");
    FAIL(f, "T-equipment-share", NULL); /* 55% < 60% now */
    assert_non_null(strstr(msg(f, "T-equipment-share", NULL), "低于 60% 的要求"));
    set_int(f->application, "key_processes_nc", 69);
    run(f);
    FAIL(f, "T-key-process-nc", "share");
    /* the form validator knows the new figures only through the batch */
    json_t *patch = J("{\"key_processes_total\":100,\"key_processes_nc\":70}");
    json_t *errors = json_object();
    assert_int_equal(rules_validate_form(patch, errors), -1);
    assert_non_null(json_object_get(errors, "key_processes_nc"));
    json_object_clear(errors);
    assert_int_equal(rules_validate_form_for(patch, f->rules, NULL, errors), 0);
    json_object_set_new(patch, "key_processes_nc", json_integer(-1));
    assert_int_equal(rules_validate_form_for(patch, f->rules, NULL, errors), -1);
    assert_non_null(json_object_get(errors, "key_processes_nc"));
    json_decref(patch);
    json_decref(errors);
}

static void test_other_vocabulary(void **state)
{
    fx *f = *state;
    json_t *checks = json_object_get(f->rules, "checks");
    json_array_append_new(checks, J("{\"id\":\"T-x-rate\",\"kind\":\"value_min\",\"applies_to\":"
                                    "\"both\",\"label\":\"自控投用率\",\"figure\":\"x_rate\","
                                    "\"min\":\"0.9\",\"format\":\"percent\"}"));
    json_array_append_new(checks, J("{\"id\":\"T-bogus\",\"kind\":\"no_such_kind\"}"));
    set_str(f->application, "x_rate", "0.9");
    run(f);
    OK(f, "T-x-rate", NULL);
    FAIL(f, "T-bogus", NULL); /* a misconfigured row fails visibly, never passes */
    set_str(f->application, "x_rate", "0.8999");
    run(f);
    FAIL(f, "T-x-rate", NULL);
    /* a missing threshold is a visible configuration error too */
    json_object_del(f->rules, "investment_threshold");
    run(f);
    FAIL(f, "E6", NULL);
    json_object_del(f->rules, "prior_batch_years");
    run(f);
    FAIL(f, "E5", NULL);
}

/* ==== input validation ===================================================================== */

static void test_validate_form(void **state)
{
    (void)state;
    json_t *errors = json_object();
    json_t *good = J(workshop_form);
    json_object_del(good, "type"); /* set at creation, not in the form */
    assert_int_equal(rules_validate_form(good, errors), 0);
    assert_int_equal(json_object_size(errors), 0);
    json_decref(good);
    /* nulls clear, partial nested objects merge */
    json_t *p = J("{\"kpis\":{\"operating_cost\":{\"before\":\"350.5\"}},\"factory\":null,"
                  "\"equipment_total\":null,\"factory\":{\"key_elements\":{\"process-5\":"
                  "{\"not_applicable\":true,\"description\":\"低风险\"}}}}");
    assert_int_equal(rules_validate_form(p, errors), 0);
    json_decref(p);
    p = J("{\"equipment_total\":-1,\"equipment_digital\":\"66\",\"data_points_total\":1.5,"
          "\"networked\":{\"processing\":1,\"wifi\":true},\"kpi_baseline\":\"guess\","
          "\"kpis\":{\"operating_cost\":{\"before\":\"1.23456\",\"after\":350.5},"
          "\"efficiency\":{\"before\":\"-1\"},\"speed\":{}},"
          "\"technologies\":[\"cloud\",\"quantum\"],\"factory\":{\"mode\":\"teleport\","
          "\"key_elements\":{\"discrete-9\":{\"met\":true},\"discrete-1\":{\"met\":\"yes\"}}},"
          "\"attachment_ids\":[1,0],\"foo\":1,\"integration\":[]}");
    assert_int_equal(rules_validate_form(p, errors), -1);
    const char *bad[] = {"equipment_total",
                         "equipment_digital",
                         "data_points_total",
                         "networked.processing",
                         "networked.wifi",
                         "kpi_baseline",
                         "kpis.operating_cost.before",
                         "kpis.operating_cost.after",
                         "kpis.efficiency.before",
                         "kpis.speed",
                         "technologies",
                         "factory.mode",
                         "factory.key_elements.discrete-9",
                         "factory.key_elements.discrete-1.met",
                         "attachment_ids",
                         "foo",
                         "integration"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!json_object_get(errors, bad[i])) fail_msg("no error for %s", bad[i]);
    assert_int_equal(json_object_size(errors), sizeof bad / sizeof bad[0]);
    assert_string_equal(json_string_value(json_object_get(errors, "foo")), "未知字段");
    json_decref(p);
    json_object_clear(errors);
    p = J("{\"technologies\":[\"cloud\",\"cloud\"]}");
    assert_int_equal(rules_validate_form(p, errors), -1);
    json_decref(p);
    json_object_clear(errors);
    p = J("[1]");
    assert_int_equal(rules_validate_form(p, errors), -1);
    json_decref(p);
    json_decref(errors);
}

static void test_validate_project(void **state)
{
    (void)state;
    json_t *errors = json_object();
    json_t *p =
        J("{\"name\":\"改造\",\"site_name\":\"一车间\",\"district_code\":\"500112\","
          "\"address\":\"重庆\",\"class\":\"I\",\"start_date\":\"2019-01-01\","
          "\"completion_date\":\"2019-01-01\",\"progress_pct\":100,"
          "\"total_investment\":10000000,\"equipment_software_investment\":10000000,"
          "\"other_public_funding\":false,\"approval_proof_type\":\"plan_and_resolution\","
          "\"approval_attachment_ids\":[1,2],\"content\":\"…\",\"expected_results\":\"…\"}");
    assert_int_equal(rules_validate_project(p, errors), 0);
    json_decref(p);
    p = J("{\"name\":\" \",\"class\":\"III\",\"start_date\":\"2019-02-30\","
          "\"progress_pct\":101,\"total_investment\":-5,\"approval_proof_type\":\"oral\","
          "\"district_code\":\"50 01\",\"id\":3}");
    assert_int_equal(rules_validate_project(p, errors), -1);
    const char *bad[] = {"name",
                         "class",
                         "start_date",
                         "progress_pct",
                         "total_investment",
                         "approval_proof_type",
                         "district_code",
                         "id"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!json_object_get(errors, bad[i])) fail_msg("no error for %s", bad[i]);
    json_decref(p);
    json_object_clear(errors);
    p = J("{\"start_date\":\"2019-02-01\",\"completion_date\":\"2019-01-31\","
          "\"total_investment\":100,\"equipment_software_investment\":101,\"progress_pct\":-1}");
    assert_int_equal(rules_validate_project(p, errors), -1);
    assert_non_null(json_object_get(errors, "completion_date"));
    assert_non_null(json_object_get(errors, "equipment_software_investment"));
    assert_non_null(json_object_get(errors, "progress_pct"));
    json_decref(p);
    json_decref(errors);
}

static void test_reference_data(void **state)
{
    (void)state;
    json_t *d = rules_default_districts();
    assert_int_equal(json_array_size(d), 41);
    int groups[3] = {0};
    size_t i;
    const json_t *x;
    json_array_foreach(d, i, x)
    {
        const char *g = json_string_value(json_object_get(x, "group"));
        const char *t = json_string_value(json_object_get(x, "type"));
        if (!strcmp(t, "功能区")) continue;
        groups[!strcmp(g, "主城都市区") ? 0 : !strcmp(g, "渝东北三峡库区城镇群") ? 1 : 2]++;
    }
    assert_int_equal(groups[0], 21);
    assert_int_equal(groups[1], 11);
    assert_int_equal(groups[2], 6);
    assert_string_equal(
        json_string_value(json_object_get(rules_find_district(d, "500243"), "name")),
        "彭水苗族土家族自治县");
    assert_string_equal(json_string_value(json_object_get(rules_find_district(d, "CQGX"), "group")),
                        "主城都市区");
    assert_null(rules_find_district(d, "500234"));
    json_decref(d);
    json_t *bad = rules_districts_from_csv("code,name\n1,x\n", 15);
    assert_null(bad);
    const char *bom = "\xEF\xBB\xBF"
                      "code,name,type,group\r\nCQLJ,两江新区,功能区,主城都市区\r\n";
    json_t *one = rules_districts_from_csv(bom, strlen(bom));
    assert_int_equal(json_array_size(one), 1);
    json_decref(one);
    json_t *m = rules_default_factory_modes();
    assert_int_equal(json_array_size(m), 5);
    const json_t *proc = rules_find_mode(m, "process");
    assert_int_equal(json_array_size(json_object_get(proc, "key_elements")), 7);
    assert_true(json_is_true(json_object_get(
        json_array_get(json_object_get(proc, "key_elements"), 4), "may_not_apply")));
    json_decref(m);
}

/* The batch validator: the shipped rules pass; each parameter is refused just past its limit and
 * taken at it, under a key naming the parameter and a reason naming it in Chinese. */
static json_t *batch_errors(const json_t *rules)
{
    json_t *e = json_object();
    rules_validate_batch(rules, e);
    return e;
}

static void expect_batch(json_t *rules, const char *key, const char *want_prefix)
{
    json_t *e = batch_errors(rules);
    if (!want_prefix) {
        if (json_object_size(e)) {
            char *d = json_dumps(e, JSON_ENSURE_ASCII);
            fail_msg("unexpected reasons %s", d);
        }
    } else {
        const char *got = json_string_value(json_object_get(e, key));
        if (!got || strncmp(got, want_prefix, strlen(want_prefix))) {
            char *d = json_dumps(e, 0);
            fail_msg("%s: want \"%s…\", got %s", key, want_prefix, d);
        }
    }
    json_decref(e);
}

static void test_validate_batch(void **state)
{
    fx *f = *state;
    json_t *r = f->rules;
    expect_batch(r, NULL, NULL);
    json_t *share = json_array_get(json_object_get(r, "checks"), 0); /* T-equipment-share */
    json_object_set_new(share, "min", json_string("1"));
    expect_batch(r, NULL, NULL);
    json_object_set_new(share, "min", json_string("1.0001"));
    expect_batch(r, "rules.checks.0.min",
                 "数字化装备占比（数字化车间）的最低比例须在 0% 到 100% 之间");
    json_object_set_new(share, "min", json_string("0.12345"));
    expect_batch(r, "rules.checks.0.min", "数字化装备占比（数字化车间）");
    json_object_set_new(share, "min", json_real(0.5));
    expect_batch(r, "rules.checks.0.min", "数字化装备占比");
    json_object_set_new(share, "min", json_string("0"));
    expect_batch(r, NULL, NULL);
    json_object_set_new(share, "min", json_string("0.5"));
    /* the score form adds up to 100 */
    json_t *c0 = json_array_get(json_object_get(r, "score_form"), 0);
    json_object_set_new(c0, "max", json_integer(29));
    expect_batch(r, "rules.score_form", "专家评分表各项满分合计须为 100 分，目前为 99 分");
    json_object_set_new(c0, "max", json_integer(0));
    expect_batch(r, "rules.score_form.0.max", "第 1 项评分内容的满分须为 1 到 100 之间的整数");
    json_object_set_new(c0, "max", json_integer(30));
    json_object_set_new(c0, "name", json_string("技术先进性"));
    expect_batch(r, "rules.score_form.1.name", "第 2 项评分内容“技术先进性”与第 1 项重名");
    json_object_set_new(c0, "name", json_string("信息基础"));
    /* extra figures and their rows */
    json_object_set_new(
        r, "form_figures",
        J("[{\"path\":\"extra_1\",\"type\":\"decimal\",\"label\":\"关键工序数控化率\","
          "\"unit\":\"%\"},{\"path\":\"extra_2\",\"type\":\"decimal\",\"label\":\" \"}]"));
    expect_batch(r, "rules.form_figures.1.label", "第 2 项补充指标须填写名称");
    json_array_remove(json_object_get(r, "form_figures"), 1);
    expect_batch(r, NULL, NULL);
    /* other parameters at and past their limits */
    json_object_set_new(r, "class1_min_progress", json_integer(101));
    expect_batch(r, "rules.class1_min_progress", "Ⅰ类项目最低建设进度须为 0 到 100 之间的整数");
    json_object_set_new(r, "class1_min_progress", json_integer(100));
    json_object_set_new(r, "publicity", J("{\"length\":0,\"unit\":\"weeks\"}"));
    expect_batch(r, "rules.publicity.length", "公示期须为 1 到 365 之间的整数");
    expect_batch(r, "rules.publicity.unit", "公示期单位须为工作日或自然日");
    json_object_set_new(r, "publicity", J("{\"length\":365,\"unit\":\"days\"}"));
    json_object_set_new(json_object_get(r, "reduced_ratio"), "渝东北三峡库区城镇群",
                        json_string("0"));
    expect_batch(r, "rules.reduced_ratio.渝东北三峡库区城镇群",
                 "渝东北三峡库区城镇群的投资门槛折算比例");
    json_object_set_new(json_object_get(r, "reduced_ratio"), "渝东北三峡库区城镇群",
                        json_string("1"));
    json_object_set_new(r, "districts", json_array());
    expect_batch(r, "rules.districts", "参加本批次的区县至少须选择一个");
    json_object_del(r, "districts");
    expect_batch(r, NULL, NULL);
    /* absent parameters are the pre-check's business, not a refusal */
    json_t *partial = J("{\"investment_threshold\":10000000}");
    expect_batch(partial, NULL, NULL);
    json_decref(partial);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T_(test_workshop_passes),
        T_(test_factory_passes),
        T_(test_e1),
        T_(test_e2_e9_a1),
        T_(test_e3_window),
        T_(test_e4),
        T_(test_e5),
        T_(test_e6),
        T_(test_e7),
        T_(test_e8),
        T_(test_equipment_share),
        T_(test_upload_rate_and_booleans),
        T_(test_kpis),
        T_(test_digital_workshops),
        T_(test_factory_conditions),
        T_(test_key_elements),
        T_(test_2023_rules_as_data),
        T_(test_other_vocabulary),
        cmocka_unit_test(test_validate_form),
        cmocka_unit_test(test_validate_project),
        cmocka_unit_test(test_reference_data),
        T_(test_validate_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
