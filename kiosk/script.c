/* The headless script reader. Assumes a script written by a test: small,
 * one command a line, and a failure is reported with its line and stops.
 *
 * The language (blank lines and lines starting with # are ignored):
 *   tap X Y            tap at fractions of the width and height (0..1)
 *   tap @BUTTON [N]    tap the centre of a visible button: start, choose N
 *                      (N-th point or option from 1), back, skip, next, send,
 *                      review, continue, restart, digit N, clear, ok, leave,
 *                      sync, requeue, resave, item N (the N-th item of the
 *                      review list, from 1), confirm, pageprev, pagenext,
 *                      language N (the survey's N-th language, from 0),
 *                      quit; first waits (virtual time, at most
 *                      SCRIPT_AWAIT_MS) until the screen takes input and shows
 *                      the button, as a person reading it would. tap X Y
 *                      does not wait: it is a reflex, a double tap's second.
 *   press X Y MS       hold a touch for MS virtual milliseconds (long press)
 *   key NAME           0-9, Return, BackSpace, Escape
 *                      (press and key first wait until the screen takes input)
 *   wait MS            let MS virtual milliseconds pass (timers fire in order)
 *   date YYYY-MM-DD    set the calendar (the responses' month, the period)
 *   drain SECONDS      let the sync thread run rounds until all is delivered
 *                      (real time, at most SECONDS; tests with a real collector)
 *   shot FILE.bmp      write the screen as a BMP
 *   count frames       start counting drawn frames from zero
 *   expect screen NAME       welcome, no_survey, closed, attribute, question,
 *                            confirm, thanks, idle, pin, maintenance, error,
 *                            locked, review
 *   expect question ID       the attribute or question on screen
 *   expect selected VALUE    the chosen point's value or option id; "none"
 *   expect stored N          responses written to the store since start
 *   expect frames N          frames drawn since "count frames"
 *   expect layout ok         every text inside its box, every box on screen
 * A failed expect prints the line and why to stderr and exits with 2. */
#include "script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORDS           4
#define SCRIPT_AWAIT_MS 30000 /* longer than the survey's cooldown by default */

struct run {
    struct app *a;
    const char *path;
    int line;
    unsigned long frames_base;
};

static const struct {
    const char *name;
    enum app_action action;
    bool has_arg;
} BUTTONS[] = {
    {"start", ACTION_START, false},        {"choose", ACTION_CHOOSE, true},
    {"back", ACTION_BACK, false},          {"skip", ACTION_SKIP, false},
    {"next", ACTION_NEXT, false},          {"send", ACTION_SEND, false},
    {"review", ACTION_REVIEW, false},      {"continue", ACTION_CONTINUE, false},
    {"restart", ACTION_RESTART, false},    {"digit", ACTION_PIN_DIGIT, true},
    {"clear", ACTION_PIN_CLEAR, false},    {"ok", ACTION_PIN_OK, false},
    {"leave", ACTION_LEAVE, false},        {"sync", ACTION_SYNC_NOW, false},
    {"quit", ACTION_QUIT, false},          {"requeue", ACTION_REQUEUE, false},
    {"resave", ACTION_RESAVE, false},      {"item", ACTION_OPEN_ITEM, true},
    {"confirm", ACTION_TO_CONFIRM, false}, {"pageprev", ACTION_PAGE_PREV, false},
    {"pagenext", ACTION_PAGE_NEXT, false}, {"language", ACTION_LANGUAGE, true},
};

static const struct {
    const char *name;
    SDL_Keycode key;
} KEYS[] = {
    {"Return", SDLK_RETURN},
    {"BackSpace", SDLK_BACKSPACE},
    {"Escape", SDLK_ESCAPE},
};

static int bad(const struct run *r, const char *why, const char *text)
{
    fprintf(stderr, "script %s:%d: %s: %s\n", r->path, r->line, why, text);
    return APP_EXIT_SETUP;
}

