/* Per-batch aggregation for the *_counts tables of schema.h: counts of
 * answers per (fiscal year, group, question, value) and of respondents per
 * (fiscal year, group), built in memory from a validated batch and then
 * upserted in the batch's transaction. A group is the whole population, or
 * one option of one attribute, or "left the attribute unanswered". */
#ifndef COLLECTOR_TALLY_H
#define COLLECTOR_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "survey.h"

/* Entries come sorted by key, a number that orders and identifies them
 * among tallies built from the same survey definition, so the tallies of
 * several batches merge in one pass (the store sums a group's). */
struct tally_answer {
    uint32_t key;
    int fiscal_year;
    const char *attribute_id; /* "" for the whole population; points into the survey */
    const char *option_id;    /* "" for the population or "unanswered" */
    const char *question_id;
    int value;
    long count;
};

struct tally_respondents {
    uint32_t key;
    int fiscal_year;
    const char *attribute_id;
    const char *option_id;
    long count;
};

struct tally {
    struct tally_answer *answers;
    size_t n_answers;
    struct tally_respondents *respondents;
    size_t n_respondents;
};

/* Aggregates b, which batch_validate() has checked against s (so values[]
 * and options[] are filled). Returns 0, or -1 when memory runs out or a
 * month is not valid. The strings point into s: keep s alive. */
int tally_build(struct tally *t, const struct batch *b, const struct survey *s);
void tally_release(struct tally *t); /* accepts a zeroed or released tally */

#endif
