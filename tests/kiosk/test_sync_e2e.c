/* End to end: the kiosk's sync client (real store file, real libcurl) against
 * the real collector process on loopback. Each test counts the responses in
 * the collector's database: every one exactly once, also when the collector
 * starts after the kiosk, is killed mid-sync, or answers 503 for a while. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch.h"
#include "kiosk_store.h"
#include "survey.h"
#include "sync.h"
#include "testutil.h"

struct fixture {
    char dir[TU_PATH_MAX];
    char collector_db[TU_PATH_MAX + 32];
    char token[TU_TOKEN_MAX];
    struct tu_server server;
    struct survey *survey;
    struct kiosk_config cfg;
    struct kiosk_store *st;
    int port;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[SURVEY_ERR_LEN];
    if (!f || tu_tempdir("sync-e2e", f->dir) != 0)
        return -1;
    snprintf(f->collector_db, sizeof f->collector_db, "%s/collector.db", f->dir);
    if (tu_setup_db(f->collector_db, f->token, NULL) != 0)
        return -1;
    if (survey_load_file(TU_SURVEY_FILE, &f->survey, err, sizeof err) != SURVEY_OK)
        return -1;
    f->port = tu_free_port();
    kiosk_config_defaults(&f->cfg);
    snprintf(f->cfg.collector_url, sizeof f->cfg.collector_url, "http://127.0.0.1:%d", f->port);
    snprintf(f->cfg.token, sizeof f->cfg.token, "%s", f->token);
    snprintf(f->cfg.db, sizeof f->cfg.db, "%.480s/kiosk.db", f->dir);
    f->cfg.sync_interval_s = 1;
    f->cfg.max_backoff_s = 1;
    f->cfg.heartbeat_interval_s = 60;
    /* Installed with the collector's key pinned: answers are sealed before
     * the first sync (the collector may not be up yet). */
    char out[512], cerr[512];
    if (tu_collector(out, sizeof out, cerr, sizeof cerr, "key", "init", "--db", f->collector_db,
                     NULL) != 0 ||
        tu_collector(out, sizeof out, cerr, sizeof cerr, "key", "show", "--db", f->collector_db,
                     NULL) != 0)
        return -1;
    snprintf(f->cfg.collector_key, sizeof f->cfg.collector_key, "%s", tu_chomp(out));
    if (kiosk_store_open(f->cfg.db, &f->st, NULL, err, sizeof err) != 0 ||
        kiosk_store_set_collector_key(f->st, f->cfg.collector_key) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tu_server_stop(&f->server);
    kiosk_store_close(f->st);
    survey_free(f->survey);
    if (!getenv("KEEP_TEST_DIRS"))
        tu_rmdir(f->dir);
    free(f);
    return 0;
}

static void start_collector(struct fixture *f, const char *max_pages)
{
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", f->port);
    const char *plain[] = {"--listen", listen, NULL};
    const char *limited[] = {"--listen", listen, "--max-db-pages", max_pages, NULL};
    assert_int_equal(tu_server_start(&f->server, f->collector_db, max_pages ? limited : plain), 0);
    assert_int_equal(f->server.port, f->port);
}

/* Response k answers the 12 questions with k's base-4 digits, so that the
 * collector's rows tell whether any response arrived twice. */
static void submit_range(struct fixture *f, int from, int n)
{
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES] = {BATCH_OPTION_NONE};
    char err[256];
    for (int k = from; k < from + n; k++) {
        int x = k;
        for (size_t i = 0; i < f->survey->n_questions; i++, x /= 4)
            values[i] = 1 + x % 4;
        assert_int_equal(
            kiosk_store_submit(f->st, f->survey, "2025-02", values, options, err, sizeof err), 0);
    }
}

static void assert_collector_holds(struct fixture *f, long long n)
{
    assert_int_equal(tu_db_count(f->collector_db, "SELECT count(*) FROM responses"), n);
    /* Sealed at rest: a released copy tells whether any arrived twice. */
    assert_int_equal(tu_distinct_opened(f->collector_db, 2024, NULL), n);
}

