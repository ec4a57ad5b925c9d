/* test_render_xlsx — the workbook read back as Excel would: the buffer is a ZIP (opened with
 * libzip) whose xl/worksheets/sheet1.xml holds the cells — numbers as <v> numbers, text as text
 * (inline or shared), "=1+1" and the other formula openers as text with no <f> anywhere — a
 * bold, frozen header row, an autofilter over the table, fitted column widths, a cleaned sheet
 * name, and no temporary file left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_tmp.h"

#include <zip.h>

#include "render/xlsx.h"
#include "util/util.h"

/* ==== Reading the workbook back =============================================================== */

/* The contents of member `name` of the ZIP in buf (malloc'd, NUL-terminated), or NULL. */
static char *zip_member(const char *buf, size_t len, const char *name)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
    assert_non_null(src);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) fail_msg("not a ZIP: %s", zip_error_strerror(&ze));
    char *out = NULL;
    zip_stat_t st;
    if (zip_stat(za, name, 0, &st) == 0) {
        zip_file_t *f = zip_fopen(za, name, 0);
        assert_non_null(f);
        out = xmalloc(st.size + 1);
        assert_int_equal(zip_fread(f, out, st.size), (zip_int64_t)st.size);
        out[st.size] = '\0';
        zip_fclose(f);
    }
    zip_close(za);
    zip_error_fini(&ze);
    return out;
}

/* The <c …>…</c> element of cell `ref` in sheet XML (malloc'd), or NULL. */
static char *cell_xml(const char *sheet, const char *ref)
{
    char *needle = xasprintf("<c r=\"%s\"", ref);
    const char *p = strstr(sheet, needle);
    free(needle);
    if (!p) return NULL;
    const char *end = strstr(p, "</c>");
    const char *self = strstr(p, "/>");
    const char *gt = strchr(p, '>');
    if (self && gt && self + 1 == gt) return xstrndup(p, (size_t)(gt + 1 - p)); /* <c …/> */
    assert_non_null(end);
    return xstrndup(p, (size_t)(end + 4 - p));
}

/* The n-th (0-based) <si> text of sharedStrings.xml (malloc'd). */
static char *shared_string(const char *sst, long n)
{
    const char *p = sst;
    for (long i = 0; i <= n; i++) {
        p = strstr(p, "<si>");
        assert_non_null(p);
        p += 4;
    }
    const char *t = strstr(p, "<t");
    t = strchr(t, '>') + 1;
    return xstrndup(t, (size_t)(strstr(t, "</t>") - t));
}

/* The text a text cell shows (malloc'd); fails for a cell that is not text. */
static char *cell_text(const char *xlsx, size_t len, const char *sheet, const char *ref)
{
    char *c = cell_xml(sheet, ref);
    if (!c) fail_msg("no cell %s", ref);
    char *out = NULL;
    if (strstr(c, "t=\"inlineStr\"")) {
        const char *t = strchr(strstr(c, "<t"), '>') + 1;
        out = xstrndup(t, (size_t)(strstr(t, "</t>") - t));
    } else if (strstr(c, "t=\"s\"")) {
        char *sst = zip_member(xlsx, len, "xl/sharedStrings.xml");
        assert_non_null(sst);
        out = shared_string(sst, atol(strstr(c, "<v>") + 3));
        free(sst);
    } else {
        fail_msg("cell %s is not text: %s", ref, c);
    }
    free(c);
    return out;
}

/* A number cell: no type attribute (or t="n") and its <v>. */
static void assert_number(const char *sheet, const char *ref, const char *want)
{
    char *c = cell_xml(sheet, ref);
    if (!c) fail_msg("no cell %s", ref);
    if (strstr(c, " t=\"") && !strstr(c, " t=\"n\""))
        fail_msg("cell %s is not a number: %s", ref, c);
    char *v = xasprintf("<v>%s</v>", want);
    if (!strstr(c, v)) fail_msg("cell %s: want %s in %s", ref, v, c);
    free(v);
    free(c);
}

static void assert_text(const char *xlsx, size_t len, const char *sheet, const char *ref,
                        const char *want)
{
    char *t = cell_text(xlsx, len, sheet, ref);
    assert_string_equal(t, want);
    free(t);
}

/* ==== Fixture ================================================================================= */

static char tmpdir[UNIT_DIR_MAX];

static int setup(void **state)
{
    if (unit_tmpdir(tmpdir, "xlsx-test") != 0) return -1;
    return setenv("TMPDIR", tmpdir, 1);
}

