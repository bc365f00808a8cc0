/* End to end: who may do what. Kiosk routes take the kiosk token as
 * Bearer only; admin routes take the admin token as Bearer or as the
 * password of HTTP Basic; a rotated admin token and a revoked kiosk token
 * stop working at once, without a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth.h"
#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], kiosk[TU_TOKEN_MAX], admin[TU_TOKEN_MAX];
static struct tu_server server;

static int setup(void **state)
{
    (void)state;
    return tu_fixture_start(&server, "auth", dir, db, sizeof db, kiosk, admin, NULL);
}

static int teardown(void **state)
{
    (void)state;
    return tu_fixture_stop(&server, dir);
}

static long get(const char *path, const char *auth, char *www, size_t wlen)
{
    char url[256];
    struct tu_response r;
    long status;

    snprintf(url, sizeof url, "%s%s", server.url, path);
    assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
    status = r.status;
    if (www && !tu_header(&r, "WWW-Authenticate", www, wlen))
        www[0] = '\0';
    tu_response_free(&r);
    return status;
}

static char *with(const char *scheme, const char *token)
{
    static char buf[4][3 * TU_TOKEN_MAX + 64];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s %s", scheme, token);
    return b;
}

/* "Basic " and the base64 of the len bytes of plain (which may hold NULs). */
static char *basic_bytes(const void *plain, size_t len)
{
    unsigned char enc[2 * TU_TOKEN_MAX + 64];
    assert_true(len <= (sizeof enc - 1) / 4 * 3);
    EVP_EncodeBlock(enc, plain, (int)len);
    return with("Basic", (const char *)enc);
}

/* HTTP Basic credentials "user:token". */
static char *basic(const char *user, const char *token)
{
    char plain[TU_TOKEN_MAX + 64];
    size_t n = (size_t)snprintf(plain, sizeof plain, "%s:%s", user, token);
    return basic_bytes(plain, n);
}

static void test_auth_admin_bearer_and_basic(void **state)
{
    char www[128];
    (void)state;
    assert_int_equal(get("/", with("Bearer", admin), NULL, 0), 200);
    assert_int_equal(get("/", basic("hr-office", admin), NULL, 0), 200);
    assert_int_equal(get("/", basic("", admin), NULL, 0), 200);
    /* No token: a browser is asked for Basic credentials. */
    assert_int_equal(get("/", NULL, www, sizeof www), 401);
    assert_non_null(strstr(www, "Basic realm=\"collector\""));
    assert_int_equal(get("/", basic("hr-office", "wrong"), NULL, 0), 401);
    /* A kiosk token is not an admin token. */
    assert_int_equal(get("/", with("Bearer", kiosk), NULL, 0), 401);
    assert_int_equal(get("/api/v1/kpi?fiscal_year=2024", with("Bearer", kiosk), NULL, 0), 401);
}

/* The token from an Authorization value, or NULL when it is refused. */
static const char *token_of(const char *header)
{
    static char token[AUTH_TOKEN_MAX + 1];
    return auth_token_from_header(header, 1, token) == 0 ? token : NULL;
}

static void assert_basic_refused(const void *plain, size_t len)
{
    const char *t = token_of(basic_bytes(plain, len));
    if (t)
        fail_msg("Basic credentials of %zu bytes gave the token \"%s\"", len, t);
}

/* The decoded user:password is taken with its length: a NUL or another
 * control byte anywhere in it refuses the header, so "TOKEN\0junk" is not
 * TOKEN. Every padding of base64 decodes to the exact bytes. */
