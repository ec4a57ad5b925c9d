/* fuzz_csv — libFuzzer harness for the CSV a person uploads: the RFC 4180 reader of the legacy
 * imports (service/legacy.c's csv_next and csv_open, static, reached by including the source:
 * mk/fuzz.mk links each harness from an archive, so legacy.c's own object is then left out),
 * the districts list (rules_districts_from_csv) and the holiday calendar's dates
 * (cal_parse_date, as svc_holidays_import reads its first column). The reader must move forward
 * on every record, keep at most CSV_MAX_FIELDS fields trimmed of blanks, and count lines
 * upwards; a date it accepts must format back to the same text. */
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/rules.h"
#include "fuzz_common.h"
#include "service/legacy.c"

static void check_reader(const char *csv, size_t len)
{
    csv_reader r = {.p = csv, .end = csv + len, .line = 1};
    csv_record rec;
    const char *why = NULL;
    int rc, last_line = 1;
    size_t records = 0;
    while ((rc = csv_next(&r, &rec, &why)) != 0) {
        FUZZ_CHECK(++records <= len + 1, "csv_next does not end (%zu records)", records);
        FUZZ_CHECK(rec.line >= last_line && r.line >= rec.line, "line numbers go backwards");
        last_line = rec.line;
        if (rc < 0) {
            FUZZ_CHECK(why && rec.n == 0, "a broken record without a reason, or with fields");
            continue;
        }
        FUZZ_CHECK(rc == 1 && rec.n >= 1 && rec.n <= CSV_MAX_FIELDS, "record of %d fields", rec.n);
        for (int i = 0; i < rec.n; i++) {
            const char *f = rec.f[i];
            size_t n = strlen(f);
            FUZZ_CHECK(!n || (f[0] != ' ' && f[0] != '\t' && f[n - 1] != ' ' && f[n - 1] != '\t'),
                       "field %d not trimmed: [%s]", i, f);
            cal_date d;
            if (cal_parse_date(f, &d) == 0) {
                char buf[CAL_DATE_BUF];
                FUZZ_CHECK(strcmp(cal_format_date(d, buf), f) == 0, "date %s formats as %s", f,
                           buf);
            }
        }
        csv_record_free(&rec);
    }
    FUZZ_CHECK(r.p == r.end, "the reader stopped before the end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *csv = (const char *)data;
    check_reader(csv, size);

    /* the headers of both imports, as the service opens them (UTF-8 and the BOM first) */
    static const char *acc[] = {"username", "password_hash", "uscc", "enterprise_name",
                                "district_code"};
    static const char *cert[] = {
        "certificate_no",    "year", "type", "uscc", "enterprise_name", "site_name",
        "included_workshops"};
    csv_reader r;
    svc_err e = {0};
    if (csv_open(csv, size, acc, 5, &r, &e) == 0) check_reader(r.p, (size_t)(r.end - r.p));
    svc_err_clear(&e);
    if (csv_open(csv, size, cert, 7, &r, &e) == 0) check_reader(r.p, (size_t)(r.end - r.p));
    svc_err_clear(&e);

    json_t *districts = rules_districts_from_csv(csv, size);
    if (districts) {
        FUZZ_CHECK(json_is_array(districts), "districts: no array");
        size_t i;
        json_t *d;
        json_array_foreach(districts, i, d)
        {
            static const char *keys[] = {"code", "name", "type", "group"};
            for (int k = 0; k < 4; k++)
                FUZZ_CHECK(json_is_string(json_object_get(d, keys[k])), "district %zu lacks %s", i,
                           keys[k]);
        }
        json_decref(districts);
    }
    return 0;
}
