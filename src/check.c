/* check — `smip check FILE.json`: the pre-check offline. The file holds
 * {batch_id, enterprise:{…}, project:{…}, application:{type, …form}}; the batch's rules come from
 * the database, and so do the facts known there for the USCC (other applications in the batch,
 * prior certificates). Prints one line per finding. Exit 0: no error finding fails; 1: an error
 * finding fails; 2: bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/rules.h"
#include "service/enterprise.h"
#include "service/reference.h"

static int check_bad(const char *why)
{
    fprintf(stderr, "smip: check: %s\n", why);
    return 2;
}

static void check_print(const json_t *findings)
{
    size_t i;
    json_t *f;
    printf("%-26s %-4s %-7s %-16s %-16s %s\n", "rule", "ok", "level", "required", "actual",
           "message");
    json_array_foreach(findings, i, f)
    {
        printf("%-26s %-4s %-7s %-16s %-16s %s\n", json_string_value(json_object_get(f, "rule")),
               json_is_true(json_object_get(f, "ok")) ? "ok" : "FAIL",
               json_string_value(json_object_get(f, "severity")),
               json_string_value(json_object_get(f, "required")),
               json_string_value(json_object_get(f, "actual")),
               json_string_value(json_object_get(f, "message")));
    }
}

int app_check(app_cli *cli, svc_ctx *c)
{
    if (cli->nargs < 2) return check_bad("usage: check FILE.json");
    size_t len = 0;
    char *text = app_read_file(cli->args[1], &len);
    if (!text) return check_bad("cannot read the file");
    json_error_t je;
    json_t *in = json_loadb(text, len, 0, &je);
    free(text);
    if (!json_is_object(in)) {
        fprintf(stderr, "smip: check: not a JSON object (line %d: %s)\n", je.line, je.text);
        json_decref(in);
        return 2;
    }
    json_t *ent = json_object_get(in, "enterprise"), *proj = json_object_get(in, "project"),
           *app = json_object_get(in, "application"), *bid = json_object_get(in, "batch_id");
    int rc = 2;
    json_t *findings = NULL;
    if (!json_is_integer(bid) || !json_is_object(ent) || !json_is_object(proj) ||
        !json_is_object(app)) {
        check_bad("want {batch_id, enterprise:{…}, project:{…}, application:{type,…}}");
        goto done;
    }
    svc_err e = {0};
    if (svc_precheck_documents(c, json_integer_value(bid), ent, proj, app, 0, false, &findings,
                               &e) != 0) {
        fprintf(stderr, "smip: check: %s\n", e.message);
        if (e.fields) {
            char *f = json_dumps(e.fields, JSON_COMPACT);
            fprintf(stderr, "  %s\n", f);
            free(f);
        }
        svc_err_clear(&e);
        goto done;
    }
    check_print(findings);
    rc = rules_findings_ok(findings) ? 0 : 1;
done:
    json_decref(findings);
    json_decref(in);
    return rc;
}
