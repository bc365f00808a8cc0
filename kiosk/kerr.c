/* The kiosk's error messages into caller-owned buffers. */
#include "kerr.h"

#include <stdarg.h>
#include <stdio.h>

int kerr_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
