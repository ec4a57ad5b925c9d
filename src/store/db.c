/* db — the backend-neutral half of db.h: db_open picks SQLite or PostgreSQL by the URI, every
 * other call goes through the connection's vtable, and the helpers built on queries
 * (db_scalar_*, the migration walk) are written once here for both. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_impl.h"
#include "util/assets.h"
#include "util/util.h"

/* A read of this thread failed since db_take_read_failure last asked (see db.h). */
static _Thread_local bool db_read_failed;

/* True for URIs libpq understands; anything else is a SQLite path. */
static bool db_is_pg_uri(const char *uri)
{
    return strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0;
}

db *db_open(const char *uri, char **err)
{
    return db_is_pg_uri(uri) ? dbp_open(uri, err) : dbs_open(uri, err);
}

void db_close(db *d)
{
    if (d) d->vt->close(d);
}

db_stmt *db_query(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt *s = d->vt->vquery(d, sql, types, ap);
    va_end(ap);
    if (!s || s->vt->failed(s)) db_read_failed = true;
    return s;
}

bool db_next(db_stmt *s)
{
    if (!s) return false;
    if (s->vt->next(s)) return true;
    if (s->vt->failed(s)) db_read_failed = true;
    return false;
}

bool db_take_read_failure(void)
{
    bool failed = db_read_failed;
    db_read_failed = false;
    return failed;
}

bool db_failed(db_stmt *s)
{
    return !s || s->vt->failed(s);
}

void db_done(db_stmt *s)
{
    if (s) s->vt->done(s);
}

int64_t db_int(db_stmt *s, int col)
{
    return s->vt->col_int(s, col);
}

const char *db_text(db_stmt *s, int col)
{
    return s->vt->col_text(s, col);
}

const void *db_blob(db_stmt *s, int col, size_t *len)
{
    return s->vt->col_blob(s, col, len);
}

bool db_is_null(db_stmt *s, int col)
{
    return s->vt->col_null(s, col);
}

int db_exec(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = d->vt->vexec(d, sql, types, ap, false, NULL);
    va_end(ap);
    return rc;
}

int64_t db_insert(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int64_t id = -1;
    int rc = d->vt->vexec(d, sql, types, ap, true, &id);
    va_end(ap);
    if (rc == 1) return -2;
    return rc == 0 ? id : -1;
}

int64_t db_changes(db *d)
{
    return d->vt->changes(d);
}

int64_t db_scalar_int(db *d, int64_t def, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt *s = d->vt->vquery(d, sql, types, ap);
    va_end(ap);
    int64_t v = def;
    if (db_next(s) && !db_is_null(s, 0)) v = db_int(s, 0);
    db_done(s);
    return v;
}

char *db_scalar_text(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt *s = d->vt->vquery(d, sql, types, ap);
    va_end(ap);
    char *v = NULL;
    if (db_next(s) && !db_is_null(s, 0)) v = xstrdup(db_text(s, 0));
    db_done(s);
    return v;
}

int db_begin(db *d)
{
    return d->vt->begin(d);
}

int db_commit(db *d)
{
    return d->vt->commit(d);
}

void db_rollback(db *d)
{
    d->vt->rollback(d);
}

void db_defer_flush(db *d, bool on)
{
    if (d->vt->defer_flush) d->vt->defer_flush(d, on);
}

uint64_t db_take_unflushed(db *d)
{
    return d->vt->take_unflushed ? d->vt->take_unflushed(d) : 0;
}

int db_when_flushed(db *d, uint64_t token, void (*fn)(void *arg, int rc), void *arg)
{
    if (!token || !d->vt->when_flushed) return 0;
    return d->vt->when_flushed(d, token, fn, arg);
}

int db_wait_flushed(db *d, uint64_t token)
{
    if (!token || !d->vt->when_flushed) return 0;
    return d->vt->when_flushed(d, token, NULL, NULL);
}

void db_read_begin(db *d)
{
    if (d->vt->read_begin) d->vt->read_begin(d);
}

void db_read_end(db *d)
{
    if (d->vt->read_end) d->vt->read_end(d);
}

bool db_in_tx(db *d)
{
    return d->vt->in_tx(d);
}

const char *db_error(db *d)
{
    return d->vt->error(d);
}

int db_backup(db *d, const char *path, char **err)
{
    return d->vt->backup(d, path, err);
}

/* ---------------------------------------------------------------- migrations */

/* Checks an applied migration against the text this binary carries: 0 when they are the same
 * (or none was recorded yet, which records it now), -1 with *err when it was changed after it
 * was applied — the database was built from the old text, so the new one would never run (a
 * kept bench seed once ran without an index that way). A change is a new migration. */
static int db_migration_unchanged(db *d, int64_t version, const char *base, const char *hash,
                                  char **err)
{
    char *was = db_scalar_text(d, "SELECT sha256 FROM schema_migration_hashes WHERE version = ?",
                               "i", version);
    int rc = 0;
    if (!was) {
        if (db_exec(d, "INSERT INTO schema_migration_hashes (version, sha256) VALUES (?, ?)", "it",
                    version, hash) != 0) {
            *err = xasprintf("migration %s: %s", base, db_error(d));
            rc = -1;
        }
    } else if (strcmp(was, hash) != 0) {
        *err = xasprintf("migration %s was changed after it was applied to this database "
                         "(sha256 %.12s... then, %.12s... now): restore it and add a new migration",
                         base, was, hash);
        rc = -1;
    }
    free(was);
    return rc;
}

int db_each_pending_migration(db *d,
                              int (*fn)(db *d, int64_t version, const char *name, const char *sql,
                                        void *arg, char **err),
                              void *arg, char **err)
{
    if (db_exec(d,
                "CREATE TABLE IF NOT EXISTS schema_migration_hashes (version BIGINT PRIMARY KEY, "
                "sha256 TEXT NOT NULL)",
                "") != 0) {
        *err = xasprintf("migrations: %s", db_error(d));
        return -1;
    }
    /* assets_files is sorted by name (the Makefile sorts), so NNN_ files come in order. */
    const char *prefix = "src/store/migrations/";
    for (const assets_file *f = assets_files; f->name; f++) {
        if (strncmp(f->name, prefix, strlen(prefix)) != 0) continue;
        const char *base = f->name + strlen(prefix);
        int64_t version = strtoll(base, NULL, 10);
        if (version <= 0) continue;
        unsigned char h[crypto_hash_sha256_BYTES];
        char hash[crypto_hash_sha256_BYTES * 2 + 1];
        crypto_hash_sha256(h, (const unsigned char *)f->data, f->len);
        sodium_bin2hex(hash, sizeof hash, h, sizeof h);
        if (db_scalar_int(d, 0, "SELECT count(*) FROM schema_migrations WHERE version = ?", "i",
                          version) > 0) {
            if (db_migration_unchanged(d, version, base, hash, err) != 0) return -1;
            continue;
        }
        int rc = fn(d, version, base, f->data, arg, err);
        if (rc != 0) return rc;
        if (db_exec(d, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", "it", version,
                    base) != 0 ||
            db_exec(d, "INSERT INTO schema_migration_hashes (version, sha256) VALUES (?, ?)", "it",
                    version, hash) != 0) {
            *err = xasprintf("migration %s: %s", base, db_error(d));
            return -1;
        }
    }
    return 0;
}
