/* reference — see reference.h. */
#include "service/reference.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "service/enterprise.h"
#include "util/assets.h"
#include "util/util.h"

/* ---------------------------------------------------------------- CSV (the data files) */

/* Splits one line of a simple CSV (no quotes in our data files) into at most n fields. */
static int ref_split(char *line, char **f, int n)
{
    int k = 0;
    char *p = line;
    while (k < n) {
        f[k++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    return k;
}

static int ref_seed_districts(svc_ctx *c)
{
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM districts", "") > 0) return 0;
    char *csv = xstrdup(assets_get("data/districts.csv", NULL));
    int sort = 0, rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(csv, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char *f[4];
        if (sort++ == 0 || ref_split(line, f, 4) != 4) continue; /* header */
        if (db_exec(c->db, "INSERT INTO districts (code, name, type, grp, sort) VALUES (?,?,?,?,?)",
                    "tttti", f[0], f[1], f[2], f[3], (int64_t)sort) != 0)
            rc = -1;
    }
    free(csv);
    return rc;
}

int svc_holidays_import(svc_ctx *c, const char *csv_in, char **err)
{
    char *csv = xstrdup(csv_in);
    int n = 0, line_no = 0;
    char *save = NULL;
    for (char *line = strtok_r(csv, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char *f[3];
        line_no++;
        if (line_no == 1 && strncmp(line, "date", 4) == 0) continue;
        cal_date d;
        if (ref_split(line, f, 3) < 2 || cal_parse_date(f[0], &d) != 0 ||
            (strcmp(f[1], "off") != 0 && strcmp(f[1], "work") != 0)) {
            *err = xasprintf("line %d: want date,off|work,name", line_no);
            free(csv);
            return -1;
        }
        db_exec(c->db,
                "INSERT INTO holidays (day, kind, name) VALUES (?, ?, ?) ON CONFLICT (day) DO "
                "UPDATE SET kind = excluded.kind, name = excluded.name",
                "ttt", f[0], f[1], f[2] ? f[2] : "");
        n++;
    }
    free(csv);
    return n;
}

void svc_holidays_load(db *d, cal_table *t)
{
    int64_t n = db_scalar_int(d, 0, "SELECT count(*) FROM holidays", "");
    cal_holiday *days = xcalloc((size_t)n + 1, sizeof *days);
    size_t k = 0;
    db_stmt *s = db_query(d, "SELECT day, kind FROM holidays ORDER BY day", "");
    while (db_next(s) && k < (size_t)n) {
        if (cal_parse_date(db_text(s, 0), &days[k].date) != 0) continue;
        days[k].kind = strcmp(db_text(s, 1), "work") == 0 ? CAL_WORK : CAL_OFF;
        k++;
    }
    db_done(s);
    memset(t, 0, sizeof *t);
    t->days = days;
    t->n = k;
}

/* ---------------------------------------------------------------- batches: the parsed cache */

/* A batch row's generation (service/generation.c), read beside its columns. */
#define REF_BATCH_GEN                                                                              \
    "coalesce((SELECT g.gen FROM generations g WHERE g.scope = 'b' AND g.id = batches.id), 0)"

/* A batch's rules are a 6 KB document read on every page (the current batch) and every save and
 * pre-check; parsing them was most of the home page's time. Each process keeps every batch it
 * has read, parsed once, as an immutable tree shared by all threads (jansson's reference counts
 * are atomic; nobody writes into a cached tree). An entry is valid while the batch's
 * generation is unchanged (the freshness rule: every change of a batch is audited, and the
 * audit counts the batch's generation up in the same transaction), so one integer read tells
 * whether this process — or another server of the same PostgreSQL database — changed the batch
 * since. Entries are only stored outside a transaction: a rolled-back change could otherwise
 * leave a tree under a generation that the next change counts again. */

typedef struct ref_cached {
    int64_t id, gen;
    int64_t opens_at, closes_at, district_deadline;
    json_t *obj; /* the API object of svc_batch_json; immutable */
} ref_cached;

static pthread_mutex_t ref_cache_mu = PTHREAD_MUTEX_INITIALIZER;
static ref_cached *ref_cache;
static size_t ref_cache_n, ref_cache_cap;

/* A new reference to the cached entry of batch `id` at `gen` (times copied into *out), or NULL. */
static json_t *ref_cache_get(int64_t id, int64_t gen, ref_cached *out)
{
    json_t *o = NULL;
    pthread_mutex_lock(&ref_cache_mu);
    for (size_t i = 0; i < ref_cache_n; i++)
        if (ref_cache[i].id == id && ref_cache[i].gen == gen) {
            o = json_incref(ref_cache[i].obj);
            if (out) *out = ref_cache[i];
            break;
        }
    pthread_mutex_unlock(&ref_cache_mu);
    return o;
}

/* Stores (or replaces) the entry of e->id; takes a reference to e->obj. */
static void ref_cache_put(const ref_cached *e)
{
    json_t *old = NULL;
    pthread_mutex_lock(&ref_cache_mu);
    size_t i = 0;
    while (i < ref_cache_n && ref_cache[i].id != e->id)
        i++;
    if (i == ref_cache_n) {
        if (ref_cache_n == ref_cache_cap) {
            ref_cache_cap = ref_cache_cap ? ref_cache_cap * 2 : 8;
            ref_cache = xrealloc(ref_cache, ref_cache_cap * sizeof *ref_cache);
        }
        ref_cache_n++;
    } else {
        old = ref_cache[i].obj;
    }
    ref_cache[i] = *e;
    json_incref(e->obj);
    pthread_mutex_unlock(&ref_cache_mu);
    json_decref(old); /* a thread still holding it keeps it alive */
}

static json_t *ref_batch_row(db_stmt *s)
{
    char *opens = svc_time_str(db_int(s, 4)), *closes = svc_time_str(db_int(s, 5)),
         *dl = svc_time_str(db_int(s, 6));
    json_t *contacts = json_loads(db_text(s, 7), 0, NULL);
    json_t *rules = json_loads(db_text(s, 8), 0, NULL);
    json_t *b =
        json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)db_int(s, 0), "year",
                  (json_int_t)db_int(s, 1), "name", db_text(s, 2), "notice_no", db_text(s, 3),
                  "opens_at", opens, "closes_at", closes, "district_deadline", dl, "contacts",
                  contacts ? contacts : json_object(), "rules", rules ? rules : json_object());
    free(opens);
    free(closes);
    free(dl);
    return b;
}

/* The shared, immutable object of batch `id` at `gen` (new reference), from the cache or read
 * and parsed now; NULL when the batch is absent. Times go to *t when not NULL. */
static json_t *ref_batch_shared(db *d, int64_t id, int64_t gen, ref_cached *t)
{
    ref_cached e;
    json_t *o = ref_cache_get(id, gen, &e);
    if (!o) {
        db_stmt *s = db_query(d,
                              "SELECT id, year, name, notice_no, opens_at, closes_at, "
                              "district_deadline, contacts, rules, " REF_BATCH_GEN " FROM batches "
                              "WHERE id = ?",
                              "i", id);
        if (db_next(s)) {
            o = ref_batch_row(s);
            e = (ref_cached){.id = id,
                             .gen = db_int(s, 9),
                             .opens_at = db_int(s, 4),
                             .closes_at = db_int(s, 5),
                             .district_deadline = db_int(s, 6),
                             .obj = o};
            if (!db_in_tx(d)) ref_cache_put(&e);
        }
        db_done(s);
    }
    if (o && t) *t = e;
    return o;
}

/* The generation of batch `id`, or -1 when absent. */
static int64_t ref_batch_gen(db *d, int64_t id)
{
    return db_scalar_int(d, -1, "SELECT " REF_BATCH_GEN " FROM batches WHERE id = ?", "i", id);
}

/* A caller's own copy of a shared batch: its top level may be changed; rules and contacts are
 * still shared and must not be. */
static json_t *ref_batch_own(json_t *shared)
{
    json_t *b = shared ? json_copy(shared) : NULL;
    json_decref(shared);
    return b;
}

json_t *svc_batch_rules(db *d, int64_t id, int64_t *opens_at, int64_t *closes_at,
                        int64_t *district_deadline)
{
    int64_t gen = ref_batch_gen(d, id);
    if (gen < 0) return NULL;
    ref_cached t;
    json_t *b = ref_batch_shared(d, id, gen, &t);
    if (!b) return NULL;
    json_t *rules = json_incref(json_object_get(b, "rules"));
    if (opens_at) *opens_at = t.opens_at;
    if (closes_at) *closes_at = t.closes_at;
    if (district_deadline) *district_deadline = t.district_deadline;
    json_decref(b);
    return rules;
}

json_t *svc_batch_json(db *d, int64_t id)
{
    int64_t gen = ref_batch_gen(d, id);
    return gen < 0 ? NULL : ref_batch_own(ref_batch_shared(d, id, gen, NULL));
}

json_t *svc_batches(db *d)
{
    json_t *items = json_array();
    /* The generations first: filling the cache runs another statement on this connection. */
    int64_t(*ids)[2] = NULL;
    size_t n = 0, cap = 0;
    db_stmt *s = db_query(
        d, "SELECT id, " REF_BATCH_GEN " FROM batches ORDER BY opens_at DESC, id DESC", "");
    while (db_next(s)) {
        if (n == cap) ids = xrealloc(ids, (cap = cap ? cap * 2 : 16) * sizeof *ids);
        ids[n][0] = db_int(s, 0);
        ids[n++][1] = db_int(s, 1);
    }
    db_done(s);
    for (size_t i = 0; i < n; i++) {
        json_t *b = ref_batch_own(ref_batch_shared(d, ids[i][0], ids[i][1], NULL));
        if (b) json_array_append_new(items, b);
    }
    free(ids);
    return json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items));
}