static void test_auth_basic_decodes_with_length_and_refuses_nul(void **state)
{
    char plain[3 * TU_TOKEN_MAX];
    (void)state;

    assert_string_equal(token_of("Bearer abc"), "abc");
    assert_string_equal(token_of(basic("u", "tok")), "tok");     /* no padding */
    assert_string_equal(token_of(basic("u", "toke")), "toke");   /* "==" */
    assert_string_equal(token_of(basic("u", "token")), "token"); /* "=" */
    assert_string_equal(token_of(basic("", "t")), "t");
    assert_string_equal(token_of(basic("hr:office", "t")), "office:t"); /* the first colon */
    assert_string_equal(token_of(basic("\xc3\xa9", "t")), "t");         /* a UTF-8 user name */
    assert_basic_refused("user:tok\0junk", 14);
    assert_basic_refused("user:tok\0", 9);
    assert_basic_refused("us\0er:tok", 10);
    assert_basic_refused("user:tok\x01", 9);
    assert_basic_refused("us\x1b"
                         "er:tok",
                         10);
    assert_basic_refused("user:tok\x7f", 9);
    assert_basic_refused("user:", 5);
    assert_basic_refused("usertok", 7);
    memset(plain, 'A', sizeof plain);
    memcpy(plain, "u:", 2);
    assert_basic_refused(plain, 2 + AUTH_TOKEN_MAX + 1);
    assert_string_equal(token_of(with("Basic", "dTp0b2s=")), "tok");
    assert_null(token_of(with("Basic", "dTp0b2s")));    /* unpadded */
    assert_null(token_of(with("Basic", "dTp0=b2s=")));  /* padding inside */
    assert_null(token_of(with("Basic", "dTp0b2s==="))); /* too much padding */
    assert_null(token_of(with("Basic", "dTp0-2s=")));   /* base64url */
    assert_null(token_of(with("Basic", "")));
    assert_null(token_of("Basic"));
    assert_null(token_of(NULL));
    char kiosk_only[AUTH_TOKEN_MAX + 1];
    assert_int_equal(auth_token_from_header(basic("u", "tok"), 0, kiosk_only), -1);
}

/* Through the daemon: the admin token followed by a NUL and more bytes is
 * not the admin token. */
static void test_auth_basic_with_nul_after_token_is_401(void **state)
{
    char plain[TU_TOKEN_MAX + 64];
    size_t n = (size_t)snprintf(plain, sizeof plain, "user:%s", admin);
    (void)state;

    memcpy(plain + n, "\0junk", 5);
    assert_int_equal(get("/", basic_bytes(plain, n + 5), NULL, 0), 401);
    assert_int_equal(get("/", basic_bytes(plain, n + 1), NULL, 0), 401);
    assert_int_equal(get("/", basic_bytes(plain, n), NULL, 0), 200);
}

static void test_auth_kiosk_routes_take_only_kiosk_tokens(void **state)
{
    (void)state;
    assert_int_equal(get("/api/v1/survey", with("Bearer", kiosk), NULL, 0), 200);
    assert_int_equal(get("/api/v1/survey", NULL, NULL, 0), 401);
    assert_int_equal(get("/api/v1/survey", with("Bearer", admin), NULL, 0), 401);
    assert_int_equal(get("/api/v1/survey", basic("x", kiosk), NULL, 0), 401);
    /* A cut or lengthened token is another token. */
    char cut[TU_TOKEN_MAX];
    snprintf(cut, sizeof cut, "%.*s", (int)strlen(kiosk) - 1, kiosk);
    assert_int_equal(get("/api/v1/survey", with("Bearer", cut), NULL, 0), 401);
    char longer[TU_TOKEN_MAX + 2];
    snprintf(longer, sizeof longer, "%sA", kiosk);
    assert_int_equal(get("/api/v1/survey", with("Bearer", longer), NULL, 0), 401);
    /* Health needs nothing. */
    assert_int_equal(get("/healthz", NULL, NULL, 0), 200);
}

static void test_auth_rotated_admin_token_stops_working(void **state)
{
    char out[256], err[256], old[TU_TOKEN_MAX];
    (void)state;
    snprintf(old, sizeof old, "%s", admin);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "admin-token", "--db", db, NULL), 0);
    snprintf(admin, sizeof admin, "%s", tu_chomp(out));
    assert_int_equal(get("/", with("Bearer", old), NULL, 0), 401);
    assert_int_equal(get("/", with("Bearer", admin), NULL, 0), 200);
}

