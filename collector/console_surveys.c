/* The surveys page: upload a definition and see the loader's message
 * beside the line it names, a preview of every screen as the kiosk lays
 * it out (one question per screen, the scale's points as large buttons in
 * display order), publish, and close collection (which releases each
 * fiscal year, as `collector survey close` does). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"
#include "console_routes.h"
#include "report_html.h"
#include "survey.h"

static void survey_row(const struct store_console_survey *s, void *ctx)
{
    struct report_buf *b = ((void **)ctx)[0];
    const struct console_ctx *c = ((void **)ctx)[1];
    char when[CONSOLE_TIME_LEN];

    console_time_jst(when, sizeof when, s->published_at);
    report_buf_puts(b, "<tr><td>");
    report_html_escape(b, s->survey_id);
    report_buf_printf(b, "</td><td class=\"num\">%d</td><td>", s->version);
    report_html_escape(b, s->title);
    report_buf_printf(b, "</td><td>%s</td><td>", when);
    if (s->period_from[0]) {
        char from[CONSOLE_TIME_LEN], to[CONSOLE_TIME_LEN];
        console_date_jst(from, sizeof from, s->period_from);
        console_date_jst(to, sizeof to, s->period_to);
        report_buf_printf(b, "%s〜%s", from, to);
    } else {
        report_buf_puts(b, "定めなし");
    }
    report_buf_puts(b, "</td><td>");
    if (s->closed_at[0]) {
        console_time_jst(when, sizeof when, s->closed_at);
        report_buf_printf(b, "終了（%s）</td><td>", when);
    } else if (s->active) {
        report_buf_puts(b, "<span class=\"ok\">回収中</span></td><td><form method=\"post\" "
                           "action=\"/console/surveys\">");
        page_csrf(b, c);
        report_buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"close\">"
                           "<input type=\"hidden\" name=\"id\" value=\"");
        report_html_escape(b, s->survey_id);
        report_buf_puts(b, "\"><button type=\"submit\" class=\"danger\">回収を終了して集計を"
                           "公開する</button></form>");
    } else {
        report_buf_puts(b, "以前の版</td><td>");
    }
    report_buf_puts(b, "</td></tr>");
}

static void surveys_upload_form(struct report_buf *b, const struct console_ctx *c)
{
    report_buf_puts(b, "<h2>調査票を読み込む</h2><form class=\"box\" method=\"post\" "
                       "action=\"/console/surveys\" enctype=\"multipart/form-data\">");
    page_csrf(b, c);
    report_buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"check\"><label "
                       "for=\"survey-file\">調査票のファイル（JSON、1MBまで）</label><input "
                       "type=\"file\" id=\"survey-file\" name=\"survey\" accept=\".json\" "
                       "required><button type=\"submit\">内容を確認する</button><p "
                       "class=\"muted\">読み込んだだけでは公開されません。確認画面で内容と"
                       "画面の見え方を確かめてから公開します。</p></form>");
}

static void surveys_page(struct console_ctx *c, const char *notice, bool ok, int status)
{
    struct report_buf b;
    void *ctx[2] = {&b, c};

    report_buf_init(&b);
    page_begin(&b, c, "調査票", "/console/surveys");
    if (notice)
        page_notice(&b, ok ? "ok" : "error", notice);
    report_buf_puts(&b, "<table><tr><th>調査</th><th>版</th><th>題名</th><th>公開日時</th>"
                        "<th>回答期間</th><th>回収</th><th>操作</th></tr>");
    store_console_surveys_each(c->req->store, survey_row, ctx);
    report_buf_puts(&b, "</table>");
    surveys_upload_form(&b, c);
    page_end(&b);
    page_send(c, &b, status);
}

void console_surveys_get(struct console_ctx *c)
{
    surveys_page(c, NULL, true, 200);
}

/* The line the loader's message names: "at line N" (JSON syntax), else
 * the line of the field it names after the first quoted id, as in
 * `questions[6] "q07": kpi.baseline 4.5 ...`; 0 when none is found. */
