/* Issue 11, someone with the kiosk's disk: six respondents answer through
 * the real kiosk program while the collector is down, the program is killed
 * with SIGKILL, and the database, its WAL and its SHM are read byte by byte.
 * No answer, chosen option or month may be found in any of them; every
 * sealed response found there (opened with the collector's key, as such a
 * reader holding it could) lies in the order of the random row ids, not in
 * the order the six answered; and nothing written between them dates them. */
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
#include <jansson.h>

#include "helper_disk.h"
#include "helper_ui.h"
#include "kiosk_store.h"
#include "testutil.h"

#define DISK_RESPONDENTS 6
#define DISK_WAIT_MS     60000 /* for the six to be given through the UI */
#define DISK_ALL_WAIT    10    /* a min_batch above six: all six wait, none is batched */

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

/* The choice (1 to 4) respondent k makes on question q: q01 and q02
 * spell k in base 4, so each of the six answers differently and an opened
 * response says who it was; the others cover every point. */
static int answer_of(int k, int q)
{
    return 1 + (q < 2 ? (k >> (2 * q)) & 3 : (k + q) % 4);
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
            fprintf(s, "tap @choose %d\nwait 500\n", answer_of(k, q));
        fprintf(s, "expect screen confirm\ntap @send\ntap @restart\n");
    }
    fprintf(s, "drain 4\nshot %s\ndrain 600\n", f->proof);
    assert_int_equal(fclose(s), 0);
}

static int setup_with(void **state, int min_batch)
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
    /* Port 9 on loopback is closed: the collector is down. */
    snprintf(text, sizeof text,
             "collector_url = http://127.0.0.1:9\ntoken = t\ndb = %s\nmin_batch = %d\n"
             "sync_interval_s = 1\nmax_backoff_s = 1\ncollector_key = %s\n",
             f->db, min_batch, UI_TEST_COLLECTOR_KEY);
    write_file(f->conf, text);
    write_script(f);
    *state = f;
    return 0;
}

/* min_batch 5 seals one batch of five and leaves one response waiting. */
static int setup(void **state)
{
    return setup_with(state, 5);
}