static int failed(const struct run *r, const char *text, const char *fmt, const char *got)
{
    char why[512];
    snprintf(why, sizeof why, fmt, got);
    fprintf(stderr, "script %s:%d: expectation failed: \"%s\": %s\n", r->path, r->line, text, why);
    return APP_EXIT_EXPECT;
}

static bool fraction(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0))
        return false;
    *out = v;
    return true;
}

static bool count(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 86400000L)
        return false;
    *out = v;
    return true;
}

static bool point(const struct run *r, const char *xs, const char *ys, int *x, int *y)
{
    double fx, fy;
    int w, h;
    if (!xs || !ys || !fraction(xs, &fx) || !fraction(ys, &fy))
        return false;
    app_size(r->a, &w, &h);
    *x = (int)(fx * (w - 1));
    *y = (int)(fy * (h - 1));
    return true;
}

static int tap_button(struct run *r, char **w, const char *text)
{
    long n = 0;
    for (size_t i = 0; i < sizeof BUTTONS / sizeof BUTTONS[0]; i++) {
        if (strcmp(BUTTONS[i].name, w[1] + 1) != 0)
            continue;
        if (BUTTONS[i].has_arg && (!w[2] || !count(w[2], &n)))
            return bad(r, "this button needs a number", text);
        bool from_one = BUTTONS[i].action == ACTION_CHOOSE || BUTTONS[i].action == ACTION_OPEN_ITEM;
        int arg = from_one ? (int)n - 1 : (int)n;
        int x, y;
        app_await_button(r->a, BUTTONS[i].action, arg, SCRIPT_AWAIT_MS);
        if (!app_button_center(r->a, BUTTONS[i].action, arg, &x, &y))
            return failed(r, text, "no such button on the %s screen",
                          screen_name(app_screen(r->a)));
        app_tap(r->a, x, y);
        return APP_EXIT_OK;
    }
    return bad(r, "unknown button", text);
}

static int do_key(struct run *r, const char *name, const char *text)
{
    app_await_input(r->a);
    if (name && strlen(name) == 1 && name[0] >= '0' && name[0] <= '9') {
        app_key(r->a, SDLK_0 + (name[0] - '0'));
        return APP_EXIT_OK;
    }
    for (size_t i = 0; name && i < sizeof KEYS / sizeof KEYS[0]; i++) {
        if (strcmp(KEYS[i].name, name) == 0) {
            app_key(r->a, KEYS[i].key);
            return APP_EXIT_OK;
        }
    }
    return bad(r, "unknown key (0-9, Return, BackSpace, Escape)", text);
}

static int expect_value(struct run *r, char **w, const char *text)
{
    struct app *a = r->a;
    long n;
    if (!strcmp(w[1], "question")) {
        const char *id = app_item_id(a);
        if (!w[2] || !id || strcmp(id, w[2]) != 0)
            return failed(r, text, "on screen: %s", id ? id : "no question");
    } else if (!strcmp(w[1], "selected")) {
        char got[128];
        app_selected(a, got, sizeof got);
        const char *want = w[2] && strcmp(w[2], "none") ? w[2] : "";
        if (!w[2] || strcmp(got, want) != 0)
            return failed(r, text, "selected: %s", got[0] ? got : "none");
    } else if (!strcmp(w[1], "stored") && w[2] && count(w[2], &n)) {
        char got[32];
        snprintf(got, sizeof got, "%d", app_stored(a));
        if (app_stored(a) != n)
            return failed(r, text, "stored: %s", got);
    } else if (!strcmp(w[1], "frames") && w[2] && count(w[2], &n)) {
        char got[32];
        unsigned long f = app_frames(a) - r->frames_base;
        snprintf(got, sizeof got, "%lu", f);
        if (f != (unsigned long)n)
            return failed(r, text, "frames drawn: %s", got);
    } else {
        return bad(r, "unknown expectation", text);
    }
    return APP_EXIT_OK;
}

