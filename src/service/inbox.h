/* inbox — what waits for the calling account: per role, the kinds of work
 * that need its action now, each with a count and the page where it is done. Read-only; one
 * count query per kind, each on an index. */
#ifndef SMIP_SERVICE_INBOX_H
#define SMIP_SERVICE_INBOX_H

#include <jansson.h>

#include "service/svc.h"

/* {items:[{key, label, count, href}], total}: total is the sum of the counts. Every kind of the
 * caller's role is listed, also at 0, so a desk can show "nothing waiting". New reference. */
json_t *svc_inbox(svc_ctx *c);
/* The same with the count of kind `key` given by the caller, who knows it from what it has just
 * read in the same snapshot (the district queue counts its submitted rows). */
json_t *svc_inbox_known(svc_ctx *c, const char *key, int64_t count);

#endif
