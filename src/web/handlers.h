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

/* loaders.c: object checks the route table runs before the body */
int web_load_application(req *r);
int web_load_project(req *r);

/* static.c */
int web_static(req *r);

#endif
