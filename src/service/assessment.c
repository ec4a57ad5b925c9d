/* assessment (service) — the use cases of service/assessment.h over the tables of migration 003:
 * the shipped models (parsed once), the draft saved section by section, completed assessments
 * with their scored result stored beside the answers (so a report never depends on a model file
 * staying the same), the report's history and peer averages, and the fact behind rule A1. */
#include "service/assessment.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assessment.h"
#include "util/assets.h"
#include "util/util.h"

/* Peer averages are shown only when at least this many other enterprises contribute, so that no
 * single company's answers can be worked out. */
#define ASM_MIN_PEERS 5

/* ---------------------------------------------------------------- the shipped models */

static pthread_once_t asm_models_once = PTHREAD_ONCE_INIT;
static json_t *asm_models; /* version → model; never freed (lives as long as the process) */
static const json_t *asm_current; /* the model with the highest version number */

/* "v12" → 12; models are numbered so that v10 comes after v9. */
static long asm_version_no(const char *v)
{
    return v && (*v == 'v' || *v == 'V') ? strtol(v + 1, NULL, 10) : 0;
}

static void asm_models_load(void)
{
    asm_models = json_object();
    static const char prefix[] = "data/assessment-model-";
    for (const assets_file *f = assets_files; f->name; f++) {
        if (strncmp(f->name, prefix, sizeof prefix - 1) != 0) continue;
        json_error_t je;
        json_t *m = json_loadb(f->data, f->len, 0, &je);
        const char *v = json_string_value(json_object_get(m, "version"));
        if (!json_is_object(m) || !v) {
            /* A broken model file is a build defect; leave it out rather than serve it. */
            fprintf(stderr, "smip: %s: not an assessment model (line %d: %s)\n", f->name, je.line,
                    je.text);
            json_decref(m);
            continue;
        }
        json_object_set_new(asm_models, v, m);
        if (!asm_current || asm_version_no(v) > asm_version_no(json_string_value(
                                                    json_object_get(asm_current, "version"))))
            asm_current = m;
    }
}

const json_t *svc_asm_model_current(void)
{
    pthread_once(&asm_models_once, asm_models_load);
    return asm_current;
}

const json_t *svc_asm_model_version(const char *version)
{
    pthread_once(&asm_models_once, asm_models_load);
    return version ? json_object_get(asm_models, version) : NULL;
}

/* ---------------------------------------------------------------- helpers */

static int asm_need_enterprise(svc_ctx *c, svc_err *e)
{
    if (!c->actor || strcmp(c->actor->role, "enterprise") != 0)
        return svc_fail(e, 403, "forbidden", "只有企业账号可以进行能力测评");
    if (c->actor->enterprise_id <= 0)
        return svc_fail(e, 403, "imp_not_bound", "请先绑定原平台账号或确认企业信息");
    return 0;
}

static json_t *asm_load_doc(const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    return o;
}

static char *asm_dump(const json_t *o)
{
    return json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
}

/* The enterprise's manufacturing type ("discrete" when it has none) and district group, as
 * malloc'd strings. */
static void asm_enterprise_facts(db *d, int64_t eid, char **mtype, char **grp)
{
    char *profile = db_scalar_text(d, "SELECT profile FROM enterprises WHERE id = ?", "i", eid);
    json_t *p = asm_load_doc(profile);
    free(profile);
    const char *t = json_string_value(json_object_get(p, "manufacturing_type"));
    *mtype = xstrdup(t ? t : "discrete");
    json_decref(p);
    char *g = db_scalar_text(d,
                             "SELECT d.grp FROM enterprises e JOIN districts d ON d.code = "
                             "e.district_code WHERE e.id = ?",
                             "i", eid);
    *grp = g ? g : xstrdup("");
}

/* The current model as the calling enterprise answers it. New reference. */
static json_t *asm_applicable(svc_ctx *c, svc_err *e)
{
    const json_t *m = svc_asm_model_current();
    if (!m) {
        svc_fail(e, 500, "internal", "能力测评模型未能加载，请联系技术支持");
        return NULL;
    }
    char *mtype, *grp;
    asm_enterprise_facts(c->db, c->actor->enterprise_id, &mtype, &grp);
    json_t *a = asm_model_for(m, mtype);
    free(mtype);
    free(grp);
    return a;
}

