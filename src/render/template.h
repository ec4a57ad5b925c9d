/* template — a small mustache-subset engine for the HTML pages. Templates are parsed once at
 * start into a read-only tree and rendered against a jansson context into an sbuf, so rendering
 * is thread-safe and never re-parses.
 *
 * Syntax:
 *   {{name}}          value, HTML-escaped (& < > " ' `)
 *   {{{name}}}        value, raw (rare: only for markup the server built itself)
 *   {{a.b.c}}         dotted lookup: `a` is searched from the innermost context outwards, then
 *                     `b.c` strictly inside it; where a segment is missing, the rest of the
 *                     name is tried as one flat key (errors.kpis.x.before finds the API's
 *                     flat error field "kpis.x.before" inside `errors`); a numeric segment
 *                     indexes an array, so {{#items.0}}<table>…{{/items.0}} means "if any"
 *   {{.}}             the current item
 *   {{#name}}…{{/name}}  section: array → once per item (item pushed as context); object →
 *                     once with it pushed; true, non-empty string, non-zero number → once;
 *                     false, null, missing, empty array/string, 0 → not at all
 *   {{^name}}…{{/name}}  inverted section: rendered exactly when the section would not be
 *   {{#name=lit}}…{{/name=lit}}  (extension) rendered once when the value of `name` is a
 *                     string/number/boolean whose text equals `lit`, or an array containing
 *                     such a value — for `checked`/`selected` on radios, selects and
 *                     checkbox lists without handler code; {{^name=lit}} is its inverse
 *   {{>name}}         partial: another template of the same set, rendered in the current context
 *   {{! comment }}    nothing
 * A section, inverted, closing, partial or comment tag alone on its line takes the line with it.
 * Values: strings as they are, integers in decimal, reals plainly (%.15g), true/false as
 * "true"/"false", null/objects/arrays as nothing. */
#ifndef SMIP_RENDER_TEMPLATE_H
#define SMIP_RENDER_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

typedef struct tpl_set tpl_set;

tpl_set *tpl_set_new(void);
void tpl_set_free(tpl_set *set);

/* Parses `src` (len bytes, need not be NUL-terminated) and registers it as `name`, replacing a
 * template of the same name. Returns 0, or -1 with *err (if err is not NULL) set to a malloc'd
 * message naming the template and line, which the caller frees; the set is then unchanged. */
int tpl_set_add(tpl_set *set, const char *name, const char *src, size_t len, char **err);

/* True when the set holds a template called `name`. */
bool tpl_set_has(const tpl_set *set, const char *name);

/* Checks that every partial referenced by a template of the set exists. Returns 0, or -1 with
 * *err as for tpl_set_add. */
int tpl_set_check(const tpl_set *set, char **err);

/* Parses every embedded templates/NAME.html, registered under its base name ("templates/login.html"
 * → "login"), and checks partials. Returns the set (the caller frees it with tpl_set_free), or
 * NULL with *err set (malloc'd, the caller frees). */
tpl_set *tpl_set_load_assets(char **err);

/* Renders template `name` with context `ctx` (may be NULL), appending to `out`. Returns 0; -1
 * when `name` is unknown or the render exceeded its work limit (partials nested deeper than 16,
 * or more than 4 million nodes visited — only a runaway template does that), in which case
 * `out` holds a partial page that must not be sent. A missing partial renders as nothing. */
int tpl_render(const tpl_set *set, const char *name, const json_t *ctx, sbuf *out);

/* A flat row of named strings: a context frame that costs no jansson tree (a list's rows are
 * rendered straight from the statement that reads them). vals[i] NULL means "missing". */
typedef struct tpl_row {
    const char *const *keys;
    const char *const *vals;
    size_t n;
} tpl_row;

/* Renders `name` with `row` as the innermost context and `ctx` (may be NULL) around it. In a
 * row, plain names ({{id}}, {{#overdue}}…, {{#status=submitted}}…) resolve to its strings: a
 * section renders once when the string is non-empty (or equals the literal); dotted names and
 * names the row lacks resolve in `ctx`. Returns as tpl_render. */
int tpl_render_row(const tpl_set *set, const char *name, const json_t *ctx, const tpl_row *row,
                   sbuf *out);

/* Appends s (n bytes) to out with & < > " ' ` replaced by character references; exported so
 * handlers that build small HTML fragments escape exactly as templates do. */
void tpl_escape(sbuf *out, const char *s, size_t n);

#endif
