/* util — see util.h. Out of memory aborts: a server that cannot allocate cannot answer either. */
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void util_oom(void)
{
    fputs("smip: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) util_oom();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) util_oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) util_oom();
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    sbuf b;
    sbuf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    return sbuf_take(&b);
}

/* ---------------------------------------------------------------- arena */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block;

typedef struct arena_cleanup {
    struct arena_cleanup *next;
    void (*fn)(void *);
    void *arg;
} arena_cleanup;

struct arena {
    arena_block *head;
    arena_cleanup *cleanups;
};

enum { ARENA_BLOCK = 16384 };

arena *arena_new(void)
{
    return xcalloc(1, sizeof(arena));
}

void *arena_alloc(arena *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        arena_block *blk = xmalloc(sizeof(arena_block) + cap);
        blk->used = 0;
        blk->cap = cap;
        blk->next = a->head;
        a->head = blk;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    sbuf b;
    sbuf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *p = arena_strndup(a, b.data, b.len);
    sbuf_free(&b);
    return p;
}

void arena_defer(arena *a, void (*fn)(void *), void *arg)
{
    arena_cleanup *c = arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}

void arena_free(arena *a)
{
    if (!a) return;
    for (arena_cleanup *c = a->cleanups; c; c = c->next)
        c->fn(c->arg);
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

/* ---------------------------------------------------------------- sbuf */

void sbuf_init(sbuf *b)
{
    b->cap = 256;
    b->len = 0;
    b->data = xmalloc(b->cap);
    b->data[0] = '\0';
}

void sbuf_reserve(sbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    while (b->len + extra + 1 > b->cap)
        b->cap *= 2;
    b->data = xrealloc(b->data, b->cap);
}

void sbuf_append(sbuf *b, const char *s, size_t n)
{
    sbuf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sbuf_puts(sbuf *b, const char *s)
{
    sbuf_append(b, s, strlen(s));
}

void sbuf_vprintf(sbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n < 0) n = 0;
    if ((size_t)n >= b->cap - b->len) {
        sbuf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    b->len += (size_t)n;
}

void sbuf_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *sbuf_take(sbuf *b)
{
    char *p = b->data;
    sbuf_init(b);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void sbuf_free(sbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---------------------------------------------------------------- utf-8 */

bool util_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        size_t len;
        unsigned min;
        if (c == 0) return false;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) < len) return false;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
        p += len;
    }
    return true;
}

int64_t util_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}
