/* `kiosk --config FILE` with bad files, through the real program: it must
 * exit non-zero with one clear line naming the problem, before it opens a
 * window or creates the store the file names. */
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

#include "testutil.h"

struct fixture {
    char dir[TU_PATH_MAX];
    char conf[TU_PATH_MAX + 32];
    char db[TU_PATH_MAX + 32];
    char script[TU_PATH_MAX + 32];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || tu_tempdir("config-cli", f->dir) != 0)
        return -1;
    snprintf(f->conf, sizeof f->conf, "%s/kiosk.conf", f->dir);
    snprintf(f->db, sizeof f->db, "%s/kiosk.db", f->dir);
    snprintf(f->script, sizeof f->script, "%s/script.txt", f->dir);
    FILE *fp = fopen(f->script, "w");
    if (!fp || fputs("expect screen welcome\n", fp) < 0 || fclose(fp) != 0)
        return -1;
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

/* Runs the kiosk on conf (headless, no script); returns its exit status
 * with its stderr in err. Killed after 20 s. */
static int run_kiosk(const struct fixture *f, char *err, size_t errlen)
{
    char log[TU_PATH_MAX + 32];
    snprintf(log, sizeof log, "%s/stderr.txt", f->dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            dup2(fd, STDERR_FILENO);
        setenv("SDL_VIDEODRIVER", "dummy", 1);
        execl(KIOSK_BIN, KIOSK_BIN, "--config", f->conf, "--headless", "--script", f->script,
              (char *)NULL);
        _exit(127);
    }
    int status = -1;
    double deadline = tu_now() + 20;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (tu_now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("the kiosk did not exit within 20 s");
        }
        usleep(10000);
    }
    FILE *fp = fopen(log, "r");
    size_t n = fp ? fread(err, 1, errlen - 1, fp) : 0;
    err[n] = '\0';
    if (fp)
        fclose(fp);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect_refused(const struct fixture *f, const char *text, const char *needle)
{
    char err[4096];
    FILE *fp = fopen(f->conf, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    int rc = run_kiosk(f, err, sizeof err);
    if (rc == 0 || !strstr(err, needle))
        fail_msg("exit %d, stderr \"%s\", expected a message with \"%s\"", rc, err, needle);
    /* One line, and nothing was created. */
    int lines = 0;
    for (const char *p = err; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1);
    struct stat sb;
    assert_int_not_equal(stat(f->db, &sb), 0);
}

static void test_config_cli_refuses_bad_files(void **state)
{
    struct fixture *f = *state;
    char head[TU_PATH_MAX + 128];
    snprintf(head, sizeof head, "collector_url = http://127.0.0.1:9\ntoken = t\ndb = %s\n", f->db);
    char text[2048];
    snprintf(text, sizeof text, "%smin_batch = lots\n", head);
    expect_refused(f, text, "config line 4: min_batch \"lots\" is not a number from 1 to 1000");
    snprintf(text, sizeof text, "%scolour = blue\n", head);
    expect_refused(f, text, "config line 4: unknown key \"colour\"");
    snprintf(text, sizeof text, "%stoken = u\n", head);
    expect_refused(f, text, "config line 4: token is already set on line 2");
    snprintf(text, sizeof text, "collector_url = http://127.0.0.1:9\ndb = %s\n", f->db);
    expect_refused(f, text, "token is missing");
}

static void test_config_cli_refuses_missing_file(void **state)
{
    struct fixture *f = *state;
    char err[4096];
    int rc = run_kiosk(f, err, sizeof err); /* f->conf was never written */
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(err, "cannot open"));
    assert_non_null(strstr(err, f->conf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_cli_refuses_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_cli_refuses_missing_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
