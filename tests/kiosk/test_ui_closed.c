/* A survey the collector closed (`collector survey close`), end to end: the
 * real kiosk UI in this process (SDL's dummy driver, virtual clock) with a
 * real collector on loopback. The kiosk shows the closed screen instead of
 * welcome and takes no new answers, a respondent half-way still finishes,
 * what the store holds is delivered, the close outlasts a restart without
 * the collector, and a survey published afterwards opens the kiosk again.
 * Screenshots go to TEST_OUTPUT_DIR/kiosk/closed-*.bmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "app.h"
#include "helper_ui.h"
#include "kiosk_store.h"
#include "survey.h"

#define WAIT_S       20 /* real seconds for the sync thread to deliver */
#define CLOSED_TITLE "このアンケートは終了しました"
#define CLOSED_STATE "状態：終了（回収済み。新しい回答は受け付けません）"
#define OPEN_STATE   "状態：回答受付中"
#define OFFLINE_URL  "http://127.0.0.1:9" /* a closed port: the collector is gone */

static const char *const SIZES[] = {"800x480", "1280x800", "1920x1080", "1080x1920"};

static void assert_layout_ok(const struct app *a)
{
    char why[512];
    if (!app_layout_ok(a, why, sizeof why))
        fail_msg("layout on %s: %s", screen_name(app_screen(a)), why);
}

/* Start, the first option of the first n items (all of them when n < 0). */
static void answer_items(struct app *a, int n)
{
    const struct survey *s = app_survey(a);
    int all = (int)(s->n_attributes + s->n_questions);
    for (int i = 0; i < (n < 0 ? all : n); i++) {
        ui_tap(a, ACTION_CHOOSE, 0);
        app_wait(a, 500);
    }
}

/* One respondent through the UI, from welcome back to the next welcome. */
static void answer_once(struct app *a)
{
    int before = app_stored(a);
    ui_tap(a, ACTION_START, 0);
    answer_items(a, -1);
    assert_int_equal(app_screen(a), SCREEN_CONFIRM);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_stored(a), before + 1);
    ui_tap(a, ACTION_RESTART, 0);
}

/* The closed screen as a respondent meets it: the words, no button, and a
 * tap where "回答をはじめる" was (and Enter) change nothing. */
static void assert_closed_screen(struct app *a, int start_x, int start_y)
{
    int x, y, stored = app_stored(a);
    assert_int_equal(app_screen(a), SCREEN_CLOSED);
    assert_true(app_text_shown(a, CLOSED_TITLE));
    assert_false(app_button_center(a, ACTION_START, 0, &x, &y));
    assert_layout_ok(a);
    app_tap(a, start_x, start_y);
    app_key(a, SDLK_RETURN);
    app_key(a, SDLK_1);
    app_wait(a, 500);
    assert_int_equal(app_screen(a), SCREEN_CLOSED);
    assert_int_equal(app_stored(a), stored);
}

static long long collector_responses(const char *db, int version)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM responses r JOIN batches b USING(batch_id)"
             " WHERE b.survey_version = %d",
             version);
    return tu_db_count(db, sql);
}

/* The administrator's commands, on the kiosks' calendar day (the
 * collector's test-only clock): the months a version collects follow it. */
static void close_survey(const char *db)
{
    char out[1024], err[1024];
    int rc = tu_collector(out, sizeof out, err, sizeof err, "survey", "close", TU_SURVEY_ID, "--db",
                          db, "--date", UI_IN_PERIOD, NULL);
    if (rc != 0)
        fail_msg("collector survey close exited %d: %s", rc, err);
}

static void publish(const char *db, const char *file)
{
    char out[1024], err[1024];
    int rc = tu_collector(out, sizeof out, err, sizeof err, "survey", "publish", file, "--db", db,
                          "--date", UI_IN_PERIOD, NULL);
    if (rc != 0)
        fail_msg("collector survey publish %s exited %d: %s", file, rc, err);
}

/* The kiosk store's last sync error, for a failure message. */
static void last_error(const struct ui_kiosk *k, char *out, size_t len)
{
    struct kiosk_store *st = NULL;
    struct kiosk_store_status status;
    char err[KSTORE_ERR_LEN];
    snprintf(out, len, "(store unreadable)");
    if (kiosk_store_open(k->db, &st, NULL, err, sizeof err) != 0)
        return;
    kiosk_store_get_status(st, &status);
    snprintf(out, len, "%s", status.last_error);
    kiosk_store_close(st);
}

/* The answers waiting in the store reach the collector (sync rounds,
 * asked for), and the UI looks at the sync status. */
static void deliver(struct app *a, const struct ui_kiosk *k, const char *when)
{
    char why[KSTORE_ERR_LEN];
    if (!app_drain(a, WAIT_S)) {
        last_error(k, why, sizeof why);
        fail_msg("%s: not all delivered: %lld sealed, %lld quarantined; last error: %s", when,
                 ui_batches(k, "sealed"), ui_batches(k, "quarantined"), why);
    }
    app_wait(a, 2500); /* welcome and its siblings poll the sync status */
    assert_int_equal(ui_stored(k), 0);
    assert_int_equal(ui_batches(k, "sealed"), 0);
    assert_int_equal(ui_batches(k, "quarantined"), 0);
}

