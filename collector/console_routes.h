/* The console's pages, one group per file: console_account.c (login,
 * setup, logout, users), console_home.c (home, reports), console_audit.c,
 * console_kiosks.c (and the pairing exchange), console_surveys.c. Each
 * runs after console.c checked the session, the role and the CSRF token. */
#ifndef COLLECTOR_CONSOLE_ROUTES_H
#define COLLECTOR_CONSOLE_ROUTES_H

#include "console_page.h"

void console_login_get(struct console_ctx *c);
void console_login_post(struct console_ctx *c);
void console_setup_get(struct console_ctx *c);
void console_setup_post(struct console_ctx *c);
void console_logout_post(struct console_ctx *c);
void console_users_get(struct console_ctx *c);
void console_users_post(struct console_ctx *c);
void console_home_get(struct console_ctx *c);
void console_reports_get(struct console_ctx *c);
void console_reports_post(struct console_ctx *c);
void console_report_download(struct console_ctx *c);
void console_audit_get(struct console_ctx *c);
void console_audit_csv(struct console_ctx *c);
void console_kiosks_get(struct console_ctx *c);
void console_kiosks_post(struct console_ctx *c);
void console_surveys_get(struct console_ctx *c);
void console_surveys_post(struct console_ctx *c);
void console_pair_exchange(struct console_ctx *c);

/* Sets the session cookie to token ("" ends it). */
void console_set_session_cookie(struct console_ctx *c, const char *token);
/* An audit row for c's user and address. */
void console_audit(struct console_ctx *c, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
