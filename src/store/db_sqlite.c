/* db_sqlite — the SQLite implementation of db.h: WAL, synchronous=FULL, foreign keys on,
 * a statement cache per connection, numbered migrations embedded in the binary. */
#include "store/db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/assets.h"
#include "util/util.h"

struct db_stmt {
    sqlite3_stmt *st;
    db *owner;
    bool has_row;
    bool failed;
};

typedef struct db_cache_entry {
    const char *sql; /* the caller's SQL text (string literals live for the program) */
    db_stmt stmt;
    struct db_cache_entry *next;
} db_cache_entry;

enum { DB_CACHE_BUCKETS = 128 };

struct db {
    sqlite3 *h;
    db_cache_entry *cache[DB_CACHE_BUCKETS];
    bool in_tx;
    int64_t changes;
    char errmsg[512];
};

/* Writers of one process queue here before BEGIN IMMEDIATE; readers never take it. */
static pthread_mutex_t db_write_lock = PTHREAD_MUTEX_INITIALIZER;

static void db_set_error(db *d, const char *what)
{
    snprintf(d->errmsg, sizeof d->errmsg, "%s: %s", what, sqlite3_errmsg(d->h));
}

const char *db_error(db *d)
{
    return d->errmsg;
}

static unsigned db_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static db_stmt *db_prepare(db *d, const char *sql)
{
    unsigned b = db_hash(sql) % DB_CACHE_BUCKETS;
    for (db_cache_entry *e = d->cache[b]; e; e = e->next)
        if (e->sql == sql || strcmp(e->sql, sql) == 0) return &e->stmt;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        db_set_error(d, "prepare");
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
        return NULL;
    }
    db_cache_entry *e = xcalloc(1, sizeof *e);
    e->sql = xstrdup(sql);
    e->stmt.st = st;
    e->stmt.owner = d;
    e->next = d->cache[b];
    d->cache[b] = e;
    return &e->stmt;
}

static int db_bind(db_stmt *s, const char *types, va_list ap)
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
            db_set_error(s->owner, "bind");
            return -1;
        }
    }
    return 0;
}

static db_stmt *db_vquery(db *d, const char *sql, const char *types, va_list ap)
{
    db_stmt *s = db_prepare(d, sql);
    if (!s) return NULL;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    s->has_row = false;
    s->failed = false;
    if (db_bind(s, types, ap) != 0) {
        s->failed = true;
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
    }
    return s;
}

db_stmt *db_query(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt *s = db_vquery(d, sql, types, ap);
    va_end(ap);
    return s;
}

bool db_next(db_stmt *s)
{
    if (!s || s->failed) return false;
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return s->has_row = true;
    s->has_row = false;
    if (rc != SQLITE_DONE) {
        s->failed = true;
        db_set_error(s->owner, "step");
        fprintf(stderr, "smip: %s\n  in: %s\n", s->owner->errmsg, sqlite3_sql(s->st));
    }
    return false;
}

void db_done(db_stmt *s)
{
    if (!s) return;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}

int64_t db_int(db_stmt *s, int col)
{
    return sqlite3_column_int64(s->st, col);
}

const char *db_text(db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(s->st, col);
}

const void *db_blob(db_stmt *s, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(s->st, col);
    *len = (size_t)sqlite3_column_bytes(s->st, col);
    return p;
}

bool db_is_null(db_stmt *s, int col)
{
    return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static int db_vexec(db *d, const char *sql, const char *types, va_list ap)
{
    db_stmt *s = db_vquery(d, sql, types, ap);
    if (!s || s->failed) return -1;
    int rc = sqlite3_step(s->st);
    int ext = sqlite3_extended_errcode(d->h);
    d->changes = sqlite3_changes64(d->h);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) db_set_error(d, "exec");
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return 0;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return 1;
    fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
    return -1;
}

int db_exec(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = db_vexec(d, sql, types, ap);
    va_end(ap);
    return rc;
}

int64_t db_insert(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = db_vexec(d, sql, types, ap);
    va_end(ap);
    if (rc == 1) return -2;
    if (rc != 0) return -1;
    return sqlite3_last_insert_rowid(d->h);
}

