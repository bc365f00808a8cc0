/* Sealed responses on libsodium's crypto_box (X25519, XSalsa20-Poly1305).
 * A kiosk session agrees one shared key with the collector and seals every
 * response with it under a random nonce; the collector's keyring caches
 * shared keys by ephemeral public key, so opening costs one X25519 per
 * kiosk session. Secrets are wiped with sodium_memzero before memory is let go. */
#include "seal.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define SEAL_B64        sodium_base64_VARIANT_ORIGINAL
#define SEAL_HEAD_BYTES (SEAL_KEY_ID_BYTES + SEAL_KEY_BYTES + SEAL_NONCE_BYTES)
#define SEAL_CACHE_WAYS 4 /* a set-associative cache: a lookup reads one set */
#define SEAL_CACHE_SETS (SEAL_CACHE_SIZE / SEAL_CACHE_WAYS)

/* Where each part sits in a sealed response once base64 is undone. */
#define SEAL_AT_ID    0
#define SEAL_AT_EPH   SEAL_KEY_ID_BYTES
#define SEAL_AT_NONCE (SEAL_AT_EPH + SEAL_KEY_BYTES)
#define SEAL_AT_BOX   SEAL_HEAD_BYTES

static const char *const seal_err_text[] = {
#define SEAL_TEXT(code, text) text,
    SEAL_ERRORS(SEAL_TEXT)
#undef SEAL_TEXT
};

/* Only the kiosk's sealing thread touches a session. */
struct seal_session {
    unsigned char key_id[SEAL_KEY_ID_BYTES];
    unsigned char eph_pk[SEAL_KEY_BYTES];
    unsigned char shared[crypto_box_BEFORENMBYTES];
};

struct seal_key {
    unsigned char id[SEAL_KEY_ID_BYTES];
    unsigned char pk[SEAL_KEY_BYTES];
    unsigned char sk[SEAL_KEY_BYTES];
};

struct seal_cached {
    unsigned char eph_pk[SEAL_KEY_BYTES];
    unsigned char shared[crypto_box_BEFORENMBYTES];
    unsigned key; /* index into keys plus one; 0: the slot is empty */
};

/* Everything below lock is read and written under it. */
struct seal_keyring {
    pthread_mutex_t lock;
    struct seal_key keys[SEAL_MAX_KEYS];
    size_t n_keys;
    /* A random SipHash key per keyring, so nobody can choose ephemeral keys
     * that crowd one cache set. */
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    struct seal_cached cache[SEAL_CACHE_SIZE];
    unsigned char next_way[SEAL_CACHE_SETS];
    uint64_t derivations;
};

const char *seal_strerror(enum seal_err err)
{
    if ((size_t)err >= sizeof seal_err_text / sizeof seal_err_text[0])
        return "unknown error";
    return seal_err_text[err];
}

/* sodium_init is thread-safe and cheap once done; it picks the fastest code
 * for this CPU and opens the OS randomness source. */
