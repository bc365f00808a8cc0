/* What each screen shows and where: builds the view of the app's current
 * screen from its state. Geometry scales with min(width, height), so one
 * set of rules serves 1280x800 up to portrait 1080x1920; text that would
 * not fit shrinks a step (view_fit), never clips. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app_state.h"
#include "estimate.h"
#include "words.h"
#include "screens.h"
#include "theme.h"

#define STACK_MAX 16

struct frame {
    double u;
    int m, gap;
    int text_min, statement_min, target; /* the floors in mm, as pixels */
    SDL_Rect content; /* the text column: centred, at most THEME_MAX_TEXT_W wide */
    bool landscape;
};

/* One block of a vertical stack of texts. */
struct block {
    const char *text;
    int px;
    bool bold, centred, panel;
    SDL_Color fg, panel_bg;
};

static int S(const struct frame *f, int px)
{
    return (int)lround(px * f->u);
}

/* The kiosk's own word in the respondent's language. */
static const char *W(const struct app *a, enum str_id id)
{
    return strings_get(id, a->survey ? a->survey->languages[a->lang] : "ja");
}

/* A survey text in the respondent's language. */
static const char *tx(const struct app *a, const char *field)
{
    return a->survey ? survey_text(a->survey, field, a->lang) : field;
}

/* A type size: the theme's, scaled, but never under the floor in mm. */
static int T(const struct frame *f, int px)
{
    return SDL_max(S(f, px), f->text_min);
}

/* A button's side: the theme's, scaled, but never under a touch target. */
static int H(const struct frame *f, int px)
{
    return SDL_max(S(f, px), f->target);
}

static struct frame frame_of(const struct app *a)
{
    struct frame f;
    int w = a->width, h = a->height;
    f.u = (w < h ? w : h) / THEME_UNIT_PX;
    f.text_min = view_mm(&a->view, THEME_TEXT_MM);
    f.statement_min = view_mm(&a->view, THEME_STATEMENT_MM);
    f.target = view_mm(&a->view, THEME_TARGET_MM);
    /* A short panel (7-inch) spends nothing on margins beyond the floor. */
    bool short_panel = panel_mm(&a->panel, SDL_min(w, h)) < THEME_SHORT_PANEL_MM;
    f.m = short_panel ? view_mm(&a->view, THEME_MARGIN_MM)
                      : SDL_max(S(&f, THEME_MARGIN), view_mm(&a->view, THEME_MARGIN_MM));
    f.gap = SDL_max(S(&f, THEME_GAP), view_mm(&a->view, THEME_TARGET_GAP_MM));
    f.landscape = w > h;
    int cw = w - 2 * f.m;
    if (cw > S(&f, THEME_MAX_TEXT_W))
        cw = S(&f, THEME_MAX_TEXT_W);
    f.content = (SDL_Rect){(w - cw) / 2, f.m, cw, h - 2 * f.m};
    return f;
}

static struct block text_block(const char *text, int px, bool bold, SDL_Color fg, bool centred)
{
    return (struct block){text, px, bold, centred, false, fg, THEME_BG};
}

static struct block panel_block(const char *text, int px, bool bold, SDL_Color fg, SDL_Color bg,
                                bool centred)
{
    return (struct block){text, px, bold, centred, true, fg, bg};
}

static int block_height(struct app *a, const struct frame *f, const struct block *b, int w,
                        double scale)
{
    int pad = b->panel ? S(f, THEME_PAD) : 0;
    int px = SDL_max((int)lround(b->px * scale), f->text_min);
    return view_text_height(a->tc, b->text, px, b->bold, w - 2 * pad) + 2 * pad;
}

/* The first scale (100%, 85%, ...) at which the blocks fit area.h. */
static double stack_scale(struct app *a, const struct frame *f, SDL_Rect area,
                          const struct block *b, int n, int gap, int *heights)
{
    static const double scales[] = {1.0, 0.85, 0.72, 0.6, 0.5};
    double scale = 1.0;
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
        scale = scales[k];
        int total = (int)lround(gap * scale) * (n - 1);
        for (int i = 0; i < n; i++) {
            heights[i] = block_height(a, f, &b[i], area.w, scale);
            total += heights[i];
        }
        if (total <= area.h)
            break;
    }
    return scale;
}

/* Places text blocks top-down in area, gap apart (centred vertically when
 * asked), shrinking them and the gaps together until they fit. */
static void stack_gap(struct app *a, const struct frame *f, SDL_Rect area, const struct block *in,
                      int n_in, bool vcenter, int gap)
{
    struct block b[STACK_MAX];
    int n = 0, heights[STACK_MAX];
    for (int i = 0; i < n_in && n < STACK_MAX; i++) {
        if (in[i].text && in[i].text[0])
            b[n++] = in[i];
    }
    if (n == 0)
        return;
    double scale = stack_scale(a, f, area, b, n, gap, heights);
    gap = (int)lround(gap * scale);
    int total = gap * (n - 1);
    for (int i = 0; i < n; i++)
        total += heights[i];
    int y = area.y + (vcenter && total < area.h ? (area.h - total) / 2 : 0);
    for (int i = 0; i < n; i++) {
        SDL_Rect box = {area.x, y, area.w, heights[i]};
        int pad = 0;
        if (b[i].panel) {
            view_panel(&a->view, box, b[i].panel_bg);
            pad = S(f, THEME_PAD);
        }
        SDL_Rect tbox = {box.x + pad, box.y + pad, box.w - 2 * pad, box.h - 2 * pad};
        struct widget *w =
            view_text(&a->view, tbox, b[i].text, SDL_max((int)lround(b[i].px * scale), f->text_min),
                      b[i].bold, b[i].fg);
        w->centred = b[i].centred;
        w->bg = b[i].panel ? b[i].panel_bg : THEME_BG;
        y += heights[i] + gap;
    }
}

static void stack(struct app *a, const struct frame *f, SDL_Rect area, const struct block *in,
                  int n_in, bool vcenter)
{
    stack_gap(a, f, area, in, n_in, vcenter, f->gap);
}

/* The height n blocks take at their floor sizes, gap apart. */
static int stack_height(struct app *a, const struct frame *f, int w, const struct block *b, int n,
                        int gap)
{
    int total = 0, k = 0;
    for (int i = 0; i < n; i++) {
        if (!b[i].text || !b[i].text[0])
            continue;
        total += block_height(a, f, &b[i], w, 0.0) + (k++ ? gap / 2 : 0);
    }
    return total;
}

