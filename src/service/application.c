/* application — the applications of enterprise.h (数字化车间和智能工厂申报): create, read, edit
 * the form, pre-check, submit and withdraw, and the pre-check over documents `smip check` uses.
 * The status column is kept in sync with the audit trail here. Rule E4 is also held by the
 * database (index applications_e4), so a submit that loses a race answers 422 like any other
 * failed rule. */
#include "service/enterprise.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decimal.h"
#include "core/merge.h"
#include "core/rules.h"
#include "core/uscc.h"
#include "service/assessment.h"
#include "service/app_model.h"
#include "service/ent_internal.h"
#include "service/reference.h"
#include "service/review.h"
#include "util/util.h"

/* ---------------------------------------------------------------- applications: rows */

static const char *const APP_STATES[] = {"draft",
                                         "submitted",
                                         "returned",
                                         "district_approved",
                                         "district_rejected",
                                         "expert_review",
                                         "expert_passed",
                                         "expert_failed",
                                         "publicity",
                                         "certified",
                                         "not_certified",
                                         "revoked",
                                         NULL};
static const char *const APP_TYPES[] = {"workshop", "factory", NULL};
/* Keys of the application object that are not form fields: a PUT may echo them unchanged. */
static const char *const APP_READONLY[] = {
    "id",           "batch_id",      "project_id", "enterprise_id",
    "type",         "status",        "findings",   "timeline",
    "submitted_at", "created_at",    "updated_at", "project",
    "enterprise",   "district_code", "uscc",       NULL};

typedef struct app_row {
    svc_app h; /* the head: what ownership, visibility and the workflow depend on */
    int64_t submitted_at, created_at, updated_at;
    int64_t last_seq;     /* last_audit_seq: every change of the form is audited */
    int64_t findings_rev; /* application_findings.revision of the findings loaded; -1: none */
    json_t *form, *snapshot, *findings; /* owned; snapshot and findings may be NULL */
    /* Owned; loaded as text (app_load_as with as_text): the stored findings instead of
     * `findings`, and the stored form beside an empty `form`. */
    char *findings_text, *form_text;
    /* Owned, NULL unless filled by the caller (a save fills them as it commits): app_json uses
     * them instead of reading the timeline, the project and the enterprise itself. */
    json_t *timeline, *live_project, *live_enterprise;
} app_row;

static void app_row_free(app_row *a)
{
    json_decref(a->form);
    json_decref(a->snapshot);
    json_decref(a->findings);
    json_decref(a->timeline);
    json_decref(a->live_project);
    json_decref(a->live_enterprise);
    free(a->findings_text);
    free(a->form_text);
    memset(a, 0, sizeof *a);
}

/* How app_load_as reads the stored form and findings: parsed; as text (a->findings_text,
 * a->form_text; a->form is then empty); or the form parsed and the findings not at all, for
 * what computes them anew (a check, a submit: ~4 KB of JSON not parsed, under the write lock). */
typedef enum { APP_DOCS_PARSED, APP_DOCS_TEXT, APP_DOCS_FORM } app_docs;

/* Loads application `id` with its documents as `docs` says; 0, or -1 when absent. */
static int app_load_as(db *d, int64_t id, app_row *a, app_docs docs)
{
    bool as_text = docs == APP_DOCS_TEXT;
    memset(a, 0, sizeof *a);
    if (id <= 0) return -1;
    db_stmt *s =
        db_query(d,
                 "SELECT " SVC_APP_HEAD_COLS ", a.form, a.snapshot, f.findings, a.submitted_at, "
                 "a.created_at, a.updated_at, a.last_audit_seq, coalesce(f.revision, -1) FROM "
                 "applications a LEFT JOIN application_findings f ON f.application_id = a.id "
                 "WHERE a.id = ?",
                 "i", id);
    int rc = -1;
    if (db_next(s)) {
        svc_app_head_row(s, 0, &a->h);
        if (as_text) {
            a->form = json_object();
            a->form_text = xstrdup(db_text(s, 8) ? db_text(s, 8) : "{}");
        } else {
            a->form = ent_load_doc(db_text(s, 8));
        }
        a->snapshot = db_text(s, 9) ? json_loads(db_text(s, 9), 0, NULL) : NULL;
        if (as_text)
            a->findings_text = db_text(s, 10) ? xstrdup(db_text(s, 10)) : NULL;
        else if (docs == APP_DOCS_PARSED)
            a->findings = db_text(s, 10) ? json_loads(db_text(s, 10), 0, NULL) : NULL;
        a->submitted_at = db_is_null(s, 11) ? 0 : db_int(s, 11);
        a->created_at = db_int(s, 12);
        a->updated_at = db_int(s, 13);
        a->last_seq = db_int(s, 14);
        a->findings_rev = db_int(s, 15);
        rc = 0;
    }
    db_done(s);
    return rc;
}

/* Loads the head alone (svc_app_head, no document): 0, or -1 when absent or unreadable. */
static int app_load_head(db *d, int64_t id, app_row *a)
{
    memset(a, 0, sizeof *a);
    return svc_app_head(d, id, &a->h) == 0 ? 0 : -1;
}

static int app_load(db *d, int64_t id, app_row *a)
{
    return app_load_as(d, id, a, APP_DOCS_PARSED);
}

/* An enterprise that may see an application is its owner (the one policy, wf_may). */
static bool app_owner(svc_ctx *c, const app_row *a)
{
    return c->actor && strcmp(c->actor->role, "enterprise") == 0 && svc_app_may(c, &a->h, WF_SEE);
}
/* Who may read it: the owner; the district of its district_code once it left draft; the
 * commission; an expert assigned to it (review.h). */
static bool app_visible(svc_ctx *c, const app_row *a)
{
    return svc_app_may(c, &a->h, WF_SEE);
}
/* Loads an application the caller may act on as its owner (404 otherwise). */
static int app_load_own_as(svc_ctx *c, int64_t id, app_row *a, app_docs docs, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    if (app_load_as(c->db, id, a, docs) != 0 || !app_owner(c, a)) {
        app_row_free(a);
        return svc_fail(e, 404, "not_found", "申报不存在");
    }
    return 0;
}

static int app_load_own(svc_ctx *c, int64_t id, app_row *a, svc_err *e)
{
    return app_load_own_as(c, id, a, APP_DOCS_PARSED, e);
}

/* An expert's review on the timeline: the commission sees it whole; an expert not at all (it
 * reads the others' reviews once its own is in); the enterprise and the district see the
 * opinion under "评审专家", never who wrote it or the score, once the commission has decided. */
static bool app_expert_entry(svc_ctx *c, const app_row *a, const char **actor, json_t **reason)
{
    const char *role = c->actor->role;
    if (strcmp(role, "commission") == 0) return true;
    if (strcmp(role, "expert") == 0) return false;
    *actor = "评审专家";
    if (strcmp(a->h.status, "expert_review") == 0) *reason = NULL;
    return true;
}

