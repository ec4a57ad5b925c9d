/* assessment — the 智能制造能力测评 scoring of SPEC §5.1 (GB/T 39116/39117 structure) over a
 * model given as data (data/assessment-model-v*.json) and an enterprise's answers. Pure: no I/O,
 * no clock, no globals. Every score is exact: requirement scores are integers × 10⁴, means and
 * weighted sums are kept as fractions, and a score is rounded half up to 4 places only where it
 * is compared with a threshold or shown, so answering 0.8 everywhere is exactly 0.8 and attains
 * every level (S = 4.0, 四级). */
#ifndef SMIP_CORE_ASSESSMENT_H
#define SMIP_CORE_ASSESSMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASM_LEVELS 5
#define ASM_SCALE 10000         /* a score v means v / 10⁴ */
#define ASM_PASS 8000           /* a level counts fully when its score is at least 0.8 */
#define ASM_NOT_APPLICABLE (-1) /* a level at which a model part asks nothing */

/* The requirement score of one answer: 全部满足 1, 大部分满足 0.8, 部分满足 0.5, 不满足 0, given
 * as a JSON number (0, 0.5, 0.8, 1) or a decimal string ("0.8"). Returns 0, 5000, 8000 or
 * 10000, or -1 for anything else. */
int asm_answer_value(const json_t *v);

/* The level name of the model (1 规划级 … 5 引领级) or "" out of range. Static. */
const char *asm_level_name(int level);
/* The band name of a total: 0 "未达到一级", 1 "一级" … 5 "五级". Static. */
const char *asm_band_name(int band);

/* The bottom-up total S (× 10⁴) of level scores (× 10⁴, already at 4 places): each level's
 * score is added up to and including the first level below 0.8. A level marked
 * ASM_NOT_APPLICABLE asks nothing and counts as fully met. */
int64_t asm_total(const int64_t level[ASM_LEVELS]);
/* The band of S (× 10⁴): [0.8,1.8) 1, [1.8,2.8) 2, [2.8,3.8) 3, [3.8,4.8) 4, [4.8,5] 5, else 0. */
int asm_band(int64_t s);
/* p/q (q > 0, p ≥ 0) rounded half up to an integer: the 4-place rounding of a score kept as a
 * fraction of × 10⁴ units. */
int64_t asm_round_half_up(int64_t p, int64_t q);

/* The model as the API shows it to an enterprise of manufacturing type `mtype` ("discrete",
 * "process", "mixed"; mixed and unknown use the discrete set): sub-domains whose "types" leave
 * out the type are dropped, and so are domains and elements left empty.
 * {version,name,basis,weights,levels,answers,elements:[{id,name,domains:[{id,name,weight,
 * subdomains:[{id,name,weight,requirements:[{id,level,text}]}]}]}]}. New reference; NULL when
 * `model` is not a model. */
json_t *asm_model_for(const json_t *model, const char *mtype);

/* Checks answers ({requirement_id: value}) against an applicable model. Ids the model does not
 * have and values that are no score go to `bad` (id → Chinese reason); with `missing` (an array,
 * may be NULL) the applicable requirements left unanswered (null counts as unanswered) are
 * appended in model order. Returns the number of bad entries. */
size_t asm_check_answers(const json_t *applicable, const json_t *answers, json_t *bad,
                         json_t *missing);

/* Scores answers over an applicable model; unanswered requirements score 0. New reference:
 * {version, score:"2.6", score_e4:26000, level:2, level_name:"二级",
 *  levels:[{level,name,score,score_e4}]  (score null where nothing is asked),
 *  domains:[{id,name,element,score,score_e4}]       (each domain's own bottom-up total, 0..5),
 *  subdomains:[{id,name,domain,score,score_e4}]     (the same per sub-domain),
 *  weakest:[{id,name,domain,domain_name,score,next_level,next_level_name,
 *            missing:[{id,text,answer,answer_name}]}]  (at most 3, lowest first),
 *  answered, total, weights_note}
 * Decimal scores are strings without trailing zeros ("4", "2.6", "0.5"). */
json_t *asm_score(const json_t *applicable, const json_t *answers);

/* A radar chart as a standalone SVG document (malloc'd; the caller frees): one axis per label,
 * rings at 1..5, the polygon of `values` (× 10⁴, 0..5) and, when `compare` is not NULL, a dashed
 * polygon of it named `compare_label`. Every text is XML-escaped. */
char *asm_radar_svg(const char *title, size_t n, const char *const *labels, const int64_t *values,
                    const int64_t *compare, const char *values_label, const char *compare_label);

/* A × 10⁴ value as a decimal string without trailing zeros into buf (at least 32 bytes). */
char *asm_format(int64_t v, char *buf, size_t n);

#endif
