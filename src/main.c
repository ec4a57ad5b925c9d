/* smip — the command line: serve the platform, create and seed databases, and the operator's
 * commands (API.md "Operation"). Every command exits 0 on success, non-zero with one line. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "service/assessment.h"
#include "service/enterprise.h"
#include "service/reference.h"
#include "util/util.h"
#include "web/web.h"

static void usage(void)
{
    fputs("usage: smip COMMAND [options]\n"
          "  init                         create or upgrade the database (districts, 2020 batch)\n"
          "  serve [--listen H:P] [--public-url URL] [--max-upload N] [--max-json N]\n"
          "        [--secure-cookies] [--hsts] [--trusted-proxy ADDRS] [--max-conns-per-addr N]\n"
          "        [--header-timeout S] [--body-timeout S]\n"
          "      --max-upload/--max-json  body limits in bytes (default 20 MB / 2 MB)\n"
          "      --secure-cookies         session cookie only over HTTPS (behind TLS)\n"
          "      --hsts                   send Strict-Transport-Security (behind TLS)\n"
          "      --trusted-proxy ADDRS    the reverse proxy's addresses, comma-separated\n"
          "                               (default 127.0.0.1,::1): its X-Real-IP names the\n"
          "                               client, and the limit per address leaves it out\n"
          "      --max-conns-per-addr N   open connections of one client address (default 64;\n"
          "                               0: no limit)\n"
          "      --header-timeout S       a request's headers, from the connection's start or\n"
          "                               its last answer (default 30)\n"
          "      --body-timeout S         a request's body, plus 1 s per 16 KiB (default 60)\n"
          "  demo                         a demo database: every role, an open batch, drafts\n"
          "  user add --role R --username U [--district CODE] --password-stdin\n"
          "  import-legacy accounts|certificates FILE.csv\n"
          "  holidays import FILE.csv\n"
          "  check FILE.json              pre-check an application offline\n"
          "  backup FILE                  online backup of the database\n"
          "  audit verify                 check the audit chain\n"
          "  seed --enterprises N         a benchmark database (make bench; new database only)\n"
          "options for all: --db PATH|postgresql://URI (or SMIP_DB; default smip.db),\n"
          "  --key FILE (or SMIP_KEY; the audit key: default PATH.key for SQLite, required\n"
          "  for PostgreSQL, where every server must read the same key)\n",
          stderr);
}

/* ---------------------------------------------------------------- options */

typedef struct opts {
    const char *db;
    const char *key;
    const char *listen;
    const char *public_url;
    const char *role, *username, *district;
    const char *enterprises; /* seed */
    bool password_stdin;
    bool secure_cookies, hsts;
    size_t max_upload, max_json;
    const char *trusted_proxy;
    unsigned max_conns_per_addr, header_timeout, body_timeout;
    const char *args[4];
    int nargs;
} opts;

static int parse_size(const char *s, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || v == 0) return -1;
    *out = (size_t)v;
    return 0;
}

/* A count or a number of seconds: digits only, 0 allowed. */
static int parse_uint(const char *s, unsigned *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n) return -1;
    *out = (unsigned)strtoul(s, NULL, 10);
    return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->db = getenv("SMIP_DB") ? getenv("SMIP_DB") : "smip.db";
    o->key = getenv("SMIP_KEY") && *getenv("SMIP_KEY") ? getenv("SMIP_KEY") : NULL;
    o->listen = "127.0.0.1:8080";
    o->max_upload = 20u * 1024 * 1024;
    o->max_json = 2u * 1024 * 1024;
    o->trusted_proxy = "127.0.0.1,::1";
    o->max_conns_per_addr = 64;
    o->header_timeout = 30;
    o->body_timeout = 60;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(name, field)                                                                          \
    if (strcmp(a, name) == 0) {                                                                    \
        if (!next) return fprintf(stderr, "smip: %s needs a value\n", name), -1;                   \
        o->field = next;                                                                           \
        i++;                                                                                       \
        continue;                                                                                  \
    }
        TAKE("--db", db)
        TAKE("--key", key)
        TAKE("--listen", listen)
        TAKE("--public-url", public_url)
        TAKE("--role", role)
        TAKE("--username", username)
        TAKE("--district", district)
        TAKE("--enterprises", enterprises)
        TAKE("--trusted-proxy", trusted_proxy)
