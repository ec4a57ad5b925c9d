/* db — the store: one small interface over SQLite and PostgreSQL (db.c dispatches). Prepared
 * statements only, with `?` placeholders; values are bound, never pasted into SQL. Statements are
 * cached per connection, keyed by their SQL text, so hot paths never re-prepare. One connection per
 * worker thread; a connection is not shared between threads. */
#ifndef SMIP_DB_H
#define SMIP_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db;
typedef struct db_stmt db_stmt;

/* Opens `uri` (postgresql://… or postgres://… for PostgreSQL, anything else a SQLite path) and
 * applies pending migrations under a lock (several servers may start at once).
 * Returns NULL and fills *err (malloc'd, English) on failure. */
db *db_open(const char *uri, char **err);
void db_close(db *d);

/* Runs `sql` with arguments described by `types`, one letter per `?`:
 *   'i' int64_t, 't' const char * (NULL binds NULL), 'b' const void * then size_t (blob),
 *   'n' NULL.
 * db_query returns a statement positioned before the first row: loop with db_next().
 * The statement belongs to the connection; finish it with db_done() (resets it). */
db_stmt *db_query(db *d, const char *sql, const char *types, ...);
/* True while a row is available; false at the end or on error (see db_failed). */
bool db_next(db_stmt *s);
/* Whether `s` failed (NULL: it could not be prepared) — so a read tells a database error,
 * which is a 500, from an absent row, which may be a 404. Ask before db_done. */
bool db_failed(db_stmt *s);
/* Whether a read (db_query, db_next) failed in this thread since the last call, and forgets it:
 * the server asks after each request and answers 500 then, whatever the handler made of the
 * missing rows (a database error is never a 404 or an empty list). One connection per thread,
 * so the thread is the connection. */
bool db_take_read_failure(void);
void db_done(db_stmt *s);
int64_t db_int(db_stmt *s, int col);
const char *db_text(db_stmt *s, int col); /* NULL for SQL NULL; valid until db_next/db_done */
const void *db_blob(db_stmt *s, int col, size_t *len);
bool db_is_null(db_stmt *s, int col);

/* Executes a statement that returns no rows. Returns 0, or -1 on error (message in db_error),
 * or 1 when a UNIQUE constraint refused the row (so services can answer 409 `duplicate`). */
int db_exec(db *d, const char *sql, const char *types, ...);
/* Like db_exec for INSERT into a table with an `id` column; returns the new row's id (> 0) or
 * -1 / -2 (unique violation). */
int64_t db_insert(db *d, const char *sql, const char *types, ...);
/* Rows changed by the last db_exec. */
int64_t db_changes(db *d);
/* Single-value helpers: first column of the first row; `def` when there is no row. */
int64_t db_scalar_int(db *d, int64_t def, const char *sql, const char *types, ...);
/* malloc'd copy of the first column of the first row, or NULL. */
char *db_scalar_text(db *d, const char *sql, const char *types, ...);

/* Write transactions, one writer at a time across every process of the database: SQLite runs
 * them on one shared writer connection per file under an in-process write lock (BEGIN IMMEDIATE
 * keeps other processes out), each as a savepoint of a group that commits once for every
 * transaction ready at that moment (group commit: db_commit returns when its changes are
 * durable, -1 if the group's COMMIT failed; db_rollback undoes only the caller's part);
 * PostgreSQL takes an advisory lock after BEGIN. Reads need no transaction. A failed statement
 * inside a transaction leaves it usable on both. */
int db_begin(db *d);
int db_commit(db *d);
void db_rollback(db *d);
bool db_in_tx(db *d);
/* A read snapshot for the statements of one request (SQLite: a deferred BEGIN, so every read of
 * the request shares one WAL read lock and sees one state of the database instead of taking and
 * dropping the lock per statement). db_begin ends it first: a write transaction always starts
 * from the newest state. No-op on PostgreSQL, where each statement is its own snapshot and a
 * BEGIN/COMMIT pair would cost two round trips. */
void db_read_begin(db *d);
void db_read_end(db *d);
/* Deferred flushes, for a server that must not hold a worker thread while the disk flushes.
 * After db_defer_flush(d, true), a SQLite db_commit returns once its group is written to the WAL
 * and visible, but before it is on disk; db_take_unflushed then returns a token for the newest
 * such commit (0 when there is none) and forgets it. The caller must not report the commit as
 * done before db_when_flushed says so: it returns 0 when `token` is already on disk, -1 when the
 * flush failed (so the commit is not durable), or 1 when fn(arg, rc) will be called, from another
 * thread, once it is on disk (rc 0) or its flush failed (rc -1). PostgreSQL's commits are durable
 * when they return: there the three do nothing and the token is always 0. */
void db_defer_flush(db *d, bool on);
uint64_t db_take_unflushed(db *d);
int db_when_flushed(db *d, uint64_t token, void (*fn)(void *arg, int rc), void *arg);
/* Blocks until `token` is on disk: 0, or -1 when its flush failed. */
int db_wait_flushed(db *d, uint64_t token);
const char *db_error(db *d);

/* A blocking online backup of the whole database to `path` (SQLite; on PostgreSQL an error that
 * says to use pg_dump). */
int db_backup(db *d, const char *path, char **err);

#endif
