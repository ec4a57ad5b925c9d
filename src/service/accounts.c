/* accounts — see accounts.h. Password hashing is slow (argon2id, tens of milliseconds) and
 * never happens inside a write transaction: a use case hashes or verifies first, then opens its
 * transaction, so logins do not queue every other writer behind them. */
#include "service/accounts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/uscc.h"
#include "service/password.h"
#include "service/reference.h"
#include "util/util.h"

#define ACCT_COLS                                                                                  \
    "SELECT id, username, role, status, display_name, phone, email, enterprise_name, uscc, "       \
    "district_code, employer_uscc, created_at, reason, imp_connected, enterprise_id, imp_bound "   \
    "FROM accounts "

static const char *acct_roles[] = {"enterprise", "district", "expert", "commission", "admin"};
static const char *acct_statuses[] = {"pending", "active", "rejected", "disabled"};

/* ---------------------------------------------------------------- small helpers */

static bool acct_in(const char *s, const char **set, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, set[i]) == 0) return true;
    return false;
}

/* Empty, or only white space (ASCII or the ideographic space U+3000): nothing was said. */
static bool acct_empty(const char *s)
{
    if (!s) return true;
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        else if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
                 (unsigned char)s[2] == 0x80)
            s += 3;
        else
            return false;
    }
    return true;
}

/* Code points in a UTF-8 string. */
static size_t acct_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

static int acct_internal(svc_err *e, svc_ctx *c)
{
    if (db_in_tx(c->db)) db_rollback(c->db);
    return svc_fail(e, 500, "internal", "服务器内部错误，请稍后重试");
}

/* User names are compared without regard to case, so "Admin" and "admin" are one account and
 * one throttling bucket. The stored form is lower case. Returns 0, or -1 when not a user name. */
static int acct_username_norm(const char *in, char out[64])
{
    size_t n = in ? strlen(in) : 0;
    if (n < 3 || n > 32) return -1;
    for (size_t i = 0; i < n; i++) {
        char ch = (char)tolower((unsigned char)in[i]);
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  (i > 0 && (ch == '_' || ch == '.' || ch == '-' || ch == '@'));
        if (!ok) return -1;
        out[i] = ch;
    }
    out[n] = '\0';
    return 0;
}

/* The throttling key of any string a user typed as a name: lower case, bounded. */
static void acct_scope(char *buf, size_t len, const char *prefix, const char *name)
{
    size_t k = (size_t)snprintf(buf, len, "%s", prefix);
    for (const char *p = name ? name : ""; *p && k + 1 < len && k < 100; p++)
        buf[k++] = (char)tolower((unsigned char)*p);
    buf[k] = '\0';
}

static bool acct_is(const svc_ctx *c, const char *role)
{
    return c->actor && c->actor->id && strcmp(c->actor->role, role) == 0;
}

static bool acct_district_exists(db *d, const char *code)
{
    return db_scalar_int(d, 0, "SELECT count(*) FROM districts WHERE code = ?", "t", code) > 0;
}

/* ---------------------------------------------------------------- account JSON */

static json_t *acct_str_or_null(db_stmt *s, int col)
{
    return db_is_null(s, col) ? json_null() : json_string(db_text(s, col));
}

/* The API's account object from a row of ACCT_COLS. Never the hash. */
static json_t *acct_row_json(db_stmt *s)
{
    char *created = svc_time_str(db_int(s, 11));
    json_t *a = json_object();
    json_object_set_new(a, "id", json_integer(db_int(s, 0)));
    json_object_set_new(a, "username", json_string(db_text(s, 1)));
    json_object_set_new(a, "role", json_string(db_text(s, 2)));
    json_object_set_new(a, "status", json_string(db_text(s, 3)));
    json_object_set_new(a, "display_name", json_string(db_text(s, 4)));
    json_object_set_new(a, "phone", json_string(db_text(s, 5)));
    json_object_set_new(a, "email", json_string(db_text(s, 6)));
    json_object_set_new(a, "enterprise_name", acct_str_or_null(s, 7));
    json_object_set_new(a, "uscc", acct_str_or_null(s, 8));
    json_object_set_new(a, "district_code", acct_str_or_null(s, 9));
    json_object_set_new(a, "employer_uscc", acct_str_or_null(s, 10));
    json_object_set_new(a, "created_at", json_string(created));
    json_object_set_new(a, "reason", acct_str_or_null(s, 12));
    free(created);
    return a;
}

static json_t *acct_load_json(db *d, int64_t id)
{
    db_stmt *s = db_query(d, ACCT_COLS "WHERE id = ?", "i", id);
    json_t *a = db_next(s) ? acct_row_json(s) : NULL;
    db_done(s);
    return a;
}

int svc_account_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    *out = NULL;
    if (!acct_is(c, "admin")) return svc_fail(e, 403, "forbidden", "只有平台管理员可以查看账号");
    *out = acct_load_json(c->db, id);
    return *out ? 0 : svc_fail(e, 404, "not_found", "账号不存在");
}

/* ---------------------------------------------------------------- validation */

static void acct_check_optional(json_t *f, const char *field, const char *label, const char *v,
                                size_t max)
{
    if (v && acct_chars(v) > max)
        json_object_set_new(f, field, json_sprintf("%s不能超过 %zu 个字符", label, max));
}

/* Validates a new account's fields into f; the normalised user name goes to uname and the
 * normalised USCCs to uscc / employer. */
