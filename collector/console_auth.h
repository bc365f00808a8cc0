/* The console's accounts and sessions: Argon2id passwords (libargon2),
 * one-time setup links, session cookies with their CSRF tokens, and the
 * rate limits on logins and pairing codes. The numbers are the policy
 * SECURITY.md states; the rows live in store_console.c. */
#ifndef COLLECTOR_CONSOLE_AUTH_H
#define COLLECTOR_CONSOLE_AUTH_H

#include <stdbool.h>
#include <time.h>

#include "store_console.h"

#define CONSOLE_IDLE_S        1800        /* a session unused this long ends */
#define CONSOLE_SETUP_S       (72 * 3600) /* a setup link is valid this long */
#define CONSOLE_FAIL_MAX      10          /* failures within the window lock out */
#define CONSOLE_FAIL_WINDOW_S 900         /* 15 minutes */
#define CONSOLE_PAIR_S        900         /* a pairing code is valid 15 minutes */
#define CONSOLE_PASSWORD_MIN  10          /* characters of a password, at least */
#define CONSOLE_PASSWORD_MAX  128         /* bytes of a password, at most */
#define CONSOLE_ARGON2_T      3           /* passes (RFC 9106, second recommendation) */
#define CONSOLE_ARGON2_M_KIB  (64u << 10) /* 64 MiB of memory per hash */
#define CONSOLE_ARGON2_P      1           /* lanes */
#define CONSOLE_ARGON2_SALT   16          /* bytes of random salt */
#define CONSOLE_ARGON2_HASH   32          /* bytes of hash */
#define CONSOLE_COOKIE        "console_session"

/* The encoded Argon2id hash of password into out; 0, or -1 (no memory or
 * randomness). */
int console_password_hash(const char *password, char out[STORE_PASSWORD_MAX + 1]);
/* Whether password matches encoded; an empty encoded (no such user, or no
 * password yet) hashes anyway and answers false, so that a login takes as
 * long for an unknown name as for a wrong password. */
bool console_password_check(const char *encoded, const char *password);
/* NULL when password may be used; else why not, in Japanese. */
const char *console_password_weak(const char *password);

/* Seconds until a login for user from addr may be tried again (0: now):
 * CONSOLE_FAIL_MAX failures of the account or of the address within
 * CONSOLE_FAIL_WINDOW_S lock both until the window has passed since the
 * latest. -1 on a database error. */
long console_login_wait(struct store *st, const char *user, const char *addr, time_t now);
/* Records a failed login of user from addr. */
void console_login_failed(struct store *st, const char *user, const char *addr, time_t now);
/* Forgets the account's failures after a login that succeeded. */
void console_login_ok(struct store *st, const char *user);
/* The same limit for pairing-code exchanges from one address. */
long console_pair_wait(struct store *st, const char *addr, time_t now);
void console_pair_failed(struct store *st, const char *addr, time_t now);

/* A new session for user_id: the cookie's value into token (only its hash
 * is stored, beside a new CSRF token). 0, or -1. */
int console_session_new(struct store *st, int64_t user_id, time_t now,
                        char token[CRYPTO_TOKEN_LEN + 1]);

/* A random token (setup link, session) and its stored hash. */
int console_token_new(char token[CRYPTO_TOKEN_LEN + 1], char hash[CRYPTO_SHA256_HEX]);

/* An 8-digit pairing code (uniformly drawn) and its hash. 0, or -1. */
int console_pair_code_new(char code[9], char hash[CRYPTO_SHA256_HEX]);

/* Whether name may name a user or a kiosk: 1 to STORE_NAME_MAX bytes of
 * UTF-8 without control characters. */
bool console_name_ok(const char *name);

#define CONSOLE_LINK_MAX 512
/* A user with a one-time setup link (reset: a new link for an existing
 * user) into link[CONSOLE_LINK_MAX], on base_url. STORE_E_EXISTS,
 * STORE_E_NOT_FOUND, or STORE_E_NOMEM when no random bytes came. */
enum store_err console_user_invite(struct store *st, const char *name, const char *role, bool reset,
                                   const char *base_url, time_t now, char *link);

#endif
