/* End to end: 50 kiosks upload at once (one thread and one libcurl handle
 * each, released together), then all send again. Each batch must be stored
 * exactly once: 50 x 201, then 50 x 200, and the totals add up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    assert_int_equal(tu_db_count(db, "SELECT count FROM respondent_counts WHERE attribute_id "
                                     "= '' AND fiscal_year = 2024"),
                     UPLOADERS * RESPONSES_PER);
    assert_int_equal(tu_db_count(db, "SELECT sum(count) FROM answer_counts WHERE attribute_id "
                                     "= ''"),
                     UPLOADERS * RESPONSES_PER * TU_QUESTIONS);
    assert_int_equal(tu_db_count(db, "SELECT batches FROM kiosks WHERE name = 'kiosk-1'"),
                     UPLOADERS);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_50_concurrent_uploaders_each_stored_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
