/* Tests of the sync client's decisions against a small scripted HTTP server
 * on loopback: it stands for a collector that acknowledges, a captive portal
 * that answers 200 with its own page, an overloaded collector (503), one that
 * refuses a batch for good (422), and checks the wire (deflate, ETag, heartbeat). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch.h"
#include "kclock.h"
#include "helper_ui.h"
#include "kiosk_store.h"
#include "survey.h"
#include "sync.h"
#include "upload.h"

#define FAKE_MAX_REQUEST (2u << 20)
#define FAKE_MAX_IDS     64

enum batch_mode { MODE_ACK, MODE_PORTAL, MODE_503_THEN_ACK, MODE_422, MODE_HANG };

struct fake {
    int fd, port;
    pthread_t thread;
    pthread_mutex_t mu;
    bool stop;
    enum batch_mode mode;
    int fail_first;               /* MODE_503_THEN_ACK: how many batch posts get 503 */
    int retry_after;              /* sent with each 503 when > 0 */
    double post_at[FAKE_MAX_IDS]; /* monotonic seconds of each batch post */
    int batch_posts;              /* all POST /api/v1/batches */
    int bad_encoding;             /* posts without Content-Encoding: deflate or not inflatable */
    char ids[FAKE_MAX_IDS][37];   /* acknowledged batch ids, in order */
    int n_ids, n_responses;
    int survey_gets, survey_304;
    int heartbeats;
    char heartbeat[2048];
    const char *survey_json;
};

/* ---- the scripted server ---- */

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void reply(int fd, int status, const char *extra, const char *ctype, const char *body)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nContent-Type: %s\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, strlen(body), ctype, extra ? extra : "");
    write_all(fd, head, (size_t)n);
    write_all(fd, body, strlen(body));
}

static const char *header(const char *head, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    out[0] = '\0';
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(out, outlen, "%.*s", (int)len, v);
            return out;
        }
    }
    return NULL;
}

static void on_batch(struct fake *f, int fd, const char *head, const char *body, size_t len)
{
    char enc[64], msg[256], *json = NULL;
    size_t jlen = 0;
    struct batch *b = NULL;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&f->mu);
    int nth = ++f->batch_posts;
    if (nth <= FAKE_MAX_IDS)
        f->post_at[nth - 1] = (double)now.tv_sec + now.tv_nsec / 1e9;
    pthread_mutex_unlock(&f->mu);
    header(head, "Content-Encoding", enc, sizeof enc);
    if (strcmp(enc, "deflate") != 0 ||
        batch_inflate(body, len, BATCH_MAX_JSON_BYTES, &json, &jlen) != BATCH_OK ||
        batch_decode(json, jlen, &b, msg, sizeof msg) != BATCH_OK) {
        pthread_mutex_lock(&f->mu);
        f->bad_encoding++;
        pthread_mutex_unlock(&f->mu);
        reply(fd, 400, NULL, "application/json", "{\"error\":\"bad\",\"message\":\"bad body\"}");
        goto out;
    }
    if (f->mode == MODE_HANG) {
        /* Never answers: holds the connection until the test ends (at most 10 s). */
        for (int i = 0; i < 200; i++) {
            pthread_mutex_lock(&f->mu);
            bool stop = f->stop;
            pthread_mutex_unlock(&f->mu);
            if (stop)
                break;
            usleep(50 * 1000);
        }
    } else if (f->mode == MODE_PORTAL) {
        reply(fd, 200, NULL, "text/html", "<html><body>Welcome to the guest Wi-Fi</body></html>");
    } else if (f->mode == MODE_422) {
        reply(fd, 422, NULL, "application/json",
              "{\"error\":\"invalid\",\"message\":\"q01: 9 is outside the scale\"}");
    } else if (f->mode == MODE_503_THEN_ACK && nth <= f->fail_first) {
        char extra[64] = "";
        if (f->retry_after > 0)
            snprintf(extra, sizeof extra, "Retry-After: %d\r\n", f->retry_after);
        reply(fd, 503, extra, "application/json",
              "{\"error\":\"unavailable\",\"message\":\"storage unavailable\"}");
    } else {
        pthread_mutex_lock(&f->mu);
        if (f->n_ids < FAKE_MAX_IDS)
            snprintf(f->ids[f->n_ids++], 37, "%s", b->batch_id);
        /* Format 2 carries sealed texts, which the fake cannot open: it counts them. */
        f->n_responses += (int)(b->n_responses + b->n_sealed);
        pthread_mutex_unlock(&f->mu);
        snprintf(msg, sizeof msg, "{\"batch_id\":\"%s\",\"stored\":%zu}", b->batch_id,
                 b->n_responses + b->n_sealed);
        reply(fd, 201, NULL, "application/json", msg);
    }
