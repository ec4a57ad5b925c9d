/* audit — the append-only, hash-chained audit trail. Each entry's hash is
 * HMAC-SHA256(key, prev_hash | seq | at | actor | entity | id | action | from | to | detail),
 * keyed by a secret kept outside the database, so whoever can write the database still cannot
 * forge the chain. Business rows record the number of their last entry, so a deleted tail shows
 * too. Entries are appended inside the caller's write transaction (SQLite's write lock, an
 * advisory lock on PostgreSQL), so the chain stays one chain. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "service/svc.h"
#include "util/util.h"

void svc_err_clear(svc_err *e)
{
    if (e->fields) json_decref(e->fields);
    if (e->findings) json_decref(e->findings);
    memset(e, 0, sizeof *e);
}

/* A message cut at the buffer's end may split a character: drop the partial one. */
static void svc_utf8_trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && !util_utf8_valid(s, n))
        s[--n] = '\0';
}

int svc_fail(svc_err *e, int status, const char *code, const char *fmt, ...)
{
    e->status = status;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    svc_utf8_trim(e->message);
    return -1;
}

int svc_field(svc_err *e, const char *field, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!e->fields) e->fields = json_object();
    json_object_set_new(e->fields, field, json_string(buf));
    return -1;
}

int svc_fail_fields(svc_err *e, json_t *fields)
{
    if (e->fields) json_decref(e->fields);
    e->fields = fields;
    sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "提交的内容有误：");
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(fields, k, v)
    {
        if (n++ >= 3) {
            sbuf_puts(&b, "等");
            break;
        }
        sbuf_printf(&b, "%s%s（%s）", n > 1 ? "；" : "", k, json_string_value(v));
    }
    svc_fail(e, 400, "bad_request", "%s", b.data);
    sbuf_free(&b);
    return -1;
}

char *svc_time_str(int64_t epoch)
{
    char buf[CAL_TIME_BUF];
    cal_format_rfc3339(epoch, buf);
    return xstrdup(buf);
}

static void audit_hash(const unsigned char key[32], const char *prev, int64_t seq, int64_t at,
                       const char *actor, const char *entity, int64_t entity_id, const char *action,
                       const char *from, const char *to, const char *detail, char out_hex[65])
{
    char *msg =
        xasprintf("%s|%lld|%lld|%s|%s|%lld|%s|%s|%s|%s", prev, (long long)seq, (long long)at, actor,
                  entity, (long long)entity_id, action, from ? from : "", to ? to : "", detail);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
    sodium_bin2hex(out_hex, 65, mac, sizeof mac);
    free(msg);
}

/* The audited tables: each row keeps the number of its last entry (last_audit_seq), written
 * here with the entry, and audit verify checks that no row names an entry past the chain's end
 * (a removed tail). One table, so the writer and the check cannot disagree. */
static const struct {
    const char *entity, *table, *update;
} AUDIT_HEADS[] = {
    {"account", "accounts", "UPDATE accounts SET last_audit_seq = ? WHERE id = ?"},
    {"application", "applications", "UPDATE applications SET last_audit_seq = ? WHERE id = ?"},
    {"enterprise", "enterprises", "UPDATE enterprises SET last_audit_seq = ? WHERE id = ?"},
    {"project", "projects", "UPDATE projects SET last_audit_seq = ? WHERE id = ?"},
    {"attachment", "attachments", "UPDATE attachments SET last_audit_seq = ? WHERE id = ?"},
    {"batch", "batches", "UPDATE batches SET last_audit_seq = ? WHERE id = ?"},
    {"assessment", "assessments", "UPDATE assessments SET last_audit_seq = ? WHERE id = ?"},
    {"objection", "objections", "UPDATE objections SET last_audit_seq = ? WHERE id = ?"},
    {"certificate", "certificates", "UPDATE certificates SET last_audit_seq = ? WHERE id = ?"},
    {"adjustment", "certificate_adjustments",
     "UPDATE certificate_adjustments SET last_audit_seq = ? WHERE id = ?"},
    {"enterprise_change", "enterprise_changes",
     "UPDATE enterprise_changes SET last_audit_seq = ? WHERE id = ?"},
};

/* An application's timeline as it is shown (migration 009): a save by the same person as the
 * save before it extends that row, anything else opens a row. */
static int audit_timeline_add(svc_ctx *c, int64_t seq, int64_t app_id, const char *actor,
                              const char *action, const char *from_state, const char *to_state)
{
    if (strcmp(action, "update") == 0) {
        if (db_exec(c->db,
                    "UPDATE application_timeline SET at = ?, count = count + 1 WHERE "
                    "application_id = ? AND action = 'update' AND actor = ? AND seq = (SELECT "
                    "max(seq) FROM application_timeline WHERE application_id = ?)",
                    "iiti", c->now, app_id, actor, app_id) != 0)
            return -1;
        if (db_changes(c->db) > 0) return 0;
    }
    return db_exec(c->db,
                   "INSERT INTO application_timeline (application_id, seq, first_at, at, count, "
                   "actor, action, from_state, to_state) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
                   "iiiitttt", app_id, seq, c->now, c->now, actor, action, from_state, to_state);
}