static void acct_validate(db *d, const acct_input *in, const char *role, bool registration,
                          json_t *f, char uname[64], char uscc[USCC_LEN + 1],
                          char employer[USCC_LEN + 1])
{
    char why[256];
    if (acct_username_norm(in->username, uname) != 0)
        json_object_set_new(f, "username",
                            json_string(acct_empty(in->username)
                                            ? "请填写用户名"
                                            : "用户名须为 3 至 32 个字符，只能包含字母、数字和 "
                                              "_ . - @，且以字母或数字开头"));
    if (password_policy(in->password, why, sizeof why) != 0)
        json_object_set_new(f, "password", json_string(why));
    acct_check_optional(f, "display_name", "姓名", in->display_name, 50);
    if (in->phone) {
        bool ok = strlen(in->phone) <= 32;
        for (const char *p = in->phone; ok && *p; p++)
            ok = isdigit((unsigned char)*p) || strchr("+- ()", *p);
        if (!ok)
            json_object_set_new(
                f, "phone", json_string("联系电话只能包含数字、空格和 + - ( )，且不超过 32 位"));
    }
    if (!acct_empty(in->email)) {
        const char *at = strchr(in->email, '@');
        if (strlen(in->email) > 254 || !at || at == in->email || !at[1] || strchr(at + 1, '@') ||
            strpbrk(in->email, " \t\r\n"))
            json_object_set_new(f, "email",
                                json_string("电子邮箱格式不正确（例如 name@example.cn）"));
    }

    bool enterprise = strcmp(role, "enterprise") == 0;
    uscc[0] = employer[0] = '\0';
    if (registration && acct_empty(in->enterprise_name))
        json_object_set_new(f, "enterprise_name", json_string("请填写企业名称"));
    else
        acct_check_optional(f, "enterprise_name", "企业名称", in->enterprise_name, 100);
    if (!enterprise && !acct_empty(in->enterprise_name))
        json_object_set_new(f, "enterprise_name", json_string("只有企业账号填写企业名称"));
    if (!acct_empty(in->uscc) || registration) {
        if (!enterprise)
            json_object_set_new(f, "uscc", json_string("只有企业账号填写统一社会信用代码"));
        else if (uscc_normalize(in->uscc ? in->uscc : "", uscc, why, sizeof why) != 0)
            json_object_set_new(f, "uscc",
                                json_string(acct_empty(in->uscc) ? "请填写统一社会信用代码" : why));
    }

    if (strcmp(role, "district") == 0) {
        if (acct_empty(in->district_code))
            json_object_set_new(f, "district_code", json_string("区县账号须选择所属区县"));
        else if (!acct_district_exists(d, in->district_code))
            json_object_set_new(f, "district_code",
                                json_sprintf("区县代码“%s”不存在", in->district_code));
    } else if (!acct_empty(in->district_code)) {
        json_object_set_new(f, "district_code", json_string("只有区县账号设置所属区县"));
    }

    /* An expert made through the API or a page (the command line sets no in->role) names its
     * employer: without it no conflict of interest could ever be found. */
    if (acct_empty(in->employer_uscc) && in->role && !strcmp(in->role, "expert"))
        json_object_set_new(f, "employer_uscc",
                            json_string("请填写专家工作单位的统一社会信用代码（用于回避）"));
    else if (!acct_empty(in->employer_uscc)) {
        if (strcmp(role, "expert") != 0)
            json_object_set_new(f, "employer_uscc", json_string("只有专家账号填写工作单位代码"));
        else if (uscc_normalize(in->employer_uscc, employer, why, sizeof why) != 0)
            json_object_set_new(f, "employer_uscc", json_sprintf("工作单位%s", why));
    }
}

/* Inserts a validated account and its audit entry inside one transaction. */
static int acct_insert(svc_ctx *c, const acct_input *in, const char *role, bool registration,
                       const char *status, int64_t *id, svc_err *e)
{
    char uname[64], uscc[USCC_LEN + 1], employer[USCC_LEN + 1], hash[PASSWORD_HASH_MAX];
    json_t *f = json_object();
    acct_validate(c->db, in, role, registration, f, uname, uscc, employer);
    if (json_object_size(f)) return svc_fail_fields(e, f);
    json_decref(f);
    /* Before the transaction: a taken name need not cost a hash, and the hash must not hold the
     * write lock. The UNIQUE index still decides a race. */
    if (db_scalar_int(c->db, 0, "SELECT count(*) FROM accounts WHERE username = ?", "t", uname))
        goto duplicate;
    if (password_hash(in->password, hash) != 0) return acct_internal(e, c);

    if (svc_begin(c, e) != 0) return -1;
    *id = db_insert(
        c->db,
        "INSERT INTO accounts (username, password_hash, role, status, display_name, "
        "phone, email, enterprise_name, uscc, district_code, employer_uscc, "
        "created_at, decided_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0))",
        "tttttttttttii", uname, hash, role, status, in->display_name ? in->display_name : "",
        in->phone ? in->phone : "", in->email ? in->email : "",
        acct_empty(in->enterprise_name) ? NULL : in->enterprise_name, uscc[0] ? uscc : NULL,
        acct_empty(in->district_code) ? NULL : in->district_code, employer[0] ? employer : NULL,
        c->now, strcmp(status, "pending") == 0 ? (int64_t)0 : c->now);
    if (*id == -2) {
        db_rollback(c->db);
        goto duplicate;
    }
    if (*id < 0) return acct_internal(e, c);
    json_t *detail = json_pack("{s:s,s:s}", "username", uname, "role", role);
    if (uscc[0]) json_object_set_new(detail, "uscc", json_string(uscc));
    int64_t seq = svc_audit(c, "account", *id, "create", NULL, status, detail);
    json_decref(detail);
    return svc_commit(c, seq > 0 ? 0 : -1, e);
duplicate:
    svc_field(e, "username", "用户名“%s”已被使用", uname);
    return svc_fail(e, 409, "duplicate", "用户名“%s”已被注册，请换一个用户名", uname);
}

