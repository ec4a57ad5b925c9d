/* db_pg — the PostgreSQL backend of db.h (db.c dispatches to it for postgresql:// and
 * postgres:// URIs), through libpq. Several `smip serve` processes may share one database, so
 * everything that SQLite's single file serialised is serialised here by advisory locks:
 * write transactions (and with them the audit chain) and migrations.
 *
 * Conventions the callers rely on, kept identical to db_sqlite.c:
 *   - `?` placeholders, translated once per statement to `$n`; the statement is prepared once
 *     per connection (named dbp_N) and cached by its SQL text and type letters. Each parameter
 *     is declared with the type its letter says (i int8, t text, b bytea; n left to the server),
 *     so `? IS NULL` and friends need no cast.
 *   - db_insert appends ` RETURNING id`: every table inserted through it has an `id` column.
 *   - a unique violation (SQLSTATE 23505) answers 1 (db_exec) / -2 (db_insert) and, inside a
 *     transaction, leaves the transaction usable (each write runs under a savepoint), as a
 *     failed statement does in SQLite.
 *   - values go as text (integers in decimal) and come back as text; bytea is decoded. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/db_impl.h"
#include "util/util.h"

/* Advisory lock keys ("smip" in ASCII, and the next): one for every write transaction, one
 * for migrations, so a server migrating at start never waits for a writer's long work. */
#define DBP_WRITE_LOCK "1936550256"
#define DBP_MIGRATE_LOCK "1936550257"

/* Type OIDs of pg_type (stable across versions). */
enum { DBP_BYTEAOID = 17, DBP_INT8OID = 20, DBP_TEXTOID = 25 };
enum { DBP_CACHE_BUCKETS = 128 };

typedef struct dbp_conn dbp_conn;

typedef struct dbp_stmt {
    db_stmt base; /* first: a db_stmt * is a dbp_stmt * */
    dbp_conn *owner;
    /* cache key */
    char *sql;
    char *types;
    bool want_id;
    /* prepared form */
    char *pgsql;
    int nparams;
    bool is_write;
    char name[24];
    unsigned generation; /* prepared on this connection generation; 0: never */
    /* the current result */
    PGresult *res;
    int row, nrows;
    bool failed;
    unsigned char *blob; /* decoded bytea of the last db_blob call, freed on the next */
    struct dbp_stmt *next;
} dbp_stmt;

struct dbp_conn {
    db base; /* first: a db * is a dbp_conn * */
    PGconn *pg;
    dbp_stmt *cache[DBP_CACHE_BUCKETS];
    unsigned nstmts;
    unsigned generation; /* bumped by each reconnect: server-side prepared statements are gone */
    bool in_tx;
    int64_t changes;
    char errmsg[512];
};

static const db_vtab dbp_vtab;

#define DBP(d) ((dbp_conn *)(d))
#define DBP_STMT(s) ((dbp_stmt *)(s))

/* ---------------------------------------------------------------- errors and the connection */

static void dbp_set_error(dbp_conn *d, const char *what, const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg || !*msg) msg = PQerrorMessage(d->pg);
    snprintf(d->errmsg, sizeof d->errmsg, "%s: %s", what, msg && *msg ? msg : "?");
    /* libpq's messages end with a newline; logs read better without it */
    size_t n = strlen(d->errmsg);
    while (n && (d->errmsg[n - 1] == '\n' || d->errmsg[n - 1] == ' '))
        d->errmsg[--n] = '\0';
}

static const char *dbp_error(db *d)
{
    return DBP(d)->errmsg;
}

/* NOTICEs ("relation already exists, skipping") are not errors and would clutter the log. */
static void dbp_notice(void *arg, const char *message) {}

/* Reconnects a lost connection, outside a transaction only (a transaction's work is gone with
 * its connection, and its caller must see the failure). True when the connection is usable. */
static bool dbp_ensure(dbp_conn *d)
{
    if (PQstatus(d->pg) == CONNECTION_OK) return true;
    if (d->in_tx) return false;
    PQreset(d->pg);
    if (PQstatus(d->pg) != CONNECTION_OK) {
        dbp_set_error(d, "reconnect", NULL);
        return false;
    }
    d->generation++;
    fprintf(stderr, "smip: database connection re-established\n");
    return true;
}

/* Runs a parameterless command (simple protocol: may hold several statements). */
static bool dbp_command(dbp_conn *d, const char *sql, ExecStatusType want)
{
    PGresult *r = PQexec(d->pg, sql);
    bool ok = PQresultStatus(r) == want;
    if (!ok) dbp_set_error(d, sql, r);
    PQclear(r);
    return ok;
}

