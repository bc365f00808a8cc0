/* The sync thread: each round seals, uploads every sealed batch, fetches the
 * survey (ETag; a 410 marks it closed, a later 200 opens it again) and sends
 * a heartbeat when due; after a failure it backs off exponentially with
 * jitter. Assumes it owns its store handle and its curl handle; the UI only
 * reads a copy of the status under the mutex. */
#include "sync.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "http_client.h"
#include "kclock.h"
#include "kiosk_store.h"
#include "seal.h"
#include "upload.h"

#define SYNC_BATCHES_PER_ROUND 64 /* more wait for the next round, which follows at once */
#define SYNC_DAY               86400

#ifndef KIOSK_VERSION
#define KIOSK_VERSION "dev"
#endif

struct sync {
    struct kiosk_config cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;  /* the thread waits on it between rounds */
    pthread_cond_t round; /* sync_drain waits on it for a round to end */
    bool stop, kick;
    atomic_bool stopping; /* read by libcurl's progress callback, outside the mutex */
    unsigned started;     /* rounds begun */
    unsigned rounds;      /* rounds finished */
    bool round_failed;    /* the last round could not reach or satisfy the collector */
    bool more_pending;    /* the last round left sealed batches it did not try */
    struct sync_status status;
    /* Owned by the thread alone. */
    struct kiosk_store *st;
    struct http_client *http;
    int failures;
    double next_heartbeat; /* monotonic seconds: a --date jump must not stop heartbeats */
    char survey_id[SURVEY_MAX_ID_BYTES + 1];
    int survey_version;
    bool key_seen;    /* the collector answered with an acceptable key (or none) */
    bool key_refused; /* its key differs from the pinned one: nothing is sent */
};

/* What one round found, for the status and the schedule. */
struct round_result {
    bool contact_ok;     /* the collector answered something meaningful */
    bool failed;         /* a reason to back off */
    bool more;           /* sealed batches left untried */
    bool survey_changed; /* a definition was stored, or the survey was closed */
    long retry_after_s;  /* the collector asked to wait this long (429/503) */
    char error[256];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- survey ---- */

/* Remembers the id and version of a survey JSON for the heartbeat. */
static void note_survey(struct sync *s, const char *json)
{
    json_t *j = json ? json_loads(json, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "id"));
    if (id) {
        snprintf(s->survey_id, sizeof s->survey_id, "%s", id);
        s->survey_version = (int)json_integer_value(json_object_get(j, "version"));
    }
    json_decref(j);
}

/* What a 410 survey_closed names: the survey version the collector closed. */
struct closed_notice {
    char survey_id[SURVEY_MAX_ID_BYTES + 1];
    int version;
    time_t closed_at; /* 0 when the collector did not say */
};

static bool parse_closed(const struct http_reply *reply, struct closed_notice *out)
{
    json_t *j = json_loadb(reply->body, reply->len, 0, NULL);
    const char *error = json_string_value(json_object_get(j, "error"));
    const char *id = json_string_value(json_object_get(j, "survey_id"));
    json_t *version = json_object_get(j, "survey_version");
    bool ok = error && strcmp(error, "survey_closed") == 0 && id && id[0] &&
              strlen(id) <= SURVEY_MAX_ID_BYTES && json_is_integer(version);
    if (ok) {
        snprintf(out->survey_id, sizeof out->survey_id, "%s", id);
        out->version = (int)json_integer_value(version);
        out->closed_at = kclock_parse_utc(json_string_value(json_object_get(j, "closed_at")));
    }
    json_decref(j);
    return ok;
}

/* 410 survey_closed: only the survey this kiosk runs is marked closed. A
 * kiosk holding another one keeps it (the collector may still take its
 * answers) and says so on the maintenance screen. */
