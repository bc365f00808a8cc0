/* Driving the kiosk UI on the virtual clock, for scripts, the simulation
 * and tests: taps, presses and keys go through SDL's queue and the same
 * handlers as real input; time moves only here. */
#include <string.h>

#include "app_state.h"
#include "kclock.h"

#define MAX_TIMER_STEPS 1000000 /* a wait fires at most this many timers */

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
    app_pump(a);
}

void app_touch(struct app *a, int x, int y, bool down)
{
    push_button(a, down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP, x, y);
    app_pump(a);
}

void app_press(struct app *a, int x, int y, unsigned ms)
{
    push_button(a, SDL_MOUSEBUTTONDOWN, x, y);
    app_pump(a);
    app_wait(a, ms);
    push_button(a, SDL_MOUSEBUTTONUP, x, y);
    app_pump(a);
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
    app_pump(a);
}

void app_wait(struct app *a, unsigned ms)
{
    uint64_t target = a->vnow + ms;
    for (int i = 0; i < MAX_TIMER_STEPS && a->running; i++) {
        uint64_t next = app_next_deadline(a);
        if (next > target)
            break;
        if (next > a->vnow)
            a->vnow = next;
        app_pump(a);
    }
    a->vnow = target;
    app_pump(a);
}

int app_set_date(struct app *a, const char *date)
{
    if (kclock_set_date(date) != 0)
        return -1;
    app_poll_status(a);
    app_redraw(a);
    return 0;
}