/* ---------------------------------------------------------------- statements */

static unsigned dbp_hash(const char *sql, const char *types, bool want_id)
{
    unsigned h = 2166136261u;
    for (const char *s = sql; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    for (const char *s = types; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h ^ (unsigned)want_id;
}

/* `?` → `$1`, `$2`… outside string literals, quoted identifiers and comments; with want_id,
 * ` RETURNING id` appended unless the statement has its own RETURNING. Returns the number of
 * placeholders. */
static int dbp_translate(const char *sql, bool want_id, char **out)
{
    sbuf b;
    sbuf_init(&b);
    int n = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            sbuf_append(&b, p, 1);
            if (*p == quote) quote = 0;
            continue;
        }
        if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (p[0] == '-' && p[1] == '-') {
            quote = '\n';
        } else if (*p == '?') {
            sbuf_printf(&b, "$%d", ++n);
            continue;
        }
        sbuf_append(&b, p, 1);
    }
    if (want_id) {
        while (b.len &&
               (b.data[b.len - 1] == ';' || b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\n'))
            b.data[--b.len] = '\0';
        if (!strcasestr(b.data, "RETURNING")) sbuf_puts(&b, " RETURNING id");
    }
    *out = sbuf_take(&b);
    return n;
}

static bool dbp_starts_with_word(const char *sql, const char *word)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
        sql++;
    size_t n = strlen(word);
    return strncasecmp(sql, word, n) == 0 && !(sql[n] >= 'A' && sql[n] <= 'z');
}

static dbp_stmt *dbp_lookup(dbp_conn *d, const char *sql, const char *types, bool want_id)
{
    unsigned b = dbp_hash(sql, types, want_id) % DBP_CACHE_BUCKETS;
    for (dbp_stmt *s = d->cache[b]; s; s = s->next)
        if (s->want_id == want_id && strcmp(s->sql, sql) == 0 && strcmp(s->types, types) == 0)
            return s;
    dbp_stmt *s = xcalloc(1, sizeof *s);
    s->base.vt = &dbp_vtab;
    s->owner = d;
    s->sql = xstrdup(sql);
    s->types = xstrdup(types);
    s->want_id = want_id;
    s->nparams = dbp_translate(sql, want_id, &s->pgsql);
    s->is_write = dbp_starts_with_word(sql, "INSERT") || dbp_starts_with_word(sql, "UPDATE") ||
                  dbp_starts_with_word(sql, "DELETE");
    snprintf(s->name, sizeof s->name, "dbp_%u", ++d->nstmts);
    s->next = d->cache[b];
    d->cache[b] = s;
    return s;
}

static bool dbp_prepare(dbp_conn *d, dbp_stmt *s)
{
    if (s->generation == d->generation) return true;
    Oid *oids = xcalloc((size_t)s->nparams + 1, sizeof *oids);
    for (int i = 0; i < s->nparams; i++)
        oids[i] = s->types[i] == 'i'   ? DBP_INT8OID
                  : s->types[i] == 't' ? DBP_TEXTOID
                  : s->types[i] == 'b' ? DBP_BYTEAOID
                                       : 0;
    PGresult *r = PQprepare(d->pg, s->name, s->pgsql, s->nparams, oids);
    free(oids);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (ok)
        s->generation = d->generation;
    else
        dbp_set_error(d, "prepare", r);
    PQclear(r);
    return ok;
}

/* The arguments of one call in libpq's form; integers are printed into `ints`. */
typedef struct dbp_params {
    const char **values;
    int *lengths;
    int *formats;
    char (*ints)[24];
} dbp_params;

static int dbp_collect(dbp_conn *d, dbp_stmt *s, const char *types, va_list ap, dbp_params *p)
{
    int n = (int)strlen(types);
    if (n != s->nparams) {
        snprintf(d->errmsg, sizeof d->errmsg, "bind: %d values for %d placeholders", n, s->nparams);
        return -1;
    }
    p->values = xcalloc((size_t)n + 1, sizeof *p->values);
    p->lengths = xcalloc((size_t)n + 1, sizeof *p->lengths);
    p->formats = xcalloc((size_t)n + 1, sizeof *p->formats);
    p->ints = xcalloc((size_t)n + 1, sizeof *p->ints);
    for (int i = 0; i < n; i++) {
        switch (types[i]) {
        case 'i':
            snprintf(p->ints[i], sizeof p->ints[i], "%lld", (long long)va_arg(ap, int64_t));
            p->values[i] = p->ints[i];
            break;
        case 't':
            p->values[i] = va_arg(ap, const char *);
            break;
        case 'b': {
            const void *v = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            p->values[i] = v ? v : "";
            p->lengths[i] = (int)len;
            p->formats[i] = 1; /* binary: the bytes as they are */
            break;
        }
        case 'n':
            p->values[i] = NULL;
            break;
        default:
            snprintf(d->errmsg, sizeof d->errmsg, "bind: unknown type letter '%c'", types[i]);
            return -1;
        }
    }
    return 0;
}

static void dbp_params_free(dbp_params *p)
{
    free(p->values);
    free(p->lengths);
    free(p->formats);
    free(p->ints);
}

/* Prepares (when this connection has not yet) and executes; reconnects and tries once more when
 * the connection was lost outside a transaction. NULL with d->errmsg set on failure; *unique
 * tells a unique violation. */
static PGresult *dbp_run(dbp_conn *d, dbp_stmt *s, const dbp_params *p, bool *unique)
{
    *unique = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!dbp_ensure(d)) {
            if (d->in_tx) snprintf(d->errmsg, sizeof d->errmsg, "connection lost in a transaction");
            return NULL;
        }
        if (!dbp_prepare(d, s)) {
            if (PQstatus(d->pg) != CONNECTION_OK) continue;
            return NULL;
        }
        PGresult *r =
            PQexecPrepared(d->pg, s->name, s->nparams, p->values, p->lengths, p->formats, 0);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
        dbp_set_error(d, "exec", r);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        *unique = state && strcmp(state, "23505") == 0;
        /* 26000: the statement is gone (a pooler, DISCARD ALL): prepare again */
        bool gone = state && strcmp(state, "26000") == 0;
        PQclear(r);
        if (gone) {
            s->generation = 0;
            continue;
        }
        if (PQstatus(d->pg) != CONNECTION_OK && !d->in_tx) continue;
        return NULL;
    }
    return NULL;
}

