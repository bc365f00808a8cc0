/* The kiosk's state machine and loop turn: input and timers change the
 * state, a change marks the screen dirty, and a dirty screen is rebuilt
 * and drawn once. Assumes one thread owns SDL and the UI's store handle;
 * the sync thread has its own and is only asked for its status. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL_ttf.h>

#include "app_state.h"
#include "kclock.h"
#include "theme.h"

#define HEADLESS_W      1920
#define HEADLESS_H      1080
#define WINDOW_W        1280
#define WINDOW_H        800
#define MAX_TIMER_STEPS 1000000 /* a wait fires at most this many timers */

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

/* ---- survey and screens ------------------------------------------------ */

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

static void load_survey(struct app *a)
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
static bool unsaved(const struct app *a)
{
    return a->save_err[0] != '\0';
}

enum screen_id app_home(const struct app *a)
{
    char date[11];
    if (unsaved(a))
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

static void show(struct app *a, enum screen_id s)
{
    a->screen = s;
    a->shown_at = app_now(a);
    a->press_used = true; /* a finger that went down on the last screen does nothing here */
    a->dirty = true;
}

uint64_t app_input_from(const struct app *a)
{
    if (a->shown_at == 0)
        return 0;
    return a->shown_at + (a->screen == SCREEN_THANKS ? THEME_THANKS_LOCK_MS : THEME_GUARD_MS);
}

static bool input_blocked(const struct app *a)
{
    return app_now(a) < app_input_from(a);
}

/* Everything answered so far is forgotten: it was never written. Answers
 * a failed save kept wait for staff instead. */
static void discard(struct app *a)
{
    a->pin[0] = '\0';
    a->pin_wrong = false;
    a->advance_at = 0;
    if (unsaved(a))
        return;
    for (int i = 0; i < APP_MAX_ITEMS; i++)
        a->choice[i] = APP_NO_CHOICE;
    a->item = 0;
}

/* Takes what the sync thread stored since (a new definition, or the
 * collector's close), but only when nobody is answering: a respondent
 * half-way finishes the survey they started. */
static void take_survey_update(struct app *a)
{
    struct sync_status sy;
    if (!a->sync || !a->store)
        return;
    sync_get_status(a->sync, &sy);
    if (sy.survey_generation == a->survey_gen)
        return;
    a->survey_gen = sy.survey_generation;
    load_survey(a);
    a->dirty = true;
}

static void go_home(struct app *a)
{
    discard(a);
    take_survey_update(a); /* the next respondent sees a close at once */
    show(a, app_home(a));
}

static void enter_item(struct app *a)
{
    a->advance_at = 0;
    if (a->item >= app_n_items(a))
        show(a, SCREEN_CONFIRM);
    else
        show(a, a->item < (int)a->survey->n_attributes ? SCREEN_ATTRIBUTE : SCREEN_QUESTION);
}

static bool on_item(const struct app *a)
{
    return a->screen == SCREEN_ATTRIBUTE || a->screen == SCREEN_QUESTION;
}

static void refresh_status(struct app *a)
{
    struct kiosk_store_status st;
    struct sync_status sy;
    memset(&st, 0, sizeof st);
    memset(&sy, 0, sizeof sy);
    if (a->store)
        kiosk_store_get_status(a->store, &st);
    if (a->sync)
        sync_get_status(a->sync, &sy);
    if (memcmp(&st, &a->shown_store, sizeof st) || memcmp(&sy, &a->shown_sync, sizeof sy)) {
        a->shown_store = st;
        a->shown_sync = sy;
        a->dirty = true;
    }
}

/* ---- actions ------------------------------------------------------------ */

static void submit(struct app *a)
{
    const struct survey *s = a->survey;
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES];
    for (size_t j = 0; j < s->n_attributes; j++)
        options[j] = a->choice[j] == APP_NO_CHOICE ? BATCH_OPTION_NONE : a->choice[j];
    for (size_t i = 0; i < s->n_questions; i++) {
        int c = a->choice[s->n_attributes + i];
        values[i] = c == APP_NO_CHOICE ? BATCH_ANSWER_NONE : s->points[c].value;
    }
    char month[8];
    kclock_month(month);
    if (kiosk_store_submit(a->store, s, month, values, options, a->save_err, sizeof a->save_err) !=
        0) {
        if (!a->save_err[0])
            snprintf(a->save_err, sizeof a->save_err, "kiosk store: the response was not saved");
        fprintf(stderr, "kiosk: %s\n", a->save_err);
        a->last_input = app_now(a); /* confirm says so, then locks after the idle timeout */
        a->dirty = true;            /* the answers stay so staff can save them */
        return;
    }
    a->save_err[0] = '\0';
    a->stored++;
    a->thanks_open = false;
    a->cooldown_until = app_now(a) + (uint64_t)s->cooldown_s * 1000;
    /* The answers live in memory only until they are sealed and stored. */
    explicit_bzero(values, sizeof values);
    explicit_bzero(options, sizeof options);
    explicit_bzero(a->choice, sizeof a->choice);
    discard(a);
    a->thanks_until = app_now(a) + THEME_THANKS_MS;
    show(a, SCREEN_THANKS);
}

