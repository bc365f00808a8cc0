/* GET /api/v1/kpi end to end: known responses go in through the real
 * POST /api/v1/batches of a real collector, and every figure of the JSON is
 * checked against values worked out by hand from those answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "test_kpi_fixture.h"

static struct kf_env env;

/* FY2024 (令和6年度): 12 respondents. q01 = 4,4,4,3,3,3,3,2,2,2,1,3;
 * q03 = six 4s and six 2s; q05 = ten 4s and two 3s; every other item 3.
 * 7 regular, 3 kaikei, 2 unanswered. */
static const int q01_2024[12] = {4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1, 3};

static int post_fy2024(void)
{
    struct kf_response r[12];

    for (int i = 0; i < 12; i++) {
        r[i] = kf_all("2025-02", 3, i < 7 ? "regular" : i < 10 ? "kaikei" : NULL);
        r[i].a[0] = q01_2024[i];
        r[i].a[2] = i < 6 ? 4 : 2;
        r[i].a[4] = i < 10 ? 4 : 3;
    }
    return kf_post(&env, TU_SURVEY_ID, r, 12) == 12 ? 0 : -1;
}

/* FY2023: 10 respondents, q01 all 2, the rest all 3 (the previous year). */
static int post_fy2023(void)
{
    struct kf_response r[10];

    for (int i = 0; i < 10; i++) {
        r[i] = kf_all("2024-02", 3, "regular");
        r[i].a[0] = 2;
    }
    return kf_post(&env, TU_SURVEY_ID, r, 10) == 10 ? 0 : -1;
}

/* FY2022: 8 kaikei (all 1), 30 regular (15 all 4, 15 all 3), 4
 * unanswered (all 2). Regular answers two values, so that no item of it is
 * hidden for being all one value. */
static int post_fy2022(void)
{
    struct kf_response r[42];

    for (int i = 0; i < 42; i++)
        r[i] = i < 8    ? kf_all("2022-06", 1, "kaikei")
               : i < 23 ? kf_all("2022-06", 4, "regular")
               : i < 38 ? kf_all("2022-06", 3, "regular")
                        : kf_all("2022-06", 2, NULL);
    return kf_post(&env, TU_SURVEY_ID, r, 42) == 42 ? 0 : -1;
}

/* FY2021: 8 kaikei (all 2) and 30 regular (all 3), nobody unanswered. */
static int post_fy2021(void)
{
    struct kf_response r[38];

    for (int i = 0; i < 38; i++)
        r[i] = i < 8 ? kf_all("2021-06", 2, "kaikei") : kf_all("2021-06", 3, "regular");
    return kf_post(&env, TU_SURVEY_ID, r, 38) == 38 ? 0 : -1;
}

