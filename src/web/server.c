/* server — libmicrohttpd glue: thread pool + epoll, the request lifecycle (route, session, the
 * checks of API.md's order before the body is read, body collection within limits, handler,
 * response with security headers), and a clean shutdown on SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <malloc.h>
#include <microhttpd.h>
#include <sodium.h>
#include <strings.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web/form.h"
#include "web/handlers.h"
#include "web/web.h"

/* Each connection's buffer for request headers and body chunks. libmicrohttpd 0.9.75 zeroes
 * the whole of it between two requests on a kept-alive connection, so it is kept at the
 * library's default: 128 KiB cost more than rendering the home page. */
#define WEB_CONN_MEMORY (32 * 1024)

/* ---------------------------------------------------------------- per-thread connection */

static pthread_key_t web_db_key;
static pthread_once_t web_db_once = PTHREAD_ONCE_INIT;
static const char *web_db_uri;

static void web_db_destroy(void *p)
{
    db_close(p);
}

static void web_db_key_make(void)
{
    pthread_key_create(&web_db_key, web_db_destroy);
}

/* Each worker thread owns one connection, opened on its first request and closed when the
 * thread ends, so statements are cached per thread and never shared. */
static db *web_thread_db(void)
{
    pthread_once(&web_db_once, web_db_key_make);
    db *d = pthread_getspecific(web_db_key);
    if (d) return d;
    char *err = NULL;
    d = db_open(web_db_uri, &err);
    if (!d) {
        fprintf(stderr, "smip: %s\n", err);
        free(err);
        return NULL;
    }
    /* Commits return before their flush; web_finish holds the answer until it is done. */
    db_defer_flush(d, true);
    pthread_setspecific(web_db_key, d);
    return d;
}

/* ---------------------------------------------------------------- routing */

static bool web_match(const char *pattern, const char *path, req *r)
{
    r->nparams = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *se = s;
            while (*se && *se != '/')
                se++;
            if (se == s || r->nparams >= 4) return false;
            r->params[r->nparams++] = arena_strndup(r->a, s, (size_t)(se - s));
            p = pe + 1;
            s = se;
            continue;
        }
        if (*p != *s) return false;
        p++, s++;
    }
    return *p == '\0' && *s == '\0';
}

/* Finds the route; *path_known tells a 405 from a 404. */
static const route *web_find_route(req *r, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < web_routes_count; i++) {
        const route *rt = &web_routes[i];
        if (!web_match(rt->pattern, r->path, r)) continue;
        *path_known = true;
        if (strcmp(rt->method, r->method) == 0) return rt;
    }
    return NULL;
}

/* ---------------------------------------------------------------- responses */

static void web_add_security_headers(const req *r, struct MHD_Response *resp)
{
    if (r->cfg->hsts)
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                            "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                            "base-uri 'none'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
}

