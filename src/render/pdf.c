/* pdf — the authenticity template and the certificate (see pdf.h). Pages are drawn with cairo
 * onto a PDF surface that streams into memory; all text goes through pango layouts so Chinese
 * wraps where Chinese may wrap and characters missing from the chosen Noto face fall back to
 * another installed face instead of vanishing. Layouts are created per call from the calling
 * thread's pango font map, so any number of server threads may render at once. */
#include "render/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define PDF_MM (72.0 / 25.4)
#define A4_SHORT (210.0 * PDF_MM)
#define A4_LONG (297.0 * PDF_MM)

/* Families, not files: fontconfig finds them wherever fonts-noto-cjk put them. */
#define FONT_SERIF "Noto Serif CJK SC"
#define FONT_SANS "Noto Sans CJK SC"

/* The certificate's QR code: 30 mm, which keeps a module near 1 mm for a typical URL (version
 * 3–4) — readable from a printed page by any phone. */
#define CERT_QR_SIZE (30.0 * PDF_MM)
#define CERT_QR_X (30.0 * PDF_MM)
#define CERT_QR_Y (A4_SHORT - 22.0 * PDF_MM - CERT_QR_SIZE)

typedef struct pdf_style {
    const char *family;
    bool bold;
    double size; /* in points (= user units of the PDF surface) */
    PangoAlignment align;
    double r, g, b;
    int max_lines; /* 0: unlimited; else ellipsized after this many lines */
} pdf_style;

static const pdf_style ST_BODY = {FONT_SERIF, false, 12, PANGO_ALIGN_LEFT, 0, 0, 0, 0};
static const pdf_style ST_CELL = {FONT_SERIF, false, 11.5, PANGO_ALIGN_LEFT, 0, 0, 0, 8};
static const pdf_style ST_LABEL = {FONT_SANS, true, 10.5, PANGO_ALIGN_LEFT, 0, 0, 0, 4};
static const pdf_style ST_NOTE = {FONT_SANS, false, 8.5, PANGO_ALIGN_LEFT, .35, .35, .35, 0};

/* ==== Document ================================================================================ */

typedef struct pdf_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    sbuf out; /* the PDF bytes as cairo streams them */
} pdf_doc;

static cairo_status_t pdf_sink(void *closure, const unsigned char *data, unsigned int len)
{
    sbuf_append(closure, (const char *)data, len);
    return CAIRO_STATUS_SUCCESS;
}

static void pdf_begin(pdf_doc *d, double w, double h, const char *title)
{
    sbuf_init(&d->out);
    d->surface = cairo_pdf_surface_create_for_stream(pdf_sink, &d->out, w, h);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "smip");
    d->cr = cairo_create(d->surface);
}

/* Finishes the document (fonts are subset and written now) and hands its bytes over. */
static int pdf_end(pdf_doc *d, char **out, size_t *len, char **err)
{
    cairo_status_t st = cairo_status(d->cr);
    cairo_destroy(d->cr);
    cairo_surface_finish(d->surface);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(d->surface);
    cairo_surface_destroy(d->surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        if (err) *err = xasprintf("cairo: %s", cairo_status_to_string(st));
        sbuf_free(&d->out);
        return -1;
    }
    *len = d->out.len;
    *out = sbuf_take(&d->out);
    return 0;
}

/* ==== Text ==================================================================================== */

/* Pango refuses invalid UTF-8 (it would draw nothing); a damaged byte should cost one
 * replacement character, not the whole field. */
static void pdf_set_text(PangoLayout *l, const char *text)
{
    if (!text) text = "";
    if (g_utf8_validate(text, -1, NULL)) {
        pango_layout_set_text(l, text, -1);
        return;
    }
    gchar *fixed = g_utf8_make_valid(text, -1);
    pango_layout_set_text(l, fixed, -1);
    g_free(fixed);
}

/* A layout of `text` in style `st`, wrapped at `width` points (0: one line per paragraph). The
 * caller unrefs it (g_object_unref). */
