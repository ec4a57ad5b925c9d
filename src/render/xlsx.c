/* xlsx — render_xlsx_table (see xlsx.h). libxlsxwriter only writes to a named file, so the
 * workbook goes to a mkstemp file that is read back through the descriptor mkstemp returned and
 * unlinked. Constant-memory mode streams each row to disk as it is written, so a long export
 * does not hold every cell twice. */
#include "render/xlsx.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xlsxwriter.h>

#include "util/util.h"

#define XLSX_MAX_CELL 32767 /* Excel's limit on a cell's characters; bytes ≥ characters */
#define XLSX_MIN_WIDTH 8.0
#define XLSX_MAX_WIDTH 60.0

/* ==== Text ==================================================================================== */

/* `s` made storable: invalid UTF-8 → U+FFFD, C0 controls other than tab and newline (which XML
 * 1.0 cannot carry and Excel would call the file damaged) → space, cut on a character boundary
 * at Excel's cell limit. Malloc'd. */
static char *xlsx_clean(const char *s)
{
    sbuf b;
    sbuf_init(&b);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
    while (left > 0 && b.len + 4 <= XLSX_MAX_CELL) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
        if (n <= 0) {
            sbuf_puts(&b, "\xEF\xBF\xBD");
            p++, left--;
            continue;
        }
        if (cp < 0x20 && cp != '\t' && cp != '\n')
            sbuf_puts(&b, " ");
        else
            sbuf_append(&b, (const char *)p, (size_t)n);
        p += n, left -= n;
    }
    return sbuf_take(&b);
}

/* Display width in Excel's character units: CJK and other wide characters take two. */
static double xlsx_text_width(const char *s)
{
    double w = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
        if (n <= 0) n = 1, cp = 0xFFFD;
        /* utf8proc may not know the newest CJK extensions: from U+2E80 on, count them wide. */
        w += cp >= 0x2E80 || utf8proc_charwidth(cp) >= 2 ? 2 : 1;
        p += n, left -= n;
    }
    return w;
}

/* The text a JSON cell shows, for measuring (malloc'd; "" for an empty cell). */
static char *xlsx_cell_text(const json_t *v)
{
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    if (json_is_integer(v)) return xasprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v)) return xasprintf("%.15g", json_real_value(v));
    if (json_is_true(v)) return xstrdup("是");
    if (json_is_false(v)) return xstrdup("否");
    if (json_is_integer(json_object_get(v, "epoch"))) return xstrdup("2020-03-17 10:00");
    if (json_is_integer(json_object_get(v, "date"))) return xstrdup("2020-03-17");
    return xstrdup("");
}

/* Excel's serial day number of an epoch second as a Chongqing (UTC+8) wall-clock time: days
 * since 1899-12-30 (1970-01-01 is day 25569), the time of day as the fraction. */
static double xlsx_serial(int64_t epoch)
{
    return 25569.0 + (double)(epoch + 8 * 3600) / 86400.0;
}

/* Sheet names may not hold []:*?/\, start or end with an apostrophe, or pass 31 characters. */
static char *xlsx_sheet_name(const char *title)
{
    char *clean = xlsx_clean(title && *title ? title : "Sheet1");
    sbuf b;
    sbuf_init(&b);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)clean;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(clean);
    for (int chars = 0; left > 0 && chars < 31; chars++) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
        if (n <= 0) break; /* cannot happen after xlsx_clean */
        if (cp < 0x80 && strchr("[]:*?/\\\t\n", (int)cp))
            sbuf_puts(&b, "_");
        else if (cp == '\'' && (chars == 0 || left == n))
            sbuf_puts(&b, "_");
        else
            sbuf_append(&b, (const char *)p, (size_t)n);
        p += n, left -= n;
    }
    free(clean);
    return sbuf_take(&b);
}

/* ==== Sheet =================================================================================== */

/* Column widths: the given one, else the widest of the header and the cells, within bounds. */
static void xlsx_widths(lxw_worksheet *ws, const render_xlsx_column *cols, size_t ncols,
                        const json_t *rows)
{
    for (size_t c = 0; c < ncols; c++) {
        double w = cols[c].width;
        if (w <= 0) {
            w = xlsx_text_width(cols[c].title ? cols[c].title : "") + 3; /* + filter button */
            size_t r;
            json_t *row;
            json_array_foreach(rows, r, row)
            {
                char *t = xlsx_cell_text(json_array_get(row, c));
                double tw = xlsx_text_width(t) + 1;
                free(t);
                if (tw > w) w = tw;
            }
            if (w < XLSX_MIN_WIDTH) w = XLSX_MIN_WIDTH;
            if (w > XLSX_MAX_WIDTH) w = XLSX_MAX_WIDTH;
        }
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
    }
}

