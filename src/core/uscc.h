/* uscc — the Unified Social Credit Code (统一社会信用代码, GB 32100-2015): normalisation, check
 * digit and the registration authority's division (rule E1). Pure functions over strings. */
#ifndef SMIP_CORE_USCC_H
#define SMIP_CORE_USCC_H

#include <stdbool.h>
#include <stddef.h>

#define USCC_LEN 18

/* Normalises `in` (lower case accepted, converted to upper case) into out (USCC_LEN + 1 bytes)
 * and validates length, character set and check digit. Returns 0, or -1 with a Chinese reason
 * in err (naming the length, the position of a bad character, or the expected check digit).
 * err may be NULL. */
int uscc_normalize(const char *in, char out[USCC_LEN + 1], char *err, size_t errlen);
/* True when `code` is a valid USCC (lower case accepted). */
bool uscc_valid(const char *code);
/* The check character for the first 17 characters of `code` (case-insensitive), or 0 when one of
 * them is outside the character set. */
char uscc_check_char(const char *code17);
/* True when `code` is valid and registered in Chongqing: its division code (characters 3–8)
 * starts with "50". */
bool uscc_in_chongqing(const char *code);

#endif
