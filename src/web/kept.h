/* kept — what a page rendered, kept while what it shows is unchanged.
 *
 * A store holds byte strings (rendered HTML, or several parts of it) by key — a short string
 * such as a district and a status filter, or an enterprise — and by version: the generations of
 * the scopes it shows, read on every request (web_fresh, the one freshness rule), and values of
 * the reader's (the current batch, a digest of the session). A
 * kept string is served only to a request that read the same key and version and whose time
 * lies between the moment it was rendered and its `valid_until` (the first instant at which
 * the clock alone changes it). So a change made through any server shows on the next request:
 * a cache here never decides by time alone (docs/architecture.md).
 *
 * Bounded in slots and bytes. A key has its place in one set of 8 slots chosen by its hash (a
 * lookup compares those 8, however large the store): when its set is full the set's least
 * recently used goes, and while the bytes are over the bound the store's. One mutex per store,
 * held only to compare and copy: the rendering happens outside it. */
#ifndef SMIP_WEB_KEPT_H
#define SMIP_WEB_KEPT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

enum { WEB_KEPT_KEY = 48, WEB_KEPT_PARTS = 10 };

/* The version a kept string was rendered at; unused parts stay 0. */
typedef struct web_kept_version {
    int64_t part[WEB_KEPT_PARTS];
} web_kept_version;

typedef struct web_kept_slot {
    char key[WEB_KEPT_KEY];
    uint64_t hash;
    web_kept_version v;
    int64_t rendered_at, valid_until;
    int64_t meta; /* a number the page keeps with the string (the queue: its inbox count) */
    char *data;
    size_t len;
    uint64_t used;
} web_kept_slot;

typedef struct web_kept {
    pthread_mutex_t mu;
    web_kept_slot *slot;
    size_t nslots, max_bytes, max_one;
    size_t bytes; /* of all kept strings */
    uint64_t clock;
} web_kept;

/* A store over a static array of slots: `static web_kept_slot s[64]; static web_kept k =
 * WEB_KEPT_INIT(s, 64, 2 << 20, 256 << 10);` — at most max_bytes in all, max_one for one. The
 * number of slots is a multiple of 8 (or fewer than 8: one set). */
#define WEB_KEPT_INIT(slots, n, max_bytes, max_one)                                                \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, (slots), (n), (max_bytes), (max_one), 0, 0                      \
    }

/* A 64-bit digest (FNV-1a) of n strings (NULL counts as ""), each ended by a NUL: for a version
 * part that stands for texts, such as who is logged in. */
uint64_t web_kept_digest(const char *const *strs, size_t n);

/* Appends the string kept under (key, v) to out and sets *meta and *until (its valid_until),
 * each if not NULL, when one is kept and valid at `now`; false otherwise (out unchanged). */
bool web_kept_get(web_kept *k, const char *key, const web_kept_version *v, int64_t now, sbuf *out,
                  int64_t *meta, int64_t *until);

/* Keeps a copy of data (len bytes) under (key, v), right from `now` until `valid_until`
 * (INT64_MAX: until the version changes), replacing what the key held. Keys too long for a
 * slot and strings over max_one are not kept. */
void web_kept_put(web_kept *k, const char *key, const web_kept_version *v, int64_t now,
                  int64_t valid_until, const char *data, size_t len, int64_t meta);

#endif
