/* Japanese line breaking for the kiosk's screens: kinsoku (jlreq 3.1.7-3.1.10)
 * decides where a line may break, a small phrase heuristic how good each
 * place is, and a shortest-path search over a paragraph picks the fewest
 * lines, then the best breaks and the evenest lines (as TeX does, simpler).
 * Assumes texts of at most LAYOUT_MAX_CPS code points; state is per thread. */
#include "layout.h"

#include <math.h>
#include <string.h>

#include "utf8.h"

#define BREAK_NEVER     -1
#define SCORE_PUNCT     3   /* after 、。 or a space: the natural place */
#define SCORE_PHRASE    2   /* after a particle, before a bracket */
#define SCORE_KANA      1   /* hiragana to kanji or katakana: often a new phrase */
#define COST_LINE       0.5 /* one line more: dearer than a phrase break, cheaper than a split word */
#define COST_FORCED     1000.0 /* a break kinsoku forbids: only when a run is too wide */
#define COST_SHORT_LAST 0.4    /* a last line shorter than SHORT_LAST of the width */
#define SHORT_LAST      0.3
#define COST_TAIL                                                                                  \
    0.6 /* more for a tail alone on the last line (「思う。」): pull a phrase down            \
         */
#define TAIL 0.2

static bool in_list(int cp, const int *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == cp)
            return true;
    }
    return false;
}

static bool is_small_kana(int cp)
{
    static const int small[] = {0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085,
                                0x3087, 0x308E, 0x3095, 0x3096, 0x30A1, 0x30A3, 0x30A5, 0x30A7,
                                0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x30EE, 0x30F5, 0x30F6};
    if (cp >= 0x31F0 && cp <= 0x31FF) /* katakana phonetic extensions: ㇰ..ㇿ */
        return true;
    if (cp >= 0xFF67 && cp <= 0xFF70) /* half-width small kana and ｰ */
        return true;
    return in_list(cp, small, sizeof small / sizeof small[0]);
}

bool layout_no_start(int cp)
{
    /* Closing brackets (cl-02), hyphens (cl-03), dividing punctuation (cl-04),
     * middle dots (cl-05), full stops (cl-06), commas (cl-07), iteration marks
     * (cl-09), the prolonged sound mark (cl-10) and their ASCII cousins. */
    static const int closers[] = {0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF09, 0x300D, 0x300F, 0x3011,
                                  0x3015, 0x3009, 0x300B, 0xFF3D, 0xFF5D, 0x3019, 0x3017, 0x301F,
                                  0x2019, 0x201D, 0xFF60, 0x30FC, 0x30FB, 0xFF1A, 0xFF1B, 0xFF01,
                                  0xFF1F, 0x203C, 0x2047, 0x2048, 0x2049, 0x301C, 0x30A0, 0x2010,
                                  0x2013, 0x3005, 0x303B, 0x309D, 0x309E, 0x30FD, 0x30FE, 0x2026,
                                  0x2025, 0x3099, 0x309A, 0x309B, 0x309C, 0xFF5E, ')',    ']',
                                  '}',    ',',    '.',    ':',    ';',    '!',    '?',    '%'};
    return is_small_kana(cp) || in_list(cp, closers, sizeof closers / sizeof closers[0]);
}

bool layout_no_end(int cp)
{
    static const int openers[] = {0xFF08, 0x300C, 0x300E, 0x3010, 0x3014, 0x3008,
                                  0x300A, 0xFF3B, 0xFF5B, 0x3018, 0x3016, 0x301D,
                                  0x2018, 0x201C, 0xFF5F, '(',    '[',    '{'};
    return in_list(cp, openers, sizeof openers / sizeof openers[0]);
}

static bool is_closing_bracket(int cp)
{
    static const int closers[] = {0xFF09, 0x300D, 0x300F, 0x3011, 0x3015, 0x3009,
                                  0x300B, 0xFF3D, 0xFF5D, 0x3019, 0x3017, 0x301F,
                                  0x2019, 0x201D, 0xFF60, ')',    ']',    '}'};
    return in_list(cp, closers, sizeof closers / sizeof closers[0]);
}

static bool is_space(int cp)
{
    return cp == ' ' || cp == '\t' || cp == 0x3000;
}

/* Latin letters, digits and ASCII signs form words that are never split. */
static bool is_word(int cp)
{
    return (cp > 0x20 && cp < 0x7F) || (cp >= 0xFF10 && cp <= 0xFF19) ||
           (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A);
}

static bool is_hiragana(int cp)
{
    return cp >= 0x3041 && cp <= 0x309F;
}

