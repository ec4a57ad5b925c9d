/* legacy — importing what the old platform knew: its accounts (so enterprises can bind to them,
 * 我是老用户) and its certificates (what rule E5 checks). Both read CSV as RFC 4180 says: quoted
 * fields may hold commas, quotes ("") and line breaks; lines end in LF or CRLF. Each data line
 * is imported, skipped (already present) or reported with its line number; one transaction. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/uscc.h"
#include "service/accounts.h"
#include "service/password.h"
#include "util/util.h"

#define CSV_MAX_FIELDS 16

/* ---------------------------------------------------------------- CSV */

typedef struct csv_reader {
    const char *p, *end;
    int line; /* the physical line the reader is on (1-based) */
} csv_reader;

typedef struct csv_record {
    int line; /* where the record starts */
    int n;
    char *f[CSV_MAX_FIELDS]; /* malloc'd, trimmed of surrounding blanks */
    bool too_many;
} csv_record;

static void csv_record_free(csv_record *rec)
{
    for (int i = 0; i < rec->n; i++)
        free(rec->f[i]);
    memset(rec, 0, sizeof *rec);
}

static char *csv_trim_take(sbuf *b)
{
    char *s = sbuf_take(b);
    size_t n = strlen(s), i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memmove(s, s + i, n - i);
    s[n - i] = '\0';
    return s;
}

/* Reads one record. Returns 1 with a record, 0 at the end, -1 with *why on a broken quote (the
 * reader then skips to the next line). Blank lines are skipped. */
static int csv_next(csv_reader *r, csv_record *rec, const char **why)
{
    memset(rec, 0, sizeof *rec);
    while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
        if (*r->p == '\n') r->line++;
        r->p++;
    }
    if (r->p >= r->end) return 0;
    rec->line = r->line;
    sbuf b;
    sbuf_init(&b);
    bool quoted = false, was_quoted = false;
    for (;;) {
        bool at_end = r->p >= r->end;
        char ch = at_end ? '\n' : *r->p;
        if (quoted) {
            if (at_end) {
                *why = "引号未闭合";
                goto broken;
            }
            r->p++;
            if (ch == '"') {
                if (r->p < r->end && *r->p == '"') {
                    sbuf_append(&b, "\"", 1);
                    r->p++;
                } else {
                    quoted = false;
                }
            } else {
                if (ch == '\n') r->line++;
                sbuf_append(&b, &ch, 1);
            }
            continue;
        }
        if (ch == ',' || ch == '\n' || (ch == '\r' && (r->p + 1 >= r->end || r->p[1] == '\n'))) {
            if (rec->n < CSV_MAX_FIELDS)
                rec->f[rec->n++] = csv_trim_take(&b);
            else
                rec->too_many = true;
            sbuf_free(&b);
            sbuf_init(&b);
            was_quoted = false;
            if (!at_end) r->p++;
            if (ch == ',') continue;
            if (ch == '\r' && r->p < r->end) r->p++; /* the LF of CRLF */
            if (!at_end) r->line++;
            sbuf_free(&b);
            return 1;
        }
        r->p++;
        if (ch == '"' && !was_quoted && strspn(b.data ? b.data : "", " \t") == b.len) {
            sbuf_free(&b);
            sbuf_init(&b);
            quoted = was_quoted = true;
            continue;
        }
        if (was_quoted && ch != ' ' && ch != '\t') {
            *why = "引号后有多余的字符";
            goto broken;
        }
        if (!was_quoted) sbuf_append(&b, &ch, 1);
    }
broken:
    sbuf_free(&b);
    int line = rec->line;
    csv_record_free(rec);
    rec->line = line;
    while (r->p < r->end && *r->p != '\n')
        r->p++;
    if (r->p < r->end) {
        r->p++;
        r->line++;
    }
    return -1;
}