static int seal_ready(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

int seal_keypair_new(unsigned char pk[SEAL_KEY_BYTES], unsigned char sk[SEAL_KEY_BYTES])
{
    assert(pk != NULL && sk != NULL);
    if (seal_ready() != 0)
        return -1;
    return crypto_box_keypair(pk, sk) == 0 ? 0 : -1;
}

static int seal_key_to_text(const unsigned char key[SEAL_KEY_BYTES], const char *prefix, char *out)
{
    size_t plen = strlen(prefix);

    memcpy(out, prefix, plen);
    sodium_bin2base64(out + plen, SEAL_KEY_B64_LEN + 1, key, SEAL_KEY_BYTES, SEAL_B64);
    return 0;
}

/* Exactly prefix and 44 characters of canonical padded base64, then the NUL.
 * On failure key is zeroed, so a refused secret leaves nothing behind. */
static int seal_key_from_text(const char *text, const char *prefix, unsigned char *key)
{
    size_t plen = strlen(prefix), klen = 0;
    const char *b64, *end = NULL;

    if (text == NULL || strncmp(text, prefix, plen) != 0 ||
        strnlen(text, plen + SEAL_KEY_B64_LEN + 1) != plen + SEAL_KEY_B64_LEN)
        goto refused;
    b64 = text + plen;
    if (sodium_base642bin(key, SEAL_KEY_BYTES, b64, SEAL_KEY_B64_LEN, NULL, &klen, &end,
                          SEAL_B64) != 0 ||
        klen != SEAL_KEY_BYTES || end != b64 + SEAL_KEY_B64_LEN)
        goto refused;
    return 0;
refused:
    sodium_memzero(key, SEAL_KEY_BYTES);
    return -1;
}

int seal_pk_to_text(const unsigned char pk[SEAL_KEY_BYTES], char out[SEAL_PK_TEXT_LEN])
{
    assert(pk != NULL && out != NULL);
    return seal_key_to_text(pk, SEAL_PK_PREFIX, out);
}

int seal_pk_from_text(const char *text, unsigned char pk[SEAL_KEY_BYTES])
{
    assert(pk != NULL);
    return seal_key_from_text(text, SEAL_PK_PREFIX, pk);
}

int seal_sk_to_text(const unsigned char sk[SEAL_KEY_BYTES], char out[SEAL_SK_TEXT_LEN])
{
    assert(sk != NULL && out != NULL);
    return seal_key_to_text(sk, SEAL_SK_PREFIX, out);
}

int seal_sk_from_text(const char *text, unsigned char sk[SEAL_KEY_BYTES])
{
    assert(sk != NULL);
    return seal_key_from_text(text, SEAL_SK_PREFIX, sk);
}

static void seal_key_id_raw(const unsigned char pk[SEAL_KEY_BYTES],
                            unsigned char id[SEAL_KEY_ID_BYTES])
{
    unsigned char h[crypto_generichash_BYTES];

    crypto_generichash(h, sizeof h, pk, SEAL_KEY_BYTES, NULL, 0);
    memcpy(id, h, SEAL_KEY_ID_BYTES);
}

void seal_key_id(const unsigned char pk[SEAL_KEY_BYTES], char out[SEAL_KEY_ID_LEN])
{
    unsigned char id[SEAL_KEY_ID_BYTES];

    assert(pk != NULL && out != NULL);
    seal_key_id_raw(pk, id);
    sodium_bin2hex(out, SEAL_KEY_ID_LEN, id, sizeof id);
}

struct seal_session *seal_session_new(const unsigned char collector_pk[SEAL_KEY_BYTES])
{
    struct seal_session *s;
    unsigned char eph_sk[crypto_box_SECRETKEYBYTES];
    int rc;

    assert(collector_pk != NULL);
    if (seal_ready() != 0 || (s = malloc(sizeof *s)) == NULL)
        return NULL;
    seal_key_id_raw(collector_pk, s->key_id);
    crypto_box_keypair(s->eph_pk, eph_sk);
    /* Fails for a low-order collector key, which would give a known shared key. */
    rc = crypto_box_beforenm(s->shared, collector_pk, eph_sk);
    sodium_memzero(eph_sk, sizeof eph_sk);
    if (rc != 0) {
        seal_session_free(s);
        return NULL;
    }
    return s;
}

void seal_session_free(struct seal_session *s)
{
    if (s == NULL)
        return;
    sodium_memzero(s, sizeof *s);
    free(s);
}

enum seal_err seal_response(struct seal_session *s, const char *plain, size_t len, char **out,
                            size_t *out_len)
{
    unsigned char *raw;
    size_t raw_len = SEAL_OVERHEAD + len, text_len;
    enum seal_err rc = SEAL_E_NOMEM;

    assert(s != NULL && out != NULL && out_len != NULL && (plain != NULL || len == 0));
    *out = NULL;
    *out_len = 0;
    if (len > SEAL_MAX_PLAIN)
        return SEAL_E_TOO_LARGE;
    text_len = sodium_base64_ENCODED_LEN(raw_len, SEAL_B64);
    if ((raw = malloc(raw_len)) == NULL || (*out = malloc(text_len)) == NULL)
        goto out;
    memcpy(raw + SEAL_AT_ID, s->key_id, SEAL_KEY_ID_BYTES);
    memcpy(raw + SEAL_AT_EPH, s->eph_pk, SEAL_KEY_BYTES);
    randombytes_buf(raw + SEAL_AT_NONCE, SEAL_NONCE_BYTES);
    crypto_box_easy_afternm(raw + SEAL_AT_BOX, (const unsigned char *)plain, len,
                            raw + SEAL_AT_NONCE, s->shared);
    sodium_bin2base64(*out, text_len, raw, raw_len, SEAL_B64);
    *out_len = text_len - 1;
    rc = SEAL_OK;
out:
    free(raw);
    return rc;
}

struct seal_keyring *seal_keyring_new(void)
{
    struct seal_keyring *kr;

    if (seal_ready() != 0 || (kr = calloc(1, sizeof *kr)) == NULL)
        return NULL;
    if (pthread_mutex_init(&kr->lock, NULL) != 0) {
        free(kr);
        return NULL;
    }
    crypto_shorthash_keygen(kr->hash_key);
    return kr;
}

int seal_keyring_add(struct seal_keyring *kr, const unsigned char pk[SEAL_KEY_BYTES],
                     const unsigned char sk[SEAL_KEY_BYTES])
{
    unsigned char derived[SEAL_KEY_BYTES];
    int rc = -1;

    assert(kr != NULL && pk != NULL && sk != NULL);
    if (crypto_scalarmult_base(derived, sk) != 0 || sodium_memcmp(derived, pk, sizeof derived))
        return -1;
    pthread_mutex_lock(&kr->lock);
    for (size_t i = 0; i < kr->n_keys; i++)
        if (memcmp(kr->keys[i].pk, pk, SEAL_KEY_BYTES) == 0)
            goto out;
    if (kr->n_keys < SEAL_MAX_KEYS) {
        struct seal_key *k = &kr->keys[kr->n_keys++];
        seal_key_id_raw(pk, k->id);
        memcpy(k->pk, pk, SEAL_KEY_BYTES);
        memcpy(k->sk, sk, SEAL_KEY_BYTES);
        rc = 0;
    }
out:
    pthread_mutex_unlock(&kr->lock);
    return rc;
}

void seal_keyring_free(struct seal_keyring *kr)
{
    if (kr == NULL)
        return;
    pthread_mutex_destroy(&kr->lock);
    sodium_memzero(kr, sizeof *kr);
    free(kr);
}

uint64_t seal_keyring_derivations(struct seal_keyring *kr)
{
    uint64_t n;

    assert(kr != NULL);
    pthread_mutex_lock(&kr->lock);
    n = kr->derivations;
    pthread_mutex_unlock(&kr->lock);
    return n;
}

const unsigned char *seal_session_bytes(const struct seal_session *s, size_t *len)
{
    assert(s != NULL && len != NULL);
    *len = sizeof *s;
    return (const unsigned char *)s;
}

static struct seal_cached *seal_cache_set(struct seal_keyring *kr, const unsigned char *eph_pk)
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t v = 0;

    crypto_shorthash(h, eph_pk, SEAL_KEY_BYTES, kr->hash_key);
    memcpy(&v, h, sizeof v);
    return &kr->cache[(v % SEAL_CACHE_SETS) * SEAL_CACHE_WAYS];
}

