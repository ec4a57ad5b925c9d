/* uscc — see uscc.h. The character set leaves out I, O, S, V and Z so that codes survive being
 * read aloud and handwritten; the check digit is a weighted sum modulo 31 over that set. */
#include "core/uscc.h"

#include <stdio.h>
#include <string.h>

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};

/* Value of a character in the code's alphabet (0..30), or -1. */
static int uscc_value(char c)
{
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c == '\0') return -1;
    const char *p = strchr(uscc_charset, c);
    return p ? (int)(p - uscc_charset) : -1;
}

static void uscc_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "%s", msg);
}

char uscc_check_char(const char *code17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(code17[i]);
        if (v < 0) return 0;
        sum += v * uscc_weights[i];
    }
    return uscc_charset[(31 - sum % 31) % 31];
}

int uscc_normalize(const char *in, char out[USCC_LEN + 1], char *err, size_t errlen)
{
    char msg[160];
    if (!in) {
        uscc_err(err, errlen, "未填写统一社会信用代码");
        return -1;
    }
    size_t n = strlen(in);
    if (n != USCC_LEN) {
        snprintf(msg, sizeof msg, "统一社会信用代码应为 18 位，实际为 %zu 位", n);
        uscc_err(err, errlen, msg);
        return -1;
    }
    for (size_t i = 0; i < USCC_LEN; i++) {
        unsigned char c = (unsigned char)in[i];
        if (uscc_value((char)c) < 0) {
            /* Quote printable ASCII; anything else (e.g. part of a multi-byte character) by code.
             */
            if (c >= 0x21 && c < 0x7f)
                snprintf(msg, sizeof msg,
                         "统一社会信用代码第 %zu 位字符“%c”不合法（只能是数字和除 I、O、S、V、Z "
                         "以外的大写字母）",
                         i + 1, c);
            else
                snprintf(msg, sizeof msg,
                         "统一社会信用代码第 %zu 位字符不合法（只能是数字和除 I、O、S、V、Z "
                         "以外的大写字母）",
                         i + 1);
            uscc_err(err, errlen, msg);
            return -1;
        }
        out[i] = uscc_charset[uscc_value((char)c)];
    }
    out[USCC_LEN] = '\0';
    char want = uscc_check_char(out);
    if (out[17] != want) {
        snprintf(msg, sizeof msg, "统一社会信用代码校验位错误：第 18 位应为 %c，实际为 %c", want,
                 out[17]);
        uscc_err(err, errlen, msg);
        return -1;
    }
    return 0;
}

bool uscc_valid(const char *code)
{
    char buf[USCC_LEN + 1];
    return uscc_normalize(code, buf, NULL, 0) == 0;
}

bool uscc_in_chongqing(const char *code)
{
    char buf[USCC_LEN + 1];
    if (uscc_normalize(code, buf, NULL, 0) != 0) return false;
    /* Characters 3–8 are the GB/T 2260 division of the registering authority. */
    return buf[2] == '5' && buf[3] == '0';
}
