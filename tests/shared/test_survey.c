/* Unit tests of the survey loader: both sample surveys load, and broken
 * copies of them (made here from the real files) are refused with a
 * message that names the field and the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper_shared.h"
#include "survey.h"

#define GOSHO    SURVEYS_DIR "/goshogawara-staff.json"
#define KAMAISHI SURVEYS_DIR "/kamaishi-wellbeing.json"

/* A minimal valid definition the edits below start from. */
static const char *const minimal =
    "{\"id\": \"s1\", \"version\": 1, \"title\": \"T\","
    " \"scale\": {\"points\": [{\"value\": 4, \"label\": \"a\"}, {\"value\": 3, \"label\": \"b\"},"
    " {\"value\": 2, \"label\": \"c\"}, {\"value\": 1, \"label\": \"d\"}], \"favorable_min\": 3},"
    " \"attributes\": [{\"id\": \"emp\", \"text\": \"E\", \"options\": [{\"id\": \"r\", \"label\": "
    "\"R\"}, {\"id\": \"k\", \"label\": \"K\"}]}],"
    " \"questions\": [{\"id\": \"q1\", \"text\": \"Q1\", \"kpi\": {\"baseline\": 2.5, \"target\": "
    "3}}, {\"id\": \"q2\", \"text\": \"Q2\", \"optional\": true}]}";

/* Loads text, expects code, and checks that the message holds each of the
 * given substrings (NULL-terminated list) and that nothing was returned. */
static void expect_refused(const char *text, size_t len, enum survey_err code, ...)
{
    char err[SURVEY_ERR_LEN] = "";
    struct survey *s = (struct survey *)1;
    enum survey_err rc = survey_load_buffer(text, len, &s, err, sizeof err);
    va_list ap;
    const char *want;

    if (rc != code)
        fail_msg("expected code %d, got %d: %s", code, rc, err);
    assert_null(s);
    assert_true(strncmp(err, "survey: ", 8) == 0);
    va_start(ap, code);
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (strstr(err, want) == NULL)
            fail_msg("message \"%s\" lacks \"%s\"", err, want);
    }
    va_end(ap);
}

/* Applies one edit to the minimal survey and expects refusal. */
static void expect_edit_refused(const char *from, const char *to, enum survey_err code,
                                const char *want1, const char *want2)
{
    char *text = helper_replace(minimal, from, to);
    expect_refused(text, strlen(text), code, want1, want2, (const char *)NULL);
    free(text);
}

static struct survey *load_ok(const char *text)
{
    char err[SURVEY_ERR_LEN] = "";
    struct survey *s = NULL;
    if (survey_load_buffer(text, strlen(text), &s, err, sizeof err) != SURVEY_OK)
        fail_msg("refused: %s", err);
    return s;
}

static void test_survey_loads_goshogawara(void **state)
{
    (void)state;
    char err[SURVEY_ERR_LEN];
    size_t len;
    char *text = helper_read_file(GOSHO, &len);
    struct survey *s = NULL;

    assert_int_equal(survey_load_file(GOSHO, &s, err, sizeof err), SURVEY_OK);
    assert_string_equal(s->id, "goshogawara-staff");
    assert_int_equal(s->version, 1);
    assert_string_equal(s->organization, "五所川原市");
    assert_int_equal(s->n_questions, 12);
    assert_int_equal(s->n_points, 4);
    assert_int_equal(s->scale_min, 1);
    assert_int_equal(s->scale_max, 4);
    assert_int_equal(s->favorable_min, 3);
    const struct survey_question *q01 = survey_find_question(s, "q01");
    assert_non_null(q01);
    assert_true(q01->is_kpi && q01->kpi.has_baseline);
    assert_near(q01->kpi.baseline, 2.88, 1e-12);
    assert_int_equal(q01->kpi.target_kind, SURVEY_TARGET_VALUE);
    assert_near(q01->kpi.target, 3.0, 1e-12);
    const struct survey_question *q05 = survey_find_question(s, "q05");
    assert_int_equal(q05->kpi.target_kind, SURVEY_TARGET_MAINTAIN);
    assert_near(q05->kpi.baseline, 3.40, 1e-12);
    assert_int_equal(s->n_attributes, 1);
    assert_true(s->attributes[0].optional);
    assert_int_equal(s->source_len, len);
    assert_memory_equal(s->source, text, len);
    survey_free(s);
    free(text);
}

