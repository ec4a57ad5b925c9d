/* page_batch_rules — the commission's page for everything a batch's rules hold, so the next
 * batch needs no code: the window and district deadline (Beijing time, "24:00" as the notice
 * writes it), contacts, every threshold of the pre-check, the district list, the 公示 period, the
 * expert score form and extra figures, with a preview of the pre-check an existing application
 * would get under the rules as typed (nothing saved).
 *
 * The page works on "values": one string per input, named as the inputs are. A GET takes them
 * from a batch (the one edited, or the one a new batch starts from); a post takes them as typed,
 * so a refusal shows exactly what was typed. The values become the body svc_batch_create /
 * svc_batch_update / svc_batch_preview take — the rules of the starting batch with every value
 * put in — and the service alone validates it; its reasons ("rules.checks.3.min") are mapped back
 * to the inputs they came from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/decimal.h"
#include "service/enterprise.h"
#include "service/reference.h"
#include "web/pages.h"

#define PR_ROWS_MAX 50

/* ---------------------------------------------------------------- small conversions */

static const char *pr_type_name(const char *t)
{
    if (t && !strcmp(t, "workshop")) return "数字化车间";
    if (t && !strcmp(t, "factory")) return "智能工厂";
    return "数字化车间和智能工厂";
}

static const char *pr_val(const json_t *vals, const char *key)
{
    const char *s = json_string_value(json_object_get(vals, key));
    return s ? s : "";
}

static void pr_set(json_t *vals, const char *key, const char *v)
{
    json_object_set_new(vals, key, json_string(v ? v : ""));
}

