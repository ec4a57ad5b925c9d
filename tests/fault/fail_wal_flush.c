/* fail_wal_flush — a fault for the API tests (tests/api/test_flush_failure.py), preloaded into a
 * test server: while the file named by $SMIP_FAIL_WAL_FLUSH exists, every fdatasync of a file
 * ending in "-wal" fails with EIO, as a failing disk would answer. Nothing else is changed. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fwf_is_wal(int fd)
{
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    return n > 4 && memcmp(path + n - 4, "-wal", 4) == 0;
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    const char *flag = getenv("SMIP_FAIL_WAL_FLUSH");
    if (flag && access(flag, F_OK) == 0 && fwf_is_wal(fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}
