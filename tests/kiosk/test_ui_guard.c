/* No accidental answers, through the real UI on SDL's dummy driver: a new
 * screen ignores input for its first 600 ms (the second tap of a double
 * tap does not answer the next question), thanks cannot be left by touch
 * for 3 s, and welcome's start button rests for the survey's cooldown_s
 * after a response, so that one person cannot stack responses. */
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

static void assert_selected(struct app *a, const char *want)
{
    char got[64];
    app_selected(a, got, sizeof got);
    assert_string_equal(got, want);
}

/* Welcome to q01 of Goshogawara, answering the attribute on the way. */
static struct app *open_at_q01(struct ui_kiosk *k, const char *survey)
{
    struct app *a = ui_open_or_fail(k, survey, "800x480");
    ui_tap(a, ACTION_START, 0);
    ui_tap(a, ACTION_CHOOSE, 0);
    app_await_button(a, ACTION_CHOOSE, 0, 5000);
    assert_string_equal(app_item_id(a), "q01");
    return a;
}

/* Two taps on 「そう思う」 400 ms apart, the way an unsure older user taps:
 * the first answers q01, the second lands on q02 after it appeared (at
 * 350 ms) and must do nothing. */
static void double_tap(struct ui_kiosk *k, unsigned apart_ms, const char *want_q02)
{
    struct app *a = open_at_q01(k, UI_GOSHOGAWARA);
    int x, y;
    assert_true(app_button_center(a, ACTION_CHOOSE, 0, &x, &y));
    app_tap(a, x, y);
    assert_selected(a, "4");
    app_wait(a, apart_ms);
    assert_string_equal(app_item_id(a), "q02");
    app_tap(a, x, y);
    app_wait(a, 2000);
    assert_string_equal(app_item_id(a), want_q02[0] ? "q03" : "q02");
    app_close(a);
}

static void test_double_tap_at_400ms_answers_nothing_on_the_next_item(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-guard", 60), 0);
    double_tap(&k, 400, "");
    /* And q02 still waits for an answer of its own. */
    struct app *a = open_at_q01(&k, UI_GOSHOGAWARA);
    int x, y;
    assert_true(app_button_center(a, ACTION_CHOOSE, 0, &x, &y));
    app_tap(a, x, y);
    app_wait(a, 400);
    app_tap(a, x, y);
    assert_selected(a, "");
    app_wait(a, 60000 - 1000); /* just before the idle prompt */
    assert_string_equal(app_item_id(a), "q02");
    assert_selected(a, "");
    app_close(a);
    ui_cleanup(&k);
}

static void test_a_deliberate_tap_after_the_guard_answers(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-guard-ok", 60), 0);
    double_tap(&k, 1000, "q02 answered"); /* 650 ms after q02 appeared */
    ui_cleanup(&k);
}

/* Keys too: Enter, 1 and 1 again in quick succession answer once. */
static void test_keys_are_guarded_like_taps(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-guard-keys", 60), 0);
    struct app *a = open_at_q01(&k, UI_GOSHOGAWARA);
    app_key(a, SDLK_1);
    app_wait(a, 400);
    app_key(a, SDLK_1);
    assert_string_equal(app_item_id(a), "q02");
    assert_selected(a, "");
    app_close(a);
    ui_cleanup(&k);
}

static void answer_and_send(struct app *a)
{
    const struct survey *s = app_survey(a);
    ui_tap(a, ACTION_START, 0);
    for (size_t i = 0; i < s->n_attributes + s->n_questions; i++)
        ui_tap(a, ACTION_CHOOSE, 0);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_screen(a), SCREEN_THANKS);
}

static void test_thanks_cannot_be_left_by_touch_for_3_seconds(void **state)
{
    (void)state;
    struct ui_kiosk k;
    int w, h;
    assert_int_equal(ui_init(&k, "ui-thanks-lock", 60), 0);
    struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, "800x480");
    answer_and_send(a);
    app_size(a, &w, &h);
    int x, y;
    assert_false(app_button_center(a, ACTION_RESTART, 0, &x, &y));
    for (int t = 0; t < 5; t++) { /* taps all over the bottom half */
        app_tap(a, w / 2, h - 40);
        app_tap(a, w / 5, h * 3 / 4);
        app_wait(a, 500);
    }
    assert_int_equal(app_screen(a), SCREEN_THANKS);
    app_wait(a, 600); /* 3.1 s: the button shows and works */
    assert_true(app_button_center(a, ACTION_RESTART, 0, &x, &y));
    app_tap(a, x, y);
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    app_close(a);
    ui_cleanup(&k);
}

static void test_start_rests_for_the_cooldown_after_a_response(void **state)
{
    (void)state;
    struct ui_kiosk k;
    int x, y;
    assert_int_equal(ui_init(&k, "ui-cooldown", 60), 0);
    struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, "800x480");
    answer_and_send(a);
    app_wait(a, 6500); /* thanks goes back to welcome by itself */
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    assert_false(app_button_center(a, ACTION_START, 0, &x, &y));
    assert_true(app_text_shown(a, "少しお待ちください"));
    app_size(a, &x, &y);
    app_tap(a, x / 2, y * 85 / 100); /* where the start button is */
    app_key(a, SDLK_RETURN);
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    app_wait(a, 20000 - 6500 - 100); /* just before 20 s from the response */
    assert_false(app_button_center(a, ACTION_START, 0, &x, &y));
    app_wait(a, 200);
    assert_true(app_button_center(a, ACTION_START, 0, &x, &y));
    app_tap(a, x, y);
    assert_int_equal(app_screen(a), SCREEN_ATTRIBUTE);
    assert_int_equal(app_stored(a), 1);
    app_close(a);
    ui_cleanup(&k);
}

static void test_a_survey_without_cooldown_starts_at_once(void **state)
{
    (void)state;
    struct ui_kiosk k;
    char file[TU_PATH_MAX + 32];
    int x, y;
    assert_int_equal(ui_init(&k, "ui-no-cooldown", 60), 0);
    snprintf(file, sizeof file, "%s/no-cooldown.json", k.dir);
    /* cooldown_s 0 in a copy of the sample survey */
    FILE *in = fopen(UI_GOSHOGAWARA, "r"), *out = fopen(file, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[4096];
    while (fgets(line, sizeof line, in)) {
        char *v = strstr(line, "\"version\": 1,");
        if (v)
            fprintf(out, "%.*s\"version\": 1, \"cooldown_s\": 0,%s", (int)(v - line), line,
                    v + strlen("\"version\": 1,"));
        else
            fputs(line, out);
    }
    fclose(in);
    fclose(out);
    struct app *a = ui_open_or_fail(&k, file, "800x480");
    assert_int_equal(app_survey(a)->cooldown_s, 0);
    answer_and_send(a);
    app_wait(a, 6500);
    assert_true(app_button_center(a, ACTION_START, 0, &x, &y));
    app_close(a);
    ui_cleanup(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_tap_at_400ms_answers_nothing_on_the_next_item),
        cmocka_unit_test(test_a_deliberate_tap_after_the_guard_answers),
        cmocka_unit_test(test_keys_are_guarded_like_taps),
        cmocka_unit_test(test_thanks_cannot_be_left_by_touch_for_3_seconds),
        cmocka_unit_test(test_start_rests_for_the_cooldown_after_a_response),
        cmocka_unit_test(test_a_survey_without_cooldown_starts_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
