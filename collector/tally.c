/* Aggregation by sorting packed keys: each (fiscal year, group, question,
 * point) becomes one 32-bit key, the keys are radix-sorted (linear time:
 * this runs for every batch) and counted in runs. The memory is bounded by
 * the batch itself (responses x groups x answers), whatever the shape of
 * the survey. */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

#include "fiscal.h"

/* Bit widths: fiscal years 1999..2099 (batch months are 2000-01..2099-12),
 * groups 1 + 16 attributes x (32 options + unanswered), 200 questions, 11 points. */
#define TALLY_FY_BASE     1999
#define TALLY_GROUP_SHIFT 12
#define TALLY_FY_SHIFT    22
#define TALLY_Q_SHIFT     4

struct tally_groups {
    const char *attr[1 + SURVEY_MAX_ATTRIBUTES * (SURVEY_MAX_OPTIONS + 1)];
    const char *opt[1 + SURVEY_MAX_ATTRIBUTES * (SURVEY_MAX_OPTIONS + 1)];
    int base[SURVEY_MAX_ATTRIBUTES]; /* group of "unanswered"; options follow */
};

static void tally_groups_init(struct tally_groups *g, const struct survey *s)
{
    int next = 1;

    g->attr[0] = "";
    g->opt[0] = "";
    for (size_t j = 0; j < s->n_attributes && j < SURVEY_MAX_ATTRIBUTES; j++) {
        const struct survey_attribute *a = &s->attributes[j];
        g->base[j] = next;
        g->attr[next] = a->id;
        g->opt[next++] = "";
        for (size_t o = 0; o < a->n_options && o < SURVEY_MAX_OPTIONS; o++) {
            g->attr[next] = a->id;
            g->opt[next++] = a->options[o].id;
        }
    }
}

#define TALLY_RADIX_BITS 11
#define TALLY_RADIX      (1u << TALLY_RADIX_BITS)

/* LSD radix sort of keys < 2^33 in three passes; tmp holds n keys. */
static void tally_sort(uint32_t *keys, uint32_t *tmp, size_t n)
{
    size_t count[TALLY_RADIX];

    for (unsigned shift = 0; shift < 3 * TALLY_RADIX_BITS; shift += TALLY_RADIX_BITS) {
        size_t sum = 0;
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(keys[i] >> shift) & (TALLY_RADIX - 1)]++;
        for (size_t d = 0; d < TALLY_RADIX; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(keys[i] >> shift) & (TALLY_RADIX - 1)]++] = keys[i];
        memcpy(keys, tmp, n * sizeof *keys);
    }
}

/* The groups one response belongs to: the population and one per attribute. */
static size_t tally_response_groups(const struct tally_groups *g, const struct survey *s,
                                    const struct batch_response *r, int *out)
{
    size_t n = 0;

    out[n++] = 0;
    for (size_t j = 0; j < s->n_attributes && j < SURVEY_MAX_ATTRIBUTES; j++) {
        int o = r->options[j];
        out[n++] = g->base[j] + (o == BATCH_OPTION_NONE ? 0 : 1 + o);
    }
    return n;
}

static size_t tally_pack_response(const struct tally_groups *g, const struct survey *s,
                                  const struct batch_response *r, uint32_t fy, uint32_t *ak,
                                  uint32_t *rk)
{
    int groups[1 + SURVEY_MAX_ATTRIBUTES];
    uint32_t answered[SURVEY_MAX_QUESTIONS]; /* question and point, packed */
    size_t n_groups = tally_response_groups(g, s, r, groups);
    size_t n = 0, n_answered = 0;

    for (size_t q = 0; q < s->n_questions && q < SURVEY_MAX_QUESTIONS; q++) {
        int p = r->values[q] == BATCH_ANSWER_NONE ? -1 : survey_point_index(s, r->values[q]);
        if (p >= 0)
            answered[n_answered++] = (uint32_t)q << TALLY_Q_SHIFT | (uint32_t)p;
    }
    for (size_t k = 0; k < n_groups; k++) {
        uint32_t gk = fy << TALLY_FY_SHIFT | (uint32_t)groups[k] << TALLY_GROUP_SHIFT;
        rk[k] = gk;
        for (size_t a = 0; a < n_answered; a++)
            ak[n++] = gk | answered[a];
    }
    return n;
}