int64_t db_changes(db *d)
{
    return d->changes;
}

int64_t db_scalar_int(db *d, int64_t def, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt *s = db_vquery(d, sql, types, ap);
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
    db_stmt *s = db_vquery(d, sql, types, ap);
    va_end(ap);
    char *v = NULL;
    if (db_next(s) && !db_is_null(s, 0)) v = xstrdup(db_text(s, 0));
    db_done(s);
    return v;
}

/* ---------------------------------------------------------------- transactions */

int db_begin(db *d)
{
    pthread_mutex_lock(&db_write_lock);
    if (sqlite3_exec(d->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        db_set_error(d, "begin");
        pthread_mutex_unlock(&db_write_lock);
        return -1;
    }
    d->in_tx = true;
    return 0;
}

int db_commit(db *d)
{
    if (!d->in_tx) return -1;
    int rc = sqlite3_exec(d->h, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_set_error(d, "commit");
        sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
    }
    d->in_tx = false;
    pthread_mutex_unlock(&db_write_lock);
    return rc == SQLITE_OK ? 0 : -1;
}

void db_rollback(db *d)
{
    if (!d->in_tx) return;
    sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
    d->in_tx = false;
    pthread_mutex_unlock(&db_write_lock);
}

bool db_in_tx(db *d)
{
    return d->in_tx;
}

/* ---------------------------------------------------------------- open and migrate */

/* Applies embedded src/store/migrations/NNN_*.sql files not yet recorded, in order. */
static int db_migrate(db *d, char **err)
{
    if (sqlite3_exec(d->h,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                     "name TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (db_begin(d) != 0) goto fail;
    for (const assets_file *f = assets_files; f->name; f++) {
        const char *prefix = "src/store/migrations/";
        if (strncmp(f->name, prefix, strlen(prefix)) != 0) continue;
        const char *base = f->name + strlen(prefix);
        int64_t version = strtoll(base, NULL, 10);
        if (version <= 0) continue;
        if (db_scalar_int(d, 0, "SELECT count(*) FROM schema_migrations WHERE version = ?", "i",
                          version) > 0)
            continue;
        char *msg = NULL;
        if (sqlite3_exec(d->h, f->data, NULL, NULL, &msg) != SQLITE_OK) {
            *err = xasprintf("migration %s: %s", base, msg ? msg : "?");
            sqlite3_free(msg);
            db_rollback(d);
            return -1;
        }
        db_exec(d, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", "it", version,
                base);
    }
    return db_commit(d) == 0 ? 0 : (*err = xasprintf("%s", d->errmsg), -1);
fail:
    *err = xasprintf("migrate: %s", sqlite3_errmsg(d->h));
    return -1;
}

db *db_open(const char *uri, char **err)
{
    db *d = xcalloc(1, sizeof *d);
    if (sqlite3_open_v2(uri, &d->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        *err = xasprintf("cannot open %s: %s", uri, sqlite3_errmsg(d->h));
        db_close(d);
        return NULL;
    }
    sqlite3_busy_timeout(d->h, 10000);
    sqlite3_extended_result_codes(d->h, 1);
    /* Durability first (an application saved is saved); a small page cache per thread keeps
     * the resident memory bounded however many worker threads run. */
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                          "PRAGMA foreign_keys=ON; PRAGMA cache_size=-2000; "
                          "PRAGMA temp_store=MEMORY;";
    char *msg = NULL;
    if (sqlite3_exec(d->h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        *err = xasprintf("pragmas: %s", msg ? msg : "?");
        sqlite3_free(msg);
        db_close(d);
        return NULL;
    }
    if (db_migrate(d, err) != 0) {
        db_close(d);
        return NULL;
    }
    return d;
}

void db_close(db *d)
{
    if (!d) return;
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

int db_backup(db *d, const char *path, char **err)
{
    sqlite3 *dst = NULL;
    if (sqlite3_open(path, &dst) != SQLITE_OK) {
        *err = xasprintf("cannot open %s", path);
        sqlite3_close(dst);
        return -1;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", d->h, "main");
    int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    if (b) sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) *err = xasprintf("backup: %s", sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return rc == SQLITE_DONE ? 0 : -1;
}
