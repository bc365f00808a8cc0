/* End to end: a database that cannot grow (PRAGMA max_page_count through
 * `serve --max-db-pages`, as a full disk behaves) answers 503 to a batch
 * that does not fit, keeps the database exactly as it was and keeps
 * serving; once the limit is lifted the kiosk's retry stores it once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void fingerprint(const char *db, long long out[4])
{
    out[0] = tu_db_count(db, "SELECT count(*) FROM batches");
    out[1] = tu_db_count(db, "SELECT count(*) FROM responses");
    out[2] = tu_db_count(db, "SELECT count(DISTINCT sealed) FROM responses");
    out[3] = tu_db_count(db, "SELECT responses FROM kiosks");
}

static void test_store_full_answers_503_and_changes_nothing(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], pages[32], id[37];
    long long before[4], after[4];
    struct tu_server server;
    struct tu_response r;
    char *small = tu_batch_json(NULL, 5, 1, "2025-02", NULL);
    char *big = tu_batch_json(NULL, 1000, 2, "2025-02", id);
    (void)state;

    assert_int_equal(tu_tempdir("full", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    /* Room for a few pages more than now: a small batch fits, 1000 responses do not. */
    snprintf(pages, sizeof pages, "%lld", tu_db_count(db, "PRAGMA page_count") + 12);
    const char *limit[] = {"--max-db-pages", pages, NULL};
    assert_int_equal(tu_server_start(&server, db, limit), 0);

    fingerprint(db, before);
    assert_int_equal(tu_post_batch(&r, server.url, token, big, true), 0);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "storage_unavailable"));
    assert_non_null(tu_header(&r, "Retry-After", pages, sizeof pages));
    tu_response_free(&r);
    fingerprint(db, after);
    assert_memory_equal(before, after, sizeof before);
    assert_true(tu_server_log_has(&server, "reason=storage_unavailable"));

    /* The collector still works for what fits. */
    assert_int_equal(tu_post_batch(&r, server.url, token, small, true), 0);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    assert_int_equal(tu_server_stop(&server), 0);

    /* More room: the retry is stored, once. */
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    assert_int_equal(tu_post_batch(&r, server.url, token, big, true), 0);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, id));
    tu_response_free(&r);
    assert_int_equal(tu_post_batch(&r, server.url, token, big, true), 0);
    assert_int_equal(r.status, 200);
    tu_response_free(&r);
    assert_int_equal(tu_server_stop(&server), 0);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), 2);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 1005);
    assert_int_equal(tu_release(db, 2024), 1);
    assert_int_equal(
        tu_db_count(db, "SELECT count FROM release_respondent_counts WHERE attribute_id = ''"),
        1005);
    free(small);
    free(big);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_full_answers_503_and_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