static void test_survey_loads_kamaishi(void **state)
{
    (void)state;
    static const char *const categories[] = {
        "関係の質",         "思考の質",   "行動の質",       "結果の質",       "自己実現",
        "1on1ミーティング", "助っ人制度", "学びあい職員塾", "カイゼン発表会", "自分☆再発見"};
    char err[SURVEY_ERR_LEN];
    struct survey *s = NULL;

    if (survey_load_file(KAMAISHI, &s, err, sizeof err) != SURVEY_OK)
        fail_msg("refused: %s", err);
    assert_string_equal(s->id, "kamaishi-wellbeing");
    assert_string_equal(s->organization, "釜石市");
    assert_int_equal(s->n_points, 5);
    assert_int_equal(s->scale_max, 5);
    assert_int_equal(s->favorable_min, 4);
    assert_string_equal(s->points[0].label, "そう思う");
    assert_int_equal(s->points[0].value, 5);
    for (size_t i = 0; i < s->n_questions; i++) {
        const struct survey_question *q = &s->questions[i];
        assert_true(q->is_kpi);
        assert_non_null(q->kpi.label);
        assert_false(q->kpi.has_baseline);
        assert_int_equal(q->kpi.target_kind, SURVEY_TARGET_NONE);
        assert_false(q->optional);
    }
    for (size_t c = 0; c < sizeof categories / sizeof categories[0]; c++) {
        int n = 0;
        for (size_t i = 0; i < s->n_questions; i++)
            n += s->questions[i].category && strcmp(s->questions[i].category, categories[c]) == 0;
        if (n < 1)
            fail_msg("no question in category %s", categories[c]);
    }
    const struct survey_attribute *emp = survey_find_attribute(s, "employment");
    assert_non_null(emp);
    assert_true(emp->optional);
    assert_int_equal(emp->n_options, 2);
    survey_free(s);
}

static void test_survey_rejects_duplicate_question_id_goshogawara(void **state)
{
    (void)state;
    char *text = helper_read_file(GOSHO, NULL);
    char *bad = helper_replace(text, "\"id\": \"q04\"", "\"id\": \"q02\"");
    expect_refused(bad, strlen(bad), SURVEY_E_DUPLICATE, "questions[3]", "\"q02\" is used twice",
                   (const char *)NULL);
    free(bad);
    free(text);
}

static void test_survey_rejects_duplicate_question_id_kamaishi(void **state)
{
    (void)state;
    char *text = helper_read_file(KAMAISHI, NULL);
    char *bad = helper_replace(text, "\"id\": \"q20\"", "\"id\": \"q11\"");
    expect_refused(bad, strlen(bad), SURVEY_E_DUPLICATE, "questions[19]", "\"q11\" is used twice",
                   (const char *)NULL);
    free(bad);
    free(text);
}

static void test_survey_rejects_baseline_outside_scale_goshogawara(void **state)
{
    (void)state;
    char *text = helper_read_file(GOSHO, NULL);
    char *bad = helper_replace(text, "\"baseline\": 3.16", "\"baseline\": 5");
    expect_refused(bad, strlen(bad), SURVEY_E_FIELD, "questions[7] \"q08\"",
                   "kpi.baseline 5 is outside the scale 1..4", (const char *)NULL);
    free(bad);
    free(text);
}