/* The batch open now (its window started and the district deadline not passed), else the latest
 * one: two indexed lookups (batches_current), each in index order, no sort. */
static bool ref_current_batch_row(db *d, int64_t now, int64_t *id, int64_t *gen)
{
    db_stmt *s = db_query(d,
                          "SELECT id, " REF_BATCH_GEN " FROM batches WHERE opens_at <= ? AND "
                          "district_deadline > ? ORDER BY opens_at DESC, id DESC LIMIT 1",
                          "ii", now, now);
    bool found = db_next(s);
    if (found) *id = db_int(s, 0), *gen = db_int(s, 1);
    db_done(s);
    if (found) return true;
    s = db_query(
        d, "SELECT id, " REF_BATCH_GEN " FROM batches ORDER BY opens_at DESC, id DESC LIMIT 1", "");
    found = db_next(s);
    if (found) *id = db_int(s, 0), *gen = db_int(s, 1);
    db_done(s);
    return found;
}

int64_t svc_current_batch_id(db *d, int64_t now)
{
    int64_t id = 0, gen = 0;
    return ref_current_batch_row(d, now, &id, &gen) ? id : 0;
}

json_t *svc_current_batch(db *d, int64_t now)
{
    int64_t id = 0, gen = 0;
    if (!ref_current_batch_row(d, now, &id, &gen)) return NULL;
    return ref_batch_own(ref_batch_shared(d, id, gen, NULL));
}