static int setup_all_wait(void **state)
{
    return setup_with(state, DISK_ALL_WAIT);
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
    unsigned char *buf = disk_read(path, &len);
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

/* Runs the six through the kiosk and kills it with SIGKILL once the last
 * screen was drawn and, when want_batch, a batch was sealed. */
static void answer_and_kill(struct fixture *f, bool want_batch)
{
    int status = 0;
    pid_t pid = spawn_kiosk(f);
    assert_true(pid > 0);
    bool reaped, done = wait_for_file(f->proof, pid, &reaped);
    /* The sync thread seals the five within a round or two (real seconds). */
    for (int ms = 0;
         want_batch && done && ms < 15000 && tu_db_count(f->db, "SELECT count(*) FROM batches") < 1;
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
}

static void test_sealed_disk_holds_no_answer_after_sigkill(void **state)
{
    struct fixture *f = *state;
    char path[TU_PATH_MAX + 64];
    int files = 0, found = 0;

    answer_and_kill(f, true);
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

/* Which of the six an opened response is: q01 and q02 spell it (answer_of);
 * the survey lists its scale from 4 down, so choice c is the value 5 - c. */
static int respondent_of(const char *plain)
{
    json_t *r = json_loads(plain, 0, NULL);
    json_t *a = json_object_get(r, "answers");
    int k = (int)(4 - json_integer_value(json_object_get(a, "q01"))) +
            4 * (int)(4 - json_integer_value(json_object_get(a, "q02")));
    json_decref(r);
    return k;
}

/* What the raw files show, read before SQLite touches them. */
struct disk_view {
    long page_size;
    struct disk_hit *db, *wal;
    int n_db, n_wal, n_shm, n_frames;
    unsigned shm[DISK_MAX_PAGES], frames[DISK_MAX_PAGES];
};

static void read_raw(const struct fixture *f, struct disk_view *v)
{
    char wal[TU_PATH_MAX + 64], shm[TU_PATH_MAX + 64];
    unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];
    struct seal_keyring *kr = seal_keyring_new();
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    snprintf(shm, sizeof shm, "%s-shm", f->db);
    assert_non_null(kr);
    assert_int_equal(seal_pk_from_text(UI_TEST_COLLECTOR_KEY, pk), 0);
    assert_int_equal(seal_sk_from_text(UI_TEST_COLLECTOR_SECRET, sk), 0);
    assert_int_equal(seal_keyring_add(kr, pk, sk), 0);
    v->page_size = disk_page_size(f->db);
    assert_true(v->page_size >= 512);
    v->n_db = disk_find_sealed(f->db, DISK_DATABASE, v->page_size, pk, kr, &v->db);
    v->n_wal = disk_find_sealed(wal, DISK_WAL, v->page_size, pk, kr, &v->wal);
    v->n_shm = disk_shm_pages(shm, v->shm, DISK_MAX_PAGES);
    v->n_frames = disk_wal_pages(wal, v->frames, DISK_MAX_PAGES);
    seal_keyring_free(kr);
}

/* Each of the six is found once in the database, as the row holding it, in
 * the order of the rows' random ids; in the WAL, the same holds of whatever
 * is found there. */
static void check_order(const struct fixture *f, struct disk_view *v)
{
    char why[256];
    bool seen[DISK_RESPONDENTS + 1] = {false};
    assert_int_equal(v->n_db, DISK_RESPONDENTS);
    assert_int_equal(disk_match_ids(f->db, v->db, v->n_db), DISK_RESPONDENTS);
    for (int i = 0; i < v->n_db; i++) {
        int k = respondent_of(v->db[i].plain);
        assert_true(k >= 1 && k <= DISK_RESPONDENTS && !seen[k]);
        seen[k] = true;
    }
    if (!disk_in_id_order(v->db, v->n_db, why, sizeof why))
        fail_msg("database: the sealed responses lie out of id order: %s", why);
    disk_match_ids(f->db, v->wal, v->n_wal);
    if (!disk_in_id_order(v->wal, v->n_wal, why, sizeof why))
        fail_msg("WAL: the sealed responses lie out of id order: %s", why);
}

/* Nothing written between the six dates them: the WAL holds at most the
 * one last write of the sync notes (frames that pile up would count the
 * rounds since an answer), the SHM lists no page twice (no sequence of
 * writes), and the one time in the store is the day all six waited since,
 * one row for all of them. */
static void check_no_dates(const struct fixture *f, const struct disk_view *v)
{
    long long meta = tu_db_count(f->db, "SELECT rootpage FROM sqlite_master WHERE name = 'meta'");
    if (v->n_frames > 1)
        fail_msg("the WAL holds %d frames: writes in the order they came", v->n_frames);
    for (int i = 0; i < v->n_frames; i++)
        if ((long long)v->frames[i] != meta)
            fail_msg("WAL frame %d holds page %u, not the sync notes' page %lld", i, v->frames[i],
                     meta);
    for (int i = 1; i < v->n_shm; i++)
        if (v->shm[i - 1] >= v->shm[i])
            fail_msg("the SHM lists page %u after page %u: a sequence of writes", v->shm[i],
                     v->shm[i - 1]);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM waiting"), 1);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM batches"), 0);
}

static void test_sealed_disk_lies_in_random_id_order_and_dates_nothing(void **state)
{
    struct fixture *f = *state;
    struct disk_view v = {0};
    answer_and_kill(f, false);
    read_raw(f, &v);
    check_order(f, &v);
    check_no_dates(f, &v);
    disk_hits_free(v.db, v.n_db);
    disk_hits_free(v.wal, v.n_wal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sealed_disk_holds_no_answer_after_sigkill, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sealed_disk_lies_in_random_id_order_and_dates_nothing,
                                        setup_all_wait, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
