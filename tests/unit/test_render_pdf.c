/* test_render_pdf — the authenticity template and the certificate, checked the way a person
 * would: poppler's pdftotext must find the Chinese text (rare characters included), pdffonts
 * must list only embedded fonts, pdftoppm must render the pages (one PNG of each is kept in
 * build/test-out/ to look at), and the QR code read back from the rendered page, module by
 * module, must be the code libqrencode makes for the verification URL written out here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_tmp.h"

#include <cairo.h>
#include <pthread.h>
#include <qrencode.h>

#include "render/pdf.h"
#include "util/util.h"

#define OUT_DIR "build/test-out"
#define RARE_NAME "重庆𠀾㐀精密机械制造有限公司"
#define USCC "91500112AY4CL12T2C"

/* ==== Helpers ================================================================================= */

static char tmpdir[UNIT_DIR_MAX];

static int setup(void **state)
{
    if (unit_tmpdir(tmpdir, "pdf") != 0) return -1;
    mkdir("build", 0755);
    mkdir(OUT_DIR, 0755);
    return 0;
}

static int teardown(void **state)
{
    return unit_rmtree(tmpdir);
}

/* Writes data to tmpdir/name; returns the path (malloc'd). */
static char *write_file(const char *name, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Runs a shell command, returns its standard output (malloc'd); the exit status must be 0. */
static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf cmd;
    sbuf_init(&cmd);
    sbuf_vprintf(&cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd.data, "r");
    assert_non_null(p);
    sbuf out;
    sbuf_init(&out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sbuf_append(&out, buf, n);
    int st = pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("command failed: %s", cmd.data);
    sbuf_free(&cmd);
    return sbuf_take(&out);
}

/* pdftotext of the PDF at path, with line breaks removed (wrapping may split a long name). */
static char *pdf_text(const char *path)
{
    char *t = run("pdftotext -enc UTF-8 '%s' -", path);
    char *w = t;
    for (char *r = t; *r; r++)
        if (*r != '\n' && *r != '\f') *w++ = *r;
    *w = '\0';
    return t;
}

static int pdf_pages(const char *path)
{
    char *out = run("pdfinfo '%s' | awk '/^Pages:/{print $2}'", path);
    int n = atoi(out);
    free(out);
    return n;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

/* Every font pdffonts lists is embedded, at least one is listed and one is a Noto CJK face.
 * Columns are found from the dashed line under pdffonts' header, since a font's type has
 * spaces in it ("CID Type 0C"). */
static void assert_fonts_embedded(const char *path)
{
    char *out = run("pdffonts '%s'", path);
    char *save = NULL;
    char *head = strtok_r(out, "\n", &save);
    char *dashes = strtok_r(NULL, "\n", &save);
    assert_non_null(head);
    assert_non_null(dashes);
    const char *emb_col = strstr(head, "emb");
    assert_non_null(emb_col);
    size_t emb = (size_t)(emb_col - head);
    int fonts = 0, noto = 0;
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        fonts++;
        if (strstr(line, "Noto") && strstr(line, "CJK")) noto++;
        if (strlen(line) < emb + 3 || strncmp(line + emb, "yes", 3) != 0)
            fail_msg("font not embedded: %s", line);
    }
    assert_true(fonts >= 1);
    assert_true(noto >= 1);
    free(out);
}

/* Renders page 1 to OUT_DIR/name.png at dpi and returns the image (the caller destroys it). */
static cairo_surface_t *render_png(const char *pdf, const char *name, int dpi)
{
    free(run("pdftoppm -png -r %d -f 1 -l 1 -singlefile '%s' '%s/%s'", dpi, pdf, OUT_DIR, name));
    char *png = xasprintf("%s/%s.png", OUT_DIR, name);
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    free(png);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    return img;
}

/* Luma of the pixel at (x, y) of an RGB24/ARGB32 image, 0 (black) to 255. */
static int luma(cairo_surface_t *img, int x, int y)
{
    cairo_surface_flush(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    uint32_t px = *(const uint32_t *)(data + (size_t)y * stride + (size_t)x * 4);
    int r = (px >> 16) & 0xff, g = (px >> 8) & 0xff, b = px & 0xff;
    return (r * 299 + g * 587 + b * 114) / 1000;
}

/* Counts dark pixels (luma < 100) in the image, sampling every 4th pixel. */
static long dark_pixels(cairo_surface_t *img)
{
    long n = 0;
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    for (int y = 0; y < h; y += 4)
        for (int x = 0; x < w; x += 4)
            n += luma(img, x, y) < 100;
    return n;
}

static render_pdf_app sample_app(void)
{
    return (render_pdf_app){
        .application_id = 42,
        .enterprise_name = RARE_NAME,
        .uscc = USCC,
        .project_name = "年产十万套汽车零部件智能化改造项目",
        .site_name = "精密加工数字化车间",
        .type = "workshop",
        .district_name = "渝北区",
        .investment = "1250 万元",
        .batch_name = "2020年重庆市数字化车间和智能工厂认定",
        .notice_no = "渝经信智能〔2020〕15号",
    };
}

static render_pdf_cert sample_cert(void)
{
    return (render_pdf_cert){
        .certificate_no = "CQ-2020-ZG-0007",
        .type = "factory",
        .enterprise_name = RARE_NAME,
        .project_name = "精密加工智能工厂",
        .issued_on = "2020-06-30",
        .document_no = "渝经信智能〔2020〕58号",
        .public_url = "https://smip.example.cn/",
    };
}

/* ==== Authenticity template =================================================================== */

static void test_authenticity_text(void **state)
{
    render_pdf_app app = sample_app();
    char *pdf = NULL, *err = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_authenticity(&app, &pdf, &len, &err), 0);
    assert_null(err);
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF-", 5);
    char *path = write_file("authenticity.pdf", pdf, len);
    char *text = pdf_text(path);
    assert_contains(text, "真实性审核意见");
    assert_contains(text, RARE_NAME);
    assert_contains(text, "𠀾"); /* CJK extension B: outside the BMP */
    assert_contains(text, "㐀"); /* CJK extension A */
    assert_contains(text, USCC);
    assert_contains(text, "年产十万套汽车零部件智能化改造项目");
    assert_contains(text, "精密加工数字化车间");
    assert_contains(text, "数字化车间");
    assert_contains(text, "渝北区");
    assert_contains(text, "1250 万元");
    assert_contains(text, "2020年重庆市数字化车间和智能工厂认定");
    assert_contains(text, "渝经信智能〔2020〕15号");
    assert_contains(text, "42");
    assert_contains(text, "经办人（签字）");
    assert_contains(text, "单位（盖章）");
    free(text);
    free(path);
    free(pdf);
}

static void test_authenticity_factory_and_missing_fields(void **state)
{
    render_pdf_app app = {.type = "factory", .enterprise_name = "某公司"};
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_authenticity(&app, &pdf, &len, NULL), 0);
    char *path = write_file("factory.pdf", pdf, len);
    char *text = pdf_text(path);
    assert_contains(text, "智能工厂");
    assert_contains(text, "某公司");
    assert_contains(text, "申报通知"); /* no notice number: the generic words */
    assert_null(strstr(text, "数字化车间"));
    free(text);
    free(path);
    free(pdf);
}

static void test_authenticity_fonts_and_png(void **state)
{
    render_pdf_app app = sample_app();
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_authenticity(&app, &pdf, &len, NULL), 0);
    char *path = write_file("authenticity-fonts.pdf", pdf, len);
    assert_fonts_embedded(path);
    cairo_surface_t *img = render_png(path, "authenticity", 100);
    /* A4 portrait at 100 dpi, with text and rules on it. */
    assert_in_range(cairo_image_surface_get_width(img), 820, 830);
    assert_in_range(cairo_image_surface_get_height(img), 1165, 1172);
    long dark = dark_pixels(img);
    assert_in_range(dark, 500, 20000); /* text and rules, but not a black page */
    cairo_surface_destroy(img);
    assert_int_equal(pdf_pages(path), 1);
    free(path);
    free(pdf);
}

