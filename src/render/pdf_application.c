/* pdf_application — the 申报书 of one application as a PDF (see pdf_application.h): the same
 * readable document the page shows (service/readable.c), drawn on A4 portrait pages with cairo
 * and laid out by pango as the certificate is. Rows are two framed cells (figure | value and
 * the pre-check's finding); long texts flow line by line across pages, so nothing is cut. */
#include "render/pdf_application.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "util/util.h"

#define PA_MM (72.0 / 25.4)
#define PA_W (210.0 * PA_MM)
#define PA_H (297.0 * PA_MM)
#define PA_MARGIN (18.0 * PA_MM)
#define PA_TOP PA_MARGIN
#define PA_BOTTOM (PA_H - PA_MARGIN)
#define PA_LEFT PA_MARGIN
#define PA_WIDTH (PA_W - 2 * PA_MARGIN)
#define PA_LABEL_W (62.0 * PA_MM)
#define PA_PAD (2.0 * PA_MM)

typedef struct pa_style {
    const char *family;
    bool bold;
    double size;
    double grey; /* 0 black … 1 white */
} pa_style;

static const pa_style PA_TITLE = {"Noto Serif CJK SC", true, 20, 0};
static const pa_style PA_H2 = {"Noto Sans CJK SC", true, 13, 0};
static const pa_style PA_H3 = {"Noto Sans CJK SC", true, 10.5, 0};
static const pa_style PA_BODY = {"Noto Serif CJK SC", false, 10.5, 0};
static const pa_style PA_LABEL = {"Noto Sans CJK SC", false, 9.5, .2};
static const pa_style PA_NOTE = {"Noto Sans CJK SC", false, 8.5, .35};

typedef struct pa_doc {
    cairo_t *cr;
    double y;
    int page;
} pa_doc;

static cairo_status_t pa_sink(void *closure, const unsigned char *data, unsigned int len)
{
    sbuf_append(closure, (const char *)data, len);
    return CAIRO_STATUS_SUCCESS;
}

static PangoLayout *pa_layout(cairo_t *cr, const pa_style *st, const char *text, double width)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, st->family);
    pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, st->size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, pango_units_from_double(width));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    if (!text) text = "";
    if (g_utf8_validate(text, -1, NULL)) {
        pango_layout_set_text(l, text, -1);
    } else { /* a damaged byte costs one replacement character, not the field */
        gchar *fixed = g_utf8_make_valid(text, -1);
        pango_layout_set_text(l, fixed, -1);
        g_free(fixed);
    }
    return l;
}

static double pa_height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

/* The page number at the foot, then a new page. */
static void pa_foot(pa_doc *d)
{
    char *t = xasprintf("第 %d 页", d->page);
    PangoLayout *l = pa_layout(d->cr, &PA_NOTE, t, PA_WIDTH);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    cairo_set_source_rgb(d->cr, .35, .35, .35);
    cairo_move_to(d->cr, PA_LEFT, PA_H - PA_MARGIN / 2 - 4);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    free(t);
}

static void pa_new_page(pa_doc *d)
{
    pa_foot(d);
    cairo_show_page(d->cr);
    d->page++;
    d->y = PA_TOP;
}

static void pa_need(pa_doc *d, double h)
{
    if (d->y + h > PA_BOTTOM && d->y > PA_TOP) pa_new_page(d);
}

/* Text in [x, x + w] from the current y, line by line, breaking pages between lines. */
static void pa_flow(pa_doc *d, const pa_style *st, const char *text, double x, double w)
{
    PangoLayout *l = pa_layout(d->cr, st, text, w);
    PangoLayoutIter *it = pango_layout_get_iter(l);
    double base_y = d->y;
    int first_top = -1;
    cairo_set_source_rgb(d->cr, st->grey, st->grey, st->grey);
    do {
        PangoRectangle lr;
        pango_layout_iter_get_line_extents(it, NULL, &lr);
        if (first_top < 0) first_top = lr.y;
        double top = base_y + (double)(lr.y - first_top) / PANGO_SCALE;
        double h = (double)lr.height / PANGO_SCALE;
        if (top + h > PA_BOTTOM) {
            pa_new_page(d);
            cairo_set_source_rgb(d->cr, st->grey, st->grey, st->grey);
            base_y = PA_TOP - (top - base_y);
            top = PA_TOP;
        }
        int baseline = pango_layout_iter_get_baseline(it);
        cairo_move_to(d->cr, x, base_y + (double)(baseline - first_top) / PANGO_SCALE);
        pango_cairo_show_layout_line(d->cr, pango_layout_iter_get_line_readonly(it));
        d->y = top + h;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    g_object_unref(l);
}

static const char *pa_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The findings of a row as one text: "满足：…；不满足：…". malloc'd, "" when none. */
static char *pa_findings(const json_t *list)
{
    sbuf b;
    sbuf_init(&b);
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f)
    {
        sbuf_printf(&b, "%s【%s】%s", b.len ? "\n" : "", pa_str(f, "verdict"),
                    pa_str(f, "message"));
    }
    if (!b.len) sbuf_puts(&b, "");
    return sbuf_take(&b);
}

