/* test_template — the template engine: escaping, sections, partials, lookup rules, parse errors,
 * and that every embedded page template parses and renders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/template.h"
#include "util/assets.h"

/* Renders `src` (registered as "t", with `partials` already in set) against the JSON `ctx` and
 * returns the output (malloc'd). */
static char *render_in(tpl_set *set, const char *src, const char *ctx_json)
{
    char *err = NULL;
    int rc = tpl_set_add(set, "t", src, strlen(src), &err);
    if (rc != 0) fail_msg("parse failed: %s", err);
    json_error_t jerr;
    json_t *ctx = ctx_json ? json_loads(ctx_json, JSON_ALLOW_NUL, &jerr) : NULL;
    if (ctx_json && !ctx) fail_msg("bad test JSON: %s", jerr.text);
    sbuf out;
    sbuf_init(&out);
    assert_int_equal(tpl_render(set, "t", ctx, &out), 0);
    json_decref(ctx);
    return sbuf_take(&out);
}

static void check(const char *src, const char *ctx_json, const char *want)
{
    tpl_set *set = tpl_set_new();
    char *got = render_in(set, src, ctx_json);
    assert_string_equal(got, want);
    free(got);
    tpl_set_free(set);
}

/* Returns the parse error for `src` (malloc'd), failing the test if it parses. */
static char *parse_error(const char *src)
{
    tpl_set *set = tpl_set_new();
    char *err = NULL;
    assert_int_equal(tpl_set_add(set, "page", src, strlen(src), &err), -1);
    assert_non_null(err);
    assert_false(tpl_set_has(set, "page"));
    tpl_set_free(set);
    return err;
}

/* ==== Values and escaping ===================================================================== */

static void test_escapes_every_special_character(void **state)
{
    check("{{v}}", "{\"v\":\"<a href=\\\"x\\\" title='y'>&amp;`</a>\"}",
          "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&#96;&lt;/a&gt;");
    check("{{v}}", "{\"v\":\"&\"}", "&amp;");
    check("{{v}}", "{\"v\":\"<\"}", "&lt;");
    check("{{v}}", "{\"v\":\">\"}", "&gt;");
    check("{{v}}", "{\"v\":\"\\\"\"}", "&quot;");
    check("{{v}}", "{\"v\":\"'\"}", "&#39;");
    check("{{v}}", "{\"v\":\"`\"}", "&#96;");
    /* CJK and other bytes pass through untouched. */
    check("{{v}}", "{\"v\":\"重庆市智能制造 / 渝经信\"}", "重庆市智能制造 / 渝经信");
    /* An embedded NUL is dropped, not truncating the rest. */
    check("[{{v}}]", "{\"v\":\"a\\u0000b\"}", "[ab]");
}

static void test_raw(void **state)
{
    check("{{{v}}}|{{&v}}", "{\"v\":\"<b>x</b>\"}", "<b>x</b>|<b>x</b>");
}

static void test_scalars(void **state)
{
    check("{{i}} {{r}} {{w}} {{t}} {{f}} [{{n}}] [{{o}}] [{{a}}]",
          "{\"i\":10000000,\"r\":0.5,\"w\":2.0,\"t\":true,\"f\":false,\"n\":null,\"o\":{},"
          "\"a\":[1]}",
          "10000000 0.5 2 true false [] [] []");
    check("{{i}}", "{\"i\":-42}", "-42");
}

static void test_missing_renders_empty(void **state)
{
    check("a{{nope}}b{{x.y.z}}c{{{raw}}}d", "{\"x\":{}}", "abcd");
    check("a{{nope}}b", NULL, "ab");
    check("{{x.y}}", "{\"x\":\"str\"}", "");
}

