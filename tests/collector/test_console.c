/* The console's protections through the real daemon and the real store:
 * CSRF tokens, a new session at every login (fixation), cookie flags,
 * the login rate limit per account and per address, roles enforced on
 * every admin page by link and by POST, pairing codes that are single use
 * and expire, the audit chain that names an edited or removed row, and a
 * strict Content-Security-Policy on every page. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "console_auth.h"
#include "store_console.h"
#include "testutil.h"

static struct tu_server srv;
static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 16], admin_token[TU_TOKEN_MAX];
static char kiosk_token[TU_TOKEN_MAX];

#define PASSWORD "たいへん長い合言葉 2026"

/* A browser of our own: its cookies, the last page, and the address it
 * connects from (127.0.0.x, all loopback). */
struct web {
    char session[128], form[128], csrf[128];
    const char *from;
    long status;
    char *body, *headers;
    size_t body_len, headers_len;
};

static size_t web_collect(char *p, size_t size, size_t n, void *ctx)
{
    char **buf = ((char ***)ctx)[0];
    size_t *len = ((size_t **)ctx)[1];
    char *grown = realloc(*buf, *len + size * n + 1);

    assert_non_null(grown);
    memcpy(grown + *len, p, size * n);
    *len += size * n;
    grown[*len] = '\0';
    *buf = grown;
    return size * n;
}

/* The value of cookie name in the last answer's Set-Cookie lines into out. */
static bool web_set_cookie(const struct web *w, const char *name, char *out, size_t len, char *line,
                           size_t line_len)
{
    char want[64];
    const char *p = w->headers;

    snprintf(want, sizeof want, "Set-Cookie: %s=", name);
    while (p && (p = strcasestr(p, want))) {
        const char *v = p + strlen(want), *end = strpbrk(v, ";\r\n");
        const char *eol = strpbrk(p, "\r\n");
        snprintf(out, len, "%.*s", (int)(end - v), v);
        if (line)
            snprintf(line, line_len, "%.*s", (int)(eol - p), p);
        return true;
    }
    return false;
}

/* The csrf field of the last page into w->csrf, when it has one. */
static void web_take_csrf(struct web *w)
{
    const char *p = w->body ? strstr(w->body, "name=\"csrf\" value=\"") : NULL;

    if (p) {
        p += strlen("name=\"csrf\" value=\"");
        snprintf(w->csrf, sizeof w->csrf, "%.*s", (int)strcspn(p, "\""), p);
    }
}

/* GET (form NULL) or POST a form given as "k=v&..." already encoded. */
static long web(struct web *w, const char *path, const char *form)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[512], cookie[400];
    void *body_ctx[2] = {&w->body, &w->body_len}, *head_ctx[2] = {&w->headers, &w->headers_len};

    free(w->body), free(w->headers);
    w->body = w->headers = NULL;
    w->body_len = w->headers_len = 0;
    snprintf(url, sizeof url, "%s%s", srv.url, path);
    snprintf(cookie, sizeof cookie, "Cookie: console_session=%s; console_form=%s", w->session,
             w->form);
    h = curl_slist_append(h, cookie);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, web_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body_ctx);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, web_collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, head_ctx);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (w->from)
        curl_easy_setopt(c, CURLOPT_INTERFACE, w->from);
    if (form)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &w->status);
    curl_slist_free_all(h);
    if (!w->body)
        w->body = strdup("");
    curl_easy_cleanup(c);
    web_set_cookie(w, "console_session", w->session, sizeof w->session, NULL, 0);
    web_set_cookie(w, "console_form", w->form, sizeof w->form, NULL, 0);
    web_take_csrf(w);
    return w->status;
}

static void web_free(struct web *w)
{
    free(w->body), free(w->headers);
    w->body = w->headers = NULL;
}

static char *enc(const char *s)
{
    static char out[8][512];
    static int next;
    char *e = curl_easy_escape(NULL, s, 0);
    char *o = out[next++ % 8];

    snprintf(o, 512, "%s", e);
    curl_free(e);
    return o;
}

