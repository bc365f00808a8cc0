/* Issue 11 through the real kiosk UI and a real collector: the collector's
 * key reaches a kiosk installed from a survey file with the survey (until
 * then the survey cannot start), answers are sealed at submit and arrive as
 * format-2 batches exactly once; a kiosk whose pinned key differs from the
 * collector's sends nothing and says so on the maintenance screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "app.h"
#include "crypto.h"
#include "helper_ui.h"
#include "kiosk_store.h"
#include "seal.h"

#define WAIT_S      30 /* real seconds for the sync thread to act */
#define RESPONDENTS 3
#define MAX_BATCHES 8

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One respondent: option n of the attribute, point n of every question. */
static void answer_once(struct app *a, int n)
{
    const struct survey *s = app_survey(a);
    assert_non_null(s);
    int before = app_stored(a);
    ui_tap(a, ACTION_START, 0);
    for (size_t i = 0; i < s->n_attributes + s->n_questions; i++) {
        ui_tap(a, ACTION_CHOOSE, i < s->n_attributes ? n % 2 : n % 4);
        app_wait(a, 500);
    }
    assert_int_equal(app_screen(a), SCREEN_CONFIRM);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_stored(a), before + 1);
    ui_tap(a, ACTION_RESTART, 0);
}

/* Runs the UI's virtual clock and real time together until cond holds. */
static bool until(struct app *a, bool (*cond)(struct app *, const struct ui_kiosk *),
                  const struct ui_kiosk *k)
{
    double deadline = tu_now() + WAIT_S;
    while (tu_now() < deadline) {
        if (cond(a, k))
            return true;
        app_wait(a, 100);
        sleep_ms(50);
    }
    return cond(a, k);
}

static bool on_welcome(struct app *a, const struct ui_kiosk *k)
{
    (void)k;
    return app_screen(a) == SCREEN_WELCOME;
}

static bool all_sealed(struct app *a, const struct ui_kiosk *k)
{
    (void)a;
    return ui_stored(k) == 0 && ui_batches(k, "sealed") >= 1;
}

static bool all_sent(struct app *a, const struct ui_kiosk *k)
{
    (void)a;
    return ui_stored(k) == 0 && ui_batches(k, "sealed") == 0;
}

/* The kiosk's sealed batches: each of format 2, its responses sealed texts;
 * the SHA-256 of each body (what the collector keeps as content_sha256). */
static int kiosk_batches(const struct ui_kiosk *k, char (*sha)[CRYPTO_SHA256_HEX])
{
    struct kiosk_store *st = NULL;
    char err[KSTORE_ERR_LEN], ids[MAX_BATCHES][37];
    assert_int_equal(kiosk_store_open(k->db, &st, NULL, err, sizeof err), 0);
    int n = kiosk_store_list_sealed(st, ids, MAX_BATCHES), total = 0;
    for (int i = 0; i < n; i++) {
        char *body = NULL;
        size_t len = 0;
        assert_int_equal(kiosk_store_batch_body(st, ids[i], &body, &len), 0);
        json_t *b = json_loadb(body, len, 0, NULL);
        assert_int_equal(json_integer_value(json_object_get(b, "format")), 2);
        json_t *rs = json_object_get(b, "responses");
        for (size_t j = 0; j < json_array_size(rs); j++)
            assert_true(json_is_string(json_array_get(rs, j)));
        total += (int)json_array_size(rs);
        crypto_sha256_hex(body, len, sha[i]);
        json_decref(b);
        free(body);
    }
    kiosk_store_close(st);
    assert_int_equal(total, RESPONDENTS);
    return n;
}

