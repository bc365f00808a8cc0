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
#include "screens.h"
#include "kclock.h"
#include "theme.h"

/* ---- screens ------------------------------------------------------------ */

static void show(struct app *a, enum screen_id s)
{
    a->screen = s;
    a->shown_at = app_now(a);
    a->press_used = true; /* a finger that went down on the last screen does nothing here */
    a->dirty = true;
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
    if (app_unsaved(a))
        return;
    for (int i = 0; i < APP_MAX_ITEMS; i++)
        a->choice[i] = APP_NO_CHOICE;
    a->item = 0;
    a->reviewing = false;
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
    app_load_survey(a);
    a->dirty = true;
}

static void go_home(struct app *a)
{
    discard(a);
    a->lang = 0;           /* the next respondent starts in Japanese */
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
    if (!app_unsaved(a) || !a->survey)
        return;
    submit(a);
    if (!app_unsaved(a))
        fprintf(stderr, "kiosk: maintenance: the kept response was saved\n");
    show(a, SCREEN_MAINTENANCE);
}

/* Back to the list of answers after changing one. */
static void to_review(struct app *a)
{
    a->reviewing = false;
    a->advance_at = 0;
    show(a, SCREEN_REVIEW);
}

static void act_answer(struct app *a, enum app_action action, int arg)
{
    if (a->reviewing && action != ACTION_CHOOSE) {
        if (action == ACTION_SKIP)
            a->choice[a->item] = APP_NO_CHOICE;
        to_review(a);
        return;
    }
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

/* 見直す: a list of every answer; one tap opens an item, the answer (or
 * 次へ, 戻る, 答えずに次へ) comes back to the list. */
static void act_review(struct app *a, enum app_action action, int arg)
{
    switch (action) {
    case ACTION_REVIEW:
        a->review_page = 0;
        to_review(a);
        break;
    case ACTION_OPEN_ITEM:
        a->item = arg;
        enter_item(a);
        a->reviewing = true;
        break;
    case ACTION_TO_CONFIRM:
        a->item = app_n_items(a);
        enter_item(a);
        break;
    case ACTION_PAGE_PREV:
    case ACTION_PAGE_NEXT:
        a->review_page += action == ACTION_PAGE_NEXT ? 1 : -1;
        show(a, SCREEN_REVIEW);
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
    case ACTION_OPEN_ITEM:
    case ACTION_TO_CONFIRM:
    case ACTION_PAGE_PREV:
    case ACTION_PAGE_NEXT:
        act_review(a, action, arg);
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
    case ACTION_LANGUAGE:
        a->lang = arg;
        a->dirty = true;
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

static void on_key(struct app *a, SDL_Keycode k)
{
    static const enum app_action enter[] = {ACTION_START,     ACTION_NEXT,   ACTION_SEND,
                                            ACTION_CONTINUE,  ACTION_PIN_OK, ACTION_RESTART,
                                            ACTION_TO_CONFIRM};
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

static void on_release(struct app *a, int x, int y)
{
    if (app_pressed_button(a))
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
            app_measure_screen(a);
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
        if (app_pressed_button(a))
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
    return app_on_item(a) || a->screen == SCREEN_REVIEW ||
           (a->screen == SCREEN_CONFIRM && !app_unsaved(a));
}

static bool failed_confirm(const struct app *a)
{
    return a->screen == SCREEN_CONFIRM && app_unsaved(a);
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

uint64_t app_next_deadline(const struct app *a)
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

void app_poll_status(struct app *a)
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
    if (a->advance_at && now >= a->advance_at && app_on_item(a)) {
        if (a->reviewing) {
            to_review(a);
        } else {
            a->item++;
            enter_item(a);
        }
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
        app_poll_status(a);
    }
}

/* ---- drawing ------------------------------------------------------------ */

static double ms_since(uint64_t pc)
{
    return (double)(SDL_GetPerformanceCounter() - pc) * 1000.0 / SDL_GetPerformanceFrequency();
}

void app_redraw(struct app *a)
{
    if (!a->dirty)
        return;
    a->dirty = false;
    screens_build(a);
    app_draw(a);
    SDL_RenderPresent(a->ren);
    a->frames++;
    if (a->input_at_pc && a->n_samples < APP_MAX_SAMPLES)
        a->samples[a->n_samples++] = ms_since(a->input_at_pc);
    a->input_at_pc = 0;
}

void app_turn(struct app *a)
{
    uint64_t now = app_now(a), next = app_next_deadline(a);
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
    app_redraw(a);
}

bool app_running(const struct app *a)
{
    return a->running;
}

/* Handles what is queued, fires due timers and redraws: one turn of the
 * loop that does not wait (app_drive.c). */
void app_pump(struct app *a)
{
    SDL_Event e;
    while (SDL_PollEvent(&e))
        on_event(a, &e);
    tick(a);
    app_redraw(a);
}

/* ---- opening and closing --------------------------------------------- */

static double ms_since_t0(const struct app *a, const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = now.tv_sec * 1e3 + now.tv_nsec / 1e6;
    if (a->opt.t0_ns)
        return t - a->opt.t0_ns / 1e6;
    return t - (start->tv_sec * 1e3 + start->tv_nsec / 1e6);
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
    if (app_setup(a, err, errlen) != 0) {
        app_close(a);
        return NULL;
    }
    a->running = true;
    discard(a);
    show(a, app_home(a));
    a->shown_at = 0; /* the first screen takes input at once */
    a->last_input = app_now(a);
    a->poll_at = app_now(a) + THEME_POLL_MS;
    app_redraw(a);
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
