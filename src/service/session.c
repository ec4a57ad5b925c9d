/* session — the login sessions' rows (see session.h). */
#include "service/session.h"

#include <stdio.h>
#include <string.h>

void svc_session_delete(db *d, const char *hash)
{
    if (db_begin(d) != 0) return;
    db_exec(d, "DELETE FROM sessions WHERE token_hash = ?", "t", hash);
    db_commit(d);
}

static void session_actor(db_stmt *s, svc_session *out)
{
    svc_actor *a = &out->actor;
    a->id = db_int(s, 0);
    snprintf(out->csrf_token, sizeof out->csrf_token, "%s", db_text(s, 1));
    snprintf(a->username, sizeof a->username, "%s", db_text(s, 4));
    snprintf(a->role, sizeof a->role, "%s", db_text(s, 5));
    snprintf(a->status, sizeof a->status, "%s", db_text(s, 6));
    snprintf(a->district_code, sizeof a->district_code, "%s",
             db_is_null(s, 7) ? "" : db_text(s, 7));
    a->enterprise_id = db_is_null(s, 8) ? 0 : db_int(s, 8);
    a->imp_connected = db_int(s, 9) != 0;
    a->imp_bound = db_int(s, 10) != 0;
    snprintf(out->display_name, sizeof out->display_name, "%s",
             db_is_null(s, 11) ? "" : db_text(s, 11));
}

int svc_session_find(db *d, const char *hash, int64_t now, svc_session *out)
{
    memset(out, 0, sizeof *out);
    db_stmt *s = db_query(d,
                          "SELECT s.account_id, s.csrf_token, s.created_at, s.last_seen, "
                          "a.username, a.role, a.status, a.district_code, a.enterprise_id, "
                          "a.imp_connected, a.imp_bound, a.display_name "
                          "FROM sessions s JOIN accounts a ON a.id = s.account_id "
                          "WHERE s.token_hash = ?",
                          "t", hash);
    if (!db_next(s)) {
        int rc = db_failed(s) ? -1 : 0;
        db_done(s);
        return rc;
    }
    int64_t created = db_int(s, 2), last_seen = db_int(s, 3);
    bool alive = now - last_seen < SVC_SESSION_IDLE && now - created < SVC_SESSION_ABSOLUTE &&
                 strcmp(db_text(s, 6), "active") == 0;
    if (alive) session_actor(s, out);
    db_done(s);
    if (!alive) {
        memset(out, 0, sizeof *out);
        svc_session_delete(d, hash);
        return 0;
    }
    if (now - last_seen >= SVC_SESSION_TOUCH && db_begin(d) == 0) {
        db_exec(d, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", "it", now, hash);
        db_commit(d);
    }
    return 1;
}

int svc_session_create(db *d, const char *hash, int64_t account_id, const char *csrf,
                       const char *replaced, int64_t now)
{
    if (db_begin(d) != 0) return -1;
    if (replaced && replaced[0])
        db_exec(d, "DELETE FROM sessions WHERE token_hash = ?", "t", replaced);
    /* Sessions never presented again would stay forever: sweep the expired ones at each login,
     * which costs far less than the password hash that preceded it. */
    db_exec(d, "DELETE FROM sessions WHERE last_seen <= ? OR created_at <= ?", "ii",
            now - SVC_SESSION_IDLE, now - SVC_SESSION_ABSOLUTE);
    if (db_exec(d,
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen) "
                "VALUES (?, ?, ?, ?, ?)",
                "titii", hash, account_id, csrf, now, now) != 0 ||
        db_commit(d) != 0) {
        db_rollback(d);
        return -1;
    }
    return 0;
}