static void test_sealed_answers_reach_the_collector_once(void **state)
{
    (void)state;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], listen[32], sql[1024];
    char sha[MAX_BATCHES][CRYPTO_SHA256_HEX];
    struct tu_server srv;
    struct ui_kiosk k;
    snprintf(listen, sizeof listen, "127.0.0.1:%d", tu_free_port());
    const char *extra[] = {"--listen", listen, NULL};
    assert_int_equal(tu_fixture_start(&srv, "ui-sealed", dir, db, sizeof db, token, NULL, extra),
                     0);
    assert_int_equal(ui_init_collector(&k, "ui-sealed-kiosk", srv.url, token), 0);
    assert_int_equal(ui_conf_set(&k, "max_backoff_s", "1"), 0);

    /* Installed from a file, no key yet: the survey cannot start. */
    struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, "1080x1920");
    assert_int_equal(app_screen(a), SCREEN_NO_SURVEY);
    assert_true(app_text_shown(a, "アンケートをまだ開始できません。"));
    ui_shot_or_fail(a, "sealed-no-key-1080x1920.bmp");
    /* The key comes with the survey from the collector. */
    assert_true(until(a, on_welcome, &k));

    /* The collector goes down; the answers are sealed and wait. */
    assert_int_equal(tu_server_stop(&srv), 0);
    for (int r = 0; r < RESPONDENTS; r++)
        answer_once(a, r);
    assert_true(until(a, all_sealed, &k));
    int n = kiosk_batches(&k, sha);

    /* Back up: each batch arrives once, as the kiosk sealed it. */
    assert_int_equal(tu_server_start(&srv, db, extra), 0);
    assert_true(until(a, all_sent, &k));
    app_close(a);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), RESPONDENTS);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), n);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM batches WHERE content_sha256 = '%s'",
                 sha[i]);
        assert_int_equal(tu_db_count(db, sql), 1);
    }
    ui_cleanup(&k);
    assert_int_equal(tu_fixture_stop(&srv, dir), 0);
}

static void key_id_of(const char *text, char out[SEAL_KEY_ID_LEN])
{
    unsigned char pk[SEAL_KEY_BYTES];
    assert_int_equal(seal_pk_from_text(text, pk), 0);
    seal_key_id(pk, out);
}

static bool tried(struct app *a, const struct ui_kiosk *k)
{
    return ui_batches(k, "sealed") == 1 && app_stored(a) == 1;
}

static void test_pinned_key_that_differs_sends_nothing(void **state)
{
    (void)state;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    char out[512], err[512], pin_id[SEAL_KEY_ID_LEN], got_id[SEAL_KEY_ID_LEN], want[512];
    struct tu_server srv;
    struct ui_kiosk k;
    assert_int_equal(tu_fixture_start(&srv, "ui-pin", dir, db, sizeof db, token, NULL, NULL), 0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", db, NULL), 0);
    key_id_of(tu_chomp(out), got_id);
    key_id_of(UI_TEST_COLLECTOR_KEY, pin_id);
    assert_string_not_equal(pin_id, got_id);
    assert_int_equal(ui_init_collector(&k, "ui-pin-kiosk", srv.url, token), 0);
    assert_int_equal(ui_conf_set(&k, "collector_key", UI_TEST_COLLECTOR_KEY), 0);
    assert_int_equal(ui_conf_set(&k, "max_backoff_s", "1"), 0);

    struct app *a = ui_open_or_fail(&k, UI_GOSHOGAWARA, "1080x1920");
    assert_int_equal(app_screen(a), SCREEN_WELCOME); /* the pinned key seals */
    answer_once(a, 1);
    assert_true(until(a, tried, &k));
    for (int i = 0; i < 30; i++) { /* a few more rounds (real seconds) */
        app_wait(a, 100);
        sleep_ms(100);
    }
    ui_open_maintenance(a);
    app_wait(a, 2500); /* maintenance polls the status */
    snprintf(want, sizeof want,
             "最後のエラー：集計サーバーの鍵が設定と一致しません（設定 %s、サーバー %s）。"
             "アンケートを更新せず、回答を送信しません",
             pin_id, got_id);
    if (!app_text_shown(a, want))
        fail_msg("maintenance does not show: %s", want);
    ui_shot_or_fail(a, "sealed-key-mismatch-1080x1920.bmp");
    app_close(a);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), 0);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 0);
    assert_int_equal(ui_batches(&k, "sealed"), 1); /* kept, not quarantined */
    assert_int_equal(ui_batches(&k, "quarantined"), 0);
    assert_false(tu_server_log_has(&srv, "/api/v1/batches"));
    ui_cleanup(&k);
    assert_int_equal(tu_fixture_stop(&srv, dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sealed_answers_reach_the_collector_once),
        cmocka_unit_test(test_pinned_key_that_differs_sends_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