/* The application's history: its rows of application_timeline (migration 009, written with
 * each audit entry by svc_audit), where consecutive saves by one person are one row (the last
 * save's time, `first_at` the first's, `count` how many), as the pages show them — a draft saved
 * every few seconds would otherwise make every read and every save answer grow with the number
 * of saves so far. Only the entries that can carry a reason (a decision, a return) read their
 * audit row's detail, afterwards. */
/* Actions of an application whose audit detail never holds a reason or an opinion. */
static const char *const APP_NO_REASON[] = {"create", "update", "submit", "withdraw", NULL};

static json_t *app_timeline(svc_ctx *c, const app_row *a)
{
    json_t *t = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT seq, at, actor, action, from_state, to_state, first_at, count "
                          "FROM application_timeline WHERE application_id = ? ORDER BY seq",
                          "i", a->h.id);
    while (db_next(s)) {
        const char *actor = db_text(s, 2), *action = db_text(s, 3);
        bool plain = ent_in(action, APP_NO_REASON);
        json_t *shown = json_true(); /* the reason, unless app_expert_entry hides it */
        if (strcmp(action, "expert_review") == 0 && !app_expert_entry(c, a, &actor, &shown))
            continue;
        json_t *o = json_pack("{s:s,s:s,s:s?,s:s?,s:n}", "actor", actor, "action", action,
                              "from_state", db_text(s, 4), "to_state", db_text(s, 5), "reason");
        ent_set_time(o, "at", db_int(s, 1));
        if (db_int(s, 7) > 1) {
            ent_set_time(o, "first_at", db_int(s, 6));
            json_object_set_new(o, "count", json_integer(db_int(s, 7)));
        }
        if (!plain && shown) json_object_set_new(o, "_seq", json_integer(db_int(s, 0)));
        json_array_append_new(t, o);
    }
    db_done(s);
    size_t i;
    json_t *o;
    json_array_foreach(t, i, o)
    {
        json_t *seq = json_object_get(o, "_seq");
        if (!seq) continue;
        char *text = db_scalar_text(c->db, "SELECT detail FROM audit WHERE seq = ?", "i",
                                    (int64_t)json_integer_value(seq));
        json_t *detail = ent_load_doc(text);
        free(text);
        json_t *reason = json_object_get(detail, "reason");
        if (!json_is_string(reason)) reason = json_object_get(detail, "opinion");
        if (json_is_string(reason)) json_object_set(o, "reason", reason);
        json_decref(detail);
        json_object_del(o, "_seq");
    }
    return t;
}

/* The enterprise's name and USCC as they stand ({name,uscc}; the columns, not the profile). */
static json_t *app_live_enterprise(db *d, int64_t id)
{
    db_stmt *s = db_query(d, "SELECT name, uscc FROM enterprises WHERE id = ?", "i", id);
    json_t *o =
        db_next(s) ? json_pack("{s:s?,s:s?}", "name", db_text(s, 0), "uscc", db_text(s, 1)) : NULL;
    db_done(s);
    return o;
}

/* The project's name, site and class as they stand ({name,site_name,class}): the summary
 * columns (migration 012), or its document where they are not filled yet. */
static json_t *app_live_project(db *d, int64_t id)
{
    db_stmt *s = db_query(d,
                          "SELECT name, site_name, class, CASE WHEN name IS NULL THEN doc END "
                          "FROM projects WHERE id = ?",
                          "i", id);
    json_t *o = NULL;
    if (db_next(s))
        o = db_is_null(s, 0) ? ent_load_doc(db_text(s, 3))
                             : json_pack("{s:s?,s:s?,s:s?}", "name", db_text(s, 0), "site_name",
                                         db_text(s, 1), "class", db_text(s, 2));
    db_done(s);
    return o;
}

/* The application object of API.md. New reference. */
static json_t *app_json(svc_ctx *c, const app_row *a)
{
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)a->h.id, "batch_id",
                          (json_int_t)a->h.batch_id, "project_id", (json_int_t)a->h.project_id,
                          "enterprise_id", (json_int_t)a->h.enterprise_id, "type", a->h.type,
                          "status", a->h.status, "district_code", a->h.district_code);
    const char *k;
    json_t *v;
    json_object_foreach(a->form, k, v) if (!json_object_get(o, k)) json_object_set(o, k, v);
    /* Shared with the row, which the callers free right after: no copy. */
    json_object_set_new(o, "findings",
                        json_is_array(a->findings) ? json_incref(a->findings) : json_array());
    json_object_set_new(o, "timeline", a->timeline ? json_incref(a->timeline) : app_timeline(c, a));
    ent_set_time(o, "submitted_at", a->submitted_at);
    ent_set_time(o, "created_at", a->created_at);
    ent_set_time(o, "updated_at", a->updated_at);
    /* Once submitted, the application shows what it was submitted with. */
    json_t *proj = json_object_get(a->snapshot, "project");
    json_t *ent = json_object_get(a->snapshot, "enterprise");
    json_t *live_p = proj              ? NULL
                     : a->live_project ? json_incref(a->live_project)
                                       : app_live_project(c->db, a->h.project_id);
    json_t *live_e = ent                  ? NULL
                     : a->live_enterprise ? json_incref(a->live_enterprise)
                                          : app_live_enterprise(c->db, a->h.enterprise_id);
    if (!proj) proj = live_p;
    if (!ent) ent = live_e;
    json_object_set_new(o, "project",
                        json_pack("{s:I,s:O?,s:O?,s:O?}", "id", (json_int_t)a->h.project_id, "name",
                                  json_object_get(proj, "name"), "site_name",
                                  json_object_get(proj, "site_name"), "class",
                                  json_object_get(proj, "class")));
    json_object_set_new(o, "enterprise",
                        json_pack("{s:I,s:O?,s:O?}", "id", (json_int_t)a->h.enterprise_id, "name",
                                  json_object_get(ent, "name"), "uscc",
                                  json_object_get(ent, "uscc")));
    json_decref(live_p);
    json_decref(live_e);
    return o;
}

/* Re-reads application `id` into its API object (after a commit). */
static json_t *app_json_by_id(svc_ctx *c, int64_t id)
{
    app_row a;
    if (app_load(c->db, id, &a) != 0) return json_null();
    json_t *o = app_json(c, &a);
    app_row_free(&a);
    return o;
}

static bool att_listed(const json_t *ids, int64_t att)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (json_integer_value(v) == att) return true;
    return false;
}

/* True when attachment `att` of enterprise `enterprise_id` belongs to an application the
 * caller may read: named in its form, or as the approval proof of its project (as submitted,
 * or as it stands while there is no snapshot). */
bool ent_att_in_visible_app(svc_ctx *c, int64_t att, int64_t enterprise_id)
{
    json_t *ids = json_array();
    db_stmt *s =
        db_query(c->db, "SELECT id FROM applications WHERE enterprise_id = ?", "i", enterprise_id);
    while (db_next(s))
        json_array_append_new(ids, json_integer(db_int(s, 0)));
    db_done(s);
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        app_row a;
        if (app_load(c->db, json_integer_value(v), &a) != 0) continue;
        if (app_visible(c, &a)) {
            json_t *proj = json_object_get(a.snapshot, "project");
            json_t *live = proj ? NULL : ent_proj_load(c->db, a.h.project_id, 0);
            found = att_listed(json_object_get(a.form, "attachment_ids"), att) ||
                    att_listed(json_object_get(proj ? proj : live, "approval_attachment_ids"), att);
            json_decref(live);
        }
        app_row_free(&a);
        if (found) break;
    }
    json_decref(ids);
    return found;
}

