/* Headcounts: the parser and checks of headcount.c on their own, then
 * `collector headcount set|import` on a real database: bad input is refused
 * with a message naming it and stores nothing; good input is read back by
 * the KPI query as response rates, hand-worked below. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "crypto.h"
#include "headcount.h"
#include "kpi_query.h"
#include "report_html.h"
#include "report_json.h"
#include "store.h"
#include "testutil.h"

static struct survey *gosho(void)
{
    struct survey *s = NULL;
    char err[SURVEY_ERR_LEN];

    if (survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &s, err, sizeof err) != SURVEY_OK)
        fail_msg("%s", err);
    return s;
}

static void test_headcount_reads_total_groups_and_csv(void **state)
{
    struct headcount *h = malloc(sizeof *h);
    struct survey *s = gosho();
    char err[HEADCOUNT_ERR_LEN];
    const char csv[] = "\xEF\xBB\xBF"
                       "attribute,option,headcount\r\n"
                       ",,812\r\n"
                       "employment,regular,520\r\n"
                       "\r\n"
                       "employment,kaikei,292\r\n";

    (void)state;
    headcount_init(h);
    assert_int_equal(headcount_add_total(h, "812", err, sizeof err), HEADCOUNT_OK);
    assert_int_equal(headcount_add_group(h, "employment=regular:520,kaikei:292", err, sizeof err),
                     HEADCOUNT_OK);
    assert_int_equal(h->n, 3);
    assert_string_equal(h->rows[0].attribute, "");
    assert_int_equal(h->rows[0].count, 812);
    assert_string_equal(h->rows[2].attribute, "employment");
    assert_string_equal(h->rows[2].option, "kaikei");
    assert_int_equal(h->rows[2].count, 292);
    assert_int_equal(headcount_check(h, s, err, sizeof err), HEADCOUNT_OK);
    headcount_init(h);
    assert_int_equal(headcount_add_csv(h, csv, sizeof csv - 1, err, sizeof err), HEADCOUNT_OK);
    assert_int_equal(h->n, 3);
    assert_int_equal(h->rows[0].count, 812);
    assert_string_equal(h->rows[1].option, "regular");
    assert_int_equal(headcount_check(h, s, err, sizeof err), HEADCOUNT_OK);
    survey_free(s);
    free(h);
}

/* Each refusal names what is wrong. */
static void expect_refused(const char *total, const char *group, const char *csv,
                           enum headcount_err want, const char *text)
{
    struct headcount *h = malloc(sizeof *h);
    struct survey *s = gosho();
    char err[HEADCOUNT_ERR_LEN] = "";
    enum headcount_err e = HEADCOUNT_OK;

    headcount_init(h);
    if (total)
        e = headcount_add_total(h, total, err, sizeof err);
    if (e == HEADCOUNT_OK && group)
        e = headcount_add_group(h, group, err, sizeof err);
    if (e == HEADCOUNT_OK && csv)
        e = headcount_add_csv(h, csv, strlen(csv), err, sizeof err);
    if (e == HEADCOUNT_OK)
        e = headcount_check(h, s, err, sizeof err);
    if (e != want || !strstr(err, text))
        fail_msg("got %d \"%s\", wanted %d with \"%s\"", e, err, want, text);
    survey_free(s);
    free(h);
}

static void test_headcount_refuses_bad_input(void **state)
{
    (void)state;
    expect_refused("0", NULL, NULL, HEADCOUNT_E_COUNT, "\"0\" must be a whole number from 1");
    expect_refused("81a", NULL, NULL, HEADCOUNT_E_COUNT, "\"81a\"");
    expect_refused("-5", NULL, NULL, HEADCOUNT_E_COUNT, "\"-5\"");
    expect_refused(NULL, "employment", NULL, HEADCOUNT_E_SYNTAX, "ATTRIBUTE=OPTION:N");
    expect_refused(NULL, "employment=regular", NULL, HEADCOUNT_E_SYNTAX, "must be OPTION:N");
    expect_refused(NULL, "department=soumu:5", NULL, HEADCOUNT_E_UNKNOWN,
                   "has no attribute \"department\"");
    expect_refused(NULL, "employment=regulr:5", NULL, HEADCOUNT_E_UNKNOWN,
                   "has no option \"regulr\"");
    expect_refused(NULL, "employment=regular:5,regular:6", NULL, HEADCOUNT_E_TWICE,
                   "employment=regular is given twice");
    expect_refused("100", "employment=regular:60,kaikei:41", NULL, HEADCOUNT_E_SUM,
                   "add up to 101, more than the total 100");
    expect_refused(NULL, NULL, "", HEADCOUNT_E_EMPTY, "give --total N");
    expect_refused(NULL, NULL, ",,812\nemployment,regular\n", HEADCOUNT_E_SYNTAX,
                   "line 2: write attribute,option,headcount");
    expect_refused(NULL, NULL, ",,812\nemployment,,5\n", HEADCOUNT_E_SYNTAX, "line 2:");
    expect_refused(NULL, NULL, ",,812\n,,813\n", HEADCOUNT_E_TWICE, "the total is given twice");
}

