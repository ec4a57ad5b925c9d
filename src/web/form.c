/* form — gathers a form's fields as they arrive (form.h). Each name's value grows in its own
 * buffer, found through a hash of the names, so a body of n bytes costs O(n) however it is cut
 * into pieces or how often a name repeats (joining strings by copying them, as a first version
 * did, made a 2 MB field cost 35 s of CPU). */
#include "web/form.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct web_field {
    char *name;
    sbuf value;
} web_field;

struct web_formset {
    web_form_limits lim;
    json_t *index; /* name -> its position in fields (a jansson object is a seeded hash) */
    web_field *fields;
    size_t n, cap;
    size_t values; /* pairs seen */
    web_form_status refused;
    char *refused_name;
};

web_formset *web_formset_new(const web_form_limits *lim)
{
    web_formset *f = xcalloc(1, sizeof *f);
    f->lim = *lim;
    f->index = json_object();
    return f;
}

void web_formset_free(web_formset *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].name);
        sbuf_free(&f->fields[i].value);
    }
    free(f->fields);
    free(f->refused_name);
    json_decref(f->index);
    free(f);
}

static web_form_status web_formset_refuse(web_formset *f, web_form_status st, const char *name,
                                          size_t name_len)
{
    f->refused = st;
    f->refused_name = xstrndup(name, name_len);
    return st;
}

/* The field named `name`, added when new (*known tells). */
static web_field *web_formset_field(web_formset *f, const char *name, size_t name_len, bool *known)
{
    json_t *at = json_object_getn(f->index, name, name_len);
    *known = at != NULL;
    if (at) return &f->fields[json_integer_value(at)];
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 16;
        f->fields = xrealloc(f->fields, f->cap * sizeof *f->fields);
    }
    web_field *fld = &f->fields[f->n];
    fld->name = xstrndup(name, name_len);
    sbuf_init(&fld->value);
    json_object_setn_new_nocheck(f->index, name, name_len, json_integer((json_int_t)f->n));
    f->n++;
    return fld;
}

web_form_status web_formset_add(web_formset *f, const char *name, const char *data, uint64_t off,
                                size_t size)
{
    if (f->refused) return f->refused;
    if (!name) name = "";
    size_t name_len = strlen(name);
    if (name_len > f->lim.max_name_bytes)
        return web_formset_refuse(f, WEB_FORM_NAME_TOO_LONG, name, f->lim.max_name_bytes);
    bool fresh = off == 0;
    if (fresh && ++f->values > f->lim.max_values)
        return web_formset_refuse(f, WEB_FORM_TOO_MANY, name, name_len);
    bool known;
    web_field *fld = web_formset_field(f, name, name_len, &known);
    bool join = fresh && known && memchr(name, '[', name_len) == NULL;
    if (fresh && known && !join) fld->value.len = 0; /* "x[k]" given again: the last one stays */
    size_t grow = size + (join ? 1 : 0);
    if (fld->value.len + grow > f->lim.max_value_bytes)
        return web_formset_refuse(f, WEB_FORM_VALUE_TOO_LONG, name, name_len);
    if (join) sbuf_append(&fld->value, ",", 1);
    if (size) sbuf_append(&fld->value, data, size);
    if (fld->value.data) fld->value.data[fld->value.len] = '\0';
    return WEB_FORM_OK;
}

web_form_status web_formset_status(const web_formset *f)
{
    return f->refused;
}

const char *web_formset_refused_name(const web_formset *f)
{
    return f->refused_name;
}

json_t *web_formset_finish(web_formset *f)
{
    json_t *out = json_object();
    for (size_t i = 0; i < f->n; i++) {
        web_field *fld = &f->fields[i];
        json_object_set_new_nocheck(
            out, fld->name,
            json_stringn_nocheck(fld->value.data ? fld->value.data : "", fld->value.len));
    }
    web_formset_free(f);
    return out;
}

char *web_form_status_message(web_form_status st, const web_form_limits *lim)
{
    switch (st) {
    case WEB_FORM_TOO_MANY:
        return xasprintf("表单字段过多：此表单最多 %zu 项", lim->max_values);
    case WEB_FORM_VALUE_TOO_LONG:
        return xasprintf("有一项填写的内容过长：此表单每项不超过约 %zu 个汉字",
                         lim->max_value_bytes / 3);
    case WEB_FORM_NAME_TOO_LONG:
        return xasprintf("表单内容格式错误：字段名超过 %zu 字节", lim->max_name_bytes);
    case WEB_FORM_OK:
        break;
    }
    return xstrdup("表单内容格式错误");
}
