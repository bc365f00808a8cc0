/* The collector's HTTP layer on libmicrohttpd: routes, token checks, body
 * caps, replies, request logs and metrics. One struct http is shared by
 * every request thread; it owns nothing it did not create. */
#ifndef COLLECTOR_HTTP_H
#define COLLECTOR_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <microhttpd.h>

#include "conns.h"
#include "ingest.h"
#include "seal.h"
#include "store.h"

#define HTTP_PATH_MAX       256         /* longer request paths are logged cut */
#define HTTP_SMALL_BODY_MAX (16u << 10) /* cap on non-batch bodies (heartbeat) */

struct http {
    struct store *store;
    struct ingest *ingest;
    long min_group_size;
    bool metrics_public;                  /* /metrics without the admin token */
    struct seal_keyring *keyring;         /* every key pair of DB.keys (keys.h), to open */
    char collector_key[SEAL_PK_TEXT_LEN]; /* the current public key, sent with the survey */
    bool tls;                             /* served over HTTPS: console cookies are Secure */
    const char *public_url;               /* --public-url, for the console's setup links */
    char listen_url[64];                  /* http(s)://HOST:PORT as bound, when no public_url */
    struct conns *conns;                  /* open connections, deadlines, reserve (conns.h) */
    struct workq *work;                   /* runs http_work: every step that touches the store */
    atomic_int in_flight;                 /* requests begun and not completed */
    atomic_bool store_failed;             /* the last batch got 503 from the store */
};

/* MHD_AccessHandlerCallback; cls is the struct http. */
enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
                            const char *method, const char *version, const char *upload_data,
                            size_t *upload_data_size, void **req_cls);

/* MHD_OPTION_NOTIFY_COMPLETED: logs the request, counts it, frees its state. */
void http_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode toe);

/* The worker's half of a request (workq.h): its checks before the body
 * (token lookups) or its answer, then resumes the connection. */
void http_work(void *job);

/* MHD_OPTION_NOTIFY_CONNECTION: enters and removes connections in h->conns. */
void http_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                     enum MHD_ConnectionNotificationCode toe);

/* Admin routes (http_admin.c): whether path is one, and the answer after
 * the admin token was checked; opens a read connection for the request. */
bool http_admin_route(const char *path);
void http_admin_answer(struct http *h, struct MHD_Connection *conn, const char *path,
                       struct reply *rep);

/* The client's IP address as text into out ("?" when unknown). */
void http_client_address(struct MHD_Connection *conn, char *out, size_t len);

/* Console routes (http_console.c): parses the form of a POST with
 * libmicrohttpd's post processor and answers with console_handle(). */
void http_console_answer(struct http *h, struct MHD_Connection *conn, const char *method,
                         const char *path, const char *body, size_t len, struct reply *rep);

#endif
