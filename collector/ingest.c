/* The batch pipeline. Assumption: the HTTP layer has checked the token,
 * the content type and encoding, and capped the wire body at 1 MiB; this
 * module owns every check on the content. Nothing is written unless the
 * whole batch is valid, and the store writes it in one transaction. */
#include "ingest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "cclock.h"
#include "crypto.h"
#include "fiscal.h"

/* A version's month window, looked up at most every INGEST_WINDOW_TTL_S:
 * reading it from the store takes the writer's lock, which a group commit
 * holds through its fsync, and a batch must not wait for that only to read
 * two dates. A close moves the window's end to the closing month, which is
 * the current month then: a stale window differs from the fresh one only
 * after a month has turned. */
struct ingest_window {
    char survey_id[SURVEY_MAX_ID_BYTES + 1];
    int version;
    long lo, hi;
    time_t until;
};

struct ingest {
    struct store *store;
    struct seal_keyring *keyring; /* opens format 2; NULL: refused with 503 */
    pthread_mutex_t lock;
    struct survey *cache[INGEST_SURVEY_CACHE];
    size_t n_cache;
    struct ingest_window windows[INGEST_SURVEY_CACHE];
    size_t n_windows;
};

struct ingest *ingest_new(struct store *st)
{
    struct ingest *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->store = st;
    pthread_mutex_init(&in->lock, NULL);
    return in;
}

void ingest_set_keyring(struct ingest *in, struct seal_keyring *kr)
{
    in->keyring = kr;
}

void ingest_free(struct ingest *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->n_cache; i++)
        survey_free(in->cache[i]);
    pthread_mutex_destroy(&in->lock);
    free(in);
}

/* The parsed definition of (id, version): from the cache (*owned false; it
 * lives as long as in), or parsed for this request (*owned true) when the
 * cache is full. NULL with *e set when unknown or unreadable. */
static struct survey *ingest_survey(struct ingest *in, const char *id, int version, bool *owned,
                                    enum store_err *e)
{
    struct survey *s = NULL;

    *owned = false;
    pthread_mutex_lock(&in->lock);
    for (size_t i = 0; i < in->n_cache && !s; i++)
        if (in->cache[i]->version == version && strcmp(in->cache[i]->id, id) == 0)
            s = in->cache[i];
    pthread_mutex_unlock(&in->lock);
    if (s)
        return s;
    if ((*e = store_survey_load(in->store, id, version, &s)) != STORE_OK)
        return NULL;
    pthread_mutex_lock(&in->lock);
    if (in->n_cache < INGEST_SURVEY_CACHE)
        in->cache[in->n_cache++] = s; /* two threads may both add it; both copies are equal */
    else
        *owned = true;
    pthread_mutex_unlock(&in->lock);
    return s;
}

static void ingest_reject(struct reply *rep, struct ingest_result *res, enum metrics_reason why,
                          int status, const char *code, const char *message)
{
    res->reason = why;
    reply_error(rep, status, code, "%s", message);
}

/* Body bytes to a decoded batch, or a reply saying why not. */
static struct batch *ingest_decode(const char *body, size_t len, bool deflated, struct reply *rep,
                                   struct ingest_result *res)
{
    char err[BATCH_ERR_LEN] = "", msg[BATCH_ERR_LEN + 128];
    char *json = NULL;
    size_t json_len = len;
    struct batch *b = NULL;
    enum batch_err e = BATCH_OK;

    if (deflated)
        e = batch_inflate(body, len, BATCH_MAX_JSON_BYTES, &json, &json_len);
    if (e == BATCH_E_TOO_LARGE) {
        snprintf(msg, sizeof msg,
                 "the inflated batch is larger than %u bytes; split it into "
                 "smaller batches",
                 BATCH_MAX_JSON_BYTES);
        ingest_reject(rep, res, REJECT_TOO_LARGE, 413, "too_large", msg);
        return NULL;
    }
    if (e == BATCH_E_NOMEM) {
        ingest_reject(rep, res, REJECT_OVERLOADED, 503, "overloaded",
                      "the collector ran out of memory; retry later");
        return NULL;
    }
    if (e != BATCH_OK) {
        ingest_reject(rep, res, REJECT_BAD_REQUEST, 400, "bad_deflate",
                      "the body is not a valid zlib (RFC 1950) stream, as Content-Encoding: "
                      "deflate requires");
        return NULL;
    }
    e = batch_decode(deflated ? json : body, json_len, &b, err, sizeof err);
    free(json);
    if (e == BATCH_OK)
        return b;
    snprintf(msg, sizeof msg, "%s", err[0] ? err : batch_strerror(e));
    if (e == BATCH_E_TOO_LARGE)
        ingest_reject(rep, res, REJECT_TOO_LARGE, 413, "too_large", msg);
    else if (e == BATCH_E_NOMEM)
        ingest_reject(rep, res, REJECT_OVERLOADED, 503, "overloaded", msg);
    else
        ingest_reject(rep, res, REJECT_BAD_REQUEST, 400,
                      e == BATCH_E_JSON ? "bad_json" : "bad_shape", msg);
    return NULL;
}

