/* names — comparing the names of enterprises and sites the way a person would (rule E5): after
 * Unicode NFKC, so full-width "ＡＢ（一）" equals "AB(一)", and with all white space removed. */
#ifndef SMIP_CORE_NAMES_H
#define SMIP_CORE_NAMES_H

#include <stdbool.h>

/* The comparison key of s: NFKC, then every white-space character removed (Unicode Zs, Zl, Zp,
 * ASCII/C1 controls that are white space, and the invisible U+200B, U+2060, U+FEFF that paste in
 * from office documents). Returns a malloc'd string the caller frees, or NULL when s is NULL or
 * not valid UTF-8. */
char *names_normalize(const char *s);
/* True when both names are valid UTF-8 and have the same key. Two empty keys are not equal: an
 * empty name matches nothing. */
bool names_equal(const char *a, const char *b);

#endif
