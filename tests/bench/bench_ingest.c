/* Ingest benchmark (not a test): the real `collector serve` on loopback,
 * KIOSKS threads acting as kiosks (one keep-alive libcurl connection each)
 * upload deflated batches of RESPONSES responses to the 12-item survey.
 * Prints responses stored per second and p50/p99 batch latency, and beside
 * it the ceiling: a bare SQLite insert of the same rows with the same schema
 * and pragmas (the batch row and one sealed row per response, one
 * transaction per batch) in this process. Each is run RUNS times; medians are printed. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "fiscal.h"
#include "schema.h"
#include "survey.h"

/* The bench target compiles only this file (tests/CMakeLists.txt); the
 * test utilities come in as source so that it starts the daemon exactly as
 * the tests do. */
#include "../common/testutil.c"
#include "seal.h"

#define KIOSKS    8
#define PER_KIOSK 25  /* batches per kiosk per run */
#define RESPONSES 200 /* per batch */
#define RUNS      5
#define N_BATCHES (KIOSKS * PER_KIOSK)

struct payload {
    char *json;
    void *z;
    size_t zlen;
};

static struct payload payloads[N_BATCHES];
static struct payload sealed_payloads[N_BATCHES]; /* format 2, remade for each run's key */
static struct payload *current = payloads;        /* what the kiosk threads send */
static double latencies[N_BATCHES];

struct kiosk_thread {
    int index;
    const char *url, *token;
    pthread_barrier_t *go;
    int failures;
};

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

static void *kiosk_run(void *arg)
{
    struct kiosk_thread *k = arg;
    char url[128], auth[TU_TOKEN_MAX + 32];
    struct curl_slist *h = NULL;
    CURL *c = curl_easy_init();

    snprintf(url, sizeof url, "%s/api/v1/batches", k->url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", k->token);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Content-Encoding: deflate");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    pthread_barrier_wait(k->go);
    for (int b = 0; b < PER_KIOSK; b++) {
        int i = k->index * PER_KIOSK + b;
        long status = 0;
        double t0 = tu_now();
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, current[i].z);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)current[i].zlen);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        latencies[i] = tu_now() - t0;
        k->failures += status != 201;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* CPU seconds (user + system) a process has used so far, from /proc. */
static double process_cpu(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long utime = 0, stime = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the command name, which ends with the last ')'. */
    if ((p = strrchr(buf, ')')))
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seals every response of payloads[] for the collector key of db (made by
 * `collector key init`), as a kiosk does when each is given, into
 * sealed_payloads[]: format 2, deflated. Before the clock starts. */
static int seal_payloads(const char *db)
{
    char out[TU_OUTPUT_MAX], err[1024];
    unsigned char pk[SEAL_KEY_BYTES];
    struct seal_session *ses;

    if (tu_collector(out, sizeof out, err, sizeof err, "key", "init", "--db", db, NULL) != 0 ||
        seal_pk_from_text(tu_chomp(out), pk) != 0 || !(ses = seal_session_new(pk)))
        return -1;
    for (int i = 0; i < N_BATCHES; i++) {
        json_t *root = json_loads(payloads[i].json, 0, NULL), *arr, *r, *texts = json_array();
        size_t k;
        arr = json_object_get(root, "responses");
        json_array_foreach(arr, k, r)
        {
            char *plain = json_dumps(r, JSON_COMPACT), *sealed = NULL;
            size_t len = 0;
            if (seal_response(ses, plain, strlen(plain), &sealed, &len) != SEAL_OK)
                return -1;
            json_array_append_new(texts, json_string(sealed));
            free(plain);
            free(sealed);
        }
        json_object_set_new(root, "format", json_integer(2));
        json_object_set_new(root, "responses", texts);
        free(sealed_payloads[i].z);
        char *text = json_dumps(root, JSON_COMPACT);
        batch_deflate(text, strlen(text), &sealed_payloads[i].z, &sealed_payloads[i].zlen);
        free(text);
        json_decref(root);
    }
    seal_session_free(ses);
    return 0;
}

/* One run against the daemon: responses/s, p50 and p99 latency (s), and
 * the daemon's CPU time per 1000 responses (ms). sealed: the kiosks send
 * format 2, every response sealed for the collector's key. */
static int run_daemon(bool sealed, double *rate, double *p50, double *p99, double *cpu_ms)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct kiosk_thread k[KIOSKS];
    pthread_t t[KIOSKS];
    pthread_barrier_t go;
    struct tu_server server;
    /* Every thread uploads with the one kiosk token: lift its daily quota. */
    const char *const extra[] = {"--max-responses-per-kiosk-day", "1000000", NULL};
    int failures = 0;

    if (tu_tempdir("bench", dir) != 0)
        return -1;
    snprintf(db, sizeof db, "%s/collector.db", dir);
    if (tu_setup_db(db, token, NULL) != 0 || (sealed && seal_payloads(db) != 0) ||
        tu_server_start(&server, db, extra) != 0)
        return -1;
    current = sealed ? sealed_payloads : payloads;
    pthread_barrier_init(&go, NULL, KIOSKS + 1);
    for (int i = 0; i < KIOSKS; i++) {
        k[i] = (struct kiosk_thread){.index = i, .url = server.url, .token = token, .go = &go};
        pthread_create(&t[i], NULL, kiosk_run, &k[i]);
    }
    double cpu0 = process_cpu(server.pid);
    pthread_barrier_wait(&go);
    double t0 = tu_now();
    for (int i = 0; i < KIOSKS; i++) {
        pthread_join(t[i], NULL);
        failures += k[i].failures;
    }
    double elapsed = tu_now() - t0;
    double cpu1 = process_cpu(server.pid);
    pthread_barrier_destroy(&go);
    tu_server_stop(&server);
    long long stored = tu_db_count(db, "SELECT count(*) FROM responses");
    if (failures || stored != (long long)N_BATCHES * RESPONSES) {
        fprintf(stderr, "bench: %d uploads failed, %lld responses stored; see %s\n", failures,
                stored, server.log_path);
        return -1;
    }
    qsort(latencies, N_BATCHES, sizeof latencies[0], cmp_double);
    *rate = (double)stored / elapsed;
    *cpu_ms = (cpu1 - cpu0) * 1e3 / ((double)stored / 1000);
    *p50 = latencies[N_BATCHES / 2];
    *p99 = latencies[(N_BATCHES * 99) / 100];
    tu_rmdir(dir);
    return 0;
}