/* ---------------------------------------------------------------- applications: pre-check */

/* `smip check` on an enterprise the database does not know: there is no assessment to look at,
 * so A1 is reported as not checked (a warning) instead of failing a file-only pre-check. */
static void app_a1_unknown(json_t *findings)
{
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        const char *rule = json_string_value(json_object_get(f, "rule"));
        if (!rule || strcmp(rule, "A1") != 0) continue;
        json_object_set_new(f, "severity", json_string("warning"));
        json_object_set_new(f, "actual", json_string("未核对"));
        json_object_set_new(f, "message",
                            json_string("平台中没有该统一社会信用代码的企业，无法核对能力测评；"
                                        "提交申报时须已完成智能制造能力测评"));
    }
}

/* The pre-check of svc_precheck_documents under the rules and times in `rc` (filled by the
 * caller), the batch given by its id for E4. */
static json_t *app_precheck_under(svc_ctx *c, rules_ctx *rc, int64_t batch_id,
                                  const json_t *enterprise, const json_t *project,
                                  const json_t *application, int64_t application_id,
                                  bool resubmission)
{
    /* A batch may name the districts taking part; otherwise all of them. */
    const json_t *own = json_object_get(rc->rules, "districts");
    json_t *districts = json_is_array(own) ? json_incref((json_t *)own) : svc_districts(c->db);
    const char *uscc = json_string_value(json_object_get(enterprise, "uscc"));
    char norm[USCC_LEN + 1] = "";
    if (uscc && uscc_normalize(uscc, norm, NULL, 0) == 0) uscc = norm;
    if (!uscc) uscc = "";

    json_t *prior = json_array();
    db_stmt *s = db_query(c->db,
                          "SELECT year, type, uscc, site_name, included_workshops FROM "
                          "legacy_certificates WHERE uscc = ? ORDER BY year, id",
                          "t", uscc);
    while (db_next(s)) {
        json_t *ws = json_array();
        char *list = xstrdup(db_text(s, 4) ? db_text(s, 4) : ""), *save = NULL;
        for (char *w = strtok_r(list, ";", &save); w; w = strtok_r(NULL, ";", &save))
            if (*w) json_array_append_new(ws, json_string(w));
        free(list);
        json_array_append_new(prior,
                              json_pack("{s:I,s:s,s:s,s:s,s:o}", "year", (json_int_t)db_int(s, 0),
                                        "type", db_text(s, 1), "uscc", db_text(s, 2), "site_name",
                                        db_text(s, 3), "included_workshops", ws));
    }
    db_done(s);
    /* The certificates smip issued itself count as much as imported ones: E5 names years, not
     * systems. A later revocation does not undo the certification of that year. */
    s = db_query(c->db,
                 "SELECT year, type, uscc, site_name FROM certificates WHERE uscc = ? "
                 "ORDER BY year, id",
                 "t", uscc);
    while (db_next(s))
        json_array_append_new(prior,
                              json_pack("{s:I,s:s,s:s,s:s,s:[]}", "year", (json_int_t)db_int(s, 0),
                                        "type", db_text(s, 1), "uscc", db_text(s, 2), "site_name",
                                        db_text(s, 3), "included_workshops"));
    db_done(s);

    rc->now = c->now;
    rc->districts = districts;
    rc->factory_modes = svc_factory_modes_shared();
    rc->enterprise = enterprise;
    rc->project = project;
    rc->application = application;
    rc->resubmission = resubmission;
    rc->other_applications = (int)db_scalar_int(c->db, 0,
                                                "SELECT count(*) FROM applications WHERE "
                                                "batch_id = ? AND uscc = ? AND id <> ? AND "
                                                "status <> 'draft'",
                                                "iti", batch_id, uscc, application_id);
    rc->prior_certificates = prior;
    /* A1: any completed assessment of the enterprise, whatever the model version. */
    json_t *eid = json_object_get(enterprise, "id");
    bool known = false;
    rc->assessment_done =
        svc_asm_done(c->db, json_is_integer(eid) ? json_integer_value(eid) : 0, uscc, &known);
    json_t *f = rules_precheck(rc);
    if (!json_is_array(f)) {
        json_decref(f);
        f = json_array();
    }
    if (!known) app_a1_unknown(f);
    json_decref(districts);
    json_decref(prior);
    return f;
}

int svc_precheck_documents(svc_ctx *c, int64_t batch_id, const json_t *enterprise,
                           const json_t *project, const json_t *application, int64_t application_id,
                           bool resubmission, json_t **findings, svc_err *e)
{
    *findings = NULL;
    rules_ctx rc;
    memset(&rc, 0, sizeof rc);
    json_t *rules =
        svc_batch_rules(c->db, batch_id, &rc.opens_at, &rc.closes_at, &rc.district_deadline);
    if (!rules) return svc_fail(e, 404, "not_found", "申报批次 %lld 不存在", (long long)batch_id);
    rc.rules = rules;
    *findings = app_precheck_under(c, &rc, batch_id, enterprise, project, application,
                                   application_id, resubmission);
    json_decref(rules);
    return 0;
}

int svc_app_precheck_preview(svc_ctx *c, int64_t id, const json_t *rules, int64_t opens_at,
                             int64_t closes_at, int64_t district_deadline, json_t **findings,
                             svc_err *e)
{
    *findings = NULL;
    if (svc_need_role(c, "commission", e) != 0) return -1;
    app_row a;
    if (app_load(c->db, id, &a) != 0)
        return svc_fail(e, 404, "not_found", "申报 %lld 不存在", (long long)id);
    rules_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.rules = rules;
    rc.opens_at = opens_at;
    rc.closes_at = closes_at;
    rc.district_deadline = district_deadline;
    json_t *ent = ent_profile(c->db, a.h.enterprise_id);
    if (!ent) ent = json_object();
    json_t *proj = ent_proj_load(c->db, a.h.project_id, 0);
    json_t *pdoc = proj ? ent_proj_doc(proj) : json_object();
    json_t *form = json_deep_copy(a.form);
    json_object_set_new(form, "type", json_string(a.h.type));
    *findings = app_precheck_under(c, &rc, a.h.batch_id, ent, pdoc, form, a.h.id,
                                   strcmp(a.h.status, "returned") == 0);
    json_decref(ent);
    json_decref(proj);
    json_decref(pdoc);
    json_decref(form);
    app_row_free(&a);
    return 0;
}

/* Runs the pre-check over what the database holds for application `a`. New reference, or
 * NULL (e filled) when the batch is gone. */
