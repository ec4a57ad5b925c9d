/* session — the login cookie. The cookie carries 32 random bytes (base64url); the database keeps
 * only their SHA-256, so a copy of the database cannot be replayed as cookies. The sessions'
 * rows and their lifetime are the service's (service/session.c). */
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/session.h"
#include "web/web.h"

#define SESSION_COOKIE "smip_session"
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
    svc_session s;
    int rc = svc_session_find(r->db, hash, r->now, &s);
    if (rc <= 0) return rc;
    r->actor = s.actor;
    memcpy(r->csrf_token, s.csrf_token, sizeof r->csrf_token);
    r->display_name = s.display_name[0] ? arena_strdup(r->a, s.display_name) : NULL;
    memcpy(r->session_hash, hash, sizeof hash);
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

    if (svc_session_create(r->db, hash, account_id, csrf_out, r->session_hash, r->now) != 0)
        return -1;
    memcpy(r->session_hash, hash, sizeof hash);
    memcpy(r->csrf_token, csrf_out, 65);
    session_set_cookie(r, cookie, false);
    return 0;
}

void web_session_end(req *r)
{
    if (r->session_hash[0]) svc_session_delete(r->db, r->session_hash);
    r->session_hash[0] = r->csrf_token[0] = '\0';
    memset(&r->actor, 0, sizeof r->actor);
    session_set_cookie(r, "", true);
}
