/* Uploading one sealed batch. Assumes the batch body in the store is the
 * exact encoded JSON, so a retry sends the same bytes and the collector can
 * recognise it as a duplicate (200) rather than a conflict (409). */
#include "upload.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

static void say(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* Whether a 200/201 body is the collector's acknowledgement of batch_id,
 * not a page from a proxy or captive portal that happens to say 200. */
static bool acknowledges(const char *body, const char *batch_id)
{
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "batch_id"));
    bool ok = id && strcmp(id, batch_id) == 0;
    json_decref(j);
    return ok;
}

/* The collector's own words from an error body {"error":..., "message":...}. */
static void collector_message(const char *body, char *out, size_t outlen)
{
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(j, "message"));
    snprintf(out, outlen, "%.180s", m ? m : "no message");
    json_decref(j);
}

enum upload_verdict upload_verdict(long status, const char *body, const char *batch_id, char *why,
                                   size_t whylen)
{
    char msg[200];
    why[0] = '\0';
    if (status == 200 || status == 201) {
        if (acknowledges(body, batch_id))
            return UPLOAD_DELIVERED;
        say(why, whylen,
            "HTTP %ld でしたが、応答がバッチを確認していません（プロキシ等の可能性）。再送します",
            status);
        return UPLOAD_KEEP_RETRY;
    }
    collector_message(body, msg, sizeof msg);
    switch (status) {
    case 400:
    case 409:
    case 413:
    case 415:
    case 422:
        say(why, whylen, "収集サーバーがバッチを拒否しました (HTTP %ld: %s)。隔離して保管します",
            status, msg);
        return UPLOAD_QUARANTINE;
    case 401:
    case 403:
        say(why, whylen,
            "このキオスクのトークンが無効です (HTTP %ld)。管理者に新しいトークンを発行してもらい、"
            "設定ファイルの token を更新してください",
            status);
        return UPLOAD_KEEP_AUTH;
    case 0:
        say(why, whylen, "収集サーバーに接続できません。後で再送します");
        return UPLOAD_KEEP_RETRY;
    default:
        say(why, whylen, "収集サーバーが一時的に受け付けていません (HTTP %ld: %s)。後で再送します",
            status, msg);
        return UPLOAD_KEEP_RETRY;
    }
}

static enum upload_verdict apply(struct kiosk_store *st, const char *batch_id,
                                 enum upload_verdict v, long status, const char *why)
{
    int rc = 0;
    if (v == UPLOAD_DELIVERED)
        rc = kiosk_store_batch_delivered(st, batch_id);
    else
        rc = kiosk_store_batch_attempt(st, batch_id, v == UPLOAD_QUARANTINE, (int)status, why);
    /* A store that cannot record the outcome must not let the loop go on as if it had. */
    return rc == 0 ? v : UPLOAD_KEEP_RETRY;
}

enum upload_verdict upload_batch(struct http_client *http, struct kiosk_store *st,
                                 const char *batch_id, char *why, size_t whylen,
                                 long *retry_after_s)
{
    char *json = NULL;
    void *wire = NULL;
    size_t len = 0, wire_len = 0;
    struct http_reply reply = {0};
    enum upload_verdict v = UPLOAD_KEEP_RETRY;

    *retry_after_s = 0;
    if (kiosk_store_batch_body(st, batch_id, &json, &len) != 0) {
        say(why, whylen, "バッチ %s を読み出せません", batch_id);
        goto out;
    }
    if (batch_deflate(json, len, &wire, &wire_len) != BATCH_OK) {
        say(why, whylen, "バッチ %s を圧縮できません（メモリ不足）", batch_id);
        goto out;
    }
    if (http_client_request(http, "POST", "/api/v1/batches", wire, wire_len, "deflate", NULL,
                            &reply) != 0) {
        say(why, whylen, "収集サーバーに接続できません (%s)。後で再送します", reply.error);
        goto out;
    }
    *retry_after_s = reply.retry_after_s;
    v = upload_verdict(reply.status, reply.body, batch_id, why, whylen);
    v = apply(st, batch_id, v, reply.status, why);
out:
    http_reply_release(&reply);
    free(wire);
    free(json);
    return v;
}