static json_t *app_precheck(svc_ctx *c, const app_row *a, svc_err *e)
{
    json_t *ent = ent_profile(c->db, a->h.enterprise_id);
    if (!ent) ent = json_object();
    json_t *proj = ent_proj_load(c->db, a->h.project_id, 0);
    json_t *pdoc = proj ? ent_proj_doc(proj) : json_object();
    json_t *form = json_deep_copy(a->form);
    json_object_set_new(form, "type", json_string(a->h.type));
    json_t *findings = NULL;
    svc_precheck_documents(c, a->h.batch_id, ent, pdoc, form, a->h.id,
                           strcmp(a->h.status, "returned") == 0, &findings, e);
    json_decref(ent);
    json_decref(proj);
    json_decref(pdoc);
    json_decref(form);
    return findings;
}

/* The database's own E4 guard refused the submit (a race lost to another submit of the same
 * USCC): the E4 finding turns into a failure. */
static void app_e4_lost(json_t *findings)
{
    json_t *f = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(findings, i, v)
    {
        const char *rule = json_string_value(json_object_get(v, "rule"));
        if (rule && strcmp(rule, "E4") == 0) {
            f = v;
            break;
        }
    }
    if (!f) {
        f = json_pack("{s:s,s:s,s:s}", "rule", "E4", "condition", "one_per_entity", "required",
                      "同一法人单位每批次限报 1 个");
        json_array_append_new(findings, f);
    }
    json_object_set_new(f, "ok", json_false());
    json_object_set_new(f, "severity", json_string("error"));
    json_object_set_new(f, "actual", json_string("本批次已有 1 个已提交的申报"));
    json_object_set_new(f, "message",
                        json_string("同一统一社会信用代码在本批次已有申报提交，"
                                    "同一法人单位每批次只能申报 1 个"));
}

/* ---------------------------------------------------------------- applications: use cases */

/* The names of a row that has no snap_* columns: a draft shows the enterprise and project as
 * they are now; a row submitted before migration 004 shows its snapshot's. One point read per
 * such row: they are an enterprise's own drafts, never a district's queue. The strings are
 * copied into `keep`, which the caller frees after the row is visited. */
static void app_row_live_names(db *d, svc_app_summary *row, int64_t enterprise_id, json_t *keep)
{
    json_t *snap = NULL;
    /* A draft has no snapshot (withdraw clears it): only a row submitted before 004 has one. */
    char *text =
        row->status && strcmp(row->status, "draft") == 0
            ? NULL
            : db_scalar_text(d, "SELECT snapshot FROM applications WHERE id = ?", "i", row->id);
    if (text) snap = json_loads(text, 0, NULL);
    free(text);
    json_t *sp = json_object_get(snap, "project"), *se = json_object_get(snap, "enterprise");
    if (json_is_object(sp)) {
        json_object_set(keep, "project_name", json_object_get(sp, "name"));
        json_object_set(keep, "site_name", json_object_get(sp, "site_name"));
        json_object_set(keep, "enterprise_name", json_object_get(se, "name"));
    } else {
        db_stmt *s = db_query(d,
                              "SELECT e.name, e.uscc, p.name, p.site_name, CASE WHEN p.name IS "
                              "NULL THEN p.doc END FROM enterprises e, projects p "
                              "WHERE e.id = ? AND p.id = ?",
                              "ii", enterprise_id, row->project_id);
        if (db_next(s)) {
            json_t *doc = db_is_null(s, 2) ? ent_load_doc(db_text(s, 4))
                                           : json_pack("{s:s?,s:s?}", "name", db_text(s, 2),
                                                       "site_name", db_text(s, 3));
            json_object_set_new(keep, "enterprise_name", json_string(db_text(s, 0)));
            if (db_text(s, 1)) json_object_set_new(keep, "uscc", json_string(db_text(s, 1)));
            json_object_set(keep, "project_name", json_object_get(doc, "name"));
            json_object_set(keep, "site_name", json_object_get(doc, "site_name"));
            json_decref(doc);
        }
        db_done(s);
    }
    json_decref(snap);
    const char *v;
    if ((v = json_string_value(json_object_get(keep, "enterprise_name")))) row->enterprise_name = v;
    if ((v = json_string_value(json_object_get(keep, "uscc")))) row->uscc = v;
    row->project_name = json_string_value(json_object_get(keep, "project_name"));
    row->site_name = json_string_value(json_object_get(keep, "site_name"));
}

/* The district deadline of a row's batch: rows of one list come from one or two batches, so the
 * last one read is remembered. */
typedef struct app_deadline_memo {
    int64_t batch_id, deadline;
} app_deadline_memo;

static int64_t app_district_deadline(db *d, app_deadline_memo *m, int64_t batch_id)
{
    if (m->batch_id == batch_id) return m->deadline;
    m->batch_id = batch_id;
    m->deadline =
        db_scalar_int(d, 0, "SELECT district_deadline FROM batches WHERE id = ?", "i", batch_id);
    return m->deadline;
}

/* One statement per scope, so that each is answered from its own index in the order of the list
 * (migration 004) instead of a scan: an enterprise's applications, a district's queue (both from
 * covering indexes: no row is read), the commission's everything, an expert's assignments. The
 * optional filters only narrow the rows the index gives. */
#define APP_LIST_COLS                                                                              \
    "SELECT a.id, a.batch_id, a.project_id, a.type, a.status, a.district_code, a.submitted_at, "   \
    "a.updated_at, a.snap_enterprise_name, a.snap_project_name, a.snap_site_name, a.uscc, "        \
    "a.enterprise_id FROM applications a "
#define APP_LIST_FILTERS                                                                           \
    "AND (CAST(? AS BIGINT) = 0 OR a.batch_id = ?) AND (CAST(? AS TEXT) IS NULL OR a.status = ?) " \
    "AND (CAST(? AS TEXT) IS NULL OR a.district_code = ?) "
#define APP_LIST_ORDER "ORDER BY a.updated_at DESC, a.id DESC LIMIT ? OFFSET ?"
/* From the expert's assignments to the rows (an EXISTS per application walked every row of the
 * table for an expert with none). */
#define APP_EXPERT_SCOPE                                                                           \
    "a.id IN (SELECT s.application_id FROM assignments s WHERE s.expert_id = ?) "
#define APP_FILTER_ARGS                                                                            \
    f->batch_id, f->batch_id, f->status, f->status, f->district_code, f->district_code

