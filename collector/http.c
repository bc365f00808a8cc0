/* Request handling. Each request is a small state machine (STYLE.md): the
 * first call allocates its state, suspends the connection and hands the
 * checks (route, token, headers) to a worker; middle calls append to a
 * capped body buffer (past the cap the rest is discarded and 413
 * answered); the last call suspends again and a worker does the work;
 * each resumed call replies when there is an answer; http_completed()
 * logs, counts and frees. Tokens are checked before a single body byte is
 * kept, so an unauthorised upload costs nothing. Whatever may block (the
 * store) runs in a worker, never in libmicrohttpd's polling thread. A
 * worker reads the suspended connection's headers: libmicrohttpd leaves a
 * suspended connection alone until it is resumed. */
#include "http.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "console.h"
#include "cclock.h"
#include "release.h"
#include "heartbeat.h"
#include "log.h"
#include "metrics.h"
#include "workq.h"

enum http_route {
    ROUTE_NONE,
    ROUTE_HEALTHZ,
    ROUTE_METRICS,
    ROUTE_SURVEY,
    ROUTE_BATCHES,
    ROUTE_HEARTBEAT,
    ROUTE_ADMIN,
    ROUTE_CONSOLE, /* console.c: pages for people, and the pairing exchange */
};

/* Every answer forbids scripts, framing and plugins; the console sets its
 * own (CONSOLE_CSP), the reports keep their inline styles and SVG. */
#define HTTP_CSP                                                                                   \
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "       \
    "base-uri 'none'; form-action 'none'"
/* Where a request stands; the worker's step ends in *_DONE, and the
 * resumed handler call moves it on. */
enum http_stage {
    STAGE_BEGIN,  /* queued for http_begin */
    STAGE_BEGUN,  /* checked; the next call is libmicrohttpd's repeated first call */
    STAGE_BODY,   /* taking the body */
    STAGE_FINISH, /* queued for http_finish */
    STAGE_DONE,   /* answered in rep */
};

struct http_request {
    struct http *h;
    struct MHD_Connection *conn;
    struct conn *c; /* the connection's entry in h->conns; NULL when out of memory */
    enum http_stage stage;
    bool method_ok;
    enum http_route route;
    struct timespec start;
    char method[8];
    char path[HTTP_PATH_MAX];
    struct reply rep; /* decided early (rejections) or at the end */
    bool decided;     /* rep holds the answer; the body is discarded */
    bool queued;
    char *body;
    size_t len, cap, max;
    bool deflated;
    struct store_kiosk kiosk;
    bool has_kiosk;
    bool has_reason;
    enum metrics_reason reason;
    struct ingest_result result;
    const char *collector_key; /* the survey route's X-Collector-Key; h's, not owned */
};

static double http_elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void http_reject(struct http_request *r, enum metrics_reason why, int status,
                        const char *code, const char *message)
{
    r->has_reason = true;
    r->reason = why;
    r->decided = true;
    reply_error(&r->rep, status, code, "%s", message);
}

static enum http_route http_route_of(const char *method, const char *url, bool *method_ok)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool post = !strcmp(method, "POST");
    enum http_route route = ROUTE_NONE;

    if (!strcmp(url, "/healthz") || !strcmp(url, "/metrics"))
        route = url[1] == 'h' ? ROUTE_HEALTHZ : ROUTE_METRICS;
    else if (!strcmp(url, "/api/v1/survey"))
        route = ROUTE_SURVEY;
    else if (!strcmp(url, "/api/v1/batches"))
        route = ROUTE_BATCHES;
    else if (!strcmp(url, "/api/v1/heartbeat"))
        route = ROUTE_HEARTBEAT;
    else if (http_admin_route(url))
        route = ROUTE_ADMIN;
    else if (console_handles(url))
        route = ROUTE_CONSOLE;
    *method_ok = (route == ROUTE_BATCHES || route == ROUTE_HEARTBEAT) ? post
                 : route == ROUTE_CONSOLE                             ? get || post
                                                                      : get;
    return route;
}

