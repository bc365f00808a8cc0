/* Passwords, sessions and rate limits of the console. Argon2id comes from
 * libargon2 (Debian's libargon2-dev), never from our own code; a hash is
 * stored in its encoded form, so its parameters travel with it and a
 * later change of CONSOLE_ARGON2_* still verifies old passwords. */
#include "console_auth.h"

#include <argon2.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "utf8.h"

/* Verified against when there is no hash, so an unknown name costs the
 * same time: the hash of a random password nobody knows, made once. */
static char console_dummy_hash[STORE_PASSWORD_MAX + 1];
static pthread_once_t console_dummy_once = PTHREAD_ONCE_INIT;

static void console_dummy_make(void)
{
    char password[CRYPTO_TOKEN_LEN + 1];

    if (crypto_token_new(password) != 0 || console_password_hash(password, console_dummy_hash))
        console_dummy_hash[0] = '\0';
}

int console_password_hash(const char *password, char out[STORE_PASSWORD_MAX + 1])
{
    unsigned char salt[CONSOLE_ARGON2_SALT];

    if (crypto_random(salt, sizeof salt) != 0)
        return -1;
    return argon2id_hash_encoded(CONSOLE_ARGON2_T, CONSOLE_ARGON2_M_KIB, CONSOLE_ARGON2_P, password,
                                 strlen(password), salt, sizeof salt, CONSOLE_ARGON2_HASH, out,
                                 STORE_PASSWORD_MAX + 1) == ARGON2_OK
               ? 0
               : -1;
}

bool console_password_check(const char *encoded, const char *password)
{
    bool known = encoded && *encoded;
    int rc;

    if (!known)
        pthread_once(&console_dummy_once, console_dummy_make);
    rc = argon2id_verify(known ? encoded : console_dummy_hash, password, strlen(password));

    return known && rc == ARGON2_OK;
}

const char *console_password_weak(const char *password)
{
    size_t len = strlen(password), chars = 0;

    if (len > CONSOLE_PASSWORD_MAX || !utf8_valid(password, len, NULL))
        return "パスワードが長すぎるか、使えない文字を含んでいます（128バイトまで）。";
    for (const unsigned char *p = (const unsigned char *)password; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars < CONSOLE_PASSWORD_MIN)
        return "パスワードは10文字以上にしてください。";
    return NULL;
}

/* Seconds left on subject's lock at now; 0 when free, -1 on error. */
static long console_wait_for(struct store *st, const char *subject, time_t now)
{
    time_t latest = 0;
    long long n = store_console_failures(st, subject, now - CONSOLE_FAIL_WINDOW_S + 1, &latest);

    if (n < 0)
        return -1;
    return n >= CONSOLE_FAIL_MAX ? (long)(latest + CONSOLE_FAIL_WINDOW_S - now) : 0;
}

static void console_subject(char *out, const char *kind, const char *what)
{
    snprintf(out, STORE_SUBJECT_MAX, "%s:%.*s", kind, STORE_SUBJECT_MAX - 8, what);
}

long console_login_wait(struct store *st, const char *user, const char *addr, time_t now)
{
    char u[STORE_SUBJECT_MAX], a[STORE_SUBJECT_MAX];
    long wu, wa;

    console_subject(u, "user", user);
    console_subject(a, "addr", addr);
    wu = console_wait_for(st, u, now);
    wa = console_wait_for(st, a, now);
    if (wu < 0 || wa < 0)
        return -1;
    return wu > wa ? wu : wa;
}

void console_login_failed(struct store *st, const char *user, const char *addr, time_t now)
{
    char u[STORE_SUBJECT_MAX], a[STORE_SUBJECT_MAX];

    console_subject(u, "user", user);
    console_subject(a, "addr", addr);
    store_console_failure_add(st, u, now);
    store_console_failure_add(st, a, now);
}

void console_login_ok(struct store *st, const char *user)
{
    char u[STORE_SUBJECT_MAX];

    console_subject(u, "user", user);
    store_console_failures_clear(st, u);
}

long console_pair_wait(struct store *st, const char *addr, time_t now)
{
    char a[STORE_SUBJECT_MAX];

    console_subject(a, "pair", addr);
    return console_wait_for(st, a, now);
}

void console_pair_failed(struct store *st, const char *addr, time_t now)
{
    char a[STORE_SUBJECT_MAX];

    console_subject(a, "pair", addr);
    store_console_failure_add(st, a, now);
}

int console_token_new(char token[CRYPTO_TOKEN_LEN + 1], char hash[CRYPTO_SHA256_HEX])
{
    return auth_token_new(token, hash);
}

int console_session_new(struct store *st, int64_t user_id, time_t now,
                        char token[CRYPTO_TOKEN_LEN + 1])
{
    char hash[CRYPTO_SHA256_HEX], csrf[CRYPTO_TOKEN_LEN + 1];

    if (console_token_new(token, hash) != 0 || crypto_token_new(csrf) != 0)
        return -1;
    return store_console_session_add(st, hash, user_id, csrf, now) == STORE_OK ? 0 : -1;
}

int console_pair_code_new(char code[9], char hash[CRYPTO_SHA256_HEX])
{
    uint32_t v;

    /* Rejection sampling: 4,200,000,000 is the largest multiple of 10^8
     * below 2^32, so every code is equally likely. */
    do {
        if (crypto_random(&v, sizeof v) != 0)
            return -1;
    } while (v >= 4200000000u);
    snprintf(code, 9, "%08u", v % 100000000u);
    auth_token_hash(code, hash);
    return 0;
}

bool console_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > STORE_NAME_MAX || !utf8_valid(name, n, NULL))
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

enum store_err console_user_invite(struct store *st, const char *name, const char *role, bool reset,
                                   const char *base_url, time_t now, char *link)
{
    char token[CRYPTO_TOKEN_LEN + 1], hash[CRYPTO_SHA256_HEX];
    enum store_err e;
    size_t n = strlen(base_url);

    if (console_token_new(token, hash) != 0)
        return STORE_E_NOMEM;
    e = reset ? store_console_user_reset(st, name, hash, now + CONSOLE_SETUP_S)
              : store_console_user_add(st, name, role, hash, now + CONSOLE_SETUP_S);
    if (e == STORE_OK)
        snprintf(link, CONSOLE_LINK_MAX, "%.*s/console/setup?token=%s",
                 (int)(n && base_url[n - 1] == '/' ? n - 1 : n), base_url, token);
    return e;
}