static int teardown(void **state)
{
    unsetenv("TMPDIR");
    return rmdir(tmpdir); /* fails (and so the group) when a temporary file was left behind */
}

static const render_xlsx_column COLS[] = {
    {"编号", 0}, {"企业名称", 0}, {"设备和软件投资（元）", 0}, {"备注", 0}, {"固定宽度", 30}};

/* Renders the sample table; the caller frees *xlsx and the returned sheet XML. */
static char *render_sample(char **xlsx, size_t *len)
{
    /* Rows 2–5 of the sheet; D5 is set below (json_pack refuses invalid UTF-8). */
    json_t *rows = json_pack(
        "[[i,s,f,s,b],[i,s,i,s,n],[i,s,n,s,s],[i,s,I,n,s]]", 1, "重庆𠀾㐀精密机械制造有限公司",
        9500000.5, "=1+1", 1, 2, "+cmd|' /C calc'!A0", 12000000, "@SUM(A1:A2)", 3, "-2+3",
        "=HYPERLINK(\"http://x\")", "a\001b\tc", 4, "<b>&amp;</b>", (json_int_t)123456789012LL, "");
    assert_non_null(rows);
    json_array_set_new(json_array_get(rows, 3), 3, json_stringn_nocheck("\xff\xfe", 2));
    char *err = NULL;
    int rc = render_xlsx_table("申报/汇总[2020]:*?", COLS, 5, rows, xlsx, len, &err);
    if (rc != 0) fail_msg("render_xlsx_table: %s", err);
    json_decref(rows);
    assert_memory_equal(*xlsx, "PK\x03\x04", 4);
    char *sheet = zip_member(*xlsx, *len, "xl/worksheets/sheet1.xml");
    assert_non_null(sheet);
    return sheet;
}

/* ==== Tests =================================================================================== */

static void test_cells(void **state)
{
    char *xlsx = NULL;
    size_t len = 0;
    char *sheet = render_sample(&xlsx, &len);
    assert_text(xlsx, len, sheet, "A1", "编号");
    assert_text(xlsx, len, sheet, "C1", "设备和软件投资（元）");
    assert_number(sheet, "A2", "1");
    assert_text(xlsx, len, sheet, "B2", "重庆𠀾㐀精密机械制造有限公司");
    assert_number(sheet, "C2", "9500000.5");
    assert_text(xlsx, len, sheet, "E2", "是");
    assert_number(sheet, "C3", "12000000");
    assert_number(sheet, "C5", "123456789012");
    assert_text(xlsx, len, sheet, "B5", "&lt;b&gt;&amp;amp;&lt;/b&gt;"); /* as XML text */
    /* null and "" leave no cell at all */
    char *empty = cell_xml(sheet, "E3");
    assert_null(empty);
    assert_null(cell_xml(sheet, "C4"));
    assert_null(cell_xml(sheet, "E5"));
    free(sheet);
    free(xlsx);
}

/* Text that would be a formula in a CSV or a typed-in cell is stored as text, never as <f>. */
static void test_no_formula_injection(void **state)
{
    char *xlsx = NULL;
    size_t len = 0;
    char *sheet = render_sample(&xlsx, &len);
    assert_null(strstr(sheet, "<f>"));
    assert_null(strstr(sheet, "<f "));
    assert_text(xlsx, len, sheet, "D2", "=1+1");
    assert_text(xlsx, len, sheet, "B3", "+cmd|' /C calc'!A0");
    assert_text(xlsx, len, sheet, "D3", "@SUM(A1:A2)");
    assert_text(xlsx, len, sheet, "B4", "-2+3");
    assert_text(xlsx, len, sheet, "D4", "=HYPERLINK(\"http://x\")");
    free(sheet);
    free(xlsx);
}

/* Control characters Excel cannot store become spaces (tab kept); invalid UTF-8 becomes U+FFFD. */
static void test_cleaned_text(void **state)
{
    char *xlsx = NULL;
    size_t len = 0;
    char *sheet = render_sample(&xlsx, &len);
    assert_text(xlsx, len, sheet, "E4", "a b\tc");
    assert_text(xlsx, len, sheet, "D5", "\xEF\xBF\xBD\xEF\xBF\xBD");
    free(sheet);
    free(xlsx);
}

