/* 見直す through the real UI: a list of every answer; one tap opens an
 * item, the next tap (the new answer) comes back to the list, so fixing
 * item 7 costs two taps; on a 7-inch panel the list pages with its tiles
 * at their floors; 一覧へ and 次へ come back too. */
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

/* Every item answered with the first point (or option); ends on confirm. */
static struct app *answered(struct ui_kiosk *k, const char *size, const char *inches)
{
    assert_int_equal(ui_conf_set(k, "screen_inches", inches), 0);
    struct app *a = ui_open_or_fail(k, UI_GOSHOGAWARA, size);
    const struct survey *s = app_survey(a);
    ui_tap(a, ACTION_START, 0);
    for (size_t i = 0; i < s->n_attributes + s->n_questions; i++)
        ui_tap(a, ACTION_CHOOSE, 0);
    app_await_input(a);
    assert_int_equal(app_screen(a), SCREEN_CONFIRM);
    return a;
}

static void fix_item_7(const char *size, const char *inches)
{
    struct ui_kiosk k;
    char why[512], shot[64];
    assert_int_equal(ui_init(&k, "ui-review", 60), 0);
    struct app *a = answered(&k, size, inches);
    const struct survey *s = app_survey(a);
    int q07 = (int)s->n_attributes + 6;
    ui_tap(a, ACTION_REVIEW, 0);
    assert_int_equal(app_screen(a), SCREEN_REVIEW);
    assert_true(app_layout_ok(a, why, sizeof why));
    snprintf(shot, sizeof shot, "review-%s.bmp", size);
    ui_shot_or_fail(a, shot);
    assert_true(app_text_shown(a, "問7\nそう思う"));
    /* Two taps: the tile, then the new answer. */
    int before = (int)app_frames(a);
    ui_tap(a, ACTION_OPEN_ITEM, q07);
    assert_string_equal(app_item_id(a), "q07");
    ui_tap(a, ACTION_CHOOSE, 2);
    app_await_input(a);
    assert_int_equal(app_screen(a), SCREEN_REVIEW);
    assert_true(app_text_shown(a, "問7\nあまりそう思わない"));
    assert_true(app_text_shown(a, "問6\nそう思う")); /* the others as they were */
    assert_true((int)app_frames(a) > before);
    /* Back to confirm and send: one response, stored once. */
    ui_tap(a, ACTION_TO_CONFIRM, 0);
    assert_int_equal(app_screen(a), SCREEN_CONFIRM);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_stored(a), 1);
    app_close(a);
    ui_cleanup(&k);
}

static void test_review_fixes_item_7_in_two_taps_on_a_7_inch_panel(void **state)
{
    (void)state;
    fix_item_7("800x480", "7");
}

static void test_review_fixes_item_7_in_two_taps_on_a_large_panel(void **state)
{
    (void)state;
    fix_item_7("1920x1080", "15.6");
}

/* Back, next and skip from an opened item return to the list; the list
 * pages where it does not fit. */
static void test_review_returns_and_pages(void **state)
{
    (void)state;
    struct ui_kiosk k;
    char why[512];
    assert_int_equal(ui_init(&k, "ui-review-pages", 60), 0);
    struct app *a = answered(&k, "800x480", "7");
    const struct survey *s = app_survey(a);
    int last = (int)(s->n_attributes + s->n_questions) - 1;
    ui_tap(a, ACTION_REVIEW, 0);
    ui_tap(a, ACTION_OPEN_ITEM, 0);
    ui_tap(a, ACTION_BACK, 0); /* 一覧へ */
    assert_int_equal(app_screen(a), SCREEN_REVIEW);
    ui_tap(a, ACTION_OPEN_ITEM, 0);
    ui_tap(a, ACTION_NEXT, 0); /* answered: 次へ */
    assert_int_equal(app_screen(a), SCREEN_REVIEW);
    assert_true(app_text_shown(a, "あなたについて\n正職員"));
    int x, y;
    assert_false(app_button_center(a, ACTION_OPEN_ITEM, last, &x, &y)); /* on a later page */
    while (!app_button_center(a, ACTION_OPEN_ITEM, last, &x, &y)) {
        ui_tap(a, ACTION_PAGE_NEXT, 0);
        assert_true(app_layout_ok(a, why, sizeof why));
    }
    ui_shot_or_fail(a, "review-800x480-last-page.bmp");
    ui_tap(a, ACTION_OPEN_ITEM, last);
    ui_tap(a, ACTION_NEXT, 0);
    assert_int_equal(app_screen(a), SCREEN_REVIEW);
    assert_true(app_button_center(a, ACTION_OPEN_ITEM, last, &x, &y)); /* the same page */
    app_close(a);
    ui_cleanup(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_fixes_item_7_in_two_taps_on_a_7_inch_panel),
        cmocka_unit_test(test_review_fixes_item_7_in_two_taps_on_a_large_panel),
        cmocka_unit_test(test_review_returns_and_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