static void survey_closed(struct sync *s, const struct http_reply *reply, struct round_result *res)
{
    struct closed_notice n;
    if (!parse_closed(reply, &n)) {
        snprintf(res->error, sizeof res->error, "アンケートを取得できません (HTTP 410)");
        return;
    }
    res->contact_ok = true;
    if (strcmp(n.survey_id, s->survey_id) != 0 || n.version != s->survey_version) {
        snprintf(res->error, sizeof res->error,
                 s->survey_id[0] ? "収集サーバーでは別のアンケート（%.64s 版 %d）が終了しています"
                                 : "収集サーバーのアンケート（%.64s 版 %d）は終了しています",
                 n.survey_id, n.version);
        return;
    }
    if (kiosk_store_closed(s->st, n.survey_id, n.version, NULL))
        return; /* known since an earlier round */
    if (kiosk_store_set_closed(s->st, n.survey_id, n.version, n.closed_at) != 0) {
        snprintf(res->error, sizeof res->error, "アンケート終了の記録を保存できません");
        return;
    }
    fprintf(stderr, "kiosk: sync: the collector closed survey %s version %d; no new answers\n",
            n.survey_id, n.version);
    res->survey_changed = true;
}

/* A definition the collector serves: stored (which opens it if it was closed). */
static void survey_served(struct sync *s, const struct http_reply *reply, bool was_closed,
                          struct round_result *res)
{
    char err[SURVEY_ERR_LEN];
    struct survey *sv = NULL;
    res->contact_ok = true;
    if (survey_load_buffer(reply->body, reply->len, &sv, err, sizeof err) != SURVEY_OK) {
        snprintf(res->error, sizeof res->error, "受信したアンケート定義が不正です: %.180s", err);
    } else if (kiosk_store_set_survey(s->st, reply->body, reply->len, reply->etag) == 0) {
        if (was_closed)
            fprintf(stderr, "kiosk: sync: survey %s version %d is open; answers are taken\n",
                    sv->id, sv->version);
        note_survey(s, reply->body);
        res->survey_changed = true;
    }
    survey_free(sv);
}

/* The collector's key comes with every survey reply. Pinned in the config,
 * another key refuses the survey and stops uploads (the batches are sealed
 * for the pinned key); not pinned, a new key is stored and later answers are
 * sealed for it. No header (an older collector) keeps what the store has. */
static bool key_accepted(struct sync *s, const struct http_reply *reply, struct round_result *res)
{
    unsigned char pk[SEAL_KEY_BYTES], pin[SEAL_KEY_BYTES];
    char have[SEAL_PK_TEXT_LEN], got_id[SEAL_KEY_ID_LEN], pin_id[SEAL_KEY_ID_LEN];
    const char *got = reply->collector_key;
    s->key_seen = true;
    s->key_refused = false;
    if (!got[0])
        return true;
    if (seal_pk_from_text(got, pk) != 0) {
        snprintf(res->error, sizeof res->error, "集計サーバーの鍵が読めません（%.60s）", got);
        s->key_refused = true;
        return false;
    }
    seal_key_id(pk, got_id);
    if (s->cfg.collector_key[0] && strcmp(got, s->cfg.collector_key) != 0) {
        seal_pk_from_text(s->cfg.collector_key, pin);
        seal_key_id(pin, pin_id);
        snprintf(res->error, sizeof res->error,
                 "集計サーバーの鍵が設定と一致しません（設定 %s、サーバー %s）。"
                 "アンケートを更新せず、回答を送信しません",
                 pin_id, got_id);
        fprintf(stderr, "kiosk: sync: the collector's key %s is not the pinned key %s\n", got_id,
                pin_id);
        s->key_refused = true;
        return false;
    }
    if (kiosk_store_collector_key(s->st, have) != 1 || strcmp(have, got) != 0) {
        if (kiosk_store_set_collector_key(s->st, got) != 0) {
            snprintf(res->error, sizeof res->error, "集計サーバーの鍵を保存できません");
            return false;
        }
        fprintf(stderr, "kiosk: sync: answers are sealed for the collector's key %s\n", got_id);
        res->survey_changed = true;
    }
    return true;
}

