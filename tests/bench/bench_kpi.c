/* Benchmark: the plan-period KPI JSON with a heatmap over three attributes
 * (group_by=department,age,employment), 1,000,000 stored responses of the
 * 20-item Kamaishi survey spread over the five fiscal years of its plan
 * (FY2023..FY2027, each released). The responses go in through the
 * collector's own store code (decode, validate, store_batch_insert: sealed
 * rows), then store_release opens and counts them; the KPI of FY2027 is
 * timed against a naive scan of that year's released rows, measured in
 * the same run.
 * Usage: bench_kpi [RESPONSES]   (default 1000000; the database is kept in
 * the test output folder and reused when it already holds that many). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "crypto.h"
#include "kpi_query.h"
#include "report_json.h"
#include "store.h"
#include "survey.h"

#define BENCH_DB        TEST_OUTPUT_DIR "/bench-kpi-plan.db"
#define BENCH_BATCH     1000 /* responses per batch, the protocol's cap */
#define BENCH_RUNS      21   /* timed KPI runs; the median is printed */
#define BENCH_SCANS     3    /* naive scans (each reads every raw row) */
#define BENCH_QUESTIONS 20
#define BENCH_SURVEY    "kamaishi-wellbeing"
#define BENCH_FIRST_FY  2023 /* the plan's years */
#define BENCH_YEARS     5
#define BENCH_REPORT_FY (BENCH_FIRST_FY + BENCH_YEARS - 1)
#define BENCH_GROUP_BY  "department,age,employment"
#define BENCH_GOAL_S    0.020

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One respondent's attributes: each of the three, or left unanswered. */
static int attributes_text(char *out, size_t cap, unsigned *seed)
{
    static const char *const emp[] = {"regular", "regular", "kaikei"};
    static const char *const dep[] = {"somu",     "shimin", "fukushi", "sangyo",
                                      "kensetsu", "kyoiku", "other"};
    static const char *const age[] = {"to29", "30s", "40s", "50up"};
    unsigned r = (unsigned)rand_r(seed);

    if (r % 20 == 0)
        return snprintf(out, cap, "{}");
    return snprintf(out, cap, "{\"employment\":\"%s\",\"department\":\"%s\",\"age\":\"%s\"}",
                    emp[r % 3], dep[(r / 3) % 7], age[(r / 21) % 4]);
}

/* A batch of n responses; answers lean towards 4 of 5 as real staff surveys do. */
static char *batch_text(int n, const char *month, unsigned *seed)
{
    size_t cap = 128 + (size_t)n * 420, len = 0;
    char id[CRYPTO_UUID_LEN], *out = malloc(cap);

    if (!out || crypto_uuid4(id) != 0)
        exit(1);
    len += (size_t)snprintf(out + len, cap - len,
                            "{\"format\":1,\"batch_id\":\"%s\",\"survey_id\":"
                            "\"" BENCH_SURVEY "\",\"survey_version\":1,\"responses\":[",
                            id);
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(out + len, cap - len, "%s{\"month\":\"%s\",\"answers\":{",
                                i ? "," : "", month);
        for (int q = 1; q <= BENCH_QUESTIONS; q++) {
            unsigned r = (unsigned)rand_r(seed) % 10;
            int v = r < 1 ? 1 : r < 2 ? 2 : r < 4 ? 3 : r < 8 ? 4 : 5;
            len += (size_t)snprintf(out + len, cap - len, "%s\"q%02d\":%d", q > 1 ? "," : "", q, v);
        }
        len += (size_t)snprintf(out + len, cap - len, "},\"attributes\":");
        len += (size_t)attributes_text(out + len, cap - len, seed);
        len += (size_t)snprintf(out + len, cap - len, "}");
    }
    snprintf(out + len, cap - len, "]}");
    return out;
}