static void dbp_reset_stmt(dbp_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
    s->failed = false;
    if (s->blob) PQfreemem(s->blob);
    s->blob = NULL;
}

static db_stmt *dbp_vquery(db *dd, const char *sql, const char *types, va_list ap)
{
    dbp_conn *d = DBP(dd);
    dbp_stmt *s = dbp_lookup(d, sql, types, false);
    dbp_reset_stmt(s);
    dbp_params p = {0};
    bool unique;
    if (dbp_collect(d, s, types, ap, &p) != 0 || !(s->res = dbp_run(d, s, &p, &unique))) {
        s->failed = true;
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
    } else {
        s->nrows = PQntuples(s->res);
    }
    dbp_params_free(&p);
    return &s->base;
}

static bool dbp_next(db_stmt *st)
{
    dbp_stmt *s = DBP_STMT(st);
    if (s->failed || !s->res) return false;
    if (s->blob) PQfreemem(s->blob);
    s->blob = NULL;
    if (s->row + 1 >= s->nrows) {
        s->row = s->nrows;
        return false;
    }
    s->row++;
    return true;
}

static bool dbp_failed(db_stmt *st)
{
    return DBP_STMT(st)->failed;
}

static void dbp_done(db_stmt *st)
{
    dbp_reset_stmt(DBP_STMT(st));
}

static bool dbp_is_null(db_stmt *st, int col)
{
    dbp_stmt *s = DBP_STMT(st);
    if (!s->res || s->row < 0 || s->row >= s->nrows || col >= PQnfields(s->res)) return true;
    return PQgetisnull(s->res, s->row, col);
}

static const char *dbp_text(db_stmt *st, int col)
{
    dbp_stmt *s = DBP_STMT(st);
    if (dbp_is_null(st, col)) return NULL;
    return PQgetvalue(s->res, s->row, col);
}

/* Integers come as decimal text; booleans (comparisons in a select list) as t/f, read like
 * SQLite's 1/0; numeric (sum of bigint) as its integer part. */
static int64_t dbp_int(db_stmt *st, int col)
{
    const char *v = dbp_text(st, col);
    if (!v) return 0;
    if (v[0] == 't' && !v[1]) return 1;
    if (v[0] == 'f' && !v[1]) return 0;
    return strtoll(v, NULL, 10);
}

static const void *dbp_blob(db_stmt *st, int col, size_t *len)
{
    dbp_stmt *s = DBP_STMT(st);
    *len = 0;
    const char *v = dbp_text(st, col);
    if (!v) return NULL;
    if (PQftype(s->res, col) != DBP_BYTEAOID) {
        *len = strlen(v);
        return v;
    }
    if (s->blob) PQfreemem(s->blob);
    s->blob = PQunescapeBytea((const unsigned char *)v, len);
    if (!s->blob) abort(); /* out of memory: the one policy of util.h */
    return s->blob;
}

