/* Synthetic respondents for demos, load and end-to-end tests: each one
 * walks through the real UI with taps on the real buttons, on the virtual
 * clock, choosing answers from a seeded generator. */
#ifndef KIOSK_SIMULATE_H
#define KIOSK_SIMULATE_H

#include "app.h"

/* Lets n respondents answer; each chosen answer set is appended to log_path
 * (if not NULL) as one JSON line {"month", "answers", "attributes"} once the
 * UI has stored it. Returns an enum app_exit. */
int simulate_run(struct app *a, int n, unsigned long seed, const char *log_path);

#endif