static void assert_kiosk_empty(struct fixture *f)
{
    struct kiosk_store_status s;
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.unsealed, 0);
    assert_int_equal(s.sealed, 0);
    assert_int_equal(s.quarantined, 0);
}

static void test_sync_e2e_delivers_every_response_exactly_once(void **state)
{
    struct fixture *f = *state;
    char err[256];
    start_collector(f, NULL);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    submit_range(f, 0, 7);
    assert_true(sync_drain(s, 30));
    submit_range(f, 7, 12);
    assert_true(sync_drain(s, 30));
    submit_range(f, 19, 3); /* below min_batch: stays at the kiosk */
    assert_true(sync_drain(s, 30));
    struct sync_status ss;
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(ss.unsealed, 3);
    assert_int_equal(ss.survey_generation, 1); /* the published survey reached the kiosk */
    assert_collector_holds(f, 19);
    assert_int_equal(tu_db_count(f->collector_db, "SELECT count(*) FROM batches"), 2);
    assert_int_equal(
        tu_db_count(f->collector_db, "SELECT count(*) FROM kiosks WHERE last_seen_at IS NOT NULL"),
        1);
}

static void test_sync_e2e_collector_started_after_kiosk(void **state)
{
    struct fixture *f = *state;
    char err[256];
    submit_range(f, 0, 11);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_false(sync_drain(s, 2)); /* nobody listens yet */
    struct sync_status ss;
    sync_get_status(s, &ss);
    assert_int_equal(ss.sealed, 1);
    start_collector(f, NULL);
    assert_true(sync_drain(s, 30));
    sync_stop(s);
    assert_collector_holds(f, 11);
    assert_kiosk_empty(f);
}

static void test_sync_e2e_collector_killed_mid_sync(void **state)
{
    struct fixture *f = *state;
    char err[256];
    const int batches = 40, per = 5;
    /* Forty sealed batches wait, so the kill lands while uploads go on. */
    for (int b = 0; b < batches; b++) {
        submit_range(f, b * per, per);
        assert_int_equal(kiosk_store_seal(f->st, per, time(NULL), err, sizeof err), 1);
    }
    start_collector(f, NULL);
    unsigned seed = (unsigned)getpid();
    int kill_at = 3 + (int)(rand_r(&seed) % 20);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    double deadline = tu_now() + 30;
    while (tu_now() < deadline &&
           tu_db_count(f->collector_db, "SELECT count(*) FROM batches") < kill_at)
        usleep(2000);
    tu_server_kill(&f->server);
    long long before = tu_db_count(f->collector_db, "SELECT count(*) FROM batches");
    assert_true(before >= kill_at && before <= batches);
    usleep(500 * 1000);
    start_collector(f, NULL);
    assert_true(sync_drain(s, 60));
    sync_stop(s);
    assert_collector_holds(f, batches * per);
    assert_int_equal(tu_db_count(f->collector_db, "SELECT count(*) FROM batches"), batches);
    assert_kiosk_empty(f);
}

/* Fills the collector (started with --max-db-pages) through another kiosk
 * until one-response batches get 503 several times in a row: its disk is
 * full. Smaller batches may still fit after a larger one failed, hence the
 * steps down from 200 responses. */
static void fill_collector(struct fixture *f)
{
    char other[TU_TOKEN_MAX], err[256];
    int size = 200, refused_in_a_row = 0;
    assert_int_equal(tu_collector(other, sizeof other, err, sizeof err, "kiosk", "add", "filler",
                                  "--db", f->collector_db, NULL),
                     0);
    tu_chomp(other);
    for (int i = 0; i < 1000 && refused_in_a_row < 5; i++) {
        struct tu_response r = {0};
        char *json = tu_batch_json(NULL, size, (unsigned)i, "2025-02", NULL);
        assert_non_null(json);
        assert_int_equal(tu_post_batch(&r, f->server.url, other, json, true), 0);
        if (r.status == 503 && size == 1) {
            refused_in_a_row++;
        } else if (r.status == 503) {
            size = size > 10 ? size / 10 : 1;
        } else {
            assert_int_equal(r.status, 201);
            refused_in_a_row = 0;
        }
        tu_response_free(&r);
        free(json);
    }
    assert_int_equal(refused_in_a_row, 5);
}