/* Reads a time field: RFC 3339 string. Records a field error when it is absent or bad. */
static const char *ref_label(const char *key)
{
    static const char *const labels[][2] = {{"opens_at", "申报开始时间"},
                                            {"closes_at", "申报截止时间"},
                                            {"district_deadline", "区县初审截止时间"},
                                            {"name", "批次名称"},
                                            {"notice_no", "通知文号"}};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(labels[i][0], key)) return labels[i][1];
    return key;
}

static int ref_time_field(const json_t *in, const char *key, int64_t *out, svc_err *e, bool need)
{
    json_t *v = json_object_get(in, key);
    if (!v) return need ? svc_field(e, key, "%s必填", ref_label(key)) : 0;
    if (!json_is_string(v) || cal_parse_rfc3339(json_string_value(v), out) != 0)
        return svc_field(e, key, "%s须为有效的日期和时间", ref_label(key));
    return 0;
}

static int ref_batch_insert(svc_ctx *c, int64_t year, const char *name, const char *notice_no,
                            int64_t opens, int64_t closes, int64_t deadline, const json_t *contacts,
                            const json_t *rules, int64_t *id)
{
    char *cj = json_dumps(contacts, JSON_COMPACT), *rj = json_dumps(rules, JSON_COMPACT);
    *id = db_insert(c->db,
                    "INSERT INTO batches (year, name, notice_no, opens_at, closes_at, "
                    "district_deadline, contacts, rules, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    "ittiiitti", year, name, notice_no, opens, closes, deadline, cj, rj, c->now);
    free(cj);
    free(rj);
    return *id > 0 ? 0 : -1;
}

static int ref_seed_batch_2020(svc_ctx *c, char **err)
{
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM batches WHERE year = 2020", "") > 0) return 0;
    json_error_t je;
    json_t *b = json_loads(assets_get("data/batch-2020.json", NULL), 0, &je);
    if (!b) return *err = xasprintf("data/batch-2020.json: %s", je.text), -1;
    int64_t opens = 0, closes = 0, dl = 0, id = 0;
    svc_err e = {0};
    ref_time_field(b, "opens_at", &opens, &e, true);
    ref_time_field(b, "closes_at", &closes, &e, true);
    ref_time_field(b, "district_deadline", &dl, &e, true);
    int rc = e.fields ? -1
                      : ref_batch_insert(c, json_integer_value(json_object_get(b, "year")),
                                         json_string_value(json_object_get(b, "name")),
                                         json_string_value(json_object_get(b, "notice_no")), opens,
                                         closes, dl, json_object_get(b, "contacts"),
                                         json_object_get(b, "rules"), &id);
    if (rc == 0)
        svc_audit(c, "batch", id, "create", NULL, NULL, NULL);
    else
        *err = xstrdup("data/batch-2020.json: bad times or insert failed");
    svc_err_clear(&e);
    json_decref(b);
    return rc;
}

int svc_seed_reference(svc_ctx *c, char **err)
{
    if (db_begin(c->db) != 0) return *err = xstrdup(db_error(c->db)), -1;
    if (ref_seed_districts(c) != 0) {
        *err = xasprintf("districts: %s", db_error(c->db));
        goto fail;
    }
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM holidays", "") == 0 &&
        svc_holidays_import(c, assets_get("data/holidays.csv", NULL), err) < 0)
        goto fail;
    if (ref_seed_batch_2020(c, err) != 0) goto fail;
    return db_commit(c->db) == 0 ? 0 : (*err = xstrdup(db_error(c->db)), -1);
fail:
    db_rollback(c->db);
    return -1;
}

