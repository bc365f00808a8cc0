/* Unit tests of tokens, UUIDs, SHA-256 and constant-time comparison. The
 * randomness itself cannot be tested for quality here; the tests check
 * format, bit layout, and that two draws differ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "crypto.h"

static void test_crypto_sha256_known_vectors(void **state)
{
    (void)state;
    char hex[CRYPTO_SHA256_HEX];
    crypto_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crypto_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    crypto_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_crypto_token_is_43_base64url_chars(void **state)
{
    (void)state;
    char t[CRYPTO_TOKEN_LEN + 1];
    assert_int_equal(crypto_token_new(t), 0);
    assert_int_equal(strlen(t), CRYPTO_TOKEN_LEN);
    assert_int_equal(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     CRYPTO_TOKEN_LEN);
}

static void test_crypto_two_tokens_differ(void **state)
{
    (void)state;
    char a[CRYPTO_TOKEN_LEN + 1], b[CRYPTO_TOKEN_LEN + 1];
    assert_int_equal(crypto_token_new(a), 0);
    assert_int_equal(crypto_token_new(b), 0);
    assert_string_not_equal(a, b);
}

static void test_crypto_uuid4_has_version_and_variant(void **state)
{
    (void)state;
    for (int i = 0; i < 64; i++) {
        char u[CRYPTO_UUID_LEN];
        assert_int_equal(crypto_uuid4(u), 0);
        assert_int_equal(strlen(u), 36);
        assert_true(crypto_uuid_valid(u));
        assert_int_equal(u[14], '4');
        assert_non_null(strchr("89ab", u[19]));
        for (int j = 0; j < 36; j++)
            assert_true(u[j] == '-' || (u[j] >= '0' && u[j] <= '9') ||
                        (u[j] >= 'a' && u[j] <= 'f'));
    }
}

static void test_crypto_uuid_valid_checks_form(void **state)
{
    (void)state;
    assert_true(crypto_uuid_valid("9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10"));
    assert_true(crypto_uuid_valid("9B2C6A1E-4F4B-4C8E-9A51-0C7D2F3B8E10"));
    assert_false(crypto_uuid_valid("9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e1"));
    assert_false(crypto_uuid_valid("9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e100"));
    assert_false(crypto_uuid_valid("9b2c6a1e4f4b-4c8e-9a51-0c7d2f3b8e10-"));
    assert_false(crypto_uuid_valid("9b2c6a1g-4f4b-4c8e-9a51-0c7d2f3b8e10"));
    assert_false(crypto_uuid_valid(""));
    assert_false(crypto_uuid_valid(NULL));
}

static void test_crypto_equal_compares_whole_strings(void **state)
{
    (void)state;
    assert_true(crypto_equal("secret-token", "secret-token"));
    assert_true(crypto_equal("", ""));
    assert_false(crypto_equal("secret-token", "secret-tokem"));
    assert_false(crypto_equal("secret-token", "Secret-token"));
    assert_false(crypto_equal("secret-token", "secret-token2"));
    assert_false(crypto_equal("secret", "secret-token"));
    assert_false(crypto_equal("", "x"));
}

static void test_crypto_random_fills_buffer(void **state)
{
    (void)state;
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    assert_int_equal(crypto_random(a, sizeof a), 0);
    assert_int_equal(crypto_random(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypto_sha256_known_vectors),
        cmocka_unit_test(test_crypto_token_is_43_base64url_chars),
        cmocka_unit_test(test_crypto_two_tokens_differ),
        cmocka_unit_test(test_crypto_uuid4_has_version_and_variant),
        cmocka_unit_test(test_crypto_uuid_valid_checks_form),
        cmocka_unit_test(test_crypto_equal_compares_whole_strings),
        cmocka_unit_test(test_crypto_random_fills_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
