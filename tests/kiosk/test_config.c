/* Unit tests of the kiosk's config reader: DESIGN.md's example parses, and
 * every kind of bad file is refused with a message naming the line, leaving
 * the caller's config as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#define GOOD_HEAD "collector_url = http://127.0.0.1:8080\ntoken = abc\ndb = /tmp/k.db\n"

static int parse(const char *text, struct kiosk_config *cfg, char *err)
{
    return kiosk_config_parse(text, strlen(text), cfg, err, CONFIG_ERR_LEN);
}

static void expect_error(const char *text, const char *needle)
{
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN] = "";
    kiosk_config_defaults(&cfg);
    cfg.min_batch = 77; /* a failed parse must not touch it */
    assert_int_equal(parse(text, &cfg, err), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
    assert_int_equal(cfg.min_batch, 77);
}

static void test_config_parses_design_example(void **state)
{
    (void)state;
    const char *text = "collector_url = http://127.0.0.1:8080\n"
                       "token = ...\n"
                       "db = /var/lib/kiosk/kiosk.db\n"
                       "ca_file = /etc/kiosk/ca.pem        # optional, for https\n"
                       "min_batch = 5\n"
                       "idle_timeout_s = 60\n";
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN] = "";
    assert_int_equal(parse(text, &cfg, err), 0);
    assert_string_equal(cfg.collector_url, "http://127.0.0.1:8080");
    assert_string_equal(cfg.token, "...");
    assert_string_equal(cfg.db, "/var/lib/kiosk/kiosk.db");
    assert_string_equal(cfg.ca_file, "/etc/kiosk/ca.pem");
    assert_int_equal(cfg.min_batch, 5);
    assert_int_equal(cfg.idle_timeout_s, 60);
}

static void test_config_defaults_fill_missing_optional_keys(void **state)
{
    (void)state;
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN] = "";
    assert_int_equal(parse(GOOD_HEAD, &cfg, err), 0);
    assert_int_equal(cfg.min_batch, 5);
    assert_int_equal(cfg.idle_timeout_s, 60);
    assert_int_equal(cfg.sync_interval_s, 30);
    assert_int_equal(cfg.heartbeat_interval_s, 300);
    assert_int_equal(cfg.max_backoff_s, 600);
    assert_string_equal(cfg.ca_file, "");
    assert_string_equal(cfg.maintenance_pin, "");
}

static void test_config_trims_and_handles_crlf_and_comments(void **state)
{
    (void)state;
    const char *text = "# kiosk in the 2F break room\r\n"
                       "   collector_url\t=  https://hr.example.lan:8443  \r\n"
                       "\r\n"
                       "token=t0k#en\r\n"
                       "db = /data/k.db#not-a-comment\r\n"
                       "name = 2F 休憩室 # shown on the maintenance screen\r\n"
                       "maintenance_pin = 0420\r\n"
                       "sync_interval_s = 2\r\n"
                       "max_backoff_s = 4\r\n";
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN] = "";
    assert_int_equal(parse(text, &cfg, err), 0);
    assert_string_equal(cfg.collector_url, "https://hr.example.lan:8443");
    assert_string_equal(cfg.token, "t0k#en");
    assert_string_equal(cfg.db, "/data/k.db#not-a-comment");
    assert_string_equal(cfg.name, "2F 休憩室");
    assert_string_equal(cfg.maintenance_pin, "0420");
    assert_int_equal(cfg.sync_interval_s, 2);
    assert_int_equal(cfg.max_backoff_s, 4);
}

static void test_config_rejects_unknown_key(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "min_bacth = 5\n", "config line 4: unknown key \"min_bacth\"");
}

static void test_config_rejects_duplicate_key(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "min_batch = 5\nmin_batch = 6\n",
                 "config line 5: min_batch is already set on line 4");
}

static void test_config_rejects_missing_required_key(void **state)
{
    (void)state;
    expect_error("collector_url = http://127.0.0.1:8080\ndb = /tmp/k.db\n", "token is missing");
    expect_error("collector_url = http://127.0.0.1:8080\ntoken =   # later\ndb = /tmp/k.db\n",
                 "token is missing");
}

static void test_config_rejects_bad_numbers(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "min_batch = abc\n",
                 "config line 4: min_batch \"abc\" is not a number from 1 to 1000");
    expect_error(GOOD_HEAD "min_batch = 0\n", "config line 4: min_batch \"0\"");
    expect_error(GOOD_HEAD "min_batch = 1001\n", "config line 4");
    expect_error(GOOD_HEAD "idle_timeout_s = 5s\n", "config line 4: idle_timeout_s");
    expect_error(GOOD_HEAD "sync_interval_s = 99999999999999999999\n", "config line 4");
    expect_error(GOOD_HEAD "heartbeat_interval_s =\n", "config line 4");
}

static void test_config_rejects_over_long_value(void **state)
{
    (void)state;
    char text[2048];
    char longv[CONFIG_VALUE_LEN + 10];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    snprintf(text, sizeof text, GOOD_HEAD "name = %s\n", longv);
    expect_error(text, "config line 4: name is");
    expect_error(GOOD_HEAD "maintenance_pin = 123456789\n", "config line 4: maintenance_pin");
    expect_error(GOOD_HEAD "maintenance_pin = 12a4\n", "config line 4: maintenance_pin");
}

