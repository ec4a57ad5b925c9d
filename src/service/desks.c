/* desks — the reviewers' desks' rows (see desks.h). Each statement starts from the index of what
 * the desk lists: the expert's assignments (assignments_expert), joined to each application, the
 * expert's own review and, for a row without submitted names, the live enterprise and project;
 * the expert accounts with their employers' names. A desk costs its rows, however many
 * applications there are. */
#include <string.h>

#include "service/desks.h"

static int desks_done(db_stmt *s, svc_err *e)
{
    bool failed = db_failed(s);
    db_done(s);
    return failed ? svc_fail(e, 500, "internal", "服务器内部错误，请稍后重试") : 0;
}

int svc_desk_tasks_each(svc_ctx *c, int64_t limit, void (*visit)(const svc_desk_task *, void *),
                        void *arg, svc_err *e)
{
    const svc_actor *act = c->actor;
    if (!act || strcmp(act->role, "expert") != 0 || act->id <= 0) return 0;
    db_stmt *s = db_query(
        c->db,
        "SELECT a.id, coalesce(a.snap_enterprise_name, e.name), "
        "coalesce(a.snap_project_name, p.name), coalesce(a.snap_site_name, p.site_name), a.type, "
        "a.status, EXISTS (SELECT 1 FROM expert_reviews r WHERE r.application_id = a.id "
        "AND r.expert_id = s.expert_id), s.due_at "
        "FROM assignments s JOIN applications a ON a.id = s.application_id "
        "LEFT JOIN enterprises e ON e.id = a.enterprise_id "
        "LEFT JOIN projects p ON p.id = a.project_id "
        "WHERE s.expert_id = ? ORDER BY a.updated_at DESC, a.id DESC LIMIT ?",
        "ii", act->id, limit);
    while (db_next(s)) {
        svc_desk_task t = {.id = db_int(s, 0),
                           .enterprise_name = db_text(s, 1),
                           .project_name = db_text(s, 2),
                           .site_name = db_text(s, 3),
                           .type = db_text(s, 4),
                           .status = db_text(s, 5),
                           .reviewed = db_int(s, 6) != 0,
                           .due_at = db_is_null(s, 7) ? 0 : db_int(s, 7)};
        visit(&t, arg);
    }
    return desks_done(s, e);
}

int svc_desk_experts_each(svc_ctx *c, int64_t limit, void (*visit)(const svc_desk_expert *, void *),
                          void *arg, svc_err *e)
{
    if (svc_need_role(c, "commission", e) != 0) return -1;
    db_stmt *s = db_query(c->db,
                          "SELECT u.id, COALESCE(NULLIF(u.display_name, ''), u.username), "
                          "COALESCE((SELECT e.name FROM enterprises e WHERE e.uscc = "
                          "u.employer_uscc), u.employer_uscc), u.status "
                          "FROM accounts u WHERE u.role = 'expert' ORDER BY u.id LIMIT ?",
                          "i", limit);
    while (db_next(s)) {
        const char *st = db_text(s, 3);
        if (!st || strcmp(st, "active") != 0) continue;
        svc_desk_expert x = {.id = db_int(s, 0), .label = db_text(s, 1), .employer = db_text(s, 2)};
        visit(&x, arg);
    }
    return desks_done(s, e);
}
