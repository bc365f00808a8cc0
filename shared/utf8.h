/* UTF-8 validation and decoding (RFC 3629: no overlongs, no surrogates). */
#ifndef SHARED_UTF8_H
#define SHARED_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether s[0..len) is valid UTF-8. When not and bad_offset is not NULL, it
 * receives the byte offset of the first invalid sequence. */
bool utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* Decodes the code point at s[*pos], advances *pos past it and returns it;
 * returns -1 (advancing one byte) on an invalid sequence or at len. */
int32_t utf8_next(const char *s, size_t len, size_t *pos);

/* Encodes cp into out (at least 4 bytes); returns the byte count, 0 if cp is invalid. */
size_t utf8_encode(int32_t cp, char *out);

#endif
