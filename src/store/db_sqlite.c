/* db_sqlite — the SQLite backend of db.h (db.c dispatches to it for any URI that is not
 * postgresql://): WAL, synchronous=FULL, foreign keys on, a statement cache per connection,
 * numbered migrations embedded in the binary. */
#include "store/db_impl.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/assets.h"
#include "util/util.h"

typedef struct dbs_conn dbs_conn;

typedef struct dbs_stmt {
    db_stmt base; /* first: a db_stmt * is a dbs_stmt * */
    sqlite3_stmt *st;
    dbs_conn *owner;
    bool has_row;
    bool failed;
} dbs_stmt;

typedef struct db_cache_entry {
    const char *sql; /* the caller's SQL text (string literals live for the program) */
    dbs_stmt stmt;
    struct db_cache_entry *next;
} db_cache_entry;

enum { DB_CACHE_BUCKETS = 128 };

struct dbs_conn {
    db base; /* first: a db * is a dbs_conn * */
    sqlite3 *h;
    db_cache_entry *cache[DB_CACHE_BUCKETS];
    bool in_tx;
    int64_t changes;
    char errmsg[512];
};

/* Writers of one process queue here before BEGIN IMMEDIATE; readers never take it. */
static pthread_mutex_t db_write_lock = PTHREAD_MUTEX_INITIALIZER;

static const db_vtab dbs_vtab;

#define DBS(d) ((dbs_conn *)(d))
#define DBS_STMT(s) ((dbs_stmt *)(s))

static void dbs_set_error(dbs_conn *d, const char *what)
{
    snprintf(d->errmsg, sizeof d->errmsg, "%s: %s", what, sqlite3_errmsg(d->h));
}

static const char *dbs_error(db *d)
{
    return DBS(d)->errmsg;
}

static unsigned dbs_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static dbs_stmt *dbs_prepare(dbs_conn *d, const char *sql)
{
    unsigned b = dbs_hash(sql) % DB_CACHE_BUCKETS;
    for (db_cache_entry *e = d->cache[b]; e; e = e->next)
        if (e->sql == sql || strcmp(e->sql, sql) == 0) return &e->stmt;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        dbs_set_error(d, "prepare");
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
        return NULL;
    }
    db_cache_entry *e = xcalloc(1, sizeof *e);
    e->sql = xstrdup(sql);
    e->stmt.base.vt = &dbs_vtab;
    e->stmt.st = st;
    e->stmt.owner = d;
    e->next = d->cache[b];
    d->cache[b] = e;
    return &e->stmt;
}

static int dbs_bind(dbs_stmt *s, const char *types, va_list ap)
{
    sqlite3_stmt *st = s->st;
    int n = (int)strlen(types);
    if (n != sqlite3_bind_parameter_count(st)) {
        snprintf(s->owner->errmsg, sizeof s->owner->errmsg, "bind: %d values for %d placeholders",
                 n, sqlite3_bind_parameter_count(st));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int rc = SQLITE_OK;
        switch (types[i]) {
        case 'i':
            rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
            break;
        case 't': {
            const char *t = va_arg(ap, const char *);
            rc = t ? sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st, i + 1);
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            rc = sqlite3_bind_blob64(st, i + 1, p ? p : "", len, SQLITE_TRANSIENT);
            break;
        }
        case 'n':
            rc = sqlite3_bind_null(st, i + 1);
            break;
        default:
            rc = SQLITE_MISUSE;
        }
        if (rc != SQLITE_OK) {
            dbs_set_error(s->owner, "bind");
            return -1;
        }
    }
    return 0;
}

static dbs_stmt *dbs_vquery_impl(dbs_conn *d, const char *sql, const char *types, va_list ap)
{
    dbs_stmt *s = dbs_prepare(d, sql);
    if (!s) return NULL;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    s->has_row = false;
    s->failed = false;
    if (dbs_bind(s, types, ap) != 0) {
        s->failed = true;
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
    }
    return s;
}

static db_stmt *dbs_vquery(db *d, const char *sql, const char *types, va_list ap)
{
    dbs_stmt *s = dbs_vquery_impl(DBS(d), sql, types, ap);
    return s ? &s->base : NULL;
}

static bool dbs_next(db_stmt *st)
{
    dbs_stmt *s = DBS_STMT(st);
    if (s->failed) return false;
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return s->has_row = true;
    s->has_row = false;
    if (rc != SQLITE_DONE) {
        s->failed = true;
        dbs_set_error(s->owner, "step");
        fprintf(stderr, "smip: %s\n  in: %s\n", s->owner->errmsg, sqlite3_sql(s->st));
    }
    return false;
}

static void dbs_done(db_stmt *st)
{
    sqlite3_reset(DBS_STMT(st)->st);
    sqlite3_clear_bindings(DBS_STMT(st)->st);
}

static int64_t dbs_int(db_stmt *s, int col)
{
    return sqlite3_column_int64(DBS_STMT(s)->st, col);
}

static const char *dbs_text(db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(DBS_STMT(s)->st, col);
}

static const void *dbs_blob(db_stmt *s, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(DBS_STMT(s)->st, col);
    *len = (size_t)sqlite3_column_bytes(DBS_STMT(s)->st, col);
    return p;
}

static bool dbs_is_null(db_stmt *s, int col)
{
    return sqlite3_column_type(DBS_STMT(s)->st, col) == SQLITE_NULL;
}

