/* Kiosk heartbeats. Assumption: a kiosk's clock may be wrong by hours or
 * days (no NTP on an isolated LAN), so the skew is computed and shown,
 * never corrected; the collector's own clock stamps last_seen_at. */
#include "heartbeat.h"
#include "cclock.h"
#include "log.h"
#include "jsonmem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int heartbeat_digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

int heartbeat_parse_time(const char *t, int64_t *out)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
    size_t n = strlen(t), i = 19;

    if (n < 20 || heartbeat_digits(t, 4, &y) || t[4] != '-' || heartbeat_digits(t + 5, 2, &mo) ||
        t[7] != '-' || heartbeat_digits(t + 8, 2, &d) || (t[10] != 'T' && t[10] != 't') ||
        heartbeat_digits(t + 11, 2, &h) || t[13] != ':' || heartbeat_digits(t + 14, 2, &mi) ||
        t[16] != ':' || heartbeat_digits(t + 17, 2, &s))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    if (t[i] == '.')
        for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++)
            ;
    if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == n) {
        sign = 0;
    } else if ((t[i] == '+' || t[i] == '-') && i + 6 == n && t[i + 3] == ':' &&
               !heartbeat_digits(t + i + 1, 2, &oh) && !heartbeat_digits(t + i + 4, 2, &om)) {
        sign = t[i] == '+' ? 1 : -1;
    } else {
        return -1;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    *out = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
    return 0;
}

/* Checks one field; returns NULL or the reason it is wrong. */
static const char *heartbeat_check(json_t *root, const char *name, json_t **out)
{
    json_t *v = json_object_get(root, name);
    *out = v;
    if (!v)
        return "is missing";
    if (!strcmp(name, "app_version") || !strcmp(name, "clock")) {
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_string_length(v) > HEARTBEAT_MAX_STRING)
            return "must be a non-empty string";
    } else if (!strcmp(name, "survey_id")) {
        if (!json_is_null(v) &&
            (!json_is_string(v) || json_string_length(v) > HEARTBEAT_MAX_STRING))
            return "must be a string or null";
    } else if (!strcmp(name, "oldest_unsent_days")) {
        /* A kiosk whose clock went back counts its waiting batch's age
         * negative: clamped to 0 (heartbeat_clamp), never refused. */
        if (!json_is_number(v) || json_number_value(v) < -1e6 || json_number_value(v) > 1e6)
            return "must be a number of days";
    } else if (!strcmp(name, "survey_version")) {
        if (!json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 0))
            return "must be an integer or null";
    } else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
               json_integer_value(v) > 1000000000) {
        return "must be an integer, 0 or more";
    }
    return NULL;
}

static const char *const heartbeat_fields[] = {
    "app_version",         "survey_id",          "survey_version", "sealed_batches",
    "quarantined_batches", "oldest_unsent_days", "clock",
};
#define HEARTBEAT_N_FIELDS (sizeof heartbeat_fields / sizeof heartbeat_fields[0])

/* The kept fields as a new object, or NULL with rep filled. */
static json_t *heartbeat_reduce(json_t *root, struct reply *rep)
{
    json_t *kept = json_object();

    for (size_t i = 0; kept && i < HEARTBEAT_N_FIELDS; i++) {
        json_t *v;
        const char *why = heartbeat_check(root, heartbeat_fields[i], &v);
        if (why) {
            reply_error(rep, 400, "bad_heartbeat", "heartbeat field \"%s\" %s", heartbeat_fields[i],
                        why);
            json_decref(kept);
            return NULL;
        }
        json_object_set(kept, heartbeat_fields[i], v);
    }
    if (!kept)
        reply_error(rep, 503, "overloaded", "the collector ran out of memory; retry later");
    return kept;
}

/* A negative oldest_unsent_days becomes 0; returns whether it was. */
static bool heartbeat_clamp(json_t *kept)
{
    json_t *v = json_object_get(kept, "oldest_unsent_days");

    if (!v || json_number_value(v) >= 0)
        return false;
    json_object_set_new(kept, "oldest_unsent_days", json_integer(0));
    return true;
}

static void heartbeat_store(struct store *st, int64_t kiosk_id, json_t *kept, struct reply *rep)
{
    bool clamped = heartbeat_clamp(kept);
    char now[21], *text = json_dumps(kept, JSON_COMPACT | JSON_SORT_KEYS), *body = NULL;
    int64_t kiosk_time;
    int has_skew =
        heartbeat_parse_time(json_string_value(json_object_get(kept, "clock")), &kiosk_time) == 0;
    long long skew = has_skew ? (long long)(kiosk_time - (int64_t)cclock_now()) : 0;
    enum store_err e;

    if (!text) {
        reply_error(rep, 503, "overloaded", "the collector ran out of memory; retry later");
        return;
    }
    e = store_kiosk_heartbeat(st, kiosk_id, text, has_skew, skew);
    free(text);
    if (e != STORE_OK) {
        reply_error(rep, 503, "storage_unavailable",
                    "the collector cannot record the heartbeat now (%s); retry later",
                    store_strerror(e));
        return;
    }
    store_now(now);
    if (clamped)
        log_line("warn", "heartbeat",
                 "kiosk_id=%lld clock_skew_s=%lld msg=\"oldest_unsent_days was "
                 "negative (the kiosk's clock went back); stored as 0\"",
                 (long long)kiosk_id, skew);
    if (asprintf(&body, "{\"ok\":true,\"server_time\":\"%s\",\"clock_skew_s\":%lld%s}", now, skew,
                 clamped ? ",\"clamped\":[\"oldest_unsent_days\"]" : "") < 0)
        reply_error(rep, 503, "overloaded", "the collector ran out of memory; retry later");
    else
        reply_set(rep, 200, "application/json", body, strlen(body));
}

void heartbeat_handle(struct store *st, int64_t kiosk_id, const char *body, size_t len,
                      struct reply *rep)
{
    json_error_t jerr;
    bool oom;
    json_t *root = jsonmem_load(body, len, &jerr, &oom), *kept;
    int64_t t;

    if (oom) {
        reply_error(rep, 503, "overloaded", "the collector ran out of memory; retry later");
        goto out;
    }
    if (!json_is_object(root)) {
        reply_error(rep, 400, "bad_json", "the heartbeat is not a JSON object: %s",
                    root ? "wrong type" : jerr.text);
        goto out;
    }
    if (!(kept = heartbeat_reduce(root, rep)))
        goto out;
    if (heartbeat_parse_time(json_string_value(json_object_get(kept, "clock")), &t) != 0)
        reply_error(rep, 400, "bad_heartbeat",
                    "heartbeat field \"clock\" must be RFC 3339, e.g. 2025-02-07T09:30:00+09:00");
    else
        heartbeat_store(st, kiosk_id, kept, rep);
    json_decref(kept);
out:
    json_decref(root);
}
