/* A screen's widgets: placing, fitting text, drawing, hit-testing and the
 * layout check the tests rely on. Assumes at most VIEW_MAX_WIDGETS per
 * screen; a screen that wants more sets view.full, which the check reports. */
#include "view.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "theme.h"

#define MM_SLACK 0.01 /* rounding to whole pixels */

static double unit(const struct view *v)
{
    int m = v->width < v->height ? v->width : v->height;
    return m / THEME_UNIT_PX;
}

static int scaled(const struct view *v, int px)
{
    return (int)lround(px * unit(v));
}

void view_reset(struct view *v, int width, int height, const struct panel *panel)
{
    v->n = 0;
    v->width = width;
    v->height = height;
    v->panel = *panel;
    v->full = false;
    v->used = 0;
}

int view_mm(const struct view *v, double mm)
{
    return panel_px(&v->panel, mm);
}

const char *view_printf(struct view *v, const char *fmt, ...)
{
    size_t room = sizeof v->arena - v->used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v->arena + v->used, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        v->full = true;
        return "";
    }
    const char *s = v->arena + v->used;
    v->used += (size_t)n + 1;
    return s;
}

static struct widget *add(struct view *v, enum widget_kind kind, SDL_Rect box)
{
    static struct widget spare; /* absorbs writes once the table is full */
    if (v->n == VIEW_MAX_WIDGETS) {
        v->full = true;
        memset(&spare, 0, sizeof spare);
        return &spare;
    }
    struct widget *w = &v->w[v->n++];
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->box = box;
    w->bg = THEME_BG;
    w->min_px = view_mm(v, THEME_TEXT_MM);
    return w;
}

struct widget *view_text(struct view *v, SDL_Rect box, const char *text, int px, bool bold,
                         SDL_Color fg)
{
    struct widget *w = add(v, WIDGET_TEXT, box);
    w->text = text;
    w->px = px;
    w->bold = bold;
    w->fg = fg;
    return w;
}

static int border_width(const struct view *v)
{
    return SDL_max(scaled(v, THEME_BORDER), view_mm(v, THEME_BORDER_MM));
}

struct widget *view_button(struct view *v, SDL_Rect box, const char *text, int px,
                           enum button_style style, int action, int arg)
{
    struct widget *w = add(v, WIDGET_BUTTON, box);
    w->text = text;
    w->px = px;
    w->bold = true;
    w->centred = w->middle = true;
    w->action = action;
    w->arg = arg;
    w->border_w = border_width(v);
    w->border = style == BUTTON_RESTING ? THEME_TRACK
                : style == BUTTON_QUIET ? THEME_QUIET_EDGE
                                        : THEME_ACCENT;
    bool dark = style == BUTTON_SELECTED || style == BUTTON_PRIMARY;
    w->fg = dark ? THEME_ON_ACCENT : style == BUTTON_RESTING ? THEME_MUTED : THEME_TEXT;
    w->bg = dark ? THEME_ACCENT : style == BUTTON_QUIET ? THEME_QUIET_BG : THEME_BUTTON_BG;
    return w;
}

void view_bar(struct view *v, SDL_Rect box, double fraction)
{
    struct widget *w = add(v, WIDGET_BAR, box);
    w->fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
}

void view_panel(struct view *v, SDL_Rect box, SDL_Color bg)
{
    struct widget *w = add(v, WIDGET_PANEL, box);
    w->bg = bg;
}

/* The part of a widget's box that its text may use. */
static SDL_Rect inner_box(const struct view *v, const struct widget *w)
{
    if (w->kind != WIDGET_BUTTON)
        return w->box;
    int px = scaled(v, THEME_PAD), py = px / 2 + w->border_w;
    px += w->border_w;
    return (SDL_Rect){w->box.x + px, w->box.y + py, w->box.w - 2 * px, w->box.h - 2 * py};
}

