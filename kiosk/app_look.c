/* Looking at the kiosk UI from outside: what is on screen, for scripts,
 * tests and the benchmark's figures, and waiting as a person who reads
 * before acting. Nothing here changes the state but through app_wait(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "theme.h"

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
    if (!app_on_item(a))
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

/* The button under a finger that is down, shown pressed; NULL if none. */
const struct widget *app_pressed_button(const struct app *a)
{
    return a->pressed && !a->press_used ? view_hit(&a->view, a->press_x, a->press_y) : NULL;
}

/* The frame: the view, and the button under the finger darkened, so that
 * a touch shows at once, before the finger lifts and the tap counts. */
void app_draw(struct app *a)
{
    const struct widget *w = app_pressed_button(a);
    SDL_Color c = THEME_PRESSED;

    view_draw(&a->view, a->ren);
    if (!w)
        return;
    SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(a->ren, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(a->ren, &w->box);
    SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_NONE);
}

int app_shot(struct app *a, const char *path, char *err, size_t errlen)
{
    int rc = -1;
    SDL_Surface *s =
        SDL_CreateRGBSurfaceWithFormat(0, a->width, a->height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        goto out;
    app_draw(a); /* the frame on screen, redrawn into the back buffer */
    if (SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0)
        goto out;
    rc = SDL_SaveBMP(s, path);
out:
    if (rc != 0)
        snprintf(err, errlen, "cannot write the screenshot %s: %s", path, SDL_GetError());
    SDL_FreeSurface(s);
    return rc;
}
