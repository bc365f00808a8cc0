/* The plan period end to end: the Goshogawara sample published on a real
 * collector, a real headless kiosk whose simulated respondents answer in
 * three fiscal years of the plan (令和7〜9年度, set through the kiosk's and
 * the collector's clocks), each year released. The report of 令和9年度 must
 * show the policy's published baselines and targets (section 7(2) of the
 * plan) and, for each year, the mean computed here from what the simulated
 * respondents chose; the years after it as 今後. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kpi.h"
#include "helper_e2e.h"
#include "testutil.h"

#define N_YEARS  3
#define FIRST_FY 2025
#define PER_YEAR 40
#define PATH_LEN (TU_PATH_MAX + 64)

/* The plan's table: baseline and target of q01..q12 (0: 現状維持). */
static const double plan_baseline[TU_QUESTIONS] = {2.88, 2.62, 2.77, 2.92, 3.40, 2.94,
                                                   3.09, 3.16, 2.95, 3.23, 3.13, 2.94};
static const double plan_target[TU_QUESTIONS] = {3.00, 3.00, 3.00, 3.00, 0, 3.00,
                                                 0,    0,    3.00, 0,    0, 3.00};

struct world {
    char dir[TU_PATH_MAX], db[PATH_LEN], conf[PATH_LEN], log[N_YEARS][PATH_LEN];
    char admin[TU_TOKEN_MAX];
    struct tu_server server;
};

static struct world w;

static void setup_world(void)
{
    char out[TU_OUTPUT_MAX], err[1024], token[TU_TOKEN_MAX];
    const char *extra[] = {"--date", "2028-03-20", NULL};
    FILE *f;

    memset(&w, 0, sizeof w);
    assert_int_equal(tu_tempdir("plan-period", w.dir), 0);
    snprintf(w.db, sizeof w.db, "%s/collector.db", w.dir);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "survey", "publish",
                                  TU_SURVEY_FILE, "--db", w.db, "--date", "2025-04-01", NULL),
                     0);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "breakroom",
                                  "--db", w.db, NULL),
                     0);
    snprintf(token, sizeof token, "%s", tu_chomp(out));
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "admin-token", "--db", w.db, NULL), 0);
    snprintf(w.admin, sizeof w.admin, "%s", tu_chomp(out));
    /* The collector's clock in the last month of 令和9年度, so that the
     * kiosk's months of all three years fall in the survey's window. */
    assert_int_equal(tu_server_start(&w.server, w.db, extra), 0);
    snprintf(w.conf, sizeof w.conf, "%s/kiosk.conf", w.dir);
    assert_non_null(f = fopen(w.conf, "w"));
    fprintf(f,
            "collector_url = %s\ntoken = %s\ndb = %s/kiosk.db\nname = breakroom\n"
            "min_batch = 5\nidle_timeout_s = 60\nsync_interval_s = 1\n",
            w.server.url, token, w.dir);
    assert_int_equal(fclose(f), 0);
}

/* PER_YEAR respondents answer on date; the kiosk delivers them all. */
static void answer_year(int y, const char *date)
{
    char n[16], seed[16];
    const char *argv[] = {
        KIOSK_BIN,        "--config", w.conf,    "--headless", "--simulate", n,
        "--seed",         seed,       "--date",  date,         "--survey",   TU_SURVEY_FILE,
        "--simulate-log", w.log[y],   "--drain", "60",         NULL};

    snprintf(n, sizeof n, "%d", PER_YEAR);
    snprintf(seed, sizeof seed, "%d", 100 + y);
    snprintf(w.log[y], sizeof w.log[y], "%s/answers-%d.jsonl", w.dir, FIRST_FY + y);
    assert_int_equal(e2e_run_kiosk(argv), 0);
}

/* The kiosk started two days after date with nobody answering: it seals
 * what waited under min_batch (the one-day rule) and delivers it. */
static void drain(const char *date)
{
    char script[PATH_LEN];
    FILE *f;
    const char *argv[] = {KIOSK_BIN, "--config", w.conf,    "--headless", "--script", script,
                          "--date",  date,       "--drain", "60",         NULL};

    snprintf(script, sizeof script, "%s/idle.script", w.dir);
    assert_non_null(f = fopen(script, "w"));
    fputs("# nobody comes: the kiosk only syncs\nwait 100\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(e2e_run_kiosk(argv), 0);
}

/* The mean of each question's answers in one year's log, worked out here
 * from what the simulated respondents chose. */
static void log_means(const char *path, double *mean)
{
    long n[TU_QUESTIONS] = {0}, sum[TU_QUESTIONS] = {0};
    char line[4096];
    FILE *f = fopen(path, "r");

    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        json_t *r = json_loads(line, 0, NULL);
        assert_non_null(r);
        for (int q = 0; q < TU_QUESTIONS; q++) {
            char id[8];
            snprintf(id, sizeof id, "q%02d", q + 1);
            json_t *v = json_object_get(json_object_get(r, "answers"), id);
            if (json_is_integer(v)) {
                n[q]++;
                sum[q] += (long)json_integer_value(v);
            }
        }
        json_decref(r);
    }
    fclose(f);
    for (int q = 0; q < TU_QUESTIONS; q++) {
        assert_true(n[q] >= 10);
        mean[q] = (double)sum[q] / (double)n[q];
    }
}