static const char *ref_str(const json_t *in, const char *key, svc_err *e, bool need)
{
    json_t *v = json_object_get(in, key);
    if (!v) {
        if (need) svc_field(e, key, "%s必填", ref_label(key));
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 200) {
        svc_field(e, key, "%s应为 1–200 字节的文本（约 66 个汉字）", ref_label(key));
        return NULL;
    }
    return json_string_value(v);
}

/* The rules object, when given: its parameters' types and ranges (rules_validate_batch). */
static void ref_rules_check(const json_t *rules, svc_err *e)
{
    if (!rules) return;
    json_t *errors = json_object();
    rules_validate_batch(rules, errors);
    const char *k;
    json_t *v;
    json_object_foreach(errors, k, v) svc_field(e, k, "%s", json_string_value(v));
    json_decref(errors);
}

/* Checks the order of a batch's times: opens < closes <= district deadline. */
static void ref_check_times(int64_t opens, int64_t closes, int64_t dl, svc_err *e)
{
    if (opens >= closes) svc_field(e, "closes_at", "申报截止时间必须晚于开始时间");
    if (closes > dl) svc_field(e, "district_deadline", "区县初审截止时间不得早于申报截止时间");
}

/* The checks of a new batch's body shared by its creation and the preview of its rules: year,
 * texts, times and their order, and the rules object (rules_validate_batch). Field reasons go
 * to e->fields. */
