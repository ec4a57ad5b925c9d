/* session — the login sessions' rows. A session is found by the SHA-256 of its cookie's token
 * (the database never holds the token itself); it dies after 30 minutes idle or 12 hours in all,
 * and with its account's `active` status. The cookie itself is the web layer's (web/session.c). */
#ifndef SMIP_SERVICE_SESSION_H
#define SMIP_SERVICE_SESSION_H

#include <stdint.h>

#include "service/svc.h"

enum {
    SVC_SESSION_IDLE = 30 * 60,
    SVC_SESSION_ABSOLUTE = 12 * 3600,
    /* last_seen is refreshed at most once a minute: a write per request would queue every page
     * view behind the write lock. Idle expiry is therefore exact to within this much. */
    SVC_SESSION_TOUCH = 60,
};

typedef struct svc_session {
    svc_actor actor;
    char csrf_token[65];
    char display_name[256]; /* "" when the account has none */
} svc_session;

/* The live session of token hash `hash` (64 hex digits) at `now` into *out: 1 when found and
 * alive (its last_seen refreshed when older than SVC_SESSION_TOUCH); 0 when there is none or it
 * died (its row is then removed); -1 when the database failed. */
int svc_session_find(db *d, const char *hash, int64_t now, svc_session *out);

/* Records a new session (token hash `hash`, CSRF token `csrf`) for `account_id`, ending the
 * session `replaced` (a hash, or NULL) of the same browser and sweeping expired ones; 0 or -1. */
int svc_session_create(db *d, const char *hash, int64_t account_id, const char *csrf,
                       const char *replaced, int64_t now);

/* Ends the session of token hash `hash`. */
void svc_session_delete(db *d, const char *hash);

#endif
