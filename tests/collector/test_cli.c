/* The collector's command line as operators and scripts use it: every
 * command prints what DESIGN.md says on stdout, and every failure exits
 * non-zero with one line on stderr and changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], tmp[TU_PATH_MAX + 32];
static char out[TU_OUTPUT_MAX], err[4096];

static int setup(void **state)
{
    (void)state;
    if (tu_tempdir("cli", dir) != 0)
        return -1;
    snprintf(db, sizeof db, "%s/collector.db", dir);
    snprintf(tmp, sizeof tmp, "%s/survey.json", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmdir(dir);
    return 0;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void assert_one_line_error(int rc)
{
    assert_int_not_equal(rc, 0);
    assert_int_equal(lines(err), 1);
    assert_string_equal(out, "");
}

static void test_cli_survey_publish_prints_and_refuses_changes(void **state)
{
    (void)state;
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "survey", "publish",
                                  TU_SURVEY_FILE, "--db", db, NULL),
                     0);
    assert_non_null(strstr(out, "published goshogawara-staff version 1"));
    /* Publishing the same file again is harmless. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "survey", "publish",
                                  TU_SURVEY_FILE, "--db", db, NULL),
                     0);
    assert_non_null(strstr(out, "already published"));
    /* Other content under the same (id, version) is refused. */
    FILE *in = fopen(TU_SURVEY_FILE, "r"), *o = fopen(tmp, "w");
    char line[4096];
    assert_non_null(in);
    assert_non_null(o);
    while (fgets(line, sizeof line, in)) {
        char *p = strstr(line, "職員アンケート");
        if (p)
            fputs("  \"title\": \"別のアンケート\",\n", o);
        else
            fputs(line, o);
    }
    fclose(in);
    fclose(o);
    assert_one_line_error(
        tu_collector(out, sizeof out, err, sizeof err, "survey", "publish", tmp, "--db", db, NULL));
    assert_non_null(strstr(err, "already published with other content"));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM surveys"), 1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM surveys WHERE active = 1"), 1);
}

static void test_cli_survey_publish_rejects_invalid_file(void **state)
{
    FILE *o = fopen(tmp, "w");
    (void)state;
    fputs("{\"id\": \"x\", \"version\": \"one\"}", o);
    fclose(o);
    assert_one_line_error(
        tu_collector(out, sizeof out, err, sizeof err, "survey", "publish", tmp, "--db", db, NULL));
    assert_non_null(strstr(err, "version"));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "survey", "publish",
                                       "/nonexistent/survey.json", "--db", db, NULL));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM surveys"), 1);
}

