/* unit_tmp — what the unit tests share for files: a temporary folder of their own under $TMPDIR
 * (default /tmp), its removal, and a fresh SQLite database in it with the reference data seeded
 * (migrations, districts, holidays, the 2020 batch), and an enterprise account in it.
 * Header-only: each test is one program. */
#ifndef SMIP_UNIT_TMP_H
#define SMIP_UNIT_TMP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/reference.h"
#include "service/svc.h"
#include "store/db.h"
#include "util/util.h"

#define UNIT_DIR_MAX 256

/* Makes $TMPDIR/smip-NAME-XXXXXX into `dir` (UNIT_DIR_MAX bytes); 0 or -1. */
static inline int unit_tmpdir(char dir[UNIT_DIR_MAX], const char *name)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, UNIT_DIR_MAX, "%s/smip-%s-XXXXXX", base && *base ? base : "/tmp", name);
    return mkdtemp(dir) ? 0 : -1;
}

/* Removes `dir` and everything in it; 0 or -1. */
static inline int unit_rmtree(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    int rc = system(cmd);
    free(cmd);
    if (rc != 0) fprintf(stderr, "could not remove %s\n", dir);
    return rc == 0 ? 0 : -1;
}

/* A new database dir/t.db with the reference data, at 2020-03-17 10:00 +08:00; NULL (reason on
 * stderr) on failure. */
static inline db *unit_db(const char *dir, const svc_config *cfg)
{
    char *path = xasprintf("%s/t.db", dir), *err = NULL;
    db *d = db_open(path, &err);
    free(path);
    if (d) {
        svc_ctx boot = {.db = d, .now = 1584410400, .cfg = cfg};
        if (svc_seed_reference(&boot, &err) == 0) return d;
        db_close(d);
        d = NULL;
    }
    fprintf(stderr, "unit_db: %s\n", err ? err : "?");
    free(err);
    return NULL;
}

/* A fixture's end: closes d, removes dir and frees fx (which holds both); 0 for cmocka. */
static inline int unit_teardown(db *d, const char *dir, void *fx)
{
    db_close(d);
    unit_rmtree(dir);
    free(fx);
    return 0;
}

/* An active, connected enterprise account `user` of enterprise eid into *a (its id set). */
static inline void unit_enterprise_actor(db *d, svc_actor *a, const char *user, int64_t eid)
{
    memset(a, 0, sizeof *a);
    snprintf(a->username, sizeof a->username, "%s", user);
    snprintf(a->role, sizeof a->role, "enterprise");
    snprintf(a->status, sizeof a->status, "active");
    a->enterprise_id = eid;
    a->imp_connected = a->imp_bound = true;
    a->id = db_insert(d,
                      "INSERT INTO accounts (username, password_hash, role, status, enterprise_id, "
                      "imp_connected, imp_bound, created_at) VALUES (?, 'x', 'enterprise', "
                      "'active', ?, 1, 1, 1)",
                      "ti", user, eid);
}

#endif