#define KIOSK1_ROWS                                                                                \
    " FROM responses r JOIN batches b USING (batch_id) JOIN kiosks k USING (kiosk_id)"             \
    " WHERE k.name = 'kiosk-1'"

static void test_sync_e2e_collector_answers_503_for_a_while(void **state)
{
    struct fixture *f = *state;
    char err[256], pages[32];
    snprintf(pages, sizeof pages, "%lld", tu_db_count(f->collector_db, "PRAGMA page_count") + 4);
    start_collector(f, pages);
    fill_collector(f);
    submit_range(f, 0, 9);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_false(sync_drain(s, 3));
    struct sync_status ss;
    sync_get_status(s, &ss);
    assert_int_equal(ss.sealed, 1);
    assert_int_equal(ss.quarantined, 0);
    assert_non_null(strstr(ss.last_error, "HTTP 503"));
    assert_int_equal(tu_db_count(f->collector_db, "SELECT count(*)" KIOSK1_ROWS), 0);
    /* Space is freed: the collector comes back without the limit. */
    assert_int_equal(tu_server_stop(&f->server), 0);
    start_collector(f, NULL);
    assert_true(sync_drain(s, 30));
    sync_stop(s);
    assert_int_equal(tu_db_count(f->collector_db, "SELECT count(*)" KIOSK1_ROWS), 9);
    assert_int_equal(tu_distinct_opened(f->collector_db, 2024,
                                        "DELETE FROM responses WHERE batch_id NOT IN (SELECT"
                                        " batch_id FROM batches JOIN kiosks USING (kiosk_id)"
                                        " WHERE name = 'kiosk-1')"),
                     9);
    assert_kiosk_empty(f);
}

static void test_sync_e2e_revoked_token_keeps_batches(void **state)
{
    struct fixture *f = *state;
    char err[256];
    start_collector(f, NULL);
    assert_int_equal(tu_collector(NULL, 0, err, sizeof err, "kiosk", "revoke", "kiosk-1", "--db",
                                  f->collector_db, NULL),
                     0);
    submit_range(f, 0, 5);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_false(sync_drain(s, 3));
    struct sync_status ss;
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(ss.sealed, 1);
    assert_int_equal(ss.quarantined, 0);
    assert_non_null(strstr(ss.last_error, "トークンが無効"));
    assert_int_equal(tu_db_count(f->collector_db, "SELECT count(*) FROM responses"), 0);
}

/* A self-signed certificate for 127.0.0.1 into DIR/NAME-cert.pem and -key.pem. */
static void make_cert(const struct fixture *f, const char *name)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
             " -addext subjectAltName=IP:127.0.0.1 -keyout '%s/%s-key.pem' -out '%s/%s-cert.pem'"
             " >/dev/null 2>&1",
             f->dir, name, f->dir, name);
    assert_int_equal(system(cmd), 0);
}

