/* zip — an application's whole material as one ZIP archive, built in memory: the application as
 * JSON, each attachment under its original (cleaned) file name, the authenticity PDF. Names that
 * come from users are cleaned here, once, so no caller can write an archive that unpacks outside
 * its folder or fails to unpack on Windows. */
#ifndef SMIP_RENDER_ZIP_H
#define SMIP_RENDER_ZIP_H

#include <stddef.h>

typedef struct render_zip_entry {
    const char *name; /* '/' (or '\') separates folders: "attachments/计划书.pdf" */
    const void *data; /* borrowed until render_zip returns */
    size_t len;
} render_zip_entry;

/* The name `name` takes inside an archive (malloc'd, the caller frees). '\' counts as '/'; empty,
 * "." and ".." segments are dropped, so the name is always relative and never climbs; in each
 * segment control characters and <>:"|?* become '_', invalid UTF-8 becomes '_', leading and
 * trailing spaces and dots are trimmed (Windows would drop them), and a segment longer than 150
 * bytes is cut on a character boundary, keeping a short extension. Nothing left → "file". */
char *render_zip_safe_name(const char *name);

/* Builds a ZIP (deflate, UTF-8 names) of the n entries, each under render_zip_safe_name of its
 * name; where two names clash (ignoring ASCII case, as Windows and macOS do) the later one becomes
 * "name (2).ext", "name (3).ext", …. On success returns 0 and hands the archive to the caller in
 * *out (malloc'd, the caller frees) and *len. On failure returns -1 and sets *err (when not NULL)
 * to a malloc'd English message the caller frees. */
int render_zip(const render_zip_entry *entries, size_t n, char **out, size_t *len, char **err);

#endif
