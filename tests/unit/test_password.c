/* test_password — argon2id round trip, the password policy's boundaries and the verification of
 * the old platform's crypt(3) hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/password.h"

static void test_hash_round_trip(void **state)
{
    (void)state;
    char h[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("Jd2020pass", h), 0);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_non_null(strstr(h, "m=19456,t=2,")); /* OWASP's setting, not the INTERACTIVE preset */
    assert_true(password_verify(h, "Jd2020pass"));
    assert_false(password_verify(h, "Jd2020pasS"));
    assert_false(password_verify(h, ""));
    char h2[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("Jd2020pass", h2), 0);
    assert_string_not_equal(h, h2); /* a fresh salt each time */
}

static void test_policy(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(password_policy("abcdef1", err, sizeof err), -1); /* 7 characters */
    assert_non_null(strstr(err, "8"));
    assert_int_equal(password_policy("abcdefg1", err, sizeof err), 0);  /* 8 characters */
    assert_int_equal(password_policy("abcdefgh", err, sizeof err), -1); /* no digit */
    assert_non_null(strstr(err, "数字"));
    assert_int_equal(password_policy("12345678", err, sizeof err), -1); /* no letter */
    assert_non_null(strstr(err, "字母"));
    assert_int_equal(password_policy("密码密码密码a1", err, sizeof err), 0); /* 8 code points */
    assert_int_equal(password_policy("密码密a1", err, sizeof err), -1);      /* 5, not 11 bytes */
    assert_int_equal(password_policy(NULL, err, sizeof err), -1);
    assert_int_equal(password_policy("abcdefg1\xff", err, sizeof err), -1);
    char longpw[140];
    memset(longpw, 'a', 129);
    longpw[0] = '1';
    longpw[129] = '\0';
    assert_int_equal(password_policy(longpw, err, sizeof err), -1);
    longpw[128] = '\0';
    assert_int_equal(password_policy(longpw, err, sizeof err), 0);
}

/* Makes a crypt(3) hash of pw with a fixed setting, the way the old platform stored them. */
static char *legacy_hash(const char *pw, const char *setting)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    const char *out = crypt_rn(pw, setting, cd, (int)sizeof *cd);
    assert_non_null(out);
    assert_true(out[0] == '$');
    char *copy = strdup(out);
    free(cd);
    return copy;
}

static void test_legacy_sha512(void **state)
{
    (void)state;
    char *h = legacy_hash("old-pass-2018", "$6$saltsaltsalt16$");
    assert_true(password_legacy_scheme(h));
    assert_true(password_verify(h, "old-pass-2018"));
    assert_false(password_verify(h, "old-pass-2019"));
    assert_false(password_verify(h, ""));
    free(h);
}

static void test_legacy_sha256(void **state)
{
    (void)state;
    char *h = legacy_hash("旧平台密码1", "$5$rounds=5000$fixedsalt$");
    assert_true(password_legacy_scheme(h));
    assert_true(password_verify(h, "旧平台密码1"));
    assert_false(password_verify(h, "旧平台密码2"));
    free(h);
}

static void test_malformed_hashes(void **state)
{
    (void)state;
    assert_false(password_legacy_scheme("$1$abc$def")); /* MD5-crypt is not accepted */
    assert_false(password_legacy_scheme("plaintext"));
    assert_false(password_verify("$1$abcdefgh$0123456789012345678901", "x"));
    assert_false(password_verify("plaintext", "plaintext"));
    assert_false(password_verify("$6$", "x"));
    assert_false(password_verify("$argon2id$garbage", "x"));
    assert_false(password_verify(NULL, "x"));
    /* A planted argon2id hash asking for 1 GiB is refused before any memory is taken. */
    assert_false(password_verify("$argon2id$v=19$m=1048576,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
                                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                 "x"));
}

/* Hashes crypt(3) itself writes for each scheme are well formed (and verify); the same hashes
 * bent the ways an old database or a hand-made CSV bends them are reported, and never verify. */
