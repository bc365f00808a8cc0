/* `collector serve`: the daemon's life: open the store, start
 * libmicrohttpd with explicit limits, log the bound address, wait for
 * SIGTERM or SIGINT, finish the requests in flight, close the store. */
#ifndef COLLECTOR_SERVE_H
#define COLLECTOR_SERVE_H

#define SERVE_DEFAULT_LISTEN      "127.0.0.1:8080"
#define SERVE_DEFAULT_CONNECTIONS 192         /* above this, kiosks get 429 */
#define SERVE_DEFAULT_PER_IP      128         /* kiosks behind one NAT address share it */
#define SERVE_DEFAULT_TIMEOUT_S   30          /* an idle connection is closed after this */
#define SERVE_MEMORY_PER_CONN     (64u << 10) /* MHD's buffer for headers; bodies are ours */
#define SERVE_THREAD_STACK        (2u << 20)  /* per connection thread; jansson nests 2048 deep */
#define SERVE_DRAIN_S             10          /* how long shutdown waits for requests in flight */
#define SERVE_TLS_FILE_MAX        (256u << 10)

struct serve_options {
    const char *db;
    const char *listen;   /* HOST:PORT; port 0 picks a free one (logged) */
    const char *tls_cert; /* PEM files; both or neither */
    const char *tls_key;
    long min_group_size;
    long max_db_pages; /* 0: unlimited; PRAGMA max_page_count */
    unsigned max_connections;
    unsigned per_ip;
    unsigned timeout_s;
};

void serve_options_default(struct serve_options *o);

/* Runs until SIGTERM or SIGINT. Returns the process exit status; on a
 * start-up failure one line on stderr says what is wrong. */
int serve_run(const struct serve_options *o);

#endif