/* The kiosk behind the Bearer token, or a 401/403 decided in r. */
static bool http_kiosk_auth(struct http *h, struct MHD_Connection *conn, struct http_request *r)
{
    char token[AUTH_TOKEN_MAX + 1], hash[CRYPTO_SHA256_HEX];
    const char *header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    enum store_err e;

    if (auth_token_from_header(header, 0, token) != 0) {
        http_reject(r, REJECT_UNAUTHORIZED, 401, "unauthorized",
                    "send the kiosk token as \"Authorization: Bearer <token>\"; an administrator "
                    "creates one with `collector kiosk add NAME`");
        return false;
    }
    auth_token_hash(token, hash);
    e = store_kiosk_by_token(h->store, hash, &r->kiosk);
    if (e == STORE_E_NOT_FOUND) {
        http_reject(r, REJECT_UNAUTHORIZED, 401, "unauthorized",
                    "this kiosk token is not known to the collector; check the token in the "
                    "kiosk's config file");
        return false;
    }
    if (e != STORE_OK) {
        http_reject(r, REJECT_STORAGE, 503, "storage_unavailable",
                    "the collector cannot check tokens now; retry later");
        return false;
    }
    r->has_kiosk = true;
    conns_trust(h->conns, r->c);
    if (r->kiosk.revoked) {
        http_reject(r, REJECT_REVOKED, 403, "revoked",
                    "this kiosk's token was revoked; ask the administrator for a new token and "
                    "keep the stored batches until then");
        return false;
    }
    return true;
}

static bool http_admin_auth(struct http *h, struct MHD_Connection *conn, struct http_request *r)
{
    char token[AUTH_TOKEN_MAX + 1], hash[CRYPTO_SHA256_HEX];
    const char *header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

    if (auth_token_from_header(header, 1, token) == 0) {
        auth_token_hash(token, hash);
        if (store_admin_check(h->store, hash)) {
            conns_trust(h->conns, r->c);
            return true;
        }
    }
    http_reject(r, REJECT_UNAUTHORIZED, 401, "unauthorized",
                "the admin pages need the admin token (Bearer, or as the password of HTTP "
                "Basic with any user name); `collector admin-token` makes a new one");
    return false;
}

static bool http_header_is(const char *value, const char *want)
{
    size_t n = strlen(want);
    if (!value)
        return false;
    while (*value == ' ')
        value++;
    return strncasecmp(value, want, n) == 0 &&
           (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

/* Content-Type, Content-Encoding and Content-Length of an upload. */
static bool http_upload_headers(struct MHD_Connection *conn, struct http_request *r, size_t max)
{
    const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    const char *enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Encoding");
    const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    char msg[160];

    if (!http_header_is(type, "application/json")) {
        http_reject(r, REJECT_UNSUPPORTED, 415, "unsupported_media_type",
                    "send the body with Content-Type: application/json");
        return false;
    }
    if (enc && !http_header_is(enc, "identity") && !http_header_is(enc, "deflate")) {
        http_reject(r, REJECT_UNSUPPORTED, 415, "unsupported_media_type",
                    "Content-Encoding must be deflate (a zlib stream) or absent");
        return false;
    }
    r->deflated = enc && http_header_is(enc, "deflate");
    if (clen && strtoull(clen, NULL, 10) > max) {
        snprintf(msg, sizeof msg,
                 "the body is larger than %zu bytes; split it into smaller batches", max);
        http_reject(r, REJECT_TOO_LARGE, 413, "too_large", msg);
        return false;
    }
    r->max = max;
    return true;
}

/* The checks of the first call, before any body byte is read. */
static void http_begin(struct http *h, struct MHD_Connection *conn, struct http_request *r,
                       bool method_ok)
{
    if (r->route == ROUTE_NONE) {
        http_reject(r, REJECT_NOT_FOUND, 404, "not_found", "no such path on this collector");
    } else if (!method_ok) {
        http_reject(r, REJECT_BAD_REQUEST, 405, "method_not_allowed",
                    "this path does not take that method");
    } else if (r->route == ROUTE_CONSOLE) {
        r->max = console_body_max(r->path); /* the console checks sessions and forms */
    } else if (r->route == ROUTE_ADMIN || (r->route == ROUTE_METRICS && !h->metrics_public)) {
        http_admin_auth(h, conn, r);
    } else if (r->route >= ROUTE_SURVEY && conns_over(r->c)) {
        http_reject(r, REJECT_OVERLOADED, 429, "overloaded",
                    "the collector has too many connections open; retry in a few seconds");
    } else if (r->route >= ROUTE_SURVEY && http_kiosk_auth(h, conn, r)) {
        if (r->route == ROUTE_BATCHES)
            http_upload_headers(conn, r, BATCH_MAX_WIRE_BYTES);
        else if (r->route == ROUTE_HEARTBEAT)
            http_upload_headers(conn, r, HTTP_SMALL_BODY_MAX);
    }
}

/* Appends an upload chunk under the cap; past it, 413 and discard. */
static void http_append(struct http_request *r, const char *data, size_t n)
{
    char msg[160];

    if (r->decided)
        return;
    if (r->len + n > r->max) {
        free(r->body);
        r->body = NULL;
        snprintf(msg, sizeof msg,
                 "the body is larger than %zu bytes; split it into smaller batches", r->max);
        http_reject(r, REJECT_TOO_LARGE, 413, "too_large", msg);
        return;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n)
            cap *= 2;
        cap = cap > r->max ? r->max : cap;
        char *grown = realloc(r->body, cap);
        if (!grown) {
            http_reject(r, REJECT_OVERLOADED, 503, "overloaded",
                        "the collector ran out of memory; retry later");
            return;
        }
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
}

/* 410 survey_closed: the kiosk shows the survey as closed (design.md). */
static void http_survey_closed(struct http_request *r, const struct store_survey_state *state)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s}", "error", "survey_closed", "message",
                          "this survey's collection has ended; the kiosk takes no new answers"
                          " and still delivers what it holds",
                          "survey_id", state->survey_id, "survey_version", state->version,
                          "closed_at", state->closed_at);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;

    json_decref(o);
    if (!body) {
        http_reject(r, REJECT_OVERLOADED, 503, "overloaded", "out of memory; retry later");
        return;
    }
    reply_set(&r->rep, 410, "application/json", body, strlen(body));
}

