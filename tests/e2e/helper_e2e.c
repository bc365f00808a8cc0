/* Helpers of the whole-system tests (helper_e2e.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_e2e.h"
#include "testutil.h"

int e2e_run_kiosk(const char *const *argv)
{
    pid_t pid = fork();
    int st;
    double deadline = tu_now() + E2E_KIOSK_TIME_S;

    assert_true(pid >= 0);
    if (pid == 0) {
        execv(KIOSK_BIN, (char *const *)argv);
        _exit(127);
    }
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (tu_now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            fail_msg("the kiosk did not finish in %d s", E2E_KIOSK_TIME_S);
        }
        usleep(20 * 1000);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
