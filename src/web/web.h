/* web — the HTTP side: one request struct, the route table's shape, and the helpers handlers
 * use to read input and answer. Handlers are thin: parse, call a service, render. */
#ifndef SMIP_WEB_H
#define SMIP_WEB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render/template.h"
#include "web/guard.h"
#include "service/svc.h"
#include "util/util.h"

/* Who may call a route: a bit mask of roles; 0 = the public (no session needed). */
enum {
    ROLE_ENTERPRISE = 1 << 0,
    ROLE_DISTRICT = 1 << 1,
    ROLE_EXPERT = 1 << 2,
    ROLE_COMMISSION = 1 << 3,
    ROLE_ADMIN = 1 << 4,
    ROLE_ANY = 0x1f,
};

/* Route flags. */
enum {
    R_IMP = 1 << 0,           /* the imp gate: imp connected, and bound for enterprises */
    R_JSON = 1 << 1,          /* body is application/json (may be empty) */
    R_MULTIPART = 1 << 2,     /* body is multipart/form-data (uploads) */
    R_FORM = 1 << 3,          /* an HTML form post: urlencoded or multipart, hidden csrf_token */
    R_CSV = 1 << 4,           /* body is text/csv */
    R_PAGE = 1 << 5,          /* answers HTML: refusals render a page or redirect to /login */
    R_OPTIONAL_AUTH = 1 << 6, /* public, but the session is loaded when there is one */
    R_NO_CSRF = 1 << 7,       /* POST /session itself */
    R_SLOW = 1 << 8,          /* slow on purpose (argon2id, exports): run on the slow pool */
};

typedef struct req req;
typedef int (*web_handler)(req *r);

typedef struct route {
    const char *method;
    const char *pattern; /* "/api/v1/applications/{id}/submit": {x} matches one segment */
    unsigned roles;
    unsigned flags;
    web_handler handler;
    size_t max_body; /* 0: the server's limit for the media type; else at most this */
    /* Optional: checks that the object named in the path exists and is visible to the caller
     * (404 otherwise) before the body is read, so 404 answers before 400/413/415. */
    web_handler load;
} route;

extern const route web_routes[];
extern const size_t web_routes_count;

typedef struct web_config {
    size_t max_json;   /* default 2 MB */
    size_t max_upload; /* default 20 MB */
    bool secure_cookies;
    bool hsts; /* Strict-Transport-Security on every answer (behind TLS) */
    web_guard_config guard;
    svc_config svc;
    tpl_set *templates;
    const char *db_uri;
} web_config;

typedef struct web_upload {
    FILE *file; /* a temporary file holding the uploaded bytes */
    size_t size;
    char *filename; /* as the user gave it: shown, never used as a path */
    char *field;    /* the form field it came in */
} web_upload;

struct req {
    arena *a;
    const web_config *cfg;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const route *route;
    char *params[4]; /* captures of {x} in the pattern, in order */
    int nparams;
    db *db;
    int64_t now;
    svc_actor actor;          /* actor.id == 0: no session */
    const char *display_name; /* the account's, read with the session (arena), or NULL */
    char session_hash[65];
    char csrf_token[65];
    /* body */
    sbuf body;
    size_t body_limit;
    bool body_too_large;
    bool body_started;
    /* The answer waits for the request's commits to be on disk (web_finish): set once it has
     * waited; flush_rc is the flush's result, written by the flusher thread before it resumes
     * the connection. */
    bool flush_waited;
    _Atomic int flush_rc;
    /* A slow route's handler runs on the slow pool (server.c) while the connection is
     * suspended: queued once, done once it has run there. */
    bool slow_queued, slow_done;
    req *slow_next;
    void *pp;                    /* MHD PostProcessor for forms and multipart */
    struct web_formset *formset; /* the form's fields while its body comes (web/form.h) */
    json_t *json;                /* parsed JSON body (NULL when empty) */
    json_t *form;                /* form fields: name -> string */
    web_upload upload;
    /* Field reasons of a refused page post, shown beside the fields when the page is rendered
     * again (released with the arena). */
    json_t *page_errors;
    json_t *page_flash; /* its message (reference handed to the page context) */
    int page_status;    /* its status (0: 200) */
    /* The current batch, read once per request (web_current_batch); batch_read: looked up. */
    json_t *batch;
    bool batch_read;
    /* response */
    bool answered;
    int status;
    char *resp_type;
    char *resp_body; /* malloc'd */
    size_t resp_len;
    char *set_cookie;
    char *location;
    char *disposition;
    /* A cacheable answer's Cache-Control and ETag (static strings); NULL: the server's default
     * (no-store for the API and for pages of a signed-in account). */
    const char *cache_control;
    const char *etag;
};

/* "2020-03-17 10:00" (Beijing time) of an epoch into buf, or "" for 0: the pages' short time,
 * digits written directly (the queue formats one per row; snprintf was a tenth of that page). */
enum { WEB_SHORT_TIME_BUF = 24 };
const char *web_short_time(int64_t t, char buf[WEB_SHORT_TIME_BUF]);

/* The epoch second of an RFC 3339 JSON string; 0 when `v` is no time. */
int64_t web_epoch(const json_t *v);
/* How people read a time: "2020年3月17日 10:00"; midnight reads as the end of the day before
 * ("2020年4月10日 24:00"), as the notice writes its deadlines. Caller frees. */
