/* fuzz_common — what the libFuzzer harnesses of tests/fuzz share: a check that stops the run
 * (abort, so libFuzzer keeps the input as a crash), exact-size copies of the input (so ASan sees
 * a read one byte past a string's end) and the shipped 2020 batch's rules. Header-only: each
 * harness is one program. */
#ifndef SMIP_FUZZ_COMMON_H
#define SMIP_FUZZ_COMMON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/assets.h"

/* Stops the run when an invariant of the code under test fails: libFuzzer reports the abort
 * and writes the input to a crash-* file. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The n bytes at p as a NUL-terminated string in a block of exactly n + 1 bytes (any NUL
 * inside ends it early, as it would for the C code reading it). */
static inline char *fuzz_str(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Splits the input at its first newline: the part before it in *a, after it in *b (b empty
 * when there is none). Seed files are written so: a stored document on the first line, the
 * patch or the second text after it. */
static inline void fuzz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *alen,
                              const uint8_t **b, size_t *blen)
{
    const uint8_t *nl = size ? memchr(data, '\n', size) : NULL;
    *a = data;
    *alen = nl ? (size_t)(nl - data) : size;
    *b = nl ? nl + 1 : data + size;
    *blen = nl ? size - *alen - 1 : 0;
}

/* The shipped batch (data/batch-2020.json), parsed once and kept for the whole run (borrowed). */
static inline const json_t *fuzz_batch(void)
{
    static json_t *batch;
    if (!batch) {
        size_t len = 0;
        const char *text = assets_get("data/batch-2020.json", &len);
        batch = text ? json_loadb(text, len, 0, NULL) : NULL;
        FUZZ_CHECK(json_is_object(batch), "the embedded data/batch-2020.json does not load");
    }
    return batch;
}

#endif
