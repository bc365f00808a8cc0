/* The collector's clock: the system clock plus an offset that only the
 * test-only --date option sets. Dates are UTC: the collector's days (quotas,
 * participation) and months (the month window) are UTC days and months. */
#include "cclock.h"

#include <stdatomic.h>

#include "fiscal.h"

/* An atomic offset makes every function thread-safe without a lock. */
static atomic_long cclock_offset_s;

time_t cclock_now(void)
{
    return time(NULL) + (time_t)atomic_load(&cclock_offset_s);
}

time_t cclock_day_end(time_t t)
{
    return t - t % CCLOCK_DAY_S + CCLOCK_DAY_S; /* POSIX time has no leap seconds */
}

int cclock_set_date(const char *yyyy_mm_dd)
{
    int y, m, d;
    struct tm tm = {0};

    if (fiscal_parse_date(yyyy_mm_dd, &y, &m, &d) != 0)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    atomic_store(&cclock_offset_s, (long)(timegm(&tm) - time(NULL)));
    return 0;
}

static void cclock_format(const char *fmt, char *out, size_t len)
{
    time_t now = cclock_now();
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(out, len, fmt, &tm);
}

void cclock_rfc3339(char out[21])
{
    cclock_format("%Y-%m-%dT%H:%M:%SZ", out, 21);
}

void cclock_today(char out[11])
{
    cclock_format("%Y-%m-%d", out, 11);
}

void cclock_month(char out[8])
{
    cclock_format("%Y-%m", out, 8);
}