/* A long list of lines (maintenance): one column, or two side by side on
 * a landscape panel where one would push text under its floor. */
static void stack_columns(struct app *a, const struct frame *f, SDL_Rect area,
                          const struct block *b, int n, int gap)
{
    if (!f->landscape || stack_height(a, f, area.w, b, n, gap) <= area.h) {
        stack_gap(a, f, area, b, n, false, gap);
        return;
    }
    gap = 0; /* the lines' own spacing separates them */
    int w = (area.w - f->gap) / 2, half = 1, best = INT_MAX;
    for (int k = 1; k < n; k++) { /* the split that makes the taller column shortest */
        int taller =
            SDL_max(stack_height(a, f, w, b, k, gap), stack_height(a, f, w, b + k, n - k, gap));
        if (taller < best) {
            best = taller;
            half = k;
        }
    }
    stack_gap(a, f, (SDL_Rect){area.x, area.y, w, area.h}, b, half, false, gap);
    stack_gap(a, f, (SDL_Rect){area.x + w + f->gap, area.y, w, area.h}, b + half, n - half, false,
              gap);
}

/* The type size every label takes on buttons bw x height (the smallest
 * any of them needs), or 0 when one does not fit at all. */
static int row_px(struct app *a, const struct frame *f, int bw, int height,
                  const char *const *labels, int n)
{
    int px = T(f, THEME_BUTTON_PX);
    for (int i = 0; i < n; i++) {
        int used;
        if (!view_button_fits(&a->view, a->tc, (SDL_Rect){0, 0, bw, height}, labels[i],
                              T(f, THEME_BUTTON_PX), 0, &used))
            return 0;
        if (used < px)
            px = used;
    }
    return px;
}

/* Buttons side by side, centred at the bottom of the screen; returns their
 * top. When a row is too narrow for the labels to keep 72% of their size
 * (four buttons in portrait), they go in balanced rows (2 + 2), the first
 * buttons on top. One type size for all the labels: calmer than each its own. */
static int bottom_row(struct app *a, const struct frame *f, int height, int max_w, int n,
                      const char *const *labels, const enum button_style *styles,
                      const enum app_action *actions)
{
    int cols = n, bw = 0, px = 0;
    for (int rows = 1; rows <= n; rows++) {
        cols = (n + rows - 1) / rows;
        bw = (f->content.w - f->gap * (cols - 1)) / cols;
        if (bw > max_w)
            bw = max_w;
        px = row_px(a, f, bw, height, labels, n);
        if (px >= T(f, THEME_BUTTON_PX) * 72 / 100)
            break;
    }
    if (px == 0) /* nothing fits: each label shrinks alone and the layout check says so */
        px = T(f, THEME_BUTTON_PX);
    int rows = (n + cols - 1) / cols;
    int top = a->height - f->m - rows * height - (rows - 1) * f->gap;
    for (int i = 0; i < n; i++) {
        int row = i / cols, in_row = row < rows - 1 ? cols : n - row * cols;
        int x = a->width / 2 - (bw * in_row + f->gap * (in_row - 1)) / 2;
        SDL_Rect r = {x + (i % cols) * (bw + f->gap), top + row * (height + f->gap), bw, height};
        view_button(&a->view, r, labels[i], px, styles[i], actions[i], 0);
    }
    return top;
}

static const char *set_aside_note(const struct app *a)
{
    return a->store_set_aside ? "係の方へ：保存ファイルに問題があったため、新しく作り直しました。"
                                "詳しくは保守画面をご覧ください。"
                              : NULL;
}

/* The survey's languages as large buttons above start, each named in its
 * own words; the chosen one dark. Returns the row's top. */
static int language_row(struct app *a, const struct frame *f, int above)
{
    const struct survey *s = a->survey;
    int n = (int)s->n_languages, h = H(f, THEME_NAV_H) * 5 / 4;
    int w = SDL_min(H(f, 440), (f->content.w - (n - 1) * f->gap) / n);
    int y = above - f->gap - h, x = a->width / 2 - (n * w + (n - 1) * f->gap) / 2;
    for (int k = 0; k < n; k++) {
        SDL_Rect r = {x + k * (w + f->gap), y, w, h};
        view_button(&a->view, r, strings_get(STR_LANGUAGE_NAME, s->languages[k]),
                    T(f, THEME_BUTTON_PX), k == a->lang ? BUTTON_SELECTED : BUTTON_CHOICE,
                    ACTION_LANGUAGE, k);
    }
    return y;
}

static bool short_panel(const struct app *a)
{
    return panel_mm(&a->panel, SDL_min(a->width, a->height)) < THEME_SHORT_PANEL_MM;
}

/* A short panel: the languages and start share one row at the bottom,
 * tall enough for two-line labels. Returns the row's top. */
static int start_with_languages(struct app *a, const struct frame *f, bool resting, int note_h)
{
    const struct survey *s = a->survey;
    int n = (int)s->n_languages + 1, h = H(f, THEME_START_H) * 6 / 5;
    int w = (f->content.w - (n - 1) * f->gap) / n, y = a->height - f->m - note_h - h;
    for (int k = 0; k < n; k++) {
        SDL_Rect r = {f->content.x + k * (w + f->gap), y, w, h};
        if (k < n - 1)
            view_button(&a->view, r, strings_get(STR_LANGUAGE_NAME, s->languages[k]),
                        T(f, THEME_BUTTON_PX), k == a->lang ? BUTTON_SELECTED : BUTTON_CHOICE,
                        ACTION_LANGUAGE, k);
        else
            view_button(&a->view, r, resting ? W(a, STR_RESTING) : W(a, STR_START),
                        T(f, THEME_BUTTON_PX), resting ? BUTTON_RESTING : BUTTON_PRIMARY,
                        resting ? ACTION_NONE : ACTION_START, 0);
    }
    return y;
}

