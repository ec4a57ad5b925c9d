/* db_impl — what a store backend provides to db.c, which dispatches db.h's functions through it.
 * Each backend's connection and statement structs begin with `db` / `db_stmt` (their vtable), so
 * a `db *` is a pointer to the backend's own struct. Not for use outside src/store/. */
#ifndef SMIP_DB_IMPL_H
#define SMIP_DB_IMPL_H

#include <stdarg.h>

#include "store/db.h"

typedef struct db_vtab {
    const char *name; /* "sqlite", "postgresql": for messages */
    db_stmt *(*vquery)(db *d, const char *sql, const char *types, va_list ap);
    bool (*next)(db_stmt *s);
    void (*done)(db_stmt *s);
    bool (*failed)(db_stmt *s); /* the last step or the statement itself failed */
    int64_t (*col_int)(db_stmt *s, int col);
    const char *(*col_text)(db_stmt *s, int col);
    const void *(*col_blob)(db_stmt *s, int col, size_t *len);
    bool (*col_null)(db_stmt *s, int col);
    /* want_id: the statement is an INSERT whose new row id is wanted (db_insert). */
    int (*vexec)(db *d, const char *sql, const char *types, va_list ap, bool want_id, int64_t *id);
    int64_t (*changes)(db *d);
    int (*begin)(db *d);
    int (*commit)(db *d);
    void (*rollback)(db *d);
    bool (*in_tx)(db *d);
    /* Optional (NULL: reads need nothing): a read snapshot over several statements. */
    void (*read_begin)(db *d);
    void (*read_end)(db *d);
    /* Optional (NULL: every commit is durable when it returns): deferred flushes, see db.h. */
    void (*defer_flush)(db *d, bool on);
    uint64_t (*take_unflushed)(db *d);
    /* fn NULL: wait in the calling thread (db_wait_flushed). */
    int (*when_flushed)(db *d, uint64_t token, void (*fn)(void *arg, int rc), void *arg);
    const char *(*error)(db *d);
    int (*backup)(db *d, const char *path, char **err);
    void (*close)(db *d);
} db_vtab;

struct db {
    const db_vtab *vt;
};

struct db_stmt {
    const db_vtab *vt;
};

/* The backends' openers (db_open picks one by the URI's scheme). */
db *dbs_open(const char *path, char **err);
db *dbp_open(const char *uri, char **err);

/* The migration files embedded in the binary, in version order: calls `fn` for each one whose
 * version is not in schema_migrations yet; stops at the first non-zero return. Each applied
 * one's SHA-256 is recorded (schema_migration_hashes); an applied migration whose text has
 * changed since is an error, never silently skipped. */
int db_each_pending_migration(db *d,
                              int (*fn)(db *d, int64_t version, const char *name, const char *sql,
                                        void *arg, char **err),
                              void *arg, char **err);

#endif