static void test_survey_rejects_baseline_outside_scale_kamaishi(void **state)
{
    (void)state;
    char *text = helper_read_file(KAMAISHI, NULL);
    char *bad = helper_replace(text, "\"kpi\": {", "\"kpi\": {\"baseline\": 6, ");
    expect_refused(bad, strlen(bad), SURVEY_E_FIELD, "questions[0] \"q01\"",
                   "kpi.baseline 6 is outside the scale 1..5", (const char *)NULL);
    free(bad);
    free(text);
}

static void expect_invalid_utf8_refused(const char *path)
{
    size_t len;
    char *text = helper_read_file(path, &len);
    char want[64];
    size_t at = len / 3;
    /* On a character boundary, so that the byte reported is the one changed. */
    while ((text[at] & 0xC0) == 0x80)
        at--;
    text[at] = (char)0xFF; /* never valid anywhere in UTF-8 */
    snprintf(want, sizeof want, "not valid UTF-8 at byte %zu", at);
    expect_refused(text, len, SURVEY_E_UTF8, want, (const char *)NULL);
    free(text);
}

static void test_survey_rejects_invalid_utf8_byte(void **state)
{
    (void)state;
    expect_invalid_utf8_refused(GOSHO);
    expect_invalid_utf8_refused(KAMAISHI);
}

static void test_survey_rejects_truncated_file(void **state)
{
    (void)state;
    const char *paths[] = {GOSHO, KAMAISHI};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *text = helper_read_file(paths[i], &len);
        size_t half = len / 2;
        /* Cut at a character boundary so the JSON error, not UTF-8, is met. */
        while ((text[half] & 0xC0) == 0x80)
            half--;
        expect_refused(text, half, SURVEY_E_JSON, "not valid JSON at line", "column",
                       (const char *)NULL);
        free(text);
    }
}

static void test_survey_rejects_duplicate_attribute_and_option_ids(void **state)
{
    (void)state;
    char *two = helper_replace(
        minimal, "\"attributes\": [",
        "\"attributes\": [{\"id\": \"emp\", \"text\": \"X\", \"options\": [{\"id\": \"a\", "
        "\"label\": \"A\"}]}, ");
    expect_refused(two, strlen(two), SURVEY_E_DUPLICATE, "attributes[1]", "\"emp\" is used twice",
                   (const char *)NULL);
    free(two);
    expect_edit_refused("{\"id\": \"k\", \"label\": \"K\"}", "{\"id\": \"r\", \"label\": \"K\"}",
                        SURVEY_E_DUPLICATE, "attributes[0].options[1]", "\"r\" is used twice");
}

static void test_survey_rejects_duplicate_point_values(void **state)
{
    (void)state;
    expect_edit_refused("{\"value\": 2, \"label\": \"c\"}", "{\"value\": 3, \"label\": \"c\"}",
                        SURVEY_E_DUPLICATE, "scale.points[2]", "value 3 is used twice");
}

static void test_survey_rejects_missing_required_fields(void **state)
{
    (void)state;
    expect_edit_refused("\"id\": \"s1\", ", "", SURVEY_E_FIELD, "id is missing", NULL);
    expect_edit_refused("\"title\": \"T\",", "", SURVEY_E_FIELD, "title is missing", NULL);
    expect_edit_refused("\"version\": 1", "\"version\": 0", SURVEY_E_FIELD, "version 0", NULL);
    expect_edit_refused("\"text\": \"Q1\", ", "", SURVEY_E_FIELD, "questions[0] \"q1\"",
                        "text is missing");
    expect_edit_refused("{\"id\": \"q1\", ", "{", SURVEY_E_FIELD, "questions[0]", "id is missing");
    expect_edit_refused("{\"value\": 4, \"label\": \"a\"}", "{\"value\": 4}", SURVEY_E_FIELD,
                        "scale.points[0]", "label is missing");
    expect_edit_refused("\"favorable_min\": 3", "\"favorable_min\": 3, \"x\": 1", SURVEY_E_FIELD,
                        "unknown field", "scale.x");
}

