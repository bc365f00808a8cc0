/* The admin index page. It shows releases and, before them, participation
 * only (never responses per kiosk: a kiosk's count would date answers); the heartbeat JSON is the
 * kiosk's last report as the HTTP layer stored it, read with jansson and shown field by field,
 * escaped. */
#include "index_page.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fiscal.h"
#include "kpi_query.h"
#include "report_buf.h"
#include "report_html.h"
#include "report_make.h"
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

static void year_downloads(struct report_buf *b, const char *other, int year)
{
    char path[40], query[40];

    snprintf(path, sizeof path, "/reports/%d.html", year);
    year_link(b, path, NULL, other, "印刷用レポート（HTML）");
    report_buf_puts(b, " ・ ");
    snprintf(path, sizeof path, "/reports/%d.csv", year);
    year_link(b, path, NULL, other, "CSV（Excel）");
    report_buf_puts(b, " ・ ");
    year_link(b, path, "encoding=cp932", other, "CSV（旧Excel・Shift_JIS）");
    report_buf_puts(b, " ・ ");
    snprintf(path, sizeof path, "/reports/%d.xlsx", year);
    year_link(b, path, NULL, other, "Excel（xlsx）");
    report_buf_puts(b, " ・ ");
    snprintf(query, sizeof query, "fiscal_year=%d", year);
    year_link(b, "/api/v1/kpi", query, other, "JSON");
}

/* Links to the HTML report broken down by each attribute, and by all. */
static void year_breakdowns(struct report_buf *b, sqlite3 *db, const char *survey_id,
                            const char *other, int year)
{
    struct survey *s = NULL;
    struct report_buf all;
    char path[40], *query;

    if (kpi_query_survey(db, survey_id, &s, NULL, 0, NULL, 0) != KPI_QUERY_OK || !s->n_attributes) {
        survey_free(s);
        return;
    }
    snprintf(path, sizeof path, "/reports/%d.html", year);
    report_buf_init(&all);
    report_buf_puts(&all, "group_by=");
    report_buf_puts(b, "<br>属性別：");
    for (size_t a = 0; a < s->n_attributes; a++) {
        struct report_buf q;
        report_buf_init(&q);
        report_buf_printf(&q, "group_by=%s", s->attributes[a].id);
        report_buf_printf(&all, "%s%s", a ? "," : "", s->attributes[a].id);
        if ((query = report_buf_take(&q, NULL)))
            year_link(b, path, query, other, s->attributes[a].id);
        free(query);
        report_buf_release(&q);
        report_buf_puts(b, " ・ ");
    }
    if ((query = report_buf_take(&all, NULL)))
        year_link(b, path, query, other, "すべて");
    free(query);
    report_buf_release(&all);
    survey_free(s);
}

/* One fiscal year: its latest release with the downloads, or before the
 * first release the participation only (rounded, counted once a day). */
static void year_row(struct store *stx, sqlite3 *db, struct report_buf *b, const char *survey_id,
                     bool active, int year)
{
    char label[FISCAL_LABEL_LEN];
    struct store_release_info rel;
    struct store_participation part = {0};
    bool counted = store_participation(stx, survey_id, year, &part) == STORE_OK;

    report_buf_puts(b, "<tr><td>");
    report_html_escape(b, survey_id);
    report_buf_printf(b, "</td><td>%s（%d年度）</td>", fiscal_label(year, label, sizeof label),
                      year);
    if (store_release_latest(db, survey_id, year, &rel) == 0 && rel.revision > 0) {
        report_buf_printf(b, "<td>第%d版（%.10s 公開）<br>回答者 %lld 人", rel.revision,
                          rel.made_at, rel.respondents);
        if (counted && part.respondents > rel.respondents)
            report_buf_puts(b, "<br><span class=\"warn\">公開後に届いた回答が次の版を待っています"
                               "（<code>collector release</code>）</span>");
        report_buf_puts(b, "</td><td>");
        year_downloads(b, active ? NULL : survey_id, year);
        year_breakdowns(b, db, survey_id, active ? NULL : survey_id, year);
    } else {
        report_buf_printf(b,
                          "<td>未公開<br>これまでの回答者 約%lld 人（%s 時点、5人単位）</td>"
                          "<td>集計結果は回収の終了後に公開されます"
                          "（<code>collector survey close</code>）。</td>",
                          counted ? part.respondents / REPORT_PARTICIPATION_STEP *
                                        REPORT_PARTICIPATION_STEP
                                  : 0LL,
                          counted ? part.counted_on : "―");
    }
    report_buf_puts(b, "</tr>");
}

