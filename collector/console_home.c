/* The home page and the reports page: per survey and fiscal year, the
 * latest release with its downloads, or before it the participation only
 * (rounded, counted once a day, as the admin index shows it). Downloads go
 * through /console/reports/ so that each one is in the audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "console_routes.h"
#include "fiscal.h"
#include "kpi_query.h"
#include "report_html.h"
#include "report_make.h"
#include "store_console.h"
#include "survey.h"

struct years_ctx {
    struct console_ctx *c;
    sqlite3 *db;
    struct report_buf *b;
    bool downloads;
    int rows;
};

static void year_link(struct report_buf *b, const char *survey_id, const char *file,
                      const char *query, const char *label)
{
    report_buf_printf(b, "<a href=\"/console/reports/%s?", file);
    if (query)
        report_buf_printf(b, "%s&amp;", query);
    report_buf_puts(b, "survey=");
    report_html_escape(b, survey_id);
    report_buf_printf(b, "\">%s</a> ", label);
}

/* The admin's button for the next release of a year whose late answers wait. */
static void release_button(struct report_buf *b, const struct console_ctx *c, const char *survey_id,
                           int year)
{
    report_buf_puts(b, "<form method=\"post\" action=\"/console/reports\">");
    page_csrf(b, c);
    report_buf_printf(b,
                      "<input type=\"hidden\" name=\"year\" value=\"%d\"><input "
                      "type=\"hidden\" name=\"survey\" value=\"",
                      year);
    report_html_escape(b, survey_id);
    report_buf_puts(b, "\"><button type=\"submit\" class=\"secondary\">次の版を公開する</button>"
                       "</form>");
}

struct newest {
    const char *survey_id;
    int version;
};

static void newest_version(const struct store_console_survey *s, void *ctx)
{
    struct newest *n = ctx;

    if (!strcmp(s->survey_id, n->survey_id) && s->version > n->version)
        n->version = s->version;
}

/* A form that opens the year's report broken down by one attribute of the
 * survey's newest version (group_by, as the admin routes take it). */
static void breakdown_form(struct report_buf *b, struct console_ctx *c, const char *survey_id,
                           int year)
{
    struct newest n = {survey_id, 0};
    struct survey *s = NULL;

    store_console_surveys_each(c->req->store, newest_version, &n);
    if (!n.version || store_survey_load(c->req->store, survey_id, n.version, &s) != STORE_OK ||
        !s->n_attributes) {
        survey_free(s);
        return;
    }
    report_buf_printf(b,
                      "<form method=\"get\" action=\"/console/reports/%d.html\">"
                      "<input type=\"hidden\" name=\"survey\" value=\"",
                      year);
    report_html_escape(b, survey_id);
    report_buf_puts(b, "\"><select name=\"group_by\" aria-label=\"区分\">");
    for (size_t i = 0; i < s->n_attributes; i++) {
        report_buf_puts(b, "<option value=\"");
        report_html_escape(b, s->attributes[i].id);
        report_buf_puts(b, "\">");
        report_html_escape(b, s->attributes[i].text);
        report_buf_puts(b, "</option>");
    }
    report_buf_puts(b, "</select> <button type=\"submit\" class=\"secondary\">区分ごとの報告書"
                       "</button></form>");
    survey_free(s);
}

