/* The release model attacked as an administrator would, through the real
 * daemon: reports read around a late batch of one (or five), a new survey
 * version with a renamed option and an added attribute, forged months, a
 * baseline taken from forged early data, and a group that all answered
 * alike. Each test names the protection it checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "test_kpi_fixture.h"

#define MIN_GROUP 10

static struct kf_env env;

static int setup(void **state)
{
    (void)state;
    return kf_start(&env, "release");
}

static int teardown(void **state)
{
    (void)state;
    return kf_stop(&env);
}

/* The body of an admin GET; "" when it failed. Caller frees. */
static char *get_body(const char *path, long *status)
{
    struct tu_response r;
    char *body;

    kf_get(&env, path, &r);
    *status = r.status;
    body = strdup(r.body ? r.body : "");
    tu_response_free(&r);
    return body;
}

static int cli(char *out, size_t outlen, ...)
{
    char err[1024] = "";
    const char *argv[16] = {0};
    int n = 0, rc;
    va_list ap;

    va_start(ap, outlen);
    while (n < 13 && (argv[n] = va_arg(ap, const char *)))
        n++;
    va_end(ap);
    argv[n++] = "--db";
    argv[n++] = env.db;
    argv[n] = NULL;
    rc = tu_collector(out, outlen, err, sizeof err, argv[0], argv[1], argv[2], argv[3], argv[4],
                      argv[5], argv[6], argv[7], argv[8], argv[9], argv[10], argv[11], argv[12],
                      argv[13], argv[14], NULL);
    if (rc != 0)
        fprintf(stderr, "collector %s: %s\n", argv[0], err);
    return rc;
}

static void post(const char *month, int n, int v, const char *employment)
{
    struct kf_response r[64];

    assert_true(n <= 64);
    for (int i = 0; i < n; i++) {
        r[i] = kf_all(month, v, employment);
        r[i].a[1] = 1 + (i % 4); /* q02 varies, so no item is all one value */
    }
    assert_int_equal(kf_post(&env, TU_SURVEY_ID, r, (size_t)n), n);
}

static long long responses_stored(void)
{
    return tu_db_count(env.db, "SELECT COUNT(*) FROM responses");
}

/* Before the first release the KPI says not_released, with participation
 * rounded down to 5 and counted once a day: a batch of one changes nothing. */
static void test_before_release_participation_only(void **state)
{
    long status;
    char *a, *b;
    json_t *j;

    (void)state;
    post("2025-02", 23, 3, "regular");
    a = get_body("/api/v1/kpi?fiscal_year=2024", &status);
    assert_int_equal(status, 404);
    j = json_loads(a, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "not_released");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "participation"), "respondents")),
        20);
    assert_null(json_object_get(j, "items"));
    json_decref(j);
    post("2025-02", 1, 4, "kaikei");
    b = get_body("/api/v1/kpi?fiscal_year=2024", &status);
    assert_string_equal(a, b);
    free(b);
    b = get_body("/reports/2024.csv", &status);
    assert_int_equal(status, 404);
    assert_null(strstr(b, "q01"));
    free(b);
    /* A browser that opens the HTML report gets a page saying so, with the
     * participation only. */
    b = get_body("/reports/2024.html", &status);
    assert_int_equal(status, 404);
    assert_non_null(strstr(b, "まだ公開されていません"));
    assert_non_null(strstr(b, "約 20 人"));
    assert_null(strstr(b, "必要な知識"));
    free(a);
    free(b);
}

/* After a release, late batches of one and of five wait outside every
 * report, and `collector release` refuses until ten have arrived. */