/* One framed row: label | value (and the findings under it). A row taller than what is left of
 * the page starts a new one; a row taller than a page is drawn and clipped by the page's edge,
 * which the form's limits (short labels, values and findings) never reach. */
static void pa_row(pa_doc *d, const char *label, const char *value, const json_t *findings)
{
    char *fs = pa_findings(findings);
    double vw = PA_WIDTH - PA_LABEL_W - 2 * PA_PAD;
    PangoLayout *lab = pa_layout(d->cr, &PA_LABEL, label, PA_LABEL_W - 2 * PA_PAD);
    PangoLayout *val = pa_layout(d->cr, &PA_BODY, value, vw);
    PangoLayout *fl = *fs ? pa_layout(d->cr, &PA_NOTE, fs, vw) : NULL;
    double hv = pa_height(val) + (fl ? pa_height(fl) + 1 : 0), hl = pa_height(lab);
    double h = (hl > hv ? hl : hv) + 2 * PA_PAD;
    pa_need(d, h);
    cairo_t *cr = d->cr;
    cairo_set_source_rgb(cr, .95, .95, .95);
    cairo_rectangle(cr, PA_LEFT, d->y, PA_LABEL_W, h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, PA_LABEL.grey, PA_LABEL.grey, PA_LABEL.grey);
    cairo_move_to(cr, PA_LEFT + PA_PAD, d->y + PA_PAD);
    pango_cairo_show_layout(cr, lab);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, PA_LEFT + PA_LABEL_W + PA_PAD, d->y + PA_PAD);
    pango_cairo_show_layout(cr, val);
    if (fl) {
        cairo_set_source_rgb(cr, PA_NOTE.grey, PA_NOTE.grey, PA_NOTE.grey);
        cairo_move_to(cr, PA_LEFT + PA_LABEL_W + PA_PAD, d->y + PA_PAD + pa_height(val) + 1);
        pango_cairo_show_layout(cr, fl);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, .5);
    cairo_rectangle(cr, PA_LEFT, d->y, PA_LABEL_W, h);
    cairo_rectangle(cr, PA_LEFT + PA_LABEL_W, d->y, PA_WIDTH - PA_LABEL_W, h);
    cairo_stroke(cr);
    d->y += h;
    g_object_unref(lab);
    g_object_unref(val);
    if (fl) g_object_unref(fl);
    free(fs);
}

static void pa_heading(pa_doc *d, const pa_style *st, const char *text)
{
    pa_need(d, st->size * 4);
    d->y += st->size * 0.8;
    pa_flow(d, st, text, PA_LEFT, PA_WIDTH);
    d->y += st->size * 0.4;
}

static void pa_rows(pa_doc *d, const json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        pa_row(d, pa_str(r, "label"), pa_str(r, "value"), json_object_get(r, "findings"));
    }
}

static void pa_texts(pa_doc *d, const json_t *texts)
{
    size_t i;
    json_t *t;
    json_array_foreach(texts, i, t)
    {
        pa_heading(d, &PA_H3, pa_str(t, "label"));
        pa_flow(d, &PA_BODY, pa_str(t, "text"), PA_LEFT, PA_WIDTH);
        char *fs = pa_findings(json_object_get(t, "findings"));
        if (*fs) pa_flow(d, &PA_NOTE, fs, PA_LEFT, PA_WIDTH);
        free(fs);
    }
}

static void pa_kpis(pa_doc *d, const json_t *k)
{
    json_t *bf = json_object_get(k, "baseline_finding");
    json_t *bl = json_is_object(bf) ? json_pack("[O]", bf) : NULL;
    pa_row(d, "对比基准", pa_str(k, "baseline"), bl);
    json_decref(bl);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(k, "rows"), i, r)
    {
        char *v = xasprintf("建设前（或行业平均）%s → 建成后 %s；变化 %s（%s）；要求：%s",
                            pa_str(r, "before"), pa_str(r, "after"), pa_str(r, "change"),
                            pa_str(r, "change_pct"), pa_str(r, "want"));
        pa_row(d, pa_str(r, "label"), v, json_object_get(r, "findings"));
        free(v);
    }
}