static void fit_one(const struct view *v, struct widget *w, struct textcache *tc)
{
    int steps[LAYOUT_MAX_STEPS];
    int n = layout_steps(w->px, w->min_px, steps);
    SDL_Rect in = inner_box(v, w);
    w->fits = layout_fit(w->text, steps, n, in.w, in.h, textcache_measure,
                         textcache_face(tc, w->bold), w->layout, &w->lines);
    w->text_rect.w = w->lines.width;
    w->text_rect.h = w->lines.height;
    w->text_rect.x = w->centred ? in.x + (in.w - w->lines.width) / 2
                     : w->right ? in.x + in.w - w->lines.width
                                : in.x;
    w->text_rect.y = w->middle ? in.y + (in.h - w->lines.height) / 2 : in.y;
    w->tex = textcache_render(tc, w->bold, w->text, &w->lines, w->centred, w->fg, w->bg);
}

void view_fit(struct view *v, struct textcache *tc)
{
    for (int i = 0; i < v->n; i++) {
        struct widget *w = &v->w[i];
        if (w->text && w->text[0])
            fit_one(v, w, tc);
        else
            w->fits = true;
    }
}

static void fill(SDL_Renderer *ren, SDL_Rect r, SDL_Color c)
{
    SDL_SetRenderDrawColor(ren, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(ren, &r);
}

static void draw_one(const struct widget *w, SDL_Renderer *ren)
{
    switch (w->kind) {
    case WIDGET_PANEL:
        fill(ren, w->box, w->bg);
        break;
    case WIDGET_BAR: {
        fill(ren, w->box, THEME_TRACK);
        SDL_Rect done = w->box;
        done.w = (int)lround(w->box.w * w->fraction);
        fill(ren, done, THEME_ACCENT);
        break;
    }
    case WIDGET_BUTTON: {
        fill(ren, w->box, w->border);
        SDL_Rect in = {w->box.x + w->border_w, w->box.y + w->border_w, w->box.w - 2 * w->border_w,
                       w->box.h - 2 * w->border_w};
        fill(ren, in, w->bg);
        break;
    }
    case WIDGET_TEXT:
        break;
    }
    if (w->tex)
        SDL_RenderCopy(ren, w->tex, NULL, &w->text_rect);
}

void view_draw(const struct view *v, SDL_Renderer *ren)
{
    SDL_Color bg = THEME_BG;
    SDL_SetRenderDrawColor(ren, bg.r, bg.g, bg.b, 0xFF);
    SDL_RenderClear(ren);
    for (int i = 0; i < v->n; i++)
        draw_one(&v->w[i], ren);
}

const struct widget *view_hit(const struct view *v, int x, int y)
{
    SDL_Point p = {x, y};
    for (int i = v->n - 1; i >= 0; i--) {
        const struct widget *w = &v->w[i];
        if (w->kind == WIDGET_BUTTON && SDL_PointInRect(&p, &w->box))
            return w;
    }
    return NULL;
}

const struct widget *view_find(const struct view *v, int action, int arg)
{
    for (int i = 0; i < v->n; i++) {
        const struct widget *w = &v->w[i];
        if (w->kind == WIDGET_BUTTON && w->action == action && w->arg == arg)
            return w;
    }
    return NULL;
}

static bool inside(SDL_Rect in, SDL_Rect out)
{
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w &&
           in.y + in.h <= out.y + out.h;
}

static bool check_widget(const struct view *v, const struct widget *w, char *why, size_t len)
{
    SDL_Rect screen = {0, 0, v->width, v->height};
    const char *t = w->text ? w->text : "";
    if (!inside(w->box, screen)) {
        snprintf(why, len, "box of \"%.60s\" (%d,%d %dx%d) leaves the %dx%d screen", t, w->box.x,
                 w->box.y, w->box.w, w->box.h, v->width, v->height);
        return false;
    }
    if (w->text && w->text[0] && (!w->fits || !inside(w->text_rect, inner_box(v, w)))) {
        snprintf(why, len, "text \"%.60s\" does not fit its %dx%d box even at %d px", t,
                 inner_box(v, w).w, inner_box(v, w).h, w->lines.px);
        return false;
    }
    double text_mm = panel_mm(&v->panel, w->lines.px);
    if (w->text && w->text[0] && (w->lines.px < w->min_px || text_mm < THEME_TEXT_MM - MM_SLACK)) {
        snprintf(why, len, "text \"%.60s\" is %.1f mm high, under its floor of %.1f mm", t, text_mm,
                 panel_mm(&v->panel, w->min_px));
        return false;
    }
    double bw = panel_mm(&v->panel, w->box.w), bh = panel_mm(&v->panel, w->box.h);
    if (w->kind == WIDGET_BUTTON &&
        (bw < THEME_TARGET_MM - MM_SLACK || bh < THEME_TARGET_MM - MM_SLACK)) {
        snprintf(why, len, "button \"%.60s\" is %.1f x %.1f mm, under %.0f mm", t, bw, bh,
                 THEME_TARGET_MM);
        return false;
    }
    return true;
}

/* Millimetres between two boxes' nearest edges; 0 when they touch or overlap. */
static double gap_mm(const struct view *v, SDL_Rect a, SDL_Rect b)
{
    int dx = SDL_max(b.x - (a.x + a.w), a.x - (b.x + b.w));
    int dy = SDL_max(b.y - (a.y + a.h), a.y - (b.y + b.h));
    return panel_mm(&v->panel, 1) * hypot(SDL_max(dx, 0), SDL_max(dy, 0));
}

static bool check_overlap(const struct view *v, const struct widget *a, const struct widget *b,
                          char *why, size_t len)
{
    if (a->kind == WIDGET_BUTTON && b->kind == WIDGET_BUTTON &&
        gap_mm(v, a->box, b->box) < THEME_TARGET_GAP_MM - MM_SLACK) {
        snprintf(why, len, "buttons \"%.60s\" and \"%.60s\" are %.1f mm apart, under %.0f mm",
                 a->text ? a->text : "", b->text ? b->text : "", gap_mm(v, a->box, b->box),
                 THEME_TARGET_GAP_MM);
        return false;
    }
    bool relevant =
        a->kind == WIDGET_BUTTON && (b->kind == WIDGET_BUTTON || b->kind == WIDGET_TEXT);
    if (!relevant || !SDL_HasIntersection(&a->box, &b->box))
        return true;
    snprintf(why, len, "button \"%.60s\" overlaps \"%.60s\"", a->text ? a->text : "",
             b->text ? b->text : "");
    return false;
}

bool view_check(const struct view *v, char *why, size_t whylen)
{
    if (v->full) {
        snprintf(why, whylen, "the screen wants more than %d widgets or %d bytes of text",
                 VIEW_MAX_WIDGETS, VIEW_ARENA_BYTES);
        return false;
    }
    for (int i = 0; i < v->n; i++) {
        if (!check_widget(v, &v->w[i], why, whylen))
            return false;
        for (int j = 0; j < v->n; j++) {
            if (i != j && !check_overlap(v, &v->w[i], &v->w[j], why, whylen))
                return false;
        }
    }
    return true;
}

bool view_button_fits(const struct view *v, struct textcache *tc, SDL_Rect box, const char *text,
                      int px, unsigned flags, int *px_used)
{
    struct widget w = {.kind = WIDGET_BUTTON, .box = box, .border_w = border_width(v)};
    struct layout_lines ll;
    int steps[LAYOUT_MAX_STEPS];
    int n = layout_steps(px, view_mm(v, THEME_TEXT_MM), steps);
    SDL_Rect in = inner_box(v, &w);
    bool ok = layout_fit(text, steps, n, in.w, in.h, textcache_measure, textcache_face(tc, true),
                         flags, &ll);
    *px_used = ll.px;
    return ok;
}

int view_text_height(struct textcache *tc, const char *text, int px, bool bold, int w)
{
    struct layout_lines ll;
    if (layout_break(text, px, w, textcache_measure, textcache_face(tc, bold), 0, &ll) != LAYOUT_OK)
        return 1 << 20;
    return ll.height;
}
