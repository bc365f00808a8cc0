/* The application's state, shared by app.c (events, timers, the loop),
 * app_state.c (what both read), app_setup.c (opening), app_look.c (looking
 * from outside) and screens.c (what each screen shows). Nothing else
 * includes it: the rest of the kiosk sees struct app through app.h only. */
#ifndef KIOSK_APP_STATE_H
#define KIOSK_APP_STATE_H

#include <stdint.h>

#include "app.h"
#include "batch.h"
#include "config.h"
#include "kiosk_store.h"
#include "seal.h"
#include "sync.h"
#include "textcache.h"
#include "view.h"

#define APP_MAX_ITEMS   (SURVEY_MAX_ATTRIBUTES + SURVEY_MAX_QUESTIONS)
#define APP_MAX_SAMPLES 4096 /* tap-to-frame samples kept for --stats */
#define APP_PIN_MAX     8
#define APP_NO_CHOICE   -1

struct app {
    struct kiosk_options opt;
    struct kiosk_config cfg;
    SDL_Window *win;
    SDL_Renderer *ren;
    struct textcache *tc;
    struct kiosk_store *store;
    struct sync *sync;
    bool store_set_aside;
    char store_err[KSTORE_ERR_LEN];
    struct survey *survey; /* NULL when none is cached or it is invalid */
    char survey_err[SURVEY_ERR_LEN];
    unsigned survey_gen;
    bool survey_closed; /* the collector closed it: the closed screen instead of welcome */
    time_t closed_at;   /* when, by the collector's clock; 0 if it did not say */
    /* The collector key answers are sealed for: its id, "" when the kiosk has
     * none yet (then no survey starts: an answer is never stored unsealed). */
    char key_id[SEAL_KEY_ID_LEN];

    /* The respondent's progress: items are the attributes, then the questions. */
    enum screen_id screen;
    enum screen_id idle_from; /* where "continue" returns to */
    int item;
    bool reviewing;  /* the item was opened from the review list: a choice goes back to it */
    int review_page; /* screens.c keeps it within the pages there are */
    int lang;        /* the survey's language the respondent reads in; never stored or sent */
    int choice[APP_MAX_ITEMS];     /* index of the chosen point / option, APP_NO_CHOICE */
    uint64_t advance_at;           /* a choice shows highlighted until then; 0 = none */
    char save_err[KSTORE_ERR_LEN]; /* the last submit failed: shown on confirm */
    char pin[APP_PIN_MAX + 1];
    bool pin_wrong;

    /* Timers, in app_now() milliseconds. */
    uint64_t last_input;
    uint64_t countdown_end;
    int countdown_left; /* seconds shown on the idle screen */
    uint64_t thanks_until;
    uint64_t shown_at;       /* when the screen on display was put there; 0 = at start */
    bool thanks_open;        /* the thanks screen's lock is over: its button shows */
    uint64_t cooldown_until; /* welcome's start button rests until then; 0 = not resting */
    uint64_t poll_at;
    bool pressed, press_used;
    int press_x, press_y;
    uint64_t press_at;

    /* What is on screen. */
    int width, height;
    struct panel panel; /* the screen in millimetres */
    struct view view;
    bool dirty;
    bool running;
    struct kiosk_store_status shown_store; /* maintenance: what the screen shows */
    struct sync_status shown_sync;

    /* Clock and figures. */
    bool virtual_clock;
    uint64_t vnow;
    int stored;
    unsigned long frames;
    double first_frame_ms;
    uint64_t input_at_pc; /* performance counter at the input that made the screen dirty */
    double samples[APP_MAX_SAMPLES];
    int n_samples;
};

uint64_t app_now(const struct app *a);
int app_n_items(const struct app *a);
/* Where a respondent starts: welcome, or the screen that says why they
 * cannot (no_survey, closed, error, locked). */
enum screen_id app_home(const struct app *a);
/* The time from which the screen on display takes input: a new screen
 * ignores touches and keys for THEME_GUARD_MS (a second tap of a double
 * tap must not answer the next question), thanks for THEME_THANKS_LOCK_MS. */
uint64_t app_input_from(const struct app *a);
/* An attribute or question is on screen. */
bool app_on_item(const struct app *a);
/* A failed save left answers in memory for staff. */
bool app_unsaved(const struct app *a);
/* The survey, its collector key and whether it is closed, from the store. */
void app_load_survey(struct app *a);

/* app.c, for app_drive.c: one turn that does not wait, the next timer due
 * (UINT64_MAX: none), the status poll and a redraw if something changed. */
void app_pump(struct app *a);
uint64_t app_next_deadline(const struct app *a);
void app_poll_status(struct app *a);
void app_redraw(struct app *a);

/* app_look.c: the button under a finger that is down (NULL if none), and
 * the frame: the view, with that button darkened. */
const struct widget *app_pressed_button(const struct app *a);
void app_draw(struct app *a);

/* app_setup.c: the config, window, fonts, store and survey; 0 or -1 with
 * a message in err. */
int app_setup(struct app *a, char *err, size_t errlen);
/* The window's size in pixels and millimetres (panel.c). */
void app_measure_screen(struct app *a);

#endif
