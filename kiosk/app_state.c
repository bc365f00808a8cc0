/* The application's state that every part of the kiosk UI reads: screen
 * names, the clock, the survey loaded from the store and where a
 * respondent starts. app.c changes the state, screens.c shows it; both use
 * these and neither calls the other's internals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_state.h"
#include "kclock.h"
#include "theme.h"

static const char *const SCREEN_NAMES[] = {
#define APP_SCREEN_NAME(id, name) name,
    APP_SCREENS(APP_SCREEN_NAME)
#undef APP_SCREEN_NAME
};

const char *screen_name(enum screen_id s)
{
    return s < SCREEN_COUNT ? SCREEN_NAMES[s] : "?";
}

int screen_by_name(const char *name)
{
    for (int i = 0; i < SCREEN_COUNT; i++) {
        if (strcmp(SCREEN_NAMES[i], name) == 0)
            return i;
    }
    return -1;
}

uint64_t app_now(const struct app *a)
{
    return a->virtual_clock ? a->vnow : SDL_GetTicks64();
}

int app_n_items(const struct app *a)
{
    return a->survey ? (int)(a->survey->n_attributes + a->survey->n_questions) : 0;
}

static void today(char *out) /* "YYYY-MM-DD" in the kiosks' time zone, out[11] */
{
    time_t t = kclock_now() + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void load_key(struct app *a)
{
    char text[SEAL_PK_TEXT_LEN];
    unsigned char pk[SEAL_KEY_BYTES];
    a->key_id[0] = '\0';
    if (kiosk_store_collector_key(a->store, text) == 1 && seal_pk_from_text(text, pk) == 0)
        seal_key_id(pk, a->key_id);
}

void app_load_survey(struct app *a)
{
    char *json = NULL, *etag = NULL;
    survey_free(a->survey);
    a->survey = NULL;
    a->survey_err[0] = '\0';
    if (kiosk_store_survey(a->store, &json, &etag) != 0) {
        snprintf(a->survey_err, sizeof a->survey_err, "kiosk: cannot read the cached survey");
    } else if (json) {
        survey_load_buffer(json, strlen(json), &a->survey, a->survey_err, sizeof a->survey_err);
    }
    if (a->survey_err[0]) /* the reason is for staff: the journal and maintenance */
        fprintf(stderr, "kiosk: %s\n", a->survey_err);
    load_key(a);
    a->closed_at = 0;
    a->survey_closed =
        a->survey && kiosk_store_closed(a->store, a->survey->id, a->survey->version, &a->closed_at);
    free(json);
    free(etag);
}

/* A failed save left answers in memory for staff: nobody else answers,
 * and nothing of them is shown, until staff save them. */
bool app_unsaved(const struct app *a)
{
    return a->save_err[0] != '\0';
}

enum screen_id app_home(const struct app *a)
{
    char date[11];
    if (app_unsaved(a))
        return SCREEN_LOCKED;
    if (!a->store || a->survey_err[0])
        return SCREEN_ERROR;
    if (!a->survey)
        return SCREEN_NO_SURVEY;
    if (a->survey_closed) /* before the period: over is over */
        return SCREEN_CLOSED;
    if (!a->key_id[0]) /* nothing to seal answers for */
        return SCREEN_NO_SURVEY;
    today(date);
    return survey_is_running_on(a->survey, date) ? SCREEN_WELCOME : SCREEN_NO_SURVEY;
}

uint64_t app_input_from(const struct app *a)
{
    if (a->shown_at == 0)
        return 0;
    return a->shown_at + (a->screen == SCREEN_THANKS ? THEME_THANKS_LOCK_MS : THEME_GUARD_MS);
}

bool app_on_item(const struct app *a)
{
    return a->screen == SCREEN_ATTRIBUTE || a->screen == SCREEN_QUESTION;
}
