/* The collector's clock is the kiosks' reference (issue 15): a kiosk whose
 * own clock is far off takes the time from any reply's Date header, so its
 * answers carry the collector's month; a clock within KCLOCK_TRUST_S is left
 * alone; a clock set on purpose (tests, demos) is never corrected. The real
 * collector runs with --date, which moves the clock its replies carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_client.h"
#include "kclock.h"
#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];

/* One survey request from a kiosk to s. */
static void ask(const struct tu_server *s)
{
    char err[256];
    struct http_client *c = http_client_new(s->url, token, "", err, sizeof err);
    struct http_reply r = {0};

    assert_non_null(c);
    assert_int_equal(http_client_request(c, "GET", "/api/v1/survey", NULL, 0, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.date > 0);
    http_reply_release(&r);
    http_client_free(c);
}

static void test_kiosk_takes_the_collectors_clock_when_far_off(void **state)
{
    const char *extra[] = {"--date", "2025-02-07", NULL};
    struct tu_server s;
    char month[8];
    (void)state;

    assert_int_equal(tu_fixture_start(&s, "kclock", dir, db, sizeof db, token, NULL, extra), 0);
    assert_int_equal(kclock_correction(), 0);
    ask(&s);
    /* The collector says 2025-02-07; this machine's clock is elsewhere. */
    kclock_month(month);
    assert_string_equal(month, "2025-02");
    assert_true(labs(kclock_correction()) > KCLOCK_TRUST_S);
    assert_true(labs((long)(kclock_raw() - time(NULL))) < 5); /* its own clock, for heartbeats */
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

static void test_kiosk_keeps_its_clock_when_close(void **state)
{
    struct tu_server s;
    (void)state;

    assert_int_equal(tu_fixture_start(&s, "kclock-near", dir, db, sizeof db, token, NULL, NULL), 0);
    ask(&s);
    assert_int_equal(kclock_correction(), 0);
    assert_true(labs((long)(kclock_now() - time(NULL))) < 5);
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

static void test_a_clock_set_on_purpose_is_not_corrected(void **state)
{
    const char *extra[] = {"--date", "2025-02-07", NULL};
    struct tu_server s;
    char month[8];
    (void)state;

    assert_int_equal(kclock_set_date("2024-06-01"), 0);
    assert_int_equal(tu_fixture_start(&s, "kclock-set", dir, db, sizeof db, token, NULL, extra), 0);
    ask(&s);
    kclock_month(month);
    assert_string_equal(month, "2024-06");
    assert_int_equal(kclock_correction(), 0);
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kiosk_takes_the_collectors_clock_when_far_off),
        cmocka_unit_test(test_kiosk_keeps_its_clock_when_close),
        cmocka_unit_test(test_a_clock_set_on_purpose_is_not_corrected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