static void pr_setf(json_t *vals, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pr_setf(json_t *vals, const char *key, const char *fmt, ...)
{
    sbuf b;
    sbuf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    pr_set(vals, key, b.data);
    sbuf_free(&b);
}

/* A decimal JSON value (string or integer) as text; "" when absent. */
static char *pr_dec_text(const json_t *v)
{
    if (json_is_integer(v)) return xasprintf("%lld", (long long)json_integer_value(v));
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    return xstrdup("");
}

/* A share "0.65" as the percent a person types: "65". */
static char *pr_pct_text(const json_t *v)
{
    int64_t d;
    char *t = pr_dec_text(v);
    if (*t && dec_parse(t, &d) == 0) {
        char buf[DEC_BUF];
        dec_format_pct(d, buf, sizeof buf);
        char *pct = strchr(buf, '%');
        if (pct) *pct = '\0';
        free(t);
        return xstrdup(buf);
    }
    return t;
}

/* A typed percent "69.9" as a share "0.699" (the decimal point moved two places, exactly);
 * anything that is not a plain number stays as typed, for the service to name it. */
static json_t *pr_share(const char *s)
{
    size_t n = strlen(s), dots = 0;
    bool plain = n > 0 && n < 30;
    for (size_t i = 0; plain && i < n; i++) {
        if (s[i] == '.')
            dots++;
        else if (s[i] < '0' || s[i] > '9')
            plain = false;
    }
    if (!plain || dots > 1 || s[0] == '.' || s[n - 1] == '.') return json_string(s);
    const char *dot = strchr(s, '.');
    size_t ilen = dot ? (size_t)(dot - s) : n;
    const char *frac = dot ? dot + 1 : "";
    /* the integer part with at least three digits, so that two can move behind the point */
    char ip[40], out[80];
    size_t pad = ilen < 3 ? 3 - ilen : 0;
    memset(ip, '0', pad);
    memcpy(ip + pad, s, ilen);
    ip[pad + ilen] = '\0';
    size_t il = strlen(ip);
    const char *head = ip;
    while (head < ip + il - 3 && *head == '0')
        head++; /* leading zeros, keeping one before the point */
    snprintf(out, sizeof out, "%.*s.%s%s", (int)(ip + il - 2 - head), head, ip + il - 2, frac);
    size_t ol = strlen(out);
    while (out[ol - 1] == '0')
        out[--ol] = '\0';
    if (out[ol - 1] == '.') out[--ol] = '\0';
    return json_string(out);
}

/* A typed whole number as a JSON integer; other text as typed (the service names it). */
static json_t *pr_int(const char *s)
{
    if (!*s || strlen(s) > 15) return json_string(s);
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return json_string(s);
    return json_integer(strtoll(s, NULL, 10));
}

/* A typed number as a decimal string: trimmed, else as typed. */
static json_t *pr_dec(const char *s)
{
    return json_string(s);
}

/* An instant as the date and the time a person reads: an exclusive end at midnight is the day
 * before at "24:00", as the notice writes it. */
static void pr_time_vals(json_t *vals, const char *key, const json_t *rfc, bool end)
{
    int64_t t;
    char dk[32], tk[32], d[CAL_DATE_BUF];
    snprintf(dk, sizeof dk, "%s_date", key);
    snprintf(tk, sizeof tk, "%s_time", key);
    if (!json_is_string(rfc) || cal_parse_rfc3339(json_string_value(rfc), &t) != 0) {
        pr_set(vals, dk, "");
        pr_set(vals, tk, "");
        return;
    }
    int64_t sec = ((t + CAL_TZ_OFFSET) % 86400 + 86400) % 86400;
    if (end && sec == 0) {
        pr_set(vals, dk, cal_format_date(cal_date_of_epoch(t - 1), d));
        pr_set(vals, tk, "24:00");
    } else {
        pr_set(vals, dk, cal_format_date(cal_date_of_epoch(t), d));
        pr_setf(vals, tk, "%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60));
    }
}

/* The typed date and time as RFC 3339 (+08:00), "24:00" the next day's start; NULL when both
 * are empty; text the service will refuse (naming the field) when they are no time. */
static json_t *pr_time(const json_t *vals, const char *key)
{
    char dk[32], tk[32];
    snprintf(dk, sizeof dk, "%s_date", key);
    snprintf(tk, sizeof tk, "%s_time", key);
    const char *d = pr_val(vals, dk), *tm = pr_val(vals, tk);
    if (!*d && !*tm) return NULL;
    cal_date day;
    int h = -1, m = -1;
    char tail;
    if (cal_parse_date(d, &day) != 0 || strlen(tm) != 5 ||
        sscanf(tm, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || m < 0 || m > 59 || h > 24 ||
        (h == 24 && m != 0))
        return json_pack("{s:s}", "typed", "x"); /* not a string: refused as no time */
    if (h == 24) day = cal_add_days(day, 1), h = 0;
    char buf[CAL_DATE_BUF], out[40];
    snprintf(out, sizeof out, "%sT%02d:%02d:00+08:00", cal_format_date(day, buf), h, m);
    return json_string(out);
}

/* ---------------------------------------------------------------- the rules' rows */

/* Whether check row `row` is the threshold of an extra figure (shown with the figure). */
static bool pr_is_extra_row(const json_t *row, const json_t *figures)
{
    const char *kind = json_string_value(json_object_get(row, "kind"));
    const char *fig = json_string_value(json_object_get(row, "figure"));
    if (!kind || strcmp(kind, "value_min") || !fig) return false;
    size_t i;
    json_t *f;
    json_array_foreach(figures, i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        if (p && !strcmp(p, fig)) return true;
    }
    return false;
}

/* Whether check row `row` has a threshold this page edits. */
static bool pr_has_threshold(const json_t *row)
{
    const char *kind = json_string_value(json_object_get(row, "kind"));
    return kind && (!strcmp(kind, "ratio_min") || !strcmp(kind, "improvement_min") ||
                    !strcmp(kind, "value_min") || !strcmp(kind, "count_min_by_manufacturing_type"));
}

static bool pr_is_share(const json_t *row)
{
    const char *kind = json_string_value(json_object_get(row, "kind"));
    const char *fmt = json_string_value(json_object_get(row, "format"));
    return kind && (!strcmp(kind, "ratio_min") || !strcmp(kind, "improvement_min") ||
                    (!strcmp(kind, "value_min") && fmt && !strcmp(fmt, "percent")));
}

static const char *const PR_MTYPES[][2] = {
    {"discrete", "离散型"}, {"process", "流程型"}, {"mixed", "混合型"}};

/* ---------------------------------------------------------------- batch → values */

static json_t *pr_vals_from_batch(const json_t *b, bool copy_identity)
{
    json_t *vals = json_object();
    const json_t *rules = json_object_get(b, "rules"), *contacts = json_object_get(b, "contacts");
    if (copy_identity) {
        pr_setf(vals, "year", "%lld", (long long)json_integer_value(json_object_get(b, "year")));
        pr_set(vals, "name", json_string_value(json_object_get(b, "name")));
        pr_set(vals, "notice_no", json_string_value(json_object_get(b, "notice_no")));
        pr_time_vals(vals, "opens", json_object_get(b, "opens_at"), false);
        pr_time_vals(vals, "closes", json_object_get(b, "closes_at"), true);
        pr_time_vals(vals, "deadline", json_object_get(b, "district_deadline"), true);
    }
    static const char *const cks[] = {"person", "phone", "support"};
    for (size_t i = 0; i < 3; i++) {
        char k[32];
        snprintf(k, sizeof k, "contacts.%s", cks[i]);
        pr_set(vals, k, json_string_value(json_object_get(contacts, cks[i])));
    }
    char *t = pr_dec_text(json_object_get(rules, "investment_threshold"));
    pr_set(vals, "investment_threshold", t);
    free(t);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(rules, "reduced_ratio"), k, v)
    {
        char *key = xasprintf("ratio.%s", k);
        t = pr_pct_text(v);
        pr_set(vals, key, t);
        free(t);
        free(key);
    }
    pr_set(vals, "class1_earliest_start",
           json_string_value(json_object_get(rules, "class1_earliest_start")));
    static const char *const ints[] = {"class1_max_months", "class1_min_progress"};
    for (size_t i = 0; i < 2; i++) {
        t = pr_dec_text(json_object_get(rules, ints[i]));
        pr_set(vals, ints[i], t);
        free(t);
    }
    sbuf years;
    sbuf_init(&years);
    size_t i;
    json_array_foreach(json_object_get(rules, "prior_batch_years"), i, v)
        sbuf_printf(&years, "%s%lld", i ? "," : "", (long long)json_integer_value(v));
    pr_set(vals, "prior_batch_years", years.data);
    sbuf_free(&years);
    const json_t *pub = json_object_get(rules, "publicity");
    t = pr_dec_text(json_object_get(pub, "length"));
    pr_set(vals, "publicity.length", t);
    free(t);
    const char *unit = json_string_value(json_object_get(pub, "unit"));
    pr_set(vals, "publicity.unit", unit ? unit : "working_days");
    /* thresholds, by the row's place in the starting batch's checks */
    const json_t *figures = json_object_get(rules, "form_figures");
    json_t *row;
    json_array_foreach(json_object_get(rules, "checks"), i, row)
    {
        if (!pr_has_threshold(row) || pr_is_extra_row(row, figures)) continue;
        const char *kind = json_string_value(json_object_get(row, "kind"));
        char key[48];
        if (!strcmp(kind, "count_min_by_manufacturing_type")) {
            for (size_t m = 0; m < 3; m++) {
                snprintf(key, sizeof key, "min.%zu.%s", i, PR_MTYPES[m][0]);
                t = pr_dec_text(json_object_get(json_object_get(row, "min"), PR_MTYPES[m][0]));
                pr_set(vals, key, t);
                free(t);
            }
            continue;
        }
        snprintf(key, sizeof key, "min.%zu", i);
        t = pr_is_share(row) ? pr_pct_text(json_object_get(row, "min"))
                             : pr_dec_text(json_object_get(row, "min"));
        pr_set(vals, key, t);
        free(t);
    }
    /* the score form */
    json_t *c;
    size_t n = 0;
    json_array_foreach(json_object_get(rules, "score_form"), i, c)
    {
        char key[48];
        snprintf(key, sizeof key, "score.%zu.id", n);
        pr_set(vals, key, json_string_value(json_object_get(c, "id")));
        snprintf(key, sizeof key, "score.%zu.name", n);
        pr_set(vals, key, json_string_value(json_object_get(c, "name")));
        snprintf(key, sizeof key, "score.%zu.max", n);
        t = pr_dec_text(json_object_get(c, "max"));
        pr_set(vals, key, t);
        free(t);
        n++;
    }
    pr_setf(vals, "score_n", "%zu", n);
    /* extra figures and their thresholds per type */
    n = 0;
    json_t *f;
    json_array_foreach(figures, i, f)
    {
        const char *path = json_string_value(json_object_get(f, "path"));
        char key[48];
        snprintf(key, sizeof key, "fig.%zu.path", n);
        pr_set(vals, key, path);
        snprintf(key, sizeof key, "fig.%zu.label", n);
        pr_set(vals, key, json_string_value(json_object_get(f, "label")));
        snprintf(key, sizeof key, "fig.%zu.unit", n);
        pr_set(vals, key, json_string_value(json_object_get(f, "unit")));
        size_t j;
        json_array_foreach(json_object_get(rules, "checks"), j, row)
        {
            const char *fig = json_string_value(json_object_get(row, "figure"));
            const char *to = json_string_value(json_object_get(row, "applies_to"));
            if (!fig || !path || strcmp(fig, path) || !pr_is_extra_row(row, figures)) continue;
            for (size_t ty = 0; ty < 2; ty++) {
                const char *type = ty ? "factory" : "workshop";
                if (to && strcmp(to, "both") && strcmp(to, type)) continue;
                snprintf(key, sizeof key, "fig.%zu.%s", n, type);
                t = pr_dec_text(json_object_get(row, "min"));
                pr_set(vals, key, t);
                free(t);
            }
        }
        n++;
    }
    pr_setf(vals, "fig_n", "%zu", n);
    /* the districts taking part: the batch's own list, else every one */
    const json_t *ds = json_object_get(rules, "districts");
    pr_set(vals, "districts_all", json_is_array(ds) ? "" : "1");
    sbuf codes;
    sbuf_init(&codes);
    json_array_foreach(ds, i, v) sbuf_printf(&codes, "%s%s", codes.len ? "," : "",
                                             json_string_value(json_object_get(v, "code")) ?: "");
    pr_set(vals, "districts", codes.data);
    sbuf_free(&codes);
    return vals;
}

/* ---------------------------------------------------------------- post → values */

static size_t pr_count(const json_t *vals, const char *key)
{
    const char *s = pr_val(vals, key);
    long n = strtol(s, NULL, 10);
    return n < 0 ? 0 : n > PR_ROWS_MAX ? PR_ROWS_MAX : (size_t)n;
}

/* Renumbers the rows of a list ("score" or "fig") without those marked to be removed, and adds
 * an empty row when asked. */
static void pr_compact(json_t *vals, const char *list, const char *const *cols, bool add)
{
    char nk[16], key[64], from[64];
    snprintf(nk, sizeof nk, "%s_n", list);
    size_t n = pr_count(vals, nk), out = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s.%zu.remove", list, i);
        bool removed = *pr_val(vals, key);
        json_object_del(vals, key);
        for (size_t c = 0; cols[c]; c++) {
            snprintf(from, sizeof from, "%s.%zu.%s", list, i, cols[c]);
            json_t *v = json_incref(json_object_get(vals, from));
            json_object_del(vals, from);
            if (removed) {
                json_decref(v);
                continue;
            }
            snprintf(key, sizeof key, "%s.%zu.%s", list, out, cols[c]);
            json_object_set_new(vals, key, v ? v : json_string(""));
        }
        if (!removed) out++;
    }
    if (add && out < PR_ROWS_MAX) {
        for (size_t c = 0; cols[c]; c++) {
            snprintf(key, sizeof key, "%s.%zu.%s", list, out, cols[c]);
            pr_set(vals, key, "");
        }
        out++;
    }
    pr_setf(vals, nk, "%zu", out);
}

static const char *const PR_SCORE_COLS[] = {"id", "name", "max", NULL};
static const char *const PR_FIG_COLS[] = {"path", "label", "unit", "workshop", "factory", NULL};

static json_t *pr_vals_from_form(req *r, const char *action)
{
    json_t *vals = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(r->form, k, v)
    {
        if (strcmp(k, "csrf_token") && strcmp(k, "action")) json_object_set(vals, k, v);
    }
    pr_compact(vals, "score", PR_SCORE_COLS, !strcmp(action, "add_score"));
    pr_compact(vals, "fig", PR_FIG_COLS, !strcmp(action, "add_figure"));
    return vals;
}

/* ---------------------------------------------------------------- values → body */

/* Records that the service's reason for `key` belongs beside input `input`. */
static void pr_map(json_t *emap, const char *key, const char *input)
{
    json_object_set_new(emap, key, json_string(input));
}

static void pr_rules_scalars(const json_t *vals, json_t *rules, json_t *emap)
{
    const char *s = pr_val(vals, "investment_threshold");
    if (*s) json_object_set_new(rules, "investment_threshold", pr_int(s));
    pr_map(emap, "rules.investment_threshold", "investment_threshold");
    json_t *ratio = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)vals, k, v)
    {
        if (strncmp(k, "ratio.", 6) || !*json_string_value(v)) continue;
        json_object_set_new(ratio, k + 6, pr_share(json_string_value(v)));
        char *ek = xasprintf("rules.reduced_ratio.%s", k + 6);
        pr_map(emap, ek, k);
        free(ek);
    }
    json_object_set_new(rules, "reduced_ratio", ratio);
    s = pr_val(vals, "class1_earliest_start");
    json_object_set_new(rules, "class1_earliest_start", json_string(s));
    pr_map(emap, "rules.class1_earliest_start", "class1_earliest_start");
    static const char *const ints[] = {"class1_max_months", "class1_min_progress"};
    for (size_t i = 0; i < 2; i++) {
        json_object_set_new(rules, ints[i], pr_int(pr_val(vals, ints[i])));
        char *ek = xasprintf("rules.%s", ints[i]);
        pr_map(emap, ek, ints[i]);
        free(ek);
    }
    json_t *years = json_array();
    char *list = xstrdup(pr_val(vals, "prior_batch_years")), *save = NULL;
    for (char *y = strtok_r(list, ",，、 ", &save); y; y = strtok_r(NULL, ",，、 ", &save))
        json_array_append_new(years, pr_int(y));
    free(list);
    json_object_set_new(rules, "prior_batch_years", years);
    pr_map(emap, "rules.prior_batch_years", "prior_batch_years");
    json_object_set_new(rules, "publicity",
                        json_pack("{s:o,s:s}", "length", pr_int(pr_val(vals, "publicity.length")),
                                  "unit", pr_val(vals, "publicity.unit")));
    pr_map(emap, "rules.publicity.length", "publicity.length");
    pr_map(emap, "rules.publicity.unit", "publicity.length");
}