static void build_welcome(struct app *a, const struct frame *f)
{
    const struct survey *s = a->survey;
    int bh = H(f, THEME_START_H), bw = H(f, THEME_START_W);
    int note_h = a->store_set_aside ? layout_line_height(T(f, THEME_SMALL_PX)) * 2 + f->gap : 0;
    SDL_Rect btn = {a->width / 2 - bw / 2, a->height - f->m - note_h - bh, bw, bh};
    /* Right after a response the button rests (the survey's cooldown_s), so
     * that one person cannot stack responses; it says so, gently. */
    bool resting = a->cooldown_until != 0;
    view_button(&a->view, btn, resting ? W(a, STR_RESTING) : W(a, STR_START),
                T(f, resting ? THEME_BUTTON_PX : THEME_TITLE_PX),
                resting ? BUTTON_RESTING : BUTTON_PRIMARY, resting ? ACTION_NONE : ACTION_START, 0);
    int top_of_buttons = btn.y;
    if (s->n_languages > 1 && short_panel(a)) { /* one row: the languages, then start */
        a->view.n--;                            /* the start button is placed again below */
        top_of_buttons = start_with_languages(a, f, resting, note_h);
    } else if (s->n_languages > 1) {
        top_of_buttons = language_row(a, f, btn.y);
    }
    SDL_Rect area = f->content;
    area.h = top_of_buttons - 2 * f->gap - area.y;
    struct block b[] = {
        text_block(tx(a, s->organization), T(f, THEME_BODY_PX), false, THEME_MUTED, true),
        text_block(tx(a, s->title), T(f, THEME_TITLE_PX), true, THEME_TEXT, true),
        text_block(tx(a, s->intro), T(f, THEME_BODY_PX), false, THEME_TEXT, false),
        text_block(view_printf(&a->view, W(a, STR_TIME), estimate_minutes(s)), T(f, THEME_BODY_PX),
                   true, THEME_TEXT, false),
        panel_block(tx(a, s->privacy_note), T(f, THEME_BODY_PX), false, THEME_TEXT, THEME_PANEL_BG,
                    false),
    };
    stack(a, f, area, b, 5, true);
    if (note_h) {
        SDL_Rect nr = {f->content.x, btn.y + bh + f->gap, f->content.w, note_h - f->gap};
        view_text(&a->view, nr, set_aside_note(a), T(f, THEME_SMALL_PX), false, THEME_MUTED);
    }
}

static const char *period_text(struct app *a)
{
    const struct survey *s = a->survey;
    if (!s || !s->has_period)
        return NULL;
    return view_printf(&a->view, "「%s」の回答期間は %s から %s までです。", s->title,
                       s->period_from, s->period_to);
}

/* A survey is cached but no collector key to seal answers for is known yet. */
static void build_no_key(struct app *a, const struct frame *f)
{
    struct block b[] = {
        text_block("アンケートをまだ開始できません。", T(f, THEME_TITLE_PX), true, THEME_TEXT,
                   true),
        text_block("集計サーバーとの接続を待っています。しばらくしてからお越しください。",
                   T(f, THEME_BODY_PX), false, THEME_MUTED, true),
        text_block(set_aside_note(a), T(f, THEME_SMALL_PX), false, THEME_MUTED, true),
    };
    stack(a, f, f->content, b, 3, true);
}

static void build_no_survey(struct app *a, const struct frame *f)
{
    if (a->survey && !a->survey_closed && !a->key_id[0]) {
        build_no_key(a, f);
        return;
    }
    struct block b[] = {
        text_block("現在、実施中のアンケートはありません。", T(f, THEME_TITLE_PX), true, THEME_TEXT,
                   true),
        text_block(period_text(a), T(f, THEME_BODY_PX), false, THEME_MUTED, true),
        text_block(set_aside_note(a), T(f, THEME_SMALL_PX), false, THEME_MUTED, true),
    };
    stack(a, f, f->content, b, 3, true);
}

/* The collector ended the survey: whose and which, that it is over, and
 * thanks, in the largest type. No button, so a tap does nothing; the
 * maintenance corner works as on welcome. */
static void build_closed(struct app *a, const struct frame *f)
{
    const struct survey *s = a->survey;
    const char *thanks = s->thanks && s->thanks[0] ? s->thanks : "ご協力ありがとうございました。";
    struct block b[] = {
        text_block(s->organization, T(f, THEME_BODY_PX), false, THEME_MUTED, true),
        text_block(s->title, T(f, THEME_BODY_PX), false, THEME_MUTED, true),
        text_block("このアンケートは終了しました", T(f, THEME_TITLE_PX), true, THEME_TEXT, true),
        text_block(thanks, T(f, THEME_BODY_PX), false, THEME_TEXT, true),
        text_block(set_aside_note(a), T(f, THEME_SMALL_PX), false, THEME_MUTED, true),
    };
    stack(a, f, f->content, b, 5, true);
}

/* Whom respondents ask, from the config's help_contact; NULL when unset. */
static const char *help_line(struct app *a)
{
    if (!a->cfg.help_contact[0])
        return NULL;
    return view_printf(&a->view, W(a, STR_CONTACT), a->cfg.help_contact);
}

/* The store or the cached survey cannot be used. Respondents read that,
 * and whom to ask; the reason is for staff (the log and maintenance). */
static void build_error(struct app *a, const struct frame *f)
{
    struct block b[] = {
        text_block("ただいま、この端末はご利用いただけません。", T(f, THEME_TITLE_PX), true,
                   THEME_TEXT, true),
        text_block("係の者にお知らせください。", T(f, THEME_BODY_PX), false, THEME_TEXT, true),
        panel_block(help_line(a), T(f, THEME_BODY_PX), true, THEME_TEXT, THEME_PANEL_BG, true),
    };
    stack(a, f, f->content, b, 3, true);
}

/* A save failed and nobody touched confirm for the idle timeout: the
 * answers wait in memory for staff, and nothing of them shows. */
static void build_locked(struct app *a, const struct frame *f)
{
    struct block b[] = {
        text_block("ただいま、この端末はご利用いただけません。", T(f, THEME_TITLE_PX), true,
                   THEME_TEXT, true),
        text_block("回答を保存できない状態です。係の者にお知らせください。", T(f, THEME_BODY_PX),
                   false, THEME_TEXT, true),
        panel_block(help_line(a), T(f, THEME_BODY_PX), true, THEME_TEXT, THEME_PANEL_BG, true),
    };
    stack(a, f, f->content, b, 3, true);
}

struct grid {
    int cols, rows, bw, bh;
    int px; /* the smallest type size a label needs */
    bool fits;
    unsigned flags; /* how the labels break: LAYOUT_UNIT for a scale */
};