/* 429: the kiosk keeps the batch and sends it again once its day (UTC, the
 * collector's clock) is over; Retry-After says when. */
static void ingest_quota_reply(struct store *st, const struct batch *b, struct reply *rep,
                               struct ingest_result *res)
{
    time_t now = cclock_now();

    reply_error(rep, 429, "quota_exceeded",
                "this kiosk may store %ld responses per day (UTC) and batch %s of %zu responses "
                "would go over it; nothing was stored. The kiosk keeps the batch and retries "
                "tomorrow, after 00:00 UTC. If the limit is too low for this kiosk, raise "
                "collector serve --max-responses-per-kiosk-day",
                store_kiosk_day_quota(st), b->batch_id, b->n_responses);
    rep->retry_after_s = (long)(cclock_day_end(now) - now);
    res->reason = REJECT_QUOTA;
}

static void ingest_store_reply(struct store *st, int64_t kiosk_id, struct batch *b,
                               const struct survey *s, struct reply *rep, struct ingest_result *res)
{
    char sha[CRYPTO_SHA256_HEX], *text = NULL, *body = NULL;
    size_t text_len = 0;
    enum store_err e;

    if (batch_encode(b, &text, &text_len) != BATCH_OK) {
        ingest_reject(rep, res, REJECT_OVERLOADED, 503, "overloaded",
                      "the collector ran out of memory; retry later");
        return;
    }
    crypto_sha256_hex(text, text_len, sha);
    free(text);
    e = store_batch_insert(st, kiosk_id, b, s, sha);
    if (e == STORE_OK || e == STORE_E_DUPLICATE) {
        res->stored = e == STORE_OK;
        res->duplicate = !res->stored;
        if (res->stored && asprintf(&body, "{\"batch_id\":\"%s\",\"stored\":%zu}", b->batch_id,
                                    b->n_responses) >= 0)
            reply_set(rep, 201, "application/json", body, strlen(body));
        else if (!res->stored &&
                 asprintf(&body, "{\"batch_id\":\"%s\",\"duplicate\":true}", b->batch_id) >= 0)
            reply_set(rep, 200, "application/json", body, strlen(body));
        else
            reply_error(rep, 503, "overloaded", "the collector ran out of memory; retry later");
    } else if (e == STORE_E_QUOTA) {
        ingest_quota_reply(st, b, rep, res);
    } else if (e == STORE_E_CONFLICT) {
        reply_error(rep, 409, "conflict",
                    "batch %s is already stored with different content; a batch id must never be "
                    "reused: keep this batch aside and report it",
                    b->batch_id);
        res->reason = REJECT_CONFLICT;
    } else if (e == STORE_E_FULL) {
        reply_error(rep, 503, "storage_unavailable",
                    "the collector's storage is full; nothing was stored and the kiosk keeps the "
                    "batch and retries later. An administrator must free disk space or raise "
                    "collector serve --max-db-mb");
        res->reason = REJECT_STORAGE;
    } else {
        reply_error(
            rep, 503, "storage_unavailable",
            "the collector cannot store the batch now (%s); nothing was stored, retry later",
            store_strerror(e));
        res->reason = REJECT_STORAGE;
    }
}

/* The months (fiscal_month_index) a version collects, widened by one each
 * side: its period, else from the month it was published to the month it
 * was closed (now while open); never past the collector's month + 1. */
static bool ingest_window_read(struct store *st, const struct survey *s, long *lo, long *hi)
{
    struct store_survey_state state;
    char now[8], from[8], to[8];
    long cap;

    if (store_survey_state(st, s->id, s->version, &state) != STORE_OK)
        return false;
    cclock_month(now);
    snprintf(from, sizeof from, "%.7s", s->has_period ? s->period_from : state.published_at);
    snprintf(to, sizeof to, "%.7s",
             s->has_period        ? s->period_to
             : state.closed_at[0] ? state.closed_at
                                  : now);
    *lo = fiscal_month_index(from) - 1;
    *hi = fiscal_month_index(to) + 1;
    cap = fiscal_month_index(now) + 1;
    if (*hi > cap)
        *hi = cap;
    return *lo >= 0;
}