static void test_dotted_names(void **state)
{
    check("{{application.kpis.operating_cost.before}}",
          "{\"application\":{\"kpis\":{\"operating_cost\":{\"before\":\"350.5\"}}}}", "350.5");
    /* Error fields come flat from the API; the rest of a dotted name is tried as one key. */
    check("{{#errors.kpis.operating_cost.before}}[{{errors.kpis.operating_cost.before}}]"
          "{{/errors.kpis.operating_cost.before}}",
          "{\"errors\":{\"kpis.operating_cost.before\":\"必须大于 0\"}}", "[必须大于 0]");
    check("{{a.b.c}}", "{\"a\":{\"b.c\":1,\"b\":{\"c\":2}}}", "2");
    /* Array indexes, mainly for "has items" wrappers around a table. */
    check("{{#xs.0}}<table>{{#xs}}{{n}}{{/xs}}</table>{{/xs.0}}{{xs.1.n}}[{{xs.9.n}}][{{xs.x}}]",
          "{\"xs\":[{\"n\":1},{\"n\":2}]}", "<table>12</table>2[][]");
    check("{{#xs.0}}T{{/xs.0}}{{^xs.0}}E{{/xs.0}}", "{\"xs\":[]}", "E");
    /* Once `a` is found, `a.b` does not fall back to an outer `b`. */
    check("{{#item}}[{{item.b}}]{{/item}}", "{\"b\":\"outer\",\"item\":{\"c\":1}}", "[]");
}

static void test_comments(void **state)
{
    check("a{{! a comment with {braces} }}b", "{}", "ab");
    check("a\n{{! context: {x} }}\nb", "{}", "a\nb");
}

/* ==== Sections ================================================================================ */

static void test_section_array_loops_with_item_context(void **state)
{
    check("<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>",
          "{\"items\":[{\"name\":\"一\"},{\"name\":\"<二>\"}]}",
          "<ul><li>一</li><li>&lt;二&gt;</li></ul>");
    check("{{#xs}}{{.}},{{/xs}}", "{\"xs\":[1,\"a\",2.5]}", "1,a,2.5,");
    check("a{{#xs}}x{{/xs}}b", "{\"xs\":[]}", "ab");
}

static void test_nested_context_lookup(void **state)
{
    /* Outer names still resolve from inside loops; inner names shadow outer ones. */
    check("{{#rows}}{{name}}@{{batch.name}}/{{csrf_token}};{{/rows}}",
          "{\"csrf_token\":\"tok\",\"batch\":{\"name\":\"2020\"},\"name\":\"outer\","
          "\"rows\":[{\"name\":\"r1\"},{}]}",
          "r1@2020/tok;outer@2020/tok;");
    check("{{#a}}{{#b}}{{x}}{{y}}{{z}}{{/b}}{{/a}}",
          "{\"z\":\"3\",\"a\":{\"y\":\"2\",\"b\":{\"x\":\"1\"}}}", "123");
}

static void test_section_object_and_scalars(void **state)
{
    check("{{#account}}{{username}} ({{role}}){{/account}}",
          "{\"account\":{\"username\":\"cqjd01\",\"role\":\"enterprise\"}}", "cqjd01 (enterprise)");
    check("{{#account}}in{{/account}}{{^account}}out{{/account}}", "{\"account\":null}", "out");
    check("{{#t}}T{{/t}}{{#f}}F{{/f}}", "{\"t\":true,\"f\":false}", "T");
    check("{{#s}}<{{.}}>{{/s}}{{#e}}E{{/e}}", "{\"s\":\"yes\",\"e\":\"\"}", "<yes>");
    check("{{#n}}[{{.}}]{{/n}}{{#z}}Z{{/z}}{{#r}}R{{/r}}", "{\"n\":3,\"z\":0,\"r\":0.0}", "[3]");
    check("{{#missing}}M{{/missing}}", "{}", "");
}

static void test_inverted(void **state)
{
    check("{{^xs}}none{{/xs}}", "{\"xs\":[]}", "none");
    check("{{^xs}}none{{/xs}}", "{\"xs\":[1]}", "");
    check("{{^f}}F{{/f}}{{^t}}T{{/t}}{{^m}}M{{/m}}{{^e}}E{{/e}}{{^z}}Z{{/z}}",
          "{\"f\":false,\"t\":true,\"e\":\"\",\"z\":0}", "FMEZ");
}

static void test_field_error_pattern(void **state)
{
    const char *src =
        "<input id=\"uscc\" name=\"uscc\" value=\"{{form.uscc}}\">"
        "{{#errors.uscc}}<p class=\"field-error\" id=\"uscc-error\">{{errors.uscc}}</p>"
        "{{/errors.uscc}}";
    check(src, "{\"form\":{\"uscc\":\"9150<\"},\"errors\":{\"uscc\":\"校验位错误\"}}",
          "<input id=\"uscc\" name=\"uscc\" value=\"9150&lt;\">"
          "<p class=\"field-error\" id=\"uscc-error\">校验位错误</p>");
    check(src, "{}", "<input id=\"uscc\" name=\"uscc\" value=\"\">");
}

