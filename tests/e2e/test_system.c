/* The whole system as it runs in a city hall: one real collector and three
 * real headless kiosks on loopback, simulated respondents over two fiscal
 * years (set through the kiosks' clocks), the collector killed and
 * restarted midway, one kiosk offline until the end, a kiosk clock that
 * jumps backwards. The yearly KPI JSON must then equal figures computed
 * here, independently, from what the simulated respondents chose. */
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

#include "helper_e2e.h"
#include "testutil.h"

#define N_KIOSKS   3
#define N_VALUES   4 /* the Goshogawara scale 1..4 */
#define FIRST_FY   2024
#define N_YEARS    2
#define OFFLINE    2 /* kiosk index that has no network until the end */
#define DRAIN_S    "60"
#define PATH_LEN   (TU_PATH_MAX + 64)   /* the temp dir plus a file name */
#define CLOSED_URL "http://127.0.0.1:9" /* nothing listens on the discard port */

struct world {
    char dir[TU_PATH_MAX];
    char db[PATH_LEN];
    char admin[TU_TOKEN_MAX];
    char token[N_KIOSKS][TU_TOKEN_MAX];
    char conf[N_KIOSKS][PATH_LEN];
    char log[N_KIOSKS][PATH_LEN];
    struct tu_server server;
    int port;
    char key[128]; /* the collector's public key, as `collector key show` prints it */
};

/* What the simulated respondents chose, per fiscal year and question. */
struct expected {
    long respondents[N_YEARS];
    long counts[N_YEARS][TU_QUESTIONS][N_VALUES + 1];
};

static void write_conf(struct world *w, int k, const char *url)
{
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/kiosk%d.db", w->dir, k);
    FILE *f = fopen(w->conf[k], "w");
    assert_non_null(f);
    fprintf(f,
            "# kiosk %d of the whole-system test\n"
            "collector_url = %s\ntoken = %s\ndb = %s\nname = breakroom-%d\n"
            "min_batch = 5\nidle_timeout_s = 60\nsync_interval_s = 1\n",
            k, url, w->token[k], path, k);
    /* The kiosk without a network is installed with the collector's key
     * pinned, or its survey could not start; the others get it with the survey. */
    if (k == OFFLINE)
        fprintf(f, "collector_key = %s\n", w->key);
    assert_int_equal(fclose(f), 0);
}

/* n respondents answer at kiosk k on date; the kiosk then waits until all
 * it could seal is delivered, unless it is offline. */
static void respondents(struct world *w, int k, int n, const char *date, unsigned seed)
{
    char sn[16], ss[16];
    snprintf(sn, sizeof sn, "%d", n);
    snprintf(ss, sizeof ss, "%u", seed);
    const char *argv[] = {KIOSK_BIN,
                          "--config",
                          w->conf[k],
                          "--headless",
                          "--simulate",
                          sn,
                          "--seed",
                          ss,
                          "--date",
                          date,
                          "--survey",
                          TU_SURVEY_FILE,
                          "--simulate-log",
                          w->log[k],
                          k == OFFLINE ? NULL : "--drain",
                          DRAIN_S,
                          NULL};
    assert_int_equal(e2e_run_kiosk(argv), 0);
}

/* A kiosk started on date with nobody answering: it seals what has waited
 * and delivers everything. */
