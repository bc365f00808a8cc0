/* The kiosk's error messages: one formatter for every module that reports
 * a failure to its caller as text in a caller-owned buffer. */
#ifndef KIOSK_KERR_H
#define KIOSK_KERR_H

#include <stddef.h>

/* Writes the message into err (when err is not NULL and errlen > 0) and
 * returns -1, so that `return kerr_fail(err, errlen, "...", ...);` reads as
 * what it does. */
int kerr_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