static enum MHD_Result web_send(req *r)
{
    if (r->db) db_read_end(r->db); /* the answer is built: release the snapshot before sending */
    if (!r->answered) web_fail(r, 500, "internal", "服务器内部错误，请稍后重试");
    struct MHD_Response *resp;
    if (r->resp_body) {
        resp = MHD_create_response_from_buffer(r->resp_len, r->resp_body, MHD_RESPMEM_MUST_FREE);
        r->resp_body = NULL; /* MHD owns it now */
    } else {
        resp = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (r->resp_type) MHD_add_response_header(resp, "Content-Type", r->resp_type);
    if (r->set_cookie) MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->location) MHD_add_response_header(resp, "Location", r->location);
    if (r->disposition) MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    if (r->etag) MHD_add_response_header(resp, "ETag", r->etag);
    if (r->cache_control)
        MHD_add_response_header(resp, "Cache-Control", r->cache_control);
    else if (!r->route || !(r->route->flags & R_PAGE) || r->actor.id)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    web_add_security_headers(r, resp);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---------------------------------------------------------------- durable answers */

/* Connections suspended until their commits are on disk, and whether the server is stopping
 * (libmicrohttpd must not be stopped with a connection suspended). */
static atomic_int web_suspended;
static atomic_bool web_stopping;

/* The flusher thread's call (store/db.h): the request's commits are on disk, or not. */
static void web_flushed(void *arg, int rc)
{
    req *r = arg;
    atomic_store(&r->flush_rc, rc);
    MHD_resume_connection(r->conn);
    atomic_fetch_sub(&web_suspended, 1);
}

/* Sends the answer once every commit of the request is on disk. Commits return as soon as
 * they are written (db_defer_flush), so instead of holding its worker thread through the
 * disk's flush the request's connection is suspended and the thread serves others; the flusher
 * resumes it, libmicrohttpd calls web_access again, and this sends. `may_suspend` is false on
 * the first call of a request (an early refusal, before its body), which waits in place, as
 * does everything once the server is stopping. A failed flush turns the answer into a 500:
 * what it reported was not saved. */
static enum MHD_Result web_finish(req *r, bool may_suspend)
{
    uint64_t token = r->db && !r->flush_waited ? db_take_unflushed(r->db) : 0;
    if (token) {
        r->flush_waited = true;
        atomic_fetch_add(&web_suspended, 1); /* before reading web_stopping: see web_serve */
        int rc = 0;
        if (may_suspend && !atomic_load(&web_stopping)) {
            MHD_suspend_connection(r->conn);
            rc = db_when_flushed(r->db, token, web_flushed, r);
            if (rc == 1) return MHD_YES;    /* web_flushed resumes it */
            atomic_store(&r->flush_rc, rc); /* already on disk, or failed: go on at once */
            MHD_resume_connection(r->conn);
            atomic_fetch_sub(&web_suspended, 1);
            return MHD_YES;
        }
        rc = db_wait_flushed(r->db, token);
        atomic_store(&r->flush_rc, rc);
        atomic_fetch_sub(&web_suspended, 1);
    }
    if (r->flush_waited && atomic_load(&r->flush_rc) != 0) {
        fprintf(stderr, "smip: %s %s: its commit could not be flushed; answered 500\n", r->method,
                r->path);
        free(r->set_cookie); /* nothing it announced exists for sure: no session either */
        free(r->location);
        free(r->disposition);
        r->set_cookie = r->location = r->disposition = NULL;
        web_fail(r, 500, "internal", "服务器未能将数据写入磁盘，此次操作没有保存，请稍后重试");
    }
    return web_send(r);
}

/* ---------------------------------------------------------------- body */

static enum MHD_Result web_post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data, uint64_t off,
                                     size_t size)
{
    req *r = cls;
    /* Only the first file of the request is kept (API: field `file`; pages: their file inputs);
     * an empty file input of a page form (no file chosen) sends filename "" and is skipped. */
    if (filename && *filename && r->upload.file && off == 0) return MHD_YES; /* a second file */
    if (filename && *filename && (!r->upload.file || strcmp(r->upload.field, key) == 0)) {
        if (!r->upload.file) {
            r->upload.field = arena_strdup(r->a, key);
            r->upload.file = tmpfile();
            if (!r->upload.file) return MHD_NO;
            r->upload.filename = arena_strdup(r->a, filename);
        }
        if (size && fwrite(data, 1, size, r->upload.file) != size) return MHD_NO;
        r->upload.size += size;
        return MHD_YES;
    }
    if (filename) return MHD_YES; /* other file fields are ignored */
    if (!r->formset) return MHD_NO;
    web_form_status st = web_formset_add(r->formset, key, data, off, size);
    return st == WEB_FORM_OK ? MHD_YES : MHD_NO; /* web_access answers from the set's refusal */
}

/* What a form route's fields may be: the public forms (login, registration, objections) are
 * small; a signed-in form takes a whole application or questionnaire. */