static void test_legacy_problem(void **state)
{
    (void)state;
    static const char *const prefixes[] = {"$6$", "$5$", "$2b$", "$y$"};
    for (size_t i = 0; i < 4; i++) {
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];
        unsigned long cost = strcmp(prefixes[i], "$2b$") == 0 ? 4 : 0;
        assert_non_null(crypt_gensalt_rn(prefixes[i], cost, NULL, 0, setting, sizeof setting));
        struct crypt_data *cd = calloc(1, sizeof *cd);
        const char *h = crypt_rn("Old2019pass", setting, cd, (int)sizeof *cd);
        assert_non_null(h);
        char good[256];
        snprintf(good, sizeof good, "%s", h);
        free(cd);
        assert_null(password_legacy_problem(good));
        assert_true(password_verify(good, "Old2019pass"));
        char bad[300];
        size_t n = strlen(good);
        snprintf(bad, sizeof bad, "%.*s", (int)(n - 1), good); /* one character short */
        assert_non_null(password_legacy_problem(bad));
        assert_false(password_verify(bad, "Old2019pass"));
        snprintf(bad, sizeof bad, "%sA", good); /* one too many */
        assert_non_null(password_legacy_problem(bad));
        snprintf(bad, sizeof bad, "%s", good);
        bad[n - 3] = '!'; /* outside crypt's alphabet */
        assert_non_null(password_legacy_problem(bad));
    }
    /* bcrypt's cost at its bounds, and the "$2b$99$abc" */
    const char *salt53 = "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
    char h[128];
    for (int cost = 3; cost <= 32; cost++) {
        snprintf(h, sizeof h, "$2b$%02d$%s", cost, salt53);
        if (cost >= 4 && cost <= 31)
            assert_null(password_legacy_problem(h));
        else
            assert_non_null(password_legacy_problem(h));
    }
    assert_non_null(password_legacy_problem("$2b$99$abc"));
    assert_non_null(
        password_legacy_problem("$2b$4$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"));
    /* a salt whose last character carries bits bcrypt never sets */
    assert_non_null(
        password_legacy_problem("$2b$10$N9qo8uLOickgx2ZMRZoMyfIjZAgcfl7p92ldGxad68LJZdL17lhWy"));
    /* SHA-crypt rounds at their bounds, the salt at 16 and 17 */
    const char *d86 =
        "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234.";
    char s6[256];
    snprintf(s6, sizeof s6, "$6$rounds=1000$salt$%s", d86);
    assert_null(password_legacy_problem(s6));
    snprintf(s6, sizeof s6, "$6$rounds=999$salt$%s", d86);
    assert_non_null(password_legacy_problem(s6));
    snprintf(s6, sizeof s6, "$6$rounds=999999999$salt$%s", d86);
    assert_null(password_legacy_problem(s6));
    snprintf(s6, sizeof s6, "$6$rounds=1000000000$salt$%s", d86);
    assert_non_null(password_legacy_problem(s6));
    snprintf(s6, sizeof s6, "$6$0123456789abcdef$%s", d86);
    assert_null(password_legacy_problem(s6));
    snprintf(s6, sizeof s6, "$6$0123456789abcdefg$%s", d86);
    assert_non_null(password_legacy_problem(s6));
    assert_non_null(password_legacy_problem("$6$$"));
    assert_non_null(password_legacy_problem("$y$j9T$$"));
    assert_non_null(password_legacy_problem("md5$abc"));
    assert_non_null(password_legacy_problem(""));
}

static void test_dummy_verify(void **state)
{
    (void)state;
    password_dummy_verify("anything1");
    password_dummy_verify(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_round_trip),  cmocka_unit_test(test_policy),
        cmocka_unit_test(test_legacy_sha512),    cmocka_unit_test(test_legacy_sha256),
        cmocka_unit_test(test_malformed_hashes), cmocka_unit_test(test_dummy_verify),
        cmocka_unit_test(test_legacy_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
