/* util — allocation that aborts on out-of-memory, per-request arenas and a growable string
 * buffer. Every other module builds on these, so call sites never test for NULL from malloc. */
#ifndef SMIP_UTIL_H
#define SMIP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An arena hands out memory that is freed all at once (one per HTTP request). */
typedef struct arena arena;
arena *arena_new(void);
void *arena_alloc(arena *a, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Registers a cleanup run when the arena is freed (e.g. json_decref of a parsed body). */
void arena_defer(arena *a, void (*fn)(void *), void *arg);
void arena_free(arena *a);

/* A growable byte buffer; `data` is always NUL-terminated. The owner calls sbuf_free. */
typedef struct sbuf {
    char *data;
    size_t len;
    size_t cap;
} sbuf;
void sbuf_init(sbuf *b);
void sbuf_append(sbuf *b, const char *s, size_t n);
void sbuf_puts(sbuf *b, const char *s);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(sbuf *b, const char *fmt, va_list ap);
/* Makes room for `extra` more bytes at once (a page that knows its size grows no more). */
void sbuf_reserve(sbuf *b, size_t extra);
/* Hands the bytes to the caller (who frees them) and resets the buffer. */
char *sbuf_take(sbuf *b);
void sbuf_free(sbuf *b);

/* True when s is valid UTF-8 of exactly n bytes (no NUL inside). */
bool util_utf8_valid(const char *s, size_t n);

/* The wall clock in whole seconds, read precisely: time(2) may come from a coarse clock that lags
 * the second's start by a few milliseconds, and deadlines are instants (SPEC §3). */
int64_t util_now(void);

#endif