/* `collector user add`, then the setup link through the console. */
static void make_user(const char *name, const char *role)
{
    char out[1024], err[512], form[1024], path[512];
    struct web w = {0};
    const char *link;

    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "user", "add", name, "--role",
                                  role, "--db", db, "--public-url", srv.url, NULL),
                     0);
    link = strstr(tu_chomp(out), "/console/setup?token=");
    assert_non_null(link);
    snprintf(path, sizeof path, "%s", link);
    assert_int_equal(web(&w, path, NULL), 200);
    snprintf(form, sizeof form, "csrf=%s&token=%s&password=%s&password2=%s", w.csrf,
             enc(strchr(path, '=') + 1), enc(PASSWORD), enc(PASSWORD));
    assert_int_equal(web(&w, "/console/setup", form), 303);
    web_free(&w);
}

static long login(struct web *w, const char *name, const char *password)
{
    char form[1024];

    if (!w->form[0])
        assert_int_equal(web(w, "/console/login", NULL), 200);
    snprintf(form, sizeof form, "csrf=%s&name=%s&password=%s", w->csrf, enc(name), enc(password));
    return web(w, "/console/login", form);
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (tu_fixture_start(&srv, "console", dir, db, sizeof db, kiosk_token, admin_token, NULL) != 0)
        return -1;
    make_user("admin-1", "admin");
    make_user("viewer-1", "viewer");
    make_user("victim", "admin");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return tu_fixture_stop(&srv, dir);
}

static void test_every_page_sends_a_strict_csp(void **state)
{
    const char *pages[] = {"/console/login",       "/console/",        "/console/reports",
                           "/console/kiosks",      "/console/users",   "/console/audit",
                           "/console/console.css", "/console/nowhere", "/healthz"};
    struct web w = {0};
    char csp[512];

    (void)state;
    assert_int_equal(login(&w, "admin-1", PASSWORD), 303);
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        web(&w, pages[i], NULL);
        const char *h = strcasestr(w.headers, "Content-Security-Policy: ");
        assert_non_null(h);
        snprintf(csp, sizeof csp, "%.*s", (int)strcspn(h, "\r\n"), h);
        assert_non_null(strstr(csp, "default-src 'none'"));
        assert_null(strstr(csp, "script-src"));
        assert_non_null(strstr(csp, "frame-ancestors 'none'"));
        if (!strncmp(pages[i], "/console", 8)) {
            assert_null(strstr(csp, "unsafe-inline"));
            assert_null(strstr(w.body, "<script"));
            assert_null(strstr(w.body, "<style"));
            assert_null(strstr(w.body, " style="));
        }
    }
    web_free(&w);
}

static void test_session_cookie_flags(void **state)
{
    struct web w = {0};
    char value[128], line[512];

    (void)state;
    assert_int_equal(login(&w, "admin-1", PASSWORD), 303);
    assert_true(web_set_cookie(&w, "console_session", value, sizeof value, line, sizeof line));
    assert_non_null(strstr(line, "; HttpOnly"));
    assert_non_null(strstr(line, "; SameSite=Strict"));
    assert_non_null(strstr(line, "; Path=/console"));
    assert_null(strstr(line, "Secure")); /* plain HTTP here; test_console_tls checks HTTPS */
    web_free(&w);
}

static long long users(void)
{
    return tu_db_count(db, "SELECT count(*) FROM console_users");
}