/* 400 naming each bad answer as "answers.ID". Takes `bad`. */
static int asm_fail_bad(svc_err *e, json_t *bad)
{
    json_t *fields = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(bad, k, v)
    {
        char *name = xasprintf("answers.%s", k);
        json_object_set(fields, name, v);
        free(name);
    }
    json_decref(bad);
    return svc_fail_fields(e, fields);
}

/* 400: the body is not {answers:{…}}. */
static int asm_fail_shape(svc_err *e)
{
    return svc_fail_fields(e,
                           json_pack("{s:s}", "answers", "应为对象：{要求编号: 1、0.8、0.5 或 0}"));
}

/* ---------------------------------------------------------------- model and draft */

int svc_asm_model(svc_ctx *c, json_t **out, svc_err *e)
{
    if (asm_need_enterprise(c, e) != 0) return -1;
    *out = asm_applicable(c, e);
    return *out ? 0 : -1;
}

/* Counts the answered requirements of `answers` that the applicable model has. */
static json_t *asm_draft_json(const json_t *model, const char *version, json_t *answers,
                              int64_t updated_at)
{
    json_t *missing = json_array(), *bad = json_object();
    asm_check_answers(model, answers, bad, missing);
    json_t *score = asm_score(model, answers);
    json_int_t total = json_integer_value(json_object_get(score, "total"));
    json_t *o = json_pack("{s:s,s:O,s:I,s:I}", "version", version, "answers", answers, "answered",
                          total - (json_int_t)json_array_size(missing), "total", total);
    char *t = updated_at > 0 ? svc_time_str(updated_at) : NULL;
    json_object_set_new(o, "updated_at", t ? json_string(t) : json_null());
    free(t);
    json_decref(score);
    json_decref(missing);
    json_decref(bad);
    return o;
}

int svc_asm_draft_get(svc_ctx *c, json_t **out, svc_err *e)
{
    if (asm_need_enterprise(c, e) != 0) return -1;
    json_t *model = asm_applicable(c, e);
    if (!model) return -1;
    json_t *answers = NULL;
    int64_t at = 0;
    db_stmt *s = db_query(c->db,
                          "SELECT answers, updated_at FROM assessment_drafts WHERE "
                          "enterprise_id = ?",
                          "i", c->actor->enterprise_id);
    if (db_next(s)) {
        answers = asm_load_doc(db_text(s, 0));
        at = db_int(s, 1);
    }
    db_done(s);
    if (!answers) answers = json_object();
    *out = asm_draft_json(model, json_string_value(json_object_get(model, "version")), answers, at);
    json_decref(answers);
    json_decref(model);
    return 0;
}

int svc_asm_draft_put(svc_ctx *c, const json_t *patch, json_t **out, svc_err *e)
{
    if (asm_need_enterprise(c, e) != 0) return -1;
    const json_t *in = json_object_get(patch, "answers");
    if (!json_is_object(patch) || !json_is_object(in)) {
        return asm_fail_shape(e);
    }
    json_t *model = asm_applicable(c, e);
    if (!model) return -1;
    json_t *bad = json_object();
    if (asm_check_answers(model, in, bad, NULL) > 0) {
        json_decref(model);
        return asm_fail_bad(e, bad);
    }
    json_decref(bad);
    const char *version = json_string_value(json_object_get(model, "version"));
    if (db_begin(c->db) != 0) {
        json_decref(model);
        return svc_fail(e, 500, "internal", "数据库繁忙，请稍后重试");
    }
    char *old =
        db_scalar_text(c->db, "SELECT answers FROM assessment_drafts WHERE enterprise_id = ?", "i",
                       c->actor->enterprise_id);
    json_t *answers = asm_load_doc(old);
    /* A merge patch (API.md PUT): absent ids stay, null removes an answer. */
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v)
    {
        if (json_is_null(v))
            json_object_del(answers, k);
        else
            json_object_set(answers, k, v);
    }
    char *text = asm_dump(answers);
    int rc = old ? db_exec(c->db,
                           "UPDATE assessment_drafts SET version = ?, answers = ?, updated_at = ? "
                           "WHERE enterprise_id = ?",
                           "ttii", version, text, c->now, c->actor->enterprise_id)
                 : db_exec(c->db,
                           "INSERT INTO assessment_drafts (enterprise_id, version, answers, "
                           "updated_at) VALUES (?, ?, ?, ?)",
                           "itti", c->actor->enterprise_id, version, text, c->now);
    free(text);
    free(old);
    /* A draft is not audited: it marks its enterprise's pages stale itself. */
    if (rc == 0) rc = svc_gen_bump(c, (svc_scope){SVC_SCOPE_ENTERPRISE, c->actor->enterprise_id});
    if (svc_commit(c, rc, e) != 0) {
        json_decref(answers);
        json_decref(model);
        return -1;
    }
    *out = asm_draft_json(model, version, answers, c->now);
    json_decref(answers);
    json_decref(model);
    return 0;
}