struct fixture {
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32];
};

/* A database with FY2024 released: 30 regular, 12 kaikei, 3 unanswered,
 * stored through the store (sealed, as an upload is) and released by the
 * real command. */
static void make_db(struct fixture *f)
{
    char err[BATCH_ERR_LEN], sha[CRYPTO_SHA256_HEX], *enc = NULL;
    size_t len = 0, used = 0, cap = 45 * 256 + 256;
    char *json = malloc(cap);
    struct survey *s = gosho();
    struct store *st = NULL;
    struct batch *b = NULL;

    assert_int_equal(tu_tempdir("headcount", f->dir), 0);
    snprintf(f->db, sizeof f->db, "%s/collector.db", f->dir);
    assert_int_equal(tu_setup_db(f->db, NULL, NULL), 0);
    used += (size_t)snprintf(json, cap,
                             "{\"format\":1,\"batch_id\":\"00000000-0000-4000-8000-000000000045\","
                             "\"survey_id\":\"%s\",\"survey_version\":1,\"responses\":[",
                             TU_SURVEY_ID);
    for (int i = 0; i < 45; i++) {
        used += (size_t)snprintf(json + used, cap - used, "%s{\"month\":\"2025-02\",\"answers\":{",
                                 i ? "," : "");
        for (int q = 1; q <= 12; q++)
            used += (size_t)snprintf(json + used, cap - used, "%s\"q%02d\":%d", q > 1 ? "," : "", q,
                                     q == 1 ? 1 + i % 4 : 3);
        used += (size_t)snprintf(json + used, cap - used, "},\"attributes\":%s}",
                                 i < 30   ? "{\"employment\":\"regular\"}"
                                 : i < 42 ? "{\"employment\":\"kaikei\"}"
                                          : "{}");
    }
    snprintf(json + used, cap - used, "]}");
    assert_int_equal(batch_decode(json, strlen(json), &b, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_validate(b, s, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_encode(b, &enc, &len), BATCH_OK);
    crypto_sha256_hex(enc, len, sha);
    assert_int_equal(store_open(f->db, NULL, &st, err, sizeof err), STORE_OK);
    assert_int_equal(
        store_batch_insert(st, tu_db_count(f->db, "SELECT min(kiosk_id) FROM kiosks"), b, s, sha),
        STORE_OK);
    store_close(st);
    batch_free(b);
    free(enc);
    free(json);
    survey_free(s);
    assert_int_equal(tu_release(f->db, 2024), 1);
}

static struct kpi_result *query(const struct fixture *f)
{
    struct kpi_query_params p = {.fiscal_year = 2024};
    struct kpi_result *r = NULL;
    char err[KPI_QUERY_ERR_LEN];
    sqlite3 *db;

    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    if (kpi_query_run(db, &p, &r, err, sizeof err) != KPI_QUERY_OK)
        fail_msg("%s", err);
    sqlite3_close(db);
    return r;
}

/* Hand-worked: 45 of 80 = 56.25 -> 56.3% (under 60); regular 30 of 45 =
 * 66.7%; kaikei 12 of 35 = 34.3% (under 60); the 3 unanswered have no
 * headcount. */
static void test_headcount_rates_in_the_kpi(void **state)
{
    struct fixture f;
    struct kpi_result *r;
    char out[512], err[1024], *json, *html;
    size_t len;

    (void)state;
    make_db(&f);
    r = query(&f);
    assert_int_equal(r->rates[0].respondents, 45);
    assert_int_equal(r->rates[0].headcount, 0);
    assert_true(isnan(kpi_rate_pct(&r->rates[0])));
    html = report_html(r, &len);
    assert_non_null(strstr(html, "職員数の登録なし"));
    free(html);
    kpi_result_free(r);

    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "headcount", "set",
                                  "--fiscal-year", "2024", "--total", "80", "--group",
                                  "employment=regular:45,kaikei:35", "--db", f.db, NULL),
                     0);
    assert_non_null(strstr(out, "total 80, employment=regular 45, employment=kaikei 35"));
    r = query(&f);
    assert_null(r->rates[0].attribute);
    assert_int_equal(r->rates[0].headcount, 80);
    assert_true(fabs(kpi_rate_pct(&r->rates[0]) - 56.3) < 1e-9);
    assert_true(kpi_rate_low(&r->rates[0]));
    assert_string_equal(r->rates[1].option->id, "regular");
    assert_int_equal(r->rates[1].respondents, 30);
    assert_true(fabs(kpi_rate_pct(&r->rates[1]) - 66.7) < 1e-9);
    assert_false(kpi_rate_low(&r->rates[1]));
    assert_true(fabs(kpi_rate_pct(&r->rates[2]) - 34.3) < 1e-9);
    assert_true(kpi_rate_low(&r->rates[2]));
    assert_null(r->rates[3].option);
    assert_int_equal(r->rates[3].respondents, 3);
    json = report_json(r, &len);
    assert_non_null(strstr(json, "\"response_rates\":[{\"attribute\":null,\"option\":null,"
                                 "\"label\":\"全体\",\"respondents\":45,\"headcount\":80,"
                                 "\"pct\":56.3,\"low\":true,\"over_headcount\":false},"
                                 "{\"attribute\":\"employment\",\"option\":\"regular\","
                                 "\"label\":\"正職員\",\"respondents\":30,\"headcount\":45,"
                                 "\"pct\":66.7,\"low\":false,\"over_headcount\":false}"));
    assert_non_null(strstr(json, "\"label\":\"未回答\",\"respondents\":3,\"headcount\":null,"
                                 "\"pct\":null,\"low\":null,\"over_headcount\":null}"));
    html = report_html(r, &len);
    assert_non_null(strstr(html, "<td class=\"num\">35</td><td class=\"num\"><b>34.3%</b></td>"
                                 "<td class=\"c\"><span class=\"badge ng\">60%未満</span>"));
    free(json);
    free(html);
    kpi_result_free(r);

    /* A headcount below the respondents (another year's, or the wrong
     * group's) is a figure to check, said in words, not a rate of 150%. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "headcount", "set",
                                  "--fiscal-year", "2024", "--total", "80", "--group",
                                  "employment=regular:20,kaikei:60", "--db", f.db, NULL),
                     0);
    r = query(&f);
    assert_true(kpi_rate_over(&r->rates[1]));
    assert_false(kpi_rate_over(&r->rates[2]));
    assert_string_equal(kpi_rate_note(&r->rates[1]), "職員数より多い（要確認）");
    html = report_html(r, &len);
    assert_non_null(strstr(html, "<b>150.0%</b></td><td class=\"c\"><span class=\"badge ng\">"
                                 "職員数より多い（要確認）</span>"));
    free(html);
    kpi_result_free(r);
    tu_rmdir(f.dir);
}

/* Refused input changes nothing; an import replaces the figures it names. */
static void test_headcount_cli_refuses_and_imports(void **state)
{
    struct fixture f;
    struct kpi_result *r;
    char out[512], err[1024], path[TU_PATH_MAX + 32];
    FILE *fp;

    (void)state;
    make_db(&f);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "headcount", "set",
                                  "--fiscal-year", "2024", "--total", "80", "--group",
                                  "employment=regular:45,kaikei:36", "--group",
                                  "employment=regular:1", "--db", f.db, NULL),
                     2);
    assert_non_null(strstr(err, "employment=regular is given twice; nothing changed"));
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "headcount", "set",
                                  "--fiscal-year", "2024", "--total", "80", "--group",
                                  "employment=regular:45,kaikei:36", "--db", f.db, NULL),
                     2);
    assert_non_null(strstr(err, "add up to 81, more than the total 80; nothing changed"));
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "headcount", "set",
                                  "--fiscal-year", "20x4", "--total", "80", "--db", f.db, NULL),
                     2);
    assert_int_equal(tu_db_count(f.db, "SELECT count(*) FROM headcounts"), 0);
    snprintf(path, sizeof path, "%s/headcount.csv", f.dir);
    assert_non_null(fp = fopen(path, "w"));
    fputs("attribute,option,headcount\n,,90\nemployment,kaikei,24\n", fp);
    fclose(fp);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "headcount", "import", path,
                                  "--fiscal-year", "2024", "--db", f.db, NULL),
                     0);
    r = query(&f);
    assert_true(fabs(kpi_rate_pct(&r->rates[0]) - 50.0) < 1e-9); /* 45 of 90 */
    assert_true(fabs(kpi_rate_pct(&r->rates[2]) - 50.0) < 1e-9); /* 12 of 24 */
    assert_int_equal(r->rates[1].headcount, 0);                  /* regular: not given */
    kpi_result_free(r);
    tu_rmdir(f.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headcount_reads_total_groups_and_csv),
        cmocka_unit_test(test_headcount_refuses_bad_input),
        cmocka_unit_test(test_headcount_rates_in_the_kpi),
        cmocka_unit_test(test_headcount_cli_refuses_and_imports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