static void ref_batch_fields(const json_t *in, int64_t *opens, int64_t *closes, int64_t *dl,
                             svc_err *e)
{
    json_t *year = json_object_get(in, "year");
    if (!json_is_integer(year) || json_integer_value(year) < 2000 ||
        json_integer_value(year) > 2100)
        svc_field(e, "year", "年度应为 2000–2100 之间的整数年份");
    ref_str(in, "name", e, true);
    ref_str(in, "notice_no", e, true);
    ref_time_field(in, "opens_at", opens, e, true);
    ref_time_field(in, "closes_at", closes, e, true);
    ref_time_field(in, "district_deadline", dl, e, true);
    if (!e->fields) ref_check_times(*opens, *closes, *dl, e);
    ref_rules_check(json_object_get(in, "rules"), e);
    json_t *contacts = json_object_get(in, "contacts");
    if (contacts && !json_is_object(contacts)) svc_field(e, "contacts", "联系方式应为对象");
}

int svc_batch_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    int64_t opens = 0, closes = 0, dl = 0, id = 0;
    ref_batch_fields(in, &opens, &closes, &dl, e);
    json_t *year = json_object_get(in, "year");
    const char *name = json_string_value(json_object_get(in, "name"));
    const char *notice = json_string_value(json_object_get(in, "notice_no"));
    json_t *rules = json_object_get(in, "rules");
    json_t *from = json_object_get(in, "rules_from");
    json_t *src = NULL;
    if (from && !rules) {
        if (!json_is_integer(from))
            return svc_fail_fields(e, json_pack("{s:s}", "rules_from", "应为批次编号（整数）"));
        src = svc_batch_json(c->db, json_integer_value(from));
        /* An object named in the body that does not exist answers 404 (API.md's order). */
        if (!src)
            return svc_fail(e, 404, "not_found", "rules_from 指定的批次 %lld 不存在",
                            (long long)json_integer_value(from));
    }
    if (!rules && !from) svc_field(e, "rules", "须提供 rules，或以 rules_from 复制另一批次的规则");
    if (e->fields) {
        if (src) json_decref(src);
        json_t *f = e->fields;
        e->fields = NULL;
        return svc_fail_fields(e, f);
    }
    const json_t *use_rules = rules ? rules : json_object_get(src, "rules");
    json_t *contacts = json_object_get(in, "contacts");
    if (!json_is_object(contacts)) contacts = src ? json_object_get(src, "contacts") : NULL;
    json_t *empty = json_object();
    int rc = svc_begin(c, e);
    if (rc == 0) {
        rc = ref_batch_insert(c, json_integer_value(year), name, notice, opens, closes, dl,
                              contacts ? contacts : empty, use_rules, &id);
        rc = svc_commit(
            c, rc == 0 && svc_audit(c, "batch", id, "create", NULL, NULL, in) > 0 ? 0 : -1, e);
    }
    json_decref(empty);
    if (src) json_decref(src);
    if (rc != 0) return -1;
    *out = svc_batch_json(c->db, id);
    return 0;
}

int svc_batch_preview(svc_ctx *c, const json_t *in, int64_t app_id, json_t **findings, svc_err *e)
{
    *findings = NULL;
    if (svc_need_role(c, "commission", e) != 0) return -1;
    int64_t opens = 0, closes = 0, dl = 0;
    ref_batch_fields(in, &opens, &closes, &dl, e);
    if (!json_is_object(json_object_get(in, "rules"))) svc_field(e, "rules", "须提供申报条件");
    if (e->fields) {
        json_t *f = e->fields;
        e->fields = NULL;
        return svc_fail_fields(e, f);
    }
    return svc_app_precheck_preview(c, app_id, json_object_get(in, "rules"), opens, closes, dl,
                                    findings, e);
}

