/* generation — the one freshness rule: a counter per scope (an enterprise, a district, a batch,
 * everything), counted up in the transaction of every change, so that anything kept outside the
 * database can be keyed by the counters it read and is never served after a change it shows. */
#include <stdlib.h>
#include <string.h>

#include "service/svc.h"

/* The scopes an audited entity's change touches, read from its row after the change: the
 * enterprise, up to two districts (a move has an old and a new one) and the batch, as columns
 * 0–3 (NULL: none); `global` for what pages of every scope show (batches, accounts, the
 * certificates of the public register). One row per entity, so a new audited table is one line
 * here, never a version query in another layer. The batch scope is the batch's own row (its
 * dates, rules and contacts), which every page of the batch shows and every save and check
 * reads: an application's change does not count it, or each save would throw away the parsed
 * rules (service/reference.c) and every kept answer of every application of the batch. */
static const struct {
    const char *entity, *sql;
    bool global;
} GEN_OF[] = {
    {"account", "SELECT enterprise_id, district_code, NULL, NULL FROM accounts WHERE id = ?", true},
    {"application",
     "SELECT enterprise_id, district_code, NULL, NULL FROM applications WHERE id = ?", false},
    {"enterprise", "SELECT id, district_code, NULL, NULL FROM enterprises WHERE id = ?", false},
    {"project", "SELECT enterprise_id, NULL, NULL, NULL FROM projects WHERE id = ?", false},
    {"attachment", "SELECT enterprise_id, NULL, NULL, NULL FROM attachments WHERE id = ?", false},
    {"assessment", "SELECT enterprise_id, NULL, NULL, NULL FROM assessments WHERE id = ?", false},
    {"batch", "SELECT NULL, NULL, NULL, id FROM batches WHERE id = ?", true},
    {"objection",
     "SELECT a.enterprise_id, a.district_code, NULL, NULL FROM objections o "
     "JOIN applications a ON a.id = o.application_id WHERE o.id = ?",
     false},
    {"certificate",
     "SELECT enterprise_id, district_code, NULL, NULL FROM certificates WHERE id = ?", true},
    {"adjustment",
     "SELECT c.enterprise_id, j.district_code, c.district_code, NULL FROM "
     "certificate_adjustments j JOIN certificates c ON c.id = j.certificate_id WHERE j.id = ?",
     true},
    {"enterprise_change",
     "SELECT enterprise_id, from_district, to_district, NULL FROM enterprise_changes WHERE id = ?",
     false},
};

svc_scope svc_scope_district(const char *code)
{
    /* District codes are the six digits of GB/T 2260 (data/districts.csv). */
    return (svc_scope){SVC_SCOPE_DISTRICT, code ? strtoll(code, NULL, 10) : 0};
}

int svc_gen_bump(svc_ctx *c, svc_scope s)
{
    static const char kinds[] = {[SVC_SCOPE_ENTERPRISE] = 'e',
                                 [SVC_SCOPE_DISTRICT] = 'd',
                                 [SVC_SCOPE_BATCH] = 'b',
                                 [SVC_SCOPE_GLOBAL] = 'g'};
    if (s.id <= 0 && s.kind != SVC_SCOPE_GLOBAL) return 0; /* nothing of that scope */
    char kind[2] = {kinds[s.kind], '\0'};
    return db_exec(c->db,
                   "INSERT INTO generations (scope, id, gen) VALUES (?, ?, 1) "
                   "ON CONFLICT (scope, id) DO UPDATE SET gen = generations.gen + 1",
                   "ti", kind, s.id) == 0
               ? 0
               : -1;
}

int svc_gen_bump_entity(svc_ctx *c, const char *entity, int64_t entity_id)
{
    for (size_t i = 0; i < sizeof GEN_OF / sizeof GEN_OF[0]; i++) {
        if (strcmp(entity, GEN_OF[i].entity) != 0) continue;
        svc_scope s[5]; /* an enterprise, two districts, a batch, everything */
        size_t n = 0;
        db_stmt *q = db_query(c->db, GEN_OF[i].sql, "i", entity_id);
        if (db_next(q)) {
            if (!db_is_null(q, 0)) s[n++] = (svc_scope){SVC_SCOPE_ENTERPRISE, db_int(q, 0)};
            for (int col = 1; col <= 2; col++)
                if (!db_is_null(q, col)) s[n++] = svc_scope_district(db_text(q, col));
            if (!db_is_null(q, 3)) s[n++] = (svc_scope){SVC_SCOPE_BATCH, db_int(q, 3)};
        }
        db_done(q);
        if (GEN_OF[i].global) s[n++] = (svc_scope){SVC_SCOPE_GLOBAL, 0};
        for (size_t k = 0; k < n; k++)
            if (svc_gen_bump(c, s[k]) != 0) return -1;
        return 0;
    }
    /* An entity without a row above (an import, a reference table) may show anywhere. */
    return svc_gen_bump(c, (svc_scope){SVC_SCOPE_GLOBAL, 0});
}

int svc_gen_read(db *d, const svc_scope *s, size_t n, int64_t *gen)
{
    static const char *const kinds[] = {"e", "d", "b", "g"};
    for (size_t i = 0; i < n; i++) {
        gen[i] = 0; /* never counted: nothing of it changed since the database began */
        db_stmt *q = db_query(d, "SELECT gen FROM generations WHERE scope = ? AND id = ?", "ti",
                              kinds[s[i].kind], s[i].id);
        if (!q) return -1;
        if (db_next(q)) gen[i] = db_int(q, 0);
        bool failed = db_failed(q);
        db_done(q);
        if (failed) return -1;
    }
    return 0;
}