static PangoLayout *pdf_layout(cairo_t *cr, const pdf_style *st, const char *text, double width)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, st->family);
    pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, st->size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, pango_units_from_double(width));
        /* Between words where there are words, else between characters: a URL or a long
         * name without spaces still wraps inside its box. */
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
        if (st->max_lines > 0) {
            pango_layout_set_height(l, -st->max_lines);
            pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        }
    }
    pango_layout_set_alignment(l, st->align);
    pdf_set_text(l, text);
    return l;
}

static double pdf_height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void pdf_show(cairo_t *cr, const pdf_style *st, PangoLayout *l, double x, double y)
{
    cairo_set_source_rgb(cr, st->r, st->g, st->b);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
}

/* Draws `text` with its top left at (x, y) in a box `width` wide; returns the height used. */
static double pdf_text(cairo_t *cr, const pdf_style *st, const char *text, double x, double y,
                       double width)
{
    PangoLayout *l = pdf_layout(cr, st, text, width);
    double h = pdf_height(l);
    pdf_show(cr, st, l, x, y);
    g_object_unref(l);
    return h;
}

/* Draws `text` in [x, x + width], in the largest of `st`'s size stepped down by 15% at a time
 * (at most three times) that keeps it within `lines` lines: a long enterprise name shrinks before
 * it crowds the page. At the smallest size it may take two more lines and is cut (…) after them,
 * so no input can push the text over the rest of the page. Returns the height used. */
static double pdf_text_fit(cairo_t *cr, const pdf_style *st, const char *text, double x, double y,
                           double width, int lines)
{
    pdf_style s = *st;
    PangoLayout *l = NULL;
    for (int step = 0; step < 4; step++) {
        if (l) g_object_unref(l);
        s.max_lines = step == 3 ? lines + 2 : 0;
        l = pdf_layout(cr, &s, text, width);
        if (pango_layout_get_line_count(l) <= lines) break;
        s.size *= 0.85;
    }
    double h = pdf_height(l);
    pdf_show(cr, &s, l, x, y);
    g_object_unref(l);
    return h;
}

static const char *pdf_type_name(const char *type)
{
    if (type && strcmp(type, "workshop") == 0) return "数字化车间";
    if (type && strcmp(type, "factory") == 0) return "智能工厂";
    return type ? type : "";
}