static void test_auth_revoked_kiosk_gets_403(void **state)
{
    char err[256];
    struct tu_response r;
    char url[256];
    (void)state;
    assert_int_equal(
        tu_collector(NULL, 0, err, sizeof err, "kiosk", "revoke", "kiosk-1", "--db", db, NULL), 0);
    assert_int_equal(get("/api/v1/survey", with("Bearer", kiosk), NULL, 0), 403);
    snprintf(url, sizeof url, "%s/api/v1/heartbeat", server.url);
    assert_int_equal(tu_http(&r, "POST", url, with("Bearer", kiosk),
                             (const char *[]){"Content-Type: application/json", NULL}, "{}", 2),
                     0);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "revoked"));
    tu_response_free(&r);
}

/* A stolen or re-provisioned kiosk gets a new token: the old one stops
 * working at once and a revoked kiosk is active again under the new one. */
static void test_auth_rotated_kiosk_token_replaces_the_old(void **state)
{
    char out[256], err[256], old[TU_TOKEN_MAX];
    (void)state;
    snprintf(old, sizeof old, "%s", kiosk);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "rotate", "kiosk-1",
                                  "--db", db, NULL),
                     0);
    snprintf(kiosk, sizeof kiosk, "%s", tu_chomp(out));
    assert_true(strlen(kiosk) >= 22);
    assert_string_not_equal(kiosk, old);
    assert_int_equal(get("/api/v1/survey", with("Bearer", old), NULL, 0), 401);
    assert_int_equal(get("/api/v1/survey", with("Bearer", kiosk), NULL, 0), 200);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "rotate", "nobody",
                                  "--db", db, NULL),
                     1);
    assert_non_null(strstr(err, "no kiosk is named \"nobody\""));
}

/* Whether the bytes of text occur anywhere in the file at path. */
static bool file_contains(const char *path, const char *text)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t cap = 1 << 20, len = 0, n;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    bool found = memmem(buf, len, text, strlen(text)) != NULL;
    free(buf);
    return found;
}

/* Tokens live only as SHA-256 hashes: not one appears in the database or
 * its write-ahead log, byte for byte. */
static void test_auth_tokens_appear_nowhere_in_the_database_files(void **state)
{
    char wal[TU_PATH_MAX + 64];
    (void)state;
    snprintf(wal, sizeof wal, "%s-wal", db);
    assert_true(file_contains(db, "kiosk-1")); /* the scan does find what is there */
    const char *tokens[] = {kiosk, admin};
    for (size_t i = 0; i < 2; i++) {
        assert_false(file_contains(db, tokens[i]));
        assert_false(file_contains(wal, tokens[i]));
    }
}

static void test_auth_unknown_path_and_method(void **state)
{
    char url[256];
    struct tu_response r;
    (void)state;
    assert_int_equal(get("/nothing-here", NULL, NULL, 0), 404);
    snprintf(url, sizeof url, "%s/api/v1/batches", server.url);
    assert_int_equal(tu_http(&r, "GET", url, with("Bearer", kiosk), NULL, NULL, 0), 0);
    assert_int_equal(r.status, 405);
    tu_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_admin_bearer_and_basic),
        cmocka_unit_test(test_auth_basic_decodes_with_length_and_refuses_nul),
        cmocka_unit_test(test_auth_basic_with_nul_after_token_is_401),
        cmocka_unit_test(test_auth_kiosk_routes_take_only_kiosk_tokens),
        cmocka_unit_test(test_auth_rotated_admin_token_stops_working),
        cmocka_unit_test(test_auth_revoked_kiosk_gets_403),
        cmocka_unit_test(test_auth_rotated_kiosk_token_replaces_the_old),
        cmocka_unit_test(test_auth_tokens_appear_nowhere_in_the_database_files),
        cmocka_unit_test(test_auth_unknown_path_and_method),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
