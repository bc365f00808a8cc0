/* Unit tests of sealed responses: round trips, tampering, wrong and unknown
 * keys, the keyring's shared-key cache, caps and the key text forms. The
 * cryptography is libsodium's; these tests check how seal.c uses it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"

#define RESPONSE                                                                                   \
    "{\"month\":\"2025-04\",\"answers\":{\"q01\":3,\"q02\":4,\"q03\":2},"                          \
    "\"attributes\":{\"employment\":\"regular\"}}"

struct pair {
    unsigned char pk[SEAL_KEY_BYTES];
    unsigned char sk[SEAL_KEY_BYTES];
};

static struct pair pair_new(void)
{
    struct pair p;
    assert_int_equal(seal_keypair_new(p.pk, p.sk), 0);
    return p;
}

static struct seal_keyring *keyring_of(const struct pair *p)
{
    struct seal_keyring *kr = seal_keyring_new();
    assert_non_null(kr);
    assert_int_equal(seal_keyring_add(kr, p->pk, p->sk), 0);
    return kr;
}

static char *seal_text(struct seal_session *s, const char *plain, size_t *len)
{
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(seal_response(s, plain, strlen(plain), &out, &n), SEAL_OK);
    assert_non_null(out);
    assert_int_equal(strlen(out), n);
    if (len != NULL)
        *len = n;
    return out;
}

static enum seal_err open_text(struct seal_keyring *kr, const char *text, size_t len)
{
    char *plain = NULL;
    size_t n = 0;
    enum seal_err rc = seal_open(kr, text, len, &plain, &n);
    if (rc == SEAL_OK)
        seal_plain_free(plain, n);
    else
        assert_null(plain);
    return rc;
}

/* base64 of raw bytes, malloc'ed, for building texts by hand. */
static char *b64(const unsigned char *raw, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);
    assert_non_null(out);
    sodium_bin2base64(out, n, raw, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static unsigned char *unb64(const char *text, size_t *len)
{
    unsigned char *raw = malloc(strlen(text));
    assert_non_null(raw);
    assert_int_equal(sodium_base642bin(raw, strlen(text), text, strlen(text), NULL, len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    return raw;
}

static void test_seal_round_trip(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_keyring *kr = keyring_of(&c);
    struct seal_session *s = seal_session_new(c.pk);
    size_t len, n = 0;
    char *text = seal_text(s, RESPONSE, &len), *plain = NULL;

    assert_int_equal(len % 4, 0);
    assert_int_equal(seal_open(kr, text, len, &plain, &n), SEAL_OK);
    assert_int_equal(n, strlen(RESPONSE));
    assert_string_equal(plain, RESPONSE);
    seal_plain_free(plain, n);
    free(text);

    /* An empty plaintext is a box of just its tag. */
    assert_int_equal(seal_response(s, "", 0, &text, &len), SEAL_OK);
    assert_int_equal(seal_open(kr, text, len, &plain, &n), SEAL_OK);
    assert_int_equal(n, 0);
    assert_string_equal(plain, "");
    seal_plain_free(plain, n);
    free(text);
    seal_session_free(s);
    seal_keyring_free(kr);
}

static void test_seal_twice_gives_different_texts(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_session *s = seal_session_new(c.pk);
    size_t la, lb, ra, rb;
    char *a = seal_text(s, RESPONSE, &la), *b = seal_text(s, RESPONSE, &lb);
    unsigned char *rawa = unb64(a, &ra), *rawb = unb64(b, &rb);

    assert_int_equal(la, lb);
    assert_string_not_equal(a, b);
    /* Same key id and session key; only the nonce (and so the box) differs. */
    assert_memory_equal(rawa, rawb, SEAL_KEY_ID_BYTES + SEAL_KEY_BYTES);
    assert_memory_not_equal(rawa + 40, rawb + 40, SEAL_NONCE_BYTES);
    free(rawa);
    free(rawb);
    free(a);
    free(b);
    seal_session_free(s);
}

static void test_seal_tampered_byte_anywhere_fails(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_keyring *kr = keyring_of(&c);
    struct seal_session *s = seal_session_new(c.pk);
    size_t len, raw_len;
    char *text = seal_text(s, RESPONSE, &len);
    unsigned char *raw = unb64(text, &raw_len);

    for (size_t i = 0; i < raw_len; i++) {
        for (unsigned bit = 1; bit < 256; bit <<= 3) {
            raw[i] ^= (unsigned char)bit;
            char *bad = b64(raw, raw_len);
            assert_int_not_equal(open_text(kr, bad, strlen(bad)), SEAL_OK);
            free(bad);
            raw[i] ^= (unsigned char)bit;
        }
    }
    /* Every character of the text too, base64 padding included. */
    for (size_t i = 0; i < len; i++) {
        char saved = text[i];
        text[i] = saved == 'A' ? 'B' : 'A';
        assert_int_not_equal(open_text(kr, text, len), SEAL_OK);
        text[i] = saved;
    }
    assert_int_equal(open_text(kr, text, len), SEAL_OK);
    free(raw);
    free(text);
    seal_session_free(s);
    seal_keyring_free(kr);
}

static void test_seal_wrong_key_fails(void **state)
{
    (void)state;
    struct pair a = pair_new(), b = pair_new();
    struct seal_keyring *kr = keyring_of(&b);
    struct seal_session *s = seal_session_new(a.pk);
    size_t len, raw_len;
    char *text = seal_text(s, RESPONSE, &len);
    unsigned char *raw = unb64(text, &raw_len);
    char id[SEAL_KEY_ID_LEN];
    unsigned char idraw[SEAL_KEY_ID_BYTES];

    /* Relabelled for b's key id, the box still opens only with a's key. */
    seal_key_id(b.pk, id);
    assert_int_equal(sodium_hex2bin(idraw, sizeof idraw, id, 16, NULL, NULL, NULL), 0);
    memcpy(raw, idraw, sizeof idraw);
    char *relabelled = b64(raw, raw_len);
    assert_int_equal(open_text(kr, relabelled, strlen(relabelled)), SEAL_E_AUTH);
    assert_int_equal(open_text(kr, text, len), SEAL_E_UNKNOWN_KEY);
    free(relabelled);
    free(raw);
    free(text);
    seal_session_free(s);
    seal_keyring_free(kr);
}

static void test_seal_unknown_key_id_is_named(void **state)
{
    (void)state;
    struct pair retired = pair_new(), current = pair_new();
    struct seal_keyring *kr = keyring_of(&current);
    struct seal_session *s = seal_session_new(retired.pk);
    size_t len;
    char *text = seal_text(s, RESPONSE, &len);
    char id[SEAL_KEY_ID_LEN], msg[SEAL_ERR_LEN];

    assert_int_equal(open_text(kr, text, len), SEAL_E_UNKNOWN_KEY);
    seal_key_id(retired.pk, id);
    seal_describe(SEAL_E_UNKNOWN_KEY, text, len, msg, sizeof msg);
    assert_non_null(strstr(msg, id));
    assert_non_null(strstr(msg, "retired key"));
    seal_describe(SEAL_E_AUTH, text, len, msg, sizeof msg);
    assert_non_null(strstr(msg, "does not authenticate"));
    free(text);
    seal_session_free(s);
    seal_keyring_free(kr);
}

static void test_seal_key_id_is_generichash_prefix(void **state)
{
    (void)state;
    struct pair c = pair_new();
    unsigned char h[crypto_generichash_BYTES];
    char id[SEAL_KEY_ID_LEN], want[SEAL_KEY_ID_LEN];

    crypto_generichash(h, sizeof h, c.pk, sizeof c.pk, NULL, 0);
    sodium_bin2hex(want, sizeof want, h, 8);
    seal_key_id(c.pk, id);
    assert_string_equal(id, want);
    assert_int_equal(strspn(id, "0123456789abcdef"), 16);
}

static void test_seal_keyring_opens_texts_of_both_keys(void **state)
{
    (void)state;
    struct pair old = pair_new(), cur = pair_new();
    struct seal_keyring *kr = keyring_of(&old);
    assert_int_equal(seal_keyring_add(kr, cur.pk, cur.sk), 0);
    struct seal_session *so = seal_session_new(old.pk), *sc = seal_session_new(cur.pk);
    size_t lo, lc;
    char *to = seal_text(so, "old", &lo), *tc = seal_text(sc, "current", &lc), *plain = NULL;
    size_t n = 0;

    assert_int_equal(seal_open(kr, to, lo, &plain, &n), SEAL_OK);
    assert_string_equal(plain, "old");
    seal_plain_free(plain, n);
    assert_int_equal(seal_open(kr, tc, lc, &plain, &n), SEAL_OK);
    assert_string_equal(plain, "current");
    seal_plain_free(plain, n);
    free(to);
    free(tc);
    seal_session_free(so);
    seal_session_free(sc);
    seal_keyring_free(kr);
}

static void test_seal_keyring_add_refuses_bad_pairs(void **state)
{
    (void)state;
    struct pair a = pair_new(), b = pair_new();
    struct seal_keyring *kr = keyring_of(&a);

    assert_int_equal(seal_keyring_add(kr, a.pk, b.sk), -1); /* sk of another key */
    assert_int_equal(seal_keyring_add(kr, a.pk, a.sk), -1); /* already held */
    for (int i = 1; i < SEAL_MAX_KEYS; i++) {
        struct pair p = pair_new();
        assert_int_equal(seal_keyring_add(kr, p.pk, p.sk), 0);
    }
    assert_int_equal(seal_keyring_add(kr, b.pk, b.sk), -1); /* full */
    seal_keyring_free(kr);
    seal_keyring_free(NULL);
    seal_session_free(NULL);
    seal_plain_free(NULL, 0);
}

static void test_seal_cache_skips_second_derivation(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_keyring *kr = keyring_of(&c);
    struct seal_session *s1 = seal_session_new(c.pk), *s2 = seal_session_new(c.pk);
    size_t l1, l2, l3, raw_len;
    char *t1 = seal_text(s1, RESPONSE, &l1), *t2 = seal_text(s1, "second", &l2);
    char *t3 = seal_text(s2, RESPONSE, &l3);

    assert_int_equal(seal_keyring_derivations(kr), 0);
    assert_int_equal(open_text(kr, t1, l1), SEAL_OK);
    assert_int_equal(seal_keyring_derivations(kr), 1);
    assert_int_equal(open_text(kr, t2, l2), SEAL_OK);
    assert_int_equal(open_text(kr, t1, l1), SEAL_OK);
    assert_int_equal(seal_keyring_derivations(kr), 1);
    assert_int_equal(open_text(kr, t3, l3), SEAL_OK);
    assert_int_equal(seal_keyring_derivations(kr), 2);

    /* A box that does not open leaves its shared key out of the cache. */
    unsigned char *raw = unb64(t3, &raw_len);
    raw[SEAL_KEY_ID_BYTES] ^= 1; /* another ephemeral key */
    char *bad = b64(raw, raw_len);
    assert_int_equal(open_text(kr, bad, strlen(bad)), SEAL_E_AUTH);
    assert_int_equal(open_text(kr, bad, strlen(bad)), SEAL_E_AUTH);
    assert_int_equal(seal_keyring_derivations(kr), 4);
    free(bad);
    free(raw);
    free(t1);
    free(t2);
    free(t3);
    seal_session_free(s1);
    seal_session_free(s2);
    seal_keyring_free(kr);
}

static void test_seal_cache_evicts_and_still_opens(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_keyring *kr = keyring_of(&c);
    enum { N = 2 * SEAL_CACHE_SIZE + 1 };
    char **texts = calloc(N, sizeof *texts);

    assert_non_null(texts);
    for (int i = 0; i < N; i++) {
        struct seal_session *s = seal_session_new(c.pk);
        texts[i] = seal_text(s, RESPONSE, NULL);
        seal_session_free(s);
        assert_int_equal(open_text(kr, texts[i], strlen(texts[i])), SEAL_OK);
    }
    assert_int_equal(seal_keyring_derivations(kr), N);
    /* At most SEAL_CACHE_SIZE of them are still cached; the rest open again
     * at one derivation each. */
    for (int i = 0; i < N; i++)
        assert_int_equal(open_text(kr, texts[i], strlen(texts[i])), SEAL_OK);
    assert_true(seal_keyring_derivations(kr) >= 2 * N - SEAL_CACHE_SIZE);
    for (int i = 0; i < N; i++)
        free(texts[i]);
    free(texts);
    seal_keyring_free(kr);
}

struct opener {
    struct seal_keyring *kr;
    char **texts;
    int n;
    int failures;
};

static void *opener_run(void *arg)
{
    struct opener *o = arg;
    for (int round = 0; round < 50; round++)
        for (int i = 0; i < o->n; i++)
            o->failures += open_text(o->kr, o->texts[i], strlen(o->texts[i])) != SEAL_OK;
    return NULL;
}

static void test_seal_open_from_several_threads(void **state)
{
    (void)state;
    enum { SESSIONS = 8, THREADS = 4 };
    struct pair c = pair_new();
    struct seal_keyring *kr = keyring_of(&c);
    char *texts[SESSIONS];
    struct opener o[THREADS];
    pthread_t t[THREADS];

    for (int i = 0; i < SESSIONS; i++) {
        struct seal_session *s = seal_session_new(c.pk);
        texts[i] = seal_text(s, RESPONSE, NULL);
        seal_session_free(s);
    }
    for (int i = 0; i < THREADS; i++) {
        o[i] = (struct opener){kr, texts, SESSIONS, 0};
        assert_int_equal(pthread_create(&t[i], NULL, opener_run, &o[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(o[i].failures, 0);
    }
    /* Threads may race to derive the same key, but never more than once each. */
    assert_true(seal_keyring_derivations(kr) <= SESSIONS * THREADS);
    for (int i = 0; i < SESSIONS; i++)
        free(texts[i]);
    seal_keyring_free(kr);
}

static void test_seal_caps_refuse_oversize(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_keyring *kr = keyring_of(&c);
    struct seal_session *s = seal_session_new(c.pk);
    char *big = malloc(SEAL_MAX_PLAIN + 1), *out = NULL, *plain = NULL;
    size_t len = 0, n = 0;

    assert_non_null(big);
    memset(big, 'x', SEAL_MAX_PLAIN + 1);
    assert_int_equal(seal_response(s, big, SEAL_MAX_PLAIN + 1, &out, &len), SEAL_E_TOO_LARGE);
    assert_null(out);
    assert_int_equal(seal_response(s, big, SEAL_MAX_PLAIN, &out, &len), SEAL_OK);
    assert_int_equal(len, SEAL_MAX_TEXT);
    assert_int_equal(seal_open(kr, out, len, &plain, &n), SEAL_OK);
    assert_int_equal(n, SEAL_MAX_PLAIN);
    seal_plain_free(plain, n);
    free(out);

    /* A text one block over the cap is refused before it is decoded. */
    char *text = malloc(SEAL_MAX_TEXT + 5);
    assert_non_null(text);
    memset(text, 'A', SEAL_MAX_TEXT + 4);
    text[SEAL_MAX_TEXT + 4] = '\0';
    assert_int_equal(open_text(kr, text, SEAL_MAX_TEXT + 4), SEAL_E_TOO_LARGE);

    /* One byte short of a box with an empty plaintext. */
    unsigned char raw[SEAL_OVERHEAD] = {0};
    char *shortt = b64(raw, sizeof raw - 1);
    assert_int_equal(open_text(kr, shortt, strlen(shortt)), SEAL_E_TOO_SHORT);
    assert_int_equal(open_text(kr, "", 0), SEAL_E_TOO_SHORT);
    free(shortt);
    free(text);
    free(big);
    seal_session_free(s);
    seal_keyring_free(kr);
}

static void test_seal_open_refuses_non_base64(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_keyring *kr = keyring_of(&c);
    struct seal_session *s = seal_session_new(c.pk);
    size_t len;
    char *text = seal_text(s, RESPONSE, &len);
    char *longer = malloc(len + 2);

    assert_non_null(longer);
    memcpy(longer, text, len);
    longer[len] = '\n';
    assert_int_equal(open_text(kr, longer, len + 1), SEAL_E_BASE64); /* trailing byte */
    longer[len] = '\0';
    assert_int_equal(open_text(kr, longer, len + 1), SEAL_E_BASE64); /* trailing NUL */
    assert_int_equal(open_text(kr, text, len - 1), SEAL_E_BASE64);   /* cut short */
    text[10] = '-';                                                  /* base64url */
    assert_int_equal(open_text(kr, text, len), SEAL_E_BASE64);
    text[10] = ' ';
    assert_int_equal(open_text(kr, text, len), SEAL_E_BASE64);
    free(longer);
    free(text);
    seal_session_free(s);
    seal_keyring_free(kr);
}

static void test_seal_session_keeps_no_ephemeral_secret(void **state)
{
    (void)state;
    struct pair c = pair_new();
    struct seal_session *s = seal_session_new(c.pk);
    size_t kept = 0, raw_len;
    const unsigned char *bytes = seal_session_bytes(s, &kept);
    char *text = seal_text(s, RESPONSE, NULL);
    unsigned char *raw = unb64(text, &raw_len), shared[crypto_box_BEFORENMBYTES];
    unsigned char probe[SEAL_KEY_BYTES];

    /* Exactly key id, ephemeral public key and the shared key the collector derives. */
    assert_int_equal(kept, SEAL_KEY_ID_BYTES + SEAL_KEY_BYTES + crypto_box_BEFORENMBYTES);
    assert_memory_equal(bytes, raw, SEAL_KEY_ID_BYTES);
    assert_memory_equal(bytes + SEAL_KEY_ID_BYTES, raw + SEAL_KEY_ID_BYTES, SEAL_KEY_BYTES);
    assert_int_equal(crypto_box_beforenm(shared, raw + SEAL_KEY_ID_BYTES, c.sk), 0);
    assert_memory_equal(bytes + SEAL_KEY_ID_BYTES + SEAL_KEY_BYTES, shared, sizeof shared);
    /* No 32 bytes the session keeps are a secret key for its public key. */
    for (size_t i = 0; i + SEAL_KEY_BYTES <= kept; i++) {
        assert_int_equal(crypto_scalarmult_base(probe, bytes + i), 0);
        assert_memory_not_equal(probe, raw + SEAL_KEY_ID_BYTES, SEAL_KEY_BYTES);
    }
    free(raw);
    free(text);
    seal_session_free(s);
}

static void test_seal_session_refuses_low_order_key(void **state)
{
    (void)state;
    unsigned char zero[SEAL_KEY_BYTES] = {0};
    assert_null(seal_session_new(zero));
}

static void test_seal_key_texts_round_trip(void **state)
{
    (void)state;
    struct pair c = pair_new();
    char pt[SEAL_PK_TEXT_LEN], st[SEAL_SK_TEXT_LEN];
    unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];

    assert_int_equal(seal_pk_to_text(c.pk, pt), 0);
    assert_int_equal(strlen(pt), SEAL_PK_TEXT_LEN - 1);
    assert_memory_equal(pt, "ssk1:", 5);
    assert_int_equal(seal_pk_from_text(pt, pk), 0);
    assert_memory_equal(pk, c.pk, sizeof pk);
    assert_int_equal(seal_sk_to_text(c.sk, st), 0);
    assert_int_equal(strlen(st), SEAL_SK_TEXT_LEN - 1);
    assert_memory_equal(st, "ssk1-secret:", 12);
    assert_int_equal(seal_sk_from_text(st, sk), 0);
    assert_memory_equal(sk, c.sk, sizeof sk);
    /* Each form is refused where the other is expected. */
    assert_int_equal(seal_pk_from_text(st, pk), -1);
    assert_int_equal(seal_sk_from_text(pt, sk), -1);
    sodium_memzero(st, sizeof st);
}

static void test_seal_key_texts_refuse_malformed(void **state)
{
    (void)state;
    unsigned char pk[SEAL_KEY_BYTES], zero[SEAL_KEY_BYTES] = {0};
    char good[SEAL_PK_TEXT_LEN], bad[SEAL_PK_TEXT_LEN + 8];

    /* All-zero key: "ssk1:" and 43 'A's then '='. */
    assert_int_equal(seal_pk_to_text(zero, good), 0);
    assert_string_equal(good, "ssk1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert_int_equal(seal_pk_from_text(NULL, pk), -1);
    assert_int_equal(seal_pk_from_text("", pk), -1);
    assert_int_equal(seal_pk_from_text("ssk1:", pk), -1);
    assert_int_equal(seal_pk_from_text("ssk2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", pk),
                     -1);
    assert_int_equal(seal_pk_from_text("SSK1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", pk),
                     -1);
    assert_int_equal(seal_pk_from_text(" ssk1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", pk),
                     -1);
    /* Without its padding, with a trailing newline or more bytes, cut short. */
    assert_int_equal(seal_pk_from_text("ssk1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", pk), -1);
    snprintf(bad, sizeof bad, "%s\n", good);
    assert_int_equal(seal_pk_from_text(bad, pk), -1);
    snprintf(bad, sizeof bad, "%sAAAA", good);
    assert_int_equal(seal_pk_from_text(bad, pk), -1);
    assert_int_equal(seal_pk_from_text("ssk1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", pk), -1);
    /* Non-canonical: the last character's unused bits set ('B' leaves a 1 in them). */
    assert_int_equal(seal_pk_from_text("ssk1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", pk),
                     -1);
    /* base64url and whitespace inside. */
    assert_int_equal(seal_pk_from_text("ssk1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-A=", pk),
                     -1);
    assert_int_equal(seal_pk_from_text("ssk1:AAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAA=", pk),
                     -1);
    /* 33 bytes would be two more characters; 31 bytes is "==" padded. */
    assert_int_equal(seal_pk_from_text("ssk1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", pk),
                     -1);
    memset(pk, 0xff, sizeof pk);
    assert_int_equal(seal_sk_from_text("ssk1-secret:", pk), -1);
    assert_memory_equal(pk, zero, sizeof pk);
    memset(pk, 0xff, sizeof pk);
    assert_int_equal(
        seal_sk_from_text("ssk1-secret:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", pk), -1);
    assert_memory_equal(pk, zero, sizeof pk); /* a refused secret leaves nothing behind */
    assert_int_equal(seal_pk_from_text(good, pk), 0);
}

static void test_seal_strerror_names_every_code(void **state)
{
    (void)state;
    assert_string_equal(seal_strerror(SEAL_OK), "ok");
    assert_non_null(strstr(seal_strerror(SEAL_E_UNKNOWN_KEY), "key"));
    assert_string_equal(seal_strerror((enum seal_err)99), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_seal_twice_gives_different_texts),
        cmocka_unit_test(test_seal_tampered_byte_anywhere_fails),
        cmocka_unit_test(test_seal_wrong_key_fails),
        cmocka_unit_test(test_seal_unknown_key_id_is_named),
        cmocka_unit_test(test_seal_key_id_is_generichash_prefix),
        cmocka_unit_test(test_seal_keyring_opens_texts_of_both_keys),
        cmocka_unit_test(test_seal_keyring_add_refuses_bad_pairs),
        cmocka_unit_test(test_seal_cache_skips_second_derivation),
        cmocka_unit_test(test_seal_cache_evicts_and_still_opens),
        cmocka_unit_test(test_seal_open_from_several_threads),
        cmocka_unit_test(test_seal_caps_refuse_oversize),
        cmocka_unit_test(test_seal_open_refuses_non_base64),
        cmocka_unit_test(test_seal_session_keeps_no_ephemeral_secret),
        cmocka_unit_test(test_seal_session_refuses_low_order_key),
        cmocka_unit_test(test_seal_key_texts_round_trip),
        cmocka_unit_test(test_seal_key_texts_refuse_malformed),
        cmocka_unit_test(test_seal_strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