/* What seal_open needs from the keyring for one box: the shared key when
 * cached, else the secret key to derive it. Called under the lock. */
struct seal_lookup {
    unsigned key; /* index plus one; 0: no key has the id */
    int cached;
    unsigned char secret[SEAL_KEY_BYTES]; /* the shared key, or the collector's sk */
};

static void seal_lookup_locked(struct seal_keyring *kr, const unsigned char *raw,
                               struct seal_lookup *l)
{
    const unsigned char *eph_pk = raw + SEAL_AT_EPH;
    struct seal_cached *set;

    for (size_t i = 0; i < kr->n_keys && l->key == 0; i++)
        if (memcmp(kr->keys[i].id, raw + SEAL_AT_ID, SEAL_KEY_ID_BYTES) == 0)
            l->key = (unsigned)i + 1;
    if (l->key == 0)
        return;
    set = seal_cache_set(kr, eph_pk);
    for (int w = 0; w < SEAL_CACHE_WAYS; w++) {
        if (set[w].key == l->key && memcmp(set[w].eph_pk, eph_pk, SEAL_KEY_BYTES) == 0) {
            memcpy(l->secret, set[w].shared, sizeof l->secret);
            l->cached = 1;
            return;
        }
    }
    memcpy(l->secret, kr->keys[l->key - 1].sk, sizeof l->secret);
}

/* Called only once a box opened with the shared key, so made-up ephemeral
 * keys cannot push real sessions out. First in, first out within the set: a
 * kiosk session that stays busy is looked up again long before four newer
 * sessions land in its set. */
static void seal_cache_put_locked(struct seal_keyring *kr, const struct seal_lookup *l,
                                  const unsigned char *eph_pk)
{
    struct seal_cached *set = seal_cache_set(kr, eph_pk);
    size_t s = (size_t)(set - kr->cache) / SEAL_CACHE_WAYS;
    struct seal_cached *slot;

    for (int w = 0; w < SEAL_CACHE_WAYS; w++)
        if (set[w].key == l->key && memcmp(set[w].eph_pk, eph_pk, SEAL_KEY_BYTES) == 0)
            return; /* another thread put it there meanwhile */
    slot = &set[kr->next_way[s]];
    kr->next_way[s] = (unsigned char)((kr->next_way[s] + 1) % SEAL_CACHE_WAYS);
    memcpy(slot->eph_pk, eph_pk, SEAL_KEY_BYTES);
    memcpy(slot->shared, l->secret, sizeof slot->shared);
    slot->key = l->key;
}

/* Undoes the base64 into a buffer with one spare byte for the NUL that the
 * plaintext gets once decrypted in place. */