/* "2020-06-30" → "2020年6月30日" (malloc'd); anything else is printed as given. */
static char *pdf_date_cn(const char *iso)
{
    int y, m, d, n = 0;
    if (iso && sscanf(iso, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && iso[10] == '\0')
        return xasprintf("%d年%d月%d日", y, m, d);
    return xstrdup(iso ? iso : "");
}

static void pdf_line(cairo_t *cr, double x0, double y0, double x1, double y1, double width)
{
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

/* ==== 真实性审核意见 ============================================================================
 */

typedef struct pdf_row {
    const char *label;
    const char *value;
} pdf_row;

/* One row of the two-column table at y: grey label cell, value cell, both framed. Values wrap
 * inside their cell and are cut (…) after ST_CELL.max_lines; a row that would cross `bottom`
 * starts a new page at `top`. Returns the y below the row. */
static double pdf_table_row(cairo_t *cr, const pdf_row *row, double x, double y, double w,
                            double label_w, double top, double bottom)
{
    const double pad = 2.5 * PDF_MM;
    PangoLayout *lab = pdf_layout(cr, &ST_LABEL, row->label, label_w - 2 * pad);
    PangoLayout *val = pdf_layout(cr, &ST_CELL, row->value, w - label_w - 2 * pad);
    double hl = pdf_height(lab), hv = pdf_height(val);
    double h = (hl > hv ? hl : hv) + 2 * pad;
    if (h < 9 * PDF_MM) h = 9 * PDF_MM;
    if (y + h > bottom) {
        cairo_show_page(cr);
        y = top;
    }
    cairo_set_source_rgb(cr, .94, .94, .94);
    cairo_rectangle(cr, x, y, label_w, h);
    cairo_fill(cr);
    pdf_show(cr, &ST_LABEL, lab, x + pad, y + (h - hl) / 2);
    pdf_show(cr, &ST_CELL, val, x + label_w + pad, y + (h - hv) / 2);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, .6);
    cairo_rectangle(cr, x, y, label_w, h);
    cairo_rectangle(cr, x + label_w, y, w - label_w, h);
    cairo_stroke(cr);
    g_object_unref(lab);
    g_object_unref(val);
    return y + h;
}

/* The box the district writes its opinion in, from y to y + h: ruled lines to write on, then
 * the places for the signatures, the seal and the date. */
static void pdf_opinion_box(cairo_t *cr, double x, double y, double w, double h)
{
    const double pad = 4 * PDF_MM, sign_h = 38 * PDF_MM;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, .8);
    cairo_rectangle(cr, x, y, w, h);
    cairo_stroke(cr);
    double ty = y + pad;
    ty += pdf_text(cr, &(pdf_style){FONT_SANS, true, 11, PANGO_ALIGN_LEFT, 0, 0, 0, 0},
                   "区县经济信息主管部门审核意见：", x + pad, ty, w - 2 * pad);
    ty += pdf_text(cr, &ST_NOTE,
                   "（请对企业基本情况、项目投资与建设情况、技术条件及证明材料的真实性逐项核实后"
                   "填写；同意推荐的，请写明“经审核，申报材料真实有效，同意推荐”。）",
                   x + pad, ty + 1.5 * PDF_MM, w - 2 * pad);
    cairo_set_source_rgb(cr, .7, .7, .7);
    for (double ly = ty + 11 * PDF_MM; ly < y + h - sign_h; ly += 10 * PDF_MM)
        pdf_line(cr, x + pad, ly, x + w - pad, ly, .4);

    const pdf_style sign = {FONT_SERIF, false, 12, PANGO_ALIGN_LEFT, 0, 0, 0, 0};
    double sy = y + h - sign_h + 4 * PDF_MM, left = x + pad, right = x + w * 0.55;
    pdf_text(cr, &sign, "经办人（签字）：", left, sy, 0);
    pdf_text(cr, &sign, "负责人（签字）：", right, sy, 0);
    sy += 11 * PDF_MM;
    pdf_text(cr, &sign, "联系电话：", left, sy, 0);
    pdf_text(cr, &sign, "单位（盖章）", right, sy, 0);
    sy += 11 * PDF_MM;
    pdf_text(cr, &sign, "年　　　月　　　日", right + 12 * PDF_MM, sy, 0);
}

int render_pdf_authenticity(const render_pdf_app *app, char **out, size_t *len, char **err)
{
    const double margin = 22 * PDF_MM, w = A4_SHORT - 2 * margin;
    const double bottom = A4_LONG - margin, min_box = 75 * PDF_MM;
    pdf_doc d;
    pdf_begin(&d, A4_SHORT, A4_LONG, "真实性审核意见");
    cairo_t *cr = d.cr;

    double y = margin;
    y += pdf_text(cr, &(pdf_style){FONT_SERIF, true, 22, PANGO_ALIGN_CENTER, 0, 0, 0, 0},
                  "真实性审核意见", margin, y, w);
    y += 2 * PDF_MM;
    y += pdf_text(cr, &(pdf_style){FONT_SERIF, false, 12.5, PANGO_ALIGN_CENTER, 0, 0, 0, 0},
                  app->batch_name, margin, y, w);
    y += 6 * PDF_MM;
    char *intro = xasprintf("按照%s要求，区县经信部门对辖区内企业通过重庆市智能制造信息管理平台"
                            "提交的申报材料进行初审，并出具真实性审核意见。申报信息如下：",
                            app->notice_no && *app->notice_no ? app->notice_no : "申报通知");
    y += pdf_text(cr, &ST_BODY, intro, margin, y, w);
    free(intro);
    y += 4 * PDF_MM;

    char *id = app->application_id > 0 ? xasprintf("%lld", (long long)app->application_id) : NULL;
    const pdf_row rows[] = {
        {"申报企业名称", app->enterprise_name},
        {"统一社会信用代码", app->uscc},
        {"申报项目名称", app->project_name},
        {"车间/工厂名称", app->site_name && *app->site_name ? app->site_name : "—"},
        {"申报类型", pdf_type_name(app->type)},
        {"所在区县", app->district_name},
        {"设备和软件投资（含信息技术服务）", app->investment},
        {"申报批次", app->batch_name},
        {"申报编号", id ? id : "—"},
    };
    const double label_w = 48 * PDF_MM;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        y = pdf_table_row(cr, &rows[i], margin, y, w, label_w, margin, bottom);
    free(id);

    y += 6 * PDF_MM;
    const double note_h = 12 * PDF_MM;
    if (bottom - note_h - y < min_box) { /* rows grown by long values: the box gets a page */
        cairo_show_page(cr);
        y = margin;
    }
    pdf_opinion_box(cr, margin, y, w, bottom - note_h - y);
    pdf_text(cr, &ST_NOTE,
             "本表由重庆市智能制造信息管理平台根据企业申报数据生成。请打印后由区县经信部门填写审核"
             "意见、签字并加盖公章，扫描（PDF、JPEG 或 PNG）后在审核页面上传。",
             margin, bottom - note_h + 2 * PDF_MM, w);
    return pdf_end(&d, out, len, err);
}

