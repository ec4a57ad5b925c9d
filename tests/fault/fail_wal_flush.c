/* fail_wal_flush — a fault for the API tests (tests/api/test_flush_failure.py), preloaded into a
 * test server: while the file named by $SMIP_FAIL_WAL_FLUSH exists, every fdatasync of a file
 * ending in "-wal" fails with EIO, as a failing disk would answer. Nothing else is changed. */
#include <errno.h>
#include <stdlib.h>

#include "fault_wal.h"

int fdatasync(int fd)
{
    const char *flag = getenv("SMIP_FAIL_WAL_FLUSH");
    if (flag && access(flag, F_OK) == 0 && fault_is_wal(fd)) {
        errno = EIO;
        return -1;
    }
    return fault_real_fdatasync(fd);
}