static void test_late_batches_of_one_and_five_reveal_nothing(void **state)
{
    char out[4096];
    const char *paths[] = {"/api/v1/kpi?fiscal_year=2024",
                           "/api/v1/kpi?fiscal_year=2024&group_by=employment", "/reports/2024.csv",
                           "/reports/2024.html"};
    char *before[4];
    long status;
    json_t *j;

    (void)state;
    post("2025-02", 20, 3, "regular");
    post("2025-02", 12, 2, "kaikei");
    assert_int_equal(cli(out, sizeof out, "survey", "close", TU_SURVEY_ID, NULL), 0);
    assert_non_null(strstr(out, "release 1 made with 32 respondents"));
    for (int i = 0; i < 4; i++) {
        before[i] = get_body(paths[i], &status);
        assert_int_equal(status, 200);
    }
    post("2025-03", 1, 1, "kaikei"); /* one person, late */
    for (int i = 0; i < 4; i++) {
        char *now = get_body(paths[i], &status);
        assert_string_equal(now, before[i]);
        free(now);
    }
    assert_int_equal(
        cli(out, sizeof out, "release", "--survey", TU_SURVEY_ID, "--fiscal-year", "2024", NULL),
        0);
    assert_non_null(strstr(out, "9 more must arrive"));
    post("2025-03", 5, 1, "regular"); /* five more: still fewer than ten */
    assert_int_equal(tu_release(env.db, 2024), 0);
    for (int i = 0; i < 4; i++) {
        char *now = get_body(paths[i], &status);
        assert_string_equal(now, before[i]);
        free(now);
    }
    /* Ten wait, but the one kaikei among them would change that group by
     * one: the rule holds it back, and then only nine are left. */
    post("2025-03", 4, 1, "regular");
    assert_int_equal(tu_release(env.db, 2024), 0);
    post("2025-03", 1, 1, "regular");
    assert_int_equal(tu_release(env.db, 2024), 1); /* ten regular join; the kaikei waits */
    j = kf_get_json(&env, "/api/v1/kpi?fiscal_year=2024", &status);
    assert_int_equal(status, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "respondents")), 42);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "release"), "revision")),
                     2);
    /* Whether later data waits is counted once a day, like participation:
     * today's count was taken before these late batches. */
    assert_non_null(json_object_get(json_object_get(j, "later_data"), "counted_on"));
    json_decref(j);
    for (int i = 0; i < 4; i++)
        free(before[i]);
}

/* A v2 that renames an option (kaikei -> parttime: one removed, one added)
 * and adds an attribute: every respondent is in exactly one group, so the
 * groups add up to the total and hidden groups stay hidden together. */
static const char *write_v2(const char *name, const char *edit)
{
    static char path[TU_PATH_MAX + 32];
    json_t *s = json_load_file(TU_SURVEY_FILE, 0, NULL), *attrs, *emp, *opts;

    assert_non_null(s);
    json_object_set_new(s, "version", json_integer(2));
    attrs = json_object_get(s, "attributes");
    emp = json_array_get(attrs, 0);
    opts = json_object_get(emp, "options");
    json_object_set_new(json_array_get(opts, 1), "id", json_string("parttime"));
    json_array_append_new(attrs, json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}], s:b}", "id",
                                           "age", "text", "年代を教えてください。", "options", "id",
                                           "u40", "label", "40歳未満", "id", "o40", "label",
                                           "40歳以上", "optional", 1));
    if (edit && !strcmp(edit, "no-baseline-q05")) {
        json_t *q05 = json_array_get(json_object_get(s, "questions"), 4);
        json_object_del(json_object_get(q05, "kpi"), "baseline");
    }
    snprintf(path, sizeof path, "%s/%s.json", env.dir, name);
    assert_int_equal(json_dump_file(s, path, JSON_INDENT(2)), 0);
    json_decref(s);
    return path;
}

static void post_v2(const char *month, int n, int v, const char *employment, const char *age)
{
    char *json = malloc(64 + (size_t)n * 400), id[CRYPTO_UUID_LEN];
    size_t len = 0;
    struct tu_response r = {0};

    crypto_uuid4(id);
    len += (size_t)sprintf(json,
                           "{\"format\":1,\"batch_id\":\"%s\",\"survey_id\":\"%s\","
                           "\"survey_version\":2,\"responses\":[",
                           id, TU_SURVEY_ID);
    for (int i = 0; i < n; i++) {
        len +=
            (size_t)sprintf(json + len, "%s{\"month\":\"%s\",\"answers\":{", i ? "," : "", month);
        for (int q = 0; q < KF_ITEMS; q++)
            len += (size_t)sprintf(json + len, "%s\"q%02d\":%d", q ? "," : "", q + 1,
                                   q == 1 ? 1 + i % 4 : v);
        len += (size_t)sprintf(json + len, "},\"attributes\":{");
        if (employment)
            len +=
                (size_t)sprintf(json + len, "\"employment\":\"%s\"%s", employment, age ? "," : "");
        if (age)
            len += (size_t)sprintf(json + len, "\"age\":\"%s\"", age);
        len += (size_t)sprintf(json + len, "}}");
    }
    sprintf(json + len, "]}");
    assert_int_equal(tu_post_batch(&r, env.srv.url, env.kiosk, json, true), 0);
    if (r.status != 201)
        fprintf(stderr, "post_v2: %ld %s\n", r.status, r.body);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    free(json);
}

