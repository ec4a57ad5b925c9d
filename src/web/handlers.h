/* handlers — every handler the route table (routes.c) names, grouped by the file that holds it. */
#ifndef SMIP_HANDLERS_H
#define SMIP_HANDLERS_H
#include "web/web.h"

/* api_accounts.c: accounts, session, portal, legacy (API.md "Accounts, session, portal") */
int api_accounts_create(req *r);
int api_admin_accounts_list(req *r);
int api_admin_accounts_create(req *r);
int api_admin_account_approve(req *r);
int api_admin_account_reject(req *r);
int api_admin_account_disable(req *r);
int api_admin_account_enable(req *r);
int api_admin_account_reset_password(req *r);
int api_session_create(req *r);
int api_session_delete(req *r);
int api_me(req *r);
int api_me_password(req *r);
int api_apps_imp_connect(req *r);
int api_imp_bind_legacy(req *r);
int api_imp_confirm_new(req *r);
int api_admin_legacy_import(req *r);
int api_admin_legacy_certificates(req *r);

/* api_reference.c */
int api_healthz(req *r);
/* GET /api/v1/openapi.json: the API reference built into the binary (data/openapi.json). */
int api_openapi(req *r);
int api_districts(req *r);
int api_batches_list(req *r);
int api_batch_get(req *r);
int api_batch_create(req *r);
int api_batch_update(req *r);
int api_factory_modes(req *r);
int api_audit_list(req *r);
int api_audit_verify(req *r);

/* api_enterprise.c */
int api_enterprise_get(req *r);
int api_enterprise_put(req *r);
int api_projects_list(req *r);
int api_project_create(req *r);
int api_project_get(req *r);
int api_project_put(req *r);
int api_attachment_create(req *r);
int api_attachment_get(req *r);
int api_applications_list(req *r);
int api_application_create(req *r);
int api_application_get(req *r);
int api_application_put(req *r);
int api_application_check(req *r);
int api_application_submit(req *r);
int api_application_withdraw(req *r);

/* api_assessment.c: 智能制造能力测评 */
int api_assessment_model(req *r);
int api_assessment_draft_get(req *r);
int api_assessment_draft_put(req *r);
int api_assessments_list(req *r);
int api_assessment_create(req *r);
int api_assessment_get(req *r);
int api_assessment_radar(req *r);

/* api_review.c: the review side */
int api_district_review(req *r);
int api_decision(req *r);
int api_direct_certification(req *r);
int api_experts_list(req *r);
int api_expert_create(req *r);
int api_expert_conflict_add(req *r);
int api_expert_conflicts_list(req *r);
int api_assignments_create(req *r);
int api_assignments_list(req *r);
int api_expert_review_create(req *r);
int api_expert_reviews_list(req *r);

/* api_documents.c: generated files (authenticity template, xlsx export) */
int api_authenticity_template(req *r);
int api_export_applications(req *r);
int api_materials_zip(req *r);
int api_application_pdf(req *r);
int api_export_certificates(req *r);
int api_export_objections(req *r);
int api_export_experts(req *r);
int api_export_adjustments(req *r);
int api_inbox(req *r); /* api_reference.c */

/* api_certification.c: 公示, objections, certification and after */
int api_publicity_create(req *r);
int api_public_publicity(req *r);
int api_public_objection_create(req *r);
int api_objections_list(req *r);
int api_objection_resolve(req *r);
int api_certify(req *r);
int api_public_certificate(req *r);
int api_certificates_list(req *r);
int api_certificate_get(req *r);
int api_cert_re_review(req *r);
int api_cert_revoke(req *r);
int api_cert_revocation_request(req *r);
int api_cert_recommendation(req *r);
int api_cert_adjustment_create(req *r);
int api_adjustment_review(req *r);
int api_adjustments_list(req *r);
int api_load_batch(req *r);
int api_load_objection(req *r);
int api_load_certificate(req *r);
int api_load_adjustment(req *r);
/* The client's address for per-address limits: the socket peer, or for a loopback peer (the
 * reverse proxy) its X-Real-IP / last X-Forwarded-For hop. Arena memory. */
const char *api_client_address(req *r);

/* api_changes.c: the enterprise's district or credit-code change requests */
int api_ent_changes_create(req *r);
int api_ent_changes_list(req *r);
int api_ent_change_withdraw(req *r);
int api_changes_list(req *r);
int api_change_get(req *r);
int api_change_review(req *r);
/* The loader of /enterprise-changes/{id}: the imp gate, then 404 for what the caller may not
 * see. */
int api_load_ent_change(req *r);
/* The imp gate of R_IMP for routes the admin shares (the admin never connects imp): 0 for the
 * admin or a caller through the gate, else -1 after answering 403 (a page: the redirect). */
int api_change_imp_gate(req *r);

/* loaders.c: object checks the route table runs before the body */
int web_load_application(req *r);
int web_load_project(req *r);

/* static.c */
int web_static(req *r);
int web_favicon(req *r);

#endif
