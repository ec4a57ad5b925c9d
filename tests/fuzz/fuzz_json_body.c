/* fuzz_json_body — libFuzzer harness for a JSON body as the API takes it: the bytes of a PUT or
 * POST body go through what the server does before any handler (UTF-8 check, jansson with
 * duplicate keys refused, an object only), then through the validators of the bodies that carry
 * documents: an application form's merge patch (rules_validate_form_for under the 2020 batch
 * with extra figures of every type, and rules_validate_form without a batch), a project object
 * or patch (rules_validate_project); then the patch is merged into a stored form (merge_text,
 * as a draft save does) and the merged form is validated again. A validator must answer 0
 * exactly when it named no field, and every reason must be a string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/merge.h"
#include "core/rules.h"
#include "fuzz_common.h"
#include "util/util.h"

/* A stored workshop form, as ent_dump keeps it (compact, keys sorted). */
static const char stored_form[] =
    "{\"equipment_digital\":66,\"equipment_total\":120,\"kpi_baseline\":\"before_project\","
    "\"kpis\":{\"defect_rate\":{\"after\":\"1.2\",\"before\":\"1.5\"}},\"networked\":{"
    "\"inspection\":true,\"logistics\":true,\"processing\":true},\"technologies\":[\"5g\"],"
    "\"type\":\"workshop\"}";

/* The validator's answer agrees with the reasons it wrote. */
static void check_errors(const char *what, int rc, json_t *errors)
{
    FUZZ_CHECK(rc == 0 || rc == -1, "%s returned %d", what, rc);
    FUZZ_CHECK((rc == 0) == (json_object_size(errors) == 0), "%s returned %d with %zu reasons",
               what, rc, json_object_size(errors));
    const char *k;
    json_t *v;
    json_object_foreach(errors, k, v)
    {
        FUZZ_CHECK(json_is_string(v), "%s: the reason for %s is no string", what, k);
    }
    json_object_clear(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *rules, *modes;
    if (!rules) {
        rules = json_deep_copy(json_object_get(fuzz_batch(), "rules"));
        json_object_set_new(rules, "form_figures",
                            json_loads("[{\"path\":\"extra_count\",\"type\":\"count\"},"
                                       "{\"path\":\"extra.ratio\",\"type\":\"decimal\"},"
                                       "{\"path\":\"extra.flag\",\"type\":\"bool\"},"
                                       "{\"path\":\"extra.note\",\"type\":\"text\"}]",
                                       0, NULL));
        modes = rules_default_factory_modes();
        FUZZ_CHECK(rules && modes, "the shipped rules or factory modes do not load");
    }
    if (!util_utf8_valid((const char *)data, size)) return 0;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        return 0;
    }
    json_t *errors = json_object();
    check_errors("rules_validate_form_for", rules_validate_form_for(body, rules, modes, errors),
                 errors);
    check_errors("rules_validate_form_for (shipped modes)",
                 rules_validate_form_for(body, NULL, NULL, errors), errors);
    check_errors("rules_validate_form", rules_validate_form(body, errors), errors);
    check_errors("rules_validate_project", rules_validate_project(body, errors), errors);

    char *merged_text = merge_text(stored_form, body);
    json_t *merged = json_loads(merged_text, 0, NULL);
    FUZZ_CHECK(json_is_object(merged), "the merged form is no object: %s", merged_text);
    check_errors("rules_validate_form_for (merged)",
                 rules_validate_form_for(merged, rules, modes, errors), errors);
    json_t *project = json_loads("{\"class\":\"I\",\"start_date\":\"2019-01-01\","
                                 "\"total_investment\":30000000}",
                                 0, NULL);
    merge_patch(project, body);
    check_errors("rules_validate_project (merged)", rules_validate_project(project, errors),
                 errors);
    json_decref(project);
    json_decref(merged);
    free(merged_text);
    json_decref(errors);
    json_decref(body);
    return 0;
}
