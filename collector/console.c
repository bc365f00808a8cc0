/* The console's routes and the checks every request passes first: the
 * session cookie (idle ones end), the role the page needs (a viewer gets
 * 403 on an admin page, by link or by POST), and the CSRF token of every
 * POST (the session's; on the login and setup forms, a cookie of their
 * own, the double-submit pattern). A login always makes a new session, so
 * a cookie planted before it is never the one that gets logged in. */
#include "console.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "cclock.h"
#include "console_auth.h"
#include "console_page.h"
#include "console_routes.h"
#include "report_html.h"

#define CONSOLE_PRE_COOKIE "console_form" /* the login and setup forms' CSRF cookie */

static const struct {
    int status;
    const char *name, *text;
} console_errs[] = {
#define CONSOLE_ROW(code, status, name, text) {status, name, text},
    CONSOLE_ERRORS(CONSOLE_ROW)
#undef CONSOLE_ROW
};

int console_err_status(enum console_err e)
{
    return console_errs[e].status;
}

const char *console_err_name(enum console_err e)
{
    return console_errs[e].name;
}

const char *console_err_text(enum console_err e)
{
    return console_errs[e].text;
}

enum console_need { NEED_NONE, NEED_VIEWER, NEED_ADMIN };

struct console_route {
    const char *path;
    bool prefix;
    enum console_need get_need, post_need;
    void (*get)(struct console_ctx *c);
    void (*post)(struct console_ctx *c);
};

static void console_css_get(struct console_ctx *c)
{
    char *css = strdup(console_css);

    if (css)
        reply_set(c->rep, 200, "text/css; charset=utf-8", css, strlen(css));
    c->rep->csp = CONSOLE_CSP;
}

static void console_root(struct console_ctx *c)
{
    page_redirect(c, "/console/");
}

static const struct console_route console_routes[] = {
    {"/console", false, NEED_NONE, NEED_NONE, console_root, NULL},
    {"/console/console.css", false, NEED_NONE, NEED_NONE, console_css_get, NULL},
    {"/console/login", false, NEED_NONE, NEED_NONE, console_login_get, console_login_post},
    {"/console/setup", false, NEED_NONE, NEED_NONE, console_setup_get, console_setup_post},
    {"/console/logout", false, NEED_VIEWER, NEED_VIEWER, NULL, console_logout_post},
    {"/console/", false, NEED_VIEWER, NEED_VIEWER, console_home_get, NULL},
    {"/console/reports", false, NEED_VIEWER, NEED_ADMIN, console_reports_get, console_reports_post},
    {"/console/reports/", true, NEED_VIEWER, NEED_VIEWER, console_report_download, NULL},
    {"/console/kiosks", false, NEED_VIEWER, NEED_ADMIN, console_kiosks_get, console_kiosks_post},
    {"/console/surveys", false, NEED_ADMIN, NEED_ADMIN, console_surveys_get, console_surveys_post},
    {"/console/users", false, NEED_ADMIN, NEED_ADMIN, console_users_get, console_users_post},
    {"/console/audit", false, NEED_ADMIN, NEED_ADMIN, console_audit_get, NULL},
    {"/console/audit.csv", false, NEED_ADMIN, NEED_ADMIN, console_audit_csv, NULL},
};

bool console_handles(const char *path)
{
    return path &&
           (!strcmp(path, CONSOLE_PAIR_PATH) ||
            (!strncmp(path, CONSOLE_PREFIX, strlen(CONSOLE_PREFIX)) &&
             (path[strlen(CONSOLE_PREFIX)] == '\0' || path[strlen(CONSOLE_PREFIX)] == '/')));
}

size_t console_body_max(const char *path)
{
    return path && !strcmp(path, "/console/surveys") ? CONSOLE_UPLOAD_MAX : CONSOLE_BODY_MAX;
}

static const struct console_route *console_route_of(const char *path)
{
    for (size_t i = 0; i < sizeof console_routes / sizeof console_routes[0]; i++) {
        const struct console_route *r = &console_routes[i];
        if (r->prefix ? !strncmp(path, r->path, strlen(r->path)) && path[strlen(r->path)]
                      : !strcmp(path, r->path))
            return r;
    }
    return NULL;
}

