/* test_db_durable — a SQLite commit returns only once its WAL is on disk (the shared
 * writer runs synchronous=NORMAL and flushes the WAL itself, after its write lock is released,
 * so that the next transactions run while the disk flushes), and a failed flush fails that
 * commit and every later one; a deferred commit (db_defer_flush, the server's) returns at once
 * and its waiter is called from the flusher thread once it is on disk, or failed. fdatasync is
 * interposed: this program's definition comes before the C library's for every caller, SQLite and
 * smip alike; it records how long the WAL was at each flush of it and can be told to fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../fault/fault_wal.h"
#include "unit_tmp.h"

static atomic_int wal_flushes;    /* successful flushes of a file ending in -wal */
static atomic_llong flushed_size; /* the WAL's size at the last of them */
static atomic_bool fail_wal;      /* flushes of the WAL fail with EIO while set */

int fdatasync(int fd)
{
    bool wal = fault_is_wal(fd);
    if (wal && atomic_load(&fail_wal)) {
        errno = EIO;
        return -1;
    }
    struct stat st;
    if (wal && fstat(fd, &st) != 0) return -1;
    int rc = fault_real_fdatasync(fd);
    if (rc == 0 && wal) {
        atomic_store(&flushed_size, (long long)st.st_size);
        atomic_fetch_add(&wal_flushes, 1);
    }
    return rc;
}

static long long wal_size(const char *dir)
{
    char *path = xasprintf("%s/t.db-wal", dir);
    struct stat st;
    long long n = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    free(path);
    return n;
}

/* Begins a write transaction that inserts district 9NNNNN (i), without committing it. */
static int stage_district(db *d, int i)
{
    char code[8], name[32];
    snprintf(code, sizeof code, "9%05d", i);
    snprintf(name, sizeof name, "测试区%d", i);
    if (db_begin(d) != 0) return -1;
    if (db_exec(d,
                "INSERT INTO districts (code, name, type, grp, sort) VALUES (?, ?, 'district', "
                "'x', 99)",
                "tt", code, name) != 0) {
        db_rollback(d);
        return -1;
    }
    return 0;
}

static int insert_district(db *d, int i)
{
    return stage_district(d, i) == 0 ? db_commit(d) : -1;
}

