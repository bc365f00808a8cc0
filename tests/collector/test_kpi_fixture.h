/* Shared by the KPI and report tests (included, not compiled alone): a real
 * collector on a loopback port with the Goshogawara survey, and batches of
 * responses whose every answer the test chooses, posted through the real
 * POST /api/v1/batches. */
#ifndef TESTS_COLLECTOR_KPI_FIXTURE_H
#define TESTS_COLLECTOR_KPI_FIXTURE_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "testutil.h"

#define KF_ITEMS     12
#define KF_BATCH_MAX 1000 /* responses per batch (DESIGN.md) */

struct kf_response {
    const char *month;
    int a[KF_ITEMS];        /* answers to q01..q12; 0 leaves the question out */
    const char *employment; /* "regular", "kaikei" or NULL for unanswered */
};

struct kf_env {
    char dir[TU_PATH_MAX];
    char db[TU_PATH_MAX + 16];
    char kiosk[TU_TOKEN_MAX];
    char admin[TU_TOKEN_MAX];
    char bearer[TU_TOKEN_MAX + 16];
    struct tu_server srv;
    bool started;
};

static inline int kf_start(struct kf_env *e, const char *name)
{
    memset(e, 0, sizeof *e);
    if (tu_tempdir(name, e->dir) != 0)
        return -1;
    snprintf(e->db, sizeof e->db, "%s/collector.db", e->dir);
    if (tu_setup_db(e->db, e->kiosk, e->admin) != 0)
        return -1;
    snprintf(e->bearer, sizeof e->bearer, "Bearer %s", e->admin);
    if (tu_server_start(&e->srv, e->db, NULL) != 0)
        return -1;
    e->started = true;
    return 0;
}

/* Stops the daemon and removes its folder. Returns -1, keeping the folder
 * for a look, when the daemon's log holds a sanitizer report. */
static inline int kf_stop(struct kf_env *e)
{
    bool dirty = false;

    if (e->started) {
        tu_server_stop(&e->srv);
        dirty = tu_server_log_has(&e->srv, "Sanitizer");
        if (dirty)
            fprintf(stderr, "kf_stop: sanitizer report in %s\n", e->srv.log_path);
    }
    e->started = false;
    if (e->dir[0] && !dirty)
        tu_rmdir(e->dir);
    e->dir[0] = '\0';
    return dirty ? -1 : 0;
}

/* A batch of the survey survey_id with responses r[0..n). */
static inline char *kf_batch_json(const char *survey_id, const struct kf_response *r, size_t n)
{
    size_t cap = 256 + n * 320, len = 0;
    char id[CRYPTO_UUID_LEN], *out = malloc(cap);

    if (!out || crypto_uuid4(id) != 0) {
        free(out);
        return NULL;
    }
    len += (size_t)snprintf(out + len, cap - len,
                            "{\"format\":1,\"batch_id\":\"%s\",\"survey_id\":\"%s\","
                            "\"survey_version\":1,\"responses\":[",
                            id, survey_id);
    for (size_t i = 0; i < n; i++) {
        bool first = true;
        len += (size_t)snprintf(out + len, cap - len, "%s{\"month\":\"%s\",\"answers\":{",
                                i ? "," : "", r[i].month);
        for (int q = 0; q < KF_ITEMS; q++) {
            if (!r[i].a[q])
                continue;
            len += (size_t)snprintf(out + len, cap - len, "%s\"q%02d\":%d", first ? "" : ",", q + 1,
                                    r[i].a[q]);
            first = false;
        }
        if (r[i].employment)
            len += (size_t)snprintf(out + len, cap - len,
                                    "},\"attributes\":{\"employment\":\"%s\"}}", r[i].employment);
        else
            len += (size_t)snprintf(out + len, cap - len, "},\"attributes\":{}}");
    }
    snprintf(out + len, cap - len, "]}");
    return out;
}

/* Posts r[0..n) in batches of at most KF_BATCH_MAX; returns the number
 * stored, or -1 when a batch was not answered 201. */
static inline long kf_post(const struct kf_env *e, const char *survey_id,
                           const struct kf_response *r, size_t n)
{
    long stored = 0;

    for (size_t at = 0; at < n; at += KF_BATCH_MAX) {
        size_t k = n - at < KF_BATCH_MAX ? n - at : KF_BATCH_MAX;
        struct tu_response resp = {0};
        char *json = kf_batch_json(survey_id, r + at, k);
        int rc = json ? tu_post_batch(&resp, e->srv.url, e->kiosk, json, true) : -1;

        if (rc != 0 || resp.status != 201) {
            fprintf(stderr, "kf_post: status %ld: %s\n", resp.status, resp.body ? resp.body : "");
            free(json);
            tu_response_free(&resp);
            return -1;
        }
        stored += (long)k;
        free(json);
        tu_response_free(&resp);
    }
    return stored;
}

/* GET base+path with the admin token; resp to be freed by the caller. */
static inline int kf_get(const struct kf_env *e, const char *path, struct tu_response *resp)
{
    char url[1024];

    snprintf(url, sizeof url, "%s%s", e->srv.url, path);
    memset(resp, 0, sizeof *resp);
    return tu_http(resp, "GET", url, e->bearer, NULL, NULL, 0);
}

/* GET path as JSON; *status gets the HTTP status. NULL if the body is not JSON. */
static inline json_t *kf_get_json(const struct kf_env *e, const char *path, long *status)
{
    struct tu_response resp;
    json_t *j = NULL;

    if (kf_get(e, path, &resp) == 0 && resp.body)
        j = json_loads(resp.body, 0, NULL);
    *status = resp.status;
    tu_response_free(&resp);
    return j;
}

/* The item with this id in a KPI JSON's items (or a group's). */
static inline json_t *kf_item(json_t *items, const char *id)
{
    size_t i;
    json_t *it;

    json_array_foreach(items, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
            return it;
    }
    return NULL;
}

/* Fills one response with every answer = v. */
static inline struct kf_response kf_all(const char *month, int v, const char *employment)
{
    struct kf_response r = {.month = month, .employment = employment};

    for (int q = 0; q < KF_ITEMS; q++)
        r.a[q] = v;
    return r;
}

#endif