/* The rows of one batch, computed before the clock starts: each response
 * sealed for a key of this process, as the store writes it. */
struct rows {
    struct batch *b;
    char **sealed;
    char key_id[SEAL_KEY_ID_LEN];
    int *fy;
};

static struct rows rows[N_BATCHES];

static int prepare_rows(const struct survey *s)
{
    char err[BATCH_ERR_LEN];
    unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];
    struct seal_session *se = NULL;

    if (seal_keypair_new(pk, sk) != 0 || !(se = seal_session_new(pk)))
        return -1;
    for (int i = 0; i < N_BATCHES; i++) {
        struct rows *w = &rows[i];
        if (batch_decode(payloads[i].json, strlen(payloads[i].json), &w->b, err, sizeof err) ||
            batch_validate(w->b, s, err, sizeof err)) {
            fprintf(stderr, "bench: sample batch %d: %s\n", i, err);
            return -1;
        }
        seal_key_id(pk, w->key_id);
        w->sealed = calloc(w->b->n_responses, sizeof *w->sealed);
        w->fy = calloc(w->b->n_responses, sizeof *w->fy);
        for (size_t r = 0; r < w->b->n_responses; r++) {
            char *plain = NULL;
            size_t len = 0;
            if (batch_encode_response(&w->b->responses[r], &plain, &len) != BATCH_OK ||
                seal_response(se, plain, len, &w->sealed[r], &len) != SEAL_OK)
                return -1;
            free(plain);
            fiscal_year_of_month(w->b->responses[r].month, &w->fy[r]);
        }
    }
    seal_session_free(se);
    return 0;
}

enum { S_BATCH, S_RESP, S_KIOSK, S_N };

static const char *const bare_sql[S_N] = {
    "INSERT INTO batches VALUES (?1, 1, ?2, 1, 'x', ?3, '2025-01-01T00:00:00Z')",
    "INSERT INTO responses (batch_id, survey_id, survey_version, fiscal_year, key_id, sealed) "
    "VALUES (?1,?2,1,?3,?4,?5)",
    "UPDATE kiosks SET batches = batches + 1, responses = responses + ?1 WHERE kiosk_id = 1",
};

