/* merge — RFC 7396 merge patches of stored documents. merge_text splices a patch into a stored
 * document's text without building its tree: jansson took ~30 µs to parse and ~16 µs to dump an
 * 800-byte form, the largest part of a draft save's CPU outside the database
 * (docs/performance.md). jsmn finds the members' spans; members the patch does not name are
 * copied as they are; the patch's own values are dumped by jansson. Only text that is itself a
 * compact, key-sorted dump takes that path, so the result is the same text parsing, merging and
 * dumping would give (tests/unit/test_merge.c compares them); any other text takes the tree. */
#include "core/merge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

void merge_patch(json_t *target, const json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        if (json_is_null(v)) {
            json_object_del(target, k);
        } else if (json_is_object(v)) {
            json_t *t = json_object_get(target, k);
            if (!json_is_object(t)) {
                t = json_object();
                json_object_set_new(target, k, t);
            }
            merge_patch(t, v);
        } else {
            json_object_set_new(target, k, json_deep_copy(v));
        }
    }
}

json_t *merge_load(const char *text)
{
    json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        doc = json_object();
    }
    return doc;
}

char *merge_tree(const char *text, const json_t *patch)
{
    json_t *doc = merge_load(text);
    merge_patch(doc, patch);
    char *out = json_dumps(doc, MERGE_DUMP_FLAGS);
    json_decref(doc);
    return out;
}

typedef struct merge_walk {
    const char *text;
    const jsmntok_t *tok;
    int ntok;
    sbuf out;
} merge_walk;

/* The token after the whole value that starts at token i. */
static int merge_skip(const merge_walk *m, int i)
{
    int end = m->tok[i].end, j = i + 1;
    while (j < m->ntok && m->tok[j].start < end)
        j++;
    return j;
}

/* The value's text: jsmn's string spans leave out the quotes. */
static void merge_span(const merge_walk *m, int i, int *from, int *to)
{
    bool str = m->tok[i].type == JSMN_STRING;
    *from = m->tok[i].start - (str ? 1 : 0);
    *to = m->tok[i].end + (str ? 1 : 0);
}

/* Byte order of keys, as JSON_SORT_KEYS sorts them. */
static int merge_key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0) return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int merge_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True when jansson writes `s` between quotes as it is (no character it escapes). */
static bool merge_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20) return false;
    return true;
}

static bool merge_dump_value(merge_walk *m, const json_t *v)
{
    char *d = json_dumps(v, MERGE_DUMP_FLAGS | JSON_ENCODE_ANY);
    if (!d) return false;
    sbuf_puts(&m->out, d);
    free(d);
    return true;
}

static bool merge_key(merge_walk *m, const char *k)
{
    size_t n = strlen(k);
    if (!merge_plain(k, n)) {
        json_t *s = json_string(k);
        bool ok = s && merge_dump_value(m, s);
        json_decref(s);
        return ok && (sbuf_append(&m->out, ":", 1), true);
    }
    sbuf_append(&m->out, "\"", 1);
    sbuf_append(&m->out, k, n);
    sbuf_append(&m->out, "\":", 2);
    return true;
}

static bool merge_object(merge_walk *m, int ti, const json_t *patch);

/* Writes patch member `k` (not null) over the document's value at token tv (-1: none). */
static bool merge_member(merge_walk *m, const char *k, const json_t *v, int tv)
{
    if (!merge_key(m, k)) return false;
    if (!json_is_object(v)) return merge_dump_value(m, v);
    return merge_object(m, tv >= 0 && m->tok[tv].type == JSMN_OBJECT ? tv : -1, v);
}

/* Writes the object at token ti (-1: an empty one) with `patch` merged in. False when the text
 * is not as MERGE_DUMP_FLAGS writes it (a key escaped or out of order): the caller then takes
 * the tree. Both key lists are walked in order, as a merge of two sorted lists. */
