/* The audit log in the console: the newest rows first, with the chain
 * checked on every view, and the whole log as CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "console_routes.h"
#include "report_html.h"

#define AUDIT_PAGE_ROWS 500 /* rows shown; the CSV has them all */

/* What each action is called on the page. */
static const struct {
    const char *action, *label;
} audit_labels[] = {
    {"login", "ログイン"},
    {"login_failed", "ログイン失敗"},
    {"login_locked", "ログイン停止中の試行"},
    {"logout", "ログアウト"},
    {"password_set", "パスワード設定"},
    {"user_add", "利用者の追加"},
    {"user_reset", "設定用リンクの再発行"},
    {"user_disable", "利用者の利用停止"},
    {"user_enable", "利用者の利用再開"},
    {"denied", "権限のない操作の拒否"},
    {"csrf_refused", "不正な送信の拒否"},
    {"report_download", "報告書のダウンロード"},
    {"audit_export", "操作記録の書き出し"},
    {"kiosk_add", "回答端末の追加"},
    {"kiosk_revoke", "回答端末の停止"},
    {"kiosk_rotate", "回答端末の再登録"},
    {"kiosk_purge", "回答端末のデータ削除"},
    {"kiosk_paired", "回答端末の登録完了"},
    {"survey_publish", "調査票の公開"},
    {"survey_rejected", "調査票の不備"},
    {"survey_close", "回収の終了"},
    {"release", "集計結果の公開（追加分）"},
    {"baseline_set", "基準値の設定"},
    {"admin_token", "管理用トークンの再発行"},
};

static const char *audit_label(const char *action)
{
    for (size_t i = 0; i < sizeof audit_labels / sizeof audit_labels[0]; i++)
        if (!strcmp(audit_labels[i].action, action))
            return audit_labels[i].label;
    return action;
}

static void audit_page_row(const struct audit_row *r, void *ctx)
{
    struct report_buf *b = ctx;
    char when[CONSOLE_TIME_LEN];

    console_time_jst(when, sizeof when, r->at);
    report_buf_printf(b, "<tr><td class=\"num\">%lld</td><td class=\"nw\">%s</td><td class=\"nw\">",
                      r->seq, when);
    report_html_escape(b, r->actor);
    report_buf_puts(b, "</td><td class=\"nw\">");
    report_html_escape(b, r->address);
    report_buf_puts(b, "</td><td class=\"nw\"><abbr title=\"");
    report_html_escape(b, r->action);
    report_buf_puts(b, "\">");
    report_html_escape(b, audit_label(r->action));
    report_buf_puts(b, "</abbr></td><td>");
    report_html_escape(b, r->detail);
    report_buf_puts(b, "</td></tr>");
}

static void audit_check_each(const struct audit_row *r, void *ctx)
{
    audit_check_row(ctx, r);
}

void console_audit_get(struct console_ctx *c)
{
    sqlite3 *db = store_reader_open(c->req->store);
    struct audit_check chk;
    struct report_buf b;
    char text[512];

    audit_check_init(&chk);
    if (!db || store_audit_each(db, false, 0, audit_check_each, &chk) != 0) {
        sqlite3_close(db);
        page_error(c, CONSOLE_E_STORAGE, NULL);
        return;
    }
    report_buf_init(&b);
    page_begin(&b, c, "操作記録", "/console/audit");
    if (chk.broken_seq) {
        snprintf(text, sizeof text,
                 "操作記録の %lld 行目以降が書き換えられています（%s）。情報システム担当に"
                 "連絡してください。",
                 chk.broken_seq, chk.why);
        page_notice(&b, "error", text);
    } else {
        snprintf(text, sizeof text, "全 %lld 行を確認し、書き換えは見つかりませんでした。",
                 chk.rows);
        page_notice(&b, "ok", text);
    }
    report_buf_printf(&b,
                      "<p><a href=\"/console/audit.csv\">すべてCSVで書き出す</a>"
                      "（新しい順に%d行まで表示しています）</p><table><tr><th>番号</th>"
                      "<th>日時</th><th>操作者</th><th>接続元</th><th>操作</th><th>内容</th>"
                      "</tr>",
                      AUDIT_PAGE_ROWS);
    store_audit_each(db, true, AUDIT_PAGE_ROWS, audit_page_row, &b);
    report_buf_puts(&b, "</table>");
    sqlite3_close(db);
    page_end(&b);
    page_send(c, &b, 200);
}

static void audit_csv_each(const struct audit_row *r, void *ctx)
{
    audit_csv_row(ctx, r);
}

void console_audit_csv(struct console_ctx *c)
{
    sqlite3 *db;
    struct report_buf b;
    size_t len = 0;
    char *text;

    console_audit(c, "audit_export", "%s", "csv");
    db = store_reader_open(c->req->store);
    report_buf_init(&b);
    audit_csv_header(&b);
    if (!db || store_audit_each(db, false, 0, audit_csv_each, &b) != 0 ||
        !(text = report_buf_take(&b, &len))) {
        sqlite3_close(db);
        report_buf_release(&b);
        page_error(c, CONSOLE_E_STORAGE, NULL);
        return;
    }
    sqlite3_close(db);
    report_buf_release(&b);
    reply_set(c->rep, 200, "text/csv; charset=utf-8", text, len);
    c->rep->content_disposition = strdup("attachment; filename=\"audit-log.csv\"");
}
