/* End to end: POST /api/v1/heartbeat stores the kiosk's health (only the
 * fields DESIGN.md lists), the collector's time and the clock skew;
 * a wrong field is a 400 that names it and changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], auth[TU_TOKEN_MAX + 16];
static struct tu_server server;

static int setup(void **state)
{
    (void)state;
    if (tu_fixture_start(&server, "heartbeat", dir, db, sizeof db, token, NULL, NULL) != 0)
        return -1;
    snprintf(auth, sizeof auth, "Bearer %s", token);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_fixture_stop(&server, dir);
}

static long post_len(const char *body, size_t len, char *reply, size_t rlen)
{
    char url[256];
    struct tu_response r;
    long status;
    snprintf(url, sizeof url, "%s/api/v1/heartbeat", server.url);
    assert_int_equal(tu_http(&r, "POST", url, auth,
                             (const char *[]){"Content-Type: application/json", NULL}, body, len),
                     0);
    status = r.status;
    if (reply)
        snprintf(reply, rlen, "%s", r.body);
    tu_response_free(&r);
    return status;
}

static long post(const char *body, char *reply, size_t rlen)
{
    return post_len(body, strlen(body), reply, rlen);
}

static void test_heartbeat_stores_health_and_skew(void **state)
{
    char body[512], clock[32], reply[512];
    time_t ahead = time(NULL) + 3600; /* the kiosk's clock runs an hour fast */
    struct tm tm;
    (void)state;

    gmtime_r(&ahead, &tm);
    strftime(clock, sizeof clock, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(body, sizeof body,
             "{\"app_version\":\"0.1.0\",\"survey_id\":\"goshogawara-staff\",\"survey_version\":1,"
             "\"sealed_batches\":3,\"quarantined_batches\":1,\"oldest_unsent_days\":2.5,"
             "\"clock\":\"%s\",\"respondent_hint\":\"must not be kept\"}",
             clock);
    assert_int_equal(post(body, reply, sizeof reply), 200);
    assert_non_null(strstr(reply, "server_time"));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM kiosks WHERE last_seen_at IS NOT NULL"),
                     1);
    long long skew = tu_db_count(db, "SELECT clock_skew_s FROM kiosks WHERE name = 'kiosk-1'");
    assert_true(skew > 3590 && skew < 3610);
    assert_int_equal(tu_db_count(db, "SELECT json_extract(heartbeat, '$.sealed_batches') FROM "
                                     "kiosks"),
                     3);
    assert_int_equal(tu_db_count(db, "SELECT json_extract(heartbeat, '$.quarantined_batches') "
                                     "FROM kiosks"),
                     1);
    /* Fields DESIGN.md does not list are dropped. */
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM kiosks WHERE heartbeat LIKE "
                                     "'%respondent_hint%'"),
                     0);
    /* A time zone offset is understood. */
    assert_int_equal(post("{\"app_version\":\"0.1.0\",\"survey_id\":null,\"survey_version\":null,"
                          "\"sealed_batches\":0,\"quarantined_batches\":0,"
                          "\"oldest_unsent_days\":0,\"clock\":\"2020-01-01T09:00:00+09:00\"}",
                          NULL, 0),
                     200);
    skew = tu_db_count(db, "SELECT clock_skew_s FROM kiosks WHERE name = 'kiosk-1'");
    assert_true(skew < -(long long)(time(NULL) - 1577836800) + 10);
    assert_true(skew > -(long long)(time(NULL) - 1577836800) - 10);
}

/* A kiosk whose clock came back from a year ahead counts its waiting
 * batch's age negative: the heartbeat is taken, the age stored as 0 and
 * the clamp reported (issue 15). */
static void test_heartbeat_clamps_negative_age(void **state)
{
    char reply[512];
    (void)state;

    assert_int_equal(post("{\"app_version\":\"0.1.0\",\"survey_id\":null,\"survey_version\":null,"
                          "\"sealed_batches\":3,\"quarantined_batches\":0,"
                          "\"oldest_unsent_days\":-364.5,\"clock\":\"2025-01-01T00:00:00Z\"}",
                          reply, sizeof reply),
                     200);
    assert_non_null(strstr(reply, "\"clamped\":[\"oldest_unsent_days\"]"));
    assert_int_equal(tu_db_count(db, "SELECT json_extract(heartbeat, '$.oldest_unsent_days') FROM "
                                     "kiosks WHERE name = 'kiosk-1'"),
                     0);
    assert_true(tu_server_log_has(&server, "oldest_unsent_days was negative"));
}

static void test_heartbeat_rejects_bad_fields(void **state)
{
    char reply[512];
    long long before = tu_db_count(db, "SELECT clock_skew_s FROM kiosks WHERE name = 'kiosk-1'");
    (void)state;

    assert_int_equal(post("not json", reply, sizeof reply), 400);
    assert_int_equal(post("[1,2]", reply, sizeof reply), 400);
    assert_int_equal(post("{\"app_version\":\"0.1.0\",\"survey_id\":null,\"survey_version\":null,"
                          "\"sealed_batches\":\"three\",\"quarantined_batches\":0,"
                          "\"oldest_unsent_days\":0,\"clock\":\"2025-01-01T00:00:00Z\"}",
                          reply, sizeof reply),
                     400);
    assert_non_null(strstr(reply, "sealed_batches"));
    assert_int_equal(post("{\"app_version\":\"0.1.0\",\"survey_id\":null,\"survey_version\":null,"
                          "\"sealed_batches\":0,\"quarantined_batches\":0,"
                          "\"oldest_unsent_days\":0,\"clock\":\"yesterday\"}",
                          reply, sizeof reply),
                     400);
    assert_non_null(strstr(reply, "clock"));
    assert_int_equal(post("{\"app_version\":\"0.1.0\"}", reply, sizeof reply), 400);
    assert_int_equal(tu_db_count(db, "SELECT clock_skew_s FROM kiosks WHERE name = 'kiosk-1'"),
                     before);
}

/* jansson's lexer drops a NUL byte after a number; a heartbeat holding one
 * is a 400 bad_json like any other broken JSON, and changes nothing. */
static void test_heartbeat_rejects_nul_byte(void **state)
{
    static const char body[] = "{\"app_version\":\"0.1.0\",\"survey_id\":null,"
                               "\"survey_version\":null,\"sealed_batches\":7\0,"
                               "\"quarantined_batches\":0,\"oldest_unsent_days\":0,"
                               "\"clock\":\"2025-01-01T00:00:00Z\"}";
    char reply[512];
    long long before = tu_db_count(db, "SELECT count(*) FROM kiosks WHERE heartbeat LIKE "
                                       "'%\"sealed_batches\":7%'");
    (void)state;

    assert_int_equal(post_len(body, sizeof body - 1, reply, sizeof reply), 400);
    assert_non_null(strstr(reply, "\"bad_json\""));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM kiosks WHERE heartbeat LIKE "
                                     "'%\"sealed_batches\":7%'"),
                     before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heartbeat_stores_health_and_skew),
        cmocka_unit_test(test_heartbeat_clamps_negative_age),
        cmocka_unit_test(test_heartbeat_rejects_bad_fields),
        cmocka_unit_test(test_heartbeat_rejects_nul_byte),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
