/* Strict UTF-8 (RFC 3629): the decoder both the survey loader and the kiosk's
 * text layout use. It assumes nothing about NUL termination; every read is
 * bounded by len. */
#include "utf8.h"

/* The length a lead byte announces, 0 for a byte that cannot start a sequence. */
static int utf8_lead_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0; /* continuation bytes, C0/C1 (always overlong), F5..FF (beyond U+10FFFF) */
}

int32_t utf8_next(const char *s, size_t len, size_t *pos)
{
    const unsigned char *p = (const unsigned char *)s + *pos;
    size_t left = len - *pos;
    int n;
    int32_t cp;

    if (*pos >= len)
        return -1;
    n = utf8_lead_len(p[0]);
    if (n == 0 || (size_t)n > left)
        goto bad;
    if (n == 1) {
        *pos += 1;
        return p[0];
    }
    cp = p[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto bad;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlongs of 3 and 4 bytes, surrogates and code points past U+10FFFF
     * pass the lead-byte test, so the decoded value decides. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        goto bad;
    *pos += (size_t)n;
    return cp;
bad:
    *pos += 1;
    return -1;
}

bool utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
    size_t pos = 0;

    while (pos < len) {
        size_t start = pos;
        if (utf8_next(s, len, &pos) < 0) {
            if (bad_offset)
                *bad_offset = start;
            return false;
        }
    }
    return true;
}

size_t utf8_encode(int32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