static db_stmt *app_list_query(svc_ctx *c, const svc_app_filter *f)
{
    const svc_actor *act = c->actor;
    if (strcmp(act->role, "enterprise") == 0 && act->enterprise_id > 0)
        return db_query(c->db,
                        APP_LIST_COLS "WHERE a.enterprise_id = ? " APP_LIST_FILTERS APP_LIST_ORDER,
                        "iiittttii", act->enterprise_id, APP_FILTER_ARGS, f->limit, f->offset);
    if (strcmp(act->role, "district") == 0 && act->district_code[0])
        return db_query(
            c->db,
            APP_LIST_COLS
            "WHERE a.district_code = ? AND a.status <> 'draft' " APP_LIST_FILTERS APP_LIST_ORDER,
            "tiittttii", act->district_code, APP_FILTER_ARGS, f->limit, f->offset);
    if (strcmp(act->role, "commission") == 0)
        return db_query(c->db, APP_LIST_COLS "WHERE 1 = 1 " APP_LIST_FILTERS APP_LIST_ORDER,
                        "iittttii", APP_FILTER_ARGS, f->limit, f->offset);
    if (strcmp(act->role, "expert") == 0)
        return db_query(c->db,
                        APP_LIST_COLS "WHERE " APP_EXPERT_SCOPE APP_LIST_FILTERS APP_LIST_ORDER,
                        "iiittttii", act->id, APP_FILTER_ARGS, f->limit, f->offset);
    return NULL; /* other roles see none here */
}

static int64_t app_list_count(svc_ctx *c, const svc_app_filter *f)
{
    const svc_actor *act = c->actor;
    if (strcmp(act->role, "enterprise") == 0)
        return db_scalar_int(
            c->db, 0,
            "SELECT count(*) FROM applications a WHERE a.enterprise_id = ? " APP_LIST_FILTERS,
            "iiitttt", act->enterprise_id, APP_FILTER_ARGS);
    if (strcmp(act->role, "district") == 0)
        return db_scalar_int(c->db, 0,
                             "SELECT count(*) FROM applications a WHERE a.district_code = ? "
                             "AND a.status <> 'draft' " APP_LIST_FILTERS,
                             "tiitttt", act->district_code, APP_FILTER_ARGS);
    if (strcmp(act->role, "expert") == 0)
        return db_scalar_int(
            c->db, 0,
            "SELECT count(*) FROM applications a WHERE " APP_EXPERT_SCOPE APP_LIST_FILTERS,
            "iiitttt", act->id, APP_FILTER_ARGS);
    return db_scalar_int(c->db, 0,
                         "SELECT count(*) FROM applications a WHERE 1 = 1 " APP_LIST_FILTERS,
                         "iitttt", APP_FILTER_ARGS);
}
#undef APP_LIST_COLS
#undef APP_LIST_FILTERS
#undef APP_LIST_ORDER
#undef APP_EXPERT_SCOPE
#undef APP_FILTER_ARGS

int svc_applications_each(svc_ctx *c, const svc_app_filter *f, svc_app_visit visit, void *arg,
                          int64_t *total, svc_err *e)
{
    if (f->status && !ent_in(f->status, APP_STATES))
        return ent_fail1(e, "status", "不是已知的申报状态");
    db_stmt *s = app_list_query(c, f);
    int64_t n = 0;
    app_deadline_memo memo = {0};
    while (s && db_next(s)) {
        /* Columns in APP_LIST_COLS order. Its names are the ones it was submitted with (the
         * snap_* columns, set with the snapshot), else the live ones. */
        svc_app_summary row = {.id = db_int(s, 0),
                               .batch_id = db_int(s, 1),
                               .project_id = db_int(s, 2),
                               .type = db_text(s, 3),
                               .status = db_text(s, 4),
                               .district_code = db_text(s, 5),
                               .submitted_at = db_is_null(s, 6) ? 0 : db_int(s, 6),
                               .updated_at = db_int(s, 7),
                               .enterprise_name = db_text(s, 8),
                               .project_name = db_text(s, 9),
                               .site_name = db_text(s, 10),
                               .uscc = db_text(s, 11)};
        json_t *keep = NULL;
        if (db_is_null(s, 9)) {
            keep = json_object();
            app_row_live_names(c->db, &row, db_int(s, 12), keep);
        }
        /* The district's countdown: still waiting for the district at its deadline. */
        row.district_deadline = app_district_deadline(c->db, &memo, row.batch_id);
        row.overdue =
            row.status && strcmp(row.status, "submitted") == 0 && c->now >= row.district_deadline;
        visit(&row, arg);
        json_decref(keep);
        n++;
    }
    if (s) db_done(s);
    if (!total) return 0;
    /* A first page that is not full already is the whole list: no count needed. */
    if (!s)
        *total = 0;
    else if (f->offset == 0 && n < f->limit)
        *total = n;
    else
        *total = app_list_count(c, f);
    return 0;
}

/* The API's list item of a summary row. */
static void app_list_item(const svc_app_summary *row, void *arg)
{
    svc_ctx *c = ((void **)arg)[0];
    json_t *items = ((void **)arg)[1];
    json_t *o =
        json_pack("{s:I,s:I,s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "id", (json_int_t)row->id,
                  "batch_id", (json_int_t)row->batch_id, "project_id", (json_int_t)row->project_id,
                  "type", row->type, "status", row->status, "enterprise_name", row->enterprise_name,
                  "project_name", row->project_name, "district_code", row->district_code,
                  "site_name", row->site_name, "uscc", row->uscc);
    if (!row->project_name) json_object_set_new(o, "project_name", json_null());
    if (!row->site_name) json_object_set_new(o, "site_name", json_null());
    if (!row->uscc) json_object_set_new(o, "uscc", json_null());
    if (!row->enterprise_name) json_object_set_new(o, "enterprise_name", json_null());
    ent_set_time(o, "submitted_at", row->submitted_at);
    ent_set_time(o, "updated_at", row->updated_at);
    ent_set_time(o, "district_deadline", row->district_deadline);
    int64_t left = row->district_deadline > c->now ? row->district_deadline - c->now : 0;
    json_object_set_new(o, "district_seconds_left", json_integer(left));
    json_object_set_new(o, "overdue", json_boolean(row->overdue));
    json_array_append_new(items, o);
}

int svc_applications_list(svc_ctx *c, const svc_app_filter *f, json_t **out, svc_err *e)
{
    json_t *items = json_array();
    void *arg[2] = {c, items};
    int64_t total = 0;
    if (svc_applications_each(c, f, app_list_item, arg, &total, e) != 0) {
        json_decref(items);
        return -1;
    }
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

/* A positive integer id field of a create body; records the reason otherwise. */
static int64_t app_id_field(const json_t *in, const char *key, const char *label, json_t *errors)
{
    json_t *v = json_object_get(in, key);
    if (json_is_integer(v) && json_integer_value(v) > 0) return json_integer_value(v);
    char *m = xasprintf(v ? "%s应为正整数编号" : "%s必填", label);
    json_object_set_new(errors, key, json_string(m));
    free(m);
    return 0;
}

/* KPI `before` values must be > 0 (API.md): the improvement is relative to them. The types
 * and places are core's check; this adds the sign. */
static void app_check_kpis(const json_t *patch, json_t *errors)
{
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(patch, "kpis"), k, v)
    {
        const char *before = json_string_value(json_object_get(v, "before"));
        int64_t x;
        char *path = xasprintf("kpis.%s.before", k);
        if (before && dec_parse(before, &x) == 0 && x <= 0 && !json_object_get(errors, path))
            json_object_set_new(errors, path, json_string("改造前数值须大于 0"));
        free(path);
    }
}

/* The rules of batch `id` (a new reference to the shared, read-only tree), or NULL when there
 * is no such batch. */
