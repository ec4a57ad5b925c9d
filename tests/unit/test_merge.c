/* Unit tests of core/merge: merge_text gives the same text as parsing, merge_patch and dumping
 * (the tree), for hand-picked cases and for thousands of generated documents and patches; text
 * that is not a sorted compact dump still merges right (through the tree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/merge.h"

/* merge_text(text, patch) is the tree's text and `want` (unless NULL); `spliced` says whether it
 * was made without the tree. */
static void check_as(const char *text, const char *patch_text, const char *want, bool spliced)
{
    json_t *patch = json_loads(patch_text, 0, NULL);
    assert_non_null(patch);
    char *got = merge_text(text, patch), *ref = merge_tree(text, patch);
    char *splice = merge_splice(text, patch);
    assert_string_equal(got, ref);
    if (want) assert_string_equal(got, want);
    if (spliced && !splice) print_error("text %s patch %s\n", text, patch_text);
    if (spliced) {
        assert_non_null(splice);
        assert_string_equal(splice, ref);
    } else {
        assert_null(splice);
    }
    free(splice);
    free(got);
    free(ref);
    json_decref(patch);
}

static void check(const char *text, const char *patch_text, const char *want)
{
    check_as(text, patch_text, want, true);
}

static void check_tree(const char *text, const char *patch_text, const char *want)
{
    check_as(text, patch_text, want, false);
}

static void test_cases(void **state)
{
    (void)state;
    const char *form = "{\"b\":1,\"d\":{\"x\":true,\"y\":[1,2]},\"f\":\"重庆\"}";
    check(form, "{}", form);
    check(form, "{\"a\":0}", "{\"a\":0,\"b\":1,\"d\":{\"x\":true,\"y\":[1,2]},\"f\":\"重庆\"}");
    check(form, "{\"c\":[]}", "{\"b\":1,\"c\":[],\"d\":{\"x\":true,\"y\":[1,2]},\"f\":\"重庆\"}");
    check(form, "{\"g\":null}", form);
    check(form, "{\"z\":\"末\"}",
          "{\"b\":1,\"d\":{\"x\":true,\"y\":[1,2]},\"f\":\"重庆\",\"z\":\"末\"}");
    check(form, "{\"b\":null}", "{\"d\":{\"x\":true,\"y\":[1,2]},\"f\":\"重庆\"}");
    check(form, "{\"b\":null,\"d\":null,\"f\":null}", "{}");
    check(form, "{\"d\":{\"x\":null,\"w\":{\"q\":null,\"r\":1}}}",
          "{\"b\":1,\"d\":{\"w\":{\"r\":1},\"y\":[1,2]},\"f\":\"重庆\"}");
    check(form, "{\"d\":{\"y\":{\"k\":2}}}",
          "{\"b\":1,\"d\":{\"x\":true,\"y\":{\"k\":2}},\"f\":\"重庆\"}");
    check(form, "{\"b\":{\"n\":null}}", "{\"b\":{},\"d\":{\"x\":true,\"y\":[1,2]},\"f\":\"重庆\"}");
    check(form, "{\"d\":[3]}", "{\"b\":1,\"d\":[3],\"f\":\"重庆\"}");
    check(form, "{\"f\":\"a\\\"b\\\\c\\n\"}",
          "{\"b\":1,\"d\":{\"x\":true,\"y\":[1,2]},\"f\":\"a\\\"b\\\\c\\n\"}");
    check(form, "{\"q\\\"k\":1.5}", NULL);           /* a key jansson escapes */
    check(form, "{\"B\":1,\"ba\":2,\"é\":3}", NULL); /* byte order of keys */
    check("{}", "{\"a\":{\"b\":{\"c\":null}}}", "{\"a\":{\"b\":{}}}");
}