/* ---------------------------------------------------------------- registration, admin */

int svc_account_register(svc_ctx *c, const acct_input *in, int64_t *id, svc_err *e)
{
    return acct_insert(c, in, "enterprise", true, "pending", id, e);
}

int svc_account_create(svc_ctx *c, const acct_input *in, json_t **out, svc_err *e)
{
    *out = NULL;
    const char *role = in->role;
    if (!acct_is(c, "admin") && !(acct_is(c, "commission") && role && !strcmp(role, "expert")))
        return svc_fail(e, 403, "forbidden", "只有平台管理员可以创建账号（委员会可创建专家账号）");
    if (!acct_in(role, acct_roles, 5)) {
        svc_field(e, "role", "角色须为 enterprise、district、expert、commission、admin 之一");
        return svc_fail_fields(e, json_incref(e->fields));
    }
    int64_t id = 0;
    if (acct_insert(c, in, role, false, "active", &id, e) != 0) return -1;
    *out = acct_load_json(c->db, id);
    return *out ? 0 : acct_internal(e, c);
}

int svc_user_add(svc_ctx *c, const char *role, const char *username, const char *district_code,
                 const char *password, int64_t *id, svc_err *e)
{
    if (!acct_in(role, acct_roles, 5))
        return svc_fail(e, 400, "bad_request",
                        "角色须为 enterprise、district、expert、commission、admin 之一");
    acct_input in = {.username = username, .password = password, .district_code = district_code};
    return acct_insert(c, &in, role, false, "active", id, e);
}

/* "%…%" for LIKE: the text lower-cased (ASCII; the columns are compared lower-cased) with the
 * wildcards and the escape character escaped. Caller frees. */
static char *acct_like_pattern(const char *q)
{
    sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "%");
    for (const char *p = q; *p; p++) {
        char ch = (char)tolower((unsigned char)*p);
        if (ch == '%' || ch == '_' || ch == '\\') sbuf_puts(&b, "\\");
        sbuf_append(&b, &ch, 1);
    }
    sbuf_puts(&b, "%");
    return sbuf_take(&b);
}

/* The search text without the blanks around it (NULL when nothing is left). Caller frees. */
static char *acct_trimmed(const char *q)
{
    if (acct_empty(q)) return NULL;
    while (*q == ' ' || *q == '\t')
        q++;
    size_t n = strlen(q);
    while (n && (q[n - 1] == ' ' || q[n - 1] == '\t'))
        n--;
    return xstrndup(q, n);
}

#define ACCT_FILTER                                                                                \
    "WHERE (? IS NULL OR status = ?) AND (? IS NULL OR role = ?) AND (? IS NULL OR "               \
    "lower(username) LIKE ? ESCAPE '\\' OR lower(display_name) LIKE ? ESCAPE '\\' OR "             \
    "lower(coalesce(enterprise_name, '')) LIKE ? ESCAPE '\\' OR "                                  \
    "lower(coalesce(uscc, '')) LIKE ? ESCAPE '\\') "

int svc_account_search(svc_ctx *c, const acct_filter *f, json_t **out, svc_err *e)
{
    *out = NULL;
    if (!acct_is(c, "admin")) return svc_fail(e, 403, "forbidden", "只有平台管理员可以查看账号");
    if (f->status && *f->status && !acct_in(f->status, acct_statuses, 4))
        svc_field(e, "status", "状态须为 pending、active、rejected、disabled 之一");
    if (f->role && *f->role && !acct_in(f->role, acct_roles, 5))
        svc_field(e, "role", "角色须为 enterprise、district、expert、commission、admin 之一");
    if (f->q && acct_chars(f->q) > 100) svc_field(e, "q", "搜索内容不能超过 100 个字符");
    if (e->fields) return svc_fail_fields(e, json_incref(e->fields));
    const char *st = f->status && *f->status ? f->status : NULL;
    const char *role = f->role && *f->role ? f->role : NULL;
    char *q = acct_trimmed(f->q);
    char *like = q ? acct_like_pattern(q) : NULL;
    int64_t limit = f->limit, offset = f->offset < 0 ? 0 : f->offset;
    if (limit <= 0 || limit > 500) limit = limit <= 0 ? 50 : 500;
    cal_table holidays;
    svc_holidays_load(c->db, &holidays);
    json_t *items = json_array();
    /* The review queue reads oldest first, which is also what 审核期 asks to look at first. */
    db_stmt *s = db_query(
        c->db,
        f->newest_first ? ACCT_COLS ACCT_FILTER "ORDER BY created_at DESC, id DESC LIMIT ? "
                                                "OFFSET ?"
                        : ACCT_COLS ACCT_FILTER "ORDER BY created_at, id LIMIT ? OFFSET ?",
        "tttttttttii", st, st, role, role, like, like, like, like, like, limit, offset);
    while (db_next(s)) {
        json_t *a = acct_row_json(s);
        if (strcmp(db_text(s, 3), "pending") == 0) {
            bool known = true;
            int64_t age = cal_working_days_between(db_int(s, 11), c->now, &holidays, &known);
            json_object_set_new(a, "age_working_days", json_integer(age));
            json_object_set_new(a, "overdue", json_boolean(age > 1));
            json_object_set_new(a, "age_calendar_known", json_boolean(known));
        }
        json_array_append_new(items, a);
    }
    db_done(s);
    free((void *)holidays.days);
    int64_t total = db_scalar_int(c->db, 0, "SELECT count(*) FROM accounts " ACCT_FILTER,
                                  "ttttttttt", st, st, role, role, like, like, like, like, like);
    free(q);
    free(like);
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 0;
}