/* ---------------------------------------------------------------- assessments */

/* The stored result of assessment `id` of enterprise `eid` with its row's facts; NULL when there
 * is no such assessment of that enterprise. */
static json_t *asm_load(db *d, int64_t id, int64_t eid)
{
    db_stmt *s = db_query(d,
                          "SELECT result, answers, created_at, manufacturing_type, grp, version "
                          "FROM assessments WHERE id = ? AND enterprise_id = ?",
                          "ii", id, eid);
    json_t *r = NULL;
    if (db_next(s)) {
        r = asm_load_doc(db_text(s, 0));
        json_object_set_new(r, "id", json_integer(id));
        json_object_set_new(r, "answers", asm_load_doc(db_text(s, 1)));
        char *t = svc_time_str(db_int(s, 2));
        json_object_set_new(r, "created_at", json_string(t));
        free(t);
        json_object_set_new(r, "manufacturing_type", json_string(db_text(s, 3)));
        json_object_set_new(r, "group", json_string(db_text(s, 4)));
        json_object_set_new(r, "version", json_string(db_text(s, 5)));
    }
    db_done(s);
    return r;
}

/* domain id → score_e4 of a result's domains. New reference. */
static json_t *asm_domain_map(const json_t *result)
{
    json_t *m = json_object();
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(result, "domains"), i, d)
    {
        const char *id = json_string_value(json_object_get(d, "id"));
        if (id) json_object_set(m, id, json_object_get(d, "score_e4"));
    }
    return m;
}

static json_t *asm_signed(int64_t v)
{
    char buf[48];
    asm_format(v < 0 ? -v : v, buf, sizeof buf);
    return json_sprintf("%s%s", v > 0 ? "+" : v < 0 ? "-" : "±", buf);
}

/* Up to 3 earlier assessments of the enterprise, newest first, with the change of each domain
 * from then to this one. */
static json_t *asm_history(db *d, const json_t *cur, int64_t id, int64_t eid)
{
    json_t *out = json_array();
    json_t *now = asm_domain_map(cur);
    db_stmt *s = db_query(d,
                          "SELECT id, result, created_at FROM assessments WHERE enterprise_id = ? "
                          "AND id < ? ORDER BY id DESC LIMIT 3",
                          "ii", eid, id);
    while (db_next(s)) {
        json_t *r = asm_load_doc(db_text(s, 1));
        json_t *doms = json_array();
        size_t i;
        json_t *dm;
        json_array_foreach(json_object_get(cur, "domains"), i, dm)
        {
            const char *did = json_string_value(json_object_get(dm, "id"));
            json_t *then = NULL;
            size_t j;
            json_t *x;
            json_array_foreach(json_object_get(r, "domains"), j, x)
            {
                const char *xid = json_string_value(json_object_get(x, "id"));
                if (did && xid && !strcmp(did, xid)) then = x;
            }
            int64_t cv = json_integer_value(json_object_get(now, did ? did : ""));
            json_array_append_new(
                doms,
                json_pack(
                    "{s:s?,s:O?,s:O?,s:O?,s:o}", "id", did, "name", json_object_get(dm, "name"),
                    "score", then ? json_object_get(then, "score") : NULL, "score_e4",
                    then ? json_object_get(then, "score_e4") : NULL, "change",
                    then ? asm_signed(cv - json_integer_value(json_object_get(then, "score_e4")))
                         : json_null()));
        }
        char *t = svc_time_str(db_int(s, 2));
        json_array_append_new(
            out, json_pack("{s:I,s:s,s:O?,s:O?,s:O?,s:O?,s:o}", "id", (json_int_t)db_int(s, 0),
                           "created_at", t, "version", json_object_get(r, "version"), "score",
                           json_object_get(r, "score"), "level", json_object_get(r, "level"),
                           "level_name", json_object_get(r, "level_name"), "domains", doms));
        free(t);
        json_decref(r);
    }
    db_done(s);
    json_decref(now);
    return out;
}

/* ---------------------------------------------------------------- peers */