static void pin_ok(struct app *a)
{
    const char *want = a->cfg.maintenance_pin;
    size_t n = strlen(want);
    unsigned diff = strlen(a->pin) != n;
    for (size_t i = 0; i < n && i < sizeof a->pin; i++)
        diff |= (unsigned)(a->pin[i] ^ want[i]);
    a->pin[0] = '\0';
    a->pin_wrong = diff != 0;
    if (!diff) {
        refresh_status(a);
        show(a, SCREEN_MAINTENANCE);
    }
    a->dirty = true;
}

static void pin_digit(struct app *a, int d)
{
    size_t n = strlen(a->pin);
    if (n < APP_PIN_MAX) {
        a->pin[n] = (char)('0' + d);
        a->pin[n + 1] = '\0';
    }
    a->pin_wrong = false;
    a->dirty = true;
}

/* Maintenance: the batches the collector refused go back in the queue
 * (after staff fixed the cause, e.g. published the survey version there)
 * and the sync thread is woken to send them; the counts shown follow. */
static void requeue(struct app *a)
{
    int n = a->store ? kiosk_store_requeue_quarantined(a->store) : -1;
    if (n < 0)
        fprintf(stderr, "kiosk: maintenance: could not requeue the quarantined batches\n");
    else
        fprintf(stderr, "kiosk: maintenance: %d quarantined batches requeued, sync woken\n", n);
    if (a->sync)
        sync_now(a->sync);
    refresh_status(a);
    a->dirty = true;
}

/* Maintenance: staff freed the disk; the answers a failed save kept are
 * saved now. Maintenance stays, showing whether it worked. */
static void resave(struct app *a)
{
    if (!unsaved(a) || !a->survey)
        return;
    submit(a);
    if (!unsaved(a))
        fprintf(stderr, "kiosk: maintenance: the kept response was saved\n");
    show(a, SCREEN_MAINTENANCE);
}

static void act_answer(struct app *a, enum app_action action, int arg)
{
    switch (action) {
    case ACTION_CHOOSE:
        a->choice[a->item] = arg;
        a->advance_at = app_now(a) + THEME_ADVANCE_MS;
        a->dirty = true;
        break;
    case ACTION_BACK:
        if (a->item == 0) {
            go_home(a);
            return;
        }
        a->item--;
        enter_item(a);
        break;
    case ACTION_SKIP:
        a->choice[a->item] = APP_NO_CHOICE;
        a->item++;
        enter_item(a);
        break;
    case ACTION_NEXT:
        a->item++;
        enter_item(a);
        break;
    default:
        break;
    }
}