/* Long values wrap inside their cell (nothing is lost) and the opinion box moves to a second
 * page rather than shrinking to nothing. */
static void test_authenticity_long_values(void **state)
{
    sbuf name;
    sbuf_init(&name);
    for (int i = 0; i < 6; i++)
        sbuf_puts(&name, "重庆市两江新区智能制造装备产业园");
    sbuf_puts(&name, "有限公司");
    render_pdf_app app = sample_app();
    app.enterprise_name = name.data;
    app.project_name = name.data;
    app.site_name = name.data;
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_authenticity(&app, &pdf, &len, NULL), 0);
    char *path = write_file("long.pdf", pdf, len);
    char *text = pdf_text(path);
    assert_contains(text, name.data);
    assert_contains(text, "经办人（签字）");
    assert_int_equal(pdf_pages(path), 2);
    free(text);
    free(path);
    free(pdf);
    sbuf_free(&name);
}

/* Every field far too long: cells are cut after their line limit, the table breaks onto a new
 * page instead of running off the first, and the opinion box still comes whole. */
static void test_authenticity_extreme_values(void **state)
{
    sbuf huge;
    sbuf_init(&huge);
    for (int i = 0; i < 200; i++)
        sbuf_puts(&huge, "超长字段");
    render_pdf_app app = {
        .application_id = 7,
        .enterprise_name = huge.data,
        .uscc = USCC,
        .project_name = huge.data,
        .site_name = huge.data,
        .type = "factory",
        .district_name = huge.data,
        .investment = huge.data,
        .batch_name = "批次",
        .notice_no = "渝经信智能〔2020〕15号",
    };
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_authenticity(&app, &pdf, &len, NULL), 0);
    char *path = write_file("extreme.pdf", pdf, len);
    char *text = pdf_text(path);
    assert_contains(text, USCC);
    /* Nothing is drawn in page 1's bottom margin (22 mm): the table broke onto page 2. (The cut
     * text stays in the text layer — cairo maps the ellipsis to the characters it replaces — so
     * this is checked on the picture, not with pdftotext.) */
    cairo_surface_t *img = render_png(path, "extreme", 50);
    int h = cairo_image_surface_get_height(img), w = cairo_image_surface_get_width(img);
    int margin_top = (int)((297.0 - 21.0) / 25.4 * 50);
    long dark = 0;
    for (int y = margin_top; y < h; y++)
        for (int x = 0; x < w; x++)
            dark += luma(img, x, y) < 160;
    assert_int_equal(dark, 0);
    cairo_surface_destroy(img);
    assert_contains(text, "经办人（签字）");
    assert_in_range(pdf_pages(path), 2, 3);
    free(text);
    free(path);
    free(pdf);
    sbuf_free(&huge);
}