static void test_csrf_missing_or_foreign_token_is_refused(void **state)
{
    struct web a = {0}, b = {0};
    char form[512];
    long long before = users();

    (void)state;
    assert_int_equal(login(&a, "admin-1", PASSWORD), 303);
    assert_int_equal(login(&b, "admin-1", PASSWORD), 303);
    web(&a, "/console/users", NULL);
    web(&b, "/console/users", NULL);
    assert_string_not_equal(a.csrf, b.csrf);
    assert_int_equal(web(&a, "/console/users", "action=add&name=csrf-1&role=admin"), 403);
    snprintf(form, sizeof form, "csrf=%s&action=add&name=csrf-2&role=admin", b.csrf);
    assert_int_equal(web(&a, "/console/users", form), 403);
    assert_non_null(strstr(a.body, "画面を開き直して"));
    assert_int_equal(users(), before);
    /* The login form too: a post without its cookie's token is refused. */
    struct web c = {0};
    snprintf(form, sizeof form, "csrf=forged&name=admin-1&password=%s", enc(PASSWORD));
    assert_int_equal(web(&c, "/console/login", form), 403);
    assert_string_equal(c.session, "");
    /* With its own token the same post goes through. */
    snprintf(form, sizeof form, "csrf=%s&action=add&name=csrf-3&role=viewer", a.csrf);
    assert_int_equal(web(&a, "/console/users", form), 200);
    assert_int_equal(users(), before + 1);
    web_free(&a), web_free(&b), web_free(&c);
}

static void test_login_makes_a_new_session(void **state)
{
    struct web w = {0}, planted = {0};

    (void)state;
    /* A cookie an attacker planted before the login is not the session after it. */
    snprintf(w.session, sizeof w.session, "%s", "attacker-chosen-value-0123456789abcdefghijk");
    assert_int_equal(login(&w, "admin-1", PASSWORD), 303);
    assert_string_not_equal(w.session, "attacker-chosen-value-0123456789abcdefghijk");
    snprintf(planted.session, sizeof planted.session, "%s",
             "attacker-chosen-value-0123456789abcdefghijk");
    assert_int_equal(web(&planted, "/console/", NULL), 303);
    /* Logging in again over a live session ends the old one. */
    char old[128];
    snprintf(old, sizeof old, "%s", w.session);
    assert_int_equal(login(&w, "admin-1", PASSWORD), 303);
    assert_string_not_equal(old, w.session);
    snprintf(planted.session, sizeof planted.session, "%s", old);
    assert_int_equal(web(&planted, "/console/", NULL), 303);
    assert_int_equal(web(&w, "/console/", NULL), 200);
    /* Logging out ends it too. */
    snprintf(old, sizeof old, "%s", w.session);
    char form[256];
    snprintf(form, sizeof form, "csrf=%s", w.csrf);
    assert_int_equal(web(&w, "/console/logout", form), 303);
    snprintf(planted.session, sizeof planted.session, "%s", old);
    assert_int_equal(web(&planted, "/console/", NULL), 303);
    web_free(&w), web_free(&planted);
}

static void test_viewer_cannot_reach_admin_actions(void **state)
{
    const char *pages[] = {"/console/users", "/console/audit", "/console/audit.csv",
                           "/console/surveys"};
    struct web w = {0};
    char form[512];
    long long kiosks = tu_db_count(db, "SELECT count(*) FROM kiosks"), before = users();

    (void)state;
    assert_int_equal(login(&w, "viewer-1", PASSWORD), 303);
    assert_int_equal(web(&w, "/console/kiosks", NULL), 200); /* health is for viewers too */
    assert_null(strstr(w.body, "name=\"action\" value=\"add\""));
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        assert_int_equal(web(&w, pages[i], NULL), 403);
    web(&w, "/console/", NULL);
    assert_null(strstr(w.body, "/console/users"));
    snprintf(form, sizeof form, "csrf=%s&action=add&name=by-viewer&role=admin", w.csrf);
    assert_int_equal(web(&w, "/console/users", form), 403);
    snprintf(form, sizeof form, "csrf=%s&action=add&name=by-viewer", w.csrf);
    assert_int_equal(web(&w, "/console/kiosks", form), 403);
    snprintf(form, sizeof form, "csrf=%s&year=2024&survey=goshogawara-staff", w.csrf);
    assert_int_equal(web(&w, "/console/reports", form), 403);
    assert_non_null(strstr(w.body, "管理者の権限"));
    assert_int_equal(users(), before);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM kiosks"), kiosks);
    assert_true(tu_db_count(db, "SELECT count(*) FROM audit_log WHERE action = 'denied'"
                                " AND actor = 'viewer-1'") >= 6);
    web_free(&w);
}

