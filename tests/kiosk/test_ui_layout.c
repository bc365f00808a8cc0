/* Every screen of every sample survey (every .json file in shared/surveys) at 1280x800
 * (10.1"), 1920x1080 and 1080x1920 (21.5") lays out with every text inside
 * its box and at its floor in mm, every box on the screen, through the real
 * kiosk headless (maintenance also with quarantined batches, which adds a
 * button); screenshots of every screen at 1920x1080 and 1080x1920 go to
 * TEST_OUTPUT_DIR/kiosk/. A survey too long for a panel at the floors is
 * reported by the layout check, never clipped. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <glob.h>

#include "helper_ui.h"
#include "survey.h"

#define SHOTS_DIR TEST_OUTPUT_DIR "/kiosk"

static const char *const SIZES[] = {"1280x800", "1920x1080", "1080x1920"};
static const char *const INCHES[] = {"10.1", "21.5", "21.5"};

/* A survey that pushes the layout: a long statement, an 11-point scale
 * with long labels, an attribute with many long options. */
static const char *STRESS_SURVEY =
    "{\"id\": \"stress\", \"version\": 3, \"title\": "
    "\"とても長い題名のアンケート：職場環境と人材育成とワーク・ライフ・バランスについて\","
    "\"organization\": \"テスト市役所総務部人事課\", \"intro\": "
    "\"この調査は、職員の皆さんの働き方や職場環境、人材育成の取り組みについて、率直なご意見を"
    "お聞きするものです。設問は全部で二つです。\", \"privacy_note\": "
    "\"回答は匿名で集計され、個人が特定されることはありません。お名前や職員番号は記録しません。"
    "人数の少ない集まりの結果は公表しません。\", \"thanks\": "
    "\"ご協力ありがとうございました。いただいたご意見は今後の施策に生かします。\","
    "\"scale\": {\"points\": ["
    "{\"value\": 1, \"label\": \"まったく当てはまらない\"}, {\"value\": 2, \"label\": \"2\"},"
    "{\"value\": 3, \"label\": \"3\"}, {\"value\": 4, \"label\": \"4\"}, {\"value\": 5, "
    "\"label\": \"5\"}, {\"value\": 6, \"label\": \"どちらともいえない\"}, {\"value\": 7, "
    "\"label\": \"7\"}, {\"value\": 8, \"label\": \"8\"}, {\"value\": 9, \"label\": \"9\"}, "
    "{\"value\": 10, \"label\": \"10\"}, {\"value\": 11, \"label\": \"とてもよく当てはまる\"}], "
    "\"favorable_min\": 7},"
    "\"attributes\": [{\"id\": \"dept\", \"text\": \"所属している部署を選んでください。\", "
    "\"options\": [{\"id\": \"a\", \"label\": \"総務部（人事課・職員課）\"}, {\"id\": \"b\", "
    "\"label\": \"企画政策部\"}, {\"id\": \"c\", \"label\": \"市民生活部\"}, {\"id\": \"d\", "
    "\"label\": \"健康福祉部（保健センターを含む）\"}, {\"id\": \"e\", \"label\": \"経済部\"}, "
    "{\"id\": \"f\", \"label\": \"建設部\"}, {\"id\": \"g\", \"label\": \"上下水道部\"}, "
    "{\"id\": \"h\", \"label\": \"教育委員会事務局\"}, {\"id\": \"i\", \"label\": \"消防本部\"}, "
    "{\"id\": \"j\", \"label\": \"議会事務局・行政委員会\"}, {\"id\": \"k\", \"label\": "
    "\"その他・答えたくない\"}], \"optional\": true}],"
    "\"questions\": [{\"id\": \"q01\", \"text\": "
    "\"あなたの職場では、上司や同僚が、あなたの仕事の進め方や考え方を尊重し、困ったときには"
    "立場に関係なく相談に乗ってくれるほか、新しい取り組みに挑戦するための時間や機会が十分に"
    "与えられており、その結果として、市民サービスの向上につながる改善を自分から提案しやすい"
    "雰囲気が、日ごろから「当たり前のこと」として根づいていると感じますか。\"},"
    "{\"id\": \"q02\", \"text\": \"（任意）研修は役に立った。\", \"optional\": true}]}";

/* Every screen a respondent and staff can reach, each checked; shots
 * named PREFIX-SCREEN.bmp when prefix is not NULL. */
