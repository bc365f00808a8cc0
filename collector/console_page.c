/* The console's page frame, its stylesheet and its dates. The layout
 * fits 1366x768 without sideways scrolling and prints on A4 without the
 * navigation. Dates a person reads are in Japan time (UTC+9, no summer
 * time) with the era name, as city-hall documents write them. */
#include "console_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"

const char console_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;background:#f3f5f8;font-family:" REPORT_HTML_FONTS ";color:#1d2733;"
    "font-size:15px;line-height:1.6;line-break:strict;overflow-wrap:anywhere}"
    "header{background:#1f4e8c;color:#fff;padding:8px 24px;display:flex;align-items:center;"
    "gap:16px;flex-wrap:wrap}"
    "header .title{font-size:18px;font-weight:bold;margin-right:auto}"
    "header form{margin:0}header button{background:#fff;color:#1f4e8c;border:0}"
    "nav{background:#e3e9f1;padding:0 24px;display:flex;gap:4px;flex-wrap:wrap}"
    "nav a{display:block;padding:8px 14px;color:#1d2733;text-decoration:none}"
    "nav a.current{background:#fff;font-weight:bold;border-top:3px solid #1f4e8c}"
    "main{max-width:1180px;margin:0 auto;padding:20px 24px}"
    "h1{font-size:22px;color:#1f4e8c;margin:0 0 12px}"
    "h2{font-size:18px;border-left:5px solid #1f4e8c;padding-left:10px;margin:24px 0 10px}"
    "table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:12px}"
    "th,td{border:1px solid #c9d1da;padding:6px 10px;text-align:left;vertical-align:top}"
    "th{background:#edf1f5;white-space:nowrap}td.nw{white-space:nowrap}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.hash{font-family:monospace;font-size:12px}"
    "form.box,.box{background:#fff;border:1px solid #c9d1da;padding:16px 20px;margin:0 0 16px}"
    "form.login{max-width:420px;margin:40px auto}"
    "label{display:block;margin:8px 0 4px;font-weight:bold}"
    "input[type=text],input[type=password],select{width:100%;max-width:420px;padding:8px;"
    "font-size:16px;border:1px solid #8a96a3;border-radius:3px}"
    "button{font-size:15px;padding:7px 18px;border-radius:3px;border:1px solid #1f4e8c;"
    "background:#1f4e8c;color:#fff;cursor:pointer;margin-top:10px}"
    "button.secondary{background:#fff;color:#1f4e8c}"
    "button.danger{background:#b03a2e;border-color:#b03a2e}"
    "td select{width:auto;max-width:300px;font-size:14px;padding:3px;margin-top:4px}"
    "td form{display:inline;margin:0 4px 0 0}td button{margin:2px 0;padding:3px 10px;"
    "font-size:14px}"
    ".notice{padding:10px 16px;margin:0 0 16px;border-left:5px solid}"
    ".notice.ok{background:#e8f4ea;border-color:#2e7d32}"
    ".notice.error{background:#fdecea;border-color:#b03a2e}"
    ".code{font-size:40px;letter-spacing:8px;font-family:monospace;font-weight:bold}"
    ".ok{color:#2e7d32;font-weight:bold}.warn{color:#b03a2e;font-weight:bold}"
    ".muted{color:#56606c;font-size:13px}abbr{text-decoration:none;cursor:help}"
    "th abbr{text-decoration:underline dotted}"
    "pre{background:#fff;border:1px solid #c9d1da;padding:8px;overflow:auto;font-size:13px}"
    "pre .bad{background:#fdecea;display:block}"
    ".screen{background:#fff;border:2px solid #56606c;border-radius:6px;padding:16px;"
    "margin:0 0 12px;max-width:760px}"
    ".screen .choices{display:flex;gap:8px;flex-wrap:wrap}"
    ".screen .choice{border:2px solid #1f4e8c;border-radius:6px;padding:10px 14px;"
    "min-width:120px;text-align:center}"
    "@media print{header form,nav,button,form{display:none}body{background:#fff}"
    "main{max-width:none;padding:0}}";

const char *console_field(const struct console_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_fields; i++)
        if (!strcmp(req->fields[i].name, name))
            return req->fields[i].value ? req->fields[i].value : "";
    return "";
}

bool console_is_admin(const struct console_ctx *c)
{
    return c->logged_in && !strcmp(c->user.role, "admin");
}

/* The navigation: path, label, whether only an admin sees it. */
static const struct {
    const char *path, *label;
    bool admin;
} page_nav[] = {
    {"/console/", "ホーム", false},       {"/console/reports", "報告書", false},
    {"/console/surveys", "調査票", true}, {"/console/kiosks", "回答端末", false},
    {"/console/users", "利用者", true},   {"/console/audit", "操作記録", true},
};