static int64_t audit_append(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                            const char *from_state, const char *to_state, const json_t *detail,
                            bool head)
{
    db_stmt *s = db_query(c->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", "");
    int64_t seq = 1;
    char prev[65] = "0";
    if (db_next(s)) {
        seq = db_int(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", db_text(s, 1));
    }
    db_done(s);
    char *det = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("{}");
    const char *actor = c->actor && c->actor->id ? c->actor->username : "system";
    int64_t actor_id = c->actor ? c->actor->id : 0;
    char hash[65];
    audit_hash(c->cfg->audit_key, prev, seq, c->now, actor, entity, entity_id, action, from_state,
               to_state, det, hash);
    int rc = db_exec(c->db,
                     "INSERT INTO audit (seq, at, actor_id, actor, entity, entity_id, action, "
                     "from_state, to_state, detail, prev_hash, hash) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "iiittitttttt", seq, c->now, actor_id, actor, entity, entity_id, action,
                     from_state, to_state, det, prev, hash);
    free(det);
    if (rc != 0) return -1;
    if (strcmp(entity, "application") == 0 &&
        audit_timeline_add(c, seq, entity_id, actor, action, from_state, to_state) != 0)
        return -1;
    /* Every audited row records its last entry, so a removed tail of the chain shows. */
    for (size_t i = 0; head && i < sizeof AUDIT_HEADS / sizeof AUDIT_HEADS[0]; i++)
        if (strcmp(entity, AUDIT_HEADS[i].entity) == 0 &&
            db_exec(c->db, AUDIT_HEADS[i].update, "ii", seq, entity_id) != 0)
            return -1;
    /* Every page that shows the entity is stale from this commit on (the freshness rule). */
    if (svc_gen_bump_entity(c, entity, entity_id) != 0) return -1;
    return seq;
}

int64_t svc_audit(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                  const char *from_state, const char *to_state, const json_t *detail)
{
    return audit_append(c, entity, entity_id, action, from_state, to_state, detail, true);
}

int64_t svc_audit_headless(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                           const char *from_state, const char *to_state, const json_t *detail)
{
    return audit_append(c, entity, entity_id, action, from_state, to_state, detail, false);
}

int svc_audit_verify(db *d, const unsigned char key[32], int64_t *entries, int64_t *first_bad,
                     char **why)
{
    *entries = 0;
    *first_bad = 0;
    *why = NULL;
    char prev[65] = "0";
    int64_t expect = 1;
    db_stmt *s = db_query(d,
                          "SELECT seq, at, actor, entity, entity_id, action, from_state, "
                          "to_state, detail, prev_hash, hash FROM audit ORDER BY seq",
                          "");
    while (db_next(s)) {
        int64_t seq = db_int(s, 0);
        char hash[65];
        audit_hash(key, prev, seq, db_int(s, 1), db_text(s, 2), db_text(s, 3), db_int(s, 4),
                   db_text(s, 5), db_text(s, 6), db_text(s, 7), db_text(s, 8), hash);
        const char *stored_prev = db_text(s, 9), *stored = db_text(s, 10);
        if (seq != expect) {
            *first_bad = expect;
            *why = xasprintf("entry %lld is missing (found %lld next)", (long long)expect,
                             (long long)seq);
        } else if (strcmp(stored_prev, prev) != 0) {
            *first_bad = seq;
            *why = xasprintf("entry %lld does not follow its predecessor", (long long)seq);
        } else if (sodium_memcmp(hash, stored, 64) != 0 || strlen(stored) != 64) {
            *first_bad = seq;
            *why = xasprintf("entry %lld was altered", (long long)seq);
        }
        if (*first_bad) break;
        snprintf(prev, sizeof prev, "%s", stored);
        expect++;
        (*entries)++;
    }
    db_done(s);
    if (*first_bad) return -1;
    /* A removed tail leaves business rows pointing past the chain's end. */
    int64_t last = expect - 1;
    sbuf q;
    sbuf_init(&q);
    sbuf_puts(&q, "SELECT max(m) FROM (");
    for (size_t i = 0; i < sizeof AUDIT_HEADS / sizeof AUDIT_HEADS[0]; i++)
        sbuf_printf(&q, "%sSELECT max(last_audit_seq) AS m FROM %s", i ? " UNION ALL " : "",
                    AUDIT_HEADS[i].table);
    sbuf_puts(&q, ") AS t");
    int64_t claimed = db_scalar_int(d, 0, q.data, "");
    sbuf_free(&q);
    if (claimed > last) {
        *first_bad = last + 1;
        *why = xasprintf("entries after %lld were removed (records refer to entry %lld)",
                         (long long)last, (long long)claimed);
        return -1;
    }
    return 0;
}

json_t *svc_audit_list(db *d, const char *entity, int64_t entity_id, int64_t limit, int64_t offset)
{
    json_t *items = json_array();
    db_stmt *s = db_query(d,
                          "SELECT seq, at, actor, entity, entity_id, action, from_state, "
                          "to_state, detail FROM audit WHERE (? IS NULL OR entity = ?) "
                          "AND (? = 0 OR entity_id = ?) ORDER BY seq LIMIT ? OFFSET ?",
                          "ttiiii", entity, entity, entity_id, entity_id, limit, offset);
    while (db_next(s)) {
        char *at = svc_time_str(db_int(s, 1));
        json_t *detail = json_loads(db_text(s, 8), 0, NULL);
        json_array_append_new(
            items, json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s?,s:s?,s:o}", "seq",
                             (json_int_t)db_int(s, 0), "at", at, "actor", db_text(s, 2), "entity",
                             db_text(s, 3), "entity_id", (json_int_t)db_int(s, 4), "action",
                             db_text(s, 5), "from_state", db_text(s, 6), "to_state", db_text(s, 7),
                             "detail", detail ? detail : json_object()));
        free(at);
    }
    db_done(s);
    int64_t total = db_scalar_int(d, 0,
                                  "SELECT count(*) FROM audit WHERE (? IS NULL OR entity = ?) "
                                  "AND (? = 0 OR entity_id = ?)",
                                  "ttii", entity, entity, entity_id, entity_id);
    return json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
}