static void visit_all(struct ui_kiosk *k, const struct survey *s, const char *prefix)
{
#define CHECK_AND_SHOT(name)                                                                       \
    do {                                                                                           \
        ui_add(k, "expect layout ok");                                                             \
        if (prefix)                                                                                \
            ui_add(k, "shot %s-%s.bmp", prefix, name);                                             \
    } while (0)
    size_t longest = 0;
    for (size_t i = 1; i < s->n_questions; i++) {
        if (strlen(s->questions[i].text) > strlen(s->questions[longest].text))
            longest = i;
    }
    ui_add(k, "expect screen welcome");
    CHECK_AND_SHOT("welcome");
    ui_add(k, "tap @start");
    for (size_t j = 0; j < s->n_attributes; j++) {
        ui_add(k, "expect screen attribute");
        CHECK_AND_SHOT(j == 0 ? "attribute" : "attribute-next");
        ui_add(k, "tap @choose %zu", s->attributes[j].n_options);
        CHECK_AND_SHOT(j == 0 ? "attribute-chosen" : "attribute-next-chosen");
        ui_add(k, "wait 500");
    }
    for (size_t i = 0; i < s->n_questions; i++) {
        ui_add(k, "expect question %s", s->questions[i].id);
        ui_add(k, "expect layout ok");
        if (prefix && i == 0)
            ui_add(k, "shot %s-question.bmp", prefix);
        if (prefix && i == longest)
            ui_add(k, "shot %s-question-longest.bmp", prefix);
        ui_add(k, "tap @choose %zu", 1 + i % s->n_points);
        if (i == 0)
            CHECK_AND_SHOT("question-chosen");
        ui_add(k, "wait 500");
    }
    ui_add(k, "expect screen confirm");
    CHECK_AND_SHOT("confirm");
    ui_add(k, "wait 61000");
    ui_add(k, "expect screen idle");
    CHECK_AND_SHOT("idle");
    ui_add(k, "tap @continue");
    ui_add(k, "tap @send");
    ui_add(k, "expect screen thanks");
    CHECK_AND_SHOT("thanks");
    ui_add(k, "tap @restart");
    ui_add(k, "press 0.01 0.01 2500");
    ui_add(k, "expect screen pin");
    ui_add(k, "tap @digit 5");
    ui_add(k, "tap @ok");
    ui_add(k, "tap @digit 1");
    ui_add(k, "tap @digit 2");
    CHECK_AND_SHOT("pin");
    ui_add(k, "tap @digit 3");
    ui_add(k, "tap @digit 4");
    ui_add(k, "tap @ok");
    ui_add(k, "expect screen maintenance");
    CHECK_AND_SHOT("maintenance");
    ui_add(k, "tap @leave");
    ui_add(k, "expect screen welcome");
    ui_add(k, "expect stored 1");
#undef CHECK_AND_SHOT
}

static bool shots_wanted(const char *size)
{
    return strcmp(size, "1280x800") != 0;
}

static void layout_survey(const char *file, const char *too_long)
{
    struct survey *s = NULL;
    char why[SURVEY_ERR_LEN];
    if (survey_load_file(file, &s, why, sizeof why) != SURVEY_OK)
        fail_msg("%s: %s", file, why);
    for (size_t r = 0; r < sizeof SIZES / sizeof SIZES[0]; r++) {
        struct ui_kiosk *k = malloc(sizeof *k);
        char prefix[TU_PATH_MAX];
        assert_int_equal(ui_init(k, "ui-layout", 60), 0);
        assert_int_equal(ui_conf_set(k, "screen_inches", INCHES[r]), 0);
        snprintf(prefix, sizeof prefix, "%s/%s-%s", SHOTS_DIR, s->id, SIZES[r]);
        visit_all(k, s, shots_wanted(SIZES[r]) ? prefix : NULL);
        int rc = ui_run(k, file, SIZES[r], NULL);
        if (too_long && strcmp(SIZES[r], too_long) == 0) {
            /* The 11 long departments need more than a 10-inch panel holds at
             * 4.8 mm: the check names the label instead of clipping it. */
            assert_int_equal(rc, APP_EXIT_EXPECT);
            assert_non_null(strstr(k->err, "does not fit"));
            assert_non_null(strstr(k->err, "部"));
        } else if (rc != 0) {
            fail_msg("%s at %s: %s", s->id, SIZES[r], k->err);
        }
        ui_cleanup(k);
        free(k);
    }
    survey_free(s);
}

static void test_every_screen_of_the_sample_surveys_fits(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(SURVEYS_DIR "/*.json", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 2); /* Goshogawara and Kamaishi */
    for (size_t i = 0; i < g.gl_pathc; i++)
        layout_survey(g.gl_pathv[i], NULL);
    globfree(&g);
}

