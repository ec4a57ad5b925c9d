/* commit_rate — scenario (h) of `make bench`: SQLite's raw durable commit rate on this disk, the
 * ceiling for smip's writes. One connection, WAL, synchronous=FULL (smip's settings), one-row
 * transactions (BEGIN IMMEDIATE; INSERT; COMMIT) for SECONDS seconds.
 * Usage: commit_rate FILE [SECONDS]. Prints "commits_per_s=N commits=N seconds=S". */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void must(int rc, sqlite3 *db, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
    fprintf(stderr, "commit_rate: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 2) return fprintf(stderr, "usage: commit_rate FILE [SECONDS]\n"), 2;
    double secs = argc > 2 ? atof(argv[2]) : 5.0;
    unlink(argv[1]);
    sqlite3 *db;
    must(sqlite3_open(argv[1], &db), db, "open");
    must(sqlite3_exec(db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                      "CREATE TABLE t (id INTEGER PRIMARY KEY, at BIGINT NOT NULL, v TEXT NOT NULL)",
                      NULL, NULL, NULL),
         db, "setup");
    sqlite3_stmt *begin, *ins, *commit;
    must(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), db, "prepare");
    must(sqlite3_prepare_v2(db, "INSERT INTO t (at, v) VALUES (?, ?)", -1, &ins, NULL), db,
         "prepare");
    must(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), db, "prepare");
    static const char row[] = "{\"equipment_total\":130,\"saved\":true}";
    long n = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < secs) {
        must(sqlite3_step(begin), db, "begin");
        sqlite3_reset(begin);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)t);
        sqlite3_bind_text(ins, 2, row, -1, SQLITE_STATIC);
        must(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
        must(sqlite3_step(commit), db, "commit");
        sqlite3_reset(commit);
        n++;
        if ((n & 15) == 0) t = now_s();
    }
    t = now_s();
    printf("commits_per_s=%.1f commits=%ld seconds=%.2f\n", (double)n / (t - t0), n, t - t0);
    sqlite3_finalize(begin);
    sqlite3_finalize(ins);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    unlink(argv[1]);
    return 0;
}
