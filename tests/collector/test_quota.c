/* End to end: the collector's protections against one kiosk token filling
 * its disk. A kiosk stores at most --max-responses-per-kiosk-day responses
 * per UTC day of the collector's clock (429 quota_exceeded beyond, nothing
 * stored, the kiosk keeps the batch); the database stops growing at its
 * size cap (--max-db-mb, or 90% of the free space at start), 503 before the
 * disk is full. Days pass by restarting the daemon with --date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "batch.h"
#include "kiosk_store.h"
#include "store.h"
#include "survey.h"
#include "sync.h"
#include "testutil.h"

#define QUOTA      "30" /* responses per kiosk per day in these tests */
#define PER_BATCH  10
#define DAY_ONE    "2025-03-10"
#define DAY_TWO    "2025-03-11"
#define MONTH      "2025-02"
#define UPLOADERS  12 /* concurrent batches of one kiosk: 3 fit the quota */
#define FILL_LIMIT 500

/* --- The daemon's quota ----------------------------------------------- */

static long long batches_with_id(const char *db, const char *id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM batches WHERE batch_id = '%s'", id);
    return tu_db_count(db, sql);
}

static long post(const struct tu_server *s, const char *token, const char *json,
                 struct tu_response *r)
{
    memset(r, 0, sizeof *r);
    assert_int_equal(tu_post_batch(r, s->url, token, json, true), 0);
    return r->status;
}

static void start_day(struct tu_server *s, const char *db, const char *date)
{
    const char *extra[] = {"--max-responses-per-kiosk-day", QUOTA, "--date", date, NULL};
    assert_int_equal(tu_server_start(s, db, extra), 0);
}

static void add_kiosk(const char *db, const char *name, char token[TU_TOKEN_MAX])
{
    char err[256];
    assert_int_equal(
        tu_collector(token, TU_TOKEN_MAX, err, sizeof err, "kiosk", "add", name, "--db", db, NULL),
        0);
    tu_chomp(token);
}

/* The 429 a kiosk over its quota gets: the code, a message an installer
 * can act on (the limit, the retry tomorrow, the option) and a
 * Retry-After up to the next midnight UTC of the collector's clock. */
static void assert_quota_reply(const struct tu_response *r)
{
    char wait[32];
    assert_int_equal(r->status, 429);
    assert_non_null(strstr(r->body, "\"quota_exceeded\""));
    assert_non_null(strstr(r->body, "may store " QUOTA " responses per day"));
    assert_non_null(strstr(r->body, "retries tomorrow"));
    assert_non_null(strstr(r->body, "--max-responses-per-kiosk-day"));
    assert_non_null(tu_header(r, "Retry-After", wait, sizeof wait));
    /* The daemon's day began at midnight when it started, seconds ago. */
    assert_in_range(atol(wait), 86400 - 120, 86400);
}

static void test_quota_fourth_batch_of_the_day_gets_429_and_stores_nothing(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], other[TU_TOKEN_MAX];
    char id[4][37], other_id[37];
    char *json[4], *other_json = tu_batch_json(NULL, PER_BATCH, 99, MONTH, other_id);
    struct tu_server server;
    struct tu_response r;
    (void)state;

    assert_int_equal(tu_tempdir("quota", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    add_kiosk(db, "kiosk-2", other);
    for (int i = 0; i < 4; i++)
        assert_non_null(json[i] = tu_batch_json(NULL, PER_BATCH, (unsigned)i, MONTH, id[i]));
    start_day(&server, db, DAY_ONE);

    for (int i = 0; i < 3; i++) {
        assert_int_equal(post(&server, token, json[i], &r), 201);
        tu_response_free(&r);
    }
    post(&server, token, json[3], &r);
    assert_quota_reply(&r);
    tu_response_free(&r);
    assert_int_equal(batches_with_id(db, id[3]), 0);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 30);
    assert_int_equal(tu_db_count(db, "SELECT responses FROM kiosks WHERE name = 'kiosk-1'"), 30);
    assert_true(tu_server_log_has(&server, "reason=quota_exceeded"));

    /* Another kiosk has a quota of its own; a replay is still a duplicate. */
    assert_int_equal(post(&server, other, other_json, &r), 201);
    tu_response_free(&r);
    assert_int_equal(post(&server, token, json[0], &r), 200);
    assert_non_null(strstr(r.body, id[0]));
    tu_response_free(&r);
    assert_int_equal(tu_server_stop(&server), 0);

    /* The next day the refused batch is stored, once. */
    start_day(&server, db, DAY_TWO);
    assert_int_equal(post(&server, token, json[3], &r), 201);
    tu_response_free(&r);
    assert_int_equal(post(&server, token, json[3], &r), 200);
    tu_response_free(&r);
    assert_int_equal(tu_server_stop(&server), 0);
    assert_int_equal(batches_with_id(db, id[3]), 1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 50);
    assert_int_equal(tu_release(db, 2024), 1);
    assert_int_equal(
        tu_db_count(db, "SELECT count FROM release_respondent_counts WHERE attribute_id = ''"), 50);
    for (int i = 0; i < 4; i++)
        free(json[i]);
    free(other_json);
    tu_rmdir(dir);
}