out:
    batch_free(b);
    free(json);
}

static void on_survey(struct fake *f, int fd, const char *head)
{
    char inm[128];
    pthread_mutex_lock(&f->mu);
    f->survey_gets++;
    bool same = header(head, "If-None-Match", inm, sizeof inm) && strcmp(inm, "\"v1\"") == 0;
    f->survey_304 += same;
    pthread_mutex_unlock(&f->mu);
    if (same)
        reply(fd, 304, "ETag: \"v1\"\r\n", "application/json", "");
    else
        reply(fd, 200, "ETag: \"v1\"\r\n", "application/json", f->survey_json);
}

static void on_heartbeat(struct fake *f, int fd, const char *body)
{
    pthread_mutex_lock(&f->mu);
    f->heartbeats++;
    snprintf(f->heartbeat, sizeof f->heartbeat, "%s", body);
    pthread_mutex_unlock(&f->mu);
    reply(fd, 200, NULL, "application/json", "{\"ok\":true}");
}

/* Reads one request (headers, then Content-Length bytes) into buf. */
static size_t read_request(int fd, char *buf, size_t cap, char **body)
{
    size_t len = 0, need = 0;
    char *end = NULL, cl[32];
    while (len < cap - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            return 0;
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r <= 0)
            return 0;
        len += (size_t)r;
        buf[len] = '\0';
        if (!end && (end = strstr(buf, "\r\n\r\n"))) {
            end[2] = '\0'; /* headers end with one CRLF for header() */
            need = (size_t)(end + 4 - buf) +
                   (header(buf, "Content-Length", cl, sizeof cl) ? strtoul(cl, NULL, 10) : 0);
        }
        if (end && len >= need) {
            *body = end + 4;
            return need - (size_t)(end + 4 - buf);
        }
    }
    return 0;
}

static void serve_one(struct fake *f, int fd, char *buf)
{
    char *body = NULL;
    size_t len = read_request(fd, buf, FAKE_MAX_REQUEST, &body);
    if (!body)
        return;
    body[len] = '\0';
    if (strncmp(buf, "POST /api/v1/batches ", 21) == 0)
        on_batch(f, fd, buf, body, len);
    else if (strncmp(buf, "GET /api/v1/survey ", 19) == 0)
        on_survey(f, fd, buf);
    else if (strncmp(buf, "POST /api/v1/heartbeat ", 23) == 0)
        on_heartbeat(f, fd, body);
    else
        reply(fd, 404, NULL, "application/json", "{\"error\":\"not_found\",\"message\":\"no\"}");
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    char *buf = malloc(FAKE_MAX_REQUEST + 1);
    for (;;) {
        pthread_mutex_lock(&f->mu);
        bool stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop || !buf)
            break;
        struct pollfd p = {.fd = f->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            continue;
        serve_one(f, c, buf);
        close(c);
    }
    free(buf);
    return NULL;
}

static struct fake *fake_start(enum batch_mode mode, const char *survey_json)
{
    struct fake *f = calloc(1, sizeof(*f));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_non_null(f);
    f->mode = mode;
    f->survey_json = survey_json;
    pthread_mutex_init(&f->mu, NULL);
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(f->fd >= 0);
    assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->fd, 16), 0);
    assert_int_equal(getsockname(f->fd, (struct sockaddr *)&a, &alen), 0);
    f->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
    return f;
}

