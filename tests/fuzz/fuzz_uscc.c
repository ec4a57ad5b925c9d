/* fuzz_uscc — libFuzzer harness for the Unified Social Credit Code (core/uscc): arbitrary text
 * is normalised and checked, as every USCC typed into a registration, a profile, a legacy
 * import or a verification query is. Holds the functions to each other: a code normalize
 * accepts is valid, normalises to itself, ends in its own check character and lies in
 * Chongqing only if valid; a code it refuses is not valid. The reason goes to a buffer of a
 * fuzzed size, so a reason written past it is an ASan report. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/uscc.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 256) return 0;
    /* The first byte sizes the reason's buffer (0: none), the rest is the code. */
    size_t errlen = data[0] % 160;
    char *in = fuzz_str(data + 1, size - 1);
    char *err = errlen ? malloc(errlen) : NULL;
    char out[USCC_LEN + 1];
    int rc = uscc_normalize(in, out, err, errlen);
    bool valid = uscc_valid(in);
    if (rc == 0) {
        FUZZ_CHECK(strlen(out) == USCC_LEN, "normalised code of length %zu", strlen(out));
        FUZZ_CHECK(valid, "normalize accepts \"%s\" but uscc_valid refuses it", in);
        FUZZ_CHECK(uscc_valid(out), "the normalised \"%s\" is not valid", out);
        char again[USCC_LEN + 1];
        FUZZ_CHECK(uscc_normalize(out, again, NULL, 0) == 0 && strcmp(again, out) == 0,
                   "normalising \"%s\" again changes it", out);
        FUZZ_CHECK(uscc_check_char(out) == out[USCC_LEN - 1], "check character of \"%s\"", out);
    } else {
        FUZZ_CHECK(rc == -1, "uscc_normalize returned %d", rc);
        if (err) FUZZ_CHECK(memchr(err, '\0', errlen), "reason not terminated in its buffer");
        FUZZ_CHECK(!valid, "uscc_valid accepts \"%s\" that normalize refuses", in);
    }
    if (uscc_in_chongqing(in)) FUZZ_CHECK(valid, "\"%s\" in Chongqing but not valid", in);
    if (strlen(in) >= USCC_LEN - 1) {
        char c = uscc_check_char(in);
        /* A valid code's last character is the check character of its first 17. */
        if (valid) FUZZ_CHECK(c == out[USCC_LEN - 1], "check character of \"%s\"", in);
    }
    free(err);
    free(in);
    return 0;
}