static void test_equality_sections(void **state)
{
    const char *src = "{{#t=discrete}}D{{/t=discrete}}{{^t=discrete}}-{{/t=discrete}}"
                      "{{#n=3}}3{{/n=3}}{{#b=true}}B{{/b=true}}{{#xs=5g}}5G{{/xs=5g}}"
                      "{{#xs=ai}}AI{{/xs=ai}}{{#m=x}}M{{/m=x}}";
    check(src, "{\"t\":\"discrete\",\"n\":3,\"b\":true,\"xs\":[\"cloud\",\"5g\"]}", "D3B5G");
    check(src, "{\"t\":\"process\",\"n\":4,\"b\":false,\"xs\":[]}", "-");
}

static void test_standalone_lines(void **state)
{
    check("<ul>\n  {{#xs}}\n  <li>{{.}}</li>\n  {{/xs}}\n</ul>\n", "{\"xs\":[1,2]}",
          "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n");
    /* Not alone on the line: whitespace kept. */
    check("a {{#t}}x{{/t}} b\n", "{\"t\":true}", "a x b\n");
    check("a\r\n{{#t}}\r\nx\r\n{{/t}}\r\n", "{\"t\":true}", "a\r\nx\r\n");
}

/* ==== Partials ================================================================================ */

static void test_partials(void **state)
{
    tpl_set *set = tpl_set_new();
    const char *head = "<title>{{title}}</title>";
    assert_int_equal(tpl_set_add(set, "layout_head", head, strlen(head), NULL), 0);
    const char *row = "<li>{{name}}|{{title}}</li>";
    assert_int_equal(tpl_set_add(set, "row", row, strlen(row), NULL), 0);
    char *got = render_in(set, "{{>layout_head}}{{#xs}}{{> row }}{{/xs}}{{>absent}}",
                          "{\"title\":\"首页\",\"xs\":[{\"name\":\"a\"}]}");
    assert_string_equal(got, "<title>首页</title><li>a|首页</li>");
    free(got);
    char *err = NULL;
    assert_int_equal(tpl_set_check(set, &err), -1);
    assert_non_null(strstr(err, "absent"));
    free(err);
    const char *fixed = "{{>row}}";
    assert_int_equal(tpl_set_add(set, "t", fixed, strlen(fixed), NULL), 0);
    assert_int_equal(tpl_set_check(set, NULL), 0);
    tpl_set_free(set);
}

static void test_runaway_partials_stop(void **state)
{
    tpl_set *set = tpl_set_new();
    const char *self = "x{{>loop}}{{>loop}}{{>loop}}";
    assert_int_equal(tpl_set_add(set, "loop", self, strlen(self), NULL), 0);
    sbuf out;
    sbuf_init(&out);
    assert_int_equal(tpl_render(set, "loop", NULL, &out), -1);
    sbuf_free(&out);
    sbuf_init(&out);
    assert_int_equal(tpl_render(set, "nope", NULL, &out), -1);
    sbuf_free(&out);
    tpl_set_free(set);
}

static void test_replace_same_name(void **state)
{
    tpl_set *set = tpl_set_new();
    assert_int_equal(tpl_set_add(set, "t", "one", 3, NULL), 0);
    assert_int_equal(tpl_set_add(set, "t", "two", 3, NULL), 0);
    sbuf out;
    sbuf_init(&out);
    assert_int_equal(tpl_render(set, "t", NULL, &out), 0);
    assert_string_equal(out.data, "two");
    sbuf_free(&out);
    /* A failed re-add leaves the old one in place. */
    assert_int_equal(tpl_set_add(set, "t", "{{#x}}", 6, NULL), -1);
    assert_true(tpl_set_has(set, "t"));
    tpl_set_free(set);
}

/* ==== Parse errors ============================================================================ */

