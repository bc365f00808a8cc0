/* Benchmark: the kiosk UI at 1920x1080 (or a size given) with SDL's software renderer, run
 * as the real program headless. Per run: cold start to the first frame
 * (from just before exec), peak RSS (wait4), the time from a tap to its
 * frame (median and worst of 26 taps), and frames drawn during an idle
 * minute of virtual time on welcome (goal 0). Prints the medians of runs.
 * Then the cost of one submit in the kiosk's store (sealed, committed and
 * the files rebuilt so that nothing orders the responses) with 0, 100 and
 * 2,000 responses waiting, beside a bare SQLite insert of the same row with
 * the same pragmas, measured in the same run.
 * Usage: bench_kiosk [RUNS [WxH]]   (default 7, 1920x1080). Goals: first frame < 200 ms,
 * RSS < 60 MB, tap to frame < 16 ms, no frames while idle. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiosk_store.h"
#include "survey.h"

#define BENCH_DIR       TEST_OUTPUT_DIR "/bench-kiosk"
#define BENCH_MAX_RUNS  51
#define BENCH_SURVEY    SURVEYS_DIR "/goshogawara-staff.json"
#define BENCH_QUESTIONS 12
#define BENCH_SUBMITS   15 /* timed submits per store size */
/* A pinned collector key, as an installer gives a kiosk that starts from a
 * survey file: without one it seals nothing and cannot start. */
#define BENCH_COLLECTOR_KEY "ssk1:y8gjGQJvH2tTtG+IjzlcXLM3PUbCB7ZtYucIhTt3Ugs="

static const char *bench_size = "1920x1080"; /* --size of the kiosk */

struct sample {
    double first_frame_ms, rss_mb, tap_median_ms, tap_max_ms;
};

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* An idle minute on welcome, then a whole respondent: 26 taps. */
static int write_script(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "count frames\nwait 60000\nexpect frames 0\n");
    fprintf(f, "tap @start\ntap @choose 1\nwait 500\n");
    for (int i = 0; i < BENCH_QUESTIONS; i++)
        fprintf(f, "tap @choose %d\nwait 500\n", 1 + i % 4);
    /* 見直す: the list, then each item opened and left with 次へ. */
    fprintf(f, "expect screen confirm\ntap @review\n");
    for (int i = 0; i < BENCH_QUESTIONS / 2; i++)
        fprintf(f, "tap @item %d\ntap @next\n", 2 + i);
    fprintf(f, "tap @confirm\ntap @send\nexpect stored 1\n");
    return fclose(f);
}

