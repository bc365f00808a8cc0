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
    X(STORE_E_FULL, "the collector's storage is full (its size cap or its disk)")                  \
    X(STORE_E_NOT_FOUND, "not found")                                                              \
    X(STORE_E_EXISTS, "already exists")                                                            \
    X(STORE_E_DUPLICATE, "already stored with the same content")                                   \
    X(STORE_E_CONFLICT, "already stored with different content")                                   \
    X(STORE_E_QUOTA, "the kiosk's responses for today would go over its daily quota")              \
    X(STORE_E_SCHEMA, "the database was written by a newer collector")                             \
    X(STORE_E_SEALED, "sealed responses cannot be opened with the key file beside the database")   \
    X(STORE_E_NOMEM, "out of memory")                                                              \
    X(STORE_E_SQL, "database error")

enum store_err {
#define STORE_ENUM(code, text) code,
    STORE_ERRORS(STORE_ENUM)
#undef STORE_ENUM
};
const char *store_strerror(enum store_err err);

struct store;

#define STORE_FREE_SHARE_PCT 90         /* default size cap: this share of the free space at open */
#define STORE_MAX_DB_MB      (1L << 24) /* 16 TiB: the largest --max-db-mb */
#define STORE_MAX_PAGES      4294967294L /* SQLite's largest max_page_count */
#define STORE_MAX_KIOSK_DAY  1000000L    /* the largest daily quota of responses per kiosk */

/* Limits of the writer connection; store_open(path, NULL, ...) sets none
 * (the administrative commands). The first size limit given wins. */
struct store_options {
    long max_page_count;    /* > 0: PRAGMA max_page_count as given (tests disk-full with it) */
    long max_db_mb;         /* > 0: the database may grow to this many MiB */
    bool cap_to_free_space; /* neither: its size at open plus STORE_FREE_SHARE_PCT % of the
                               free space of its volume then (collector serve) */
    long max_responses_per_kiosk_day; /* > 0: the daily quota store_batch_insert() keeps */
};

/* The PRAGMA max_page_count for pages of page_size bytes: max_db_mb MiB
 * when it is not 0, else db_bytes (the database now) plus
 * STORE_FREE_SHARE_PCT % of free_bytes (its volume's free space now); at
 * least 1, at most STORE_MAX_PAGES. Pure, so that a test can call it. */
long store_cap_pages(long max_db_mb, uint64_t db_bytes, uint64_t free_bytes, long page_size);

/* Opens (creating if needed) the database at path, applies the pending
 * migrations, the pragmas and opt's limits (a size cap is logged once).
 * opt may be NULL. On failure *out is NULL and err says why. */
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
 * STORE_E_DUPLICATE (same id and hash already there, also over the quota),
 * STORE_E_CONFLICT (same id, other hash), STORE_E_QUOTA (the kiosk's
 * responses received this UTC day of the collector's clock would go over
 * max_responses_per_kiosk_day; a kiosk's first batch of a day always fits),
 * STORE_E_FULL or STORE_E_UNAVAILABLE; nothing is written but on STORE_OK. */
enum store_err store_batch_insert(struct store *st, int64_t kiosk_id, const struct batch *b,
                                  const struct survey *s, const char *content_sha256);

/* The daily quota of responses per kiosk the store keeps; 0: none. */
long store_kiosk_day_quota(const struct store *st);

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
    long long batches;   /* with at least one waiting response in the year */
    long long responses; /* waiting responses in the year */
};

struct store_purge {
    bool revoked; /* false: the kiosk is active and nothing was done */
    long long batches;
    long long responses; /* of those batches, still waiting for a release: removed */
    long long released;  /* of those batches, already released: they stay (no link is kept) */
    struct store_purge_year years[STORE_PURGE_MAX_YEARS]; /* by year, ascending */
    size_t n_years;
};