struct uploader {
    const char *url, *token;
    pthread_barrier_t *go;
    unsigned seed;
    long status;
};

static void *upload(void *arg)
{
    struct uploader *u = arg;
    struct tu_response r = {0};
    char *json = tu_batch_json(NULL, PER_BATCH, u->seed, MONTH, NULL);

    pthread_barrier_wait(u->go);
    if (json && tu_post_batch(&r, u->url, u->token, json, true) == 0)
        u->status = r.status;
    tu_response_free(&r);
    free(json);
    return NULL;
}

/* The check and the insert are one transaction of the group writer: a
 * burst of one kiosk's batches cannot slip past the quota together. */
static void test_quota_holds_for_concurrent_batches_of_one_kiosk(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct uploader u[UPLOADERS];
    pthread_t t[UPLOADERS];
    pthread_barrier_t go;
    struct tu_server server;
    int stored = 0, refused = 0;
    (void)state;

    assert_int_equal(tu_tempdir("quota-burst", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    start_day(&server, db, DAY_ONE);
    pthread_barrier_init(&go, NULL, UPLOADERS);
    for (int i = 0; i < UPLOADERS; i++) {
        u[i] = (struct uploader){
            .url = server.url, .token = token, .go = &go, .seed = 500u + (unsigned)i};
        assert_int_equal(pthread_create(&t[i], NULL, upload, &u[i]), 0);
    }
    for (int i = 0; i < UPLOADERS; i++) {
        pthread_join(t[i], NULL);
        stored += u[i].status == 201;
        refused += u[i].status == 429;
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(tu_server_stop(&server), 0);
    assert_int_equal(stored, 3);
    assert_int_equal(refused, UPLOADERS - 3);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 30);
    tu_rmdir(dir);
}

static void test_quota_options_are_checked(void **state)
{
    char err[512];
    (void)state;

    assert_int_equal(tu_collector(NULL, 0, err, sizeof err, "serve", "--db", "x.db",
                                  "--max-responses-per-kiosk-day", "0", NULL),
                     2);
    assert_non_null(strstr(err, "--max-responses-per-kiosk-day must be a whole number from 1"));
    assert_int_equal(
        tu_collector(NULL, 0, err, sizeof err, "serve", "--db", "x.db", "--max-db-mb", "-1", NULL),
        2);
    assert_non_null(strstr(err, "--max-db-mb must be a whole number from 1"));
}

/* --- A real kiosk over its quota -------------------------------------- */

struct kiosk {
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], listen[32];
    struct tu_server server;
    struct survey *survey;
    struct kiosk_config cfg;
    struct kiosk_store *st;
};

/* A collector and a kiosk store and configuration that point at it; the
 * collector always listens on the same port, so that it can restart. */
static void kiosk_setup(struct kiosk *k)
{
    char err[SURVEY_ERR_LEN];
    int port = tu_free_port();

    assert_int_equal(tu_tempdir("quota-kiosk", k->dir), 0);
    snprintf(k->db, sizeof k->db, "%s/collector.db", k->dir);
    assert_int_equal(tu_setup_db(k->db, k->token, NULL), 0);
    assert_int_equal(survey_load_file(TU_SURVEY_FILE, &k->survey, err, sizeof err), SURVEY_OK);
    snprintf(k->listen, sizeof k->listen, "127.0.0.1:%d", port);
    kiosk_config_defaults(&k->cfg);
    snprintf(k->cfg.collector_url, sizeof k->cfg.collector_url, "http://%s", k->listen);
    snprintf(k->cfg.token, sizeof k->cfg.token, "%s", k->token);
    snprintf(k->cfg.db, sizeof k->cfg.db, "%.480s/kiosk.db", k->dir);
    k->cfg.sync_interval_s = 1;
    k->cfg.max_backoff_s = 1; /* the Retry-After of a 429 is a floor within this cap */
    k->cfg.heartbeat_interval_s = 60;
    assert_int_equal(kiosk_store_open(k->cfg.db, &k->st, NULL, err, sizeof err), 0);
    /* The kiosk seals each answer for the collector's key (issue 11): the
     * key it would get with the survey, given here before any answer. */
    char key[TU_OUTPUT_MAX], kerr[1024];
    assert_int_equal(
        tu_collector(key, sizeof key, kerr, sizeof kerr, "key", "init", "--db", k->db, NULL), 0);
    assert_int_equal(kiosk_store_set_collector_key(k->st, tu_chomp(key)), 0);
}

static void kiosk_collector(struct kiosk *k, const char *date)
{
    const char *extra[] = {"--listen", k->listen, "--max-responses-per-kiosk-day", QUOTA, "--date",
                           date,       NULL};
    assert_int_equal(tu_server_start(&k->server, k->db, extra), 0);
}

/* Response n answers the 12 questions with n's base-4 digits, so that the
 * collector's rows tell whether any response arrived twice; sealed as
 * batches of PER_BATCH. */
static void kiosk_answer(struct kiosk *k, int batches)
{
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES] = {BATCH_OPTION_NONE};
    char err[256];
    for (int n = 0; n < batches * PER_BATCH; n++) {
        for (size_t i = 0, x = (size_t)n; i < k->survey->n_questions; i++, x /= 4)
            values[i] = 1 + (int)(x % 4);
        assert_int_equal(
            kiosk_store_submit(k->st, k->survey, MONTH, values, options, err, sizeof err), 0);
        if (n % PER_BATCH == PER_BATCH - 1)
            assert_int_equal(kiosk_store_seal(k->st, PER_BATCH, time(NULL), err, sizeof err), 1);
    }
}