/* What the peers of one (district group, manufacturing type, model version) add up to: how
 * many enterprises (each by its latest assessment), the sum of their scores, and domain id →
 * the sum of that domain's scores (all ×10,000). */
typedef struct asm_peer_sums {
    int64_t n, total;
    json_t *parts;
} asm_peer_sums;

/* Adds `sign` (1 or -1) times one result (its total score_e4, its domains) to p. */
static void asm_peer_add(asm_peer_sums *p, int64_t score_e4, const json_t *result, int sign)
{
    p->n += sign;
    p->total += sign * score_e4;
    json_t *m = asm_domain_map(result);
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        json_int_t prev = json_integer_value(json_object_get(p->parts, k));
        json_object_set_new(p->parts, k, json_integer(prev + sign * json_integer_value(v)));
    }
    json_decref(m);
}

/* The peers by reading each of them: only while the running sums are not built yet. */
static void asm_peers_scan(db *d, const char *grp, const char *mt, const char *ver, int64_t eid,
                           asm_peer_sums *p)
{
    db_stmt *s = db_query(d,
                          "SELECT a.result, a.score_e4 FROM assessments a WHERE a.grp = ? AND "
                          "a.manufacturing_type = ? AND a.version = ? AND a.enterprise_id <> ? "
                          "AND a.id = (SELECT max(b.id) FROM assessments b WHERE "
                          "b.enterprise_id = a.enterprise_id)",
                          "ttti", grp, mt, ver, eid);
    while (db_next(s)) {
        json_t *r = asm_load_doc(db_text(s, 0));
        asm_peer_add(p, db_int(s, 1), r, 1);
        json_decref(r);
    }
    db_done(s);
}

static bool asm_peers_built(db *d)
{
    return db_scalar_int(d, 0, "SELECT built FROM assessment_peer_state WHERE id = 1", "") == 1;
}

/* The peers from the running sums (migration 019): the bucket's rows, less the enterprise's own
 * latest assessment when that is one of them (an enterprise is not its own peer). */
static void asm_peers_summed(db *d, const char *grp, const char *mt, const char *ver, int64_t eid,
                             asm_peer_sums *p)
{
    db_stmt *s = db_query(d,
                          "SELECT part, n, sum_e4 FROM assessment_peer_sums WHERE grp = ? AND "
                          "manufacturing_type = ? AND version = ?",
                          "ttt", grp, mt, ver);
    while (db_next(s)) {
        const char *part = db_text(s, 0);
        if (!*part) {
            p->n = db_int(s, 1);
            p->total = db_int(s, 2);
        } else {
            json_object_set_new(p->parts, part, json_integer(db_int(s, 2)));
        }
    }
    db_done(s);
    s = db_query(d,
                 "SELECT a.result, a.score_e4 FROM assessments a WHERE a.enterprise_id = ? AND "
                 "a.grp = ? AND a.manufacturing_type = ? AND a.version = ? AND "
                 "a.id = (SELECT max(b.id) FROM assessments b WHERE b.enterprise_id = ?)",
                 "ittti", eid, grp, mt, ver, eid);
    if (db_next(s)) {
        json_t *r = asm_load_doc(db_text(s, 0));
        asm_peer_add(p, db_int(s, 1), r, -1);
        json_decref(r);
    }
    db_done(s);
}

/* Writes `sign` (1 or -1) times one enterprise's latest assessment into the running sums. */
static int asm_sums_apply(db *d, const char *grp, const char *mt, const char *ver, int64_t score_e4,
                          const json_t *result, int sign)
{
    static const char sql[] =
        "INSERT INTO assessment_peer_sums (grp, manufacturing_type, version, part, n, sum_e4) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (grp, manufacturing_type, version, part) DO "
        "UPDATE SET n = assessment_peer_sums.n + excluded.n, "
        "sum_e4 = assessment_peer_sums.sum_e4 + excluded.sum_e4";
    if (db_exec(d, sql, "ttttii", grp, mt, ver, "", (int64_t)sign, sign * score_e4) != 0) return -1;
    json_t *m = asm_domain_map(result);
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach(m, k, v)
    {
        if (db_exec(d, sql, "ttttii", grp, mt, ver, k, (int64_t)sign,
                    sign * (int64_t)json_integer_value(v)) != 0)
            rc = -1;
    }
    json_decref(m);
    return rc;
}

/* Takes enterprise eid's latest assessment, if any, out of the running sums (a new one replaces
 * it there). Inside the caller's transaction. */
