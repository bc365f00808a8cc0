/* End to end: 50 kiosks upload at once (one thread and one libcurl handle
 * each, released together), then all send again. Each batch must be stored
 * exactly once: 50 x 201, then 50 x 200, and the totals add up.
 * The release made from them must equal a recount of them. Then: an
 * upload that waits for the database holds up no other kiosk's
 * connection, even connections opened in the same burst. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "helper_recount.h"
#include "testutil.h"

#define UPLOADERS     50
#define RESPONSES_PER 10

struct uploader {
    const char *url, *token;
    pthread_barrier_t *start;
    unsigned seed;
    char id[37];
    long first, second;
    int second_names_id;
};

static void *upload(void *arg)
{
    struct uploader *u = arg;
    struct tu_response r;
    char *json = tu_batch_json(NULL, RESPONSES_PER, u->seed, "2024-11", u->id);

    pthread_barrier_wait(u->start);
    if (tu_post_batch(&r, u->url, u->token, json, true) == 0)
        u->first = r.status;
    else
        fprintf(stderr, "first upload failed: %s\n", r.error);
    tu_response_free(&r);
    if (tu_post_batch(&r, u->url, u->token, json, true) == 0) {
        u->second = r.status;
        u->second_names_id = strstr(r.body, u->id) != NULL;
    } else {
        fprintf(stderr, "second upload failed: %s\n", r.error);
    }
    tu_response_free(&r);
    free(json);
    return NULL;
}

static void test_ingest_50_concurrent_uploaders_each_stored_once(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct uploader u[UPLOADERS];
    pthread_t t[UPLOADERS];
    pthread_barrier_t start;
    struct tu_server server;
    (void)state;

    assert_int_equal(tu_tempdir("concurrent", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    pthread_barrier_init(&start, NULL, UPLOADERS);
    for (int i = 0; i < UPLOADERS; i++) {
        u[i] = (struct uploader){
            .url = server.url, .token = token, .start = &start, .seed = 1000u + (unsigned)i};
        assert_int_equal(pthread_create(&t[i], NULL, upload, &u[i]), 0);
    }
    for (int i = 0; i < UPLOADERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < UPLOADERS; i++) {
        assert_int_equal(u[i].first, 201);
        assert_int_equal(u[i].second, 200);
        assert_true(u[i].second_names_id);
    }
    assert_int_equal(tu_server_stop(&server), 0);

    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), UPLOADERS);
    assert_int_equal(tu_db_count(db, "SELECT count(DISTINCT batch_id) FROM responses"), UPLOADERS);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), UPLOADERS * RESPONSES_PER);
    assert_int_equal(tu_db_count(db, "SELECT batches FROM kiosks WHERE name = 'kiosk-1'"),
                     UPLOADERS);
    assert_int_equal(tu_release(db, 2024), 1);
    assert_int_equal(tu_db_count(db, "SELECT count FROM release_respondent_counts WHERE"
                                     " attribute_id = '' AND fiscal_year = 2024"),
                     UPLOADERS * RESPONSES_PER);
    assert_int_equal(tu_db_count(db, "SELECT sum(count) FROM release_answer_counts WHERE"
                                     " attribute_id = ''"),
                     UPLOADERS * RESPONSES_PER * TU_QUESTIONS);
    assert_int_equal(helper_aggregates_mismatch(db), 0);
    tu_rmdir(dir);
}

#define KEEPALIVE 8 /* kiosks with a connection open before the database is locked */

struct kiosk_conn {
    CURL *c;
    struct curl_slist *headers;
    pthread_barrier_t *start;
    const char *url;
    long status;
};

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* GET base/metrics on the handle's connection: a request that needs no
 * database (/healthz does: it asks whether the database takes a write,
 * and says 503 while the lock below is held). The status, 0 on failure. */