/* The grid for cols columns within room_h, if every label fits in it. */
static bool labels_fit(struct app *a, const struct frame *f, const char *const *labels, int n,
                       struct grid *g)
{
    g->px = T(f, THEME_BUTTON_PX);
    for (int i = 0; i < n; i++) {
        int px;
        SDL_Rect box = {0, 0, g->bw, g->bh};
        if (!view_button_fits(&a->view, a->tc, box, labels[i], T(f, THEME_BUTTON_PX), g->flags,
                              &px))
            return false;
        if (px < g->px)
            g->px = px;
    }
    return true;
}

/* The grid for cols columns within room_h, if every label fits in it: at
 * the theme's height, else as tall as the room allows (two-line labels on
 * a small panel). */
static bool try_grid(struct app *a, const struct frame *f, const char *const *labels, int n,
                     int cols, int room_h, unsigned flags, struct grid *g)
{
    g->flags = flags;
    g->cols = cols;
    g->rows = (n + cols - 1) / cols;
    int tallest = (room_h - (g->rows - 1) * f->gap) / g->rows;
    g->bh = H(f, f->landscape && g->rows == 1 ? THEME_CHOICE_H * 5 / 4 : THEME_CHOICE_H);
    if (g->bh > tallest)
        g->bh = tallest;
    g->bw = (a->width - 2 * f->m - (cols - 1) * f->gap) / cols;
    int cap = SDL_max(S(f, 480), view_mm(&a->view, THEME_CHOICE_MAX_W_MM));
    if (cols > 1 && g->bw > cap)
        g->bw = cap;
    if (g->bh < f->target || g->bw < f->target)
        return false;
    if (labels_fit(a, f, labels, n, g))
        return true;
    g->bh = SDL_min(tallest, g->bh * 3 / 2);
    return labels_fit(a, f, labels, n, g);
}

/* The best grid within room_h: the largest labels, then a row in landscape
 * and a column in portrait. best.cols is 0 when none fits. */
static struct grid best_grid(struct app *a, const struct frame *f, const char *const *labels, int n,
                             int room_h, unsigned flags)
{
    int max_cols = f->landscape ? (n < 11 ? n : 11) : (n < 3 ? n : 3);
    struct grid best = {0}, g;
    for (int c = 1; c <= max_cols; c++) {
        if (!try_grid(a, f, labels, n, c, room_h, flags, &g))
            continue;
        bool wider = f->landscape ? c > best.cols : c < best.cols;
        if (!best.cols || g.px > best.px || (g.px == best.px && wider))
            best = g;
    }
    return best;
}

/* The choices first get what the statement leaves at a comfortable size
 * (at most three fifths, then all of it): the first room where the labels
 * keep 85% of their size wins, otherwise the larger labels. Only if no grid
 * fits there does the statement go to its smallest, never below its floor
 * in mm: the layout check then says what did not fit. */
static struct grid choose_grid(struct app *a, const struct frame *f, const char *const *labels,
                               int n, int space, const int *statement_h, unsigned flags)
{
    int spare = space - statement_h[0] - f->gap * 3 / 2;
    int rooms[] = {spare < space * 3 / 5 ? spare : space * 3 / 5, spare,
                   space - statement_h[1] - f->gap * 3 / 2};
    int comfortable = T(f, THEME_BUTTON_PX) * 85 / 100;
    struct grid best = {0};
    for (size_t k = 0; k < sizeof rooms / sizeof rooms[0]; k++) {
        if (k >= 2 && best.cols)
            break; /* the statement keeps its comfortable size */
        struct grid g = best_grid(a, f, labels, n, rooms[k], flags);
        if (g.cols && (!best.cols || g.px > best.px))
            best = g;
        if (best.cols && best.px >= comfortable)
            break;
    }
    best.fits = best.cols != 0;
    if (!best.fits) /* nothing fits: the layout check will say so */
        try_grid(a, f, labels, n, f->landscape ? (n < 6 ? n : 6) : 1, space * 4 / 5, flags, &best);
    return best;
}

/* Lays out the choice buttons above bottom; returns their top edge and
 * whether every label fits. */
static int build_choices(struct app *a, const struct frame *f, int bottom, int top_limit,
                         const int *statement_h, const char *const *labels, int n, int chosen,
                         unsigned flags, bool *fits)
{
    struct grid g = choose_grid(a, f, labels, n, bottom - top_limit, statement_h, flags);
    if (!g.fits && flags) /* whole phrases do not fit anywhere: break as text */
        g = choose_grid(a, f, labels, n, bottom - top_limit, statement_h, 0);
    *fits = g.fits;
    int total_w = g.cols * g.bw + (g.cols - 1) * f->gap;
    int x0 = a->width / 2 - total_w / 2;
    int y0 = bottom - g.rows * g.bh - (g.rows - 1) * f->gap;
    for (int i = 0; i < n; i++) {
        SDL_Rect r = {x0 + (i % g.cols) * (g.bw + f->gap), y0 + (i / g.cols) * (g.bh + f->gap),
                      g.bw, g.bh};
        /* One size for all the labels of a grid: calmer than each its own. */
        view_button(&a->view, r, labels[i], g.px, i == chosen ? BUTTON_SELECTED : BUTTON_CHOICE,
                    ACTION_CHOOSE, i)
            ->layout = g.flags;
    }
    return y0;
}

/* Back at the left; next (answered) or skip (optional) at the right.
 * Returns the row's top; *mid receives the room between the two. */
static int build_nav(struct app *a, const struct frame *f, bool answered, bool optional,
                     SDL_Rect *mid)
{
    int h = H(f, THEME_NAV_H), y = a->height - f->m - h;
    int wl = H(f, THEME_NAV_W), wr = H(f, THEME_NAV_W + 120);
    SDL_Rect back = {f->content.x, y, wl, h};
    view_button(&a->view, back, a->reviewing ? W(a, STR_TO_LIST) : W(a, STR_BACK),
                T(f, THEME_BUTTON_PX), BUTTON_QUIET, ACTION_BACK, 0);
    SDL_Rect right = {f->content.x + f->content.w - wr, y, wr, h};
    if (answered)
        view_button(&a->view, right, W(a, STR_NEXT), T(f, THEME_BUTTON_PX), BUTTON_QUIET,
                    ACTION_NEXT, 0);
    else if (optional)
        view_button(&a->view, right, W(a, STR_SKIP), T(f, THEME_BUTTON_PX), BUTTON_QUIET,
                    ACTION_SKIP, 0);
    *mid = (SDL_Rect){back.x + wl + f->gap, y, right.x - f->gap - (back.x + wl + f->gap), h};
    return y;
}