static web_form_limits web_form_limits_for(const route *rt)
{
    if (!rt->roles)
        return (web_form_limits){
            .max_values = 64, .max_value_bytes = 16 * 1024, .max_name_bytes = 128};
    return (web_form_limits){
        .max_values = 2000, .max_value_bytes = 256 * 1024, .max_name_bytes = 256};
}

/* The body of a form post refused by its limits, or by the PostProcessor: 413 or 400. */
static void web_form_refused(req *r)
{
    web_form_limits lim = web_form_limits_for(r->route);
    web_form_status st = r->formset ? web_formset_status(r->formset) : WEB_FORM_OK;
    if (st == WEB_FORM_OK) {
        web_fail(r, 400, "bad_request", "表单或文件内容格式错误");
        return;
    }
    const char *name = web_formset_refused_name(r->formset);
    char *msg = web_form_status_message(st, &lim);
    fprintf(stderr, "smip: %s %s: form refused at field %.64s\n", r->method, r->path, name);
    web_fail(r, 413, "too_large", msg);
    free(msg);
}

static bool web_type_is(const char *ctype, const char *want)
{
    if (!ctype) return false;
    size_t n = strlen(want);
    return strncasecmp(ctype, want, n) == 0 &&
           (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* Checks that run before any body byte is read: media type (415) and declared size (413). */
static int web_check_body_headers(req *r)
{
    const route *rt = r->route;
    const char *ctype = web_header(r, "Content-Type");
    const char *clen = web_header(r, "Content-Length");
    bool has_body = (clen && strcmp(clen, "0") != 0) || web_header(r, "Transfer-Encoding");
    /* The server's limit for the kind of body, lowered where the route asks for less (the
     * public forms and JSON endpoints anyone may post to). */
    size_t limit = (rt->flags & (R_MULTIPART | R_FORM)) ? r->cfg->max_upload : r->cfg->max_json;
    if (rt->max_body && rt->max_body < limit) limit = rt->max_body;
    if (rt->flags & R_MULTIPART) limit += 64 * 1024; /* room for the multipart framing */
    r->body_limit = limit;
    if (has_body) {
        bool ok = false;
        if ((rt->flags & R_JSON) && web_type_is(ctype, "application/json")) ok = true;
        if ((rt->flags & (R_MULTIPART | R_FORM)) && web_type_is(ctype, "multipart/form-data"))
            ok = true;
        if ((rt->flags & R_FORM) && web_type_is(ctype, "application/x-www-form-urlencoded"))
            ok = true;
        if ((rt->flags & R_CSV) && web_type_is(ctype, "text/csv")) ok = true;
        if (!ok) {
            const char *want = (rt->flags & R_JSON)        ? "application/json"
                               : (rt->flags & R_CSV)       ? "text/csv"
                               : (rt->flags & R_MULTIPART) ? "multipart/form-data"
                                                           : "表单";
            char *msg =
                xasprintf("不支持的内容类型 %s，此接口需要 %s", ctype ? ctype : "（无）", want);
            web_fail(r, 415, "unsupported_media_type", msg);
            free(msg);
            return -1;
        }
    }
    if (clen) {
        char *end = NULL;
        unsigned long long n = strtoull(clen, &end, 10);
        if (end && *end == '\0' && n > limit) {
            char *msg = xasprintf("请求内容过大：%llu 字节，上限 %zu 字节", n, limit);
            web_fail(r, 413, "too_large", msg);
            free(msg);
            return -1;
        }
    }
    if (has_body && (rt->flags & (R_MULTIPART | R_FORM))) {
        web_form_limits lim = web_form_limits_for(rt);
        r->formset = web_formset_new(&lim);
        r->pp = MHD_create_post_processor(r->conn, 64 * 1024, web_post_iter, r);
        if (!r->pp) {
            web_fail(r, 400, "bad_request", "无法解析表单内容");
            return -1;
        }
    }
    return 0;
}

/* After the whole body arrived: parse JSON (400 for malformed JSON or invalid UTF-8). */
static int web_parse_body(req *r)
{
    if (r->route->flags & R_JSON && r->body.len > 0) {
        if (!util_utf8_valid(r->body.data, r->body.len))
            return web_fail(r, 400, "bad_request", "请求内容不是有效的 UTF-8 文本"), -1;
        json_error_t jerr;
        r->json = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
        if (!r->json) {
            char *msg = xasprintf("JSON 格式错误（第 %d 行第 %d 列）：%s", jerr.line, jerr.column,
                                  jerr.text);
            web_fail(r, 400, "bad_request", msg);
            free(msg);
            return -1;
        }
        if (!json_is_object(r->json))
            return web_fail(r, 400, "bad_request", "请求内容必须是 JSON 对象"), -1;
    }
    if (r->route->flags & R_CSV && !util_utf8_valid(r->body.data, r->body.len))
        return web_fail(r, 400, "bad_request", "CSV 文件必须是 UTF-8 编码"), -1;
    if (r->form) {
        const char *k;
        json_t *v;
        json_object_foreach(r->form, k, v)
        {
            if (!util_utf8_valid(json_string_value(v), json_string_length(v)))
                return web_fail(r, 400, "bad_request", "表单内容不是有效的 UTF-8 文本"), -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- checks before the body */

static bool web_state_changing(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "DELETE") == 0 || strcmp(method, "PATCH") == 0;
}

static unsigned web_role_bit(const char *role)
{
    static const char *names[] = {"enterprise", "district", "expert", "commission", "admin"};
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(role, names[i]) == 0) return 1u << i;
    return 0;
}

/* The host[:port] of an origin "scheme://host[:port]" (borrowed into s), or NULL. */
static const char *web_origin_host(const char *origin, size_t *len)
{
    const char *p = strstr(origin, "://");
    if (!p) return NULL;
    p += 3;
    size_t n = strcspn(p, "/");
    if (!n) return NULL;
    *len = n;
    return p;
}

/* Whether a form post comes from this platform's own pages. Browsers say so in Sec-Fetch-Site;
 * older ones in Origin, compared with the Host the request was sent to or the public URL
 * (behind the TLS proxy the scheme differs, the host does not). A request with neither comes
 * from no browser (a script, curl): not a cross-site forgery. "Origin: null" (sandboxed
 * frames, data: URLs) is refused. */
static bool web_form_same_origin(req *r)
{
    const char *site = web_header(r, "Sec-Fetch-Site");
    if (site) return strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
    const char *origin = web_header(r, "Origin");
    if (!origin) return true;
    size_t n = 0;
    const char *host = web_origin_host(origin, &n);
    if (!host) return false;
    const char *want = web_header(r, "Host");
    if (want && strlen(want) == n && strncasecmp(want, host, n) == 0) return true;
    const char *pub = r->cfg->svc.public_url;
    size_t pn = 0;
    const char *phost = pub ? web_origin_host(pub, &pn) : NULL;
    return phost && pn == n && strncasecmp(phost, host, n) == 0;
}

/* API.md's order: 401 → 403 csrf → 403 imp_not_connected → 403 imp_not_bound → 403 forbidden.
 * Form posts check their hidden CSRF field once the body is parsed (web_check_form_csrf). */
static int web_check_access(req *r)
{
    const route *rt = r->route;
    bool page = rt->flags & R_PAGE;
    if (rt->roles && !r->actor.id) {
        if (page) {
            char *loc = xasprintf("/login?next=%s", r->path);
            web_redirect(r, loc);
            free(loc);
            return -1;
        }
        return web_fail(r, 401, "unauthenticated", "请先登录"), -1;
    }
    if (r->actor.id && web_state_changing(r->method) && !(rt->flags & (R_NO_CSRF | R_FORM))) {
        const char *tok = web_header(r, "X-CSRF-Token");
        if (!tok || strlen(tok) != strlen(r->csrf_token) ||
            sodium_memcmp(tok, r->csrf_token, strlen(r->csrf_token)) != 0)
            return web_fail(r, 403, "csrf", "缺少或错误的 CSRF 令牌，请刷新页面后重试"), -1;
    }
    /* Every form post, signed in or not: a login or registration posted from another site
     * would sign the victim into the attacker's account (login CSRF). */
    if ((rt->flags & R_FORM) && !web_form_same_origin(r))
        return web_fail(r, 403, "csrf", "跨站提交被拒绝：请在本平台的页面上提交表单"), -1;
    if (!rt->roles) return 0;
    if ((rt->flags & R_IMP) && !r->actor.imp_connected) {
        if (page) return web_redirect(r, "/portal"), -1;
        return web_fail(r, 403, "imp_not_connected",
                        "请先在门户的业务系统中接入“智能制造信息管理平台”"),
               -1;
    }
    if ((rt->flags & R_IMP) && strcmp(r->actor.role, "enterprise") == 0 && !r->actor.imp_bound) {
        if (page) return web_redirect(r, "/imp"), -1;
        return web_fail(r, 403, "imp_not_bound", "请先完成老用户绑定或新用户信息确认"), -1;
    }
    if (!(rt->roles & web_role_bit(r->actor.role)))
        return web_fail(r, 403, "forbidden", "当前账号的角色无权进行此操作"), -1;
    return 0;
}

static int web_check_form_csrf(req *r)
{
    if (!(r->route->flags & R_FORM) || !r->actor.id) return 0;
    const char *tok = web_form(r, "csrf_token");
    if (!tok || strlen(tok) != strlen(r->csrf_token) ||
        sodium_memcmp(tok, r->csrf_token, strlen(r->csrf_token)) != 0)
        return web_fail(r, 403, "csrf", "页面已过期，请刷新后重新提交"), -1;
    return 0;
}

/* ---------------------------------------------------------------- lifecycle */

/* A read that failed during the request makes its answer a 500, whatever the code that read
 * made of the missing rows (db_take_read_failure): never a 404 or an empty list. */
static bool web_read_failed(req *r)
{
    if (!db_take_read_failure()) return false;
    if (r->status < 500) web_fail(r, 500, "internal", "读取数据失败，请稍后重试");
    return true;
}

static void web_run_handler(req *r)
{
    if (web_parse_body(r) != 0) return;
    if (web_check_form_csrf(r) != 0) return;
    db_take_read_failure(); /* this thread's: a pool thread runs handlers of many requests */
    r->route->handler(r);
    web_read_failed(r);
    if (db_in_tx(r->db)) {
        fprintf(stderr, "smip: handler %s %s left a transaction open\n", r->method,
                r->route->pattern);
        db_rollback(r->db);
    }
}

/* ---------------------------------------------------------------- the slow pool */

/* Handlers that are slow on purpose — an argon2id hash at every login and password change
 * (~50–100 ms), an export or a ZIP of materials — run on a pool of their own, one thread per
 * core as the hashes are bounded (service/password.c), while their connection is suspended:
 * libmicrohttpd's threads (one per core) then never stop serving the pages and saves of
 * everyone else behind a login. Each pool thread has its own database connection and waits
 * for its commits' flush itself. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    req *head, *tail;
    bool stop;
    pthread_t thread[16];
    unsigned n;
} web_slow = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Runs r's handler on this pool thread, then resumes its connection (web_access sends). */
static void web_slow_run(req *r)
{
    db *theirs = r->db, *mine = web_thread_db();
    if (!mine) {
        web_fail(r, 503, "unavailable", "数据库暂不可用，请稍后重试");
    } else {
        r->db = mine;
        bool read = !web_state_changing(r->method);
        if (read) db_read_begin(mine);
        web_run_handler(r);
        if (read) db_read_end(mine);
        uint64_t token = db_take_unflushed(mine);
        if (token) {
            r->flush_waited = true;
            atomic_store(&r->flush_rc, db_wait_flushed(mine, token));
        }
        r->db = theirs;
    }
    r->slow_done = true;
    MHD_resume_connection(r->conn);
    atomic_fetch_sub(&web_suspended, 1);
}

static void *web_slow_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&web_slow.mu);
        while (!web_slow.head && !web_slow.stop)
            pthread_cond_wait(&web_slow.cv, &web_slow.mu);
        req *r = web_slow.head;
        if (r) {
            web_slow.head = r->slow_next;
            if (!web_slow.head) web_slow.tail = NULL;
        }
        pthread_mutex_unlock(&web_slow.mu);
        if (!r) return NULL; /* stopping, and nothing left */
        web_slow_run(r);
    }
}