/* The thresholds of the starting batch's rows (`checks` is the new list, a copy). */
static void pr_rules_thresholds(const json_t *vals, json_t *checks, const json_t *figures,
                                json_t *emap)
{
    size_t i;
    json_t *row;
    json_array_foreach(checks, i, row)
    {
        if (!pr_has_threshold(row) || pr_is_extra_row(row, figures)) continue;
        const char *kind = json_string_value(json_object_get(row, "kind"));
        char key[48], ek[64];
        if (!strcmp(kind, "count_min_by_manufacturing_type")) {
            json_t *min = json_object();
            for (size_t m = 0; m < 3; m++) {
                snprintf(key, sizeof key, "min.%zu.%s", i, PR_MTYPES[m][0]);
                const char *s = pr_val(vals, key);
                if (*s) json_object_set_new(min, PR_MTYPES[m][0], pr_int(s));
                snprintf(ek, sizeof ek, "rules.checks.%zu.min.%s", i, PR_MTYPES[m][0]);
                pr_map(emap, ek, key);
            }
            json_object_set_new(row, "min", min);
            continue;
        }
        snprintf(key, sizeof key, "min.%zu", i);
        const char *s = pr_val(vals, key);
        json_object_set_new(row, "min", pr_is_share(row) ? pr_share(s) : pr_dec(s));
        snprintf(ek, sizeof ek, "rules.checks.%zu.min", i);
        pr_map(emap, ek, key);
    }
}