static void act(struct app *a, enum app_action action, int arg)
{
    switch (action) {
    case ACTION_START:
        discard(a);
        enter_item(a);
        break;
    case ACTION_CHOOSE:
    case ACTION_BACK:
    case ACTION_SKIP:
    case ACTION_NEXT:
        act_answer(a, action, arg);
        break;
    case ACTION_SEND:
        submit(a);
        break;
    case ACTION_REVIEW:
        a->item = 0;
        enter_item(a);
        break;
    case ACTION_CONTINUE:
        show(a, a->idle_from);
        break;
    case ACTION_RESTART:
    case ACTION_LEAVE:
        go_home(a);
        break;
    case ACTION_PIN_DIGIT:
        pin_digit(a, arg);
        break;
    case ACTION_PIN_CLEAR:
        a->pin[0] = '\0';
        a->dirty = true;
        break;
    case ACTION_PIN_OK:
        pin_ok(a);
        break;
    case ACTION_SYNC_NOW:
        if (a->sync)
            sync_now(a->sync);
        break;
    case ACTION_QUIT:
        a->running = false;
        break;
    case ACTION_REQUEUE:
        requeue(a);
        break;
    case ACTION_RESAVE:
        resave(a);
        break;
    case ACTION_NONE:
        break;
    }
}

/* Presses a visible button, as a key does: keys never do what the screen
 * does not offer. Returns whether one was there. */
static bool press_button(struct app *a, enum app_action action, int arg)
{
    if (!view_find(&a->view, action, arg))
        return false;
    act(a, action, arg);
    return true;
}

/* ---- input ------------------------------------------------------------- */

/* The window's size in pixels and millimetres: the config's screen_mm or
 * screen_inches, else the display's DPI, else an assumption (panel.c). */
static void measure_screen(struct app *a)
{
    float dpi = 0;
    SDL_GetRendererOutputSize(a->ren, &a->width, &a->height);
    if (SDL_GetDisplayDPI(SDL_GetWindowDisplayIndex(a->win), NULL, &dpi, NULL) != 0)
        dpi = 0;
    panel_measure(a->width, a->height, a->cfg.screen_w_mm, a->cfg.screen_h_mm, a->cfg.screen_inches,
                  dpi, &a->panel);
}

static void on_key(struct app *a, SDL_Keycode k)
{
    static const enum app_action enter[] = {ACTION_START,    ACTION_NEXT,   ACTION_SEND,
                                            ACTION_CONTINUE, ACTION_PIN_OK, ACTION_RESTART};
    if (k >= SDLK_0 && k <= SDLK_9) {
        int d = (int)(k - SDLK_0);
        if (!press_button(a, ACTION_PIN_DIGIT, d) && d > 0)
            press_button(a, ACTION_CHOOSE, d - 1);
    } else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
        for (size_t i = 0; i < sizeof enter / sizeof enter[0]; i++) {
            if (press_button(a, enter[i], 0))
                break;
        }
    } else if (k == SDLK_BACKSPACE) {
        if (a->screen == SCREEN_PIN && a->pin[0]) {
            a->pin[strlen(a->pin) - 1] = '\0';
            a->dirty = true;
        } else if (!press_button(a, ACTION_BACK, 0)) {
            press_button(a, ACTION_REVIEW, 0);
        }
    } else if (k == SDLK_ESCAPE) {
        press_button(a, ACTION_LEAVE, 0);
    }
}

static bool in_corner(const struct app *a, int x, int y)
{
    int m = a->width < a->height ? a->width : a->height;
    int c = (int)(THEME_CORNER * m / THEME_UNIT_PX);
    return x < c && y < c;
}

static bool corner_screen(const struct app *a)
{
    return a->screen == SCREEN_WELCOME || a->screen == SCREEN_NO_SURVEY ||
           a->screen == SCREEN_CLOSED || a->screen == SCREEN_ERROR || a->screen == SCREEN_LOCKED;
}

/* The button under a finger that is down, shown pressed; NULL if none. */
static const struct widget *pressed_button(const struct app *a)
{
    return a->pressed && !a->press_used ? view_hit(&a->view, a->press_x, a->press_y) : NULL;
}

/* The frame: the view, and the button under the finger darkened, so that
 * a touch shows at once, before the finger lifts and the tap counts. */