static void test_header_freeze_filter_widths(void **state)
{
    char *xlsx = NULL;
    size_t len = 0;
    char *sheet = render_sample(&xlsx, &len);
    /* Header frozen: the pane splits below row 1. */
    assert_non_null(strstr(sheet, "ySplit=\"1\""));
    assert_non_null(strstr(sheet, "state=\"frozen\""));
    assert_non_null(strstr(sheet, "<autoFilter ref=\"A1:E5\"/>"));
    /* Header cells carry a style whose font is bold. */
    char *a1 = cell_xml(sheet, "A1");
    assert_non_null(strstr(a1, " s=\""));
    free(a1);
    char *styles = zip_member(xlsx, len, "xl/styles.xml");
    assert_non_null(styles);
    assert_non_null(strstr(styles, "<b/>"));
    free(styles);
    /* Widths: the name column fits its long Chinese name (≥ 2 units a character), the fixed
     * one is as given, none is below the minimum. */
    assert_non_null(strstr(sheet, "<col min=\"5\" max=\"5\" width=\"30.7109375\""));
    const char *b = strstr(sheet, "<col min=\"2\" max=\"2\" width=\"");
    assert_non_null(b);
    double wb = atof(b + strlen("<col min=\"2\" max=\"2\" width=\""));
    assert_true(wb >= 29 && wb <= 61); /* 14 characters × 2 + 1 */
    const char *a = strstr(sheet, "<col min=\"1\" max=\"1\" width=\"");
    assert_non_null(a);
    assert_true(atof(a + strlen("<col min=\"1\" max=\"1\" width=\"")) >= 8);
    free(sheet);
    free(xlsx);
}

static void test_sheet_name_and_title(void **state)
{
    char *xlsx = NULL;
    size_t len = 0;
    char *sheet = render_sample(&xlsx, &len);
    char *wb = zip_member(xlsx, len, "xl/workbook.xml");
    assert_non_null(wb);
    assert_non_null(strstr(wb, "name=\"申报_汇总_2020____\""));
    free(wb);
    char *core = zip_member(xlsx, len, "docProps/core.xml");
    assert_non_null(core);
    assert_non_null(strstr(core, "<dc:title>申报/汇总[2020]:*?</dc:title>"));
    free(core);
    free(sheet);
    free(xlsx);
}

/* No rows: a header-only sheet, still a valid workbook; a very long title is cut to 31. */
static void test_empty_and_long_title(void **state)
{
    json_t *rows = json_array();
    char *xlsx = NULL, *err = NULL;
    size_t len = 0;
    const char *title =
        "重庆市数字化车间和智能工厂认定申报汇总表（二〇二〇年第一批次含复评与撤销记录）";
    assert_int_equal(render_xlsx_table(title, COLS, 2, rows, &xlsx, &len, &err), 0);
    char *sheet = zip_member(xlsx, len, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "<autoFilter ref=\"A1:B1\"/>"));
    assert_null(cell_xml(sheet, "A2"));
    char *wb = zip_member(xlsx, len, "xl/workbook.xml");
    assert_non_null(
        strstr(wb, "name=\"重庆市数字化车间和智能工厂认定申报汇总表（二〇二〇年第一批次含\""));
    free(wb);
    free(sheet);
    free(xlsx);
    json_decref(rows);
}

/* The temporary file is gone whether the call succeeded or not. */
static void test_no_temporary_left(void **state)
{
    json_t *rows = json_pack("[[s]]", "x");
    for (int i = 0; i < 3; i++) {
        char *xlsx = NULL;
        size_t len = 0;
        assert_int_equal(render_xlsx_table("t", COLS, 1, rows, &xlsx, &len, NULL), 0);
        free(xlsx);
    }
    json_decref(rows);
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    assert_int_equal(n, 0);
}

/* An unusable TMPDIR is an error with a reason, not a crash. */
static void test_bad_tmpdir(void **state)
{
    setenv("TMPDIR", "/nonexistent-smip-dir", 1);
    json_t *rows = json_array();
    char *xlsx = NULL, *err = NULL;
    size_t len = 0;
    assert_int_equal(render_xlsx_table("t", COLS, 1, rows, &xlsx, &len, &err), -1);
    assert_null(xlsx);
    assert_non_null(err);
    assert_non_null(strstr(err, "temporary file"));
    free(err);
    json_decref(rows);
    setenv("TMPDIR", tmpdir, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_no_formula_injection),
        cmocka_unit_test(test_cleaned_text),
        cmocka_unit_test(test_header_freeze_filter_widths),
        cmocka_unit_test(test_sheet_name_and_title),
        cmocka_unit_test(test_empty_and_long_title),
        cmocka_unit_test(test_no_temporary_left),
        cmocka_unit_test(test_bad_tmpdir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