/* A path for a new extra figure: extra_N, N above every one in use. */
static char *pr_new_path(const json_t *vals, size_t n)
{
    long top = 0;
    for (size_t i = 0; i < n; i++) {
        char key[48];
        snprintf(key, sizeof key, "fig.%zu.path", i);
        const char *p = pr_val(vals, key);
        if (!strncmp(p, "extra_", 6) && atol(p + 6) > top) top = atol(p + 6);
    }
    return xasprintf("extra_%ld", top + 1);
}

/* Extra figures replace those of the starting batch, with their threshold rows. */
static void pr_rules_figures(json_t *vals, json_t *rules, json_t *checks, json_t *emap)
{
    const json_t *old = json_object_get(rules, "form_figures");
    json_t *keep = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(checks, i, row) if (!pr_is_extra_row(row, old)) json_array_append(keep, row);
    json_t *figs = json_array();
    size_t n = pr_count(vals, "fig_n");
    for (i = 0; i < n; i++) {
        char key[48], ek[64];
        snprintf(key, sizeof key, "fig.%zu.path", i);
        if (!*pr_val(vals, key)) {
            char *p = pr_new_path(vals, n);
            pr_set(vals, key, p);
            free(p);
        }
        const char *path = pr_val(vals, key);
        snprintf(key, sizeof key, "fig.%zu.label", i);
        const char *label = pr_val(vals, key);
        snprintf(key, sizeof key, "fig.%zu.unit", i);
        const char *unit = pr_val(vals, key);
        json_t *f = json_pack("{s:s,s:s,s:s}", "path", path, "type", "decimal", "label", label);
        if (*unit) json_object_set_new(f, "unit", json_string(unit));
        json_array_append_new(figs, f);
        snprintf(ek, sizeof ek, "rules.form_figures.%zu.label", i);
        snprintf(key, sizeof key, "fig.%zu.label", i);
        pr_map(emap, ek, key);
        snprintf(ek, sizeof ek, "rules.form_figures.%zu.unit", i);
        snprintf(key, sizeof key, "fig.%zu.unit", i);
        pr_map(emap, ek, key);
        for (size_t ty = 0; ty < 2; ty++) {
            const char *type = ty ? "factory" : "workshop";
            snprintf(key, sizeof key, "fig.%zu.%s", i, type);
            const char *min = pr_val(vals, key);
            if (!*min) continue;
            char *id = xasprintf("X-%s", path);
            json_array_append_new(
                keep, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", id,
                                "condition", "extra", "applies_to", type, "severity", "error",
                                "kind", "value_min", "basis", "本批次补充指标", "label", label,
                                "figure", path, "min", min, "unit", unit, "format", "number"));
            free(id);
            snprintf(ek, sizeof ek, "rules.checks.%zu.min", json_array_size(keep) - 1);
            pr_map(emap, ek, key);
        }
    }
    json_object_set_new(rules, "form_figures", figs);
    json_object_set_new(rules, "checks", keep);
}