char *web_when(int64_t t);
/* "2020年3月17日" (Chongqing time). Caller frees. */
char *web_date(int64_t t);
/* web_when of an RFC 3339 JSON string, as a new JSON string (JSON null when it is no time). */
json_t *web_when_json(const json_t *rfc3339);
/* "距截止还有 3 天 4 小时", "… 2 小时 5 分钟", "… 7 分钟", "距截止不足 1 分钟", "已截止" (`what`:
 * 截止 or 开始) for a moment `at` seen at `now`; malloc'd. */
char *web_time_left(int64_t at, int64_t now, const char *what);
/* The first instant after `now` at which web_time_left(at, ·) or whether `at` has passed
 * (at <= now) changes; INT64_MAX when neither ever does again. A page showing the time left may
 * be kept until then. */
int64_t web_time_left_until(int64_t at, int64_t now);

/* A digest of who is logged in, as a kept page shows it (the session's CSRF token, the account's
 * names): a version part of a page kept per account (web_kept_digest). */
int64_t web_session_digest(const req *r);
/* The one way anything kept is versioned (the freshness rule, service/generation.c): the
 * generations of n `scopes` read now, then nextra `extra` values that belong to the reader (who
 * is logged in, the current batch), into *v. A kept string read under another version is never
 * served. False when the database failed: then nothing may be kept or served. */
struct web_kept_version;
bool web_fresh(req *r, const svc_scope *scopes, size_t n, const int64_t *extra, size_t nextra,
               struct web_kept_version *v);
/* Answers with the string kept in k under (key, v) as `type`, when one is kept and valid now:
 * true when it did (web/kept.h). */
struct web_kept;
struct web_kept_version;
bool web_kept_answer(req *r, struct web_kept *k, const char *key, const struct web_kept_version *v,
                     const char *type);

/* The current batch (svc_current_batch) as of its first read in this request (a page asks for it
 * two or three times); each call answers a new shallow copy the caller owns and may change (pages
 * decorate it). NULL when none. */
json_t *web_current_batch(req *r);
/* The same batch borrowed: read-only, valid until the request ends (no copy). */
const json_t *web_current_batch_ref(req *r);

/* ---- reading input */
const char *web_param(req *r, int i);           /* path capture i, or "" */
int64_t web_param_id(req *r, int i);            /* path capture as a positive id, or 0 */
const char *web_query(req *r, const char *key); /* query string value or NULL */
const char *web_header(req *r, const char *name);
const char *web_form(req *r, const char *name); /* form field or NULL */
/* The JSON body, or an empty object for a POST/PUT without one (borrowed, or released with the
 * request's arena), so services name the missing fields themselves. */
const json_t *web_body(req *r);
/* API.md's paging: ?limit= an integer 1–500 (default 50), ?offset= ≥ 0 (default 0). Returns -1
 * after answering 400 naming the bad parameter. */
int web_paging(req *r, int64_t *limit, int64_t *offset);
/* Query parameter `key` as a whole number in [min, max], written in digits only (no sign,
 * space or anything after them: "1 OR 1=1" is no id). Returns 1 with *out set, 0 when absent
 * (*out untouched: the caller's default; "?key=" is not absent), -1 after answering 400 naming
 * `key`; `label` is the person's word for it ("批次编号"). */
int web_query_int(req *r, const char *key, int64_t min, int64_t max, const char *label,
                  int64_t *out);
/* The query string as a whole: every name and value valid UTF-8 with no NUL (which would cut
 * what C code reads of it, "5%00x" read as "5"). Returns -1 after answering 400 naming the
 * parameter. */
int web_query_check(req *r);

/* ---- answering (each returns 0 so handlers can `return web_json(...)`) */
/* Answers JSON; steals the reference to `body`. */
int web_json(req *r, int status, json_t *body);
/* Answers API.md's error object from a service refusal (and clears it). */
int web_error(req *r, svc_err *e);
int web_fail(req *r, int status, const char *code, const char *message);
/* A service call's outcome: `out` (stolen) with `status` when rc is 0, else the refusal. */
int web_answer(req *r, int rc, int status, json_t *out, svc_err *e);
/* 400 naming every field of `bad` (stolen) and -1, or 0 when `bad` is empty. */
int web_bad_fields(req *r, json_t *bad);
int web_no_content(req *r);
/* Takes ownership of malloc'd `data`. */
int web_bytes(req *r, int status, const char *type, char *data, size_t len);
int web_redirect(req *r, const char *location);
/* Renders template `name` with `ctx` (reference stolen) plus the common page context. */
int web_page(req *r, int status, const char *name, json_t *ctx);
/* The same with a flat row frame over ctx (tpl_render_row: a long raw block needs no JSON
 * string copy) and the expected size of the page reserved at once (0: none). */
int web_page_row(req *r, int status, const char *name, json_t *ctx, const tpl_row *row,
                 size_t size_hint);
/* The common page context: account, csrf_token, nav, batch contacts. New reference. */
json_t *web_page_ctx(req *r);

/* A service context for this request. */
svc_ctx web_svc(req *r);

/* Session cookie helpers (session.c). */
int web_session_load(req *r); /* fills r->actor when the cookie names a live session */
int web_session_start(req *r, int64_t account_id, char csrf_out[65]);
void web_session_end(req *r);

/* The server (server.c). Blocks until SIGINT/SIGTERM. */
int web_serve(web_config *cfg, const char *listen_addr);

#endif