/* Opens the CSV and checks its header against `cols` (n names). Returns 0, or -1 with a 400. */
static int csv_open(const char *csv, size_t len, const char **cols, int n, csv_reader *r,
                    svc_err *e)
{
    if (!util_utf8_valid(csv, len))
        return svc_fail(e, 400, "bad_request", "CSV 文件须为 UTF-8 编码（请在另存为时选择 UTF-8）");
    if (len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0) csv += 3, len -= 3; /* Excel's BOM */
    *r = (csv_reader){.p = csv, .end = csv + len, .line = 1};
    csv_record h;
    const char *why = NULL;
    int rc = csv_next(r, &h, &why);
    bool ok = rc == 1 && h.n == n && !h.too_many;
    for (int i = 0; ok && i < n; i++)
        ok = strcmp(h.f[i], cols[i]) == 0;
    if (rc == 1) csv_record_free(&h);
    if (ok) return 0;
    sbuf want;
    sbuf_init(&want);
    for (int i = 0; i < n; i++)
        sbuf_printf(&want, "%s%s", i ? "," : "", cols[i]);
    svc_fail(e, 400, "bad_request", "CSV 第一行（表头）应为：%s", want.data);
    sbuf_free(&want);
    return -1;
}

/* What an import found on its lines: the errors as the API has always listed them, and every
 * data line's outcome for a report that shows what was imported too. */
typedef struct legacy_report {
    json_t *errors; /* [{line, message}] */
    json_t *lines;  /* [{line, result: imported|skipped|error, key?, name?, message?}] */
} legacy_report;

/* One line's outcome; key and name (the user name or certificate number, the enterprise) may be
 * NULL or "", message is for errors only. */
static void legacy_line(legacy_report *rep, int line, const char *result, const char *key,
                        const char *name, const char *message)
{
    json_t *o = json_pack("{s:i,s:s}", "line", line, "result", result);
    if (key && *key) json_object_set_new(o, "key", json_string(key));
    if (name && *name) json_object_set_new(o, "name", json_string(name));
    if (message) {
        json_object_set_new(o, "message", json_string(message));
        json_array_append_new(rep->errors,
                              json_pack("{s:i,s:s}", "line", line, "message", message));
    }
    json_array_append_new(rep->lines, o);
}

/* Writes why a line is refused into why (printf-style); returns true, so a chain of checks reads
 * `else if (bad && legacy_why(...))`. */