/* A damaged byte costs one character, not the field. */
static void test_authenticity_invalid_utf8(void **state)
{
    render_pdf_app app = sample_app();
    app.enterprise_name = "重庆\xff机电有限公司";
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_authenticity(&app, &pdf, &len, NULL), 0);
    char *path = write_file("bad-utf8.pdf", pdf, len);
    char *text = pdf_text(path);
    assert_contains(text, "机电有限公司");
    assert_contains(text, USCC);
    free(text);
    free(path);
    free(pdf);
}

/* ==== QR code ================================================================================= */

static void test_verify_url(void **state)
{
    char *u = render_pdf_verify_url("https://smip.example.cn//", "CQ-2020-ZG-0007");
    assert_string_equal(u, "https://smip.example.cn/verify/CQ-2020-ZG-0007");
    free(u);
    u = render_pdf_verify_url("http://127.0.0.1:8080", "渝 1/2?#");
    assert_string_equal(u, "http://127.0.0.1:8080/verify/%E6%B8%9D%201%2F2%3F%23");
    free(u);
    u = render_pdf_verify_url(NULL, "a_b.c~");
    assert_string_equal(u, "/verify/a_b.c~");
    free(u);
}

/* The matrix is libqrencode's (level M, 8-bit) for exactly this text, a real QR symbol: its
 * width is 17 + 4·version and the three finder patterns sit in their corners. */