static void test_parse_errors(void **state)
{
    char *err = parse_error("line1\nline2\n{{#items}}\n<li>\n");
    assert_non_null(strstr(err, "page"));
    assert_non_null(strstr(err, "line 3"));
    assert_non_null(strstr(err, "unclosed section"));
    free(err);

    err = parse_error("{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}");
    assert_non_null(strstr(err, "line 3"));
    assert_non_null(strstr(err, "mismatched"));
    free(err);

    err = parse_error("x\n\n{{/a}}");
    assert_non_null(strstr(err, "line 3"));
    assert_non_null(strstr(err, "without an open section"));
    free(err);

    err = parse_error("a\n{{name");
    assert_non_null(strstr(err, "line 2"));
    assert_non_null(strstr(err, "unclosed tag"));
    free(err);

    free(parse_error("{{{raw}}"));
    free(parse_error("{{}}"));
    free(parse_error("{{a..b}}"));
    free(parse_error("{{a b}}"));
    free(parse_error("{{.a}}"));
    free(parse_error("{{>}}"));
    free(parse_error("{{=<% %>=}}"));

    /* Deep nesting is refused rather than recursed into. */
    sbuf deep;
    sbuf_init(&deep);
    for (int i = 0; i < 100; i++)
        sbuf_puts(&deep, "{{#a}}");
    for (int i = 0; i < 100; i++)
        sbuf_puts(&deep, "{{/a}}");
    free(parse_error(deep.data));
    sbuf_free(&deep);
}

/* ==== The embedded pages ====================================================================== */

/* A flat row (tpl_render_row): its strings answer plain names, escaped like any value;
 * sections over them are on when non-empty or equal to the literal; names it lacks, dotted
 * names and partials resolve in the jansson context around it; NULL means missing. */
static void test_render_row(void **state)
{
    (void)state;
    tpl_set *set = tpl_set_new();
    const char *src =
        "<{{id}}|{{name}}|{{#flag}}F{{/flag}}{{^flag}}f{{/flag}}|"
        "{{#status=submitted}}S{{/status=submitted}}{{^status=done}}!d{{/status=done}}|"
        "{{missing}}{{#missing}}M{{/missing}}{{^missing}}m{{/missing}}|{{title}}|"
        "{{a.b}}|{{>p}}>";
    char *err = NULL;
    assert_int_equal(tpl_set_add(set, "t", src, strlen(src), &err), 0);
    assert_int_equal(tpl_set_add(set, "p", "[{{id}}{{title}}]", 17, &err), 0);
    static const char *const keys[] = {"id", "name", "flag", "status", "missing", "title"};
    const char *vals[] = {"7", "A&B<\"'`>", "", "submitted", NULL, "row title"};
    tpl_row row = {keys, vals, 6};
    json_t *ctx = json_pack("{s:s,s:{s:s},s:s,s:s}", "title", "outer", "a", "b", "dotted", "flag",
                            "outer-flag", "missing", "outer-missing");
    sbuf out;
    sbuf_init(&out);
    assert_int_equal(tpl_render_row(set, "t", ctx, &row, &out), 0);
    /* flag "" is off even though the outer context has a true one: the row answers first;
     * `missing` is NULL in the row, so the outer value is used. */
    assert_string_equal(out.data, "<7|A&amp;B&lt;&quot;&#39;&#96;&gt;|f|S!d|outer-missingM|row "
                                  "title|dotted|[7row title]>");
    sbuf_free(&out);
    /* Without a context, a missing name renders nothing and its section is off. */
    sbuf_init(&out);
    vals[4] = NULL;
    assert_int_equal(tpl_render_row(set, "t", NULL, &row, &out), 0);
    assert_string_equal(out.data,
                        "<7|A&amp;B&lt;&quot;&#39;&#96;&gt;|f|S!d|m|row title||[7row title]>");
    sbuf_free(&out);
    assert_int_equal(tpl_render_row(set, "nope", NULL, &row, &out), -1);
    sbuf_free(&out);
    json_decref(ctx);
    tpl_set_free(set);
}

/* Inside a section opened over a jansson value, a name the value lacks is found in the row
 * outside it (frames are searched innermost out, rows included); one the value has wins. */