/* FY2020: 5 respondents only. */
static int post_fy2020(void)
{
    struct kf_response r[5];

    for (int i = 0; i < 5; i++)
        r[i] = kf_all("2020-06", 4, "regular");
    return kf_post(&env, TU_SURVEY_ID, r, 5) == 5 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    if (kf_start(&env, "kpi-http") != 0)
        return -1;
    if (post_fy2024() || post_fy2023() || post_fy2022() || post_fy2021() || post_fy2020())
        return -1;
    /* Figures come only from a release, made once every year is uploaded. */
    for (int fy = 2020; fy <= 2024; fy++)
        if (tu_release(env.db, fy) != 1)
            return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return kf_stop(&env);
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void assert_num(json_t *o, const char *key, double want)
{
    double got = num(o, key);
    if (fabs(got - want) > 1e-9)
        fail_msg("%s: got %.10g, want %.10g", key, got, want);
}

static void assert_ci(json_t *it, double lo, double hi)
{
    json_t *ci = json_object_get(it, "ci95");
    assert_int_equal(json_array_size(ci), 2);
    assert_true(fabs(json_number_value(json_array_get(ci, 0)) - lo) < 1e-9);
    assert_true(fabs(json_number_value(json_array_get(ci, 1)) - hi) < 1e-9);
}

static void assert_str(json_t *o, const char *key, const char *want)
{
    const char *got = json_string_value(json_object_get(o, key));
    assert_non_null(got);
    assert_string_equal(got, want);
}

static json_t *kpi(const char *query, long want_status)
{
    char path[256];
    long status = 0;
    json_t *j;

    snprintf(path, sizeof path, "/api/v1/kpi?%s", query);
    j = kf_get_json(&env, path, &status);
    assert_non_null(j);
    if (status != want_status)
        fail_msg("%s: status %ld, want %ld: %s", path, status, want_status,
                 json_string_value(json_object_get(j, "message")));
    return j;
}

static void test_kpi_top_level_counts_each_respondent_once(void **state)
{
    json_t *j = kpi("fiscal_year=2024", 200);

    (void)state;
    assert_str(j, "survey_id", TU_SURVEY_ID);
    assert_int_equal(json_integer_value(json_object_get(j, "fiscal_year")), 2024);
    assert_str(j, "label", "令和6年度");
    assert_int_equal(json_integer_value(json_object_get(j, "respondents")), 12);
    assert_int_equal(json_integer_value(json_object_get(j, "min_group_size")), 10);
    assert_true(json_is_false(json_object_get(j, "suppressed")));
    assert_null(json_object_get(j, "groups"));
    /* The figures name the release they come from. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "release"), "revision")),
                     1);
    assert_str(json_object_get(j, "release"), "reason", "release");
    assert_true(json_is_false(json_object_get(json_object_get(j, "later_data"), "waiting")));
    json_decref(j);
}

static void test_kpi_items_in_survey_order_with_labels(void **state)
{
    json_t *j = kpi("fiscal_year=2024", 200), *items = json_object_get(j, "items");
    char id[8];

    (void)state;
    assert_int_equal(json_array_size(items), 12);
    for (size_t i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "q%02zu", i + 1);
        assert_str(json_array_get(items, i), "id", id);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "n")), 12);
    }
    assert_str(json_array_get(items, 0), "label",
               "必要な知識等を習得するため、自主的に勉強やリスキリングに取り組んでいる職員の割合");
    assert_str(json_array_get(items, 0), "category", "人材の育成");
    json_decref(j);
}

static void test_kpi_value_target_not_met(void **state)
{
    json_t *j = kpi("fiscal_year=2024", 200), *it = kf_item(json_object_get(j, "items"), "q01");
    json_t *counts = json_object_get(it, "counts");

    (void)state;
    /* sum 34 over 12: 2.8333; sd sqrt((106 - 34^2/12) / 11) = 0.9374;
     * half width t(11) 2.201 * 0.9374 / sqrt(12) = 0.5956. */
    assert_num(it, "mean", 2.8333);
    assert_num(it, "sd", 0.94);
    assert_ci(it, 2.24, 3.43);
    assert_int_equal(json_integer_value(json_object_get(counts, "1")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "2")), 3);
    assert_int_equal(json_integer_value(json_object_get(counts, "3")), 5);
    assert_int_equal(json_integer_value(json_object_get(counts, "4")), 3);
    assert_int_equal(json_object_size(counts), 4);
    assert_num(it, "favorable_pct", 66.7);
    assert_num(it, "baseline", 2.88);
    assert_str(it, "baseline_source", "published");
    assert_num(it, "target", 3.0);
    assert_str(it, "target_kind", "value");
    assert_true(json_is_false(json_object_get(it, "achieved")));
    assert_num(it, "previous_mean", 2.0);
    json_decref(j);
}

static void test_kpi_value_target_met_at_the_boundary(void **state)
{
    json_t *j = kpi("fiscal_year=2024", 200), *it = kf_item(json_object_get(j, "items"), "q03");

    (void)state;
    /* six 4s and six 2s: mean 3.00 = target; sd sqrt(12/11) = 1.0445. */
    assert_num(it, "mean", 3.0);
    assert_num(it, "sd", 1.04);
    assert_ci(it, 2.34, 3.66);
    assert_num(it, "favorable_pct", 50.0);
    assert_true(json_is_true(json_object_get(it, "achieved")));
    assert_num(it, "previous_mean", 3.0);
    json_decref(j);
}

