/* The bridge to the console (console.c): the form of a POST is parsed by
 * libmicrohttpd's post processor (urlencoded or multipart) into capped
 * fields, the client's address and cookies are looked up, and the reply
 * carries the console's Content-Security-Policy. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "console.h"
#include "http.h"

struct http_console_form {
    struct console_field fields[CONSOLE_FIELDS_MAX];
    size_t n;
    bool bad;
};

static const char *http_console_arg(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static const char *http_console_cookie(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_COOKIE_KIND, name);
}

/* The field named key, made when new; NULL past CONSOLE_FIELDS_MAX. */
static struct console_field *http_console_field(struct http_console_form *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->fields[i].name, key))
            return &f->fields[i];
    if (f->n == CONSOLE_FIELDS_MAX || strlen(key) >= sizeof f->fields[0].name)
        return NULL;
    snprintf(f->fields[f->n].name, sizeof f->fields[0].name, "%s", key);
    return &f->fields[f->n++];
}

static enum MHD_Result http_console_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                         const char *filename, const char *content_type,
                                         const char *transfer_encoding, const char *data,
                                         uint64_t off, size_t size)
{
    struct http_console_form *f = cls;
    struct console_field *fld = http_console_field(f, key);
    char *grown;

    (void)kind, (void)filename, (void)content_type, (void)transfer_encoding, (void)off;
    if (!fld || fld->len + size > CONSOLE_UPLOAD_MAX ||
        !(grown = realloc(fld->value, fld->len + size + 1))) {
        f->bad = true;
        return MHD_NO;
    }
    memcpy(grown + fld->len, data, size);
    fld->len += size;
    grown[fld->len] = '\0';
    fld->value = grown;
    return MHD_YES;
}

static void http_console_parse(struct MHD_Connection *conn, const char *body, size_t len,
                               struct http_console_form *f)
{
    struct MHD_PostProcessor *pp = MHD_create_post_processor(conn, 16384, http_console_iter, f);

    if (!pp) { /* not a form type the post processor knows */
        f->bad = true;
        return;
    }
    if (len && MHD_post_process(pp, body, len) != MHD_YES)
        f->bad = true;
    if (MHD_destroy_post_processor(pp) != MHD_YES)
        f->bad = true;
}

void http_client_address(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(out, len, "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

void http_console_answer(struct http *h, struct MHD_Connection *conn, const char *method,
                         const char *path, const char *body, size_t len, struct reply *rep)
{
    struct http_console_form form = {0};
    char address[INET6_ADDRSTRLEN];
    bool post = !strcmp(method, "POST");
    struct console_request req = {
        .method = method,
        .path = path,
        .arg = http_console_arg,
        .cookie = http_console_cookie,
        .ctx = conn,
        .address = address,
        .tls = h->tls,
        .base_url = h->public_url ? h->public_url : h->listen_url,
        .body = body ? body : "",
        .body_len = len,
        .store = h->store,
        .min_group_size = h->min_group_size,
    };

    http_client_address(conn, address, sizeof address);
    if (post && strcmp(path, CONSOLE_PAIR_PATH) != 0)
        http_console_parse(conn, body ? body : "", len, &form);
    req.fields = form.fields;
    req.n_fields = form.n;
    req.form_bad = form.bad;
    console_handle(&req, rep);
    if (!rep->csp)
        rep->csp = CONSOLE_CSP;
    for (size_t i = 0; i < form.n; i++)
        free(form.fields[i].value);
}