static bool legacy_why(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool legacy_why(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return true;
}

/* Why a record has the wrong number of columns, into why; false when it has `want`. */
static bool legacy_columns(const csv_record *rec, int want, char *why, size_t len)
{
    if (rec->too_many)
        return legacy_why(why, len, "应有 %d 列，实际多于 %d 列", want, CSV_MAX_FIELDS);
    if (rec->n != want) return legacy_why(why, len, "应有 %d 列，实际为 %d 列", want, rec->n);
    return false;
}

static bool legacy_is_admin(svc_ctx *c)
{
    /* The command line (`smip import-legacy`) runs with no actor: the operator is trusted. */
    return !c->actor || !c->actor->id || strcmp(c->actor->role, "admin") == 0;
}

/* Ends an import: audits the counts and commits, answering {imported,skipped,errors,lines}. */
static int legacy_finish(svc_ctx *c, const char *action, int64_t imported, int64_t skipped,
                         legacy_report *rep, json_t **out, svc_err *e)
{
    json_t *detail =
        json_pack("{s:I,s:I,s:I}", "imported", (json_int_t)imported, "skipped", (json_int_t)skipped,
                  "errors", (json_int_t)json_array_size(rep->errors));
    int64_t seq = svc_audit(c, "legacy_import", 0, action, NULL, NULL, detail);
    json_decref(detail);
    if (svc_commit(c, seq > 0 ? 0 : -1, e) != 0) {
        json_decref(rep->errors);
        json_decref(rep->lines);
        return -1;
    }
    *out = json_pack("{s:I,s:I,s:o,s:o}", "imported", (json_int_t)imported, "skipped",
                     (json_int_t)skipped, "errors", rep->errors, "lines", rep->lines);
    return 0;
}

/* ---------------------------------------------------------------- accounts */

int svc_legacy_import_accounts(svc_ctx *c, const char *csv, size_t len, json_t **out, svc_err *e)
{
    static const char *cols[] = {"username", "password_hash", "uscc", "enterprise_name",
                                 "district_code"};
    csv_reader r;
    *out = NULL;
    if (!legacy_is_admin(c))
        return svc_fail(e, 403, "forbidden", "只有平台管理员可以导入原平台账号");
    if (csv_open(csv, len, cols, 5, &r, e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    legacy_report rep = {json_array(), json_array()};
    int64_t imported = 0, skipped = 0;
    csv_record rec;
    const char *why = NULL;
    int rc;
    while ((rc = csv_next(&r, &rec, &why)) != 0) {
        char bad[512];
        if (rc < 0) {
            snprintf(bad, sizeof bad, "格式错误：%s", why);
            legacy_line(&rep, rec.line, "error", NULL, NULL, bad);
            continue;
        }
        char uscc[USCC_LEN + 1];
        const char *hash_why = NULL;
        const char *user = rec.f[0], *hash = rec.n > 1 ? rec.f[1] : "";
        const char *code = rec.n > 2 ? rec.f[2] : "", *name = rec.n > 3 ? rec.f[3] : "";
        const char *district = rec.n > 4 ? rec.f[4] : "";
        bool refused =
            legacy_columns(&rec, 5, bad, sizeof bad) ||
            ((!*user || strlen(user) > 64) &&
             legacy_why(bad, sizeof bad, "原平台用户名（username）不能为空，且不超过 64 个字节")) ||
            ((hash_why = password_legacy_problem(hash)) != NULL &&
             legacy_why(bad, sizeof bad, "密码哈希（password_hash）无效（%s），该账号将无法绑定",
                        hash_why)) ||
            (!*name && legacy_why(bad, sizeof bad, "企业名称（enterprise_name）不能为空")) ||
            (*district &&
             !db_scalar_int(c->db, 0, "SELECT count(*) FROM districts WHERE code = ?", "t",
                            district) &&
             legacy_why(bad, sizeof bad, "区县代码（district_code）“%s”不是已知的区县代码",
                        district));
        if (refused) {
            legacy_line(&rep, rec.line, "error", user, name, bad);
        } else {
            /* An old USCC that fails its check digit is kept as it was: rule E1 reports it when
             * the enterprise applies, and it can be corrected in the profile. */
            const char *u = *code && uscc_normalize(code, uscc, NULL, 0) == 0 ? uscc : code;
            int x = db_exec(c->db,
                            "INSERT INTO legacy_accounts (username, password_hash, uscc, "
                            "enterprise_name, district_code, imported_at) VALUES (?,?,?,?,?,?)",
                            "ttttti", user, hash, *u ? u : NULL, name, *district ? district : NULL,
                            c->now);
            if (x == 0) imported++;
            if (x == 1) skipped++;
            legacy_line(&rep, rec.line,
                        x == 0   ? "imported"
                        : x == 1 ? "skipped"
                                 : "error",
                        user, name, x == 0 || x == 1 ? NULL : "写入数据库失败");
        }
        csv_record_free(&rec);
    }
    return legacy_finish(c, "import_accounts", imported, skipped, &rep, out, e);
}

/* ---------------------------------------------------------------- certificates */

int svc_legacy_import_certificates(svc_ctx *c, const char *csv, size_t len, json_t **out,
                                   svc_err *e)
{
    static const char *cols[] = {
        "certificate_no",    "year", "type", "uscc", "enterprise_name", "site_name",
        "included_workshops"};
    csv_reader r;
    *out = NULL;
    if (!legacy_is_admin(c))
        return svc_fail(e, 403, "forbidden", "只有平台管理员可以导入原平台证书");
    if (csv_open(csv, len, cols, 7, &r, e) != 0) return -1;
    if (svc_begin(c, e) != 0) return -1;
    legacy_report rep = {json_array(), json_array()};
    int64_t imported = 0, skipped = 0;
    csv_record rec;
    const char *why = NULL;
    int rc;
    while ((rc = csv_next(&r, &rec, &why)) != 0) {
        char bad[512];
        if (rc < 0) {
            snprintf(bad, sizeof bad, "格式错误：%s", why);
            legacy_line(&rep, rec.line, "error", NULL, NULL, bad);
            continue;
        }
        char uscc[USCC_LEN + 1], uwhy[256];
        const char *no = rec.f[0], *year_s = rec.n > 1 ? rec.f[1] : "";
        const char *type = rec.n > 2 ? rec.f[2] : "", *name = rec.n > 4 ? rec.f[4] : "";
        char *end = NULL;
        long year = strtol(year_s, &end, 10);
        bool no_ok = *no && strlen(no) <= 64 &&
                     strspn(no, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz"
                                "0123456789-_.~") == strlen(no);
        if (!strcmp(type, "数字化车间")) type = "workshop";
        if (!strcmp(type, "智能工厂")) type = "factory";
        bool refused =
            legacy_columns(&rec, 7, bad, sizeof bad) ||
            (!no_ok && legacy_why(bad, sizeof bad,
                                  "证书编号（certificate_no）须为 1 至 64 个字母、数字或 - _ . ~"
                                  "（URL 安全的 ASCII）")) ||
            ((!*year_s || *end || year < 2000 || year > 2100) &&
             legacy_why(bad, sizeof bad, "年份（year）须为 2000 至 2100 之间的年份")) ||
            (strcmp(type, "workshop") && strcmp(type, "factory") &&
             legacy_why(bad, sizeof bad,
                        "类型（type）须为 workshop（数字化车间）或 factory（智能工厂）")) ||
            (uscc_normalize(rec.f[3], uscc, uwhy, sizeof uwhy) != 0 &&
             legacy_why(bad, sizeof bad, "统一社会信用代码（uscc）：%s", uwhy)) ||
            (!*name && legacy_why(bad, sizeof bad, "企业名称（enterprise_name）不能为空")) ||
            (!*rec.f[5] && legacy_why(bad, sizeof bad, "车间或工厂名称（site_name）不能为空"));
        if (refused) {
            legacy_line(&rep, rec.line, "error", no, name, bad);
            csv_record_free(&rec);
            continue;
        }
        /* "车间A; 车间B;" → "车间A;车间B": E5 compares the names one by one. */
        sbuf ws;
        sbuf_init(&ws);
        char *list = xstrdup(rec.f[6]), *save = NULL;
        for (char *t = strtok_r(list, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
            while (*t == ' ' || *t == '\t')
                t++;
            size_t n = strlen(t);
            while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
                n--;
            if (!n) continue;
            if (ws.len) sbuf_puts(&ws, ";");
            sbuf_append(&ws, t, n);
        }
        free(list);
        int x = db_exec(c->db,
                        "INSERT INTO legacy_certificates (certificate_no, year, type, uscc, "
                        "enterprise_name, site_name, included_workshops, imported_at) "
                        "VALUES (?,?,?,?,?,?,?,?)",
                        "tittttti", no, (int64_t)year, type, uscc, name, rec.f[5],
                        ws.data ? ws.data : "", c->now);
        sbuf_free(&ws);
        if (x == 0) imported++;
        if (x == 1) skipped++;
        legacy_line(&rep, rec.line,
                    x == 0   ? "imported"
                    : x == 1 ? "skipped"
                             : "error",
                    no, name, x == 0 || x == 1 ? NULL : "写入数据库失败");
        csv_record_free(&rec);
    }
    return legacy_finish(c, "import_certificates", imported, skipped, &rep, out, e);
}