/* Every item: the groups' answer counts add up to the total's, and what
 * the published groups leave is nothing or at least MIN_GROUP answers. */
static void assert_partition(json_t *kpi)
{
    json_t *groups = json_object_get(kpi, "groups"), *g, *it;
    long long total = json_integer_value(json_object_get(kpi, "respondents")), sum = 0;
    size_t i, k;

    assert_true(json_array_size(groups) > 0);
    json_array_foreach(groups, i, g) sum += json_integer_value(json_object_get(g, "respondents"));
    assert_int_equal(sum, total);
    json_array_foreach(json_object_get(kpi, "items"), k, it)
    {
        long long n = json_integer_value(json_object_get(it, "n")), shown = 0;
        const char *id = json_string_value(json_object_get(it, "id"));
        json_array_foreach(groups, i, g)
        {
            json_t *gi = kf_item(json_object_get(g, "items"), id);
            if (gi && !json_is_true(json_object_get(gi, "suppressed")))
                shown += json_integer_value(json_object_get(gi, "n"));
        }
        assert_true(n - shown == 0 || n - shown >= MIN_GROUP);
    }
}

static void test_version_change_leaves_nothing_recoverable(void **state)
{
    char out[4096];
    long status;
    json_t *j, *other = NULL, *g;
    size_t i;

    (void)state;
    post("2025-02", 20, 3, "regular");
    post("2025-02", 8, 2, "kaikei"); /* v1's option, gone from v2 */
    assert_int_equal(cli(out, sizeof out, "survey", "publish", write_v2("v2", NULL), "--date",
                         TU_PUBLISHED_ON, NULL),
                     0);
    post_v2("2025-03", 20, 4, "regular", "o40");
    post_v2("2025-03", 5, 1, "parttime", "u40");
    assert_int_equal(cli(out, sizeof out, "survey", "close", TU_SURVEY_ID, NULL), 0);
    j = kf_get_json(&env, "/api/v1/kpi?fiscal_year=2024&group_by=employment", &status);
    assert_int_equal(status, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "respondents")), 53);
    assert_partition(j);
    json_array_foreach(json_object_get(j, "groups"), i, g)
    {
        if (!strcmp(json_string_value(json_object_get(g, "kind")), "other"))
            other = g;
    }
    assert_non_null(other);
    assert_int_equal(json_integer_value(json_object_get(other, "respondents")), 8);
    assert_true(json_is_true(json_object_get(other, "suppressed")));
    json_decref(j);
    j = kf_get_json(&env, "/api/v1/kpi?fiscal_year=2024&group_by=age", &status);
    assert_int_equal(status, 200);
    assert_partition(j); /* v1's 28, never asked, are in the unanswered group */
    json_decref(j);
}