static void fake_stop(struct fake *f)
{
    pthread_mutex_lock(&f->mu);
    f->stop = true;
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    close(f->fd);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static int fake_get(struct fake *f, const int *field)
{
    pthread_mutex_lock(&f->mu);
    int v = *field;
    pthread_mutex_unlock(&f->mu);
    return v;
}

/* ---- kiosk side ---- */

struct fixture {
    struct survey *survey;
    struct kiosk_config cfg;
    struct kiosk_store *st;
    struct fake *fake;
};

static int setup(void **state)
{
    static int counter;
    struct fixture *f = calloc(1, sizeof(*f));
    char err[SURVEY_ERR_LEN];
    if (!f || survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &f->survey, err,
                               sizeof err) != SURVEY_OK)
        return -1;
    kiosk_config_defaults(&f->cfg);
    snprintf(f->cfg.db, sizeof f->cfg.db, "%s/test_sync_%d_%d.db", TEST_OUTPUT_DIR, (int)getpid(),
             counter++);
    snprintf(f->cfg.token, sizeof f->cfg.token, "test-token");
    f->cfg.sync_interval_s = 1;
    f->cfg.max_backoff_s = 1;
    f->cfg.heartbeat_interval_s = 1;
    /* The fake collector sends no key: the store keeps the one it has. */
    if (kiosk_store_open(f->cfg.db, &f->st, NULL, err, sizeof err) != 0 ||
        kiosk_store_set_collector_key(f->st, UI_TEST_COLLECTOR_KEY) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[600];
    kiosk_store_close(f->st);
    survey_free(f->survey);
    if (f->fake)
        fake_stop(f->fake);
    remove(f->cfg.db);
    snprintf(p, sizeof p, "%s-wal", f->cfg.db);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", f->cfg.db);
    remove(p);
    free(f);
    return 0;
}

static void use_fake(struct fixture *f, enum batch_mode mode)
{
    f->fake = fake_start(mode, f->survey->source);
    snprintf(f->cfg.collector_url, sizeof f->cfg.collector_url, "http://127.0.0.1:%d",
             f->fake->port);
}

static void submit(struct fixture *f, int n)
{
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES] = {BATCH_OPTION_NONE};
    char err[256];
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < f->survey->n_questions; i++)
            values[i] = 1 + (int)((k + i) % 4);
        assert_int_equal(
            kiosk_store_submit(f->st, f->survey, "2025-02", values, options, err, sizeof err), 0);
    }
}

static struct kiosk_store_status store_status(struct fixture *f)
{
    struct kiosk_store_status s;
    kiosk_store_get_status(f->st, &s);
    return s;
}