static int survey_error_line(const char *text, const char *err)
{
    const char *p = strstr(err, "at line "), *q, *field;
    char needle[SURVEY_MAX_ID_BYTES + 3];
    size_t n;
    int line = 1;

    if (p)
        return atoi(p + 8);
    if (!(p = strchr(err, '"')) || !(q = strchr(p + 1, '"')) || q - p > SURVEY_MAX_ID_BYTES + 1)
        return 0;
    snprintf(needle, sizeof needle, "%.*s", (int)(q - p + 1), p);
    field = q[1] == ':' && q[2] == ' ' ? q + 3 : NULL;
    if (!(q = strstr(text, needle)))
        return 0;
    if (field) { /* kpi.baseline: the last part, after the id */
        n = strcspn(field, " ");
        for (const char *dot = field; (dot = memchr(dot, '.', n - (size_t)(dot - field)));)
            field = ++dot, n = strcspn(field, " ");
        snprintf(needle, sizeof needle, "\"%.*s\"", (int)(n < SURVEY_MAX_ID_BYTES ? n : 0), field);
        if (n && (p = strstr(q, needle)))
            q = p;
    }
    for (const char *r = text; r < q; r++)
        line += *r == '\n';
    return line;
}

/* The file with line numbers; the named line marked, the message beside it. */
static void survey_listing(struct report_buf *b, const char *text, int bad, const char *err)
{
    int line = 1;
    const char *p = text;

    report_buf_puts(b, "<pre>");
    while (*p) {
        size_t n = strcspn(p, "\n");
        char *copy = strndup(p, n);
        report_buf_printf(b, "<span%s>%4d  ", line == bad ? " class=\"bad\"" : "", line);
        report_html_escape(b, copy ? copy : "");
        if (line == bad) {
            report_buf_puts(b, "    ← ");
            report_html_escape(b, err);
        }
        report_buf_puts(b, line == bad ? "</span>" : "</span>\n");
        free(copy);
        p += n + (p[n] == '\n');
        line++;
    }
    report_buf_puts(b, "</pre>");
}

static void survey_screen(struct report_buf *b, const char *heading, const char *text)
{
    report_buf_puts(b, "<div class=\"screen\"><p class=\"muted\">");
    report_html_escape(b, heading);
    report_buf_puts(b, "</p><p><strong>");
    report_html_escape(b, text ? text : "");
    report_buf_puts(b, "</strong></p>");
}

/* Every screen the kiosk will show, in order. */
static void survey_preview(struct report_buf *b, const struct survey *s)
{
    char heading[128];

    survey_screen(b, "はじめの画面", s->title);
    report_html_escape(b, s->intro ? s->intro : "");
    report_buf_puts(b, "<p class=\"muted\">");
    report_html_escape(b, s->privacy_note ? s->privacy_note : "");
    report_buf_puts(b, "</p><div class=\"choices\"><span class=\"choice\">はじめる</span></div>"
                       "</div>");
    for (size_t i = 0; i < s->n_attributes; i++) {
        snprintf(heading, sizeof heading, "属性 %zu / %zu%s", i + 1, s->n_attributes,
                 s->attributes[i].optional ? "（回答は任意）" : "");
        survey_screen(b, heading, s->attributes[i].text);
        report_buf_puts(b, "<div class=\"choices\">");
        for (size_t j = 0; j < s->attributes[i].n_options; j++) {
            report_buf_puts(b, "<span class=\"choice\">");
            report_html_escape(b, s->attributes[i].options[j].label);
            report_buf_puts(b, "</span>");
        }
        report_buf_puts(b, "</div></div>");
    }
    for (size_t i = 0; i < s->n_questions; i++) {
        snprintf(heading, sizeof heading, "設問 %zu / %zu%s", i + 1, s->n_questions,
                 s->questions[i].optional ? "（回答は任意）" : "");
        survey_screen(b, heading, s->questions[i].text);
        report_buf_puts(b, "<div class=\"choices\">");
        for (size_t j = 0; j < s->n_points; j++) {
            report_buf_puts(b, "<span class=\"choice\">");
            report_html_escape(b, s->points[j].label);
            report_buf_puts(b, "</span>");
        }
        report_buf_puts(b, "</div></div>");
    }
    survey_screen(b, "おわりの画面", s->thanks ? s->thanks : "ご協力ありがとうございました。");
    report_buf_puts(b, "</div>");
}

