/* The kiosk's UI paths, end to end: the real kiosk program headless with
 * scripted taps and keys on a virtual clock, its real SQLite store read
 * back through kiosk_store. Full path, back, skip, idle reset, keys,
 * maintenance, the survey period and bad options. */
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
#include <jansson.h>

#include "helper_ui.h"
#include "kclock.h"
#include "kiosk_store.h"
#include "survey.h"

#define GOSHO_QUESTIONS 12

/* A small survey with an optional question and a period, for skip and
 * no_survey. */
static const char *TINY_SURVEY =
    "{\"id\": \"tiny\", \"version\": 1, \"title\": \"小さなアンケート\", \"organization\": "
    "\"テスト市\", \"period\": {\"from\": \"2025-02-01\", \"to\": \"2025-02-28\"},"
    "\"intro\": \"テスト用です。\", \"privacy_note\": \"匿名です。\", \"thanks\": "
    "\"ありがとうございました。\","
    "\"scale\": {\"points\": [{\"value\": 4, \"label\": \"そう思う\"}, {\"value\": 3, \"label\": "
    "\"まあそう思う\"}, {\"value\": 2, \"label\": \"あまりそう思わない\"}, {\"value\": 1, "
    "\"label\": \"そう思わない\"}], \"favorable_min\": 3},"
    "\"attributes\": [{\"id\": \"employment\", \"text\": \"任用形態は？\", \"options\": [{\"id\": "
    "\"regular\", \"label\": \"正職員\"}, {\"id\": \"kaikei\", \"label\": \"会計年度任用職員\"}], "
    "\"optional\": true}],"
    "\"questions\": [{\"id\": \"q01\", \"text\": \"職場は働きやすい。\"}, {\"id\": \"q02\", "
    "\"text\": \"（任意）研修は役に立った。\", \"optional\": true}]}";

static void tiny_survey(const struct ui_kiosk *k, char *path)
{
    ui_write_survey(k, "tiny.json", TINY_SURVEY, path);
}

/* Start, the attribute (option opt, 1-based), then every question with
 * the point at position point (1-based); ends on confirm. */
static void answer_all(struct ui_kiosk *k, int n_questions, int opt, int point)
{
    ui_add(k, "tap @start");
    ui_add(k, "expect screen attribute");
    ui_add(k, "tap @choose %d", opt);
    ui_add(k, "wait 500");
    for (int i = 1; i <= n_questions; i++) {
        ui_add(k, "expect screen question");
        ui_add(k, "expect question q%02d", i);
        ui_add(k, "tap @choose %d", point);
        ui_add(k, "wait 500");
    }
    ui_add(k, "expect screen confirm");
}

static void test_full_path_stores_exactly_one_response(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-full", 60), 0);
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "expect stored 0");
    ui_add(&k, "tap 0.5 0.85"); /* the start button, by its place on the screen */
    ui_add(&k, "expect screen attribute");
    ui_add(&k, "tap @back");
    ui_add(&k, "expect screen welcome");
    answer_all(&k, GOSHO_QUESTIONS, 1, 2);
    ui_add(&k, "expect stored 0");
    ui_add(&k, "tap @send");
    ui_add(&k, "expect screen thanks");
    ui_add(&k, "expect stored 1");
    ui_add(&k, "wait 7000");
    ui_add(&k, "expect screen welcome");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    assert_int_equal(ui_stored(&k), 1);
    ui_cleanup(&k);
}

static void test_back_shows_earlier_choice(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-back", 60), 0);
    ui_add(&k, "tap @start");
    ui_add(&k, "tap @choose 2");
    ui_add(&k, "expect selected kaikei");
    ui_add(&k, "wait 500");
    ui_add(&k, "expect question q01");
    ui_add(&k, "expect selected none");
    ui_add(&k, "tap @choose 3"); /* あまりそう思わない = 2 */
    ui_add(&k, "wait 500");
    ui_add(&k, "expect question q02");
    ui_add(&k, "tap @back");
    ui_add(&k, "expect question q01");
    ui_add(&k, "expect selected 2");
    ui_add(&k, "key BackSpace");
    ui_add(&k, "expect screen attribute");
    ui_add(&k, "expect selected kaikei");
    ui_add(&k, "tap @next");
    ui_add(&k, "expect question q01");
    ui_add(&k, "expect selected 2");
    ui_add(&k, "tap @choose 1"); /* a changed mind replaces the choice */
    ui_add(&k, "expect selected 4");
    ui_add(&k, "wait 500");
    ui_add(&k, "expect question q02");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    assert_int_equal(ui_stored(&k), 0);
    ui_cleanup(&k);
}