/* Polls cond for up to seconds; every loop in these tests is bounded. */
static bool eventually(struct fake *fk, const int *field, int at_least, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        if (fake_get(fk, field) >= at_least)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

/* ---- tests ---- */

static void test_sync_verdict_follows_design_table(void **state)
{
    (void)state;
    const char *id = "9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10";
    char why[UPLOAD_WHY_LEN];
    char ack[128], dup[128], other[128];
    snprintf(ack, sizeof ack, "{\"batch_id\":\"%s\",\"stored\":5}", id);
    snprintf(dup, sizeof dup, "{\"batch_id\":\"%s\",\"duplicate\":true}", id);
    snprintf(other, sizeof other, "{\"batch_id\":\"%s\",\"stored\":5}",
             "00000000-0000-4000-8000-000000000000");
    assert_int_equal(upload_verdict(201, ack, id, why, sizeof why), UPLOAD_DELIVERED);
    assert_int_equal(upload_verdict(200, dup, id, why, sizeof why), UPLOAD_DELIVERED);
    assert_int_equal(upload_verdict(200, "<html>portal</html>", id, why, sizeof why),
                     UPLOAD_KEEP_RETRY);
    assert_int_equal(upload_verdict(200, "{\"duplicate\":true}", id, why, sizeof why),
                     UPLOAD_KEEP_RETRY);
    assert_int_equal(upload_verdict(201, other, id, why, sizeof why), UPLOAD_KEEP_RETRY);
    assert_int_equal(upload_verdict(201, NULL, id, why, sizeof why), UPLOAD_KEEP_RETRY);
    assert_int_equal(upload_verdict(204, ack, id, why, sizeof why), UPLOAD_KEEP_RETRY);
    const int quarantine[] = {400, 409, 413, 415, 422};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(upload_verdict(quarantine[i], "{}", id, why, sizeof why),
                         UPLOAD_QUARANTINE);
    assert_int_equal(upload_verdict(401, NULL, id, why, sizeof why), UPLOAD_KEEP_AUTH);
    assert_non_null(strstr(why, "トークンが無効"));
    assert_int_equal(upload_verdict(403, NULL, id, why, sizeof why), UPLOAD_KEEP_AUTH);
    const int retry[] = {0, 404, 429, 500, 502, 503};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(upload_verdict(retry[i], "{}", id, why, sizeof why), UPLOAD_KEEP_RETRY);
    assert_int_equal(
        upload_verdict(422, "{\"error\":\"x\",\"message\":\"q01 off scale\"}", id, why, sizeof why),
        UPLOAD_QUARANTINE);
    assert_non_null(strstr(why, "q01 off scale"));
}

static void test_sync_delivers_deflated_batches_and_deletes_them(void **state)
{
    struct fixture *f = *state;
    char err[256];
    use_fake(f, MODE_ACK);
    submit(f, 12);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(sync_drain(s, 20));
    struct sync_status ss;
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(fake_get(f->fake, &f->fake->n_responses), 12);
    assert_int_equal(fake_get(f->fake, &f->fake->n_ids), 1);
    assert_int_equal(fake_get(f->fake, &f->fake->bad_encoding), 0);
    assert_int_equal(store_status(f).sealed, 0);
    assert_int_equal(store_status(f).unsealed, 0);
    assert_int_equal(ss.sealed, 0);
    assert_true(ss.last_ok > 0);
    assert_string_equal(ss.last_error, "");
}

static void test_sync_keeps_batch_when_portal_answers_200(void **state)
{
    struct fixture *f = *state;
    char err[256];
    use_fake(f, MODE_PORTAL);
    submit(f, 5);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_false(sync_drain(s, 3));
    assert_true(fake_get(f->fake, &f->fake->batch_posts) >= 1);
    assert_int_equal(store_status(f).sealed, 1); /* still there */
    struct sync_status ss;
    sync_get_status(s, &ss);
    assert_non_null(strstr(ss.last_error, "HTTP 200"));
    /* The real collector answers: the same batch is delivered, once. */
    pthread_mutex_lock(&f->fake->mu);
    f->fake->mode = MODE_ACK;
    pthread_mutex_unlock(&f->fake->mu);
    assert_true(sync_drain(s, 20));
    sync_stop(s);
    assert_int_equal(fake_get(f->fake, &f->fake->n_ids), 1);
    assert_int_equal(fake_get(f->fake, &f->fake->n_responses), 5);
    assert_int_equal(store_status(f).sealed, 0);
}

static void test_sync_backs_off_on_503_then_delivers(void **state)
{
    struct fixture *f = *state;
    char err[256];
    use_fake(f, MODE_503_THEN_ACK);
    f->fake->fail_first = 3;
    submit(f, 7);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(sync_drain(s, 30));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sync_stop(s);
    assert_int_equal(fake_get(f->fake, &f->fake->batch_posts), 4);
    assert_int_equal(fake_get(f->fake, &f->fake->n_ids), 1);
    assert_int_equal(fake_get(f->fake, &f->fake->n_responses), 7);
    /* Three failures each waited at least half of max_backoff_s (1 s). */
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(waited >= 1.5);
}

static void test_sync_backoff_doubles_with_jitter_and_caps(void **state)
{
    (void)state;
    assert_int_equal(sync_backoff_ms(30, 600, 0, 0, 12345), 30000);
    for (int n = 1; n <= 40; n++) {
        long d = 30000L << (n < 5 ? n : 5);
        d = d < 600000 ? d : 600000;
        assert_int_equal(sync_backoff_ms(30, 600, n, 0, 0), d / 2);
        assert_int_equal(sync_backoff_ms(30, 600, n, 0, (uint32_t)(d / 2)), d);
        long any = sync_backoff_ms(30, 600, n, 0, 0xdeadbeef);
        assert_true(any >= d / 2 && any <= d);
    }
    /* Jitter spreads kiosks: different random draws give different waits. */
    assert_int_not_equal(sync_backoff_ms(30, 600, 3, 0, 1), sync_backoff_ms(30, 600, 3, 0, 99999));
    /* Retry-After is a floor within the cap; the cap is never below the interval. */
    assert_int_equal(sync_backoff_ms(1, 600, 1, 5, 0), 5000);
    assert_int_equal(sync_backoff_ms(1, 10, 1, 100, 0), 10000);
    assert_int_equal(sync_backoff_ms(30, 10, 4, 0, 0), 15000);
}

static void test_sync_honours_retry_after(void **state)
{
    struct fixture *f = *state;
    char err[256];
    use_fake(f, MODE_503_THEN_ACK);
    f->fake->fail_first = 1;
    f->fake->retry_after = 3;
    f->cfg.max_backoff_s = 4; /* without Retry-After the wait would be 1 to 2 s */
    submit(f, 5);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(sync_drain(s, 20));
    sync_stop(s);
    assert_int_equal(fake_get(f->fake, &f->fake->batch_posts), 2);
    pthread_mutex_lock(&f->fake->mu);
    double gap = f->fake->post_at[1] - f->fake->post_at[0];
    pthread_mutex_unlock(&f->fake->mu);
    assert_true(gap >= 2.9);
    assert_int_equal(fake_get(f->fake, &f->fake->n_responses), 5);
}

static void test_sync_stop_does_not_wait_for_a_hung_collector(void **state)
{
    struct fixture *f = *state;
    char err[256];
    use_fake(f, MODE_HANG);
    submit(f, 5);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(eventually(f->fake, &f->fake->batch_posts, 1, 10));
    usleep(200 * 1000); /* the upload now waits for an answer that never comes */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sync_stop(s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (took > 1.5)
        fail_msg("sync_stop took %.2f s with a transfer under way", took);
    assert_int_equal(store_status(f).sealed, 1); /* kept for later */
}

static void test_sync_quarantines_refused_batch_without_retrying(void **state)
{
    struct fixture *f = *state;
    char err[256];
    use_fake(f, MODE_422);
    submit(f, 5);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_false(sync_drain(s, 10)); /* done, but not delivered */
    for (int i = 0; i < 3; i++) {
        sync_now(s);
        usleep(300 * 1000);
    }
    struct sync_status ss;
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(fake_get(f->fake, &f->fake->batch_posts), 1);
    assert_int_equal(ss.quarantined, 1);
    assert_int_equal(ss.sealed, 0);
    assert_non_null(strstr(ss.last_error, "outside the scale"));
    assert_int_equal(store_status(f).quarantined, 1);
}

static void test_sync_fetches_survey_with_etag(void **state)
{
    struct fixture *f = *state;
    char err[256], *json = NULL, *etag = NULL;
    use_fake(f, MODE_ACK);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(sync_drain(s, 10));
    struct sync_status ss;
    sync_get_status(s, &ss);
    assert_int_equal(ss.survey_generation, 1);
    sync_now(s);
    assert_true(eventually(f->fake, &f->fake->survey_304, 1, 10));
    assert_true(sync_drain(s, 10));
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(ss.survey_generation, 1); /* 304: nothing new stored */
    assert_int_equal(kiosk_store_survey(f->st, &json, &etag), 0);
    assert_string_equal(json, f->survey->source);
    assert_string_equal(etag, "\"v1\"");
    free(json);
    free(etag);
}

static void test_sync_refuses_invalid_survey_from_collector(void **state)
{
    struct fixture *f = *state;
    char err[256], *json = NULL, *etag = NULL;
    f->fake = fake_start(MODE_ACK, "{\"id\": \"broken\", \"version\": 1}");
    snprintf(f->cfg.collector_url, sizeof f->cfg.collector_url, "http://127.0.0.1:%d",
             f->fake->port);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(sync_drain(s, 10));
    struct sync_status ss;
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(ss.survey_generation, 0);
    assert_non_null(strstr(ss.last_error, "アンケート定義が不正です"));
    assert_int_equal(kiosk_store_survey(f->st, &json, &etag), 0);
    assert_null(json); /* the cache keeps what it had: nothing */
    assert_null(etag);
}

static void test_sync_heartbeat_has_design_fields_only(void **state)
{
    struct fixture *f = *state;
    char err[256];
    use_fake(f, MODE_ACK);
    submit(f, 2); /* below min_batch: must not show in the heartbeat */
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(sync_drain(s, 10));
    assert_true(eventually(f->fake, &f->fake->heartbeats, 1, 10));
    sync_stop(s);
    pthread_mutex_lock(&f->fake->mu);
    json_t *j = json_loads(f->fake->heartbeat, 0, NULL);
    pthread_mutex_unlock(&f->fake->mu);
    assert_non_null(j);
    const char *allowed[] = {"app_version",    "survey_id",           "survey_version",
                             "sealed_batches", "quarantined_batches", "oldest_unsent_days",
                             "clock"};
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < 7; i++)
            ok |= strcmp(key, allowed[i]) == 0;
        if (!ok)
            fail_msg("heartbeat has a field DESIGN.md does not list: %s", key);
    }
    assert_int_equal(json_object_size(j), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "sealed_batches")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "oldest_unsent_days")), 0);
    const char *clock = json_string_value(json_object_get(j, "clock"));
    assert_non_null(clock);
    assert_int_equal(strlen(clock), 20);
    assert_int_equal(clock[10], 'T');
    assert_int_equal(clock[19], 'Z');
    json_decref(j);
    assert_int_equal(store_status(f).unsealed, 2);
}

