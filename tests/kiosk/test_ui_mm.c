/* Sizes in millimetres: every screen of every sample survey, on the panels
 * kiosks are built from (7-inch 800x480 and 1024x600, 10.1-inch 1280x800,
 * 15.6- and 21.5-inch 1920x1080, 21.5-inch portrait), measured from the
 * real UI's widgets with this test's own pixel pitch: statements at least
 * 7 mm, every other text at least 4.8 mm (the em height it is rendered
 * at), in every language the survey offers, every button at least 15 mm
 * both ways and 3 mm from every other,
 * standing out 3:1 from the page; on the idle prompt, erasing the answers
 * says so and sits 15 mm from continuing. */
#include <glob.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper_ui.h"
#include "survey.h"
#include "view.h"

#define STATEMENT_MM 7.0
#define TEXT_MM      4.8
#define TARGET_MM    15.0
#define GAP_MM       3.0
#define SLACK_MM     0.01 /* whole pixels */

static const struct panel_case {
    const char *size;
    const char *inches;
} PANELS[] = {
    {"800x480", "7"},      {"1024x600", "7"},     {"1280x800", "10.1"},
    {"1920x1080", "15.6"}, {"1920x1080", "21.5"}, {"1080x1920", "21.5"},
};

struct measure {
    double px_per_mm;
    const char *where; /* panel and screen, for messages */
    const char *statement;
    const char *shots; /* name prefix of the screenshots, NULL for none */
    size_t longest;    /* the item with the longest statement */
};

static double mm(const struct measure *m, int px)
{
    return px / m->px_per_mm;
}

static double gap_mm(const struct measure *m, SDL_Rect a, SDL_Rect b)
{
    int dx = SDL_max(b.x - (a.x + a.w), a.x - (b.x + b.w));
    int dy = SDL_max(b.y - (a.y + a.h), a.y - (b.y + b.h));
    return hypot(SDL_max(dx, 0), SDL_max(dy, 0)) / m->px_per_mm;
}

static double luminance(SDL_Color c)
{
    double ch[3] = {c.r / 255.0, c.g / 255.0, c.b / 255.0}, l[3];
    for (int i = 0; i < 3; i++)
        l[i] = ch[i] <= 0.03928 ? ch[i] / 12.92 : pow((ch[i] + 0.055) / 1.055, 2.4);
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

/* WCAG 2 contrast ratio. */
static double contrast(SDL_Color a, SDL_Color b)
{
    double x = luminance(a) + 0.05, y = luminance(b) + 0.05;
    return x > y ? x / y : y / x;
}

/* A control's edge or fill stands out from the page by 3:1 (WCAG 1.4.11),
 * with an edge at least 0.3 mm wide. */
static void check_control(const struct measure *m, const struct widget *w)
{
    const SDL_Color page = {0xF7, 0xF5, 0xF0, 0xFF};
    if (w->kind != WIDGET_BUTTON || w->action == ACTION_NONE)
        return; /* a resting button takes no taps */
    double edge = w->border_w >= 0.3 * m->px_per_mm ? contrast(w->border, page) : 1.0;
    double fill = contrast(w->bg, page);
    if (edge < 3.0 && fill < 3.0)
        fail_msg("%s: button \"%s\" stands out %.2f:1 (edge) / %.2f:1 (fill), under 3:1", m->where,
                 w->text, edge, fill);
}

static void check_widget(const struct measure *m, const struct widget *w)
{
    check_control(m, w);
    if (w->text && w->text[0]) {
        bool statement = m->statement && strcmp(w->text, m->statement) == 0;
        double floor = statement ? STATEMENT_MM : TEXT_MM;
        if (mm(m, w->lines.px) < floor - SLACK_MM)
            fail_msg("%s: \"%.60s\" is %.2f mm, under %.1f mm", m->where, w->text,
                     mm(m, w->lines.px), floor);
    }
    if (w->kind == WIDGET_BUTTON &&
        (mm(m, w->box.w) < TARGET_MM - SLACK_MM || mm(m, w->box.h) < TARGET_MM - SLACK_MM))
        fail_msg("%s: button \"%s\" is %.1f x %.1f mm", m->where, w->text, mm(m, w->box.w),
                 mm(m, w->box.h));
}

/* The screen on display, measured; and the kiosk's own layout check. */
static void check_screen(struct app *a, struct measure *m, const char *screen)
{
    char where[256], why[512];
    const struct view *v = app_view(a);
    snprintf(where, sizeof where, "%s: %s", m->where, screen);
    struct measure here = *m;
    here.where = where;
    bool is_attr;
    int i;
    const struct survey *s = app_survey(a);
    here.statement = NULL;
    if (app_item(a, &is_attr, &i))
        here.statement = is_attr ? s->attributes[i].text : s->questions[i].text;
    int buttons = 0;
    for (int k = 0; k < v->n; k++) {
        check_widget(&here, &v->w[k]);
        buttons += v->w[k].kind == WIDGET_BUTTON;
        for (int j = k + 1; j < v->n; j++) {
            if (v->w[k].kind == WIDGET_BUTTON && v->w[j].kind == WIDGET_BUTTON &&
                gap_mm(&here, v->w[k].box, v->w[j].box) < GAP_MM - SLACK_MM)
                fail_msg("%s: \"%s\" and \"%s\" are %.1f mm apart", where, v->w[k].text,
                         v->w[j].text, gap_mm(&here, v->w[k].box, v->w[j].box));
        }
    }
    bool shot = m->shots && (strncmp(screen, "item", 4) != 0 || strcmp(screen, "item 1") == 0 ||
                             strstr(screen, "longest"));
    if (shot) {
        char name[256];
        snprintf(name, sizeof name, "%s-%s.bmp", m->shots, screen);
        for (char *p = name; *p; p++)
            *p = *p == ' ' ? '-' : *p;
        ui_shot_or_fail(a, name);
    }
    if (!app_layout_ok(a, why, sizeof why))
        fail_msg("%s: %s", where, why);
    (void)buttons;
}

static size_t longest_item(const struct survey *s)
{
    size_t best = 0, len = 0;
    for (size_t i = 0; i < s->n_questions; i++) {
        if (strlen(s->questions[i].text) > len) {
            len = strlen(s->questions[i].text);
            best = s->n_attributes + i;
        }
    }
    return best;
}

/* The idle prompt: the choice that erases the answers says so and sits at
 * least 15 mm from 「続ける」. */
static void check_idle_choices(struct app *a, const struct measure *m)
{
    const struct view *v = app_view(a);
    const struct widget *erase = view_find(v, ACTION_RESTART, 0);
    const struct widget *keep = view_find(v, ACTION_CONTINUE, 0);
    assert_non_null(erase);
    assert_non_null(keep);
    assert_true(strstr(erase->text, "回答を消して") || strstr(erase->text, "Erase") ||
                strstr(erase->text, "けして"));
    if (gap_mm(m, erase->box, keep->box) < 15.0 - SLACK_MM)
        fail_msg("%s: idle: 「%s」 is %.1f mm from 「%s」", m->where, erase->text,
                 gap_mm(m, erase->box, keep->box), keep->text);
}

/* Every screen a respondent and staff reach, in order. */
static void walk(struct app *a, struct measure *m, int lang)
{
    const struct survey *s = app_survey(a);
    if (lang > 0)
        ui_tap(a, ACTION_LANGUAGE, lang);
    check_screen(a, m, "welcome");
    ui_tap(a, ACTION_START, 0);
    app_wait(a, 1000);
    for (size_t n = 0; n < s->n_attributes + s->n_questions; n++) {
        char name[64], chosen[80];
        snprintf(name, sizeof name, "item %zu%s", n + 1, n == longest_item(s) ? " longest" : "");
        snprintf(chosen, sizeof chosen, "%s chosen", name);
        check_screen(a, m, name);
        ui_tap(a, ACTION_CHOOSE, 0);
        check_screen(a, m, chosen);
        app_wait(a, 1500);
    }
    assert_int_equal(app_screen(a), SCREEN_CONFIRM);
    check_screen(a, m, "confirm");
    ui_tap(a, ACTION_REVIEW, 0);
    check_screen(a, m, "review");
    ui_tap(a, ACTION_TO_CONFIRM, 0);
    app_wait(a, 61000);
    assert_int_equal(app_screen(a), SCREEN_IDLE);
    check_screen(a, m, "idle");
    check_idle_choices(a, m);
    ui_tap(a, ACTION_CONTINUE, 0);
    app_wait(a, 1000);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_screen(a), SCREEN_THANKS);
    check_screen(a, m, "thanks");
    app_wait(a, 10000);
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    check_screen(a, m, "welcome after a response");
    app_press(a, 5, 5, 2500);
    check_screen(a, m, "pin");
    ui_open_maintenance(a);
    check_screen(a, m, "maintenance");
}

