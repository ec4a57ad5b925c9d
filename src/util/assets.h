/* assets — files embedded into the binary at build time by tools/embed.c: templates/,
 * static/, data/ and src/store/migrations/, looked up by their repository path. */
#ifndef SMIP_ASSETS_H
#define SMIP_ASSETS_H
#include <stddef.h>

typedef struct assets_file {
    const char *name;
    const char *data; /* NUL-terminated */
    size_t len;
} assets_file;

extern const assets_file assets_files[]; /* ends with a NULL name */
/* Returns the bytes of the embedded file `name` (e.g. "data/districts.csv"), or NULL. */
const char *assets_get(const char *name, size_t *len);
#endif