void page_begin(struct report_buf *b, const struct console_ctx *c, const char *title,
                const char *current)
{
    report_buf_puts(b, "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    report_html_escape(b, title);
    report_buf_puts(b, " | 職員アンケート 管理画面</title>"
                       "<link rel=\"stylesheet\" href=\"/console/console.css\"></head><body>"
                       "<header><span class=\"title\">職員アンケート 管理画面</span>");
    if (c->logged_in) {
        report_buf_puts(b, "<span>");
        report_html_escape(b, c->user.name);
        report_buf_printf(b, "（%s）</span><form method=\"post\" action=\"/console/logout\">",
                          console_is_admin(c) ? "管理者" : "閲覧者");
        page_csrf(b, c);
        report_buf_puts(b, "<button type=\"submit\">ログアウト</button></form>");
    }
    report_buf_puts(b, "</header>");
    if (c->logged_in) {
        report_buf_puts(b, "<nav>");
        for (size_t i = 0; i < sizeof page_nav / sizeof page_nav[0]; i++)
            if (!page_nav[i].admin || console_is_admin(c))
                report_buf_printf(b, "<a href=\"%s\"%s>%s</a>", page_nav[i].path,
                                  current && !strcmp(current, page_nav[i].path)
                                      ? " class=\"current\" aria-current=\"page\""
                                      : "",
                                  page_nav[i].label);
        report_buf_puts(b, "</nav>");
    }
    report_buf_puts(b, "<main><h1>");
    report_html_escape(b, title);
    report_buf_puts(b, "</h1>");
}

void page_end(struct report_buf *b)
{
    report_buf_puts(b, "</main></body></html>\n");
}

void page_send(struct console_ctx *c, struct report_buf *b, int status)
{
    size_t len = 0;
    char *text = report_buf_take(b, &len);

    report_buf_release(b);
    if (!text) {
        reply_error(c->rep, 503, "out_of_memory", "the page could not be made; retry later");
        return;
    }
    reply_set(c->rep, status, "text/html; charset=utf-8", text, len);
}

void page_notice(struct report_buf *b, const char *kind, const char *text)
{
    report_buf_printf(b, "<p class=\"notice %s\" role=\"%s\">", kind,
                      !strcmp(kind, "error") ? "alert" : "status");
    report_html_escape(b, text);
    report_buf_puts(b, "</p>");
}

void page_error(struct console_ctx *c, enum console_err e, const char *detail)
{
    struct report_buf b;

    report_buf_init(&b);
    page_begin(&b, c, "エラー", NULL);
    page_notice(&b, "error", console_err_text(e));
    if (detail && *detail)
        page_notice(&b, "error", detail);
    report_buf_printf(&b, "<p class=\"muted\">（コード: %s）</p>", console_err_name(e));
    report_buf_puts(&b, c->logged_in ? "<p><a href=\"/console/\">ホームへ戻る</a></p>"
                                     : "<p><a href=\"/console/login\">ログイン画面へ</a></p>");
    page_end(&b);
    page_send(c, &b, console_err_status(e));
}

void page_redirect(struct console_ctx *c, const char *location)
{
    char *body = strdup("");

    reply_set(c->rep, 303, "text/plain; charset=utf-8", body, 0);
    free(c->rep->location);
    c->rep->location = strdup(location);
}

void page_button(struct report_buf *b, const struct console_ctx *c, const char *path,
                 const char *name, const char *action, const char *label, const char *cls)
{
    report_buf_printf(b, "<form method=\"post\" action=\"%s\">", path);
    page_csrf(b, c);
    report_buf_printf(b,
                      "<input type=\"hidden\" name=\"action\" value=\"%s\">"
                      "<input type=\"hidden\" name=\"name\" value=\"",
                      action);
    report_html_escape(b, name);
    report_buf_printf(b, "\"><button type=\"submit\" class=\"%s\">%s</button></form>", cls, label);
}

void page_csrf(struct report_buf *b, const struct console_ctx *c)
{
    report_buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    report_html_escape(b, c->csrf);
    report_buf_puts(b, "\">");
}

time_t console_time_parse(const char *rfc3339)
{
    struct tm tm = {0};
    const char *end;

    if (!rfc3339 || !(end = strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm)) || *end != 'Z')
        return -1;
    return timegm(&tm);
}

/* The era's year: "令和8年", "令和元年"; the Western year before 2019. */
static void console_era_year(char *out, size_t len, int year)
{
    if (year == 2019)
        snprintf(out, len, "令和元年");
    else if (year > 2019)
        snprintf(out, len, "令和%d年", year - 2018);
    else
        snprintf(out, len, "%d年", year);
}

void console_date_jst(char *out, size_t len, const char *yyyy_mm_dd)
{
    char era[32];
    int y, m, d;

    if (!yyyy_mm_dd || sscanf(yyyy_mm_dd, "%4d-%2d-%2d", &y, &m, &d) != 3) {
        snprintf(out, len, "—");
        return;
    }
    console_era_year(era, sizeof era, y);
    snprintf(out, len, "%s%d月%d日", era, m, d);
}

void console_time_jst_t(char *out, size_t len, time_t t)
{
    time_t jst = t + CONSOLE_JST_OFFSET_S;
    struct tm tm;
    char era[32];

    gmtime_r(&jst, &tm);
    console_era_year(era, sizeof era, tm.tm_year + 1900);
    snprintf(out, len, "%s%d月%d日 %02d:%02d", era, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min);
}

void console_time_jst(char *out, size_t len, const char *rfc3339)
{
    time_t t = console_time_parse(rfc3339);

    if (t < 0)
        snprintf(out, len, "—");
    else
        console_time_jst_t(out, len, t);
}

void console_time_ago(char *out, size_t len, const char *rfc3339, time_t now)
{
    time_t t = console_time_parse(rfc3339);
    long long d = t < 0 ? -1 : (long long)(now - t);

    if (t < 0)
        snprintf(out, len, "—");
    else if (d < 60)
        snprintf(out, len, "たった今");
    else if (d < 3600)
        snprintf(out, len, "%lld分前", d / 60);
    else if (d < 86400)
        snprintf(out, len, "%lld時間前", d / 3600);
    else
        snprintf(out, len, "%lld日前", d / 86400);
}
