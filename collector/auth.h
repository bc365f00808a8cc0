/* Tokens on the wire: the Authorization header (Bearer, or HTTP Basic with
 * the token as the password) and the hash under which a token is stored.
 * A token is never kept or logged in clear; only its SHA-256 is stored. */
#ifndef COLLECTOR_AUTH_H
#define COLLECTOR_AUTH_H

#include <stddef.h>

#define AUTH_TOKEN_MAX 128 /* bytes of a presented token; longer ones are refused */

/* Extracts the token from an Authorization header value: "Bearer TOKEN",
 * or "Basic base64(user:TOKEN)" when allow_basic (padded standard base64;
 * the password is what follows the first colon). Writes it NUL-terminated
 * into token[AUTH_TOKEN_MAX + 1]. Returns 0, or -1 when the header is
 * absent (NULL), malformed, the decoded user:TOKEN holds a NUL or another
 * control byte, or the token is empty or too long. */
int auth_token_from_header(const char *header, int allow_basic, char *token);

/* The stored form of a token: SHA-256 as 64 hex digits in out[65]. */
void auth_token_hash(const char *token, char *out);

/* A new random token in out[AUTH_TOKEN_MAX + 1] and its hash in hash[65].
 * Returns 0, or -1 when the system has no randomness to give. */
int auth_token_new(char *out, char *hash);

#endif
