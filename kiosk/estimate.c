/* The time a survey takes a first-time respondent of 70: reading each
 * statement (and an attribute's options) at ESTIMATE_READ_CPS, deciding
 * and tapping, the scale read once, welcome and confirm. */
#include "estimate.h"

#include <math.h>
#include <string.h>

#include "utf8.h"

static int chars(const char *text)
{
    size_t pos = 0, len = text ? strlen(text) : 0;
    int n = 0;
    while (pos < len) {
        utf8_next(text, len, &pos);
        n++;
    }
    return n;
}

double estimate_item_s(const struct survey *s, int i)
{
    int na = (int)s->n_attributes, n = 0;
    if (i < na) {
        n = chars(s->attributes[i].text);
        for (size_t o = 0; o < s->attributes[i].n_options; o++)
            n += chars(s->attributes[i].options[o].label);
    } else {
        n = chars(s->questions[i - na].text);
        if (i == na)
            for (size_t p = 0; p < s->n_points; p++)
                n += chars(s->points[p].label);
    }
    return n / ESTIMATE_READ_CPS + ESTIMATE_DECIDE_S + (i == na ? ESTIMATE_FIRST_LOOK_S : 0);
}

double estimate_survey_s(const struct survey *s)
{
    double t = ESTIMATE_FRAME_S + chars(s->intro) / ESTIMATE_READ_CPS +
               chars(s->privacy_note) / ESTIMATE_READ_CPS;
    for (int i = 0; i < (int)(s->n_attributes + s->n_questions); i++)
        t += estimate_item_s(s, i);
    return t;
}

int estimate_minutes(const struct survey *s)
{
    long m = lround(estimate_survey_s(s) / 60.0);
    return m < 1 ? 1 : (int)m;
}
