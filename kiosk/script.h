/* Headless test scripts: one command a line that drives the real UI on the
 * virtual clock and checks what is on screen (the language is described at
 * the top of script.c). */
#ifndef KIOSK_SCRIPT_H
#define KIOSK_SCRIPT_H

#include "app.h"

#define SCRIPT_MAX_BYTES (1u << 20)
#define SCRIPT_MAX_LINE  1024

/* Runs the script at path; returns an enum app_exit: APP_EXIT_EXPECT when
 * an expectation failed, APP_EXIT_SETUP for an unreadable or bad script
 * (with the file, line and reason on stderr). */
int script_run(struct app *a, const char *path);

#endif