static void store_one(struct store *st, int64_t kiosk, const struct survey *s, const char *text)
{
    struct batch *b = NULL;
    char err[BATCH_ERR_LEN], sha[CRYPTO_SHA256_HEX], *enc = NULL;
    size_t enclen = 0;

    if (batch_decode(text, strlen(text), &b, err, sizeof err) != BATCH_OK ||
        batch_validate(b, s, err, sizeof err) != BATCH_OK ||
        batch_encode(b, &enc, &enclen) != BATCH_OK) {
        fprintf(stderr, "bench_kpi: batch refused: %s\n", err);
        exit(1);
    }
    crypto_sha256_hex(enc, enclen, sha);
    if (store_batch_insert(st, kiosk, b, s, sha) != STORE_OK) {
        fprintf(stderr, "bench_kpi: store_batch_insert failed\n");
        exit(1);
    }
    free(enc);
    batch_free(b);
}

/* Fills the database: the responses spread evenly over the plan's years,
 * each dated February of its fiscal year. */
static void fill(long total, const struct survey *s)
{
    struct store *st = NULL;
    struct store_kiosk k;
    char err[STORE_ERR_LEN], token[CRYPTO_TOKEN_LEN + 1], hash[CRYPTO_SHA256_HEX];
    bool was_new;
    unsigned seed = 42;
    double t0 = now_s();

    unlink(BENCH_DB);
    if (store_open(BENCH_DB, NULL, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "bench_kpi: %s\n", err);
        exit(1);
    }
    crypto_token_new(token);
    crypto_sha256_hex(token, strlen(token), hash);
    if (store_survey_publish(st, s, &was_new) != STORE_OK ||
        store_kiosk_add(st, "bench", hash) != STORE_OK ||
        store_kiosk_by_token(st, hash, &k) != STORE_OK)
        exit(1);
    for (long done = 0; done < total; done += BENCH_BATCH) {
        int n = total - done < BENCH_BATCH ? (int)(total - done) : BENCH_BATCH;
        char month[16];
        snprintf(month, sizeof month, "%d-02",
                 BENCH_FIRST_FY + 1 + (int)(done * BENCH_YEARS / total));
        char *text = batch_text(n, month, &seed);
        store_one(st, k.kiosk_id, s, text);
        free(text);
    }
    store_close(st);
    printf("stored %ld responses through store_batch_insert in %.1f s\n", total, now_s() - t0);
}

/* Releases every fiscal year (a no-op for a year already released) and
 * prints how long each release took: the figures come only from releases. */
static void release_all(void)
{
    struct store *st = NULL;
    char err[STORE_ERR_LEN];

    if (store_open(BENCH_DB, NULL, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "bench_kpi: %s\n", err);
        exit(1);
    }
    for (int fy = BENCH_FIRST_FY; fy <= BENCH_REPORT_FY; fy++) {
        struct store_release r;
        double t0 = now_s();
        if (store_release(st, BENCH_SURVEY, fy, KPI_DEFAULT_MIN_GROUP, "release", &r) != STORE_OK)
            exit(1);
        if (r.added)
            printf("release of FY%d (%lld responses): %.1f s\n", fy, r.added, now_s() - t0);
    }
    store_close(st);
}

