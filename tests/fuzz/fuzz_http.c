/* fuzz_http — libFuzzer harness for a request as it reaches the server: the input is the raw
 * bytes of an HTTP/1.1 request, written into a real libmicrohttpd daemon (no listening socket:
 * one socketpair per input, run in this thread), whose handler does with them what web/server.c
 * does: query strings checked and read (web_query_check, web_paging, web_query_int in
 * web/request.c), the session cookie looked up (web_session_load against an in-memory SQLite
 * database holding one live session), urlencoded and multipart bodies through the real
 * MHD_PostProcessor into web_formset (as server.c's web_post_iter feeds it), and JSON bodies
 * parsed as web_parse_body does. The answer goes back through libmicrohttpd. Seeds: requests
 * a browser or the API tests send; the cookie smip_session=AAAA…A (43 'A's: 32 zero bytes) is
 * the live session's. */
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "service/reference.h"
#include "store/db.h"
#include "util/util.h"
#include "web/form.h"
#include "web/web.h"

#define NOW 1584410400 /* 2020-03-17 10:00 +08:00 */

typedef struct hreq {
    req r;
    struct MHD_PostProcessor *pp;
    web_formset *fs;
    size_t file_bytes;
    bool in_file, refused;
} hreq;

static web_config cfg;
static db *database;

/* server.c's web_post_iter, the upload kept as a count instead of a temporary file. */
static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    hreq *h = cls;
    if (filename && *filename && h->in_file && off == 0) return MHD_YES;
    if (filename && *filename) {
        h->in_file = true;
        h->file_bytes += size;
        return MHD_YES;
    }
    if (filename) return MHD_YES;
    /* server.c destroys the PostProcessor before it finishes the fields on the request's last
     * call: a value the PostProcessor still held (an empty last one, as in "a=1&next=") comes
     * from MHD_destroy_post_processor and must find the set still there. */
    FUZZ_CHECK(h->fs,
               "the PostProcessor handed field \"%s\" after the form was finished "
               "(server.c: web_post_iter after web_formset_finish)",
               key ? key : "");
    return web_formset_add(h->fs, key, data, off, size) == WEB_FORM_OK ? MHD_YES : MHD_NO;
}

