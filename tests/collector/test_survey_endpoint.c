/* End to end: GET /api/v1/survey gives the active definition byte for byte
 * with an ETag; If-None-Match with it gives 304; publishing a new version
 * changes the ETag; with no survey published the answer is a clear 404. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], auth[TU_TOKEN_MAX + 16];
static struct tu_server server;

static int setup(void **state)
{
    char out[256], err[256];
    (void)state;
    if (tu_tempdir("survey", dir) != 0)
        return -1;
    snprintf(db, sizeof db, "%s/collector.db", dir);
    /* A kiosk but no survey yet. */
    if (tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "k", "--db", db, NULL))
        return -1;
    snprintf(token, sizeof token, "%s", tu_chomp(out));
    snprintf(auth, sizeof auth, "Bearer %s", token);
    return tu_server_start(&server, db, NULL);
}

static int teardown(void **state)
{
    (void)state;
    return tu_fixture_stop(&server, dir);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void get_survey(struct tu_response *r, const char *if_none_match)
{
    char url[256], h[256];
    const char *headers[] = {h, NULL};
    snprintf(url, sizeof url, "%s/api/v1/survey", server.url);
    snprintf(h, sizeof h, "If-None-Match: %s", if_none_match ? if_none_match : "");
    assert_int_equal(tu_http(r, "GET", url, auth, if_none_match ? headers : NULL, NULL, 0), 0);
}

static void test_survey_endpoint_404_when_none(void **state)
{
    struct tu_response r;
    (void)state;
    get_survey(&r, NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "survey publish"));
    tu_response_free(&r);
}

static void test_survey_endpoint_etag_and_304(void **state)
{
    char err[256], etag[128], etag2[128];
    struct tu_response r;
    size_t len;
    char *file = read_file(TU_SURVEY_FILE, &len);
    (void)state;

    assert_int_equal(tu_collector(NULL, 0, err, sizeof err, "survey", "publish", TU_SURVEY_FILE,
                                  "--db", db, NULL),
                     0);
    get_survey(&r, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, file, len);
    assert_non_null(tu_header(&r, "ETag", etag, sizeof etag));
    assert_int_equal(strlen(etag), 66); /* "<64 hex digits>" */
    tu_response_free(&r);

    get_survey(&r, etag);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    tu_response_free(&r);
    get_survey(&r, "\"something-else\"");
    assert_int_equal(r.status, 200);
    tu_response_free(&r);

    /* Version 2 becomes active: the old ETag no longer matches. */
    char v2[TU_PATH_MAX + 32];
    snprintf(v2, sizeof v2, "%s/v2.json", dir);
    FILE *o = fopen(v2, "wb");
    char *p = strstr(file, "\"version\": 1");
    assert_non_null(p);
    fwrite(file, 1, (size_t)(p - file), o);
    fputs("\"version\": 2", o);
    fwrite(p + 12, 1, len - (size_t)(p + 12 - file), o);
    fclose(o);
    assert_int_equal(
        tu_collector(NULL, 0, err, sizeof err, "survey", "publish", v2, "--db", db, NULL), 0);
    get_survey(&r, etag);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"version\": 2"));
    assert_non_null(tu_header(&r, "ETag", etag2, sizeof etag2));
    assert_string_not_equal(etag, etag2);
    tu_response_free(&r);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survey_endpoint_404_when_none),
        cmocka_unit_test(test_survey_endpoint_etag_and_304),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