static void start_tls_collector(struct fixture *f)
{
    char listen[32], cert[TU_PATH_MAX + 32], key[TU_PATH_MAX + 32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", f->port);
    snprintf(cert, sizeof cert, "%s/server-cert.pem", f->dir);
    snprintf(key, sizeof key, "%s/server-key.pem", f->dir);
    const char *extra[] = {"--listen", listen, "--tls-cert", cert, "--tls-key", key, NULL};
    assert_int_equal(tu_server_start(&f->server, f->collector_db, extra), 0);
    assert_non_null(strstr(f->server.url, "https://"));
}

static void test_sync_e2e_tls_verified_against_ca_file(void **state)
{
    struct fixture *f = *state;
    char err[256];
    make_cert(f, "server");
    make_cert(f, "other");
    start_tls_collector(f);
    snprintf(f->cfg.collector_url, sizeof f->cfg.collector_url, "https://127.0.0.1:%d", f->port);
    submit_range(f, 0, 6);

    /* A CA that did not sign the collector's certificate: nothing is sent. */
    snprintf(f->cfg.ca_file, sizeof f->cfg.ca_file, "%.400s/other-cert.pem", f->dir);
    struct sync *s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_false(sync_drain(s, 2));
    struct sync_status ss;
    sync_get_status(s, &ss);
    sync_stop(s);
    assert_int_equal(ss.sealed, 1);
    assert_non_null(strstr(ss.last_error, "接続できません"));
    assert_int_equal(tu_db_count(f->collector_db, "SELECT count(*) FROM responses"), 0);

    /* The right CA file: delivered. */
    snprintf(f->cfg.ca_file, sizeof f->cfg.ca_file, "%.400s/server-cert.pem", f->dir);
    s = sync_start(&f->cfg, err, sizeof err);
    assert_non_null(s);
    assert_true(sync_drain(s, 30));
    sync_stop(s);
    assert_collector_holds(f, 6);
    assert_kiosk_empty(f);
}

/* The real kiosk program: respondents answer through the UI (headless
 * script), then --drain sends what can be sealed to the real collector. */
static void test_sync_e2e_kiosk_program_delivers_exactly_once(void **state)
{
    struct fixture *f = *state;
    char conf[TU_PATH_MAX + 32], script[TU_PATH_MAX + 32], text[2048];
    const int respondents = 13;
    snprintf(conf, sizeof conf, "%s/kiosk.conf", f->dir);
    snprintf(script, sizeof script, "%s/session.txt", f->dir);
    snprintf(text, sizeof text,
             "collector_url = %s\ntoken = %s\ndb = %s\nmin_batch = 5\nsync_interval_s = 1\n"
             "max_backoff_s = 1\n",
             f->cfg.collector_url, f->token, f->cfg.db);
    FILE *fp = fopen(conf, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    fp = fopen(script, "w");
    assert_non_null(fp);
    for (int k = 0; k < respondents; k++) {
        fprintf(fp, "tap @start\ntap @choose 1\nwait 500\n");
        for (int q = 0, x = k; q < 12; q++, x /= 4)
            fprintf(fp, "tap @choose %d\nwait 500\n", 1 + x % 4);
        fprintf(fp, "tap @send\ntap @restart\n");
    }
    fprintf(fp, "expect stored %d\n", respondents);
    fclose(fp);
    kiosk_store_close(f->st); /* the program owns the store now */
    f->st = NULL;
    start_collector(f, NULL);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("SDL_VIDEODRIVER", "dummy", 1);
        execl(KIOSK_BIN, KIOSK_BIN, "--config", conf, "--headless", "--script", script, "--survey",
              TU_SURVEY_FILE, "--date", "2025-02-10", "--drain", "30", (char *)NULL);
        _exit(127);
    }
    int status = -1;
    double deadline = tu_now() + 90;
    while (waitpid(pid, &status, WNOHANG) == 0 && tu_now() < deadline)
        usleep(20000);
    if (tu_now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail_msg("the kiosk did not finish within 90 s");
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* What was sealed reached the collector once; what was not is still here. */
    char err[256];
    assert_int_equal(kiosk_store_open(f->cfg.db, &f->st, NULL, err, sizeof err), 0);
    struct kiosk_store_status ks;
    kiosk_store_get_status(f->st, &ks);
    assert_int_equal(ks.sealed, 0);
    assert_int_equal(ks.quarantined, 0);
    long long got = tu_db_count(f->collector_db, "SELECT count(*) FROM responses");
    assert_true(got >= respondents - 4);
    assert_int_equal(got + ks.unsealed, respondents);
    assert_int_equal(tu_distinct_opened(f->collector_db, 2024, NULL), got);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sync_e2e_delivers_every_response_exactly_once),
        T(test_sync_e2e_collector_started_after_kiosk),
        T(test_sync_e2e_collector_killed_mid_sync),
        T(test_sync_e2e_collector_answers_503_for_a_while),
        T(test_sync_e2e_revoked_token_keeps_batches),
        T(test_sync_e2e_tls_verified_against_ca_file),
        T(test_sync_e2e_kiosk_program_delivers_exactly_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
