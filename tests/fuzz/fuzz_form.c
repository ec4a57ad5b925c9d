/* fuzz_form — libFuzzer harness for web_formset (web/form.h), which gathers the fields of a
 * urlencoded or multipart form post as libmicrohttpd's PostProcessor hands them over: the input
 * is cut into pieces (name, offset, bytes) under fuzzed limits, and what the set answers is
 * compared with a plain model of form.h's contract: a piece at offset 0 starts a value,
 * a name given again joins its values with ',' unless it holds '[' (then the last one stays),
 * and the first piece over a limit is refused with its status and every later one with the
 * same. fuzz_http drives the real PostProcessor. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "util/util.h"
#include "web/form.h"

enum { MODEL_MAX = 512 };

typedef struct model {
    char *name[MODEL_MAX];
    sbuf value[MODEL_MAX];
    size_t n, values;
    web_form_status refused;
} model;

static size_t model_find(model *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->name[i], name) == 0) return i;
    return SIZE_MAX;
}

static web_form_status model_add(model *m, const web_form_limits *lim, const char *name,
                                 const char *data, uint64_t off, size_t size)
{
    if (m->refused) return m->refused;
    size_t nlen = strlen(name);
    if (nlen > lim->max_name_bytes) return m->refused = WEB_FORM_NAME_TOO_LONG;
    if (off == 0 && ++m->values > lim->max_values) return m->refused = WEB_FORM_TOO_MANY;
    size_t i = model_find(m, name);
    bool known = i != SIZE_MAX;
    if (!known) {
        i = m->n++;
        m->name[i] = xstrdup(name);
        sbuf_init(&m->value[i]);
    }
    bool join = off == 0 && known && !strchr(name, '[');
    if (off == 0 && known && !join) m->value[i].len = 0;
    if (m->value[i].len + size + (join ? 1 : 0) > lim->max_value_bytes)
        return m->refused = WEB_FORM_VALUE_TOO_LONG;
    if (join) sbuf_append(&m->value[i], ",", 1);
    sbuf_append(&m->value[i], data, size);
    return WEB_FORM_OK;
}

static void model_free(model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->name[i]);
        sbuf_free(&m->value[i]);
    }
}

static uint8_t take(const uint8_t **p, size_t *n)
{
    if (!*n) return 0;
    (*n)--;
    return *(*p)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* limits small enough to be met: values 1–64, value bytes 0–1023, name bytes 0–63 */
    web_form_limits lim = {.max_values = 1 + take(&data, &size) % 64};
    lim.max_value_bytes = ((size_t)take(&data, &size) << 2 | take(&data, &size)) % 1024;
    lim.max_name_bytes = take(&data, &size) % 64;
    web_formset *f = web_formset_new(&lim);
    model m = {0};
    /* Each piece: a control byte (bit 7: continue the name's value, else start one; bits 0–2
     * with the next bytes: which of the recent names, or a new name of len bytes), the data's
     * length byte, the data. */
    char *names[8] = {0};
    uint64_t offs[8] = {0};
    while (size && m.n < MODEL_MAX - 1) {
        uint8_t ctl = take(&data, &size);
        int slot = ctl & 7;
        if ((ctl & 0x40) || !names[slot]) {
            size_t nlen = take(&data, &size) % 80;
            if (nlen > size) nlen = size;
            free(names[slot]);
            names[slot] = fuzz_str(data, nlen); /* a NUL ends it early, as in C */
            data += nlen, size -= nlen;
            offs[slot] = 0;
        }
        size_t dlen = take(&data, &size);
        if (dlen > size) dlen = size;
        uint64_t off = (ctl & 0x80) ? offs[slot] : 0;
        /* the PostProcessor's offset is the value's length so far; a new start resets it */
        web_form_status want = model_add(&m, &lim, names[slot], (const char *)data, off, dlen);
        web_form_status got = web_formset_add(f, names[slot], (const char *)data, off, dlen);
        FUZZ_CHECK(got == want, "piece of \"%s\" at %llu: status %d, model %d", names[slot],
                   (unsigned long long)off, got, want);
        offs[slot] = off + dlen;
        data += dlen, size -= dlen;
    }
    FUZZ_CHECK(web_formset_status(f) == m.refused, "status %d, model %d", web_formset_status(f),
               m.refused);
    if (m.refused) {
        FUZZ_CHECK(web_formset_refused_name(f) != NULL, "refused without a name");
        char *msg = web_form_status_message(m.refused, &lim);
        FUZZ_CHECK(msg && *msg, "no message for a refusal");
        free(msg);
        web_formset_free(f);
    } else {
        FUZZ_CHECK(web_formset_refused_name(f) == NULL, "a refused name without a refusal");
        json_t *out = web_formset_finish(f);
        FUZZ_CHECK(json_object_size(out) == m.n, "%zu fields, model %zu", json_object_size(out),
                   m.n);
        for (size_t i = 0; i < m.n; i++) {
            json_t *v = json_object_get(out, m.name[i]);
            FUZZ_CHECK(json_is_string(v), "field \"%s\" missing", m.name[i]);
            FUZZ_CHECK(json_string_length(v) == m.value[i].len &&
                           !memcmp(json_string_value(v), m.value[i].data ? m.value[i].data : "",
                                   m.value[i].len),
                       "field \"%s\": value differs from the model", m.name[i]);
        }
        json_decref(out);
    }
    for (int i = 0; i < 8; i++)
        free(names[i]);
    model_free(&m);
    return 0;
}
