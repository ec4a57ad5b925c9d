/* documents — the files the platform generates for reviewers: the 真实性审核意见 template a
 * district downloads pre-filled with an application's data, and the application list as an Excel
 * workbook. Both read through the same services as the JSON API (svc_app_get,
 * svc_applications_list), so a file never shows what its caller could not see as JSON. They
 * change nothing and write no audit entry. */
#ifndef SMIP_SERVICE_DOCUMENTS_H
#define SMIP_SERVICE_DOCUMENTS_H

#include <stdint.h>

#include "service/enterprise.h"
#include "service/readable.h"
#include "service/svc.h"

/* The authenticity template of application `id` as a PDF, for the district that reviews it
 * (its own district, once submitted); 404 for any other caller. *out (the caller frees it with
 * svc_file_free): application/pdf, named 真实性审核意见-{id}.pdf. */
int svc_doc_authenticity(svc_ctx *c, int64_t id, svc_file *out, svc_err *e);

/* The applications svc_applications_list gives the caller for `f` — every page of them, in the
 * list's order; f->limit and f->offset are ignored — as one .xlsx sheet (申报编号, 批次, 企业,
 * 信用代码, 项目, 车间/工厂, 类型, 区县, 状态, 提交时间, 更新时间). 400 for a filter the list
 * refuses. *out: the workbook, named 申报列表.xlsx. */
int svc_doc_applications_xlsx(svc_ctx *c, const svc_app_filter *f, svc_file *out, svc_err *e);

/* The other lists of the desks as .xlsx, each exactly the rows its JSON list gives the caller
 * (every page, in the list's order; the list's own role checks and filters): certificates
 * (GET /certificates), objections (GET /objections; batch_id 0 / status NULL mean any), expert
 * accounts (GET /experts), rename/restructure requests (GET /adjustments; status NULL any). */
int svc_doc_certificates_xlsx(svc_ctx *c, svc_file *out, svc_err *e);
int svc_doc_objections_xlsx(svc_ctx *c, int64_t batch_id, const char *status, svc_file *out,
                            svc_err *e);
int svc_doc_experts_xlsx(svc_ctx *c, svc_file *out, svc_err *e);
int svc_doc_adjustments_xlsx(svc_ctx *c, const char *status, svc_file *out, svc_err *e);

/* Application `id`'s 申报书 as a PDF (render/pdf_application.c), the same readable document
 * as its page, for whoever may read the application (404 otherwise); times printed by `when`.
 * *out: application/pdf, named 申报书-{id}.pdf. */
int svc_doc_application_pdf(svc_ctx *c, int64_t id, svc_when_fn when, svc_file *out, svc_err *e);

/* Application `id`'s whole material as one ZIP for whoever may read the application (404
 * otherwise): 申报书.json (the application as GET /applications/{id} answers it), 申报书.pdf
 * (svc_doc_application_pdf), 附件/ the files
 * of its form and its project's approval proof as submitted, 审核材料/ the files behind review
 * decisions the caller may open. *out: application/zip, named 申报材料-{id}.zip. */
int svc_doc_materials_zip(svc_ctx *c, int64_t id, svc_when_fn when, svc_file *out, svc_err *e);

#endif