static long probe(struct kiosk_conn *k)
{
    char url[128];
    long status = 0;

    snprintf(url, sizeof url, "%s/metrics", k->url);
    curl_easy_setopt(k->c, CURLOPT_URL, url);
    curl_easy_setopt(k->c, CURLOPT_HTTPGET, 1L);
    if (curl_easy_perform(k->c) == CURLE_OK)
        curl_easy_getinfo(k->c, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static void *open_conn(void *arg)
{
    struct kiosk_conn *k = arg;

    pthread_barrier_wait(k->start);
    k->status = probe(k);
    return NULL;
}

struct blocked_upload {
    struct kiosk_conn *k;
    const char *token;
    void *z;
    size_t zlen;
    long status;
};

static void *upload_on_conn(void *arg)
{
    struct blocked_upload *u = arg;
    char url[128], auth[TU_TOKEN_MAX + 32];

    snprintf(url, sizeof url, "%s/api/v1/batches", u->k->url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", u->token);
    u->k->headers = curl_slist_append(u->k->headers, auth);
    u->k->headers = curl_slist_append(u->k->headers, "Content-Type: application/json");
    u->k->headers = curl_slist_append(u->k->headers, "Content-Encoding: deflate");
    curl_easy_setopt(u->k->c, CURLOPT_URL, url);
    curl_easy_setopt(u->k->c, CURLOPT_HTTPHEADER, u->k->headers);
    curl_easy_setopt(u->k->c, CURLOPT_POSTFIELDS, u->z);
    curl_easy_setopt(u->k->c, CURLOPT_POSTFIELDSIZE, (long)u->zlen);
    if (curl_easy_perform(u->k->c) == CURLE_OK)
        curl_easy_getinfo(u->k->c, CURLINFO_RESPONSE_CODE, &u->status);
    return NULL;
}

/* KEEPALIVE kiosks open their connections in one burst. The database is
 * then locked by another process (as the CLI may), and kiosk 0 uploads: its
 * request waits for the lock. Meanwhile every other kiosk's request on its
 * already open connection must be answered at once. A server whose worker
 * threads each serve several connections fails this when kiosk 0 shares a
 * thread with another: that kiosk waits for the lock too. */
static void test_ingest_blocked_upload_holds_up_no_other_connection(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct kiosk_conn k[KEEPALIVE];
    struct blocked_upload up = {.k = &k[0], .token = token};
    pthread_t t[KEEPALIVE], ut;
    pthread_barrier_t start;
    struct tu_server server;
    sqlite3 *lock = NULL;
    char *json = tu_batch_json(NULL, 20, 77u, "2024-11", NULL);
    (void)state;

    assert_int_equal(batch_deflate(json, strlen(json), &up.z, &up.zlen), BATCH_OK);
    const char *public_metrics[] = {"--metrics-public", NULL};
    assert_int_equal(
        tu_fixture_start(&server, "blocked", dir, db, sizeof db, token, NULL, public_metrics), 0);
    pthread_barrier_init(&start, NULL, KEEPALIVE);
    for (int i = 0; i < KEEPALIVE; i++) {
        k[i] = (struct kiosk_conn){.c = curl_easy_init(), .start = &start, .url = server.url};
        curl_easy_setopt(k[i].c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(k[i].c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(k[i].c, CURLOPT_TIMEOUT, 30L);
        assert_int_equal(pthread_create(&t[i], NULL, open_conn, &k[i]), 0);
    }
    for (int i = 0; i < KEEPALIVE; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(k[i].status, 200);
    }
    pthread_barrier_destroy(&start);

    assert_int_equal(sqlite3_open(db, &lock), SQLITE_OK);
    assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(pthread_create(&ut, NULL, upload_on_conn, &up), 0);
    struct timespec settle = {0, 300 * 1000 * 1000}; /* the upload reaches the lock */
    nanosleep(&settle, NULL);
    for (int i = 1; i < KEEPALIVE; i++) {
        long reused = -1;
        double t0 = tu_now();
        assert_int_equal(probe(&k[i]), 200);
        double waited = tu_now() - t0;
        curl_easy_getinfo(k[i].c, CURLINFO_NUM_CONNECTS, &reused);
        assert_int_equal(reused, 0); /* the connection of the burst, not a new one */
        if (waited > 1.0)
            fail_msg("kiosk %d waited %.1f s behind the blocked upload", i, waited);
    }
    assert_int_equal(up.status, 0); /* still waiting: the lock was held throughout */
    assert_int_equal(sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(lock);
    pthread_join(ut, NULL);
    assert_int_equal(up.status, 201);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 20);
    for (int i = 0; i < KEEPALIVE; i++) {
        curl_easy_cleanup(k[i].c);
        curl_slist_free_all(k[i].headers);
    }
    free(up.z);
    free(json);
    assert_int_equal(tu_fixture_stop(&server, dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_50_concurrent_uploaders_each_stored_once),
        cmocka_unit_test(test_ingest_blocked_upload_holds_up_no_other_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
