/* demo — `smip demo`: a database to look around in. An account for every role (passwords
 * printed), the 2020 batch of the notice, a batch with the same rules open now, and enterprises
 * in three district groups with projects and draft applications. Everything goes through the
 * services, so the demo data obeys the same rules and audit trail as real data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/uscc.h"
#include "service/accounts.h"
#include "service/assessment.h"
#include "service/enterprise.h"
#include "service/reference.h"

typedef struct demo_enterprise {
    const char *username, *name, *district, *site, *mtype;
    int64_t investment;
    const char *type;
} demo_enterprise;

static const demo_enterprise DEMO_ENTERPRISES[] = {
    {"cqjd01", "重庆某机电有限公司", "500112", "智能装配数字化车间", "discrete", 12000000,
     "workshop"},
    {"wzhg01", "重庆万州某化工有限公司", "500101", "精细化工智能工厂", "process", 6000000,
     "factory"},
    {"qjsp01", "重庆黔江某食品有限公司", "500114", "调味品灌装数字化车间", "mixed", 5200000,
     "workshop"},
};

/* Builds a valid USCC for a district from a serial (the check digit computed). */
static void demo_uscc(const char *district, int serial, char out[19])
{
    char body[18];
    snprintf(body, sizeof body, "91%.6sMA%07d", district, serial);
    memcpy(out, body, 17);
    out[17] = uscc_check_char(body);
    out[18] = '\0';
}

static int demo_user(svc_ctx *c, const char *role, const char *username, const char *district,
                     const char *password, int64_t *id)
{
    svc_err e = {0};
    if (svc_user_add(c, role, username, district, password, id, &e) != 0) {
        fprintf(stderr, "smip: demo account %s: %s\n", username, e.message);
        svc_err_clear(&e);
        return -1;
    }
    printf("  %-11s %-10s 密码 %s%s%s\n", role, username, password, district ? "  区县 " : "",
           district ? district : "");
    return 0;
}

static int demo_fail(const char *what, svc_err *e)
{
    fprintf(stderr, "smip: demo %s: %s\n", what, e->message);
    svc_err_clear(e);
    return -1;
}

/* Collects an answer for every requirement of the applicable model: the demo enterprise meets
 * the lower levels fully and the higher ones less, so its report has a shape worth reading. */
static void demo_answers(const json_t *node, json_t *answers)
{
    if (json_is_array(node)) {
        size_t i;
        const json_t *v;
        json_array_foreach(node, i, v) demo_answers(v, answers);
        return;
    }
    if (!json_is_object(node)) return;
    const char *id = json_string_value(json_object_get(node, "id"));
    const json_t *level = json_object_get(node, "level");
    if (id && json_is_integer(level) && json_object_get(node, "text")) {
        static const char *const by_level[] = {"1", "1", "1", "0.8", "0.5", "0"};
        json_int_t l = json_integer_value(level);
        json_object_set_new(answers, id, json_string(by_level[l >= 1 && l <= 5 ? l : 0]));
        return;
    }
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)node, k, v) demo_answers(v, answers);
}

/* A completed self-assessment (rule A1), so this enterprise can submit at once. */
static int demo_assessment(svc_ctx *c)
{
    svc_err e = {0};
    json_t *model = NULL, *out = NULL;
    if (svc_asm_model(c, &model, &e) != 0) return demo_fail("assessment model", &e);
    json_t *answers = json_object();
    demo_answers(model, answers);
    json_decref(model);
    json_t *in = json_pack("{s:o}", "answers", answers);
    int rc = svc_asm_create(c, in, &out, &e);
    json_decref(in);
    if (rc != 0) return demo_fail("assessment", &e);
    json_decref(out);
    return 0;
}

/* Every figure of the first enterprise's workshop above its 2020 threshold, so the demo can be
 * walked from submit to certificate (the others stay partial drafts, as real ones are). */
static const char DEMO_FULL_FORM[] =
    "{\"equipment_total\":120,\"equipment_digital\":72,\"data_points_total\":400,"
    "\"data_points_uploaded\":380,\"networked\":{\"processing\":true,\"inspection\":true,"
    "\"logistics\":true},\"realtime_monitoring\":true,\"mes\":{\"scheduling\":true,"
    "\"process\":true,\"logistics_warehousing\":true,\"quality\":true,\"equipment\":true},"
    "\"visual_management\":true,\"integration\":{\"realtime_data_mes_erp\":true,"
    "\"description\":\"MES 与 ERP、设备数据采集系统实时交换生产数据\"},"
    "\"kpi_baseline\":\"before_project\",\"kpis\":{\"operating_cost\":{\"before\":\"350.5\","
    "\"after\":\"290\"},\"efficiency\":{\"before\":\"100\",\"after\":\"118\"},"
    "\"defect_rate\":{\"before\":\"2.0\",\"after\":\"1.6\"},\"energy_utilization\":"
    "{\"before\":\"0.80\",\"after\":\"0.88\"}},\"technologies\":[\"5g\",\"iot\","
    "\"digital_twin\"],\"industrial_policy_compliant\":true,\"declaration_signed\":true}";

/* The first enterprise: its draft complete and its self-assessment done (rule A1). */
static int demo_complete(svc_ctx *c, int64_t app_id)
{
    json_t *form = json_loads(DEMO_FULL_FORM, 0, NULL), *out = NULL;
    svc_err e = {0};
    int rc = form ? svc_app_put(c, app_id, form, &out, &e) : -1;
    json_decref(form);
    json_decref(out);
    if (rc != 0) return demo_fail("complete draft", &e);
    return demo_assessment(c);
}