/* Removes the batches kiosk name uploaded (received on or after since, a
 * "YYYY-MM-DD" date in UTC, when not NULL) with their responses that still
 * wait for a release, and sets the kiosk's totals from the batches it
 * keeps: one transaction, all or nothing. Responses already released stay
 * in their release: nothing links them to a batch any more. No figure
 * changes, since no figure counts a waiting response. Only for a
 * revoked kiosk: for an active one out->revoked is false and nothing
 * changes. dry_run fills out and changes nothing. STORE_E_NOT_FOUND for an
 * unknown name. */
enum store_err store_kiosk_purge(struct store *st, const char *name, const char *since,
                                 bool dry_run, struct store_purge *out);

/* --- Releases (store_release.c) ----------------------------------------- */

/* Figures are published only from a release: a frozen, numbered snapshot
 * of one survey's fiscal year (docs/design.md, "Releases"). */

#define STORE_RELEASE_WHY_LEN 256
#define STORE_RELEASE_ERR_LEN 640

struct store_release {
    int revision;          /* the latest revision after the call; 0: none yet */
    char made_at[21];      /* when that revision was made */
    long long respondents; /* in that revision */
    long long added;       /* respondents this call released; 0 when it made none */
    long long waiting;     /* stored, in no release, after the call */
    long long needed;      /* more respondents that must arrive before the waiting ones can
                              join, when that is the reason; 0 otherwise */
    char held_back[STORE_RELEASE_WHY_LEN]; /* why waiting respondents stay out; "" */
    char error[STORE_RELEASE_ERR_LEN];     /* on STORE_E_SEALED: which responses, which key */
};

/* Makes the next revision of (survey_id, fiscal_year) from the responses
 * that wait, in one transaction, opening them with the key file beside the
 * database (STORE_E_SEALED, out->error saying why, when one does not open;
 * nothing changes then). Those it takes become released_responses rows in
 * random order, unlinked from batch, kiosk and time; the others stay sealed. The first revision
 * takes every waiting response. A later one takes the largest set of waiting responses (found by
 * removing, until none is left, those in a cell that would change by 1..min_delta-1) such that no
 * population (the total; each option, the unanswered and every other value of each attribute)
 * changes by fewer than min_delta respondents, nor any of its per-question answer counts: so no
 * difference between two revisions describes fewer than min_delta people. reason is "close",
 * "period_end" or "release". Nothing waiting, or nothing that may join: out->added is 0 and nothing
 * changes. */
enum store_err store_release(struct store *st, const char *survey_id, int fiscal_year,
                             long min_delta, const char *reason, struct store_release *out);

/* Ends collection of every version of survey_id (closed_at = now) that is
 * still open. STORE_E_NOT_FOUND for an unknown survey; *was_closed true and
 * nothing changed when every version was closed already, with closed_at
 * the earliest close. */
enum store_err store_survey_close(struct store *st, const char *survey_id, bool *was_closed,
                                  char closed_at[21]);

/* How many responses wait, sealed, for the key with that id (any survey
 * or year): a key they need must not be retired. -1 on a database error. */
long long store_waiting_for_key(struct store *st, const char *key_id);

/* The fiscal years of survey_id that hold stored responses, ascending;
 * returns how many (at most max), or -1 on a database error. */
int store_response_years(struct store *st, const char *survey_id, int *years, int max);

struct store_survey_state {
    char survey_id[SURVEY_MAX_ID_BYTES + 1];
    int version;
    char published_at[21];
    char closed_at[21]; /* "" while open */
};
/* The state of (id, version); id NULL: the active survey. */
enum store_err store_survey_state(struct store *st, const char *id, int version,
                                  struct store_survey_state *out);

/* The (id, version) of every survey version still open (not closed), at
 * most max; returns how many, or -1 on a database error. */
struct store_survey_ref {
    char survey_id[SURVEY_MAX_ID_BYTES + 1];
    int version;
};
int store_surveys_open(struct store *st, struct store_survey_ref *out, int max);

/* Participation before a release: all respondents stored for the fiscal
 * year and those in its latest release, counted at most once a (UTC) day,
 * so that two reads on one day show the same figure. */
