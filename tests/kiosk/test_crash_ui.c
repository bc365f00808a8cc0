/* Power loss during a scripted session of the real kiosk program: it runs
 * headless, respondents answer through the UI, and after each "send" the
 * script writes a screenshot, so a screenshot on disk proves that submit
 * returned. The test kills the program with SIGKILL at random moments, many
 * times over one store, and checks that every proven response is there, at
 * most the one in flight besides, and no partial response at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "helper_ui.h"
#include "kiosk_store.h"
#include "testutil.h"

#define CRASH_RUNS        15
#define CRASH_RESPONDENTS 150 /* per run: more than a run lives */
#define CRASH_MIN_MS      150 /* the program needs a moment to open fonts and store */
#define CRASH_MAX_MS      2000

struct fixture {
    char dir[TU_PATH_MAX];
    char conf[TU_PATH_MAX + 32];
    char db[TU_PATH_MAX + 32];
    char script[TU_PATH_MAX + 32];
    char log[TU_PATH_MAX + 32];
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Start, the attribute, twelve answers, send, then the proof shot. */
static void write_script(struct fixture *f)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fprintf(s, "expect screen welcome\n");
    for (int k = 1; k <= CRASH_RESPONDENTS; k++) {
        fprintf(s, "tap @start\ntap @choose %d\nwait 500\n", 1 + k % 2);
        for (int q = 0; q < 12; q++)
            fprintf(s, "tap @choose %d\nwait 500\n", 1 + (k + q) % 4);
        fprintf(s, "expect screen confirm\ntap @send\nshot %s/done-%03d.bmp\ntap @restart\n",
                f->dir, k);
    }
    assert_int_equal(fclose(s), 0);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char text[2048];
    if (!f || tu_tempdir("crash-ui", f->dir) != 0)
        return -1;
    snprintf(f->conf, sizeof f->conf, "%s/kiosk.conf", f->dir);
    snprintf(f->db, sizeof f->db, "%s/kiosk.db", f->dir);
    snprintf(f->script, sizeof f->script, "%s/session.txt", f->dir);
    snprintf(f->log, sizeof f->log, "%s/kiosk.log", f->dir);
    /* Port 9 on loopback is closed: sync fails fast and keeps sealing. */
    snprintf(text, sizeof text,
             "collector_url = http://127.0.0.1:9\ntoken = t\ndb = %s\nmin_batch = 5\n"
             "sync_interval_s = 1\nmax_backoff_s = 1\ncollector_key = %s\n",
             f->db, UI_TEST_COLLECTOR_KEY);
    write_file(f->conf, text);
    write_script(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tu_rmdir(f->dir);
    free(f);
    return 0;
}

static pid_t spawn_kiosk(const struct fixture *f)
{
    pid_t pid = fork();
    if (pid == 0) {
        int log = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0) {
            dup2(log, STDERR_FILENO);
            dup2(log, STDOUT_FILENO);
        }
        setenv("SDL_VIDEODRIVER", "dummy", 1);
        setenv("SDL_AUDIODRIVER", "dummy", 1);
        execl(KIOSK_BIN, KIOSK_BIN, "--config", f->conf, "--headless", "--script", f->script,
              "--survey", TU_SURVEY_FILE, "--date", "2025-02-10", "--size", "320x240",
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Counts and removes the proof shots of the last run. */
static int take_proofs(const struct fixture *f)
{
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char path[TU_PATH_MAX + 300];
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "done-", 5) != 0)
            continue;
        n++;
        snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    return n;
}

/* Opens the store as the restarted kiosk would, then counts on the file:
 * waiting sealed rows plus the responses inside batches. A row is one
 * SQLite row, written whole or not at all; the sealed texts open only with
 * the collector's key (test_crash_kiosk opens them). */
static long long responses_held(const struct fixture *f)
{
    struct kiosk_store *st = NULL;
    bool set_aside = true;
    char err[256];
    assert_int_equal(kiosk_store_open(f->db, &st, &set_aside, err, sizeof err), 0);
    assert_false(set_aside);
    kiosk_store_close(st);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM sealed_responses"
                                        " WHERE length(sealed) < 200"),
                     0);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM batches WHERE"
                                        " json_array_length(body, '$.responses') != n_responses"),
                     0);
    return tu_db_count(f->db, "SELECT (SELECT count(*) FROM sealed_responses) + (SELECT"
                              " coalesce(sum(json_array_length(body, '$.responses')), 0)"
                              " FROM batches)");
}

static void test_crash_ui_sigkill_keeps_every_sent_response(void **state)
{
    struct fixture *f = *state;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    long long proven = 0;
    int killed_mid_session = 0;

    for (int run = 0; run < CRASH_RUNS; run++) {
        pid_t pid = spawn_kiosk(f);
        assert_true(pid > 0);
        long ms = CRASH_MIN_MS + (long)(rand_r(&seed) % (CRASH_MAX_MS - CRASH_MIN_MS));
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status))
            fail_msg("run %d: the kiosk exited by itself (status %d); see %s", run,
                     WEXITSTATUS(status), f->log);
        int sent = take_proofs(f);
        killed_mid_session += sent > 0;
        proven += sent;
        long long held = responses_held(f);
        if (held < proven || held > proven + 1)
            fail_msg("run %d (killed after %ld ms): the store holds %lld responses, %lld were "
                     "proven sent (+1 may have been in flight)",
                     run, ms, held, proven);
        proven = held;
    }
    print_message("%d kills, %d mid-session; %lld responses held\n", CRASH_RUNS, killed_mid_session,
                  proven);
    assert_true(killed_mid_session >= CRASH_RUNS / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crash_ui_sigkill_keeps_every_sent_response, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
