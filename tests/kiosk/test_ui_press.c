/* Press feedback: the real kiosk UI in this process (SDL's dummy driver,
 * virtual clock). A finger down on a button darkens that button at once,
 * before the tap counts; sliding off and lifting elsewhere acts on nothing
 * and gives the screen back exactly as it was; a touch beside every button
 * draws no frame at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "app.h"
#include "helper_ui.h"

/* The screen as pixels, through a screenshot, as a person would see it. */
static SDL_Surface *look(struct app *a, const char *name)
{
    char path[TU_PATH_MAX], err[APP_ERR_LEN], file[64];
    snprintf(file, sizeof file, "press-%s.bmp", name);
    if (ui_shot(a, file, path, err, sizeof err) != 0)
        fail_msg("%s", err);
    SDL_Surface *raw = SDL_LoadBMP(path);
    assert_non_null(raw);
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    assert_non_null(s);
    return s;
}

static Uint32 pixel(const SDL_Surface *s, int x, int y)
{
    return ((const Uint32 *)((const Uint8 *)s->pixels + y * s->pitch))[x];
}

static int luma(Uint32 p)
{
    return (int)((p >> 16) & 0xff) * 3 + (int)((p >> 8) & 0xff) * 6 + (int)(p & 0xff);
}

struct diff {
    long changed, darker;
    int x0, y0, x1, y1; /* bounding box of the changed pixels */
};

static struct diff compare(const SDL_Surface *a, const SDL_Surface *b)
{
    struct diff d = {0, 0, a->w, a->h, -1, -1};
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            Uint32 p = pixel(a, x, y), q = pixel(b, x, y);
            if (p == q)
                continue;
            d.changed++;
            d.darker += luma(q) < luma(p);
            d.x0 = x < d.x0 ? x : d.x0;
            d.y0 = y < d.y0 ? y : d.y0;
            d.x1 = x > d.x1 ? x : d.x1;
            d.y1 = y > d.y1 ? y : d.y1;
        }
    return d;
}

static void test_press_shows_at_once_and_sliding_off_cancels(void **state)
{
    static const char *const sizes[] = {"1920x1080", "1080x1920"};
    (void)state;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct ui_kiosk *k = malloc(sizeof *k);
        char err[APP_ERR_LEN];
        int x, y, w, h;
        assert_int_equal(ui_init(k, "ui-press", 60), 0);
        struct app *a = ui_open_app(k, UI_GOSHOGAWARA, sizes[i], err, sizeof err);
        if (!a)
            fail_msg("app_open: %s", err);
        app_wait(a, 100);
        app_size(a, &w, &h);
        assert_int_equal(app_screen(a), SCREEN_WELCOME);
        assert_true(app_button_center(a, ACTION_START, 0, &x, &y));
        bool land = w > h;
        SDL_Surface *before = look(a, land ? "land-before" : "port-before");

        unsigned long frames = app_frames(a);
        app_touch(a, x, y, true);
        assert_int_equal(app_frames(a), frames + 1); /* drawn at once */
        SDL_Surface *down = look(a, land ? "land-down" : "port-down");
        struct diff d = compare(before, down);
        /* The start button, and only it, darkened: the change surrounds the
         * finger and stays well inside the screen. */
        assert_true(d.changed > 1000);
        assert_int_equal(d.darker, d.changed);
        assert_true(d.x0 <= x && x <= d.x1 && d.y0 <= y && y <= d.y1);
        assert_true(d.x1 - d.x0 < w * 3 / 4 && d.y1 - d.y0 < h / 3);
        assert_int_equal(app_screen(a), SCREEN_WELCOME); /* nothing happens until it lifts */

        app_touch(a, 2, h - 2, false); /* slid off the button, lifted beside it */
        assert_int_equal(app_screen(a), SCREEN_WELCOME);
        SDL_Surface *after = look(a, land ? "land-after" : "port-after");
        assert_int_equal(compare(before, after).changed, 0);

        frames = app_frames(a);
        app_touch(a, 2, h - 2, true); /* beside every button */
        app_touch(a, 2, h - 2, false);
        assert_int_equal(app_frames(a), frames);

        app_tap(a, x, y); /* a whole tap still starts */
        assert_int_not_equal(app_screen(a), SCREEN_WELCOME);
        SDL_FreeSurface(before);
        SDL_FreeSurface(down);
        SDL_FreeSurface(after);
        app_close(a);
        ui_cleanup(k);
        free(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_press_shows_at_once_and_sliding_off_cancels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
