/* End to end: the real `collector serve` on a loopback port, batches sent
 * with libcurl, the database file checked with sqlite3. Every rejection of
 * DESIGN.md's table must leave the store as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "batch.h"
#include "testutil.h"

struct env {
    char dir[TU_PATH_MAX];
    char db[TU_PATH_MAX + 32];
    char token[TU_TOKEN_MAX];
    char revoked[TU_TOKEN_MAX];
    struct tu_server server;
};

static struct env E;

static int setup(void **state)
{
    char out[256], err[256];
    (void)state;
    if (tu_tempdir("ingest", E.dir) != 0)
        return -1;
    snprintf(E.db, sizeof E.db, "%s/collector.db", E.dir);
    if (tu_setup_db(E.db, E.token, NULL) != 0)
        return -1;
    if (tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "old-kiosk", "--db", E.db,
                     NULL) != 0 ||
        tu_collector(NULL, 0, err, sizeof err, "kiosk", "revoke", "old-kiosk", "--db", E.db,
                     NULL) != 0)
        return -1;
    snprintf(E.revoked, sizeof E.revoked, "%s", tu_chomp(out));
    return tu_server_start(&E.server, E.db, NULL);
}

static int teardown(void **state)
{
    (void)state;
    int rc = tu_server_stop(&E.server);
    if (rc == 0)
        tu_rmdir(E.dir);
    return rc == 0 ? 0 : -1;
}

static long long count(const char *sql)
{
    return tu_db_count(E.db, sql);
}

/* Everything that a stored batch changes, as one fingerprint. */
static void snapshot(long long out[5])
{
    out[0] = count("SELECT count(*) FROM batches");
    out[1] = count("SELECT count(*) FROM responses");
    out[2] = count("SELECT count(DISTINCT sealed) FROM responses");
    out[3] = count("SELECT count(*) FROM released_responses");
    out[4] = count("SELECT responses FROM kiosks WHERE name = 'kiosk-1'");
}

static void assert_unchanged(const long long before[5])
{
    long long after[5];
    snapshot(after);
    for (int i = 0; i < 5; i++)
        assert_int_equal(before[i], after[i]);
}

static void test_ingest_stores_batch_201(void **state)
{
    char id[37], expect[128];
    struct tu_response r;
    char *json = tu_batch_json(NULL, 20, 7, "2025-02", id);
    (void)state;

    assert_int_equal(tu_post_batch(&r, E.server.url, E.token, json, true), 0);
    assert_int_equal(r.status, 201);
    snprintf(expect, sizeof expect, "\"batch_id\":\"%s\"", id);
    assert_non_null(strstr(r.body, expect));
    assert_non_null(strstr(r.body, "\"stored\":20"));
    tu_response_free(&r);
    free(json);

    assert_int_equal(count("SELECT count(*) FROM batches"), 1);
    /* Stored sealed (the collector sealed this format 1 batch on arrival):
     * no answer, attribute or month in clear, no figure before a release. */
    assert_int_equal(count("SELECT count(*) FROM responses WHERE fiscal_year = 2024"), 20);
    /* Quotes and '-' are not in base64, so no sealed text holds these by chance. */
    assert_int_equal(count("SELECT count(*) FROM responses WHERE instr(sealed, '\"q01\"') OR"
                           " instr(sealed, '\"employment\"') OR instr(sealed, '2025-02')"),
                     0);
    assert_int_equal(count("SELECT count(*) FROM release_answer_counts"), 0);
    assert_int_equal(count("SELECT responses FROM kiosks WHERE name = 'kiosk-1'"), 20);
    assert_int_equal(tu_release(E.db, 2024), 1);
    assert_int_equal(count("SELECT count(*) FROM responses"), 0);
    /* The whole population answered all 12 questions: 20 per question. */
    assert_int_equal(count("SELECT sum(count) FROM release_answer_counts WHERE attribute_id = ''"
                           " AND question_id = 'q01' AND fiscal_year = 2024"),
                     20);
    assert_int_equal(count("SELECT sum(count) FROM release_answer_counts WHERE attribute_id = ''"),
                     240);
    assert_int_equal(count("SELECT count FROM release_respondent_counts WHERE attribute_id = ''"
                           " AND fiscal_year = 2024"),
                     20);
    /* Every fifth response left employment unanswered: 4 in the '' option. */
    assert_int_equal(count("SELECT count FROM release_respondent_counts WHERE attribute_id = "
                           "'employment' AND option_id = ''"),
                     4);
    assert_int_equal(count("SELECT sum(count) FROM release_respondent_counts WHERE attribute_id"
                           " = 'employment'"),
                     20);
    /* The released rows hold the answers as JSON, unanswered attributes left out. */
    assert_int_equal(count("SELECT count(*) FROM released_responses WHERE attributes = '{}'"), 4);
    assert_int_equal(count("SELECT count(*) FROM released_responses WHERE"
                           " json_extract(answers, '$.q12') BETWEEN 1 AND 4"),
                     20);
}

