/* enterprise — the enterprise side of API.md: the profile, projects (智能化改造项目认定),
 * attachments and applications (数字化车间和智能工厂申报) with their pre-check, submit and
 * withdraw. Each function is one use case in one transaction: it checks who may act on which
 * object (another enterprise's object is 404, never 403), changes state and appends the audit
 * entry before it commits. On success *out receives a new JSON reference the caller owns; on
 * refusal the function returns -1 and fills e (HTTP status, API.md code, Chinese message). */
#ifndef SMIP_SERVICE_ENTERPRISE_H
#define SMIP_SERVICE_ENTERPRISE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "service/svc.h"

/* ---- the enterprise profile of the calling enterprise account */
int svc_enterprise_get(svc_ctx *c, json_t **out, svc_err *e);
/* RFC 7396 merge patch of {uscc,name,district_code,address,legal_representative,
 * manufacturing_type,independent_legal_person,complete_machine}; 409 `duplicate` for a USCC
 * another enterprise holds. */
int svc_enterprise_put(svc_ctx *c, const json_t *patch, json_t **out, svc_err *e);

/* ---- projects (own only) */
int svc_projects_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e);
/* One of the caller's projects as its summary columns give it (migrations 012, 014; strings
 * valid during the visit only, NULL where absent). */
typedef struct svc_project_summary {
    int64_t id;
    const char *name, *site_name, *klass;
    bool has_progress, has_investment;
    int64_t progress_pct, investment; /* investment: equipment and software, yuan */
} svc_project_summary;
typedef void (*svc_project_visit)(const svc_project_summary *p, void *arg);
/* The enterprise's projects newest first (at most 500) without parsing their documents; the
 * number visited, or -1 with e (not an enterprise). */
int64_t svc_projects_each(svc_ctx *c, svc_project_visit visit, void *arg, svc_err *e);
int svc_project_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e);
int svc_project_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
int svc_project_put(svc_ctx *c, int64_t id, const json_t *patch, json_t **out, svc_err *e);

/* ---- attachments */
/* Stores the bytes of `file` (read from its start, in 256 KiB chunks, never whole in memory).
 * The media type is taken from the content (PDF, JPEG, PNG; else 415). `filename` is the user's
 * name, kept for display only; `kind` free text of at most 32 characters (may be NULL).
 * *out: {id,sha256,size,media_type,kind,filename,created_at}. */
int svc_attachment_create(svc_ctx *c, FILE *file, const char *filename, const char *kind,
                          json_t **out, svc_err *e);

/* A stored file handed back whole: the caller frees data, media_type and filename. */
typedef struct svc_file {
    char *data;
    size_t len;
    char *media_type;
    char *filename; /* never empty: a name is made up from the id when the user gave none */
} svc_file;
/* The file for its uploader or the enterprise that owns it; 404 for anyone else. */
int svc_attachment_get(svc_ctx *c, int64_t id, svc_file *out, svc_err *e);
/* One attachment as a form lists it. */
typedef struct svc_att_line {
    int64_t id, size;
    const char *filename, *media_type; /* valid during the visit */
} svc_att_line;
/* Calls visit for each id of `ids` (a JSON array; other members skipped) that names an
 * attachment the caller uploaded or its enterprise holds, in the array's order: what a form the
 * caller edits may show of its own files. */
void svc_attachments_own(svc_ctx *c, const json_t *ids,
                         void (*visit)(const svc_att_line *a, void *arg), void *arg);
void svc_file_free(svc_file *f);
/* `attachment; filename*=UTF-8''…` for a Content-Disposition header (malloc'd). */
char *svc_content_disposition(const char *filename);

/* ---- applications */
typedef struct svc_app_filter {
    int64_t batch_id;          /* 0: any */
    const char *status;        /* NULL: any */
    const char *district_code; /* NULL: any */
    int64_t limit;             /* 1..500 (callers clamp) */
    int64_t offset;
} svc_app_filter;

/* Fills the summary columns (name, site_name, class: migration 012) of projects written before
 * them, from their documents; run when the database is opened. 0, or -1. */
int svc_projects_backfill(svc_ctx *c);

