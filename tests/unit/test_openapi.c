/* Unit tests of the API reference (data/openapi.json, built into the binary) against the one
 * route table (web_routes): every JSON route is documented with its roles and imp gate, every
 * documented operation is served, every path parameter is declared, every $ref resolves. Each
 * check is also run on a spoiled copy of the document, so a check that could not fail fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/assets.h"
#include "web/web.h"

static const char *const OA_METHODS[] = {"get", "put", "post", "delete", "patch", NULL};
static const char *const OA_ROLES[] = {"enterprise", "district", "expert",
                                       "commission", "admin",    NULL};

/* The JSON API is what lives under /api/v1/, plus /healthz; the rest are pages and files. */
static bool oa_is_api(const char *path)
{
    return strncmp(path, "/api/v1/", 8) == 0 || strcmp(path, "/healthz") == 0;
}

static bool oa_is_method(const char *key)
{
    for (size_t i = 0; OA_METHODS[i]; i++)
        if (strcmp(key, OA_METHODS[i]) == 0) return true;
    return false;
}

static void oa_lower(const char *in, char out[16])
{
    size_t i = 0;
    for (; in[i] && i < 15; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
    out[i] = 0;
}

static json_t *oa_load(void)
{
    size_t len = 0;
    const char *data = assets_get("data/openapi.json", &len);
    assert_non_null(data);
    json_error_t je;
    json_t *doc = json_loadb(data, len, 0, &je);
    if (!doc) fail_msg("data/openapi.json line %d: %s", je.line, je.text);
    return doc;
}

static const json_t *oa_operation(const json_t *doc, const char *path, const char *method)
{
    char m[16];
    oa_lower(method, m);
    return json_object_get(json_object_get(json_object_get(doc, "paths"), path), m);
}

__attribute__((format(printf, 2, 3))) static void oa_add(json_t *problems, const char *fmt, ...)
{
    char s[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    json_array_append_new(problems, json_string(s));
}

/* Routes of the table the document lacks. */
static json_t *oa_undocumented(const json_t *doc)
{
    json_t *p = json_array();
    for (size_t i = 0; i < web_routes_count; i++) {
        const route *rt = &web_routes[i];
        if (oa_is_api(rt->pattern) && !oa_operation(doc, rt->pattern, rt->method))
            oa_add(p, "%s %s is served but not documented", rt->method, rt->pattern);
    }
    return p;
}

static const route *oa_route(const char *path, const char *method)
{
    for (size_t i = 0; i < web_routes_count; i++) {
        char m[16];
        oa_lower(web_routes[i].method, m);
        if (strcmp(web_routes[i].pattern, path) == 0 && strcmp(m, method) == 0)
            return &web_routes[i];
    }
    return NULL;
}

/* Documented operations the table does not serve (or that are no JSON API). */
static json_t *oa_unserved(const json_t *doc)
{
    json_t *p = json_array();
    const char *path, *key;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
        json_object_foreach(item, key, op)
    {
        if (!oa_is_method(key)) continue;
        if (!oa_is_api(path))
            oa_add(p, "%s %s is documented but is no /api/v1 route", key, path);
        else if (!oa_route(path, key))
            oa_add(p, "%s %s is documented but not served", key, path);
    }
    return p;
}

/* Whether `params` declares path parameter `name`, required. */
static int oa_declared(const json_t *params, const char *name)
{
    size_t i;
    json_t *pa;
    json_array_foreach(params, i, pa)
    {
        if (strcmp(json_string_value(json_object_get(pa, "in")) ?: "", "path") != 0) continue;
        if (strcmp(json_string_value(json_object_get(pa, "name")) ?: "", name) != 0) continue;
        return json_is_true(json_object_get(pa, "required")) ? 1 : -1;
    }
    return 0;
}

/* Every {x} of a path declared (required) by each of its operations, and no path parameter
 * declared that the path lacks. */
static json_t *oa_param_problems(const json_t *doc)
{
    json_t *p = json_array();
    const char *path, *key;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
        json_object_foreach(item, key, op)
    {
        if (!oa_is_method(key)) continue;
        const json_t *shared = json_object_get(item, "parameters"),
                     *own = json_object_get(op, "parameters");
        for (const char *s = strchr(path, '{'); s; s = strchr(s + 1, '{')) {
            const char *e = strchr(s, '}');
            assert_non_null(e);
            char *name = xstrndup(s + 1, (size_t)(e - s - 1));
            int d = oa_declared(own, name) ?: oa_declared(shared, name);
            if (d == 0) oa_add(p, "%s: path parameter {%s} is not declared", path, name);
            if (d < 0) oa_add(p, "%s: path parameter {%s} is not required", path, name);
            free(name);
        }
        size_t i;
        json_t *pa;
        json_array_foreach(own, i, pa)
        {
            const char *name = json_string_value(json_object_get(pa, "name")) ?: "";
            char *brace = xasprintf("{%s}", name);
            if (strcmp(json_string_value(json_object_get(pa, "in")) ?: "", "path") == 0 &&
                !strstr(path, brace))
                oa_add(p, "%s: declares path parameter %s it does not have", path, name);
            free(brace);
        }
    }
    return p;
}

/* x-roles as the route table's role mask; "public" is 0; ~0u for a name no role has. */
static unsigned oa_role_mask(const json_t *roles)
{
    unsigned mask = 0;
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        const char *s = json_string_value(r) ?: "";
        if (strcmp(s, "public") == 0) continue;
        size_t k = 0;
        while (OA_ROLES[k] && strcmp(OA_ROLES[k], s) != 0)
            k++;
        if (!OA_ROLES[k]) return ~0u;
        mask |= 1u << k;
    }
    return mask;
}

/* Each documented operation's x-roles and x-imp-gate say what the route table enforces. */
static json_t *oa_role_problems(const json_t *doc)
{
    json_t *p = json_array();
    const char *path, *key;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
        json_object_foreach(item, key, op)
    {
        const route *rt = oa_is_method(key) ? oa_route(path, key) : NULL;
        if (!rt) continue;
        const json_t *roles = json_object_get(op, "x-roles");
        if (!json_is_array(roles) || json_array_size(roles) == 0)
            oa_add(p, "%s %s has no x-roles", key, path);
        else if (oa_role_mask(roles) != rt->roles)
            oa_add(p, "%s %s: x-roles differ from the route table's roles", key, path);
        if (json_is_true(json_object_get(op, "x-imp-gate")) != ((rt->flags & R_IMP) != 0))
            oa_add(p, "%s %s: x-imp-gate differs from the route table's imp gate", key, path);
        if (!json_string_value(json_object_get(op, "summary")))
            oa_add(p, "%s %s has no summary", key, path);
        if (json_object_size(json_object_get(op, "responses")) == 0)
            oa_add(p, "%s %s has no responses", key, path);
    }
    return p;
}

/* The value a local JSON pointer ("#/components/schemas/Error") names, or NULL. */
static const json_t *oa_pointer(const json_t *doc, const char *ref)
{
    if (strncmp(ref, "#/", 2) != 0) return NULL;
    const json_t *at = doc;
    char *copy = xstrdup(ref + 2), *save = NULL;
    for (char *tok = strtok_r(copy, "/", &save); tok && at; tok = strtok_r(NULL, "/", &save)) {
        char *w = tok; /* ~1 is '/', ~0 is '~' */
        for (char *r = tok; *r; r++, w++)
            *w = r[0] == '~' && (r[1] == '1' || r[1] == '0') ? (*++r == '1' ? '/' : '~') : *r;
        *w = 0;
        at = json_object_get(at, tok);
    }
    free(copy);
    return at;
}

static void oa_refs(const json_t *doc, const json_t *v, json_t *p)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x)
        {
            if (strcmp(key, "$ref") == 0 &&
                (!json_is_string(x) || !oa_pointer(doc, json_string_value(x))))
                oa_add(p, "$ref %s%s resolves to nothing", json_string_value(x) ?: "?", "");
            else
                oa_refs(doc, x, p);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) oa_refs(doc, x, p);
    }
}