static bool merge_object(merge_walk *m, int ti, const json_t *patch)
{
    size_t np = json_object_size(patch), k = 0;
    const char **keys = xmalloc((np ? np : 1) * sizeof *keys);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)patch, key, v) keys[k++] = key;
    qsort(keys, np, sizeof *keys, merge_str_cmp);

    bool ok = true, first = true;
    int j = ti >= 0 ? ti + 1 : 0, left = ti >= 0 ? m->tok[ti].size : 0;
    const char *prev = NULL;
    size_t prevn = 0;
    sbuf_append(&m->out, "{", 1);
    k = 0;
    while (ok && (left > 0 || k < np)) {
        int cmp = 1;
        if (left > 0) {
            const jsmntok_t *t = &m->tok[j];
            const char *tk = m->text + t->start;
            size_t tn = (size_t)(t->end - t->start);
            if (t->type != JSMN_STRING || memchr(tk, '\\', tn) ||
                (prev && prev != tk && merge_key_cmp(prev, prevn, tk, tn) >= 0)) {
                ok = false;
                break;
            }
            prev = tk;
            prevn = tn;
            cmp = k < np ? merge_key_cmp(tk, tn, keys[k], strlen(keys[k])) : -1;
        }
        if (cmp < 0) { /* a member the patch leaves: copied */
            int kfrom, kto, vfrom, vto, end = merge_skip(m, j + 1);
            merge_span(m, j, &kfrom, &kto);
            merge_span(m, j + 1, &vfrom, &vto);
            if (!first) sbuf_append(&m->out, ",", 1);
            sbuf_append(&m->out, m->text + kfrom, (size_t)(vto - kfrom));
            first = false;
            j = end;
            left--;
            continue;
        }
        const json_t *pv = json_object_get(patch, keys[k]);
        if (!json_is_null(pv)) {
            if (!first) sbuf_append(&m->out, ",", 1);
            ok = merge_member(m, keys[k], pv, cmp == 0 ? j + 1 : -1);
            first = false;
        }
        if (cmp == 0) {
            j = merge_skip(m, j + 1);
            left--;
        }
        k++;
    }
    sbuf_append(&m->out, "}", 1);
    free(keys);
    return ok;
}

/* jansson refuses deeper nesting (its parser's limit): such text takes the tree, as {}. */
#define MERGE_MAX_DEPTH 2048

/* True when the string token t is written as jansson writes it: no raw control character and
 * only the escapes it uses (\" \\ \b \f \n \r \t, \u00XX in upper case for the other control
 * characters). jansson reads "\u00e9" or "\/" too, but writes "é" and "/": copied as they are,
 * they would not be the tree's text. */
static bool merge_canonical_string(const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20) return false;
        if (c != '\\') continue;
        if (++i >= n) return false;
        if (strchr("\"\\bfnrt", s[i]) && s[i]) continue;
        if (s[i] != 'u' || n - i < 5 || memcmp(s + i + 1, "00", 2) != 0) return false;
        int v = 0;
        for (int k = 3; k <= 4; k++) {
            const char *h = memchr(hex, s[i + k], 16);
            if (!h) return false;
            v = v * 16 + (int)(h - hex);
        }
        if (v == 0 || v >= 0x20 || strchr("\b\f\n\r\t", v)) return false;
        i += 4;
    }
    return true;
}

/* True when the primitive token is written as jansson writes it: true, false, null or an
 * integer in json_int_t's range without a leading zero or "-0" (a real may be written many
 * ways, so a document with one takes the tree; an integer out of range jansson refuses). */
static bool merge_canonical_primitive(const char *p, size_t n)
{
    if ((n == 4 && memcmp(p, "true", 4) == 0) || (n == 5 && memcmp(p, "false", 5) == 0) ||
        (n == 4 && memcmp(p, "null", 4) == 0))
        return true;
    size_t d = p[0] == '-' ? 1 : 0;
    if (n == d || (p[d] == '0' && n > d + 1) || (d && n == 2 && p[1] == '0')) return false;
    for (size_t k = d; k < n; k++)
        if (p[k] < '0' || p[k] > '9') return false;
    const char *lim = d ? "9223372036854775808" : "9223372036854775807";
    return n - d < 19 || (n - d == 19 && memcmp(p + d, lim, 19) <= 0);
}

