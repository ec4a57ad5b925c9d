/* cert_common — the helpers of cert_internal.h shared by publicity.c and certificate.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "service/cert_internal.h"
#include "service/reference.h"
#include "util/util.h"

int ce_app_move(svc_ctx *c, const svc_app *a, wf_action action, wf_state to, const json_t *detail)
{
    const char *next = wf_state_name(to);
    if (db_exec(c->db, "UPDATE applications SET status = ?, updated_at = ? WHERE id = ?", "tii",
                next, c->now, a->id) != 0)
        return -1;
    return svc_audit(c, "application", a->id, wf_action_name(action), a->status, next, detail) > 0
               ? 0
               : -1;
}

json_t *ce_app_names(db *d, int64_t app_id)
{
    db_stmt *s = db_query(d,
                          "SELECT a.snapshot, a.type, a.district_code, a.uscc, e.name, p.doc "
                          "FROM applications a JOIN enterprises e ON e.id = a.enterprise_id "
                          "JOIN projects p ON p.id = a.project_id WHERE a.id = ?",
                          "i", app_id);
    if (!db_next(s)) {
        db_done(s);
        return NULL;
    }
    json_t *snap = db_text(s, 0) ? json_loads(db_text(s, 0), 0, NULL) : NULL;
    json_t *live_p = db_text(s, 5) ? json_loads(db_text(s, 5), 0, NULL) : NULL;
    /* The snapshot is what was submitted (and published); the live rows only stand in for an
     * application that has none. */
    json_t *ent = json_object_get(snap, "enterprise");
    json_t *proj = json_object_get(snap, "project");
    if (!proj) proj = live_p;
    const char *ename = json_string_value(json_object_get(ent, "name"));
    const char *uscc = json_string_value(json_object_get(ent, "uscc"));
    json_t *o = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s,s:s}", "enterprise",
                          ename ? ename : db_text(s, 4), "uscc", uscc ? uscc : db_text(s, 3),
                          "project", json_string_value(json_object_get(proj, "name")), "site_name",
                          json_string_value(json_object_get(proj, "site_name")), "class",
                          json_string_value(json_object_get(proj, "class")), "type", db_text(s, 1),
                          "district_code", db_text(s, 2));
    db_done(s);
    json_decref(snap);
    json_decref(live_p);
    json_t *dist = svc_district(d, json_string_value(json_object_get(o, "district_code")));
    json_object_set(o, "district", dist ? json_object_get(dist, "name") : json_null());
    json_decref(dist);
    return o;
}

/* ---------------------------------------------------------------- body readers */

int64_t ce_id(const json_t *in, const char *key, const char *label, bool need, json_t *errors)
{
    json_t *v = json_object_get(in, key);
    if (json_is_integer(v) && json_integer_value(v) > 0) return json_integer_value(v);
    if (!need && (!v || json_is_null(v))) return 0;
    char *why = xasprintf(v && !json_is_null(v) ? "%s应为编号（正整数）" : "请提供%s", label);
    json_object_set_new(errors, key, json_string(why));
    free(why);
    return 0;
}

void ce_set_time(json_t *o, const char *key, int64_t t)
{
    if (t <= 0) {
        json_object_set_new(o, key, json_null());
        return;
    }
    char buf[CAL_TIME_BUF];
    json_object_set_new(o, key, json_string(cal_format_rfc3339(t, buf)));
}