/* {items,total} of summaries, scoped by role: an enterprise its own, a district its
 * district_code and never drafts, the commission all, others none. */
int svc_applications_list(svc_ctx *c, const svc_app_filter *f, json_t **out, svc_err *e);

/* One row of that list as the statement gives it (strings valid during the visit only; NULL
 * where unknown), with the district's countdown: the batch's district deadline and
 * `overdue` (still `submitted` at that deadline). */
typedef struct svc_app_summary {
    int64_t id, batch_id, project_id;
    const char *type, *status, *district_code;
    const char *enterprise_name, *project_name, *site_name, *uscc;
    int64_t submitted_at; /* 0: never submitted */
    int64_t updated_at;
    int64_t district_deadline;
    bool overdue;
} svc_app_summary;
typedef void (*svc_app_visit)(const svc_app_summary *row, void *arg);

/* The same list, row by row in its order, without building it (pages render each row as it is
 * read); *total (if not NULL) as in svc_applications_list. 400 for an unknown status. */
int svc_applications_each(svc_ctx *c, const svc_app_filter *f, svc_app_visit visit, void *arg,
                          int64_t *total, svc_err *e);
/* {batch_id,project_id,type} → a new draft. */
int svc_app_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e);
int svc_app_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* svc_app_get's object as JSON text (malloc'd; the caller frees), the stored findings copied in
 * without being parsed: GET /applications/{id}. */
int svc_app_get_text(svc_ctx *c, int64_t id, char **out, svc_err *e);
/* The scopes whose generations GET /applications/{id} depends on (its enterprise, its batch,
 * everything), and `viewer`, the reader's class the answer depends on; 404 when `id` does not
 * exist or the caller may not read it. */
enum { SVC_APP_SCOPES = 3 };
int svc_app_scopes(svc_ctx *c, int64_t id, svc_scope scopes[SVC_APP_SCOPES], char *viewer,
                   svc_err *e);
/* 0 when application `id` exists and the caller may read it (svc_app_get would answer it);
 * 404 otherwise. Reads no document: the route loader's check. */
int svc_app_check_visible(svc_ctx *c, int64_t id, svc_err *e);
/* Merge patch of the form, only in `draft`/`returned`. `out` may be NULL when no answer is
 * wanted. */
int svc_app_put(svc_ctx *c, int64_t id, const json_t *patch, json_t **out, svc_err *e);
/* svc_app_put answering with svc_app_get_text's text (malloc'd), built from what the save read
 * and wrote, not read again: PUT /applications/{id}. */
int svc_app_put_text(svc_ctx *c, int64_t id, const json_t *patch, char **out, svc_err *e);
/* The pre-check: *out = {ok,findings}; the findings are stored as the last check. */
int svc_app_check(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* The same answered as JSON text (malloc'd), its findings the text just stored:
 * POST /applications/{id}/check. */
int svc_app_check_text(svc_ctx *c, int64_t id, char **out, svc_err *e);
/* draft/returned → submitted, or 422 `rule_failed` with the findings. */
int svc_app_submit(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* The pre-check over documents given as they are (used by the application's check and
 * submit and by `smip check`): the batch's times and rules, the districts and the facts the
 * database knows for the enterprise's USCC (other applications of the batch past draft,
 * other than `application_id`; prior certificates). `application` is the form with `type`.
 * *findings: a new array. 404 when the batch does not exist. */
int svc_precheck_documents(svc_ctx *c, int64_t batch_id, const json_t *enterprise,
                           const json_t *project, const json_t *application, int64_t application_id,
                           bool resubmission, json_t **findings, svc_err *e);
/* The pre-check application `id` would get under `rules` and these times instead of its
 * batch's (the commission's preview of rules not yet saved): nothing is stored or audited.
 * Commission only (403); 404 when there is no such application. *findings: a new array. */
int svc_app_precheck_preview(svc_ctx *c, int64_t id, const json_t *rules, int64_t opens_at,
                             int64_t closes_at, int64_t district_deadline, json_t **findings,
                             svc_err *e);
/* submitted → draft. */
int svc_app_withdraw(svc_ctx *c, int64_t id, json_t **out, svc_err *e);

#endif
