/* End to end: the limits every request lives under. A streamed (chunked)
 * body is cut at 1 MiB with 413; past the connection limit kiosks get 429
 * with Retry-After; an idle connection is closed after the timeout; a
 * client that waits for "100 Continue" is refused before it sends a body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], auth[TU_TOKEN_MAX + 16];
static struct tu_server server;

static int setup(void **state)
{
    const char *limits[] = {"--max-connections", "4", "--timeout", "1", NULL};
    (void)state;
    if (tu_fixture_start(&server, "limits", dir, db, sizeof db, token, NULL, limits) != 0)
        return -1;
    snprintf(auth, sizeof auth, "Bearer %s", token);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_fixture_stop(&server, dir);
}

struct stream {
    size_t left;
    bool opened;
};

/* Feeds "[" then spaces forever-ish: a body with no Content-Length. */
static size_t feed(char *buf, size_t size, size_t nmemb, void *ud)
{
    struct stream *s = ud;
    size_t n = size * nmemb < s->left ? size * nmemb : s->left;
    memset(buf, ' ', n);
    if (!s->opened && n) {
        buf[0] = '[';
        s->opened = true;
    }
    s->left -= n;
    return n;
}

static void test_limits_streamed_body_cut_at_cap(void **state)
{
    char url[256];
    struct stream s = {.left = 8u << 20}; /* 8 MiB offered */
    struct curl_slist *h = NULL;
    long status = 0;
    CURL *c = curl_easy_init();
    (void)state;

    snprintf(url, sizeof url, "%s/api/v1/batches", server.url);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Transfer-Encoding: chunked");
    h = curl_slist_append(h, "Expect:");
    char a[TU_TOKEN_MAX + 32];
    snprintf(a, sizeof a, "Authorization: %s", auth);
    h = curl_slist_append(h, a);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
    curl_easy_setopt(c, CURLOPT_READDATA, &s);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 413);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), 0);
}

static void test_limits_expect_continue_refused_before_body(void **state)
{
    char url[256];
    struct tu_response r;
    char *json = tu_batch_json(NULL, 5, 1, "2025-02", NULL);
    const char *headers[] = {"Content-Type: application/json", "Expect: 100-continue", NULL};
    (void)state;

    snprintf(url, sizeof url, "%s/api/v1/batches", server.url);
    assert_int_equal(tu_http(&r, "POST", url, "Bearer nope", headers, json, strlen(json)), 0);
    assert_int_equal(r.status, 401);
    assert_null(strstr(r.headers, "100 Continue"));
    tu_response_free(&r);
    free(json);
}

static int connect_idle(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)server.port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* GET /api/v1/survey until it answers want (at most 5 s: the daemon
 * notices opened and closed connections asynchronously). */
static struct tu_response survey_until(long want)
{
    char url[256];
    struct tu_response r = {0};
    double deadline = tu_now() + 5;

    snprintf(url, sizeof url, "%s/api/v1/survey", server.url);
    for (;;) {
        assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
        if (r.status == want || tu_now() > deadline)
            return r;
        tu_response_free(&r);
        usleep(20 * 1000);
    }
}

static void test_limits_over_connection_limit_is_429(void **state)
{
    int fds[5];
    char url[256], retry[32];
    struct tu_response r;
    (void)state;

    for (int i = 0; i < 5; i++)
        assert_true((fds[i] = connect_idle()) >= 0);
    r = survey_until(429);
    assert_int_equal(r.status, 429);
    assert_non_null(tu_header(&r, "Retry-After", retry, sizeof retry));
    tu_response_free(&r);
    /* Health checks are still answered. */
    snprintf(url, sizeof url, "%s/healthz", server.url);
    assert_int_equal(tu_http(&r, "GET", url, NULL, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    tu_response_free(&r);
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    r = survey_until(200);
    assert_int_equal(r.status, 200);
    tu_response_free(&r);
}

static void test_limits_idle_connection_closed_after_timeout(void **state)
{
    int fd = connect_idle();
    char buf[16];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    double t0 = tu_now();
    (void)state;

    assert_true(fd >= 0);
    /* --timeout 1: the daemon hangs up within a few seconds. */
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_true(read(fd, buf, sizeof buf) <= 0);
    assert_true(tu_now() - t0 < 4.0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_streamed_body_cut_at_cap),
        cmocka_unit_test(test_limits_expect_continue_refused_before_body),
        cmocka_unit_test(test_limits_over_connection_limit_is_429),
        cmocka_unit_test(test_limits_idle_connection_closed_after_timeout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
