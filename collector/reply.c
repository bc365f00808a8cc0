/* Replies that routes hand to the HTTP layer. Error bodies are built with
 * jansson so that any message text is escaped correctly; a reply always
 * ends up with a body, even when memory runs out (a static fallback). */
#include "reply.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLY_MESSAGE_MAX 1024 /* an error message longer than this is cut */

static const char reply_nomem_body[] =
    "{\"error\":\"out_of_memory\",\"message\":\"the collector ran out of memory; retry later\"}";

static void reply_set_fallback(struct reply *r)
{
    size_t len = sizeof reply_nomem_body - 1;
    char *copy = malloc(len + 1);

    r->status = 503;
    r->content_type = "application/json";
    r->body = copy;
    r->body_len = copy ? len : 0;
    if (copy)
        memcpy(copy, reply_nomem_body, len + 1);
}

void reply_error(struct reply *r, int status, const char *code, const char *fmt, ...)
{
    char message[REPLY_MESSAGE_MAX];
    va_list ap;
    json_t *obj;
    char *text;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);

    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    obj = json_pack("{s:s, s:s}", "error", code, "message", message);
    if (!obj) /* the text quoted bytes that are not UTF-8: keep the status */
        obj = json_pack("{s:s, s:s}", "error", code, "message",
                        "the request holds text that is not valid UTF-8");
    text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text) {
        reply_set_fallback(r);
        return;
    }
    reply_set(r, status, "application/json", text, strlen(text));
}

void reply_set(struct reply *r, int status, const char *content_type, char *body, size_t len)
{
    if (r->body != body)
        free(r->body);
    r->status = status;
    r->content_type = content_type;
    r->body = body;
    r->body_len = len;
}

void reply_release(struct reply *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->etag);
    free(r->content_disposition);
    free(r->set_cookie[0]);
    free(r->set_cookie[1]);
    free(r->location);
    r->set_cookie[0] = r->set_cookie[1] = r->location = NULL;
    r->body = NULL;
    r->etag = NULL;
    r->content_disposition = NULL;
    r->body_len = 0;
}
