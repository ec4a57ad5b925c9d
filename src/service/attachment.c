/* attachment — the uploaded files of enterprise.h: stored in chunks with their SHA-256, the
 * media type taken from the content by libmagic (one handle per thread), handed back to the
 * uploader, its enterprise, or whoever may read an application that names the file. */
#include "service/enterprise.h"

#include <magic.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/certificate.h"
#include "service/ent_internal.h"
#include "service/review.h"
#include "util/util.h"

#define ENT_CHUNK (256 * 1024) /* attachment_chunks rows */
#define ENT_KIND_MAX 32        /* characters of an attachment's `kind` */
#define ENT_FILENAME_MAX 255   /* bytes of a stored display name */

/* ---------------------------------------------------------------- attachments */

/* libmagic's handle is not thread-safe: one per thread, opened on first use and closed by the
 * key's destructor when the thread ends. */
static pthread_key_t ent_magic_key;
static pthread_once_t ent_magic_once = PTHREAD_ONCE_INIT;

static void ent_magic_close(void *m)
{
    magic_close((magic_t)m);
}

static void ent_magic_init(void)
{
    pthread_key_create(&ent_magic_key, ent_magic_close);
}

static magic_t ent_magic(void)
{
    pthread_once(&ent_magic_once, ent_magic_init);
    magic_t m = pthread_getspecific(ent_magic_key);
    if (m) return m;
    m = magic_open(MAGIC_MIME_TYPE);
    if (!m) return NULL;
    if (magic_load(m, NULL) != 0) {
        magic_close(m);
        return NULL;
    }
    pthread_setspecific(ent_magic_key, m);
    return m;
}

static const char *const ENT_MEDIA[] = {"application/pdf", "image/jpeg", "image/png", NULL};

/* The user's file name made safe for display: its last path component, valid UTF-8 without
 * control characters, at most ENT_FILENAME_MAX bytes. malloc'd. */
static char *ent_display_name(const char *in)
{
    if (!in) return xstrdup("");
    const char *base = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    if (!util_utf8_valid(base, strlen(base))) return xstrdup("");
    sbuf b;
    sbuf_init(&b);
    for (const unsigned char *p = (const unsigned char *)base; *p; p++)
        if (*p >= 0x20 && *p != 0x7f) sbuf_append(&b, (const char *)p, 1);
    size_t n = b.len;
    if (n > ENT_FILENAME_MAX) {
        n = ENT_FILENAME_MAX;
        while (n > 0 && ((unsigned char)b.data[n] & 0xC0) == 0x80)
            n--;
        b.data[n] = '\0';
        b.len = n;
    }
    return sbuf_take(&b);
}

static json_t *att_json(db *d, int64_t id)
{
    db_stmt *s = db_query(d,
                          "SELECT sha256, size, media_type, kind, filename, created_at FROM "
                          "attachments WHERE id = ?",
                          "i", id);
    json_t *o = NULL;
    if (db_next(s)) {
        o = json_pack("{s:I,s:s,s:I,s:s,s:s,s:s}", "id", (json_int_t)id, "sha256", db_text(s, 0),
                      "size", (json_int_t)db_int(s, 1), "media_type", db_text(s, 2), "kind",
                      db_text(s, 3), "filename", db_text(s, 4));
        ent_set_time(o, "created_at", db_int(s, 5));
    }
    db_done(s);
    return o;
}

