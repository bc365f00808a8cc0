/* The kiosk's look: colours and sizes in one place. Sizes are in units of
 * a 1080-pixel short side (a 21.5" 1080p monitor, ~4 px per mm) and scale
 * with min(width, height), but never below floors in millimetres on the
 * panel at hand (panel.h): type follows JIS S 0032 for a reader of 70 at
 * arm's length, touch targets are at least 15 mm, 3 mm apart. */
#ifndef KIOSK_THEME_H
#define KIOSK_THEME_H

#include <SDL.h>

/* Colours: dark text on warm near-white, navy for action (WCAG AAA contrast). */
#define THEME_BG        ((SDL_Color){0xF7, 0xF5, 0xF0, 0xFF})
#define THEME_TEXT      ((SDL_Color){0x1A, 0x1A, 0x1A, 0xFF})
#define THEME_MUTED     ((SDL_Color){0x44, 0x44, 0x44, 0xFF})
#define THEME_ACCENT    ((SDL_Color){0x0A, 0x4A, 0x8F, 0xFF})
#define THEME_ON_ACCENT ((SDL_Color){0xFF, 0xFF, 0xFF, 0xFF})
#define THEME_BUTTON_BG ((SDL_Color){0xFF, 0xFF, 0xFF, 0xFF})
#define THEME_QUIET_BG  ((SDL_Color){0xE6, 0xE2, 0xDA, 0xFF})
/* The edge of back, skip, review: 4.9:1 on THEME_BG (WCAG asks 3:1 for controls). */
#define THEME_QUIET_EDGE ((SDL_Color){0x6B, 0x6B, 0x6B, 0xFF})
#define THEME_PANEL_BG   ((SDL_Color){0xE8, 0xEF, 0xF7, 0xFF})
#define THEME_WARN       ((SDL_Color){0x8A, 0x1C, 0x1C, 0xFF})
#define THEME_WARN_BG    ((SDL_Color){0xFB, 0xE9, 0xE7, 0xFF})
#define THEME_TRACK      ((SDL_Color){0xDB, 0xD6, 0xCC, 0xFF})
/* Laid over a button while a finger is on it. */
#define THEME_PRESSED ((SDL_Color){0x00, 0x00, 0x00, 0x38})

/* Sizes at a 1080-pixel short side. */
#define THEME_UNIT_PX      1080.0
#define THEME_MARGIN       72
#define THEME_GAP          32
#define THEME_PAD          28 /* inside buttons and panels */
#define THEME_BORDER       4
#define THEME_BORDER_MM    0.3 /* a button's edge is never thinner */
#define THEME_TITLE_PX     76
#define THEME_STATEMENT_PX 64 /* ~7 mm cap height: the question itself */
#define THEME_BODY_PX      46
#define THEME_BUTTON_PX    48
#define THEME_SMALL_PX     34
#define THEME_CHOICE_H     160 /* a scale point: ~44 mm */
#define THEME_NAV_H        124 /* back / skip: ~34 mm */
#define THEME_NAV_W        340
#define THEME_START_W      640
#define THEME_START_H      180
#define THEME_BAR_H        16
#define THEME_MAX_TEXT_W   1800 /* longer lines are hard to follow */
#define THEME_CORNER       120  /* the maintenance corner: ~33 mm square */

/* Floors in millimetres (the em height text is rendered at, and boxes). */
#define THEME_STATEMENT_MM       7.0  /* the question: comfortable reading for 70 years at 50 cm */
#define THEME_TEXT_MM            4.8  /* every other text: JIS S 0032's floor for that reader */
#define THEME_TARGET_MM          15.0 /* every touch target, both directions */
#define THEME_TARGET_GAP_MM      3.0  /* between two targets */
#define THEME_MARGIN_MM          3.0
#define THEME_REVIEW_TILE_MM     42.0 /* a review tile: 問12 and あまりそう思わない at 4.8 mm */
#define THEME_DESTRUCTIVE_GAP_MM 15.0  /* between erasing and keeping the answers */
#define THEME_SHORT_PANEL_MM     100.0 /* a short side under this: margins at their floor */
#define THEME_CHOICE_MAX_W_MM    60.0  /* a choice in a row is at most this wide, or 480 units */

/* Timing, milliseconds. */
#define THEME_ADVANCE_MS     350   /* a chosen answer stays highlighted this long */
#define THEME_GUARD_MS       600   /* a new screen takes no input this long: no double taps */
#define THEME_THANKS_LOCK_MS 3000  /* thanks cannot be left by touch this long */
#define THEME_LONG_PRESS_MS  2000  /* the maintenance corner */
#define THEME_COUNTDOWN_MS   20000 /* "still there?" before answers are discarded */
#define THEME_THANKS_MS      6000
#define THEME_POLL_MS        2000 /* sync status, survey updates, the date */

#endif