/* "3 / 12" (questions only: the attributes come first, as "about you"),
 * the category and the bar; returns the bottom edge. Compact (a short
 * panel with a long statement): the bar alone on top, the words between
 * the buttons at the bottom, so that the statement keeps its size. */
static int build_progress(struct app *a, const struct frame *f, const char *category, bool optional,
                          bool compact, SDL_Rect mid)
{
    const struct survey *s = a->survey;
    int q = a->item - (int)s->n_attributes, n = (int)s->n_questions;
    int px = T(f, THEME_SMALL_PX);
    const char *where = q >= 0     ? view_printf(&a->view, "%d / %d", q + 1, n)
                        : optional ? W(a, STR_ABOUT_YOU_OPTIONAL)
                                   : W(a, STR_ABOUT_YOU);
    int lw = category ? f->content.w * 2 / 3 : f->content.w;
    int h = compact ? 0 : view_text_height(a->tc, where, px, true, lw); /* may take two lines */
    if (category && !compact)
        h = SDL_max(h, view_text_height(a->tc, category, px, false, f->content.w - lw));
    if (compact) {
        const char *both = category ? view_printf(&a->view, "%s　%s", where, category) : where;
        struct widget *w = view_text(&a->view, mid, both, px, true, THEME_MUTED);
        w->centred = w->middle = true;
    } else {
        SDL_Rect left = {f->content.x, f->m, lw, h};
        view_text(&a->view, left, where, px, true, THEME_MUTED);
    }
    if (category && !compact) {
        SDL_Rect right = {f->content.x + lw, f->m, f->content.w - lw, h};
        view_text(&a->view, right, category, px, false, THEME_MUTED)->right = true;
    }
    SDL_Rect bar = {f->content.x, f->m + (h ? h + f->gap / 2 : 0), f->content.w, S(f, THEME_BAR_H)};
    view_bar(&a->view, bar, q >= 0 ? (double)(q + 1) / n : 0.0);
    return bar.y + bar.h;
}

struct item {
    const char *text, *category;
    const char
        *labels[SURVEY_MAX_OPTIONS > SURVEY_MAX_POINTS ? SURVEY_MAX_OPTIONS : SURVEY_MAX_POINTS];
    int n;
    bool optional;
};

static struct item item_of(const struct app *a)
{
    const struct survey *s = a->survey;
    struct item it = {0};
    if (a->item < (int)s->n_attributes) {
        const struct survey_attribute *at = &s->attributes[a->item];
        it.text = tx(a, at->text);
        it.optional = at->optional;
        it.n = (int)at->n_options;
        for (int i = 0; i < it.n; i++)
            it.labels[i] = tx(a, at->options[i].label);
    } else {
        const struct survey_question *q = &s->questions[a->item - s->n_attributes];
        it.text = tx(a, q->text);
        it.category = tx(a, q->category);
        it.optional = q->optional;
        it.n = (int)s->n_points;
        for (int i = 0; i < it.n; i++)
            it.labels[i] = tx(a, s->points[i].label);
    }
    return it;
}

/* Lays out the item; returns whether the statement and the labels kept their floors. */
static bool lay_item(struct app *a, const struct frame *f, const struct item *it, bool compact)
{
    int chosen = a->choice[a->item];
    SDL_Rect mid;
    int nav_y = build_nav(a, f, chosen != APP_NO_CHOICE, it->optional, &mid);
    int top = build_progress(a, f, it->category, it->optional, compact, mid) + f->gap * 3 / 2;
    /* The statement's height at its last comfortable step and at its smallest. */
    int steps[LAYOUT_MAX_STEPS], base = SDL_max(S(f, THEME_STATEMENT_PX), f->statement_min);
    int n_steps = layout_steps(base, f->statement_min, steps);
    int need[2] = {
        view_text_height(a->tc, it->text, steps[n_steps > 3 ? 3 : n_steps - 1], true, f->content.w),
        view_text_height(a->tc, it->text, steps[n_steps - 1], true, f->content.w)};
    bool fits;
    /* A scale's labels break only between phrases; an option is text. */
    unsigned flags = a->item >= (int)a->survey->n_attributes ? LAYOUT_UNIT : 0;
    int choices_y = build_choices(a, f, nav_y - f->gap * 3 / 2, top, need, it->labels, it->n,
                                  chosen, flags, &fits);
    SDL_Rect sbox = {f->content.x, top, f->content.w, choices_y - f->gap * 3 / 2 - top};
    view_text(&a->view, sbox, it->text, base, true, THEME_TEXT)->min_px = f->statement_min;
    return fits && sbox.h >= need[1];
}

static void build_item(struct app *a, const struct frame *f)
{
    struct item it = item_of(a);
    if (lay_item(a, f, &it, false))
        return;
    view_reset(&a->view, a->width, a->height, &a->panel);
    lay_item(a, f, &it, true);
}

static void build_confirm(struct app *a, const struct frame *f)
{
    const struct survey *s = a->survey;
    int answered = 0, n = app_n_items(a);
    for (int i = (int)s->n_attributes; i < n; i++)
        answered += a->choice[i] != APP_NO_CHOICE;
    const char *const labels[] = {W(a, STR_REVIEW), W(a, STR_SEND)};
    static const enum button_style styles[] = {BUTTON_QUIET, BUTTON_PRIMARY};
    static const enum app_action actions[] = {ACTION_REVIEW, ACTION_SEND};
    bool failed = a->save_err[0] != '\0';
    /* After a failed save only sending again: no way into the answers. */
    int y = bottom_row(a, f, H(f, THEME_START_H), H(f, 560), failed ? 1 : 2, labels + failed,
                       styles + failed, actions + failed);
    SDL_Rect area = f->content;
    area.h = y - 2 * f->gap - area.y;
    struct block b[] = {
        text_block(W(a, STR_CONFIRM_TITLE), T(f, THEME_TITLE_PX), true, THEME_TEXT, true),
        text_block(W(a, STR_CONFIRM_ASK), T(f, THEME_BODY_PX), false, THEME_TEXT, true),
        text_block(view_printf(&a->view, W(a, STR_ANSWERED), s->n_questions, answered),
                   T(f, THEME_SMALL_PX), false, THEME_MUTED, true),
        panel_block(failed ? W(a, STR_SAVE_FAILED) : NULL, T(f, THEME_BODY_PX), true, THEME_WARN,
                    THEME_WARN_BG, true),
        text_block(failed ? help_line(a) : NULL, T(f, THEME_BODY_PX), true, THEME_TEXT, true),
    };
    stack(a, f, area, b, 5, true);
}