static bool is_kanji(int cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || cp == 0x3005;
}

static bool is_particle(int prev, int cp)
{
    static const int single[] = {0x306F, 0x304C, 0x3092, 0x306B, 0x3067,
                                 0x3068, 0x3082, 0x306E, 0x3078, 0x3084};
    if (in_list(cp, single, sizeof single / sizeof single[0]))
        return true;
    return (prev == 0x304B && cp == 0x3089) || /* から */
           (prev == 0x307E && cp == 0x3067) || /* まで */
           (prev == 0x3088 && cp == 0x308A);   /* より */
}

/* Whether a line may break between a and b (prev precedes a), and how good
 * a place that is. */
static int break_score(int prev, int a, int b)
{
    if (is_space(b))
        return BREAK_NEVER; /* break after the spaces, not before */
    if (is_space(a))
        return SCORE_PUNCT;
    if (layout_no_start(b) || layout_no_end(a) || b == 0x3092)
        return BREAK_NEVER; /* を, too, always hangs on the word before it */
    if (is_word(a) && is_word(b))
        return BREAK_NEVER;
    if (a == b && (a == 0x2026 || a == 0x2015 || a == 0x2025))
        return BREAK_NEVER; /* …… and ―― are one mark */
    if (a == 0x3001 || a == 0x3002 || a == 0xFF01 || a == 0xFF1F)
        return SCORE_PUNCT;
    if (is_closing_bracket(a) || layout_no_end(b))
        return SCORE_PHRASE; /* after a closing or before an opening bracket */
    if (is_hiragana(a) && !is_hiragana(b))
        return is_particle(prev, a) ? SCORE_PHRASE : SCORE_KANA;
    if (a == 0x3092 || a == 0x304C) /* を, が end a phrase even before more kana */
        return SCORE_KANA;
    return 0;
}

/* What a break costs, by its score: a phrase boundary is nearly free. */
static const double BREAK_COST[] = {0.8, 0.3, 0.1, 0.0};
#define COST_OKURIGANA  0.5 /* kanji|kana splits a word from its ending (考|え) */
#define COST_WORD_SPLIT 0.8 /* kanji|kanji or katakana|katakana splits a word (議|論) */

struct text_cps {
    int cp[LAYOUT_MAX_CPS + 1];
    size_t off[LAYOUT_MAX_CPS + 1]; /* byte offset of each code point; off[n] = length */
    int x[LAYOUT_MAX_CPS + 1];      /* advance before each code point */
    signed char score[LAYOUT_MAX_CPS + 1];
    double cost[LAYOUT_MAX_CPS + 1]; /* of the best lines up to a break before i */
    size_t from[LAYOUT_MAX_CPS + 1]; /* the break before that, on the best path */
    size_t n;
};

/* A lone kana and its comma or full stop ("に、", "は。") never start a
 * line: they belong to the phrase before. */
static bool kana_before_comma(const struct text_cps *t, size_t i)
{
    return i + 1 < t->n && is_hiragana(t->cp[i]) && is_hiragana(t->cp[i - 1]) &&
           (t->cp[i + 1] == 0x3001 || t->cp[i + 1] == 0x3002);
}

/* A scale label keeps its phrases whole: a break only at a space, after
 * 、, before 思 (そう｜思わない, where the negation stays with its verb) or
 * after a closing も (どちらとも｜いえない). */
static void unit_breaks(struct text_cps *t)
{
    for (size_t i = 1; i < t->n; i++) {
        bool ok = is_space(t->cp[i - 1]) || t->cp[i - 1] == 0x3001 ||
                  (t->cp[i] == 0x601D && is_hiragana(t->cp[i - 1])) ||
                  (t->cp[i - 1] == 0x3082 && i >= 2 && is_hiragana(t->cp[i]));
        if (!ok)
            t->score[i] = BREAK_NEVER;
    }
}

static bool decode(const char *text, int px, layout_measure_fn measure, void *ctx,
                   struct text_cps *t)
{
    size_t len = strlen(text), pos = 0;
    t->n = 0;
    t->x[0] = 0;
    while (pos < len) {
        if (t->n == LAYOUT_MAX_CPS)
            return false;
        size_t start = pos;
        int cp = utf8_next(text, len, &pos);
        t->cp[t->n] = cp < 0 ? 0xFFFD : cp;
        t->off[t->n] = start;
        int w = cp == '\n' ? 0 : measure(ctx, px, text + start, pos - start);
        t->x[t->n + 1] = t->x[t->n] + w;
        t->n++;
    }
    t->off[t->n] = len;
    for (size_t i = 0; i <= t->n; i++) {
        if (i == 0 || i == t->n || t->cp[i] == '\n' || t->cp[i - 1] == '\n' ||
            kana_before_comma(t, i))
            t->score[i] = BREAK_NEVER;
        else
            t->score[i] =
                (signed char)break_score(i > 1 ? t->cp[i - 2] : 0, t->cp[i - 1], t->cp[i]);
    }
    return true;
}

