/* The admin index page. It reads the surveys, respondent_counts and kiosks
 * tables only; the heartbeat JSON is the kiosk's last report as the HTTP
 * layer stored it, read with jansson and shown field by field, escaped. */
#include "index_page.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fiscal.h"
#include "report_buf.h"
#include "report_html.h"
#include "survey.h"
#include "cclock.h"

#define SURVEY_LINK_MAX (SURVEY_MAX_ID_BYTES + 16)

static const char index_css[] =
    "body{margin:0;background:#f3f5f8;font-family:" REPORT_HTML_FONTS ";color:#1d2733;"
    "font-size:15px;line-height:1.6;line-break:strict;overflow-wrap:anywhere}"
    "main{max-width:1100px;margin:0 auto;padding:24px}"
    "h1{font-size:24px;color:#1f4e8c;margin:0 0 4px}"
    "h2{font-size:18px;border-left:5px solid #1f4e8c;padding-left:10px;margin:28px 0 10px}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #c9d1da;padding:6px 10px;text-align:left;vertical-align:top}"
    "th{background:#edf1f5}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.silent td{background:#fdf0e6}.warn{color:#b03a2e;font-weight:bold}"
    "a{color:#1f4e8c}.muted{color:#56606c;font-size:13px}";

/* Seconds since an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ"; -1 if unreadable. */
static long long age_s(const char *when)
{
    struct tm tm = {0};
    const char *end;

    if (!when || !(end = strptime(when, "%Y-%m-%dT%H:%M:%S", &tm)))
        return -1;
    return (long long)(cclock_now() - timegm(&tm));
}

