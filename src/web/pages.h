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
int page_application(req *r); /* page_application.c, as the withdraw */
int page_application_edit(req *r);
int page_application_save(req *r);
int page_application_withdraw(req *r);
/* page_assessment.c */
int page_assessments(req *r);
int page_assessment_questionnaire(req *r);
int page_assessment_save(req *r);
int page_assessment_report(req *r);
/* [{name, districts:[{code,name,selected}]}]: the 41 districts in the order of 一区两群 (a group
 * the list does not know comes last), `selected` the one whose code is `selected` (page_account.c,
 * for every district select). New reference. */
json_t *page_district_groups(req *r, const char *selected);
/* page_admin.c: the admin's accounts, one account, new staff accounts, the old platform's
 * imports */
int page_admin_accounts(req *r);
int page_admin_account_decide(req *r);
int page_admin_account(req *r);
int page_admin_account_new(req *r);
int page_admin_account_create(req *r);
int page_admin_account_disable(req *r);
int page_admin_account_enable(req *r);
int page_admin_account_password(req *r);
int page_admin_imports(req *r);
int page_admin_import_accounts(req *r);
int page_admin_import_certificates(req *r);
int page_admin_import_template(req *r);
int page_district_queue(req *r);
/* The application page (page_application.c) rendered again with `flash` (stolen), for posts of
 * other page modules that were refused. */
int page_application_view(req *r, int status, json_t *flash);
/* The district's reason of the last return while the application is back with the enterprise
 * (status returned), else NULL; borrowed from `app`. */
const char *page_return_reason(const json_t *app);
/* page_review.c: the reviewers' panel on the application page, their posts and desks, and the
 * helpers of every post from the application page: */
/* A refused post: the application page again with the refusal's status, its message on top and
 * the field reasons beside the fields (404: the error page). Clears e. */
int page_post_refused(req *r, svc_err *e);
/* The post's file (if one was chosen) as a new attachment of `kind`; *id 0 when none. -1 with e
 * naming `field` when refused (too large, wrong type). */
int page_post_upload(req *r, const char *kind, const char *field, int64_t *id, svc_err *e);
/* The named text fields of the post that were filled in, as a JSON object. */
json_t *page_post_fields(req *r, const char *const *names, size_t n);
void page_review_panel(req *r, const json_t *app, json_t *ctx);
int page_review_district(req *r);
int page_review_assign(req *r);
int page_review_expert(req *r);
int page_review_decide(req *r);
int page_review_direct(req *r);
/* page_desk.c: the commission's desk and a batch's statistics */
int page_commission_desk(req *r);
int page_commission_stats(req *r);
int page_commission_bulk(req *r);
int page_commission_certificates(req *r);
int page_commission_desk_xlsx(req *r);
int page_commission_certificates_xlsx(req *r);
int page_expert_desk(req *r);
int page_expert_conflict(req *r);
int page_experts(req *r);
int page_expert_create(req *r);
/* page_batches.c: the commission's batches */
int page_batches(req *r);
int page_batch_create(req *r);
int page_batch_update(req *r);
/* page_batch_rules.c: a batch's rules on one page (new batch, edit, preview of the pre-check) */
int page_batch_new(req *r);
int page_batch_new_post(req *r);
int page_batch_rules(req *r);
int page_batch_rules_post(req *r);
/* A datetime-local value ("2026-12-01T09:00[:30]", Beijing time) as an RFC 3339 JSON string;
 * other text as typed (the service names it); NULL when empty. */
json_t *page_local_time(const char *v);
/* page_certification.c: 公示, objections, certifying, the certificate and what follows */
void page_certification_panel(req *r, const json_t *app, json_t *ctx);
int page_cert_publish(req *r);
int page_cert_resolve(req *r);
int page_cert_certify(req *r);
int page_cert_revoke(req *r);
int page_cert_re_review(req *r);
int page_cert_recommend(req *r);
int page_cert_revocation_request(req *r);
int page_cert_adjustment(req *r);
int page_cert_adjustment_review(req *r);
int page_adjustments(req *r);
/* The profile page (page_enterprise.c) rendered again with `status` and `flash` (stolen), for
 * the change request's posts; `change_typed`/`change_errors` a refused request's form. */
int page_profile_view(req *r, int status, json_t *flash, const json_t *change_typed,
                      const json_t *change_errors);
/* page_changes.c: district or credit-code change requests — the enterprise's form and card
 * on the profile page, the reviewers' page */
int page_change_create(req *r);
int page_change_withdraw(req *r);
int page_changes(req *r);
int page_change_review(req *r);
/* Adds to the profile page's context: `locked` {district_code, uscc} (set, so shown as text),
 * `change` (the enterprise's newest request, decorated for reading) and `change_form` (the
 * districts to choose from, what was typed, `change_errors`). `typed`/`errors` are a refused
 * request's form and reasons (NULL: none). */
void page_changes_profile(req *r, const json_t *saved, json_t *ctx, const json_t *typed,
                          const json_t *errors);
/* page_public.c: 公示 with the objection form, certificate verification (no login) */
int page_publicity(req *r);
int page_publicity_objection(req *r);
int page_verify(req *r);

#endif