static void test_sync_unreachable_collector_keeps_everything(void **state)
{
    struct fixture *f = *state;
    char err[256];
    /* A port nobody listens on: bind one, note it, close it. */
    struct fake *gone = fake_start(MODE_ACK, "");
    int port = gone->port;
    fake_stop(gone);
    snprintf(f->cfg.collector_url, sizeof f->cfg.collector_url, "http://127.0.0.1:%d", port);
    submit(f, 6);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_false(sync_drain(s, 2));
    struct sync_status ss;
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(ss.sealed, 1);
    assert_int_equal(ss.last_ok, 0);
    assert_non_null(strstr(ss.last_error, "接続できません"));
    assert_int_equal(store_status(f).sealed, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_verdict_follows_design_table),
        T(test_sync_delivers_deflated_batches_and_deletes_them),
        T(test_sync_keeps_batch_when_portal_answers_200),
        T(test_sync_backs_off_on_503_then_delivers),
        cmocka_unit_test(test_sync_backoff_doubles_with_jitter_and_caps),
        T(test_sync_honours_retry_after),
        T(test_sync_stop_does_not_wait_for_a_hung_collector),
        T(test_sync_quarantines_refused_batch_without_retrying),
        T(test_sync_fetches_survey_with_etag),
        T(test_sync_refuses_invalid_survey_from_collector),
        T(test_sync_heartbeat_has_design_fields_only),
        T(test_sync_unreachable_collector_keeps_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