int svc_attachment_create(svc_ctx *c, FILE *file, const char *filename, const char *kind,
                          json_t **out, svc_err *e)
{
    if (!file) return ent_fail1(e, "file", "请选择要上传的文件（PDF、JPEG 或 PNG）");
    if (!kind) kind = "";
    if (!util_utf8_valid(kind, strlen(kind)) || ent_chars(kind) > ENT_KIND_MAX)
        return ent_fail1(e, "kind", "附件类别不超过 32 个字");
    unsigned char *buf = xmalloc(ENT_CHUNK);
    char *name = ent_display_name(filename);
    int rc = -1;
    rewind(file);
    size_t n = fread(buf, 1, ENT_CHUNK, file);
    if (n == 0) {
        ent_fail1(e, "file", "文件为空，请重新选择");
        goto out;
    }
    magic_t m = ent_magic();
    const char *mt = m ? magic_buffer(m, buf, n) : NULL;
    if (!mt) {
        svc_fail(e, 500, "internal", "无法识别文件类型，请稍后重试");
        goto out;
    }
    if (!ent_in(mt, ENT_MEDIA)) {
        svc_fail(e, 415, "unsupported_media_type",
                 "只接受 PDF、JPEG 或 PNG 文件（按文件内容识别，此文件为 %s）", mt);
        goto out;
    }
    char media[32];
    snprintf(media, sizeof media, "%s", mt);
    if (svc_begin(c, e) != 0) goto out;
    int64_t eid = strcmp(c->actor->role, "enterprise") == 0 ? c->actor->enterprise_id : 0;
    int64_t id = db_insert(c->db,
                           "INSERT INTO attachments (uploader_id, enterprise_id, kind, media_type, "
                           "size, sha256, filename, created_at) "
                           "VALUES (?, NULLIF(CAST(? AS BIGINT), 0), ?, ?, 0, '', ?, ?)",
                           "iittti", c->actor->id, eid > 0 ? eid : 0, kind, media, name, c->now);
    if (id <= 0) goto dbfail;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    int64_t size = 0, seq = 0;
    while (n > 0) {
        crypto_hash_sha256_update(&st, buf, n);
        if (db_exec(c->db,
                    "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)",
                    "iib", id, seq++, (const void *)buf, n) != 0)
            goto dbfail;
        size += (int64_t)n;
        n = fread(buf, 1, ENT_CHUNK, file);
    }
    if (ferror(file)) goto dbfail;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    if (db_exec(c->db, "UPDATE attachments SET sha256 = ?, size = ? WHERE id = ?", "tii", hex, size,
                id) != 0)
        goto dbfail;
    json_t *detail = json_pack("{s:s,s:I,s:s,s:s}", "sha256", hex, "size", (json_int_t)size,
                               "media_type", media, "kind", kind);
    int64_t aseq = svc_audit(c, "attachment", id, "create", NULL, NULL, detail);
    json_decref(detail);
    if (svc_commit(c, aseq > 0 ? 0 : -1, e) != 0) goto out;
    *out = att_json(c->db, id);
    rc = 0;
    goto out;
dbfail:
    svc_commit(c, -1, e);
out:
    free(buf);
    free(name);
    return rc;
}

void svc_attachments_own(svc_ctx *c, const json_t *ids,
                         void (*visit)(const svc_att_line *a, void *arg), void *arg)
{
    int64_t account = c->actor ? c->actor->id : 0, eid = c->actor ? c->actor->enterprise_id : 0;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (!json_is_integer(v)) continue;
        db_stmt *s = db_query(c->db,
                              "SELECT id, filename, size, media_type FROM attachments WHERE id = ? "
                              "AND (uploader_id = ? OR (? > 0 AND enterprise_id = ?))",
                              "iiii", (int64_t)json_integer_value(v), account, eid, eid);
        if (db_next(s)) {
            svc_att_line a = {db_int(s, 0), db_int(s, 2), db_text(s, 1), db_text(s, 3)};
            visit(&a, arg);
        }
        db_done(s);
    }
}