static void survey_check(struct console_ctx *c, const char *text, size_t len)
{
    char err[SURVEY_ERR_LEN], summary[256];
    struct survey *s = NULL;
    struct report_buf b;
    bool ok = survey_load_buffer(text, len, &s, err, sizeof err) == SURVEY_OK;

    report_buf_init(&b);
    page_begin(&b, c, ok ? "調査票の確認" : "調査票に不備があります", "/console/surveys");
    if (!ok) {
        int line = survey_error_line(text, err);
        char lead[160];

        console_audit(c, "survey_rejected", "%s", err);
        snprintf(lead, sizeof lead,
                 line ? "調査票の %d 行目（色の付いた行）に不備があります。直してから読み込み直して"
                        "ください。公開はしていません。"
                      : "調査票に不備があります。直してから読み込み直してください。公開はしていま"
                        "せん。",
                 line);
        page_notice(&b, "error", lead);
        page_notice(&b, "error", err);
        survey_listing(&b, text, line, err);
        surveys_upload_form(&b, c);
        page_end(&b);
        page_send(c, &b, console_err_status(CONSOLE_E_INPUT));
        return;
    }
    snprintf(summary, sizeof summary, "問題は見つかりませんでした: %s 第%d版、設問 %zu、属性 %zu。",
             s->id, s->version, s->n_questions, s->n_attributes);
    page_notice(&b, "ok", summary);
    report_buf_puts(&b, "<form class=\"box\" method=\"post\" action=\"/console/surveys\">");
    page_csrf(&b, c);
    report_buf_puts(&b, "<input type=\"hidden\" name=\"action\" value=\"publish\"><input "
                        "type=\"hidden\" name=\"definition\" value=\"");
    report_html_escape(&b, s->source);
    report_buf_printf(&b,
                      "\"><p>回答を受け付ける期間（空欄なら期間を設けず、回収を終了するまで）</p>"
                      "<label for=\"period-from\">開始日</label><input type=\"date\" "
                      "id=\"period-from\" name=\"period_from\" value=\"%s\"><label "
                      "for=\"period-to\">終了日</label><input type=\"date\" id=\"period-to\" "
                      "name=\"period_to\" value=\"%s\"><br><button type=\"submit\">この内容で"
                      "公開する</button> <a href=\"/console/surveys\">やめる</a></form>"
                      "<h2>回答端末での見え方</h2>",
                      s->has_period ? s->period_from : "", s->has_period ? s->period_to : "");
    survey_preview(&b, s);
    survey_free(s);
    page_end(&b);
    page_send(c, &b, 200);
}

/* The definition with the period the form gives (both empty: none);
 * malloc'ed, or NULL when it is not JSON. The loader checks the dates. */
static char *survey_with_period(const char *text, const char *from, const char *to)
{
    json_t *doc = json_loads(text, 0, NULL);
    char *out = NULL;

    if (!json_is_object(doc)) {
        json_decref(doc);
        return NULL;
    }
    if (*from || *to)
        json_object_set_new(doc, "period", json_pack("{s:s, s:s}", "from", from, "to", to));
    else
        json_object_del(doc, "period");
    out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return out;
}

/* Whether the form's period is the one the definition has. */
static bool survey_period_same(const struct survey *s, const char *from, const char *to)
{
    return s->has_period ? !strcmp(from, s->period_from) && !strcmp(to, s->period_to)
                         : !*from && !*to;
}

