/* Sealed responses (issue 11): a kiosk encrypts each response for the
 * collector's X25519 key the moment it is stored, and only the collector's
 * keyring opens it. All cryptography is libsodium's crypto_box; nothing here
 * is hand-rolled. One response is at most SEAL_MAX_PLAIN bytes. */
#ifndef SHARED_SEAL_H
#define SHARED_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_BYTES    32 /* an X25519 public or secret key */
#define SEAL_KEY_ID_BYTES 8  /* raw key id at the head of a sealed response */
#define SEAL_KEY_ID_LEN   17 /* 16 lower-case hex digits and the NUL */
#define SEAL_NONCE_BYTES  24
#define SEAL_MAC_BYTES    16
#define SEAL_PK_PREFIX    "ssk1:"
#define SEAL_SK_PREFIX    "ssk1-secret:"
#define SEAL_KEY_B64_LEN  44                         /* base64 of 32 bytes, padded */
#define SEAL_PK_TEXT_LEN  (5 + SEAL_KEY_B64_LEN + 1) /* "ssk1:", base64, NUL */
#define SEAL_SK_TEXT_LEN  (12 + SEAL_KEY_B64_LEN + 1)
#define SEAL_MAX_PLAIN    (16u << 10) /* one response object, far above the ~300 bytes of one */
#define SEAL_OVERHEAD     (SEAL_KEY_ID_BYTES + SEAL_KEY_BYTES + SEAL_NONCE_BYTES + SEAL_MAC_BYTES)
#define SEAL_MAX_TEXT     (((SEAL_MAX_PLAIN + SEAL_OVERHEAD + 2) / 3) * 4) /* without the NUL */
#define SEAL_MAX_KEYS     16   /* key pairs in one keyring: the current one and retired ones */
#define SEAL_CACHE_SIZE   1024 /* shared keys cached per keyring: one per recent kiosk session */
#define SEAL_ERR_LEN      160

#define SEAL_ERRORS(X)                                                                             \
    X(SEAL_OK, "ok")                                                                               \
    X(SEAL_E_BASE64, "the sealed response is not padded standard base64")                          \
    X(SEAL_E_TOO_SHORT, "the sealed response is too short to hold a box")                          \
    X(SEAL_E_TOO_LARGE, "the response is larger than the limit allows")                            \
    X(SEAL_E_UNKNOWN_KEY, "the response is sealed for a key this keyring does not hold")           \
    X(SEAL_E_AUTH, "the sealed response does not authenticate (altered or not for this key)")      \
    X(SEAL_E_NOMEM, "out of memory")

enum seal_err {
#define SEAL_ENUM(code, text) code,
    SEAL_ERRORS(SEAL_ENUM)
#undef SEAL_ENUM
};
const char *seal_strerror(enum seal_err err);

/* Keys. Each returns 0, or -1 when libsodium cannot start or the input is
 * refused. A text form is exactly its prefix and 44 characters of padded
 * standard base64: no whitespace, nothing after it. */
int seal_keypair_new(unsigned char pk[SEAL_KEY_BYTES], unsigned char sk[SEAL_KEY_BYTES]);
int seal_pk_to_text(const unsigned char pk[SEAL_KEY_BYTES], char out[SEAL_PK_TEXT_LEN]);
int seal_pk_from_text(const char *text, unsigned char pk[SEAL_KEY_BYTES]);
/* For the collector's key file only; the text is as secret as the key, so
 * the caller wipes it (sodium_memzero) when done. On failure of a
 * _from_text the key is zeroed. */
int seal_sk_to_text(const unsigned char sk[SEAL_KEY_BYTES], char out[SEAL_SK_TEXT_LEN]);
int seal_sk_from_text(const char *text, unsigned char sk[SEAL_KEY_BYTES]);

/* The first 8 bytes of BLAKE2b-256 (crypto_generichash) of pk as 16
 * lower-case hex digits: the name an officer and a log use for a key. */
void seal_key_id(const unsigned char pk[SEAL_KEY_BYTES], char out[SEAL_KEY_ID_LEN]);

/* Kiosk side. A session holds a fresh ephemeral public key and the shared
 * key it agreed with collector_pk; the ephemeral secret key is wiped as
 * soon as the shared key is computed. Keep a session in memory only and
 * never write it to disk: with it anyone can open what it sealed. One
 * thread uses a session at a time. Returns NULL when out of memory,
 * libsodium cannot start, or collector_pk is not a usable X25519 key. */
struct seal_session;
struct seal_session *seal_session_new(const unsigned char collector_pk[SEAL_KEY_BYTES]);
/* Wipes and frees s; NULL does nothing. */
void seal_session_free(struct seal_session *s);

/* Seals len bytes of plain (len <= SEAL_MAX_PLAIN, else SEAL_E_TOO_LARGE)
 * into base64(key id || ephemeral pk || random nonce || box). *out is
 * malloc'ed and NUL-terminated, *out_len its length without the NUL; the
 * caller frees it. Sealing the same text twice gives different texts. */
enum seal_err seal_response(struct seal_session *s, const char *plain, size_t len, char **out,
                            size_t *out_len);

/* Collector side. A keyring holds up to SEAL_MAX_KEYS key pairs and a cache
 * of SEAL_CACHE_SIZE shared keys by ephemeral public key, so a kiosk
 * session costs one X25519 operation, not one per response. A shared key
 * enters the cache only once a box opened with it. All functions but
 * seal_keyring_free may be called from several threads at once. */
struct seal_keyring;
/* Returns NULL when out of memory or libsodium cannot start. */
struct seal_keyring *seal_keyring_new(void);
/* Copies the pair in. Returns -1 when sk does not belong to pk, the key is
 * already held, or the keyring is full. */
int seal_keyring_add(struct seal_keyring *kr, const unsigned char pk[SEAL_KEY_BYTES],
                     const unsigned char sk[SEAL_KEY_BYTES]);
/* Wipes the secret keys and cached shared keys and frees kr; NULL does nothing. */
void seal_keyring_free(struct seal_keyring *kr);

/* Opens len bytes of sealed text (no NUL needed; the whole of it must be
 * base64, at most SEAL_MAX_TEXT characters). On SEAL_OK *plain is malloc'ed
 * and NUL-terminated, *plain_len its length without the NUL; free it with
 * seal_plain_free(). On failure *plain is NULL. */
enum seal_err seal_open(struct seal_keyring *kr, const char *sealed, size_t len, char **plain,
                        size_t *plain_len);
/* Wipes len bytes of p and frees it; NULL does nothing. */
void seal_plain_free(char *p, size_t len);

/* The id of the key a sealed text (len characters) was sealed for, as
 * seal_key_id() names keys: 0, or -1 (out = "") when the text is too
 * short or its head is not base64. Opens nothing. */
int seal_text_key_id(const char *sealed, size_t len, char out[SEAL_KEY_ID_LEN]);
/* Writes into msg[msglen] a message for a person about err as seal_open
 * returned it for sealed: for SEAL_E_UNKNOWN_KEY it names the key id the
 * response was sealed for, so an officer knows which retired key to bring
 * back. */
void seal_describe(enum seal_err err, const char *sealed, size_t len, char *msg, size_t msglen);

/* For tests: X25519 derivations seal_open has made (cache misses). */
uint64_t seal_keyring_derivations(struct seal_keyring *kr);
/* For tests: the bytes a session keeps (*len of them at the returned
 * pointer): key id, ephemeral public key and shared key, nothing else. */
const unsigned char *seal_session_bytes(const struct seal_session *s, size_t *len);

#endif
