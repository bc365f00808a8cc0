/* The release rule. Assumes few populations and questions (at most a few
 * thousand cells) and many responses: each round is one pass over the
 * responses, and rounds stop when one removes nobody. */
#include "release_rule.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static bool small(long n, long min)
{
    return n > 0 && n < min;
}

/* Counts the selected responses per population and per (population, question). */
static void rule_count(const struct release_rule_input *in, const bool *selected, long *resp,
                       long *ans)
{
    memset(resp, 0, in->n_pops * sizeof *resp);
    memset(ans, 0, in->n_pops * in->n_questions * sizeof *ans);
    for (size_t i = 0; i < in->n_resp; i++) {
        const uint16_t *pop = in->pop + i * in->n_attrs;
        if (!selected[i])
            continue;
        for (size_t a = 0; a <= in->n_attrs; a++) {
            size_t p = a == 0 ? 0 : pop[a - 1];
            resp[p]++;
            for (uint32_t k = in->ans_off[i]; k < in->ans_off[i + 1]; k++)
                ans[p * in->n_questions + in->ans_q[k]]++;
        }
    }
}

/* Whether response i is in a cell that is small; remembers the first such
 * cell in why. */
static bool rule_touches_small(const struct release_rule_input *in, size_t i, const long *resp,
                               const long *ans, long min, struct release_rule_block *why)
{
    const uint16_t *pop = in->pop + i * in->n_attrs;

    for (size_t a = 0; a <= in->n_attrs; a++) {
        size_t p = a == 0 ? 0 : pop[a - 1];
        long q = -1, n = resp[p];
        for (uint32_t k = in->ans_off[i]; !small(n, min) && k < in->ans_off[i + 1]; k++) {
            q = in->ans_q[k];
            n = ans[p * in->n_questions + (size_t)q];
        }
        if (!small(n, min))
            continue;
        if (why->pop < 0) {
            why->pop = (long)p;
            why->question = small(resp[p], min) ? -1 : q;
            why->count = n;
        }
        return true;
    }
    return false;
}

long release_rule_select(const struct release_rule_input *in, long min_delta, bool *selected,
                         struct release_rule_block *why)
{
    size_t cells = in->n_pops * in->n_questions;
    long *resp = malloc((in->n_pops ? in->n_pops : 1) * sizeof *resp);
    long *ans = malloc((cells ? cells : 1) * sizeof *ans);
    long kept = 0;
    bool removed = true;

    assert(in->n_pops >= 1 && min_delta >= 1);
    why->pop = why->question = -1;
    why->count = 0;
    if (!resp || !ans) {
        free(resp);
        free(ans);
        return -1;
    }
    while (removed) {
        removed = false;
        rule_count(in, selected, resp, ans);
        for (size_t i = 0; i < in->n_resp; i++) {
            if (selected[i] && rule_touches_small(in, i, resp, ans, min_delta, why)) {
                selected[i] = false;
                removed = true;
            }
        }
    }
    for (size_t i = 0; i < in->n_resp; i++)
        kept += selected[i];
    free(resp);
    free(ans);
    return kept;
}
