/* routes — the whole surface of the platform on one screen: method, path, who may call it,
 * flags (imp gate, body type, HTML page) and the handler. The server checks roles, the imp gate,
 * CSRF, media type and size from this table before a handler or the body is ever touched. */
#include "web/handlers.h"
#include "web/pages.h"

#define E ROLE_ENTERPRISE
#define D ROLE_DISTRICT
#define X ROLE_EXPERT
#define C ROLE_COMMISSION
#define A ROLE_ADMIN
#define ANY ROLE_ANY
#define PUB 0

const route web_routes[] = {
    /* method  path                                         roles  flags           handler */
    {"GET", "/healthz", PUB, 0, api_healthz, 0, NULL},
    {"GET", "/static/{file}", PUB, 0, web_static, 0, NULL},

    /* ---- accounts, session, portal (API.md) */
    {"POST", "/api/v1/accounts", PUB, R_JSON, api_accounts_create, 0, NULL},
    {"POST", "/api/v1/session", PUB, R_JSON | R_NO_CSRF, api_session_create, 0, NULL},
    {"DELETE", "/api/v1/session", ANY, R_JSON, api_session_delete, 0, NULL},
    {"GET", "/api/v1/me", ANY, 0, api_me, 0, NULL},
    {"GET", "/api/v1/inbox", ANY, 0, api_inbox, 0, NULL},
    {"POST", "/api/v1/me/password", ANY, R_JSON, api_me_password, 0, NULL},
    {"POST", "/api/v1/apps/imp/connect", ANY, R_JSON, api_apps_imp_connect, 0, NULL},
    {"POST", "/api/v1/imp/bind-legacy", E, R_JSON, api_imp_bind_legacy, 0, NULL},
    {"POST", "/api/v1/imp/confirm-new", E, R_JSON, api_imp_confirm_new, 0, NULL},
    {"GET", "/api/v1/admin/accounts", A, 0, api_admin_accounts_list, 0, NULL},
    {"POST", "/api/v1/admin/accounts", A, R_JSON, api_admin_accounts_create, 0, NULL},
    {"POST", "/api/v1/admin/accounts/{id}/approve", A, R_JSON, api_admin_account_approve, 0, NULL},
    {"POST", "/api/v1/admin/accounts/{id}/reject", A, R_JSON, api_admin_account_reject, 0, NULL},
    {"POST", "/api/v1/admin/accounts/{id}/disable", A, R_JSON, api_admin_account_disable, 0, NULL},
    {"POST", "/api/v1/admin/accounts/{id}/enable", A, R_JSON, api_admin_account_enable, 0, NULL},
    {"POST", "/api/v1/admin/accounts/{id}/reset-password", A, R_JSON,
     api_admin_account_reset_password, 0, NULL},
    {"POST", "/api/v1/admin/legacy-import", A, R_CSV, api_admin_legacy_import, 0, NULL},
    {"POST", "/api/v1/admin/legacy-certificates", A, R_CSV, api_admin_legacy_certificates, 0, NULL},

    /* ---- reference data (outside the imp gate) */
    {"GET", "/api/v1/districts", PUB, 0, api_districts, 0, NULL},
    {"GET", "/api/v1/batches", ANY, 0, api_batches_list, 0, NULL},
    {"GET", "/api/v1/batches/{id}", ANY, 0, api_batch_get, 0, NULL},
    {"POST", "/api/v1/batches", C, R_JSON | R_IMP, api_batch_create, 0, NULL},
    {"PUT", "/api/v1/batches/{id}", C, R_JSON | R_IMP, api_batch_update, 0, NULL},
    {"GET", "/api/v1/factory-modes", ANY, 0, api_factory_modes, 0, NULL},

    /* ---- enterprise side */
    {"GET", "/api/v1/enterprise", E, R_IMP, api_enterprise_get, 0, NULL},
    {"PUT", "/api/v1/enterprise", E, R_IMP | R_JSON, api_enterprise_put, 0, NULL},
    {"GET", "/api/v1/projects", E, R_IMP, api_projects_list, 0, NULL},
    {"POST", "/api/v1/projects", E, R_IMP | R_JSON, api_project_create, 0, NULL},
    {"GET", "/api/v1/projects/{id}", E, R_IMP, api_project_get, 0, NULL},
    {"PUT", "/api/v1/projects/{id}", E, R_IMP | R_JSON, api_project_put, 0, web_load_project},
    {"POST", "/api/v1/attachments", E | D | C, R_IMP | R_MULTIPART, api_attachment_create, 0, NULL},
    {"GET", "/api/v1/attachments/{id}", ANY, R_IMP, api_attachment_get, 0, NULL},
    {"GET", "/api/v1/applications", ANY, R_IMP, api_applications_list, 0, NULL},
    {"POST", "/api/v1/applications", E, R_IMP | R_JSON, api_application_create, 0, NULL},
    {"GET", "/api/v1/applications/{id}", ANY, R_IMP, api_application_get, 0, NULL},
    {"PUT", "/api/v1/applications/{id}", E, R_IMP | R_JSON, api_application_put, 0,
     web_load_application},
    {"POST", "/api/v1/applications/{id}/check", E, R_IMP | R_JSON, api_application_check, 0,
     web_load_application},
    {"POST", "/api/v1/applications/{id}/submit", E, R_IMP | R_JSON, api_application_submit, 0,
     web_load_application},
    {"POST", "/api/v1/applications/{id}/withdraw", E, R_IMP | R_JSON, api_application_withdraw, 0,
     web_load_application},

    /* ---- review side (issue 4; api_review.c): the loader 404s what the caller may not see */
    {"POST", "/api/v1/applications/{id}/district-review", D, R_IMP | R_JSON, api_district_review,
     0, web_load_application},
    {"GET", "/api/v1/experts", C, R_IMP, api_experts_list, 0, NULL},
    {"POST", "/api/v1/experts", C, R_IMP | R_JSON, api_expert_create, 0, NULL},
    {"GET", "/api/v1/experts/me/conflicts", X, R_IMP, api_expert_conflicts_list, 0, NULL},
    {"POST", "/api/v1/experts/me/conflicts", X, R_IMP | R_JSON, api_expert_conflict_add, 0, NULL},
    {"GET", "/api/v1/applications/{id}/assignments", C, R_IMP, api_assignments_list, 0,
     web_load_application},
    {"POST", "/api/v1/applications/{id}/assignments", C, R_IMP | R_JSON, api_assignments_create, 0,
     web_load_application},
    {"GET", "/api/v1/applications/{id}/expert-reviews", C | X, R_IMP, api_expert_reviews_list, 0,
     web_load_application},
    {"POST", "/api/v1/applications/{id}/expert-reviews", X, R_IMP | R_JSON,
     api_expert_review_create, 0, web_load_application},
    {"POST", "/api/v1/applications/{id}/decision", C, R_IMP | R_JSON, api_decision, 0,
     web_load_application},
    {"POST", "/api/v1/applications/{id}/direct-certification", C, R_IMP | R_JSON,
     api_direct_certification, 0, web_load_application},
    /* generated files (api_documents.c) */
    {"GET", "/api/v1/applications/{id}/authenticity-template", D, R_IMP,
     api_authenticity_template, 0, web_load_application},
    {"GET", "/api/v1/exports/applications.xlsx", C | D, R_IMP, api_export_applications, 0, NULL},
    {"GET", "/api/v1/applications/{id}/materials.zip", ANY, R_IMP, api_materials_zip, 0,
     web_load_application},

    /* 公示, objections, certification and after (issue 4, second half; api_certification.c).
     * /certificates/{no} also answers {no}.pdf: a capture is a whole path segment. */
    {"POST", "/api/v1/batches/{id}/publicity", C, R_IMP | R_JSON, api_publicity_create, 0,
     api_load_batch},
    {"GET", "/api/v1/public/publicity", PUB, 0, api_public_publicity, 0, NULL},
    {"POST", "/api/v1/public/objections", PUB, R_JSON, api_public_objection_create, 0, NULL},
    {"GET", "/api/v1/objections", C, R_IMP, api_objections_list, 0, NULL},
    {"POST", "/api/v1/objections/{id}/resolve", C, R_IMP | R_JSON, api_objection_resolve, 0,
     api_load_objection},
    {"POST", "/api/v1/applications/{id}/certify", C, R_IMP | R_JSON, api_certify, 0,
     web_load_application},
    {"GET", "/api/v1/public/certificates/{no}", PUB, 0, api_public_certificate, 0, NULL},
    {"GET", "/api/v1/certificates", E | C, R_IMP, api_certificates_list, 0, NULL},
    {"GET", "/api/v1/certificates/{no}", E | C, R_IMP, api_certificate_get, 0,
     api_load_certificate},
    {"POST", "/api/v1/certificates/{no}/re-review", C, R_IMP | R_JSON, api_cert_re_review, 0,
     api_load_certificate},
    {"POST", "/api/v1/certificates/{no}/revoke", C, R_IMP | R_JSON, api_cert_revoke, 0,
     api_load_certificate},
    {"POST", "/api/v1/certificates/{no}/revocation-request", E, R_IMP | R_JSON,
     api_cert_revocation_request, 0, api_load_certificate},
    {"PUT", "/api/v1/certificates/{no}/recommendation", C, R_IMP | R_JSON,
     api_cert_recommendation, 0, api_load_certificate},
    {"POST", "/api/v1/certificates/{no}/adjustments", E, R_IMP | R_JSON,
     api_cert_adjustment_create, 0, api_load_certificate},
    {"GET", "/api/v1/adjustments", D | C, R_IMP, api_adjustments_list, 0, NULL},
    {"POST", "/api/v1/adjustments/{id}/review", D | C, R_IMP | R_JSON, api_adjustment_review, 0,
     api_load_adjustment},

    /* ---- 智能制造能力测评 (issue 3; api_assessment.c). draft before {id}: the first match wins */
    {"GET", "/api/v1/assessment-model", E, R_IMP, api_assessment_model, 0, NULL},
    {"GET", "/api/v1/assessments/draft", E, R_IMP, api_assessment_draft_get, 0, NULL},
    {"PUT", "/api/v1/assessments/draft", E, R_IMP | R_JSON, api_assessment_draft_put, 0, NULL},
    {"GET", "/api/v1/assessments", E, R_IMP, api_assessments_list, 0, NULL},
    {"POST", "/api/v1/assessments", E, R_IMP | R_JSON, api_assessment_create, 0, NULL},
    {"GET", "/api/v1/assessments/{id}", E, R_IMP, api_assessment_get, 0, NULL},
    {"GET", "/api/v1/assessments/{id}/radar.svg", E, R_IMP, api_assessment_radar, 0, NULL},

    /* ---- audit */
    {"GET", "/api/v1/audit", C, R_IMP, api_audit_list, 0, NULL},
    {"GET", "/api/v1/audit/verify", C, R_IMP, api_audit_verify, 0, NULL},

    /* ---- pages (HTML; work without JavaScript) */
    {"GET", "/", PUB, R_PAGE | R_OPTIONAL_AUTH, page_home, 0, NULL},
    {"GET", "/register", PUB, R_PAGE | R_OPTIONAL_AUTH, page_register, 0, NULL},
    {"POST", "/register", PUB, R_PAGE | R_FORM, page_register_post, 0, NULL},
    {"GET", "/login", PUB, R_PAGE | R_OPTIONAL_AUTH, page_login, 0, NULL},
    {"POST", "/login", PUB, R_PAGE | R_FORM, page_login_post, 0, NULL},
    {"POST", "/logout", ANY, R_PAGE | R_FORM, page_logout_post, 0, NULL},
    {"GET", "/portal", ANY, R_PAGE, page_portal, 0, NULL},
    {"POST", "/portal/connect", ANY, R_PAGE | R_FORM, page_portal_connect, 0, NULL},
    {"GET", "/imp", E, R_PAGE, page_imp_entry, 0, NULL},
    {"POST", "/imp/bind", E, R_PAGE | R_FORM, page_imp_bind, 0, NULL},
    {"POST", "/imp/confirm", E, R_PAGE | R_FORM, page_imp_confirm, 0, NULL},
    {"GET", "/dashboard", ANY, R_PAGE | R_IMP, page_dashboard, 0, NULL},
    {"GET", "/profile", E, R_PAGE | R_IMP, page_profile, 0, NULL},
    {"POST", "/profile", E, R_PAGE | R_IMP | R_FORM, page_profile_post, 0, NULL},
    {"GET", "/projects", E, R_PAGE | R_IMP, page_projects, 0, NULL},
    {"GET", "/projects/new", E, R_PAGE | R_IMP, page_project_new, 0, NULL},
    {"POST", "/projects/new", E, R_PAGE | R_IMP | R_FORM, page_project_create, 0, NULL},
    {"GET", "/projects/{id}", E, R_PAGE | R_IMP, page_project_edit, 0, NULL},
    {"POST", "/projects/{id}", E, R_PAGE | R_IMP | R_FORM, page_project_save, 0, NULL},
    {"POST", "/applications/new", E, R_PAGE | R_IMP | R_FORM, page_application_create, 0, NULL},
    {"GET", "/applications/{id}", ANY, R_PAGE | R_IMP, page_application, 0, NULL},
    {"GET", "/applications/{id}/edit", E, R_PAGE | R_IMP, page_application_edit, 0, NULL},
    {"POST", "/applications/{id}/edit", E, R_PAGE | R_IMP | R_FORM, page_application_save, 0, NULL},
    {"POST", "/applications/{id}/withdraw", E, R_PAGE | R_IMP | R_FORM, page_application_withdraw,
     0, NULL},
    /* 智能制造能力测评 pages (page_assessment.c); questionnaire before {id} */
    {"GET", "/assessments", E, R_PAGE | R_IMP, page_assessments, 0, NULL},
    {"GET", "/assessments/questionnaire", E, R_PAGE | R_IMP, page_assessment_questionnaire, 0,
     NULL},
    {"POST", "/assessments/questionnaire", E, R_PAGE | R_IMP | R_FORM, page_assessment_save, 0,
     NULL},
    {"GET", "/assessments/{id}", E, R_PAGE | R_IMP, page_assessment_report, 0, NULL},
    {"GET", "/admin/accounts", A, R_PAGE, page_admin_accounts, 0, NULL},
    {"POST", "/admin/accounts/{id}/decide", A, R_PAGE | R_FORM, page_admin_account_decide, 0, NULL},
    {"GET", "/district", D, R_PAGE | R_IMP, page_district_queue, 0, NULL},
    /* the reviewers' posts from the application page, and their desks (page_review.c) */
    {"POST", "/applications/{id}/district-review", D, R_PAGE | R_IMP | R_FORM,
     page_review_district, 0, NULL},
    {"POST", "/applications/{id}/assign", C, R_PAGE | R_IMP | R_FORM, page_review_assign, 0, NULL},
    {"POST", "/applications/{id}/expert-review", X, R_PAGE | R_IMP | R_FORM, page_review_expert, 0, NULL},
    {"POST", "/applications/{id}/decision", C, R_PAGE | R_IMP | R_FORM, page_review_decide, 0, NULL},
    {"POST", "/applications/{id}/direct", C, R_PAGE | R_IMP | R_FORM, page_review_direct, 0, NULL},
    {"GET", "/commission", C, R_PAGE | R_IMP, page_commission_desk, 0, NULL},
    {"GET", "/expert", X, R_PAGE | R_IMP, page_expert_desk, 0, NULL},
    /* public pages (page_public.c): 公示 with the objection form, the QR code's target */
    {"GET", "/publicity", PUB, R_PAGE | R_OPTIONAL_AUTH, page_publicity, 0, NULL},
    {"POST", "/publicity/objections", PUB, R_PAGE | R_FORM, page_publicity_objection, 0, NULL},
    {"GET", "/verify/{no}", PUB, R_PAGE | R_OPTIONAL_AUTH, page_verify, 0, NULL},
};

const size_t web_routes_count = sizeof web_routes / sizeof web_routes[0];
