/* test_svg_chart — the server-drawn charts: one link per bar with its value and label, bars
 * scaled to the largest value (a zero draws no bar, a tiny non-zero one still shows), text
 * escaped (a label cannot close the element or open another), the title for assistive
 * technology, and the funnel's bars centred. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/svg_chart.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* The width of the filled bar inside the link (or group) whose data-label is `label`, -1 without
 * one. */
static int bar_width(const char *svg, const char *label, int *x)
{
    char key[128];
    snprintf(key, sizeof key, "data-label=\"%s\"", label);
    const char *a = strstr(svg, key);
    assert_non_null(a);
    const char *end = strstr(a, "</a>"), *g = strstr(a, "</g>"); /* a link, or a group */
    if (!end || (g && g < end)) end = g;
    const char *f = strstr(a, "fill=\"#1d5fa8\"");
    if (!f || f > end) return -1;
    const char *r = f;
    while (r > a && strncmp(r, "<rect", 5) != 0)
        r--;
    int w = -1;
    assert_int_equal(sscanf(strstr(r, " x=\"") + 4, "%d", x), 1);
    assert_int_equal(sscanf(strstr(r, "width=\"") + 7, "%d", &w), 1);
    return w;
}

static void test_bars_scaled_and_linked(void **state)
{
    (void)state;
    svg_item items[] = {{"渝北区", 40, "/commission?district_code=500112"},
                        {"万州区", 20, "/commission?district_code=500101"},
                        {"城口县", 1, "/commission?district_code=500229"},
                        {"巫溪县", 0, "/commission?district_code=500238"}};
    char *svg = svg_bars("c1", "各区县申报数", items, 4);
    assert_non_null(strstr(svg, "role=\"group\" aria-labelledby=\"c1-title\""));
    assert_non_null(strstr(svg, "<title id=\"c1-title\">各区县申报数</title>"));
    assert_int_equal(count(svg, "class=\"bar\""), 4);
    assert_non_null(strstr(svg, "href=\"/commission?district_code=500238\""));
    assert_non_null(strstr(svg, "data-value=\"0\" data-label=\"巫溪县\""));
    int x1, x2, x3, x4 = 0;
    int w1 = bar_width(svg, "渝北区", &x1), w2 = bar_width(svg, "万州区", &x2);
    int w3 = bar_width(svg, "城口县", &x3), w4 = bar_width(svg, "巫溪县", &x4);
    assert_true(w1 > 0 && w2 * 2 == w1); /* 20 is half of 40 */
    assert_true(w3 >= 2);                /* 1 of 40 still shows */
    assert_int_equal(w4, -1);            /* 0: no bar, the value alone */
    assert_int_equal(x1, x2);            /* bars start at the label column */
    free(svg);
}

static void test_text_escaped(void **state)
{
    (void)state;
    svg_item items[] = {{"A&B<script>\"'", 3, "/x?a=1&b=\"2\""}};
    char *svg = svg_bars("c2", "标题</title><script>", items, 1);
    assert_null(strstr(svg, "<script>"));
    assert_non_null(strstr(svg, ">标题&lt;/title&gt;&lt;script&gt;</title>"));
    assert_non_null(strstr(svg, "A&amp;B&lt;script&gt;&quot;&#39;"));
    assert_non_null(strstr(svg, "href=\"/x?a=1&amp;b=&quot;2&quot;\""));
    free(svg);
}

static void test_funnel_centred_and_all_zero(void **state)
{
    (void)state;
    svg_item items[] = {{"全部", 10, NULL}, {"已提交", 4, NULL}};
    char *svg = svg_funnel("c3", "漏斗", items, 2);
    int x1, x2;
    int w1 = bar_width(svg, "全部", &x1), w2 = bar_width(svg, "已提交", &x2);
    assert_true(w2 < w1 && x2 > x1);
    assert_true(abs((2 * x1 + w1) - (2 * x2 + w2)) <= 2); /* the same centre, within a unit */
    assert_int_equal(count(svg, "<a "), 0);               /* no href: no link */
    free(svg);
    svg_item zeros[] = {{"甲", 0, "/a"}, {"乙", 0, "/b"}};
    svg = svg_bars("c4", "空", zeros, 2);
    assert_null(strstr(svg, "#1d5fa8")); /* nothing to scale by: no bar, no division by zero */
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bars_scaled_and_linked),
        cmocka_unit_test(test_text_escaped),
        cmocka_unit_test(test_funnel_centred_and_all_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
