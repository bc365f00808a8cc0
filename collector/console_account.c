/* Logging in and out, setting a password through a one-time link, and
 * the users page. A failed login says only that the name or the password
 * is wrong, never which; a locked one says for how long. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "console_auth.h"
#include "console_routes.h"
#include "report_html.h"

static const struct {
    const char *key, *text;
} account_msgs[] = {
    {"set", "パスワードを設定しました。新しいパスワードでログインしてください。"},
    {"out", "ログアウトしました。"},
};

static void login_page(struct console_ctx *c, const char *error, const char *name, int status)
{
    const char *msg = c->req->arg ? c->req->arg(c->req->ctx, "msg") : NULL;
    struct report_buf b;

    report_buf_init(&b);
    page_begin(&b, c, "ログイン", NULL);
    for (size_t i = 0; msg && i < sizeof account_msgs / sizeof account_msgs[0]; i++)
        if (!strcmp(msg, account_msgs[i].key))
            page_notice(&b, "ok", account_msgs[i].text);
    if (error)
        page_notice(&b, "error", error);
    report_buf_puts(&b, "<form class=\"box login\" method=\"post\" action=\"/console/login\">");
    page_csrf(&b, c);
    report_buf_puts(&b, "<label for=\"name\">利用者名</label><input type=\"text\" id=\"name\" "
                        "name=\"name\" autocomplete=\"username\" required value=\"");
    report_html_escape(&b, name ? name : "");
    report_buf_puts(&b, "\"><label for=\"password\">パスワード</label><input type=\"password\" "
                        "id=\"password\" name=\"password\" autocomplete=\"current-password\" "
                        "required><button type=\"submit\">ログイン</button>"
                        "<p class=\"muted\">パスワードを忘れたときは、情報システム担当に設定用"
                        "リンクの再発行を依頼してください。</p></form>");
    page_end(&b);
    page_send(c, &b, status);
}

void console_login_get(struct console_ctx *c)
{
    if (c->logged_in)
        page_redirect(c, "/console/");
    else
        login_page(c, NULL, NULL, 200);
}

static void login_locked(struct console_ctx *c, const char *name, long wait)
{
    char text[256];

    snprintf(text, sizeof text,
             "ログインの失敗が15分間に10回を超えたため、この利用者名またはこの端末からの"
             "ログインを止めています。約%ld分後にもう一度お試しください。",
             (wait + 59) / 60);
    console_audit(c, "login_locked", "name=%s", name);
    c->rep->retry_after_s = wait;
    login_page(c, text, name, console_err_status(CONSOLE_E_LOCKED));
}

void console_login_post(struct console_ctx *c)
{
    const char *name = console_field(c->req, "name"), *pw = console_field(c->req, "password");
    struct store *st = c->req->store;
    struct store_console_user u = {0};
    char token[CRYPTO_TOKEN_LEN + 1];
    long wait = console_login_wait(st, name, c->req->address, c->now);

    if (wait < 0) {
        page_error(c, CONSOLE_E_STORAGE, NULL);
        return;
    }
    if (wait > 0) {
        login_locked(c, name, wait);
        return;
    }
    if (store_console_user_get(st, name, &u) != STORE_OK)
        u.password[0] = '\0';
    if (!console_password_check(u.password, pw) || u.disabled) {
        console_login_failed(st, name, c->req->address, c->now);
        console_audit(c, "login_failed", "name=%s", name);
        login_page(c, console_err_text(CONSOLE_E_LOGIN), name, console_err_status(CONSOLE_E_LOGIN));
        return;
    }
    /* A new session every time: whatever cookie came in is dropped. */
    if (c->session_hash[0])
        store_console_session_drop(st, c->session_hash);
    if (console_session_new(st, u.user_id, c->now, token) != 0) {
        page_error(c, CONSOLE_E_STORAGE, NULL);
        return;
    }
    console_login_ok(st, name);
    c->logged_in = true;
    c->user = u;
    console_audit(c, "login", "role=%s", u.role);
    console_set_session_cookie(c, token);
    page_redirect(c, "/console/");
}

void console_logout_post(struct console_ctx *c)
{
    store_console_session_drop(c->req->store, c->session_hash);
    console_audit(c, "logout", "%s", "");
    console_set_session_cookie(c, "");
    page_redirect(c, "/console/login?msg=out");
}