static bool type_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    return ctype && strncasecmp(ctype, want, n) == 0 &&
           (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* The request is all in: what the server reads of it, then the answer. */
static void handle(hreq *h)
{
    req *r = &h->r;
    int64_t limit = 0, offset = 0, id = 0;
    if (web_query_check(r) == 0 && web_paging(r, &limit, &offset) == 0 &&
        web_query_int(r, "batch_id", 1, INT64_MAX, "批次编号", &id) >= 0) {
        FUZZ_CHECK(limit >= 1 && limit <= 500 && offset >= 0, "paging %lld %lld", (long long)limit,
                   (long long)offset);
        web_query(r, "next");
    }
    web_session_load(r);
    if (r->actor.id) FUZZ_CHECK(strcmp(r->actor.username, "fuzz") == 0, "a session of nobody");
    if (h->fs) {
        if (h->pp) MHD_destroy_post_processor(h->pp); /* as server.c: before the finish */
        h->pp = NULL;
        h->refused = h->refused || web_formset_status(h->fs) != WEB_FORM_OK;
        json_t *form = web_formset_finish(h->fs);
        h->fs = NULL;
        FUZZ_CHECK(json_is_object(form), "the form's fields are no object");
        json_decref(form);
    } else if (r->body.len && util_utf8_valid(r->body.data, r->body.len)) {
        r->json = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, NULL);
    }
    if (!r->answered) web_json(r, 200, json_pack("{s:b}", "ok", !h->refused));
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    hreq *h = *con_cls;
    if (!h) {
        h = xcalloc(1, sizeof *h);
        *con_cls = h;
        req *r = &h->r;
        r->a = arena_new();
        r->cfg = &cfg;
        r->conn = conn;
        r->db = database;
        r->method = arena_strdup(r->a, method);
        r->path = arena_strdup(r->a, url);
        r->now = NOW;
        r->status = 200;
        sbuf_init(&r->body);
        const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        if (type_is(ctype, "multipart/form-data") ||
            type_is(ctype, "application/x-www-form-urlencoded")) {
            web_form_limits lim = {
                .max_values = 64, .max_value_bytes = 4096, .max_name_bytes = 128};
            h->fs = web_formset_new(&lim);
            /* a small buffer: values come in more pieces */
            h->pp = MHD_create_post_processor(conn, 256, post_iter, h);
            if (!h->pp) h->refused = true;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (h->pp && !h->refused) {
            if (MHD_post_process(h->pp, upload_data, n) != MHD_YES) h->refused = true;
        } else if (!h->pp && h->r.body.len + n <= 64 * 1024) {
            sbuf_append(&h->r.body, upload_data, n);
        }
        return MHD_YES;
    }
    handle(h);
    req *r = &h->r;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->resp_len, r->resp_body ? r->resp_body : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (r->resp_type) MHD_add_response_header(resp, "Content-Type", r->resp_type);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    hreq *h = *con_cls;
    if (!h) return;
    if (h->pp) MHD_destroy_post_processor(h->pp);
    web_formset_free(h->fs);
    json_decref(h->r.json);
    free(h->r.resp_body);
    free(h->r.resp_type);
    free(h->r.set_cookie);
    free(h->r.location);
    free(h->r.disposition);
    sbuf_free(&h->r.body);
    arena_free(h->r.a);
    free(h);
    *con_cls = NULL;
}

/* An in-memory database with the schema and one live session of account "fuzz". */
static void setup(void)
{
    char *err = NULL;
    database = db_open(":memory:", &err);
    FUZZ_CHECK(database, "db_open: %s", err ? err : "?");
    static svc_config scfg;
    svc_ctx boot = {.db = database, .now = NOW, .cfg = &scfg};
    FUZZ_CHECK(svc_seed_reference(&boot, &err) == 0, "seed: %s", err ? err : "?");
    int64_t id = db_insert(database,
                           "INSERT INTO accounts (username, password_hash, role, status, "
                           "created_at) VALUES ('fuzz', 'x', 'admin', 'active', 1)",
                           "");
    FUZZ_CHECK(id > 0, "no account");
    /* sha256 of 32 zero bytes: the token of the cookie 43 × 'A' */
    FUZZ_CHECK(db_exec(database,
                       "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, "
                       "last_seen) VALUES ('66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a"
                       "591d0d5f2925', ?, 'csrf', ?, ?)",
                       "iii", id, (int64_t)NOW - 10, (int64_t)NOW - 5) == 0,
               "no session");
    cfg.max_upload = cfg.max_json = 64 * 1024;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct MHD_Daemon *d;
    if (!d) {
        setup();
        d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, access_cb, NULL,
                             MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
                             MHD_OPTION_CONNECTION_TIMEOUT, 1U, MHD_OPTION_END);
        FUZZ_CHECK(d, "MHD_start_daemon failed");
    }
    if (size > 16384) return 0;
    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    /* the request is written whole before the server reads (the pair's buffer holds it) */
    size_t done = 0;
    while (done < size) {
        ssize_t w = send(sv[0], data + done, size - done, MSG_NOSIGNAL);
        FUZZ_CHECK(w > 0, "send");
        done += (size_t)w;
    }
    shutdown(sv[0], SHUT_WR);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (MHD_add_connection(d, sv[1], (struct sockaddr *)&peer, sizeof peer) != MHD_YES) {
        close(sv[1]);
        close(sv[0]);
        return 0;
    }
    char buf[4096];
    for (int i = 0; i < 10000; i++) {
        MHD_run(d);
        ssize_t n = recv(sv[0], buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
    }
    close(sv[0]);
    /* let the daemon notice the closed peer and finish the connection */
    for (int i = 0; i < 4; i++)
        MHD_run(d);
    return 0;
}
