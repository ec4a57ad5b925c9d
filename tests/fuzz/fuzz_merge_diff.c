/* fuzz_merge_diff — libFuzzer harness holding a draft save's two merge paths to each other
 * (core/merge.h): merge_text must give the very text merge_tree gives (parse, RFC 7396 merge,
 * dump with MERGE_DUMP_FLAGS), and merge_splice either declines (NULL) or gives that text too —
 * on the stored text as the input gives it and on its canonical dump, where the splice does
 * the work. A merge patch applied twice changes nothing the second time, so merging the patch
 * into the result again must give the result (this time always through the splice's input).
 * Any difference aborts with both texts. Input: as fuzz_merge (document, newline, patch). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/merge.h"
#include "fuzz_common.h"

static void same(const char *text, const json_t *patch)
{
    char *tree = merge_tree(text, patch);
    char *got = merge_text(text, patch);
    char *splice = merge_splice(text, patch);
    FUZZ_CHECK(tree && got, "a path answered NULL for %s", text ? text : "(null)");
    FUZZ_CHECK(strcmp(got, tree) == 0,
               "merge_text and merge_tree differ on %s:\n text %s\n tree %s", text, got, tree);
    if (splice)
        FUZZ_CHECK(strcmp(splice, tree) == 0,
                   "merge_splice and merge_tree differ on %s:\n splice %s\n tree %s", text, splice,
                   tree);
    /* idempotence: the patch merged into its own result changes nothing */
    char *again = merge_text(tree, patch);
    FUZZ_CHECK(again && strcmp(again, tree) == 0, "merging the patch twice changed %s into %s",
               tree, again ? again : "(null)");
    free(again);
    free(splice);
    free(got);
    free(tree);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *d, *p;
    size_t dn, pn;
    fuzz_split(data, size, &d, &dn, &p, &pn);
    json_t *patch = json_loadb((const char *)p, pn, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(patch)) {
        json_decref(patch);
        return 0;
    }
    char *text = fuzz_str(d, dn);
    same(text, patch);
    json_t *doc = merge_load(text);
    char *canon = json_dumps(doc, MERGE_DUMP_FLAGS);
    if (canon) same(canon, patch);
    free(canon);
    json_decref(doc);
    json_decref(patch);
    free(text);
    return 0;
}
