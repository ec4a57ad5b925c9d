/* merge — merge patches (RFC 7396) of the stored JSON documents: an application's form, an
 * enterprise's profile, a project. A patch names the members it changes; null removes one; an
 * object merges into the object it meets (or into an empty one). */
#ifndef SMIP_CORE_MERGE_H
#define SMIP_CORE_MERGE_H

#include <jansson.h>

/* How every stored document is written: compact, keys sorted, so that one document has one text. */
#define MERGE_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* The object a stored document's text holds; text that is no JSON object (or NULL) counts as
 * an empty object. New reference. */
json_t *merge_load(const char *text);

/* Merges `patch` (an object) into `target` (an object) in place; values are copied. */
void merge_patch(json_t *target, const json_t *patch);

/* The stored document `text` with `patch` merged in, as it is stored (new text; the caller
 * frees it). Text that is no JSON object counts as {}. The same text as parsing, merge_patch and
 * dumping with MERGE_DUMP_FLAGS, made without the tree when `text` is itself such a dump. */
char *merge_text(const char *text, const json_t *patch);

/* merge_text's way with the tree: merge_load, merge_patch, dump with MERGE_DUMP_FLAGS. New
 * text. */
char *merge_tree(const char *text, const json_t *patch);

/* merge_text's way without the tree: the merged text, or NULL when `text` is not as
 * MERGE_DUMP_FLAGS writes it (spaces, keys out of order or escaped, a real number). */
char *merge_splice(const char *text, const json_t *patch);

#endif