/* Text that is no sorted compact dump: still the tree's answer. */
static void test_other_text(void **state)
{
    (void)state;
    check_tree(NULL, "{\"a\":1}", "{\"a\":1}");
    check_tree("", "{\"a\":1}", "{\"a\":1}");
    check_tree("not json", "{\"a\":1}", "{\"a\":1}");
    check_tree("[1,2]", "{\"a\":1}", "{\"a\":1}");
    check_tree("{\"b\":1,\"a\":2}", "{\"c\":3}", "{\"a\":2,\"b\":1,\"c\":3}"); /* unsorted */
    check_tree("{ \"a\" : 1 , \"b\" : [ 1 ] }", "{\"c\":3}", NULL);            /* spaced */
    check_tree("{\"a\":1,\"a\":2}", "{\"c\":3}", NULL);                        /* duplicate key */
    check_tree("{\"a\\u0062\":1}", "{\"ab\":2}", "{\"ab\":2}");                /* escaped key */
    check_tree("{\"a\":1} ", "{\"c\":3}", "{\"a\":1,\"c\":3}");                /* trailing space */
    check_tree("{\"a\":1}{", "{\"c\":3}", "{\"c\":3}");                        /* not JSON */
    check_tree("{\"a\":1.50,\"b\":2}", "{\"c\":3}", "{\"a\":1.5,\"b\":2,\"c\":3}"); /* a real */
    check_tree("{\"a\":-0}", "{\"c\":3}", "{\"a\":0,\"c\":3}");
    check_tree("{\"a\":007}", "{\"c\":3}", "{\"c\":3}"); /* not JSON */
    check_tree("{\"a\":tru}", "{\"c\":3}", "{\"c\":3}");
    check("{\"a\":\"x y\\\" z\"}", "{\"c\":3}",
          "{\"a\":\"x y\\\" z\",\"c\":3}"); /* spaces in a string */
    check_tree("{\"d\":{\"y\":1,\"x\":2}}", "{\"d\":{\"z\":3}}",
               "{\"d\":{\"x\":2,\"y\":1,\"z\":3}}");
}

/* A small deterministic generator (xorshift) of documents and patches over few keys, so that
 * patches meet, miss, nest into, replace and delete the documents' members. */
static uint64_t rng = 88172645463325252ull;
static unsigned pick(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static json_t *gen(int depth, bool patch);

static json_t *gen_scalar(bool patch)
{
    static const char *const strs[] = {"",      "MES", "重庆 两江", "a\"q", "back\\slash",
                                       "tab\t", "/x"};
    switch (pick(patch ? 8 : 7)) {
    case 0:
        return json_integer((json_int_t)pick(1000) - 500);
    case 1: /* a document with a real takes the tree (merge.h): reals only in patches */
        return patch ? json_real((double)pick(1000) / 8.0) : json_integer(pick(9));
    case 2:
        return json_string(strs[pick(7)]);
    case 3:
        return json_true();
    case 4:
        return json_false();
    case 5: {
        json_t *a = json_array();
        for (unsigned i = pick(3); i > 0; i--)
            json_array_append_new(a, json_integer(i));
        return a;
    }
    case 6:
        return json_string("");
    default:
        return json_null(); /* only patches delete */
    }
}

static json_t *gen(int depth, bool patch)
{
    static const char *const keys[] = {"a", "b", "kpis", "mes", "z", "B", "é", "a b", "x\"y"};
    json_t *o = json_object();
    for (unsigned i = pick(6); i > 0; i--) {
        const char *k =
            keys[pick(patch ? 9 : 8)] /* a document with an escaped key takes the tree */;
        json_object_set_new(o, k,
                            depth < 3 && pick(3) == 0 ? gen(depth + 1, patch) : gen_scalar(patch));
    }
    return o;
}

static void test_generated(void **state)
{
    (void)state;
    for (int i = 0; i < 5000; i++) {
        json_t *doc = gen(0, false), *patch = gen(0, true);
        char *text = json_dumps(doc, MERGE_DUMP_FLAGS);
        char *got = merge_splice(text, patch), *ref = merge_tree(text, patch);
        if (!got || strcmp(got, ref) != 0) {
            char *pt = json_dumps(patch, MERGE_DUMP_FLAGS);
            print_error("doc %s patch %s\n", text, pt);
            free(pt);
        }
        assert_non_null(got);
        assert_string_equal(got, ref);
        free(got);
        free(ref);
        free(text);
        json_decref(doc);
        json_decref(patch);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_other_text),
        cmocka_unit_test(test_generated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