static void test_survey_rejects_empty_questions_and_short_scale(void **state)
{
    (void)state;
    char text[1024];
    size_t head = (size_t)(strstr(minimal, "\"questions\"") - minimal);
    snprintf(text, sizeof text, "%.*s\"questions\": []}", (int)head, minimal);
    expect_refused(text, strlen(text), SURVEY_E_FIELD, "questions must have 1 to 200 entries",
                   (const char *)NULL);
    expect_edit_refused("{\"value\": 4, \"label\": \"a\"}, {\"value\": 3, \"label\": \"b\"}, "
                        "{\"value\": 2, \"label\": \"c\"}, ",
                        "", SURVEY_E_FIELD, "points must have 2 to 11 entries", NULL);
}

static void test_survey_rejects_wrong_types(void **state)
{
    (void)state;
    expect_edit_refused("\"version\": 1", "\"version\": \"1\"", SURVEY_E_FIELD,
                        "version must be an integer", NULL);
    expect_edit_refused("\"optional\": true", "\"optional\": \"yes\"", SURVEY_E_FIELD,
                        "questions[1] \"q2\"", "optional must be true or false");
    expect_edit_refused("\"title\": \"T\"", "\"title\": 7", SURVEY_E_FIELD,
                        "title must be a string", NULL);
    expect_edit_refused("\"target\": 3", "\"target\": \"keep\"", SURVEY_E_FIELD,
                        "kpi.target must be a number or \"maintain\"", NULL);
    char *text = helper_replace(minimal, "{\"id\": \"s1\"", "[{\"id\": \"s1\"");
    char *arr = helper_replace(text, "\"optional\": true}]}", "\"optional\": true}]}]");
    expect_refused(arr, strlen(arr), SURVEY_E_FIELD, "must be a JSON object", (const char *)NULL);
    free(arr);
    free(text);
}

static void test_survey_rejects_empty_text(void **state)
{
    (void)state;
    expect_edit_refused("\"title\": \"T\"", "\"title\": \"\"", SURVEY_E_FIELD, "title is empty",
                        NULL);
    expect_edit_refused("\"label\": \"b\"", "\"label\": \"\"", SURVEY_E_FIELD, "scale.points[1]",
                        "label is empty");
}

static void test_survey_rejects_target_outside_scale(void **state)
{
    (void)state;
    expect_edit_refused("\"target\": 3", "\"target\": 4.5", SURVEY_E_FIELD,
                        "kpi.target 4.5 is outside the scale 1..4", NULL);
    expect_edit_refused("\"baseline\": 2.5", "\"baseline\": 0.5", SURVEY_E_FIELD,
                        "kpi.baseline 0.5 is outside the scale 1..4", NULL);
}

static void test_survey_rejects_favorable_min_off_scale(void **state)
{
    (void)state;
    expect_edit_refused("\"favorable_min\": 3", "\"favorable_min\": 7", SURVEY_E_FIELD,
                        "favorable_min 7 is not one of the scale's point values", NULL);
}

static void test_survey_accepts_maintain_without_baseline(void **state)
{
    (void)state;
    char *text =
        helper_replace(minimal, "\"baseline\": 2.5, \"target\": 3", "\"target\": \"maintain\"");
    struct survey *s = load_ok(text);
    assert_int_equal(s->questions[0].kpi.target_kind, SURVEY_TARGET_MAINTAIN);
    assert_false(s->questions[0].kpi.has_baseline);
    assert_string_equal(s->questions[0].kpi.label, "Q1"); /* the text stands in */
    survey_free(s);
    free(text);
}

static void test_survey_kpi_without_target_is_none(void **state)
{
    (void)state;
    char *text = helper_replace(minimal, ", \"target\": 3", "");
    struct survey *s = load_ok(text);
    assert_int_equal(s->questions[0].kpi.target_kind, SURVEY_TARGET_NONE);
    assert_true(s->questions[0].kpi.has_baseline);
    assert_false(s->questions[1].is_kpi);
    survey_free(s);
    free(text);
}

