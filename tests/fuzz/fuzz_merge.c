/* fuzz_merge — libFuzzer harness for each path of a draft save's merge (core/merge) on its own:
 * the tree (merge_tree: parse, RFC 7396 merge, dump) and the text (merge_splice: jsmn spans of
 * the stored text, the patch's members spliced in), each on the stored text as the input gives
 * it and on that text's canonical dump (what ent_dump stores, the splice's fast case). Whatever
 * a path answers must be a JSON object. fuzz_merge_diff holds the two paths to each other.
 * Input: the stored document's text, a newline, the patch (a JSON object, as the API parses a
 * PUT body; anything else is tried against the document alone). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/merge.h"
#include "fuzz_common.h"

/* What a path answered is one JSON object (or NULL where the path may decline). */
static void check_object(const char *what, char *text, int may_be_null)
{
    if (!text) {
        FUZZ_CHECK(may_be_null, "%s answered NULL", what);
        return;
    }
    json_t *j = json_loads(text, 0, NULL);
    FUZZ_CHECK(json_is_object(j), "%s answered no JSON object: %s", what, text);
    json_decref(j);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *d, *p;
    size_t dn, pn;
    fuzz_split(data, size, &d, &dn, &p, &pn);
    char *text = fuzz_str(d, dn);
    json_t *patch = json_loadb((const char *)p, pn, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(patch)) {
        json_decref(patch);
        patch = json_object();
    }
    check_object("merge_tree", merge_tree(text, patch), 0);
    check_object("merge_splice", merge_splice(text, patch), 1);
    check_object("merge_text", merge_text(text, patch), 0);

    json_t *doc = merge_load(text);
    char *canon = json_dumps(doc, MERGE_DUMP_FLAGS);
    if (canon) {
        check_object("merge_splice (canonical)", merge_splice(canon, patch), 1);
        check_object("merge_text (canonical)", merge_text(canon, patch), 0);
        free(canon);
    }
    /* merge_patch in place on the tree, as the profile and project saves use it */
    merge_patch(doc, patch);
    FUZZ_CHECK(json_is_object(doc), "merge_patch left no object");
    json_decref(doc);
    check_object("merge_tree (NULL text)", merge_tree(NULL, patch), 0);
    json_decref(patch);
    free(text);
    return 0;
}