static void test_ingest_replay_is_200_and_not_doubled(void **state)
{
    char id[37];
    long long before[5];
    struct tu_response r;
    char *json = tu_batch_json(NULL, 10, 11, "2025-03", id);
    (void)state;

    assert_int_equal(tu_post_batch(&r, E.server.url, E.token, json, false), 0);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    snapshot(before);
    /* The same content again, deflated this time: the same batch. */
    assert_int_equal(tu_post_batch(&r, E.server.url, E.token, json, true), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, id));
    assert_non_null(strstr(r.body, "\"duplicate\":true"));
    tu_response_free(&r);
    assert_unchanged(before);
    free(json);
}

static void test_ingest_same_id_other_content_is_409(void **state)
{
    char id[37];
    long long before[5];
    struct tu_response r;
    char *a = tu_batch_json(NULL, 5, 1, "2025-01", id);
    char *b = tu_batch_json(id, 5, 2, "2025-01", NULL);
    (void)state;

    assert_int_equal(tu_post_batch(&r, E.server.url, E.token, a, true), 0);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    snapshot(before);
    assert_int_equal(tu_post_batch(&r, E.server.url, E.token, b, true), 0);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(r.body, "\"error\":\"conflict\""));
    tu_response_free(&r);
    assert_unchanged(before);
    free(a);
    free(b);
}

/* Posts body with the given headers and checks status, error body, and
 * that nothing was stored. */
static void expect_reject(const char *auth, const char *type, const char *encoding,
                          const void *body, size_t len, long status)
{
    char url[128], ctype[128], cenc[128];
    const char *headers[3] = {NULL, NULL, NULL};
    long long before[5];
    struct tu_response r;
    int n = 0;

    snapshot(before);
    snprintf(url, sizeof url, "%s/api/v1/batches", E.server.url);
    if (type) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", type);
        headers[n++] = ctype;
    }
    if (encoding) {
        snprintf(cenc, sizeof cenc, "Content-Encoding: %s", encoding);
        headers[n++] = cenc;
    }
    assert_int_equal(tu_http(&r, "POST", url, auth, headers, body, len), 0);
    if (r.status != status)
        fprintf(stderr, "expected %ld, got %ld: %s\n", status, r.status, r.body);
    assert_int_equal(r.status, status);
    assert_non_null(strstr(r.body, "\"error\":"));
    assert_non_null(strstr(r.body, "\"message\":"));
    tu_response_free(&r);
    assert_unchanged(before);
}

static char *bearer(const char *token)
{
    static char b[TU_TOKEN_MAX + 16];
    snprintf(b, sizeof b, "Bearer %s", token);
    return b;
}

static void test_ingest_rejects_auth_401_403(void **state)
{
    char *json = tu_batch_json(NULL, 5, 3, "2025-02", NULL);
    struct tu_response r;
    char url[512], v[128];
    (void)state;

    expect_reject(NULL, "application/json", NULL, json, strlen(json), 401);
    expect_reject("Bearer not-a-known-token", "application/json", NULL, json, strlen(json), 401);
    expect_reject(bearer(E.revoked), "application/json", NULL, json, strlen(json), 403);
    /* The token only counts in the header, never in the body or the URL. */
    snprintf(url, sizeof url, "%s/api/v1/batches?token=%s", E.server.url, E.token);
    assert_int_equal(tu_http(&r, "POST", url, NULL,
                             (const char *[]){"Content-Type: application/json", NULL}, json,
                             strlen(json)),
                     0);
    assert_int_equal(r.status, 401);
    assert_non_null(tu_header(&r, "WWW-Authenticate", v, sizeof v));
    tu_response_free(&r);
    free(json);
}

