/* fault_wal — what the fdatasync interposers of the tests share (tests/fault/fail_wal_flush.c,
 * tests/unit/test_db_durable.c): whether a descriptor is a SQLite WAL, and the C library's own
 * fdatasync behind the interposer. Header-only: each is its own program or library. */
#ifndef SMIP_FAULT_WAL_H
#define SMIP_FAULT_WAL_H

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* True when `fd` is open on a file whose name ends in "-wal". */
static inline bool fault_is_wal(int fd)
{
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    return n > 4 && memcmp(path + n - 4, "-wal", 4) == 0;
}

/* The next fdatasync after the interposer's: the C library's (or the sanitizer's). */
static inline int fault_real_fdatasync(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}

#endif