static json_t *app_batch_rules(db *d, int64_t id)
{
    return svc_batch_rules(d, id, NULL, NULL, NULL);
}

int svc_app_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    if (ent_need_enterprise(c, e) != 0) return -1;
    int64_t eid = c->actor->enterprise_id, id = 0;
    json_t *errors = json_object(), *form = json_object(), *rules = NULL, *proj = NULL;
    char *text = NULL;
    int rc = -1;
    int64_t batch_id = app_id_field(in, "batch_id", "申报批次", errors);
    int64_t project_id = app_id_field(in, "project_id", "改造项目", errors);
    const char *type = json_string_value(json_object_get(in, "type"));
    if (!ent_in(type, APP_TYPES))
        json_object_set_new(
            errors, "type",
            json_string("申报类型应为 workshop（数字化车间）或 factory（智能工厂）"));
    if (svc_begin(c, e) != 0) goto out;
    /* Objects named in the body answer 404 before the body's other faults (API.md order). */
    if (batch_id && !(rules = app_batch_rules(c->db, batch_id))) {
        svc_fail(e, 404, "not_found", "申报批次 %lld 不存在", (long long)batch_id);
        goto fail;
    }
    if (project_id && !(proj = ent_proj_load(c->db, project_id, eid))) {
        svc_fail(e, 404, "not_found", "项目 %lld 不存在", (long long)project_id);
        goto fail;
    }
    /* Any other key is a first piece of the form, checked like a PUT. */
    json_t *patch = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v) if (strcmp(k, "batch_id") && strcmp(k, "project_id") &&
                                                strcmp(k, "type")) json_object_set(patch, k, v);
    rules_validate_form_for(patch, rules, svc_factory_modes_shared(), errors);
    app_check_kpis(patch, errors);
    ent_check_attachments(c, json_object_get(patch, "attachment_ids"), "attachment_ids", errors);
    merge_patch(form, patch);
    json_decref(patch);
    if (json_object_size(errors) > 0) {
        svc_fail_fields(e, errors);
        errors = NULL;
        goto fail;
    }
    char *uscc = db_scalar_text(c->db, "SELECT uscc FROM enterprises WHERE id = ?", "i", eid);
    char *dc = ent_district(c->db, eid);
    text = ent_dump(form);
    id = db_insert(c->db,
                   "INSERT INTO applications (batch_id, enterprise_id, project_id, uscc, "
                   "district_code, type, status, form, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
                   "iiittttii", batch_id, eid, project_id, uscc ? uscc : "", dc ? dc : "", type,
                   text, c->now, c->now);
    free(uscc);
    free(dc);
    json_t *detail = json_pack("{s:I,s:I,s:s}", "batch_id", (json_int_t)batch_id, "project_id",
                               (json_int_t)project_id, "type", type);
    int64_t seq = id > 0 ? svc_audit(c, "application", id, "create", NULL, "draft", detail) : -1;
    json_decref(detail);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) goto fail;
    *out = app_json_by_id(c, id);
    rc = 0;
    goto out;
fail:
    db_rollback(c->db);
out:
    free(text);
    json_decref(errors);
    json_decref(form);
    json_decref(rules);
    json_decref(proj);
    return rc;
}

int svc_app_check_visible(svc_ctx *c, int64_t id, svc_err *e)
{
    /* The route's loader runs this before every request on an application: no documents. */
    app_row a;
    if (app_load_head(c->db, id, &a) != 0 || !app_visible(c, &a))
        return svc_fail(e, 404, "not_found", "申报不存在");
    return 0;
}

int svc_app_scopes(svc_ctx *c, int64_t id, svc_scope scopes[SVC_APP_SCOPES], char *viewer,
                   svc_err *e)
{
    app_row a;
    if (app_load_head(c->db, id, &a) != 0 || !app_visible(c, &a))
        return svc_fail(e, 404, "not_found", "申报不存在");
    /* Its own row, its project, its enterprise and its check count up the enterprise's
     * generation; its batch's deadlines and rules the batch's (the batch's own row: other
     * applications of the batch do not count it); the names of accounts (experts) the global
     * one. */
    scopes[0] = (svc_scope){SVC_SCOPE_ENTERPRISE, a.h.enterprise_id};
    scopes[1] = (svc_scope){SVC_SCOPE_BATCH, a.h.batch_id};
    scopes[2] = (svc_scope){SVC_SCOPE_GLOBAL, 0};
    /* The one part of the text that depends on who reads it (app_expert_entry). */
    const char *role = c->actor->role;
    *viewer = strcmp(role, "commission") == 0 ? 'c' : strcmp(role, "expert") == 0 ? 'x' : 'o';
    return 0;
}

/* The API text of `a`, loaded as text. */
static char *app_text(svc_ctx *c, app_row *a)
{
    /* The stored form's members and findings (4 KB) are JSON as they were written (compact, by
     * ent_dump) and go into the text as they are: parsing and dumping them again was most of the
     * cost of this answer. The form never holds a key of the object around it (validation
     * refuses any key outside the form's schema), so the members can follow the others. */
    json_t *o = app_json(c, a);
    json_object_del(o, "findings");
    char *head = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    const char *f = a->findings_text && a->findings_text[0] == '[' ? a->findings_text : "[]";
    const char *form = a->form_text;
    size_t hn = strlen(head), fn = strlen(f), mn = strlen(form);
    bool members = mn > 2 && form[0] == '{' && form[mn - 1] == '}';
    mn = members ? mn - 2 : 0;
    char *t = xmalloc(hn + mn + fn + sizeof ",,\"findings\":}");
    size_t n = hn - 1; /* without the closing brace */
    memcpy(t, head, n);
    if (mn) {
        if (n > 1) t[n++] = ',';
        memcpy(t + n, form + 1, mn);
        n += mn;
    }
    if (n > 1) t[n++] = ',';
    memcpy(t + n, "\"findings\":", 11);
    n += 11;
    memcpy(t + n, f, fn);
    n += fn;
    t[n++] = '}';
    t[n] = '\0';
    free(head);
    return t;
}

int svc_app_get_text(svc_ctx *c, int64_t id, char **out, svc_err *e)
{
    app_row a;
    if (app_load_as(c->db, id, &a, APP_DOCS_TEXT) != 0 || !app_visible(c, &a)) {
        app_row_free(&a);
        return svc_fail(e, 404, "not_found", "申报不存在");
    }
    *out = app_text(c, &a);
    app_row_free(&a);
    return 0;
}

int svc_app_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    app_row a;
    if (app_load(c->db, id, &a) != 0 || !app_visible(c, &a)) {
        app_row_free(&a);
        return svc_fail(e, 404, "not_found", "申报不存在");
    }
    *out = app_json(c, &a);
    app_row_free(&a);
    return 0;
}

static bool app_editable(const app_row *a)
{
    return wf_enterprise_editable(a->h.state);
}
/* True when the patch names a key of the application object that is no form field. */
/* The form of application `id` as it stands with `patch` merged in (new text), or NULL when
 * there is no such row. */
