/* test_overview_templates — the commission's overview pages (statistics, certificates) render
 * from the embedded templates as whole pages: nothing before the doctype (a "}}" in a context
 * comment ends it early and shows its tail), no template text left, the token escaped, and the
 * chart's SVG passed through unescaped while every text around it is escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/template.h"

static void render_page(const char *name, json_t *ctx, sbuf *out)
{
    char *err = NULL;
    tpl_set *set = tpl_set_load_assets(&err);
    if (!set) fail_msg("%s", err);
    assert_true(tpl_set_has(set, name));
    assert_int_equal(tpl_render(set, name, ctx, out), 0);
    tpl_set_free(set);
    assert_int_equal(strncmp(out->data, "<!doctype html>\n", 16), 0);
    assert_null(strstr(out->data, "{{"));
    assert_null(strstr(out->data, "}}"));
    assert_null(strstr(out->data, "tok<"));
}

static void test_statistics_page(void **state)
{
    (void)state;
    json_t *ctx = json_pack(
        "{s:s,s:s,s:{s:i,s:s},s:[{s:s,s:s,s:s}],s:[{s:s,s:s,s:s,s:s,s:[{s:s,s:i,s:s}]}]}", "title",
        "批次统计", "csrf_token", "tok<", "batch", "id", 3, "name", "2026年<批次>", "figures",
        "label", "已提交申报", "value", "5", "href", "/commission?batch_id=3", "charts", "id",
        "chart-x", "title", "图<表>", "note", "说明", "svg", "<svg role=\"group\"></svg>", "rows",
        "label", "渝北区&", "value", 2, "href", "/commission?batch_id=3&district_code=500112");
    sbuf out;
    sbuf_init(&out);
    render_page("commission_stats", ctx, &out);
    assert_non_null(strstr(out.data, "<svg role=\"group\"></svg>"));
    assert_non_null(strstr(out.data, "2026年&lt;批次&gt;"));
    assert_non_null(strstr(out.data, "渝北区&amp;"));
    assert_non_null(strstr(out.data, "batch_id=3&amp;district_code=500112"));
    sbuf_free(&out);
    json_decref(ctx);
}

static void test_certificates_page(void **state)
{
    (void)state;
    json_t *ctx = json_pack(
        "{s:s,s:s,s:{s:i,s:i,s:i,s:i,s:i},s:i,s:[{s:s,s:i,s:s,s:b,s:[s],s:b,s:{s:s,s:s}}],"
        "s:[{s:s,s:i,s:s,s:b,s:{s:s,s:s}}]}",
        "title", "证书管理", "csrf_token", "tok<", "counts", "valid", 4, "revoked", 1, "marked", 1,
        "re_review_due", 2, "requested", 1, "total", 1, "certificates", "certificate_no",
        "CQ-2026-W-0001", "application_id", 7, "enterprise_name", "甲公司", "valid", 1, "marks",
        "标杆", "re_review_due", 1, "request", "note", "搬迁<", "at", "2026年1月5日 09:00",
        "requests", "certificate_no", "CQ-2026-W-0001", "application_id", 7, "enterprise_name",
        "甲公司", "valid", 1, "request", "note", "搬迁<", "at", "2026年1月5日 09:00");
    sbuf out;
    sbuf_init(&out);
    render_page("commission_certificates", ctx, &out);
    assert_non_null(strstr(out.data, "id=\"count-due\">2<"));
    assert_non_null(strstr(out.data, "搬迁&lt;"));
    assert_non_null(strstr(out.data, "标杆"));
    assert_non_null(strstr(out.data, "待复评"));
    sbuf_free(&out);
    json_decref(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statistics_page),
        cmocka_unit_test(test_certificates_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
