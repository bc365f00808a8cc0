/* The collector's store: one SQLite database in WAL mode holding surveys,
 * kiosks, the admin token, batches with their raw responses, and the
 * aggregates of schema.h. One writer connection serves every thread behind
 * a mutex; readers (admin reports) open their own connections. */
#ifndef COLLECTOR_STORE_H
#define COLLECTOR_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "batch.h"
#include "crypto.h"
#include "survey.h"

#define STORE_ERR_LEN      256
#define STORE_NAME_MAX     64   /* bytes in a kiosk name */
#define STORE_BUSY_TIMEOUT 5000 /* ms a writer waits for another process (the CLI) */

#define STORE_ERRORS(X)                                                                            \
    X(STORE_OK, "ok")                                                                              \
    X(STORE_E_UNAVAILABLE, "the database cannot be written now (disk full, read-only or busy)")    \
    X(STORE_E_NOT_FOUND, "not found")                                                              \
    X(STORE_E_EXISTS, "already exists")                                                            \
    X(STORE_E_DUPLICATE, "already stored with the same content")                                   \
    X(STORE_E_CONFLICT, "already stored with different content")                                   \
    X(STORE_E_SCHEMA, "the database was written by a newer collector")                             \
    X(STORE_E_NOMEM, "out of memory")                                                              \
    X(STORE_E_SQL, "database error")

enum store_err {
#define STORE_ENUM(code, text) code,
    STORE_ERRORS(STORE_ENUM)
#undef STORE_ENUM
};
const char *store_strerror(enum store_err err);

struct store;

struct store_options {
    long max_page_count; /* 0: no limit; else PRAGMA max_page_count (tests disk-full with it) */
};

/* Opens (creating if needed) the database at path, applies the pending
 * migrations and the pragmas. On failure *out is NULL and err says why. */
enum store_err store_open(const char *path, const struct store_options *opt, struct store **out,
                          char *err, size_t errlen);
void store_close(struct store *st); /* accepts NULL */

/* A new read-only connection to the same file, for one admin request; the
 * caller closes it with sqlite3_close(). Returns NULL on failure. */
sqlite3 *store_reader_open(struct store *st);

/* --- Batches ------------------------------------------------------------ */

/* Stores a validated batch (batch_validate() against s) in one transaction:
 * the batch row, one row per response, the aggregates, the kiosk's totals.
 * content_sha256 is the hash of batch_encode(). Returns STORE_OK (stored),
 * STORE_E_DUPLICATE (same id and hash already there), STORE_E_CONFLICT
 * (same id, other hash), STORE_E_UNAVAILABLE (nothing written). */
enum store_err store_batch_insert(struct store *st, int64_t kiosk_id, const struct batch *b,
                                  const struct survey *s, const char *content_sha256);

/* --- Surveys ------------------------------------------------------------ */

/* Stores s (its source text) and makes it the active survey. When the same
 * (id, version) exists with the same text, only makes it active and sets
 * *was_new false; with other text, returns STORE_E_CONFLICT. */
enum store_err store_survey_publish(struct store *st, const struct survey *s, bool *was_new);

/* The active definition: *json malloc'ed (NUL-terminated, caller frees) and
 * its sha256. STORE_E_NOT_FOUND when none was published. */
enum store_err store_survey_active(struct store *st, char **json, size_t *len,
                                   char sha256[CRYPTO_SHA256_HEX]);

/* Loads a published definition by id and version (any, active or not). */
enum store_err store_survey_load(struct store *st, const char *id, int version,
                                 struct survey **out);

/* --- Kiosks and tokens -------------------------------------------------- */

struct store_kiosk {
    int64_t kiosk_id;
    char name[STORE_NAME_MAX + 1];
    bool revoked;
};

/* Adds a kiosk with the hash of its token; STORE_E_EXISTS when the name is taken. */
enum store_err store_kiosk_add(struct store *st, const char *name, const char *token_sha256);
/* Marks it revoked; STORE_E_NOT_FOUND for an unknown name; *was_revoked
 * tells whether it already was. */
enum store_err store_kiosk_revoke(struct store *st, const char *name, bool *was_revoked);
/* Gives the kiosk a new token hash and makes it active again (a kiosk that
 * was revoked can be re-provisioned); the old token stops working at once.
 * STORE_E_NOT_FOUND for an unknown name. */
enum store_err store_kiosk_rotate(struct store *st, const char *name, const char *token_sha256);
/* Looks a kiosk up by the hash of its token (compared in constant time). */
enum store_err store_kiosk_by_token(struct store *st, const char *token_sha256,
                                    struct store_kiosk *out);

struct store_kiosk_info {
    const char *name, *created_at, *revoked_at, *last_seen_at, *heartbeat;
    bool has_skew;
    long long clock_skew_s, batches, responses;
};
/* Calls fn for each kiosk by name; strings are valid during the call only. */
enum store_err store_kiosk_each(struct store *st,
                                void (*fn)(const struct store_kiosk_info *k, void *ctx), void *ctx);

/* Records a heartbeat: its JSON (already reduced to known fields), the
 * collector's time, and the kiosk's clock skew in seconds. */
enum store_err store_kiosk_heartbeat(struct store *st, int64_t kiosk_id, const char *json,
                                     bool has_skew, long long skew_s);

/* --- Purging a revoked kiosk's batches ---------------------------------- */

#define STORE_PURGE_MAX_YEARS 128 /* fiscal years one purge reports (tally's range) */

struct store_purge_year {
    int fiscal_year;
    long long batches;   /* with at least one response in the year */
    long long responses; /* in the year */
};

struct store_purge {
    bool revoked; /* false: the kiosk is active and nothing was done */
    long long batches, responses;
    struct store_purge_year years[STORE_PURGE_MAX_YEARS]; /* by year, ascending */
    size_t n_years;
};

/* Removes the batches kiosk name uploaded (received on or after since, a
 * "YYYY-MM-DD" date in UTC, when not NULL) with their responses, sets the
 * kiosk's totals from the batches it keeps, and recomputes the aggregates
 * of every (survey, fiscal year) the removed responses were in from the
 * responses that remain: one transaction, all or nothing. Only for a
 * revoked kiosk: for an active one out->revoked is false and nothing
 * changes. dry_run fills out and changes nothing. STORE_E_NOT_FOUND for an
 * unknown name. */
enum store_err store_kiosk_purge(struct store *st, const char *name, const char *since,
                                 bool dry_run, struct store_purge *out);

/* Replaces the admin token's hash (the old token stops working). */
enum store_err store_admin_set(struct store *st, const char *token_sha256);
/* Whether token_sha256 is the admin token's hash (constant-time compare). */
bool store_admin_check(struct store *st, const char *token_sha256);

/* The current time as RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ". */
void store_now(char out[21]);

#endif
