/* fail_read — a fault for the API tests (tests/api/test_read_failure.py), preloaded into a test
 * server: while the file named by $SMIP_FAIL_READ exists, every step of a SELECT whose SQL
 * contains the text of $SMIP_FAIL_READ_SQL answers SQLITE_IOERR, as a failing disk would.
 * Nothing else is changed. */
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int (*fault_real_step)(sqlite3_stmt *);

int sqlite3_step(sqlite3_stmt *st)
{
    if (!fault_real_step)
        fault_real_step = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT, "sqlite3_step");
    const char *flag = getenv("SMIP_FAIL_READ"), *what = getenv("SMIP_FAIL_READ_SQL");
    const char *sql = sqlite3_sql(st);
    if (flag && what && *what && sql && strncmp(sql, "SELECT", 6) == 0 && strstr(sql, what) &&
        access(flag, F_OK) == 0)
        return SQLITE_IOERR;
    return fault_real_step(st);
}