static void test_cli_kiosk_add_list_revoke(void **state)
{
    char token[TU_TOKEN_MAX];
    (void)state;
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "breakroom-2",
                                  "--db", db, NULL),
                     0);
    assert_int_equal(lines(out), 1);
    snprintf(token, sizeof token, "%s", tu_chomp(out));
    assert_true(strlen(token) >= 22); /* at least 128 bits in base64url */
    /* Stored only as a hash. */
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM kiosks WHERE name = 'breakroom-2' AND "
                                     "length(token_sha256) = 64"),
                     1);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM kiosks WHERE token_sha256 = '%s'", token);
    assert_int_equal(tu_db_count(db, sql), 0);
    /* A second kiosk of that name is refused. */
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add",
                                       "breakroom-2", "--db", db, NULL));
    assert_one_line_error(
        tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "", "--db", db, NULL));
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", "--db", db, NULL), 0);
    assert_non_null(strstr(out, "breakroom-2"));
    assert_non_null(strstr(out, "active"));
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "revoke",
                                  "breakroom-2", "--db", db, NULL),
                     0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", "--db", db, NULL), 0);
    assert_non_null(strstr(out, "revoked"));
    /* Revoking again is harmless and says so. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "revoke",
                                  "breakroom-2", "--db", db, NULL),
                     0);
    assert_non_null(strstr(out, "already revoked"));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "revoke",
                                       "no-such-kiosk", "--db", db, NULL));
}

static void test_cli_admin_token_prints_a_new_one(void **state)
{
    char first[TU_TOKEN_MAX];
    (void)state;
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "admin-token", "--db", db, NULL), 0);
    assert_int_equal(lines(out), 1);
    snprintf(first, sizeof first, "%s", tu_chomp(out));
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "admin-token", "--db", db, NULL), 0);
    assert_string_not_equal(first, tu_chomp(out));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM admin_tokens"), 1);
}

static void test_cli_bad_usage_fails_with_one_line(void **state)
{
    (void)state;
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, NULL));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "frobnicate", NULL));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", NULL));
    assert_one_line_error(
        tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", "--db", NULL));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "serve", "--db", db,
                                       "--listen", "nonsense", NULL));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "serve", "--db", db,
                                       "--min-group-size", "0", NULL));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "serve", "--db", db,
                                       "--tls-cert", "/nonexistent.pem", NULL));
    assert_one_line_error(
        tu_collector(out, sizeof out, err, sizeof err, "serve", "--bogus", "1", NULL));
    assert_one_line_error(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", "--db",
                                       "/nonexistent/dir/x.db", NULL));
}

static void test_cli_refuses_database_from_newer_collector(void **state)
{
    char newer[TU_PATH_MAX + 32];
    (void)state;
    snprintf(newer, sizeof newer, "%s/newer.db", dir);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", "--db", newer, NULL), 0);
    /* Pretend a later collector migrated it further. */
    assert_int_equal(tu_db_count(newer, "PRAGMA user_version"), SCHEMA_VERSION);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(newer, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_one_line_error(
        tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", "--db", newer, NULL));
    assert_non_null(strstr(err, "newer"));
}

/* The permission bits of path, or -1 when it cannot be read. */
static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* The database holds token hashes and every answer. Whatever the umask of
 * whoever runs the collector, it and SQLite's -wal and -shm beside it are
 * 0600, and an existing database readable by others is tightened. */
static void test_cli_database_files_are_private(void **state)
{
    char fresh[TU_PATH_MAX + 32], wal[TU_PATH_MAX + 48], shm[TU_PATH_MAX + 48];
    char token[TU_TOKEN_MAX];
    struct tu_server server;
    mode_t was = umask(022);
    (void)state;

    snprintf(fresh, sizeof fresh, "%s/private.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", fresh);
    snprintf(shm, sizeof shm, "%s-shm", fresh);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "kiosk-a",
                                  "--db", fresh, NULL),
                     0);
    snprintf(token, sizeof token, "%s", tu_chomp(out));
    assert_int_equal(mode_of(fresh), 0600);
    /* The -wal and -shm last as long as a connection is open: the daemon's. */
    assert_int_equal(tu_server_start(&server, fresh, NULL), 0);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "kiosk-b",
                                  "--db", fresh, NULL),
                     0);
    assert_int_equal(mode_of(fresh), 0600);
    assert_int_equal(mode_of(wal), 0600);
    assert_int_equal(mode_of(shm), 0600);
    assert_int_equal(tu_server_stop(&server), 0);

    assert_int_equal(chmod(fresh, 0644), 0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "kiosk", "list", "--db", fresh, NULL), 0);
    assert_int_equal(mode_of(fresh), 0600);
    assert_non_null(strstr(err, "0600")); /* says what it did, and nothing secret */
    assert_null(strstr(err, token));
    umask(was);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_survey_publish_prints_and_refuses_changes),
        cmocka_unit_test(test_cli_survey_publish_rejects_invalid_file),
        cmocka_unit_test(test_cli_kiosk_add_list_revoke),
        cmocka_unit_test(test_cli_admin_token_prints_a_new_one),
        cmocka_unit_test(test_cli_bad_usage_fails_with_one_line),
        cmocka_unit_test(test_cli_refuses_database_from_newer_collector),
        cmocka_unit_test(test_cli_database_files_are_private),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