/* One tile of the review list: which item, and its answer. */
static const char *review_label(struct app *a, int item)
{
    const struct survey *s = a->survey;
    int c = a->choice[item], na = (int)s->n_attributes;
    const char *answer = c == APP_NO_CHOICE ? W(a, STR_UNANSWERED)
                         : item < na        ? tx(a, s->attributes[item].options[c].label)
                                            : tx(a, s->points[c].label);
    if (item < na)
        return view_printf(&a->view, "%s\n%s", W(a, STR_ABOUT_YOU), answer);
    const char *q = view_printf(&a->view, W(a, STR_QUESTION_N), item - na + 1);
    return view_printf(&a->view, "%s\n%s", q, answer);
}

/* 見直す: every answer as a tile; one tap opens the item, the answer comes
 * back here. Tiles keep their floors, so a small panel pages. */
static void build_review(struct app *a, const struct frame *f)
{
    int n = app_n_items(a), bh = H(f, THEME_NAV_H), y = a->height - f->m - bh;
    int border = SDL_max(S(f, THEME_BORDER), view_mm(&a->view, THEME_BORDER_MM));
    int tile_h = SDL_max(f->target, layout_line_height(T(f, THEME_SMALL_PX + 6)) * 2 +
                                        S(f, THEME_PAD) + 2 * border + 2);
    int min_w = view_mm(&a->view, THEME_REVIEW_TILE_MM);
    int cols = SDL_max(1, SDL_min(4, (f->content.w + f->gap) / (min_w + f->gap)));
    int title_h = layout_line_height(T(f, THEME_BODY_PX));
    int rows = (y - f->m - title_h - f->gap) / (tile_h + f->gap);
    if (rows * cols < n && (y - f->m) / (tile_h + f->gap) > rows) {
        title_h = 0; /* a short panel: a row of answers rather than a title */
        rows = (y - f->m) / (tile_h + f->gap);
    }
    rows = SDL_max(1, rows);
    int top = f->m + (title_h ? title_h + f->gap : 0);
    int per = cols * rows, pages = (n + per - 1) / per;
    a->review_page = SDL_max(0, SDL_min(a->review_page, pages - 1));
    if (title_h)
        view_text(&a->view, (SDL_Rect){f->content.x, f->m, f->content.w, title_h},
                  pages > 1 ? view_printf(&a->view, "%s（%d / %d）", W(a, STR_REVIEW_TITLE),
                                          a->review_page + 1, pages)
                            : W(a, STR_REVIEW_TITLE),
                  T(f, THEME_BODY_PX), true, THEME_TEXT);
    int tw = (f->content.w - (cols - 1) * f->gap) / cols;
    for (int k = 0; k < per && a->review_page * per + k < n; k++) {
        int item = a->review_page * per + k;
        SDL_Rect r = {f->content.x + (k % cols) * (tw + f->gap),
                      top + (k / cols) * (tile_h + f->gap), tw, tile_h};
        view_button(&a->view, r, review_label(a, item), T(f, THEME_SMALL_PX + 6),
                    a->choice[item] == APP_NO_CHOICE ? BUTTON_QUIET : BUTTON_CHOICE,
                    ACTION_OPEN_ITEM, item);
    }
    int nw = H(f, THEME_NAV_W);
    if (a->review_page > 0)
        view_button(&a->view, (SDL_Rect){f->content.x, y, nw, bh}, W(a, STR_PAGE_PREV),
                    T(f, THEME_BUTTON_PX), BUTTON_QUIET, ACTION_PAGE_PREV, 0);
    if (a->review_page < pages - 1)
        view_button(&a->view, (SDL_Rect){f->content.x + f->content.w - nw, y, nw, bh},
                    W(a, STR_PAGE_NEXT), T(f, THEME_BUTTON_PX), BUTTON_QUIET, ACTION_PAGE_NEXT, 0);
    int cw = SDL_min(H(f, 560), f->content.w - 2 * (nw + f->gap));
    view_button(&a->view, (SDL_Rect){a->width / 2 - cw / 2, y, cw, bh}, W(a, STR_TO_CONFIRM),
                T(f, THEME_BUTTON_PX), BUTTON_PRIMARY, ACTION_TO_CONFIRM, 0);
}

static void build_thanks(struct app *a, const struct frame *f)
{
    const char *const labels[] = {W(a, STR_TO_START)};
    static const enum button_style styles[] = {BUTTON_QUIET};
    static const enum app_action actions[] = {ACTION_RESTART};
    /* The button shows once the lock is over; its place is kept meanwhile. */
    int y = a->thanks_open
                ? bottom_row(a, f, H(f, THEME_NAV_H), H(f, 520), 1, labels, styles, actions)
                : a->height - f->m - H(f, THEME_NAV_H);
    SDL_Rect area = f->content;
    area.h = y - 2 * f->gap - area.y;
    struct block b[] = {
        text_block(tx(a, a->survey->thanks), T(f, THEME_TITLE_PX), true, THEME_TEXT, true),
        text_block(W(a, STR_THANKS_BACK), T(f, THEME_BODY_PX), false, THEME_MUTED, true),
    };
    stack(a, f, area, b, 2, true);
}

