/* assessment (service) — the 智能制造能力测评 of API.md: the model applicable to the calling
 * enterprise, the questionnaire draft, completed assessments with their report (history side by
 * side, peer averages), the radar chart, and the fact rule A1 needs. Scoring itself is
 * core/assessment.c. Only enterprise accounts reach these functions, except svc_asm_for_reader:
 * the readers of an application see the level and radar of its enterprise's latest assessment
 * beside it, never the answers, the history or the peers; another enterprise's assessment is
 * 404.
 * On success *out receives a new reference the caller owns; on refusal -1 and e is filled. */
#ifndef SMIP_SERVICE_ASSESSMENT_H
#define SMIP_SERVICE_ASSESSMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "service/svc.h"

/* The models shipped with smip (data/assessment-model-*.json, embedded), parsed once on first
 * use. The current model is the highest version; older ones stay so old assessments keep
 * theirs. Borrowed references, valid for the process's life; NULL when unknown. */
const json_t *svc_asm_model_current(void);
const json_t *svc_asm_model_version(const char *version);

/* GET /assessment-model: the current model for the caller's manufacturing type. */
int svc_asm_model(svc_ctx *c, json_t **out, svc_err *e);

/* The draft: {version, answers, answered, total, updated_at} (answers {} when none). */
int svc_asm_draft_get(svc_ctx *c, json_t **out, svc_err *e);
/* Merges {answers:{id: value|null}} into the draft (null removes an answer). Unknown ids and
 * values that are no score refuse the whole patch (400, field "answers.ID"). */
int svc_asm_draft_put(svc_ctx *c, const json_t *patch, json_t **out, svc_err *e);

/* Completes an assessment from {answers}: 400 for unknown ids or bad values, 422 `incomplete`
 * naming every unanswered requirement (fields: id → "未作答"). Deletes the draft.
 * *out as svc_asm_get. */
int svc_asm_create(svc_ctx *c, const json_t *in, json_t **out, svc_err *e);
/* Fills the peers' running sums (migration 019) from the assessments already stored, once: a
 * no-op when they are built. Run at start, before serving. 0, or -1 on a database error. */
int svc_asm_peers_backfill(svc_ctx *c);
/* {items:[{id,version,score,level,level_name,created_at}],total}, newest first. */
int svc_asm_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e);
/* One assessment: the scored result (core/assessment.h asm_score) with id, created_at,
 * manufacturing_type, answers, history (up to 3 earlier ones with each domain's change) and
 * peers ({shown,count,group,manufacturing_type,score,domains} — averages only when at least 5
 * other enterprises of the same district group and manufacturing type contribute). */
int svc_asm_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* The radar of assessment `id` as an SVG document (malloc'd), with the peer averages (or else
 * the previous assessment) as a dashed comparison. */
int svc_asm_radar(svc_ctx *c, int64_t id, char **svg, svc_err *e);

/* The latest completed assessment of enterprise `eid` for the readers of its application (the
 * district, assigned experts, the commission see its level and radar there; the caller has
 * checked that it may read the application): {score, level, level_name, at (epoch seconds),
 * radar_svg (the radar without comparison), axes:[{name, score_e4}] (the same figures, for
 * drawing it elsewhere)}, or NULL when the enterprise has none. */
json_t *svc_asm_for_reader(db *d, int64_t eid);

/* Where the calling enterprise stands, for its dashboard: {done, latest:{id,score,level_name,
 * created_at}|null, draft:{answered,total}|null}. New reference (an empty object for others). */
json_t *svc_asm_status(svc_ctx *c);

/* Rule A1: whether enterprise `enterprise_id` (or, when 0, the enterprise holding `uscc`) has a
 * completed assessment of any model version. *known is false when no such enterprise exists. */
bool svc_asm_done(db *d, int64_t enterprise_id, const char *uscc, bool *known);

#endif