/* The 8-digit code shown after adding or re-registering a kiosk. */
static void kiosk_code(struct web *w, const char *action, const char *name, char code[9])
{
    char form[512];
    const char *p;

    web(w, "/console/kiosks", NULL);
    snprintf(form, sizeof form, "csrf=%s&action=%s&name=%s", w->csrf, action, enc(name));
    assert_int_equal(web(w, "/console/kiosks", form), 200);
    p = strstr(w->body, "id=\"pairing-code\">");
    assert_non_null(p);
    p += strlen("id=\"pairing-code\">");
    snprintf(code, 9, "%.4s%.4s", p, p + 5);
}

static long pair(const char *code, const char *from, char *token, size_t len)
{
    struct web w = {.from = from};
    CURL *c = curl_easy_init();
    char url[256], body[64];
    void *ctx[2] = {&w.body, &w.body_len};
    long status = 0;

    snprintf(url, sizeof url, "%s/api/v1/pair", srv.url);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, web_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ctx);
    if (from)
        curl_easy_setopt(c, CURLOPT_INTERFACE, from);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (token && status == 200) {
        const char *p = strstr(w.body, "\"token\":\"") + 9;
        snprintf(token, len, "%.*s", (int)strcspn(p, "\""), p);
    }
    web_free(&w);
    return status;
}

static void test_pairing_code_is_single_use(void **state)
{
    struct web w = {0};
    char code[9], token[128], auth[160], url[256];
    struct tu_response r = {0};

    (void)state;
    assert_int_equal(login(&w, "admin-1", PASSWORD), 303);
    kiosk_code(&w, "add", "休憩室A", code);
    assert_int_equal(strspn(code, "0123456789"), 8);
    assert_int_equal(pair(code, NULL, token, sizeof token), 200);
    snprintf(auth, sizeof auth, "Bearer %s", token);
    snprintf(url, sizeof url, "%s/api/v1/survey", srv.url);
    assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 200);
    tu_response_free(&r);
    assert_int_equal(pair(code, NULL, NULL, 0), 404);
    /* Re-registering stops the old token at once and gives a new code. */
    kiosk_code(&w, "rotate", "休憩室A", code);
    assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
    assert_int_equal(r.status, 401);
    tu_response_free(&r);
    assert_int_equal(pair(code, NULL, token, sizeof token), 200);
    web_free(&w);
}