/* The assessment's radar, as the page draws it (core/assessment.c asm_radar_svg): rings at
 * levels 1..5, one spoke per domain with its name and score, the polygon of the scores. */
static void pa_radar(pa_doc *d, const json_t *axes)
{
    size_t n = json_array_size(axes);
    if (n < 3) return;
    const double r = 48 * PA_MM, h = 2 * r + 24 * PA_MM;
    pa_need(d, h);
    double cx = PA_LEFT + PA_WIDTH / 2, cy = d->y + r + 10 * PA_MM;
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_set_line_width(cr, 0.6);
    cairo_set_source_rgb(cr, .78, .82, .86);
    for (int ring = 1; ring <= 5; ring++) {
        for (size_t i = 0; i <= n; i++) {
            double a = -G_PI / 2 + 2 * G_PI * (double)(i % n) / (double)n;
            double x = cx + r * ring / 5.0 * cos(a), y = cy + r * ring / 5.0 * sin(a);
            if (i == 0)
                cairo_move_to(cr, x, y);
            else
                cairo_line_to(cr, x, y);
        }
        cairo_stroke(cr);
    }
    for (size_t i = 0; i < n; i++) {
        double a = -G_PI / 2 + 2 * G_PI * (double)i / (double)n;
        cairo_move_to(cr, cx, cy);
        cairo_line_to(cr, cx + r * cos(a), cy + r * sin(a));
        cairo_stroke(cr);
    }
    for (size_t i = 0; i <= n; i++) {
        const json_t *ax = json_array_get(axes, i % n);
        json_int_t v = json_integer_value(json_object_get(ax, "score_e4"));
        double f = (double)(v < 0 ? 0 : v > 50000 ? 50000 : v) / 50000.0;
        double a = -G_PI / 2 + 2 * G_PI * (double)(i % n) / (double)n;
        if (i == 0)
            cairo_move_to(cr, cx + r * f * cos(a), cy + r * f * sin(a));
        else
            cairo_line_to(cr, cx + r * f * cos(a), cy + r * f * sin(a));
    }
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, .12, .31, .55, .25);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, .12, .31, .55);
    cairo_set_line_width(cr, 1.5);
    cairo_stroke(cr);
    for (size_t i = 0; i < n; i++) {
        const json_t *ax = json_array_get(axes, i);
        json_int_t v = json_integer_value(json_object_get(ax, "score_e4"));
        double a = -G_PI / 2 + 2 * G_PI * (double)i / (double)n;
        /* score_e4 is the score × 10⁴: one decimal is what the page shows of it */
        char *t = xasprintf("%s %.1f", pa_str(ax, "name"), (double)v / 10000.0);
        PangoLayout *l = pa_layout(cr, &PA_LABEL, t, 40 * PA_MM);
        double tw = 40 * PA_MM, th = pa_height(l);
        double lx = cx + (r + 4 * PA_MM) * cos(a), ly = cy + (r + 4 * PA_MM) * sin(a) - th / 2;
        if (fabs(cos(a)) < 0.2) {
            pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
            lx -= tw / 2;
            ly += sin(a) > 0 ? th / 2 : -th / 2;
        } else if (cos(a) < 0) {
            pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
            lx -= tw;
        }
        cairo_set_source_rgb(cr, .2, .2, .2);
        cairo_move_to(cr, lx, ly);
        pango_cairo_show_layout(cr, l);
        g_object_unref(l);
        free(t);
    }
    cairo_restore(cr);
    d->y += h;
}