static void pr_rules_score(const json_t *vals, json_t *rules, json_t *emap)
{
    json_t *form = json_array();
    size_t n = pr_count(vals, "score_n");
    for (size_t i = 0; i < n; i++) {
        char key[48], ek[64];
        snprintf(key, sizeof key, "score.%zu.id", i);
        const char *id = pr_val(vals, key);
        char *gen = *id ? xstrdup(id) : xasprintf("c%zu", i + 1);
        /* a generated id must not repeat one kept from the starting batch */
        for (size_t j = 0; !*id && j < n; j++) {
            snprintf(key, sizeof key, "score.%zu.id", j);
            if (!strcmp(pr_val(vals, key), gen)) {
                free(gen);
                gen = xasprintf("c%zu_%zu", i + 1, j + 1);
            }
        }
        snprintf(key, sizeof key, "score.%zu.name", i);
        const char *name = pr_val(vals, key);
        snprintf(ek, sizeof ek, "rules.score_form.%zu.name", i);
        pr_map(emap, ek, key);
        snprintf(key, sizeof key, "score.%zu.max", i);
        json_array_append_new(form, json_pack("{s:s,s:s,s:o}", "id", gen, "name", name, "max",
                                              pr_int(pr_val(vals, key))));
        snprintf(ek, sizeof ek, "rules.score_form.%zu.max", i);
        pr_map(emap, ek, key);
        free(gen);
    }
    json_object_set_new(rules, "score_form", form);
    pr_map(emap, "rules.score_form", "score_total");
}

static void pr_rules_districts(req *r, const json_t *vals, json_t *rules, json_t *emap)
{
    pr_map(emap, "rules.districts", "districts");
    json_t *all = svc_districts(r->db), *chosen = json_array();
    char *list = xstrdup(pr_val(vals, "districts"));
    size_t i;
    json_t *d;
    json_array_foreach(all, i, d)
    {
        const char *code = json_string_value(json_object_get(d, "code"));
        char *save = NULL, *copy = xstrdup(list);
        for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
            if (code && !strcmp(c, code)) {
                json_array_append(chosen, d);
                break;
            }
        free(copy);
    }
    free(list);
    /* every district: no list of its own, so the batch follows the platform's */
    if (json_array_size(chosen) == json_array_size(all))
        json_object_del(rules, "districts");
    else
        json_object_set(rules, "districts", chosen);
    json_decref(chosen);
    json_decref(all);
}

/* The body of svc_batch_create (the update takes the same keys but year and notice_no). */
static json_t *pr_body(req *r, json_t *vals, const json_t *base_rules, json_t *emap)
{
    json_t *in = json_object();
    json_object_set_new(in, "year", pr_int(pr_val(vals, "year")));
    const char *texts[] = {"name", "notice_no"};
    for (size_t i = 0; i < 2; i++) {
        const char *s = pr_val(vals, texts[i]);
        if (*s) json_object_set_new(in, texts[i], json_string(s));
        pr_map(emap, texts[i], texts[i]);
    }
    static const char *const times[][2] = {
        {"opens_at", "opens"}, {"closes_at", "closes"}, {"district_deadline", "deadline"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *t = pr_time(vals, times[i][1]);
        if (t) json_object_set_new(in, times[i][0], t);
        char input[32];
        snprintf(input, sizeof input, "%s_date", times[i][1]);
        pr_map(emap, times[i][0], input);
    }
    pr_map(emap, "year", "year");
    json_object_set_new(in, "contacts",
                        json_pack("{s:s,s:s,s:s}", "person", pr_val(vals, "contacts.person"),
                                  "phone", pr_val(vals, "contacts.phone"), "support",
                                  pr_val(vals, "contacts.support")));
    pr_map(emap, "contacts", "contacts.person");
    json_t *rules = json_deep_copy(base_rules);
    if (!json_is_object(rules)) {
        json_decref(rules);
        rules = json_object();
    }
    json_t *checks = json_deep_copy(json_object_get(rules, "checks"));
    if (!json_is_array(checks)) {
        json_decref(checks);
        checks = json_array();
    }
    pr_rules_scalars(vals, rules, emap);
    pr_rules_thresholds(vals, checks, json_object_get(rules, "form_figures"), emap);
    pr_rules_figures(vals, rules, checks, emap);
    json_decref(checks);
    pr_rules_score(vals, rules, emap);
    pr_rules_districts(r, vals, rules, emap);
    json_object_set_new(in, "rules", rules);
    return in;
}

/* ---------------------------------------------------------------- values → page */

static json_t *pr_input(const json_t *vals, const json_t *errs, const char *name, const char *label,
                        const char *unit)
{
    json_t *o =
        json_pack("{s:s,s:s,s:s}", "name", name, "label", label, "value", pr_val(vals, name));
    if (unit && *unit) json_object_set_new(o, "unit", json_string(unit));
    const char *e = json_string_value(json_object_get(errs, name));
    if (e) json_object_set_new(o, "error", json_string(e));
    /* an id safe in HTML and CSS: letters and digits kept, dots as dashes, other bytes in hex */
    sbuf id;
    sbuf_init(&id);
    sbuf_puts(&id, "f-");
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
            sbuf_printf(&id, "%c", *c);
        else if (*c == '.' || *c == '_')
            sbuf_puts(&id, "-");
        else
            sbuf_printf(&id, "%02x", *c);
    }
    json_object_set_new(o, "id", json_string(id.data));
    sbuf_free(&id);
    return o;
}

static json_t *pr_thresholds(const json_t *vals, const json_t *errs, const json_t *rules)
{
    json_t *out = json_array();
    const json_t *figures = json_object_get(rules, "form_figures");
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(rules, "checks"), i, row)
    {
        if (!pr_has_threshold(row) || pr_is_extra_row(row, figures)) continue;
        const char *kind = json_string_value(json_object_get(row, "kind"));
        const char *label = json_string_value(json_object_get(row, "label"));
        const char *type = pr_type_name(json_string_value(json_object_get(row, "applies_to")));
        const char *basis = json_string_value(json_object_get(row, "basis"));
        char key[48];
        char *full = xasprintf("%s（%s）", label ? label : "申报条件", type);
        if (!strcmp(kind, "count_min_by_manufacturing_type")) {
            const char *unit = json_string_value(json_object_get(row, "unit"));
            for (size_t m = 0; m < 3; m++) {
                snprintf(key, sizeof key, "min.%zu.%s", i, PR_MTYPES[m][0]);
                char *l = xasprintf("%s不少于（%s制造企业）", full, PR_MTYPES[m][1]);
                json_t *in = pr_input(vals, errs, key, l, unit ? unit : "");
                json_object_set_new(in, "int", json_true());
                if (basis) json_object_set_new(in, "basis", json_string(basis));
                json_array_append_new(out, in);
                free(l);
            }
        } else {
            snprintf(key, sizeof key, "min.%zu", i);
            bool share = pr_is_share(row);
            const char *word =
                !strcmp(kind, "improvement_min")
                    ? (json_string_value(json_object_get(row, "direction")) &&
                               !strcmp(json_string_value(json_object_get(row, "direction")),
                                       "lower")
                           ? "降低不少于"
                           : "提高不少于")
                    : "不低于";
            char *l = xasprintf("%s%s", full, word);
            const char *unit = json_string_value(json_object_get(row, "unit"));
            json_t *in = pr_input(vals, errs, key, l, share ? "%" : unit ? unit : "");
            if (basis) json_object_set_new(in, "basis", json_string(basis));
            json_array_append_new(out, in);
            free(l);
        }
        free(full);
    }
    return out;
}