/* Hands a slow route's request to the pool with its connection suspended; false when it is
 * to run in place (not slow, already run, no pool, or the server is stopping). */
static bool web_slow_submit(req *r)
{
    if (!(r->route->flags & R_SLOW) || r->slow_done || web_slow.n == 0) return false;
    atomic_fetch_add(&web_suspended, 1); /* before reading web_stopping: see web_serve */
    if (atomic_load(&web_stopping)) {
        atomic_fetch_sub(&web_suspended, 1);
        return false;
    }
    /* A read sees its own snapshot on the pool thread's connection. */
    db_read_end(r->db);
    r->slow_queued = true;
    MHD_suspend_connection(r->conn);
    pthread_mutex_lock(&web_slow.mu);
    r->slow_next = NULL;
    if (web_slow.tail)
        web_slow.tail->slow_next = r;
    else
        web_slow.head = r;
    web_slow.tail = r;
    pthread_cond_signal(&web_slow.cv);
    pthread_mutex_unlock(&web_slow.mu);
    return true;
}

static void web_slow_start(unsigned n)
{
    if (n > sizeof web_slow.thread / sizeof web_slow.thread[0])
        n = sizeof web_slow.thread / sizeof web_slow.thread[0];
    for (web_slow.n = 0; web_slow.n < n; web_slow.n++)
        if (pthread_create(&web_slow.thread[web_slow.n], NULL, web_slow_main, NULL) != 0) break;
}