static int expect(struct run *r, char **w, const char *text)
{
    if (!w[1])
        return bad(r, "expect what?", text);
    if (!strcmp(w[1], "screen")) {
        const char *got = screen_name(app_screen(r->a));
        if (!w[2] || screen_by_name(w[2]) < 0)
            return bad(r, "unknown screen name", text);
        if (strcmp(got, w[2]) != 0)
            return failed(r, text, "the screen is %s", got);
        return APP_EXIT_OK;
    }
    if (!strcmp(w[1], "layout")) {
        char why[512];
        if (!w[2] || strcmp(w[2], "ok") != 0)
            return bad(r, "write: expect layout ok", text);
        if (!app_layout_ok(r->a, why, sizeof why))
            return failed(r, text, "%s", why);
        return APP_EXIT_OK;
    }
    return expect_value(r, w, text);
}

static int pointer(struct run *r, char **w, const char *text)
{
    int x, y;
    long ms = 0;
    bool press = !strcmp(w[0], "press");
    if (!strcmp(w[0], "tap") && w[1] && w[1][0] == '@')
        return tap_button(r, w, text);
    if (!point(r, w[1], w[2], &x, &y) || (press && (!w[3] || !count(w[3], &ms))))
        return bad(r, press ? "write: press X Y MS" : "write: tap X Y (fractions 0..1)", text);
    if (press) {
        app_await_input(r->a);
        app_press(r->a, x, y, (unsigned)ms);
    } else
        app_tap(r->a, x, y);
    return APP_EXIT_OK;
}

static int command(struct run *r, char **w, const char *text)
{
    long ms;
    char err[256];
    if (!strcmp(w[0], "tap") || !strcmp(w[0], "press"))
        return pointer(r, w, text);
    if (!strcmp(w[0], "key"))
        return do_key(r, w[1], text);
    if (!strcmp(w[0], "wait")) {
        if (!w[1] || !count(w[1], &ms))
            return bad(r, "write: wait MS", text);
        app_wait(r->a, (unsigned)ms);
    } else if (!strcmp(w[0], "drain")) {
        if (!w[1] || !count(w[1], &ms) || ms > 600)
            return bad(r, "write: drain SECONDS (at most 600)", text);
        app_drain(r->a, (int)ms);
    } else if (!strcmp(w[0], "date")) {
        if (!w[1] || app_set_date(r->a, w[1]) != 0)
            return bad(r, "write: date YYYY-MM-DD", text);
    } else if (!strcmp(w[0], "shot")) {
        if (!w[1] || app_shot(r->a, w[1], err, sizeof err) != 0)
            return bad(r, w[1] ? err : "write: shot FILE.bmp", text);
    } else if (!strcmp(w[0], "count") && w[1] && !strcmp(w[1], "frames")) {
        r->frames_base = app_frames(r->a);
    } else if (!strcmp(w[0], "expect")) {
        return expect(r, w, text);
    } else {
        return bad(r, "unknown command", text);
    }
    return APP_EXIT_OK;
}

static int run_line(struct run *r, char *line)
{
    line[strcspn(line, "\r\n")] = '\0';
    char text[SCRIPT_MAX_LINE];
    snprintf(text, sizeof text, "%s", line);
    char *w[WORDS + 1] = {0}, *save = NULL;
    int n = 0;
    for (char *t = strtok_r(line, " \t", &save); t && n < WORDS; t = strtok_r(NULL, " \t", &save))
        w[n++] = t;
    if (n == 0 || w[0][0] == '#')
        return APP_EXIT_OK;
    return command(r, w, text);
}

int script_run(struct app *a, const char *path)
{
    struct run r = {a, path, 0, app_frames(a)};
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kiosk: cannot read the script %s: %s\n", path, strerror(errno));
        return APP_EXIT_SETUP;
    }
    char line[SCRIPT_MAX_LINE];
    int rc = APP_EXIT_OK;
    long bytes = 0;
    while (rc == APP_EXIT_OK && app_running(a) && fgets(line, sizeof line, f)) {
        r.line++;
        bytes += (long)strlen(line);
        if (bytes > (long)SCRIPT_MAX_BYTES || (!strchr(line, '\n') && !feof(f)))
            rc = bad(&r, "line too long or script too large", "(cut)");
        else
            rc = run_line(&r, line);
    }
    fclose(f);
    return rc;
}