/* The session behind the cookie, when it is live; fills c. */
static void console_session(struct console_ctx *c)
{
    const char *cookie = c->req->cookie ? c->req->cookie(c->req->ctx, CONSOLE_COOKIE) : NULL;

    if (!cookie || !*cookie || strlen(cookie) > AUTH_TOKEN_MAX)
        return;
    auth_token_hash(cookie, c->session_hash);
    c->logged_in = store_console_session_get(c->req->store, c->session_hash, c->now, CONSOLE_IDLE_S,
                                             &c->user, c->csrf) == STORE_OK;
}

/* The login and setup forms' CSRF token: their cookie's, made when missing. */
static void console_form_token(struct console_ctx *c)
{
    const char *cookie = c->req->cookie ? c->req->cookie(c->req->ctx, CONSOLE_PRE_COOKIE) : NULL;
    char token[CRYPTO_TOKEN_LEN + 1];

    if (cookie && strlen(cookie) == CRYPTO_TOKEN_LEN) {
        snprintf(c->csrf, sizeof c->csrf, "%s", cookie);
        return;
    }
    if (c->logged_in || crypto_token_new(token) != 0)
        return;
    snprintf(c->csrf, sizeof c->csrf, "%s", token);
    if (asprintf(&c->rep->set_cookie[1],
                 CONSOLE_PRE_COOKIE "=%s; Path=/console; HttpOnly; SameSite=Strict%s", token,
                 c->req->tls ? "; Secure" : "") < 0)
        c->rep->set_cookie[1] = NULL;
}

void console_set_session_cookie(struct console_ctx *c, const char *token)
{
    free(c->rep->set_cookie[0]);
    if (asprintf(&c->rep->set_cookie[0],
                 CONSOLE_COOKIE "=%s; Path=/console; HttpOnly; SameSite=Strict%s%s", token,
                 c->req->tls ? "; Secure" : "", *token ? "" : "; Max-Age=0") < 0)
        c->rep->set_cookie[0] = NULL;
}

static bool console_csrf_ok(const struct console_ctx *c)
{
    const char *sent = console_field(c->req, "csrf");

    return c->csrf[0] && *sent && crypto_equal(sent, c->csrf);
}

void console_audit(struct console_ctx *c, const char *action, const char *fmt, ...)
{
    char detail[AUDIT_DETAIL_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    audit_record(c->req->store, c->logged_in ? c->user.name : "-", c->req->address, action, "%s",
                 detail);
}

/* Whether c may go on to the page; answers when not. */
static bool console_allowed(struct console_ctx *c, enum console_need need, bool post)
{
    if (need == NEED_NONE || (c->logged_in && (need == NEED_VIEWER || console_is_admin(c))))
        return true;
    if (!c->logged_in && !post) {
        page_redirect(c, "/console/login");
        return false;
    }
    if (!c->logged_in) {
        page_error(c, CONSOLE_E_NEED_LOGIN, NULL);
        return false;
    }
    console_audit(c, "denied", "%s %s", c->req->method, c->req->path);
    page_error(c, CONSOLE_E_FORBIDDEN, NULL);
    return false;
}

void console_handle(const struct console_request *req, struct reply *rep)
{
    struct console_ctx c = {.req = req, .rep = rep, .now = cclock_now()};
    const struct console_route *r;
    bool post = !strcmp(req->method, "POST");

    if (!strcmp(req->path, CONSOLE_PAIR_PATH)) {
        console_pair_exchange(&c);
        return;
    }
    console_session(&c);
    if (!(r = console_route_of(req->path))) {
        page_error(&c, CONSOLE_E_NOT_FOUND, NULL);
        return;
    }
    if (!(post ? r->post : r->get)) {
        page_error(&c, CONSOLE_E_METHOD, NULL);
        return;
    }
    if (!console_allowed(&c, post ? r->post_need : r->get_need, post))
        return;
    if (r->get_need == NEED_NONE)
        console_form_token(&c);
    if (post && req->form_bad) {
        page_error(&c, CONSOLE_E_FORM, NULL);
        return;
    }
    if (post && !console_csrf_ok(&c)) {
        if (c.logged_in)
            console_audit(&c, "csrf_refused", "%s", req->path);
        page_error(&c, CONSOLE_E_CSRF, NULL);
        return;
    }
    (post ? r->post : r->get)(&c);
}
