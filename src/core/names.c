/* names — see names.h. utf8proc does the normalisation; white space is judged by Unicode
 * category so that U+3000 (ideographic space) and no-break spaces go too. */
#include "core/names.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/util.h"

static bool names_is_space(utf8proc_int32_t c)
{
    switch (c) {
    case '\t':
    case '\n':
    case 0x0b:
    case '\f':
    case '\r':
    case 0x85:
    case 0x200b:
    case 0x2060:
    case 0xfeff:
        return true;
    default:
        break;
    }
    utf8proc_category_t cat = utf8proc_category(c);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

char *names_normalize(const char *s)
{
    if (!s || !util_utf8_valid(s, strlen(s))) return NULL;
    utf8proc_uint8_t *nf = utf8proc_NFKC((const utf8proc_uint8_t *)s);
    if (!nf) return NULL;
    size_t len = strlen((const char *)nf);
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(nf + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0) {
            free(nf);
            free(out);
            return NULL;
        }
        if (!names_is_space(c)) {
            memcpy(out + o, nf + i, (size_t)k);
            o += (size_t)k;
        }
        i += (size_t)k;
    }
    out[o] = '\0';
    free(nf);
    return out;
}

bool names_equal(const char *a, const char *b)
{
    char *ka = names_normalize(a), *kb = names_normalize(b);
    bool eq = ka && kb && *ka && strcmp(ka, kb) == 0;
    free(ka);
    free(kb);
    return eq;
}