/* One enterprise: account, platform connected, new-user confirmation, project, draft. */
static int demo_enterprise_path(svc_ctx *base, const demo_enterprise *d, int serial,
                                int64_t batch_id)
{
    int64_t id = 0;
    if (demo_user(base, "enterprise", d->username, NULL, "Demo2020pass", &id) != 0) return -1;
    svc_actor a = {.id = id, .imp_connected = true};
    snprintf(a.username, sizeof a.username, "%s", d->username);
    snprintf(a.role, sizeof a.role, "enterprise");
    snprintf(a.status, sizeof a.status, "active");
    svc_ctx c = *base;
    c.actor = &a;
    svc_err e = {0};
    json_t *out = NULL;
    if (svc_imp_connect(&c, &out, &e) != 0) return demo_fail("connect", &e);
    json_decref(out);
    char uscc[19];
    demo_uscc(d->district, serial, uscc);
    json_t *ent = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "uscc", uscc, "name", d->name,
                            "district_code", d->district, "address", "重庆市（演示地址）",
                            "legal_representative", "张三", "manufacturing_type", d->mtype,
                            "independent_legal_person", 1, "complete_machine", 0);
    int rc = svc_imp_confirm_new(&c, ent, &out, &e);
    json_decref(ent);
    if (rc != 0) return demo_fail("confirm", &e);
    json_t *eobj = json_object_get(out, "enterprise");
    a.enterprise_id = json_integer_value(json_object_get(eobj ? eobj : out, "id"));
    a.imp_bound = true;
    json_decref(out);
    json_t *proj = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:b,s:s,s:[],s:s,s:s}", "name",
        "智能化改造项目（演示）", "site_name", d->site, "district_code", d->district, "address",
        "重庆市（演示地址）", "class", "II", "start_date", "2024-03-01", "completion_date",
        "2025-06-30", "progress_pct", 100, "total_investment", (json_int_t)(d->investment * 2),
        "equipment_software_investment", (json_int_t)d->investment, "other_public_funding", 0,
        "approval_proof_type", "filing", "approval_attachment_ids", "content",
        "生产线数字化改造，建设制造执行系统。", "expected_results", "运营成本降低、效率提升。");
    rc = svc_project_create(&c, proj, &out, &e);
    json_decref(proj);
    if (rc != 0) return demo_fail("project", &e);
    int64_t pid = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_t *app = json_pack("{s:I,s:I,s:s}", "batch_id", (json_int_t)batch_id, "project_id",
                            (json_int_t)pid, "type", d->type);
    rc = svc_app_create(&c, app, &out, &e);
    json_decref(app);
    if (rc != 0) return demo_fail("application", &e);
    int64_t app_id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_t *patch = json_pack("{s:i,s:i,s:i,s:i}", "equipment_total", 120, "equipment_digital", 66,
                              "data_points_total", 400, "data_points_uploaded", 372);
    rc = svc_app_put(&c, app_id, patch, &out, &e);
    json_decref(patch);
    if (rc != 0) return demo_fail("draft", &e);
    json_decref(out);
    return serial == 1 ? demo_complete(&c, app_id) : 0;
}

int app_demo(app_cli *cli, svc_ctx *c)
{
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM accounts", "") > 0) {
        fprintf(stderr, "smip: %s already holds accounts; demo wants a new database\n",
                cli->db_path);
        return 1;
    }
    int64_t b2020 = db_scalar_int(c->db, 0, "SELECT id FROM batches WHERE year = 2020", "");
    printf("演示账号（仅供本机演示）：\n");
    int64_t id;
    if (demo_user(c, "admin", "admin", NULL, "Admin2020pass", &id) ||
        demo_user(c, "commission", "jxw", NULL, "Jxw2020pass", &id) ||
        demo_user(c, "district", "yubei", "500112", "Yubei2020pass", &id) ||
        demo_user(c, "district", "wanzhou", "500101", "Wanzhou2020pass", &id) ||
        demo_user(c, "district", "qianjiang", "500114", "Qianjiang2020pass", &id) ||
        demo_user(c, "expert", "expert1", NULL, "Expert2020pass", &id) ||
        /* three experts, so a demo application can collect the three reviews a decision needs */
        demo_user(c, "expert", "expert2", NULL, "Expert2020pass", &id) ||
        demo_user(c, "expert", "expert3", NULL, "Expert2020pass", &id))
        return 1;
    /* A batch with the 2020 rules whose window is open now, so every step can be tried. */
    char *opens = svc_time_str(c->now - 86400), *closes = svc_time_str(c->now + 30 * 86400),
         *dl = svc_time_str(c->now + 37 * 86400);
    json_t *in = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:I}", "year", 2026, "name",
                           "数字化车间和智能工厂认定（演示批次）", "notice_no", "演示〔2026〕1号",
                           "opens_at", opens, "closes_at", closes, "district_deadline", dl,
                           "rules_from", (json_int_t)b2020);
    free(opens);
    free(closes);
    free(dl);
    svc_err e = {0};
    json_t *batch = NULL;
    int rc = svc_batch_create(c, in, &batch, &e);
    json_decref(in);
    if (rc != 0) return demo_fail("batch", &e) ? 1 : 1;
    int64_t batch_id = json_integer_value(json_object_get(batch, "id"));
    json_decref(batch);
    for (size_t i = 0; i < sizeof DEMO_ENTERPRISES / sizeof DEMO_ENTERPRISES[0]; i++)
        if (demo_enterprise_path(c, &DEMO_ENTERPRISES[i], (int)i + 1, batch_id) != 0) return 1;
    printf("企业账号密码均为 Demo2020pass。演示批次 %lld 现在开放申报。\n"
           "cqjd01 的申报书已填写完整并完成了能力测评，可以直接提交，再以 yubei 登录初审；\n"
           "其他企业的申报书尚未填完，且需先完成能力测评（规则 A1）。\n",
           (long long)batch_id);
    return 0;
}
