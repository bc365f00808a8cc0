/* The sync client: one thread with libcurl that seals and uploads batches
 * (deflate), fetches the survey with ETag and sends heartbeats, with
 * exponential backoff and jitter. It opens its own store handle and never
 * reaches into the UI; the UI reads sync_get_status() and may call
 * sync_now(). The UI never waits on the network. */
#ifndef KIOSK_SYNC_H
#define KIOSK_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

struct sync;

struct sync_status {
    time_t last_ok;       /* last successful exchange with the collector, 0 if never */
    char last_error[256]; /* in words, "" if none */
    int sealed;
    int quarantined;
    unsigned survey_generation; /* increases each time a survey definition was stored or the
                                   collector closed the survey: the UI reloads it */
    int unsealed; /* added: responses waiting for a batch; local only, never in a heartbeat */
};

/* Starts the thread. Returns NULL with a message in err on failure. */
struct sync *sync_start(const struct kiosk_config *cfg, char *err, size_t errlen);
/* Asks the thread to run a round now (seal, upload, survey, heartbeat). */
void sync_now(struct sync *s);
/* Runs rounds until no sealed batch is left and no response waits that
 * could be sealed, or timeout_s passes; returns true when all was
 * delivered. For headless runs and demos. */
bool sync_drain(struct sync *s, int timeout_s);
void sync_get_status(struct sync *s, struct sync_status *out);
void sync_stop(struct sync *s); /* joins the thread; accepts NULL */

/* Added (the schedule, exposed for tests): the wait before the next round
 * in ms. After success (failures 0) the interval; after n failures
 * interval * 2^n capped at max_backoff_s (never below the interval), with
 * jitter from random taking it down to half, so that kiosks that lost the
 * LAN together do not come back together; at least the collector's
 * Retry-After, within the cap. */
long sync_backoff_ms(int interval_s, int max_backoff_s, int failures, long retry_after_s,
                     uint32_t random);

#endif