static void test_render_row_inside_section(void **state)
{
    (void)state;
    tpl_set *set = tpl_set_new();
    const char *src = "{{#form}}<{{name}}|{{{options}}}|{{title}}>{{/form}}{{^form}}none{{/form}}";
    char *err = NULL;
    assert_int_equal(tpl_set_add(set, "t", src, strlen(src), &err), 0);
    static const char *const keys[] = {"options", "name"};
    const char *vals[] = {"<option>1</option>", "row name"};
    tpl_row row = {keys, vals, 2};
    json_t *ctx = json_pack("{s:{s:s},s:s}", "form", "name", "form name", "title", "outer");
    sbuf out;
    sbuf_init(&out);
    assert_int_equal(tpl_render_row(set, "t", ctx, &row, &out), 0);
    assert_string_equal(out.data, "<form name|<option>1</option>|outer>");
    sbuf_free(&out);
    json_decref(ctx);
    tpl_set_free(set);
}

static void test_assets_load_and_render(void **state)
{
    char *err = NULL;
    tpl_set *set = tpl_set_load_assets(&err);
    if (!set) fail_msg("%s", err);
    const char *pages[] = {"home",         "register",         "login",           "portal",
                           "imp_entry",    "dashboard",        "profile",         "projects",
                           "project_form", "application_form", "application",     "admin_accounts",
                           "error",        "district_queue",   "commission_desk", "expert_desk"};
    json_t *ctx = json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s,s:s}},s:{s:s,s:s,s:s}}", "title", "测试",
                            "csrf_token", "tok<", "batch", "name", "2020年", "contacts", "person",
                            "吴鹏飞", "phone", "63895239", "support", "68720003", "account",
                            "username", "u", "display_name", "王工", "role", "enterprise");
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
        assert_true(tpl_set_has(set, pages[i]));
        sbuf out;
        sbuf_init(&out);
        assert_int_equal(tpl_render(set, pages[i], ctx, &out), 0);
        /* The page's context comment and the partials leave nothing before the doctype. */
        assert_int_equal(strncmp(out.data, "<!doctype html>\n", 16), 0);
        assert_null(strstr(out.data + 1, "<!doctype"));
        assert_true(out.len > 8 && strcmp(out.data + out.len - 8, "</html>\n") == 0);
        assert_non_null(strstr(out.data, "重庆市智能制造信息管理平台"));
        assert_non_null(strstr(out.data, "63895239"));
        assert_null(strstr(out.data, "tok<")); /* the token is escaped wherever it appears */
        assert_null(strstr(out.data, "{{"));
        sbuf_free(&out);
    }
    json_decref(ctx);
    tpl_set_free(set);
}

/* A template's comment ends at the first "}}": a "}}" inside the comment's own text ends it early
 * and prints the rest on the page. Every comment of the shipped templates must end where its
 * line does. */
static void test_template_comments_end_at_line_end(void **state)
{
    (void)state;
    int seen = 0;
    for (const assets_file *f = assets_files; f->name; f++) {
        if (strncmp(f->name, "templates/", 10) != 0) continue;
        const char *end = (const char *)f->data + f->len;
        for (const char *p = (const char *)f->data; p && p < end;) {
            const char *open = memmem(p, (size_t)(end - p), "{{!", 3);
            if (!open) break;
            const char *close = memmem(open, (size_t)(end - open), "}}", 2);
            if (!close) fail_msg("%s: a comment is never closed", f->name);
            const char *after = close + 2;
            if (after < end && *after != '\n')
                fail_msg(
                    "%s: a comment ends in the middle of a line (\"%.30s\"): is there a \"}}\" "
                    "inside it?",
                    f->name, after);
            seen++;
            p = after;
        }
    }
    assert_true(seen >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_every_special_character),
        cmocka_unit_test(test_render_row),
        cmocka_unit_test(test_render_row_inside_section),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_missing_renders_empty),
        cmocka_unit_test(test_dotted_names),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_section_array_loops_with_item_context),
        cmocka_unit_test(test_nested_context_lookup),
        cmocka_unit_test(test_section_object_and_scalars),
        cmocka_unit_test(test_inverted),
        cmocka_unit_test(test_field_error_pattern),
        cmocka_unit_test(test_equality_sections),
        cmocka_unit_test(test_standalone_lines),
        cmocka_unit_test(test_partials),
        cmocka_unit_test(test_runaway_partials_stop),
        cmocka_unit_test(test_replace_same_name),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_assets_load_and_render),
        cmocka_unit_test(test_template_comments_end_at_line_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