static void test_skip_on_optional_items_stores_no_answer(void **state)
{
    (void)state;
    struct ui_kiosk k;
    char survey[TU_PATH_MAX + 32];
    assert_int_equal(ui_init(&k, "ui-skip", 60), 0);
    tiny_survey(&k, survey);
    ui_add(&k, "tap @start");
    ui_add(&k, "expect screen attribute");
    ui_add(&k, "tap @skip");
    ui_add(&k, "expect question q01");
    ui_add(&k, "tap @choose 2");
    ui_add(&k, "wait 500");
    ui_add(&k, "expect question q02");
    ui_add(&k, "tap @skip");
    ui_add(&k, "expect screen confirm");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "tap @send");
    ui_add(&k, "expect stored 1");
    assert_int_equal(ui_run(&k, survey, NULL, NULL), 0);
    json_t *r = ui_stored_response(&k);
    json_t *answers = json_object_get(r, "answers");
    assert_int_equal(json_integer_value(json_object_get(answers, "q01")), 3);
    json_t *q02 = json_object_get(answers, "q02");
    assert_true(q02 == NULL || json_is_null(q02));
    json_t *emp = json_object_get(json_object_get(r, "attributes"), "employment");
    assert_true(emp == NULL || json_is_null(emp));
    assert_string_equal(json_string_value(json_object_get(r, "month")), "2025-02");
    json_decref(r);
    ui_cleanup(&k);
}

static void test_required_question_offers_no_skip(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-noskip", 60), 0);
    ui_add(&k, "tap @start");
    ui_add(&k, "tap @skip");
    ui_add(&k, "expect question q01");
    ui_add(&k, "tap @skip"); /* q01 is required: no such button */
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 2);
    assert_non_null(strstr(k.err, "no such button"));
    assert_non_null(strstr(k.err, ":4:")); /* the failing line is named */
    ui_cleanup(&k);
}

static void test_idle_timeout_discards_answers(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-idle", 10), 0);
    answer_all(&k, GOSHO_QUESTIONS, 1, 1);
    ui_add(&k, "wait 9000");
    ui_add(&k, "expect screen confirm");
    ui_add(&k, "wait 1500");
    ui_add(&k, "expect screen idle");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "wait 18000");
    ui_add(&k, "expect screen idle");
    ui_add(&k, "wait 1500");
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "expect stored 0");
    ui_add(&k, "tap @start"); /* nothing of the last respondent is left */
    ui_add(&k, "expect selected none");
    ui_add(&k, "tap @skip");
    ui_add(&k, "expect selected none");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    assert_int_equal(ui_stored(&k), 0);
    ui_cleanup(&k);
}

static void test_idle_prompt_continue_keeps_answers(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-continue", 10), 0);
    ui_add(&k, "tap @start");
    ui_add(&k, "tap @choose 1");
    ui_add(&k, "wait 500");
    ui_add(&k, "tap @choose 4");
    ui_add(&k, "wait 10500");
    ui_add(&k, "expect screen idle");
    ui_add(&k, "tap @continue");
    ui_add(&k, "expect screen question");
    ui_add(&k, "expect question q02");
    ui_add(&k, "tap @back");
    ui_add(&k, "expect selected 1");
    ui_add(&k, "wait 10500"); /* the idle time starts again from the last touch */
    ui_add(&k, "expect screen idle");
    ui_add(&k, "key Return");
    ui_add(&k, "expect question q01");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    ui_cleanup(&k);
}

static void test_keys_answer_the_survey(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-keys", 60), 0);
    ui_add(&k, "key Return");
    ui_add(&k, "expect screen attribute");
    ui_add(&k, "key 1");
    ui_add(&k, "expect selected regular");
    ui_add(&k, "wait 500");
    for (int i = 1; i <= GOSHO_QUESTIONS; i++) {
        ui_add(&k, "key %d", 1 + i % 4);
        ui_add(&k, "wait 500");
    }
    ui_add(&k, "key 9"); /* no ninth point: nothing happens */
    ui_add(&k, "expect screen confirm");
    ui_add(&k, "key BackSpace"); /* the review list */
    ui_add(&k, "expect screen review");
    ui_add(&k, "key Return"); /* back to confirm */
    ui_add(&k, "expect screen confirm");
    ui_add(&k, "key Return");
    ui_add(&k, "expect screen thanks");
    ui_add(&k, "expect stored 1");
    ui_add(&k, "key Return");
    ui_add(&k, "expect screen welcome");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    assert_int_equal(ui_stored(&k), 1);
    ui_cleanup(&k);
}