static void draw(struct app *a)
{
    const struct widget *w = pressed_button(a);
    SDL_Color c = THEME_PRESSED;

    view_draw(&a->view, a->ren);
    if (!w)
        return;
    SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(a->ren, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(a->ren, &w->box);
    SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_NONE);
}

static void on_release(struct app *a, int x, int y)
{
    if (pressed_button(a))
        a->dirty = true; /* it no longer looks pressed */
    a->pressed = false;
    if (a->press_used)
        return;
    const struct widget *w = view_hit(&a->view, x, y);
    /* A tap counts where the finger went down and came up on one button. */
    if (w && w == view_hit(&a->view, a->press_x, a->press_y)) {
        a->input_at_pc = SDL_GetPerformanceCounter();
        act(a, w->action, w->arg);
    }
}

static void on_event(struct app *a, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: /* SIGTERM from systemd, or the close box of a desk window */
        a->running = false;
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            measure_screen(a);
            a->dirty = true;
        } else if (e->window.event == SDL_WINDOWEVENT_EXPOSED) {
            a->dirty = true;
        }
        break;
    case SDL_MOUSEBUTTONDOWN: /* touches arrive as mouse events too */
        if (e->button.button != SDL_BUTTON_LEFT)
            break;
        a->last_input = app_now(a);
        if (input_blocked(a))
            break; /* the screen just changed: a double tap's second tap */
        a->pressed = true;
        a->press_used = false;
        a->press_x = e->button.x;
        a->press_y = e->button.y;
        a->press_at = app_now(a);
        if (pressed_button(a))
            a->dirty = true; /* show it pressed; a touch beside every button draws nothing */
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT && a->pressed)
            on_release(a, e->button.x, e->button.y);
        break;
    case SDL_KEYDOWN:
        if (e->key.repeat)
            break; /* a key held down answers once */
        a->last_input = app_now(a);
        if (input_blocked(a))
            break;
        a->input_at_pc = SDL_GetPerformanceCounter();
        on_key(a, e->key.keysym.sym);
        break;
    default:
        break;
    }
}

/* ---- timers ------------------------------------------------------------ */

/* Where the idle prompt can come. Not on confirm after a failed save: those
 * answers wait for staff, never discarded; confirm locks instead. */
static bool answering(const struct app *a)
{
    return on_item(a) || (a->screen == SCREEN_CONFIRM && !unsaved(a));
}

static bool failed_confirm(const struct app *a)
{
    return a->screen == SCREEN_CONFIRM && unsaved(a);
}

static bool staff_screen(const struct app *a)
{
    return a->screen == SCREEN_PIN || a->screen == SCREEN_MAINTENANCE;
}

static bool polled(const struct app *a)
{
    return corner_screen(a) || a->screen == SCREEN_MAINTENANCE;
}

static uint64_t idle_deadline(const struct app *a)
{
    return a->last_input + (uint64_t)a->cfg.idle_timeout_s * 1000;
}

static int seconds_left(const struct app *a, uint64_t now)
{
    return now >= a->countdown_end ? 0 : (int)((a->countdown_end - now + 999) / 1000);
}

static uint64_t next_deadline(const struct app *a)
{
    uint64_t next = UINT64_MAX;
#define CONSIDER(cond, t)                                                                          \
    do {                                                                                           \
        if ((cond) && (t) < next)                                                                  \
            next = (t);                                                                            \
    } while (0)
    CONSIDER(a->advance_at != 0, a->advance_at);
    CONSIDER(answering(a) || staff_screen(a) || failed_confirm(a), idle_deadline(a));
    CONSIDER(a->screen == SCREEN_IDLE,
             a->countdown_end -
                 (uint64_t)(a->countdown_left > 0 ? a->countdown_left - 1 : 0) * 1000);
    CONSIDER(a->screen == SCREEN_THANKS, a->thanks_until);
    CONSIDER(a->screen == SCREEN_THANKS && !a->thanks_open, app_input_from(a));
    CONSIDER(a->cooldown_until != 0, a->cooldown_until);
    CONSIDER(a->pressed && !a->press_used && corner_screen(a) &&
                 in_corner(a, a->press_x, a->press_y),
             a->press_at + THEME_LONG_PRESS_MS);
    CONSIDER(polled(a), a->poll_at);
#undef CONSIDER
    return next;
}