static void test_config_pins_collector_key(void **state)
{
    (void)state;
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN] = "";
    const char *key = "ssk1:y8gjGQJvH2tTtG+IjzlcXLM3PUbCB7ZtYucIhTt3Ugs=";
    char text[512];
    snprintf(text, sizeof text, GOOD_HEAD "collector_key = %s\n", key);
    assert_int_equal(parse(text, &cfg, err), 0);
    assert_string_equal(cfg.collector_key, key);
    assert_int_equal(parse(GOOD_HEAD, &cfg, err), 0);
    assert_string_equal(cfg.collector_key, ""); /* not pinned */
    expect_error(GOOD_HEAD "collector_key = ssk1:abc\n", "config line 4: collector_key");
    expect_error(GOOD_HEAD "collector_key = y8gjGQJvH2tTtG+IjzlcXLM3PUbCB7ZtYucIhTt3Ugs=\n",
                 "config line 4: collector_key is not a key");
}

static void test_config_rejects_file_over_cap(void **state)
{
    (void)state;
    size_t len = CONFIG_MAX_FILE_BYTES + 1;
    char *big = malloc(len + 1);
    assert_non_null(big);
    memset(big, '#', len);
    big[len] = '\0';
    expect_error(big, "at most");
    free(big);
}

static void test_config_rejects_nul_byte(void **state)
{
    (void)state;
    const char text[] = GOOD_HEAD "name = a\0b\n";
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN] = "";
    assert_int_equal(kiosk_config_parse(text, sizeof text - 1, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "config line 4: contains a NUL byte"));
}

static void test_config_rejects_line_without_equals(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "min_batch 5\n", "config line 4: expected `key = value`");
}

static void test_config_rejects_url_without_scheme(void **state)
{
    (void)state;
    expect_error("token = a\ncollector_url = 127.0.0.1:8080\ndb = x\n",
                 "config line 2: collector_url must start with http:// or https://");
}

static void test_config_reads_screen_size_and_help_contact(void **state)
{
    (void)state;
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN] = "";
    assert_int_equal(
        parse(GOOD_HEAD "screen_mm = 154x86\nhelp_contact = 人事課 内線1234\n", &cfg, err), 0);
    assert_int_equal(cfg.screen_w_mm, 154);
    assert_int_equal(cfg.screen_h_mm, 86);
    assert_true(cfg.screen_inches == 0);
    assert_string_equal(cfg.help_contact, "人事課 内線1234");
    assert_int_equal(parse(GOOD_HEAD "screen_inches = 10.1\n", &cfg, err), 0);
    assert_true(cfg.screen_inches > 10.09 && cfg.screen_inches < 10.11);
    assert_int_equal(cfg.screen_w_mm, 0);
}

static void test_config_rejects_bad_screen_size(void **state)
{
    (void)state;
    expect_error(GOOD_HEAD "screen_mm = 154\n", "config line 4: screen_mm \"154\"");
    expect_error(GOOD_HEAD "screen_mm = 154x86mm\n", "WIDTHxHEIGHT");
    expect_error(GOOD_HEAD "screen_mm = 10x86\n", "each 40 to 3000");
    expect_error(GOOD_HEAD "screen_mm = -154x86\n", "screen_mm");
    expect_error(GOOD_HEAD "screen_inches = seven\n", "config line 4: screen_inches");
    expect_error(GOOD_HEAD "screen_inches = 1\n", "from 3 to 120");
    expect_error(GOOD_HEAD "screen_inches = 7\nscreen_mm = 154x86\n",
                 "both give the screen's size");
}

static void test_config_load_reads_file_and_reports_missing(void **state)
{
    (void)state;
    char path[512], err[CONFIG_ERR_LEN] = "";
    struct kiosk_config cfg;
    snprintf(path, sizeof path, "%s/test_config.conf", TEST_OUTPUT_DIR);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(GOOD_HEAD "min_batch = 7\n", f);
    fclose(f);
    assert_int_equal(kiosk_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.min_batch, 7);
    remove(path);
    assert_int_equal(kiosk_config_load(path, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parses_design_example),
        cmocka_unit_test(test_config_defaults_fill_missing_optional_keys),
        cmocka_unit_test(test_config_trims_and_handles_crlf_and_comments),
        cmocka_unit_test(test_config_rejects_unknown_key),
        cmocka_unit_test(test_config_rejects_duplicate_key),
        cmocka_unit_test(test_config_rejects_missing_required_key),
        cmocka_unit_test(test_config_rejects_bad_numbers),
        cmocka_unit_test(test_config_rejects_over_long_value),
        cmocka_unit_test(test_config_pins_collector_key),
        cmocka_unit_test(test_config_rejects_file_over_cap),
        cmocka_unit_test(test_config_rejects_nul_byte),
        cmocka_unit_test(test_config_rejects_line_without_equals),
        cmocka_unit_test(test_config_rejects_url_without_scheme),
        cmocka_unit_test(test_config_load_reads_file_and_reports_missing),
        cmocka_unit_test(test_config_reads_screen_size_and_help_contact),
        cmocka_unit_test(test_config_rejects_bad_screen_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
