/* Requeueing quarantined batches from the maintenance screen, end to end:
 * the real kiosk UI in this process (SDL's dummy driver, virtual clock,
 * taps through SDL's queue) with a real collector on loopback. A response
 * to a survey version the collector never saw is quarantined; once the
 * version is published there, staff tap "隔離分を再送" and it is stored
 * exactly once. The button exists only while something is quarantined. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "app.h"
#include "helper_ui.h"

#define WAIT_S        30 /* real seconds for the sync thread to act */
#define REQUEUE_LABEL "隔離分を再送"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void assert_layout_ok(const struct app *a)
{
    char why[512];
    if (!app_layout_ok(a, why, sizeof why))
        fail_msg("layout: %s", why);
}

/* Runs the UI's virtual clock and real time together until the kiosk's
 * store holds want batches in state, or WAIT_S pass. */
static bool wait_batches(struct app *a, const struct ui_kiosk *k, const char *state, long long want)
{
    double deadline = tu_now() + WAIT_S;
    while (tu_now() < deadline) {
        if (ui_batches(k, state) == want)
            return true;
        app_wait(a, 100);
        sleep_ms(50);
    }
    return ui_batches(k, state) == want;
}

static bool wait_collector(const char *db, const char *sql, long long want)
{
    double deadline = tu_now() + WAIT_S;
    while (tu_now() < deadline) {
        if (tu_db_count(db, sql) == want)
            return true;
        sleep_ms(100);
    }
    return false;
}

/* survey.json with "version": 1 made 2: a version the collector never saw. */
static void write_v2(const char *path)
{
    FILE *in = fopen(UI_GOSHOGAWARA, "r");
    assert_non_null(in);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    char *v = strstr(text, "\"version\": 1,");
    assert_non_null(v);
    v[11] = '2';
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    assert_int_equal(fputs(text, out) >= 0, 1);
    assert_int_equal(fclose(out), 0);
}

/* The config's sync rounds an hour apart: only "sync now" and requeueing
 * make one come sooner. */
static void hourly_sync(const struct ui_kiosk *k)
{
    char text[4096];
    FILE *f = fopen(k->conf, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, "sync_interval_s = 1\n");
    assert_non_null(at);
    f = fopen(k->conf, "w");
    assert_non_null(f);
    fprintf(f, "%.*ssync_interval_s = 3600\n%s", (int)(at - text), text,
            at + strlen("sync_interval_s = 1\n"));
    assert_int_equal(fclose(f), 0);
}

/* One respondent through the UI: start, the first option, every question. */
static void answer_once(struct app *a)
{
    const struct survey *s = app_survey(a);
    assert_non_null(s);
    ui_tap(a, ACTION_START, 0);
    for (size_t i = 0; i < s->n_attributes + s->n_questions; i++) {
        ui_tap(a, ACTION_CHOOSE, 0);
        app_wait(a, 500);
    }
    assert_int_equal(app_screen(a), SCREEN_CONFIRM);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_stored(a), 1);
    ui_tap(a, ACTION_RESTART, 0);
}

/* The kiosk log written while stderr went to path. */
static void read_log(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, len - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
}