static void test_pairing_code_expires(void **state)
{
    struct store *st = NULL;
    char err[STORE_ERR_LEN], code[9], hash[CRYPTO_SHA256_HEX], name[STORE_NAME_MAX + 1];
    char path[TU_PATH_MAX + 32];

    (void)state;
    snprintf(path, sizeof path, "%s/expiry.db", dir);
    assert_int_equal(store_open(path, NULL, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_kiosk_add(st, "k", "0000"), STORE_OK);
    assert_int_equal(console_pair_code_new(code, hash), 0);
    assert_int_equal(store_pairing_add(st, "k", hash, 1000 + CONSOLE_PAIR_S), STORE_OK);
    assert_int_equal(store_pairing_take(st, hash, 1000 + CONSOLE_PAIR_S, "1111", name),
                     STORE_E_NOT_FOUND);
    assert_int_equal(store_pairing_take(st, hash, 1000 + CONSOLE_PAIR_S - 1, "1111", name),
                     STORE_OK);
    assert_string_equal(name, "k");
    assert_int_equal(store_pairing_take(st, hash, 1001, "2222", name), STORE_E_NOT_FOUND);
    /* Sessions end after CONSOLE_IDLE_S without a request. */
    struct store_console_user u;
    char csrf[CRYPTO_SHA256_HEX];
    assert_int_equal(store_console_user_add(st, "u", "viewer", "setup", 5000), STORE_OK);
    assert_int_equal(store_console_user_get(st, "u", &u), STORE_OK);
    assert_int_equal(store_console_session_add(st, "s", u.user_id, "c", 1000), STORE_OK);
    assert_int_equal(
        store_console_session_get(st, "s", 1000 + CONSOLE_IDLE_S - 1, CONSOLE_IDLE_S, &u, csrf),
        STORE_OK);
    assert_int_equal(
        store_console_session_get(st, "s", 1000 + 2 * CONSOLE_IDLE_S - 2, CONSOLE_IDLE_S, &u, csrf),
        STORE_OK);
    assert_int_equal(
        store_console_session_get(st, "s", 1000 + 3 * CONSOLE_IDLE_S, CONSOLE_IDLE_S, &u, csrf),
        STORE_E_NOT_FOUND);
    store_close(st);
}

static void test_pairing_attempts_are_limited(void **state)
{
    (void)state;
    for (int i = 0; i < CONSOLE_FAIL_MAX; i++)
        assert_int_equal(pair("00000000", "127.0.0.3", NULL, 0), 404);
    assert_int_equal(pair("00000000", "127.0.0.3", NULL, 0), 429);
    assert_int_equal(pair("00000000", "127.0.0.4", NULL, 0), 404);
}

static int audit_verify(char *err, size_t len)
{
    return tu_collector(NULL, 0, err, len, "audit", "verify", "--db", db, NULL);
}

/* Downloads with the admin token and the CLI's actions are on record too. */
static void test_token_downloads_and_cli_actions_are_audited(void **state)
{
    char url[256], auth[TU_TOKEN_MAX + 16], out[256], err[256];
    struct tu_response r = {0};

    (void)state;
    snprintf(url, sizeof url, "%s/reports/2024.csv?survey=goshogawara-staff", srv.url);
    snprintf(auth, sizeof auth, "Bearer %s", admin_token);
    assert_int_equal(tu_http(&r, "GET", url, auth, NULL, NULL, 0), 0);
    tu_response_free(&r);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM audit_log WHERE actor = 'admin-token'"
                                     " AND action = 'report_download' AND detail LIKE"
                                     " 'path=/reports/2024.csv survey=goshogawara-staff %'"),
                     1);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "cli-kiosk",
                                  "--db", db, NULL),
                     0);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM audit_log WHERE actor = 'cli'"
                                     " AND action = 'kiosk_add' AND detail = 'name=cli-kiosk'"),
                     1);
}

static void post_batch(int n, unsigned seed, const char *month)
{
    struct tu_response r = {0};
    char *json = tu_batch_json(NULL, n, seed, month, NULL);

    assert_non_null(json);
    assert_int_equal(tu_post_batch(&r, srv.url, kiosk_token, json, false), 0);
    assert_true(r.status == 200 || r.status == 201);
    tu_response_free(&r);
    free(json);
}

/* A stopped account can neither log in nor keep a session; never one's own. */
static void test_disabled_user_is_logged_out_and_cannot_log_in(void **state)
{
    struct web admin = {0}, leaver = {0};
    char form[512];

    (void)state;
    make_user("leaver", "viewer");
    assert_int_equal(login(&leaver, "leaver", PASSWORD), 303);
    assert_int_equal(web(&leaver, "/console/", NULL), 200);
    assert_int_equal(login(&admin, "admin-1", PASSWORD), 303);
    web(&admin, "/console/users", NULL);
    snprintf(form, sizeof form, "csrf=%s&action=disable&name=admin-1", admin.csrf);
    assert_int_equal(web(&admin, "/console/users", form), 409);
    snprintf(form, sizeof form, "csrf=%s&action=disable&name=leaver", admin.csrf);
    assert_int_equal(web(&admin, "/console/users", form), 200);
    assert_non_null(strstr(admin.body, "利用停止中"));
    assert_int_equal(web(&leaver, "/console/", NULL), 303);
    web_free(&leaver);
    memset(&leaver, 0, sizeof leaver); /* a fresh browser: no cookies */
    assert_int_equal(login(&leaver, "leaver", PASSWORD), 401);
    snprintf(form, sizeof form, "csrf=%s&action=enable&name=leaver", admin.csrf);
    assert_int_equal(web(&admin, "/console/users", form), 200);
    assert_int_equal(login(&leaver, "leaver", PASSWORD), 303);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM audit_log WHERE action = 'user_disable'"
                                     " AND detail = 'name=leaver'"),
                     1);
    web_free(&admin), web_free(&leaver);
}

