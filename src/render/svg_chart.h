/* svg_chart — charts drawn on the server as inline SVG: they show without JavaScript, print,
 * and scale with the page (a viewBox, no fixed size). Each bar is a link; the chart is an image
 * with a title for assistive technology, and the page puts a table of the same numbers beside it.
 */
#ifndef SMIP_RENDER_SVG_CHART_H
#define SMIP_RENDER_SVG_CHART_H

#include <stddef.h>
#include <stdint.h>

typedef struct svg_item {
    const char *label; /* shown left of the bar (escaped here) */
    int64_t value;     /* ≥ 0 */
    const char *href;  /* the bar's link, or NULL */
} svg_item;

/* Horizontal bars in the given order, scaled to the largest value; `id` makes the title's id
 * unique on the page. Returns a malloc'd <svg> element. */
char *svg_bars(const char *id, const char *title, const svg_item *items, size_t n);
/* The same rows as a funnel: each bar centred, so narrowing stages read as a funnel. */
char *svg_funnel(const char *id, const char *title, const svg_item *items, size_t n);

#endif