static int tally_collect_answers(struct tally *t, const uint32_t *keys, size_t n,
                                 const struct tally_groups *g, const struct survey *s)
{
    t->answers = calloc(n ? n : 1, sizeof *t->answers);
    if (!t->answers)
        return -1;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && keys[j] == keys[i])
            j++;
        struct tally_answer *a = &t->answers[t->n_answers++];
        uint32_t k = keys[i];
        a->key = k;
        a->fiscal_year = (int)(k >> TALLY_FY_SHIFT) + TALLY_FY_BASE;
        a->attribute_id = g->attr[(k >> TALLY_GROUP_SHIFT) & 0x3ff];
        a->option_id = g->opt[(k >> TALLY_GROUP_SHIFT) & 0x3ff];
        a->question_id = s->questions[(k >> TALLY_Q_SHIFT) & 0xff].id;
        a->value = s->points[k & 0xf].value;
        a->count = (long)(j - i);
        i = j;
    }
    return 0;
}

static int tally_collect_respondents(struct tally *t, const uint32_t *keys, size_t n,
                                     const struct tally_groups *g)
{
    t->respondents = calloc(n ? n : 1, sizeof *t->respondents);
    if (!t->respondents)
        return -1;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && keys[j] == keys[i])
            j++;
        struct tally_respondents *r = &t->respondents[t->n_respondents++];
        uint32_t k = keys[i];
        r->key = k;
        r->fiscal_year = (int)(k >> TALLY_FY_SHIFT) + TALLY_FY_BASE;
        r->attribute_id = g->attr[(k >> TALLY_GROUP_SHIFT) & 0x3ff];
        r->option_id = g->opt[(k >> TALLY_GROUP_SHIFT) & 0x3ff];
        r->count = (long)(j - i);
        i = j;
    }
    return 0;
}

int tally_build(struct tally *t, const struct batch *b, const struct survey *s)
{
    static __thread struct tally_groups g; /* large; one per thread, rebuilt per call */
    size_t per_resp = 1 + s->n_attributes;
    uint32_t *ak = NULL, *rk = NULL, *tmp = NULL;
    size_t na = 0, nr = 0;
    int rc = -1;

    memset(t, 0, sizeof *t);
    tally_groups_init(&g, s);
    ak = malloc((b->n_responses * per_resp * s->n_questions + 1) * sizeof *ak);
    rk = malloc((b->n_responses * per_resp + 1) * sizeof *rk);
    if (!ak || !rk)
        goto out;
    for (size_t i = 0; i < b->n_responses; i++) {
        int fy;
        if (fiscal_year_of_month(b->responses[i].month, &fy) != 0 || fy < TALLY_FY_BASE ||
            fy > TALLY_FY_BASE + 127)
            goto out;
        na += tally_pack_response(&g, s, &b->responses[i], (uint32_t)(fy - TALLY_FY_BASE), ak + na,
                                  rk + nr);
        nr += per_resp;
    }
    if (!(tmp = malloc((na + 1) * sizeof *tmp)))
        goto out;
    tally_sort(ak, tmp, na);
    tally_sort(rk, tmp, nr);
    if (tally_collect_answers(t, ak, na, &g, s) != 0 ||
        tally_collect_respondents(t, rk, nr, &g) != 0)
        goto out;
    rc = 0;
out:
    free(ak);
    free(rk);
    free(tmp);
    if (rc != 0)
        tally_release(t);
    return rc;
}

void tally_release(struct tally *t)
{
    if (!t)
        return;
    free(t->answers);
    free(t->respondents);
    memset(t, 0, sizeof *t);
}
