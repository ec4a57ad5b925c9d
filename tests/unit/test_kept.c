/* Unit tests of web/kept.c: a kept string is served only for its key, its version and its time
 * window; a key holds one string; slots and bytes stay bounded, the least recently used going
 * first; what cannot be kept is refused, never truncated. And the two things a kept page's
 * version and window are made of: the digest of who is logged in, and the first instant at which
 * a time left shown on a page changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/kept.h"
#include "web/web.h"

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

/* The valid_until of the last string kt_get found. */
static int64_t kt_until;

/* The string kept under (key, v) at `now` (static buffer), or NULL. */
static const char *kt_get(const char *key, int64_t part0, int64_t now, int64_t *meta)
{
    static char got[128];
    web_kept_version v = {.part = {part0, 7}};
    sbuf out;
    sbuf_init(&out);
    bool hit = web_kept_get(&kt, key, &v, now, &out, meta, &kt_until);
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
    assert_int_equal(kt_until, 110);
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

static void test_digest_separates_strings(void **state)
{
    (void)state;
    const char *ab_c[] = {"ab", "c"}, *a_bc[] = {"a", "bc"}, *ab_c2[] = {"ab", "c"};
    const char *null_[] = {NULL, "c"}, *empty[] = {"", "c"}, *tok2[] = {"ab", "d"};
    assert_true(web_kept_digest(ab_c, 2) == web_kept_digest(ab_c2, 2));
    assert_true(web_kept_digest(ab_c, 2) != web_kept_digest(a_bc, 2));
    assert_true(web_kept_digest(ab_c, 2) != web_kept_digest(tok2, 2));
    assert_true(web_kept_digest(ab_c, 1) != web_kept_digest(ab_c, 2));
    assert_true(web_kept_digest(null_, 2) == web_kept_digest(empty, 2)); /* NULL counts as "" */
}

/* Whether `at` has passed at `t`, and the text shown then, as one string. */
static char *tl_view(int64_t at, int64_t t)
{
    char *left = web_time_left(at, t, "截止");
    char *v = NULL;
    assert_true(asprintf(&v, "%d|%s", at <= t, left) > 0);
    free(left);
    return v;
}

/* The text only counts down, so it is constant over [now, until) when it is equal at both ends,
 * and `until` is the first change when the text differs there. Checked at every offset of the
 * first two minutes around the boundaries and at spread ones up to four days. */
static void tl_check(int64_t at, int64_t now)
{
    int64_t until = web_time_left_until(at, now);
    char *first = tl_view(at, now);
    if (until == INT64_MAX) {
        char *later = tl_view(at, now + 400 * 86400);
        assert_string_equal(first, later);
        assert_true(at <= now);
        free(later);
        free(first);
        return;
    }
    assert_true(until > now);
    char *last = tl_view(at, until - 1), *next = tl_view(at, until);
    if (strcmp(first, last) != 0 || strcmp(last, next) == 0)
        fail_msg("at - now = %lld: until - now = %lld (%s / %s / %s)", (long long)(at - now),
                 (long long)(until - now), first, last, next);
    free(first);
    free(last);
    free(next);
}

static void test_time_left_until_first_change(void **state)
{
    (void)state;
    const int64_t at = 1584410400; /* 2020-03-17 10:00 Beijing time */
    for (int64_t d = -3; d <= 7300; d++)
        tl_check(at, at - d);
    const int64_t marks[] = {86399, 86400, 86401, 89999, 90000, 90001, 3 * 86400 + 1};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        for (int64_t e = -2; e <= 2; e++)
            tl_check(at, at - marks[i] - e);
    for (int64_t d = 7300; d < 4 * 86400; d += 997)
        tl_check(at, at - d);
    /* the last second before the deadline, and the deadline itself */
    assert_int_equal(web_time_left_until(at, at - 1), at);
    assert_true(web_time_left_until(at, at) == INT64_MAX);
    assert_int_equal(web_time_left_until(at, at - 61), at - 59);
    assert_int_equal(web_time_left_until(at, at - 86400),
                     at - 86400 + 1); /* 1 天 0 小时 → 23 小时 59 分钟 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_key_version_and_window, kt_setup),
        cmocka_unit_test_setup(test_slots_bounded_least_recently_used_first, kt_setup),
        cmocka_unit_test_setup(test_bytes_bounded, kt_setup),
        cmocka_unit_test_setup(test_refused_not_truncated, kt_setup),
        cmocka_unit_test(test_digest_separates_strings),
        cmocka_unit_test(test_time_left_until_first_change),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    kt_clear();
    return failed;
}
