/* session — the login cookie. The cookie carries 32 random bytes (base64url); the database keeps
 * only their SHA-256, so a copy of the database cannot be replayed as cookies. A session dies
 * after 30 minutes idle or 12 hours in all, and with its account's `active` status. */
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/web.h"

#define SESSION_COOKIE "smip_session"
#define SESSION_IDLE (30 * 60)
#define SESSION_ABSOLUTE (12 * 3600)
/* last_seen is refreshed at most once a minute: a write per request would queue every page
 * view behind the write lock. Idle expiry is therefore exact to within this much. */
#define SESSION_TOUCH 60
#define SESSION_TOKEN_BYTES 32
#define SESSION_COOKIE_LEN 43 /* base64url of 32 bytes, no padding */

/* The hex SHA-256 of the token a cookie value carries; -1 when the value is not a token. */
static int session_hash_cookie(const char *cookie, char out[65])
{
    unsigned char raw[SESSION_TOKEN_BYTES];
    size_t n = 0;
    if (!cookie || strlen(cookie) != SESSION_COOKIE_LEN) return -1;
    if (sodium_base642bin(raw, sizeof raw, cookie, SESSION_COOKIE_LEN, NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof raw)
        return -1;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, raw, sizeof raw);
    sodium_bin2hex(out, 65, h, sizeof h);
    return 0;
}

static void session_set_cookie(req *r, const char *value, bool expire)
{
    free(r->set_cookie);
    r->set_cookie =
        xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", SESSION_COOKIE, value,
                  expire ? "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : "; Max-Age=43200",
                  r->cfg->secure_cookies ? "; Secure" : "");
}

static void session_delete(req *r, const char *hash)
{
    if (db_begin(r->db) != 0) return;
    db_exec(r->db, "DELETE FROM sessions WHERE token_hash = ?", "t", hash);
    db_commit(r->db);
}

/* Returns 0 whether or not a live session was found (r->actor.id tells), -1 when the database
 * failed; a dead session's row is removed on the way. */
int web_session_load(req *r)
{
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    char hash[65];
    memset(&r->actor, 0, sizeof r->actor);
    r->display_name = NULL;
    r->session_hash[0] = r->csrf_token[0] = '\0';
    if (session_hash_cookie(cookie, hash) != 0) return 0;

    db_stmt *s = db_query(r->db,
                          "SELECT s.account_id, s.csrf_token, s.created_at, s.last_seen, "
                          "a.username, a.role, a.status, a.district_code, a.enterprise_id, "
                          "a.imp_connected, a.imp_bound, a.display_name "
                          "FROM sessions s JOIN accounts a ON a.id = s.account_id "
                          "WHERE s.token_hash = ?",
                          "t", hash);
    if (!s) return -1;
    if (!db_next(s)) {
        db_done(s);
        return 0;
    }
    int64_t created = db_int(s, 2), last_seen = db_int(s, 3);
    bool alive = r->now - last_seen < SESSION_IDLE && r->now - created < SESSION_ABSOLUTE &&
                 strcmp(db_text(s, 6), "active") == 0;
    if (alive) {
        svc_actor *a = &r->actor;
        a->id = db_int(s, 0);
        snprintf(r->csrf_token, sizeof r->csrf_token, "%s", db_text(s, 1));
        snprintf(a->username, sizeof a->username, "%s", db_text(s, 4));
        snprintf(a->role, sizeof a->role, "%s", db_text(s, 5));
        snprintf(a->status, sizeof a->status, "%s", db_text(s, 6));
        snprintf(a->district_code, sizeof a->district_code, "%s",
                 db_is_null(s, 7) ? "" : db_text(s, 7));
        a->enterprise_id = db_is_null(s, 8) ? 0 : db_int(s, 8);
        a->imp_connected = db_int(s, 9) != 0;
        a->imp_bound = db_int(s, 10) != 0;
        r->display_name = db_is_null(s, 11) ? NULL : arena_strdup(r->a, db_text(s, 11));
        memcpy(r->session_hash, hash, sizeof hash);
    }
    db_done(s);
    if (!alive) {
        session_delete(r, hash);
        return 0;
    }
    if (r->now - last_seen >= SESSION_TOUCH && db_begin(r->db) == 0) {
        db_exec(r->db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", "it", r->now,
                hash);
        db_commit(r->db);
    }
    return 0;
}

/* Starts a session for an account whose credentials were just checked: a fresh token (the old
 * session of this browser, if any, is ended so a planted cookie cannot be promoted), the cookie
 * in r->set_cookie, the CSRF token in csrf_out. Returns 0 or -1. */
int web_session_start(req *r, int64_t account_id, char csrf_out[65])
{
    unsigned char raw[SESSION_TOKEN_BYTES], csrf[32], h[crypto_hash_sha256_BYTES];
    char cookie[SESSION_COOKIE_LEN + 1], hash[65];
    randombytes_buf(raw, sizeof raw);
    randombytes_buf(csrf, sizeof csrf);
    sodium_bin2base64(cookie, sizeof cookie, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_hash_sha256(h, raw, sizeof raw);
    sodium_bin2hex(hash, sizeof hash, h, sizeof h);
    sodium_bin2hex(csrf_out, 65, csrf, sizeof csrf);
    sodium_memzero(raw, sizeof raw);

    if (db_begin(r->db) != 0) return -1;
    if (r->session_hash[0])
        db_exec(r->db, "DELETE FROM sessions WHERE token_hash = ?", "t", r->session_hash);
    /* Sessions never presented again would stay forever: sweep the expired ones at each login,
     * which costs far less than the password hash that preceded it. */
    db_exec(r->db, "DELETE FROM sessions WHERE last_seen <= ? OR created_at <= ?", "ii",
            r->now - SESSION_IDLE, r->now - SESSION_ABSOLUTE);
    if (db_exec(r->db,
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen) "
                "VALUES (?, ?, ?, ?, ?)",
                "titii", hash, account_id, csrf_out, r->now, r->now) != 0 ||
        db_commit(r->db) != 0) {
        db_rollback(r->db);
        return -1;
    }
    memcpy(r->session_hash, hash, sizeof hash);
    memcpy(r->csrf_token, csrf_out, 65);
    session_set_cookie(r, cookie, false);
    return 0;
}

void web_session_end(req *r)
{
    if (r->session_hash[0]) session_delete(r, r->session_hash);
    r->session_hash[0] = r->csrf_token[0] = '\0';
    memset(&r->actor, 0, sizeof r->actor);
    session_set_cookie(r, "", true);
}
