/* Unit tests of core/names: NFKC and white-space-free comparison used by rule E5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/names.h"

static void test_equal(void **state)
{
    (void)state;
    assert_true(names_equal("数字化车间A", "数字化车间A"));
    /* full-width letters, digits and brackets */
    assert_true(names_equal("１号数字化车间（ＡＢ）", "1号数字化车间(AB)"));
    /* spaces of every kind: ASCII, ideographic U+3000, no-break U+00A0, tab, newline */
    assert_true(names_equal("发动机 缸体\u3000车间", "发动机缸体车间"));
    assert_true(names_equal(" 发动机\u00a0缸体\t车间\n", "发动机缸体车间"));
    assert_true(names_equal("发动机\u200b缸体车间", "发动机缸体车间"));
    /* case is not folded: NFKC keeps it */
    assert_false(names_equal("ab车间", "AB车间"));
    assert_false(names_equal("一号车间", "二号车间"));
    assert_false(names_equal("", ""));
    assert_false(names_equal("  ", "\u3000"));
    assert_false(names_equal(NULL, "x"));
    assert_false(names_equal("\xff\xfe", "\xff\xfe"));
}

static void test_normalize(void **state)
{
    (void)state;
    char *k = names_normalize("Ｃ Ｑ\u3000工厂");
    assert_string_equal(k, "CQ工厂");
    free(k);
    assert_null(names_normalize("\xc3"));
    assert_null(names_normalize(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_equal),
                                       cmocka_unit_test(test_normalize)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