/* The end of [a, b) once trailing spaces are dropped. */
static size_t trim_end(const struct text_cps *t, size_t a, size_t b)
{
    while (b > a && is_space(t->cp[b - 1]))
        b--;
    return b;
}

static int span_width(const struct text_cps *t, size_t a, size_t b)
{
    return t->x[trim_end(t, a, b)] - t->x[a];
}

static bool is_katakana(int cp)
{
    return cp >= 0x30A1 && cp <= 0x30FA;
}

/* Whether the kana-to-kanji boundary before j lies inside a compound
 * verb (取り|組む, 教え|合う, 話し|合い, 書き|込む): a verb stem ending in an
 * i- or e-row kana, then one of the verbs that join onto stems, then its
 * own kana. The score saw only "kana then kanji", a likely new phrase. */
static bool in_compound_verb(const struct text_cps *t, size_t j)
{
    static const int stem_end[] = {0x3044, 0x304D, 0x304E, 0x3057, 0x3058, 0x3061, 0x306B,
                                   0x3072, 0x3073, 0x307F, 0x308A, 0x3048, 0x3051, 0x3052,
                                   0x305B, 0x3066, 0x3067, 0x306D, 0x3079, 0x3081, 0x308C};
    static const int joining[] = {0x5408, 0x8FBC, 0x7D44, 0x7D9A, 0x59CB, 0x51FA, 0x76F4,
                                  0x5207, 0x4ED8, 0x639B, 0x8FD4, 0x629C, 0x904E, 0x7D42,
                                  0x5165, 0x7ACB, 0x53D6, 0x56DE, 0x901A};
    /* 合 込 組 続 始 出 直 切 付 掛 返 抜 過 終 入 立 取 回 通 */
    return t->score[j] == SCORE_KANA && j + 1 < t->n &&
           in_list(t->cp[j - 1], stem_end, sizeof stem_end / sizeof stem_end[0]) &&
           in_list(t->cp[j], joining, sizeof joining / sizeof joining[0]) &&
           is_hiragana(t->cp[j + 1]);
}

/* The cost of breaking before j: its score, and worse inside a word. */
static double break_cost(const struct text_cps *t, size_t j)
{
    int a = t->cp[j - 1], b = t->cp[j];
    if (t->score[j] == BREAK_NEVER)
        return COST_FORCED;
    double c = BREAK_COST[t->score[j]];
    if (is_kanji(a) && is_hiragana(b))
        c += COST_OKURIGANA;
    if ((is_kanji(a) && is_kanji(b)) || (is_katakana(a) && is_katakana(b)) ||
        in_compound_verb(t, j))
        c += COST_WORD_SPLIT;
    return c;
}

static size_t skip_spaces(const struct text_cps *t, size_t i, size_t end)
{
    while (i < end && is_space(t->cp[i]))
        i++;
    return i;
}

/* A line [s, j) of the run [a, seg_end): one line, its break and the
 * square of its slack (the last line has none, unless it is very short). */
static double line_cost(const struct text_cps *t, size_t a, size_t s, size_t j, size_t seg_end,
                        int max_width)
{
    int w = span_width(t, s, j);
    if (j == seg_end)
        return COST_LINE + (s > a && w < max_width * SHORT_LAST ? COST_SHORT_LAST : 0) +
               (s > a && w < max_width * TAIL ? COST_TAIL : 0);
    double slack = (double)(max_width - w) / max_width;
    return COST_LINE + slack * slack + break_cost(t, j);
}

/* The cheapest lines for every prefix of the run, in t->cost and t->from. */
static void best_breaks(struct text_cps *t, size_t a, size_t seg_end, int max_width)
{
    t->cost[a] = 0;
    for (size_t j = a + 1; j <= seg_end; j++) {
        t->cost[j] = INFINITY;
        for (size_t i = j; i-- > a;) {
            size_t s = i == a ? a : skip_spaces(t, i, j);
            if (s >= j)
                continue;
            if (span_width(t, s, j) > max_width && j - s > 1)
                break; /* wider still further back; one glyph alone always goes */
            double c = t->cost[i] + line_cost(t, a, s, j, seg_end, max_width);
            if (c < t->cost[j]) {
                t->cost[j] = c;
                t->from[j] = i;
            }
        }
    }
}

