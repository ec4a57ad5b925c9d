/* Unit tests of core/uscc: check digits of real-format codes, normalisation and the messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/uscc.h"

static void test_valid_codes(void **state)
{
    (void)state;
    assert_true(uscc_valid("91500112AY4CL12T2C")); /* API.md's example */
    assert_true(uscc_valid("91500000MA5U7E3K5C"));
    assert_true(uscc_valid("91110108551385082Q")); /* Beijing */
    assert_true(uscc_valid("12500000450416555G"));
    assert_true(uscc_valid("91500103MA6000000X"));
    assert_int_equal(uscc_check_char("91500112AY4CL12T2"), 'C');
    assert_int_equal(uscc_check_char("91500112MA5YXXXX0"), 'T');
}

static void test_check_digit_wrong(void **state)
{
    (void)state;
    char out[USCC_LEN + 1], err[256];
    assert_false(uscc_valid("91500112AY4CL12T2D"));
    assert_int_equal(uscc_normalize("91500112AY4CL12T2D", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "第 18 位应为 C"));
}

static void test_lower_case_normalised(void **state)
{
    (void)state;
    char out[USCC_LEN + 1];
    assert_int_equal(uscc_normalize("91500112ay4cl12t2c", out, NULL, 0), 0);
    assert_string_equal(out, "91500112AY4CL12T2C");
    assert_true(uscc_valid("91500112ay4cl12t2c"));
    assert_true(uscc_in_chongqing("91500112ay4cl12t2c"));
}

static void test_length_and_charset(void **state)
{
    (void)state;
    char out[USCC_LEN + 1], err[256];
    assert_int_equal(uscc_normalize("91500112AY4CL12T2", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "18 位"));
    assert_non_null(strstr(err, "17 位"));
    assert_int_equal(uscc_normalize("91500112AY4CL12T2CC", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "19 位"));
    assert_int_equal(uscc_normalize("", out, err, sizeof err), -1);
    assert_int_equal(uscc_normalize(NULL, out, err, sizeof err), -1);
    /* I, O, S, V, Z are outside the set; position is 1-based. */
    assert_int_equal(uscc_normalize("91500112AI4CL12T2C", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "第 10 位"));
    assert_non_null(strstr(err, "“I”"));
    assert_int_equal(uscc_normalize("O1500112AY4CL12T2C", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "第 1 位"));
    assert_false(uscc_valid("91500112AY4CL12T2 "));
    assert_false(uscc_valid("91500112AY4CL12T2-"));
    /* 18 bytes that are not 18 ASCII characters */
    assert_false(uscc_valid("915001\xe4\xb8\xad"
                            "AY4CL12T2"));
}

static void test_in_chongqing(void **state)
{
    (void)state;
    assert_true(uscc_in_chongqing("91500112AY4CL12T2C"));
    assert_true(uscc_in_chongqing("12500000450416555G"));
    assert_false(uscc_in_chongqing("91110108551385082Q"));
    assert_false(uscc_in_chongqing("91500112AY4CL12T2D")); /* invalid code: not known to be CQ */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_codes),           cmocka_unit_test(test_check_digit_wrong),
        cmocka_unit_test(test_lower_case_normalised), cmocka_unit_test(test_length_and_charset),
        cmocka_unit_test(test_in_chongqing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