/* The window of s from the cache, or read and cached. */
static bool ingest_window(struct ingest *in, const struct survey *s, long *lo, long *hi)
{
    time_t now = time(NULL);
    struct ingest_window *w = NULL;
    bool found = false;

    pthread_mutex_lock(&in->lock);
    for (size_t i = 0; i < in->n_windows && !found; i++) {
        w = &in->windows[i];
        found = w->version == s->version && strcmp(w->survey_id, s->id) == 0;
    }
    if (found && now < w->until) {
        *lo = w->lo;
        *hi = w->hi;
        pthread_mutex_unlock(&in->lock);
        return true;
    }
    pthread_mutex_unlock(&in->lock);
    if (!ingest_window_read(in->store, s, lo, hi))
        return false;
    pthread_mutex_lock(&in->lock);
    if (!found && in->n_windows < INGEST_SURVEY_CACHE)
        w = &in->windows[in->n_windows++];
    else if (!found)
        w = &in->windows[(size_t)now % INGEST_SURVEY_CACHE];
    snprintf(w->survey_id, sizeof w->survey_id, "%s", s->id);
    w->version = s->version;
    w->lo = *lo;
    w->hi = *hi;
    w->until = now + INGEST_WINDOW_TTL_S;
    pthread_mutex_unlock(&in->lock);
    return true;
}

static void ingest_month_name(long index, char out[16])
{
    snprintf(out, 16, "%04d-%02d", (int)(index / 12 % 10000), (int)(index % 12 + 1));
}

/* Refuses (422) a batch with a response dated outside the version's months:
 * a kiosk token must not be able to write another year's figures. */
static bool ingest_months_ok(struct ingest *in, const struct batch *b, const struct survey *s,
                             struct reply *rep, struct ingest_result *res)
{
    char first[16], last[16];
    long lo, hi;

    if (!ingest_window(in, s, &lo, &hi)) {
        reply_error(rep, 503, "storage_unavailable",
                    "the collector cannot read the survey's dates now; retry later");
        res->reason = REJECT_STORAGE;
        return false;
    }
    for (size_t i = 0; i < b->n_responses; i++) {
        long m = fiscal_month_index(b->responses[i].month);
        if (m >= lo && m <= hi)
            continue;
        ingest_month_name(lo, first);
        ingest_month_name(hi, last);
        reply_error(rep, 422, "month_out_of_range",
                    "response %zu is dated %s, outside the months survey \"%s\" version %d"
                    " collects (%s to %s); check the kiosk's clock. Nothing of the batch was"
                    " stored",
                    i + 1, b->responses[i].month, s->id, s->version, first, last);
        res->reason = REJECT_INVALID;
        return false;
    }
    return true;
}

/* Format 2: opens every sealed response (to validate it like format 1);
 * the duplicate rule still hashes the sealed texts (batch_encode). */
static bool ingest_unseal(struct ingest *in, struct batch *b, struct reply *rep,
                          struct ingest_result *res)
{
    char err[BATCH_ERR_LEN] = "";
    enum batch_err e;

    if (b->format != BATCH_FORMAT_SEALED)
        return true;
    if (!in->keyring) {
        ingest_reject(rep, res, REJECT_STORAGE, 503, "no_key",
                      "the collector has no key to open sealed batches yet; retry later");
        return false;
    }
    e = batch_open(b, in->keyring, err, sizeof err);
    if (e == BATCH_E_NOMEM)
        ingest_reject(rep, res, REJECT_OVERLOADED, 503, "overloaded",
                      "the collector ran out of memory; retry later");
    else if (e != BATCH_OK)
        ingest_reject(rep, res, REJECT_INVALID, 422, "sealed_invalid", err);
    return e == BATCH_OK;
}

void ingest_batch(struct ingest *in, int64_t kiosk_id, const char *body, size_t len, bool deflated,
                  struct reply *rep, struct ingest_result *res)
{
    char err[BATCH_ERR_LEN] = "";
    struct survey *s = NULL;
    struct batch *b;
    bool owned = false;
    enum store_err se = STORE_OK;

    memset(res, 0, sizeof *res);
    b = ingest_decode(body, len, deflated, rep, res);
    if (!b)
        return;
    snprintf(res->batch_id, sizeof res->batch_id, "%s", b->batch_id);
    if (!ingest_unseal(in, b, rep, res)) {
        batch_free(b);
        return;
    }
    res->responses = (long)b->n_responses;
    s = ingest_survey(in, b->survey_id, b->survey_version, &owned, &se);
    if (!s && se == STORE_E_NOT_FOUND) {
        reply_error(rep, 422, "unknown_survey",
                    "survey \"%s\" version %d was never published on this collector; publish it "
                    "or let the kiosk fetch the active survey",
                    b->survey_id, b->survey_version);
        res->reason = REJECT_INVALID;
    } else if (!s) {
        reply_error(rep, 503, "storage_unavailable",
                    "the collector cannot read its surveys now (%s); retry later",
                    store_strerror(se));
        res->reason = REJECT_STORAGE;
    } else if (batch_validate(b, s, err, sizeof err) != BATCH_OK) {
        reply_error(rep, 422, "invalid_batch", "%s",
                    err[0] ? err : "the batch does not fit the survey");
        res->reason = REJECT_INVALID;
    } else if (ingest_months_ok(in, b, s, rep, res)) {
        ingest_store_reply(in->store, kiosk_id, b, s, rep, res);
    }
    if (owned)
        survey_free(s);
    batch_free(b);
}