static char *app_merged_form(db *d, int64_t id, const json_t *patch)
{
    db_stmt *s = db_query(d, "SELECT form FROM applications WHERE id = ?", "i", id);
    char *text = db_next(s) ? merge_text(db_text(s, 0), patch) : NULL;
    db_done(s);
    return text;
}

/* The parts of a row a save may find changed under the lock: the state, the last audit entry,
 * the last check's findings (stored without an audit entry; read again only when their
 * revision moved: ~4 KB under the lock) and the enterprise's USCC and district (copied to its
 * applications when they change). 0, or -1 when the row is gone. */
static int app_reload_head(db *d, app_row *a)
{
    db_stmt *s = db_query(d,
                          "SELECT a.status, a.last_audit_seq, a.uscc, a.district_code, "
                          "coalesce(f.revision, -1) FROM applications a LEFT JOIN "
                          "application_findings f ON f.application_id = a.id WHERE a.id = ?",
                          "i", a->h.id);
    int rc = -1;
    int64_t rev = a->findings_rev;
    if (db_next(s)) {
        snprintf(a->h.status, sizeof a->h.status, "%s", db_text(s, 0));
        if (wf_state_parse(a->h.status, &a->h.state) != 0) a->h.state = WF_STATE_COUNT;
        a->last_seq = db_int(s, 1);
        snprintf(a->h.uscc, sizeof a->h.uscc, "%s", db_text(s, 2));
        snprintf(a->h.district_code, sizeof a->h.district_code, "%s", db_text(s, 3));
        rev = db_int(s, 4);
        rc = 0;
    }
    db_done(s);
    if (rc != 0 || rev == a->findings_rev) return rc;
    free(a->findings_text);
    a->findings_text = db_scalar_text(
        d, "SELECT findings FROM application_findings WHERE application_id = ?", "i", a->h.id);
    a->findings_rev = rev;
    return 0;
}

/* Saves `patch` into application `id` as its owner; on success *a is the application as this
 * save committed it (loaded as text, with its timeline), so that the answer needs no second
 * read — or, when there was nothing to save or another change came in between, a->timeline is
 * NULL and the answer must be read.
 * Everything that needs no lock runs before db_begin — the one read of the row, the rules
 * (cached), the body's validation and the merge — so the write lock is held only for the
 * state check, the writes and the timeline as committed. */
static int app_put(svc_ctx *c, int64_t id, const json_t *patch, app_row *a, svc_err *e)
{
    json_t *cur = NULL, *fpatch = json_object(), *errors = json_object(), *rules = NULL;
    char *text = NULL;
    int rc = -1;
    if (ent_need_enterprise(c, e) != 0) goto out;
    if (app_load_as(c->db, id, a, APP_DOCS_TEXT) != 0 || !app_owner(c, a)) {
        svc_fail(e, 404, "not_found", "申报不存在");
        goto out;
    }
    /* Keys of the application object may come back unchanged (a GET sent back); changing
     * them is refused. Everything else is the form. Only an echo needs the object itself. */
    if (svc_has_any(patch, APP_READONLY)) cur = app_json_by_id(c, id);
    json_decref(fpatch);
    fpatch = svc_writable(patch, APP_READONLY, cur, errors);
    rules = app_batch_rules(c->db, a->h.batch_id);
    rules_validate_form_for(fpatch, rules, svc_factory_modes_shared(), errors);
    app_check_kpis(fpatch, errors);
    if (json_object_size(errors) > 0) {
        svc_fail_fields(e, errors);
        errors = NULL;
        goto out;
    }
    bool changes = json_object_size(fpatch) > 0;
    /* The merge is done before the lock, on the form as last committed; under the lock the row's
     * last audit entry says whether that is still the form (every change of a form is audited),
     * else it is done again there. The write lock is what every save of the platform queues
     * for. The project and the enterprise named in the answer are read here too: they are
     * other objects, as they stood when the save began. */
    int64_t seen = a->last_seq;
    if (changes) text = merge_text(a->form_text, fpatch);
    if (!json_object_get(a->snapshot, "project"))
        a->live_project = app_live_project(c->db, a->h.project_id);
    if (!json_object_get(a->snapshot, "enterprise"))
        a->live_enterprise = app_live_enterprise(c->db, a->h.enterprise_id);
    if (svc_begin(c, e) != 0) goto out;
    if (app_reload_head(c->db, a) != 0) {
        svc_fail(e, 404, "not_found", "申报不存在");
        goto fail;
    }
    /* Changed since the read (a rare race): the answer is read back after the commit instead,
     * since a submission's snapshot and times may have changed with it. */
    bool raced = a->last_seq != seen;
    if (changes && raced) {
        free(text);
        text = app_merged_form(c->db, id, fpatch);
    }
    ent_check_attachments(c, json_object_get(fpatch, "attachment_ids"), "attachment_ids", errors);
    if (json_object_size(errors) > 0) {
        svc_fail_fields(e, errors);
        errors = NULL;
        goto fail;
    }
    if (!app_editable(a)) {
        svc_fail(e, 409, "wrong_state", "申报当前状态为“%s”，只有草稿或退回修改的申报可以编辑",
                 wf_state_label(a->h.state));
        goto fail;
    }
    if (!changes) { /* nothing to save */
        db_rollback(c->db);
        rc = 0;
        goto out;
    }
    json_t *detail = json_pack("{s:o}", "fields", ent_keys(fpatch));
    /* One update of the row: its form, time and last audit entry together. */
    int64_t seq =
        svc_audit_headless(c, "application", id, "update", a->h.status, a->h.status, detail);
    json_decref(detail);
    if (seq < 0 || !text ||
        db_exec(c->db,
                "UPDATE applications SET form = ?, updated_at = ?, last_audit_seq = ? WHERE id = ?",
                "tiii", text, c->now, seq, id) != 0) {
        svc_commit(c, -1, e);
        goto fail;
    }
    /* The timeline as this save leaves it, read on the writer whose pages are warm. */
    if (!raced) a->timeline = app_timeline(c, a);
    if (svc_commit(c, 0, e) != 0) goto fail;
    free(a->form_text);
    a->form_text = text;
    text = NULL;
    a->updated_at = c->now;
    a->last_seq = seq;
    rc = 0;
    goto out;
fail:
    db_rollback(c->db);
out:
    free(text);
    json_decref(cur);
    json_decref(fpatch);
    json_decref(errors);
    json_decref(rules);
    return rc;
}

int svc_app_put(svc_ctx *c, int64_t id, const json_t *patch, json_t **out, svc_err *e)
{
    app_row a = {0};
    int rc = app_put(c, id, patch, &a, e);
    if (rc == 0 && out) *out = app_json_by_id(c, id);
    app_row_free(&a);
    return rc;
}

int svc_app_put_text(svc_ctx *c, int64_t id, const json_t *patch, char **out, svc_err *e)
{
    app_row a = {0};
    int rc = app_put(c, id, patch, &a, e);
    *out = rc == 0 && a.timeline ? app_text(c, &a) : NULL;
    app_row_free(&a);
    if (rc == 0 && !*out) return svc_app_get_text(c, id, out, e);
    return rc;
}

