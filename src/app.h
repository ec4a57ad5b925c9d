/* app — the commands of the command line that work through the services (cli.c): demo,
 * user add, import-legacy, check. main.c parses options and opens the database. */
#ifndef SMIP_APP_H
#define SMIP_APP_H
#include <stdbool.h>
#include <stddef.h>

#include "service/svc.h"

typedef struct app_cli {
    db *db;
    const svc_config *cfg;
    const char *args[4];
    int nargs;
    const char *role, *username, *district;
    const char *enterprises; /* seed --enterprises N */
    bool password_stdin;
    const char *db_path;
} app_cli;

/* Runs the command in args[0]; returns the exit status. */
int app_command(app_cli *cli);
/* Reads a whole file; caller frees. NULL when unreadable. */
char *app_read_file(const char *path, size_t *len);
/* demo.c: the demo database (accounts of every role, an open batch, drafts). */
int app_demo(app_cli *cli, svc_ctx *c);
/* check.c: the offline pre-check of an application file. */
int app_check(app_cli *cli, svc_ctx *c);
/* seed.c: `smip seed --enterprises N`, the benchmark database (bench/run.sh). */
int app_seed(app_cli *cli, svc_ctx *c);
#endif
