/* test_render_zip — archives read back with libzip: every entry's name and bytes as given (binary
 * and 1 MiB included), names from users cleaned so none is absolute or climbs out ("../x" stays
 * inside), clashing names (also by case) made unique, and an empty list is a valid empty ZIP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zip.h>

#include "render/zip.h"
#include "util/util.h"

/* ==== Names =================================================================================== */

static void check_name(const char *in, const char *want)
{
    char *got = render_zip_safe_name(in);
    if (strcmp(got, want) != 0)
        fail_msg("safe name of \"%s\": got \"%s\", want \"%s\"", in, got, want);
    free(got);
}

static void test_safe_names(void **state)
{
    check_name("计划书.pdf", "计划书.pdf");
    check_name("attachments/计划书.pdf", "attachments/计划书.pdf");
    check_name("../x", "x");
    check_name("../../../etc/passwd", "etc/passwd");
    check_name("a/../../b.pdf", "a/b.pdf");
    check_name("..\\..\\windows\\win.ini", "windows/win.ini");
    check_name("/abs/path.pdf", "abs/path.pdf");
    check_name("C:\\Users\\x.pdf", "C_/Users/x.pdf");
    check_name("a//b/./c", "a/b/c");
    check_name("", "file");
    check_name(NULL, "file");
    check_name("..", "file");
    check_name("/", "file");
    check_name("  .hidden. ", "hidden");
    check_name("a<b>c:d\"e|f?g*h.pdf", "a_b_c_d_e_f_g_h.pdf");
    check_name("tab\there\n.pdf", "tab_here_.pdf");
    check_name("\xff\xfe.pdf", "__.pdf");
}

/* A long name is cut on a character boundary, keeping its extension. */
static void test_long_name(void **state)
{
    sbuf b;
    sbuf_init(&b);
    for (int i = 0; i < 100; i++)
        sbuf_puts(&b, "智");
    sbuf_puts(&b, ".pdf");
    char *got = render_zip_safe_name(b.data);
    size_t n = strlen(got);
    assert_true(n <= 150);
    assert_true(n >= 140);
    assert_string_equal(got + n - 4, ".pdf");
    assert_true(util_utf8_valid(got, n));
    free(got);
    sbuf_free(&b);
}

/* ==== Archives ================================================================================ */

typedef struct archive {
    zip_source_t *src;
    zip_t *za;
    zip_error_t ze;
} archive;

static void archive_open(archive *a, const char *buf, size_t len)
{
    zip_error_init(&a->ze);
    a->src = zip_source_buffer_create(buf, len, 0, &a->ze);
    assert_non_null(a->src);
    a->za = zip_open_from_source(a->src, ZIP_RDONLY | ZIP_CHECKCONS, &a->ze);
    if (!a->za) fail_msg("not a ZIP: %s", zip_error_strerror(&a->ze));
}

static void archive_close(archive *a)
{
    zip_close(a->za);
    zip_error_fini(&a->ze);
}

/* Entry i's bytes (malloc'd) and size. */
static char *archive_read(archive *a, zip_uint64_t i, size_t *len)
{
    zip_stat_t st;
    assert_int_equal(zip_stat_index(a->za, i, 0, &st), 0);
    zip_file_t *f = zip_fopen_index(a->za, i, 0);
    assert_non_null(f);
    char *out = xmalloc(st.size + 1);
    assert_int_equal(zip_fread(f, out, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    *len = (size_t)st.size;
    return out;
}

static void test_roundtrip(void **state)
{
    static const char bin[] = {'\0', '\x01', '\xff', 'P', 'K', '\x03', '\x04', '\0'};
    size_t big_len = 1 << 20;
    unsigned char *big = xmalloc(big_len);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < big_len; i++) { /* xorshift: incompressible, reproducible */
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        big[i] = (unsigned char)x;
    }
    const char *json = "{\"id\":11,\"enterprise\":\"重庆某机电有限公司\"}";
    const render_zip_entry in[] = {
        {"application.json", json, strlen(json)},  {"attachments/计划书.pdf", "%PDF-1 a", 8},
        {"attachments/计划书.pdf", "%PDF-1 b", 8}, {"attachments/../../evil.sh", "#!/bin/sh", 9},
        {"ATTACHMENTS/计划书.PDF", "%PDF-1 c", 8}, {"attachments/binary.bin", bin, sizeof bin},
        {"attachments/big.bin", big, big_len},     {"真实性审核意见.pdf", "", 0},
    };
    const char *want[] = {
        "application.json",    "attachments/计划书.pdf",     "attachments/计划书 (2).pdf",
        "attachments/evil.sh", "ATTACHMENTS/计划书 (3).PDF", "attachments/binary.bin",
        "attachments/big.bin", "真实性审核意见.pdf",
    };
    size_t n = sizeof in / sizeof in[0];
    char *zip = NULL, *err = NULL;
    size_t len = 0;
    assert_int_equal(render_zip(in, n, &zip, &len, &err), 0);
    assert_null(err);
    assert_memory_equal(zip, "PK\x03\x04", 4);
    archive a;
    archive_open(&a, zip, len);
    assert_int_equal(zip_get_num_entries(a.za, 0), (zip_int64_t)n);
    for (size_t i = 0; i < n; i++) {
        const char *name = zip_get_name(a.za, i, ZIP_FL_ENC_RAW); /* the stored bytes */
        assert_string_equal(name, want[i]);
        assert_true(name[0] != '/');
        assert_null(strstr(name, ".."));
        size_t got_len;
        char *got = archive_read(&a, i, &got_len);
        assert_int_equal(got_len, in[i].len);
        if (got_len) assert_memory_equal(got, in[i].data, got_len);
        free(got);
    }
    archive_close(&a);
    free(zip);
    free(big);
}

static void test_empty(void **state)
{
    char *zip = NULL;
    size_t len = 0;
    assert_int_equal(render_zip(NULL, 0, &zip, &len, NULL), 0);
    assert_int_equal(len, 22);
    archive a;
    archive_open(&a, zip, len);
    assert_int_equal(zip_get_num_entries(a.za, 0), 0);
    archive_close(&a);
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_names),
        cmocka_unit_test(test_long_name),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