static void open_pin(struct app *a)
{
    a->press_used = true;
    if (!a->cfg.maintenance_pin[0])
        return; /* no PIN configured: maintenance is locked */
    a->pin[0] = '\0';
    a->pin_wrong = false;
    a->last_input = app_now(a);
    show(a, SCREEN_PIN);
}

static void poll_status(struct app *a)
{
    if (corner_screen(a))
        take_survey_update(a);
    if (corner_screen(a) && app_home(a) != a->screen)
        show(a, app_home(a));
    if (a->screen == SCREEN_MAINTENANCE)
        refresh_status(a);
}

static void tick_idle(struct app *a, uint64_t now)
{
    if (answering(a) && now >= idle_deadline(a)) {
        a->idle_from = a->screen;
        a->advance_at = 0;
        a->countdown_end = now + THEME_COUNTDOWN_MS;
        a->countdown_left = seconds_left(a, now);
        show(a, SCREEN_IDLE);
    } else if ((staff_screen(a) || failed_confirm(a)) && now >= idle_deadline(a)) {
        go_home(a); /* after a failed save: the locked notice */
    } else if (a->screen == SCREEN_IDLE) {
        int left = seconds_left(a, now);
        if (left == 0)
            go_home(a);
        else if (left != a->countdown_left)
            a->dirty = true;
        a->countdown_left = left;
    }
}

static void tick(struct app *a)
{
    uint64_t now = app_now(a);
    if (a->advance_at && now >= a->advance_at && on_item(a)) {
        a->item++;
        enter_item(a);
    }
    tick_idle(a, now);
    if (a->screen == SCREEN_THANKS && !a->thanks_open && now >= app_input_from(a)) {
        a->thanks_open = true; /* its button shows */
        a->dirty = true;
    }
    if (a->screen == SCREEN_THANKS && now >= a->thanks_until)
        go_home(a);
    if (a->cooldown_until && now >= a->cooldown_until) {
        a->cooldown_until = 0; /* welcome's start button wakes */
        a->dirty = a->dirty || a->screen == SCREEN_WELCOME;
    }
    if (a->pressed && !a->press_used && corner_screen(a) && in_corner(a, a->press_x, a->press_y) &&
        now >= a->press_at + THEME_LONG_PRESS_MS)
        open_pin(a);
    if (now >= a->poll_at) {
        a->poll_at = now + THEME_POLL_MS;
        poll_status(a);
    }
}

/* ---- drawing ------------------------------------------------------------ */

static double ms_since(uint64_t pc)
{
    return (double)(SDL_GetPerformanceCounter() - pc) * 1000.0 / SDL_GetPerformanceFrequency();
}

static void redraw(struct app *a)
{
    if (!a->dirty)
        return;
    a->dirty = false;
    screens_build(a);
    draw(a);
    SDL_RenderPresent(a->ren);
    a->frames++;
    if (a->input_at_pc && a->n_samples < APP_MAX_SAMPLES)
        a->samples[a->n_samples++] = ms_since(a->input_at_pc);
    a->input_at_pc = 0;
}

void app_turn(struct app *a)
{
    uint64_t now = app_now(a), next = next_deadline(a);
    SDL_Event e;
    int got;
    if (next == UINT64_MAX)
        got = SDL_WaitEvent(&e);
    else
        got = SDL_WaitEventTimeout(&e, next <= now            ? 0
                                       : next - now > INT_MAX ? INT_MAX
                                                              : (int)(next - now));
    if (got) {
        on_event(a, &e);
        while (SDL_PollEvent(&e))
            on_event(a, &e);
    }
    tick(a);
    redraw(a);
}

bool app_running(const struct app *a)
{
    return a->running;
}

/* ---- driving on the virtual clock ------------------------------------- */

static void pump(struct app *a)
{
    SDL_Event e;
    while (SDL_PollEvent(&e))
        on_event(a, &e);
    tick(a);
    redraw(a);
}

