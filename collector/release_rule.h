/* The release rule on waiting responses, as pure arithmetic: which of them
 * may join the next revision so that no cell (a population, or one of its
 * per-question answer counts) changes by 1..min_delta-1 respondents.
 * Populations are numbered by the caller; population 0 is everyone. */
#ifndef COLLECTOR_RELEASE_RULE_H
#define COLLECTOR_RELEASE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct release_rule_input {
    size_t n_resp;
    size_t n_attrs; /* each response is in one population per attribute */
    size_t n_pops;  /* including population 0 */
    size_t n_questions;
    const uint16_t *pop;     /* n_resp * n_attrs population ids, by response */
    const uint32_t *ans_off; /* n_resp + 1: response i answered ans_q[ans_off[i]..ans_off[i+1]) */
    const uint16_t *ans_q;   /* question indexes */
};

/* The first cell that held responses back, for a message. */
struct release_rule_block {
    long pop;      /* population id; -1: nothing was held back */
    long question; /* question index, or -1 for the population's respondents */
    long count;    /* its change, 1..min_delta-1 */
};

/* selected[] comes in with the candidates set; on return only those that
 * may join stay set. Removes, round by round, every selected response in a
 * cell whose change is 1..min_delta-1, until no such cell is left (the
 * result may be empty). Returns how many stay selected; -1 when memory
 * runs out (selected unchanged then). */
long release_rule_select(const struct release_rule_input *in, long min_delta, bool *selected,
                         struct release_rule_block *why);

#endif