static char *get(const char *path)
{
    char url[256], auth[TU_TOKEN_MAX + 16];
    struct tu_response r = {0};
    char *body;

    snprintf(url, sizeof url, "%s%s", w.server.url, path);
    snprintf(auth, sizeof auth, "Bearer %s", w.admin);
    assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    body = r.body;
    r.body = NULL;
    tu_response_free(&r);
    return body;
}

/* The row of item q in the plan table, as the report must print it. */
static void expected_row(int q, double mean[N_YEARS][TU_QUESTIONS], char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, "<td class=\"num\">%.2f</td>", plan_baseline[q]);

    for (int y = 0; y < N_YEARS; y++)
        used += (size_t)snprintf(out + used, len - used, "<td class=\"num%s\">%.2f</td>",
                                 y == N_YEARS - 1 ? " now" : "", kpi_round2(mean[y][q]));
    for (int y = N_YEARS; y < 5; y++)
        used += (size_t)snprintf(out + used, len - used,
                                 "<td class=\"num\"><span class=\"nodata\">今後</span></td>");
    if (plan_target[q] > 0)
        snprintf(out + used, len - used, "<td class=\"num\">%.2f</td>", plan_target[q]);
    else
        snprintf(out + used, len - used, "<td class=\"num\">現状維持</td>");
}

static void test_plan_period_table_reproduces_the_plan_over_three_years(void **state)
{
    static const char *const dates[N_YEARS] = {"2025-10-01", "2026-10-01", "2027-10-01"};
    static const char *const later[N_YEARS] = {"2025-10-03", "2026-10-03", "2027-10-03"};
    double mean[N_YEARS][TU_QUESTIONS];
    char *html, *json, row[1024];
    json_t *kpi, *items;

    (void)state;
    setup_world();
    for (int y = 0; y < N_YEARS; y++) {
        answer_year(y, dates[y]);
        drain(later[y]);
        log_means(w.log[y], mean[y]);
        assert_int_equal(tu_release(w.db, FIRST_FY + y), 1);
    }
    html = get("/reports/2027.html");
    assert_non_null(strstr(html, "<th>基準値</th><th>令和7年度</th><th>令和8年度</th>"
                                 "<th class=\"now\">令和9年度</th><th>令和10年度</th>"
                                 "<th>令和11年度</th><th>目標値</th>"));
    assert_non_null(strstr(html, "五所川原市人材育成・確保基本方針（令和7年度〜令和11年度）"));
    for (int q = 0; q < TU_QUESTIONS; q++) {
        expected_row(q, mean, row, sizeof row);
        if (!strstr(html, row))
            fail_msg("q%02d: the plan table lacks %s", q + 1, row);
    }
    free(html);
    json = get("/api/v1/kpi?fiscal_year=2027");
    kpi = json_loads(json, 0, NULL);
    items = json_object_get(kpi, "items");
    for (int q = 0; q < TU_QUESTIONS; q++) {
        json_t *series = json_object_get(json_array_get(items, (size_t)q), "series");
        assert_int_equal(json_array_size(series), 5);
        for (int y = 0; y < N_YEARS; y++) {
            json_t *e = json_array_get(series, (size_t)y);
            assert_string_equal(json_string_value(json_object_get(e, "status")), "released");
            assert_float_equal(json_real_value(json_object_get(e, "mean")),
                               round(mean[y][q] * 1e4) / 1e4, 1e-9);
        }
        assert_string_equal(json_string_value(json_object_get(json_array_get(series, 3), "status")),
                            "after");
    }
    json_decref(kpi);
    free(json);
    assert_int_equal(tu_server_stop(&w.server), 0);
    tu_rmdir(w.dir);
}

static int stop_collector(void **state)
{
    (void)state;
    if (w.server.pid > 0)
        tu_server_kill(&w.server);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_plan_period_table_reproduces_the_plan_over_three_years,
                                  stop_collector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
