/* What a route hands back to the HTTP layer: a status, a content type, a
 * body, and a few headers. Routes never touch libmicrohttpd; http.c turns
 * a reply into an MHD_Response. */
#ifndef COLLECTOR_REPLY_H
#define COLLECTOR_REPLY_H

#include <stddef.h>

struct reply {
    int status;
    const char *content_type; /* static string, e.g. "application/json" */
    char *body;               /* malloc'ed; http.c frees it */
    size_t body_len;
    char *etag;                /* malloc'ed or NULL: sent as the ETag header */
    char *content_disposition; /* malloc'ed or NULL */
    long retry_after_s;        /* > 0: the Retry-After header of a 429 or 503; else 5 */
    char *set_cookie[2];       /* malloc'ed or NULL: Set-Cookie headers (the console) */
    char *location;            /* malloc'ed or NULL: the Location of a redirect */
    const char *csp;           /* static or NULL: the Content-Security-Policy (else strict) */
};

/* A JSON error body {"error": code, "message": text} with status. */
void reply_error(struct reply *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Takes ownership of body (malloc'ed). */
void reply_set(struct reply *r, int status, const char *content_type, char *body, size_t len);
void reply_release(struct reply *r); /* frees body, etag, disposition; accepts NULL */

#endif