static void test_requeue_after_publishing_delivers_once(void **state)
{
    (void)state;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    char v2[TU_PATH_MAX + 32], log_path[TU_PATH_MAX + 32], log[8192], out[1024], err[1024];
    struct tu_server srv;
    struct ui_kiosk k;
    assert_int_equal(tu_fixture_start(&srv, "ui-requeue", dir, db, sizeof db, token, NULL, NULL),
                     0);
    assert_int_equal(ui_init_collector(&k, "ui-requeue-kiosk", srv.url, token), 0);
    snprintf(v2, sizeof v2, "%s/goshogawara-v2.json", k.dir);
    snprintf(log_path, sizeof log_path, "%s/stderr.txt", k.dir);
    write_v2(v2);
    hourly_sync(&k);
    /* Installed from a file before any sync: the key comes from the config. */
    assert_int_equal(ui_pin_collector_key(&k, db), 0);

    /* The kiosk still carries version 2 on screen when the respondent
     * starts: the sync thread only replaces it on the welcome screen. */
    struct app *a = ui_open_or_fail(&k, v2, "1080x1920");
    assert_int_equal(app_survey(a)->version, 2);
    answer_once(a);
    /* Rounds come only when asked (the interval is an hour): "sync now"
     * sends the batch, the collector refuses it for good. */
    ui_open_maintenance(a);
    ui_tap(a, ACTION_SYNC_NOW, 0);
    assert_true(wait_batches(a, &k, "quarantined", 1));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), 0);
    assert_true(tu_server_log_has(&srv, "422"));
    app_wait(a, 2500); /* maintenance polls the status */
    assert_int_equal(app_screen(a), SCREEN_MAINTENANCE);
    assert_true(app_text_shown(a, "隔離されたバッチ：1 件"));
    assert_true(app_text_shown(a, REQUEUE_LABEL));
    assert_layout_ok(a);
    ui_shot_or_fail(a, "requeue-quarantined-1080x1920.bmp"); /* with the collector's own refusal */

    /* The admin publishes version 2 (dated like version 1, so that the
     * kiosk's month fits its window); the batch stays quarantined until
     * staff act. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "survey", "publish", v2, "--db",
                                  db, "--date", TU_PUBLISHED_ON, NULL),
                     0);
    app_wait(a, 2500);
    assert_int_equal(ui_batches(&k, "quarantined"), 1);
    assert_true(app_text_shown(a, REQUEUE_LABEL));

    fflush(stderr);
    int saved = dup(2), fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    ui_tap(a, ACTION_REQUEUE, 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    read_log(log_path, log, sizeof log);
    assert_non_null(strstr(log, "kiosk: maintenance: 1 quarantined batches requeued"));

    /* At once: nothing quarantined on screen, and no button for it. */
    assert_int_equal(app_screen(a), SCREEN_MAINTENANCE);
    assert_true(app_text_shown(a, "隔離されたバッチ：0 件"));
    assert_false(app_text_shown(a, REQUEUE_LABEL));
    int x, y;
    assert_false(app_button_center(a, ACTION_REQUEUE, 0, &x, &y));
    assert_layout_ok(a);

    /* The woken sync thread (no round was due for an hour) delivers it:
     * stored once, gone from the kiosk. */
    assert_true(wait_collector(db, "SELECT count(*) FROM batches", 1));
    assert_true(wait_batches(a, &k, "sealed", 0));
    assert_true(app_drain(a, 10));
    app_wait(a, 2500); /* maintenance polls the status */
    assert_int_equal(app_screen(a), SCREEN_MAINTENANCE);
    assert_true(app_text_shown(a, "送信待ちのバッチ：0 件"));
    assert_true(app_text_shown(a, "隔離されたバッチ：0 件"));
    assert_true(app_text_shown(a, "最後のエラー：なし")); /* the refusal is dealt with */
    assert_false(app_text_shown(a, REQUEUE_LABEL));
    app_close(a);

    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), 1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches WHERE survey_version = 2"), 1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 1);
    assert_int_equal(ui_batches(&k, "quarantined"), 0);
    assert_int_equal(ui_batches(&k, "sealed"), 0);
    ui_cleanup(&k);
    assert_int_equal(tu_fixture_stop(&srv, dir), 0);
}

/* Without a collector (a closed port): the button follows the store. */
static void test_button_only_while_quarantined(void **state)
{
    (void)state;
    static const char *const sizes[] = {"1280x800", "1920x1080", "1080x1920"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct ui_kiosk k;
        int x, y;
        assert_int_equal(ui_init(&k, "ui-requeue-none", 60), 0);
        struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, sizes[i]);
        ui_open_maintenance(a);
        assert_true(app_text_shown(a, "隔離されたバッチ：0 件"));
        assert_false(app_button_center(a, ACTION_REQUEUE, 0, &x, &y));
        assert_true(app_button_center(a, ACTION_SYNC_NOW, 0, &x, &y));
        ui_tap(a, ACTION_LEAVE, 0);
        app_close(a);

        /* Two refused batches: the button is there, and after it none is. */
        assert_int_equal(ui_quarantine(&k, UI_GOSHOGAWARA, 2, 422, "unknown_survey"), 0);
        a = ui_open_or_fail(&k, UI_GOSHOGAWARA, sizes[i]);
        ui_open_maintenance(a);
        assert_true(app_text_shown(a, "隔離されたバッチ：2 件"));
        assert_layout_ok(a);
        ui_tap(a, ACTION_REQUEUE, 0);
        assert_true(app_text_shown(a, "隔離されたバッチ：0 件"));
        assert_false(app_button_center(a, ACTION_REQUEUE, 0, &x, &y));
        assert_layout_ok(a);
        app_close(a);
        /* Back in the queue (the collector is unreachable, so they wait there). */
        assert_int_equal(ui_batches(&k, "quarantined"), 0);
        assert_int_equal(ui_batches(&k, "sealed"), 2);
        ui_cleanup(&k);
    }
}

int main(void)
{
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_button_only_while_quarantined),
        cmocka_unit_test(test_requeue_after_publishing_delivers_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
