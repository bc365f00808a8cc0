/* The batch pipeline. Assumption: the HTTP layer has checked the token,
 * the content type and encoding, and capped the wire body at 1 MiB; this
 * module owns every check on the content. Nothing is written unless the
 * whole batch is valid, and the store writes it in one transaction. */
#include "ingest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "crypto.h"

struct ingest {
    struct store *store;
    pthread_mutex_t lock;
    struct survey *cache[INGEST_SURVEY_CACHE];
    size_t n_cache;
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
    } else if (e == STORE_E_CONFLICT) {
        reply_error(rep, 409, "conflict",
                    "batch %s is already stored with different content; a batch id must never be "
                    "reused: keep this batch aside and report it",
                    b->batch_id);
        res->reason = REJECT_CONFLICT;
    } else {
        reply_error(
            rep, 503, "storage_unavailable",
            "the collector cannot store the batch now (%s); nothing was stored, retry later",
            store_strerror(e));
        res->reason = REJECT_STORAGE;
    }
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
    } else {
        ingest_store_reply(in->store, kiosk_id, b, s, rep, res);
    }
    if (owned)
        survey_free(s);
    batch_free(b);
}