static json_t *pr_rows(const json_t *vals, const json_t *errs, const char *list,
                       const char *const *cols, const char *const *labels, int64_t *total)
{
    json_t *rows = json_array();
    char nk[16], key[64];
    snprintf(nk, sizeof nk, "%s_n", list);
    size_t n = pr_count(vals, nk);
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_pack("{s:I,s:I}", "index", (json_int_t)i, "no", (json_int_t)i + 1);
        for (size_t c = 0; cols[c]; c++) {
            snprintf(key, sizeof key, "%s.%zu.%s", list, i, cols[c]);
            char *l = xasprintf("第 %zu 项%s", i + 1, labels[c]);
            json_object_set_new(row, cols[c], pr_input(vals, errs, key, l, NULL));
            free(l);
            if (total && !strcmp(cols[c], "max")) {
                const char *s = pr_val(vals, key);
                char *end = NULL;
                long long v = strtoll(s, &end, 10);
                if (*s && end && !*end) *total += v;
            }
        }
        json_array_append_new(rows, row);
    }
    return rows;
}

static json_t *pr_districts_model(req *r, const json_t *vals)
{
    json_t *all = svc_districts(r->db), *out = json_array();
    bool every = *pr_val(vals, "districts_all");
    const char *list = pr_val(vals, "districts");
    size_t i;
    json_t *d;
    json_array_foreach(all, i, d)
    {
        const char *code = json_string_value(json_object_get(d, "code"));
        bool on = every;
        size_t n = strlen(code);
        for (const char *p = list; !on && (p = strstr(p, code)) != NULL; p += n)
            if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n])) on = true;
        json_array_append_new(out, json_pack("{s:s,s:O,s:O,s:b}", "code", code, "name",
                                             json_object_get(d, "name"), "group",
                                             json_object_get(d, "group"), "checked", on));
    }
    json_decref(all);
    return out;
}

/* The groups of districts with their reduced thresholds (one input each). */
static json_t *pr_groups(req *r, const json_t *vals, const json_t *errs)
{
    json_t *all = svc_districts(r->db), *out = json_array(), *seen = json_object();
    size_t i;
    json_t *d;
    json_array_foreach(all, i, d)
    {
        const char *g = json_string_value(json_object_get(d, "group"));
        if (!g || json_object_get(seen, g)) continue;
        json_object_set_new(seen, g, json_true());
        char *key = xasprintf("ratio.%s", g);
        char *l = xasprintf("%s的投资门槛按基本门槛的比例", g);
        json_array_append_new(out, pr_input(vals, errs, key, l, "%"));
        free(l);
        free(key);
    }
    json_decref(seen);
    json_decref(all);
    return out;
}

/* The short list of applications to preview with: the newest ones of the platform. */
static json_t *pr_preview_choices(req *r, const json_t *vals)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    svc_app_filter f = {.limit = 30};
    json_t *list = NULL, *out = json_array();
    if (svc_applications_list(&c, &f, &list, &e) != 0) {
        svc_err_clear(&e);
        return out;
    }
    const char *chosen = pr_val(vals, "preview_app");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(list, "items"), i, a)
    {
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        char ids[24];
        snprintf(ids, sizeof ids, "%lld", (long long)id);
        const char *en = json_string_value(json_object_get(a, "enterprise_name"));
        const char *pn = json_string_value(json_object_get(a, "project_name"));
        char *text =
            xasprintf("第 %lld 号 · %s · %s · %s", (long long)id, en ? en : "（未填企业名称）",
                      pn ? pn : "", pr_type_name(json_string_value(json_object_get(a, "type"))));
        json_array_append_new(out, json_pack("{s:s,s:s,s:b}", "id", ids, "text", text, "selected",
                                             !strcmp(chosen, ids)));
        free(text);
    }
    json_decref(list);
    return out;
}

typedef struct pr_page {
    int64_t id;         /* the batch edited; 0 for a new one */
    int64_t base_id;    /* the batch whose rules the page starts from */
    const json_t *base; /* that batch (borrowed) */
    json_t *vals;       /* borrowed */
    json_t *errs;       /* input → reason (borrowed) */
    json_t *general;    /* reasons with no input of their own (borrowed; may be NULL) */
    json_t *findings;   /* the preview's findings (borrowed; NULL: none run) */
    json_t *flash;      /* stolen */
} pr_page;

