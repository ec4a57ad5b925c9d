/* accounts — the unified login of 附件3: registration and its review, accounts the admin
 * creates, login with throttling, the portal's app connection, and the first entry to imp (bind
 * an old platform account, or confirm a new enterprise). Also the import of the old platform's
 * accounts and certificates. Each function is one use case in one transaction; the JSON it
 * returns through `out` is a new reference the caller owns. */
#ifndef SMIP_ACCOUNTS_H
#define SMIP_ACCOUNTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/svc.h"

/* What a new account is made of. Strings are borrowed; NULL or "" means absent. */
typedef struct acct_input {
    const char *username;
    const char *password;
    const char *display_name;
    const char *phone;
    const char *email;
    const char *role;            /* admin create only; registration is always `enterprise` */
    const char *enterprise_name; /* registration: required */
    const char *uscc;            /* registration: required, validated */
    const char *district_code;   /* `district` accounts: required, from the districts table */
    const char *employer_uscc;   /* `expert` accounts: optional, validated */
} acct_input;

/* Login failures allowed per user name within the sliding window before every attempt is 429. */
#define ACCT_THROTTLE_MAX 5
#define ACCT_THROTTLE_WINDOW (15 * 60)

/* ---- registration and administration */

/* Public registration: role enterprise, status pending. *id gets the new account's id. 400 with
 * fields, 409 `duplicate` for a user name taken. */
int svc_account_register(svc_ctx *c, const acct_input *in, int64_t *id, svc_err *e);
/* Admin (or the commission, for experts): an account of any role, active at once → account.
 * An expert needs its employer's USCC: without it no conflict of interest could be found. */
int svc_account_create(svc_ctx *c, const acct_input *in, json_t **out, svc_err *e);
/* The command line's `smip user add`: active at once, no permission check (the operator runs
 * it). district_code for district accounts. */
int svc_user_add(svc_ctx *c, const char *role, const char *username, const char *district_code,
                 const char *password, int64_t *id, svc_err *e);
/* Admin list {items,total}; status NULL for all. Pending accounts carry age_working_days and
 * overdue (> 1 working day), and age_calendar_known (false when a year lacks holiday data). */
int svc_account_list(svc_ctx *c, const char *status, int64_t limit, int64_t offset, json_t **out,
                     svc_err *e);
/* The admin's account list, filtered and paged. Strings are borrowed; NULL or "" means any. */
typedef struct acct_filter {
    const char *status; /* pending active rejected disabled */
    const char *role;   /* enterprise district expert commission admin */
    const char *q;      /* part of the user name, name, enterprise name or credit code */
    int64_t limit;      /* 1–500 (0: 50) */
    int64_t offset;
    bool newest_first; /* else oldest first, as the registration queue reads */
} acct_filter;
/* {items,total} as svc_account_list; 400 naming status, role or q (over 100 characters). */
int svc_account_search(svc_ctx *c, const acct_filter *f, json_t **out, svc_err *e);
/* One account's JSON (admin), 404 when absent. */
int svc_account_get(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* pending → active / rejected (reason required); active → disabled; disabled → active.
 * 409 `wrong_state` otherwise. Disabling ends the account's sessions. */
int svc_account_approve(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
int svc_account_reject(svc_ctx *c, int64_t id, const char *reason, json_t **out, svc_err *e);
int svc_account_disable(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
int svc_account_enable(svc_ctx *c, int64_t id, json_t **out, svc_err *e);
/* Sets a new password (policy applies) and ends the account's sessions. */
int svc_account_reset_password(svc_ctx *c, int64_t id, const char *new_password, json_t **out,
                               svc_err *e);

/* ---- login and own account */

/* Checks credentials (throttled per user name) and the account's status. On success *out is the
 * account as a session actor. 401 bad_credentials, 403 account_pending / account_rejected /
 * account_disabled, 429 throttled. The caller then starts the session. */
int svc_login(svc_ctx *c, const char *username, const char *password, svc_actor *out, svc_err *e);
/* Changes the caller's password; old_password wrong → 400 naming it (counted like a failed
 * login). Ends the caller's other sessions, keeping keep_session_hash (may be NULL). */
int svc_password_change(svc_ctx *c, const char *old_password, const char *new_password,
                        const char *keep_session_hash, svc_err *e);
/* GET /me: {account, apps:[{id:"imp",name,connected}], imp:{bound,enterprise_id}}. */
int svc_me(svc_ctx *c, json_t **out, svc_err *e);
/* Connects the caller to imp (harmless when repeated) → {id:"imp",connected:true}. */
int svc_imp_connect(svc_ctx *c, json_t **out, svc_err *e);
/* The help line for error messages: "平台管理员（63895239）" from the current batch's contacts
 * (or "平台管理员" when there is none). Writes into buf. */
void svc_account_help(svc_ctx *c, char *buf, size_t len);

/* ---- first entry to imp (enterprise accounts) */

/* "我是老用户": binds the caller to an imported old account → {enterprise}. 422
 * legacy_credentials_invalid (throttled per old user name), 409 duplicate. */
int svc_imp_bind_legacy(svc_ctx *c, const char *legacy_username, const char *legacy_password,
                        json_t **out, svc_err *e);
/* "我是新用户": validates and creates the enterprise {uscc,name,district_code,address,
 * legal_representative,manufacturing_type,independent_legal_person,complete_machine}
 * → {enterprise}. 400 naming fields ("enterprise.uscc" …), 409 duplicate. */
int svc_imp_confirm_new(svc_ctx *c, const json_t *enterprise, json_t **out, svc_err *e);

/* ---- old platform imports (admin; CSV text, UTF-8, CRLF or LF, RFC 4180 quoting) */

/* Header username,password_hash,uscc,enterprise_name,district_code
 * → {imported,skipped,errors:[{line,message}],lines:[{line,result,key?,name?,message?}]}:
 * skipped = user name already present; `lines` has every data line's outcome (result
 * imported | skipped | error; key the user name, name the enterprise, as far as the line has
 * them; message what is wrong with it). */
int svc_legacy_import_accounts(svc_ctx *c, const char *csv, size_t len, json_t **out, svc_err *e);
/* Header certificate_no,year,type,uscc,enterprise_name,site_name,included_workshops → the same
 * (key the certificate number). */
int svc_legacy_import_certificates(svc_ctx *c, const char *csv, size_t len, json_t **out,
                                   svc_err *e);

#endif