int svc_attachment_get(svc_ctx *c, int64_t id, svc_file *out, svc_err *e)
{
    memset(out, 0, sizeof *out);
    db_stmt *s = db_query(c->db,
                          "SELECT uploader_id, enterprise_id, media_type, size, filename FROM "
                          "attachments WHERE id = ?",
                          "i", id);
    bool found = db_next(s);
    bool may = false;
    int64_t size = 0, owner = 0;
    if (found) {
        int64_t up = db_int(s, 0), eid = db_is_null(s, 1) ? 0 : db_int(s, 1);
        /* The uploader, or the enterprise it belongs to. Reviewers of an application that
         * names it come with the review side. */
        may = (c->actor->id > 0 && up == c->actor->id) ||
              (eid > 0 && strcmp(c->actor->role, "enterprise") == 0 &&
               eid == c->actor->enterprise_id);
        if (!may && eid > 0) owner = eid;
        size = db_int(s, 3);
        if (may) {
            out->media_type = xstrdup(db_text(s, 2));
            const char *fn = db_text(s, 4);
            out->filename = fn && *fn ? xstrdup(fn) : NULL;
        }
    }
    db_done(s);
    /* A file that backs a review decision (the district's 真实性审核意见, the evidence of the
     * direct route, a rename's evidence) goes with it to the reviewers who may see it. */
    if (!may && found &&
        ((owner > 0 && ent_att_in_visible_app(c, id, owner)) || svc_review_att_visible(c, id) ||
         svc_cert_att_visible(c, id))) {
        may = true;
        s = db_query(c->db, "SELECT media_type, filename FROM attachments WHERE id = ?", "i", id);
        if (db_next(s)) {
            out->media_type = xstrdup(db_text(s, 0));
            const char *fn = db_text(s, 1);
            out->filename = fn && *fn ? xstrdup(fn) : NULL;
        }
        db_done(s);
    }
    if (!may || !out->media_type) {
        svc_file_free(out);
        return svc_fail(e, 404, "not_found", "附件不存在");
    }
    if (!out->filename) {
        const char *ext = strcmp(out->media_type, "application/pdf") == 0 ? "pdf"
                          : strcmp(out->media_type, "image/png") == 0     ? "png"
                                                                          : "jpg";
        out->filename = xasprintf("attachment-%lld.%s", (long long)id, ext);
    }
    out->data = xmalloc((size_t)size + 1);
    size_t len = 0;
    s = db_query(c->db, "SELECT data FROM attachment_chunks WHERE attachment_id = ? ORDER BY seq",
                 "i", id);
    while (db_next(s)) {
        size_t n = 0;
        const void *p = db_blob(s, 0, &n);
        if (len + n > (size_t)size) break; /* never write past what the row promises */
        if (n) memcpy(out->data + len, p, n);
        len += n;
    }
    db_done(s);
    out->len = len;
    return 0;
}

void svc_file_free(svc_file *f)
{
    free(f->data);
    free(f->media_type);
    free(f->filename);
    memset(f, 0, sizeof *f);
}

char *svc_content_disposition(const char *filename)
{
    static const char keep[] = "!#$&+-.^_`|~";
    sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "attachment; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)filename; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p))
            sbuf_append(&b, (const char *)p, 1);
        else
            sbuf_printf(&b, "%%%02X", *p);
    }
    return sbuf_take(&b);
}

/* ---------------------------------------------------------------- attachments named elsewhere */

/* Checks that `ids` (an array) names attachments of the caller; records a reason under
 * `field` in errors otherwise. */
void ent_check_attachments(svc_ctx *c, const json_t *ids, const char *field, json_t *errors)
{
    if (!ids || json_is_null(ids)) return;
    if (!json_is_array(ids)) {
        json_object_set_new(errors, field, json_string("应为附件编号的数组"));
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            json_object_set_new(errors, field, json_string("应为附件编号（正整数）的数组"));
            return;
        }
        int64_t id = json_integer_value(v);
        if (db_scalar_int(c->db, 0,
                          "SELECT count(*) FROM attachments WHERE id = ? AND "
                          "(enterprise_id = ? OR uploader_id = ?)",
                          "iii", id, c->actor->enterprise_id, c->actor->id) == 0) {
            char *m = xasprintf("附件 %lld 不存在或不属于本企业，请先上传", (long long)id);
            json_object_set_new(errors, field, json_string(m));
            free(m);
            return;
        }
    }
}