static void survey_publish(struct console_ctx *c, const char *text)
{
    char err[SURVEY_ERR_LEN], msg[512];
    struct survey *s = NULL;
    bool was_new = false;
    enum store_err e;

    const char *from = console_field(c->req, "period_from"),
               *to = console_field(c->req, "period_to");
    char *changed = NULL;

    if (survey_load_buffer(text, strlen(text), &s, err, sizeof err) != SURVEY_OK) {
        surveys_page(c, err, false, console_err_status(CONSOLE_E_INPUT));
        return;
    }
    if (!survey_period_same(s, from, to)) { /* the period set on the preview */
        survey_free(s);
        s = NULL;
        changed = survey_with_period(text, from, to);
        bool ok = changed &&
                  survey_load_buffer(changed, strlen(changed), &s, err, sizeof err) == SURVEY_OK;
        if (!ok) {
            surveys_page(c, changed ? err : "期間を設定できませんでした。", false,
                         console_err_status(CONSOLE_E_INPUT));
            free(changed);
            return;
        }
        free(changed);
    }
    e = store_survey_publish(c->req->store, s, &was_new);
    if (e == STORE_OK) {
        console_audit(c, "survey_publish", "id=%s version=%d new=%s period=%s..%s", s->id,
                      s->version, was_new ? "yes" : "no", s->has_period ? s->period_from : "",
                      s->has_period ? s->period_to : "");
        snprintf(msg, sizeof msg, "%s 第%d版を公開しました。回答端末は次の通信で受け取ります。",
                 s->id, s->version);
    } else {
        snprintf(msg, sizeof msg,
                 e == STORE_E_CONFLICT ? "%s 第%d版は別の内容で公開済みです。公開済みの版は変えられ"
                                         "ません。\"version\" を上げてください。"
                                       : "%s 第%d版を公開できませんでした。",
                 s->id, s->version);
    }
    survey_free(s);
    surveys_page(c, msg, e == STORE_OK, e == STORE_OK ? 200 : e == STORE_E_CONFLICT ? 409 : 503);
}

static void survey_close(struct console_ctx *c, const char *id)
{
    char closed_at[21], msg[256], *said = NULL;
    size_t said_len = 0;
    bool was = false;
    enum store_err e = store_survey_close(c->req->store, id, &was, closed_at);
    FILE *out;

    if (e != STORE_OK || was) {
        surveys_page(c,
                     e == STORE_E_NOT_FOUND ? "その調査はありません。"
                     : was ? "この調査の回収はすでに終了しています。"
                           : "回収を終了できませんでした。",
                     false,
                     e == STORE_E_NOT_FOUND ? 404
                     : was                  ? 409
                                            : 503);
        return;
    }
    out = open_memstream(&said, &said_len);
    if (out) {
        release_years(c->req->store, id, c->req->min_group_size, "close", out, out);
        fclose(out);
    }
    console_audit(c, "survey_close", "id=%s release=%s", id, said ? said : "");
    snprintf(msg, sizeof msg,
             "%.64s の回収を終了し、集計結果を公開しました（報告書のページから"
             "ダウンロードできます）。",
             id);
    free(said);
    surveys_page(c, msg, true, 200);
}

void console_surveys_post(struct console_ctx *c)
{
    const char *action = console_field(c->req, "action");

    if (!strcmp(action, "check")) {
        for (size_t i = 0; i < c->req->n_fields; i++)
            if (!strcmp(c->req->fields[i].name, "survey") && c->req->fields[i].value) {
                survey_check(c, c->req->fields[i].value, c->req->fields[i].len);
                return;
            }
        surveys_page(c, "調査票のファイルを選んでください。", false, 422);
    } else if (!strcmp(action, "publish")) {
        survey_publish(c, console_field(c->req, "definition"));
    } else if (!strcmp(action, "close")) {
        survey_close(c, console_field(c->req, "id"));
    } else {
        page_error(c, CONSOLE_E_FORM, NULL);
    }
}
