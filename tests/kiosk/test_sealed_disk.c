/* Issue 11, someone with the kiosk's disk: six respondents answer through
 * the real kiosk program while the collector is down, the program is killed
 * with SIGKILL, and the database, its WAL and its SHM are read byte by byte.
 * No answer, chosen option or month may be found in any of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

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

#include "helper_ui.h"
#include "kiosk_store.h"
#include "testutil.h"

#define DISK_RESPONDENTS 6
#define DISK_WAIT_MS     60000 /* for the six to be given through the UI */
#define DISK_MAX_FILE    (64u << 20)

struct fixture {
    char dir[TU_PATH_MAX];
    char conf[TU_PATH_MAX + 32];
    char db[TU_PATH_MAX + 32];
    char script[TU_PATH_MAX + 32];
    char log[TU_PATH_MAX + 32];
    char proof[TU_PATH_MAX + 32];
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Six respondents, both options, every scale point; then the kiosk idles
 * (sync keeps failing and sealing) until it is killed. */
static void write_script(struct fixture *f)
{
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fprintf(s, "expect screen welcome\n");
    for (int k = 1; k <= DISK_RESPONDENTS; k++) {
        fprintf(s, "tap @start\ntap @choose %d\nwait 500\n", 1 + k % 2);
        for (int q = 0; q < 12; q++)
            fprintf(s, "tap @choose %d\nwait 500\n", 1 + (k + q) % 4);
        fprintf(s, "expect screen confirm\ntap @send\ntap @restart\n");
    }
    fprintf(s, "drain 4\nshot %s\ndrain 600\n", f->proof);
    assert_int_equal(fclose(s), 0);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char text[2048];
    if (!f || tu_tempdir("sealed-disk", f->dir) != 0)
        return -1;
    snprintf(f->conf, sizeof f->conf, "%s/kiosk.conf", f->dir);
    snprintf(f->db, sizeof f->db, "%s/kiosk.db", f->dir);
    snprintf(f->script, sizeof f->script, "%s/session.txt", f->dir);
    snprintf(f->log, sizeof f->log, "%s/kiosk.log", f->dir);
    snprintf(f->proof, sizeof f->proof, "%s/done.bmp", f->dir);
    /* Port 9 on loopback is closed: the collector is down. min_batch 5 seals
     * one batch of five and leaves one response waiting. */
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
    if (!getenv("KEEP"))
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

/* Whether path appeared while the kiosk ran; false with the kiosk reaped when it stopped. */
static bool wait_for_file(const char *path, pid_t pid, bool *reaped)
{
    struct stat sb;
    *reaped = false;
    for (int ms = 0; ms < DISK_WAIT_MS; ms += 50) {
        if (stat(path, &sb) == 0)
            return true;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            *reaped = true;
            return false;
        }
        usleep(50 * 1000);
    }
    return false;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    *len = 0;
    if (!f)
        return NULL;
    buf = malloc(DISK_MAX_FILE);
    assert_non_null(buf);
    *len = fread(buf, 1, DISK_MAX_FILE, f);
    fclose(f);
    return buf;
}

static bool contains(const unsigned char *buf, size_t len, const char *pat)
{
    size_t n = strlen(pat);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(buf + i, pat, n) == 0)
            return true;
    return false;
}

/* What an answer looks like in any encoding the kiosk has used: the answers
 * object ("q01":3), the chosen option as a value (the survey definition the
 * store caches names options as "id": "regular", with a space, so it does not
 * match), and the month. */
static int scan(const char *path, int *files)
{
    static const char *const patterns[] = {
        "\"q01\":",     "\"q02\":",    "\"q03\":",        "\"q04\":", "\"q05\":",  "\"q06\":",
        "\"q07\":",     "\"q08\":",    "\"q09\":",        "\"q10\":", "\"q11\":",  "\"q12\":",
        ":\"regular\"", ":\"kaikei\"", "\"employment\":", "2025-02",  "\"month\"", "\"answers\"",
    };
    size_t len;
    unsigned char *buf = slurp(path, &len);
    int found = 0;
    if (!buf)
        return 0;
    (*files)++;
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        if (contains(buf, len, patterns[i])) {
            print_error("%s holds %s\n", path, patterns[i]);
            found++;
        }
    }
    free(buf);
    return found;
}

static void test_sealed_disk_holds_no_answer_after_sigkill(void **state)
{
    struct fixture *f = *state;
    char path[TU_PATH_MAX + 64];
    int status = 0, files = 0, found = 0;

    pid_t pid = spawn_kiosk(f);
    assert_true(pid > 0);
    bool reaped, done = wait_for_file(f->proof, pid, &reaped);
    /* The sync thread seals the five within a round or two (real seconds). */
    for (int ms = 0; done && ms < 15000 && tu_db_count(f->db, "SELECT count(*) FROM batches") < 1;
         ms += 100)
        usleep(100 * 1000);
    if (!reaped) {
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
    }
    if (!done) {
        fail_msg("the six answers were not all given; see %s", f->log);
    }
    assert_true(WIFSIGNALED(status));

    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", f->db, suffixes[i]);
        found += scan(path, &files);
    }
    assert_true(files >= 2); /* the database and its WAL at least */
    assert_int_equal(found, 0);

    /* The six are all there, sealed: waiting, or in batches of format 2. */
    assert_int_equal(tu_db_count(f->db, "SELECT (SELECT count(*) FROM sealed_responses)"
                                        " + (SELECT coalesce(sum(n_responses), 0) FROM batches)"),
                     DISK_RESPONDENTS);
    assert_true(tu_db_count(f->db, "SELECT count(*) FROM batches") >= 1);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM batches WHERE"
                                        " json_extract(body, '$.format') != 2"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sealed_disk_holds_no_answer_after_sigkill, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