static void test_survey_period_checked(void **state)
{
    (void)state;
    const char *ok =
        "\"title\": \"T\", \"period\": {\"from\": \"2025-02-07\", \"to\": \"2025-02-19\"},";
    char *text = helper_replace(minimal, "\"title\": \"T\",", ok);
    struct survey *s = load_ok(text);
    assert_true(s->has_period);
    assert_string_equal(s->period_from, "2025-02-07");
    assert_false(survey_is_running_on(s, "2025-02-06"));
    assert_true(survey_is_running_on(s, "2025-02-07"));
    assert_true(survey_is_running_on(s, "2025-02-19"));
    assert_false(survey_is_running_on(s, "2025-02-20"));
    survey_free(s);
    free(text);

    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"period\": {\"from\": \"2025-02-30\", \"to\": "
                        "\"2025-03-01\"},",
                        SURVEY_E_FIELD, "period.from must be a date written YYYY-MM-DD", NULL);
    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"period\": {\"from\": \"2025-03-01\", \"to\": "
                        "\"2025-02-01\"},",
                        SURVEY_E_FIELD, "period.from 2025-03-01 is after period.to 2025-02-01",
                        NULL);
    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"period\": {\"from\": \"2025-02-01\"},", SURVEY_E_FIELD,
                        "period.to is missing", NULL);
}

static void test_survey_plan_checked(void **state)
{
    (void)state;
    const char *ok = "\"title\": \"T\", \"plan\": {\"name\": \"基本方針\", \"from_fiscal_year\": "
                     "2025, \"to_fiscal_year\": 2029},";
    char *text = helper_replace(minimal, "\"title\": \"T\",", ok);
    struct survey *s = load_ok(text);
    assert_true(s->has_plan);
    assert_string_equal(s->plan.name, "基本方針");
    assert_int_equal(s->plan.from_fiscal_year, 2025);
    assert_int_equal(s->plan.to_fiscal_year, 2029);
    survey_free(s);
    free(text);
    s = load_ok(minimal);
    assert_false(s->has_plan);
    survey_free(s);

    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"plan\": {\"name\": \"P\", \"from_fiscal_year\": 2029,"
                        " \"to_fiscal_year\": 2025},",
                        SURVEY_E_FIELD,
                        "plan.from_fiscal_year 2029 to plan.to_fiscal_year 2025 must be 1 to 10",
                        NULL);
    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"plan\": {\"name\": \"P\", \"from_fiscal_year\": 2020,"
                        " \"to_fiscal_year\": 2030},",
                        SURVEY_E_FIELD, "must be 1 to 10 fiscal years", NULL);
    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"plan\": {\"name\": \"P\", \"from_fiscal_year\": 1999,"
                        " \"to_fiscal_year\": 2001},",
                        SURVEY_E_FIELD, "plan.from_fiscal_year 1999 must be from 2000 to 2099",
                        NULL);
    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"plan\": {\"from_fiscal_year\": 2025,"
                        " \"to_fiscal_year\": 2029},",
                        SURVEY_E_FIELD, "plan.name is missing", NULL);
    expect_edit_refused("\"title\": \"T\",",
                        "\"title\": \"T\", \"plan\": {\"name\": \"P\", \"from\": 2025},",
                        SURVEY_E_FIELD, "name, from_fiscal_year, to_fiscal_year", NULL);
}

static void test_survey_without_period_always_runs(void **state)
{
    (void)state;
    struct survey *s = load_ok(minimal);
    assert_false(s->has_period);
    assert_true(survey_is_running_on(s, "1999-01-01"));
    survey_free(s);
}