/* After libmicrohttpd has stopped (nothing is queued any more): the pool's threads end. */
static void web_slow_stop(void)
{
    pthread_mutex_lock(&web_slow.mu);
    web_slow.stop = true;
    pthread_cond_broadcast(&web_slow.cv);
    pthread_mutex_unlock(&web_slow.mu);
    for (unsigned i = 0; i < web_slow.n; i++)
        pthread_join(web_slow.thread[i], NULL);
    web_slow.n = 0;
}

/* The checks of API.md's order that need no body (route, session, access, the object loader,
 * the body's headers), and for a request without a body its handler. Returns true when the
 * request is answered (send it now), false when its body is to come. */
static bool web_begin(req *r)
{
    r->db = web_thread_db();
    if (!r->db) {
        web_fail(r, 503, "unavailable", "数据库暂不可用，请稍后重试");
        return true;
    }
    /* A read answers from one snapshot: one WAL read lock for all its statements (a write's
     * db_begin ends the snapshot first; web_send releases it). So do the checks of a write
     * before its body (session, object), and its handler's reads before its transaction
     * (web_run_write): per statement, SQLite began and ended a read transaction each time. */
    db_read_begin(r->db);
    db_take_read_failure(); /* what this thread read for an earlier request is not ours */
    bool path_known;
    r->route = web_find_route(r, &path_known);
    if (!r->route) {
        if (path_known)
            web_fail(r, 405, "method_not_allowed", "不支持此请求方法");
        else
            web_fail(r, 404, "not_found", "页面或接口不存在");
        return true;
    }
    if (r->route->roles || (r->route->flags & (R_OPTIONAL_AUTH | R_PAGE)) ||
        web_state_changing(r->method))
        web_session_load(r);
    if (web_read_failed(r)) return true; /* not "logged out": the session could not be read */
    if (web_check_access(r) != 0) return true;
    if (web_query_check(r) != 0) return true;
    if (r->route->load && (r->route->load(r) != 0 || r->answered)) return web_read_failed(r), true;
    if (web_read_failed(r)) return true;
    if (web_check_body_headers(r) != 0) return true;
    if (!web_state_changing(r->method)) {
        if (!web_slow_submit(r)) web_run_handler(r);
        return true; /* or queued: web_access sees slow_queued */
    }
    /* The body (possibly empty) comes in the next calls, and this thread serves other
     * connections meanwhile: none of them may read from this request's snapshot. */
    db_read_end(r->db);
    return false;
}