static json_t *oa_ref_problems(const json_t *doc)
{
    json_t *p = json_array();
    oa_refs(doc, doc, p);
    return p;
}

/* Fails listing every problem when there is one. */
static void oa_assert_none(json_t *problems)
{
    size_t n = json_array_size(problems);
    for (size_t i = 0; i < n; i++)
        print_error("  %s\n", json_string_value(json_array_get(problems, i)));
    json_decref(problems);
    if (n) fail_msg("data/openapi.json: %zu problem(s) above", n);
}

/* True when `problems` has one naming `needle`; frees it. */
static bool oa_names(json_t *problems, const char *needle)
{
    bool found = false;
    size_t i;
    json_t *s;
    json_array_foreach(problems, i, s) found = found || strstr(json_string_value(s), needle);
    json_decref(problems);
    return found;
}

static void test_document(void **state)
{
    (void)state;
    json_t *doc = oa_load();
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")) ?: "", "3.1.0");
    assert_non_null(json_string_value(json_object_get(json_object_get(doc, "info"), "title")));
    assert_true(json_object_size(json_object_get(doc, "paths")) > 0);
    const json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(schemes, "session"), "name")) ?: "",
        "smip_session");
    assert_string_equal(json_string_value(json_object_get(json_object_get(schemes, "csrf"), "name"))
                            ?: "",
                        "X-CSRF-Token");
    /* the shared error object and the application states are components */
    assert_non_null(oa_pointer(doc, "#/components/schemas/Error/properties/error"));
    assert_int_equal(json_array_size(json_object_get(
                         oa_pointer(doc, "#/components/schemas/ApplicationState"), "enum")),
                     12);
    /* operationId is unique across the document */
    json_t *ids = json_object();
    const char *path, *key;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
        json_object_foreach(item, key, op)
    {
        const char *id = json_string_value(json_object_get(op, "operationId"));
        if (!oa_is_method(key)) continue;
        if (!id || json_object_get(ids, id))
            fail_msg("%s %s: operationId missing or repeated", key, path);
        json_object_set_new(ids, id, json_true());
    }
    json_decref(ids);
    json_decref(doc);
}