static void push_button(struct app *a, Uint32 type, int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.button.windowID = SDL_GetWindowID(a->win);
    e.button.which = SDL_TOUCH_MOUSEID;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.clicks = 1;
    e.button.x = x;
    e.button.y = y;
    SDL_PushEvent(&e);
}

void app_tap(struct app *a, int x, int y)
{
    push_button(a, SDL_MOUSEBUTTONDOWN, x, y);
    push_button(a, SDL_MOUSEBUTTONUP, x, y);
    pump(a);
}

void app_touch(struct app *a, int x, int y, bool down)
{
    push_button(a, down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP, x, y);
    pump(a);
}

void app_press(struct app *a, int x, int y, unsigned ms)
{
    push_button(a, SDL_MOUSEBUTTONDOWN, x, y);
    pump(a);
    app_wait(a, ms);
    push_button(a, SDL_MOUSEBUTTONUP, x, y);
    pump(a);
}

void app_key(struct app *a, SDL_Keycode key)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.windowID = SDL_GetWindowID(a->win);
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = key;
    SDL_PushEvent(&e);
    pump(a);
}

void app_wait(struct app *a, unsigned ms)
{
    uint64_t target = a->vnow + ms;
    for (int i = 0; i < MAX_TIMER_STEPS && a->running; i++) {
        uint64_t next = next_deadline(a);
        if (next > target)
            break;
        if (next > a->vnow)
            a->vnow = next;
        pump(a);
    }
    a->vnow = target;
    pump(a);
}

int app_set_date(struct app *a, const char *date)
{
    if (kclock_set_date(date) != 0)
        return -1;
    poll_status(a);
    redraw(a);
    return 0;
}

/* ---- looking at the UI ------------------------------------------------- */

void app_size(const struct app *a, int *w, int *h)
{
    *w = a->width;
    *h = a->height;
}

enum screen_id app_screen(const struct app *a)
{
    return a->screen;
}

const struct survey *app_survey(const struct app *a)
{
    return a->survey;
}

bool app_item(const struct app *a, bool *is_attribute, int *index)
{
    if (!on_item(a))
        return false;
    int na = (int)a->survey->n_attributes;
    *is_attribute = a->item < na;
    *index = a->item < na ? a->item : a->item - na;
    return true;
}

const char *app_item_id(const struct app *a)
{
    bool attr;
    int i;
    if (!app_item(a, &attr, &i))
        return NULL;
    return attr ? a->survey->attributes[i].id : a->survey->questions[i].id;
}

void app_selected(const struct app *a, char *buf, size_t len)
{
    bool attr;
    int i;
    buf[0] = '\0';
    if (!app_item(a, &attr, &i) || a->choice[a->item] == APP_NO_CHOICE)
        return;
    int c = a->choice[a->item];
    if (attr)
        snprintf(buf, len, "%s", a->survey->attributes[i].options[c].id);
    else
        snprintf(buf, len, "%d", a->survey->points[c].value);
}

int app_stored(const struct app *a)
{
    return a->stored;
}

unsigned long app_frames(const struct app *a)
{
    return a->frames;
}

bool app_layout_ok(const struct app *a, char *why, size_t len)
{
    return view_check(&a->view, why, len);
}

unsigned app_await_input(struct app *a)
{
    uint64_t start = app_now(a);
    if (a->advance_at > app_now(a)) /* a chosen answer moves on first */
        app_wait(a, (unsigned)(a->advance_at - app_now(a)));
    if (app_now(a) < app_input_from(a))
        app_wait(a, (unsigned)(app_input_from(a) - app_now(a)));
    return (unsigned)(app_now(a) - start);
}

bool app_await_button(struct app *a, enum app_action action, int arg, unsigned max_ms)
{
    enum { STEP_MS = 250 };
    for (unsigned waited = 0;; waited += STEP_MS) {
        waited += app_await_input(a);
        if (view_find(&a->view, action, arg))
            return true;
        if (waited >= max_ms)
            return false;
        app_wait(a, STEP_MS);
    }
}

const struct view *app_view(const struct app *a)
{
    return &a->view;
}

