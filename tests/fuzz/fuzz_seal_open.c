/* libFuzzer target for seal_open, the collector's first look at a sealed
 * response: any bytes must give an error code and no plaintext, or SEAL_OK
 * with a NUL-terminated plaintext of the length the box implies. The keyring
 * holds two fixed key pairs (from seeds 0x11... and 0x22...), so the seed
 * corpus can hold texts that open. Mutated base64 mostly dies in the
 * decoder, so a custom mutator usually mutates the decoded bytes and
 * encodes them again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz_check.h"
#include "seal.h"

#define FUZZ_RAW_MAX (SEAL_MAX_TEXT / 4 * 3)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

static struct seal_keyring *fuzz_keyring(void)
{
    static struct seal_keyring *kr;
    unsigned char seed[crypto_box_SEEDBYTES], pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];

    if (kr != NULL)
        return kr;
    kr = seal_keyring_new();
    FUZZ_CHECK(kr != NULL);
    for (int i = 1; i <= 2; i++) {
        memset(seed, 0x11 * i, sizeof seed);
        crypto_box_seed_keypair(pk, sk, seed);
        FUZZ_CHECK(seal_keyring_add(kr, pk, sk) == 0);
    }
    return kr;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    static unsigned char raw[FUZZ_RAW_MAX];
    size_t n = 0;

    /* One time in four, or when the input is not base64, mutate the text:
     * padding, alphabet, lengths. */
    if (seed % 4 == 0 || sodium_base642bin(raw, sizeof raw, (const char *)data, size, NULL, &n,
                                           NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return LLVMFuzzerMutate(data, size, max_size);
    n = LLVMFuzzerMutate(raw, n, sizeof raw);
    if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) > max_size)
        return LLVMFuzzerMutate(data, size, max_size);
    sodium_bin2base64((char *)data, max_size, raw, n, sodium_base64_VARIANT_ORIGINAL);
    return strlen((const char *)data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seal_keyring *kr = fuzz_keyring();
    char *plain = NULL, msg[SEAL_ERR_LEN];
    size_t len = 0;
    enum seal_err rc = seal_open(kr, (const char *)data, size, &plain, &len);

    if (rc == SEAL_OK) {
        FUZZ_CHECK(plain != NULL && plain[len] == '\0');
        FUZZ_CHECK(len <= SEAL_MAX_PLAIN && size == (len + SEAL_OVERHEAD + 2) / 3 * 4);
        seal_plain_free(plain, len);
    } else {
        FUZZ_CHECK(plain == NULL && len == 0);
        seal_describe(rc, (const char *)data, size, msg, sizeof msg);
        FUZZ_CHECK(msg[0] != '\0' && strcmp(seal_strerror(rc), "unknown error") != 0);
    }
    return 0;
}