static void test_kpi_maintain_target(void **state)
{
    json_t *j = kpi("fiscal_year=2024", 200), *items = json_object_get(j, "items");
    json_t *q05 = kf_item(items, "q05"), *q07 = kf_item(items, "q07");

    (void)state;
    /* q05: 46/12 = 3.8333 >= baseline 3.40; sd sqrt((178 - 46^2/12)/11) = 0.3892. */
    assert_num(q05, "mean", 3.8333);
    assert_num(q05, "sd", 0.39);
    assert_ci(q05, 3.59, 4.08);
    assert_num(q05, "favorable_pct", 100.0);
    assert_str(q05, "target", "maintain");
    assert_str(q05, "target_kind", "maintain");
    assert_num(q05, "baseline", 3.4);
    assert_true(json_is_true(json_object_get(q05, "achieved")));
    /* q07: all 3, mean 3.00 below its baseline 3.09: not maintained. */
    assert_num(q07, "mean", 3.0);
    assert_num(q07, "sd", 0.0);
    assert_ci(q07, 3.0, 3.0);
    assert_num(q07, "baseline", 3.09);
    assert_true(json_is_false(json_object_get(q07, "achieved")));
    json_decref(j);
}

static void test_kpi_prints_the_published_decimals(void **state)
{
    struct tu_response resp;

    (void)state;
    assert_int_equal(kf_get(&env, "/api/v1/kpi?fiscal_year=2024", &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_non_null(strstr(resp.body, "\"mean\":2.8333,"));
    assert_non_null(strstr(resp.body, "\"ci95\":[2.24,3.43]"));
    assert_non_null(strstr(resp.body, "\"favorable_pct\":66.7,"));
    assert_non_null(strstr(resp.body, "\"counts\":{\"1\":1,\"2\":3,\"3\":5,\"4\":3}"));
    tu_response_free(&resp);
}

static void test_kpi_category_means(void **state)
{
    json_t *j = kpi("fiscal_year=2024", 200), *cats = json_object_get(j, "categories");

    (void)state;
    assert_int_equal(json_array_size(cats), 3);
    /* 人材の育成 = q01 + q02 + q11: (34 + 36 + 36) / 36 = 2.944. */
    assert_str(json_array_get(cats, 0), "category", "人材の育成");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cats, 0), "n")), 36);
    assert_num(json_array_get(cats, 0), "mean", 2.94);
    /* 働きやすい職場環境 = q03 q04 q08 q09 q10: 180 / 60. */
    assert_str(json_array_get(cats, 1), "category", "働きやすい職場環境");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cats, 1), "n")), 60);
    assert_num(json_array_get(cats, 1), "mean", 3.0);
    /* 働きがい = q05 q06 q07 q12: (46 + 36 * 3) / 48 = 3.208. */
    assert_str(json_array_get(cats, 2), "category", "働きがい");
    assert_num(json_array_get(cats, 2), "mean", 3.21);
    json_decref(j);
}

static void test_kpi_previous_year_absent_is_null(void **state)
{
    /* FY2023's previous year FY2022 exists; FY2022's FY2021 too; FY2021's
     * FY2020 has 5 respondents only, so its mean may not be published. */
    json_t *j = kpi("fiscal_year=2021", 200), *it = kf_item(json_object_get(j, "items"), "q01");

    (void)state;
    assert_true(json_is_null(json_object_get(it, "previous_mean")));
    json_decref(j);
    j = kpi("fiscal_year=2022", 200);
    it = kf_item(json_object_get(j, "items"), "q01");
    /* FY2021 q01: 8 x 2 + 30 x 3 = 106 / 38 = 2.78947 */
    assert_num(it, "previous_mean", 2.7895);
    json_decref(j);
}

static void test_kpi_small_year_shows_counts_only(void **state)
{
    json_t *j = kpi("fiscal_year=2020", 200), *it = kf_item(json_object_get(j, "items"), "q01");

    (void)state;
    assert_int_equal(json_integer_value(json_object_get(j, "respondents")), 5);
    assert_true(json_is_true(json_object_get(j, "suppressed")));
    assert_int_equal(json_integer_value(json_object_get(it, "n")), 5);
    assert_true(json_is_true(json_object_get(it, "suppressed")));
    const char *hidden[] = {"mean", "sd", "ci95", "counts", "favorable_pct", "achieved"};
    for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; k++)
        if (!json_is_null(json_object_get(it, hidden[k])))
            fail_msg("%s is published for a year of 5 respondents", hidden[k]);
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(j, "categories"), 0), "mean")));
    json_decref(j);
}

static json_t *group(json_t *j, const char *option)
{
    size_t i;
    json_t *g;

    json_array_foreach(json_object_get(j, "groups"), i, g)
    {
        const char *o = json_string_value(json_object_get(g, "option"));
        if ((!o && !option) || (o && option && strcmp(o, option) == 0))
            return g;
    }
    fail_msg("no group %s", option ? option : "(unanswered)");
    return NULL;
}