int svc_batch_update(svc_ctx *c, int64_t id, const json_t *patch, json_t **out, svc_err *e)
{
    /* The row is read under the write lock: every column is written back from it, so a copy
     * read before the lock would undo a concurrent change of another field (another server's
     * or another worker's) — a lost update. */
    if (svc_begin(c, e) != 0) return -1;
    json_t *cur = svc_batch_json(c->db, id);
    if (!cur) {
        db_rollback(c->db);
        return svc_fail(e, 404, "not_found", "批次不存在");
    }
    int64_t opens = 0, closes = 0, dl = 0;
    cal_parse_rfc3339(json_string_value(json_object_get(cur, "opens_at")), &opens);
    cal_parse_rfc3339(json_string_value(json_object_get(cur, "closes_at")), &closes);
    cal_parse_rfc3339(json_string_value(json_object_get(cur, "district_deadline")), &dl);
    ref_time_field(patch, "opens_at", &opens, e, false);
    ref_time_field(patch, "closes_at", &closes, e, false);
    ref_time_field(patch, "district_deadline", &dl, e, false);
    const char *name = json_object_get(patch, "name")
                           ? ref_str(patch, "name", e, true)
                           : json_string_value(json_object_get(cur, "name"));
    json_t *rules = json_object_get(patch, "rules");
    ref_rules_check(rules, e);
    json_t *contacts_in = json_object_get(patch, "contacts");
    if (contacts_in && !json_is_object(contacts_in)) svc_field(e, "contacts", "联系方式应为对象");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        if (strcmp(k, "opens_at") && strcmp(k, "closes_at") && strcmp(k, "district_deadline") &&
            strcmp(k, "name") && strcmp(k, "rules") && strcmp(k, "contacts"))
            svc_field(e, k, "此字段不可修改");
    }
    if (!e->fields) ref_check_times(opens, closes, dl, e);
    if (e->fields) {
        db_rollback(c->db);
        json_decref(cur);
        json_t *f = e->fields;
        e->fields = NULL;
        return svc_fail_fields(e, f);
    }
    char *rj = json_dumps(rules ? rules : json_object_get(cur, "rules"), JSON_COMPACT);
    json_t *contacts = json_object_get(patch, "contacts");
    char *cj = json_dumps(json_is_object(contacts) ? contacts : json_object_get(cur, "contacts"),
                          JSON_COMPACT);
    int rc = db_exec(c->db,
                     "UPDATE batches SET name = ?, opens_at = ?, closes_at = ?, "
                     "district_deadline = ?, rules = ?, contacts = ? WHERE id = ?",
                     "tiiitti", name, opens, closes, dl, rj, cj, id);
    if (rc == 0 && svc_audit(c, "batch", id, "update", NULL, NULL, patch) < 0) rc = -1;
    rc = svc_commit(c, rc, e);
    free(rj);
    free(cj);
    json_decref(cur);
    if (rc != 0) return -1;
    *out = svc_batch_json(c->db, id);
    return 0;
}

/* ---------------------------------------------------------------- districts, modes */

static json_t *ref_district_row(db_stmt *s)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "code", db_text(s, 0), "name", db_text(s, 1), "type",
                     db_text(s, 2), "group", db_text(s, 3));
}

/* The 41 reviewing units are written once, by `smip init` into an empty table, and never
 * change; pages read them several times each. The first non-empty read is kept for the
 * process's life and shared, read-only, by all threads. */
static pthread_mutex_t ref_districts_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *ref_districts_cached;

json_t *svc_districts(db *d)
{
    pthread_mutex_lock(&ref_districts_mu);
    json_t *a = ref_districts_cached ? json_incref(ref_districts_cached) : NULL;
    pthread_mutex_unlock(&ref_districts_mu);
    if (a) return a;
    a = json_array();
    db_stmt *s = db_query(d, "SELECT code, name, type, grp FROM districts ORDER BY sort", "");
    while (db_next(s))
        json_array_append_new(a, ref_district_row(s));
    db_done(s);
    if (json_array_size(a) > 0 && !db_in_tx(d)) {
        pthread_mutex_lock(&ref_districts_mu);
        if (!ref_districts_cached) ref_districts_cached = json_incref(a);
        pthread_mutex_unlock(&ref_districts_mu);
    }
    return a;
}

json_t *svc_district(db *d, const char *code)
{
    if (!code) return NULL;
    db_stmt *s =
        db_query(d, "SELECT code, name, type, grp FROM districts WHERE code = ?", "t", code);
    json_t *o = db_next(s) ? ref_district_row(s) : NULL;
    db_done(s);
    return o;
}

static json_t *ref_modes_shared;

static void ref_modes_parse(void)
{
    ref_modes_shared = svc_factory_modes();
}

const json_t *svc_factory_modes_shared(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ref_modes_parse);
    return ref_modes_shared;
}

json_t *svc_factory_modes(void)
{
    json_t *m = json_loads(assets_get("data/factory-modes.json", NULL), 0, NULL);
    return m ? m : json_array();
}