/* The body's length as its Content-Length declares it, or 0. */
static uint64_t web_declared_length(req *r)
{
    const char *clen = web_header(r, "Content-Length");
    char *end = NULL;
    unsigned long long n = clen ? strtoull(clen, &end, 10) : 0;
    return end && *end == '\0' ? n : 0;
}

/* Runs a write's handler once its body is in, its reads before its transaction from one
 * snapshot (its db_begin ends it; web_send ends it if it never begins). */
static void web_run_write(req *r)
{
    db_read_begin(r->db);
    web_run_handler(r);
}

static enum MHD_Result web_access(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    web_config *cfg = cls;
    req *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        *con_cls = r;
        r->a = arena_new();
        r->cfg = cfg;
        r->conn = conn;
        r->method = arena_strdup(r->a, method);
        r->path = arena_strdup(r->a, url);
        r->now = util_now();
        r->status = 200;
        sbuf_init(&r->body);
        /* A request without a body is answered on the next call: libmicrohttpd 0.9.75 closes
         * the connection after any answer queued on the first call (it cannot know the body is
         * empty yet), and a TCP handshake per page was a third of a page's cost. A request
         * with a body is checked now, before a byte of it is read; an early refusal closes. */
        if (!web_state_changing(method)) {
            web_guard_headers_done(conn, 0, 0, 0);
            return MHD_YES;
        }
        bool answered = web_begin(r);
        web_guard_headers_done(conn, !answered, web_declared_length(r), r->body_limit);
        return answered ? web_finish(r, false) : MHD_YES;
    }
    if (!web_state_changing(r->method)) {
        if (*upload_data_size) { /* a body on a GET: not read */
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (!r->answered && !r->slow_done) {
            web_begin(r);
            if (r->slow_queued && !r->slow_done) return MHD_YES; /* resumed by the pool */
        }
        return web_finish(r, true);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->body_too_large || r->answered) return MHD_YES;
        if (r->body.len + n > r->body_limit) {
            r->body_too_large = true; /* chunked bodies are counted as they come */
            return MHD_YES;
        }
        r->body_started = true;
        if (r->pp) {
            r->body.len += n; /* counted, not kept */
            if (MHD_post_process(r->pp, upload_data, n) != MHD_YES) web_form_refused(r);
        } else {
            sbuf_append(&r->body, upload_data, n);
        }
        return MHD_YES;
    }
    web_guard_body_done(conn);
    if (!r->answered) {
        if (r->body_too_large) {
            char *msg = xasprintf("请求内容过大，上限 %zu 字节", r->body_limit);
            web_fail(r, 413, "too_large", msg);
            free(msg);
        } else if (!r->slow_done) {
            if (r->formset) { /* the fields are all in */
                /* The PostProcessor hands over the value it still holds (an empty last
                 * field) only when destroyed: before the set is finished, not after. */
                if (r->pp) MHD_destroy_post_processor(r->pp);
                r->pp = NULL;
                r->form = web_formset_finish(r->formset);
                r->formset = NULL;
            }
            if (web_slow_submit(r)) return MHD_YES; /* resumed by the pool */
            web_run_write(r);
        }
    }
    return web_finish(r, true);
}