int svc_account_list(svc_ctx *c, const char *status, int64_t limit, int64_t offset, json_t **out,
                     svc_err *e)
{
    acct_filter f = {.status = status, .limit = limit, .offset = offset};
    return svc_account_search(c, &f, out, e);
}

/* One admin action on one account: checks the state it starts from, writes the new state (and
 * reason / hash), ends its sessions when asked, audits, and answers the account. */
static int acct_transition(svc_ctx *c, int64_t id, const char *action, const char *from,
                           const char *to, const char *reason, const char *new_hash,
                           bool end_sessions, json_t **out, svc_err *e)
{
    *out = NULL;
    if (!acct_is(c, "admin")) return svc_fail(e, 403, "forbidden", "只有平台管理员可以管理账号");
    if (svc_begin(c, e) != 0) return -1;
    char *status = db_scalar_text(c->db, "SELECT status FROM accounts WHERE id = ?", "i", id);
    int rc = -1;
    if (!status) {
        db_rollback(c->db);
        return svc_fail(e, 404, "not_found", "账号不存在");
    }
    if (from && strcmp(status, from) != 0) {
        static const struct {
            const char *code, *zh;
        } names[] = {{"pending", "待审核"},
                     {"active", "正常"},
                     {"rejected", "未通过"},
                     {"disabled", "已停用"}};
        const char *now_zh = status, *from_zh = from;
        for (size_t i = 0; i < 4; i++) {
            if (!strcmp(status, names[i].code)) now_zh = names[i].zh;
            if (!strcmp(from, names[i].code)) from_zh = names[i].zh;
        }
        db_rollback(c->db);
        svc_fail(e, 409, "wrong_state", "账号当前状态为“%s”，只有“%s”的账号可以进行此操作", now_zh,
                 from_zh);
        goto done;
    }
    if (end_sessions && c->actor->id == id && to && strcmp(to, "active") != 0) {
        db_rollback(c->db);
        svc_fail(e, 409, "conflict", "不能停用自己的账号");
        goto done;
    }
    json_t *detail = json_object();
    if (reason) json_object_set_new(detail, "reason", json_string(reason));
    int64_t seq = svc_audit(c, "account", id, action, status, to ? to : status, detail);
    json_decref(detail);
    if (seq < 0) goto internal;
    if (to && db_exec(c->db,
                      "UPDATE accounts SET status = ?, reason = ?, decided_at = ?, "
                      "last_audit_seq = ? WHERE id = ?",
                      "ttiii", to, reason, c->now, seq, id) != 0)
        goto internal;
    if (new_hash && db_exec(c->db,
                            "UPDATE accounts SET password_hash = ?, last_audit_seq = ? "
                            "WHERE id = ?",
                            "tii", new_hash, seq, id) != 0)
        goto internal;
    if (end_sessions && db_exec(c->db, "DELETE FROM sessions WHERE account_id = ?", "i", id) != 0)
        goto internal;
    if (svc_commit(c, 0, e) != 0) goto done;
    *out = acct_load_json(c->db, id);
    rc = 0;
    goto done;
internal:
    svc_commit(c, -1, e);
done:
    free(status);
    return rc;
}

int svc_account_approve(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    return acct_transition(c, id, "approve", "pending", "active", NULL, NULL, false, out, e);
}

int svc_account_reject(svc_ctx *c, int64_t id, const char *reason, json_t **out, svc_err *e)
{
    *out = NULL;
    if (acct_empty(reason) || acct_chars(reason) > 500) {
        svc_field(e, "reason",
                  acct_empty(reason) ? "请填写不予通过的理由" : "理由不能超过 500 个字符");
        return svc_fail_fields(e, json_incref(e->fields));
    }
    return acct_transition(c, id, "reject", "pending", "rejected", reason, NULL, false, out, e);
}

int svc_account_disable(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    return acct_transition(c, id, "disable", "active", "disabled", NULL, NULL, true, out, e);
}

int svc_account_enable(svc_ctx *c, int64_t id, json_t **out, svc_err *e)
{
    return acct_transition(c, id, "enable", "disabled", "active", NULL, NULL, false, out, e);
}

int svc_account_reset_password(svc_ctx *c, int64_t id, const char *new_password, json_t **out,
                               svc_err *e)
{
    char why[256], hash[PASSWORD_HASH_MAX];
    *out = NULL;
    if (!acct_is(c, "admin")) return svc_fail(e, 403, "forbidden", "只有平台管理员可以重置密码");
    if (password_policy(new_password, why, sizeof why) != 0) {
        svc_field(e, "new_password", "%s", why);
        return svc_fail_fields(e, json_incref(e->fields));
    }
    if (password_hash(new_password, hash) != 0) return acct_internal(e, c);
    return acct_transition(c, id, "reset_password", NULL, NULL, NULL, hash, true, out, e);
}

/* ---------------------------------------------------------------- throttling */

/* Failed attempts are rows of login_failures (scope "login:NAME" or "legacy:NAME"), so several
 * servers share the count. Each attempt first reserves a failure row in a short transaction and
 * only a success takes its own row back: parallel guesses cannot all slip in under the limit.
 * A success does not clear earlier failures: someone guessing while the owner logs in keeps no
 * fresh budget. Attempts refused with 429 are not recorded, so the lock ends 15 minutes after
 * the failures that caused it, however often the attacker keeps knocking.
 * Returns 0 with *slot set, or -1 (429 throttled, or 500). */