struct index_years_ctx {
    struct store *st;
    sqlite3 *db;
    struct report_buf *b;
    const char *active_id;
    int rows;
};

static void index_year(const char *survey_id, int fiscal_year, void *ctx)
{
    struct index_years_ctx *c = ctx;

    year_row(c->st, c->db, c->b, survey_id, strcmp(survey_id, c->active_id) == 0, fiscal_year);
    c->rows++;
}

static void index_years(struct store *stx, sqlite3 *db, struct report_buf *b, const char *active_id)
{
    struct index_years_ctx c = {stx, db, b, active_id, 0};
    int rows;

    report_buf_puts(b, "<h2>年度ごとの集計</h2><table><tr><th>調査</th><th>年度</th>"
                       "<th>公開の状況</th><th>ダウンロード</th></tr>");
    store_stored_years(db, index_year, &c);
    rows = c.rows;
    if (!rows)
        report_buf_puts(b, "<tr><td colspan=\"4\">まだ回答が届いていません。</td></tr>");
    report_buf_puts(
        b, "</table><p class=\"muted\">回答は匿名です。集計結果は回収を終えた年度ごとに"
           "「版」として固定して公開し、途中経過は回答者数（5人単位、1日1回更新）のみ"
           "示します。遅れて届いた回答は、十分な人数がそろってから次の版に加わります。</p>");
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
    report_buf_puts(b, "<td>");
    report_html_escape(b,
                       sqlite3_column_text(st, 5) ? (const char *)sqlite3_column_text(st, 5) : "―");
    report_buf_puts(b, "</td></tr>");
    json_decref(hb);
}

static void index_kiosks(sqlite3 *db, struct report_buf *b)
{
    sqlite3_stmt *st = NULL;
    int rows = 0;

    report_buf_puts(b, "<h2>端末（キオスク）</h2><table><tr><th>名前</th><th>状態</th>"
                       "<th>最後の連絡</th><th>送信待ち</th><th>隔離</th><th>最古の未送信（日）"
                       "</th><th>調査票の版</th><th>時計のずれ</th><th>最後の受信日</th></tr>");
    if (sqlite3_prepare_v2(db,
                           "SELECT name, revoked_at, last_seen_at, heartbeat, clock_skew_s,"
                           " (SELECT substr(MAX(received_at), 1, 10) FROM batches b"
                           "  WHERE b.kiosk_id = k.kiosk_id) FROM kiosks k ORDER BY name",
                           -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            kiosk_row(b, st);
            rows++;
        }
    sqlite3_finalize(st);
    if (!rows)
        report_buf_puts(b, "<tr><td colspan=\"9\">端末はまだ登録されていません"
                           "（<code>collector kiosk add NAME --db PATH</code>）。</td></tr>");
    report_buf_puts(b, "</table><p class=\"muted\">1日以上連絡のない端末は色付きで示します。"
                       "時計のずれは端末の時計から集計サーバーの時計を引いた値です。</p>");
}

void index_page_reply(struct store *stx, sqlite3 *db, struct reply *rep)
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
    index_years(stx, db, &b, active_id);
    index_kiosks(db, &b);
    report_buf_puts(&b, "</main></body></html>\n");
    body = report_buf_take(&b, &len);
    if (!body) {
        reply_error(rep, 503, "out_of_memory", "out of memory while writing the page; retry");
        return;
    }
    reply_set(rep, 200, "text/html; charset=utf-8", body, len);
}