/* Stores findings' text as the last check of application a (inside the caller's transaction).
 * A check is not audited, so it marks its enterprise's pages stale itself. */
static int app_store_text(svc_ctx *c, const app_row *a, const char *t)
{
    /* Beside the row (migration 010): storing them rewrites only their own record. */
    if (db_exec(c->db,
                "INSERT INTO application_findings (application_id, findings, revision) "
                "VALUES (?, ?, 1) ON CONFLICT (application_id) DO UPDATE SET findings = "
                "excluded.findings, revision = application_findings.revision + 1",
                "it", a->h.id, t) != 0)
        return -1;
    return svc_gen_bump(c, (svc_scope){SVC_SCOPE_ENTERPRISE, a->h.enterprise_id});
}

static int app_store_findings(svc_ctx *c, const app_row *a, const json_t *findings)
{
    char *t = ent_dump(findings);
    int rc = app_store_text(c, a, t);
    free(t);
    return rc;
}

/* The pre-check: the findings computed and stored; *text (if not NULL) the stored text of
 * them. 0, or -1 with e. */
static int app_check(svc_ctx *c, int64_t id, json_t **findings, char **text, svc_err *e)
{
    app_row a = {0};
    *findings = NULL;
    if (svc_begin(c, e) != 0) return -1;
    if (app_load_own_as(c, id, &a, APP_DOCS_FORM, e) != 0) goto fail;
    *findings = app_precheck(c, &a, e);
    if (!*findings) goto fail;
    char *t = ent_dump(*findings);
    if (svc_commit(c, app_store_text(c, &a, t), e) != 0) {
        free(t);
        json_decref(*findings);
        *findings = NULL;
        goto fail;
    }
    if (text)
        *text = t;
    else
        free(t);
    app_row_free(&a);
    return 0;
fail:
    db_rollback(c->db);
    app_row_free(&a);
    return -1;
}

int svc_app_check(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    json_t *findings;
    if (app_check(c, id, &findings, NULL, e) != 0) return -1;
    *out = json_pack("{s:b,s:o}", "ok", rules_findings_ok(findings), "findings", findings);
    return 0;
}

int svc_app_check_text(svc_ctx *c, int64_t id, char **out, svc_err *e)
{
    json_t *findings;
    char *t = NULL;
    if (app_check(c, id, &findings, &t, e) != 0) return -1;
    /* The stored text is the answer's findings as they are: not dumped a second time. */
    *out =
        xasprintf("{\"ok\":%s,\"findings\":%s}", rules_findings_ok(findings) ? "true" : "false", t);
    free(t);
    json_decref(findings);
    return 0;
}

int svc_app_submit(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    app_row a = {0};
    json_t *findings = NULL, *snap = NULL, *ent = NULL, *proj = NULL;
    char *stext = NULL;
    int rc = -1;
    if (svc_begin(c, e) != 0) goto out;
    if (app_load_own_as(c, id, &a, APP_DOCS_FORM, e) != 0) goto fail;
    wf_state to;
    if (svc_app_next(&a.h, WF_SUBMIT, &to, e) != 0) goto fail;
    findings = app_precheck(c, &a, e);
    if (!findings) goto fail;
    if (!rules_findings_ok(findings)) {
        /* The refusal is the last check too: keep it, then answer 422. */
        svc_err lost = {0}; /* the check not kept is no reason to hide the refusal */
        svc_commit(c, app_store_findings(c, &a, findings), &lost);
        svc_err_clear(&lost);
        svc_fail(e, 422, "rule_failed", "申报条件未全部满足");
        e->findings = findings;
        findings = NULL;
        goto out;
    }
    ent = ent_profile(c->db, a.h.enterprise_id);
    proj = ent_proj_load(c->db, a.h.project_id, 0);
    json_t *pdoc = proj ? ent_proj_doc(proj) : json_object();
    snap = json_pack("{s:O,s:o}", "enterprise", ent ? ent : json_object(), "project", pdoc);
    const char *uscc = json_string_value(json_object_get(ent, "uscc"));
    const char *dc = json_string_value(json_object_get(ent, "district_code"));
    stext = ent_dump(snap);
    /* The snapshot's names go to their own columns too (migration 004), for the lists. */
    const char *ename = json_string_value(json_object_get(ent, "name"));
    const char *pname = json_string_value(json_object_get(pdoc, "name"));
    const char *site = json_string_value(json_object_get(pdoc, "site_name"));
    int urc = db_exec(c->db,
                      "UPDATE applications SET status = ?, submitted_at = ?, "
                      "snapshot = ?, uscc = ?, district_code = ?, updated_at = ?, "
                      "snap_enterprise_name = ?, snap_project_name = ?, snap_site_name = ? "
                      "WHERE id = ?",
                      "titttittti", wf_state_name(to), c->now, stext, uscc ? uscc : "",
                      dc ? dc : "", c->now, ename ? ename : "", pname ? pname : "", site, id);
    if (urc == 0 && app_store_findings(c, &a, findings) != 0) urc = -1;
    if (urc == 1) {
        db_rollback(c->db);
        app_e4_lost(findings);
        svc_fail(e, 422, "rule_failed", "申报条件未全部满足");
        e->findings = findings;
        findings = NULL;
        goto out;
    }
    json_t *detail = json_object();
    int64_t seq =
        urc == 0 ? svc_audit(c, "application", id, "submit", a.h.status, wf_state_name(to), detail)
                 : -1;
    json_decref(detail);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) goto fail;
    *out = app_json_by_id(c, id);
    rc = 0;
    goto out;
fail:
    db_rollback(c->db);
out:
    app_row_free(&a);
    free(stext);
    json_decref(findings);
    json_decref(snap);
    json_decref(ent);
    json_decref(proj);
    return rc;
}

int svc_app_withdraw(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    app_row a = {0};
    if (svc_begin(c, e) != 0) return -1;
    if (app_load_own(c, id, &a, e) != 0) goto fail;
    wf_state to;
    if (svc_app_next(&a.h, WF_WITHDRAW, &to, e) != 0) goto fail;
    /* Back to draft: the snapshot goes (the next submit takes a new one). */
    int rc = db_exec(c->db,
                     "UPDATE applications SET status = ?, snapshot = NULL, "
                     "submitted_at = NULL, snap_enterprise_name = NULL, snap_project_name = NULL, "
                     "snap_site_name = NULL, updated_at = ? WHERE id = ?",
                     "tii", wf_state_name(to), c->now, id);
    if (rc != 0) {
        svc_commit(c, -1, e);
        goto fail;
    }
    if (svc_commit_entry(c, "application", id, wf_action_name(WF_WITHDRAW), a.h.status,
                         wf_state_name(to), NULL, e) != 0)
        goto fail;
    app_row_free(&a);
    *out = app_json_by_id(c, id);
    return 0;
fail:
    db_rollback(c->db);
    app_row_free(&a);
    return -1;
}