static void fetch_survey(struct sync *s, struct round_result *res)
{
    char *json = NULL, *etag = NULL;
    struct http_reply reply = {0};

    kiosk_store_survey(s->st, &json, &etag);
    /* While closed, ask without the ETag: the same version published again
     * must come back as a 200 with its body, which is what opens it. */
    bool closed =
        s->survey_id[0] && kiosk_store_closed(s->st, s->survey_id, s->survey_version, NULL);
    if (http_client_request(s->http, "GET", "/api/v1/survey", NULL, 0, NULL, closed ? NULL : etag,
                            &reply) != 0) {
        snprintf(res->error, sizeof res->error, "収集サーバーに接続できません (%.150s)",
                 reply.error);
        res->failed = true;
    } else if ((reply.status == 200 || reply.status == 304 || reply.status == 410) &&
               !key_accepted(s, &reply, res)) {
        res->contact_ok = true; /* the collector answered; its survey is not used */
    } else if (reply.status == 304 || reply.status == 404) {
        res->contact_ok = true; /* 404: no survey published yet; the cache stays */
    } else if (reply.status == 410) {
        survey_closed(s, &reply, res);
    } else if (reply.status == 200) {
        survey_served(s, &reply, closed, res);
    } else {
        snprintf(res->error, sizeof res->error, "アンケートを取得できません (HTTP %ld)",
                 reply.status);
        res->failed = reply.status == 401 || reply.status == 403 || reply.status >= 500;
    }
    http_reply_release(&reply);
    free(json);
    free(etag);
}

/* ---- heartbeat ---- */

