/* The daemon. Thread model: libmicrohttpd's one internal polling thread
 * (epoll) reads and writes every connection, so an open connection costs a
 * socket and a small buffer, not a thread, and a slow client holds up
 * nobody. Whatever may block runs on a fixed set of workers (workq.h):
 * each request is suspended while a worker checks its token and again
 * while one decodes, validates and stores it. The SQLite writes go
 * through the store's group commit on one writer connection, so the
 * batches that arrive while one commit waits on fsync share the next: the
 * number of workers bounds a group. Deadlines, the connection cap and the
 * reserve for kiosks live in conns.h. */
#include "serve.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "http.h"
#include "ingest.h"
#include "keys.h"
#include "kpi.h"
#include "log.h"
#include "store.h"
#include "workq.h"

void serve_options_default(struct serve_options *o)
{
    memset(o, 0, sizeof *o);
    o->listen = SERVE_DEFAULT_LISTEN;
    o->min_group_size = KPI_DEFAULT_MIN_GROUP;
    o->max_connections = SERVE_DEFAULT_CONNECTIONS;
    o->per_ip = SERVE_DEFAULT_PER_IP;
    o->timeout_s = SERVE_DEFAULT_TIMEOUT_S;
    o->reserve = (unsigned)-1;
    o->header_s = SERVE_DEFAULT_HEADER_S;
    o->body_s = SERVE_DEFAULT_BODY_S;
    o->min_rate = SERVE_DEFAULT_MIN_RATE;
    o->workers = SERVE_DEFAULT_WORKERS;
    o->max_responses_per_kiosk_day = SERVE_DEFAULT_KIOSK_DAY;
}

/* HOST:PORT or [V6]:PORT into addr. Returns 0 or -1. */
static int serve_parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *alen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
    size_t hlen;

    if (!colon || colon == listen || !colon[1])
        return -1;
    hlen = (size_t)(colon - listen);
    if (listen[0] == '[' && hlen > 2 && listen[hlen - 1] == ']')
        listen++, hlen -= 2;
    if (hlen >= sizeof host)
        return -1;
    memcpy(host, listen, hlen);
    host[hlen] = '\0';
    if (strspn(colon + 1, "0123456789") != strlen(colon + 1) || atol(colon + 1) > 65535)
        return -1;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        return -1;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *alen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Reads a whole PEM file (capped) into a malloc'ed string. */
static char *serve_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(SERVE_TLS_FILE_MAX + 1) : NULL;
    size_t n = buf ? fread(buf, 1, SERVE_TLS_FILE_MAX + 1, f) : 0;

    if (f)
        fclose(f);
    if (!buf || n == 0 || n > SERVE_TLS_FILE_MAX) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static void serve_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512], q[600];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_line("warn", "mhd", "msg=%s", log_quote(msg, q, sizeof q));
}

struct serve_tls {
    char *cert, *key;
};

static int serve_load_tls(const struct serve_options *o, struct serve_tls *tls)
{
    if (!o->tls_cert && !o->tls_key)
        return 0;
    if (!o->tls_cert || !o->tls_key) {
        fprintf(stderr, "collector serve: give both --tls-cert and --tls-key, or neither\n");
        return -1;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        fprintf(stderr, "collector serve: this libmicrohttpd was built without TLS\n");
        return -1;
    }
    tls->cert = serve_read_file(o->tls_cert);
    tls->key = serve_read_file(o->tls_key);
    if (!tls->cert || !tls->key) {
        fprintf(stderr, "collector serve: cannot read the TLS %s file %s\n",
                tls->cert ? "key" : "certificate", tls->cert ? o->tls_key : o->tls_cert);
        return -1;
    }
    return 0;
}