/* Late answers wait for the next release, which an admin makes on the
 * reports page when enough have come (as `collector release` does). */
static void test_admin_releases_late_answers_from_the_reports_page(void **state)
{
    struct web w = {0};
    char form[512];

    (void)state;
    post_batch(12, 1, "2025-02");
    assert_int_equal(tu_release(db, 2024), 1);
    post_batch(400, 2, "2025-03"); /* enough that the release rule lets most of them join */
    assert_int_equal(login(&w, "admin-1", PASSWORD), 303);
    assert_int_equal(web(&w, "/console/reports", NULL), 200);
    assert_non_null(strstr(w.body, "次の版を待っています"));
    assert_non_null(strstr(w.body, "次の版を公開する"));
    snprintf(form, sizeof form, "csrf=%s&year=2024&survey=goshogawara-staff", w.csrf);
    assert_int_equal(web(&w, "/console/reports", form), 200);
    assert_non_null(strstr(w.body, "第2版を公開しました"));
    assert_int_equal(tu_db_count(db, "SELECT max(revision) FROM releases WHERE fiscal_year = 2024"),
                     2);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM audit_log WHERE action = 'release'"
                                     " AND actor = 'admin-1'"),
                     1);
    /* What the rule holds back still waits; a second post releases nothing more. */
    assert_int_equal(web(&w, "/console/reports", form), 200);
    assert_true(strstr(w.body, "今は次の版を作れません") ||
                strstr(w.body, "新しく公開できる回答はありません"));
    assert_int_equal(tu_db_count(db, "SELECT max(revision) FROM releases WHERE fiscal_year = 2024"),
                     2);
    web_free(&w);
}

