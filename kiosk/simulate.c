/* Synthetic respondents. Assumes the UI is on welcome with a running
 * survey; each respondent answers the way people do: around a per-question
 * mean (the KPI baseline when the survey has one), now and then skipping an
 * optional item, with a few seconds to read each screen. */
#include "simulate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "kclock.h"
#include "survey.h"

#define SKIP_ATTRIBUTE   0.10 /* share of respondents who skip an optional attribute */
#define SKIP_QUESTION    0.06
#define THINK_MIN_MS     900
#define THINK_MAX_MS     4000
#define ANSWER_SD        0.8 /* spread of answers around a question's mean, in scale points */
#define MAX_STEPS        (SURVEY_MAX_ATTRIBUTES + SURVEY_MAX_QUESTIONS + 8)
#define SURVEY_WAIT_S    30   /* for the collector to hand a fresh kiosk its survey */
#define SURVEY_NOTICE_MS 2500 /* longer than the UI's status poll */
#define AWAIT_MS         (SURVEY_MAX_COOLDOWN_S * 1000 + 10000) /* the start button rests */

struct rng {
    uint64_t s;
};

static double uniform(struct rng *r) /* [0, 1): xorshift64* */
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (double)((r->s * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double normal(struct rng *r)
{
    double u = uniform(r), v = uniform(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

/* Each question's mean: its baseline when known, otherwise a little above
 * the scale's middle, different per question. */
static void question_means(const struct survey *s, struct rng *r, double *mean)
{
    double mid = (s->scale_min + s->scale_max) / 2.0, span = s->scale_max - s->scale_min;
    for (size_t i = 0; i < s->n_questions; i++) {
        const struct survey_question *q = &s->questions[i];
        if (q->is_kpi && q->kpi.has_baseline)
            mean[i] = q->kpi.baseline;
        else
            mean[i] = mid + span * (0.05 + 0.2 * (uniform(r) - 0.5));
    }
}

static int pick_value(const struct survey *s, struct rng *r, double mean)
{
    long v = lround(mean + ANSWER_SD * normal(r));
    if (v < s->scale_min)
        v = s->scale_min;
    if (v > s->scale_max)
        v = s->scale_max;
    int idx = survey_point_index(s, (int)v);
    return idx >= 0 ? idx : 0; /* a scale with gaps: the first point */
}

static int tap(struct app *a, enum app_action action, int arg)
{
    int x, y;
    app_await_button(a, action, arg, AWAIT_MS);
    if (!app_button_center(a, action, arg, &x, &y)) {
        fprintf(stderr, "kiosk: simulate: no button for action %d on the %s screen\n", action,
                screen_name(app_screen(a)));
        return -1;
    }
    app_tap(a, x, y);
    return 0;
}

static void think(struct app *a, struct rng *r)
{
    app_wait(a, THINK_MIN_MS + (unsigned)(uniform(r) * (THINK_MAX_MS - THINK_MIN_MS)));
}

/* Answers the item on screen; records the choice (-1 = skipped) in chosen. */
static int answer_item(struct app *a, struct rng *r, const double *mean, int *chosen)
{
    const struct survey *s = app_survey(a);
    bool attr;
    int i;
    app_item(a, &attr, &i);
    bool optional = attr ? s->attributes[i].optional : s->questions[i].optional;
    double skip = attr ? SKIP_ATTRIBUTE : SKIP_QUESTION;
    int *slot = attr ? &chosen[i] : &chosen[s->n_attributes + i];
    think(a, r);
    if (optional && uniform(r) < skip) {
        *slot = -1;
        return tap(a, ACTION_SKIP, 0);
    }
    int c = attr ? (int)(uniform(r) * s->attributes[i].n_options) : pick_value(s, r, mean[i]);
    *slot = c;
    return tap(a, ACTION_CHOOSE, c);
}

static json_t *answers_json(const struct survey *s, const int *chosen, json_t **attrs)
{
    json_t *ans = json_object();
    *attrs = json_object();
    for (size_t j = 0; j < s->n_attributes; j++) {
        int c = chosen[j];
        json_object_set_new(*attrs, s->attributes[j].id,
                            c < 0 ? json_null() : json_string(s->attributes[j].options[c].id));
    }
    for (size_t i = 0; i < s->n_questions; i++) {
        int c = chosen[s->n_attributes + i];
        json_object_set_new(ans, s->questions[i].id,
                            c < 0 ? json_null() : json_integer(s->points[c].value));
    }
    return ans;
}

static int log_response(FILE *log, const struct survey *s, const int *chosen)
{
    char month[8];
    json_t *attrs;
    kclock_month(month);
    json_t *ans = answers_json(s, chosen, &attrs);
    json_t *line =
        json_pack("{s:s, s:o, s:o}", "month", month, "answers", ans, "attributes", attrs);
    int rc = line && json_dumpf(line, log, JSON_COMPACT) == 0 && fputc('\n', log) != EOF ? 0 : -1;
    json_decref(line);
    return rc;
}

static int one_respondent(struct app *a, struct rng *r, const double *mean, FILE *log)
{
    int chosen[SURVEY_MAX_ATTRIBUTES + SURVEY_MAX_QUESTIONS];
    int before = app_stored(a);
    if (tap(a, ACTION_START, 0) != 0)
        return -1;
    for (int step = 0; step < MAX_STEPS; step++) {
        enum screen_id sc = app_screen(a);
        if (sc != SCREEN_ATTRIBUTE && sc != SCREEN_QUESTION)
            break;
        if (answer_item(a, r, mean, chosen) != 0)
            return -1;
        app_wait(a, 400); /* the highlighted choice, then the next screen */
    }
    think(a, r);
    if (app_screen(a) != SCREEN_CONFIRM || tap(a, ACTION_SEND, 0) != 0)
        return -1;
    if (app_stored(a) != before + 1) {
        fprintf(stderr, "kiosk: simulate: the response was not stored\n");
        return -1;
    }
    if (log && log_response(log, app_survey(a), chosen) != 0)
        return -1;
    return tap(a, ACTION_RESTART, 0);
}

int simulate_run(struct app *a, int n, unsigned long seed, const char *log_path)
{
    struct rng r = {0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0xBF58476D1CE4E5B9ull)};
    double mean[SURVEY_MAX_QUESTIONS];
    if (app_screen(a) != SCREEN_WELCOME) {
        /* A fresh kiosk has no survey yet: let the sync thread fetch it
         * (real time), then let welcome notice it (virtual time). */
        app_drain(a, SURVEY_WAIT_S);
        app_wait(a, SURVEY_NOTICE_MS);
    }
    if (app_screen(a) != SCREEN_WELCOME) {
        fprintf(stderr,
                "kiosk: simulate: no survey is running (the screen is %s); give "
                "--survey FILE and a --date inside its period\n",
                screen_name(app_screen(a)));
        return APP_EXIT_SETUP;
    }
    FILE *log = log_path ? fopen(log_path, "a") : NULL;
    if (log_path && !log) {
        fprintf(stderr, "kiosk: simulate: cannot open %s for appending\n", log_path);
        return APP_EXIT_SETUP;
    }
    question_means(app_survey(a), &r, mean);
    int rc = APP_EXIT_OK;
    for (int i = 0; i < n && rc == APP_EXIT_OK; i++) {
        if (one_respondent(a, &r, mean, log) != 0) {
            fprintf(stderr, "kiosk: simulate: respondent %d of %d did not get through\n", i + 1, n);
            rc = APP_EXIT_EXPECT;
        }
    }
    if (log && fclose(log) != 0)
        rc = APP_EXIT_SETUP;
    return rc;
}