static void years_row(const char *survey_id, int year, void *ctx)
{
    struct years_ctx *y = ctx;
    struct report_buf *b = y->b;
    char label[FISCAL_LABEL_LEN], when[CONSOLE_TIME_LEN], file[32];
    struct store_release_info rel;
    struct store_participation part = {0};
    bool counted = store_participation(y->c->req->store, survey_id, year, &part) == STORE_OK;

    y->rows++;
    report_buf_puts(b, "<tr><td>");
    report_html_escape(b, survey_id);
    report_buf_printf(b, "</td><td class=\"nw\">%s</td>", fiscal_label(year, label, sizeof label));
    if (store_release_latest(y->db, survey_id, year, &rel) != 0 || rel.revision == 0) {
        report_buf_printf(b, "<td>集計前<br>これまでの回答者 約%lld人（5人単位、1日1回更新）</td>",
                          counted ? part.respondents / REPORT_PARTICIPATION_STEP *
                                        REPORT_PARTICIPATION_STEP
                                  : 0LL);
        if (y->downloads)
            report_buf_puts(b, "<td>回収を終えると集計結果を公開します。</td>");
        report_buf_puts(b, "</tr>");
        return;
    }
    console_time_jst(when, sizeof when, rel.made_at);
    report_buf_printf(b, "<td>公開済み 第%d版（%s）<br>回答者 %lld人", rel.revision, when,
                      rel.respondents);
    if (counted && part.respondents > rel.respondents) {
        report_buf_puts(b, "<br><span class=\"warn\">公開後に届いた回答が次の版を待っています"
                           "</span>");
        if (y->downloads && console_is_admin(y->c))
            release_button(b, y->c, survey_id, year);
    }
    report_buf_puts(b, "</td>");
    if (y->downloads) {
        report_buf_puts(b, "<td>");
        snprintf(file, sizeof file, "%d.html", year);
        year_link(b, survey_id, file, NULL, "印刷用の報告書（HTML）");
        snprintf(file, sizeof file, "%d.csv", year);
        year_link(b, survey_id, file, NULL, "表（CSV・Excel用）");
        year_link(b, survey_id, file, "encoding=cp932", "表（CSV・古いExcel用）");
        breakdown_form(b, y->c, survey_id, year);
        report_buf_puts(b, "</td>");
    }
    report_buf_puts(b, "</tr>");
}

/* The table of every survey and fiscal year that holds responses. */
static void years_table(struct console_ctx *c, struct report_buf *b, bool downloads)
{
    sqlite3 *db = store_reader_open(c->req->store);
    struct years_ctx y = {c, db, b, downloads, 0};

    report_buf_printf(b, "<table><tr><th>調査</th><th>年度</th><th>状況</th>%s</tr>",
                      downloads ? "<th>ダウンロード</th>" : "");
    if (db)
        store_stored_years(db, years_row, &y);
    if (!y.rows)
        report_buf_printf(b, "<tr><td colspan=\"%d\">まだ回答が届いていません。</td></tr>",
                          downloads ? 4 : 3);
    report_buf_puts(b, "</table>");
    sqlite3_close(db);
}

static void home_survey(struct console_ctx *c, struct report_buf *b)
{
    struct store_survey_state s;
    char when[CONSOLE_TIME_LEN];

    report_buf_puts(b, "<h2>公開中の調査票</h2>");
    if (store_survey_state(c->req->store, NULL, 0, &s) != STORE_OK) {
        report_buf_puts(b, "<p>公開中の調査票はありません。</p>");
        return;
    }
    console_time_jst(when, sizeof when, s.published_at);
    report_buf_puts(b,
                    "<table><tr><th>調査</th><th>版</th><th>公開</th><th>回収</th></tr><tr><td>");
    report_html_escape(b, s.survey_id);
    report_buf_printf(b, "</td><td class=\"num\">%d</td><td>%s</td><td>", s.version, when);
    if (s.closed_at[0]) {
        console_time_jst(when, sizeof when, s.closed_at);
        report_buf_printf(b, "終了（%s）", when);
    } else {
        report_buf_puts(b, "<span class=\"ok\">回収中</span>");
    }
    report_buf_puts(b, "</td></tr></table>");
}

void console_home_get(struct console_ctx *c)
{
    struct report_buf b;

    report_buf_init(&b);
    page_begin(&b, c, "ホーム", "/console/");
    home_survey(c, &b);
    report_buf_puts(&b, "<h2>年度ごとの状況</h2>");
    years_table(c, &b, false);
    report_buf_puts(&b, "<p class=\"muted\">回答は匿名です。集計結果は回収を終えた年度ごとに"
                        "「版」として固定して公開し、途中経過は回答者数のみ示します。</p>"
                        "<p><a href=\"/console/reports\">報告書をダウンロードする</a> ・ "
                        "<a href=\"/console/kiosks\">回答端末の状況を見る</a></p>");
    page_end(&b);
    page_send(c, &b, 200);
}