/* Months a kiosk token could use to write another year: refused, nothing stored. */
static void test_months_outside_window_refused(void **state)
{
    char next_year[16];
    const char *months[] = {"1999-12", "2099-12", next_year, "2019-11"};
    time_t now = time(NULL);
    struct tm tm;

    (void)state;
    gmtime_r(&now, &tm);
    strftime(next_year, sizeof next_year, "%Y-%m", (tm.tm_year++, &tm));
    for (size_t m = 0; m < sizeof months / sizeof months[0]; m++) {
        struct kf_response r = kf_all(months[m], 3, "regular");
        struct tu_response resp = {0};
        char *json = kf_batch_json(TU_SURVEY_ID, &r, 1);
        assert_int_equal(tu_post_batch(&resp, env.srv.url, env.kiosk, json, true), 0);
        if (strcmp(months[m], "1999-12") != 0 && strcmp(months[m], "2099-12") != 0) {
            assert_int_equal(resp.status, 422);
            assert_non_null(strstr(resp.body, "month_out_of_range"));
        } else {
            assert_true(resp.status == 422 || resp.status == 400);
        }
        tu_response_free(&resp);
        free(json);
    }
    assert_int_equal(responses_stored(), 0);
    post("2019-12", 1, 3, "regular"); /* one month before publication: in the window */
    assert_int_equal(responses_stored(), 1);
}

/* A KPI without a published baseline gets one only from `baseline set`;
 * ten forged responses dated 2000-01 cannot become its first year. */
static void test_baseline_only_after_set(void **state)
{
    char out[4096];
    long status;
    json_t *j, *q05;
    struct kf_response forged[10];
    struct tu_response resp = {0};
    char *json;

    (void)state;
    assert_int_equal(cli(out, sizeof out, "survey", "publish", write_v2("v2b", "no-baseline-q05"),
                         "--date", TU_PUBLISHED_ON, NULL),
                     0);
    for (int i = 0; i < 10; i++)
        forged[i] = kf_all("2000-01", 4, "regular");
    json = kf_batch_json(TU_SURVEY_ID, forged, 10);
    tu_post_batch(&resp, env.srv.url, env.kiosk, json, true);
    assert_true(resp.status == 422 || resp.status == 400);
    tu_response_free(&resp);
    free(json);
    post_v2("2025-02", 12, 3, "regular", NULL);
    assert_int_equal(cli(out, sizeof out, "survey", "close", TU_SURVEY_ID, NULL), 0);
    j = kf_get_json(&env, "/api/v1/kpi?fiscal_year=2024", &status);
    q05 = kf_item(json_object_get(j, "items"), "q05");
    assert_true(json_is_null(json_object_get(q05, "baseline")));
    assert_true(json_is_null(json_object_get(q05, "achieved")));
    json_decref(j);
    assert_int_equal(cli(out, sizeof out, "baseline", "set", "--survey", TU_SURVEY_ID,
                         "--fiscal-year", "2024", NULL),
                     0);
    assert_non_null(strstr(out, "q05: baseline 3.00"));
    j = kf_get_json(&env, "/api/v1/kpi?fiscal_year=2024", &status);
    q05 = kf_item(json_object_get(j, "items"), "q05");
    assert_string_equal(json_string_value(json_object_get(q05, "baseline_source")), "set");
    assert_int_equal(json_integer_value(json_object_get(q05, "baseline_year")), 2024);
    assert_float_equal(json_real_value(json_object_get(q05, "baseline")), 3.0, 1e-9);
    assert_true(json_is_true(json_object_get(q05, "achieved")));
    json_decref(j);
}

/* Twelve kaikei who all answered q01 with 4: their q01 is hidden, and so is
 * the regular group's, since the total minus regular would give it back. */
static void test_homogeneous_group_hidden(void **state)
{
    char out[4096];
    long status;
    json_t *j, *g;
    size_t i;

    (void)state;
    post("2025-02", 12, 4, "kaikei");
    post("2025-02", 30, 3, "regular");
    assert_int_equal(cli(out, sizeof out, "survey", "close", TU_SURVEY_ID, NULL), 0);
    j = kf_get_json(&env, "/api/v1/kpi?fiscal_year=2024&group_by=employment", &status);
    assert_int_equal(status, 200);
    json_array_foreach(json_object_get(j, "groups"), i, g)
    {
        json_t *q01 = kf_item(json_object_get(g, "items"), "q01");
        if (!q01)
            continue;
        assert_true(json_is_true(json_object_get(q01, "suppressed")));
        assert_true(json_is_null(json_object_get(q01, "mean")));
    }
    assert_partition(j);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_before_release_participation_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_batches_of_one_and_five_reveal_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_version_change_leaves_nothing_recoverable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_months_outside_window_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_baseline_only_after_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_homogeneous_group_hidden, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