static void test_qr_matrix(void **state)
{
    const char *url = "https://smip.example.cn/verify/CQ-2020-ZG-0007";
    int w = 0;
    unsigned char *m = render_pdf_qr_matrix(url, &w);
    assert_non_null(m);
    assert_true(w >= 21 && (w - 17) % 4 == 0);
    QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(q);
    assert_int_equal(q->width, w);
    for (int i = 0; i < w * w; i++)
        assert_int_equal(m[i], q->data[i] & 1);
    QRcode_free(q);
    /* Finder pattern: a dark 7×7 ring, a light ring inside, a dark 3×3 core. */
    const int corners[3][2] = {{0, 0}, {0, w - 7}, {w - 7, 0}};
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 7; c++) {
                int ring = r == 0 || r == 6 || c == 0 || c == 6;
                int core = r >= 2 && r <= 4 && c >= 2 && c <= 4;
                int want = ring || core;
                assert_int_equal(m[(corners[k][0] + r) * w + corners[k][1] + c], want);
            }
    /* Another URL is another code. */
    int w2 = 0;
    unsigned char *m2 = render_pdf_qr_matrix("https://smip.example.cn/verify/CQ-2020-ZG-0008", &w2);
    assert_non_null(m2);
    assert_true(w2 != w || memcmp(m, m2, (size_t)w * w) != 0);
    free(m2);
    free(m);
}

static void test_qr_too_long(void **state)
{
    char *long_no = xmalloc(4001);
    memset(long_no, 'A', 4000);
    long_no[4000] = '\0';
    int w = 0;
    assert_null(render_pdf_qr_matrix(long_no, &w));
    render_pdf_cert cert = sample_cert();
    cert.certificate_no = long_no;
    char *pdf = NULL, *err = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_certificate(&cert, &pdf, &len, &err), -1);
    assert_null(pdf);
    assert_non_null(err);
    assert_non_null(strstr(err, "QR"));
    free(err);
    free(long_no);
}

/* ==== Certificate ============================================================================= */

static void test_certificate_text_and_fonts(void **state)
{
    render_pdf_cert cert = sample_cert();
    char *pdf = NULL, *err = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_certificate(&cert, &pdf, &len, &err), 0);
    assert_null(err);
    char *path = write_file("certificate.pdf", pdf, len);
    assert_int_equal(pdf_pages(path), 1);
    char *text = pdf_text(path);
    assert_contains(text, "重庆市智能工厂");
    assert_contains(text, RARE_NAME);
    assert_contains(text, "𠀾");
    assert_contains(text, "㐀");
    assert_contains(text, "精密加工智能工厂");
    assert_contains(text, "CQ-2020-ZG-0007");
    assert_contains(text, "渝经信智能〔2020〕58号");
    assert_contains(text, "重庆市经济和信息化委员会");
    assert_contains(text, "2020年6月30日");
    assert_contains(text, "https://smip.example.cn/verify/CQ-2020-ZG-0007");
    assert_null(strstr(text, "数字化车间"));
    assert_fonts_embedded(path);
    char *info = run("pdfinfo '%s'", path);
    assert_contains(info, "841.89 x 595.2"); /* A4 landscape */
    free(info);
    free(text);
    free(path);
    free(pdf);
}

