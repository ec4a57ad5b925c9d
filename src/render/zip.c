/* zip — render_zip and its name cleaning (see zip.h). libzip writes into a buffer source that is
 * kept past zip_close and read back, so no temporary file is needed. */
#include "render/zip.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#include <zip.h>

#include "util/util.h"

#define RZIP_MAX_SEGMENT 150 /* bytes; well inside the 255 of common file systems */
#define RZIP_MAX_EXT 16

/* ==== Names =================================================================================== */

/* Cuts s to at most max bytes without splitting a UTF-8 sequence; returns the new length. */
static size_t rzip_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* Appends segment seg (n bytes) cleaned, preceded by '/' when out is not empty; a segment that
 * cleans to nothing (including "." and "..") is dropped. */
static void rzip_segment(sbuf *out, const char *seg, size_t n)
{
    sbuf t;
    sbuf_init(&t);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)seg;
    utf8proc_ssize_t left = (utf8proc_ssize_t)n;
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        if (k <= 0) k = 1, cp = -1;
        if (cp < 0x20 || cp == 0x7f || (cp < 0x80 && strchr("<>:\"|?*", (int)cp)))
            sbuf_puts(&t, "_");
        else
            sbuf_append(&t, (const char *)p, (size_t)k);
        p += k, left -= k;
    }
    const char *s = t.data;
    size_t len = t.len;
    while (len > 0 && (*s == ' ' || *s == '.'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '.'))
        len--;
    if (len > 0) {
        if (out->len > 0) sbuf_puts(out, "/");
        const char *dot = memrchr(s, '.', len);
        size_t ext = dot && dot > s ? len - (size_t)(dot - s) : 0;
        if (ext > RZIP_MAX_EXT) ext = 0;
        size_t stem = rzip_cut(s, len - ext, RZIP_MAX_SEGMENT - ext);
        sbuf_append(out, s, stem);
        sbuf_append(out, s + len - ext, ext);
    }
    sbuf_free(&t);
}

char *render_zip_safe_name(const char *name)
{
    sbuf out;
    sbuf_init(&out);
    const char *p = name ? name : "";
    while (*p) {
        size_t n = strcspn(p, "/\\");
        rzip_segment(&out, p, n);
        p += n;
        if (*p) p++;
    }
    if (out.len == 0) sbuf_puts(&out, "file");
    return sbuf_take(&out);
}

static bool rzip_name_used(char *const *used, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(used[i], name) == 0) return true;
    return false;
}

/* `safe` (taken) made unique among used[0..n): "a.pdf" → "a (2).pdf". Malloc'd. */
static char *rzip_unique(char *safe, char *const *used, size_t n)
{
    if (!rzip_name_used(used, n, safe)) return safe;
    const char *base = strrchr(safe, '/');
    base = base ? base + 1 : safe;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot > base ? (size_t)(dot - safe) : strlen(safe);
    char *cand = NULL;
    for (unsigned k = 2;; k++) {
        free(cand);
        cand = xasprintf("%.*s (%u)%s", (int)stem, safe, k, safe + stem);
        if (!rzip_name_used(used, n, cand)) break;
    }
    free(safe);
    return cand;
}

/* ==== Archive ================================================================================= */

/* The end-of-central-directory record alone: what an archive with no entries is. libzip writes
 * nothing at all for one. */
static int rzip_empty(char **out, size_t *len)
{
    *len = 22;
    *out = xcalloc(1, 23);
    memcpy(*out, "PK\x05\x06", 4);
    return 0;
}

/* Adds the entries to za under their final names (collected in used[], owned by the caller). */
static int rzip_add_all(zip_t *za, const render_zip_entry *entries, size_t n, char **used)
{
    for (size_t i = 0; i < n; i++) {
        used[i] = rzip_unique(render_zip_safe_name(entries[i].name), used, i);
        zip_source_t *s = zip_source_buffer(za, entries[i].data, entries[i].len, 0);
        if (!s) return -1;
        if (zip_file_add(za, used[i], s, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(s);
            return -1;
        }
    }
    return 0;
}

/* Reads the whole of the (closed) buffer source back into a malloc'd buffer. */
static int rzip_read_back(zip_source_t *src, char **out, size_t *len)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(src, &st) < 0 || !(st.valid & ZIP_STAT_SIZE)) return -1;
    if (zip_source_open(src) < 0) return -1;
    char *buf = xmalloc((size_t)st.size + 1);
    zip_int64_t got = zip_source_read(src, buf, st.size);
    zip_source_close(src);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        free(buf);
        return -1;
    }
    buf[st.size] = '\0';
    *out = buf;
    *len = (size_t)st.size;
    return 0;
}

int render_zip(const render_zip_entry *entries, size_t n, char **out, size_t *len, char **err)
{
    if (n == 0) return rzip_empty(out, len);
    zip_error_t ze;
    zip_error_init(&ze);
    char **used = xcalloc(n, sizeof *used);
    int rc = -1;
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    if (!za) {
        if (src) zip_source_free(src);
        goto fail;
    }
    zip_source_keep(src); /* ours to read after zip_close, which releases the archive's */
    if (rzip_add_all(za, entries, n, used) != 0) {
        zip_error_set(&ze, zip_error_code_zip(zip_get_error(za)), 0);
        zip_discard(za);
        zip_source_free(src);
        goto fail;
    }
    if (zip_close(za) < 0) {
        zip_error_set(&ze, zip_error_code_zip(zip_get_error(za)), 0);
        zip_discard(za);
        zip_source_free(src);
        goto fail;
    }
    rc = rzip_read_back(src, out, len);
    zip_source_free(src);
    if (rc != 0) zip_error_set(&ze, ZIP_ER_READ, 0);
fail:
    if (rc != 0 && err) *err = xasprintf("zip: %s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    for (size_t i = 0; i < n; i++)
        free(used[i]);
    free(used);
    return rc;
}