/* Writes one cell; strings only ever through worksheet_write_string, which stores text and never
 * a formula, whatever the text begins with. */
static lxw_error xlsx_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *v,
                           lxw_format *const dates[2])
{
    /* {"epoch": n} / {"date": n}: a real date cell (a number with a date format), so sorting
     * and filtering by time work in Excel. */
    const json_t *ep = json_object_get(v, "epoch"), *dt = json_object_get(v, "date");
    if (json_is_integer(ep) && json_integer_value(ep) > 0)
        return worksheet_write_number(ws, r, c, xlsx_serial(json_integer_value(ep)), dates[0]);
    if (json_is_integer(dt) && json_integer_value(dt) > 0) {
        double day = (double)(int64_t)xlsx_serial(json_integer_value(dt));
        return worksheet_write_number(ws, r, c, day, dates[1]);
    }
    if (json_is_integer(v))
        return worksheet_write_number(ws, r, c, (double)json_integer_value(v), NULL);
    if (json_is_real(v)) return worksheet_write_number(ws, r, c, json_real_value(v), NULL);
    if (json_is_boolean(v))
        return worksheet_write_string(ws, r, c, json_is_true(v) ? "是" : "否", NULL);
    if (!json_is_string(v) || json_string_length(v) == 0) return LXW_NO_ERROR;
    char *t = xlsx_clean(json_string_value(v));
    lxw_error e = worksheet_write_string(ws, r, c, t, NULL);
    free(t);
    return e;
}

static lxw_error xlsx_sheet(lxw_workbook *wb, const char *title, const render_xlsx_column *cols,
                            size_t ncols, const json_t *rows)
{
    char *name = xlsx_sheet_name(title);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    free(name);
    if (!ws) return LXW_ERROR_INVALID_SHEETNAME_CHARACTER;
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xE8EEF4);
    format_set_bottom(head, LXW_BORDER_THIN);
    lxw_format *dates[2] = {workbook_add_format(wb), workbook_add_format(wb)};
    format_set_num_format(dates[0], "yyyy-mm-dd hh:mm");
    format_set_num_format(dates[1], "yyyy-mm-dd");
    xlsx_widths(ws, cols, ncols, rows);
    /* Constant-memory mode writes rows in order: the header first. */
    for (size_t c = 0; c < ncols; c++) {
        char *t = xlsx_clean(cols[c].title ? cols[c].title : "");
        lxw_error e = worksheet_write_string(ws, 0, (lxw_col_t)c, t, head);
        free(t);
        if (e != LXW_NO_ERROR) return e;
    }
    size_t r;
    json_t *row;
    json_array_foreach(rows, r, row)
    {
        if (r + 1 >= LXW_ROW_MAX) return LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
        for (size_t c = 0; c < ncols; c++) {
            lxw_error e =
                xlsx_cell(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, json_array_get(row, c), dates);
            if (e != LXW_NO_ERROR) return e;
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
    if (ncols > 0)
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(rows), (lxw_col_t)(ncols - 1));
    return LXW_NO_ERROR;
}

/* ==== Workbook ================================================================================ */

/* Reads the whole of file `fd` from its start into a malloc'd buffer. */
static int xlsx_slurp(int fd, char **out, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0) return -1;
    size_t n = (size_t)st.st_size, got = 0;
    char *buf = xmalloc(n + 1);
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            free(buf);
            return -1;
        }
        got += (size_t)k;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int render_xlsx_table(const char *title, const render_xlsx_column *cols, size_t ncols,
                      const json_t *rows, char **out, size_t *len, char **err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char *path = xasprintf("%s/smip-xlsx-XXXXXX", dir);
    int rc = -1, fd = mkstemp(path);
    if (fd < 0) {
        if (err) *err = xasprintf("xlsx: temporary file in %s: %s", dir, strerror(errno));
        free(path);
        return -1;
    }
    /* libxlsxwriter opens the path again and truncates it: the same file, so fd sees it. */
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_error e = LXW_ERROR_MEMORY_MALLOC_FAILED;
    if (wb) {
        lxw_doc_properties props = {.title = (char *)(title ? title : ""), .author = "smip"};
        workbook_set_properties(wb, &props);
        e = xlsx_sheet(wb, title, cols, ncols, json_is_array(rows) ? rows : NULL);
        lxw_error ce = workbook_close(wb); /* frees wb whatever happened */
        if (e == LXW_NO_ERROR) e = ce;
    }
    if (e != LXW_NO_ERROR) {
        if (err) *err = xasprintf("xlsx: %s", lxw_strerror(e));
    } else if (xlsx_slurp(fd, out, len) != 0) {
        if (err) *err = xasprintf("xlsx: reading back %s failed", path);
    } else {
        rc = 0;
    }
    close(fd);
    unlink(path);
    free(path);
    return rc;
}
