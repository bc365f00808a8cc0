/* Other languages through the real UI: a survey listing languages shows
 * them as large buttons on welcome; the chosen one carries every screen
 * (the survey's texts and the kiosk's own words); the next respondent
 * starts in Japanese; and the language never reaches the response, the
 * sealed batch or the store's batches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "helper_ui.h"
#include "survey.h"

static const char *SURVEY =
    "{\"id\": \"lang\", \"version\": 1, \"languages\": [\"ja\", \"en\", \"ja-easy\"],"
    "\"title\": \"職員アンケート\", \"organization\": \"テスト市\","
    "\"intro\": {\"ja\": \"職場についてお聞きします。\", \"en\": \"A few questions about your "
    "workplace.\", \"ja-easy\": \"しょくばに ついて ききます。\"},"
    "\"privacy_note\": {\"ja\": \"回答は匿名です。\", \"en\": \"Your answers are anonymous.\", "
    "\"ja-easy\": \"なまえは のこりません。\"},"
    "\"thanks\": {\"ja\": \"ありがとうございました。\", \"en\": \"Thank you.\", \"ja-easy\": "
    "\"ありがとう ございました。\"},"
    "\"scale\": {\"points\": [{\"value\": 2, \"label\": {\"ja\": \"そう思う\", \"en\": \"Agree\", "
    "\"ja-easy\": \"そう おもう\"}}, {\"value\": 1, \"label\": {\"ja\": \"そう思わない\", \"en\": "
    "\"Disagree\", \"ja-easy\": \"そう おもわない\"}}], \"favorable_min\": 2},"
    "\"attributes\": [{\"id\": \"employment\", \"text\": {\"ja\": \"任用形態は？\", \"en\": \"Your "
    "employment?\", \"ja-easy\": \"はたらきかたは？\"}, \"options\": [{\"id\": \"regular\", "
    "\"label\": {\"ja\": \"正職員\", \"en\": \"Regular staff\", \"ja-easy\": \"せいしょくいん\"}}, "
    "{\"id\": \"kaikei\", \"label\": {\"ja\": \"会計年度任用職員\", \"en\": \"Fiscal-year "
    "appointee\", \"ja-easy\": \"かいけいねんど にんよう しょくいん\"}}], \"optional\": true}],"
    "\"questions\": [{\"id\": \"q01\", \"text\": {\"ja\": \"職場は働きやすい。\", \"en\": \"My "
    "workplace is easy to work in.\", \"ja-easy\": \"しょくばは はたらきやすいです。\"}}]}";

static void write_survey(const struct ui_kiosk *k, char *path)
{
    ui_write_survey(k, "lang.json", SURVEY, path);
}

static void answer_in(const char *size, int lang, const char *start, const char *statement,
                      const char *send, const char *shot_prefix)
{
    struct ui_kiosk k;
    char file[TU_PATH_MAX + 32], why[512], shot[128];
    assert_int_equal(ui_init_batch(&k, "ui-language", 60, 1), 0);
    write_survey(&k, file);
    struct app *a = ui_open_or_fail(&k, file, size);
    assert_true(app_text_shown(a, "回答をはじめる"));
    assert_true(app_text_shown(a, "English"));
    assert_true(app_text_shown(a, "やさしい にほんご"));
    ui_tap(a, ACTION_LANGUAGE, lang);
    assert_true(app_text_shown(a, start));
    assert_true(app_layout_ok(a, why, sizeof why));
    snprintf(shot, sizeof shot, "%s-%s-welcome.bmp", shot_prefix, size);
    ui_shot_or_fail(a, shot);
    ui_tap(a, ACTION_START, 0);
    ui_tap(a, ACTION_CHOOSE, 1);
    app_await_input(a);
    snprintf(shot, sizeof shot, "%s-%s-question.bmp", shot_prefix, size);
    ui_shot_or_fail(a, shot);
    if (!app_text_shown(a, statement))
        fail_msg("%s: not on the %s screen", statement, screen_name(app_screen(a)));
    assert_true(app_layout_ok(a, why, sizeof why));
    snprintf(shot, sizeof shot, "%s-%s-question.bmp", shot_prefix, size);
    ui_shot_or_fail(a, shot);
    ui_tap(a, ACTION_CHOOSE, 0);
    app_await_input(a);
    assert_true(app_text_shown(a, send));
    snprintf(shot, sizeof shot, "%s-%s-confirm.bmp", shot_prefix, size);
    ui_shot_or_fail(a, shot);
    ui_tap(a, ACTION_SEND, 0);
    assert_int_equal(app_stored(a), 1);
    app_wait(a, 30000); /* thanks, the cooldown: the next person starts in Japanese */
    assert_true(app_text_shown(a, "回答をはじめる"));
    app_close(a);
    /* The response as the collector opens it: month, answers, attributes
     * and nothing else; no trace of the language. */
    json_t *r = ui_stored_response(&k);
    assert_int_equal(json_object_size(r), 3);
    assert_non_null(json_object_get(r, "month"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "answers"), "q01")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "attributes"), "employment")),
        "kaikei");
    char *text = json_dumps(r, JSON_COMPACT);
    assert_null(strstr(text, "\"en\""));
    assert_null(strstr(text, "ja-easy"));
    assert_null(strstr(text, "lang"));
    free(text);
    json_decref(r);
    ui_cleanup(&k);
}

static void test_english_carries_every_screen_and_is_not_stored(void **state)
{
    (void)state;
    answer_in("800x480", 1, "Start", "My workplace is easy to work in.", "Send", "lang-en");
    answer_in("1920x1080", 1, "Start", "My workplace is easy to work in.", "Send", "lang-en");
}

static void test_easy_japanese_carries_every_screen_and_is_not_stored(void **state)
{
    (void)state;
    answer_in("800x480", 2, "はじめる", "しょくばは はたらきやすいです。", "おくる", "lang-easy");
    answer_in("1920x1080", 2, "はじめる", "しょくばは はたらきやすいです。", "おくる", "lang-easy");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_carries_every_screen_and_is_not_stored),
        cmocka_unit_test(test_easy_japanese_carries_every_screen_and_is_not_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