/* Runs sql on the database copy; `audit verify` must then fail naming want. */
static void tamper_then_verify(const char *copy, const char *sql, const char *want)
{
    char err[512];
    sqlite3 *h;

    assert_int_equal(sqlite3_open(copy, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(tu_collector(NULL, 0, err, sizeof err, "audit", "verify", "--db", copy, NULL),
                     1);
    assert_non_null(strstr(err, want));
}

static void test_audit_chain_names_the_edited_row(void **state)
{
    char err[512], copy[TU_PATH_MAX + 32], sql[TU_PATH_MAX + 64];
    sqlite3 *h;

    (void)state;
    assert_int_equal(audit_verify(err, sizeof err), 0);
    assert_true(tu_db_count(db, "SELECT count(*) FROM audit_log") >= 5);
    /* The table refuses edits through SQL. */
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_not_equal(
        sqlite3_exec(h, "UPDATE audit_log SET detail = 'x' WHERE seq = 3", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
    /* On a copy, someone who drops the triggers and edits row 3 is found. */
    snprintf(copy, sizeof copy, "%s/audit-copy.db", dir);
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    tamper_then_verify(copy,
                       "DROP TRIGGER audit_log_no_update;"
                       "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3",
                       "row 3 ");
    /* A removed row is found at the row after it. */
    tamper_then_verify(
        copy, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2", "row 3 ");
}

static const char *tls_cookie(void *ctx, const char *name)
{
    return !strcmp(name, "console_form") ? ctx : NULL;
}

/* Under TLS the same login sets Secure on the session cookie: the console
 * called in-process as http_console.c calls it, with tls set. */
static void test_session_cookie_is_secure_under_tls(void **state)
{
    char form_token[] = "tls-form-token-0123456789abcdefghijklmnopqr";
    struct console_field fields[] = {{"csrf", form_token, sizeof form_token - 1},
                                     {"name", "admin-1", 7},
                                     {"password", PASSWORD, strlen(PASSWORD)}};
    struct store *st = NULL;
    char err[STORE_ERR_LEN];
    struct reply rep = {0};

    (void)state;
    assert_int_equal(strlen(form_token), CRYPTO_TOKEN_LEN);
    assert_int_equal(store_open(db, NULL, &st, err, sizeof err), STORE_OK);
    struct console_request req = {.method = "POST",
                                  .path = "/console/login",
                                  .cookie = tls_cookie,
                                  .ctx = form_token,
                                  .address = "127.0.0.9",
                                  .tls = true,
                                  .base_url = "https://collector.example",
                                  .fields = fields,
                                  .n_fields = 3,
                                  .store = st};
    console_handle(&req, &rep);
    assert_int_equal(rep.status, 303);
    assert_non_null(rep.set_cookie[0]);
    assert_non_null(strstr(rep.set_cookie[0], "; HttpOnly"));
    assert_non_null(strstr(rep.set_cookie[0], "; SameSite=Strict"));
    assert_non_null(strstr(rep.set_cookie[0], "; Secure"));
    reply_release(&rep);
    store_close(st);
}

/* Last: these lock an account and an address for 15 minutes. */
static void test_login_is_limited_per_account(void **state)
{
    struct web w = {.from = "127.0.0.5"}, other = {.from = "127.0.0.6"};

    (void)state;
    for (int i = 0; i < CONSOLE_FAIL_MAX; i++)
        assert_int_equal(login(&w, "victim", "wrong password"), 401);
    /* From another address, even the right password is refused now. */
    assert_int_equal(login(&other, "victim", PASSWORD), 429);
    assert_non_null(strstr(other.body, "15分間に10回"));
    assert_non_null(strcasestr(other.headers, "Retry-After: "));
    assert_string_equal(other.session, "");
    /* Another account from that address is not locked. */
    assert_int_equal(login(&other, "admin-1", PASSWORD), 303);
    web_free(&w), web_free(&other);
}

static void test_login_is_limited_per_address(void **state)
{
    struct web w = {.from = "127.0.0.7"};
    char name[32];

    (void)state;
    for (int i = 0; i < CONSOLE_FAIL_MAX; i++) {
        snprintf(name, sizeof name, "guess-%d", i);
        assert_int_equal(login(&w, name, "wrong password"), 401);
    }
    assert_int_equal(login(&w, "admin-1", PASSWORD), 429);
    assert_true(tu_db_count(db, "SELECT count(*) FROM audit_log WHERE action = 'login_locked'") >=
                2);
    web_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_page_sends_a_strict_csp),
        cmocka_unit_test(test_session_cookie_flags),
        cmocka_unit_test(test_session_cookie_is_secure_under_tls),
        cmocka_unit_test(test_csrf_missing_or_foreign_token_is_refused),
        cmocka_unit_test(test_login_makes_a_new_session),
        cmocka_unit_test(test_viewer_cannot_reach_admin_actions),
        cmocka_unit_test(test_pairing_code_is_single_use),
        cmocka_unit_test(test_pairing_code_expires),
        cmocka_unit_test(test_pairing_attempts_are_limited),
        cmocka_unit_test(test_disabled_user_is_logged_out_and_cannot_log_in),
        cmocka_unit_test(test_admin_releases_late_answers_from_the_reports_page),
        cmocka_unit_test(test_token_downloads_and_cli_actions_are_audited),
        cmocka_unit_test(test_audit_chain_names_the_edited_row),
        cmocka_unit_test(test_login_is_limited_per_account),
        cmocka_unit_test(test_login_is_limited_per_address),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