static struct MHD_Daemon *serve_start(const struct serve_options *o, struct http *h,
                                      const struct sockaddr_storage *addr,
                                      const struct serve_tls *tls)
{
    unsigned flags = MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (tls->cert ? MHD_USE_TLS : 0);
    /* MHD's own hard limit sits a little above ours so that a kiosk past
     * ours still gets a 429 it can act on instead of a dropped connection. */
    unsigned hard = o->max_connections + SERVE_OVERFLOW;

    return MHD_start_daemon(
        flags, 0, NULL, NULL, http_handle, h, MHD_OPTION_EXTERNAL_LOGGER, serve_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)SOMAXCONN * 4,
        MHD_OPTION_CONNECTION_LIMIT, hard, MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_MEMORY_PER_CONN,
        MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, http_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, http_connection, h,
        tls->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, tls->cert, MHD_OPTION_HTTPS_MEM_KEY,
        tls->key, MHD_OPTION_END);
}

static void serve_log_listening(struct MHD_Daemon *d, const struct sockaddr_storage *addr,
                                const struct serve_options *o, bool tls, struct http *h)
{
    char host[INET6_ADDRSTRLEN] = "?";
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;

    if (addr->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, host, sizeof host);
    else
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, host, sizeof host);
    log_line("info", "listening",
             "msg=\"listening on %s%s%s:%u\" scheme=%s max_connections=%u reserve=%u per_ip=%u "
             "timeout_s=%u header_s=%u body_s=%u min_rate=%u workers=%u "
             "max_responses_per_kiosk_day=%ld db=%s",
             addr->ss_family == AF_INET6 ? "[" : "", host, addr->ss_family == AF_INET6 ? "]" : "",
             port, tls ? "https" : "http", o->max_connections, o->reserve, o->per_ip, o->timeout_s,
             o->header_s, o->body_s, o->min_rate, o->workers, o->max_responses_per_kiosk_day,
             o->db);
    snprintf(h->listen_url, sizeof h->listen_url, "%s://%s%s%s:%u", tls ? "https" : "http",
             addr->ss_family == AF_INET6 ? "[" : "", host, addr->ss_family == AF_INET6 ? "]" : "",
             port);
}

/* Reads DB.keys, making it with a first key pair when missing, into the
 * keyring and the public key text of h. Logs the key ids and the public
 * key, never a secret. A rotation takes effect on the next start. */
static int serve_load_keys(const char *db, struct http *h)
{
    char err[KEYS_ERR_LEN], q[PATH_MAX + 8];
    struct keys *k = NULL;
    struct keys_public cur;
    bool created = false;

    if (keys_open(db, true, &k, &created, err, sizeof err) != KEYS_OK) {
        fprintf(stderr, "collector serve: %s\n", err);
        return -1;
    }
    keys_current(k, &cur);
    snprintf(h->collector_key, sizeof h->collector_key, "%s", cur.text);
    if (created)
        log_line("info", "keys",
                 "msg=\"made the collector's first key pair\" file=%s key_id=%s "
                 "public_key=%s",
                 log_quote(keys_path(k), q, sizeof q), cur.id, cur.text);
    log_line("info", "keys", "keys=%zu current=%s public_key=%s", keys_count(k), cur.id, cur.text);
    h->keyring = keys_keyring(k);
    keys_close(k);
    if (!h->keyring)
        fprintf(stderr, "collector serve: out of memory for the keys\n");
    return h->keyring ? 0 : -1;
}

/* Waits for SIGTERM/SIGINT (blocked in every thread, taken here). */
static int serve_wait_signal(const sigset_t *set)
{
    int sig = 0;
    while (sigwait(set, &sig) != 0)
        ;
    return sig;
}