#undef TAKE
        if (strcmp(a, "--password-stdin") == 0) {
            o->password_stdin = true;
        } else if (strcmp(a, "--secure-cookies") == 0) {
            o->secure_cookies = true;
        } else if (strcmp(a, "--hsts") == 0) {
            o->hsts = true;
        } else if (strcmp(a, "--max-conns-per-addr") == 0 || strcmp(a, "--header-timeout") == 0 ||
                   strcmp(a, "--body-timeout") == 0) {
            unsigned *dst = a[2] == 'm'   ? &o->max_conns_per_addr
                            : a[2] == 'h' ? &o->header_timeout
                                          : &o->body_timeout;
            if (!next || parse_uint(next, dst) != 0)
                return fprintf(stderr, "smip: %s needs a whole number\n", a), -1;
            i++;
        } else if (strcmp(a, "--max-upload") == 0 || strcmp(a, "--max-json") == 0) {
            size_t *dst = a[6] == 'u' ? &o->max_upload : &o->max_json;
            if (!next || parse_size(next, dst) != 0)
                return fprintf(stderr, "smip: %s needs a positive byte count\n", a), -1;
            i++;
        } else if (a[0] == '-') {
            return fprintf(stderr, "smip: unknown option %s\n", a), -1;
        } else if (o->nargs < 4) {
            o->args[o->nargs++] = a;
        } else {
            return fprintf(stderr, "smip: too many arguments\n"), -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- audit key */

/* The HMAC key of the audit chain lives in a file outside the database (mode 0600). It is
 * created when missing and the chain is still empty; a missing key for a non-empty chain is an
 * error, since every entry would then look forged. */
static int load_key(const opts *o, db *d, unsigned char key[32])
{
    /* Several servers share one PostgreSQL database: a key each of them made up beside itself
     * would split the chain, so there the operator names the one shared file. */
    if (!o->key &&
        (strncmp(o->db, "postgresql://", 13) == 0 || strncmp(o->db, "postgres://", 11) == 0)) {
        fprintf(stderr, "smip: a PostgreSQL database needs --key FILE (or SMIP_KEY): the audit key "
                        "file every server of the database shares\n");
        return -1;
    }
    char *path = o->key ? xstrdup(o->key) : xasprintf("%s.key", o->db);
    int rc = -1;
    FILE *f = fopen(path, "rb");
    if (f) {
        rc = fread(key, 1, 32, f) == 32 ? 0 : -1;
        fclose(f);
        if (rc != 0) fprintf(stderr, "smip: audit key %s is damaged\n", path);
        goto done;
    }
    if (db_scalar_int(d, 0, "SELECT count(*) FROM audit", "") > 0) {
        fprintf(stderr, "smip: audit key %s is missing (the chain cannot be verified)\n", path);
        goto done;
    }
    randombytes_buf(key, 32);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, key, 32) != 32) {
        fprintf(stderr, "smip: cannot write audit key %s\n", path);
        if (fd >= 0) close(fd);
        goto done;
    }
    rc = close(fd);
done:
    free(path);
    return rc;
}

/* Opens the database, applies migrations, seeds reference data, loads the key. */
static db *open_all(const opts *o, svc_config *cfg)
{
    char *err = NULL;
    db *d = db_open(o->db, &err);
    if (!d) {
        fprintf(stderr, "smip: %s\n", err);
        free(err);
        return NULL;
    }
    if (load_key(o, d, cfg->audit_key) != 0) {
        db_close(d);
        return NULL;
    }
    svc_ctx c = {.db = d, .now = util_now(), .actor = NULL, .cfg = cfg};
    if (svc_seed_reference(&c, &err) != 0) {
        fprintf(stderr, "smip: seeding reference data: %s\n", err);
        free(err);
        db_close(d);
        return NULL;
    }
    if (svc_projects_backfill(&c) != 0) {
        fprintf(stderr, "smip: filling the projects' summary columns: %s\n", db_error(d));
        db_close(d);
        return NULL;
    }
    if (svc_asm_peers_backfill(&c) != 0) {
        fprintf(stderr, "smip: summing the assessments' peers: %s\n", db_error(d));
        db_close(d);
        return NULL;
    }
    return d;
}

/* ---------------------------------------------------------------- commands */

static int cmd_init(const opts *o)
{
    svc_config cfg = {0};
    db *d = open_all(o, &cfg);
    if (!d) return 1;
    printf("database %s ready\n", o->db);
    db_close(d);
    return 0;
}

static int cmd_serve(const opts *o)
{
    web_config cfg = {0};
    db *d = open_all(o, &cfg.svc);
    if (!d) return 1;
    db_close(d);
    char *err = NULL;
    cfg.templates = tpl_set_load_assets(&err);
    if (!cfg.templates) {
        fprintf(stderr, "smip: templates: %s\n", err ? err : "?");
        free(err);
        return 1;
    }
    cfg.max_upload = o->max_upload;
    cfg.max_json = o->max_json;
    cfg.secure_cookies = o->secure_cookies;
    cfg.hsts = o->hsts;
    cfg.guard = (web_guard_config){.max_per_addr = o->max_conns_per_addr,
                                   .header_timeout = o->header_timeout,
                                   .body_timeout = o->body_timeout,
                                   .body_rate = 16 * 1024,
                                   .trusted = o->trusted_proxy};
    cfg.svc.public_url = o->public_url ? o->public_url : "http://127.0.0.1:8080";
    cfg.db_uri = o->db;
    int rc = web_serve(&cfg, o->listen);
    tpl_set_free(cfg.templates);
    return rc == 0 ? 0 : 1;
}

