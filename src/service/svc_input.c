/* svc_input — what every use case that takes a JSON body shares: the role check, reading a text,
 * an enumerated value, finishing with the fields' reasons, and leaving a transaction on failure.
 * (The review chain and the certification side each had their own copy of these.) */
#include <stdlib.h>
#include <string.h>

#include "service/svc.h"
#include "util/util.h"

int svc_need_role(svc_ctx *c, const char *role, svc_err *e)
{
    if (c->actor && c->actor->id && strcmp(c->actor->role, role) == 0) return 0;
    return svc_fail(e, 403, "forbidden", "当前账号的角色无权进行此操作");
}

int svc_begin(svc_ctx *c, svc_err *e)
{
    if (db_begin(c->db) == 0) return 0;
    return svc_fail(e, 500, "internal", "数据库繁忙，请稍后重试");
}

int svc_commit(svc_ctx *c, int rc, svc_err *e)
{
    if (rc == 0 && db_commit(c->db) == 0) return 0;
    if (db_in_tx(c->db)) db_rollback(c->db);
    if (!e->status) svc_fail(e, 500, "internal", "保存失败，请稍后重试");
    return -1;
}

int svc_commit_entry(svc_ctx *c, const char *entity, int64_t entity_id, const char *action,
                     const char *from_state, const char *to_state, const json_t *detail, svc_err *e)
{
    int64_t seq = svc_audit(c, entity, entity_id, action, from_state, to_state, detail);
    return svc_commit(c, seq > 0 ? 0 : -1, e);
}

int svc_abort(svc_ctx *c)
{
    db_rollback(c->db);
    return -1;
}

/* True when s holds nothing but white space (ASCII or the ideographic space). */
static bool svc_blank(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
            s += 3;
        else
            return false;
    }
    return true;
}

/* Characters (not bytes) of UTF-8 text. */
static size_t svc_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static void svc_why(json_t *errors, const char *key, char *why)
{
    json_object_set_new(errors, key, json_string(why));
    free(why);
}

const char *svc_text(const json_t *in, const char *key, const char *label, bool need, size_t max,
                     json_t *errors)
{
    json_t *v = json_object_get(in, key);
    const char *s = json_string_value(v);
    if (v && !json_is_null(v) && !s)
        return svc_why(errors, key, xasprintf("%s应为文本", label)), NULL;
    if (s && svc_chars(s) > max)
        return svc_why(errors, key, xasprintf("%s不超过 %zu 个字", label, max)), NULL;
    if (need && (!s || svc_blank(s)))
        return svc_why(errors, key, xasprintf("请填写%s", label)), NULL;
    return s && !svc_blank(s) ? s : NULL;
}

const char *svc_enum(const json_t *in, const char *key, const char *const *set, const char *why,
                     json_t *errors)
{
    const char *s = json_string_value(json_object_get(in, key));
    for (const char *const *p = set; s && *p; p++)
        if (strcmp(s, *p) == 0) return s;
    json_object_set_new(errors, key, json_string(why));
    return NULL;
}

int svc_fields_done(svc_err *e, json_t *errors)
{
    if (json_object_size(errors) == 0) {
        json_decref(errors);
        return 0;
    }
    return svc_fail_fields(e, errors);
}

static bool svc_in_set(const char *k, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(k, *set) == 0) return true;
    return false;
}

bool svc_has_any(const json_t *in, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v)
    {
        if (svc_in_set(k, keys)) return true;
    }
    return false;
}

json_t *svc_writable(const json_t *in, const char *const *readonly, const json_t *current,
                     json_t *errors)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v)
    {
        if (!svc_in_set(k, readonly))
            json_object_set(out, k, v);
        else if (!current || !json_equal(json_object_get(current, k), v))
            json_object_set_new(errors, k, json_string("只读字段，不能修改"));
    }
    return out;
}