bool app_button_center(const struct app *a, enum app_action action, int arg, int *x, int *y)
{
    const struct widget *w = view_find(&a->view, action, arg);
    if (!w)
        return false;
    *x = w->box.x + w->box.w / 2;
    *y = w->box.y + w->box.h / 2;
    return true;
}

bool app_text_shown(const struct app *a, const char *text)
{
    for (int i = 0; i < a->view.n; i++) {
        const struct widget *w = &a->view.w[i];
        if (w->text && strcmp(w->text, text) == 0)
            return true;
    }
    return false;
}

int app_shot(struct app *a, const char *path, char *err, size_t errlen)
{
    int rc = -1;
    SDL_Surface *s =
        SDL_CreateRGBSurfaceWithFormat(0, a->width, a->height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        goto out;
    draw(a); /* the frame on screen, redrawn into the back buffer */
    if (SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0)
        goto out;
    rc = SDL_SaveBMP(s, path);
out:
    if (rc != 0)
        snprintf(err, errlen, "cannot write the screenshot %s: %s", path, SDL_GetError());
    SDL_FreeSurface(s);
    return rc;
}

bool app_drain(struct app *a, int seconds)
{
    return a->sync && sync_drain(a->sync, seconds);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int app_write_stats(const struct app *a, const char *path)
{
    double sorted[APP_MAX_SAMPLES];
    int n = a->n_samples;
    memcpy(sorted, a->samples, sizeof(double) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(double), cmp_double);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "{\"first_frame_ms\": %.3f, \"frames\": %lu, \"taps\": %d, "
            "\"tap_to_frame_ms_median\": %.3f, \"tap_to_frame_ms_max\": %.3f, "
            "\"text_renders\": %lu}\n",
            a->first_frame_ms, a->frames, n, n ? sorted[n / 2] : 0.0, n ? sorted[n - 1] : 0.0,
            textcache_renders(a->tc));
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- set-up and tear-down ---------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, const char *detail)
{
    snprintf(err, errlen, fmt, detail);
    return -1;
}

static int open_window(struct app *a, char *err, size_t errlen)
{
    const struct kiosk_options *o = &a->opt;
    if (o->headless) {
        setenv("SDL_VIDEODRIVER", "dummy", 1);
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    }
    if (o->fullscreen) /* respondents cannot close it; SIGTERM from systemd still quits */
        SDL_SetHint(SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
        return fail(err, errlen, "kiosk: cannot open the display: %s", SDL_GetError());
    int w = o->width ? o->width : o->headless ? HEADLESS_W : WINDOW_W;
    int h = o->height ? o->height : o->headless ? HEADLESS_H : WINDOW_H;
    Uint32 flags = o->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : SDL_WINDOW_RESIZABLE;
    a->win = SDL_CreateWindow("職員アンケート", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w,
                              h, flags);
    if (!a->win)
        return fail(err, errlen, "kiosk: cannot open a window: %s", SDL_GetError());
    a->ren = SDL_CreateRenderer(a->win, -1, o->headless ? SDL_RENDERER_SOFTWARE : 0);
    if (!a->ren)
        return fail(err, errlen, "kiosk: cannot create a renderer: %s", SDL_GetError());
    if (o->fullscreen)
        SDL_ShowCursor(SDL_DISABLE);
    measure_screen(a);
    fprintf(stderr, "kiosk: screen %dx%d px, %.0fx%.0f mm (%s)\n", a->width, a->height,
            a->panel.w_mm, a->panel.h_mm, panel_source_name(a->panel.source));
    return 0;
}

/* --survey FILE: checked before anything opens, stored when none is cached. */
static int load_given_survey(const char *path, struct survey **out, char *err, size_t errlen)
{
    char why[SURVEY_ERR_LEN];
    if (survey_load_file(path, out, why, sizeof why) != SURVEY_OK) {
        snprintf(err, errlen, "kiosk: --survey %s: %s", path, why);
        return -1;
    }
    return 0;
}

static void install_survey(struct app *a, const struct survey *given)
{
    char *json = NULL, *etag = NULL;
    if (kiosk_store_survey(a->store, &json, &etag) == 0 && !json &&
        kiosk_store_set_survey(a->store, given->source, given->source_len, NULL) != 0)
        fprintf(stderr, "kiosk: could not store the survey of --survey %s\n", a->opt.survey);
    free(json);
    free(etag);
}

static void open_store(struct app *a, const struct survey *given)
{
    if (kiosk_store_open(a->cfg.db, &a->store, &a->store_set_aside, a->store_err,
                         sizeof a->store_err) != 0) {
        fprintf(stderr, "kiosk: %s\n", a->store_err);
        a->store = NULL;
        return;
    }
    if (a->store_set_aside)
        fprintf(stderr, "kiosk: the store %s was damaged; it was set aside and a new one made\n",
                a->cfg.db);
    if (a->cfg.collector_key[0] &&
        kiosk_store_set_collector_key(a->store, a->cfg.collector_key) != 0)
        fprintf(stderr, "kiosk: cannot store the pinned collector key\n");
    if (given)
        install_survey(a, given);
    if (a->opt.store_max_pages && kiosk_store_set_max_pages(a->store, a->opt.store_max_pages) != 0)
        fprintf(stderr, "kiosk: cannot cap the store at %ld pages\n", a->opt.store_max_pages);
    load_survey(a);
}

static double ms_since_t0(const struct app *a, const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = now.tv_sec * 1e3 + now.tv_nsec / 1e6;
    if (a->opt.t0_ns)
        return t - a->opt.t0_ns / 1e6;
    return t - (start->tv_sec * 1e3 + start->tv_nsec / 1e6);
}

static int setup(struct app *a, char *err, size_t errlen)
{
    char why[APP_ERR_LEN];
    struct survey *given = NULL;
    int rc = -1;
    if (kiosk_config_load(a->opt.config, &a->cfg, why, sizeof why) != 0) {
        fail(err, errlen, "kiosk: %s", why);
        goto out;
    }
    if (a->opt.date && kclock_set_date(a->opt.date) != 0) {
        fail(err, errlen, "kiosk: --date %s is not a date YYYY-MM-DD", a->opt.date);
        goto out;
    }
    if ((a->opt.survey && load_given_survey(a->opt.survey, &given, err, errlen) != 0) ||
        open_window(a, err, errlen) != 0)
        goto out;
    const char *fonts = a->cfg.fonts_dir[0] ? a->cfg.fonts_dir : KIOSK_DEFAULT_FONTS_DIR;
    a->tc = textcache_open(a->ren, fonts, err, errlen);
    if (!a->tc)
        goto out;
    open_store(a, given);
    rc = 0;
out:
    survey_free(given);
    return rc;
}

struct app *app_open(const struct kiosk_options *opt, char *err, size_t errlen)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct app *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "kiosk: out of memory");
        return NULL;
    }
    a->opt = *opt;
    a->virtual_clock = opt->headless || opt->simulate > 0;
    a->vnow = 1000;
    if (setup(a, err, errlen) != 0) {
        app_close(a);
        return NULL;
    }
    a->running = true;
    discard(a);
    show(a, app_home(a));
    a->shown_at = 0; /* the first screen takes input at once */
    a->last_input = app_now(a);
    a->poll_at = app_now(a) + THEME_POLL_MS;
    redraw(a);
    a->first_frame_ms = ms_since_t0(a, &start);
    screens_warm(a);
    char why[APP_ERR_LEN];
    a->sync = sync_start(&a->cfg, why, sizeof why);
    if (!a->sync)
        fprintf(stderr, "kiosk: sync is off: %s\n", why);
    return a;
}

void app_close(struct app *a)
{
    if (!a)
        return;
    sync_stop(a->sync);
    kiosk_store_close(a->store);
    survey_free(a->survey);
    textcache_close(a->tc);
    if (a->ren)
        SDL_DestroyRenderer(a->ren);
    if (a->win)
        SDL_DestroyWindow(a->win);
    if (TTF_WasInit())
        TTF_Quit();
    SDL_Quit();
    free(a);
}
