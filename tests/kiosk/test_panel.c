/* Unit tests of the panel's size in millimetres: the config wins over the
 * display, a display's DPI is believed only within reason, and a panel
 * nothing is known about is taken for the densest one sold at its size. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "panel.h"

static void assert_near(double got, double want)
{
    if (fabs(got - want) > 0.05)
        fail_msg("got %.3f, want %.3f", got, want);
}

static void test_panel_from_inches_uses_the_diagonal(void **state)
{
    (void)state;
    struct panel p;
    /* The official 7-inch Raspberry Pi display: 800x480, 154.2 x 85.9 mm visible. */
    panel_measure(800, 480, 0, 0, 7.0, 0, &p);
    assert_int_equal(p.source, PANEL_FROM_INCHES);
    assert_near(p.px_per_mm, hypot(800, 480) / (7.0 * 25.4));
    assert_near(p.w_mm, 152.5);
    assert_int_equal(panel_px(&p, 4.8), 26); /* 25.2 px: whole pixels at least */
}

static void test_panel_from_mm_wins_and_follows_the_orientation(void **state)
{
    (void)state;
    struct panel p;
    panel_measure(800, 480, 154, 86, 21.5, 96.0, &p);
    assert_int_equal(p.source, PANEL_FROM_MM);
    assert_near(p.w_mm, hypot(154, 86) * 800 / hypot(800, 480));
    panel_measure(480, 800, 154, 86, 0, 0, &p); /* turned to portrait */
    assert_true(p.w_mm < p.h_mm);
    assert_near(p.h_mm, hypot(154, 86) * 800 / hypot(800, 480));
}

static void test_panel_believes_only_a_reasonable_dpi(void **state)
{
    (void)state;
    struct panel p;
    panel_measure(1920, 1080, 0, 0, 0, 141.0, &p);
    assert_int_equal(p.source, PANEL_FROM_DPI);
    assert_near(p.px_per_mm, 141.0 / 25.4);
    panel_measure(1920, 1080, 0, 0, 0, 96.0, &p); /* X11's "do not know" */
    assert_int_equal(p.source, PANEL_ASSUMED);
    panel_measure(1920, 1080, 0, 0, 0, 1200.0, &p); /* a bogus EDID */
    assert_int_equal(p.source, PANEL_ASSUMED);
}

static void test_panel_unknown_small_is_a_7_inch_panel(void **state)
{
    (void)state;
    struct panel p;
    panel_measure(1024, 600, 0, 0, 0, 0, &p);
    assert_int_equal(p.source, PANEL_ASSUMED);
    assert_near(hypot(p.w_mm, p.h_mm), 7.0 * 25.4);
    panel_measure(1920, 1080, 0, 0, 0, 0, &p);
    assert_near(p.px_per_mm, 141.0 / 25.4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panel_from_inches_uses_the_diagonal),
        cmocka_unit_test(test_panel_from_mm_wins_and_follows_the_orientation),
        cmocka_unit_test(test_panel_believes_only_a_reasonable_dpi),
        cmocka_unit_test(test_panel_unknown_small_is_a_7_inch_panel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
