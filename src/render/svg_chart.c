/* svg_chart — horizontal bar and funnel charts as inline SVG (svg_chart.h). Geometry is in the
 * viewBox's units (340 wide): at a phone's 390 px the text is drawn at about its nominal size,
 * and wider pages cap the chart's width in CSS so labels never grow huge. */
#include <string.h>

#include "render/svg_chart.h"

#include "render/template.h"
#include "util/util.h"

enum {
    SVG_W = 340,     /* viewBox width: about a phone's content width, drawn 1:1 there */
    SVG_LABEL = 142, /* label column: the longest district name (10 characters at 13) */
    SVG_VALUE = 40,  /* value column on the right */
    SVG_ROW = 22,    /* row height */
    SVG_BAR = 15,    /* bar height */
    SVG_TOP = 4,
};

/* Text and attribute values, escaped as the pages escape theirs (tpl_escape). */
static void svg_esc(sbuf *b, const char *s)
{
    if (s) tpl_escape(b, s, strlen(s));
}

static char *svg_chart(const char *id, const char *title, const svg_item *items, size_t n,
                       bool centred)
{
    int64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].value > max) max = items[i].value;
    int height = SVG_TOP * 2 + (int)n * SVG_ROW;
    const int area = SVG_W - SVG_LABEL - SVG_VALUE;
    sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b,
                "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                "role=\"group\" aria-labelledby=\"%s-title\" font-size=\"13\">"
                "<title id=\"%s-title\">",
                SVG_W, height, id, id);
    svg_esc(&b, title);
    sbuf_puts(&b, "</title>");
    for (size_t i = 0; i < n; i++) {
        const svg_item *it = &items[i];
        int y = SVG_TOP + (int)i * SVG_ROW;
        /* A bar of a non-zero value is at least 2 units wide, so it shows. */
        int w = max > 0 ? (int)(it->value * area / max) : 0;
        if (it->value > 0 && w < 2) w = 2;
        int x = SVG_LABEL + (centred ? (area - w) / 2 : 0);
        if (it->href) {
            sbuf_puts(&b, "<a href=\"");
            svg_esc(&b, it->href);
            sbuf_puts(&b, "\" tabindex=\"-1\"");
        } else {
            sbuf_puts(&b, "<g");
        }
        sbuf_printf(&b, " class=\"bar\" data-value=\"%lld\" data-label=\"", (long long)it->value);
        svg_esc(&b, it->label);
        sbuf_puts(&b, "\"><title>");
        svg_esc(&b, it->label);
        sbuf_printf(&b, "：%lld</title>", (long long)it->value);
        /* A transparent row under the bar: the whole row is the link's target. */
        sbuf_printf(&b, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"transparent\"/>",
                    y, SVG_W, SVG_ROW);
        sbuf_printf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1f2933\">",
                    SVG_LABEL - 6, y + 15);
        svg_esc(&b, it->label);
        sbuf_puts(&b, "</text>");
        if (w > 0)
            sbuf_printf(&b,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" "
                        "fill=\"#1d5fa8\"/>",
                        x, y + (SVG_ROW - SVG_BAR) / 2, w, SVG_BAR);
        sbuf_printf(&b, "<text class=\"value\" x=\"%d\" y=\"%d\" fill=\"#1f2933\">%lld</text>",
                    SVG_W - SVG_VALUE + 6, y + 15, (long long)it->value);
        sbuf_puts(&b, it->href ? "</a>" : "</g>");
    }
    sbuf_puts(&b, "</svg>");
    return sbuf_take(&b);
}

char *svg_bars(const char *id, const char *title, const svg_item *items, size_t n)
{
    return svg_chart(id, title, items, n, false);
}

char *svg_funnel(const char *id, const char *title, const svg_item *items, size_t n)
{
    return svg_chart(id, title, items, n, true);
}