static void test_quota_kiosk_over_its_quota_gets_429_and_loses_nothing(void **state)
{
    struct kiosk k = {0};
    struct sync_status ss;
    struct sync *s;
    char err[256];
    (void)state;

    kiosk_setup(&k);
    kiosk_answer(&k, 5); /* 50 responses: 30 fit today */
    kiosk_collector(&k, DAY_ONE);
    assert_non_null(s = sync_start(&k.cfg, err, sizeof err));
    assert_false(sync_drain(s, 4));
    sync_get_status(s, &ss);
    assert_int_equal(ss.sealed, 2); /* kept, not quarantined: sent again later */
    assert_int_equal(ss.quarantined, 0);
    assert_non_null(strstr(ss.last_error, "HTTP 429"));
    assert_int_equal(tu_db_count(k.db, "SELECT count(*) FROM responses"), 30);

    /* The next day the kiosk delivers the rest, each response once. */
    assert_int_equal(tu_server_stop(&k.server), 0);
    kiosk_collector(&k, DAY_TWO);
    assert_true(sync_drain(s, 30));
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(ss.sealed, 0);
    assert_int_equal(ss.quarantined, 0);
    assert_int_equal(tu_db_count(k.db, "SELECT count(*) FROM batches"), 5);
    assert_int_equal(tu_db_count(k.db, "SELECT count(*) FROM responses"), 50);
    assert_int_equal(tu_release(k.db, 2024), 1);
    assert_int_equal(tu_db_count(k.db, "SELECT count(DISTINCT answers) FROM released_responses"),
                     50);
    assert_int_equal(tu_server_stop(&k.server), 0);
    kiosk_store_close(k.st);
    survey_free(k.survey);
    tu_rmdir(k.dir);
}