static char *heartbeat_json(struct sync *s)
{
    struct kiosk_store_status st;
    char clock[32];
    time_t now = kclock_now(), own = kclock_raw();
    struct tm tm;

    kiosk_store_get_status(s->st, &st);
    /* The kiosk's own clock, so that the collector sees its error. */
    gmtime_r(&own, &tm);
    strftime(clock, sizeof clock, "%Y-%m-%dT%H:%M:%SZ", &tm);
    long days = st.oldest_unsent && now > st.oldest_unsent
                    ? (long)((now - st.oldest_unsent) / SYNC_DAY)
                    : 0;
    /* DESIGN.md's fields only: nothing that moves when one person answers. */
    bool has_survey = s->survey_id[0] != '\0';
    json_t *j = json_pack("{s:s, s:s?, s:o?, s:i, s:i, s:I, s:s}", "app_version", KIOSK_VERSION,
                          "survey_id", has_survey ? s->survey_id : NULL, "survey_version",
                          has_survey ? json_integer(s->survey_version) : NULL, "sealed_batches",
                          st.sealed, "quarantined_batches", st.quarantined, "oldest_unsent_days",
                          (json_int_t)days, "clock", clock);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

static void send_heartbeat(struct sync *s, struct round_result *res)
{
    struct http_reply reply = {0};
    char *body = heartbeat_json(s);
    if (!body)
        return;
    if (http_client_request(s->http, "POST", "/api/v1/heartbeat", body, strlen(body), NULL, NULL,
                            &reply) == 0) {
        /* Any answer ends this heartbeat: one the collector refuses would
         * be refused again, so it waits for the interval like a good one. */
        s->next_heartbeat = monotonic_s() + s->cfg.heartbeat_interval_s;
        res->contact_ok |= reply.status / 100 == 2;
        if (reply.status / 100 != 2)
            snprintf(res->error, sizeof res->error, "ハートビートが受け付けられません (HTTP %ld)",
                     reply.status);
    }
    http_reply_release(&reply);
    free(body);
}

/* ---- one round ---- */

static void upload_all(struct sync *s, struct round_result *res)
{
    char ids[SYNC_BATCHES_PER_ROUND][37], why[UPLOAD_WHY_LEN];
    int n = kiosk_store_list_sealed(s->st, ids, SYNC_BATCHES_PER_ROUND);
    for (int i = 0; i < n; i++) {
        enum upload_verdict v =
            upload_batch(s->http, s->st, ids[i], why, sizeof why, &res->retry_after_s);
        if (v == UPLOAD_DELIVERED || v == UPLOAD_QUARANTINE)
            res->contact_ok = true;
        if (why[0])
            snprintf(res->error, sizeof res->error, "%s", why);
        if (v == UPLOAD_KEEP_AUTH || v == UPLOAD_KEEP_RETRY) {
            res->failed = true; /* the next batches would fare no better now */
            return;
        }
    }
    res->more = n == SYNC_BATCHES_PER_ROUND;
}

static void run_round(struct sync *s, struct round_result *res)
{
    char err[KSTORE_ERR_LEN];
    memset(res, 0, sizeof(*res));
    /* With a pinned key, the collector's key is checked before anything is
     * sent. When the survey request fails (no route, a refused token), the
     * usual order follows, so the upload's answer says why. */
    bool fetched = s->key_refused || (s->cfg.collector_key[0] && !s->key_seen);
    if (fetched) {
        fetch_survey(s, res);
        if (res->failed && !s->key_refused) {
            memset(res, 0, sizeof(*res));
            fetched = false;
        }
    }
    if (kiosk_store_seal(s->st, s->cfg.min_batch, kclock_now(), err, sizeof err) < 0)
        snprintf(res->error, sizeof res->error, "%s", err);
    if (!s->key_refused && !res->failed)
        upload_all(s, res);
    if (!res->failed && !fetched)
        fetch_survey(s, res);
    if (!res->failed && monotonic_s() >= s->next_heartbeat)
        send_heartbeat(s, res);
    if (atomic_load(&s->stopping))
        return; /* an aborted round says nothing about the collector */
    /* A quarantined batch stays a problem after later rounds succeed: keep
     * its message on the maintenance screen until someone deals with it. */
    struct kiosk_store_status st;
    kiosk_store_get_status(s->st, &st);
    const char *error = res->error[0] || st.quarantined == 0 ? res->error : NULL;
    kiosk_store_note_sync(s->st, res->contact_ok && !res->failed ? kclock_now() : 0, error);
}

/* ---- schedule ---- */

long sync_backoff_ms(int interval_s, int max_backoff_s, int failures, long retry_after_s,
                     uint32_t random)
{
    long base = (long)interval_s * 1000, cap = (long)max_backoff_s * 1000;
    if (failures <= 0)
        return base;
    cap = cap > base ? cap : base;
    long d = base;
    for (int i = 0; i < failures && d < cap; i++)
        d *= 2;
    d = d < cap ? d : cap;
    d = d / 2 + (long)(random % (uint32_t)(d / 2 + 1));
    if (retry_after_s * 1000 > d)
        d = retry_after_s * 1000 < cap ? retry_after_s * 1000 : cap;
    return d;
}

static long next_delay_ms(const struct sync *s, long retry_after_s)
{
    uint32_t r = 0;
    crypto_random(&r, sizeof r);
    return sync_backoff_ms(s->cfg.sync_interval_s, s->cfg.max_backoff_s, s->failures, retry_after_s,
                           r);
}

static void deadline_after(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* The store's view into the status the UI reads; the generation stays. */
static void copy_status(struct sync_status *out, const struct kiosk_store_status *st)
{
    out->last_ok = st->last_sync_ok;
    snprintf(out->last_error, sizeof out->last_error, "%s", st->last_error);
    out->sealed = st->sealed;
    out->quarantined = st->quarantined;
    out->unsealed = st->unsealed;
}

static void publish(struct sync *s, const struct round_result *res)
{
    struct kiosk_store_status st;
    kiosk_store_get_status(s->st, &st);
    pthread_mutex_lock(&s->mu);
    copy_status(&s->status, &st);
    s->status.survey_generation += res->survey_changed ? 1 : 0;
    s->round_failed = res->failed;
    s->more_pending = res->more;
    s->rounds++;
    pthread_cond_broadcast(&s->round);
    pthread_mutex_unlock(&s->mu);
}

static void *sync_main(void *arg)
{
    struct sync *s = arg;
    struct round_result res;
    struct timespec until;

    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        s->kick = false;
        s->started++;
        pthread_mutex_unlock(&s->mu);
        run_round(s, &res);
        s->failures = res.failed ? s->failures + 1 : 0;
        if (s->failures > 30)
            s->failures = 30; /* the delay is capped long before; keep the shift sane */
        publish(s, &res);
        deadline_after(&until, res.more && !res.failed ? 0 : next_delay_ms(s, res.retry_after_s));
        pthread_mutex_lock(&s->mu);
        while (!s->stop && !s->kick)
            if (pthread_cond_timedwait(&s->wake, &s->mu, &until) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- public ---- */

static int init_sync(struct sync *s, const struct kiosk_config *cfg, char *err, size_t errlen)
{
    char *json = NULL, *etag = NULL;
    struct kiosk_store_status st;
    pthread_condattr_t attr;

    s->cfg = *cfg;
    if (s->cfg.max_backoff_s <= 0)
        s->cfg.max_backoff_s = 600;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        snprintf(err, errlen, "sync: libcurl cannot start: %s", curl_easy_strerror(curl_init_rc));
        return -1;
    }
    if (kiosk_store_open(cfg->db, &s->st, NULL, err, errlen) != 0)
        return -1;
    if (cfg->collector_key[0] && kiosk_store_set_collector_key(s->st, cfg->collector_key) != 0) {
        snprintf(err, errlen, "sync: cannot store the pinned collector key");
        return -1;
    }
    s->http = http_client_new(cfg->collector_url, cfg->token, cfg->ca_file, err, errlen);
    if (!s->http)
        return -1;
    atomic_init(&s->stopping, false);
    http_client_set_abort(s->http, &s->stopping);
    kiosk_store_get_status(s->st, &st);
    copy_status(&s->status, &st);
    kiosk_store_survey(s->st, &json, &etag);
    note_survey(s, json);
    free(json);
    free(etag);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_cond_init(&s->round, NULL);
    return 0;
}

/* Frees what init_sync() set up, once no thread runs on s. */
static void sync_free(struct sync *s)
{
    http_client_free(s->http);
    kiosk_store_close(s->st);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->round);
    free(s);
}

struct sync *sync_start(const struct kiosk_config *cfg, char *err, size_t errlen)
{
    struct sync *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "sync: out of memory");
        return NULL;
    }
    if (init_sync(s, cfg, err, errlen) != 0) {
        http_client_free(s->http);
        kiosk_store_close(s->st);
        free(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, sync_main, s) != 0) {
        snprintf(err, errlen, "sync: cannot start the sync thread");
        sync_free(s);
        return NULL;
    }
    return s;
}

