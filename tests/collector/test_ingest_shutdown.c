/* End to end: SIGTERM while an upload is half sent. The collector stops
 * accepting, lets the request in flight finish (its 201 arrives and the
 * batch is stored), closes the database and exits 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static int connect_to(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(k > 0);
        p += k;
        n -= (size_t)k;
    }
}

static void test_ingest_sigterm_finishes_request_in_flight(void **state)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX], head[512], reply[4096];
    struct tu_server server;
    char *json = tu_batch_json(NULL, 30, 8, "2025-02", NULL);
    size_t len = strlen(json), got = 0;
    (void)state;

    assert_int_equal(tu_tempdir("shutdown", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    assert_int_equal(tu_server_start(&server, db, NULL), 0);

    int fd = connect_to(server.port);
    int n = snprintf(head, sizeof head,
                     "POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     token, len);
    send_all(fd, head, (size_t)n);
    send_all(fd, json, len / 2);
    usleep(500 * 1000); /* the daemon has read the headers: the request is in flight */
    pid_t pid = server.pid;
    kill(pid, SIGTERM);
    usleep(300 * 1000);
    /* Still running: it waits for this request. */
    assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
    assert_true(tu_server_log_has(&server, "event=stopping"));
    send_all(fd, json + len / 2, len - len / 2);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, 10000), 1);
        ssize_t k = read(fd, reply + got, sizeof reply - 1 - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    reply[got] = '\0';
    close(fd);
    assert_non_null(strstr(reply, "HTTP/1.1 201"));
    assert_non_null(strstr(reply, "\"stored\":30"));
    /* And then it exits cleanly, database closed. */
    assert_int_equal(tu_server_stop(&server), 0);
    assert_true(tu_server_log_has(&server, "event=stopped"));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 30);
    free(json);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_sigterm_finishes_request_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
