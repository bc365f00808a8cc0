/* The kiosk's calendar clock: the system's, or a fixed or shifted one for
 * tests and demos (`--date YYYY-MM-DD`). Responses take their month from it
 * and the sealing rule (oldest waited a day) reads it. Thread-safe. */
#ifndef KIOSK_KCLOCK_H
#define KIOSK_KCLOCK_H

#include <time.h>

#define KCLOCK_TRUST_S 300 /* a kiosk clock this close to the collector's is left alone */

/* Seconds since the epoch, with the offset applied, and the correction
 * learnt from the collector (kclock_observe) when there is one. Answers are
 * dated and batches sealed by it. */
time_t kclock_now(void);
/* The kiosk's own clock (the system's, with a test offset): what the
 * heartbeat reports as "clock", so the collector sees the kiosk's error. */
time_t kclock_raw(void);
/* A reply's Date header: the collector's clock is the reference. When the
 * kiosk's own clock is more than KCLOCK_TRUST_S off, kclock_now() follows
 * the collector's from then on; within it, the correction is dropped. A
 * clock set by kclock_set_date() or kclock_advance() (tests, demos) is
 * never corrected. */
void kclock_observe(time_t collector_now);
/* The correction now applied, in seconds (0 when none): shown to staff. */
long kclock_correction(void);
/* Sets the offset so that now is the given midnight UTC date; returns 0, or -1 for a bad date. */
int kclock_set_date(const char *yyyy_mm_dd);
/* Adds seconds to the offset (a test's "a day passes"). */
void kclock_advance(long seconds);
/* "YYYY-MM" of now (UTC+9, the kiosks' time zone) into out[8]. */
void kclock_month(char *out);
/* Added: the start (midnight UTC+9) of the kiosks' day that holds t. */
time_t kclock_day_start(time_t t);
/* A collector time "YYYY-MM-DDTHH:MM:SSZ" (UTC) as seconds since the
 * epoch; 0 when text is not one. */
time_t kclock_parse_utc(const char *text);

#endif