static int pr_render(req *r, int status, pr_page *p)
{
    const json_t *rules = json_object_get(p->base, "rules");
    const json_t *v = p->vals, *e = p->errs;
    json_t *ctx = json_pack("{s:s,s:{s:s}}", "title", p->id ? "批次申报条件" : "新建申报批次",
                            "nav", "current", "commission");
    json_object_set_new(ctx, "flash", p->flash ? p->flash : json_null());
    json_object_set_new(ctx, "editing", json_boolean(p->id != 0));
    json_object_set_new(ctx, "batch_id", json_integer(p->id));
    json_object_set_new(ctx, "base_id", json_integer(p->base_id));
    json_object_set_new(ctx, "base_name", json_incref(json_object_get(p->base, "name")));
    json_object_set_new(ctx, "action",
                        p->id ? json_sprintf("/commission/batches/%lld/rules", (long long)p->id)
                              : json_string("/commission/batches/new"));
    json_t *ident = json_array();
    json_array_append_new(ident, pr_input(v, e, "year", "年度", NULL));
    json_array_append_new(ident, pr_input(v, e, "name", "批次名称", NULL));
    json_array_append_new(ident, pr_input(v, e, "notice_no", "通知文号", NULL));
    if (p->id) { /* fixed once the batch exists */
        json_object_set_new(json_array_get(ident, 0), "readonly", json_true());
        json_object_set_new(json_array_get(ident, 2), "readonly", json_true());
    }
    json_object_set_new(ctx, "identity", ident);
    json_t *times = json_array();
    static const char *const tl[][2] = {
        {"opens", "申报开始"}, {"closes", "申报截止"}, {"deadline", "区县初审截止"}};
    for (size_t i = 0; i < 3; i++) {
        char dk[32], tk[32];
        snprintf(dk, sizeof dk, "%s_date", tl[i][0]);
        snprintf(tk, sizeof tk, "%s_time", tl[i][0]);
        json_t *t = pr_input(v, e, dk, tl[i][1], NULL);
        json_object_set_new(t, "time", pr_input(v, e, tk, tl[i][1], NULL));
        json_array_append_new(times, t);
    }
    json_object_set_new(ctx, "times", times);
    json_t *contacts = json_array();
    json_array_append_new(contacts, pr_input(v, e, "contacts.person", "联系人", NULL));
    json_array_append_new(contacts, pr_input(v, e, "contacts.phone", "联系电话", NULL));
    json_array_append_new(contacts, pr_input(v, e, "contacts.support", "技术支持电话", NULL));
    json_object_set_new(ctx, "contacts", contacts);
    json_t *basics = json_array();
    json_array_append_new(basics,
                          pr_input(v, e, "investment_threshold", "设备和软件投资门槛", "元"));
    json_array_append_new(basics,
                          pr_input(v, e, "class1_min_progress", "Ⅰ类项目建设进度不低于", "%"));
    json_array_append_new(basics,
                          pr_input(v, e, "class1_max_months", "Ⅰ类项目建设工期一般不超过", "个月"));
    json_object_set_new(ctx, "basics", basics);
    json_object_set_new(ctx, "earliest",
                        pr_input(v, e, "class1_earliest_start", "Ⅰ类项目开工日期不早于", NULL));
    json_object_set_new(ctx, "years",
                        pr_input(v, e, "prior_batch_years",
                                 "已认定、不得重复申报的往年批次（年度，逗号分隔）", NULL));
    json_object_set_new(ctx, "groups", pr_groups(r, v, e));
    json_object_set_new(ctx, "thresholds", pr_thresholds(v, e, rules));
    json_object_set_new(ctx, "publicity", pr_input(v, e, "publicity.length", "公示期", NULL));
    json_object_set_new(ctx, "publicity_days",
                        json_boolean(!strcmp(pr_val(v, "publicity.unit"), "days")));
    static const char *const sl[] = {"编号", "评分内容", "满分", NULL};
    int64_t total = 0;
    json_object_set_new(ctx, "score_rows", pr_rows(v, e, "score", PR_SCORE_COLS, sl, &total));
    json_object_set_new(ctx, "score_n", json_string(pr_val(v, "score_n")));
    json_object_set_new(ctx, "score_total", json_integer(total));
    json_object_set_new(ctx, "score_total_error", json_incref(json_object_get(e, "score_total")));
    static const char *const fl[] = {"编号",           "指标名称", "单位", "数字化车间不低于",
                                     "智能工厂不低于", NULL};
    json_object_set_new(ctx, "fig_rows", pr_rows(v, e, "fig", PR_FIG_COLS, fl, NULL));
    json_object_set_new(ctx, "fig_n", json_string(pr_val(v, "fig_n")));
    json_object_set_new(ctx, "districts", pr_districts_model(r, v));
    json_object_set_new(ctx, "districts_error", json_incref(json_object_get(e, "districts")));
    json_object_set_new(ctx, "general", p->general ? json_incref(p->general) : json_array());
    json_object_set_new(ctx, "preview_choices", pr_preview_choices(r, v));
    json_object_set_new(ctx, "preview_other", json_string(pr_val(v, "preview_other")));
    json_object_set_new(ctx, "preview_error", json_incref(json_object_get(e, "preview_app")));
    if (p->findings) {
        json_t *fs = json_array();
        size_t i, fail = 0;
        json_t *f;
        json_array_foreach(p->findings, i, f)
        {
            bool ok = json_is_true(json_object_get(f, "ok"));
            const char *sev = json_string_value(json_object_get(f, "severity"));
            bool warn = sev && !strcmp(sev, "warning");
            if (!ok && !warn) fail++;
            json_array_append_new(fs,
                                  json_pack("{s:b,s:b,s:O,s:O,s:O}", "ok", ok, "warning",
                                            !ok && warn, "message", json_object_get(f, "message"),
                                            "required", json_object_get(f, "required"), "actual",
                                            json_object_get(f, "actual")));
        }
        json_object_set_new(ctx, "preview",
                            json_pack("{s:o,s:I,s:b}", "findings", fs, "failing", (json_int_t)fail,
                                      "ok", fail == 0));
    }
    return web_page(r, status, "batch_rules", ctx);
}

static int pr_not_found(req *r)
{
    json_t *ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", "没有找到", "status", 404, "message",
                            "没有找到这个页面，或您无权查看。", "back_href", "/commission/batches");
    return web_page(r, 404, "error", ctx);
}

/* ---------------------------------------------------------------- handlers */

