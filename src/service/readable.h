/* readable — one application laid out for a person to read, in the order of the notice's
 * 附件1 (数字化车间) or 附件2 (智能工厂): the enterprise, the project, every figure of the form
 * with the pre-check's finding beside it, the KPIs before → after with their change, the texts, the
 * self-assessment, the attachments and the district's opinion. The page (web/page_application.c)
 * and the 申报书 PDF (render/pdf_application.c) print the same document, so they never differ.
 * Visibility is svc_app_get's: whoever may not read the application gets 404. */
#ifndef SMIP_SERVICE_READABLE_H
#define SMIP_SERVICE_READABLE_H

#include <jansson.h>
#include <stdint.h>

#include "service/svc.h"

/* How times are printed (the web layer's web_when): malloc'd text of an epoch time. */
typedef char *(*svc_when_fn)(int64_t t);

/* The readable document of application `id` (new reference in *out):
 *   {id, type, type_name, status, status_name, batch_name, notice_no, submitted_at (text|null),
 *    certificate_no?, enterprise:[{label,value}], project:{rows:[{label,value}],
 *    texts:[{label,text}]},
 *    sections:[{title, rows:[{label, value, findings}], texts:[{label, text, findings}],
 *               kpis?:{baseline, rows:[{label, before, after, change, change_pct, want,
 *                                      findings}]}}],
 *    other_findings:[finding], attachments:[{id, name, size_text, media_type, group, image}],
 *    district:{decision_name, opinion, at, scan?:{id, name, size_text}}|null,
 *    assessment:{score, level_name, at, radar_svg}|null}
 * where each row, text and KPI row has findings:[finding], finding = {ok,
 * tone:"ok"|"fail"|"warning", verdict (满足/不满足/提示), message, required, actual, basis}. Every
 * label and value is Chinese text; nothing internal is left in it but ids. Figures the batch adds
 * (rules.form_figures) get their own section, and every check of the batch's rules finds its figure
 * by path, so a new figure and its threshold need no code. */
int svc_app_readable(svc_ctx *c, int64_t id, svc_when_fn when, json_t **out, svc_err *e);
/* The same from `app`, svc_app_get's answer the caller has read already (borrowed): the page
 * that shows the timeline beside the document reads the application once. */
json_t *svc_app_readable_of(svc_ctx *c, const json_t *app, svc_when_fn when);

/* `t` with its machine times as people write them: an RFC 3339 time through `when`, a
 * "2026-12-05 09:14" (China time, as the rules print a window) as "2026年12月5日 09:14", a bare
 * date as "2019年12月31日"; for texts written by the services (a rule's finding, a 公示
 * reason). malloc'd; NULL reads as "". */
char *svc_readable_times(const char *t, svc_when_fn when);

#endif