static void test_survey_rejects_bad_ids(void **state)
{
    (void)state;
    expect_edit_refused("\"id\": \"q1\"", "\"id\": \"q 1\"", SURVEY_E_FIELD, "id \"q 1\"",
                        "A-Z a-z 0-9 _ -");
    expect_edit_refused("\"id\": \"s1\"", "\"id\": \"\"", SURVEY_E_FIELD, "must be 1 to 64", NULL);
    char long_id[80];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    char to[100];
    snprintf(to, sizeof to, "\"id\": \"%s\"", long_id);
    expect_edit_refused("\"id\": \"q1\"", to, SURVEY_E_FIELD, "must be 1 to 64", NULL);
    memset(long_id, 'a', 64); /* 64 is still fine */
    long_id[64] = '\0';
    snprintf(to, sizeof to, "\"id\": \"%s\"", long_id);
    char *text = helper_replace(minimal, "\"id\": \"q1\"", to);
    survey_free(load_ok(text));
    free(text);
}

static void test_survey_rejects_text_over_cap(void **state)
{
    (void)state;
    size_t n = SURVEY_MAX_TEXT_BYTES + 1;
    char *big = malloc(n + 32);
    memcpy(big, "\"text\": \"", 9);
    memset(big + 9, 'x', n);
    strcpy(big + 9 + n, "\"");
    expect_edit_refused("\"text\": \"Q1\"", big, SURVEY_E_FIELD, "text is 2001 bytes",
                        "longer than the 2000 allowed");
    free(big);
}

static void test_survey_rejects_duplicate_json_keys(void **state)
{
    (void)state;
    expect_edit_refused("\"title\": \"T\"", "\"title\": \"T\", \"title\": \"U\"", SURVEY_E_JSON,
                        "not valid JSON", "duplicate");
}

/* jansson's lexer drops a NUL byte after a number ("\"version\": 1\0"),
 * so the definition would load with a NUL in its stored source. */
static void test_survey_rejects_nul_byte(void **state)
{
    (void)state;
    const char *after[] = {"\"version\": 1", "\"favorable_min\": 3", "\"optional\": true", "}]}"};
    size_t len = strlen(minimal);
    char *text = malloc(len + 1);

    assert_non_null(text);
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
        size_t cut = (size_t)(strstr(minimal, after[i]) - minimal) + strlen(after[i]);
        memcpy(text, minimal, cut);
        text[cut] = '\0';
        memcpy(text + cut + 1, minimal + cut, len - cut);
        expect_refused(text, len + 1, SURVEY_E_JSON, "not valid JSON", "NUL byte",
                       (const char *)NULL);
    }
    free(text);
}

static void test_survey_load_file_refuses_oversized_without_reading(void **state)
{
    (void)state;
    const char *path = TEST_OUTPUT_DIR "/survey-huge.json";
    char err[SURVEY_ERR_LEN];
    struct survey *s = (struct survey *)1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    /* A sparse 4 GiB file: reading it whole would take seconds and memory. */
    assert_int_equal(ftruncate(fd, (off_t)4 << 30), 0);
    close(fd);
    clock_t t0 = clock();
    assert_int_equal(survey_load_file(path, &s, err, sizeof err), SURVEY_E_TOO_LARGE);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
    assert_null(s);
    assert_non_null(strstr(err, "over the 1048576 limit"));
    unlink(path);
}

static void test_survey_load_buffer_refuses_oversized(void **state)
{
    (void)state;
    size_t n = SURVEY_MAX_FILE_BYTES + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    expect_refused(big, n, SURVEY_E_TOO_LARGE, "1048577 bytes, over the 1048576 limit",
                   (const char *)NULL);
    free(big);
}

static void test_survey_accepts_byte_order_mark(void **state)
{
    (void)state;
    char *text = NULL;
    assert_true(asprintf(&text, "\xEF\xBB\xBF%s", minimal) > 0);
    struct survey *s = load_ok(text);
    assert_string_equal(s->id, "s1");
    assert_int_equal(s->source_len, strlen(text)); /* source is the text as loaded */
    assert_memory_equal(s->source, "\xEF\xBB\xBF", 3);
    survey_free(s);
    free(text);
}