static void test_every_route_documented(void **state)
{
    (void)state;
    json_t *doc = oa_load();
    oa_assert_none(oa_undocumented(doc));
    json_decref(doc);
}

static void test_every_documented_route_served(void **state)
{
    (void)state;
    json_t *doc = oa_load();
    oa_assert_none(oa_unserved(doc));
    json_decref(doc);
}

static void test_parameters_roles_refs(void **state)
{
    (void)state;
    json_t *doc = oa_load();
    oa_assert_none(oa_param_problems(doc));
    oa_assert_none(oa_role_problems(doc));
    oa_assert_none(oa_ref_problems(doc));
    json_decref(doc);
}

/* Each check catches its spoiled document. */
static void test_checks_can_fail(void **state)
{
    (void)state;
    json_t *doc = oa_load(), *paths = json_object_get(doc, "paths");

    json_t *bad = json_deep_copy(doc);
    json_object_del(json_object_get(json_object_get(bad, "paths"), "/api/v1/applications/{id}"),
                    "put");
    assert_true(oa_names(oa_undocumented(bad), "PUT /api/v1/applications/{id} is served"));
    json_decref(bad);

    bad = json_deep_copy(doc);
    json_object_set(json_object_get(json_object_get(bad, "paths"), "/api/v1/me"), "put",
                    json_object_get(json_object_get(paths, "/api/v1/me"), "get"));
    json_object_set(json_object_get(bad, "paths"), "/login", json_object_get(paths, "/api/v1/me"));
    json_t *p = oa_unserved(bad);
    assert_true(oa_names(json_incref(p), "put /api/v1/me is documented but not served"));
    assert_true(oa_names(p, "/login is documented but is no /api/v1 route"));
    json_decref(bad);

    bad = json_deep_copy(doc);
    json_t *op = json_object_get(
        json_object_get(json_object_get(bad, "paths"), "/api/v1/certificates/{no}/revoke"), "post");
    json_array_clear(json_object_get(op, "parameters"));
    assert_true(oa_names(oa_param_problems(bad), "{no} is not declared"));
    json_array_append_new(json_object_get(op, "parameters"),
                          json_pack("{s:s,s:s,s:b}", "name", "id", "in", "path", "required", 1));
    assert_true(oa_names(oa_param_problems(bad), "declares path parameter id"));
    json_object_set_new(op, "x-roles", json_pack("[s]", "enterprise"));
    assert_true(oa_names(oa_role_problems(bad), "x-roles differ"));
    json_object_del(op, "x-imp-gate");
    assert_true(oa_names(oa_role_problems(bad), "x-imp-gate differs"));
    json_object_set_new(op, "x-ref", json_pack("{s:s}", "$ref", "#/components/schemas/Nothing"));
    assert_true(oa_names(oa_ref_problems(bad), "#/components/schemas/Nothing"));
    json_decref(bad);

    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document), cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_every_documented_route_served),
        cmocka_unit_test(test_parameters_roles_refs), cmocka_unit_test(test_checks_can_fail)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
