/* One screen as drawn: a flat list of widgets (text boxes, buttons, a
 * progress bar, panels) with their rectangles, text laid out to fit and
 * rendered once. Screens build a view; the app draws it, hit-tests taps on
 * it and checks that nothing lies outside its box. */
#ifndef KIOSK_VIEW_H
#define KIOSK_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "layout.h"
#include "panel.h"
#include "textcache.h"

#define VIEW_MAX_WIDGETS 64
#define VIEW_ARENA_BYTES 8192 /* formatted strings of one screen */

enum widget_kind { WIDGET_TEXT, WIDGET_BUTTON, WIDGET_BAR, WIDGET_PANEL };

enum button_style {
    BUTTON_CHOICE,   /* a scale point or an option: white, navy border */
    BUTTON_SELECTED, /* the chosen one: navy, white text */
    BUTTON_PRIMARY,  /* start, send, continue */
    BUTTON_QUIET,    /* back, skip, review */
    BUTTON_RESTING,  /* shown but not taking taps yet: muted */
};

struct widget {
    enum widget_kind kind;
    SDL_Rect box;     /* the widget; for text, the box the text must fit */
    const char *text; /* owned by the survey, a literal or the view's arena */
    int px;           /* base type size; shrinks a step at a time to fit */
    int min_px;
    bool bold, centred, right, middle; /* middle: vertically centred in the box */
    unsigned layout;                   /* layout_break flags: LAYOUT_UNIT for a scale label */
    SDL_Color fg, bg, border;
    int border_w;
    int action, arg; /* buttons: what a tap does */
    double fraction; /* bar: filled part */
    /* Filled by view_fit(): */
    struct layout_lines lines;
    bool fits;
    SDL_Rect text_rect; /* where the text is drawn */
    SDL_Texture *tex;
};

struct view {
    struct widget w[VIEW_MAX_WIDGETS];
    int n;
    int width, height;
    struct panel panel; /* millimetres: the floors of type and targets */
    bool full;          /* a widget or string did not fit in the tables: a bug to report */
    char arena[VIEW_ARENA_BYTES];
    size_t used;
};

void view_reset(struct view *v, int width, int height, const struct panel *panel);
/* Whole pixels covering mm on this view's panel. */
int view_mm(const struct view *v, double mm);
/* A copy of a formatted string that lives as long as the view. */
const char *view_printf(struct view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct widget *view_text(struct view *v, SDL_Rect box, const char *text, int px, bool bold,
                         SDL_Color fg);
struct widget *view_button(struct view *v, SDL_Rect box, const char *text, int px,
                           enum button_style style, int action, int arg);
void view_bar(struct view *v, SDL_Rect box, double fraction);
void view_panel(struct view *v, SDL_Rect box, SDL_Color bg);

/* Lays out every text to fit its box (shrinking a step at a time) and
 * renders it through tc. */
void view_fit(struct view *v, struct textcache *tc);
void view_draw(const struct view *v, SDL_Renderer *ren);

/* The button under (x, y), or NULL. */
const struct widget *view_hit(const struct view *v, int x, int y);
const struct widget *view_find(const struct view *v, int action, int arg);

/* Whether every widget lies on the screen, every text fits its box without
 * clipping, no text is under its floor in mm, every button is at least
 * THEME_TARGET_MM in both directions and THEME_TARGET_GAP_MM from every
 * other; otherwise false and why. */
bool view_check(const struct view *v, char *why, size_t whylen);

/* Whether text fits a button of that box (shrinking from px at most to the
 * widget's minimum); *px_used receives the size it would take. */
bool view_button_fits(const struct view *v, struct textcache *tc, SDL_Rect box, const char *text,
                      int px, unsigned flags, int *px_used);

/* The height text needs at width w, size px (no shrinking), for stacking. */
int view_text_height(struct textcache *tc, const char *text, int px, bool bold, int w);

#endif