static void test_closed_survey_takes_no_answers_and_delivers_what_it_holds(void **state)
{
    (void)state;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], v2[TU_PATH_MAX + 32];
    struct tu_server srv;
    struct ui_kiosk k;
    int sx, sy;
    assert_int_equal(tu_fixture_start(&srv, "ui-closed", dir, db, sizeof db, token, NULL, NULL), 0);
    assert_int_equal(ui_init_collector(&k, "ui-closed-kiosk", srv.url, token), 0);
    /* Rounds an hour apart: answers wait in the store until the test asks. */
    assert_int_equal(ui_conf_set(&k, "sync_interval_s", "3600"), 0);
    snprintf(v2, sizeof v2, "%s/goshogawara-v2.json", k.dir);
    assert_int_equal(ui_survey_version(UI_GOSHOGAWARA, 2, v2), 0);

    struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, "1920x1080");
    deliver(a, &k, "first round"); /* the survey from the collector */
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    assert_true(app_button_center(a, ACTION_START, 0, &sx, &sy));
    answer_once(a);
    answer_once(a);
    /* A third respondent is half-way when the close arrives. */
    ui_tap(a, ACTION_START, 0);
    answer_items(a, 5);
    assert_int_equal(app_screen(a), SCREEN_QUESTION);
    assert_int_equal(ui_stored(&k), 2);

    close_survey(db);
    deliver(a, &k, "at the close"); /* the two waiting answers go, the 410 comes */
    assert_int_equal(collector_responses(db, 1), 2);
    /* The respondent keeps the survey on screen, finishes and sends. */
    assert_int_equal(app_screen(a), SCREEN_QUESTION);
    answer_items(a, (int)(app_survey(a)->n_attributes + app_survey(a)->n_questions) - 5);
    assert_int_equal(app_screen(a), SCREEN_CONFIRM);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_stored(a), 3);
    ui_tap(a, ACTION_RESTART, 0);
    /* The next welcome is the closed screen, at once. */
    assert_closed_screen(a, sx, sy);
    assert_true(app_text_shown(a, "五所川原市"));
    assert_true(app_text_shown(a, "ご協力ありがとうございました。"));
    ui_shot_or_fail(a, "closed-1920x1080.bmp");
    deliver(a, &k, "after the close"); /* the late answer is accepted too */
    assert_int_equal(collector_responses(db, 1), 3);
    assert_closed_screen(a, sx, sy);

    ui_open_maintenance(a);
    assert_true(app_text_shown(a, CLOSED_STATE));
    assert_true(app_text_shown(a, "アンケート：goshogawara-staff（版 1）"));
    assert_true(app_text_shown(a, "終了日時：2025-02-10 09:00（日本時間）")); /* midnight UTC */
    assert_true(app_text_shown(a, "最後のエラー：なし"));
    assert_layout_ok(a);
    ui_shot_or_fail(a, "closed-maintenance-1920x1080.bmp");
    ui_tap(a, ACTION_LEAVE, 0);
    assert_int_equal(app_screen(a), SCREEN_CLOSED);
    app_close(a);

    /* A restart without the collector: closed from the store alone. */
    assert_int_equal(ui_conf_set(&k, "collector_url", OFFLINE_URL), 0);
    a = ui_open_or_fail(&k, NULL, "800x480");
    assert_int_equal(app_screen(a), SCREEN_CLOSED);
    app_wait(a, 5000); /* the sync thread fails to reach anyone meanwhile */
    /* Where "回答をはじめる" sits at 800x480: centred, 80 px tall above the 32 px margin. */
    assert_closed_screen(a, 400, 408);
    ui_shot_or_fail(a, "closed-800x480.bmp");
    app_close(a);
    assert_int_equal(ui_stored(&k), 0);

    /* The administrator publishes version 2: the kiosk opens again. */
    publish(db, v2);
    assert_int_equal(ui_conf_set(&k, "collector_url", srv.url), 0);
    a = ui_open_or_fail(&k, NULL, "1920x1080");
    assert_int_equal(app_screen(a), SCREEN_CLOSED); /* until the collector says otherwise */
    deliver(a, &k, "after publishing version 2");
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    assert_int_equal(app_survey(a)->version, 2);
    ui_open_maintenance(a);
    assert_true(app_text_shown(a, OPEN_STATE));
    ui_tap(a, ACTION_LEAVE, 0);
    answer_once(a);
    deliver(a, &k, "an answer to version 2");
    assert_int_equal(collector_responses(db, 2), 1);
    assert_int_equal(collector_responses(db, 1), 3);
    app_close(a);

    ui_cleanup(&k);
    assert_int_equal(tu_fixture_stop(&srv, dir), 0);
}

