/* pdf — the platform's printed documents: the 真实性审核意见 template a district fills in, signs
 * and seals (pre-filled with the application's data), and the 授牌 certificate with the QR code of
 * its public verification page. cairo draws A4 pages into a PDF held in memory; pango lays out the
 * Chinese text (CJK line breaking, font fallback for rare characters) in the Noto CJK families,
 * found through fontconfig by family name; cairo embeds the subset of every font used.
 *
 * Every text field is plain text (never pango markup) and may be NULL (printed as empty). Text
 * that is not valid UTF-8 is repaired (invalid bytes become U+FFFD), never refused. */
#ifndef SMIP_RENDER_PDF_H
#define SMIP_RENDER_PDF_H

#include <stddef.h>
#include <stdint.h>

/* What the authenticity template prints about one application. */
typedef struct render_pdf_app {
    int64_t application_id; /* printed as the 申报编号; 0: not printed */
    const char *enterprise_name;
    const char *uscc;
    const char *project_name;
    const char *site_name;     /* the workshop or factory as named in the project; may be NULL */
    const char *type;          /* "workshop" (数字化车间) or "factory" (智能工厂) */
    const char *district_name; /* the reviewing district */
    const char *investment;    /* 设备和软件投资, already formatted ("950 万元") */
    const char *batch_name;
    const char *notice_no; /* the batch's notice (渝经信智能〔2020〕15号); may be NULL */
} render_pdf_app;

/* The certificate's content. */
typedef struct render_pdf_cert {
    const char *certificate_no;
    const char *type; /* "workshop" or "factory" */
    const char *enterprise_name;
    const char *project_name; /* the certified workshop or factory (site name, else project) */
    const char *issued_on;    /* ISO date "2020-06-30" (printed 2020年6月30日), else as given */
    const char *document_no;  /* the commission's 认定文件 number; NULL or "": not printed */
    const char *public_url;   /* the platform's public address; the QR code encodes
                                 {public_url}/verify/{certificate_no} */
} render_pdf_cert;

/* Renders the 真实性审核意见 template for `app`. On success returns 0 and hands the PDF to the
 * caller in *out (malloc'd, the caller frees) and *len. On failure returns -1 and sets *err (when
 * err is not NULL) to a malloc'd English message the caller frees. */
int render_pdf_authenticity(const render_pdf_app *app, char **out, size_t *len, char **err);

/* Renders the certificate, as render_pdf_authenticity. Fails when the verification URL is too
 * long for a QR code. */
int render_pdf_certificate(const render_pdf_cert *cert, char **out, size_t *len, char **err);

/* The public verification URL of certificate `no`: "{public_url}/verify/{no}" without a doubled
 * slash, `no` percent-encoded where it is not an unreserved URL character. Malloc'd. */
char *render_pdf_verify_url(const char *public_url, const char *no);

/* The QR code of `text` as the certificate draws it (error correction level M, 8-bit data): a
 * malloc'd width × width array, row by row, 1 = dark module, 0 = light, which the caller frees;
 * *width is set. NULL when `text` is too long for any QR version. */
unsigned char *render_pdf_qr_matrix(const char *text, int *width);

/* Where the certificate draws the QR code, in PDF points from the page's top left corner (the
 * page is A4 landscape, 841.89 × 595.28 pt): the square of side *size at (*x, *y), quiet zone
 * outside it. Fixed by the layout, so a test can find and read the code on a rendered page. */
void render_pdf_certificate_qr_box(double *x, double *y, double *size);

#endif
