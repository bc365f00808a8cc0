/* Benchmark: the release of one fiscal year of 1,000,000 sealed responses
 * of the 12-item Goshogawara survey (issue 11: under 60 s). The responses
 * go in through the collector's own store code (store_batch_insert seals
 * each batch of format 1 for the key file beside the database), into a
 * template database kept in the test output folder and reused when it
 * already holds that many. Each run releases a fresh copy of it; beside
 * it, in the same run, the baseline: reading every sealed row and opening
 * it, which any release must do. Medians of RUNS runs.
 * Usage: bench_release [RESPONSES [RUNS]]   (default 1000000, 3). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "crypto.h"
#include "keys.h"
#include "kpi.h"
#include "seal.h"
#include "store.h"
#include "survey.h"

/* The test utilities come in as source (tests/CMakeLists.txt builds only
 * this file), for tu_batch_json and the clock. */
#include "../common/testutil.c"

#define TEMPLATE TEST_OUTPUT_DIR "/bench-release.db"
#define WORK     TEST_OUTPUT_DIR "/bench-release-run.db"
#define PER      BATCH_MAX_RESPONSES
#define RUNS     3 /* runs unless the command line says otherwise */

static void die(const char *what)
{
    fprintf(stderr, "bench_release: %s\n", what);
    exit(1);
}

static void store_text(struct store *st, int64_t kiosk, const struct survey *s, const char *text)
{
    struct batch *b = NULL;
    char err[BATCH_ERR_LEN], sha[CRYPTO_SHA256_HEX], *enc = NULL;
    size_t len = 0;

    if (batch_decode(text, strlen(text), &b, err, sizeof err) != BATCH_OK ||
        batch_validate(b, s, err, sizeof err) != BATCH_OK ||
        batch_encode(b, &enc, &len) != BATCH_OK)
        die(err);
    crypto_sha256_hex(enc, len, sha);
    if (store_batch_insert(st, kiosk, b, s, sha) != STORE_OK)
        die("store_batch_insert failed");
    free(enc);
    batch_free(b);
}

static void fill(long total, const struct survey *s)
{
    struct store *st = NULL;
    struct store_kiosk k;
    char err[STORE_ERR_LEN], token[CRYPTO_TOKEN_LEN + 1], hash[CRYPTO_SHA256_HEX], keys[256];
    bool was_new;
    double t0 = tu_now();

    snprintf(keys, sizeof keys, "%s" KEYS_SUFFIX, TEMPLATE);
    unlink(TEMPLATE);
    unlink(keys);
    if (store_open(TEMPLATE, NULL, &st, err, sizeof err) != STORE_OK)
        die(err);
    crypto_token_new(token);
    crypto_sha256_hex(token, strlen(token), hash);
    if (store_survey_publish(st, s, &was_new) != STORE_OK ||
        store_kiosk_add(st, "bench", hash) != STORE_OK ||
        store_kiosk_by_token(st, hash, &k) != STORE_OK)
        die("cannot set the template up");
    for (long done = 0; done < total; done += PER) {
        int n = total - done < PER ? (int)(total - done) : PER;
        char *text = tu_batch_json(NULL, n, 7u + (unsigned)(done / PER), "2025-02", NULL);
        store_text(st, k.kiosk_id, s, text);
        free(text);
    }
    store_close(st);
    printf("stored %ld sealed responses through store_batch_insert in %.1f s\n", total,
           tu_now() - t0);
}

static void copy(const char *from, const char *to)
{
    char cmd[1024];

    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp -p '%s" KEYS_SUFFIX "' '%s" KEYS_SUFFIX "'", from,
             to, from, to);
    if (system(cmd) != 0)
        die("cannot copy the template");
}

/* The baseline: every sealed row read and opened, nothing else. */
static double open_all(long expect)
{
    char err[KEYS_ERR_LEN];
    struct keys *k = NULL;
    struct seal_keyring *kr;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long n = 0;
    double t0 = tu_now();

    if (keys_open(WORK, false, &k, NULL, err, sizeof err) != KEYS_OK)
        die(err);
    kr = keys_keyring(k);
    keys_close(k);
    if (sqlite3_open_v2(WORK, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT sealed FROM responses", -1, &q, NULL) != SQLITE_OK)
        die("cannot read the copy");
    while (sqlite3_step(q) == SQLITE_ROW) {
        char *plain = NULL;
        size_t len = 0;
        if (seal_open(kr, (const char *)sqlite3_column_text(q, 0),
                      (size_t)sqlite3_column_bytes(q, 0), &plain, &len) != SEAL_OK)
            die("a sealed row does not open");
        seal_plain_free(plain, len);
        n++;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    seal_keyring_free(kr);
    if (n != expect)
        die("the copy does not hold every response");
    return tu_now() - t0;
}

static double release_once(long expect)
{
    struct store *st = NULL;
    struct store_release r;
    char err[STORE_ERR_LEN];
    double t0;

    if (store_open(WORK, NULL, &st, err, sizeof err) != STORE_OK)
        die(err);
    t0 = tu_now();
    if (store_release(st, TU_SURVEY_ID, 2024, KPI_DEFAULT_MIN_GROUP, "release", &r) != STORE_OK ||
        r.added != expect)
        die(r.error[0] ? r.error : "the release did not take every response");
    t0 = tu_now() - t0;
    store_close(st);
    return t0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : RUNS;
    double rel[RUNS], base[RUNS], ratio[RUNS];
    struct survey *s = NULL;
    char err[SURVEY_ERR_LEN];

    if (runs < 1 || runs > RUNS)
        die("RUNS must be 1 to 3");
    if (total < 1 || survey_load_file(TU_SURVEY_FILE, &s, err, sizeof err) != SURVEY_OK)
        die(total < 1 ? "RESPONSES must be 1 or more" : err);
    if (access(TEMPLATE, R_OK) != 0 ||
        tu_db_count(TEMPLATE, "SELECT count(*) FROM responses WHERE fiscal_year = 2024") != total)
        fill(total, s);
    else
        printf("reusing %s with %ld sealed responses\n", TEMPLATE, total);
    survey_free(s);
    for (int i = 0; i < runs; i++) {
        copy(TEMPLATE, WORK);
        base[i] = open_all(total);
        rel[i] = release_once(total);
        ratio[i] = rel[i] / base[i];
        printf("  run %d: release %.1f s, reading and opening alone %.1f s, ratio %.1f\n", i + 1,
               rel[i], base[i], ratio[i]);
    }
    printf("release of FY2024, %ld sealed responses: %.1f s (median of %d; goal under 60 s),"
           " %.1f x reading and opening them\n",
           total, median(rel, runs), runs, median(ratio, runs));
    unlink(WORK);
    return median(rel, runs) < 60 ? 0 : 1;
}