static int cmd_audit_verify(const opts *o)
{
    svc_config cfg = {0};
    db *d = open_all(o, &cfg);
    if (!d) return 1;
    int64_t entries = 0, bad = 0;
    char *why = NULL;
    int rc = svc_audit_verify(d, cfg.audit_key, &entries, &bad, &why);
    if (rc == 0)
        printf("audit chain intact: %lld entries\n", (long long)entries);
    else
        fprintf(stderr, "smip: audit chain broken at entry %lld: %s\n", (long long)bad, why);
    free(why);
    db_close(d);
    return rc == 0 ? 0 : 1;
}

static int cmd_backup(const opts *o)
{
    if (o->nargs < 2) return fprintf(stderr, "smip: backup needs FILE\n"), 2;
    svc_config cfg = {0};
    db *d = open_all(o, &cfg);
    if (!d) return 1;
    /* A backup holds password and session hashes like the database: private to its owner,
     * whatever umask the operator's shell has. */
    umask(077);
    char *err = NULL;
    int rc = db_backup(d, o->args[1], &err);
    if (rc != 0)
        fprintf(stderr, "smip: %s\n", err);
    else
        printf("backup written to %s\n", o->args[1]);
    free(err);
    db_close(d);
    return rc == 0 ? 0 : 1;
}

static int cmd_holidays(const opts *o)
{
    if (o->nargs < 3 || strcmp(o->args[1], "import") != 0)
        return fprintf(stderr, "smip: usage: holidays import FILE.csv\n"), 2;
    char *csv = app_read_file(o->args[2], NULL);
    if (!csv) return fprintf(stderr, "smip: cannot read %s\n", o->args[2]), 1;
    svc_config cfg = {0};
    db *d = open_all(o, &cfg);
    if (!d) return free(csv), 1;
    svc_ctx c = {.db = d, .now = util_now(), .cfg = &cfg};
    char *err = NULL;
    int n = -1;
    if (db_begin(d) == 0) {
        n = svc_holidays_import(&c, csv, &err);
        if (n >= 0 && svc_audit(&c, "holidays", 0, "import", NULL, NULL, NULL) > 0)
            db_commit(d);
        else
            db_rollback(d);
    }
    if (n >= 0)
        printf("%d days imported\n", n);
    else
        fprintf(stderr, "smip: %s\n", err ? err : db_error(d));
    free(err);
    free(csv);
    db_close(d);
    return n >= 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) return fputs("smip: libsodium failed to start\n", stderr), 1;
    /* jansson allocates through the same allocator as the rest: out of memory ends the
     * process with a message, never a NULL tree taken for an absent value. */
    json_set_alloc_funcs(xmalloc, free);
    if (argc < 2) return usage(), 2;
    opts o;
    if (parse_opts(argc - 1, argv + 1, &o) != 0 || o.nargs == 0) return usage(), 2;
    const char *cmd = o.args[0];
    if (strcmp(cmd, "init") == 0) return cmd_init(&o);
    if (strcmp(cmd, "serve") == 0) return cmd_serve(&o);
    if (strcmp(cmd, "backup") == 0) return cmd_backup(&o);
    if (strcmp(cmd, "holidays") == 0) return cmd_holidays(&o);
    if (strcmp(cmd, "audit") == 0 && o.nargs == 2 && strcmp(o.args[1], "verify") == 0)
        return cmd_audit_verify(&o);
    if (strcmp(cmd, "demo") == 0 || strcmp(cmd, "user") == 0 || strcmp(cmd, "import-legacy") == 0 ||
        strcmp(cmd, "check") == 0 || strcmp(cmd, "seed") == 0) {
        svc_config cfg = {0};
        db *d = open_all(&o, &cfg);
        if (!d) return 1;
        app_cli cli = {.db = d,
                       .cfg = &cfg,
                       .nargs = o.nargs,
                       .role = o.role,
                       .username = o.username,
                       .district = o.district,
                       .enterprises = o.enterprises,
                       .password_stdin = o.password_stdin,
                       .db_path = o.db};
        for (int i = 0; i < o.nargs; i++)
            cli.args[i] = o.args[i];
        int rc = app_command(&cli);
        db_close(d);
        return rc;
    }
    usage();
    return 2;
}