static void build_idle(struct app *a, const struct frame *f)
{
    const char *const labels[] = {W(a, STR_ERASE), W(a, STR_CONTINUE)};
    static const enum button_style styles[] = {BUTTON_QUIET, BUTTON_PRIMARY};
    static const enum app_action actions[] = {ACTION_RESTART, ACTION_CONTINUE};
    /* What erases the answers says so and sits well away from the safe choice. */
    struct frame apart = *f;
    apart.gap = SDL_max(f->gap, view_mm(&a->view, THEME_DESTRUCTIVE_GAP_MM));
    int max_w = SDL_max(H(f, 560), (f->content.w - apart.gap) / 2);
    int y = bottom_row(a, &apart, H(f, THEME_START_H), max_w, 2, labels, styles, actions);
    SDL_Rect area = f->content;
    area.h = y - 2 * f->gap - area.y;
    struct block b[] = {
        text_block(W(a, STR_IDLE_ASK), T(f, THEME_TITLE_PX), true, THEME_TEXT, true),
        text_block(view_printf(&a->view, W(a, STR_IDLE_LEFT), a->countdown_left),
                   T(f, THEME_BODY_PX), true, THEME_TEXT, true),
        text_block(W(a, STR_IDLE_LOST), T(f, THEME_BODY_PX), false, THEME_MUTED, true),
    };
    stack(a, f, area, b, 3, true);
}

static void build_keypad(struct app *a, const struct frame *f, SDL_Rect area)
{
    static const char *const keys[12] = {"1", "2", "3", "4",    "5", "6",
                                         "7", "8", "9", "消去", "0", "決定"};
    int key = (area.h - 3 * f->gap) / 4, kw = (area.w - 2 * f->gap) / 3;
    if (key > H(f, 170))
        key = H(f, 170);
    if (kw > H(f, 260))
        kw = H(f, 260);
    int x0 = area.x + (area.w - 3 * kw - 2 * f->gap) / 2;
    int y0 = area.y + (area.h - 4 * key - 3 * f->gap) / 2;
    for (int i = 0; i < 12; i++) {
        SDL_Rect r = {x0 + (i % 3) * (kw + f->gap), y0 + (i / 3) * (key + f->gap), kw, key};
        enum app_action act = i == 9    ? ACTION_PIN_CLEAR
                              : i == 11 ? ACTION_PIN_OK
                                        : ACTION_PIN_DIGIT;
        int digit = i == 10 ? 0 : i + 1;
        view_button(&a->view, r, keys[i], T(f, THEME_TITLE_PX),
                    i == 11 ? BUTTON_PRIMARY : BUTTON_CHOICE, act,
                    act == ACTION_PIN_DIGIT ? digit : 0);
    }
}

static void build_pin(struct app *a, const struct frame *f)
{
    int h = H(f, THEME_NAV_H), y = a->height - f->m - h;
    view_button(&a->view, (SDL_Rect){f->content.x, y, H(f, THEME_NAV_W), h}, "戻る",
                T(f, THEME_BUTTON_PX), BUTTON_QUIET, ACTION_LEAVE, 0);
    char dots[APP_PIN_MAX * 4 + 1] = "";
    for (size_t i = 0; i < strlen(a->pin); i++)
        strcat(dots, "●");
    SDL_Rect text = f->content, pad = f->content;
    if (f->landscape) {
        text.w = f->content.w * 2 / 5;
        text.h = y - f->gap - text.y;
        /* The keypad takes the whole height beside the text and "back". */
        pad = (SDL_Rect){text.x + text.w + f->gap, f->m, f->content.w - text.w - f->gap,
                         a->height - 2 * f->m};
    } else {
        text.h = (y - f->m) * 2 / 5;
        pad = (SDL_Rect){f->content.x, text.y + text.h + f->gap, f->content.w,
                         y - 2 * f->gap - text.y - text.h};
    }
    struct block b[] = {
        text_block("係の方専用", T(f, THEME_TITLE_PX), true, THEME_TEXT, false),
        text_block("暗証番号を入力して「決定」を押してください。", T(f, THEME_BODY_PX), false,
                   THEME_TEXT, false),
        text_block(dots[0] ? view_printf(&a->view, "%s", dots) : NULL, T(f, THEME_TITLE_PX), true,
                   THEME_ACCENT, false),
        text_block(a->pin_wrong ? "暗証番号が違います。" : NULL, T(f, THEME_BODY_PX), true,
                   THEME_WARN, false),
    };
    stack(a, f, text, b, 4, !f->landscape ? false : true);
    build_keypad(a, f, pad);
}

