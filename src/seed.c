/* seed — `smip seed --enterprises N`: a realistic database for `make bench` (bench/run.sh),
 * built through the same services the server calls, so every row obeys the rules and carries
 * its audit entry. On a new database it creates:
 *   - one district account per reviewing unit (d + code, e.g. d500112), N/50 experts
 *     (expert0001 …), 3 commission accounts (jxw01 …), one admin (admin), N/100 pending
 *     registrations (reg000001 …);
 *   - an open batch (the 2020 rules, a window from 30 days ago to a year ahead);
 *   - N enterprises (ent000001 …): account, imp connected, enterprise confirmed, an approval
 *     PDF, a class II project, and (19 of 20) an application spread over the states the
 *     services reach today: partly filled draft, filled and pre-checked draft, submitted,
 *     withdrawn back to draft, withdrawn and resubmitted. (`returned` and the review states need
 *     the district and commission services, which do not exist yet.) Every enterprise that
 *     pre-checks has first completed a 智能制造能力测评 (rule A1 at submit), its answers one of
 *     SEED_ASM_VARIANTS patterns aiming at levels 1 to 5, so reports and peers differ.
 * The first 200 enterprises are in 渝北区 (500112) and 150 of them are submitted, so that
 * district's queue holds 150 applications whatever N is (the queue's page is the same size
 * at 5,000 and 100,000 enterprises; only the tables grow). The others go round the other 40
 * units. Every seeded account's password is SEED_PASSWORD.
 *
 * Seed-only shortcuts, both documented in docs/performance.md:
 *   - argon2id runs once: password_hash_reuse_for_seed() makes every seeded account share one
 *     real argon2id hash of SEED_PASSWORD (one salt);
 *   - the seeding connection runs with synchronous=OFF (a seed that crashes is thrown away and
 *     run again), so 100,000 enterprises do not wait on a million fsyncs;
 *   - the assessments are scored once per answer pattern (core asm_score, the service's own
 *     scoring) and stored by seed_assessment with the row and audit entry svc_asm_create
 *     writes, not through svc_asm_create: that function answers with the full report, whose
 *     peer averages read every peer's stored result, which would make the seed quadratic. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "core/assessment.h"
#include "core/uscc.h"
#include "service/accounts.h"
#include "service/assessment.h"
#include "service/enterprise.h"
#include "service/password.h"
#include "service/reference.h"
#include "util/util.h"

#define SEED_PASSWORD "Bench2020pass"
#define SEED_QUEUE_DISTRICT "500112"
#define SEED_QUEUE_ENTERPRISES 200 /* of which 150 submitted */
#define SEED_ASM_VARIANTS 10

static int seed_fail(const char *what, int64_t i, svc_err *e)
{
    fprintf(stderr, "smip: seed %s (enterprise %lld): %s\n", what, (long long)i, e->message);
    if (e->fields) {
        char *f = json_dumps(e->fields, JSON_COMPACT);
        fprintf(stderr, "  %s\n", f);
        free(f);
    }
    if (e->findings) {
        char *f = json_dumps(e->findings, JSON_COMPACT);
        fprintf(stderr, "  %.2000s\n", f);
        free(f);
    }
    svc_err_clear(e);
    return -1;
}

static void seed_uscc(const char *district, int64_t serial, char out[19])
{
    /* The functional zones (两江新区 …) have no division code of their own: their enterprises
     * are registered in a county the zone spans. */
    if (strlen(district) != 6)
        district = !strcmp(district, "CQGX")   ? "500106"
                   : !strcmp(district, "CQWS") ? "500110"
                                               : "500112";
    char
        body[32]; /* 17 characters are used; the margin keeps the compiler's range analysis quiet */
    snprintf(body, sizeof body, "91%.6sMA%07lld", district, (long long)(llabs(serial) % 10000000));
    memcpy(out, body, 17);
    out[17] = uscc_check_char(body);
    out[18] = '\0';
}

/* A minimal well-formed one-page PDF (the approval proof and the application's attachment). */
static const char SEED_PDF[] =
    "%PDF-1.4\n"
    "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n"
    "xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    "0000000115 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n";

