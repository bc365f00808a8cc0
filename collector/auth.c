/* Authorization header parsing. Assumption: tokens are printable ASCII
 * (ours are base64url); anything else is refused before it reaches the
 * store, so a header can never smuggle bytes into a log or a query. */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include "crypto.h"

static int auth_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes standard base64 (padding optional); returns the length or -1. */
static int auth_b64_decode(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    unsigned acc = 0, bits = 0;

    for (const unsigned char *p = (const unsigned char *)in; *p && *p != '='; p++) {
        int v = auth_b64_value(*p);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= cap)
                return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    return (int)n;
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
    char decoded[3 * AUTH_TOKEN_MAX];
    const char *p;

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
        p = auth_skip_spaces(header + 6);
        if (strlen(p) >= sizeof decoded || auth_b64_decode(p, decoded, sizeof decoded) < 0)
            return -1;
        p = strchr(decoded, ':');
        if (!p || strlen(p + 1) > AUTH_TOKEN_MAX)
            return -1;
        strcpy(token, p + 1);
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