/* What the collector answers a kiosk asking for the survey without an ETag. */
static long survey_status(const char *url, const char *token)
{
    char target[128], auth[TU_TOKEN_MAX + 16];
    struct tu_response r = {0};
    snprintf(target, sizeof target, "%s/api/v1/survey", url);
    snprintf(auth, sizeof auth, "Bearer %s", token);
    long status = tu_http(&r, "GET", target, auth, NULL, NULL, 0) == 0 ? r.status : 0;
    tu_response_free(&r);
    return status;
}

/* The same version published again comes back with the ETag the kiosk
 * holds; the kiosk must still take it and open (design.md: "Publishing a
 * version again reopens it"). */
static void test_republished_same_version_opens_again(void **state)
{
    (void)state;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct tu_server srv;
    struct ui_kiosk k;
    int sx, sy;
    assert_int_equal(
        tu_fixture_start(&srv, "ui-closed-again", dir, db, sizeof db, token, NULL, NULL), 0);
    assert_int_equal(ui_init_collector(&k, "ui-closed-again-kiosk", srv.url, token), 0);
    assert_int_equal(ui_conf_set(&k, "sync_interval_s", "3600"), 0);
    struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, "1280x800");
    deliver(a, &k, "first round");
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    assert_true(app_button_center(a, ACTION_START, 0, &sx, &sy));
    close_survey(db);
    deliver(a, &k, "at the close");
    assert_closed_screen(a, sx, sy);
    ui_shot_or_fail(a, "closed-1280x800.bmp");
    publish(db, UI_GOSHOGAWARA);
    assert_int_equal(survey_status(srv.url, token), 200); /* publishing reopens it */
    deliver(a, &k, "after publishing again");
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    assert_int_equal(app_survey(a)->version, 1);
    answer_once(a);
    deliver(a, &k, "an answer after reopening");
    assert_int_equal(collector_responses(db, 1), 1);
    app_close(a);
    ui_cleanup(&k);
    assert_int_equal(tu_fixture_stop(&srv, dir), 0);
}

/* Marks the survey in file closed in k's store, as the sync thread does on a 410. */
static void mark_closed(const struct ui_kiosk *k, const char *file, time_t closed_at)
{
    struct kiosk_store *st = NULL;
    struct survey *s = NULL;
    char err[KSTORE_ERR_LEN];
    assert_int_equal(survey_load_file(file, &s, err, sizeof err), SURVEY_OK);
    assert_int_equal(kiosk_store_open(k->db, &st, NULL, err, sizeof err), 0);
    assert_int_equal(kiosk_store_set_closed(st, s->id, s->version, closed_at), 0);
    kiosk_store_close(st);
    survey_free(s);
}

/* One sample survey closed, without a collector, at one size: the closed
 * screen large and whole, a tap where start was does nothing, maintenance
 * says so and when. */
static void closed_at_size(const char *file, const char *size)
{
    struct ui_kiosk k;
    char name[TU_PATH_MAX];
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    int sx, sy;
    assert_int_equal(ui_init(&k, "ui-closed-size", 60), 0);
    struct app *a = ui_open_or_fail(&k, file, size);
    assert_int_equal(app_screen(a), SCREEN_WELCOME);
    assert_true(app_button_center(a, ACTION_START, 0, &sx, &sy));
    app_close(a);
    mark_closed(&k, file, 1796292000); /* 2026-12-03T10:00:00Z */
    a = ui_open_or_fail(&k, file, size);
    assert_closed_screen(a, sx, sy);
    assert_true(app_text_shown(a, app_survey(a)->organization));
    assert_true(app_text_shown(a, app_survey(a)->thanks));
    snprintf(name, sizeof name, "closed-offline-%.*s-%s.bmp", (int)strcspn(base, "."), base, size);
    ui_shot_or_fail(a, name);
    ui_open_maintenance(a);
    assert_true(app_text_shown(a, CLOSED_STATE));
    assert_true(app_text_shown(a, "終了日時：2026-12-03 19:00（日本時間）"));
    assert_layout_ok(a);
    snprintf(name, sizeof name, "closed-maintenance-%.*s-%s.bmp", (int)strcspn(base, "."), base,
             size);
    ui_shot_or_fail(a, name);
    ui_tap(a, ACTION_LEAVE, 0);
    assert_int_equal(app_screen(a), SCREEN_CLOSED);
    app_close(a);
    assert_int_equal(ui_stored(&k), 0);
    ui_cleanup(&k);
}

static void test_closed_screen_fits_every_size(void **state)
{
    (void)state;
    static const char *const files[] = {UI_GOSHOGAWARA, UI_KAMAISHI};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
        for (size_t i = 0; i < sizeof SIZES / sizeof SIZES[0]; i++)
            closed_at_size(files[f], SIZES[i]);
}

int main(void)
{
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_screen_fits_every_size),
        cmocka_unit_test(test_closed_survey_takes_no_answers_and_delivers_what_it_holds),
        cmocka_unit_test(test_republished_same_version_opens_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
