/* What the whole-system tests share: running the real kiosk program. */
#ifndef TESTS_E2E_HELPER_E2E_H
#define TESTS_E2E_HELPER_E2E_H

#define E2E_KIOSK_TIME_S 300 /* a kiosk run longer than this fails the test */

/* Runs KIOSK_BIN with argv (argv[0] included, NULL-terminated) to its end;
 * returns its exit status. Fails the test when it runs past E2E_KIOSK_TIME_S. */
int e2e_run_kiosk(const char *const *argv);

#endif