/* --- The size cap ------------------------------------------------------ */

static void fingerprint(const char *db, long long out[4])
{
    out[0] = tu_db_count(db, "SELECT count(*) FROM batches");
    out[1] = tu_db_count(db, "SELECT count(*) FROM responses");
    out[2] = tu_db_count(db, "SELECT count(DISTINCT sealed) FROM responses");
    out[3] = tu_db_count(db, "SELECT responses FROM kiosks");
}

static void test_quota_max_db_mb_answers_503_when_full_and_stores_no_part(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    const char *extra[] = {"--max-db-mb", "1", "--max-responses-per-kiosk-day", "1000000", NULL};
    long long before[4], after[4];
    struct tu_server server;
    struct tu_response r = {0};
    int stored = 0;
    (void)state;

    assert_int_equal(tu_tempdir("quota-mb", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    assert_int_equal(tu_server_start(&server, db, extra), 0);
    for (int i = 0; i < FILL_LIMIT && r.status != 503; i++) {
        char *json = tu_batch_json(NULL, 200, (unsigned)i, MONTH, NULL);
        tu_response_free(&r);
        fingerprint(db, before);
        post(&server, token, json, &r);
        stored += r.status == 201;
        assert_true(r.status == 201 || r.status == 503);
        free(json);
    }
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"storage_unavailable\""));
    assert_non_null(strstr(r.body, "the collector's storage is full"));
    tu_response_free(&r);
    fingerprint(db, after);
    assert_memory_equal(before, after, sizeof before);
    assert_true(stored > 0);
    assert_true(tu_server_log_has(&server, "may grow to 1 MiB"));
    assert_int_equal(tu_server_stop(&server), 0);
    assert_true(tu_db_count(db, "PRAGMA page_count") * tu_db_count(db, "PRAGMA page_size") <=
                1 << 20);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 200LL * stored);
    assert_int_equal(tu_db_count(db, "SELECT responses FROM kiosks"), 200LL * stored);
    tu_rmdir(dir);
}

static void test_quota_default_size_cap_is_logged(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32];
    struct tu_server server;
    (void)state;

    assert_int_equal(tu_tempdir("quota-cap", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, NULL, NULL), 0);
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    assert_true(tu_server_log_has(&server, "event=size_cap"));
    assert_true(tu_server_log_has(&server, "source=free-space"));
    assert_int_equal(tu_server_stop(&server), 0);
    tu_rmdir(dir);
}

static void test_quota_cap_pages_from_free_space_or_megabytes(void **state)
{
    const uint64_t mib = 1u << 20;
    (void)state;

    /* The database now plus 90% of the free space. */
    assert_int_equal(store_cap_pages(0, mib, 10 * mib, 4096), 10 * mib / 4096);
    assert_int_equal(store_cap_pages(0, 0, 1000, 1), 900);
    assert_int_equal(store_cap_pages(0, 4096, 0, 4096), 1);
    assert_int_equal(store_cap_pages(0, 0, 0, 4096), 1);
    /* --max-db-mb wins over the free space. */
    assert_int_equal(store_cap_pages(1, 100 * mib, 100 * mib, 4096), 256);
    assert_int_equal(store_cap_pages(3, 0, 0, 65536), 48);
    /* Never beyond what SQLite accepts, never an overflow. */
    assert_int_equal(store_cap_pages(0, UINT64_MAX, UINT64_MAX, 512), STORE_MAX_PAGES);
    assert_int_equal(store_cap_pages(STORE_MAX_DB_MB, 0, 0, 512), STORE_MAX_PAGES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quota_fourth_batch_of_the_day_gets_429_and_stores_nothing),
        cmocka_unit_test(test_quota_holds_for_concurrent_batches_of_one_kiosk),
        cmocka_unit_test(test_quota_options_are_checked),
        cmocka_unit_test(test_quota_kiosk_over_its_quota_gets_429_and_loses_nothing),
        cmocka_unit_test(test_quota_max_db_mb_answers_503_when_full_and_stores_no_part),
        cmocka_unit_test(test_quota_default_size_cap_is_logged),
        cmocka_unit_test(test_quota_cap_pages_from_free_space_or_megabytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
