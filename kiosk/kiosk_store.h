/* The kiosk's offline store: one SQLite file (WAL, synchronous=FULL,
 * secure_delete) holding submitted responses, sealed for the collector's
 * key, until the collector has acknowledged them, the batches, the cached
 * survey definition with the collector's public key, and whether the
 * collector closed it. After each write that touches responses or batches,
 * and at open, the WAL is truncated and the file rebuilt, so that nothing
 * in the database, WAL or SHM orders or dates a response (docs/design.md).
 * Each thread opens its own handle; a handle is used by one thread. */
#ifndef KIOSK_STORE_H
#define KIOSK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "seal.h"
#include "survey.h"

#define KSTORE_ERR_LEN 256

struct kiosk_store;

struct kiosk_store_status {
    int unsealed;         /* responses waiting for a batch (never sent in a heartbeat) */
    int sealed;           /* batches waiting to be sent */
    int quarantined;      /* batches the collector refused for good */
    time_t oldest_unsent; /* kclock time of the oldest unsent response, 0 if none */
    time_t last_sync_ok;  /* 0 if never */
    char last_error[256]; /* the last sync error in words, "" if none */
};

/* Opens (creating if needed) the store at path. A file that is not a valid
 * database, or fails its integrity check, is renamed aside to
 * PATH.corrupt-YYYYMMDDHHMMSS and a fresh store is created; *set_aside
 * (if not NULL) then receives true so the UI can show a notice.
 * Returns 0, or -1 with a message in err. */
int kiosk_store_open(const char *path, struct kiosk_store **out, bool *set_aside, char *err,
                     size_t errlen);
void kiosk_store_close(struct kiosk_store *st); /* accepts NULL */

/* The collector's public key ("ssk1:..."), kept beside the cached survey:
 * into out; returns 1, 0 when none is stored, -1 on error. */
int kiosk_store_collector_key(struct kiosk_store *st, char out[SEAL_PK_TEXT_LEN]);
/* Stores the key (a text seal_pk_from_text takes) and, if the store still
 * holds responses in clear from before sealing, seals them in one
 * transaction. Returns 0, or -1 (bad key, database error). */
int kiosk_store_set_collector_key(struct kiosk_store *st, const char *pk_text);
/* Whether responses in clear from before sealing still wait for a key. */
bool kiosk_store_has_clear(struct kiosk_store *st);

/* Seals one complete response for the stored collector key (a session
 * kept in this handle's memory only) and writes the sealed text in one
 * transaction, then rebuilds the files (tens of ms, mostly fsync); the
 * plaintext is wiped. Without a collector key nothing is
 * written and -1 is returned. values[i] answers survey
 * question i (BATCH_ANSWER_NONE for none), options[j] attribute j
 * (BATCH_OPTION_NONE for none). Returns 0, or -1 with err (disk full: the
 * message says so and nothing is written). */
int kiosk_store_submit(struct kiosk_store *st, const struct survey *s, const char *month,
                       const int *values, const int *options, char *err, size_t errlen);

/* Seals waiting responses into shuffled batches (at most BATCH_MAX_RESPONSES
 * each) when at least min_batch wait or the oldest has waited a day (now is
 * kclock time). Returns the number of batches sealed, or -1. */
int kiosk_store_seal(struct kiosk_store *st, int min_batch, time_t now, char *err, size_t errlen);

/* The cached survey definition (JSON as received) and its ETag; both
 * malloc'ed, NULL when none. Returns 0 or -1. */
int kiosk_store_survey(struct kiosk_store *st, char **json, char **etag);
/* Stores a definition the collector served (or --survey gave) and clears
 * any closed mark: what the collector serves is open. Returns 0 or -1. */
int kiosk_store_set_survey(struct kiosk_store *st, const char *json, size_t len, const char *etag);

/* The closed mark: the collector ended collection of survey_id version
 * (HTTP 410 survey_closed) at closed_at (0 when it did not say), so the
 * kiosk takes no new answers to it. It lasts across restarts and offline
 * runs until kiosk_store_set_survey() stores a definition again; one
 * survey is marked at a time. Responses and batches are not touched: they
 * are sealed and delivered as usual. Returns 0 or -1. */
int kiosk_store_set_closed(struct kiosk_store *st, const char *survey_id, int version,
                           time_t closed_at);
/* Whether survey_id version is marked closed (false too when the store
 * cannot be read); *closed_at (closed_at may be NULL) receives its time. */
bool kiosk_store_closed(struct kiosk_store *st, const char *survey_id, int version,
                        time_t *closed_at);

void kiosk_store_get_status(struct kiosk_store *st, struct kiosk_store_status *out);

/* Added for the sync client, the maintenance screen and tests. */

/* Caps the file at pages database pages (PRAGMA max_page_count), so tests
 * can make the disk "full". Returns 0 or -1. */
int kiosk_store_set_max_pages(struct kiosk_store *st, long pages);

/* Writes the sync client's result for the status: ok_at (kclock time, 0 =
 * unchanged) and error ("" clears it, NULL = unchanged). Returns 0 or -1. */
int kiosk_store_note_sync(struct kiosk_store *st, time_t ok_at, const char *error);

/* Up to max sealed (not quarantined) batch ids, oldest first, into ids[i]
 * (37 bytes each). Returns how many, or -1. */
int kiosk_store_list_sealed(struct kiosk_store *st, char (*ids)[37], int max);
/* The encoded JSON of a sealed batch; *body is malloc'ed (NUL-terminated),
 * the caller frees it. Returns 0, or -1 when there is no such sealed batch. */
int kiosk_store_batch_body(struct kiosk_store *st, const char *batch_id, char **body, size_t *len);
/* Deletes a batch: call ONLY after the collector's 200/201 naming batch_id.
 * The deleted content is zeroed (secure_delete) and the WAL truncated. */
int kiosk_store_batch_delivered(struct kiosk_store *st, const char *batch_id);
/* Records a failed attempt: the batch stays sealed (retried later) or is
 * quarantined (kept, never retried until requeued). error may be NULL. */
int kiosk_store_batch_attempt(struct kiosk_store *st, const char *batch_id, bool quarantine,
                              int http_status, const char *error);
/* Maintenance: puts every quarantined batch back in the queue (e.g. after
 * the collector was fixed). Returns how many, or -1. */
int kiosk_store_requeue_quarantined(struct kiosk_store *st);

#endif
