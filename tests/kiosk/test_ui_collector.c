/* The kiosk UI with a real collector on loopback: a kiosk with nothing
 * cached shows the quiet notice, receives the published survey through its
 * sync thread, switches to welcome by itself, and responses answered
 * through the UI reach the collector's yearly KPI once it is released. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "helper_ui.h"

#define QUESTIONS 12

static void test_survey_arrives_and_answer_reaches_kpi(void **state)
{
    (void)state;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct tu_server srv;
    struct ui_kiosk k;
    assert_int_equal(tu_tempdir("ui-collector", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    assert_int_equal(tu_server_start(&srv, db, NULL), 0);
    assert_int_equal(ui_init_collector(&k, "ui-collector-kiosk", srv.url, token), 0);

    ui_add(&k, "expect screen no_survey");
    ui_add(&k, "drain 20");  /* real time: the sync thread fetches the survey */
    ui_add(&k, "wait 2500"); /* welcome polls the sync status */
    ui_add(&k, "expect screen welcome");
    for (int r = 1; r <= 2; r++) { /* two respondents: a group of one is never shown */
        ui_add(&k, "tap @start");
        ui_add(&k, "tap @choose %d", r);
        ui_add(&k, "wait 500");
        for (int i = 0; i < QUESTIONS; i++) {
            ui_add(&k, "tap @choose %d", i < 6 ? 1 : 2); /* six 4s, six 3s */
            ui_add(&k, "wait 500");
        }
        ui_add(&k, "tap @send");
        ui_add(&k, "expect stored %d", r);
        ui_add(&k, "tap @restart");
    }
    const char *extra[] = {"--drain", "20", NULL};
    int rc = ui_run(&k, NULL, NULL, extra);
    tu_server_stop(&srv);
    assert_int_equal(rc, 0);
    assert_int_equal(ui_stored(&k), 0); /* delivered and deleted at the kiosk */

    char out[TU_OUTPUT_MAX], err[1024];
    assert_int_equal(tu_release(db, 2024), 1); /* figures come only from a release */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", db,
                                  "--fiscal-year", "2024", "--format", "json", "--min-group-size",
                                  "2", NULL),
                     0);
    json_t *kpi = json_loads(out, 0, NULL);
    assert_non_null(kpi);
    assert_int_equal(json_integer_value(json_object_get(kpi, "respondents")), 2);
    json_t *items = json_object_get(kpi, "items");
    assert_int_equal(json_array_size(items), QUESTIONS);
    json_t *q01 = json_array_get(items, 0), *q12 = json_array_get(items, QUESTIONS - 1);
    assert_int_equal(json_integer_value(json_object_get(q01, "n")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(q01, "counts"), "4")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(q12, "counts"), "3")), 2);
    assert_true(json_real_value(json_object_get(q12, "mean")) == 3.0);
    json_decref(kpi);
    ui_cleanup(&k);
    tu_rmdir(dir);
}

static void test_simulation_on_a_fresh_kiosk_waits_for_the_survey(void **state)
{
    (void)state;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct tu_server srv;
    struct ui_kiosk k;
    assert_int_equal(tu_tempdir("ui-collector-sim", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    assert_int_equal(tu_server_start(&srv, db, NULL), 0);
    assert_int_equal(ui_init_collector(&k, "ui-collector-sim-kiosk", srv.url, token), 0);
    const char *extra[] = {"--simulate", "3", "--seed", "5", "--drain", "20", NULL};
    int rc = ui_run(&k, NULL, NULL, extra); /* no --survey: it comes from the collector */
    tu_server_stop(&srv);
    assert_int_equal(rc, 0);
    char out[TU_OUTPUT_MAX], err[1024];
    assert_int_equal(tu_release(db, 2024), 1); /* figures come only from a release */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", db,
                                  "--fiscal-year", "2024", "--format", "json", "--min-group-size",
                                  "2", NULL),
                     0);
    json_t *kpi = json_loads(out, 0, NULL);
    assert_non_null(kpi);
    assert_int_equal(json_integer_value(json_object_get(kpi, "respondents")), 3);
    json_decref(kpi);
    ui_cleanup(&k);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survey_arrives_and_answer_reaches_kpi),
        cmocka_unit_test(test_simulation_on_a_fresh_kiosk_waits_for_the_survey),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
