/* kept — rendered strings kept by key and version (see kept.h). */
#include "web/kept.h"

#include <stdlib.h>
#include <string.h>

static uint64_t kept_fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

/* FNV-1a: compared before the key itself, so a lookup over a few hundred slots is cheap. */
static uint64_t kept_hash(const char *key)
{
    return kept_fnv(14695981039346656037ULL, key);
}

uint64_t web_kept_digest(const char *const *strs, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h = kept_fnv(h, strs[i] ? strs[i] : "");
        h *= 1099511628211ULL; /* the NUL between two strings: "ab","c" is not "a","bc" */
    }
    return h;
}

static bool kept_is(const web_kept_slot *s, uint64_t hash, const char *key)
{
    return s->data && s->hash == hash && strcmp(s->key, key) == 0;
}

/* A key lives in one set of at most KEPT_WAYS slots, chosen by its hash: a lookup compares
 * those few instead of every slot (a store for a crowd has thousands). */
enum { KEPT_WAYS = 8 };

static web_kept_slot *kept_set(web_kept *k, uint64_t hash, size_t *n)
{
    size_t ways = k->nslots < KEPT_WAYS ? k->nslots : KEPT_WAYS, sets = k->nslots / ways;
    *n = ways;
    return &k->slot[hash % sets * ways];
}

bool web_kept_get(web_kept *k, const char *key, const web_kept_version *v, int64_t now, sbuf *out,
                  int64_t *meta, int64_t *until)
{
    uint64_t hash = kept_hash(key);
    bool hit = false;
    size_t n;
    pthread_mutex_lock(&k->mu);
    web_kept_slot *set = kept_set(k, hash, &n);
    for (size_t i = 0; i < n; i++) {
        web_kept_slot *s = &set[i];
        if (!kept_is(s, hash, key)) continue;
        if (memcmp(&s->v, v, sizeof *v) == 0 && now >= s->rendered_at && now < s->valid_until) {
            sbuf_append(out, s->data, s->len);
            if (meta) *meta = s->meta;
            if (until) *until = s->valid_until;
            s->used = ++k->clock;
            hit = true;
        }
        break; /* a key has one slot */
    }
    pthread_mutex_unlock(&k->mu);
    return hit;
}

/* Frees slot s's string (the caller holds the lock). */
static void kept_drop(web_kept *k, web_kept_slot *s)
{
    k->bytes -= s->len;
    free(s->data);
    s->data = NULL;
    s->len = 0;
    s->used = 0;
}

/* A free slot of the key's set with room for len more bytes: the set's least recently used goes
 * when the set is full, and the store's least recently used while the bytes would exceed the
 * bound (the caller holds the lock). */
static web_kept_slot *kept_room(web_kept *k, uint64_t hash, size_t len)
{
    size_t n;
    web_kept_slot *set = kept_set(k, hash, &n), *free_slot = NULL, *lru = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!set[i].data && !free_slot) free_slot = &set[i];
        if (set[i].data && (!lru || set[i].used < lru->used)) lru = &set[i];
    }
    if (!free_slot) {
        kept_drop(k, lru);
        free_slot = lru;
    }
    while (k->bytes + len > k->max_bytes) {
        web_kept_slot *old = NULL;
        for (size_t i = 0; i < k->nslots; i++)
            if (k->slot[i].data && (!old || k->slot[i].used < old->used)) old = &k->slot[i];
        kept_drop(k, old); /* bytes > 0, so something is kept */
    }
    return free_slot;
}

void web_kept_put(web_kept *k, const char *key, const web_kept_version *v, int64_t now,
                  int64_t valid_until, const char *data, size_t len, int64_t meta)
{
    if (strlen(key) >= WEB_KEPT_KEY || len > k->max_one || len > k->max_bytes) return;
    uint64_t hash = kept_hash(key);
    char *copy = xmalloc(len + 1);
    memcpy(copy, data ? data : "", len);
    copy[len] = '\0';
    size_t n;
    pthread_mutex_lock(&k->mu);
    web_kept_slot *set = kept_set(k, hash, &n);
    for (size_t i = 0; i < n; i++)
        if (kept_is(&set[i], hash, key)) kept_drop(k, &set[i]);
    web_kept_slot *s = kept_room(k, hash, len);
    memcpy(s->key, key, strlen(key) + 1);
    s->hash = hash;
    s->v = *v;
    s->rendered_at = now;
    s->valid_until = valid_until;
    s->meta = meta;
    s->data = copy;
    s->len = len;
    s->used = ++k->clock;
    k->bytes += len;
    pthread_mutex_unlock(&k->mu);
}