static void test_maintenance_needs_long_press_and_pin(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-maint", 60), 0);
    ui_add(&k, "press 0.01 0.01 600"); /* too short */
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "press 0.5 0.3 3000"); /* not the corner */
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "press 0.01 0.01 2500");
    ui_add(&k, "expect screen pin");
    ui_add(&k, "expect layout ok");
    for (int i = 0; i < 4; i++)
        ui_add(&k, "tap @digit 9");
    ui_add(&k, "tap @ok");
    ui_add(&k, "expect screen pin");
    ui_add(&k, "key 1");
    ui_add(&k, "key 2");
    ui_add(&k, "tap @digit 3");
    ui_add(&k, "tap @digit 4");
    ui_add(&k, "key Return");
    ui_add(&k, "expect screen maintenance");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "tap @sync");
    ui_add(&k, "tap @leave");
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "press 0.01 0.01 2500");
    ui_add(&k, "expect screen pin");
    ui_add(&k, "wait 61000"); /* staff walked away: back to welcome */
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "press 0.01 0.01 2500");
    ui_add(&k, "tap @digit 1");
    ui_add(&k, "tap @digit 2");
    ui_add(&k, "tap @digit 3");
    ui_add(&k, "tap @digit 4");
    ui_add(&k, "tap @ok");
    ui_add(&k, "tap @quit");
    ui_add(&k, "expect screen welcome"); /* never runs: quit ends the program */
    ui_add(&k, "expect screen no_such_screen");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    ui_cleanup(&k);
}

static void test_no_survey_outside_its_period(void **state)
{
    (void)state;
    struct ui_kiosk k;
    char survey[TU_PATH_MAX + 32];
    assert_int_equal(ui_init(&k, "ui-period", 60), 0);
    tiny_survey(&k, survey);
    ui_add(&k, "expect screen welcome"); /* --date 2025-02-10 is inside */
    ui_add(&k, "date 2025-03-01");
    ui_add(&k, "wait 2500");
    ui_add(&k, "expect screen no_survey");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "key Return"); /* nothing to start */
    ui_add(&k, "expect screen no_survey");
    ui_add(&k, "date 2025-02-28");
    ui_add(&k, "wait 2500");
    ui_add(&k, "expect screen welcome");
    assert_int_equal(ui_run(&k, survey, NULL, NULL), 0);
    ui_cleanup(&k);
}

static void test_no_cached_survey_shows_quiet_notice(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-nosurvey", 60), 0);
    ui_add(&k, "expect screen no_survey");
    ui_add(&k, "expect layout ok");
    assert_int_equal(ui_run(&k, NULL, NULL, NULL), 0);
    ui_cleanup(&k);
}

static void test_idle_welcome_draws_no_frames(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-frames", 60), 0);
    ui_add(&k, "count frames");
    ui_add(&k, "wait 60000");
    ui_add(&k, "expect frames 0");
    ui_add(&k, "tap @start");
    ui_add(&k, "expect frames 1");
    ui_add(&k, "count frames");
    ui_add(&k, "wait 90000"); /* idle prompt, 20 s countdown, welcome */
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "expect frames 21");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    ui_cleanup(&k);
}

static void test_bad_options_and_scripts_are_refused(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-bad", 60), 0);
    const char *bad_size[] = {"--size", "banana", NULL};
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, bad_size), 1);
    assert_non_null(strstr(k.err, "--size"));
    int lines = 0;
    for (const char *c = k.err; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1); /* one line that says what is wrong */
    ui_add(&k, "jump 0.5 0.5");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 1);
    assert_non_null(strstr(k.err, "unknown command"));
    assert_int_equal(ui_run(&k, SOURCE_DIR "/README.md", NULL, NULL), 1);
    assert_non_null(strstr(k.err, "--survey"));
    FILE *f = fopen(k.conf, "a");
    assert_non_null(f);
    fputs("idle_timeout = 30\n", f); /* a typo: the key is idle_timeout_s */
    fclose(f);
    k.len = 0;
    k.script[0] = '\0';
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 1);
    assert_non_null(strstr(k.err, "idle_timeout"));
    assert_non_null(strchr(k.err, '\n'));
    assert_null(strchr(strchr(k.err, '\n') + 1, '\n')); /* one line */
    ui_cleanup(&k);
}

