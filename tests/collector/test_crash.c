/* End to end: the collector is killed with SIGKILL twice while kiosks
 * upload, and restarted; then ten times with the power-cut VFS preloaded
 * (tests/powercut/), so that a kill also loses every write not yet synced,
 * as a power cut does: a commit acknowledged before its fsync would be
 * lost (the test fails with synchronous=NORMAL). The uploaders behave as kiosks do: a batch is
 * done only on a 200/201 whose body names its id; anything else (a reset
 * connection, a refused one, a 503) is retried. In the end every batch is
 * stored exactly once, none half: the counts per batch match its rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define KIOSKS     6
#define BATCHES    30 /* per kiosk */
#define RESPONSES  50 /* per batch */
#define KILLS      2
#define POWER_CUTS 10
#define DEADLINE_S 60.0

static pthread_mutex_t url_lock = PTHREAD_MUTEX_INITIALIZER;
static char current_url[64];
static atomic_int acknowledged, retried, replayed;

struct kiosk {
    const char *token;
    unsigned seed;
};

static void current(char *out)
{
    pthread_mutex_lock(&url_lock);
    snprintf(out, 64, "%s", current_url);
    pthread_mutex_unlock(&url_lock);
}

static void *kiosk_run(void *arg)
{
    struct kiosk *k = arg;
    double deadline = tu_now() + DEADLINE_S;

    for (int b = 0; b < BATCHES && tu_now() < deadline;) {
        char id[37], url[64];
        struct tu_response r;
        char *json = tu_batch_json(NULL, RESPONSES, k->seed + (unsigned)b, "2025-05", id);
        bool done = false;
        while (!done && tu_now() < deadline) {
            current(url);
            tu_post_batch(&r, url, k->token, json, true);
            done = (r.status == 200 || r.status == 201) && strstr(r.body, id);
            if (done && r.status == 200)
                atomic_fetch_add(&replayed, 1); /* stored before a kill, answer lost */
            tu_response_free(&r);
            if (!done) {
                atomic_fetch_add(&retried, 1);
                nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
            }
        }
        free(json);
        if (done)
            atomic_fetch_add(&acknowledged, 1);
        b++;
    }
    return NULL;
}

static void set_url(const char *url)
{
    pthread_mutex_lock(&url_lock);
    snprintf(current_url, sizeof current_url, "%s", url);
    pthread_mutex_unlock(&url_lock);
}

/* Starts the collector on db, with the power-cut VFS when powercut. */
static void start(struct tu_server *server, const char *db, bool powercut)
{
    /* The threads share one kiosk token: 9,000 responses, over a day's quota. */
    const char *const extra[] = {"--max-responses-per-kiosk-day", "1000000", NULL};
    const char *asan = getenv("ASAN_OPTIONS");
    char *saved = asan ? strdup(asan) : NULL, opts[512];

    if (powercut) {
        /* Under AddressSanitizer a preloaded library comes before its
         * runtime, which it refuses unless told that this is meant. */
        snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0", saved ? saved : "",
                 saved && *saved ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
        setenv("LD_PRELOAD", POWERCUT_LIB, 1);
    }
    assert_int_equal(tu_server_start(server, db, extra), 0);
    unsetenv("LD_PRELOAD");
    if (saved)
        setenv("ASAN_OPTIONS", saved, 1);
    else
        unsetenv("ASAN_OPTIONS");
    free(saved);
    set_url(server->url);
}

static void crash_rounds(const char *name, int kills, bool powercut)
{
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    struct tu_server server;
    struct kiosk k[KIOSKS];
    pthread_t t[KIOSKS];

    atomic_store(&acknowledged, 0);
    atomic_store(&retried, 0);
    atomic_store(&replayed, 0);
    assert_int_equal(tu_tempdir(name, dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    start(&server, db, powercut);
    for (int i = 0; i < KIOSKS; i++) {
        k[i] = (struct kiosk){.token = token, .seed = 7919u * (unsigned)(i + 1)};
        assert_int_equal(pthread_create(&t[i], NULL, kiosk_run, &k[i]), 0);
    }
    for (int kill_n = 0; kill_n < kills; kill_n++) {
        /* Let some batches land, then pull the plug mid-stream, each time
         * after a different number, so the kills fall at many points of a
         * group commit. */
        int before = atomic_load(&acknowledged), wait_for = 3 + (kill_n * 5) % 11;
        double until = tu_now() + 10;
        while (atomic_load(&acknowledged) < before + wait_for && tu_now() < until)
            nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
        tu_server_kill(&server);
        fprintf(stderr, "killed the collector after %d acknowledged batches\n",
                atomic_load(&acknowledged));
        /* Nothing half stored, even before any retry. */
        assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches b WHERE responses != "
                                         "(SELECT count(*) FROM responses r WHERE r.batch_id = "
                                         "b.batch_id)"),
                         0);
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
        start(&server, db, powercut);
    }
    for (int i = 0; i < KIOSKS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(tu_server_stop(&server), 0);
    fprintf(stderr, "acknowledged %d batches, %d attempts retried, %d answered as duplicates\n",
            atomic_load(&acknowledged), atomic_load(&retried), atomic_load(&replayed));

    assert_int_equal(atomic_load(&acknowledged), KIOSKS * BATCHES);
    assert_true(atomic_load(&retried) > 0); /* the kills did hit uploads */
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), KIOSKS * BATCHES);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"),
                     KIOSKS * BATCHES * RESPONSES);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches b WHERE responses != (SELECT "
                                     "count(*) FROM responses r WHERE r.batch_id = b.batch_id)"),
                     0);
    assert_int_equal(tu_release(db, 2025), 1); /* every stored response opens */
    assert_int_equal(tu_db_count(db, "SELECT count FROM release_respondent_counts WHERE"
                                     " attribute_id = '' AND fiscal_year = 2025"),
                     KIOSKS * BATCHES * RESPONSES);
    assert_int_equal(tu_db_count(db, "SELECT sum(count) FROM release_answer_counts WHERE"
                                     " attribute_id = ''"),
                     KIOSKS * BATCHES * RESPONSES * TU_QUESTIONS);
    assert_int_equal(tu_db_count(db, "SELECT responses FROM kiosks WHERE name = 'kiosk-1'"),
                     KIOSKS * BATCHES * RESPONSES);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                     "integrity_check = 'ok'"),
                     1);
    tu_rmdir(dir);
}

static void test_crash_sigkill_loses_and_doubles_nothing(void **state)
{
    (void)state;
    crash_rounds("crash", KILLS, false);
}

static void test_crash_power_cut_loses_and_doubles_nothing(void **state)
{
    (void)state;
    crash_rounds("powercut", POWER_CUTS, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_sigkill_loses_and_doubles_nothing),
        cmocka_unit_test(test_crash_power_cut_loses_and_doubles_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
