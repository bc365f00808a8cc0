/* Pure text layout for the kiosk: Japanese line breaking by the kinsoku
 * rules (W3C jlreq 3.1.7-3.1.10) with a phrase heuristic, and shrinking a
 * text a step until it fits its box. It knows nothing of SDL: widths come
 * from a callback, so it is unit-tested with a fixed-width measure. */
#ifndef KIOSK_LAYOUT_H
#define KIOSK_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#define LAYOUT_MAX_LINES  32
#define LAYOUT_MAX_CPS    2048 /* code points laid out per text; survey texts hold <= 2000 bytes */
#define LAYOUT_MAX_STEPS  8    /* shrink steps tried by layout_fit */
#define LAYOUT_LINE_SPACE 1.45 /* line height as a multiple of the type size: calm, legible */

/* Width in pixels of text[0..len) at type size px. */
typedef int (*layout_measure_fn)(void *ctx, int px, const char *text, size_t len);

struct layout_line {
    size_t start; /* byte offset into the text */
    size_t len;   /* bytes, trailing spaces excluded */
    int width;
};

struct layout_lines {
    struct layout_line line[LAYOUT_MAX_LINES];
    int n;
    int px;          /* the type size the lines were broken at */
    int line_height; /* pixels from one baseline to the next */
    int width;       /* of the widest line */
    int height;      /* n * line_height */
};

enum layout_result {
    LAYOUT_OK,       /* every line fits max_width */
    LAYOUT_OVERFLOW, /* a word or run that may not be split is wider than max_width */
    LAYOUT_TOO_LONG, /* more than LAYOUT_MAX_LINES lines or LAYOUT_MAX_CPS code points */
};

/* Whether a line may not start / end with cp (jlreq 3.1.7-3.1.10). */
bool layout_no_start(int cp);
bool layout_no_end(int cp);

/* Flags of layout_break and layout_fit. */
#define LAYOUT_UNIT                                                                                \
    1u /* a scale label: one unit, broken only at spaces, after 、 and before                     \
          思う/思わない (「あまりそう｜思わない」), never inside a phrase */

/* Breaks text (UTF-8, NUL-terminated) into lines no wider than max_width at
 * size px. Explicit '\n' always breaks. Never splits a Latin word or a
 * number, nor "……" or "――"; prefers breaks after 、。 and between phrases.
 * flags: 0 or LAYOUT_UNIT. */
enum layout_result layout_break(const char *text, int px, int max_width, layout_measure_fn measure,
                                void *ctx, unsigned flags, struct layout_lines *out);

/* Tries the sizes px[0..n_steps) in order (largest first) and keeps the
 * first at which the text fits box_w x box_h. Returns true when one did;
 * otherwise out holds the smallest size's lines and false: the caller must
 * treat the text as not fitting (it would be clipped). */
bool layout_fit(const char *text, const int *px, int n_steps, int box_w, int box_h,
                layout_measure_fn measure, void *ctx, unsigned flags, struct layout_lines *out);

/* The shrink steps for a base size: 100%, 85%, 72%, 60% (and so on, down
 * to min_px). Returns the number of steps written to px (<= LAYOUT_MAX_STEPS). */
int layout_steps(int base_px, int min_px, int *px);

int layout_line_height(int px);

#endif