static void test_long_texts_shrink_and_never_clip(void **state)
{
    (void)state;
    struct ui_kiosk *k = malloc(sizeof *k);
    char file[TU_PATH_MAX + 32];
    assert_int_equal(ui_init(k, "ui-stress", 60), 0);
    snprintf(file, sizeof file, "%s/stress.json", k->dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(STRESS_SURVEY, f);
    fclose(f);
    layout_survey(file, "1280x800");
    ui_cleanup(k);
    free(k);
}

/* The quiet screens: no survey cached, and a store that cannot open. */
static void test_notice_screens_fit(void **state)
{
    (void)state;
    for (size_t r = 0; r < sizeof SIZES / sizeof SIZES[0]; r++) {
        struct ui_kiosk *k = malloc(sizeof *k);
        assert_int_equal(ui_init(k, "ui-notice", 60), 0);
        ui_add(k, "expect screen no_survey");
        ui_add(k, "expect layout ok");
        if (shots_wanted(SIZES[r]))
            ui_add(k, "shot %s/notice-%s-no_survey.bmp", SHOTS_DIR, SIZES[r]);
        assert_int_equal(ui_run(k, NULL, SIZES[r], NULL), 0);
        /* A db in a folder that does not exist: the store cannot open. */
        char conf[TU_PATH_MAX * 2];
        snprintf(conf, sizeof conf,
                 "collector_url = http://127.0.0.1:9\ntoken = t0123456789abcdef\n"
                 "db = %s/missing/kiosk.db\nmaintenance_pin = 1234\n",
                 k->dir);
        FILE *f = fopen(k->conf, "w");
        assert_non_null(f);
        fputs(conf, f);
        fclose(f);
        k->len = 0;
        ui_add(k, "expect screen error");
        ui_add(k, "expect layout ok");
        if (shots_wanted(SIZES[r]))
            ui_add(k, "shot %s/notice-%s-error.bmp", SHOTS_DIR, SIZES[r]);
        ui_add(k, "press 0.01 0.01 2500"); /* staff can still reach maintenance */
        ui_add(k, "expect screen pin");
        assert_int_equal(ui_run(k, NULL, SIZES[r], NULL), 0);
        ui_cleanup(k);
        free(k);
    }
}

/* Maintenance with refused batches: the "隔離分を再送" button joins the
 * row (two rows in portrait), with a long error from the collector. */
static void test_maintenance_with_quarantined_batches_fits(void **state)
{
    (void)state;
    for (size_t r = 0; r < sizeof SIZES / sizeof SIZES[0]; r++) {
        struct ui_kiosk *k = malloc(sizeof *k);
        assert_int_equal(ui_init(k, "ui-quarantined", 60), 0);
        assert_int_equal(ui_quarantine(k, UI_GOSHOGAWARA, 3, 422,
                                       "survey \"goshogawara-staff\" version 1 was never "
                                       "published on this collector; publish it or let the kiosk "
                                       "fetch the active survey"),
                         0);
        ui_add(k, "expect screen welcome");
        ui_add(k, "press 0.01 0.01 2500");
        ui_add(k, "expect screen pin");
        for (int d = 1; d <= 4; d++)
            ui_add(k, "tap @digit %d", d);
        ui_add(k, "tap @ok");
        ui_add(k, "expect screen maintenance");
        ui_add(k, "expect layout ok");
        ui_add(k, "shot %s/maintenance-quarantined-%s.bmp", SHOTS_DIR, SIZES[r]); /* all three */
        ui_add(k, "tap @sync"); /* still there among four */
        ui_add(k, "expect layout ok");
        if (r == 0) /* the script's name for the button; elsewhere only look */
            ui_add(k, "tap @requeue");
        ui_add(k, "tap @leave");
        ui_add(k, "expect screen welcome");
        int rc = ui_run(k, UI_GOSHOGAWARA, SIZES[r], NULL);
        if (rc != 0)
            fail_msg("at %s: %s", SIZES[r], k->err);
        /* Looking changes nothing; the tap puts all three back in the queue
         * (the collector is unreachable here, so they stay there). */
        assert_int_equal(ui_batches(k, "quarantined"), r == 0 ? 0 : 3);
        assert_int_equal(ui_batches(k, "sealed"), r == 0 ? 3 : 0);
        ui_cleanup(k);
        free(k);
    }
}

static int make_shots_dir(void **state)
{
    (void)state;
    mkdir(TEST_OUTPUT_DIR, 0755);
    return mkdir(SHOTS_DIR, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_screen_of_the_sample_surveys_fits),
        cmocka_unit_test(test_long_texts_shrink_and_never_clip),
        cmocka_unit_test(test_notice_screens_fit),
        cmocka_unit_test(test_maintenance_with_quarantined_batches_fits),
    };
    return cmocka_run_group_tests(tests, make_shots_dir, NULL);
}