static int acct_throttle_reserve(svc_ctx *c, const char *scope, const char *what, int64_t *slot,
                                 svc_err *e)
{
    int64_t since = c->now - ACCT_THROTTLE_WINDOW;
    *slot = 0;
    if (svc_begin(c, e) != 0) return -1;
    db_exec(c->db, "DELETE FROM login_failures WHERE scope = ? AND at <= ?", "ti", scope, since);
    int64_t n =
        db_scalar_int(c->db, 0, "SELECT count(*) FROM login_failures WHERE scope = ? AND at > ?",
                      "ti", scope, since);
    if (n >= ACCT_THROTTLE_MAX) {
        /* The window reopens when all but ACCT_THROTTLE_MAX - 1 failures have aged out. */
        int64_t at = db_scalar_int(c->db, c->now,
                                   "SELECT at FROM login_failures WHERE scope = ? AND at > ? "
                                   "ORDER BY at LIMIT 1 OFFSET ?",
                                   "tii", scope, since, n - ACCT_THROTTLE_MAX);
        db_rollback(c->db);
        int64_t wait = at + ACCT_THROTTLE_WINDOW - c->now;
        return svc_fail(e, 429, "throttled",
                        "%s失败次数过多（15 分钟内 %d 次），请 %lld 分钟后再试", what,
                        ACCT_THROTTLE_MAX, (long long)((wait + 59) / 60));
    }
    *slot = db_insert(c->db, "INSERT INTO login_failures (scope, at) VALUES (?, ?)", "ti", scope,
                      c->now);
    if (*slot <= 0) return acct_internal(e, c);
    /* Rows of names nobody tries again: sweep the whole table now and then. */
    if (*slot % 64 == 0) db_exec(c->db, "DELETE FROM login_failures WHERE at <= ?", "i", since);
    return svc_commit(c, 0, e);
}

/* Takes back a reserved failure inside the caller's transaction (the attempt succeeded). */
static void acct_throttle_forgive(svc_ctx *c, int64_t slot)
{
    db_exec(c->db, "DELETE FROM login_failures WHERE id = ?", "i", slot);
}

static int acct_throttle_forgive_tx(svc_ctx *c, int64_t slot)
{
    if (db_begin(c->db) != 0) return -1;
    acct_throttle_forgive(c, slot);
    return db_commit(c->db);
}

/* ---------------------------------------------------------------- login */

void svc_account_help(svc_ctx *c, char *buf, size_t len)
{
    json_t *b = svc_current_batch(c->db, c->now);
    json_t *contacts = b ? json_object_get(b, "contacts") : NULL;
    const char *phone = json_string_value(json_object_get(contacts, "phone"));
    if (!phone) phone = json_string_value(contacts);
    if (phone && *phone)
        snprintf(buf, len, "平台管理员（%s）", phone);
    else
        snprintf(buf, len, "平台管理员");
    json_decref(b);
}

int svc_login(svc_ctx *c, const char *username, const char *password, svc_actor *out, svc_err *e)
{
    char scope[128], uname[64], help[160];
    int64_t slot = 0;
    memset(out, 0, sizeof *out);
    acct_scope(scope, sizeof scope, "login:", username);
    if (acct_throttle_reserve(c, scope, "登录", &slot, e) != 0) return -1;

    bool known = acct_username_norm(username, uname) == 0;
    char *hash = NULL, *reason = NULL;
    char status[16] = "";
    if (known) {
        db_stmt *s = db_query(c->db,
                              "SELECT id, username, role, status, district_code, enterprise_id, "
                              "imp_connected, imp_bound, password_hash, reason FROM accounts "
                              "WHERE username = ?",
                              "t", uname);
        known = db_next(s);
        if (known) {
            out->id = db_int(s, 0);
            snprintf(out->username, sizeof out->username, "%s", db_text(s, 1));
            snprintf(out->role, sizeof out->role, "%s", db_text(s, 2));
            snprintf(out->status, sizeof out->status, "%s", db_text(s, 3));
            snprintf(out->district_code, sizeof out->district_code, "%s",
                     db_is_null(s, 4) ? "" : db_text(s, 4));
            out->enterprise_id = db_is_null(s, 5) ? 0 : db_int(s, 5);
            out->imp_connected = db_int(s, 6) != 0;
            out->imp_bound = db_int(s, 7) != 0;
            hash = xstrdup(db_text(s, 8));
            reason = db_is_null(s, 9) ? NULL : xstrdup(db_text(s, 9));
            snprintf(status, sizeof status, "%s", out->status);
        }
        db_done(s);
    }
    int rc = -1;
    if (!known) {
        password_dummy_verify(password); /* as slow as a real account */
        svc_fail(e, 401, "bad_credentials", "用户名或密码错误");
        goto fail;
    }
    if (!password_verify(hash, password)) {
        svc_fail(e, 401, "bad_credentials", "用户名或密码错误");
        goto fail;
    }
    /* The password was right: whatever the account's state, this was no guess. */
    if (acct_throttle_forgive_tx(c, slot) != 0) {
        acct_internal(e, c);
        goto fail;
    }
    svc_account_help(c, help, sizeof help);
    if (strcmp(status, "pending") == 0)
        svc_fail(e, 403, "account_pending", "账号正在审核中，请联系%s", help);
    else if (strcmp(status, "rejected") == 0)
        svc_fail(e, 403, "account_rejected", "账号注册申请未通过审核（理由：%s），如有疑问请联系%s",
                 reason ? reason : "未说明", help);
    else if (strcmp(status, "disabled") == 0)
        svc_fail(e, 403, "account_disabled", "账号已停用，请联系%s", help);
    else
        rc = 0;
fail:
    if (rc != 0) memset(out, 0, sizeof *out);
    free(hash);
    free(reason);
    return rc;
}

/* ---------------------------------------------------------------- own account, portal */