static bool add_line(const struct text_cps *t, size_t a, size_t b, struct layout_lines *out)
{
    if (out->n == LAYOUT_MAX_LINES)
        return false;
    size_t e = trim_end(t, a, b);
    struct layout_line *l = &out->line[out->n++];
    l->start = t->off[a];
    l->len = t->off[e] - t->off[a];
    l->width = t->x[e] - t->x[a];
    return true;
}

/* Lays out [a, seg_end), a run without '\n'; *overflow is set when a line
 * had to break where kinsoku forbids or a glyph is wider than the line. */
static enum layout_result break_segment(struct text_cps *t, size_t a, size_t seg_end, int max_width,
                                        struct layout_lines *out, bool *overflow)
{
    if (a == seg_end)
        return add_line(t, a, a, out) ? LAYOUT_OK : LAYOUT_TOO_LONG;
    best_breaks(t, a, seg_end, max_width);
    size_t ends[LAYOUT_MAX_LINES];
    int n = 0;
    for (size_t j = seg_end; j > a; j = t->from[j]) {
        if (n == LAYOUT_MAX_LINES)
            return LAYOUT_TOO_LONG;
        ends[n++] = j;
    }
    size_t start = a;
    while (n-- > 0) {
        size_t s = start == a ? a : skip_spaces(t, start, ends[n]);
        if ((ends[n] != seg_end && t->score[ends[n]] == BREAK_NEVER) ||
            span_width(t, s, ends[n]) > max_width)
            *overflow = true;
        if (!add_line(t, s, ends[n], out))
            return LAYOUT_TOO_LONG;
        start = ends[n];
    }
    return LAYOUT_OK;
}

/* Exact widths of the lines as a whole (kerning may differ from the sum). */
static bool measure_lines(const char *text, layout_measure_fn measure, void *ctx, int max_width,
                          struct layout_lines *out)
{
    bool fits = true;
    out->width = 0;
    for (int i = 0; i < out->n; i++) {
        struct layout_line *l = &out->line[i];
        l->width = l->len ? measure(ctx, out->px, text + l->start, l->len) : 0;
        if (l->width > max_width)
            fits = false;
        if (l->width > out->width)
            out->width = l->width;
    }
    return fits;
}

int layout_line_height(int px)
{
    return (int)lround(px * LAYOUT_LINE_SPACE);
}

enum layout_result layout_break(const char *text, int px, int max_width, layout_measure_fn measure,
                                void *ctx, unsigned flags, struct layout_lines *out)
{
    static _Thread_local struct text_cps t;
    memset(out, 0, sizeof *out);
    out->px = px;
    out->line_height = layout_line_height(px);
    if (!decode(text, px, measure, ctx, &t))
        return LAYOUT_TOO_LONG;
    if (flags & LAYOUT_UNIT)
        unit_breaks(&t);
    bool overflow = false;
    size_t a = 0;
    do {
        size_t e = a;
        while (e < t.n && t.cp[e] != '\n')
            e++;
        if (break_segment(&t, a, e, max_width, out, &overflow) != LAYOUT_OK)
            return LAYOUT_TOO_LONG;
        a = e + 1;
    } while (a <= t.n);
    out->height = out->n * out->line_height;
    if (!measure_lines(text, measure, ctx, max_width, out))
        overflow = true;
    return overflow ? LAYOUT_OVERFLOW : LAYOUT_OK;
}

bool layout_fit(const char *text, const int *px, int n_steps, int box_w, int box_h,
                layout_measure_fn measure, void *ctx, unsigned flags, struct layout_lines *out)
{
    for (int k = 0; k < n_steps; k++) {
        enum layout_result r = layout_break(text, px[k], box_w, measure, ctx, flags, out);
        if (r == LAYOUT_OK && out->height <= box_h)
            return true;
    }
    return false;
}

int layout_steps(int base_px, int min_px, int *px)
{
    static const double factor[LAYOUT_MAX_STEPS] = {1.0, 0.85, 0.72, 0.60, 0.50, 0.42, 0.36, 0.30};
    int n = 0;
    for (int k = 0; k < LAYOUT_MAX_STEPS; k++) {
        int p = (int)lround(base_px * factor[k]);
        if (n > 0 && p < min_px)
            break;
        px[n++] = p;
    }
    return n;
}