/* month, answers and attributes of a response as one sorted JSON text. */
static char *canonical(json_t *r)
{
    json_t *c =
        json_pack("{s:O, s:O, s:O}", "month", json_object_get(r, "month"), "answers",
                  json_object_get(r, "answers"), "attributes", json_object_get(r, "attributes"));
    assert_non_null(c);
    char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(c);
    return text;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The responses of the store's single sealed batch, canonical and sorted. */
static int sealed_responses(const struct ui_kiosk *k, char **out, int max)
{
    struct kiosk_store *st = NULL;
    char err[KSTORE_ERR_LEN], ids[4][37];
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(kiosk_store_open(k->db, &st, NULL, err, sizeof err), 0);
    assert_int_equal(kiosk_store_seal(st, 1, kclock_now(), err, sizeof err), 1);
    assert_int_equal(kiosk_store_list_sealed(st, ids, 4), 1);
    assert_int_equal(kiosk_store_batch_body(st, ids[0], &body, &len), 0);
    kiosk_store_close(st);
    json_t *batch = json_loadb(body, len, 0, NULL);
    free(body);
    json_t *rs = json_object_get(batch, "responses");
    int n = (int)json_array_size(rs);
    assert_true(n <= max);
    for (int i = 0; i < n; i++) {
        json_t *r = ui_open_sealed(json_array_get(rs, (size_t)i));
        assert_non_null(r);
        out[i] = canonical(r);
        json_decref(r);
    }
    json_decref(batch);
    qsort(out, (size_t)n, sizeof *out, cmp_str);
    return n;
}

static void test_simulated_respondents_store_what_they_log(void **state)
{
    (void)state;
    enum { N = 8 };
    struct ui_kiosk k;
    char log[TU_PATH_MAX + 32], line[8192];
    char *logged[N + 1], *stored[N + 1];
    assert_int_equal(ui_init(&k, "ui-simulate", 60), 0);
    snprintf(log, sizeof log, "%s/simulate.jsonl", k.dir);
    const char *extra[] = {"--simulate", "8", "--seed", "7", "--simulate-log", log, NULL};
    assert_int_equal(ui_run(&k, UI_KAMAISHI, NULL, extra), 0);
    assert_int_equal(ui_stored(&k), N);
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    int n = 0;
    while (n <= N && fgets(line, sizeof line, f)) {
        json_t *r = json_loads(line, 0, NULL);
        assert_non_null(r);
        logged[n++] = canonical(r);
        json_decref(r);
    }
    fclose(f);
    assert_int_equal(n, N);
    qsort(logged, N, sizeof *logged, cmp_str);
    assert_int_equal(sealed_responses(&k, stored, N), N);
    for (int i = 0; i < N; i++) {
        assert_string_equal(stored[i], logged[i]); /* what was tapped is what was stored */
        free(stored[i]);
        free(logged[i]);
    }
    ui_cleanup(&k);
}

static void test_drain_without_collector_exits_3(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init_batch(&k, "ui-drain", 60, 1), 0);
    const char *extra[] = {"--simulate", "2", "--drain", "2", NULL};
    double t0 = tu_now();
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, extra), 3);
    assert_true(tu_now() - t0 < 30);
    assert_non_null(strstr(k.err, "not everything was delivered"));
    ui_cleanup(&k);
}

/* Where screenshots for people to look at go (with test_ui_layout's). */
static const char *shots_dir(void)
{
    mkdir(TEST_OUTPUT_DIR, 0755);
    mkdir(TEST_OUTPUT_DIR "/kiosk", 0755);
    return TEST_OUTPUT_DIR "/kiosk";
}

/* Fills the store at db until a response like the UI's (all 4, regular)
 * no longer fits under its current page count. */
