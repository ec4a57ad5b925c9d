/* inbox — see inbox.h. The SQL of each kind is in one table, next to its label, so a new kind
 * of work is one row. A statement takes at most one parameter, named by letter: d the caller's
 * district, a its account id, e its enterprise id, n the request's time. */
#include "service/inbox.h"

#include <string.h>

#include "service/review.h"

typedef struct inbox_kind {
    const char *role, *key, *label, *href;
    char param; /* the one parameter the statement takes: d, a, e, n, or 0 for none */
    const char *sql;
} inbox_kind;

#define INBOX_STR_(x) #x
#define INBOX_STR(x) INBOX_STR_(x)

static const inbox_kind INBOX_KINDS[] = {
    {"enterprise", "returned", "退回待修改的申报", "/dashboard#applications", 'e',
     "SELECT count(*) FROM applications WHERE enterprise_id = ? AND status = 'returned'"},
    {"district", "to_review", "待初审的申报", "/district?status=submitted", 'd',
     "SELECT count(*) FROM applications WHERE district_code = ? AND status = 'submitted'"},
    {"district", "adjustments", "待审核的更名或重组申请", "/adjustments", 'd',
     "SELECT count(*) FROM certificate_adjustments WHERE district_code = ? "
     "AND status = 'pending_district'"},
    /* The district's side of a change request not yet approved; the one parameter is read
     * once through a one-row join, since both sides compare with it. */
    {"district", "changes", "待审核的企业区县或信用代码变更", "/enterprise-changes", 'd',
     "SELECT count(*) FROM enterprise_changes c JOIN (SELECT CAST(? AS TEXT) AS d) p ON 1 = 1 "
     "WHERE c.status = 'pending' AND ((c.from_district = p.d AND c.from_approved_at IS NULL) "
     "OR (c.to_district = p.d AND c.to_approved_at IS NULL))"},
    {"expert", "to_score", "待评审的申报", "/expert", 'a',
     "SELECT count(*) FROM assignments s JOIN applications a ON a.id = s.application_id "
     "WHERE s.expert_id = ? AND a.status = 'expert_review' AND NOT EXISTS (SELECT 1 FROM "
     "expert_reviews r WHERE r.application_id = s.application_id AND r.expert_id = s.expert_id)"},
    {"commission", "to_assign", "待分配评审专家", "/commission?status=district_approved", 0,
     "SELECT count(*) FROM applications WHERE status = 'district_approved'"},
    {"commission", "to_decide", "专家评审已满，待作出结论", "/commission?status=expert_review", 0,
     "SELECT count(*) FROM applications a WHERE a.status = 'expert_review' AND (SELECT count(*) "
     "FROM expert_reviews r WHERE r.application_id = a.id) >= " INBOX_STR(SVC_REVIEW_MIN_REVIEWS)},
    {"commission", "to_publish", "待公示", "/commission?status=expert_passed", 0,
     "SELECT count(*) FROM applications WHERE status = 'expert_passed'"},
    {"commission", "objections", "待处理的异议", "/commission?status=publicity", 0,
     "SELECT count(*) FROM objections WHERE status = 'open'"},
    {"commission", "to_certify", "公示期满、无未决异议，待认定", "/commission?status=publicity",
     'n',
     "SELECT count(*) FROM applications a JOIN publicity p ON p.application_id = a.id "
     "WHERE a.status = 'publicity' AND p.ends_at <= ? AND NOT EXISTS (SELECT 1 FROM objections o "
     "WHERE o.application_id = a.id AND o.status = 'open')"},
    {"commission", "adjustments", "待审核的更名或重组申请", "/adjustments", 0,
     "SELECT count(*) FROM certificate_adjustments WHERE status = 'pending_commission'"},
    {"admin", "accounts", "待审核的注册申请", "/admin/accounts", 0,
     "SELECT count(*) FROM accounts WHERE status = 'pending'"},
    {"admin", "changes", "待审核的企业区县或信用代码变更", "/enterprise-changes", 0,
     "SELECT count(*) FROM enterprise_changes WHERE status = 'pending'"},
};

static int64_t inbox_count(svc_ctx *c, const inbox_kind *k)
{
    switch (k->param) {
    case 'd':
        return db_scalar_int(c->db, 0, k->sql, "t", c->actor->district_code);
    case 'a':
        return db_scalar_int(c->db, 0, k->sql, "i", c->actor->id);
    case 'e':
        return db_scalar_int(c->db, 0, k->sql, "i", c->actor->enterprise_id);
    case 'n':
        return db_scalar_int(c->db, 0, k->sql, "i", c->now);
    default:
        return db_scalar_int(c->db, 0, k->sql, "");
    }
}

json_t *svc_inbox(svc_ctx *c)
{
    return svc_inbox_known(c, NULL, 0);
}

json_t *svc_inbox_known(svc_ctx *c, const char *key, int64_t count)
{
    json_t *items = json_array();
    int64_t total = 0;
    for (size_t i = 0; i < sizeof INBOX_KINDS / sizeof INBOX_KINDS[0]; i++) {
        const inbox_kind *k = &INBOX_KINDS[i];
        if (!c->actor || strcmp(c->actor->role, k->role) != 0) continue;
        int64_t n = key && strcmp(key, k->key) == 0 ? count : inbox_count(c, k);
        total += n;
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", k->key, "label",
                                               k->label, "count", (json_int_t)n, "href", k->href));
    }
    return json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
}
