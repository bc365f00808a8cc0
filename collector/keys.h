/* The collector's key pairs (X25519, shared/seal.h): kiosks seal responses
 * for the current public key; every private key, current or old, opens
 * them. They live in a file of their own beside the database, DB.keys, and
 * not inside it, so that a copy of the database alone (a backup, the IT
 * section's copy) opens nothing sealed. */
#ifndef COLLECTOR_KEYS_H
#define COLLECTOR_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "seal.h"

#define KEYS_SUFFIX      ".keys"       /* the file is the database's path plus this */
#define KEYS_MAX         SEAL_MAX_KEYS /* key pairs in one file (a keyring's); retire old ones */
#define KEYS_LINE_MAX    256           /* bytes in one line of the file, its newline included */
#define KEYS_FILE_MAX    (KEYS_MAX * KEYS_LINE_MAX)
#define KEYS_ID_LEN      SEAL_KEY_ID_LEN /* 16 hex digits and the NUL (seal_key_id) */
#define KEYS_CREATED_LEN 21              /* "YYYY-MM-DDTHH:MM:SSZ" and the NUL */
#define KEYS_ERR_LEN     512

#define KEYS_ERRORS(X)                                                                             \
    X(KEYS_OK, "ok")                                                                               \
    X(KEYS_E_MISSING, "there is no key file yet")                                                  \
    X(KEYS_E_IO, "the key file cannot be read or written")                                         \
    X(KEYS_E_MODE, "the key file is readable by others")                                           \
    X(KEYS_E_MALFORMED, "the key file is malformed")                                               \
    X(KEYS_E_NOT_FOUND, "no key has that id")                                                      \
    X(KEYS_E_CURRENT, "the current key cannot be retired")                                         \
    X(KEYS_E_FULL, "the key file holds as many keys as it may")                                    \
    X(KEYS_E_RANDOM, "the system gave no random bytes for a key")                                  \
    X(KEYS_E_NOMEM, "out of memory")

enum keys_err {
#define KEYS_ENUM(code, text) code,
    KEYS_ERRORS(KEYS_ENUM)
#undef KEYS_ENUM
};
const char *keys_strerror(enum keys_err err);

/* The public half of one key pair, as `collector key show --all` prints it. */
struct keys_public {
    char id[KEYS_ID_LEN];
    char created[KEYS_CREATED_LEN];
    bool current;
    char text[SEAL_PK_TEXT_LEN]; /* "ssk1:..." */
};

/* The key pairs read from one file: exactly one current, the others old.
 * The secret halves never leave this struct except into a keyring. */
struct keys;

/* Reads DB.keys for the database at db_path. With create, a missing file
 * is made first with one new current key (*created says so; may be NULL).
 * The file must be a regular file of mode 0600 (or stricter) and every
 * line well formed; otherwise the error names the file and the line.
 * err (KEYS_ERR_LEN is enough) is set on every failure. */
enum keys_err keys_open(const char *db_path, bool create, struct keys **out, bool *created,
                        char *err, size_t errlen);

/* Wipes the secret keys and frees; accepts NULL. */
void keys_close(struct keys *k);

/* The file's path; valid until keys_close(). */
const char *keys_path(const struct keys *k);

size_t keys_count(const struct keys *k);

/* The public half of key i (0 <= i < keys_count(), in file order). */
void keys_public(const struct keys *k, size_t i, struct keys_public *out);

/* The public half of the current key. */
void keys_current(const struct keys *k, struct keys_public *out);

/* A new keyring holding every key pair, current and old, for opening
 * sealed responses; the caller frees it with seal_keyring_free(). NULL
 * when out of memory. */
struct seal_keyring *keys_keyring(const struct keys *k);

/* A new current key; the one before stays as old. One atomic rewrite of
 * the file; on failure neither k nor the file changes. */
enum keys_err keys_rotate(struct keys *k, char *err, size_t errlen);

/* Removes the old key with that id: KEYS_E_CURRENT for the current key,
 * KEYS_E_NOT_FOUND for an unknown id. One atomic rewrite of the file; on
 * failure neither k nor the file changes. */
enum keys_err keys_retire(struct keys *k, const char *id, char *err, size_t errlen);

#endif
