/* Errors in Japanese with a person to call, through the real UI: the error
 * screen and a failed save show no developer text and name help_contact;
 * after a failed save the answers wait in memory for staff, confirm locks
 * after the idle timeout, and nothing of the answers reaches the next
 * person: no button, no text of the survey's answers, no key. */
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

#define CONTACT "人事課 内線1234"

/* No run of three ASCII letters on a respondent's screen: libraries' and
 * developers' English ("SQLITE_FULL", "database or disk is full"). */
static void assert_no_developer_text(const struct app *a)
{
    const struct view *v = app_view(a);
    for (int i = 0; i < v->n; i++) {
        int run = 0;
        for (const char *p = v->w[i].text; p && *p; p++) {
            bool letter = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z');
            run = letter ? run + 1 : 0;
            if (run >= 3)
                fail_msg("%s screen shows \"%s\"", screen_name(app_screen(a)), v->w[i].text);
        }
    }
}

static bool shows_contact(const struct app *a)
{
    return app_text_shown(a, "連絡先：" CONTACT);
}

static int buttons(const struct app *a)
{
    const struct view *v = app_view(a);
    int n = 0;
    for (int i = 0; i < v->n; i++)
        n += v->w[i].kind == WIDGET_BUTTON;
    return n;
}

/* Nothing a respondent chose is on screen: no label of the scale or of an
 * option, no statement. */
static void assert_no_answer_shown(const struct app *a, const struct survey *s)
{
    for (size_t i = 0; i < s->n_points; i++)
        assert_false(app_text_shown(a, s->points[i].label));
    for (size_t j = 0; j < s->n_attributes; j++) {
        assert_false(app_text_shown(a, s->attributes[j].text));
        for (size_t o = 0; o < s->attributes[j].n_options; o++)
            assert_false(app_text_shown(a, s->attributes[j].options[o].label));
    }
    for (size_t i = 0; i < s->n_questions; i++)
        assert_false(app_text_shown(a, s->questions[i].text));
}

static void test_failed_save_locks_and_shows_nothing_to_the_next_person(void **state)
{
    (void)state;
    struct ui_kiosk k;
    char err[APP_ERR_LEN];
    int w, h;
    assert_int_equal(ui_init(&k, "ui-failed-save", 60), 0);
    assert_int_equal(ui_conf_set(&k, "help_contact", CONTACT), 0);
    assert_int_equal(ui_fill_store(k.db), 0);
    struct kiosk_options opt = {.config = k.conf,
                                .headless = true,
                                .date = UI_IN_PERIOD,
                                .drain_s = -1,
                                .store_max_pages = 1,
                                .width = 800,
                                .height = 480};
    struct app *a = app_open(&opt, err, sizeof err);
    if (!a)
        fail_msg("%s", err);
    const struct survey *s = app_survey(a);
    ui_tap(a, ACTION_START, 0);
    for (size_t i = 0; i < s->n_attributes + s->n_questions; i++)
        ui_tap(a, ACTION_CHOOSE, 1);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_screen(a), SCREEN_CONFIRM); /* not saved: says so */
    assert_int_equal(app_stored(a), 0);
    assert_true(shows_contact(a));
    assert_no_developer_text(a);
    int x, y;
    assert_false(app_button_center(a, ACTION_REVIEW, 0, &x, &y));
    ui_shot_or_fail(a, "errors-800x480-confirm-failed.bmp");
    /* The respondent walks away; after the idle timeout the next person finds: */
    app_wait(a, 61000);
    assert_int_equal(app_screen(a), SCREEN_LOCKED);
    ui_shot_or_fail(a, "errors-800x480-locked.bmp");
    assert_int_equal(buttons(a), 0);
    assert_true(shows_contact(a));
    assert_no_developer_text(a);
    assert_no_answer_shown(a, s);
    app_size(a, &w, &h);
    for (int t = 0; t < 9; t++) /* taps all over, every key that did something */
        app_tap(a, w * (1 + t % 3) / 4, h * (1 + t / 3) / 4);
    app_key(a, SDLK_BACKSPACE);
    app_key(a, SDLK_RETURN);
    app_key(a, SDLK_1);
    app_wait(a, 3600 * 1000); /* an hour: it stays locked, the answers kept */
    assert_int_equal(app_screen(a), SCREEN_LOCKED);
    assert_no_answer_shown(a, s);
    /* Staff find the answers waiting, and a way to save them. */
    ui_open_maintenance(a);
    assert_true(app_button_center(a, ACTION_RESAVE, 0, &x, &y));
    ui_shot_or_fail(a, "errors-800x480-maintenance-unsaved.bmp");
    char why[512];
    if (!app_layout_ok(a, why, sizeof why))
        fail_msg("maintenance: %s", why);
    ui_tap(a, ACTION_RESAVE, 0);
    assert_int_equal(app_screen(a), SCREEN_MAINTENANCE);
    assert_int_equal(app_stored(a), 0); /* the disk is still full */
    ui_tap(a, ACTION_LEAVE, 0);
    assert_int_equal(app_screen(a), SCREEN_LOCKED);
    app_close(a);
    ui_cleanup(&k);
}

static void test_error_screen_names_whom_to_call_in_japanese(void **state)
{
    (void)state;
    struct ui_kiosk k;
    char db[TU_PATH_MAX + 64];
    assert_int_equal(ui_init(&k, "ui-error-screen", 60), 0);
    snprintf(db, sizeof db, "%s/missing/kiosk.db", k.dir); /* the store cannot open */
    assert_int_equal(ui_conf_set(&k, "db", db), 0);
    assert_int_equal(ui_conf_set(&k, "help_contact", CONTACT), 0);
    struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, "800x480");
    assert_int_equal(app_screen(a), SCREEN_ERROR);
    ui_shot_or_fail(a, "errors-800x480-error.bmp");
    assert_true(shows_contact(a));
    assert_no_developer_text(a);
    char why[512];
    assert_true(app_layout_ok(a, why, sizeof why));
    /* The reason is for staff, on maintenance. */
    ui_open_maintenance(a);
    const struct view *v = app_view(a);
    bool found = false;
    for (int i = 0; i < v->n; i++)
        found = found || (v->w[i].text && strstr(v->w[i].text, "端末のエラー："));
    assert_true(found);
    app_close(a);
    ui_cleanup(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_save_locks_and_shows_nothing_to_the_next_person),
        cmocka_unit_test(test_error_screen_names_whom_to_call_in_japanese),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