static int asm_sums_leave(db *d, int64_t eid)
{
    db_stmt *s = db_query(d,
                          "SELECT grp, manufacturing_type, version, score_e4, result FROM "
                          "assessments WHERE enterprise_id = ? ORDER BY id DESC LIMIT 1",
                          "i", eid);
    if (!db_next(s)) {
        db_done(s);
        return 0;
    }
    char *grp = xstrdup(db_text(s, 0)), *mt = xstrdup(db_text(s, 1)), *ver = xstrdup(db_text(s, 2));
    int64_t score = db_int(s, 3);
    json_t *r = asm_load_doc(db_text(s, 4));
    db_done(s);
    int rc = asm_sums_apply(d, grp, mt, ver, score, r, -1);
    json_decref(r);
    free(grp);
    free(mt);
    free(ver);
    return rc;
}

/* One (group, type, version) while the sums are built from the stored assessments. */
typedef struct asm_bucket {
    char *grp, *mt, *ver;
    asm_peer_sums p;
} asm_bucket;

/* The bucket of (grp, mt, ver) in b[0..*n), added when new (there are a few). */
static asm_peer_sums *asm_bucket_of(asm_bucket **b, size_t *n, const char *grp, const char *mt,
                                    const char *ver)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*b)[i].grp, grp) && !strcmp((*b)[i].mt, mt) && !strcmp((*b)[i].ver, ver))
            return &(*b)[i].p;
    *b = xrealloc(*b, (*n + 1) * sizeof **b);
    (*b)[*n] = (asm_bucket){xstrdup(grp), xstrdup(mt), xstrdup(ver), {0, 0, json_object()}};
    return &(*b)[(*n)++].p;
}

/* Writes one bucket's rows: the total (part '') and each domain, all counted over its n. */
static int asm_bucket_write(db *d, const asm_bucket *b)
{
    static const char ins[] = "INSERT INTO assessment_peer_sums (grp, manufacturing_type, "
                              "version, part, n, sum_e4) VALUES (?, ?, ?, ?, ?, ?)";
    int rc = db_exec(d, ins, "ttttii", b->grp, b->mt, b->ver, "", b->p.n, b->p.total);
    const char *part;
    json_t *v;
    json_object_foreach(b->p.parts, part, v)
    {
        if (rc == 0)
            rc = db_exec(d, ins, "ttttii", b->grp, b->mt, b->ver, part, b->p.n,
                         (int64_t)json_integer_value(v));
    }
    return rc;
}

int svc_asm_peers_backfill(svc_ctx *c)
{
    if (asm_peers_built(c->db)) return 0;
    if (db_begin(c->db) != 0) return -1;
    if (asm_peers_built(c->db)) return db_commit(c->db); /* another server was first */
    /* Summed per bucket in memory, then written: the results are parsed one at a time, never
     * all held. */
    asm_bucket *b = NULL;
    size_t nb = 0;
    db_stmt *s = db_query(c->db,
                          "SELECT a.grp, a.manufacturing_type, a.version, a.score_e4, a.result "
                          "FROM assessments a WHERE a.id = (SELECT max(b.id) FROM assessments b "
                          "WHERE b.enterprise_id = a.enterprise_id)",
                          "");
    while (db_next(s)) {
        asm_peer_sums *p = asm_bucket_of(&b, &nb, db_text(s, 0), db_text(s, 1), db_text(s, 2));
        json_t *r = asm_load_doc(db_text(s, 4));
        asm_peer_add(p, db_int(s, 3), r, 1);
        json_decref(r);
    }
    db_done(s);
    int rc = db_exec(c->db, "DELETE FROM assessment_peer_sums", "");
    for (size_t i = 0; i < nb; i++) {
        if (rc == 0) rc = asm_bucket_write(c->db, &b[i]);
        free(b[i].grp);
        free(b[i].mt);
        free(b[i].ver);
        json_decref(b[i].p.parts);
    }
    free(b);
    if (rc == 0) rc = db_exec(c->db, "UPDATE assessment_peer_state SET built = 1 WHERE id = 1", "");
    if (rc != 0) {
        db_rollback(c->db);
        return -1;
    }
    return db_commit(c->db);
}

/* The anonymised averages of the latest assessment of every other enterprise of the same
 * district group and manufacturing type on the same model version. */
