/* Checks a decoded batch against the survey it names and fills each
 * response's values[] and options[]. The whole batch is refused at the first
 * problem (DESIGN.md: stored whole or not at all), and the message names the
 * response index and the id. */
#include "batch.h"
#include "batch_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum batch_err batch_check_answers(struct batch_response *r, size_t ri,
                                          const struct survey *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->n_answers; i++) {
        const struct batch_answer *a = &r->answers[i];
        int qi = survey_question_index(s, a->question_id);
        if (qi < 0)
            return batch_fail(err, errlen, BATCH_E_INVALID,
                              "responses[%zu].answers.%s: no such question in survey %s "
                              "version %d",
                              ri, a->question_id, s->id, s->version);
        if (a->is_null)
            continue;
        if (survey_point_index(s, a->value) < 0)
            return batch_fail(err, errlen, BATCH_E_INVALID,
                              "responses[%zu].answers.%s: %d is not on the scale (%d..%d)", ri,
                              a->question_id, a->value, s->scale_min, s->scale_max);
        r->values[qi] = a->value;
    }
    for (size_t q = 0; q < s->n_questions; q++)
        if (!s->questions[q].optional && r->values[q] == BATCH_ANSWER_NONE)
            return batch_fail(err, errlen, BATCH_E_INVALID,
                              "responses[%zu].answers.%s is missing, and the question is "
                              "required",
                              ri, s->questions[q].id);
    return BATCH_OK;
}

static enum batch_err batch_check_attrs(struct batch_response *r, size_t ri, const struct survey *s,
                                        char *err, size_t errlen)
{
    for (size_t i = 0; i < r->n_attrs; i++) {
        const struct batch_attr *a = &r->attrs[i];
        int ai = survey_attribute_index(s, a->attribute_id);
        int oi;
        if (ai < 0)
            return batch_fail(err, errlen, BATCH_E_INVALID,
                              "responses[%zu].attributes.%s: no such attribute in survey %s "
                              "version %d",
                              ri, a->attribute_id, s->id, s->version);
        if (a->option_id == NULL)
            continue;
        oi = survey_option_index(&s->attributes[ai], a->option_id);
        if (oi < 0)
            return batch_fail(err, errlen, BATCH_E_INVALID,
                              "responses[%zu].attributes.%s: \"%s\" is not one of its options", ri,
                              a->attribute_id, a->option_id);
        r->options[ai] = oi;
    }
    for (size_t j = 0; j < s->n_attributes; j++)
        if (!s->attributes[j].optional && r->options[j] == BATCH_OPTION_NONE)
            return batch_fail(err, errlen, BATCH_E_INVALID,
                              "responses[%zu].attributes.%s is missing, and the attribute is "
                              "required",
                              ri, s->attributes[j].id);
    return BATCH_OK;
}

static enum batch_err batch_check_response(struct batch_response *r, size_t ri,
                                           const struct survey *s, char *err, size_t errlen)
{
    enum batch_err rc;

    if (!batch_month_valid(r->month))
        return batch_fail(err, errlen, BATCH_E_INVALID,
                          "responses[%zu].month \"%.7s\" is not valid", ri, r->month);
    /* A second validation starts afresh rather than mixing two surveys' indexes. */
    free(r->values);
    free(r->options);
    r->values = malloc((s->n_questions + 1) * sizeof *r->values);
    r->options = malloc((s->n_attributes + 1) * sizeof *r->options);
    if (r->values == NULL || r->options == NULL)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    for (size_t q = 0; q < s->n_questions; q++)
        r->values[q] = BATCH_ANSWER_NONE;
    for (size_t j = 0; j < s->n_attributes; j++)
        r->options[j] = BATCH_OPTION_NONE;
    rc = batch_check_answers(r, ri, s, err, errlen);
    if (rc != BATCH_OK)
        return rc;
    return batch_check_attrs(r, ri, s, err, errlen);
}

enum batch_err batch_validate(struct batch *b, const struct survey *s, char *err, size_t errlen)
{
    enum batch_err rc;

    if (err && errlen)
        err[0] = '\0';
    if (b->survey_id == NULL || strcmp(b->survey_id, s->id) != 0)
        return batch_fail(err, errlen, BATCH_E_INVALID, "survey_id \"%s\" is not the survey \"%s\"",
                          b->survey_id ? b->survey_id : "", s->id);
    if (b->survey_version != s->version)
        return batch_fail(err, errlen, BATCH_E_INVALID,
                          "survey_version %d of survey \"%s\" does not match version %d",
                          b->survey_version, s->id, s->version);
    if (b->n_responses == 0 || b->n_responses > BATCH_MAX_RESPONSES)
        return batch_fail(err, errlen, BATCH_E_INVALID,
                          "the batch has %zu responses, expected 1 to %d", b->n_responses,
                          BATCH_MAX_RESPONSES);
    for (size_t i = 0; i < b->n_responses; i++) {
        rc = batch_check_response(&b->responses[i], i, s, err, errlen);
        if (rc != BATCH_OK)
            return rc;
    }
    return BATCH_OK;
}
