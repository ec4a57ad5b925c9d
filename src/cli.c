/* cli — commands that work through the services: user add, import-legacy, demo, check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "service/accounts.h"
#include "util/util.h"

/* Reads a whole file (bounded at 64 MB); caller frees. */
char *app_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sbuf b;
    sbuf_init(&b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && b.len < (64u << 20))
        sbuf_append(&b, buf, n);
    fclose(f);
    if (len) *len = b.len;
    return sbuf_take(&b);
}

static int cli_user_add(app_cli *cli, svc_ctx *c)
{
    if (cli->nargs < 2 || strcmp(cli->args[1], "add") != 0 || !cli->role || !cli->username ||
        !cli->password_stdin) {
        fprintf(stderr, "smip: usage: user add --role ROLE --username NAME [--district CODE] "
                        "--password-stdin\n");
        return 2;
    }
    char pw[256];
    size_t n = fread(pw, 1, sizeof pw - 1, stdin);
    pw[n] = '\0';
    while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
        pw[--n] = '\0';
    svc_err e = {0};
    int64_t id = 0;
    if (svc_user_add(c, cli->role, cli->username, cli->district, pw, &id, &e) != 0) {
        fprintf(stderr, "smip: %s\n", e.message);
        if (e.fields) {
            char *f = json_dumps(e.fields, JSON_COMPACT);
            fprintf(stderr, "  %s\n", f);
            free(f);
        }
        svc_err_clear(&e);
        return 1;
    }
    printf("account %lld (%s, %s) created, active\n", (long long)id, cli->username, cli->role);
    return 0;
}

static int cli_import_legacy(app_cli *cli, svc_ctx *c)
{
    if (cli->nargs < 3 ||
        (strcmp(cli->args[1], "accounts") != 0 && strcmp(cli->args[1], "certificates") != 0)) {
        fprintf(stderr, "smip: usage: import-legacy accounts|certificates FILE.csv\n");
        return 2;
    }
    size_t len = 0;
    char *csv = app_read_file(cli->args[2], &len);
    if (!csv) return fprintf(stderr, "smip: cannot read %s\n", cli->args[2]), 1;
    svc_err e = {0};
    json_t *out = NULL;
    int rc = strcmp(cli->args[1], "accounts") == 0
                 ? svc_legacy_import_accounts(c, csv, len, &out, &e)
                 : svc_legacy_import_certificates(c, csv, len, &out, &e);
    free(csv);
    if (rc != 0) {
        fprintf(stderr, "smip: %s\n", e.message);
        svc_err_clear(&e);
        return 1;
    }
    /* The counts and the errors: a line-by-line list of a large file is for the admin's page. */
    json_object_del(out, "lines");
    char *s = json_dumps(out, JSON_INDENT(2));
    printf("%s\n", s);
    free(s);
    json_decref(out);
    return 0;
}

int app_command(app_cli *cli)
{
    svc_actor system = {0};
    svc_ctx c = {.db = cli->db, .now = util_now(), .actor = &system, .cfg = cli->cfg};
    const char *cmd = cli->args[0];
    if (strcmp(cmd, "user") == 0) return cli_user_add(cli, &c);
    if (strcmp(cmd, "import-legacy") == 0) return cli_import_legacy(cli, &c);
    if (strcmp(cmd, "demo") == 0) return app_demo(cli, &c);
    if (strcmp(cmd, "check") == 0) return app_check(cli, &c);
    if (strcmp(cmd, "seed") == 0) return app_seed(cli, &c);
    fprintf(stderr, "smip: unknown command %s\n", cmd);
    return 2;
}