static void test_survey_load_file_reports_missing_file(void **state)
{
    (void)state;
    char err[SURVEY_ERR_LEN];
    struct survey *s = NULL;
    assert_int_equal(survey_load_file(TEST_OUTPUT_DIR "/no-such-survey.json", &s, err, sizeof err),
                     SURVEY_E_IO);
    assert_non_null(strstr(err, "no-such-survey.json"));
    assert_non_null(strstr(err, "No such file"));
}

static void test_survey_lookups(void **state)
{
    (void)state;
    struct survey *s = load_ok(minimal);
    assert_int_equal(survey_question_index(s, "q2"), 1);
    assert_int_equal(survey_question_index(s, "q3"), -1);
    assert_null(survey_find_question(s, "nope"));
    assert_int_equal(survey_attribute_index(s, "emp"), 0);
    assert_int_equal(survey_option_index(&s->attributes[0], "k"), 1);
    assert_int_equal(survey_option_index(&s->attributes[0], "x"), -1);
    assert_int_equal(survey_point_index(s, 4), 0);
    assert_int_equal(survey_point_index(s, 1), 3);
    assert_int_equal(survey_point_index(s, 5), -1);
    assert_int_equal(survey_point_index(s, 0), -1);
    survey_free(s);
    survey_free(NULL);
}

static void test_survey_accepts_null_err_and_names_codes(void **state)
{
    (void)state;
    struct survey *s = NULL;
    assert_int_equal(survey_load_buffer("{", 1, &s, NULL, 0), SURVEY_E_JSON);
    assert_null(s);
    assert_string_equal(survey_strerror(SURVEY_E_DUPLICATE), "an id is used twice");
    assert_string_equal(survey_strerror(SURVEY_OK), "ok");
}

static void test_survey_cooldown_defaults_and_is_checked(void **state)
{
    (void)state;
    struct survey *s = load_ok(minimal);
    assert_int_equal(s->cooldown_s, SURVEY_DEFAULT_COOLDOWN_S);
    survey_free(s);
    char *text = helper_replace(minimal, "\"version\": 1,", "\"version\": 1, \"cooldown_s\": 0,");
    s = load_ok(text);
    assert_int_equal(s->cooldown_s, 0);
    survey_free(s);
    free(text);
    expect_edit_refused("\"version\": 1,", "\"version\": 1, \"cooldown_s\": 601,", SURVEY_E_FIELD,
                        "cooldown_s 601", "from 0 to 600");
    expect_edit_refused("\"version\": 1,", "\"version\": 1, \"cooldown_s\": \"20\",",
                        SURVEY_E_FIELD, "cooldown_s must be an integer", NULL);
}