static void bare_batch(sqlite3 *db, sqlite3_stmt **st, const struct rows *w)
{
    const struct batch *b = w->b;
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    sqlite3_bind_text(st[S_BATCH], 1, b->batch_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st[S_BATCH], 2, b->survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st[S_BATCH], 3, (sqlite3_int64)b->n_responses);
    sqlite3_step(st[S_BATCH]);
    sqlite3_reset(st[S_BATCH]);
    for (size_t r = 0; r < b->n_responses; r++) {
        sqlite3_stmt *s = st[S_RESP];
        sqlite3_bind_text(s, 1, b->batch_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, b->survey_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, w->fy[r]);
        sqlite3_bind_text(s, 4, w->key_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, w->sealed[r], -1, SQLITE_STATIC);
        sqlite3_step(s);
        sqlite3_reset(s);
    }
    sqlite3_bind_int64(st[S_KIOSK], 1, (sqlite3_int64)b->n_responses);
    sqlite3_step(st[S_KIOSK]);
    sqlite3_reset(st[S_KIOSK]);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

/* One run of the ceiling: responses/s of the bare inserts, and CPU time
 * per 1000 responses (ms). */
static int run_bare(double *rate, double *cpu_ms)
{
    char dir[TU_PATH_MAX], path[TU_PATH_MAX + 32];
    sqlite3 *db = NULL;
    sqlite3_stmt *st[S_N] = {0};
    int rc = -1;

    if (tu_tempdir("bench-bare", dir) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bare.db", dir);
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(
            db,
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
            "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;" SCHEMA_V1_SQL SCHEMA_V2_SQL
                SCHEMA_V3_SQL "DROP TABLE responses_v2;"
            "INSERT INTO surveys (survey_id, version, definition, sha256, published_at, active)"
            " VALUES ('" TU_SURVEY_ID "', 1, '{}', 'x', 'now', 1);"
            "INSERT INTO kiosks (kiosk_id, name, token_sha256, created_at) VALUES "
            "(1, 'k', 'h', 'now');",
            NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    for (int i = 0; i < S_N; i++)
        if (sqlite3_prepare_v2(db, bare_sql[i], -1, &st[i], NULL) != SQLITE_OK)
            goto out;
    double t0 = tu_now(), c0 = thread_cpu();
    for (int i = 0; i < N_BATCHES; i++)
        bare_batch(db, st, &rows[i]);
    double elapsed = tu_now() - t0;
    *cpu_ms = (thread_cpu() - c0) * 1e3 / ((double)N_BATCHES * RESPONSES / 1000);
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM responses", -1, &q, NULL);
    if (sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_int64(q, 0) == (sqlite3_int64)N_BATCHES * RESPONSES) {
        *rate = (double)N_BATCHES * RESPONSES / elapsed;
        rc = 0;
    }
    sqlite3_finalize(q);
out:
    if (rc != 0)
        fprintf(stderr, "bench: bare insert failed: %s\n", sqlite3_errmsg(db));
    for (int i = 0; i < S_N; i++)
        sqlite3_finalize(st[i]);
    sqlite3_close(db);
    tu_rmdir(dir);
    return rc;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

int main(void)
{
    char err[SURVEY_ERR_LEN];
    struct survey *s = NULL;
    double rate[RUNS], p50[RUNS], p99[RUNS], bare[RUNS], ratio[RUNS], cpu[RUNS], bare_cpu[RUNS];
    double s_rate[RUNS], s_p50[RUNS], s_p99[RUNS], s_cpu[RUNS], s_ratio[RUNS];

    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (survey_load_file(TU_SURVEY_FILE, &s, err, sizeof err) != SURVEY_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    for (int i = 0; i < N_BATCHES; i++) {
        payloads[i].json = tu_batch_json(NULL, RESPONSES, 4242u + (unsigned)i, "2025-02", NULL);
        batch_deflate(payloads[i].json, strlen(payloads[i].json), &payloads[i].z,
                      &payloads[i].zlen);
    }
    if (prepare_rows(s) != 0)
        return 1;
    printf("bench_ingest: %d kiosks x %d batches x %d responses, %d runs, medians\n", KIOSKS,
           PER_KIOSK, RESPONSES, RUNS);
    for (int r = 0; r < RUNS; r++) {
        if (run_daemon(false, &rate[r], &p50[r], &p99[r], &cpu[r]) != 0 ||
            run_daemon(true, &s_rate[r], &s_p50[r], &s_p99[r], &s_cpu[r]) != 0 ||
            run_bare(&bare[r], &bare_cpu[r]) != 0)
            return 1;
        ratio[r] = rate[r] / bare[r];
        s_ratio[r] = s_rate[r] / bare[r];
        printf("  run %d: daemon %.0f responses/s (p50 %.1f ms, p99 %.1f ms), sealed %.0f "
               "responses/s, bare SQLite %.0f responses/s, ratio %.2f (sealed %.2f)\n",
               r + 1, rate[r], p50[r] * 1e3, p99[r] * 1e3, s_rate[r], bare[r], ratio[r],
               s_ratio[r]);
    }
    double m_rate = median(rate, RUNS), m_bare = median(bare, RUNS);
    printf("daemon:      %.0f responses/s stored, batch latency p50 %.1f ms, p99 %.1f ms\n", m_rate,
           median(p50, RUNS) * 1e3, median(p99, RUNS) * 1e3);
    printf("sealed:      %.0f responses/s stored (format 2, opened at the collector), batch "
           "latency p50 %.1f ms, p99 %.1f ms, CPU %.1f ms per 1000, %.2f of the ceiling\n",
           median(s_rate, RUNS), median(s_p50, RUNS) * 1e3, median(s_p99, RUNS) * 1e3,
           median(s_cpu, RUNS), median(s_ratio, RUNS));
    printf("bare SQLite: %.0f responses/s (same rows, schema and pragmas; one transaction per "
           "batch)\n",
           m_bare);
    /* The ceiling moves with the disk's fsync latency, which other work on
     * the machine changes from second to second; the two measurements of a
     * run are taken back to back, so the median of the runs' ratios is the
     * fairer comparison. */
    printf("CPU per 1000 responses: daemon %.1f ms (HTTP, inflate, decode, validate, hash, "
           "store), bare insert %.1f ms\n",
           median(cpu, RUNS), median(bare_cpu, RUNS));
    printf("ratio:       %.2f of the ceiling (median of the runs' ratios; %.2f of the medians)\n",
           median(ratio, RUNS), m_rate / m_bare);
    survey_free(s);
    curl_global_cleanup();
    return 0;
}
