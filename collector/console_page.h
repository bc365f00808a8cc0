/* What the console's pages share: one request's state (who is logged in,
 * the CSRF token to put in forms), the page frame with its navigation,
 * error pages, redirects, and dates in Japan time with the era name. */
#ifndef COLLECTOR_CONSOLE_PAGE_H
#define COLLECTOR_CONSOLE_PAGE_H

#include <stdbool.h>
#include <time.h>

#include "console.h"
#include "report_buf.h"
#include "store_console.h"

#define CONSOLE_JST_OFFSET_S (9 * 3600)
#define CONSOLE_TIME_LEN     64

struct console_ctx {
    const struct console_request *req;
    struct reply *rep;
    bool logged_in;
    struct store_console_user user;
    char session_hash[CRYPTO_SHA256_HEX];
    char csrf[CRYPTO_SHA256_HEX]; /* the session's, or the login form's cookie */
    time_t now;
};

/* The value of a form field, "" when absent. */
const char *console_field(const struct console_request *req, const char *name);
bool console_is_admin(const struct console_ctx *c);

/* The page frame: <head>, the header with the user and the logout form,
 * the navigation (current marks the page), and <main>. */
void page_begin(struct report_buf *b, const struct console_ctx *c, const char *title,
                const char *current);
void page_end(struct report_buf *b);
/* Sends b as the page (text/html) with status; b is released. */
void page_send(struct console_ctx *c, struct report_buf *b, int status);
/* An error page: the message of e, then detail (escaped) when not NULL. */
void page_error(struct console_ctx *c, enum console_err e, const char *detail);
/* A 303 to location. */
void page_redirect(struct console_ctx *c, const char *location);
/* <input type=hidden name=csrf>. */
void page_csrf(struct report_buf *b, const struct console_ctx *c);
/* A one-button form that posts action and name (and the CSRF token) to path. */
void page_button(struct report_buf *b, const struct console_ctx *c, const char *path,
                 const char *name, const char *action, const char *label, const char *cls);
/* A notice box: kind "ok" or "error", text escaped. */
void page_notice(struct report_buf *b, const char *kind, const char *text);

/* "令和8年12月3日 22:05" in Japan time from "YYYY-MM-DDTHH:MM:SSZ"; "—"
 * when unreadable or NULL. */
void console_time_jst(char *out, size_t len, const char *rfc3339);
/* "令和8年12月3日" from a calendar date "YYYY-MM-DD" (no time zone). */
void console_date_jst(char *out, size_t len, const char *yyyy_mm_dd);
/* The same from seconds since the epoch. */
void console_time_jst_t(char *out, size_t len, time_t t);
/* "たった今", "5分前", "3時間前", "2日前"; "—" when unreadable. */
void console_time_ago(char *out, size_t len, const char *rfc3339, time_t now);
/* Seconds since the epoch of an RFC 3339 UTC time, or -1. */
time_t console_time_parse(const char *rfc3339);

/* The stylesheet served as /console/console.css. */
extern const char console_css[];

#endif
