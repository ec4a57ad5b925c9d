/* certificate — certification (认定/授牌) and what follows it (SPEC §6, notice 三): the commission
 * certifies an application after its 公示 period with no open objection, which issues a
 * certificate number; the public verifies a certificate by its number; the PDF certificate
 * carries the QR code of that page. Afterwards: Class I re-review (复评; a fail revokes),
 * revocation for the four reasons of 三(二) (the enterprise may request its own), the priority
 * recommendation marks of 三(四), and rename/restructure (三(三)) approved by the district and
 * then the commission. Each action is one function and one transaction: role (403), object
 * (404, also for certificates the caller may not see), body (400), state (409 wrong_state),
 * preconditions (409), then the change and its audit entry. On success *out receives a new JSON
 * reference the caller owns. */
#ifndef SMIP_SERVICE_CERTIFICATE_H
#define SMIP_SERVICE_CERTIFICATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/svc.h"

#define SVC_CERT_NO_MAX 40 /* characters of a certificate number */

/* The number of the `seq`-th certificate of `type` ("workshop" W, "factory" F) in `year`:
 * "CQ-2020-W-0001" (URL-safe ASCII; at least four digits). Writes at most `len` bytes. */
void svc_cert_number(char *buf, size_t len, int64_t year, const char *type, int64_t seq);

/* POST /applications/{id}/certify {document_no?} → the certificate. 409 wrong_state outside
 * 公示, 409 conflict before the period's end instant or with an open objection. */
int svc_cert_certify(svc_ctx *c, int64_t app_id, const json_t *in, json_t **out, svc_err *e);

/* GET /public/certificates/{no}: {certificate_no,enterprise,uscc,project,site_name,type,batch,
 * status:"valid"|"revoked",issued_at,document_no,revoked_at,revoked_reason,history:[…]}. */
int svc_cert_public(svc_ctx *c, const char *no, json_t **out, svc_err *e);
/* 0 when certificate `no` exists and the caller may see it (the commission all, an enterprise
 * its own); 404 otherwise. The routes' loader. */
int svc_cert_check_visible(svc_ctx *c, const char *no, svc_err *e);
/* The certificate as its owner and the commission see it: the public object plus application_id,
 * batch_id, candidate_for, verify_url, revocation requests and adjustments. */
int svc_cert_get(svc_ctx *c, const char *no, json_t **out, svc_err *e);
/* The PDF certificate (malloc'd into *pdf, the caller frees) for the owner and the commission. */
int svc_cert_pdf(svc_ctx *c, const char *no, char **pdf, size_t *len, svc_err *e);
/* GET /certificates: the commission all, an enterprise its own ({items,total}). */
int svc_cert_list(svc_ctx *c, int64_t limit, int64_t offset, json_t **out, svc_err *e);

/* ---- after certification (the commission) */
/* {result:"pass"|"fail",source:"local"|"national",note,evidence_attachment_id?}; Class I only;
 * fail revokes (reason re_review_failed). → the certificate. */
int svc_cert_re_review(svc_ctx *c, const char *no, const json_t *in, json_t **out, svc_err *e);
/* {reason:"re_review_failed"|"self_request"|"terminated"|"fraud_or_violation",note}; the
 * application moves certified → revoked. self_request needs the enterprise's request. */
int svc_cert_revoke(svc_ctx *c, const char *no, const json_t *in, json_t **out, svc_err *e);
/* {candidate_for:[benchmark innovation_demo national_pilot national_project]} → certificate. */
int svc_cert_recommend(svc_ctx *c, const char *no, const json_t *in, json_t **out, svc_err *e);

/* ---- the enterprise */
/* {note} → 201 {id,certificate_no,note,created_at}; 409 duplicate while one is pending. */
int svc_cert_revocation_request(svc_ctx *c, const char *no, const json_t *in, json_t **out,
                                svc_err *e);
/* {kind:"rename"|"restructure",new_name,new_uscc?,evidence_attachment_id} → 201 adjustment
 * (pending_district); restructure needs a valid new USCC, rename keeps the USCC. */
int svc_cert_adjustment_create(svc_ctx *c, const char *no, const json_t *in, json_t **out,
                               svc_err *e);

/* ---- adjustments: the district first, then the commission */
/* 0 when adjustment `id` exists and the caller reviews it (the commission, the certificate's
 * district); 404 otherwise. */
int svc_cert_adjustment_check(svc_ctx *c, int64_t id, svc_err *e);
/* GET /adjustments: {items,total}, oldest first; the commission all, a district those of its
 * district; `status` NULL means any. */
int svc_cert_adjustments_list(svc_ctx *c, const char *status, int64_t limit, int64_t offset,
                              json_t **out, svc_err *e);
/* {decision:"approve"|"reject",opinion} → the adjustment. The commission's approval reissues the
 * certificate under the new name (and USCC); the old stay in its history. */
int svc_cert_adjustment_review(svc_ctx *c, int64_t id, const json_t *in, json_t **out, svc_err *e);

/* True when attachment `att` is the evidence of a rename/restructure the caller reviews (the
 * commission, or the certificate's district), so it goes with the request to its reviewers. */
bool svc_cert_att_visible(svc_ctx *c, int64_t att);

/* The number of application `app_id`'s certificate into buf (len ≥ 32), or false when it has
 * none. Callers have already checked that the caller may see the application. */
bool svc_cert_no_of_application(db *d, int64_t app_id, char *buf, size_t len);

#endif