static long stored_responses(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long n = -1;

    if (access(BENCH_DB, R_OK) == 0 &&
        sqlite3_open_v2(BENCH_DB, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM responses)"
                           " + (SELECT count(*) FROM released_responses)",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* One KPI JSON as GET /api/v1/kpi makes it: query plus rendering. */
static double time_kpi(sqlite3 *db, const char *group_by, size_t *json_len)
{
    struct kpi_query_params p = {.fiscal_year = BENCH_REPORT_FY, .group_by = group_by};
    struct kpi_result *r = NULL;
    char err[KPI_QUERY_ERR_LEN];
    double t0 = now_s();
    char *json;

    if (kpi_query_run(db, &p, &r, err, sizeof err) != KPI_QUERY_OK) {
        fprintf(stderr, "bench_kpi: %s\n", err);
        exit(1);
    }
    json = report_json(r, json_len);
    kpi_result_free(r);
    free(json);
    return now_s() - t0;
}

static double median_kpi(sqlite3 *db, const char *group_by, size_t *len)
{
    double t[BENCH_RUNS];

    for (int i = 0; i < BENCH_RUNS; i++)
        t[i] = time_kpi(db, group_by, len);
    qsort(t, BENCH_RUNS, sizeof t[0], cmp_double);
    return t[BENCH_RUNS / 2];
}

/* What a system without aggregates would do: read and parse every
 * released answer of the year and count. */
static double time_naive(sqlite3 *db, long *rows)
{
    sqlite3_stmt *q = NULL;
    long counts[BENCH_QUESTIONS][6] = {{0}};
    double t0 = now_s();

    *rows = 0;
    sqlite3_prepare_v2(db,
                       "SELECT answers FROM released_responses WHERE survey_id = ?1 AND"
                       " fiscal_year = ?2",
                       -1, &q, NULL);
    sqlite3_bind_text(q, 1, BENCH_SURVEY, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, BENCH_REPORT_FY);
    while (sqlite3_step(q) == SQLITE_ROW) {
        json_t *a = json_loads((const char *)sqlite3_column_text(q, 0), 0, NULL);
        const char *key;
        json_t *v;
        json_object_foreach(a, key, v)
        {
            int qi = atoi(key + 1) - 1;
            int val = (int)json_integer_value(v);
            if (qi >= 0 && qi < BENCH_QUESTIONS && val >= 1 && val <= 5)
                counts[qi][val]++;
        }
        json_decref(a);
        (*rows)++;
    }
    sqlite3_finalize(q);
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 1000000;
    struct survey *s = NULL;
    char err[SURVEY_ERR_LEN];
    sqlite3 *db = NULL;
    double t_all, t_heat, naive[BENCH_SCANS];
    size_t len = 0;
    long rows = 0;

    if (total < 2 || survey_load_file(SURVEYS_DIR "/kamaishi-wellbeing.json", &s, err,
                                      sizeof err) != SURVEY_OK) {
        fprintf(stderr, "bench_kpi: %s\n", total < 2 ? "RESPONSES must be 2 or more" : err);
        return 1;
    }
    if (stored_responses() != total)
        fill(total, s);
    else
        printf("reusing %s with %ld responses\n", BENCH_DB, total);
    survey_free(s);
    release_all();
    if (sqlite3_open_v2(BENCH_DB, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 1;
    t_all = median_kpi(db, NULL, &len);
    printf("plan-period KPI JSON, FY%d, %ld responses over %d fiscal years: median %.3f ms of %d"
           " runs (%zu bytes)\n",
           BENCH_REPORT_FY, total, BENCH_YEARS, t_all * 1e3, BENCH_RUNS, len);
    t_heat = median_kpi(db, BENCH_GROUP_BY, &len);
    printf("with the heatmap over group_by=%s: median %.3f ms of %d runs (%zu bytes)\n",
           BENCH_GROUP_BY, t_heat * 1e3, BENCH_RUNS, len);
    for (int i = 0; i < BENCH_SCANS; i++)
        naive[i] = time_naive(db, &rows);
    qsort(naive, BENCH_SCANS, sizeof naive[0], cmp_double);
    printf("naive scan of the %ld raw FY%d responses: median %.1f ms of %d runs (%.0fx the"
           " heatmap JSON)\n",
           rows, BENCH_REPORT_FY, naive[BENCH_SCANS / 2] * 1e3, BENCH_SCANS,
           naive[BENCH_SCANS / 2] / t_heat);
    printf("goal: the heatmap JSON under %.0f ms -> %s\n", BENCH_GOAL_S * 1e3,
           t_heat < BENCH_GOAL_S ? "met" : "NOT met");
    sqlite3_close(db);
    return t_heat < BENCH_GOAL_S ? 0 : 1;
}