static void drain(struct world *w, int k, const char *date)
{
    char script[PATH_LEN];
    snprintf(script, sizeof script, "%s/idle.script", w->dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs("# nobody comes: the kiosk only syncs\nwait 100\n", f);
    assert_int_equal(fclose(f), 0);
    const char *argv[] = {KIOSK_BIN, "--config", w->conf[k], "--headless", "--script", script,
                          "--date",  date,       "--drain",  DRAIN_S,      NULL};
    assert_int_equal(e2e_run_kiosk(argv), 0);
}

static void start_collector(struct world *w)
{
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", w->port);
    const char *extra[] = {"--listen", listen, NULL};
    assert_int_equal(tu_server_start(&w->server, w->db, w->port ? extra : NULL), 0);
    w->port = w->server.port;
}

static void setup_world(struct world *w)
{
    char out[TU_OUTPUT_MAX], err[1024];
    memset(w, 0, sizeof *w);
    assert_int_equal(tu_tempdir("system", w->dir), 0);
    snprintf(w->db, sizeof w->db, "%s/collector.db", w->dir);
    /* Published "in" 2020 (the test-only clock), so that the kiosks' months
     * of 2024 to 2026 fall in its window. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "survey", "publish",
                                  TU_SURVEY_FILE, "--db", w->db, "--date", TU_PUBLISHED_ON, NULL),
                     0);
    for (int k = 0; k < N_KIOSKS; k++) {
        char name[32];
        snprintf(name, sizeof name, "breakroom-%d", k);
        assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", name,
                                      "--db", w->db, NULL),
                         0);
        snprintf(w->token[k], sizeof w->token[k], "%s", tu_chomp(out));
        snprintf(w->conf[k], sizeof w->conf[k], "%s/kiosk%d.conf", w->dir, k);
        snprintf(w->log[k], sizeof w->log[k], "%s/kiosk%d.answers", w->dir, k);
    }
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "admin-token", "--db", w->db, NULL), 0);
    snprintf(w->admin, sizeof w->admin, "%s", tu_chomp(out));
    start_collector(w);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", w->db, NULL), 0);
    snprintf(w->key, sizeof w->key, "%s", tu_chomp(out));
    for (int k = 0; k < N_KIOSKS; k++)
        write_conf(w, k, k == OFFLINE ? CLOSED_URL : w->server.url);
}

static int fiscal_of(const char *month)
{
    int y = atoi(month), m = atoi(month + 5);
    return m >= 4 ? y : y - 1;
}

/* Reads one kiosk's log of chosen answers into e. */
static long tally_log(const char *path, struct expected *e)
{
    json_error_t jerr;
    long lines = 0;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        json_t *r = json_loads(line, 0, &jerr);
        assert_non_null(r);
        int y = fiscal_of(json_string_value(json_object_get(r, "month"))) - FIRST_FY;
        assert_true(y >= 0 && y < N_YEARS);
        e->respondents[y]++;
        for (int q = 0; q < TU_QUESTIONS; q++) {
            char id[8];
            snprintf(id, sizeof id, "q%02d", q + 1);
            json_t *v = json_object_get(json_object_get(r, "answers"), id);
            if (json_is_integer(v)) {
                long value = (long)json_integer_value(v);
                assert_true(value >= 1 && value <= N_VALUES);
                e->counts[y][q][value]++;
            }
        }
        json_decref(r);
        lines++;
    }
    fclose(f);
    return lines;
}

static double round_to(double x, int decimals)
{
    double p = pow(10, decimals);
    return round(x * p) / p;
}

static void expected_stats(const long *counts, long *n, double *mean, double *sd, double *fav)
{
    double sum = 0, sumsq = 0;
    *n = 0;
    for (int v = 1; v <= N_VALUES; v++) {
        *n += counts[v];
        sum += (double)v * counts[v];
    }
    *mean = sum / *n;
    for (int v = 1; v <= N_VALUES; v++)
        sumsq += counts[v] * (v - *mean) * (v - *mean);
    *sd = sqrt(sumsq / (*n - 1));
    *fav = 100.0 * (counts[3] + counts[4]) / *n;
}

static json_t *get_kpi(struct world *w, int fy)
{
    char url[128], auth[TU_TOKEN_MAX + 16];
    struct tu_response r = {0};
    json_error_t jerr;
    snprintf(url, sizeof url, "%s/api/v1/kpi?fiscal_year=%d", w->server.url, fy);
    snprintf(auth, sizeof auth, "Bearer %s", w->admin);
    assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    json_t *kpi = json_loads(r.body, 0, &jerr);
    tu_response_free(&r);
    assert_non_null(kpi);
    return kpi;
}

static void check_item(json_t *item, const long *counts, const double *prev_mean)
{
    long n;
    double mean, sd, fav;
    expected_stats(counts, &n, &mean, &sd, &fav);
    assert_int_equal(json_integer_value(json_object_get(item, "n")), n);
    assert_float_equal(json_real_value(json_object_get(item, "mean")), round_to(mean, 4), 1e-9);
    assert_float_equal(json_real_value(json_object_get(item, "sd")), round_to(sd, 2), 1e-9);
    assert_float_equal(json_number_value(json_object_get(item, "favorable_pct")), round_to(fav, 1),
                       1e-9);
    json_t *jc = json_object_get(item, "counts");
    for (int v = 1; v <= N_VALUES; v++) {
        char key[4];
        snprintf(key, sizeof key, "%d", v);
        assert_int_equal(json_integer_value(json_object_get(jc, key)), counts[v]);
    }
    json_t *pm = json_object_get(item, "previous_mean");
    if (prev_mean)
        assert_float_equal(json_number_value(pm), round_to(*prev_mean, 4), 1e-9);
    else
        assert_true(json_is_null(pm));
}

static void check_year(struct world *w, const struct expected *e, int y)
{
    json_t *kpi = get_kpi(w, FIRST_FY + y);
    assert_int_equal(json_integer_value(json_object_get(kpi, "respondents")), e->respondents[y]);
    assert_false(json_is_true(json_object_get(kpi, "suppressed")));
    json_t *items = json_object_get(kpi, "items");
    assert_int_equal(json_array_size(items), TU_QUESTIONS);
    for (int q = 0; q < TU_QUESTIONS; q++) {
        char id[8];
        long n;
        double prev, sd, fav;
        json_t *item = json_array_get(items, (size_t)q);
        snprintf(id, sizeof id, "q%02d", q + 1);
        assert_string_equal(json_string_value(json_object_get(item, "id")), id);
        if (y > 0)
            expected_stats(e->counts[y - 1][q], &n, &prev, &sd, &fav);
        check_item(item, e->counts[y][q], y > 0 ? &prev : NULL);
    }
    json_decref(kpi);
}

static struct world w;

/* Runs whether the test passed or an assertion ended it: no collector may
 * outlive the test. */
static int stop_collector(void **state)
{
    (void)state;
    if (w.server.pid > 0)
        tu_server_kill(&w.server);
    return 0;
}

static void test_system_delivers_every_response_once_and_the_kpi_matches(void **state)
{
    (void)state;
    struct expected e;
    setup_world(&w);

    /* Fiscal year 2024 (令和6年度) at the three kiosks; the third is offline. */
    respondents(&w, 0, 90, "2024-06-10", 11);
    respondents(&w, 1, 70, "2024-11-05", 12);
    respondents(&w, OFFLINE, 40, "2025-01-20", 13);

    /* The collector dies without warning and comes back on the same port. */
    tu_server_kill(&w.server);
    start_collector(&w);

    /* Fiscal year 2025; kiosk 0's clock then jumps back three weeks. */
    respondents(&w, 0, 60, "2025-05-15", 21);
    respondents(&w, 0, 20, "2025-04-24", 22);
    respondents(&w, 1, 60, "2026-03-01", 23);
    respondents(&w, OFFLINE, 50, "2025-08-01", 24);

    /* Two days later every kiosk seals what waited and the offline one is
     * finally connected. */
    write_conf(&w, OFFLINE, w.server.url);
    drain(&w, 0, "2026-03-05");
    drain(&w, 1, "2026-03-05");
    drain(&w, OFFLINE, "2026-03-05");

    memset(&e, 0, sizeof e);
    long simulated = 0;
    for (int k = 0; k < N_KIOSKS; k++)
        simulated += tally_log(w.log[k], &e);
    assert_int_equal(simulated, 90 + 70 + 40 + 60 + 20 + 60 + 50);
    assert_int_equal(tu_db_count(w.db, "SELECT count(*) FROM responses"), simulated);
    assert_int_equal(tu_db_count(w.db, "SELECT sum(responses) FROM batches"), simulated);
    assert_int_equal(e.respondents[0] + e.respondents[1], simulated);

    /* Figures come only from a release, made once every response is in. */
    assert_int_equal(tu_release(w.db, FIRST_FY), 1);
    assert_int_equal(tu_release(w.db, FIRST_FY + 1), 1);
    check_year(&w, &e, 0);
    check_year(&w, &e, 1);
    assert_int_equal(tu_server_stop(&w.server), 0);
    tu_rmdir(w.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_system_delivers_every_response_once_and_the_kpi_matches,
                                  stop_collector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