static enum seal_err seal_decode(const char *sealed, size_t len, unsigned char **raw,
                                 size_t *raw_len)
{
    const char *end = NULL;

    if (len > SEAL_MAX_TEXT)
        return SEAL_E_TOO_LARGE;
    if ((*raw = malloc(len / 4 * 3 + 1)) == NULL)
        return SEAL_E_NOMEM;
    if (sodium_base642bin(*raw, len / 4 * 3, sealed, len, NULL, raw_len, &end, SEAL_B64) != 0 ||
        end != sealed + len)
        return SEAL_E_BASE64;
    return *raw_len < SEAL_OVERHEAD ? SEAL_E_TOO_SHORT : SEAL_OK;
}

/* Opens the box in place and moves the plaintext to the front of raw. */
static enum seal_err seal_unbox(struct seal_keyring *kr, unsigned char *raw, size_t raw_len,
                                size_t *plain_len)
{
    struct seal_lookup l = {0};
    unsigned char *box = raw + SEAL_AT_BOX;
    size_t n = raw_len - SEAL_OVERHEAD;
    enum seal_err rc = SEAL_E_AUTH;

    pthread_mutex_lock(&kr->lock);
    seal_lookup_locked(kr, raw, &l);
    pthread_mutex_unlock(&kr->lock);
    if (l.key == 0)
        return SEAL_E_UNKNOWN_KEY;
    if (!l.cached) {
        unsigned char sk[SEAL_KEY_BYTES];
        memcpy(sk, l.secret, sizeof sk);
        if (crypto_box_beforenm(l.secret, raw + SEAL_AT_EPH, sk) != 0)
            sodium_memzero(l.secret, sizeof l.secret); /* a low-order key: nothing opens */
        sodium_memzero(sk, sizeof sk);
    }
    int opened =
        crypto_box_open_easy_afternm(box, box, n + SEAL_MAC_BYTES, raw + SEAL_AT_NONCE, l.secret);
    if (!l.cached) {
        pthread_mutex_lock(&kr->lock);
        kr->derivations++;
        if (opened == 0)
            seal_cache_put_locked(kr, &l, raw + SEAL_AT_EPH);
        pthread_mutex_unlock(&kr->lock);
    }
    if (opened != 0)
        goto out;
    memmove(raw, box, n);
    raw[n] = '\0';
    sodium_memzero(raw + n + 1, raw_len - n - 1); /* the tail still held plaintext */
    *plain_len = n;
    rc = SEAL_OK;
out:
    sodium_memzero(&l, sizeof l);
    return rc;
}

enum seal_err seal_open(struct seal_keyring *kr, const char *sealed, size_t len, char **plain,
                        size_t *plain_len)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    enum seal_err rc;

    assert(kr != NULL && plain != NULL && plain_len != NULL && (sealed != NULL || len == 0));
    *plain = NULL;
    *plain_len = 0;
    rc = seal_decode(sealed, len, &raw, &raw_len);
    if (rc == SEAL_OK)
        rc = seal_unbox(kr, raw, raw_len, plain_len);
    if (rc != SEAL_OK) {
        free(raw);
        return rc;
    }
    *plain = (char *)raw;
    return SEAL_OK;
}

void seal_plain_free(char *p, size_t len)
{
    if (p == NULL)
        return;
    sodium_memzero(p, len);
    free(p);
}

int seal_text_key_id(const char *sealed, size_t len, char out[SEAL_KEY_ID_LEN])
{
    unsigned char raw[SEAL_KEY_ID_BYTES + 1];
    size_t raw_len = 0;

    assert(out != NULL);
    out[0] = '\0';
    /* The first 12 characters of any sealed text carry the key id and are
     * never padding, since a box is far longer than 9 bytes. */
    if (sealed == NULL || len < 12 ||
        sodium_base642bin(raw, sizeof raw, sealed, 12, NULL, &raw_len, NULL, SEAL_B64) != 0 ||
        raw_len != sizeof raw)
        return -1;
    sodium_bin2hex(out, SEAL_KEY_ID_LEN, raw, SEAL_KEY_ID_BYTES);
    return 0;
}

void seal_describe(enum seal_err err, const char *sealed, size_t len, char *msg, size_t msglen)
{
    char id[SEAL_KEY_ID_LEN];

    assert(msg != NULL && msglen > 0);
    if (err == SEAL_E_UNKNOWN_KEY && seal_text_key_id(sealed, len, id) == 0) {
        snprintf(msg, msglen,
                 "seal: the response is sealed for key %s, which this keyring does not hold; "
                 "bring back that retired key to open it",
                 id);
    } else if (err == SEAL_E_TOO_LARGE) {
        snprintf(msg, msglen, "seal: the sealed response is %zu characters, over the %u limit", len,
                 (unsigned)SEAL_MAX_TEXT);
    } else {
        snprintf(msg, msglen, "seal: %s", seal_strerror(err));
    }
}
