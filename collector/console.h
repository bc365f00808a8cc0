/* The web console for the HR department (issue 14): pages under
 * /console/ for people with an account, and the pairing exchange a new
 * kiosk calls. Routes never touch libmicrohttpd: http_console.c hands
 * them a console_request (the form already parsed) and sends the reply.
 * Every page works without JavaScript and carries no inline script, so
 * the strict Content-Security-Policy of CONSOLE_CSP holds for all. */
#ifndef COLLECTOR_CONSOLE_H
#define COLLECTOR_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"
#include "store.h"

#define CONSOLE_PREFIX     "/console"
#define CONSOLE_PAIR_PATH  "/api/v1/pair"
#define CONSOLE_BODY_MAX   (16u << 10)         /* a form's bytes */
#define CONSOLE_UPLOAD_MAX ((1u << 20) + 8192) /* a survey file (1 MiB) and its form */
#define CONSOLE_FIELDS_MAX 12                  /* fields of one form */
#define CONSOLE_CSP                                                                                \
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "             \
    "frame-ancestors 'none'; base-uri 'none'"

/* A report downloaded through the console keeps its inline styles and
 * SVG; still no script, frame, plugin or form. */
#define CONSOLE_REPORT_CSP                                                                         \
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "       \
    "base-uri 'none'; form-action 'none'"

/* The errors a person meets at this boundary: code, HTTP status, the
 * machine-readable name and the message shown (Japanese). */
#define CONSOLE_ERRORS(X)                                                                                                                       \
    X(CONSOLE_E_NOT_FOUND, 404, "not_found", "このページはありません。")                                                                        \
    X(CONSOLE_E_METHOD, 405, "method_not_allowed", "このページはその方法では開けません。")                                                      \
    X(CONSOLE_E_LOGIN, 401, "login_failed", "利用者名またはパスワードが違います。")                                                             \
    X(CONSOLE_E_LOCKED, 429, "login_locked",                                                                                                    \
      "ログインの失敗が続いたため、しばらくログインできません。")                                                                               \
    X(CONSOLE_E_NEED_LOGIN, 403, "login_required",                                                                                              \
      "ログインしていないか、一定時間操作がなかったためログアウトしました。もう一度ログインしてく" \
      "ださい。")                                                                                                                               \
    X(CONSOLE_E_CSRF, 403, "csrf",                                                                                                              \
      "この送信は受け付けられません（画面が古いか、別の画面から送信されました）。画面を開き直して" \
      "から、もう一度操作してください。")                                                                                                       \
    X(CONSOLE_E_FORBIDDEN, 403, "forbidden", "この操作には管理者の権限が必要です。")                                                            \
    X(CONSOLE_E_SETUP, 404, "setup_invalid",                                                                                                    \
      "この設定用リンクは使用済みか、期限が切れています。情報システム担当に新しいリンクを依頼して" \
      "ください。")                                                                                                                             \
    X(CONSOLE_E_PASSWORD, 422, "password_rejected", "パスワードを設定できません。")                                                             \
    X(CONSOLE_E_FORM, 400, "bad_form", "送信された内容を読み取れません。")                                                                      \
    X(CONSOLE_E_INPUT, 422, "bad_input", "入力に誤りがあります。")                                                                              \
    X(CONSOLE_E_EXISTS, 409, "exists", "その名前はすでに使われています。")                                                                      \
    X(CONSOLE_E_PAIR, 404, "pairing_invalid",                                                                                                   \
      "the pairing code is unknown, used or expired; ask for a new one on the console")                                                         \
    X(CONSOLE_E_PAIR_LOCKED, 429, "pairing_locked",                                                                                             \
      "too many wrong pairing codes from this address; wait 15 minutes")                                                                        \
    X(CONSOLE_E_STORAGE, 503, "storage_unavailable",                                                                                            \
      "データベースを読み書きできません。しばらくしてからもう一度お試しください。")

enum console_err {
#define CONSOLE_ENUM(code, status, name, text) code,
    CONSOLE_ERRORS(CONSOLE_ENUM)
#undef CONSOLE_ENUM
};
int console_err_status(enum console_err e);
const char *console_err_name(enum console_err e);
const char *console_err_text(enum console_err e);

struct console_field {
    char name[32];
    char *value; /* malloc'ed, NUL-terminated (a file's bytes may hold NULs: see len) */
    size_t len;
};

struct console_request {
    const char *method; /* "GET", "HEAD" or "POST" */
    const char *path;
    const char *(*arg)(void *ctx, const char *name); /* query argument, NULL when absent */
    const char *(*cookie)(void *ctx, const char *name);
    void *ctx;
    const char *address;  /* the client's IP address as text */
    bool tls;             /* the connection is HTTPS: cookies get Secure */
    const char *base_url; /* where people reach the collector (setup links) */
    const struct console_field *fields;
    size_t n_fields;
    bool form_bad;    /* a body that is not a form we read (type, size, encoding) */
    const char *body; /* the raw body (the pairing exchange's JSON) */
    size_t body_len;
    struct store *store;
    long min_group_size;
};

/* Whether path is the console's (CONSOLE_PREFIX, or the pairing exchange). */
bool console_handles(const char *path);
/* The body cap for a POST to path. */
size_t console_body_max(const char *path);
/* Answers one request; never returns without a reply. */
void console_handle(const struct console_request *req, struct reply *rep);

#endif