static int64_t seed_pdf(svc_ctx *c, const char *name, svc_err *e)
{
    FILE *f = fmemopen((void *)SEED_PDF, sizeof SEED_PDF - 1, "rb");
    if (!f) return svc_fail(e, 500, "internal", "fmemopen"), -1;
    json_t *out = NULL;
    int rc = svc_attachment_create(c, f, name, "proof", &out, e);
    fclose(f);
    if (rc != 0) return -1;
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

/* Every figure of a digital workshop above its 2020 threshold (tests/api passing_form). */
static json_t *seed_form(int64_t att, int64_t i)
{
    return json_pack(
        "{s:I,s:I,s:I,s:I,s:{s:b,s:b,s:b},s:b,s:{s:b,s:b,s:b,s:b,s:b},s:b,"
        "s:{s:b,s:s},s:s,s:{s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s}},"
        "s:[s,s,s],s:b,s:[I],s:b}",
        "equipment_total", (json_int_t)(100 + i % 50), "equipment_digital",
        (json_int_t)(70 + i % 30), "data_points_total", (json_int_t)400, "data_points_uploaded",
        (json_int_t)(380 + i % 20), "networked", "processing", 1, "inspection", 1, "logistics", 1,
        "realtime_monitoring", 1, "mes", "scheduling", 1, "process", 1, "logistics_warehousing", 1,
        "quality", 1, "equipment", 1, "visual_management", 1, "integration",
        "realtime_data_mes_erp", 1, "description", "MES 与 ERP 实时交换生产数据", "kpi_baseline",
        "before_project", "kpis", "operating_cost", "before", "100", "after", "80", "efficiency",
        "before", "100", "after", "115", "defect_rate", "before", "2.0", "after", "1.5",
        "energy_utilization", "before", "0.80", "after", "0.90", "rd_cycle", "before", "100",
        "after", "85", "technologies", "5g", "iot", "digital_twin", "industrial_policy_compliant",
        1, "attachment_ids", (json_int_t)att, "declaration_signed", 1);
}

/* ---------------------------------------------------------------- 能力测评 (rule A1) */

/* One scored answer pattern of one applicable model (discrete or process). */
typedef struct seed_asm {
    char *answers, *result; /* stored as svc_asm_create stores them */
    char *version, *mtype;
    json_t *score; /* the result's "score" (a decimal string), for the audit detail */
    int64_t score_e4, level;
} seed_asm;

static seed_asm seed_asms[2][SEED_ASM_VARIANTS]; /* [0] discrete (and mixed), [1] process */

typedef struct seed_asm_walk {
    json_t *answers;
    int variant;
    int k; /* requirement index, for the spread of answers */
} seed_asm_walk;

/* Pattern `variant` aims at level 1 + variant % 5: levels below are fully met, the level
 * itself mostly met (≥ 0.8), levels above partly or not at all. */
static void seed_asm_answer(seed_asm_walk *w, const json_t *req)
{
    const char *id = json_string_value(json_object_get(req, "id"));
    int level = (int)json_integer_value(json_object_get(req, "level"));
    int aim = 1 + w->variant % 5, k = w->k++;
    const char *v = level < aim    ? "1"
                    : level == aim ? ((k + w->variant) % 3 == 0 ? "0.8" : "1")
                                   : ((k + w->variant / 5) % 2 ? "0.5" : "0");
    if (id) json_object_set_new(w->answers, id, json_string(v));
}

static int seed_asm_prepare(void)
{
    const json_t *model = svc_asm_model_current();
    if (!model) return -1;
    static const char *const types[2] = {"discrete", "process"};
    for (int t = 0; t < 2; t++) {
        json_t *m = asm_model_for(model, types[t]);
        if (!m) return -1;
        for (int v = 0; v < SEED_ASM_VARIANTS; v++) {
            seed_asm_walk w = {json_object(), v, 0};
            size_t ei, di, si, ri;
            json_t *el, *dm, *sd, *rq;
            json_array_foreach(json_object_get(m, "elements"), ei, el)
            {
                json_array_foreach(json_object_get(el, "domains"), di, dm)
                {
                    json_array_foreach(json_object_get(dm, "subdomains"), si, sd)
                    {
                        json_array_foreach(json_object_get(sd, "requirements"), ri, rq)
                            seed_asm_answer(&w, rq);
                    }
                }
            }
            json_t *r = asm_score(m, w.answers);
            seed_asm *a = &seed_asms[t][v];
            a->answers = json_dumps(w.answers, JSON_COMPACT | JSON_SORT_KEYS);
            a->result = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
            a->version = xstrdup(json_string_value(json_object_get(m, "version")));
            a->mtype = xstrdup(json_string_value(json_object_get(m, "manufacturing_type")));
            a->score = json_incref(json_object_get(r, "score"));
            a->score_e4 = json_integer_value(json_object_get(r, "score_e4"));
            a->level = json_integer_value(json_object_get(r, "level"));
            json_decref(r);
            json_decref(w.answers);
        }
        json_decref(m);
    }
    return 0;
}

static void seed_asm_free(void)
{
    for (int t = 0; t < 2; t++)
        for (int v = 0; v < SEED_ASM_VARIANTS; v++) {
            seed_asm *a = &seed_asms[t][v];
            free(a->answers);
            free(a->result);
            free(a->version);
            free(a->mtype);
            json_decref(a->score);
        }
    memset(seed_asms, 0, sizeof seed_asms);
}

/* A completed assessment of the calling enterprise: the row and audit entry of
 * svc_asm_create, in one transaction. `grp` is the district group of its district. */
static int seed_assessment(svc_ctx *c, int64_t i, const char *mtype, const char *grp, svc_err *e)
{
    const seed_asm *a = &seed_asms[strcmp(mtype, "process") == 0][i % SEED_ASM_VARIANTS];
    if (db_begin(c->db) != 0) return svc_fail(e, 500, "internal", "begin: %s", db_error(c->db));
    int64_t id = db_insert(
        c->db,
        "INSERT INTO assessments (enterprise_id, version, manufacturing_type, grp, "
        "score_e4, level, answers, result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "itttiitti", c->actor->enterprise_id, a->version, a->mtype, grp, a->score_e4, a->level,
        a->answers, a->result, c->now);
    json_t *detail = json_pack("{s:s,s:O,s:I}", "version", a->version, "score", a->score, "level",
                               (json_int_t)a->level);
    int64_t seq = id > 0 ? svc_audit(c, "assessment", id, "create", NULL, "completed", detail) : -1;
    json_decref(detail);
    if (seq <= 0 || db_commit(c->db) != 0) {
        db_rollback(c->db);
        return svc_fail(e, 500, "internal", "assessment: %s", db_error(c->db));
    }
    return 0;
}

/* ---------------------------------------------------------------- enterprises */

typedef enum seed_state {
    SEED_NONE,       /* a project, no application yet */
    SEED_DRAFT,      /* partly filled */
    SEED_CHECKED,    /* filled and pre-checked, not submitted */
    SEED_SUBMITTED,  /* in the district's queue */
    SEED_WITHDRAWN,  /* submitted, withdrawn → draft */
    SEED_RESUBMITTED /* submitted, withdrawn, edited, submitted again */
} seed_state;

static seed_state seed_state_of(int64_t i)
{
    if (i < SEED_QUEUE_ENTERPRISES) return i % 4 == 3 ? SEED_CHECKED : SEED_SUBMITTED;
    switch (i % 20) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
        return SEED_DRAFT;
    case 6:
    case 7:
        return SEED_CHECKED;
    case 16:
    case 17:
        return SEED_WITHDRAWN;
    case 18:
        return SEED_RESUBMITTED;
    case 19:
        return SEED_NONE;
    default:
        return SEED_SUBMITTED;
    }
}