static void test_disk_full_keeps_answers_for_staff_and_locks(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-full-disk", 60), 0);
    assert_int_equal(ui_fill_store(k.db), 0);
    int before = ui_stored(&k);
    answer_all(&k, GOSHO_QUESTIONS, 1, 1);
    ui_add(&k, "tap @send");
    ui_add(&k, "expect screen confirm"); /* not thanks: nothing was saved */
    ui_add(&k, "expect stored 0");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "shot %s/extra-1920x1080-confirm-disk-full.bmp", shots_dir());
    ui_add(&k, "wait 61000"); /* the idle timeout: a locked notice, no answer on it */
    ui_add(&k, "expect screen locked");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "shot %s/extra-1920x1080-locked-disk-full.bmp", shots_dir());
    ui_add(&k, "key BackSpace");
    ui_add(&k, "key Return");
    ui_add(&k, "tap 0.5 0.8");
    ui_add(&k, "expect screen locked");
    ui_add(&k, "press 0.01 0.01 2500"); /* staff: the answers wait for them */
    ui_add(&k, "tap @digit 1");
    ui_add(&k, "tap @digit 2");
    ui_add(&k, "tap @digit 3");
    ui_add(&k, "tap @digit 4");
    ui_add(&k, "tap @ok");
    ui_add(&k, "expect screen maintenance");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "shot %s/extra-1920x1080-maintenance-unsaved.bmp", shots_dir());
    ui_add(&k, "tap @resave"); /* the disk is still full: still kept */
    ui_add(&k, "expect screen maintenance");
    ui_add(&k, "expect stored 0");
    ui_add(&k, "tap @leave");
    ui_add(&k, "expect screen locked");
    ui_add(&k, "tap @review"); /* nothing leads to the answers */
    const char *extra[] = {"--store-max-pages", "1", NULL};
    assert_int_equal(ui_run(&k, NULL, NULL, extra), 2);
    assert_non_null(strstr(k.err, "disk is full")); /* logged for staff */
    int last = 0; /* the script got to its last line, which fails as it should */
    for (const char *c = k.script; *c; c++)
        last += *c == '\n';
    char where[32];
    snprintf(where, sizeof where, ":%d: expectation failed", last);
    assert_non_null(strstr(k.err, where));
    assert_int_equal(ui_stored(&k), before);
    ui_cleanup(&k);
}

static void test_damaged_store_is_set_aside_with_a_notice(void **state)
{
    (void)state;
    struct ui_kiosk k;
    assert_int_equal(ui_init(&k, "ui-set-aside", 60), 0);
    FILE *f = fopen(k.db, "w");
    assert_non_null(f);
    fputs("this is not an SQLite database, it was damaged by a power cut", f);
    fclose(f);
    ui_add(&k, "expect screen welcome");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "shot %s/extra-1920x1080-welcome-set-aside.bmp", shots_dir());
    ui_add(&k, "press 0.01 0.01 2500");
    ui_add(&k, "key 1");
    ui_add(&k, "key 2");
    ui_add(&k, "key 3");
    ui_add(&k, "key 4");
    ui_add(&k, "key Return");
    ui_add(&k, "expect screen maintenance");
    ui_add(&k, "expect layout ok");
    ui_add(&k, "shot %s/extra-1920x1080-maintenance-set-aside.bmp", shots_dir());
    ui_add(&k, "key Escape");
    ui_add(&k, "expect screen welcome");
    assert_int_equal(ui_run(&k, UI_GOSHOGAWARA, NULL, NULL), 0);
    assert_non_null(strstr(k.err, "set aside"));
    glob_t g;
    char pattern[TU_PATH_MAX + 32];
    snprintf(pattern, sizeof pattern, "%s/kiosk.db.corrupt-*", k.dir);
    assert_int_equal(glob(pattern, 0, NULL, &g), 0);
    assert_int_equal(g.gl_pathc, 1);
    globfree(&g);
    ui_cleanup(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_path_stores_exactly_one_response),
        cmocka_unit_test(test_back_shows_earlier_choice),
        cmocka_unit_test(test_skip_on_optional_items_stores_no_answer),
        cmocka_unit_test(test_required_question_offers_no_skip),
        cmocka_unit_test(test_idle_timeout_discards_answers),
        cmocka_unit_test(test_idle_prompt_continue_keeps_answers),
        cmocka_unit_test(test_keys_answer_the_survey),
        cmocka_unit_test(test_maintenance_needs_long_press_and_pin),
        cmocka_unit_test(test_no_survey_outside_its_period),
        cmocka_unit_test(test_no_cached_survey_shows_quiet_notice),
        cmocka_unit_test(test_idle_welcome_draws_no_frames),
        cmocka_unit_test(test_bad_options_and_scripts_are_refused),
        cmocka_unit_test(test_simulated_respondents_store_what_they_log),
        cmocka_unit_test(test_drain_without_collector_exits_3),
        cmocka_unit_test(test_disk_full_keeps_answers_for_staff_and_locks),
        cmocka_unit_test(test_damaged_store_is_set_aside_with_a_notice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
