/* End to end: slow and greedy clients (issue 15). A client that trickles
 * its headers or its body is cut at the deadline or below the minimum
 * rate; 400 trickling connections from four addresses do not keep a kiosk
 * out (per-address cap, and the reserve for connections with a valid
 * token); past the connection limit only the extra connection is refused,
 * and closed, while the kept-alive kiosks within the limit stay served. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#define TRICKLERS   400
#define ADDRESSES   4 /* 127.0.0.2 .. 127.0.0.5 */
#define WAIT_CUT_S  30.0
#define KEPT_ALIVE  5
#define KEPT_ROUNDS 10

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];

/* A TCP connection to the server from 127.0.0.N (N = 1 for the default). */
static int connect_from(const struct tu_server *s, int n)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    struct sockaddr_in src = {.sin_family = AF_INET};
    char ip[32];
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    snprintf(ip, sizeof ip, "127.0.0.%d", n);
    inet_pton(AF_INET, ip, &src.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
        connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Whether the server has hung up fd (EOF or reset), without waiting. */
static bool hung_up(int fd)
{
    char buf[512];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t n;

    if (poll(&p, 1, 0) != 1)
        return false;
    n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Sends text a byte at a time, one byte every 100 ms, until the server
 * hangs up or WAIT_CUT_S pass; then more spaces. Returns whether it hung up. */
static bool trickle_until_cut(int fd, const char *text)
{
    double deadline = tu_now() + WAIT_CUT_S;
    size_t i = 0, n = strlen(text);

    while (tu_now() < deadline) {
        if (hung_up(fd))
            return true;
        if (send(fd, i < n ? text + i : " ", 1, MSG_NOSIGNAL) != 1)
            return true;
        i++;
        usleep(100 * 1000);
    }
    return false;
}

static int start(struct tu_server *s, const char *name, const char *const *extra)
{
    return tu_fixture_start(s, name, dir, db, sizeof db, token, NULL, extra);
}

static void test_trickled_headers_cut_at_deadline(void **state)
{
    const char *extra[] = {"--header-timeout", "1", "--timeout", "600", NULL};
    struct tu_server s;
    int fd;
    (void)state;

    assert_int_equal(start(&s, "slow-headers", extra), 0);
    assert_true((fd = connect_from(&s, 1)) >= 0);
    /* Headers that never end, a byte at a time: never idle, never done. */
    assert_true(trickle_until_cut(fd, "GET /healthz HTTP/1.1\r\nX-Slow: "));
    close(fd);
    assert_true(tu_server_log_has(&s, "header_deadline=1"));
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

/* POST headers announcing a 64 KiB batch with the kiosk's token. */
static void post_headers(char *out, size_t len)
{
    snprintf(out, len,
             "POST /api/v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 65536\r\n\r\n[",
             token);
}

static void slow_body(const char *const *extra, const char *logged)
{
    struct tu_server s;
    char head[512];
    int fd;

    assert_int_equal(start(&s, "slow-body", extra), 0);
    assert_true((fd = connect_from(&s, 1)) >= 0);
    post_headers(head, sizeof head);
    assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    assert_true(trickle_until_cut(fd, ""));
    close(fd);
    assert_true(tu_server_log_has(&s, logged));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), 0);
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

static void test_trickled_body_cut_at_deadline(void **state)
{
    const char *extra[] = {"--body-timeout", "2", "--min-rate", "1", "--timeout", "600", NULL};
    (void)state;
    slow_body(extra, "body_deadline=1");
}

static void test_body_below_min_rate_cut(void **state)
{
    const char *extra[] = {"--body-timeout", "600", "--min-rate", "1024", "--timeout", "600", NULL};
    (void)state;
    slow_body(extra, "min_rate=1");
}

struct tricklers {
    int fd[TRICKLERS];
    pthread_t thread;
    volatile bool stop;
};

/* Keeps every trickler sending a header byte every 500 ms. */
static void *trickle_all(void *arg)
{
    struct tricklers *t = arg;
    while (!t->stop) {
        for (int i = 0; i < TRICKLERS; i++)
            if (t->fd[i] >= 0)
                send(t->fd[i], "x", 1, MSG_NOSIGNAL);
        usleep(500 * 1000);
    }
    return NULL;
}

static void test_tricklers_do_not_keep_a_kiosk_out(void **state)
{
    /* Deadlines far away: only the per-address cap and the reserve help. */
    const char *extra[] = {"--max-connections",
                           "256",
                           "--max-per-ip",
                           "80",
                           "--header-timeout",
                           "600",
                           "--timeout",
                           "600",
                           NULL};
    struct tu_server s;
    struct tricklers *t = calloc(1, sizeof *t);
    struct tu_response r;
    char *json = tu_batch_json(NULL, 3, 7, "2025-02", NULL);
    int open_per[ADDRESSES] = {0};
    (void)state;

    assert_int_equal(start(&s, "tricklers", extra), 0);
    for (int i = 0; i < TRICKLERS; i++) {
        t->fd[i] = connect_from(&s, 2 + i % ADDRESSES);
        if (t->fd[i] >= 0)
            send(t->fd[i], "POST /api/v1/batches HTTP/1.1\r\nX: ", 34, MSG_NOSIGNAL);
    }
    assert_int_equal(pthread_create(&t->thread, NULL, trickle_all, t), 0);
    sleep(2); /* the tricklers are older than a fresh connection now */
    if (tu_post_batch(&r, s.url, token, json, false) != 0)
        fail_msg("the kiosk could not deliver: %s", r.error);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), 1);
    /* No address holds more than its cap. */
    for (int i = 0; i < TRICKLERS; i++)
        if (t->fd[i] >= 0 && !hung_up(t->fd[i]))
            open_per[i % ADDRESSES]++;
    for (int a = 0; a < ADDRESSES; a++)
        assert_in_range(open_per[a], 1, 80);
    t->stop = true;
    pthread_join(t->thread, NULL);
    for (int i = 0; i < TRICKLERS; i++)
        if (t->fd[i] >= 0)
            close(t->fd[i]);
    free(t);
    free(json);
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

struct kept {
    const char *url;
    pthread_barrier_t *ready;
    int ok, refused;
};

/* One kiosk on one kept-alive connection: a survey request, then after
 * the barrier KEPT_ROUNDS more. */
static void *kept_alive(void *arg)
{
    struct kept *k = arg;
    char url[256], auth[TU_TOKEN_MAX + 32];
    struct curl_slist *h = NULL;
    CURL *c = curl_easy_init();
    long status;

    snprintf(url, sizeof url, "%s/api/v1/survey", k->url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    h = curl_slist_append(h, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fwrite);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, fopen("/dev/null", "w"));
    for (int i = 0; i <= KEPT_ROUNDS; i++) {
        status = 0;
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        k->ok += status == 200;
        k->refused += status == 429;
        if (i == 0)
            pthread_barrier_wait(k->ready);
        usleep(50 * 1000);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static void test_over_limit_sheds_only_the_extra(void **state)
{
    const char *extra[] = {"--max-connections", "4", "--reserve", "0", NULL};
    struct tu_server s;
    struct kept k[KEPT_ALIVE];
    pthread_t th[KEPT_ALIVE];
    pthread_barrier_t ready;
    int served = 0, shed = 0;
    (void)state;

    assert_int_equal(start(&s, "kept-alive", extra), 0);
    pthread_barrier_init(&ready, NULL, KEPT_ALIVE);
    for (int i = 0; i < KEPT_ALIVE; i++) {
        k[i] = (struct kept){.url = s.url, .ready = &ready};
        assert_int_equal(pthread_create(&th[i], NULL, kept_alive, &k[i]), 0);
    }
    for (int i = 0; i < KEPT_ALIVE; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&ready);
    for (int i = 0; i < KEPT_ALIVE; i++) {
        served += k[i].ok == KEPT_ROUNDS + 1;
        shed += k[i].refused == KEPT_ROUNDS + 1;
    }
    /* The four within the limit were served every time; the fifth, each
     * time on a new connection, was refused. */
    assert_int_equal(served, 4);
    assert_int_equal(shed, 1);
    assert_int_equal(tu_fixture_stop(&s, dir), 0);
}

int main(void)
{
    struct rlimit rl;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trickled_headers_cut_at_deadline),
        cmocka_unit_test(test_trickled_body_cut_at_deadline),
        cmocka_unit_test(test_body_below_min_rate_cut),
        cmocka_unit_test(test_tricklers_do_not_keep_a_kiosk_out),
        cmocka_unit_test(test_over_limit_sheds_only_the_extra),
    };

    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