static void setup_page(struct console_ctx *c, const struct store_console_user *u, const char *token,
                       const char *error, int status)
{
    struct report_buf b;

    report_buf_init(&b);
    page_begin(&b, c, "パスワードの設定", NULL);
    if (error)
        page_notice(&b, "error", error);
    report_buf_puts(&b, "<form class=\"box login\" method=\"post\" action=\"/console/setup\">");
    page_csrf(&b, c);
    report_buf_puts(&b, "<input type=\"hidden\" name=\"token\" value=\"");
    report_html_escape(&b, token);
    report_buf_puts(&b, "\"><p>利用者名: <strong>");
    report_html_escape(&b, u->name);
    report_buf_printf(&b,
                      "</strong>（%s）</p><label for=\"password\">新しいパスワード（10文字以上）"
                      "</label><input type=\"password\" id=\"password\" name=\"password\" "
                      "autocomplete=\"new-password\" required minlength=\"10\">"
                      "<label for=\"password2\">もう一度入力</label><input type=\"password\" "
                      "id=\"password2\" name=\"password2\" autocomplete=\"new-password\" required>"
                      "<button type=\"submit\">設定する</button><p class=\"muted\">このリンクは"
                      "一度だけ使えます。</p></form>",
                      !strcmp(u->role, "admin") ? "管理者" : "閲覧者");
    page_end(&b);
    page_send(c, &b, status);
}

/* The user of a live setup token, or an error page and false. */
static bool setup_user(struct console_ctx *c, const char *token, struct store_console_user *u)
{
    char hash[CRYPTO_SHA256_HEX];

    if (token && *token && strlen(token) <= CRYPTO_TOKEN_LEN) {
        crypto_sha256_hex(token, strlen(token), hash);
        if (store_console_setup_find(c->req->store, hash, c->now, u) == STORE_OK)
            return true;
    }
    page_error(c, CONSOLE_E_SETUP, NULL);
    return false;
}

void console_setup_get(struct console_ctx *c)
{
    const char *token = c->req->arg ? c->req->arg(c->req->ctx, "token") : NULL;
    struct store_console_user u;

    if (setup_user(c, token, &u))
        setup_page(c, &u, token, NULL, 200);
}

void console_setup_post(struct console_ctx *c)
{
    const char *token = console_field(c->req, "token"), *pw = console_field(c->req, "password");
    const char *weak = console_password_weak(pw);
    char encoded[STORE_PASSWORD_MAX + 1], hash[CRYPTO_SHA256_HEX];
    struct store_console_user u;

    if (!setup_user(c, token, &u))
        return;
    if (strcmp(pw, console_field(c->req, "password2")) != 0)
        weak = "二つのパスワードが一致しません。";
    if (weak) {
        setup_page(c, &u, token, weak, console_err_status(CONSOLE_E_PASSWORD));
        return;
    }
    crypto_sha256_hex(token, strlen(token), hash);
    if (console_password_hash(pw, encoded) != 0 ||
        store_console_setup_finish(c->req->store, hash, c->now, encoded, &u) != STORE_OK) {
        page_error(c, CONSOLE_E_SETUP, NULL);
        return;
    }
    audit_record(c->req->store, u.name, c->req->address, "password_set", "role=%s", u.role);
    page_redirect(c, "/console/login?msg=set");
}

static void users_row(const struct store_console_user *u, void *ctx)
{
    struct report_buf *b = ((void **)ctx)[0];
    const struct console_ctx *c = ((void **)ctx)[1];
    char when[CONSOLE_TIME_LEN];

    console_time_jst(when, sizeof when, u->created_at);
    report_buf_puts(b, "<tr><td>");
    report_html_escape(b, u->name);
    report_buf_printf(b, "</td><td>%s</td><td>%s</td><td>%s</td><td>",
                      !strcmp(u->role, "admin") ? "管理者" : "閲覧者",
                      u->disabled      ? "<span class=\"warn\">利用停止中</span>"
                      : u->password[0] ? "設定済み"
                                       : "<span class=\"warn\">未設定</span>",
                      when);
    if (strcmp(u->name, c->user.name) != 0)
        page_button(b, c, "/console/users", u->name, u->disabled ? "enable" : "disable",
                    u->disabled ? "利用再開" : "利用停止", u->disabled ? "secondary" : "danger");
    page_button(b, c, "/console/users", u->name, "reset", "設定用リンクを再発行", "secondary");
    report_buf_puts(b, "</td></tr>");
}