static json_t *asm_peers(db *d, const json_t *cur, int64_t eid)
{
    const char *grp = json_string_value(json_object_get(cur, "group"));
    const char *mt = json_string_value(json_object_get(cur, "manufacturing_type"));
    const char *ver = json_string_value(json_object_get(cur, "version"));
    asm_peer_sums ps = {0, 0, json_object()};
    if (asm_peers_built(d))
        asm_peers_summed(d, grp ? grp : "", mt ? mt : "", ver ? ver : "", eid, &ps);
    else
        asm_peers_scan(d, grp ? grp : "", mt ? mt : "", ver ? ver : "", eid, &ps);
    int64_t n = ps.n, total = ps.total;
    json_t *sums = ps.parts;
    json_t *p = json_pack("{s:b,s:I,s:i,s:s,s:s}", "shown", n >= ASM_MIN_PEERS, "count",
                          (json_int_t)n, "min_count", ASM_MIN_PEERS, "group", grp ? grp : "",
                          "manufacturing_type", mt ? mt : "");
    if (n >= ASM_MIN_PEERS) {
        char buf[48];
        int64_t avg = asm_round_half_up(total, n);
        json_object_set_new(p, "score", json_string(asm_format(avg, buf, sizeof buf)));
        json_object_set_new(p, "score_e4", json_integer(avg));
        json_t *doms = json_array();
        size_t i;
        json_t *dm;
        json_array_foreach(json_object_get(cur, "domains"), i, dm)
        {
            const char *did = json_string_value(json_object_get(dm, "id"));
            int64_t a =
                asm_round_half_up(json_integer_value(json_object_get(sums, did ? did : "")), n);
            int64_t mine = json_integer_value(json_object_get(dm, "score_e4"));
            json_array_append_new(doms,
                                  json_pack("{s:s?,s:O?,s:s,s:I,s:o}", "id", did, "name",
                                            json_object_get(dm, "name"), "score",
                                            asm_format(a, buf, sizeof buf), "score_e4",
                                            (json_int_t)a, "difference", asm_signed(mine - a)));
        }
        json_object_set_new(p, "domains", doms);
    }
    json_decref(sums);
    return p;
}

static json_t *asm_full(db *d, int64_t id, int64_t eid)
{
    json_t *r = asm_load(d, id, eid);
    if (!r) return NULL;
    json_object_set_new(r, "history", asm_history(d, r, id, eid));
    json_object_set_new(r, "peers", asm_peers(d, r, eid));
    return r;
}

int svc_asm_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    if (asm_need_enterprise(c, e) != 0) return -1;
    const json_t *answers = json_object_get(in, "answers");
    if (!json_is_object(in) || !json_is_object(answers)) {
        return asm_fail_shape(e);
    }
    json_t *model = asm_applicable(c, e);
    if (!model) return -1;
    json_t *bad = json_object(), *missing = json_array();
    if (asm_check_answers(model, answers, bad, missing) > 0) {
        json_decref(model);
        json_decref(missing);
        return asm_fail_bad(e, bad);
    }
    json_decref(bad);
    if (json_array_size(missing) > 0) {
        sbuf b;
        sbuf_init(&b);
        json_t *fields = json_object();
        size_t i;
        json_t *m;
        json_array_foreach(missing, i, m)
        {
            json_object_set_new(fields, json_string_value(m), json_string("未作答"));
            if (i < 5) sbuf_printf(&b, "%s%s", i ? "、" : "", json_string_value(m));
        }
        svc_fail(e, 422, "incomplete", "尚有 %zu 项要求未作答（%s%s），请答完后再提交",
                 json_array_size(missing), b.data, json_array_size(missing) > 5 ? " 等" : "");
        e->fields = fields;
        sbuf_free(&b);
        json_decref(missing);
        json_decref(model);
        return -1;
    }
    json_decref(missing);

    /* Only the applicable answers are kept: the stored set is exactly what was scored. */
    json_t *result = asm_score(model, answers);
    char *mtype, *grp;
    asm_enterprise_facts(c->db, c->actor->enterprise_id, &mtype, &grp);
    const char *version = json_string_value(json_object_get(model, "version"));
    char *atext = asm_dump(answers), *rtext = asm_dump(result);
    int64_t score = json_integer_value(json_object_get(result, "score_e4"));
    int64_t level = json_integer_value(json_object_get(result, "level"));
    int64_t id = -1;
    if (db_begin(c->db) != 0) goto busy;
    const char *model_mt = json_string_value(json_object_get(model, "manufacturing_type"));
    /* The new assessment replaces the enterprise's latest in the peers' running sums. */
    if (asm_sums_leave(c->db, c->actor->enterprise_id) != 0) goto fail;
    id = db_insert(
        c->db,
        "INSERT INTO assessments (enterprise_id, version, manufacturing_type, grp, "
        "score_e4, level, answers, result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "itttiitti", c->actor->enterprise_id, version, model_mt, grp, score, level, atext, rtext,
        c->now);
    if (id <= 0 || asm_sums_apply(c->db, grp, model_mt, version, score, result, 1) != 0) goto fail;
    json_t *detail = json_pack("{s:s,s:O,s:I}", "version", version, "score",
                               json_object_get(result, "score"), "level", (json_int_t)level);
    int64_t seq = svc_audit(c, "assessment", id, "create", NULL, "completed", detail);
    json_decref(detail);
    int drc = seq > 0 ? db_exec(c->db, "DELETE FROM assessment_drafts WHERE enterprise_id = ?", "i",
                                c->actor->enterprise_id)
                      : -1;
    if (svc_commit(c, drc, e) != 0) {
        svc_err_clear(e); /* the refusal below says the draft is still there */
        goto fail;
    }
    free(atext);
    free(rtext);
    free(mtype);
    free(grp);
    json_decref(result);
    json_decref(model);
    *out = asm_full(c->db, id, c->actor->enterprise_id);
    return *out ? 0 : svc_fail(e, 500, "internal", "测评已保存，但未能读取结果，请刷新");
