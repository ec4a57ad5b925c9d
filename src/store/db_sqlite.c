/* db_sqlite — the SQLite backend of db.h (db.c dispatches to it for any URI that is not
 * postgresql://): WAL, every commit durable before it returns, foreign keys on, a statement
 * cache per connection, numbered migrations embedded in the binary.
 *
 * Each db (one per worker thread) reads through its own SQLite connection; write transactions
 * of every db of one file in this process run on one shared writer connection, taken with the
 * write mutex. In WAL mode a connection drops its whole page cache when another connection has
 * written, so when each thread wrote through its own connection every save started cold and
 * read ~40 pages back with pread inside the write lock; the one writer keeps its cache. */
#include "store/db_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A SQLite connection with its statement cache. */
typedef struct dbs_handle {
    sqlite3 *h;
    db_cache_entry *cache[DB_CACHE_BUCKETS];
} dbs_handle;

/* The shared writer of one database file (see the top): used only under its own write lock,
 * which also guards the group commit state. Files are independent: each has its own lock. */
enum { DBS_GROUP_MAX = 32, DBS_GROUP_RING = 64 };
typedef struct dbs_writer {
    char *path;
    dbs_handle hd;
    int refs;
    struct dbs_writer *next;
    pthread_mutex_t lock;       /* writers of this file queue here before BEGIN IMMEDIATE */
    atomic_int want;            /* threads that asked for `lock` and do not hold it yet */
    bool open;                  /* a group transaction is open on hd */
    uint64_t gen;               /* the open (or last) group */
    uint64_t done_gen;          /* the last group whose COMMIT has finished */
    int members;                /* transactions in the open group */
    bool detached;              /* a member of the open group left without waiting (deferred) */
    int rc[DBS_GROUP_RING];     /* each finished group's COMMIT result, by gen % ring */
    bool wrote;                 /* the WAL hook: the COMMIT running now wrote frames */
    bool dirty[DBS_GROUP_RING]; /* each finished group wrote frames, so needs a flush */
    pthread_cond_t committed;
    /* Durability (see dbs_durable), guarded by sync_mu, not by lock. */
    pthread_mutex_t sync_mu;
    pthread_cond_t synced_cv; /* a flush ended, a waiter came, or the flusher is to stop */
    uint64_t written;         /* groups whose COMMIT has written the WAL (set under lock) */
    uint64_t synced;          /* groups known to be on disk */
    bool syncing;             /* a thread is flushing the WAL now */
    int sync_err;             /* errno of a failed flush; every later commit fails too */
    char *wal_path;
    int wal_fd;                 /* the WAL file, opened at the first flush; -1 before */
    struct dbs_waiter *waiters; /* deferred commits waiting for their flush (db_when_flushed) */
    bool flusher_on, stop;      /* the flusher thread runs; it is to stop once nothing waits */
    pthread_t flusher;
} dbs_writer;

/* A deferred commit waiting for its flush: fn(arg, rc) is called by the flusher thread. */
typedef struct dbs_waiter {
    uint64_t gen;
    void (*fn)(void *arg, int rc);
    void *arg;
    struct dbs_waiter *next;
} dbs_waiter;

struct dbs_conn {
    db base;            /* first: a db * is a dbs_conn * */
    dbs_handle own;     /* reads, and writes when there is no shared writer */
    dbs_writer *writer; /* NULL for an in-memory database */
    dbs_handle *cur;    /* &own, or the writer's inside a write transaction */
    uint64_t gen;       /* the group this db's open transaction belongs to */
    bool in_tx;
    bool in_read;       /* a deferred BEGIN of db_read_begin is open */
    bool defer;         /* db_defer_flush: commits return before their flush */
    uint64_t unflushed; /* the newest group this db committed without waiting for its flush */
    uint64_t pending;   /* the group this db's last commit left open for another to commit */
    int64_t changes;
    char errmsg[512];
};

/* Writers of an in-memory database queue here (a file's writers use their writer's lock);
 * readers never take it. */
