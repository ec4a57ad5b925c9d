/* pages — the HTML page handlers the route table names (page_*.c). Each builds a JSON context
 * and renders one template; form posts call the same service functions as the JSON API. */
#ifndef SMIP_PAGES_H
#define SMIP_PAGES_H
#include "web/web.h"

int page_home(req *r);
int page_register(req *r);
int page_register_post(req *r);
int page_login(req *r);
int page_login_post(req *r);
int page_logout_post(req *r);
int page_portal(req *r);
int page_portal_connect(req *r);
int page_imp_entry(req *r);
int page_imp_bind(req *r);
int page_imp_confirm(req *r);
int page_dashboard(req *r);
int page_profile(req *r);
int page_profile_post(req *r);
int page_projects(req *r);
int page_project_new(req *r);
int page_project_create(req *r);
int page_project_edit(req *r);
int page_project_save(req *r);
int page_application_create(req *r);
int page_application(req *r);
int page_application_edit(req *r);
int page_application_save(req *r);
int page_application_withdraw(req *r);
/* page_assessment.c */
int page_assessments(req *r);
int page_assessment_questionnaire(req *r);
int page_assessment_save(req *r);
int page_assessment_report(req *r);
int page_admin_accounts(req *r);
int page_admin_account_decide(req *r);
int page_district_queue(req *r);

#endif
