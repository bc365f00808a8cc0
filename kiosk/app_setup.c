/* Opening the kiosk: the config, the window and how large it is in
 * millimetres, the fonts, the store and the survey. Assumes it runs once,
 * on the thread that owns SDL, before the sync thread starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "kclock.h"

#define HEADLESS_W 1920
#define HEADLESS_H 1080
#define WINDOW_W   1280
#define WINDOW_H   800

/* The window's size in pixels and millimetres: the config's screen_mm or
 * screen_inches, else the display's DPI, else an assumption (panel.c). */
void app_measure_screen(struct app *a)
{
    float dpi = 0;
    SDL_GetRendererOutputSize(a->ren, &a->width, &a->height);
    if (SDL_GetDisplayDPI(SDL_GetWindowDisplayIndex(a->win), NULL, &dpi, NULL) != 0)
        dpi = 0;
    panel_measure(a->width, a->height, a->cfg.screen_w_mm, a->cfg.screen_h_mm, a->cfg.screen_inches,
                  dpi, &a->panel);
}

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
    app_measure_screen(a);
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
    app_load_survey(a);
}

int app_setup(struct app *a, char *err, size_t errlen)
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
