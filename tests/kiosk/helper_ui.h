/* Running the real kiosk headless for UI tests: a temporary folder with a
 * config (collector on a closed loopback port, so sync fails fast) and a
 * database, a generated script, and the kiosk program as a child that is
 * killed if it runs longer than UI_TIMEOUT_S. */
#ifndef TESTS_KIOSK_HELPER_UI_H
#define TESTS_KIOSK_HELPER_UI_H

#include <stddef.h>

#include "app.h"
#include "testutil.h"

#define UI_TIMEOUT_S   120
#define UI_SCRIPT_MAX  65536
#define UI_STDERR_MAX  8192
#define UI_GOSHOGAWARA SURVEYS_DIR "/goshogawara-staff.json"
#define UI_KAMAISHI    SURVEYS_DIR "/kamaishi-wellbeing.json"
#define UI_IN_PERIOD   "2025-02-10"

struct ui_kiosk {
    char dir[TU_PATH_MAX];
    char conf[TU_PATH_MAX + 32];
    char db[TU_PATH_MAX + 32];
    char script_path[TU_PATH_MAX + 32];
    char script[UI_SCRIPT_MAX]; /* appended to by ui_add() */
    size_t len;
    char err[UI_STDERR_MAX]; /* the kiosk's stderr after ui_run() */
};

/* A fresh folder and config: idle_timeout_s as given, PIN 1234, min_batch
 * high enough that nothing is sealed behind the test's back. Returns 0 or -1. */
/* A collector public key for kiosks without a collector: the offline
 * configs pin it, so answers are sealed (for a key nobody holds). */
#define UI_TEST_COLLECTOR_KEY    "ssk1:y8gjGQJvH2tTtG+IjzlcXLM3PUbCB7ZtYucIhTt3Ugs="
#define UI_TEST_COLLECTOR_SECRET "ssk1-secret:O+rCOSudnvVnQD3qELWdR2Mts1oWQMNG2L0i6wmDMrM="

int ui_init(struct ui_kiosk *k, const char *name, int idle_timeout_s);
/* The same with the config's min_batch. */
int ui_init_batch(struct ui_kiosk *k, const char *name, int idle_timeout_s, int min_batch);
/* The same for a real collector at url with a kiosk token (min_batch 1). */
int ui_init_collector(struct ui_kiosk *k, const char *name, const char *url, const char *token);
/* Appends one formatted line to the script. */
void ui_add(struct ui_kiosk *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs KIOSK_BIN --headless with the script, --survey survey_file, --date
 * and --size WxH (NULL: the defaults), plus extra arguments (NULL-ended
 * list or NULL). Returns the exit status, or -1 when it had to be killed. */
int ui_run(struct ui_kiosk *k, const char *survey_file, const char *size, const char *const *extra);
/* Responses the kiosk's store holds (unsealed), read through kiosk_store. */
int ui_stored(const struct ui_kiosk *k);
/* Puts n quarantined batches (one response each, survey_file's survey) in
 * the kiosk's store, as if the collector had refused them for good, with
 * the collector's answer http_status/error recorded. Returns 0 or -1. */
int ui_quarantine(const struct ui_kiosk *k, const char *survey_file, int n, int http_status,
                  const char *error);
/* Fills the store at db with Goshogawara responses and caps it where it
 * stands, so that the next submit fails as on a full disk. Returns 0 or -1. */
int ui_fill_store(const char *db);
/* Batches in the kiosk's store in state ("sealed", "quarantined"), or -1. */
long long ui_batches(const struct ui_kiosk *k, const char *state);
void ui_cleanup(struct ui_kiosk *k);
/* Sets "key = value" in k's config, replacing the key's line or adding
 * one. Returns 0 or -1. */
int ui_conf_set(const struct ui_kiosk *k, const char *key, const char *value);
/* Pins in k's config the public key of the collector database db, as
 * `collector key show` prints it, so the kiosk seals before its first sync. */
int ui_pin_collector_key(const struct ui_kiosk *k, const char *db);
/* A response of a format-2 batch (a JSON string) opened with the secret of
 * UI_TEST_COLLECTOR_KEY, as the collector would; NULL when it does not open. */
struct json_t;
struct json_t *ui_open_sealed(const struct json_t *sealed);
/* Writes a survey definition as k->dir/name; its path into path[TU_PATH_MAX
 * + 32]. Fails the running test when it cannot. */
void ui_write_survey(const struct ui_kiosk *k, const char *name, const char *json, char *path);
/* Seals what the store at k->db holds into one batch and returns its
 * first response opened (as the collector would), or fails the test. */
struct json_t *ui_stored_response(const struct ui_kiosk *k);
/* Writes the sample survey src with "version": 1 made version, into dst
 * (another version of the same survey). Returns 0 or -1. */
int ui_survey_version(const char *src, int version, const char *dst);

struct app;
/* The real kiosk UI in this process on k's config (SDL's dummy driver,
 * virtual clock, no --drain): survey_file, the in-period date, and size
 * "WxH" or NULL for the default. NULL with a message in err on failure. */
struct app *ui_open_app(const struct ui_kiosk *k, const char *survey_file, const char *size,
                        char *err, size_t errlen);
/* The in-process UI's screen as TEST_OUTPUT_DIR/kiosk/NAME (a BMP), to
 * look at; the path into path[TU_PATH_MAX]. Returns 0, or -1 with err set. */
int ui_shot(struct app *a, const char *name, char *path, char *err, size_t errlen);
/* Taps the button doing action/arg once the screen takes input and shows it
 * (app_await_button, at most 30 s); fails the running test when it is not there. */
void ui_tap(struct app *a, enum app_action action, int arg);
/* Long press in the corner and PIN 1234, as staff do; fails unless maintenance opens. */
void ui_open_maintenance(struct app *a);
/* The same two, failing the running cmocka test with the message instead. */
void ui_shot_or_fail(struct app *a, const char *name);
struct app *ui_open_or_fail(const struct ui_kiosk *k, const char *survey_file, const char *size);

#endif