/* Checks the value at token i against the text as MERGE_DUMP_FLAGS writes it: each object's
 * and array's members with nothing but ',' and ':' between them (jsmn alone takes `{"a"}`,
 * `{"a" 1}` or `[1 2]`, which jansson refuses), no space, keys unescaped and in strictly
 * increasing order (the tree would sort the members of an object the patch leaves, and keep
 * one of two equal keys), strings and numbers as jansson writes them. Returns the token after
 * the value, or -1 when the text is not such a dump. */
static int merge_shape(const merge_walk *m, int i, int depth)
{
    if (i >= m->ntok || depth > MERGE_MAX_DEPTH) return -1;
    const jsmntok_t *t = &m->tok[i];
    const char *p = m->text + t->start;
    size_t n = (size_t)(t->end - t->start);
    if (t->type == JSMN_STRING) return merge_canonical_string(p, n) ? i + 1 : -1;
    if (t->type == JSMN_PRIMITIVE) return merge_canonical_primitive(p, n) ? i + 1 : -1;
    bool obj = t->type == JSMN_OBJECT;
    if (!obj && t->type != JSMN_ARRAY) return -1;
    int pos = t->start + 1, j = i + 1;
    const char *prev = NULL;
    size_t prevn = 0;
    for (int c = 0; c < t->size; c++) {
        if (c && m->text[pos++] != ',') return -1;
        if (obj) {
            if (j >= m->ntok) return -1;
            const jsmntok_t *k = &m->tok[j];
            const char *kp = m->text + k->start;
            size_t kn = (size_t)(k->end - k->start);
            if (k->type != JSMN_STRING || k->start != pos + 1 || memchr(kp, '\\', kn) ||
                !merge_canonical_string(kp, kn) ||
                (prev && merge_key_cmp(prev, prevn, kp, kn) >= 0))
                return -1;
            prev = kp;
            prevn = kn;
            pos = k->end + 1;
            if (m->text[pos++] != ':') return -1;
            j++;
        }
        if (j >= m->ntok) return -1;
        const jsmntok_t *v = &m->tok[j];
        bool str = v->type == JSMN_STRING;
        if (v->start != pos + (str ? 1 : 0)) return -1;
        pos = v->end + (str ? 1 : 0);
        if ((j = merge_shape(m, j, depth + 1)) < 0) return -1;
    }
    if (m->text[pos] != (obj ? '}' : ']') || pos + 1 != t->end) return -1;
    return j;
}

char *merge_splice(const char *text, const json_t *patch)
{
    if (!text || !json_is_object(patch)) return NULL;
    size_t len = strlen(text);
    jsmn_parser p;
    jsmn_init(&p);
    int n = jsmn_parse(&p, text, len, NULL, 0);
    if (n <= 0) return NULL;
    jsmntok_t *tok = xmalloc((size_t)n * sizeof *tok);
    jsmn_init(&p);
    merge_walk m = {.text = text, .tok = tok, .ntok = jsmn_parse(&p, text, len, tok, (unsigned)n)};
    char *out = NULL;
    /* jansson reads only UTF-8: other text is {} to the tree. */
    if (m.ntok == n && tok[0].type == JSMN_OBJECT && tok[0].start == 0 &&
        (size_t)tok[0].end == len && util_utf8_valid(text, len) && merge_shape(&m, 0, 1) == n) {
        sbuf_init(&m.out);
        if (merge_object(&m, 0, patch))
            out = sbuf_take(&m.out);
        else
            sbuf_free(&m.out);
    }
    free(tok);
    return out;
}

char *merge_text(const char *text, const json_t *patch)
{
    char *out = merge_splice(text, patch);
    return out ? out : merge_tree(text, patch);
}