fail:
    db_rollback(c->db);
busy:
    free(atext);
    free(rtext);
    free(mtype);
    free(grp);
    json_decref(result);
    json_decref(model);
    return svc_fail(e, 500, "internal", "测评未能保存，请稍后重试（草稿仍在）");
}

int svc_asm_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e)
{
    if (asm_need_enterprise(c, e) != 0) return -1;
    int64_t eid = c->actor->enterprise_id;
    json_t *items = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT id, version, score_e4, level, created_at FROM assessments "
                          "WHERE enterprise_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                          "iii", eid, limit, offset);
    while (db_next(s)) {
        char buf[48], *t = svc_time_str(db_int(s, 4));
        json_array_append_new(items, json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "id",
                                               (json_int_t)db_int(s, 0), "version", db_text(s, 1),
                                               "score", asm_format(db_int(s, 2), buf, sizeof buf),
                                               "level", (json_int_t)db_int(s, 3), "level_name",
                                               asm_band_name((int)db_int(s, 3)), "created_at", t));
        free(t);
    }
    db_done(s);
    int64_t total = db_scalar_int(
        c->db, 0, "SELECT count(*) FROM assessments WHERE enterprise_id = ?", "i", eid);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

int svc_asm_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    if (asm_need_enterprise(c, e) != 0) return -1;
    *out = id > 0 ? asm_full(c->db, id, c->actor->enterprise_id) : NULL;
    return *out ? 0 : svc_fail(e, 404, "not_found", "没有找到这次测评");
}

int svc_asm_radar(svc_ctx *c, int64_t id, char **svg, svc_err *e)
{
    json_t *r = NULL;
    if (svc_asm_get(c, id, &r, e) != 0) return -1;
    json_t *doms = json_object_get(r, "domains");
    size_t n = json_array_size(doms);
    const char **labels = xcalloc(n + 1, sizeof *labels);
    int64_t *vals = xcalloc(n + 1, sizeof *vals), *cmp = xcalloc(n + 1, sizeof *cmp);
    json_t *peers = json_object_get(r, "peers");
    json_t *prev = json_array_get(json_object_get(r, "history"), 0);
    json_t *other =
        json_is_true(json_object_get(peers, "shown")) ? json_object_get(peers, "domains") : NULL;
    const char *cmp_label = "同区域同类型企业平均";
    json_t *prev_map = NULL;
    if (!other && prev) {
        prev_map = json_object();
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(prev, "domains"), i, d)
        {
            const char *did = json_string_value(json_object_get(d, "id"));
            json_t *v = json_object_get(d, "score_e4");
            if (did && json_is_integer(v)) json_object_set(prev_map, did, v);
        }
        cmp_label = "上一次测评";
    }
    size_t i;
    json_t *d;
    json_array_foreach(doms, i, d)
    {
        labels[i] = json_string_value(json_object_get(d, "name"));
        vals[i] = json_integer_value(json_object_get(d, "score_e4"));
        if (other)
            cmp[i] = json_integer_value(json_object_get(json_array_get(other, i), "score_e4"));
        if (prev_map)
            cmp[i] = json_integer_value(
                json_object_get(prev_map, json_string_value(json_object_get(d, "id"))));
    }
    char *title =
        xasprintf("能力域雷达图：总分 %s，%s", json_string_value(json_object_get(r, "score")),
                  json_string_value(json_object_get(r, "level_name")));
    *svg = asm_radar_svg(title, n, labels, vals, other || prev_map ? cmp : NULL, "本次测评",
                         cmp_label);
    free(title);
    free(labels);
    free(vals);
    free(cmp);
    json_decref(prev_map);
    json_decref(r);
    return 0;
}

