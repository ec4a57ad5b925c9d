/* xlsx — a list as an Excel workbook (one sheet): a bold, frozen header row with an autofilter,
 * column widths fitted to the contents, numbers stored as numbers and text as text. Every list
 * of the desks exports through here, so what a reviewer downloads is what the page showed. */
#ifndef SMIP_RENDER_XLSX_H
#define SMIP_RENDER_XLSX_H

#include <jansson.h>
#include <stddef.h>

typedef struct render_xlsx_column {
    const char *title; /* the header cell */
    double width;      /* in Excel's character units; 0: fitted to the contents */
} render_xlsx_column;

/* Builds the workbook. `title` names the sheet (characters Excel refuses in sheet names become
 * '_', cut to 31 characters) and the document. `rows` is a JSON array of arrays, one per row,
 * cells in column order (extra cells are ignored, missing ones left empty):
 *   string        → a text cell, always — "=1+1" or "@SUM(…)" is shown, never evaluated; control
 *                   characters Excel cannot store become spaces, invalid UTF-8 becomes U+FFFD
 *   integer, real → a number cell
 *   true/false    → 是 / 否
 *   {"epoch": n}  → a date-time cell (yyyy-mm-dd hh:mm, Chongqing time) of epoch second n > 0
 *   {"date": n}   → a date cell (yyyy-mm-dd, Chongqing time) of epoch second n > 0
 *   null, other   → empty
 * On success returns 0 and hands the .xlsx bytes to the caller in *out (malloc'd, the caller
 * frees) and *len. On failure returns -1 and sets *err (when not NULL) to a malloc'd English
 * message the caller frees. The workbook passes through a temporary file in $TMPDIR (default
 * /tmp), removed before the function returns. */
int render_xlsx_table(const char *title, const render_xlsx_column *cols, size_t ncols,
                      const json_t *rows, char **out, size_t *len, char **err);

#endif
