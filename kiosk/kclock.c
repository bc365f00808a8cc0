/* The kiosk's calendar clock: the system clock plus an offset that tests and
 * demos set. Assumes the kiosks' time zone is Japan's (UTC+9, no daylight
 * saving), so months are computed without the C library's TZ handling. */
#include "kclock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiscal.h"

#define KCLOCK_JST_OFFSET (9 * 3600)

/* Atomics make every function thread-safe without a lock. */
static atomic_long offset_s;     /* a test's or demo's shift */
static atomic_long correction_s; /* learnt from the collector */
static atomic_bool fixed;        /* the clock was set on purpose: never corrected */

time_t kclock_raw(void)
{
    return time(NULL) + (time_t)atomic_load(&offset_s);
}

time_t kclock_now(void)
{
    return kclock_raw() + (time_t)atomic_load(&correction_s);
}

void kclock_observe(time_t collector_now)
{
    long diff = (long)(collector_now - kclock_raw());

    if (collector_now <= 0 || atomic_load(&fixed))
        return;
    atomic_store(&correction_s, labs(diff) > KCLOCK_TRUST_S ? diff : 0);
}

long kclock_correction(void)
{
    return atomic_load(&correction_s);
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int kclock_set_date(const char *yyyy_mm_dd)
{
    if (!yyyy_mm_dd || strlen(yyyy_mm_dd) != 10)
        return -1;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? yyyy_mm_dd[i] != '-' : !isdigit((unsigned char)yyyy_mm_dd[i]))
            return -1;
    }
    int y = atoi(yyyy_mm_dd), m = atoi(yyyy_mm_dd + 5), d = atoi(yyyy_mm_dd + 8);
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t target = timegm(&tm);
    atomic_store(&fixed, true);
    atomic_store(&correction_s, 0);
    atomic_store(&offset_s, (long)(target - time(NULL)));
    return 0;
}

void kclock_advance(long seconds)
{
    atomic_store(&fixed, true);
    atomic_store(&correction_s, 0);
    atomic_fetch_add(&offset_s, seconds);
}

void kclock_month(char *out)
{
    time_t t = kclock_now() + KCLOCK_JST_OFFSET;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 8, "%Y-%m", &tm);
}

time_t kclock_day_start(time_t t)
{
    time_t local = t + KCLOCK_JST_OFFSET;
    const time_t day = 86400;
    return local - (local % day + day) % day - KCLOCK_JST_OFFSET;
}

/* Two digits at text[0..1] as a number, or -1. */
static int two_digits(const char *text)
{
    if (!isdigit((unsigned char)text[0]) || !isdigit((unsigned char)text[1]))
        return -1;
    return (text[0] - '0') * 10 + (text[1] - '0');
}

time_t kclock_parse_utc(const char *text)
{
    char date[11];
    int y, mo, d;
    if (!text || strlen(text) != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
        text[19] != 'Z')
        return 0;
    memcpy(date, text, 10);
    date[10] = '\0';
    int h = two_digits(text + 11), mi = two_digits(text + 14), sec = two_digits(text + 17);
    if (fiscal_parse_date(date, &y, &mo, &d) != 0 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 60)
        return 0;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    return timegm(&tm);
}