static const char *when_text(struct view *v, time_t t)
{
    if (t <= 0)
        return "まだありません";
    time_t jst = t + 9 * 3600;
    struct tm tm;
    gmtime_r(&jst, &tm);
    return view_printf(v, "%04d-%02d-%02d %02d:%02d（日本時間）", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* Whether the survey takes answers, in words; NULL without a survey. */
static const char *state_text(struct app *a)
{
    if (!a->survey)
        return NULL;
    switch (app_home(a)) {
    case SCREEN_WELCOME:
        return "状態：回答受付中";
    case SCREEN_CLOSED:
        return "状態：終了（回収済み。新しい回答は受け付けません）";
    case SCREEN_NO_SURVEY:
        return "状態：回答期間外";
    default:
        return NULL; /* the error says it */
    }
}

static const char *closed_text(struct app *a)
{
    if (!a->survey_closed || a->closed_at <= 0)
        return NULL;
    return view_printf(&a->view, "終了日時：%s", when_text(&a->view, a->closed_at));
}

/* An error as staff read it: without a trailing " (...)" of library text
 * in English ("Failed to connect to ..."), which says nothing more to them. */
static const char *japanese_part(struct view *v, const char *err)
{
    const char *open = strstr(err, " (");
    if (!open || open == err)
        return err;
    for (const char *p = open; *p; p++) {
        if ((unsigned char)*p >= 0x80)
            return err;
    }
    return view_printf(v, "%.*s", (int)(open - err), err);
}

/* Why the error screen shows, for staff; NULL when it does not. */
static const char *device_error(const struct app *a)
{
    if (!a->store)
        return a->store_err;
    return a->survey_err[0] ? a->survey_err : NULL;
}

static void build_maintenance(struct app *a, const struct frame *f)
{
    /* The sync buttons first, then leaving and quitting; requeueing only
     * while something is quarantined. */
    static const char *const labels[] = {"回答を保存", "今すぐ同期", "隔離分を再送", "戻る",
                                         "アプリ終了"};
    static const enum button_style styles[] = {BUTTON_PRIMARY, BUTTON_CHOICE, BUTTON_PRIMARY,
                                               BUTTON_QUIET, BUTTON_QUIET};
    static const enum app_action actions[] = {ACTION_RESAVE, ACTION_SYNC_NOW, ACTION_REQUEUE,
                                              ACTION_LEAVE, ACTION_QUIT};
    const struct kiosk_store_status *st = &a->shown_store;
    enum { ALL = sizeof labels / sizeof labels[0] };
    const char *l[ALL];
    enum button_style sty[ALL];
    enum app_action act[ALL];
    int n = 0;
    for (int i = 0; i < ALL; i++) {
        if ((actions[i] == ACTION_REQUEUE && st->quarantined <= 0) ||
            (actions[i] == ACTION_RESAVE && !a->save_err[0]))
            continue;
        l[n] = labels[i];
        sty[n] = styles[i];
        act[n++] = actions[i];
    }
    int y = bottom_row(a, f, H(f, THEME_NAV_H), H(f, 440), n, l, sty, act);
    const struct sync_status *sy = &a->shown_sync;
    struct view *v = &a->view;
    const char *err = sy->last_error[0] ? sy->last_error : st->last_error;
    time_t ok = sy->last_ok > st->last_sync_ok ? sy->last_ok : st->last_sync_ok;
    SDL_Rect area = f->content;
    area.h = y - f->gap - area.y;
    int px = T(f, THEME_SMALL_PX + 6);
    struct block b[] = {
        text_block(view_printf(v, "保守画面　アプリ版 %s", KIOSK_VERSION), px, true, THEME_TEXT,
                   false),
        text_block(view_printf(v, "端末名：%s", a->cfg.name[0] ? a->cfg.name : "（未設定）"), px,
                   false, THEME_TEXT, false),
        text_block(view_printf(v, "送信先：%s", a->cfg.collector_url), px, false, THEME_TEXT,
                   false),
        text_block(
            a->survey ? view_printf(v, "アンケート：%s（版 %d）", a->survey->id, a->survey->version)
                      : "アンケート：なし",
            px, false, THEME_TEXT, false),
        text_block(state_text(a), px, false, THEME_TEXT, false),
        text_block(closed_text(a), px, false, THEME_TEXT, false),
        text_block(a->key_id[0] ? view_printf(v, "集計サーバーの鍵：%s", a->key_id)
                                : "集計サーバーの鍵：なし。集計サーバーに接続するか設定に "
                                  "collector_key を書くまで、アンケートを開始できません",
                   px, false, a->key_id[0] ? THEME_TEXT : THEME_WARN, false),
        text_block(view_printf(v, "送信待ちのバッチ：%d 件", st->sealed), px, false, THEME_TEXT,
                   false),
        text_block(view_printf(v, "隔離されたバッチ：%d 件", st->quarantined), px, false,
                   st->quarantined ? THEME_WARN : THEME_TEXT, false),
        text_block(st->quarantined ? "収集サーバーが受け付けなかった回答です。原因（未公開の"
                                     "アンケート版など）を解消してから「隔離分を再送」を押して"
                                     "ください。"
                                   : NULL,
                   T(f, THEME_SMALL_PX), false, THEME_MUTED, false),
        text_block(view_printf(v, "最後の同期成功：%s", when_text(v, ok)), px, false, THEME_TEXT,
                   false),
        text_block(a->save_err[0] ? "保存できなかった回答：1件（空きを作り「回答を保存」）" : NULL,
                   px, true, THEME_WARN, false),
        text_block(device_error(a) ? view_printf(v, "端末のエラー：%s", device_error(a)) : NULL, px,
                   false, THEME_WARN, false),
        text_block(view_printf(v, "最後のエラー：%s", err[0] ? japanese_part(v, err) : "なし"), px,
                   false, err[0] ? THEME_WARN : THEME_TEXT, false),
        panel_block(a->store_set_aside ? "保存ファイルが壊れていたため別名で退避し、新しく作り直し"
                                         "ました。退避したファイルは db と同じ場所にあります。"
                                       : NULL,
                    px, true, THEME_WARN, THEME_WARN_BG, false),
    };
    stack_columns(a, f, area, b, sizeof b / sizeof b[0], f->gap / 4);
}

/* Opens the type sizes and caches the glyphs the answer screens use, so
 * that the first tap does not pay for them; run once welcome is shown. */
void screens_warm(struct app *a)
{
    if (!a->survey || !a->survey->n_questions)
        return;
    struct frame f = frame_of(a);
    int steps[LAYOUT_MAX_STEPS], wide = a->width;
    int n = layout_steps(T(&f, THEME_BUTTON_PX), f.text_min, steps);
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < a->survey->n_points; i++)
            view_text_height(a->tc, a->survey->points[i].label, steps[k], true, wide);
    }
    n = layout_steps(SDL_max(S(&f, THEME_STATEMENT_PX), f.statement_min), f.statement_min, steps);
    for (int k = 0; k < n; k++)
        view_text_height(a->tc, a->survey->questions[0].text, steps[k], true, wide);
    view_text_height(a->tc, "0123456789 / 戻る次へ答えずに", T(&f, THEME_SMALL_PX), true, wide);
    view_text_height(a->tc, "戻る次へ答えずに", T(&f, THEME_BUTTON_PX), true, wide);
}

void screens_build(struct app *a)
{
    view_reset(&a->view, a->width, a->height, &a->panel);
    struct frame f = frame_of(a);
    switch (a->screen) {
    case SCREEN_WELCOME:
        build_welcome(a, &f);
        break;
    case SCREEN_NO_SURVEY:
        build_no_survey(a, &f);
        break;
    case SCREEN_CLOSED:
        build_closed(a, &f);
        break;
    case SCREEN_ATTRIBUTE:
    case SCREEN_QUESTION:
        build_item(a, &f);
        break;
    case SCREEN_CONFIRM:
        build_confirm(a, &f);
        break;
    case SCREEN_THANKS:
        build_thanks(a, &f);
        break;
    case SCREEN_IDLE:
        build_idle(a, &f);
        break;
    case SCREEN_PIN:
        build_pin(a, &f);
        break;
    case SCREEN_MAINTENANCE:
        build_maintenance(a, &f);
        break;
    case SCREEN_LOCKED:
        build_locked(a, &f);
        break;
    case SCREEN_REVIEW:
        build_review(a, &f);
        break;
    case SCREEN_ERROR:
    case SCREEN_COUNT:
        build_error(a, &f);
        break;
    }
    textcache_begin(a->tc);
    view_fit(&a->view, a->tc);
    textcache_end(a->tc);
}