static bool acct_logged_in(svc_ctx *c, svc_err *e)
{
    if (c->actor && c->actor->id) return true;
    svc_fail(e, 401, "unauthenticated", "请先登录");
    return false;
}

int svc_password_change(svc_ctx *c, const char *old_password, const char *new_password,
                        const char *keep_session_hash, svc_err *e)
{
    char why[256], scope[128], hash[PASSWORD_HASH_MAX];
    int64_t slot = 0, id = c->actor ? c->actor->id : 0;
    if (!acct_logged_in(c, e)) return -1;
    if (password_policy(new_password, why, sizeof why) != 0) {
        svc_field(e, "new_password", "%s", why);
        return svc_fail_fields(e, json_incref(e->fields));
    }
    /* A stolen session must not become a way around login throttling. */
    acct_scope(scope, sizeof scope, "login:", c->actor->username);
    if (acct_throttle_reserve(c, scope, "密码验证", &slot, e) != 0) return -1;
    char *old_hash =
        db_scalar_text(c->db, "SELECT password_hash FROM accounts WHERE id = ?", "i", id);
    bool ok = old_hash && password_verify(old_hash, old_password ? old_password : "");
    free(old_hash);
    if (!ok) {
        svc_field(e, "old_password", "原密码不正确");
        return svc_fail_fields(e, json_incref(e->fields));
    }
    if (password_hash(new_password, hash) != 0) return acct_internal(e, c);
    if (svc_begin(c, e) != 0) return -1;
    acct_throttle_forgive(c, slot);
    int64_t seq = svc_audit(c, "account", id, "change_password", NULL, NULL, NULL);
    int rc = seq > 0 &&
                     db_exec(c->db, "UPDATE accounts SET password_hash = ? WHERE id = ?", "ti",
                             hash, id) == 0 &&
                     db_exec(c->db, "DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?",
                             "it", id, keep_session_hash ? keep_session_hash : "") == 0
                 ? 0
                 : -1;
    return svc_commit(c, rc, e);
}

int svc_me(svc_ctx *c, json_t **out, svc_err *e)
{
    *out = NULL;
    if (!acct_logged_in(c, e)) return -1;
    db_stmt *s = db_query(c->db, ACCT_COLS "WHERE id = ?", "i", c->actor->id);
    if (!db_next(s)) {
        db_done(s);
        return svc_fail(e, 401, "unauthenticated", "请先登录");
    }
    json_t *account = acct_row_json(s);
    bool connected = db_int(s, 13) != 0, bound = db_int(s, 15) != 0;
    json_t *eid = db_is_null(s, 14) ? json_null() : json_integer(db_int(s, 14));
    db_done(s);
    *out = json_pack("{s:o,s:[{s:s,s:s,s:b}],s:{s:b,s:o}}", "account", account, "apps", "id", "imp",
                     "name", "智能制造信息管理平台", "connected", connected, "imp", "bound", bound,
                     "enterprise_id", eid);
    return 0;
}

int svc_imp_connect(svc_ctx *c, json_t **out, svc_err *e)
{
    *out = NULL;
    if (!acct_logged_in(c, e)) return -1;
    int64_t id = c->actor->id;
    /* 确定接入 twice, or a re-login the notice asks for, changes nothing and writes nothing. */
    const char *q = "SELECT imp_connected FROM accounts WHERE id = ?";
    if (!db_scalar_int(c->db, 0, q, "i", id)) {
        if (svc_begin(c, e) != 0) return -1;
        /* Asked again under the write lock: a double click can reach two servers (or two
         * workers) at once, and only the first may connect and be audited. */
        if (db_scalar_int(c->db, 0, q, "i", id)) {
            db_rollback(c->db);
            *out = json_pack("{s:s,s:b}", "id", "imp", "connected", 1);
            return 0;
        }
        if (db_exec(c->db, "UPDATE accounts SET imp_connected = 1 WHERE id = ?", "i", id) != 0)
            return svc_commit(c, -1, e);
        if (svc_commit_entry(c, "account", id, "imp_connect", NULL, NULL, NULL, e) != 0) return -1;
    }
    *out = json_pack("{s:s,s:b}", "id", "imp", "connected", 1);
    return 0;
}

/* ---------------------------------------------------------------- first entry to imp */

/* {enterprise:{id,uscc,name,district_code,legacy,…profile,created_at,updated_at}}. */
static json_t *acct_enterprise_json(db *d, int64_t id)
{
    db_stmt *s = db_query(d,
                          "SELECT id, uscc, name, district_code, profile, legacy, created_at, "
                          "updated_at FROM enterprises WHERE id = ?",
                          "i", id);
    json_t *ent = NULL;
    if (db_next(s)) {
        ent = json_loads(db_text(s, 4), 0, NULL);
        if (!json_is_object(ent)) {
            json_decref(ent);
            ent = json_object();
        }
        char *created = svc_time_str(db_int(s, 6)), *updated = svc_time_str(db_int(s, 7));
        json_object_set_new(ent, "id", json_integer(db_int(s, 0)));
        json_object_set_new(ent, "uscc", acct_str_or_null(s, 1));
        json_object_set_new(ent, "name", json_string(db_text(s, 2)));
        json_object_set_new(ent, "district_code", acct_str_or_null(s, 3));
        json_object_set_new(ent, "legacy", json_boolean(db_int(s, 5) != 0));
        json_object_set_new(ent, "created_at", json_string(created));
        json_object_set_new(ent, "updated_at", json_string(updated));
        free(created);
        free(updated);
    }
    db_done(s);
    return ent ? json_pack("{s:o}", "enterprise", ent) : NULL;
}

/* The caller may take over an enterprise: an enterprise account not yet bound or confirmed.
 * Inside or outside a transaction; -1 with the refusal. */
