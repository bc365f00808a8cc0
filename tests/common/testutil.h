/* Test utilities shared by every suite: temporary folders, running the
 * collector's commands, starting and stopping `collector serve` on a free
 * loopback port, HTTP through libcurl, Goshogawara sample batches, and
 * counting rows in a database file. Uses only libc, libcurl, sqlite3 and
 * the shared library, so any test executable can link it. Every wait in
 * here is bounded; every child started is killed by tu_server_stop(). */
#ifndef TESTS_COMMON_TESTUTIL_H
#define TESTS_COMMON_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TU_PATH_MAX   512
#define TU_TOKEN_MAX  128
#define TU_OUTPUT_MAX 65536 /* stdout kept from a command */

/* The Goshogawara sample survey and its 12 question ids q01..q12. */
#define TU_SURVEY_FILE SURVEYS_DIR "/goshogawara-staff.json"
#define TU_SURVEY_ID   "goshogawara-staff"
#define TU_QUESTIONS   12

/* A new empty folder under TEST_OUTPUT_DIR named NAME-XXXXXX, written into
 * out[TU_PATH_MAX]. Returns 0 or -1. */
int tu_tempdir(const char *name, char *out);

/* Removes a folder and the files directly in it (the layout tests make). */
void tu_rmdir(const char *path);

/* Runs COLLECTOR_BIN with the NULL-terminated arguments (argv[1..]).
 * stdout goes to out (NUL-terminated, cut at outlen; out may be NULL),
 * stderr to err likewise. Returns the exit status, or -1 when the
 * program could not run or was killed. Kills it after 30 s. */
int tu_collector(char *out, size_t outlen, char *err, size_t errlen, ...);

/* Prepares a fresh database: publishes the Goshogawara sample, adds kiosk
 * "kiosk-1" (its token into kiosk_token[TU_TOKEN_MAX], may be NULL) and
 * makes an admin token (into admin_token, may be NULL). Returns 0 or -1. */
int tu_setup_db(const char *db, char *kiosk_token, char *admin_token);

/* The date tu_setup_db publishes the sample survey on (the collector's
 * test-only --date), so that responses dated 2020 and later fit its window. */
#define TU_PUBLISHED_ON "2020-01-01"

/* `collector release` of the sample survey's fiscal year: 1 when it made a
 * new revision, 0 when nothing could be released, -1 on failure. */
int tu_release(const char *db, int fiscal_year);

/* Distinct answers among the responses a collector holds sealed for
 * fiscal_year, without touching its database: a copy of it (VACUUM INTO)
 * and of its key file is released with `collector release`, after keep
 * (SQL run on the copy first, e.g. deleting other kiosks' rows; may be
 * NULL), and its released answers are counted. -1 on failure. */
long long tu_distinct_opened(const char *db, int fiscal_year, const char *keep);

/* Removes trailing newlines and blanks in place; returns s. */
char *tu_chomp(char *s);

struct tu_server {
    pid_t pid;
    int port;
    char url[64];               /* "http://127.0.0.1:PORT" (https with TLS) */
    char log_path[TU_PATH_MAX]; /* the daemon's stderr */
};

/* Starts `collector serve --db DB --listen 127.0.0.1:0 EXTRA...` with its
 * stderr in DB.log, waits (at most 15 s) for the "listening on" line and
 * reads the bound port from it. extra is a NULL-terminated list or NULL.
 * Returns 0, or -1 (the child is killed then). The daemon is killed when
 * the thread that started it ends (PR_SET_PDEATHSIG), so a failed or
 * timed-out test leaves no daemon behind: start it from the thread that
 * outlives it, normally the test's main thread. */
int tu_server_start(struct tu_server *s, const char *db, const char *const *extra);

/* SIGTERM, then SIGKILL after 10 s; reaps the child. Returns its exit
 * status (0 after a clean shutdown), or -1 when it had to be killed or
 * was not running. Safe to call twice. */
int tu_server_stop(struct tu_server *s);

/* SIGKILL at once and reap: a crash. */
void tu_server_kill(struct tu_server *s);

/* The usual fixture of an end-to-end test: a folder NAME-XXXXXX (into
 * dir[TU_PATH_MAX]), DIR/collector.db prepared by tu_setup_db (path into
 * db[dblen]; tokens as there, each may be NULL) and a collector serving it
 * (extra as for tu_server_start). Returns 0 or -1. */
int tu_fixture_start(struct tu_server *s, const char *name, char *dir, char *db, size_t dblen,
                     char *kiosk_token, char *admin_token, const char *const *extra);

/* Stops the collector and, only after a clean stop, removes dir, so that a
 * failure leaves the daemon's log to read. Returns 0 after a clean stop. */
int tu_fixture_stop(struct tu_server *s, const char *dir);

/* Whether the daemon's log holds text; waits up to 2 s for it, since a
 * request is logged just after its answer went out. */
bool tu_server_log_has(const struct tu_server *s, const char *text);

struct tu_response {
    long status; /* 0 when the transfer failed (connection refused, reset...) */
    char *body;  /* NUL-terminated, malloc'ed */
    size_t body_len;
    char *headers;   /* the raw response headers, malloc'ed */
    char error[256]; /* libcurl's message when status is 0 */
};

/* One HTTP request with libcurl. method "GET"/"POST"; auth is the whole
 * Authorization value ("Bearer X") or NULL; headers is a NULL-terminated
 * list of extra "Name: value" lines or NULL; body/len for POST. Returns 0
 * when an answer came (see r->status), -1 otherwise. Times out after 30 s. */
int tu_http(struct tu_response *r, const char *method, const char *url, const char *auth,
            const char *const *headers, const void *body, size_t len);
void tu_response_free(struct tu_response *r); /* accepts a zeroed response */

/* The value of a response header (case-insensitive name) into out; NULL if absent. */
const char *tu_header(const struct tu_response *r, const char *name, char *out, size_t len);

/* POST base_url/api/v1/batches with Bearer token and JSON body, deflated
 * when deflate (Content-Encoding: deflate). */
int tu_post_batch(struct tu_response *r, const char *base_url, const char *token, const char *json,
                  bool deflate);

/* A Goshogawara batch JSON (malloc'ed) with n responses in month
 * ("YYYY-MM"); answers 1..4 and employment drawn from seed; every fifth
 * response leaves employment (optional) unanswered. batch_id may be
 * NULL for a fresh UUID; the id used is copied to id_out[37] if not NULL. */
char *tu_batch_json(const char *batch_id, int n, unsigned seed, const char *month, char *id_out);

/* The first column of the first row of sql on the database file as a
 * number, or -1 on error. Opens and closes its own connection. */
long long tu_db_count(const char *db, const char *sql);

/* A loopback TCP port that was free a moment ago (bound, read, closed). */
int tu_free_port(void);

/* Seconds on a monotonic clock. */
double tu_now(void);

#endif
