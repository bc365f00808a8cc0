/* The kiosk application: the state machine of the screens (welcome,
 * attributes, questions, confirm, thanks, idle, maintenance) over one SDL
 * window, the store, the sync thread and the survey. One turn of the loop
 * waits for an event or a timer, updates the state and redraws only when
 * something changed. Time is read through one clock: SDL's ticks, or in
 * headless runs a virtual clock that only app_wait() moves. */
#ifndef KIOSK_APP_H
#define KIOSK_APP_H

#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "options.h"
#include "survey.h"

#define APP_ERR_LEN 512

/* Exit statuses of the kiosk program. */
enum app_exit {
    APP_EXIT_OK = 0,
    APP_EXIT_SETUP = 1,       /* bad option, config, font or display */
    APP_EXIT_EXPECT = 2,      /* a script's expectation failed */
    APP_EXIT_UNDELIVERED = 3, /* --drain: something was not delivered in time */
};

#define APP_SCREENS(X)                                                                             \
    X(SCREEN_WELCOME, "welcome")                                                                   \
    X(SCREEN_NO_SURVEY, "no_survey")                                                               \
    X(SCREEN_CLOSED, "closed")                                                                     \
    X(SCREEN_ATTRIBUTE, "attribute")                                                               \
    X(SCREEN_QUESTION, "question")                                                                 \
    X(SCREEN_CONFIRM, "confirm")                                                                   \
    X(SCREEN_THANKS, "thanks")                                                                     \
    X(SCREEN_IDLE, "idle")                                                                         \
    X(SCREEN_PIN, "pin")                                                                           \
    X(SCREEN_MAINTENANCE, "maintenance")                                                           \
    X(SCREEN_ERROR, "error")                                                                       \
    X(SCREEN_LOCKED, "locked")                                                                     \
    X(SCREEN_REVIEW, "review")

enum screen_id {
#define APP_SCREEN_ENUM(id, name) id,
    APP_SCREENS(APP_SCREEN_ENUM)
#undef APP_SCREEN_ENUM
        SCREEN_COUNT
};
const char *screen_name(enum screen_id s);
/* The screen called name, or -1. */
int screen_by_name(const char *name);

/* What a button does; arg says which choice or digit. */
enum app_action {
    ACTION_NONE,
    ACTION_START,
    ACTION_CHOOSE, /* arg: index of the scale point or option, in display order */
    ACTION_BACK,
    ACTION_SKIP,
    ACTION_NEXT,
    ACTION_SEND,
    ACTION_REVIEW,
    ACTION_CONTINUE, /* idle: keep answering */
    ACTION_RESTART,  /* idle, thanks: back to welcome now */
    ACTION_PIN_DIGIT,
    ACTION_PIN_CLEAR,
    ACTION_PIN_OK,
    ACTION_LEAVE, /* pin, maintenance: back to welcome */
    ACTION_SYNC_NOW,
    ACTION_QUIT,
    ACTION_REQUEUE,    /* maintenance: quarantined batches back in the queue, sync now */
    ACTION_RESAVE,     /* maintenance: the answers a failed save kept, saved again */
    ACTION_OPEN_ITEM,  /* review: arg is the item (attributes, then questions) to change */
    ACTION_TO_CONFIRM, /* review: back to confirm */
    ACTION_PAGE_PREV,  /* review: the previous page of answers */
    ACTION_PAGE_NEXT,
    ACTION_LANGUAGE, /* welcome: arg is the survey's language to answer in */
};

struct app;

/* Loads the config, opens the window, fonts, store and survey, and starts
 * the sync thread. Returns NULL with a one-line message in err. */
struct app *app_open(const struct kiosk_options *opt, char *err, size_t errlen);
void app_close(struct app *a); /* accepts NULL */

bool app_running(const struct app *a);
/* One turn of the interactive loop: wait, update, redraw if needed. */
void app_turn(struct app *a);

/* Driving the UI on the virtual clock (script, simulation). Events go
 * through SDL's queue and the same handlers as real input. */
void app_tap(struct app *a, int x, int y);
void app_press(struct app *a, int x, int y, unsigned ms);
/* One finger going down or up at (x, y): a tap split in two, so that what
 * shows while the finger is down can be looked at. */
void app_touch(struct app *a, int x, int y, bool down);
void app_key(struct app *a, SDL_Keycode key);
void app_wait(struct app *a, unsigned ms);
int app_set_date(struct app *a, const char *yyyy_mm_dd);

/* Looking at the UI. */
void app_size(const struct app *a, int *w, int *h);
enum screen_id app_screen(const struct app *a);
const struct survey *app_survey(const struct app *a);
/* The id of the attribute or question on screen, or NULL. */
const char *app_item_id(const struct app *a);
/* The item on screen: index into the survey's attributes (is_attribute)
 * or questions. Returns false when no item is on screen. */
bool app_item(const struct app *a, bool *is_attribute, int *index);
/* The current item's choice as text (the point's value or the option's
 * id) into buf; "" when none. */
void app_selected(const struct app *a, char *buf, size_t len);
int app_stored(const struct app *a);
unsigned long app_frames(const struct app *a);
bool app_layout_ok(const struct app *a, char *why, size_t len);
/* The screen as laid out, for tests that measure it; valid until the next
 * event or wait. */
struct view;
const struct view *app_view(const struct app *a);
/* Waits on the virtual clock, as a person who reads before acting, until a
 * chosen answer has moved on and the screen takes input (THEME_GUARD_MS
 * after it changed, longer on thanks). Returns the milliseconds waited. */
unsigned app_await_input(struct app *a);
/* The same, then until the screen offers the button doing action/arg, at
 * most max_ms in all. Returns whether the button is there. */
bool app_await_button(struct app *a, enum app_action action, int arg, unsigned max_ms);
/* The centre of the button doing action/arg on screen; false if none. */
bool app_button_center(const struct app *a, enum app_action action, int arg, int *x, int *y);
/* Whether a text or button on screen reads exactly text. */
bool app_text_shown(const struct app *a, const char *text);
int app_shot(struct app *a, const char *path, char *err, size_t errlen);

/* --drain: waits for the sync thread to deliver everything. */
bool app_drain(struct app *a, int seconds);
/* --stats: first frame, tap-to-frame times, frames; JSON into path. */
int app_write_stats(const struct app *a, const char *path);

#endif
