/* End to end: /healthz says 503, with the reason, when the database cannot
 * be written: while another process holds its write lock, and after a
 * batch met a full store; 200 again once writing works (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];

static long healthz(const struct tu_server *s, char *body, size_t len)
{
    char url[128];
    struct tu_response r;
    long status;

    snprintf(url, sizeof url, "%s/healthz", s->url);
    assert_int_equal(tu_http(&r, "GET", url, NULL, NULL, NULL, 0), 0);
    status = r.status;
    snprintf(body, len, "%s", r.body ? r.body : "");
    tu_response_free(&r);
    return status;
}

static void test_healthz_503_while_the_write_lock_is_held_elsewhere(void **state)
{
    struct tu_server s;
    sqlite3 *other = NULL;
    char body[512];
    (void)state;

    assert_int_equal(tu_fixture_start(&s, "health-lock", dir, db, sizeof db, token, NULL, NULL), 0);
    assert_int_equal(healthz(&s, body, sizeof body), 200);
    assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(healthz(&s, body, sizeof body), 503);
    assert_non_null(strstr(body, "\"reason\":\"the database cannot take a write"));
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(healthz(&s, body, sizeof body), 200);
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

static void test_healthz_503_after_a_batch_met_a_full_store(void **state)
{
    char pages[32], body[512];
    struct tu_server s;
    struct tu_response r;
    char *small = tu_batch_json(NULL, 5, 1, "2025-02", NULL);
    char *big = tu_batch_json(NULL, 1000, 2, "2025-02", NULL);
    (void)state;

    assert_int_equal(tu_tempdir("health-full", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    snprintf(pages, sizeof pages, "%lld", tu_db_count(db, "PRAGMA page_count") + 12);
    const char *limit[] = {"--max-db-pages", pages, NULL};
    assert_int_equal(tu_server_start(&s, db, limit), 0);
    assert_int_equal(tu_post_batch(&r, s.url, token, big, true), 0);
    assert_int_equal(r.status, 503);
    tu_response_free(&r);
    assert_int_equal(healthz(&s, body, sizeof body), 503);
    assert_non_null(strstr(body, "the last batch could not be stored"));
    /* What fits is stored, and the collector is healthy again. */
    assert_int_equal(tu_post_batch(&r, s.url, token, small, true), 0);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    assert_int_equal(healthz(&s, body, sizeof body), 200);
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
    free(small);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthz_503_while_the_write_lock_is_held_elsewhere),
        cmocka_unit_test(test_healthz_503_after_a_batch_met_a_full_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