static void http_survey(struct http *h, struct MHD_Connection *conn, struct http_request *r)
{
    char sha[CRYPTO_SHA256_HEX], *json = NULL, *etag = NULL;
    size_t len = 0;
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    struct store_survey_state state;
    enum store_err e;

    release_due(h->store, h->min_group_size);
    r->collector_key = h->collector_key[0] ? h->collector_key : NULL;
    if (store_survey_state(h->store, NULL, 0, &state) == STORE_OK && state.closed_at[0]) {
        http_survey_closed(r, &state);
        return;
    }
    e = store_survey_active(h->store, &json, &len, sha);
    if (e == STORE_E_NOT_FOUND) {
        http_reject(r, REJECT_NOT_FOUND, 404, "no_survey",
                    "no survey is published yet; an administrator runs `collector survey "
                    "publish FILE`");
        return;
    }
    if (e != STORE_OK || asprintf(&etag, "\"%s\"", sha) < 0) {
        free(json);
        http_reject(r, REJECT_STORAGE, 503, "storage_unavailable",
                    "the collector cannot read the survey now; retry later");
        return;
    }
    if (inm && (strstr(inm, etag) || !strcmp(inm, "*"))) {
        free(json);
        reply_set(&r->rep, 304, "application/json", NULL, 0);
    } else {
        reply_set(&r->rep, 200, "application/json", json, len);
    }
    r->rep.etag = etag;
}

static void http_batches(struct http *h, struct http_request *r)
{
    ingest_batch(h->ingest, r->kiosk.kiosk_id, r->body ? r->body : "", r->len, r->deflated, &r->rep,
                 &r->result);
    /* /healthz reports what the last batch met, until one is stored. */
    if (r->result.stored || r->result.duplicate)
        atomic_store(&h->store_failed, false);
    else if (r->rep.status == 503 && r->result.reason == REJECT_STORAGE)
        atomic_store(&h->store_failed, true);
    if (r->result.stored)
        metrics_batch_stored(r->result.responses);
    else if (r->result.duplicate)
        metrics_batch_duplicate();
    else {
        r->has_reason = true;
        r->reason = r->result.reason;
    }
}

/* 200 {"status":"ok"}, or 503 {"status":"unavailable","reason":...} when
 * the database cannot be written (design.md, HTTP API). */
static void http_healthz(struct http *h, struct http_request *r)
{
    char why[256];
    json_t *o;
    char *text;

    if (store_health(h->store, why, sizeof why) == STORE_OK && atomic_load(&h->store_failed))
        snprintf(why, sizeof why,
                 "the last batch could not be stored (storage_unavailable); see the log");
    if (!why[0]) {
        if ((text = strdup("{\"status\":\"ok\"}\n")))
            reply_set(&r->rep, 200, "application/json", text, strlen(text));
        return;
    }
    o = json_pack("{s:s, s:s}", "status", "unavailable", "reason", why);
    text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (text)
        reply_set(&r->rep, 503, "application/json", text, strlen(text));
    r->rep.retry_after_s = 30;
}

