/* fuzz_template — libFuzzer harness for the template engine: arbitrary bytes are parsed as a
 * template (also reachable as a partial of itself) and rendered against a fixed context, so
 * parse errors, deep nesting, runaway partials and every lookup path are exercised.
 * Built by `make fuzz` (mk/fuzz.mk); docs/fuzzing.md tells how to run it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "render/template.h"

static const char context_json[] =
    "{\"title\":\"<t>\",\"csrf_token\":\"tok\",\"account\":{\"username\":\"u\",\"role\":"
    "\"enterprise\"},"
    "\"items\":[{\"name\":\"a\",\"n\":1},{\"name\":\"b&\",\"n\":0},\"s\",2.5,true,null,[1,[2]]],"
    "\"empty\":[],\"t\":true,\"f\":false,\"z\":0,\"r\":0.5,\"s\":\"\",\"nul\":null,"
    "\"errors\":{\"uscc\":\"bad\"},\"form\":{\"uscc\":\"9150\"},\"technologies\":[\"5g\",\"ai\"]}";

static const char partial_src[] = "[{{name}}{{#items}}{{.}}{{/items}}]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *ctx;
    if (!ctx) ctx = json_loads(context_json, 0, NULL);

    tpl_set *set = tpl_set_new();
    tpl_set_add(set, "p", partial_src, sizeof partial_src - 1, NULL);
    char *err = NULL;
    if (tpl_set_add(set, "f", (const char *)data, size, &err) == 0) {
        sbuf out;
        sbuf_init(&out);
        tpl_render(set, "f", ctx, &out);
        sbuf_free(&out);
        tpl_set_check(set, NULL);
    } else {
        free(err);
    }
    tpl_set_free(set);
    return 0;
}