static int dbs_vexec(db *dd, const char *sql, const char *types, va_list ap, bool want_id,
                     int64_t *id)
{
    dbs_conn *d = DBS(dd);
    dbs_stmt *s = dbs_vquery_impl(d, sql, types, ap);
    if (!s || s->failed) return -1;
    int rc = sqlite3_step(s->st);
    int ext = sqlite3_extended_errcode(d->h);
    d->changes = sqlite3_changes64(d->h);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) dbs_set_error(d, "exec");
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        if (want_id) *id = sqlite3_last_insert_rowid(d->h);
        return 0;
    }
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return 1;
    fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
    return -1;
}

static int64_t dbs_changes(db *d)
{
    return DBS(d)->changes;
}

/* ---------------------------------------------------------------- transactions */

static int dbs_begin(db *dd)
{
    dbs_conn *d = DBS(dd);
    pthread_mutex_lock(&db_write_lock);
    if (sqlite3_exec(d->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        dbs_set_error(d, "begin");
        pthread_mutex_unlock(&db_write_lock);
        return -1;
    }
    d->in_tx = true;
    return 0;
}

static int dbs_commit(db *dd)
{
    dbs_conn *d = DBS(dd);
    if (!d->in_tx) return -1;
    int rc = sqlite3_exec(d->h, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        dbs_set_error(d, "commit");
        sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
    }
    d->in_tx = false;
    pthread_mutex_unlock(&db_write_lock);
    return rc == SQLITE_OK ? 0 : -1;
}

static void dbs_rollback(db *dd)
{
    dbs_conn *d = DBS(dd);
    if (!d->in_tx) return;
    sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
    d->in_tx = false;
    pthread_mutex_unlock(&db_write_lock);
}

static bool dbs_in_tx(db *d)
{
    return DBS(d)->in_tx;
}

/* ---------------------------------------------------------------- open and migrate */

static int dbs_apply_migration(db *dd, int64_t version, const char *name, const char *sql,
                               void *arg, char **err)
{
    char *msg = NULL;
    if (sqlite3_exec(DBS(dd)->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        *err = xasprintf("migration %s: %s", name, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Applies embedded src/store/migrations/NNN_*.sql files not yet recorded, in order, in one
 * write transaction (BEGIN IMMEDIATE also keeps two processes from migrating at once). */
static int dbs_migrate(dbs_conn *d, char **err)
{
    if (sqlite3_exec(d->h,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                     "name TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK) {
        *err = xasprintf("migrate: %s", sqlite3_errmsg(d->h));
        return -1;
    }
    if (dbs_begin(&d->base) != 0) {
        *err = xasprintf("migrate: %s", d->errmsg);
        return -1;
    }
    if (db_each_pending_migration(&d->base, dbs_apply_migration, NULL, err) != 0) {
        dbs_rollback(&d->base);
        return -1;
    }
    return dbs_commit(&d->base) == 0 ? 0 : (*err = xasprintf("%s", d->errmsg), -1);
}

static void dbs_close(db *dd)
{
    dbs_conn *d = DBS(dd);
    for (int i = 0; i < DB_CACHE_BUCKETS; i++) {
        db_cache_entry *e = d->cache[i];
        while (e) {
            db_cache_entry *next = e->next;
            sqlite3_finalize(e->stmt.st);
            free((char *)e->sql);
            free(e);
            e = next;
        }
    }
    sqlite3_close_v2(d->h);
    free(d);
}

db *dbs_open(const char *uri, char **err)
{
    dbs_conn *d = xcalloc(1, sizeof *d);
    d->base.vt = &dbs_vtab;
    if (sqlite3_open_v2(uri, &d->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        *err = xasprintf("cannot open %s: %s", uri, sqlite3_errmsg(d->h));
        dbs_close(&d->base);
        return NULL;
    }
    sqlite3_busy_timeout(d->h, 10000);
    sqlite3_extended_result_codes(d->h, 1);
    /* Durability first (an application saved is saved). The page cache is per connection, so
     * per worker thread: 1 MiB each holds the hot index and table pages of the lists and point
     * reads (the OS page cache holds the rest once), and keeps the server's resident memory
     * bounded (issue 5: 64 MB). No mmap: mapped pages would count as resident too. */
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                          "PRAGMA foreign_keys=ON; PRAGMA cache_size=-1024; "
                          "PRAGMA temp_store=MEMORY;";
    char *msg = NULL;
    if (sqlite3_exec(d->h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        *err = xasprintf("pragmas: %s", msg ? msg : "?");
        sqlite3_free(msg);
        dbs_close(&d->base);
        return NULL;
    }
    if (dbs_migrate(d, err) != 0) {
        dbs_close(&d->base);
        return NULL;
    }
    return &d->base;
}

static int dbs_backup(db *dd, const char *path, char **err)
{
    sqlite3 *dst = NULL;
    if (sqlite3_open(path, &dst) != SQLITE_OK) {
        *err = xasprintf("cannot open %s", path);
        sqlite3_close(dst);
        return -1;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", DBS(dd)->h, "main");
    int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    if (b) sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) *err = xasprintf("backup: %s", sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const db_vtab dbs_vtab = {
    .name = "sqlite",
    .vquery = dbs_vquery,
    .next = dbs_next,
    .done = dbs_done,
    .col_int = dbs_int,
    .col_text = dbs_text,
    .col_blob = dbs_blob,
    .col_null = dbs_is_null,
    .vexec = dbs_vexec,
    .changes = dbs_changes,
    .begin = dbs_begin,
    .commit = dbs_commit,
    .rollback = dbs_rollback,
    .in_tx = dbs_in_tx,
    .error = dbs_error,
    .backup = dbs_backup,
    .close = dbs_close,
};