static void test_ingest_rejects_bad_body_400(void **state)
{
    const char *garbage = "this is not a zlib stream at all";
    const char *shape = "{\"format\":1,\"batch_id\":\"nope\"}";
    (void)state;

    expect_reject(bearer(E.token), "application/json", NULL, "{not json", 9, 400);
    expect_reject(bearer(E.token), "application/json", "deflate", garbage, strlen(garbage), 400);
    expect_reject(bearer(E.token), "application/json", NULL, shape, strlen(shape), 400);
    expect_reject(bearer(E.token), "application/json", "deflate", "", 0, 400);
}

/* jansson's lexer drops a NUL byte after a number, so the batch would
 * load and be stored; it is a 400 bad_json, plain or deflated, and nothing
 * is stored. */
static void test_ingest_rejects_nul_byte_400(void **state)
{
    char *json = tu_batch_json(NULL, 5, 11, "2025-02", NULL);
    size_t len = strlen(json), cut = (size_t)(strstr(json, "\"q01\":") + 7 - json);
    char *bad = malloc(len + 1), url[128];
    void *z = NULL;
    size_t zlen = 0;
    struct tu_response r;
    (void)state;

    assert_non_null(bad);
    memcpy(bad, json, cut);
    bad[cut] = '\0';
    memcpy(bad + cut + 1, json + cut, len - cut);
    expect_reject(bearer(E.token), "application/json", NULL, bad, len + 1, 400);
    assert_int_equal(batch_deflate(bad, len + 1, &z, &zlen), BATCH_OK);
    expect_reject(bearer(E.token), "application/json", "deflate", z, zlen, 400);
    snprintf(url, sizeof url, "%s/api/v1/batches", E.server.url);
    assert_int_equal(tu_http(&r, "POST", url, bearer(E.token),
                             (const char *[]){"Content-Type: application/json", NULL}, bad,
                             len + 1),
                     0);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "\"bad_json\""));
    assert_non_null(strstr(r.body, "NUL byte"));
    tu_response_free(&r);
    free(z);
    free(bad);
    free(json);
}

/* JSON nested as deep as the parser allows, and deeper: each is a 400 and
 * the connection thread's stack (SERVE_THREAD_STACK) holds the recursion. */