void sync_now(struct sync *s)
{
    pthread_mutex_lock(&s->mu);
    s->kick = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
}

/* Waits until round number `round` has finished. */
static bool wait_round(struct sync *s, unsigned round, const struct timespec *deadline)
{
    while (s->rounds < round)
        if (pthread_cond_timedwait(&s->round, &s->mu, deadline) == ETIMEDOUT)
            return false;
    return true;
}

bool sync_drain(struct sync *s, int timeout_s)
{
    struct timespec deadline;
    bool done = false;

    clock_gettime(CLOCK_REALTIME, &deadline); /* s->round uses the default clock */
    deadline.tv_sec += timeout_s;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        /* A round already under way may have sealed before the caller's
         * last submit: only a round that starts from now on counts. Let it
         * end first: kicked while it ran, the thread would start the next at
         * once even when it failed, and cut the backoff (and a Retry-After)
         * short. */
        if (s->started > s->rounds && !wait_round(s, s->started, &deadline))
            break;
        unsigned next = s->started + 1;
        if (!s->round_failed || s->rounds == 0) {
            s->kick = true; /* after a failure the thread's backoff decides when */
            pthread_cond_signal(&s->wake);
        }
        if (!wait_round(s, next, &deadline))
            break;
        if (!s->round_failed && !s->more_pending && s->status.sealed == 0) {
            done = true;
            break;
        }
    }
    bool delivered = done && s->status.quarantined == 0;
    int unsealed = s->status.unsealed;
    pthread_mutex_unlock(&s->mu);
    if (done && unsealed > 0)
        fprintf(stderr,
                "sync: %d responses wait for a batch (fewer than min_batch and less than a day "
                "old); they will be sent later\n",
                unsealed);
    return delivered;
}

void sync_get_status(struct sync *s, struct sync_status *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->status;
    pthread_mutex_unlock(&s->mu);
}

void sync_stop(struct sync *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true); /* cuts a transfer under way short */
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    sync_free(s);
}