json_t *svc_asm_for_reader(db *d, int64_t eid)
{
    int64_t id =
        db_scalar_int(d, 0, "SELECT max(id) FROM assessments WHERE enterprise_id = ?", "i", eid);
    json_t *r = id > 0 ? asm_load(d, id, eid) : NULL;
    if (!r) return NULL;
    json_t *doms = json_object_get(r, "domains");
    size_t n = json_array_size(doms), i;
    const char **labels = xcalloc(n + 1, sizeof *labels);
    int64_t *vals = xcalloc(n + 1, sizeof *vals);
    json_t *dm;
    json_array_foreach(doms, i, dm)
    {
        labels[i] = json_string_value(json_object_get(dm, "name"));
        vals[i] = json_integer_value(json_object_get(dm, "score_e4"));
    }
    char *title =
        xasprintf("能力域雷达图：总分 %s，%s", json_string_value(json_object_get(r, "score")),
                  json_string_value(json_object_get(r, "level_name")));
    char *svg = asm_radar_svg(title, n, labels, vals, NULL, "最近一次测评", NULL);
    int64_t at = db_scalar_int(d, 0, "SELECT created_at FROM assessments WHERE id = ?", "i", id);
    json_t *axes = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(
            axes, json_pack("{s:s?,s:I}", "name", labels[k], "score_e4", (json_int_t)vals[k]));
    json_t *o =
        json_pack("{s:O?,s:O?,s:O?,s:I,s:s,s:o}", "score", json_object_get(r, "score"), "level",
                  json_object_get(r, "level"), "level_name", json_object_get(r, "level_name"), "at",
                  (json_int_t)at, "radar_svg", svg, "axes", axes);
    free(title);
    free(svg);
    free(labels);
    free(vals);
    json_decref(r);
    return o;
}

json_t *svc_asm_status(svc_ctx *c)
{
    json_t *o = json_object();
    if (!c->actor || strcmp(c->actor->role, "enterprise") || c->actor->enterprise_id <= 0) return o;
    int64_t eid = c->actor->enterprise_id;
    db_stmt *s = db_query(c->db,
                          "SELECT id, score_e4, level, created_at FROM assessments WHERE "
                          "enterprise_id = ? ORDER BY id DESC LIMIT 1",
                          "i", eid);
    json_t *latest = json_null();
    if (db_next(s)) {
        char buf[48], *t = svc_time_str(db_int(s, 3));
        json_decref(latest);
        latest = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)db_int(s, 0), "score",
                           asm_format(db_int(s, 1), buf, sizeof buf), "level_name",
                           asm_band_name((int)db_int(s, 2)), "created_at", t);
        free(t);
    }
    db_done(s);
    json_object_set_new(o, "done", json_boolean(!json_is_null(latest)));
    json_object_set_new(o, "latest", latest);
    json_t *draft = NULL;
    svc_err e = {0};
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM assessment_drafts WHERE enterprise_id = ?",
                      "i", eid) > 0 &&
        svc_asm_draft_get(c, &draft, &e) == 0) {
        json_object_del(draft, "answers");
    }
    svc_err_clear(&e);
    json_object_set_new(o, "draft", draft ? draft : json_null());
    return o;
}

bool svc_asm_done(db *d, int64_t enterprise_id, const char *uscc, bool *known)
{
    if (enterprise_id <= 0 && uscc && *uscc)
        enterprise_id = db_scalar_int(d, 0, "SELECT id FROM enterprises WHERE uscc = ?", "t", uscc);
    *known = enterprise_id > 0;
    return enterprise_id > 0 &&
           db_scalar_int(d, 0, "SELECT count(*) FROM assessments WHERE enterprise_id = ?", "i",
                         enterprise_id) > 0;
}