static void users_page(struct console_ctx *c, const char *notice, const char *link, int status)
{
    struct report_buf b;
    void *ctx[2] = {&b, c};

    report_buf_init(&b);
    page_begin(&b, c, "利用者", "/console/users");
    if (notice)
        page_notice(&b, status < 300 ? "ok" : "error", notice);
    if (link) {
        report_buf_puts(&b, "<div class=\"box\"><p>次のリンクを本人だけに渡してください（72時間"
                            "有効、一度だけ使えます）。</p><p><code id=\"setup-link\">");
        report_html_escape(&b, link);
        report_buf_puts(&b, "</code></p></div>");
    }
    report_buf_puts(&b, "<table><tr><th>利用者名</th><th>役割</th><th>パスワード</th>"
                        "<th>登録日時</th><th>操作</th></tr>");
    store_console_users_each(c->req->store, users_row, ctx);
    report_buf_puts(&b, "</table><h2>利用者を追加</h2><form class=\"box\" method=\"post\" "
                        "action=\"/console/users\">");
    page_csrf(&b, c);
    report_buf_puts(&b, "<input type=\"hidden\" name=\"action\" value=\"add\">"
                        "<label for=\"name\">利用者名</label><input type=\"text\" id=\"name\" "
                        "name=\"name\" required maxlength=\"64\"><label for=\"role\">役割</label>"
                        "<select id=\"role\" name=\"role\"><option value=\"viewer\">閲覧者（参加"
                        "状況と公開済みの報告書を見る）</option><option value=\"admin\">管理者"
                        "（調査票・端末・利用者も管理する）</option></select>"
                        "<button type=\"submit\">追加して設定用リンクを作る</button></form>");
    page_end(&b);
    page_send(c, &b, status);
}

void console_users_get(struct console_ctx *c)
{
    users_page(c, NULL, NULL, 200);
}

/* 利用停止 / 利用再開: never one's own account, so an admin cannot lock
 * everyone out by a slip. */
static void users_disable(struct console_ctx *c, const char *name, bool disable)
{
    enum store_err e;

    if (!strcmp(name, c->user.name)) {
        users_page(c, "自分自身の利用は停止できません。", NULL, 409);
        return;
    }
    e = store_console_user_disable(c->req->store, name, disable);
    if (e != STORE_OK) {
        users_page(c,
                   e == STORE_E_NOT_FOUND ? "その利用者はいません。"
                                          : console_err_text(CONSOLE_E_STORAGE),
                   NULL, e == STORE_E_NOT_FOUND ? 404 : 503);
        return;
    }
    console_audit(c, disable ? "user_disable" : "user_enable", "name=%s", name);
    users_page(c,
               disable ? "利用を停止しました。この利用者はログインできず、開いていた画面も使えなく"
                         "なりました。"
                       : "利用を再開しました。",
               NULL, 200);
}

void console_users_post(struct console_ctx *c)
{
    const char *name = console_field(c->req, "name"), *role = console_field(c->req, "role");
    const char *action = console_field(c->req, "action");
    bool reset = !strcmp(action, "reset");
    char link[CONSOLE_LINK_MAX];
    enum store_err e;

    if (!strcmp(action, "disable") || !strcmp(action, "enable")) {
        users_disable(c, name, !strcmp(action, "disable"));
        return;
    }
    if (!console_name_ok(name) || (!reset && strcmp(role, "admin") && strcmp(role, "viewer"))) {
        users_page(c, "利用者名は1〜64バイトの文字で、役割は管理者か閲覧者を選んでください。", NULL,
                   console_err_status(CONSOLE_E_INPUT));
        return;
    }
    e = console_user_invite(c->req->store, name, role, reset, c->req->base_url, c->now, link);
    if (e == STORE_E_EXISTS || e == STORE_E_NOT_FOUND) {
        users_page(
            c, e == STORE_E_EXISTS ? console_err_text(CONSOLE_E_EXISTS) : "その利用者はいません。",
            NULL, e == STORE_E_EXISTS ? 409 : 404);
        return;
    }
    if (e != STORE_OK) {
        page_error(c, CONSOLE_E_STORAGE, NULL);
        return;
    }
    console_audit(c, reset ? "user_reset" : "user_add", "name=%s role=%s", name,
                  reset ? "-" : role);
    users_page(c, reset ? "設定用リンクを再発行しました。" : "利用者を追加しました。", link, 200);
}
