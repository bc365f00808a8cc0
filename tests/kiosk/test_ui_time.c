/* The time the welcome screen states: derived from the survey's texts
 * (estimate.c), within what a first-time respondent of 70 needs by the
 * issue's reckoning (Goshogawara 3½ to 4 minutes, Kamaishi 5 to 6½), and
 * checked by a scripted respondent who reads every screen at the model's
 * speeds through the real UI on the virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "estimate.h"
#include "helper_ui.h"
#include "survey.h"

/* Welcome to thanks, waiting before every tap as long as the model says
 * reading and deciding take; returns the virtual seconds it took. */
static double respond_at_model_speed(struct app *a)
{
    const struct survey *s = app_survey(a);
    unsigned long t = 0;
    unsigned frame = (unsigned)(ESTIMATE_FRAME_S * 1000 / 2);
    app_wait(a, frame); /* welcome: intro and privacy note are in the survey's total */
    t += frame;
    ui_tap(a, ACTION_START, 0);
    for (int i = 0; i < (int)(s->n_attributes + s->n_questions); i++) {
        unsigned ms = (unsigned)(estimate_item_s(s, i) * 1000);
        app_wait(a, ms);
        t += ms;
        ui_tap(a, ACTION_CHOOSE, 0);
    }
    app_wait(a, frame);
    t += frame;
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_screen(a), SCREEN_THANKS);
    return t / 1000.0;
}

static void time_of(const char *file, double lo_min, double hi_min)
{
    struct ui_kiosk k;
    char want[64];
    assert_int_equal(ui_init(&k, "ui-time", 60), 0);
    struct app *a = ui_open_or_fail(&k, file, "800x480");
    const struct survey *s = app_survey(a);
    double est = estimate_survey_s(s);
    if (est < lo_min * 60 || est > hi_min * 60)
        fail_msg("%s: %.0f s, outside %.1f to %.1f minutes", s->id, est, lo_min, hi_min);
    snprintf(want, sizeof want, "所要時間の目安：約%d分", estimate_minutes(s));
    assert_true(app_text_shown(a, want));
    double took = respond_at_model_speed(a);
    /* The reading time itself; the intro and privacy note were read within the frame. */
    if (took > est || took < est - 60)
        fail_msg("%s: the scripted respondent took %.0f s for an estimate of %.0f s", s->id, took,
                 est);
    assert_int_equal(app_stored(a), 1); /* no idle prompt cut in: every wait < 60 s */
    app_close(a);
    ui_cleanup(&k);
}

static void test_goshogawara_takes_about_4_minutes(void **state)
{
    (void)state;
    time_of(UI_GOSHOGAWARA, 3.5, 4.0);
}

static void test_kamaishi_takes_about_6_minutes(void **state)
{
    (void)state;
    time_of(UI_KAMAISHI, 5.0, 6.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goshogawara_takes_about_4_minutes),
        cmocka_unit_test(test_kamaishi_takes_about_6_minutes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