/* ==== QR code ================================================================================= */

unsigned char *render_pdf_qr_matrix(const char *text, int *width)
{
    QRcode *q = QRcode_encodeString(text ? text : "", 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return NULL;
    size_t n = (size_t)q->width * (size_t)q->width;
    unsigned char *m = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        m[i] = q->data[i] & 1; /* bit 0 is the module's colour; the others are libqrencode's */
    *width = q->width;
    QRcode_free(q);
    return m;
}

/* Draws matrix m (w × w) as filled rectangles — vector, sharp at any zoom — inside a white quiet
 * zone of 4 modules. A run of dark modules in a row is one rectangle, so no hairline seams show
 * between neighbours in a viewer that anti-aliases each shape. */
static void pdf_qr(cairo_t *cr, const unsigned char *m, int w, double x, double y, double size)
{
    double mod = size / w;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x - 4 * mod, y - 4 * mod, size + 8 * mod, size + 8 * mod);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < w; r++) {
        const unsigned char *row = m + (size_t)r * w;
        for (int c = 0; c < w;) {
            if (!row[c]) {
                c++;
                continue;
            }
            int end = c;
            while (end < w && row[end])
                end++;
            cairo_rectangle(cr, x + c * mod, y + r * mod, (end - c) * mod, mod);
            c = end;
        }
    }
    cairo_fill(cr);
}

void render_pdf_certificate_qr_box(double *x, double *y, double *size)
{
    *x = CERT_QR_X;
    *y = CERT_QR_Y;
    *size = CERT_QR_SIZE;
}

char *render_pdf_verify_url(const char *public_url, const char *no)
{
    sbuf b;
    sbuf_init(&b);
    const char *base = public_url ? public_url : "";
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    sbuf_append(&b, base, n);
    sbuf_puts(&b, "/verify/");
    for (const unsigned char *p = (const unsigned char *)(no ? no : ""); *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            sbuf_append(&b, (const char *)p, 1);
        else
            sbuf_printf(&b, "%%%02X", *p);
    }
    return sbuf_take(&b);
}

/* ==== 授牌 certificate =========================================================================
 */

static void pdf_cert_frame(cairo_t *cr)
{
    cairo_set_source_rgb(cr, .66, .11, .11);
    cairo_set_line_width(cr, 4);
    cairo_rectangle(cr, 10 * PDF_MM, 10 * PDF_MM, A4_LONG - 20 * PDF_MM, A4_SHORT - 20 * PDF_MM);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, .72, .53, .04);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, 13 * PDF_MM, 13 * PDF_MM, A4_LONG - 26 * PDF_MM, A4_SHORT - 26 * PDF_MM);
    cairo_stroke(cr);
}