static int acct_check_unbound(svc_ctx *c, svc_err *e)
{
    if (!acct_logged_in(c, e)) return -1;
    if (strcmp(c->actor->role, "enterprise") != 0)
        return svc_fail(e, 403, "forbidden", "只有企业账号需要绑定或确认企业信息");
    int64_t taken = db_scalar_int(c->db, 1,
                                  "SELECT CASE WHEN imp_bound <> 0 OR enterprise_id IS NOT NULL "
                                  "THEN 1 ELSE 0 END FROM accounts WHERE id = ?",
                                  "i", c->actor->id);
    if (taken)
        return svc_fail(e, 409, "duplicate", "本账号已绑定老用户或已确认企业信息，无需重复操作");
    return 0;
}

/* Points the caller's account at its enterprise, audits, and answers {enterprise}; inside the
 * caller's transaction, which it commits. */
static int acct_take_enterprise(svc_ctx *c, int64_t ent, const char *action, json_t *detail,
                                json_t **out, svc_err *e)
{
    int64_t id = c->actor->id;
    json_object_set_new(detail, "enterprise_id", json_integer(ent));
    int rc = db_exec(c->db, "UPDATE accounts SET enterprise_id = ?, imp_bound = 1 WHERE id = ?",
                     "ii", ent, id);
    if (rc == 1) {
        db_rollback(c->db);
        return svc_fail(e, 409, "duplicate", "该企业已由其他账号绑定");
    }
    /* Audited once bound, so the entry counts the enterprise's generation up too. */
    if (rc != 0) return svc_commit(c, -1, e);
    if (svc_commit_entry(c, "account", id, action, NULL, NULL, detail, e) != 0) return -1;
    *out = acct_enterprise_json(c->db, ent);
    return *out ? 0 : acct_internal(e, c);
}

