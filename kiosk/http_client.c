/* The sync client's HTTP over libcurl. Assumes one thread per client and a
 * collector on the LAN: requests are small, so tight timeouts are right and a
 * reply larger than HTTP_MAX_REPLY_BYTES is an error, not something to keep. */
#include "http_client.h"
#include "kclock.h"
#include "kerr.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_URL_LEN    1024
#define HTTP_HEADER_LEN 700

struct http_client {
    CURL *curl;
    const atomic_bool *abort_flag; /* NULL: never aborted */
    char detail[CURL_ERROR_SIZE];  /* libcurl's own words for the last failure */
    char base[HTTP_URL_LEN];
    char auth[HTTP_HEADER_LEN];
};

struct reply_buf {
    struct http_reply *r;
    size_t cap;
    int overflow;
};

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct reply_buf *b = user;
    size_t add = size * n;
    if (b->r->len + add > HTTP_MAX_REPLY_BYTES) {
        b->overflow = 1;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    if (b->r->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->r->len + add + 1)
            cap *= 2;
        char *p = realloc(b->r->body, cap);
        if (!p)
            return 0;
        b->r->body = p;
        b->cap = cap;
    }
    memcpy(b->r->body + b->r->len, data, add);
    b->r->len += add;
    b->r->body[b->r->len] = '\0';
    return add;
}

#define HTTP_MAX_RETRY_AFTER_S 86400

/* The value of header `name` if line is that header, trimmed, else NULL. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    const char *v = line + n + 1;
    *vlen = len - n - 1;
    while (*vlen && isspace((unsigned char)*v))
        v++, (*vlen)--;
    while (*vlen && isspace((unsigned char)v[*vlen - 1]))
        (*vlen)--;
    return v;
}

/* Keeps the ETag (it comes back as If-None-Match) and Retry-After in
 * seconds (an HTTP date there is ignored: the backoff covers it). */
static size_t on_header(char *line, size_t size, size_t n, void *user)
{
    struct reply_buf *b = user;
    size_t len = size * n, vlen = 0;
    const char *v;
    if ((v = header_value(line, len, "ETag", &vlen)) && vlen < sizeof b->r->etag) {
        memcpy(b->r->etag, v, vlen);
        b->r->etag[vlen] = '\0';
    } else if ((v = header_value(line, len, "X-Collector-Key", &vlen))) {
        if (vlen < sizeof b->r->collector_key) {
            memcpy(b->r->collector_key, v, vlen);
            b->r->collector_key[vlen] = '\0';
        }
    } else if ((v = header_value(line, len, "Retry-After", &vlen))) {
        long secs = 0;
        for (size_t i = 0;
             i < vlen && isdigit((unsigned char)v[i]) && secs < HTTP_MAX_RETRY_AFTER_S; i++)
            secs = secs * 10 + (v[i] - '0');
        b->r->retry_after_s = secs < HTTP_MAX_RETRY_AFTER_S ? secs : HTTP_MAX_RETRY_AFTER_S;
    } else if ((v = header_value(line, len, "Date", &vlen)) && vlen < 64) {
        char date[64];
        memcpy(date, v, vlen);
        date[vlen] = '\0';
        time_t t = curl_getdate(date, NULL);
        b->r->date = t > 0 ? t : 0;
    }
    return len;
}

/* libcurl calls this about once a second and on every chunk; non-zero aborts. */
static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const struct http_client *c = user;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return c->abort_flag && atomic_load(c->abort_flag) ? 1 : 0;
}

void http_client_set_abort(struct http_client *c, const atomic_bool *abort_flag)
{
    c->abort_flag = abort_flag;
}

static int set_common(struct http_client *c, const char *ca_file)
{
    CURL *h = c->curl;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK; /* threads: no SIGALRM */
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT_S) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)HTTP_TOTAL_TIMEOUT_S) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_LOW_SPEED_BYTES) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)HTTP_LOW_SPEED_S) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->detail) != CURLE_OK;
    if (ca_file && *ca_file)
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, ca_file) != CURLE_OK;
    return bad ? -1 : 0;
}

struct http_client *http_client_new(const char *base_url, const char *token, const char *ca_file,
                                    char *err, size_t errlen)
{
    struct http_client *c = calloc(1, sizeof(*c));
    if (!c) {
        kerr_fail(err, errlen, "http: out of memory");
        return NULL;
    }
    size_t n = strlen(base_url);
    while (n && base_url[n - 1] == '/')
        n--;
    if (n >= sizeof c->base || strlen(token) + 32 >= sizeof c->auth) {
        kerr_fail(err, errlen, "http: the collector URL or the token is too long");
        goto fail;
    }
    memcpy(c->base, base_url, n);
    snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s", token);
    c->curl = curl_easy_init();
    if (!c->curl || set_common(c, ca_file) != 0) {
        kerr_fail(err, errlen, "http: cannot set up libcurl (is it built with http and https?)");
        goto fail;
    }
    return c;
fail:
    http_client_free(c);
    return NULL;
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

static struct curl_slist *build_headers(struct http_client *c, const void *body,
                                        const char *content_encoding, const char *if_none_match)
{
    char line[HTTP_HEADER_LEN];
    struct curl_slist *h = NULL, *t = NULL;
    const char *fixed[3] = {c->auth, "Expect:", body ? "Content-Type: application/json" : NULL};
    for (int i = 0; i < 3; i++) {
        if (fixed[i] && !(t = curl_slist_append(h, fixed[i])))
            goto fail;
        h = fixed[i] ? t : h;
    }
    if (content_encoding) {
        snprintf(line, sizeof line, "Content-Encoding: %s", content_encoding);
        if (!(t = curl_slist_append(h, line)))
            goto fail;
        h = t;
    }
    if (if_none_match && *if_none_match) {
        snprintf(line, sizeof line, "If-None-Match: %s", if_none_match);
        if (!(t = curl_slist_append(h, line)))
            goto fail;
        h = t;
    }
    return h;
fail:
    curl_slist_free_all(h);
    return NULL;
}

static void set_method(CURL *h, const char *method, const void *body, size_t len)
{
    if (body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
                     strcmp(method, body ? "POST" : "GET") ? method : NULL);
}

int http_client_request(struct http_client *c, const char *method, const char *path,
                        const void *body, size_t len, const char *content_encoding,
                        const char *if_none_match, struct http_reply *out)
{
    char url[HTTP_URL_LEN * 2];
    struct reply_buf buf = {.r = out};
    struct curl_slist *headers = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    snprintf(url, sizeof url, "%s%s", c->base, path);
    headers = build_headers(c, body, content_encoding, if_none_match);
    if (!headers) {
        kerr_fail(out->error, sizeof out->error, "out of memory");
        goto out;
    }
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &buf);
    set_method(c->curl, method, body, len);
    c->detail[0] = '\0';
    CURLcode cc = curl_easy_perform(c->curl);
    if (cc != CURLE_OK) {
        /* The detail names the cause (a refused port, a certificate problem). */
        kerr_fail(out->error, sizeof out->error, "%.200s%s",
                  c->detail[0] ? c->detail : curl_easy_strerror(cc),
                  buf.overflow ? " (the reply is larger than the kiosk accepts)" : "");
        goto out;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
    kclock_observe(out->date); /* the collector's clock is the reference */
    if (!out->body && !(out->body = calloc(1, 1))) {
        kerr_fail(out->error, sizeof out->error, "out of memory");
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(headers);
    if (rc != 0) {
        out->status = 0;
        out->etag[0] = '\0';
        out->collector_key[0] = '\0';
    }
    return rc;
}

void http_reply_release(struct http_reply *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->len = 0;
}
