/* rules — the pre-check: every rule of the notice (E1–E9, A1, T-…, K-…) evaluated over plain data.
 * Pure: no I/O, no clock, no globals. The service gathers a rules_ctx; this module answers the
 * list of findings. Technical and KPI rules are rows of the batch's rules (a small vocabulary),
 * not code, so a new year's notice changes data. */
#ifndef SMIP_CORE_RULES_H
#define SMIP_CORE_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rules_ctx {
    int64_t now;      /* epoch seconds */
    int64_t opens_at; /* batch window [opens_at, closes_at), epoch seconds */
    int64_t closes_at;
    int64_t district_deadline;   /* exclusive, epoch seconds */
    const json_t *rules;         /* the batch's rules object (see data/batch-2020.json "rules") */
    const json_t *districts;     /* array of {code,name,type,group} the batch uses */
    const json_t *factory_modes; /* the shipped modes when rules has none (NULL: parsed here) */
    const json_t *enterprise;    /* {uscc,name,district_code,manufacturing_type,
                                    independent_legal_person,complete_machine,...} */
    const json_t *project;       /* project object of API.md (class, dates, money, proof...) */
    const json_t *application;   /* application form of API.md (type and every figure) */
    bool resubmission;           /* the application is `returned`: E3 uses the district deadline */
    int other_applications;      /* applications of the same USCC in this batch past `draft` */
    const json_t
        *prior_certificates; /* array of {year,type,uscc,site_name,included_workshops:[..]} */
    bool assessment_done;    /* A1 */
} rules_ctx;

/* Evaluates every rule; returns a new JSON array of findings in API.md's shape
 * ({rule,condition,ok,severity,required,actual,message}), owned by the caller. */
json_t *rules_precheck(const rules_ctx *ctx);
/* True when no finding with severity "error" has ok=false. */
bool rules_findings_ok(const json_t *findings);

/* ---- helpers for the service and web layers ------------------------------------------- */

/* Checks the TYPES and ranges of an application form merge patch (API.md "Application form
 * fields"): counts are non-negative JSON integers, decimals are strings with at most 4 places,
 * booleans, enums (kpi_baseline, technologies, factory.mode), key elements known to a factory
 * mode, null anywhere (a merge patch clears with it); unknown fields are refused. Adds one entry
 * per bad field to `errors` (an object: dotted field path → Chinese reason). Returns 0 when the
 * patch is clean, -1 otherwise. Cross-field checks belong to the pre-check, not here. */
int rules_validate_form(const json_t *patch, json_t *errors);
/* The same, also accepting the extra figures a batch declares in rules.form_figures
 * ([{path,type:"count"|"decimal"|"bool"|"text",label}]) and the factory modes of
 * rules.factory_modes when present, else of `modes` (the shipped list; NULL: parsed from the
 * embedded data each call — callers on a hot path pass a list they parsed once). rules may be
 * NULL. */
int rules_validate_form_for(const json_t *patch, const json_t *rules, const json_t *modes,
                            json_t *errors);
/* Checks a project object or merge patch (API.md POST /projects): text fields, district_code,
 * class "I"|"II", dates YYYY-MM-DD with completion ≥ start (when both are present), progress_pct
 * an integer 0–100, money non-negative whole yuan with equipment_software_investment ≤
 * total_investment (when both are present), other_public_funding boolean,
 * approval_proof_type enum, approval_attachment_ids positive integers; unknown fields refused.
 * Call it again on the merged object to check the cross-field rules of a patch. */
int rules_validate_project(const json_t *obj, json_t *errors);

/* Checks a batch's rules object (data/batch-2020.json "rules"): every parameter present has
 * the type and range the pre-check, the score form and the 公示 period need (thresholds as
 * shares 0–1 with at most 4 places, the score form's maxima adding up to 100, extra figures
 * named and typed, the district list non-empty); absent parameters are not refused. Adds one
 * reason per bad parameter to `errors`, keyed "rules.<path>" (e.g. "rules.checks.3.min"), each
 * naming the parameter in Chinese. Returns 0 when clean, -1 otherwise. */
int rules_validate_batch(const json_t *rules, json_t *errors);

/* Parses the districts CSV (header code,name,type,group) into a new array of
 * {code,name,type,group}; NULL when malformed. */
json_t *rules_districts_from_csv(const char *csv, size_t len);
/* The shipped defaults, parsed from the embedded data/ files; new references, caller decrefs. */
json_t *rules_default_districts(void);
json_t *rules_default_factory_modes(void);
/* The district with this code in a list of {code,...} (borrowed), or NULL. */
const json_t *rules_find_district(const json_t *districts, const char *code);
/* The mode with this id in a list of factory modes (borrowed), or NULL. */
const json_t *rules_find_mode(const json_t *modes, const char *id);
/* The equipment+software investment threshold in whole yuan for a district group under these
 * rules (the base threshold × the group's reduced_ratio, rounded up); -1 when rules lack it. */
int64_t rules_investment_threshold(const json_t *rules, const char *group);

#endif