int svc_imp_bind_legacy(svc_ctx *c, const char *legacy_username, const char *legacy_password,
                        json_t **out, svc_err *e)
{
    char scope[128], hash[PASSWORD_HASH_MAX];
    int64_t slot = 0;
    *out = NULL;
    if (acct_check_unbound(c, e) != 0) return -1;
    if (acct_empty(legacy_username) || acct_empty(legacy_password)) {
        json_t *f = json_object();
        if (acct_empty(legacy_username))
            json_object_set_new(f, "legacy_username", json_string("请填写原平台用户名"));
        if (acct_empty(legacy_password))
            json_object_set_new(f, "legacy_password", json_string("请填写原平台密码"));
        return svc_fail_fields(e, f);
    }
    acct_scope(scope, sizeof scope, "legacy:", legacy_username);
    if (acct_throttle_reserve(c, scope, "原平台账号验证", &slot, e) != 0) return -1;

    /* Credentials before the "already bound" answer: only the owner of the old password learns
     * whether that account has been taken over. */
    int64_t lid = 0;
    char *old_hash = NULL;
    db_stmt *s = db_query(c->db, "SELECT id, password_hash FROM legacy_accounts WHERE username = ?",
                          "t", legacy_username);
    if (db_next(s)) {
        lid = db_int(s, 0);
        old_hash = xstrdup(db_text(s, 1));
    }
    db_done(s);
    bool ok = lid ? password_verify(old_hash, legacy_password)
                  : (password_dummy_verify(legacy_password), false);
    free(old_hash);
    if (!ok)
        return svc_fail(e, 422, "legacy_credentials_invalid",
                        "原平台用户名或密码错误（连续 %d 次错误将暂停验证 15 分钟）",
                        ACCT_THROTTLE_MAX);
    /* The old platform's crypt hash goes: from now on the same password is kept as argon2id. */
    if (password_hash(legacy_password, hash) != 0) return acct_internal(e, c);

    if (svc_begin(c, e) != 0) return -1;
    acct_throttle_forgive(c, slot);
    if (acct_check_unbound(c, e) != 0) { /* a race with the same account's other tab */
        db_rollback(c->db);
        return -1;
    }
    s = db_query(c->db,
                 "SELECT bound_account_id, enterprise_id, uscc, enterprise_name, district_code "
                 "FROM legacy_accounts WHERE id = ?",
                 "i", lid);
    if (!db_next(s)) {
        db_done(s);
        return acct_internal(e, c);
    }
    bool bound = !db_is_null(s, 0);
    int64_t ent = db_is_null(s, 1) ? 0 : db_int(s, 1);
    char *uscc = db_is_null(s, 2) || !*db_text(s, 2) ? NULL : xstrdup(db_text(s, 2));
    char *name = xstrdup(db_text(s, 3));
    char *district = db_is_null(s, 4) || !*db_text(s, 4) ? NULL : xstrdup(db_text(s, 4));
    db_done(s);
    int rc = -1;
    if (bound) {
        db_rollback(c->db);
        svc_fail(e, 409, "duplicate", "该原平台账号已被其他账号绑定，如有疑问请联系平台管理员");
        goto done;
    }
    if (district && !acct_district_exists(c->db, district)) {
        free(district);
        district = NULL; /* the old platform's code is not one of today's: to be completed */
    }
    if (!ent && uscc)
        ent = db_scalar_int(c->db, 0, "SELECT id FROM enterprises WHERE uscc = ?", "t", uscc);
    if (!ent) {
        /* Only what the old platform knew; the profile page asks for the rest. */
        json_t *profile =
            json_pack("{s:s?,s:s,s:s?}", "uscc", uscc, "name", name, "district_code", district);
        char *doc = json_dumps(profile, JSON_COMPACT);
        json_decref(profile);
        ent = db_insert(c->db,
                        "INSERT INTO enterprises (uscc, name, district_code, profile, legacy, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                        "ttttii", uscc, name, district, doc, c->now, c->now);
        free(doc);
        if (ent == -2) {
            db_rollback(c->db);
            svc_fail(e, 409, "duplicate", "统一社会信用代码 %s 已被其他企业使用", uscc);
            goto done;
        }
        if (ent < 0) {
            acct_internal(e, c);
            goto done;
        }
    }
    if (db_exec(c->db,
                "UPDATE legacy_accounts SET bound_account_id = ?, enterprise_id = ?, "
                "password_hash = ? WHERE id = ? AND bound_account_id IS NULL",
                "iiti", c->actor->id, ent, hash, lid) != 0 ||
        db_changes(c->db) != 1) {
        acct_internal(e, c);
        goto done;
    }
    json_t *detail = json_pack("{s:s}", "legacy_username", legacy_username);
    rc = acct_take_enterprise(c, ent, "imp_bind_legacy", detail, out, e);
    json_decref(detail);
done:
    free(uscc);
    free(name);
    free(district);
    return rc;
}

/* Reads a required string of the enterprise object (max characters) into *v, or notes why. */
static void acct_ent_str(const json_t *in, const char *key, const char *label, size_t max,
                         json_t *f, const char **v)
{
    char field[64];
    snprintf(field, sizeof field, "enterprise.%s", key);
    json_t *x = json_object_get(in, key);
    *v = json_string_value(x);
    if (!x || json_is_null(x) || (*v && !**v))
        json_object_set_new(f, field, json_sprintf("请填写%s", label));
    else if (!*v)
        json_object_set_new(f, field, json_sprintf("%s应为文本", label));
    else if (acct_chars(*v) > max)
        json_object_set_new(f, field, json_sprintf("%s不能超过 %zu 个字符", label, max));
    else
        return;
    *v = NULL;
}

static void acct_ent_bool(const json_t *in, const char *key, const char *label, json_t *f, bool *v)
{
    char field[64];
    snprintf(field, sizeof field, "enterprise.%s", key);
    json_t *x = json_object_get(in, key);
    *v = json_is_true(x);
    if (!json_is_boolean(x))
        json_object_set_new(f, field, json_sprintf("请选择%s（是或否）", label));
}

int svc_imp_confirm_new(svc_ctx *c, const json_t *in, json_t **out, svc_err *e)
{
    char uscc[USCC_LEN + 1], why[256];
    *out = NULL;
    if (acct_check_unbound(c, e) != 0) return -1;
    if (!json_is_object(in)) {
        svc_field(e, "enterprise", "请填写企业信息（JSON 对象）");
        return svc_fail_fields(e, json_incref(e->fields));
    }
    json_t *f = json_object();
    const char *uscc_in, *name, *district, *address, *legal, *mtype;
    bool independent, complete;
    acct_ent_str(in, "uscc", "统一社会信用代码", 18, f, &uscc_in);
    if (uscc_in && uscc_normalize(uscc_in, uscc, why, sizeof why) != 0)
        json_object_set_new(f, "enterprise.uscc", json_string(why));
    acct_ent_str(in, "name", "企业名称", 100, f, &name);
    acct_ent_str(in, "district_code", "所在区县", 16, f, &district);
    if (district && !acct_district_exists(c->db, district))
        json_object_set_new(f, "enterprise.district_code",
                            json_sprintf("区县代码“%s”不存在，请从区县列表中选择", district));
    acct_ent_str(in, "address", "企业地址", 200, f, &address);
    acct_ent_str(in, "legal_representative", "法定代表人", 50, f, &legal);
    acct_ent_str(in, "manufacturing_type", "制造类型", 16, f, &mtype);
    if (mtype && strcmp(mtype, "discrete") && strcmp(mtype, "process") && strcmp(mtype, "mixed"))
        json_object_set_new(f, "enterprise.manufacturing_type",
                            json_string("制造类型须为 discrete（离散型）、process（流程型）或 "
                                        "mixed（混合型）"));
    acct_ent_bool(in, "independent_legal_person", "是否具有独立法人资格", f, &independent);
    acct_ent_bool(in, "complete_machine", "是否为整机企业", f, &complete);
    if (json_object_size(f)) return svc_fail_fields(e, f);
    json_decref(f);

    json_t *profile =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "uscc", uscc, "name", name, "district_code",
                  district, "address", address, "legal_representative", legal, "manufacturing_type",
                  mtype, "independent_legal_person", independent, "complete_machine", complete);
    char *doc = json_dumps(profile, JSON_COMPACT);
    json_decref(profile);
    int rc = -1;
    if (db_begin(c->db) != 0) {
        acct_internal(e, c);
        goto done;
    }
    if (acct_check_unbound(c, e) != 0) {
        db_rollback(c->db);
        goto done;
    }
    int64_t ent = db_insert(c->db,
                            "INSERT INTO enterprises (uscc, name, district_code, profile, legacy, "
                            "created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
                            "ttttii", uscc, name, district, doc, c->now, c->now);
    if (ent == -2) {
        db_rollback(c->db);
        svc_field(e, "enterprise.uscc", "该统一社会信用代码已被其他企业使用");
        svc_fail(e, 409, "duplicate",
                 "统一社会信用代码 %s 已被其他企业使用；如为原平台老用户，请选择“我是老用户”绑定",
                 uscc);
        goto done;
    }
    if (ent < 0) {
        acct_internal(e, c);
        goto done;
    }
    json_t *detail = json_pack("{s:s}", "uscc", uscc);
    rc = acct_take_enterprise(c, ent, "imp_confirm_new", detail, out, e);
    json_decref(detail);
done:
    free(doc);
    return rc;
}