static const char *const SEED_NAMES[] = {"机电", "汽车零部件", "电子", "化工",   "食品",
                                         "医药", "材料",       "装备", "摩托车", "仪器仪表"};
static const char *const SEED_MTYPES[] = {"discrete", "process", "mixed"};

/* One enterprise through the services, as its own actor. */
static int seed_enterprise(svc_ctx *base, int64_t i, const char *district, const char *grp,
                           int64_t batch_id)
{
    char username[32], name[128], site[128], uscc[19];
    snprintf(username, sizeof username, "ent%06lld", (long long)i + 1);
    snprintf(name, sizeof name, "重庆某%s有限公司%06lld", SEED_NAMES[i % 10], (long long)i + 1);
    snprintf(site, sizeof site, "%s数字化车间%lld", SEED_NAMES[i % 10], (long long)i + 1);
    seed_uscc(district, i + 1, uscc);
    svc_err e = {0};
    int64_t id = 0;
    if (svc_user_add(base, "enterprise", username, NULL, SEED_PASSWORD, &id, &e) != 0)
        return seed_fail("account", i, &e);
    svc_actor a = {.id = id, .imp_connected = true};
    snprintf(a.username, sizeof a.username, "%s", username);
    snprintf(a.role, sizeof a.role, "enterprise");
    snprintf(a.status, sizeof a.status, "active");
    svc_ctx c = *base;
    c.actor = &a;
    json_t *out = NULL;
    if (svc_imp_connect(&c, &out, &e) != 0) return seed_fail("connect", i, &e);
    json_decref(out);
    json_t *ent = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "uscc", uscc, "name", name, "district_code", district,
        "address", "重庆市（基准测试地址）", "legal_representative", "张三", "manufacturing_type",
        SEED_MTYPES[i % 3], "independent_legal_person", 1, "complete_machine", 0);
    int rc = svc_imp_confirm_new(&c, ent, &out, &e);
    json_decref(ent);
    if (rc != 0) return seed_fail("confirm", i, &e);
    json_t *eobj = json_object_get(out, "enterprise");
    a.enterprise_id = json_integer_value(json_object_get(eobj ? eobj : out, "id"));
    a.imp_bound = true;
    json_decref(out);

    int64_t proof = seed_pdf(&c, "备案证明.pdf", &e);
    if (proof < 0) return seed_fail("attachment", i, &e);
    json_t *proj = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:b,s:s,s:[I],s:s,s:s}", "name", "智能化改造项目",
        "site_name", site, "district_code", district, "address", "重庆市（基准测试地址）", "class",
        "II", "start_date", "2018-06-01", "completion_date", "2019-12-31", "progress_pct", 100,
        "total_investment", (json_int_t)(30000000 + i * 100), "equipment_software_investment",
        (json_int_t)(12000000 + i * 10), "other_public_funding", 0, "approval_proof_type", "filing",
        "approval_attachment_ids", (json_int_t)proof, "content",
        "建设数字化车间，引进数控设备和制造执行系统。", "expected_results",
        "运营成本降低20%，生产效率提高15%。");
    rc = svc_project_create(&c, proj, &out, &e);
    json_decref(proj);
    if (rc != 0) return seed_fail("project", i, &e);
    int64_t pid = json_integer_value(json_object_get(out, "id"));
    json_decref(out);

    seed_state st = seed_state_of(i);
    if (st == SEED_NONE) return 0;
    json_t *in;
    if (st == SEED_DRAFT) {
        in = json_pack("{s:I,s:I,s:s,s:i,s:i}", "batch_id", (json_int_t)batch_id, "project_id",
                       (json_int_t)pid, "type", "workshop", "equipment_total", 120,
                       "equipment_digital", 66);
    } else {
        int64_t att = seed_pdf(&c, "申报材料.pdf", &e);
        if (att < 0) return seed_fail("attachment", i, &e);
        /* Ready to submit: the self-assessment first (rule A1). */
        if (seed_assessment(&c, i, SEED_MTYPES[i % 3], grp, &e) != 0)
            return seed_fail("assessment", i, &e);
        in = seed_form(att, i);
        json_object_set_new(in, "batch_id", json_integer(batch_id));
        json_object_set_new(in, "project_id", json_integer(pid));
        json_object_set_new(in, "type", json_string("workshop"));
    }
    rc = svc_app_create(&c, in, &out, &e);
    json_decref(in);
    if (rc != 0) return seed_fail("application", i, &e);
    int64_t app = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    if (st == SEED_DRAFT) {
        json_t *patch =
            json_pack("{s:i,s:i}", "data_points_total", 400, "data_points_uploaded", 372);
        rc = svc_app_put(&c, app, patch, NULL, &e); /* no answer wanted */
        json_decref(patch);
        if (rc != 0) return seed_fail("draft", i, &e);
        return 0;
    }
    if (svc_app_check(&c, app, &out, &e) != 0) return seed_fail("check", i, &e);
    json_decref(out);
    if (st == SEED_CHECKED) return 0;
    if (svc_app_submit(&c, app, &out, &e) != 0) return seed_fail("submit", i, &e);
    json_decref(out);
    if (st == SEED_SUBMITTED) return 0;
    if (svc_app_withdraw(&c, app, &out, &e) != 0) return seed_fail("withdraw", i, &e);
    json_decref(out);
    if (st == SEED_WITHDRAWN) return 0;
    json_t *patch = json_pack("{s:i}", "data_points_uploaded", 399);
    rc = svc_app_put(&c, app, patch, NULL, &e);
    json_decref(patch);
    if (rc != 0) return seed_fail("edit", i, &e);
    if (svc_app_submit(&c, app, &out, &e) != 0) return seed_fail("resubmit", i, &e);
    json_decref(out);
    return 0;
}

