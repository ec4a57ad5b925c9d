/* fuzz_rules — libFuzzer harness for the pre-check (core/rules) on arbitrary application
 * documents: the input is a JSON object like `smip check`'s file, {enterprise, project,
 * application}, plus optional "certificates" (prior certificates), "ctx" ({now, resubmission,
 * other_applications, assessment_done}) and "rules" (a merge patch over the 2020 batch's
 * rules, so the rules' own vocabulary is fuzzed too: a batch's rules are typed by the
 * commission). Members that are not of the right kind count as empty. Every finding must be an
 * object with a string rule and a boolean ok, and rules_findings_ok must agree with them. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/calendar.h"
#include "core/merge.h"
#include "core/rules.h"
#include "fuzz_common.h"

static int64_t when(const json_t *batch, const char *key)
{
    int64_t t = 0;
    cal_parse_rfc3339(json_string_value(json_object_get(batch, key)), &t);
    return t;
}

/* The member `key` of in when it is an object (or an array when want_array), else an empty one;
 * new reference. */
static json_t *member(const json_t *in, const char *key, bool want_array)
{
    json_t *v = json_object_get(in, key);
    if (want_array ? json_is_array(v) : json_is_object(v)) return json_incref(v);
    return want_array ? json_array() : json_object();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *districts, *modes;
    if (!districts) {
        districts = rules_default_districts();
        modes = rules_default_factory_modes();
        FUZZ_CHECK(districts && modes, "the shipped districts or factory modes do not load");
    }
    const json_t *batch = fuzz_batch();
    json_t *in = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(in)) {
        json_decref(in);
        return 0;
    }
    json_t *rules = json_deep_copy(json_object_get(batch, "rules"));
    json_t *rpatch = json_object_get(in, "rules");
    if (json_is_object(rpatch)) merge_patch(rules, rpatch);
    json_t *ent = member(in, "enterprise", false), *proj = member(in, "project", false);
    json_t *app = member(in, "application", false), *certs = member(in, "certificates", true);
    json_t *cx = json_object_get(in, "ctx");
    /* The clock: anything from 1970 to 2100 (not any int64: no clock reads the year 292277026596).
     */
    json_t *now = json_object_get(cx, "now");
    json_int_t nowv = json_integer_value(now);
    if (nowv < 0 || nowv > 4102444800) now = NULL;
    rules_ctx ctx = {
        .now = now ? nowv : when(batch, "opens_at") + 86400,
        .opens_at = when(batch, "opens_at"),
        .closes_at = when(batch, "closes_at"),
        .district_deadline = when(batch, "district_deadline"),
        .rules = rules,
        .districts = districts,
        .factory_modes = modes,
        .enterprise = ent,
        .project = proj,
        .application = app,
        .resubmission = json_is_true(json_object_get(cx, "resubmission")),
        .other_applications = (int)json_integer_value(json_object_get(cx, "other_applications")),
        .prior_certificates = certs,
        .assessment_done = json_is_true(json_object_get(cx, "assessment_done")),
    };
    json_t *findings = rules_precheck(&ctx);
    FUZZ_CHECK(json_is_array(findings), "rules_precheck answered no array");
    bool ok = true;
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        FUZZ_CHECK(json_is_object(f), "finding %zu is no object", i);
        FUZZ_CHECK(json_is_string(json_object_get(f, "rule")), "finding %zu has no rule", i);
        json_t *fok = json_object_get(f, "ok");
        FUZZ_CHECK(json_is_boolean(fok), "finding %zu has no boolean ok", i);
        const char *sev = json_string_value(json_object_get(f, "severity"));
        if (json_is_false(fok) && sev && strcmp(sev, "error") == 0) ok = false;
    }
    FUZZ_CHECK(rules_findings_ok(findings) == ok, "rules_findings_ok disagrees with the findings");
    /* the shipped modes parsed on the spot give the same findings */
    ctx.factory_modes = NULL;
    json_t *again = rules_precheck(&ctx);
    FUZZ_CHECK(json_equal(findings, again), "findings differ with the modes parsed on the spot");
    json_decref(again);
    json_decref(findings);
    json_decref(certs);
    json_decref(app);
    json_decref(proj);
    json_decref(ent);
    json_decref(rules);
    json_decref(in);
    return 0;
}