static pthread_mutex_t db_write_lock = PTHREAD_MUTEX_INITIALIZER;
/* The shared writers, one per open database file. */
static pthread_mutex_t dbs_writers_mu = PTHREAD_MUTEX_INITIALIZER;
static dbs_writer *dbs_writers;

static const db_vtab dbs_vtab;

#define DBS(d) ((dbs_conn *)(d))
#define DBS_STMT(s) ((dbs_stmt *)(s))

static void dbs_set_error(dbs_conn *d, const char *what)
{
    snprintf(d->errmsg, sizeof d->errmsg, "%s: %s", what, sqlite3_errmsg(d->cur->h));
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
    dbs_handle *hd = d->cur;
    unsigned b = dbs_hash(sql) % DB_CACHE_BUCKETS;
    for (db_cache_entry *e = hd->cache[b]; e; e = e->next)
        if (e->sql == sql || strcmp(e->sql, sql) == 0) {
            e->stmt.owner = d; /* a writer's statement serves whichever db holds the lock */
            return &e->stmt;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(hd->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        dbs_set_error(d, "prepare");
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
        return NULL;
    }
    db_cache_entry *e = xcalloc(1, sizeof *e);
    e->sql = xstrdup(sql);
    e->stmt.base.vt = &dbs_vtab;
    e->stmt.st = st;
    e->stmt.owner = d;
    e->next = hd->cache[b];
    hd->cache[b] = e;
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

static void dbs_settle(dbs_conn *d);

static dbs_stmt *dbs_vquery_impl(dbs_conn *d, const char *sql, const char *types, va_list ap)
{
    if (d->pending && d->cur == &d->own) dbs_settle(d);
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

static bool dbs_failed(db_stmt *st)
{
    return DBS_STMT(st)->failed;
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
    int ext = sqlite3_extended_errcode(d->cur->h);
    d->changes = sqlite3_changes64(d->cur->h);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) dbs_set_error(d, "exec");
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        if (want_id) *id = sqlite3_last_insert_rowid(d->cur->h);
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

/* BEGIN and COMMIT of the read snapshot run twice per request: prepared once, not parsed. */
static void dbs_step_cached(dbs_conn *d, const char *sql)
{
    dbs_stmt *s = dbs_prepare(d, sql);
    if (!s) return;
    if (sqlite3_step(s->st) != SQLITE_DONE) dbs_set_error(d, sql);
    sqlite3_reset(s->st);
}

static void dbs_read_begin(db *dd)
{
    dbs_conn *d = DBS(dd);
    if (d->in_tx || d->in_read) return;
    if (d->pending) dbs_settle(d);
    dbs_step_cached(d, "BEGIN");
    d->in_read = sqlite3_get_autocommit(d->own.h) == 0;
}

static void dbs_read_end(db *dd)
{
    dbs_conn *d = DBS(dd);
    if (!d->in_read) return;
    d->in_read = false;
    /* A statement left stepping would make COMMIT fail; readers own no changes, so ROLLBACK
     * ends the snapshot whatever state the statements are in. */
    if (sqlite3_get_autocommit(d->own.h) == 0) dbs_step_cached(d, "ROLLBACK");
}

/* Write transactions on a shared writer commit in groups. Each transaction is a SAVEPOINT
 * inside the writer's open group transaction, run under the write lock as before (so each sees
 * the ones before it, exactly as if they had committed one after the other). When it ends and
 * other threads are waiting for the lock, it leaves the group open and waits for the group's
 * COMMIT; the last transaction in (no one waiting, or DBS_GROUP_MAX members) commits for all.
 * One fsync then makes several saves durable: the disk's flush, not the number of saves, is the
 * limit during a deadline rush. Every caller still returns from db_commit only once its changes
 * are durable, and learns if the group's COMMIT failed. A rolled-back transaction rolls back to
 * its savepoint only. */
static int dbs_exec_h(dbs_conn *d, const char *sql, const char *what)
{
    /* Prepared once per connection, not parsed again at each of the four a save runs. */
    dbs_stmt *s = dbs_prepare(d, sql);
    if (!s) return -1;
    int rc = sqlite3_step(s->st);
    if (rc != SQLITE_DONE) dbs_set_error(d, what);
    sqlite3_reset(s->st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* What this db reads or writes after a commit that left its group open (dbs_group_finish)
 * must see that commit: waits for the group's COMMIT, whoever makes it (the group is open only
 * while another thread is about to join it, and the last to join commits). Whether it
 * succeeded the caller learns from its flush token; every later commit fails if it did not. */
static void dbs_settle(dbs_conn *d)
{
    dbs_writer *w = d->writer;
    uint64_t gen = d->pending;
    d->pending = 0;
    pthread_mutex_lock(&w->lock);
    while (w->done_gen < gen)
        pthread_cond_wait(&w->committed, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

static int dbs_begin(db *dd)
{
    dbs_conn *d = DBS(dd);
    dbs_read_end(dd);
    if (d->pending) dbs_settle(d);
    dbs_writer *w = d->writer;
    if (!w) { /* an in-memory database: plain transactions */
        pthread_mutex_lock(&db_write_lock);
        if (dbs_exec_h(d, "BEGIN IMMEDIATE", "begin") != 0) {
            pthread_mutex_unlock(&db_write_lock);
            return -1;
        }
        d->in_tx = true;
        return 0;
    }
    atomic_fetch_add(&w->want, 1);
    pthread_mutex_lock(&w->lock);
    atomic_fetch_sub(&w->want, 1);
    d->cur = &w->hd;
    if (!w->open) {
        if (dbs_exec_h(d, "BEGIN IMMEDIATE", "begin") != 0) {
            d->cur = &d->own;
            pthread_mutex_unlock(&w->lock);
            return -1;
        }
        w->open = true;
        w->gen++;
        w->members = 0;
    }
    if (dbs_exec_h(d, "SAVEPOINT smip_tx", "begin") != 0) {
        d->cur = &d->own;
        pthread_mutex_unlock(&w->lock);
        return -1;
    }
    w->members++;
    d->gen = w->gen;
    d->in_tx = true;
    return 0;
}

/* Opens the WAL of `w` on first use, then flushes it. Only the thread that set `syncing` calls
 * this, so wal_fd needs no lock. Any descriptor of the file will do: fdatasync flushes the file,
 * not the descriptor. The WAL outlives every flush: SQLite deletes it only when the last
 * connection to the database closes, and the writer's connection is open until dbs_writer_put. */
static int dbs_flush_wal(dbs_writer *w)
{
    if (w->wal_fd < 0) {
        w->wal_fd = open(w->wal_path, O_RDONLY | O_CLOEXEC);
        if (w->wal_fd < 0) return errno;
    }
    return fdatasync(w->wal_fd) == 0 ? 0 : errno;
}

/* One flush of the WAL by the calling thread, with sync_mu held on entry and on return (it is
 * released during the flush): every group written before it began is then on disk. */
static void dbs_flush_step(dbs_writer *w)
{
    w->syncing = true;
    uint64_t target = w->written;
    pthread_mutex_unlock(&w->sync_mu);
    int err = dbs_flush_wal(w);
    pthread_mutex_lock(&w->sync_mu);
    w->syncing = false;
    if (err) {
        w->sync_err = err;
        fprintf(stderr, "smip: flushing %s failed: %s; no write can succeed until restart\n",
                w->wal_path, strerror(err));
    } else {
        w->synced = target;
    }
    pthread_cond_broadcast(&w->synced_cv);
}

/* Returns once group `gen` is on disk. The writer runs with synchronous=NORMAL, so its COMMIT
 * writes the WAL without flushing it and the write lock is free again as soon as the pages are
 * written; the flush happens here, outside the lock, so the next group's statements run while
 * the disk flushes (with synchronous=FULL SQLite held its write lock through every fdatasync,
 * and the disk's flush bounded the saves per second). One flush covers every group written
 * before it started; the WAL is appended in commit order, so a group on disk implies every
 * group before it is. A failed flush is final: after a failed fdatasync the kernel may have
 * dropped the pages, and a later flush that succeeds would prove nothing. */
static int dbs_durable(dbs_conn *d, uint64_t gen)
{
    dbs_writer *w = d->writer;
    pthread_mutex_lock(&w->sync_mu);
    while (w->synced < gen && !w->sync_err) {
        if (w->syncing || w->written < gen) /* flushing, or the group not committed yet */
            pthread_cond_wait(&w->synced_cv, &w->sync_mu);
        else
            dbs_flush_step(w);
    }
    int err = w->sync_err;
    pthread_mutex_unlock(&w->sync_mu);
    if (!err) return 0;
    snprintf(d->errmsg, sizeof d->errmsg, "commit: flushing the WAL failed: %s", strerror(err));
    return -1;
}

/* The flusher of deferred commits: flushes while any waits, and calls each waiter once its
 * group is on disk (or the flush failed), outside the lock. Stops when told and nothing waits. */
static void *dbs_flusher(void *arg)
{
    dbs_writer *w = arg;
    pthread_mutex_lock(&w->sync_mu);
    for (;;) {
        if (!w->waiters) {
            if (w->stop) break;
            pthread_cond_wait(&w->synced_cv, &w->sync_mu);
            continue;
        }
        dbs_waiter *ready = NULL, **p = &w->waiters;
        while (*p) {
            dbs_waiter *x = *p;
            if (w->sync_err || x->gen <= w->synced) {
                *p = x->next;
                x->next = ready;
                ready = x;
            } else {
                p = &x->next;
            }
        }
        if (ready) {
            int rc = w->sync_err ? -1 : 0;
            pthread_mutex_unlock(&w->sync_mu);
            while (ready) {
                dbs_waiter *next = ready->next;
                ready->fn(ready->arg, rc);
                free(ready);
                ready = next;
            }
            pthread_mutex_lock(&w->sync_mu);
        } else if (w->syncing || w->written <= w->synced) { /* or no waiter's group written */
            pthread_cond_wait(&w->synced_cv, &w->sync_mu);
        } else {
            dbs_flush_step(w);
        }
    }
    pthread_mutex_unlock(&w->sync_mu);
    return NULL;
}

static void dbs_defer_flush(db *dd, bool on)
{
    DBS(dd)->defer = on;
}

static uint64_t dbs_take_unflushed(db *dd)
{
    dbs_conn *d = DBS(dd);
    uint64_t t = d->unflushed;
    d->unflushed = 0;
    /* The request is over: the next one need not see its writes before they are acknowledged,
     * and that waits for this token. */
    d->pending = 0;
    return t;
}

static int dbs_when_flushed(db *dd, uint64_t token, void (*fn)(void *arg, int rc), void *arg)
{
    dbs_writer *w = DBS(dd)->writer;
    if (!w) return 0;
    if (!fn) return dbs_durable(DBS(dd), token);
    pthread_mutex_lock(&w->sync_mu);
    int rc = w->sync_err ? -1 : w->synced >= token ? 0 : 1;
    if (rc == 1 && !w->flusher_on) {
        if (pthread_create(&w->flusher, NULL, dbs_flusher, w) == 0)
            w->flusher_on = true;
        else
            rc = 2; /* no thread: the caller's thread waits below instead */
    }
    if (rc == 1) {
        dbs_waiter *x = xcalloc(1, sizeof *x);
        *x = (dbs_waiter){.gen = token, .fn = fn, .arg = arg, .next = w->waiters};
        w->waiters = x;
        pthread_cond_broadcast(&w->synced_cv);
    }
    pthread_mutex_unlock(&w->sync_mu);
    if (rc == 2) rc = dbs_durable(DBS(dd), token);
    return rc;
}

/* Ends this db's part of the group (its savepoint already released, `kept`, or rolled back):
 * commits the group when no one else is waiting to join, else waits for the group's commit — or,
 * for a deferred db, leaves at once (see inside). Releases the write lock, then waits for the
 * group to be on disk unless deferred. Returns 0 when the group's COMMIT succeeded and is durable
 * (deferred: when its token will say so). */
static int dbs_group_finish(dbs_conn *d, bool kept)
{
    dbs_writer *w = d->writer;
    uint64_t mine = d->gen;
    d->in_tx = false;
    int rc;
    bool joining = atomic_load(&w->want) > 0 && w->members < DBS_GROUP_MAX;
    if (joining && d->defer) {
        /* A server's thread does not wait for the thread that commits the group: its answer
         * waits for the group's flush anyway (db_when_flushed, which a failed COMMIT fails),
         * and anything this db does next waits for the COMMIT first (dbs_settle). Waiting here
         * left the thread idle through the other's whole transaction. */
        w->detached = true;
        d->cur = &d->own;
        pthread_mutex_unlock(&w->lock);
        if (kept) d->pending = d->unflushed = mine;
        return 0;
    }
    if (joining) {
        while (w->done_gen < mine)
            pthread_cond_wait(&w->committed, &w->lock);
        rc = w->rc[mine % DBS_GROUP_RING];
    } else {
        w->wrote = false;
        rc = dbs_exec_h(d, "COMMIT", "commit");
        if (rc != 0) sqlite3_exec(d->cur->h, "ROLLBACK", NULL, NULL, NULL);
        w->open = false;
        w->done_gen = mine;
        w->rc[mine % DBS_GROUP_RING] = rc;
        w->dirty[mine % DBS_GROUP_RING] = rc == 0 && w->wrote;
        bool detached = w->detached;
        w->detached = false;
        /* Detached members wait for `written`: it moves even for a group that wrote nothing
         * (one more flush, of nothing). They learned success already, so a failed COMMIT of
         * theirs fails every later commit too, as a failed flush does. */
        if ((rc == 0 && (w->wrote || detached)) || (rc != 0 && detached)) {
            pthread_mutex_lock(&w->sync_mu);
            if (rc == 0) {
                w->written = mine;
            } else if (!w->sync_err) {
                w->sync_err = EIO;
                fprintf(stderr,
                        "smip: committing a group of %s failed: %s; no write can succeed until "
                        "restart\n",
                        w->path, d->errmsg);
            }
            pthread_cond_broadcast(&w->synced_cv);
            pthread_mutex_unlock(&w->sync_mu);
        }
        pthread_cond_broadcast(&w->committed);
    }
    /* A group that changed nothing (a migration check, a transaction whose writes all rolled
     * back) wrote no frame: nothing to flush. */
    bool dirty = w->dirty[mine % DBS_GROUP_RING];
    d->cur = &d->own;
    pthread_mutex_unlock(&w->lock);
    if (rc == 0 && dirty && d->defer)
        d->unflushed = mine; /* the caller waits with db_when_flushed before it answers */
    else if (rc == 0 && dirty)
        rc = dbs_durable(d, mine);
    if (rc != 0 && !d->errmsg[0]) snprintf(d->errmsg, sizeof d->errmsg, "commit: group failed");
    return rc;
}

static int dbs_commit(db *dd)
{
    dbs_conn *d = DBS(dd);
    if (!d->in_tx) return -1;
    if (!d->writer) {
        int rc = dbs_exec_h(d, "COMMIT", "commit");
        if (rc != 0) sqlite3_exec(d->cur->h, "ROLLBACK", NULL, NULL, NULL);
        d->in_tx = false;
        pthread_mutex_unlock(&db_write_lock);
        return rc;
    }
    d->errmsg[0] = '\0';
    if (dbs_exec_h(d, "RELEASE smip_tx", "commit") != 0) {
        sqlite3_exec(d->cur->h, "ROLLBACK TO smip_tx; RELEASE smip_tx", NULL, NULL, NULL);
        dbs_group_finish(d, false);
        return -1;
    }
    return dbs_group_finish(d, true);
}

static void dbs_rollback(db *dd)
{
    dbs_conn *d = DBS(dd);
    if (!d->in_tx) return;
    if (!d->writer) {
        sqlite3_exec(d->cur->h, "ROLLBACK", NULL, NULL, NULL);
        d->in_tx = false;
        pthread_mutex_unlock(&db_write_lock);
        return;
    }
    sqlite3_exec(d->cur->h, "ROLLBACK TO smip_tx; RELEASE smip_tx", NULL, NULL, NULL);
    dbs_group_finish(d, false); /* the others' work in the group still commits */
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
    if (sqlite3_exec(DBS(dd)->cur->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
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
    if (sqlite3_exec(d->own.h,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                     "name TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK) {
        *err = xasprintf("migrate: %s", sqlite3_errmsg(d->own.h));
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

static void dbs_handle_close(dbs_handle *hd)
{
    for (int i = 0; i < DB_CACHE_BUCKETS; i++) {
        db_cache_entry *e = hd->cache[i];
        while (e) {
            db_cache_entry *next = e->next;
            sqlite3_finalize(e->stmt.st);
            free((char *)e->sql);
            free(e);
            e = next;
        }
        hd->cache[i] = NULL;
    }
    sqlite3_close_v2(hd->h);
    hd->h = NULL;
}

/* Durability first (an application saved is saved): readers keep synchronous=FULL for the rare
 * write outside a transaction; the shared writer runs NORMAL and flushes its WAL itself after
 * each group, outside the write lock (dbs_durable). The page cache is per connection, so per
 * worker thread: 1 MiB each holds the hot index and table pages of the lists and point reads
 * (the OS page cache holds the rest once), and keeps the server's resident memory bounded
 * (64 MB in all). No mmap: mapped pages would count as resident too. */
static int dbs_handle_open(dbs_handle *hd, const char *path, int flags, int cache_kib,
                           const char *synchronous, char **err)
{
    if (sqlite3_open_v2(path, &hd->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | flags, NULL) !=
        SQLITE_OK) {
        *err = xasprintf("cannot open %s: %s", path, sqlite3_errmsg(hd->h));
        return -1;
    }
    sqlite3_busy_timeout(hd->h, 10000);
    sqlite3_extended_result_codes(hd->h, 1);
    char *pragmas = xasprintf("PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; "
                              "PRAGMA foreign_keys=ON; PRAGMA cache_size=-%d; "
                              "PRAGMA temp_store=MEMORY;",
                              synchronous, cache_kib);
    char *msg = NULL;
    int rc = sqlite3_exec(hd->h, pragmas, NULL, NULL, &msg);
    free(pragmas);
    if (rc != SQLITE_OK) {
        *err = xasprintf("pragmas: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* SQLite calls this after each commit that wrote frames to the WAL (on the writer, under its
 * lock). Setting a WAL hook replaces the automatic checkpoint, so it checkpoints passively as
 * that did, at DBS_CHECKPOINT_FRAMES instead of SQLite's 1,000. A checkpoint runs under the
 * write lock (it must finish before the WAL can start again from its beginning), and its cost is
 * mostly its two flushes, the WAL's and the database file's, not the pages: ~7 ms here at 1,000
 * frames, which every save waited for once in ~136 saves. At 8,000 frames (a WAL of up to 33 MB,
 * reused, and 64 KB of WAL index) a page saved many times is copied once per checkpoint and the
 * flushes come 8 times less often: saves +12 %, their CPU −10 %, p99 unchanged (interleaved
 * runs, docs/performance.md); beyond 8,000 little more. */
enum { DBS_CHECKPOINT_FRAMES = 8000 };

static int dbs_wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
    dbs_writer *w = arg;
    w->wrote = true;
    if (frames >= DBS_CHECKPOINT_FRAMES)
        sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

/* The shared writer of `path` (opened on first use), or NULL for an in-memory database. Its
 * connection is serialised by SQLite too (FULLMUTEX): a statement a thread finishes after its
 * commit must not race the next writer. */
static dbs_writer *dbs_writer_get(const char *path, char **err)
{
    if (!*path || strcmp(path, ":memory:") == 0 || strstr(path, "mode=memory")) return NULL;
    pthread_mutex_lock(&dbs_writers_mu);
    dbs_writer *w = dbs_writers;
    while (w && strcmp(w->path, path) != 0)
        w = w->next;
    if (w) {
        w->refs++;
    } else {
        w = xcalloc(1, sizeof *w);
        /* One connection carries every write, so it gets a larger cache than a reader's. */
        if (dbs_handle_open(&w->hd, path, SQLITE_OPEN_FULLMUTEX, 2048, "NORMAL", err) != 0) {
            dbs_handle_close(&w->hd);
            free(w);
            pthread_mutex_unlock(&dbs_writers_mu);
            return (dbs_writer *)-1;
        }
        w->path = xstrdup(path);
        w->wal_path = xstrdup(sqlite3_filename_wal(sqlite3_db_filename(w->hd.h, "main")));
        sqlite3_wal_hook(w->hd.h, dbs_wal_hook, w);
        w->wal_fd = -1;
        w->refs = 1;
        pthread_cond_init(&w->committed, NULL);
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->synced_cv, NULL);
        pthread_mutex_init(&w->sync_mu, NULL);
        w->next = dbs_writers;
        dbs_writers = w;
    }
    pthread_mutex_unlock(&dbs_writers_mu);
    return w;
}

static void dbs_writer_put(dbs_writer *w)
{
    if (!w) return;
    pthread_mutex_lock(&dbs_writers_mu);
    if (--w->refs == 0) {
        dbs_writer **p = &dbs_writers;
        while (*p != w)
            p = &(*p)->next;
        *p = w->next;
        if (w->flusher_on) { /* it flushes what still waits, then stops */
            pthread_mutex_lock(&w->sync_mu);
            w->stop = true;
            pthread_cond_broadcast(&w->synced_cv);
            pthread_mutex_unlock(&w->sync_mu);
            pthread_join(w->flusher, NULL);
        }
        if (w->wal_fd >= 0) close(w->wal_fd);
        dbs_handle_close(&w->hd);
        pthread_cond_destroy(&w->committed);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->synced_cv);
        pthread_mutex_destroy(&w->sync_mu);
        free(w->wal_path);
        free(w->path);
        free(w);
    }
    pthread_mutex_unlock(&dbs_writers_mu);
}

static void dbs_close(db *dd)
{
    dbs_conn *d = DBS(dd);
    dbs_handle_close(&d->own);
    dbs_writer_put(d->writer);
    free(d);
}

/* SQLite counts every allocation of every connection under one global mutex unless told not
 * to; smip never asks for those counts, and with a connection per worker thread that mutex was
 * the one lock all readers shared. Must run before SQLite initialises. */
static void dbs_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

db *dbs_open(const char *uri, char **err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, dbs_configure);
    dbs_conn *d = xcalloc(1, sizeof *d);
    d->base.vt = &dbs_vtab;
    d->cur = &d->own;
    if (dbs_handle_open(&d->own, uri, SQLITE_OPEN_NOMUTEX, 1024, "FULL", err) != 0) {
        dbs_close(&d->base);
        return NULL;
    }
    dbs_writer *w = dbs_writer_get(uri, err);
    if (w == (dbs_writer *)-1) {
        dbs_close(&d->base);
        return NULL;
    }
    d->writer = w;
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
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", DBS(dd)->own.h, "main");
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
    .failed = dbs_failed,
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
    .read_begin = dbs_read_begin,
    .read_end = dbs_read_end,
    .defer_flush = dbs_defer_flush,
    .take_unflushed = dbs_take_unflushed,
    .when_flushed = dbs_when_flushed,
    .error = dbs_error,
    .backup = dbs_backup,
    .close = dbs_close,
};