static int seed_user(svc_ctx *c, const char *role, const char *username, const char *district)
{
    svc_err e = {0};
    int64_t id;
    if (svc_user_add(c, role, username, district, SEED_PASSWORD, &id, &e) != 0) {
        fprintf(stderr, "smip: seed account %s: %s\n", username, e.message);
        svc_err_clear(&e);
        return -1;
    }
    /* Reviewers work inside imp: connected from the portal, as a real one would be. */
    svc_actor a = {.id = id};
    snprintf(a.username, sizeof a.username, "%s", username);
    snprintf(a.role, sizeof a.role, "%s", role);
    snprintf(a.status, sizeof a.status, "active");
    if (district) snprintf(a.district_code, sizeof a.district_code, "%s", district);
    svc_ctx ac = *c;
    ac.actor = &a;
    json_t *out = NULL;
    if (svc_imp_connect(&ac, &out, &e) != 0) {
        fprintf(stderr, "smip: seed connect %s: %s\n", username, e.message);
        svc_err_clear(&e);
        return -1;
    }
    json_decref(out);
    return 0;
}

int app_seed(app_cli *cli, svc_ctx *c)
{
    long long n = cli->enterprises ? atoll(cli->enterprises) : 0;
    if (n < SEED_QUEUE_ENTERPRISES || n > 1000000) {
        fprintf(stderr, "smip: usage: seed --enterprises N (%d to 1000000)\n",
                SEED_QUEUE_ENTERPRISES);
        return 2;
    }
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM accounts", "") > 0) {
        fprintf(stderr, "smip: %s already holds accounts; seed wants a new database\n",
                cli->db_path);
        return 1;
    }
    /* Seed-only: no fsync per commit (a failed seed is deleted and redone). SQLite only. */
    bool sqlite = strncmp(cli->db_path, "postgres", 8) != 0;
    if (sqlite) (void)db_exec(c->db, "PRAGMA synchronous = OFF", "");
    if (password_hash_reuse_for_seed(SEED_PASSWORD) != 0) {
        fprintf(stderr, "smip: seed: argon2id failed\n");
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int64_t day = 86400, start = c->now - 31 * day;
    c->now = start;

    /* Reviewing units, experts, commission, admin. */
    json_t *districts = svc_districts(c->db);
    size_t nd = json_array_size(districts);
    if (nd < 2) return fprintf(stderr, "smip: seed: no districts\n"), 1;
    char **codes = calloc(nd, sizeof *codes), **grps = calloc(nd, sizeof *grps);
    char *queue_grp = NULL;
    size_t nother = 0;
    for (size_t k = 0; k < nd; k++) {
        const char *code = json_string_value(json_object_get(json_array_get(districts, k), "code"));
        char uname[32];
        snprintf(uname, sizeof uname, "d%s", code);
        if (seed_user(c, "district", uname, code) != 0) return 1;
        const char *grp = json_string_value(json_object_get(json_array_get(districts, k), "group"));
        if (strcmp(code, SEED_QUEUE_DISTRICT) == 0) {
            queue_grp = xstrdup(grp ? grp : "");
        } else {
            grps[nother] = xstrdup(grp ? grp : "");
            codes[nother++] = xstrdup(code);
        }
    }
    if (!queue_grp || seed_asm_prepare() != 0)
        return fprintf(stderr, "smip: seed: no queue district or no assessment model\n"), 1;
    json_decref(districts);
    for (long long k = 0; k < n / 50; k++) {
        char uname[32];
        snprintf(uname, sizeof uname, "expert%04lld", k + 1);
        if (seed_user(c, "expert", uname, NULL) != 0) return 1;
    }
    if (seed_user(c, "commission", "jxw01", NULL) || seed_user(c, "commission", "jxw02", NULL) ||
        seed_user(c, "commission", "jxw03", NULL) || seed_user(c, "admin", "admin", NULL))
        return 1;

    /* The open batch: the 2020 rules, open for 30 days already and for a year more. */
    int64_t b2020 = db_scalar_int(c->db, 0, "SELECT id FROM batches WHERE year = 2020", "");
    char *opens = svc_time_str(start + day / 2), *closes = svc_time_str(start + 396 * day),
         *dl = svc_time_str(start + 410 * day);
    json_t *in = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:I}", "year", 2026, "name",
                           "数字化车间和智能工厂认定（基准测试批次）", "notice_no",
                           "基准〔2026〕1号", "opens_at", opens, "closes_at", closes,
                           "district_deadline", dl, "rules_from", (json_int_t)b2020);
    free(opens);
    free(closes);
    free(dl);
    svc_err e = {0};
    json_t *batch = NULL;
    int rc = svc_batch_create(c, in, &batch, &e);
    json_decref(in);
    if (rc != 0) return seed_fail("batch", 0, &e) ? 1 : 1;
    int64_t batch_id = json_integer_value(json_object_get(batch, "id"));
    json_decref(batch);

    /* Enterprises, their activity spread over the 30 days the window has been open. */
    for (long long i = 0; i < n; i++) {
        c->now = start + day + (int64_t)((double)i / (double)n * 30 * day);
        bool queue = i < SEED_QUEUE_ENTERPRISES;
        const char *district = queue ? SEED_QUEUE_DISTRICT : codes[(size_t)i % nother];
        const char *grp = queue ? queue_grp : grps[(size_t)i % nother];
        if (seed_enterprise(c, i, district, grp, batch_id) != 0) return 1;
        if ((i + 1) % 5000 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            fprintf(stderr, "  seeded %lld / %lld enterprises (%.0f s)\n", i + 1, n,
                    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
        }
    }
    /* Registrations still waiting for the admin. */
    for (long long k = 0; k < n / 100; k++) {
        char uname[32], ename[64], uscc[19];
        snprintf(uname, sizeof uname, "reg%06lld", k + 1);
        snprintf(ename, sizeof ename, "重庆待审企业%06lld有限公司", k + 1);
        seed_uscc(codes[(size_t)k % nother], 5000000 + k, uscc);
        acct_input a = {.username = uname,
                        .password = SEED_PASSWORD,
                        .display_name = "王工",
                        .phone = "023-63895239",
                        .enterprise_name = ename,
                        .uscc = uscc};
        int64_t id;
        if (svc_account_register(c, &a, &id, &e) != 0) return seed_fail("registration", k, &e);
    }
    for (size_t k = 0; k < nother; k++) {
        free(codes[k]);
        free(grps[k]);
    }
    free(codes);
    free(grps);
    free(queue_grp);
    seed_asm_free();
    if (sqlite) (void)db_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", "");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("seeded %lld enterprises in %.1f s: batch %lld, district %s queue 150, password %s\n", n,
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, (long long)batch_id,
           SEED_QUEUE_DISTRICT, SEED_PASSWORD);
    return 0;
}