static void test_certificate_workshop_without_document(void **state)
{
    render_pdf_cert cert = sample_cert();
    cert.type = "workshop";
    cert.project_name = "精密加工数字化车间";
    cert.document_no = NULL;
    cert.issued_on = "2021年1月5日";
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_certificate(&cert, &pdf, &len, NULL), 0);
    char *path = write_file("workshop.pdf", pdf, len);
    char *text = pdf_text(path);
    assert_contains(text, "重庆市数字化车间");
    assert_contains(text, "2021年1月5日"); /* not an ISO date: printed as given */
    assert_null(strstr(text, "认定文件"));
    assert_null(strstr(text, "智能工厂"));
    free(text);
    free(path);
    free(pdf);
}

/* A long name wraps (and shrinks) but every character is still on the certificate. */
static void test_certificate_long_name(void **state)
{
    const char *name =
        "重庆市𠀾㐀两江新区智能制造装备产业园精密机械与汽车零部件研发制造股份有限公司";
    render_pdf_cert cert = sample_cert();
    cert.enterprise_name = name;
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_certificate(&cert, &pdf, &len, NULL), 0);
    char *path = write_file("cert-long.pdf", pdf, len);
    char *text = pdf_text(path);
    assert_contains(text, name);
    free(text);
    free(path);
    free(pdf);
}

/* Reads the QR code back from the rendered page: each module's centre must be dark exactly
 * where libqrencode's matrix for the URL — written out literally here — is dark, and the quiet
 * zone light. A wrong URL, a shifted or mis-scaled drawing fails this. */
static void test_certificate_qr_on_page(void **state)
{
    render_pdf_cert cert = sample_cert();
    char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(render_pdf_certificate(&cert, &pdf, &len, NULL), 0);
    char *path = write_file("certificate-qr.pdf", pdf, len);
    const int dpi = 300;
    cairo_surface_t *img = render_png(path, "certificate", dpi);
    QRcode *q = QRcode_encodeString("https://smip.example.cn/verify/CQ-2020-ZG-0007", 0,
                                    QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(q);
    double x, y, size;
    render_pdf_certificate_qr_box(&x, &y, &size);
    double px = dpi / 72.0, mod = size / q->width * px;
    assert_true(mod > 6); /* several pixels per module: centres are unambiguous */
    int wrong = 0;
    for (int r = -4; r < q->width + 4; r++)
        for (int c = -4; c < q->width + 4; c++) {
            int inside = r >= 0 && c >= 0 && r < q->width && c < q->width;
            int want = inside ? q->data[r * q->width + c] & 1 : 0;
            int cx = (int)(x * px + (c + .5) * mod), cy = (int)(y * px + (r + .5) * mod);
            int dark = luma(img, cx, cy) < 128;
            wrong += dark != want;
        }
    assert_int_equal(wrong, 0);
    QRcode_free(q);
    cairo_surface_destroy(img);
    free(path);
    free(pdf);
}

/* Server threads render at once; each uses its own pango font map. */
static void *render_in_thread(void *arg)
{
    render_pdf_cert cert = sample_cert();
    char *pdf = NULL;
    size_t len = 0;
    long rc = render_pdf_certificate(&cert, &pdf, &len, NULL);
    if (rc == 0 && (len < 1000 || memcmp(pdf, "%PDF-", 5) != 0)) rc = -2;
    free(pdf);
    return (void *)rc;
}

static void test_concurrent(void **state)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, render_in_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_int_equal((long)rc, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authenticity_text),
        cmocka_unit_test(test_authenticity_factory_and_missing_fields),
        cmocka_unit_test(test_authenticity_fonts_and_png),
        cmocka_unit_test(test_authenticity_long_values),
        cmocka_unit_test(test_authenticity_extreme_values),
        cmocka_unit_test(test_authenticity_invalid_utf8),
        cmocka_unit_test(test_verify_url),
        cmocka_unit_test(test_qr_matrix),
        cmocka_unit_test(test_qr_too_long),
        cmocka_unit_test(test_certificate_text_and_fonts),
        cmocka_unit_test(test_certificate_workshop_without_document),
        cmocka_unit_test(test_certificate_long_name),
        cmocka_unit_test(test_certificate_qr_on_page),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
