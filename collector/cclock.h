/* The collector's calendar clock: the system's, or one set by the test-only
 * option `--date YYYY-MM-DD` (as the kiosk's), so that tests and the demo can
 * act in a past fiscal year. Every date the collector writes, every month
 * window and every daily figure reads this clock. Thread-safe. */
#ifndef COLLECTOR_CCLOCK_H
#define COLLECTOR_CCLOCK_H

#include <time.h>

#define CCLOCK_DAY_S 86400 /* a UTC day in time_t seconds */

/* Seconds since the epoch, with the offset applied. */
time_t cclock_now(void);
/* The midnight UTC that ends t's day: of cclock_now(), when the
 * collector's day (and a kiosk's daily quota with it) ends. */
time_t cclock_day_end(time_t t);
/* Makes now the given midnight UTC; returns 0, or -1 for a bad date. */
int cclock_set_date(const char *yyyy_mm_dd);
/* "YYYY-MM-DDTHH:MM:SSZ" of now into out[21]. */
void cclock_rfc3339(char out[21]);
/* "YYYY-MM-DD" (UTC) of now into out[11]. */
void cclock_today(char out[11]);
/* "YYYY-MM" (UTC) of now into out[8]. */
void cclock_month(char out[8]);

#endif