static void test_ingest_rejects_deep_nesting_400(void **state)
{
    static const size_t depth[] = {2000, 2047, 100000};
    (void)state;

    for (size_t i = 0; i < sizeof depth / sizeof depth[0]; i++) {
        size_t n = depth[i];
        char *deep = malloc(2 * n + 1);
        assert_non_null(deep);
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
        expect_reject(bearer(E.token), "application/json", NULL, deep, 2 * n, 400);
        free(deep);
    }
    struct tu_response r;
    char url[128];
    snprintf(url, sizeof url, "%s/healthz", E.server.url);
    assert_int_equal(tu_http(&r, "GET", url, NULL, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    tu_response_free(&r);
}

static void test_ingest_rejects_unsupported_415(void **state)
{
    char *json = tu_batch_json(NULL, 5, 4, "2025-02", NULL);
    (void)state;

    expect_reject(bearer(E.token), "text/plain", NULL, json, strlen(json), 415);
    expect_reject(bearer(E.token), "application/json", "gzip", json, strlen(json), 415);
    free(json);
}

static void test_ingest_rejects_invalid_content_422(void **state)
{
    char *json = tu_batch_json(NULL, 5, 5, "2025-02", NULL), *p;
    (void)state;

    /* An answer off the 1..4 scale. */
    p = strstr(json, "\"q01\":") + 6;
    *p = '7';
    expect_reject(bearer(E.token), "application/json", NULL, json, strlen(json), 422);
    *p = '3';
    /* A survey version that was never published. */
    p = strstr(json, "\"survey_version\":1") + 17;
    *p = '2';
    expect_reject(bearer(E.token), "application/json", NULL, json, strlen(json), 422);
    *p = '1';
    /* An unknown option of the attribute. */
    if ((p = strstr(json, "\"regular\"")))
        memcpy(p, "\"regulaX\"", 9);
    else if ((p = strstr(json, "\"kaikei\"")))
        memcpy(p, "\"kaikeX\"", 8);
    expect_reject(bearer(E.token), "application/json", NULL, json, strlen(json), 422);
    free(json);
}

static void test_ingest_rejects_too_large_413(void **state)
{
    size_t big = (1u << 20) + 4096;
    char *pad = malloc(big);
    char *many = tu_batch_json(NULL, 1001, 9, "2025-02", NULL);
    (void)state;

    /* Over 1 MiB on the wire (identity): JSON with a long run of spaces. */
    memset(pad, ' ', big);
    pad[0] = '{';
    pad[big - 1] = '}';
    expect_reject(bearer(E.token), "application/json", NULL, pad, big, 413);
    /* 1001 responses, small once deflated. */
    {
        struct tu_response r;
        long long before[5];
        snapshot(before);
        assert_int_equal(tu_post_batch(&r, E.server.url, E.token, many, true), 0);
        assert_int_equal(r.status, 413);
        tu_response_free(&r);
        assert_unchanged(before);
    }
    free(pad);
    free(many);
}

/* Deflates `total` bytes of a JSON-looking prefix and spaces in a stream,
 * without holding them: the bomb is small, what it inflates to is not. */
static unsigned char *make_bomb(size_t total, size_t *len)
{
    size_t cap = total / 500 + 4096, done = 0;
    unsigned char *out = malloc(cap), chunk[65536];
    z_stream z = {0};

    deflateInit(&z, 9);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    memset(chunk, ' ', sizeof chunk);
    chunk[0] = '{';
    while (done < total) {
        size_t n = total - done < sizeof chunk ? total - done : sizeof chunk;
        z.next_in = chunk;
        z.avail_in = (uInt)n;
        done += n;
        deflate(&z, done < total ? Z_NO_FLUSH : Z_FINISH);
        chunk[0] = ' ';
    }
    *len = z.total_out;
    deflateEnd(&z);
    return out;
}

static long vm_hwm_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

static void test_ingest_refuses_decompression_bomb(void **state)
{
    size_t len = 0;
    unsigned char *bomb = make_bomb((size_t)1 << 30, &len); /* 1 GiB of spaces */
    double t0 = tu_now();
    (void)state;

    assert_true(len < (1u << 20)); /* it passes the wire cap */
    expect_reject(bearer(E.token), "application/json", "deflate", bomb, len, 413);
    /* Inflating 1 GiB would take seconds and a gigabyte; stopping at the
     * 16 MiB cap takes neither. */
    assert_true(tu_now() - t0 < 5.0);
    long hwm = vm_hwm_kib(E.server.pid);
    fprintf(stderr, "collector peak memory after the bomb: %ld KiB (bomb %zu bytes)\n", hwm, len);
    assert_true(hwm > 0 && hwm < 200 * 1024);
    assert_true(tu_server_log_has(&E.server, "reason=too_large"));
    free(bomb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_stores_batch_201),
        cmocka_unit_test(test_ingest_replay_is_200_and_not_doubled),
        cmocka_unit_test(test_ingest_same_id_other_content_is_409),
        cmocka_unit_test(test_ingest_rejects_auth_401_403),
        cmocka_unit_test(test_ingest_rejects_bad_body_400),
        cmocka_unit_test(test_ingest_rejects_nul_byte_400),
        cmocka_unit_test(test_ingest_rejects_deep_nesting_400),
        cmocka_unit_test(test_ingest_rejects_unsupported_415),
        cmocka_unit_test(test_ingest_rejects_invalid_content_422),
        cmocka_unit_test(test_ingest_rejects_too_large_413),
        cmocka_unit_test(test_ingest_refuses_decompression_bomb),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