static void test_kpi_groups_small_ones_suppressed_with_complement(void **state)
{
    json_t *j = kpi("fiscal_year=2022&group_by=employment", 200);
    json_t *regular = group(j, "regular"), *kaikei = group(j, "kaikei"), *none = group(j, NULL);

    (void)state;
    assert_int_equal(json_array_size(json_object_get(j, "groups")), 3);
    assert_str(json_array_get(json_object_get(j, "groups"), 0), "option", "regular");
    assert_str(regular, "kind", "option");
    assert_str(none, "kind", "unanswered");
    assert_int_equal(json_integer_value(json_object_get(kaikei, "respondents")), 8);
    assert_true(json_is_true(json_object_get(kaikei, "suppressed")));
    assert_null(json_object_get(kaikei, "items"));
    assert_int_equal(json_integer_value(json_object_get(none, "respondents")), 4);
    assert_true(json_is_true(json_object_get(none, "suppressed")));
    assert_null(json_object_get(none, "items"));
    /* kaikei 8 + unanswered 4 = 12 >= 10 hidden together: regular may show. */
    assert_true(json_is_false(json_object_get(regular, "suppressed")));
    assert_num(kf_item(json_object_get(regular, "items"), "q01"), "mean", 3.5);
    assert_true(json_is_false(
        json_object_get(kf_item(json_object_get(regular, "items"), "q01"), "homogeneous")));
    json_decref(j);
}

/* The attack: the total minus every published group. What is left must be
 * nobody or at least min_group_size people, never the 8 kaikei alone. */
static void test_kpi_groups_resist_subtraction(void **state)
{
    json_t *j = kpi("fiscal_year=2022&group_by=employment", 200);
    json_t *items = json_object_get(j, "items");
    size_t gi;
    json_t *g;

    (void)state;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *all = json_array_get(items, i);
        const char *id = json_string_value(json_object_get(all, "id"));
        long n_left = (long)json_integer_value(json_object_get(all, "n"));
        double sum_left = num(all, "mean") * (double)n_left;
        long people_left = (long)json_integer_value(json_object_get(j, "respondents"));

        json_array_foreach(json_object_get(j, "groups"), gi, g)
        {
            json_t *gitem = kf_item(json_object_get(g, "items"), id);
            if (json_is_true(json_object_get(g, "suppressed")))
                continue;
            people_left -= (long)json_integer_value(json_object_get(g, "respondents"));
            if (!gitem || json_is_null(json_object_get(gitem, "mean")))
                continue;
            n_left -= (long)json_integer_value(json_object_get(gitem, "n"));
            sum_left -=
                num(gitem, "mean") * (double)json_integer_value(json_object_get(gitem, "n"));
        }
        assert_true(people_left == 0 || people_left >= 10);
        assert_true(n_left == 0 || n_left >= 10);
        /* What is recovered mixes kaikei (all 1) with the unanswered (all 2). */
        assert_int_equal(n_left, 12);
        assert_true(fabs(sum_left / (double)n_left - 1.0) > 0.2);
    }
    json_decref(j);
}

static void test_kpi_groups_two_groups_hide_each_other(void **state)
{
    /* 8 kaikei and 30 regular, no unanswered: publishing regular would give
     * the 8 back as total minus regular, so both are hidden. */
    json_t *j = kpi("fiscal_year=2021&group_by=employment", 200);

    (void)state;
    assert_true(json_is_true(json_object_get(group(j, "kaikei"), "suppressed")));
    assert_true(json_is_true(json_object_get(group(j, "regular"), "suppressed")));
    assert_int_equal(json_integer_value(json_object_get(group(j, NULL), "respondents")), 0);
    assert_true(json_is_false(json_object_get(j, "suppressed")));
    assert_num(kf_item(json_object_get(j, "items"), "q01"), "mean", 2.7895);
    json_decref(j);
}