static void http_finish(struct http *h, struct MHD_Connection *conn, struct http_request *r)
{
    char *text;
    size_t len;

    switch (r->route) {
    case ROUTE_HEALTHZ:
        http_healthz(h, r);
        break;
    case ROUTE_METRICS:
        if ((text = metrics_render(&len)))
            reply_set(&r->rep, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
        break;
    case ROUTE_SURVEY:
        http_survey(h, conn, r);
        break;
    case ROUTE_BATCHES:
        http_batches(h, r);
        break;
    case ROUTE_HEARTBEAT:
        heartbeat_handle(h->store, r->kiosk.kiosk_id, r->body ? r->body : "", r->len, &r->rep);
        break;
    case ROUTE_ADMIN:
        release_due(h->store, h->min_group_size);
        http_admin_answer(h, conn, r->path, &r->rep);
        break;
    case ROUTE_CONSOLE:
        http_console_answer(h, conn, r->method, r->path, r->body, r->len, &r->rep);
        break;
    case ROUTE_NONE:
        break;
    }
    if (r->rep.status == 0)
        reply_error(&r->rep, 503, "overloaded", "the collector ran out of memory; retry later");
}

static void http_free_body(void *p)
{
    free(p);
}

static void http_security_headers(struct MHD_Response *resp, const struct reply *rep)
{
    for (int i = 0; i < 2; i++)
        if (rep->set_cookie[i])
            MHD_add_response_header(resp, "Set-Cookie", rep->set_cookie[i]);
    if (rep->location)
        MHD_add_response_header(resp, "Location", rep->location);
    MHD_add_response_header(resp, "Content-Security-Policy", rep->csp ? rep->csp : HTTP_CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

/* Date from the collector's clock (cclock.h, which a test's --date sets):
 * kiosks take their time from it (design.md, "Time"). libmicrohttpd adds
 * its own only when the response has none. */
static void http_add_date(struct MHD_Response *resp)
{
    static const char day[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = cclock_now();
    struct tm tm;
    char text[40];

    gmtime_r(&now, &tm);
    snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday], tm.tm_mday,
             mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    MHD_add_response_header(resp, "Date", text);
}

static enum MHD_Result http_send(struct MHD_Connection *conn, struct http_request *r)
{
    struct reply *rep = &r->rep;
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(
        rep->body_len, rep->body ? rep->body : (void *)"", rep->body ? http_free_body : NULL);
    enum MHD_Result ok;

    if (!resp)
        return MHD_NO;
    rep->body = NULL; /* the response owns it now */
    rep->body_len = 0;
    MHD_add_response_header(resp, "Content-Type", rep->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    http_add_date(resp);
    if (rep->etag)
        MHD_add_response_header(resp, "ETag", rep->etag);
    if (rep->content_disposition)
        MHD_add_response_header(resp, "Content-Disposition", rep->content_disposition);
    http_security_headers(resp, rep);
    /* The key kiosks seal for travels with the survey they answer. */
    if (r->collector_key && (rep->status == 200 || rep->status == 304 || rep->status == 410))
        MHD_add_response_header(resp, "X-Collector-Key", r->collector_key);
    if (rep->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                r->route == ROUTE_ADMIN || r->route == ROUTE_METRICS
                                    ? "Basic realm=\"collector\""
                                    : "Bearer realm=\"collector\"");
    /* A refused connection closes, so a kiosk within the limit never
     * waits behind one that is not. */
    if (rep->status == 429 && r->reason == REJECT_OVERLOADED)
        MHD_add_response_header(resp, "Connection", "close");
    if (rep->status == 429 || rep->status == 503) {
        char wait[24];
        snprintf(wait, sizeof wait, "%ld", rep->retry_after_s > 0 ? rep->retry_after_s : 5);
        MHD_add_response_header(resp, "Retry-After", wait);
    }
    ok = MHD_queue_response(conn, (unsigned)rep->status, resp);
    MHD_destroy_response(resp);
    r->queued = ok == MHD_YES;
    return ok;
}

/* A rejection decided before the body may go out at once when the client
 * waits for "100 Continue" (it then never sends the body) or announced a
 * body over the cap; otherwise the body is read and dropped first, so the
 * client is not cut off while it still sends and always reads the answer. */
static bool http_answer_early(struct MHD_Connection *conn, const struct http_request *r)
{
    const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
    return r->rep.status == 413 || (expect && !strcasecmp(expect, "100-continue"));
}

static struct http_request *http_request_new(struct http *h, struct MHD_Connection *conn,
                                             const char *url, const char *method)
{
    struct http_request *r = calloc(1, sizeof *r);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    if (!r)
        return NULL;
    r->h = h;
    r->conn = conn;
    r->c = ci ? ci->socket_context : NULL;
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->path, sizeof r->path, "%s", url);
    atomic_fetch_add(&h->in_flight, 1);
    r->route = http_route_of(method, url, &r->method_ok);
    conns_request(h->conns, r->c);
    return r;
}

void http_work(void *job)
{
    struct http_request *r = job;

    if (r->stage == STAGE_BEGIN) {
        http_begin(r->h, r->conn, r, r->method_ok);
        r->stage = STAGE_BEGUN;
    } else {
        http_finish(r->h, r->conn, r);
        r->stage = STAGE_DONE;
    }
    MHD_resume_connection(r->conn);
}

/* Suspends the connection and hands r's next step to a worker. */
static enum MHD_Result http_defer(struct http_request *r, enum http_stage stage)
{
    r->stage = stage;
    if (stage == STAGE_FINISH)
        conns_working(r->h->conns, r->c);
    MHD_suspend_connection(r->conn);
    if (workq_push(r->h->work, r) == 0)
        return MHD_YES;
    MHD_resume_connection(r->conn);
    return MHD_NO;
}

enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
                            const char *method, const char *version, const char *upload_data,
                            size_t *upload_data_size, void **req_cls)
{
    struct http *h = cls;
    struct http_request *r = *req_cls;

    (void)version;
    if (!r) {
        if (!(r = http_request_new(h, conn, url, method)))
            return MHD_NO;
        *req_cls = r;
        return http_defer(r, STAGE_BEGIN);
    }
    if (r->queued)
        return MHD_YES;
    if (r->stage == STAGE_BEGUN) {
        /* libmicrohttpd repeats the first call after a resume. */
        r->stage = STAGE_BODY;
        if (r->decided && http_answer_early(conn, r))
            return http_send(conn, r);
        if (*upload_data_size == 0)
            return MHD_YES;
    }
    if (*upload_data_size) {
        conns_body(h->conns, r->c, *upload_data_size);
        http_append(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->stage == STAGE_BODY && !r->decided)
        return http_defer(r, STAGE_FINISH);
    return http_send(conn, r);
}

void http_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct http *h = cls;
    struct http_request *r = *req_cls;
    char kiosk[2 * STORE_NAME_MAX + 3], path[HTTP_PATH_MAX + 8];
    double secs;
    int status;

    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        conns_idle(h->conns, ci ? ci->socket_context : NULL);
    }
    if (!r)
        return;
    secs = http_elapsed(&r->start);
    status = r->queued ? r->rep.status : 0;
    if (r->has_reason)
        metrics_reject(r->reason);
    metrics_request(status, secs);
    log_line(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "info" : "warn", "request",
             "method=%s path=%s status=%d ms=%.1f kiosk=%s batch=%s responses=%ld%s%s%s", r->method,
             log_quote(r->path, path, sizeof path), status, secs * 1000,
             r->has_kiosk ? log_quote(r->kiosk.name, kiosk, sizeof kiosk) : "-",
             r->result.batch_id[0] ? r->result.batch_id : "-", r->result.responses,
             r->has_reason ? " reason=" : "", r->has_reason ? metrics_reason_label(r->reason) : "",
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " terminated=abnormal");
    free(r->body);
    reply_release(&r->rep);
    free(r);
    *req_cls = NULL;
    atomic_fetch_sub(&h->in_flight, 1);
}

void http_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                     enum MHD_ConnectionNotificationCode toe)
{
    struct http *h = cls;
    const union MHD_ConnectionInfo *ci;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_ctx = ci ? conns_open(h->conns, ci->connect_fd) : NULL;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conns_close(h->conns, *socket_ctx);
        *socket_ctx = NULL;
    }
}