static int dbp_vexec(db *dd, const char *sql, const char *types, va_list ap, bool want_id,
                     int64_t *id)
{
    dbp_conn *d = DBP(dd);
    dbp_stmt *s = dbp_lookup(d, sql, types, want_id);
    dbp_params p = {0};
    if (dbp_collect(d, s, types, ap, &p) != 0) {
        dbp_params_free(&p);
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
        return -1;
    }
    /* A failed statement aborts a PostgreSQL transaction but not a SQLite one; callers count on
     * going on after a refused duplicate (an import skips the row), so writes in a transaction
     * run under a savepoint. */
    bool savepoint = d->in_tx && s->is_write;
    if (savepoint && !dbp_command(d, "SAVEPOINT dbp_w", PGRES_COMMAND_OK)) {
        dbp_params_free(&p);
        return -1;
    }
    bool unique = false;
    PGresult *r = dbp_run(d, s, &p, &unique);
    dbp_params_free(&p);
    if (savepoint)
        dbp_command(d, r ? "RELEASE SAVEPOINT dbp_w" : "ROLLBACK TO SAVEPOINT dbp_w",
                    PGRES_COMMAND_OK);
    if (!r) {
        d->changes = 0;
        if (unique) return 1;
        fprintf(stderr, "smip: %s\n  in: %s\n", d->errmsg, sql);
        return -1;
    }
    d->changes = strtoll(PQcmdTuples(r), NULL, 10);
    if (want_id)
        *id =
            PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return 0;
}

static int64_t dbp_changes(db *d)
{
    return DBP(d)->changes;
}

/* ---------------------------------------------------------------- transactions */

/* BEGIN, then the write lock: writers of every process queue on it in order, as SQLite's
 * BEGIN IMMEDIATE makes them; under READ COMMITTED each later statement sees all that the
 * previous holders committed. */
static int dbp_begin(db *dd)
{
    dbp_conn *d = DBP(dd);
    if (d->in_tx) return -1;
    /* A connection the server dropped (a restart) still says OK until it is used: when BEGIN
     * finds it dead, reconnect and begin again, once. */
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!dbp_ensure(d)) break;
        if (dbp_command(d, "BEGIN; SELECT pg_advisory_xact_lock(" DBP_WRITE_LOCK ")",
                        PGRES_TUPLES_OK)) {
            d->in_tx = true;
            return 0;
        }
        if (PQstatus(d->pg) == CONNECTION_OK) {
            dbp_command(d, "ROLLBACK", PGRES_COMMAND_OK);
            break;
        }
    }
    fprintf(stderr, "smip: %s\n", d->errmsg);
    return -1;
}

static int dbp_commit(db *dd)
{
    dbp_conn *d = DBP(dd);
    if (!d->in_tx) return -1;
    d->in_tx = false;
    PGresult *r = PQexec(d->pg, "COMMIT");
    /* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK */
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    if (!ok) {
        dbp_set_error(d, "commit", r);
        if (PQresultStatus(r) == PGRES_COMMAND_OK)
            snprintf(d->errmsg, sizeof d->errmsg, "commit: the transaction had failed");
    }
    PQclear(r);
    return ok ? 0 : -1;
}

static void dbp_rollback(db *dd)
{
    dbp_conn *d = DBP(dd);
    if (!d->in_tx) return;
    d->in_tx = false;
    if (PQstatus(d->pg) == CONNECTION_OK) dbp_command(d, "ROLLBACK", PGRES_COMMAND_OK);
}

static bool dbp_in_tx(db *d)
{
    return DBP(d)->in_tx;
}

/* ---------------------------------------------------------------- migrations */

/* Replaces whole-word occurrences of `from` in *s by `to`. */
static void dbp_replace_word(char **s, const char *from, const char *to)
{
    sbuf b;
    sbuf_init(&b);
    size_t n = strlen(from);
    const char *p = *s;
    for (const char *q; (q = strstr(p, from));) {
        bool word_start = q == *s || !(q[-1] == '_' || (q[-1] >= 'A' && q[-1] <= 'Z') ||
                                       (q[-1] >= 'a' && q[-1] <= 'z'));
        bool word_end =
            !(q[n] == '_' || (q[n] >= 'A' && q[n] <= 'Z') || (q[n] >= 'a' && q[n] <= 'z'));
        sbuf_append(&b, p, (size_t)(q - p));
        sbuf_puts(&b, word_start && word_end ? to : from);
        p = q + n;
    }
    sbuf_puts(&b, p);
    free(*s);
    *s = sbuf_take(&b);
}