/* The QR code and, beside it, what it is for and the URL itself (for whoever cannot scan). */
static int pdf_cert_qr(cairo_t *cr, const char *url, char **err)
{
    int w = 0;
    unsigned char *m = render_pdf_qr_matrix(url, &w);
    if (!m) {
        if (err)
            *err = xasprintf("verification URL too long for a QR code (%zu bytes)", strlen(url));
        return -1;
    }
    pdf_qr(cr, m, w, CERT_QR_X, CERT_QR_Y, CERT_QR_SIZE);
    free(m);
    double x = CERT_QR_X + CERT_QR_SIZE + 6 * PDF_MM, y = CERT_QR_Y + 4 * PDF_MM;
    y += pdf_text(cr, &(pdf_style){FONT_SANS, true, 10, PANGO_ALIGN_LEFT, .2, .2, .2, 0},
                  "扫码核验证书", x, y, 80 * PDF_MM);
    pdf_text(cr, &(pdf_style){FONT_SANS, false, 8, PANGO_ALIGN_LEFT, .3, .3, .3, 4}, url, x,
             y + 1.5 * PDF_MM, 80 * PDF_MM);
    return 0;
}

int render_pdf_certificate(const render_pdf_cert *cert, char **out, size_t *len, char **err)
{
    const double W = A4_LONG, H = A4_SHORT, side = 45 * PDF_MM, w = W - 2 * side;
    char *title = xasprintf("重庆市%s", pdf_type_name(cert->type));
    char *url = render_pdf_verify_url(cert->public_url, cert->certificate_no);
    pdf_doc d;
    pdf_begin(&d, W, H, title);
    cairo_t *cr = d.cr;
    pdf_cert_frame(cr);

    double y = 27 * PDF_MM;
    y += pdf_text_fit(cr, &(pdf_style){FONT_SERIF, true, 40, PANGO_ALIGN_CENTER, .66, .11, .11, 0},
                      title, side, y, w, 1);
    y += 10 * PDF_MM;
    y += pdf_text_fit(cr, &(pdf_style){FONT_SERIF, true, 26, PANGO_ALIGN_CENTER, 0, 0, 0, 0},
                      cert->enterprise_name, side, y, w, 2);
    y += 3 * PDF_MM;
    if (cert->project_name && *cert->project_name) {
        char *proj = xasprintf("（%s）", cert->project_name);
        y += pdf_text_fit(cr, &(pdf_style){FONT_SERIF, false, 16, PANGO_ALIGN_CENTER, 0, 0, 0, 0},
                          proj, side, y, w, 2);
        free(proj);
    }
    y += 7 * PDF_MM;
    char *sentence = xasprintf("经专家评审和公示，认定为“%s”。特发此证。", title);
    y += pdf_text(cr, &(pdf_style){FONT_SERIF, false, 16, PANGO_ALIGN_CENTER, 0, 0, 0, 0}, sentence,
                  side, y, w);
    free(sentence);
    y += 6 * PDF_MM;

    const pdf_style small = {FONT_SERIF, false, 12, PANGO_ALIGN_CENTER, .15, .15, .15, 2};
    char *no = xasprintf("证书编号：%s", cert->certificate_no ? cert->certificate_no : "");
    y += pdf_text(cr, &small, no, side, y, w);
    free(no);
    if (cert->document_no && *cert->document_no) {
        char *doc = xasprintf("认定文件：%s", cert->document_no);
        pdf_text(cr, &small, doc, side, y + 1.5 * PDF_MM, w);
        free(doc);
    }

    const pdf_style issuer = {FONT_SERIF, false, 16, PANGO_ALIGN_CENTER, 0, 0, 0, 0};
    char *date = pdf_date_cn(cert->issued_on);
    double ix = W - 30 * PDF_MM - 95 * PDF_MM, iy = CERT_QR_Y + 6 * PDF_MM;
    iy += pdf_text(cr, &issuer, "重庆市经济和信息化委员会", ix, iy, 95 * PDF_MM);
    pdf_text(cr, &issuer, date, ix, iy + 2 * PDF_MM, 95 * PDF_MM);
    free(date);

    int rc = pdf_cert_qr(cr, url, err);
    free(url);
    free(title);
    if (rc != 0) {
        char *ignored = NULL;
        size_t n = 0;
        if (pdf_end(&d, &ignored, &n, NULL) == 0) free(ignored);
        return -1;
    }
    return pdf_end(&d, out, len, err);
}
