/* Tokens, ids and hashes through OpenSSL's libcrypto: random bytes from the
 * OS source (RAND_bytes), SHA-256, constant-time comparison. */
#ifndef SHARED_CRYPTO_H
#define SHARED_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_TOKEN_BYTES 32 /* 256 bits of randomness per token */
#define CRYPTO_TOKEN_LEN   43 /* base64url without padding, without the NUL */
#define CRYPTO_SHA256_HEX  65 /* 64 hex digits and the NUL */
#define CRYPTO_UUID_LEN    37 /* 36 characters and the NUL */

/* Writes a new random token (base64url, 43 characters, NUL-terminated) into
 * out[CRYPTO_TOKEN_LEN + 1]. Returns 0, or -1 when no randomness is to be had. */
int crypto_token_new(char *out);

/* Writes a new random UUIDv4 in lower case into out[CRYPTO_UUID_LEN]. Returns 0 or -1. */
int crypto_uuid4(char *out);

/* Whether text is a UUID in canonical 8-4-4-4-12 hex form (any case). */
bool crypto_uuid_valid(const char *text);

/* Fills buf with len random bytes. Returns 0 or -1. */
int crypto_random(void *buf, size_t len);

/* SHA-256 of data as 64 lower-case hex digits into out[CRYPTO_SHA256_HEX]. */
void crypto_sha256_hex(const void *data, size_t len, char *out);

/* Compares two NUL-terminated strings in time that depends only on their
 * lengths, never on where they differ. */
bool crypto_equal(const char *a, const char *b);

#endif
