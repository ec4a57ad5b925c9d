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

bool web_kept_get(web_kept *k, const char *key, const web_kept_version *v, int64_t now, sbuf *out,
                  int64_t *meta, int64_t *until)
{
    uint64_t hash = kept_hash(key);
    bool hit = false;
    pthread_mutex_lock(&k->mu);
    for (size_t i = 0; i < k->nslots; i++) {
        web_kept_slot *s = &k->slot[i];
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

/* A free slot with room for len more bytes, dropping the least recently used until there is
 * one (the caller holds the lock). */
static web_kept_slot *kept_room(web_kept *k, size_t len)
{
    for (;;) {
        web_kept_slot *lru = NULL, *free_slot = NULL;
        for (size_t i = 0; i < k->nslots; i++) {
            web_kept_slot *s = &k->slot[i];
            if (!s->data && !free_slot) free_slot = s;
            if (s->data && (!lru || s->used < lru->used)) lru = s;
        }
        if (free_slot && k->bytes + len <= k->max_bytes) return free_slot;
        kept_drop(k, lru); /* no free slot or too many bytes: something is kept */
    }
}

void web_kept_put(web_kept *k, const char *key, const web_kept_version *v, int64_t now,
                  int64_t valid_until, const char *data, size_t len, int64_t meta)
{
    if (strlen(key) >= WEB_KEPT_KEY || len > k->max_one || len > k->max_bytes) return;
    uint64_t hash = kept_hash(key);
    char *copy = xmalloc(len + 1);
    memcpy(copy, data ? data : "", len);
    copy[len] = '\0';
    pthread_mutex_lock(&k->mu);
    for (size_t i = 0; i < k->nslots; i++)
        if (kept_is(&k->slot[i], hash, key)) kept_drop(k, &k->slot[i]);
    web_kept_slot *s = kept_room(k, len);
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
