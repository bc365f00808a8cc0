/* Authorization header parsing. Assumption: tokens are printable ASCII
 * (ours are base64url); anything else is refused before it reaches the
 * store, so a header can never smuggle bytes into a log or a query. */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "crypto.h"

#define AUTH_B64_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define AUTH_BASIC_MAX    (3 * AUTH_TOKEN_MAX) /* decoded bytes of Basic user:password */

/* Decodes the padded standard base64 of HTTP Basic (RFC 7617) with
 * OpenSSL into out[AUTH_BASIC_MAX]. Returns the decoded length, or -1.
 * EVP_DecodeBlock turns each '=' into a zero byte and does not check where
 * one stands, so the padding is checked here and taken off the length. */
static int auth_b64_decode(const char *in, unsigned char *out)
{
    size_t len = strlen(in), pad = 0;
    int n;

    while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
        pad++;
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > AUTH_BASIC_MAX ||
        strspn(in, AUTH_B64_ALPHABET) != len - pad)
        return -1;
    n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    return n < 0 ? -1 : n - (int)pad;
}

/* The password of decoded Basic credentials into token, or -1. The bytes
 * are taken with their length: a NUL or other control byte anywhere would
 * let "TOKEN\0junk" pass as TOKEN through the C string functions. */
static int auth_basic_password(const unsigned char *decoded, size_t n, char *token)
{
    const unsigned char *colon = memchr(decoded, ':', n);
    size_t len;

    for (size_t i = 0; i < n; i++)
        if (decoded[i] < 0x20 || decoded[i] == 0x7f)
            return -1;
    if (!colon)
        return -1;
    len = n - (size_t)(colon + 1 - decoded);
    if (len > AUTH_TOKEN_MAX)
        return -1;
    memcpy(token, colon + 1, len);
    token[len] = '\0';
    return 0;
}

static int auth_token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > AUTH_TOKEN_MAX)
        return 0;
    for (; *t; t++)
        if (*t <= 0x20 || *t >= 0x7f)
            return 0;
    return 1;
}

static const char *auth_skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int auth_token_from_header(const char *header, int allow_basic, char *token)
{
    unsigned char decoded[AUTH_BASIC_MAX];
    const char *p;
    int n;

    if (!header)
        return -1;
    header = auth_skip_spaces(header);
    if (strncasecmp(header, "Bearer ", 7) == 0) {
        p = auth_skip_spaces(header + 7);
        if (strlen(p) > AUTH_TOKEN_MAX)
            return -1;
        strcpy(token, p);
        /* Trailing blanks are the header's, not the token's. */
        for (size_t n = strlen(token); n && (token[n - 1] == ' ' || token[n - 1] == '\t'); n--)
            token[n - 1] = '\0';
        return auth_token_ok(token) ? 0 : -1;
    }
    if (allow_basic && strncasecmp(header, "Basic ", 6) == 0) {
        n = auth_b64_decode(auth_skip_spaces(header + 6), decoded);
        if (n < 0 || auth_basic_password(decoded, (size_t)n, token) != 0)
            return -1;
        return auth_token_ok(token) ? 0 : -1;
    }
    return -1;
}

void auth_token_hash(const char *token, char *out)
{
    crypto_sha256_hex(token, strlen(token), out);
}

int auth_token_new(char *out, char *hash)
{
    if (crypto_token_new(out) != 0)
        return -1;
    auth_token_hash(out, hash);
    return 0;
}
