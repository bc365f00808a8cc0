/* What both batch fuzz targets check of a JSON body: it decodes or is
 * refused with a message, a decoded batch encodes canonically, and a batch
 * that validates against the Goshogawara survey holds only points of the
 * scale. Included by each target, which is its own program. */
#ifndef FUZZ_BATCH_CHECKS_H
#define FUZZ_BATCH_CHECKS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "survey.h"

static const struct survey *fuzz_survey(void)
{
    static struct survey *s;
    char err[SURVEY_ERR_LEN];

    if (s == NULL &&
        survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return s;
}

static void fuzz_check_canonical(const struct batch *b)
{
    char *e1 = NULL, *e2 = NULL, err[BATCH_ERR_LEN];
    size_t l1 = 0, l2 = 0;
    struct batch *again = NULL;

    if (batch_encode(b, &e1, &l1) != BATCH_OK)
        abort();
    if (batch_decode(e1, l1, &again, err, sizeof err) != BATCH_OK) {
        fprintf(stderr, "re-decode failed: %s\n%s\n", err, e1);
        abort();
    }
    if (batch_encode(again, &e2, &l2) != BATCH_OK || l1 != l2 || memcmp(e1, e2, l1) != 0)
        abort();
    batch_free(again);
    free(e1);
    free(e2);
}

/* After a successful validation every value is a point or "none". */
static void fuzz_check_values(const struct batch *b, const struct survey *s)
{
    for (size_t r = 0; r < b->n_responses; r++) {
        for (size_t q = 0; q < s->n_questions; q++) {
            int v = b->responses[r].values[q];
            if (v != BATCH_ANSWER_NONE && survey_point_index(s, v) < 0)
                abort();
            if (v == BATCH_ANSWER_NONE && !s->questions[q].optional)
                abort();
        }
        for (size_t a = 0; a < s->n_attributes; a++) {
            int o = b->responses[r].options[a];
            if (o != BATCH_OPTION_NONE && (o < 0 || (size_t)o >= s->attributes[a].n_options))
                abort();
        }
    }
}

static void fuzz_check_json(const char *json, size_t len)
{
    const struct survey *s = fuzz_survey();
    char err[BATCH_ERR_LEN];
    struct batch *b = NULL;

    if (batch_decode(json, len, &b, err, sizeof err) != BATCH_OK) {
        if (b != NULL || strncmp(err, "batch: ", 7) != 0)
            abort();
        return;
    }
    fuzz_check_canonical(b);
    if (batch_validate(b, s, err, sizeof err) == BATCH_OK)
        fuzz_check_values(b, s);
    batch_free(b);
}

#endif
