/* The console's part of the store (store_console.c): accounts, sessions,
 * failed attempts for the rate limits, pairing codes and the audit log
 * (schema version 5). Times passed in are seconds since the epoch on the
 * collector's clock, so that tests can move them; nothing here decides a
 * policy (console_auth.h does), it only keeps and finds rows. */
#ifndef COLLECTOR_STORE_CONSOLE_H
#define COLLECTOR_STORE_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "audit.h"
#include "store.h"

#define STORE_PASSWORD_MAX 256 /* bytes of an encoded Argon2id hash */
#define STORE_SUBJECT_MAX  96  /* bytes of a rate-limit subject ("addr:IP") */

struct store_console_user {
    int64_t user_id;
    char name[STORE_NAME_MAX + 1];
    char role[8];                          /* "admin" or "viewer" */
    char password[STORE_PASSWORD_MAX + 1]; /* encoded hash; "" until set */
    char created_at[21];
    bool disabled;
};

/* Adds a user with no password and a setup token (its hash) valid until
 * expires. STORE_E_EXISTS when the name is taken. */
enum store_err store_console_user_add(struct store *st, const char *name, const char *role,
                                      const char *setup_sha256, time_t expires);
/* A new setup token for an existing user (a forgotten password); the old
 * password stays until the link is used. STORE_E_NOT_FOUND: no such user. */
enum store_err store_console_user_reset(struct store *st, const char *name,
                                        const char *setup_sha256, time_t expires);
/* The user whose setup token has this hash and has not expired at now. */
enum store_err store_console_setup_find(struct store *st, const char *setup_sha256, time_t now,
                                        struct store_console_user *out);
/* Sets the password of the setup token's user, spends the token and ends
 * that user's sessions, in one transaction. STORE_E_NOT_FOUND when the
 * token is unknown, spent or expired (nothing changes then). */
enum store_err store_console_setup_finish(struct store *st, const char *setup_sha256, time_t now,
                                          const char *password, struct store_console_user *out);
enum store_err store_console_user_get(struct store *st, const char *name,
                                      struct store_console_user *out);
/* Stops (disabled true) or lets again (false) the user log in; stopping
 * ends the user's sessions and spends any setup link, in one transaction.
 * STORE_E_NOT_FOUND: no such user. */
enum store_err store_console_user_disable(struct store *st, const char *name, bool disabled);
/* Each user by name; the password field is left empty. */
enum store_err store_console_users_each(struct store *st,
                                        void (*fn)(const struct store_console_user *u, void *ctx),
                                        void *ctx);

/* Sessions: the hash of the cookie's value, the user and the CSRF token. */
enum store_err store_console_session_add(struct store *st, const char *session_sha256,
                                         int64_t user_id, const char *csrf, time_t now);
/* The session's user and CSRF token when it was seen after now - idle_s;
 * its last_seen becomes now. An idle one is deleted: STORE_E_NOT_FOUND. */
enum store_err store_console_session_get(struct store *st, const char *session_sha256, time_t now,
                                         long idle_s, struct store_console_user *user,
                                         char csrf[CRYPTO_SHA256_HEX]);
enum store_err store_console_session_drop(struct store *st, const char *session_sha256);

/* Failed attempts of subject at or after since: how many, and the time of
 * the latest into *latest (0 when none). -1 on a database error. */
long long store_console_failures(struct store *st, const char *subject, time_t since,
                                 time_t *latest);
/* Records a failure at now and forgets failures older than a day. */
enum store_err store_console_failure_add(struct store *st, const char *subject, time_t now);
enum store_err store_console_failures_clear(struct store *st, const char *subject);

/* Pairing: a code's hash for the kiosk, valid until expires; a kiosk may
 * have one code at a time (a new one replaces it). */
enum store_err store_pairing_add(struct store *st, const char *kiosk_name, const char *code_sha256,
                                 time_t expires);
/* Spends the code (unknown, spent or expired: STORE_E_NOT_FOUND) and gives
 * its kiosk the token hash, active again, in one transaction; the kiosk's
 * name into name[STORE_NAME_MAX + 1]. */
enum store_err store_pairing_take(struct store *st, const char *code_sha256, time_t now,
                                  const char *token_sha256, char *name);

/* Each published survey version, newest first: id, version, title (from
 * its definition), when published, closed ("" while open), and whether it
 * is the active one. Strings valid during the call only. */
struct store_console_survey {
    const char *survey_id, *title, *published_at, *closed_at;
    const char *period_from, *period_to; /* "YYYY-MM-DD", "" without a period */
    int version;
    bool active;
};
enum store_err
store_console_surveys_each(struct store *st,
                           void (*fn)(const struct store_console_survey *s, void *ctx), void *ctx);

/* Appends an audit row after the last one, chained to its hash. */
enum store_err store_audit_append(struct store *st, const char *actor, const char *address,
                                  const char *action, const char *detail);
/* Each row by seq, ascending; newest_first reverses; limit > 0 caps. On
 * a read connection (store_reader_open). 0, or -1 on a database error. */
int store_audit_each(sqlite3 *db, bool newest_first, long limit,
                     void (*fn)(const struct audit_row *r, void *ctx), void *ctx);

#endif
