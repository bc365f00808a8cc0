/* The sync client's HTTP: one libcurl easy handle per client, used by one
 * thread, talking to the collector's base URL with the kiosk token. Every
 * request is bounded (connect and total timeouts, a low-speed limit, a cap
 * on the reply body), verifies TLS, and never follows redirects. */
#ifndef KIOSK_HTTP_CLIENT_H
#define KIOSK_HTTP_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "survey.h"

#define HTTP_MAX_REPLY_BYTES                                                                       \
    (SURVEY_MAX_FILE_BYTES + 64u * 1024) /* a survey is the largest reply */
#define HTTP_ETAG_LEN          128
#define HTTP_ERR_LEN           256
#define HTTP_CONNECT_TIMEOUT_S 5
#define HTTP_TOTAL_TIMEOUT_S   30
#define HTTP_LOW_SPEED_BYTES   100 /* slower than this for ... */
#define HTTP_LOW_SPEED_S       10  /* ... this long aborts the transfer */

#define HTTP_KEY_LEN 64 /* X-Collector-Key: "ssk1:" and 44 base64 characters fit */

struct http_client;

struct http_reply {
    long status; /* HTTP status, 0 when no reply came (error says why) */
    char *body;  /* malloc'ed, NUL-terminated, "" when empty; NULL after release */
    size_t len;
    char etag[HTTP_ETAG_LEN]; /* the ETag header, "" when none */
    /* X-Collector-Key (the collector's public key, with the survey), "" when none or too long */
    char collector_key[HTTP_KEY_LEN];
    long retry_after_s;       /* Retry-After in seconds (429/503), 0 when none */
    time_t date;              /* the Date header (the collector's clock), 0 when none */
    char error[HTTP_ERR_LEN]; /* transport error in words, "" when a reply came */
};

/* base_url is "http://host:port" (a trailing slash is allowed); ca_file may
 * be "" for the system's CAs. Returns NULL with a message in err. */
struct http_client *http_client_new(const char *base_url, const char *token, const char *ca_file,
                                    char *err, size_t errlen);
void http_client_free(struct http_client *c); /* accepts NULL */

/* Gives the client a flag that, once true, aborts the transfer under way
 * within about a second (so stopping the kiosk never waits on the network).
 * The flag must outlive the client. */
void http_client_set_abort(struct http_client *c, const atomic_bool *abort_flag);

/* Sends one request. body may be NULL for a GET; content_encoding and
 * if_none_match may be NULL. Fills out (release it with http_reply_release)
 * and returns 0 when a reply came, -1 when none did. */
int http_client_request(struct http_client *c, const char *method, const char *path,
                        const void *body, size_t len, const char *content_encoding,
                        const char *if_none_match, struct http_reply *out);
void http_reply_release(struct http_reply *r);

#endif
