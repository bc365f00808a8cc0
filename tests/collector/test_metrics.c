/* End to end: GET /metrics in the Prometheus text format counts what the
 * daemon did: batches and responses stored, rejects by reason, requests by
 * status, and a latency histogram whose buckets are cumulative. It needs
 * the admin token unless the daemon runs with --metrics-public. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static long metric(const char *text, const char *name)
{
    char key[256];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(text, key);
    return p ? atol(p + strlen(key)) : -1;
}

/* GET /metrics with the given Authorization value (or none); the status,
 * and the WWW-Authenticate header into www (empty when absent). */
static long get_metrics(const struct tu_server *server, const char *auth, char *www, size_t wlen)
{
    char url[256];
    struct tu_response r;
    long status;

    snprintf(url, sizeof url, "%s/metrics", server->url);
    assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
    status = r.status;
    if (!tu_header(&r, "WWW-Authenticate", www, wlen))
        www[0] = '\0';
    tu_response_free(&r);
    return status;
}

static void test_metrics_count_stored_and_rejected(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], url[256], type[128];
    char admin[TU_TOKEN_MAX], bearer[TU_TOKEN_MAX + 16];
    struct tu_server server;
    struct tu_response r;
    char *json = tu_batch_json(NULL, 15, 3, "2025-02", NULL);
    (void)state;

    assert_int_equal(tu_tempdir("metrics", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, admin), 0);
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    snprintf(bearer, sizeof bearer, "Bearer %s", admin);

    assert_int_equal(tu_post_batch(&r, server.url, token, json, true), 0);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    assert_int_equal(tu_post_batch(&r, server.url, token, json, true), 0);
    assert_int_equal(r.status, 200);
    tu_response_free(&r);
    assert_int_equal(tu_post_batch(&r, server.url, "wrong-token", json, true), 0);
    assert_int_equal(r.status, 401);
    tu_response_free(&r);
    assert_int_equal(tu_post_batch(&r, server.url, token, "{]", false), 0);
    assert_int_equal(r.status, 400);
    tu_response_free(&r);

    /* Completed requests are counted (and then logged) just after their
     * answer went out, each in its own pool thread: wait for all four. */
    assert_true(tu_server_log_has(&server, "status=201"));
    assert_true(tu_server_log_has(&server, "status=200"));
    assert_true(tu_server_log_has(&server, "status=401"));
    assert_true(tu_server_log_has(&server, "status=400"));
    snprintf(url, sizeof url, "%s/metrics", server.url);
    assert_int_equal(tu_http(&r, "GET", url, bearer, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(tu_header(&r, "Content-Type", type, sizeof type));
    assert_non_null(strstr(type, "text/plain"));
    assert_int_equal(metric(r.body, "collector_batches_stored_total"), 1);
    assert_int_equal(metric(r.body, "collector_responses_stored_total"), 15);
    assert_int_equal(metric(r.body, "collector_batches_duplicate_total"), 1);
    assert_int_equal(metric(r.body, "collector_rejects_total{reason=\"unauthorized\"}"), 1);
    assert_int_equal(metric(r.body, "collector_rejects_total{reason=\"bad_request\"}"), 1);
    assert_int_equal(metric(r.body, "collector_requests_total{status=\"201\"}"), 1);
    assert_non_null(strstr(r.body, "# TYPE collector_request_duration_seconds histogram"));
    long count = metric(r.body, "collector_request_duration_seconds_count");
    assert_true(count >= 4);
    assert_int_equal(metric(r.body, "collector_request_duration_seconds_bucket{le=\"+Inf\"}"),
                     count);
    /* Cumulative: each bucket holds at least the one before. */
    long prev = 0;
    for (const char *p = r.body; (p = strstr(p, "_bucket{le=\""));) {
        const char *v = strchr(p, ' ');
        long n = atol(v + 1);
        assert_true(n >= prev);
        prev = n;
        p = v;
    }
    tu_response_free(&r);
    assert_int_equal(tu_server_stop(&server), 0);
    free(json);
    tu_rmdir(dir);
}

/* When batches arrive is not for everyone on the network to read. */
static void test_metrics_need_the_admin_token(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], kiosk[TU_TOKEN_MAX], admin[TU_TOKEN_MAX];
    char auth[TU_TOKEN_MAX + 16], www[128];
    struct tu_server server;
    (void)state;

    assert_int_equal(
        tu_fixture_start(&server, "metrics-auth", dir, db, sizeof db, kiosk, admin, NULL), 0);
    assert_int_equal(get_metrics(&server, NULL, www, sizeof www), 401);
    assert_non_null(strstr(www, "Basic realm=\"collector\""));
    snprintf(auth, sizeof auth, "Bearer %s", kiosk);
    assert_int_equal(get_metrics(&server, auth, www, sizeof www), 401);
    assert_int_equal(get_metrics(&server, "Bearer not-a-token", www, sizeof www), 401);
    snprintf(auth, sizeof auth, "Bearer %s", admin);
    assert_int_equal(get_metrics(&server, auth, www, sizeof www), 200);
    assert_string_equal(www, "");
    assert_int_equal(tu_fixture_stop(&server, dir), 0);
}

/* --metrics-public lets a scraper on a trusted network in without a token. */
static void test_metrics_public_when_asked(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], www[128];
    struct tu_server server;
    const char *const extra[] = {"--metrics-public", NULL};
    (void)state;

    assert_int_equal(
        tu_fixture_start(&server, "metrics-public", dir, db, sizeof db, NULL, NULL, extra), 0);
    assert_int_equal(get_metrics(&server, NULL, www, sizeof www), 200);
    assert_int_equal(get_metrics(&server, "Bearer not-a-token", www, sizeof www), 200);
    assert_int_equal(tu_fixture_stop(&server, dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_count_stored_and_rejected),
        cmocka_unit_test(test_metrics_need_the_admin_token),
        cmocka_unit_test(test_metrics_public_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