static void web_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    web_guard_request_done(conn);
    req *r = *con_cls;
    if (!r) return;
    if (r->pp) MHD_destroy_post_processor(r->pp);
    web_formset_free(r->formset);
    if (r->upload.file) fclose(r->upload.file);
    if (r->json) json_decref(r->json);
    if (r->form) json_decref(r->form);
    if (r->batch) json_decref(r->batch);
    if (r->db && db_in_tx(r->db)) db_rollback(r->db);
    if (r->db) db_read_end(r->db);
    sbuf_free(&r->body);
    free(r->resp_body);
    free(r->resp_type);
    free(r->set_cookie);
    free(r->location);
    free(r->disposition);
    arena_free(r->a);
    free(r);
    *con_cls = NULL;
}

static int web_parse_listen(const char *listen_addr, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(listen_addr, ':');
    if (!colon || (size_t)(colon - listen_addr) >= sizeof host) return -1;
    memcpy(host, listen_addr, (size_t)(colon - listen_addr));
    host[colon - listen_addr] = '\0';
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535) return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

int web_serve(web_config *cfg, const char *listen_addr)
{
    struct sockaddr_in sa;
    if (web_parse_listen(listen_addr, &sa) != 0) {
        fprintf(stderr, "smip: bad --listen %s (want HOST:PORT)\n", listen_addr);
        return -1;
    }
    web_db_uri = cfg->db_uri;
    /* Signals go to main's sigwait only: block them before any thread starts. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Memory (the 64 MB budget of docs/performance.md): glibc gives each thread that mallocs its
     * own arena, which keeps its freed memory; two arenas serve this server's few threads as well.
     * A fixed mmap threshold keeps big buffers (argon2id's 19 MiB, large bodies) out of the arenas:
     * glibc would otherwise raise the threshold after the first such free and keep them resident.
     */
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    /* An arena hands back its free top above 128 KiB by default (madvise), and a district's
     * queue page (~80 KB, built in a ~100 KB buffer and copied) then faults in fresh pages on
     * every request: 15 % of that page's CPU. Keeping up to 2 MiB free at the top costs no
     * peak memory (it was in use just before) and saves both. */
    mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
    /* No handler blocks its thread for long: lists use indexes, saves hold the write lock only
     * for the writes, a save's connection waits for the disk's flush suspended (web_finish),
     * and what is slow on purpose runs on the slow pool. So one thread per core serves: more
     * would only take turns on the cores, and a request cut off by such a turn waits for the
     * other thread's (p99 at 64 connections). */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = (unsigned)(cores > 1 ? cores : 2);
    if (web_guard_start(&cfg->guard) != 0) return -1;
    web_slow_start(threads);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME,
        0, web_guard_accept, NULL, web_access, cfg, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 1000u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)WEB_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, web_completed, cfg,
        MHD_OPTION_NOTIFY_CONNECTION, web_guard_notify, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "smip: cannot listen on %s\n", listen_addr);
        web_slow_stop();
        web_guard_stop();
        return -1;
    }
    fprintf(stderr, "smip: serving on http://%s/\n", listen_addr);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "smip: signal %d, stopping\n", sig);
    /* No connection may stay suspended when libmicrohttpd stops: from now on answers wait for
     * their flush in place, and those already waiting are resumed within a flush or two. */
    atomic_store(&web_stopping, true);
    for (int i = 0; i < 10000 && atomic_load(&web_suspended) > 0; i++)
        usleep(1000);
    MHD_stop_daemon(d);
    web_slow_stop();
    web_guard_stop();
    return 0;
}
