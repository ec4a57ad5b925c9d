/* pdf_application — the 申报书 of one application as a PDF: the readable document of
 * service/readable.h (enterprise, project, every figure with its pre-check finding, the KPIs
 * before → after, the texts, the self-assessment's level, the attachments by name, the
 * district's opinion), on A4 portrait pages, numbered. Every text is plain text; invalid UTF-8
 * is repaired, never refused. */
#ifndef SMIP_RENDER_PDF_APPLICATION_H
#define SMIP_RENDER_PDF_APPLICATION_H

#include <jansson.h>
#include <stddef.h>

/* Renders `doc`. On success returns 0 and hands the PDF (malloc'd) to *out and *len; on failure
 * returns -1 and sets *err (when not NULL) to a malloc'd English message. */
int render_pdf_application(const json_t *doc, char **out, size_t *len, char **err);

#endif
