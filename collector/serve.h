/* `collector serve`: the daemon's life: open the store, start
 * libmicrohttpd with explicit limits, log the bound address, wait for
 * SIGTERM or SIGINT, finish the requests in flight, close the store. */
#ifndef COLLECTOR_SERVE_H
#define COLLECTOR_SERVE_H

#include <stdbool.h>

#define SERVE_DEFAULT_LISTEN      "127.0.0.1:8080"
#define SERVE_DEFAULT_CONNECTIONS 4096        /* open at once; beyond, 429 and a close */
#define SERVE_DEFAULT_PER_IP      1024        /* a city's kiosks behind one NAT address share it */
#define SERVE_DEFAULT_TIMEOUT_S   30          /* an idle connection is closed after this */
#define SERVE_DEFAULT_HEADER_S    10          /* a request's headers arrive within this */
#define SERVE_DEFAULT_BODY_S      60          /* a request's body arrives within this */
#define SERVE_DEFAULT_MIN_RATE    1024        /* bytes/s a body averages after 5 s */
#define SERVE_DEFAULT_WORKERS     32          /* threads for the store's work; group commit */
#define SERVE_OVERFLOW            16          /* connections past max that still get a 429 */
#define SERVE_FD_SPARE            64          /* descriptors kept for SQLite, logs, keys */
#define SERVE_MEMORY_PER_CONN     (16u << 10) /* MHD's buffer for headers; bodies are ours */
#define SERVE_DRAIN_S             10          /* how long shutdown waits for requests in flight */
#define SERVE_TLS_FILE_MAX        (256u << 10)
#define SERVE_DEFAULT_KIOSK_DAY   2000 /* responses a kiosk may store per UTC day */

struct serve_options {
    const char *db;
    const char *listen;   /* HOST:PORT; port 0 picks a free one (logged) */
    const char *tls_cert; /* PEM files; both or neither */
    const char *tls_key;
    const char *public_url; /* how people reach the collector: the console's setup links */
    long min_group_size;
    long max_db_pages; /* test-only; > 0: PRAGMA max_page_count, over max_db_mb */
    long max_db_mb;    /* > 0: the database's size cap; 0: its size at start plus 90% of the
                          free space of its volume then (store.h) */
    long max_responses_per_kiosk_day; /* beyond it in a UTC day a kiosk's batch gets 429 */
    unsigned max_connections;         /* open at once (conns.h); capped by the descriptor limit */
    unsigned reserve; /* of them, kept for clients with a valid token; default max/8 */
    unsigned per_ip;
    unsigned timeout_s; /* idle between requests (libmicrohttpd's timeout) */
    unsigned header_s;  /* deadline for a request's headers; 0: none */
    unsigned body_s;    /* deadline for a request's body; 0: none */
    unsigned min_rate;  /* bytes/s; 0: none */
    unsigned workers;
    bool metrics_public; /* /metrics without the admin token */
};

void serve_options_default(struct serve_options *o);

/* Runs until SIGTERM or SIGINT. Returns the process exit status; on a
 * start-up failure one line on stderr says what is wrong. */
int serve_run(const struct serve_options *o);

#endif