/* Every commit's frames are in the WAL that was flushed before db_commit returned. */
static void test_commit_returns_after_wal_flush(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "durable"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    for (int i = 0; i < 5; i++) {
        int before = atomic_load(&wal_flushes);
        assert_int_equal(insert_district(d, i), 0);
        assert_true(atomic_load(&wal_flushes) > before);
        long long size = wal_size(dir);
        assert_true(size > 0);
        assert_int_equal(atomic_load(&flushed_size), size);
    }
    assert_int_equal(
        db_scalar_int(d, -1, "SELECT count(*) FROM districts WHERE code LIKE '9%'", ""), 5);
    db_close(d);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* A failed flush fails the commit that waited for it, and every later commit of the file: once
 * fdatasync has failed, the kernel may have dropped the pages, and a later success proves
 * nothing. */
static void test_failed_flush_fails_every_commit(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "durable-fail"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    assert_int_equal(insert_district(d, 1), 0);
    atomic_store(&fail_wal, true);
    assert_int_equal(insert_district(d, 2), -1);
    assert_non_null(strstr(db_error(d), "flushing the WAL failed"));
    atomic_store(&fail_wal, false);
    assert_int_equal(insert_district(d, 3), -1);
    assert_false(db_in_tx(d));
    db_close(d);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* What web_finish waits for: a deferred commit is visible at once, and its waiter is called
 * from the flusher thread once the WAL holding it is on disk. */
typedef struct flushed_call {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls, rc;
    long long wal_at_call; /* the WAL's size flushed when the call came */
    pthread_t thread;
} flushed_call;

static void on_flushed(void *arg, int rc)
{
    flushed_call *f = arg;
    pthread_mutex_lock(&f->mu);
    f->calls++;
    f->rc = rc;
    f->wal_at_call = atomic_load(&flushed_size);
    f->thread = pthread_self();
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

/* Waits (up to 10 s) for the call; its rc, or 99 when it never came. */
static int wait_call(flushed_call *f)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&f->mu);
    while (f->calls == 0 && pthread_cond_timedwait(&f->cv, &f->mu, &until) == 0) {
    }
    int rc = f->calls == 1 ? f->rc : 99;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static void test_deferred_commit_calls_back_when_on_disk(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "deferred"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    db_defer_flush(d, true);
    int before = atomic_load(&wal_flushes);
    assert_int_equal(insert_district(d, 7), 0);
    /* Written and visible, not flushed by the commit itself. */
    assert_int_equal(atomic_load(&wal_flushes), before);
    assert_int_equal(
        db_scalar_int(d, -1, "SELECT count(*) FROM districts WHERE code = '900007'", ""), 1);
    uint64_t token = db_take_unflushed(d);
    assert_true(token > 0);
    assert_int_equal(db_take_unflushed(d), 0); /* taken once */
    long long size = wal_size(dir);

    flushed_call f = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    int rc = db_when_flushed(d, token, on_flushed, &f);
    if (rc == 1) {
        assert_int_equal(wait_call(&f), 0);
        assert_false(pthread_equal(f.thread, pthread_self()));
        assert_true(f.wal_at_call >= size);
    } else {
        assert_int_equal(rc, 0); /* already on disk: nothing to call */
        assert_true(atomic_load(&flushed_size) >= size);
    }
    assert_true(atomic_load(&wal_flushes) > before);
    /* Once on disk, asking again answers at once. */
    assert_int_equal(db_when_flushed(d, token, on_flushed, &f), 0);
    assert_int_equal(db_wait_flushed(d, token), 0);
    db_close(d);
    assert_int_equal(unit_rmtree(dir), 0);
}

static void test_deferred_commit_learns_of_a_failed_flush(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "deferred-fail"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    db_defer_flush(d, true);
    atomic_store(&fail_wal, true);
    assert_int_equal(insert_district(d, 8), 0); /* the commit itself does not flush */
    uint64_t token = db_take_unflushed(d);
    assert_true(token > 0);
    flushed_call f = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    int rc = db_when_flushed(d, token, on_flushed, &f);
    if (rc == 1) rc = wait_call(&f);
    assert_int_equal(rc, -1);
    atomic_store(&fail_wal, false);
    assert_int_equal(db_wait_flushed(d, token), -1); /* final */
    db_close(d);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* A deferred commit that another thread is waiting to join leaves the group open and returns
 * before the group's COMMIT (the other commits for both). What its db reads next must still
 * see it, and its token is flushed once the group is committed. */
typedef struct joiner {
    db *d;            /* opened before the test takes the write lock: opening migrates */
    atomic_int stage; /* 1: in db_begin; 2: holds the lock */
    int rc;
} joiner;

static void *join_group(void *arg)
{
    joiner *j = arg;
    j->rc = -1;
    atomic_store(&j->stage, 1);
    if (stage_district(j->d, 10) != 0) return NULL;
    atomic_store(&j->stage, 2);
    usleep(600 * 1000); /* the first thread reads meanwhile */
    j->rc = db_commit(j->d);
    return NULL;
}

static void test_detached_commit_reads_its_own_write(void **state)
{
    (void)state;
    char dir[UNIT_DIR_MAX];
    assert_int_equal(unit_tmpdir(dir, "detached"), 0);
    svc_config cfg = {0};
    db *d = unit_db(dir, &cfg);
    assert_non_null(d);
    joiner j = {.d = unit_db(dir, &cfg)};
    assert_non_null(j.d);
    db_defer_flush(d, true);
    assert_int_equal(stage_district(d, 9), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, join_group, &j), 0);
    while (atomic_load(&j.stage) < 1)
        usleep(1000);
    usleep(300 * 1000); /* the other thread now waits for the write lock */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(db_commit(d), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* It left without waiting for the other's transaction (~600 ms). */
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 450);
    assert_int_equal(
        db_scalar_int(d, -1, "SELECT count(*) FROM districts WHERE code = '900009'", ""), 1);
    assert_int_equal(atomic_load(&j.stage), 2); /* ... and that read waited for the COMMIT */
    uint64_t token = db_take_unflushed(d);
    assert_true(token > 0);
    assert_int_equal(db_wait_flushed(d, token), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(j.rc, 0);
    assert_int_equal(
        db_scalar_int(d, -1, "SELECT count(*) FROM districts WHERE code LIKE '90001%'", ""), 1);
    db_close(j.d);
    db_close(d);
    assert_int_equal(unit_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_returns_after_wal_flush),
        cmocka_unit_test(test_failed_flush_fails_every_commit),
        cmocka_unit_test(test_deferred_commit_calls_back_when_on_disk),
        cmocka_unit_test(test_deferred_commit_learns_of_a_failed_flush),
        cmocka_unit_test(test_detached_commit_reads_its_own_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