static void floors_in(const char *file, size_t p, int lang)
{
    struct ui_kiosk *k = malloc(sizeof *k);
    char where[256], shots[128];
    int w, h;
    assert_int_equal(ui_init(k, "ui-mm", 60), 0);
    assert_int_equal(ui_conf_set(k, "screen_inches", PANELS[p].inches), 0);
    struct app *a = ui_open_or_fail(k, file, PANELS[p].size);
    const char *tag = app_survey(a)->languages[lang];
    app_size(a, &w, &h);
    snprintf(where, sizeof where, "%s in %s at %s, %s inches", strrchr(file, '/') + 1, tag,
             PANELS[p].size, PANELS[p].inches);
    snprintf(shots, sizeof shots, "mm-%s-%s-%sin%s%s", app_survey(a)->id, PANELS[p].size,
             PANELS[p].inches, lang ? "-" : "", lang ? tag : "");
    bool want = strcmp(PANELS[p].size, "800x480") == 0 || strcmp(PANELS[p].inches, "15.6") == 0;
    struct measure m = {hypot(w, h) / (atof(PANELS[p].inches) * 25.4), where, NULL,
                        want ? shots : NULL, 0};
    walk(a, &m, lang);
    app_close(a);
    ui_cleanup(k);
    free(k);
}

/* Every panel, in every language the survey offers. */
static void floors_of(const char *file)
{
    struct survey *s = NULL;
    char why[SURVEY_ERR_LEN];
    if (survey_load_file(file, &s, why, sizeof why) != SURVEY_OK)
        fail_msg("%s: %s", file, why);
    for (size_t p = 0; p < sizeof PANELS / sizeof PANELS[0]; p++) {
        for (int lang = 0; lang < (int)s->n_languages; lang++)
            floors_in(file, p, lang);
    }
    survey_free(s);
}

static void test_every_screen_meets_the_floors_in_mm_on_every_panel(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(SURVEYS_DIR "/*.json", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 2);
    for (size_t i = 0; i < g.gl_pathc; i++)
        floors_of(g.gl_pathv[i]);
    globfree(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_screen_meets_the_floors_in_mm_on_every_panel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