/* Stops accepting, lets requests in flight finish (bounded), then stops. */
static void serve_drain(struct MHD_Daemon *d, struct http *h)
{
    MHD_socket fd = MHD_quiesce_daemon(d);
    struct timespec pause = {0, 20 * 1000 * 1000};

    for (int i = 0; i < SERVE_DRAIN_S * 50 && atomic_load(&h->in_flight) > 0; i++)
        nanosleep(&pause, NULL);
    if (atomic_load(&h->in_flight) > 0)
        log_line("warn", "stopping", "in_flight=%d msg=\"cut off after %ds\"",
                 atomic_load(&h->in_flight), SERVE_DRAIN_S);
    /* The workers first: none may resume a connection of a stopped daemon. */
    workq_free(h->work);
    h->work = NULL;
    MHD_stop_daemon(d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

/* Raises the descriptor limit to its hard maximum and fits the
 * connection cap under it (the daemon's unit may give more). */
static void serve_fit_fds(struct serve_options *o)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)o->max_connections + SERVE_OVERFLOW + SERVE_FD_SPARE) {
        unsigned fit = rl.rlim_cur > SERVE_OVERFLOW + SERVE_FD_SPARE + 1
                           ? (unsigned)rl.rlim_cur - SERVE_OVERFLOW - SERVE_FD_SPARE
                           : 1;
        log_line("warn", "limits", "max_connections=%u fits=%u msg=\"descriptor limit %lu\"",
                 o->max_connections, fit, (unsigned long)rl.rlim_cur);
        o->max_connections = fit;
    }
    if (o->reserve == (unsigned)-1 || o->reserve >= o->max_connections)
        o->reserve = o->reserve == (unsigned)-1 ? o->max_connections / 8 : o->max_connections - 1;
}

int serve_run(const struct serve_options *opts)
{
    struct serve_options fitted = *opts, *o = &fitted;
    struct conns_limits lim;
    struct sockaddr_storage addr = {0};
    socklen_t alen = 0;
    struct store_options so = {.max_page_count = o->max_db_pages,
                               .max_db_mb = o->max_db_mb,
                               .cap_to_free_space = true,
                               .max_responses_per_kiosk_day = o->max_responses_per_kiosk_day};
    struct serve_tls tls = {0};
    struct http h = {.min_group_size = o->min_group_size,
                     .metrics_public = o->metrics_public,
                     .tls = o->tls_cert != NULL,
                     .public_url = o->public_url};
    struct MHD_Daemon *d = NULL;
    char err[STORE_ERR_LEN];
    sigset_t set;
    int status = 1, sig, live = -1;

    if (serve_parse_listen(o->listen, &addr, &alen) != 0) {
        fprintf(stderr, "collector serve: --listen %s is not HOST:PORT (e.g. 127.0.0.1:8080)\n",
                o->listen);
        return 2;
    }
    if (serve_load_tls(o, &tls) != 0)
        goto out;
    if (store_open(o->db, &so, &h.store, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "collector serve: %s\n", err);
        goto out;
    }
    if (serve_load_keys(o->db, &h) != 0)
        goto out;
    /* Marks the database live: `collector restore` refuses it meanwhile. */
    if ((live = backup_hold_live(o->db)) < 0) {
        fprintf(stderr, "collector serve: cannot lock %s.live\n", o->db);
        goto out;
    }
    if (!(h.ingest = ingest_new(h.store)))
        goto out;
    ingest_set_keyring(h.ingest, h.keyring);
    serve_fit_fds(o);
    lim = (struct conns_limits){.max = o->max_connections,
                                .reserve = o->reserve,
                                .header_s = o->header_s,
                                .body_s = o->body_s,
                                .min_rate = o->min_rate};
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before MHD's threads start, so they inherit it */
    signal(SIGPIPE, SIG_IGN);
    if (!(h.conns = conns_new(&lim)) || !(h.work = workq_new(o->workers, http_work))) {
        fprintf(stderr, "collector serve: cannot start the worker threads\n");
        goto out;
    }
    if (!(d = serve_start(o, &h, &addr, &tls))) {
        fprintf(stderr,
                "collector serve: cannot listen on %s (in use, or not an address of "
                "this machine?)\n",
                o->listen);
        goto out;
    }
    serve_log_listening(d, &addr, o, tls.cert != NULL, &h);
    sig = serve_wait_signal(&set);
    log_line("info", "stopping", "signal=%s in_flight=%d", sig == SIGTERM ? "TERM" : "INT",
             atomic_load(&h.in_flight));
    serve_drain(d, &h);
    status = 0;
out:
    workq_free(h.work);
    conns_free(h.conns);
    ingest_free(h.ingest);
    seal_keyring_free(h.keyring);
    store_close(h.store);
    if (live >= 0)
        close(live);
    if (status == 0)
        log_line("info", "stopped", "msg=\"database closed\"");
    free(tls.cert);
    free(tls.key);
    return status;
}
