/* ent_internal — the small helpers of ent_internal.h that enterprise.c, attachment.c and
 * application.c all use: JSON documents (load, dump), times, set
 * membership and the enterprise-account gate. */
#include "service/ent_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/merge.h"
#include "util/util.h"

/* Number of characters (code points) of valid UTF-8 text. */
size_t ent_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

bool ent_in(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0) return true;
    return false;
}

/* 400 naming one field. */
int ent_fail1(svc_err *e, const char *field, const char *why)
{
    json_t *f = json_object();
    json_object_set_new(f, field, json_string(why));
    return svc_fail_fields(e, f);
}

void ent_set_time(json_t *o, const char *key, int64_t t)
{
    if (t <= 0) {
        json_object_set_new(o, key, json_null());
        return;
    }
    char buf[CAL_TIME_BUF]; /* no heap copy: lists set three times per row */
    json_object_set_new(o, key, json_string(cal_format_rfc3339(t, buf)));
}

/* An array of the top-level keys of `o` (the audit detail of a save). */
json_t *ent_keys(const json_t *o)
{
    json_t *a = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) json_array_append_new(a, json_string(k));
    return a;
}

json_t *ent_load_doc(const char *text)
{
    return merge_load(text);
}

char *ent_dump(const json_t *o)
{
    return json_dumps(o, MERGE_DUMP_FLAGS);
}

/* The calling enterprise account's enterprise id, or a refusal. */
int ent_need_enterprise(svc_ctx *c, svc_err *e)
{
    if (!c->actor || strcmp(c->actor->role, "enterprise") != 0)
        return svc_fail(e, 403, "forbidden", "只有企业账号可以进行此操作");
    if (c->actor->enterprise_id <= 0)
        return svc_fail(e, 403, "imp_not_bound", "请先绑定原平台账号或确认企业信息");
    return 0;
}
