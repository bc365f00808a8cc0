/* kpi_query on hand-written aggregate rows (schema.h's tables, no daemon):
 * the cases the ingest path cannot easily produce, such as an item that few
 * people of one group answered, and the errors of the query itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpi_query.h"
#include "report_csv.h"
#include "report_html.h"
#include "schema.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 20);
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
}

static sqlite3 *db_with_survey(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *def = read_file(SURVEYS_DIR "/goshogawara-staff.json");

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    exec(db, SCHEMA_V1_SQL);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO surveys VALUES ('goshogawara-staff', 1, ?1,"
                                        " 'x', '2025-01-01T00:00:00Z', 1)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, def, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    free(def);
    return db;
}

/* respondents of (attribute, option) in FY2024 */
static void respondents(sqlite3 *db, const char *attr, const char *opt, long n)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO respondent_counts VALUES ('goshogawara-staff', 2024, '%s', '%s', %ld)",
             attr, opt, n);
    exec(db, sql);
}

static void answers(sqlite3 *db, const char *attr, const char *opt, const char *q, int value,
                    long n)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO answer_counts VALUES ('goshogawara-staff', 2024, '%s', '%s', '%s', %d,"
             " %ld)",
             attr, opt, q, value, n);
    exec(db, sql);
}

/* 30 regular and 12 kaikei answered every item with 3, except q01, which
 * only 5 kaikei answered (with 1). */
static sqlite3 *db_sparse_item(void)
{
    sqlite3 *db = db_with_survey();
    char q[8];

    respondents(db, "", "", 42);
    respondents(db, "employment", "regular", 30);
    respondents(db, "employment", "kaikei", 12);
    for (int i = 1; i <= 12; i++) {
        snprintf(q, sizeof q, "q%02d", i);
        answers(db, "employment", "regular", q, i == 1 ? 4 : 3, 30);
        answers(db, "employment", "kaikei", q, i == 1 ? 1 : 3, i == 1 ? 5 : 12);
        if (i == 1) {
            answers(db, "", "", q, 4, 30);
            answers(db, "", "", q, 1, 5);
        } else {
            answers(db, "", "", q, 3, 42);
        }
    }
    return db;
}

static struct kpi_result *run(sqlite3 *db, const char *group_by)
{
    struct kpi_query_params p = {.fiscal_year = 2024, .group_by = group_by};
    struct kpi_result *r = NULL;
    char err[KPI_QUERY_ERR_LEN];

    if (kpi_query_run(db, &p, &r, err, sizeof err) != KPI_QUERY_OK)
        fail_msg("kpi_query_run: %s", err);
    return r;
}

static void test_kpi_query_item_answered_by_few_hides_the_other_group_too(void **state)
{
    sqlite3 *db = db_sparse_item();
    struct kpi_result *r = run(db, "employment");
    const struct kpi_group *regular = &r->groups[0], *kaikei = &r->groups[1];

    (void)state;
    assert_string_equal(regular->option->id, "regular");
    assert_false(regular->suppressed);
    assert_false(kaikei->suppressed);
    /* q01: total 35 answers, kaikei 5 of them. Publishing regular's 30
     * would give kaikei's 5 back as total minus regular. */
    assert_int_equal(r->items[0].all.sum.n, 35);
    assert_false(r->items[0].all.suppressed);
    assert_true(kaikei->items[0].suppressed);
    assert_true(regular->items[0].suppressed);
    /* Other items are answered by 12 kaikei: published for both. */
    assert_false(kaikei->items[1].suppressed);
    assert_false(regular->items[1].suppressed);
    /* The category holding q01 would leak it through its mean. */
    assert_string_equal(r->categories[0].name, "人材の育成");
    assert_true(regular->categories[0].suppressed);
    assert_true(kaikei->categories[0].suppressed);
    assert_false(regular->categories[1].suppressed);
    assert_false(r->categories[0].suppressed);
    kpi_result_free(r);
    sqlite3_close(db);
}

static void test_kpi_query_overall_item_below_min_hides_its_category(void **state)
{
    sqlite3 *db = db_with_survey();
    struct kpi_result *r;
    char *csv = NULL, *html, err[REPORT_CSV_ERR_LEN];
    size_t len;

    (void)state;
    respondents(db, "", "", 40);
    answers(db, "", "", "q01", 2, 6);
    answers(db, "", "", "q02", 3, 40);
    r = run(db, NULL);
    assert_true(r->items[0].all.suppressed);
    assert_int_equal(r->items[0].achieved, -1);
    assert_false(r->items[1].all.suppressed);
    assert_true(r->categories[0].suppressed);
    /* The downloads say so instead of printing the mean. */
    assert_int_equal(report_csv(r, REPORT_CSV_UTF8, &csv, &len, err, sizeof err), REPORT_CSV_OK);
    assert_non_null(strstr(csv, "人材の育成,6,非公表,非公表"));
    html = report_html(r, &len);
    assert_non_null(strstr(html, "回答者が10人未満のため、個人が特定されないよう平均と分布を"));
    free(csv);
    free(html);
    kpi_result_free(r);
    sqlite3_close(db);
}

static void test_kpi_query_errors_name_what_is_wrong(void **state)
{
    sqlite3 *db = NULL;
    struct kpi_result *r = NULL;
    struct kpi_query_params p = {.fiscal_year = 2024};
    char err[KPI_QUERY_ERR_LEN];
    enum kpi_query_err e;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    e = kpi_query_run(db, &p, &r, err, sizeof err);
    assert_int_equal(e, KPI_QUERY_E_DB);
    assert_int_equal(kpi_query_status(e), 503);
    exec(db, SCHEMA_V1_SQL);
    e = kpi_query_run(db, &p, &r, err, sizeof err);
    assert_int_equal(e, KPI_QUERY_E_NO_SURVEY);
    assert_int_equal(kpi_query_status(e), 404);
    assert_non_null(strstr(err, "collector survey publish"));
    assert_null(r);
    sqlite3_close(db);
    db = db_with_survey();
    p.survey_id = "other";
    assert_int_equal(kpi_query_run(db, &p, &r, err, sizeof err), KPI_QUERY_E_UNKNOWN_SURVEY);
    assert_non_null(strstr(err, "surveys held: goshogawara-staff"));
    p.survey_id = NULL;
    assert_int_equal(kpi_query_run(db, &p, &r, err, sizeof err), KPI_QUERY_E_NO_DATA);
    assert_non_null(strstr(err, "令和6年度"));
    p.fiscal_year = 123;
    assert_int_equal(kpi_query_run(db, &p, &r, err, sizeof err), KPI_QUERY_E_BAD_YEAR);
    sqlite3_close(db);
}

static void test_kpi_query_parse_year(void **state)
{
    int y = 0;

    (void)state;
    assert_true(kpi_query_parse_year("2024", &y));
    assert_int_equal(y, 2024);
    assert_false(kpi_query_parse_year("", &y));
    assert_false(kpi_query_parse_year("-2024", &y));
    assert_false(kpi_query_parse_year("2024a", &y));
    assert_false(kpi_query_parse_year(" 2024", &y));
    assert_false(kpi_query_parse_year("99999999999999999999", &y));
    assert_false(kpi_query_parse_year("1800", &y));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kpi_query_item_answered_by_few_hides_the_other_group_too),
        cmocka_unit_test(test_kpi_query_overall_item_below_min_hides_its_category),
        cmocka_unit_test(test_kpi_query_errors_name_what_is_wrong),
        cmocka_unit_test(test_kpi_query_parse_year),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
