/* libFuzzer target: survey definitions as an administrator might publish
 * them. A definition that loads must keep its source byte for byte and
 * satisfy the invariants the kiosk and collector rely on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "survey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_survey(const struct survey *s, const uint8_t *data, size_t size)
{
    if (s->source_len != size || memcmp(s->source, data, size) != 0 || s->source[size] != '\0')
        abort();
    if (s->n_points < SURVEY_MIN_POINTS || s->n_points > SURVEY_MAX_POINTS ||
        survey_point_index(s, s->favorable_min) < 0 || s->scale_min > s->scale_max)
        abort();
    if (s->n_questions < 1 || s->n_questions > SURVEY_MAX_QUESTIONS)
        abort();
    for (size_t i = 0; i < s->n_questions; i++) {
        const struct survey_question *q = &s->questions[i];
        if (survey_question_index(s, q->id) != (int)i || q->text == NULL)
            abort();
        if (q->is_kpi && q->kpi.label == NULL)
            abort();
        if (q->kpi.has_baseline &&
            (q->kpi.baseline < s->scale_min || q->kpi.baseline > s->scale_max))
            abort();
    }
    for (size_t i = 0; i < s->n_attributes; i++) {
        const struct survey_attribute *a = &s->attributes[i];
        if (survey_attribute_index(s, a->id) != (int)i || a->n_options < 1)
            abort();
        for (size_t j = 0; j < a->n_options; j++)
            if (survey_option_index(a, a->options[j].id) != (int)j)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[SURVEY_ERR_LEN];
    struct survey *s = NULL;

    if (survey_load_buffer((const char *)data, size, &s, err, sizeof err) == SURVEY_OK) {
        fuzz_check_survey(s, data, size);
        survey_free(s);
    } else if (s != NULL || strncmp(err, "survey: ", 8) != 0) {
        abort();
    }
    return 0;
}