static void index_survey(sqlite3 *db, struct report_buf *b, char *active_id, size_t id_len)
{
    sqlite3_stmt *st = NULL;

    report_buf_puts(b, "<h2>公開中の調査票</h2>");
    if (sqlite3_prepare_v2(db,
                           "SELECT survey_id, version, published_at, definition FROM surveys"
                           " WHERE active = 1",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        json_t *def = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
        snprintf(active_id, id_len, "%s", (const char *)sqlite3_column_text(st, 0));
        report_buf_puts(b, "<table><tr><th>調査</th><th>版</th><th>題名</th><th>公開日時</th>"
                           "</tr><tr><td>");
        report_html_escape(b, active_id);
        report_buf_printf(b, "</td><td class=\"num\">%d</td><td>", sqlite3_column_int(st, 1));
        report_html_escape(b, json_string_value(json_object_get(def, "organization")));
        report_buf_puts(b, " ");
        report_html_escape(b, json_string_value(json_object_get(def, "title")));
        report_buf_puts(b, "</td><td>");
        report_html_escape(b, (const char *)sqlite3_column_text(st, 2));
        report_buf_puts(b, "</td></tr></table>");
        json_decref(def);
    } else {
        report_buf_puts(b,
                        "<p class=\"warn\">調査票がまだ公開されていません。"
                        "<code>collector survey publish FILE --db PATH</code> で公開してください。"
                        "</p>");
    }
    sqlite3_finalize(st);
}

/* A link to path?query[&survey=ID]; the survey is named only when it is
 * not the active one, which the routes use by default. */
static void year_link(struct report_buf *b, const char *path, const char *query,
                      const char *survey_id, const char *text)
{
    report_buf_printf(b, "<a href=\"%s%s%s", path, query ? "?" : "", query ? query : "");
    if (survey_id) {
        report_buf_puts(b, query ? "&amp;survey=" : "?survey=");
        report_html_escape(b, survey_id);
    }
    report_buf_printf(b, "\">%s</a>", text);
}

static void year_row(struct report_buf *b, const char *survey_id, bool active, int year,
                     long respondents)
{
    char label[FISCAL_LABEL_LEN], path[40], query[40];
    const char *other = active ? NULL : survey_id;

    report_buf_puts(b, "<tr><td>");
    report_html_escape(b, survey_id);
    report_buf_printf(b, "</td><td>%s（%d年度）</td><td class=\"num\">%ld</td><td>",
                      fiscal_label(year, label, sizeof label), year, respondents);
    snprintf(path, sizeof path, "/reports/%d.html", year);
    year_link(b, path, NULL, other, "印刷用レポート（HTML）");
    report_buf_puts(b, " ・ ");
    snprintf(path, sizeof path, "/reports/%d.csv", year);
    year_link(b, path, NULL, other, "CSV（Excel）");
    report_buf_puts(b, " ・ ");
    year_link(b, path, "encoding=cp932", other, "CSV（旧Excel・Shift_JIS）");
    report_buf_puts(b, " ・ ");
    snprintf(query, sizeof query, "fiscal_year=%d", year);
    year_link(b, "/api/v1/kpi", query, other, "JSON");
    report_buf_puts(b, "</td></tr>");
}

static void index_years(sqlite3 *db, struct report_buf *b, const char *active_id)
{
    sqlite3_stmt *st = NULL;
    int rows = 0;

    report_buf_puts(b, "<h2>集計できる年度</h2><table><tr><th>調査</th><th>年度</th>"
                       "<th>回答者数</th><th>ダウンロード</th></tr>");
    if (sqlite3_prepare_v2(db,
                           "SELECT survey_id, fiscal_year, count FROM respondent_counts"
                           " WHERE attribute_id = '' AND option_id = '' AND count > 0"
                           " ORDER BY survey_id, fiscal_year DESC",
                           -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(st, 0);
            year_row(b, id, strcmp(id, active_id) == 0, sqlite3_column_int(st, 1),
                     (long)sqlite3_column_int64(st, 2));
            rows++;
        }
    sqlite3_finalize(st);
    if (!rows)
        report_buf_puts(b, "<tr><td colspan=\"4\">まだ回答が届いていません。</td></tr>");
    report_buf_puts(b, "</table>");
}

/* One number from the heartbeat JSON, or a dash. */
static void hb_field(struct report_buf *b, json_t *hb, const char *key)
{
    json_t *v = json_object_get(hb, key);

    if (json_is_integer(v))
        report_buf_printf(b, "<td class=\"num\">%lld</td>", (long long)json_integer_value(v));
    else
        report_buf_puts(b, "<td class=\"num\">―</td>");
}

static void kiosk_row(struct report_buf *b, sqlite3_stmt *st)
{
    const char *last = (const char *)sqlite3_column_text(st, 2);
    json_t *hb = json_loads(
        sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "{}", 0, NULL);
    bool revoked = sqlite3_column_type(st, 1) != SQLITE_NULL;
    long long age = age_s(last);
    bool silent = !revoked && (age < 0 || age > INDEX_PAGE_SILENT_S);

    report_buf_printf(b, "<tr%s><td>", silent ? " class=\"silent\"" : "");
    report_html_escape(b, (const char *)sqlite3_column_text(st, 0));
    report_buf_printf(b, "</td><td>%s</td><td>", revoked ? "失効" : "有効");
    if (!last)
        report_buf_puts(b, "<span class=\"warn\">まだ一度も連絡がありません</span>");
    else
        report_html_escape(b, last);
    if (last && silent)
        report_buf_puts(b, " <span class=\"warn\">1日以上連絡なし</span>");
    report_buf_puts(b, "</td>");
    hb_field(b, hb, "sealed_batches");
    hb_field(b, hb, "quarantined_batches");
    hb_field(b, hb, "oldest_unsent_days");
    hb_field(b, hb, "survey_version");
    if (sqlite3_column_type(st, 4) == SQLITE_NULL)
        report_buf_puts(b, "<td class=\"num\">―</td>");
    else
        report_buf_printf(b, "<td class=\"num\">%lld 秒</td>",
                          (long long)sqlite3_column_int64(st, 4));
    report_buf_printf(b, "<td class=\"num\">%lld</td><td class=\"num\">%lld</td></tr>",
                      (long long)sqlite3_column_int64(st, 5),
                      (long long)sqlite3_column_int64(st, 6));
    json_decref(hb);
}

static void index_kiosks(sqlite3 *db, struct report_buf *b)
{
    sqlite3_stmt *st = NULL;
    int rows = 0;

    report_buf_puts(b, "<h2>端末（キオスク）</h2><table><tr><th>名前</th><th>状態</th>"
                       "<th>最後の連絡</th><th>送信待ち</th><th>隔離</th><th>最古の未送信（日）"
                       "</th><th>調査票の版</th><th>時計のずれ</th><th>受信バッチ</th>"
                       "<th>受信回答</th></tr>");
    if (sqlite3_prepare_v2(db,
                           "SELECT name, revoked_at, last_seen_at, heartbeat, clock_skew_s,"
                           " batches, responses FROM kiosks ORDER BY name",
                           -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            kiosk_row(b, st);
            rows++;
        }
    sqlite3_finalize(st);
    if (!rows)
        report_buf_puts(b, "<tr><td colspan=\"10\">端末はまだ登録されていません"
                           "（<code>collector kiosk add NAME --db PATH</code>）。</td></tr>");
    report_buf_puts(b, "</table><p class=\"muted\">1日以上連絡のない端末は色付きで示します。"
                       "時計のずれは端末の時計から集計サーバーの時計を引いた値です。</p>");
}

void index_page_reply(sqlite3 *db, struct reply *rep)
{
    struct report_buf b;
    char active_id[SURVEY_LINK_MAX] = "";
    char *body;
    size_t len;

    report_buf_init(&b);
    report_buf_printf(&b,
                      "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
                      "<title>職員アンケート集計 管理</title><style>%s</style></head><body>"
                      "<main><h1>職員アンケート集計 管理</h1>",
                      index_css);
    index_survey(db, &b, active_id, sizeof active_id);
    index_years(db, &b, active_id);
    index_kiosks(db, &b);
    report_buf_puts(&b, "</main></body></html>\n");
    body = report_buf_take(&b, &len);
    if (!body) {
        reply_error(rep, 503, "out_of_memory", "out of memory while writing the page; retry");
        return;
    }
    reply_set(rep, 200, "text/html; charset=utf-8", body, len);
}