/* The batch a new one starts from: ?from=ID, else the newest. */
static json_t *pr_start_batch(req *r, const char *from)
{
    int64_t id = from ? strtoll(from, NULL, 10) : 0;
    json_t *b = id > 0 ? svc_batch_json(r->db, id) : NULL;
    if (b) return b;
    json_t *all = svc_batches(r->db);
    b = json_incref(json_array_get(json_object_get(all, "items"), 0));
    json_decref(all);
    return b;
}

int page_batch_new(req *r)
{
    json_t *base = pr_start_batch(r, web_query(r, "from"));
    if (!base) return pr_not_found(r);
    json_t *vals = pr_vals_from_batch(base, false);
    pr_set(vals, "year", "");
    json_t *errs = json_object();
    pr_page p = {.base_id = json_integer_value(json_object_get(base, "id")),
                 .base = base,
                 .vals = vals,
                 .errs = errs};
    int rc = pr_render(r, 200, &p);
    json_decref(errs);
    json_decref(vals);
    json_decref(base);
    return rc;
}

int page_batch_rules(req *r)
{
    json_t *b = svc_batch_json(r->db, web_param_id(r, 0));
    if (!b) return pr_not_found(r);
    json_t *vals = pr_vals_from_batch(b, true), *errs = json_object();
    const char *d = web_query(r, "done");
    pr_page p = {.id = web_param_id(r, 0),
                 .base_id = web_param_id(r, 0),
                 .base = b,
                 .vals = vals,
                 .errs = errs,
                 .flash =
                     d && !strcmp(d, "saved") ? json_pack("{s:s}", "ok", "已保存本批次的申报条件。")
                     : d && !strcmp(d, "created") ? json_pack("{s:s}", "ok", "申报批次已创建。")
                                                  : NULL};
    int rc = pr_render(r, 200, &p);
    json_decref(errs);
    json_decref(vals);
    json_decref(b);
    return rc;
}

/* The service's reasons beside their inputs; those without one in `general`. */
static void pr_errors(const svc_err *e, const json_t *emap, json_t *errs, json_t *general)
{
    const char *k;
    json_t *v;
    json_object_foreach(e->fields, k, v)
    {
        const char *input = json_string_value(json_object_get(emap, k));
        if (input && !json_object_get(errs, input))
            json_object_set(errs, input, v);
        else if (!input)
            json_array_append(general, v);
    }
}

/* One post of the page: save (create or update), preview, or add a row. */
static int pr_post(req *r, int64_t id)
{
    const char *action = web_form(r, "action");
    action = action ? action : "save";
    json_t *base = NULL;
    if (id) {
        base = svc_batch_json(r->db, id);
    } else {
        base = pr_start_batch(r, web_form(r, "base"));
    }
    if (!base) return pr_not_found(r);
    json_t *vals = pr_vals_from_form(r, action);
    if (id) { /* the year and the notice number stay as they are */
        pr_setf(vals, "year", "%lld", (long long)json_integer_value(json_object_get(base, "year")));
        pr_set(vals, "notice_no", json_string_value(json_object_get(base, "notice_no")));
    }
    json_t *errs = json_object(), *general = json_array(), *emap = json_object();
    json_t *body = pr_body(r, vals, json_object_get(base, "rules"), emap);
    pr_page p = {.id = id,
                 .base_id = json_integer_value(json_object_get(base, "id")),
                 .base = base,
                 .vals = vals,
                 .errs = errs,
                 .general = general};
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL, *findings = NULL;
    int status = 200, rc;
    if (!strcmp(action, "add_score") || !strcmp(action, "add_figure")) {
        rc = pr_render(r, 200, &p);
    } else if (!strcmp(action, "preview")) {
        const char *app = pr_val(vals, "preview_other");
        if (!*app) app = pr_val(vals, "preview_app");
        int64_t app_id = *app ? strtoll(app, NULL, 10) : 0;
        if (app_id <= 0) {
            json_object_set_new(errs, "preview_app", json_string("请选择或填写要预检的申报"));
            p.flash = json_pack("{s:s}", "error", "请选择要预检的申报。");
            status = 400;
        } else if (svc_batch_preview(&c, body, app_id, &findings, &e) != 0) {
            if (e.status == 404)
                json_object_set_new(errs, "preview_app",
                                    json_sprintf("没有第 %lld 号申报", (long long)app_id));
            pr_errors(&e, emap, errs, general);
            p.flash = json_pack("{s:s}", "error",
                                e.status == 404 ? "没有找到要预检的申报。"
                                                : "未能预检：请按提示修改标红的内容。");
            status = e.status ? e.status : 400;
            svc_err_clear(&e);
        } else {
            p.findings = findings;
            p.flash = json_pack("{s:s}", "ok", "预检结果见页面下方（未保存任何内容）。");
        }
        rc = pr_render(r, status, &p);
    } else {
        if (id) {
            json_object_del(body, "year");
            json_object_del(body, "notice_no");
        }
        rc = id ? svc_batch_update(&c, id, body, &out, &e) : svc_batch_create(&c, body, &out, &e);
        if (rc != 0) {
            pr_errors(&e, emap, errs, general);
            p.flash = json_pack(
                "{s:s}", "error",
                e.status == 400 || !e.message[0] ? "未保存：请按提示修改标红的内容。" : e.message);
            status = e.status ? e.status : 400;
            svc_err_clear(&e);
            rc = pr_render(r, status, &p);
        } else {
            char *loc = xasprintf("/commission/batches/%lld?done=%s",
                                  (long long)json_integer_value(json_object_get(out, "id")),
                                  id ? "saved" : "created");
            rc = web_redirect(r, loc);
            free(loc);
        }
    }
    json_decref(out);
    json_decref(findings);
    json_decref(body);
    json_decref(emap);
    json_decref(general);
    json_decref(errs);
    json_decref(vals);
    json_decref(base);
    return rc;
}

int page_batch_new_post(req *r)
{
    return pr_post(r, 0);
}

int page_batch_rules_post(req *r)
{
    int64_t id = web_param_id(r, 0);
    if (id <= 0) return pr_not_found(r);
    return pr_post(r, id);
}