static void assert_error(const char *query, long status, const char *code, const char *needle)
{
    json_t *j = kpi(query, status);
    const char *msg = json_string_value(json_object_get(j, "message"));

    assert_str(j, "error", code);
    assert_non_null(msg);
    if (!strstr(msg, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
    json_decref(j);
}

static void test_kpi_bad_parameters_are_400_with_a_reason(void **state)
{
    (void)state;
    assert_error("", 400, "missing_fiscal_year", "fiscal_year");
    assert_error("fiscal_year=20x4", 400, "bad_fiscal_year", "20x4");
    assert_error("fiscal_year=2024&survey=no-such-survey", 400, "unknown_survey",
                 "goshogawara-staff");
    assert_error("fiscal_year=2024&group_by=department", 400, "unknown_attribute", "employment");
}

static void test_kpi_year_without_data_is_404_listing_years(void **state)
{
    (void)state;
    assert_error("fiscal_year=2019", 404, "no_data", "2020, 2021, 2022, 2023, 2024");
}

static void test_kpi_min_group_size_option_applies(void **state)
{
    struct tu_server small;
    const char *extra[] = {"--min-group-size", "5", NULL};
    char url[256];
    struct tu_response resp = {0};
    json_t *j;

    (void)state;
    tu_server_stop(&env.srv);
    env.started = false;
    assert_int_equal(tu_server_start(&small, env.db, extra), 0);
    snprintf(url, sizeof url, "%s/api/v1/kpi?fiscal_year=2020", small.url);
    assert_int_equal(tu_http(&resp, "GET", url, env.bearer, NULL, NULL, 0), 0);
    tu_server_stop(&small);
    assert_int_equal(resp.status, 200);
    j = json_loads(resp.body, 0, NULL);
    assert_true(json_is_false(json_object_get(j, "suppressed")));
    assert_num(kf_item(json_object_get(j, "items"), "q01"), "mean", 4.0);
    json_decref(j);
    tu_response_free(&resp);
    assert_int_equal(tu_server_start(&env.srv, env.db, NULL), 0);
    env.started = true;
}

static void test_kpi_command_line_gives_the_same_json_and_a_text_table(void **state)
{
    static char out[TU_OUTPUT_MAX];
    char err[1024];
    struct tu_response resp;

    (void)state;
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", env.db,
                                  "--fiscal-year", "2022", "--format", "json", "--group-by",
                                  "employment", NULL),
                     0);
    assert_int_equal(kf_get(&env, "/api/v1/kpi?fiscal_year=2022&group_by=employment", &resp), 0);
    assert_string_equal(out, resp.body);
    tu_response_free(&resp);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", env.db,
                                  "--fiscal-year", "2024", "--format", "text", NULL),
                     0);
    assert_non_null(
        strstr(out, "五所川原市 職員アンケート 令和6年度（2024年4月〜2025年3月）  回答者 12 人"));
    assert_non_null(strstr(
        out,
        "\n番号 回答数  平均  基準値   目標値 前年度  前年度比  基準値比  達成    成果指標\n"));
    /* +0.83 against FY2023 is beyond the noise; -0.05 against the baseline is not. */
    assert_non_null(strstr(
        out,
        "\nq01      12  2.83    2.88     3.00   2.00     +0.83  変化なし  未達成  必要な知識"));
    assert_non_null(strstr(out, " 現状維持 "));
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", env.db,
                                  "--fiscal-year", "2024", "--format", "json", "--group-by",
                                  "department", NULL),
                     1);
    assert_non_null(strstr(err, "group_by \"department\" is not an attribute"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kpi_top_level_counts_each_respondent_once),
        cmocka_unit_test(test_kpi_items_in_survey_order_with_labels),
        cmocka_unit_test(test_kpi_value_target_not_met),
        cmocka_unit_test(test_kpi_value_target_met_at_the_boundary),
        cmocka_unit_test(test_kpi_maintain_target),
        cmocka_unit_test(test_kpi_prints_the_published_decimals),
        cmocka_unit_test(test_kpi_category_means),
        cmocka_unit_test(test_kpi_previous_year_absent_is_null),
        cmocka_unit_test(test_kpi_small_year_shows_counts_only),
        cmocka_unit_test(test_kpi_groups_small_ones_suppressed_with_complement),
        cmocka_unit_test(test_kpi_groups_resist_subtraction),
        cmocka_unit_test(test_kpi_groups_two_groups_hide_each_other),
        cmocka_unit_test(test_kpi_bad_parameters_are_400_with_a_reason),
        cmocka_unit_test(test_kpi_year_without_data_is_404_listing_years),
        cmocka_unit_test(test_kpi_command_line_gives_the_same_json_and_a_text_table),
        cmocka_unit_test(test_kpi_min_group_size_option_applies),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