struct store_participation {
    char counted_on[11]; /* YYYY-MM-DD */
    long long respondents;
    long long released;
};
enum store_err store_participation(struct store *st, const char *survey_id, int fiscal_year,
                                   struct store_participation *out);

/* Readers (a connection from store_reader_open). Each returns 0, or -1 on
 * a database error; strings passed to fn are valid during the call only. */
struct store_release_info {
    int revision; /* 0: no release */
    char made_at[21];
    long long respondents;
    char reason[16];
};
int store_release_latest(sqlite3 *db, const char *survey_id, int fiscal_year,
                         struct store_release_info *out);
int store_release_respondents(sqlite3 *db, const char *survey_id, int fiscal_year, int revision,
                              void (*fn)(const char *attr, const char *opt, long long n, void *ctx),
                              void *ctx);
/* attr "" (with opt "") is the whole population. */
int store_release_answers(
    sqlite3 *db, const char *survey_id, int fiscal_year, int revision, const char *attr,
    void (*fn)(const char *opt, const char *qid, int value, long long n, void *ctx), void *ctx);
/* Each (survey, fiscal year) that holds responses, waiting or released,
 * by survey and latest year first. */
int store_stored_years(sqlite3 *db, void (*fn)(const char *survey_id, int fiscal_year, void *ctx),
                       void *ctx);
/* Respondents stored for the fiscal year, released or not; -1 on error. */
long long store_year_respondents(sqlite3 *db, const char *survey_id, int fiscal_year);
/* Fiscal years with a release, ascending; how many, or -1. */
int store_release_years(sqlite3 *db, const char *survey_id, int *years, int max);

/* Baselines an administrator fixed (`collector baseline set`). */
int store_baselines(sqlite3 *db, const char *survey_id,
                    void (*fn)(const char *qid, int fiscal_year, double value, void *ctx),
                    void *ctx);
enum store_err store_baseline_put(struct store *st, const char *survey_id, const char *qid,
                                  int fiscal_year, int revision, double value);

/* --- Headcounts (store_headcount.c) -------------------------------------- */

/* One figure of a fiscal year's headcount: attribute "" and option "" is
 * everyone; otherwise the staff of that option. */
struct store_headcount {
    const char *attribute;
    const char *option;
    long count; /* > 0 */
};
/* Stores the rows given for (survey_id, fiscal_year) in one transaction,
 * replacing those with the same keys; all or nothing. */
enum store_err store_headcount_put(struct store *st, const char *survey_id, int fiscal_year,
                                   const struct store_headcount *rows, size_t n);
/* Reader: calls fn for each figure held for the fiscal year; 0, or -1 on a
 * database error. Strings are valid during the call only. */
int store_headcounts(sqlite3 *db, const char *survey_id, int fiscal_year,
                     void (*fn)(const char *attr, const char *opt, long count, void *ctx),
                     void *ctx);

/* Replaces the admin token's hash (the old token stops working). */
enum store_err store_admin_set(struct store *st, const char *token_sha256);
/* Whether token_sha256 is the admin token's hash (constant-time compare). */
bool store_admin_check(struct store *st, const char *token_sha256);

/* The current time as RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ". */
void store_now(char out[21]);

/* Whether the database can be written now (store_health.c): STORE_OK, or
 * STORE_E_UNAVAILABLE / STORE_E_FULL with the reason in why[len]. Takes
 * and gives back the write lock; writes nothing. */
enum store_err store_health(struct store *st, char *why, size_t len);

/* Backups (store_backup.c). store_backup copies the database db into the
 * new file to with SQLite's online backup API (one consistent snapshot,
 * while a collector keeps writing) and verifies the copy; store_restore_copy
 * verifies from and copies it into the new file to; store_verify runs
 * PRAGMA integrity_check and checks the schema version. Each says what
 * failed in err[len]. None touches the key file. */
enum store_err store_backup(const char *db, const char *to, char *err, size_t len);
enum store_err store_restore_copy(const char *from, const char *to, char *err, size_t len);
enum store_err store_verify(const char *path, char *err, size_t len);

#endif