static void pa_body(pa_doc *d, const json_t *doc)
{
    char *title = xasprintf("%s申报书", pa_str(doc, "type_name"));
    PangoLayout *t = pa_layout(d->cr, &PA_TITLE, title, PA_WIDTH);
    pango_layout_set_alignment(t, PANGO_ALIGN_CENTER);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    cairo_move_to(d->cr, PA_LEFT, d->y);
    pango_cairo_show_layout(d->cr, t);
    d->y += pa_height(t) + 4;
    g_object_unref(t);
    free(title);
    const char *notice = pa_str(doc, "notice_no"), *sub_at = pa_str(doc, "submitted_at");
    char *sub = xasprintf("%s%s%s%s · 申报编号 %lld%s%s", pa_str(doc, "batch_name"),
                          *notice ? "（" : "", notice, *notice ? "）" : "",
                          (long long)json_integer_value(json_object_get(doc, "id")),
                          *sub_at ? " · 提交于 " : "", sub_at);
    pa_flow(d, &PA_NOTE, sub, PA_LEFT, PA_WIDTH);
    free(sub);
    char *state =
        xasprintf("%s · 办理状态：%s", pa_str(doc, "form_name"), pa_str(doc, "status_name"));
    pa_flow(d, &PA_NOTE, state, PA_LEFT, PA_WIDTH);
    free(state);

    pa_heading(d, &PA_H2, "申报企业");
    pa_rows(d, json_object_get(doc, "enterprise"));
    pa_heading(d, &PA_H2, "智能化改造项目");
    json_t *proj = json_object_get(doc, "project");
    pa_rows(d, json_object_get(proj, "rows"));
    pa_texts(d, json_object_get(proj, "texts"));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "sections"), i, s)
    {
        pa_heading(d, &PA_H2, pa_str(s, "title"));
        pa_rows(d, json_object_get(s, "rows"));
        if (json_is_object(json_object_get(s, "kpis"))) pa_kpis(d, json_object_get(s, "kpis"));
        pa_texts(d, json_object_get(s, "texts"));
    }
    const json_t *other = json_object_get(doc, "other_findings");
    if (json_array_size(other)) {
        pa_heading(d, &PA_H2, "其他申报条件");
        char *fs = pa_findings(other);
        pa_flow(d, &PA_BODY, fs, PA_LEFT, PA_WIDTH);
        free(fs);
    }
    pa_heading(d, &PA_H2, "智能制造能力自评估");
    const json_t *a = json_object_get(doc, "assessment");
    if (json_is_object(a)) {
        char *t2 = xasprintf("最近一次测评（%s）：总分 %s，%s", pa_str(a, "at"), pa_str(a, "score"),
                             pa_str(a, "level_name"));
        pa_flow(d, &PA_BODY, t2, PA_LEFT, PA_WIDTH);
        free(t2);
        pa_radar(d, json_object_get(a, "axes"));
    } else {
        pa_flow(d, &PA_BODY, "企业尚未完成自评估。", PA_LEFT, PA_WIDTH);
    }
    pa_heading(d, &PA_H2, "附件材料");
    json_t *at;
    if (!json_array_size(json_object_get(doc, "attachments")))
        pa_flow(d, &PA_BODY, "未上传附件。", PA_LEFT, PA_WIDTH);
    json_array_foreach(json_object_get(doc, "attachments"), i, at)
    {
        char *v = xasprintf("%s（%s）", pa_str(at, "name"), pa_str(at, "size_text"));
        pa_row(d, pa_str(at, "group"), v, NULL);
        free(v);
    }
    const json_t *dist = json_object_get(doc, "district");
    if (json_is_object(dist)) {
        pa_heading(d, &PA_H2, "区县初审意见");
        pa_row(d, "审核结论", pa_str(dist, "decision_name"), NULL);
        pa_row(d, "审核时间", pa_str(dist, "at"), NULL);
        pa_row(d, "审核意见", pa_str(dist, "opinion"), NULL);
        const json_t *scan = json_object_get(dist, "scan");
        if (json_is_object(scan)) pa_row(d, "真实性审核意见", pa_str(scan, "name"), NULL);
    }
}

int render_pdf_application(const json_t *doc, char **out, size_t *len, char **err)
{
    sbuf buf;
    sbuf_init(&buf);
    cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(pa_sink, &buf, PA_W, PA_H);
    char *title = xasprintf("%s申报书", pa_str(doc, "type_name"));
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "smip");
    free(title);
    pa_doc d = {.cr = cairo_create(sf), .y = PA_TOP, .page = 1};
    pa_body(&d, doc);
    pa_foot(&d);
    cairo_status_t st = cairo_status(d.cr);
    cairo_destroy(d.cr);
    cairo_surface_finish(sf);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (st != CAIRO_STATUS_SUCCESS) {
        if (err) *err = xasprintf("cairo: %s", cairo_status_to_string(st));
        sbuf_free(&buf);
        return -1;
    }
    *len = buf.len;
    *out = sbuf_take(&buf);
    return 0;
}