static int run_once(int i, struct sample *out)
{
    char db[512], conf[1024], stats[512], script[512], t0[32];
    snprintf(db, sizeof db, "%s/run-%d.db", BENCH_DIR, i);
    snprintf(stats, sizeof stats, "%s/stats-%d.json", BENCH_DIR, i);
    snprintf(script, sizeof script, "%s/bench.script", BENCH_DIR);
    unlink(db);
    snprintf(conf, sizeof conf,
             "collector_url = http://127.0.0.1:9\ntoken = bench-token-0123456789\ndb = %s\n"
             "min_batch = 1000\nidle_timeout_s = 120\ncollector_key = " BENCH_COLLECTOR_KEY "\n",
             db);
    char conf_path[512];
    snprintf(conf_path, sizeof conf_path, "%s/bench.conf", BENCH_DIR);
    if (write_text(conf_path, conf) != 0)
        return -1;
    long long start = mono_ns();
    snprintf(t0, sizeof t0, "%lld", start);
    pid_t pid = fork();
    if (pid == 0) {
        execl(KIOSK_BIN, KIOSK_BIN, "--config", conf_path, "--headless", "--script", script,
              "--survey", BENCH_SURVEY, "--date", "2025-02-10", "--size", bench_size, "--stats",
              stats, "--t0-ns", t0, (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_kiosk: the kiosk failed (run %d)\n", i);
        return -1;
    }
    json_t *j = json_load_file(stats, 0, NULL);
    if (!j)
        return -1;
    out->first_frame_ms = json_real_value(json_object_get(j, "first_frame_ms"));
    out->tap_median_ms = json_real_value(json_object_get(j, "tap_to_frame_ms_median"));
    out->tap_max_ms = json_real_value(json_object_get(j, "tap_to_frame_ms_max"));
    out->rss_mb = ru.ru_maxrss / 1024.0;
    json_decref(j);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return v[n / 2];
}

/* ---- the cost of one submit ---- */

static int submit_one(struct kiosk_store *st, const struct survey *sv)
{
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES];
    char err[KSTORE_ERR_LEN];
    for (size_t i = 0; i < sv->n_questions; i++)
        values[i] = sv->points[i % sv->n_points].value;
    for (size_t j = 0; j < sv->n_attributes; j++)
        options[j] = 0;
    if (kiosk_store_submit(st, sv, "2025-02", values, options, err, sizeof err) != 0) {
        fprintf(stderr, "bench_kiosk: %s\n", err);
        return -1;
    }
    return 0;
}

/* Runs sql on the file at path through a connection of its own. */
static int exec_on(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

/* A store with `waiting` responses: one submitted, copied under random ids
 * (2,000 fsync'ed submits would take long), then opened again, which
 * rebuilds it. */
static struct kiosk_store *store_with(const char *path, const struct survey *sv, int waiting)
{
    char err[KSTORE_ERR_LEN], sql[512];
    struct kiosk_store *st = NULL;
    unlink(path); /* a store closed cleanly leaves no -wal or -shm */
    if (kiosk_store_open(path, &st, NULL, err, sizeof err) != 0 ||
        kiosk_store_set_collector_key(st, BENCH_COLLECTOR_KEY) != 0 ||
        (waiting > 0 && submit_one(st, sv) != 0))
        goto fail;
    kiosk_store_close(st);
    st = NULL;
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO sealed_responses(id, survey_id, survey_version, sealed)"
             " SELECT abs(random()), survey_id, survey_version, sealed FROM sealed_responses, n",
             waiting - 1);
    if ((waiting > 1 && exec_on(path, sql) != 0) ||
        kiosk_store_open(path, &st, NULL, err, sizeof err) != 0)
        goto fail;
    return st;
fail:
    fprintf(stderr, "bench_kiosk: cannot prepare a store of %d: %s\n", waiting, err);
    kiosk_store_close(st);
    return NULL;
}

/* The median time of BENCH_SUBMITS submits into a store of `waiting`. */
static double submit_ms(const struct survey *sv, int waiting)
{
    char path[512];
    double t[BENCH_SUBMITS];
    snprintf(path, sizeof path, "%s/submit-%d.db", BENCH_DIR, waiting);
    struct kiosk_store *st = store_with(path, sv, waiting);
    if (!st)
        return -1;
    for (int i = 0; i < BENCH_SUBMITS; i++) {
        long long t0 = mono_ns();
        if (submit_one(st, sv) != 0) {
            kiosk_store_close(st);
            return -1;
        }
        t[i] = (double)(mono_ns() - t0) / 1e6;
    }
    kiosk_store_close(st);
    unlink(path);
    return median_of(t, BENCH_SUBMITS);
}

/* The baseline: the same sealed row inserted and committed by bare SQLite,
 * with the store's pragmas and nothing else (what a submit cost before the
 * files were rebuilt after it). */
static double bare_insert_ms(void)
{
    char path[512];
    double t[BENCH_SUBMITS];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    char text[600];
    memset(text, 'A', sizeof text - 1); /* a sealed response is about this long */
    text[sizeof text - 1] = '\0';
    snprintf(path, sizeof path, "%s/bare.db", BENCH_DIR);
    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                     " PRAGMA secure_delete = ON; CREATE TABLE sealed_responses("
                     " id INTEGER PRIMARY KEY, survey_id TEXT NOT NULL,"
                     " survey_version INTEGER NOT NULL, sealed TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO sealed_responses VALUES(abs(random()),"
                           " 'goshogawara-staff', 1, ?)",
                           -1, &ins, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_bind_text(ins, 1, text, -1, SQLITE_STATIC);
    for (int i = 0; i < BENCH_SUBMITS; i++) {
        long long t0 = mono_ns();
        sqlite3_step(ins);
        sqlite3_reset(ins);
        t[i] = (double)(mono_ns() - t0) / 1e6;
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    unlink(path);
    return median_of(t, BENCH_SUBMITS);
}

/* Prints the submit costs; returns 0, or -1 when a store could not be made. */
static int bench_submits(void)
{
    static const int sizes[] = {0, 100, 2000};
    char err[SURVEY_ERR_LEN];
    struct survey *sv = NULL;
    if (survey_load_file(BENCH_SURVEY, &sv, err, sizeof err) != SURVEY_OK) {
        fprintf(stderr, "bench_kiosk: %s\n", err);
        return -1;
    }
    double bare = bare_insert_ms();
    printf("one submit (sealed, committed, files rebuilt), median of %d:\n", BENCH_SUBMITS);
    printf("  bare SQLite insert, same row and pragmas (baseline)  %7.2f ms\n", bare);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        double ms = submit_ms(sv, sizes[i]);
        if (ms < 0) {
            survey_free(sv);
            return -1;
        }
        printf("  with %4d responses waiting                          %7.2f ms   (%.1f x the "
               "baseline)\n",
               sizes[i], ms, bare > 0 ? ms / bare : 0);
    }
    survey_free(sv);
    return 0;
}

static double median(struct sample *s, int n, size_t offset)
{
    double v[BENCH_MAX_RUNS];
    for (int i = 0; i < n; i++)
        v[i] = *(const double *)((const char *)&s[i] + offset);
    return median_of(v, n);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    if (argc > 2)
        bench_size = argv[2];
    if (runs < 1 || runs > BENCH_MAX_RUNS) {
        fprintf(stderr, "usage: bench_kiosk [RUNS 1..%d]\n", BENCH_MAX_RUNS);
        return 1;
    }
    struct sample s[BENCH_MAX_RUNS];
    mkdir(TEST_OUTPUT_DIR, 0755);
    mkdir(BENCH_DIR, 0755);
    char script[512];
    snprintf(script, sizeof script, "%s/bench.script", BENCH_DIR);
    if (write_script(script) != 0)
        return 1;
    for (int i = 0; i < runs; i++) {
        if (run_once(i, &s[i]) != 0)
            return 1;
    }
    double ff = median(s, runs, offsetof(struct sample, first_frame_ms));
    double rss = median(s, runs, offsetof(struct sample, rss_mb));
    double tap = median(s, runs, offsetof(struct sample, tap_median_ms));
    double worst = median(s, runs, offsetof(struct sample, tap_max_ms));
    printf("kiosk UI, %s, software renderer, median of %d runs:\n", bench_size, runs);
    printf("  cold start to first frame  %7.1f ms   (goal < 200 ms)\n", ff);
    printf("  peak RSS                   %7.1f MB   (goal < 60 MB)\n", rss);
    printf("  tap to next frame, median  %7.2f ms   (goal < 16 ms)\n", tap);
    printf("  tap to next frame, worst   %7.2f ms   (median over runs of each run's worst)\n",
           worst);
    printf("  frames in an idle minute         0      (goal 0; every run's script asserts it)\n");
    bool ok = ff < 200 && rss < 60 && tap < 16;
    if (bench_submits() != 0)
        return 1;
    printf("%s\n", ok ? "all goals met" : "GOALS MISSED");
    return ok ? 0 : 2;
}
