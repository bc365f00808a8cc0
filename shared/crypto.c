/* Tokens, UUIDs and hashes on OpenSSL's libcrypto. Randomness comes only
 * from RAND_bytes (the OS source); a failure there is reported, never
 * papered over with a weaker source. */
#include "crypto.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static const char crypto_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char crypto_hex[] = "0123456789abcdef";

int crypto_random(void *buf, size_t len)
{
    /* RAND_bytes takes an int; split large requests rather than truncate. */
    unsigned char *p = buf;
    while (len > 0) {
        int chunk = len > 1u << 20 ? 1 << 20 : (int)len;
        if (RAND_bytes(p, chunk) != 1)
            return -1;
        p += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

/* base64url without padding; out must hold 4 * ceil(len / 3) + 1 bytes. */
static void crypto_b64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16;
        size_t left = len - i;
        if (left > 1)
            v |= (unsigned long)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        out[o++] = crypto_b64url[(v >> 18) & 63];
        out[o++] = crypto_b64url[(v >> 12) & 63];
        if (left > 1)
            out[o++] = crypto_b64url[(v >> 6) & 63];
        if (left > 2)
            out[o++] = crypto_b64url[v & 63];
    }
    out[o] = '\0';
}

int crypto_token_new(char *out)
{
    unsigned char raw[CRYPTO_TOKEN_BYTES];

    if (crypto_random(raw, sizeof raw) != 0)
        return -1;
    crypto_b64url_encode(raw, sizeof raw, out);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

int crypto_uuid4(char *out)
{
    unsigned char b[16];
    size_t o = 0;

    if (crypto_random(b, sizeof b) != 0)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* variant 10xx (RFC 4122) */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = crypto_hex[b[i] >> 4];
        out[o++] = crypto_hex[b[i] & 15];
    }
    out[o] = '\0';
    return 0;
}

bool crypto_uuid_valid(const char *text)
{
    if (text == NULL)
        return false;
    for (int i = 0; i < 36; i++) {
        char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return text[36] == '\0';
}

void crypto_sha256_hex(const void *data, size_t len, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    /* EVP_Digest only fails when the library is broken; an empty string
     * then never matches a stored hash. */
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        out[0] = '\0';
        return;
    }
    for (unsigned int i = 0; i < mdlen; i++) {
        out[2 * i] = crypto_hex[md[i] >> 4];
        out[2 * i + 1] = crypto_hex[md[i] & 15];
    }
    out[64] = '\0';
}

bool crypto_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    /* Compare a against itself when lengths differ, so the time spent does
     * not depend on where the contents would have differed. */
    const char *other = la == lb ? b : a;
    int diff = CRYPTO_memcmp(a, other, la);
    return la == lb && diff == 0;
}