static void test_survey_texts_may_carry_translations(void **state)
{
    (void)state;
    char *text = helper_replace(minimal, "\"title\": \"T\",",
                                "\"languages\": [\"ja\", \"en\", \"ja-easy\"], \"title\": "
                                "\"T\", \"thanks\": {\"ja\": \"職員アンケート\", \"en\": "
                                "\"Staff survey\", \"ja-easy\": \"しょくいん アンケート\"},");
    char *t2 = helper_replace(text, "\"text\": \"Q1\"",
                              "\"text\": {\"ja\": \"問1\", \"en\": \"Q one\", \"ja-easy\": "
                              "\"もんだい1\"}");
    struct survey *s = load_ok(t2);
    assert_int_equal(s->n_languages, 3);
    assert_string_equal(s->languages[1], "en");
    assert_string_equal(s->thanks, "職員アンケート"); /* what the collector and reports use */
    assert_string_equal(survey_text(s, s->thanks, 1), "Staff survey");
    assert_string_equal(survey_text(s, s->thanks, 2), "しょくいん アンケート");
    assert_string_equal(survey_text(s, s->questions[0].text, 1), "Q one");
    assert_string_equal(survey_text(s, s->questions[1].text, 1), "Q2"); /* a plain string */
    assert_string_equal(survey_text(s, s->thanks, 0), "職員アンケート");
    survey_free(s);
    /* A translation missing, a language not listed, an object without languages. */
    char *bad = helper_replace(t2, ", \"en\": \"Q one\"", "");
    expect_refused(bad, strlen(bad), SURVEY_E_FIELD, "text.en is missing", (const char *)NULL);
    free(bad);
    bad = helper_replace(t2, "\"en\": \"Q one\"", "\"fr\": \"Q un\"");
    expect_refused(bad, strlen(bad), SURVEY_E_FIELD, "language \"fr\" is not in",
                   (const char *)NULL);
    free(bad);
    bad = helper_replace(t2, "\"languages\": [\"ja\", \"en\", \"ja-easy\"], ", "");
    expect_refused(bad, strlen(bad), SURVEY_E_FIELD, "lists no languages", (const char *)NULL);
    free(bad);
    bad = helper_replace(t2, "[\"ja\", \"en\", \"ja-easy\"]", "[\"en\", \"ja\", \"ja-easy\"]");
    expect_refused(bad, strlen(bad), SURVEY_E_FIELD, "\"ja\" first", (const char *)NULL);
    free(bad);
    bad = helper_replace(t2, "[\"ja\", \"en\", \"ja-easy\"]", "[\"ja\", \"en\", \"en\"]");
    expect_refused(bad, strlen(bad), SURVEY_E_DUPLICATE, "listed twice", (const char *)NULL);
    free(bad);
    free(t2);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survey_loads_goshogawara),
        cmocka_unit_test(test_survey_loads_kamaishi),
        cmocka_unit_test(test_survey_rejects_duplicate_question_id_goshogawara),
        cmocka_unit_test(test_survey_rejects_duplicate_question_id_kamaishi),
        cmocka_unit_test(test_survey_rejects_baseline_outside_scale_goshogawara),
        cmocka_unit_test(test_survey_rejects_baseline_outside_scale_kamaishi),
        cmocka_unit_test(test_survey_rejects_invalid_utf8_byte),
        cmocka_unit_test(test_survey_rejects_truncated_file),
        cmocka_unit_test(test_survey_rejects_duplicate_attribute_and_option_ids),
        cmocka_unit_test(test_survey_rejects_duplicate_point_values),
        cmocka_unit_test(test_survey_rejects_missing_required_fields),
        cmocka_unit_test(test_survey_rejects_empty_questions_and_short_scale),
        cmocka_unit_test(test_survey_rejects_wrong_types),
        cmocka_unit_test(test_survey_rejects_empty_text),
        cmocka_unit_test(test_survey_rejects_target_outside_scale),
        cmocka_unit_test(test_survey_rejects_favorable_min_off_scale),
        cmocka_unit_test(test_survey_accepts_maintain_without_baseline),
        cmocka_unit_test(test_survey_kpi_without_target_is_none),
        cmocka_unit_test(test_survey_period_checked),
        cmocka_unit_test(test_survey_plan_checked),
        cmocka_unit_test(test_survey_without_period_always_runs),
        cmocka_unit_test(test_survey_rejects_bad_ids),
        cmocka_unit_test(test_survey_rejects_text_over_cap),
        cmocka_unit_test(test_survey_rejects_duplicate_json_keys),
        cmocka_unit_test(test_survey_rejects_nul_byte),
        cmocka_unit_test(test_survey_load_file_refuses_oversized_without_reading),
        cmocka_unit_test(test_survey_load_buffer_refuses_oversized),
        cmocka_unit_test(test_survey_accepts_byte_order_mark),
        cmocka_unit_test(test_survey_load_file_reports_missing_file),
        cmocka_unit_test(test_survey_lookups),
        cmocka_unit_test(test_survey_accepts_null_err_and_names_codes),
        cmocka_unit_test(test_survey_cooldown_defaults_and_is_checked),
        cmocka_unit_test(test_survey_texts_may_carry_translations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