static void reports_page(struct console_ctx *c, const char *notice, bool ok, int status)
{
    struct report_buf b;

    report_buf_init(&b);
    page_begin(&b, c, "報告書", "/console/reports");
    if (notice)
        page_notice(&b, ok ? "ok" : "error", notice);
    years_table(c, &b, true);
    report_buf_puts(&b, "<p class=\"muted\">少人数の集団の結果は、個人が特定されないよう"
                        "「非公表」と表示されます。ダウンロードはすべて操作記録に残ります。</p>");
    page_end(&b);
    page_send(c, &b, status);
}

void console_reports_get(struct console_ctx *c)
{
    reports_page(c, NULL, true, 200);
}

/* The next release of a fiscal year, as `collector release` makes it: the
 * late answers join only when no difference between two releases would
 * describe fewer than min_group_size people. */
void console_reports_post(struct console_ctx *c)
{
    const char *survey = console_field(c->req, "survey");
    char label[FISCAL_LABEL_LEN], msg[STORE_RELEASE_ERR_LEN + 256];
    struct store_release r;
    int year = 0;
    enum store_err e;

    if (!kpi_query_parse_year(console_field(c->req, "year"), &year) || !*survey) {
        reports_page(c, "年度と調査を指定してください。", false, 422);
        return;
    }
    e = store_release(c->req->store, survey, year, c->req->min_group_size, "release", &r);
    fiscal_label(year, label, sizeof label);
    if (e != STORE_OK) {
        snprintf(msg, sizeof msg, "%s の集計結果を公開できませんでした（%s）。", label,
                 e == STORE_E_SEALED ? r.error : store_strerror(e));
    } else if (r.added) {
        console_audit(c, "release", "id=%s fiscal_year=%d revision=%d added=%lld", survey, year,
                      r.revision, r.added);
        snprintf(msg, sizeof msg, "%s の第%d版を公開しました（回答者 %lld人、うち今回 %lld人）。",
                 label, r.revision, r.respondents, r.added);
    } else if (r.needed > 0) {
        snprintf(msg, sizeof msg,
                 "%s は今は次の版を作れません。少人数の回答が差から分からないよう、あと%lld人の"
                 "回答がそろってから公開します。",
                 label, r.needed);
    } else if (r.waiting) {
        snprintf(msg, sizeof msg,
                 "%s は今は次の版を作れません。少人数の回答が版の差から分からないよう、回答が"
                 "さらにそろってから公開します（%s）。",
                 label, r.held_back);
    } else {
        snprintf(msg, sizeof msg, "%s に新しく公開できる回答はありません。", label);
    }
    reports_page(c, msg, e == STORE_OK && r.added, e == STORE_OK ? 200 : 503);
}

void console_report_download(struct console_ctx *c)
{
    char path[96];
    const char *file = c->req->path + strlen("/console/reports/");
    const char *survey = c->req->arg ? c->req->arg(c->req->ctx, "survey") : NULL;
    const char *enc = c->req->arg ? c->req->arg(c->req->ctx, "encoding") : NULL;
    const char *group = c->req->arg ? c->req->arg(c->req->ctx, "group_by") : NULL;
    sqlite3 *db = store_reader_open(c->req->store);
    struct admin_request areq = {.path = path,
                                 .arg = c->req->arg,
                                 .ctx = c->req->ctx,
                                 .min_group_size = c->req->min_group_size,
                                 .store = c->req->store};

    snprintf(path, sizeof path, "/reports/%.64s", file);
    if (!db) {
        page_error(c, CONSOLE_E_STORAGE, NULL);
        return;
    }
    admin_handle(db, &areq, c->rep);
    sqlite3_close(db);
    console_audit(c, "report_download", "file=%s survey=%s group_by=%s encoding=%s status=%d", file,
                  survey ? survey : "-", group ? group : "-", enc ? enc : "-", c->rep->status);
    c->rep->csp = CONSOLE_REPORT_CSP;
}