/* The migrations are written for both databases; the few words SQLite and PostgreSQL spell
 * differently are translated here: SQLite's rowid alias becomes an identity column, BLOB is
 * bytea, WITHOUT ROWID (how SQLite stores a table) goes. */
static int dbp_apply_migration(db *dd, int64_t version, const char *name, const char *sql,
                               void *arg, char **err)
{
    dbp_conn *d = DBP(dd);
    char *pg = xstrdup(sql);
    dbp_replace_word(&pg, "INTEGER PRIMARY KEY",
                     "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    dbp_replace_word(&pg, "BLOB", "BYTEA");
    dbp_replace_word(&pg, "WITHOUT ROWID", ""); /* a table's storage in SQLite only */
    PGresult *r = PQexec(d->pg, pg);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : -1;
    if (rc != 0) *err = xasprintf("migration %s: %s", name, PQresultErrorMessage(r));
    PQclear(r);
    free(pg);
    return rc;
}

/* Applies pending migrations in one transaction under their own advisory lock: servers that
 * start together wait for the first, then find nothing left to do. */
static int dbp_migrate(dbp_conn *d, char **err)
{
    if (!dbp_command(d,
                     "BEGIN; SELECT pg_advisory_xact_lock(" DBP_MIGRATE_LOCK "); "
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                     "name TEXT NOT NULL)",
                     PGRES_COMMAND_OK)) {
        *err = xasprintf("migrate: %s", d->errmsg);
        dbp_command(d, "ROLLBACK", PGRES_COMMAND_OK);
        return -1;
    }
    d->in_tx = true;
    if (db_each_pending_migration(&d->base, dbp_apply_migration, NULL, err) != 0) {
        dbp_rollback(&d->base);
        return -1;
    }
    return dbp_commit(&d->base) == 0 ? 0 : (*err = xasprintf("migrate: %s", d->errmsg), -1);
}

/* ---------------------------------------------------------------- open and close */

static void dbp_close(db *dd)
{
    dbp_conn *d = DBP(dd);
    for (int i = 0; i < DBP_CACHE_BUCKETS; i++) {
        dbp_stmt *s = d->cache[i];
        while (s) {
            dbp_stmt *next = s->next;
            dbp_reset_stmt(s);
            free(s->sql);
            free(s->types);
            free(s->pgsql);
            free(s);
            s = next;
        }
    }
    PQfinish(d->pg);
    free(d);
}

db *dbp_open(const char *uri, char **err)
{
    dbp_conn *d = xcalloc(1, sizeof *d);
    d->base.vt = &dbp_vtab;
    d->generation = 1;
    d->pg = PQconnectdb(uri);
    if (PQstatus(d->pg) != CONNECTION_OK) {
        const char *m = PQerrorMessage(d->pg);
        *err = xasprintf("cannot connect to %s: %.*s", uri, (int)strcspn(m, "\n"), m);
        dbp_close(&d->base);
        return NULL;
    }
    PQsetNoticeProcessor(d->pg, dbp_notice, NULL);
    /* Text is UTF-8 everywhere in smip, whatever the cluster's default. */
    if (PQsetClientEncoding(d->pg, "UTF8") != 0 || dbp_migrate(d, err) != 0) {
        if (!*err) *err = xasprintf("client encoding: %s", PQerrorMessage(d->pg));
        dbp_close(&d->base);
        return NULL;
    }
    return &d->base;
}

static int dbp_backup(db *d, const char *path, char **err)
{
    *err = xasprintf("smip backup copies SQLite databases only; back up PostgreSQL with pg_dump "
                     "(e.g. pg_dump -Fc -f %s URI)",
                     path);
    return -1;
}

static const db_vtab dbp_vtab = {
    .name = "postgresql",
    .vquery = dbp_vquery,
    .next = dbp_next,
    .done = dbp_done,
    .failed = dbp_failed,
    .col_int = dbp_int,
    .col_text = dbp_text,
    .col_blob = dbp_blob,
    .col_null = dbp_is_null,
    .vexec = dbp_vexec,
    .changes = dbp_changes,
    .begin = dbp_begin,
    .commit = dbp_commit,
    .rollback = dbp_rollback,
    .in_tx = dbp_in_tx,
    .error = dbp_error,
    .backup = dbp_backup,
    .close = dbp_close,
};
