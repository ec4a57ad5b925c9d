/* Unit tests of web/kept.c: a kept string is served only for its key, its version and its time
 * window; a key holds one string; slots and bytes stay bounded, the least recently used going
 * first; what cannot be kept is refused, never truncated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/kept.h"

static web_kept_slot kt_slots[3];
static web_kept kt = WEB_KEPT_INIT(kt_slots, 3, 100, 60);

static void kt_clear(void)
{
    for (size_t i = 0; i < kt.nslots; i++) {
        free(kt.slot[i].data);
        kt.slot[i] = (web_kept_slot){0};
    }
    kt.bytes = 0;
    kt.clock = 0;
}

static int kt_setup(void **state)
{
    (void)state;
    kt_clear();
    return 0;
}

/* The string kept under (key, v) at `now` (static buffer), or NULL. */
static const char *kt_get(const char *key, int64_t part0, int64_t now, int64_t *meta)
{
    static char got[128];
    web_kept_version v = {.part = {part0, 7}};
    sbuf out;
    sbuf_init(&out);
    bool hit = web_kept_get(&kt, key, &v, now, &out, meta);
    snprintf(got, sizeof got, "%s", out.data ? out.data : "");
    sbuf_free(&out);
    return hit ? got : NULL;
}

static void kt_put(const char *key, int64_t part0, int64_t now, int64_t until, const char *s)
{
    web_kept_version v = {.part = {part0, 7}};
    web_kept_put(&kt, key, &v, now, until, s, strlen(s), (int64_t)strlen(s));
}

static void test_key_version_and_window(void **state)
{
    (void)state;
    assert_null(kt_get("a", 1, 100, NULL));
    kt_put("a", 1, 100, 110, "alpha");
    int64_t meta = 0;
    assert_string_equal(kt_get("a", 1, 100, &meta), "alpha");
    assert_int_equal(meta, 5);
    assert_string_equal(kt_get("a", 1, 109, NULL), "alpha");
    assert_null(kt_get("a", 1, 110, NULL)); /* valid_until is excluded */
    assert_null(kt_get("a", 1, 99, NULL));  /* before it was rendered */
    assert_null(kt_get("a", 2, 105, NULL)); /* another version */
    assert_null(kt_get("b", 1, 105, NULL)); /* another key */
    /* The same key at a new version replaces the old string and its bytes. */
    kt_put("a", 2, 105, INT64_MAX, "beta");
    assert_null(kt_get("a", 1, 105, NULL));
    assert_string_equal(kt_get("a", 2, 1000000, NULL), "beta");
    assert_int_equal(kt.bytes, 4);
}

static void test_slots_bounded_least_recently_used_first(void **state)
{
    (void)state;
    kt_put("a", 1, 0, INT64_MAX, "1");
    kt_put("b", 1, 0, INT64_MAX, "2");
    kt_put("c", 1, 0, INT64_MAX, "3");
    assert_non_null(kt_get("a", 1, 0, NULL)); /* a is now used more recently than b */
    kt_put("d", 1, 0, INT64_MAX, "4");
    assert_null(kt_get("b", 1, 0, NULL));
    assert_string_equal(kt_get("a", 1, 0, NULL), "1");
    assert_string_equal(kt_get("c", 1, 0, NULL), "3");
    assert_string_equal(kt_get("d", 1, 0, NULL), "4");
    assert_int_equal(kt.bytes, 3);
}

static void test_bytes_bounded(void **state)
{
    (void)state;
    char s50[51], s40[41];
    memset(s50, 'x', 50);
    s50[50] = '\0';
    memset(s40, 'y', 40);
    s40[40] = '\0';
    kt_put("a", 1, 0, INT64_MAX, s50);
    kt_put("b", 1, 0, INT64_MAX, s40);
    assert_int_equal(kt.bytes, 90);
    kt_put("c", 1, 0, INT64_MAX, s40); /* 130 > 100: the oldest, a, goes */
    assert_null(kt_get("a", 1, 0, NULL));
    assert_non_null(kt_get("b", 1, 0, NULL));
    assert_non_null(kt_get("c", 1, 0, NULL));
    assert_int_equal(kt.bytes, 80);
}

static void test_refused_not_truncated(void **state)
{
    (void)state;
    char big[62];
    memset(big, 'z', 61);
    big[61] = '\0';
    kt_put("a", 1, 0, INT64_MAX, big); /* over max_one (60) */
    assert_null(kt_get("a", 1, 0, NULL));
    char key[WEB_KEPT_KEY + 1];
    memset(key, 'k', WEB_KEPT_KEY);
    key[WEB_KEPT_KEY] = '\0';
    kt_put(key, 1, 0, INT64_MAX, "s"); /* a key that does not fit its slot */
    assert_null(kt_get(key, 1, 0, NULL));
    key[WEB_KEPT_KEY - 1] = '\0'; /* the longest that fits */
    kt_put(key, 1, 0, INT64_MAX, "s");
    assert_string_equal(kt_get(key, 1, 0, NULL), "s");
    assert_int_equal(kt.bytes, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_key_version_and_window, kt_setup),
        cmocka_unit_test_setup(test_slots_bounded_least_recently_used_first, kt_setup),
        cmocka_unit_test_setup(test_bytes_bounded, kt_setup),
        cmocka_unit_test_setup(test_refused_not_truncated, kt_setup),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    kt_clear();
    return failed;
}
