/* Glue from a query to a rendered download. The file name of a download is
 * built from the survey id; any byte but letters, digits and - _ . is
 * replaced, since the name goes into a header. */
#include "report_make.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fiscal.h"
#include "report_buf.h"
#include "report_csv.h"
#include "report_html.h"
#include "report_json.h"
#include "report_text.h"
#include "report_xlsx.h"

bool report_format_parse(const char *name, enum report_format *out)
{
    static const struct {
        const char *name;
        enum report_format f;
    } formats[] = {{"json", REPORT_JSON},
                   {"csv", REPORT_CSV},
                   {"html", REPORT_HTML},
                   {"text", REPORT_TEXT},
                   {"xlsx", REPORT_XLSX}};

    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (name && strcmp(name, formats[i].name) == 0) {
            *out = formats[i].f;
            return true;
        }
    return false;
}

static char *disposition(const struct kpi_result *r, const char *kind, const char *suffix)
{
    char name[SURVEY_MAX_ID_BYTES + 1];
    char *out = malloc(SURVEY_MAX_ID_BYTES + 64);
    size_t i;

    for (i = 0; r->survey->id[i] && i < SURVEY_MAX_ID_BYTES; i++) {
        char c = r->survey->id[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.';
        name[i] = plain ? c : '_';
    }
    name[i] = '\0';
    if (out)
        snprintf(out, SURVEY_MAX_ID_BYTES + 64, "%s; filename=\"%s-%s-%d%s\"", kind, name,
                 r->n_breakdowns ? "breakdown" : "kpi", r->fiscal_year, suffix);
    return out;
}

static int render_csv(const struct kpi_result *r, enum report_csv_encoding enc, struct reply *rep,
                      char *err, size_t errlen, const char **errname)
{
    char *body = NULL;
    size_t len = 0;
    enum report_csv_err e = report_csv(r, enc, &body, &len, err, errlen);

    if (e == REPORT_CSV_E_ENCODING) {
        *errname = "not_encodable";
        return 422;
    }
    if (e != REPORT_CSV_OK) {
        *errname = "out_of_memory";
        return 503;
    }
    reply_set(rep, 200,
              enc == REPORT_CSV_CP932 ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8",
              body, len);
    /* The name says the encoding: both download to the same folder. */
    rep->content_disposition =
        disposition(r, "attachment", enc == REPORT_CSV_CP932 ? "-sjis.csv" : "-utf8.csv");
    return 200;
}

static int render_xlsx(const struct kpi_result *r, struct reply *rep, char *err, size_t errlen,
                       const char **errname)
{
    char *body = NULL;
    size_t len = 0;

    if (report_xlsx(r, &body, &len, err, errlen) != 0) {
        *errname = "storage_unavailable";
        return 503;
    }
    reply_set(rep, 200, REPORT_XLSX_TYPE, body, len);
    rep->content_disposition = disposition(r, "attachment", ".xlsx");
    return 200;
}

static int render(const struct kpi_result *r, enum report_format f, struct reply *rep, char *err,
                  size_t errlen, const char **errname)
{
    char *body = NULL;
    size_t len = 0;
    const char *type = "application/json";

    if (f == REPORT_CSV || f == REPORT_CSV_SJIS)
        return render_csv(r, f == REPORT_CSV ? REPORT_CSV_UTF8 : REPORT_CSV_CP932, rep, err, errlen,
                          errname);
    if (f == REPORT_XLSX)
        return render_xlsx(r, rep, err, errlen, errname);
    if (f == REPORT_JSON)
        body = report_json(r, &len);
    else if (f == REPORT_HTML) {
        body = report_html(r, &len);
        type = "text/html; charset=utf-8";
    } else {
        body = report_text(r, &len);
        type = "text/plain; charset=utf-8";
    }
    if (!body) {
        snprintf(err, errlen, "out of memory while writing the report; retry later");
        *errname = "out_of_memory";
        return 503;
    }
    reply_set(rep, 200, type, body, len);
    if (f == REPORT_HTML)
        rep->content_disposition = disposition(r, "inline", ".html");
    return 200;
}

/* The page an officer's browser shows for a report not released yet. */
static char *not_released_html(const struct kpi_query_params *p, long long respondents,
                               const char *counted_on, size_t *len)
{
    struct report_buf b;
    char label[FISCAL_LABEL_LEN];

    report_buf_init(&b);
    report_buf_printf(&b,
                      "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
                      "<title>%s 未公開</title><style>body{font-family:" REPORT_HTML_FONTS
                      ";margin:40px;color:#1d2733;line-height:1.7}h1{color:#1f4e8c;font-size:"
                      "22px}</style></head><body><h1>%s（%d年度）の集計結果はまだ公開されて"
                      "いません</h1><p>これまでの回答者は約 %lld 人です（%s 時点、5人単位）。"
                      "</p><p>回答は匿名です。集計結果は回収を終えた後に「版」として固定して"
                      "公開します（<code>collector survey close</code>）。途中経過として示すの"
                      "は回答者数だけです。</p><p><a href=\"/\">管理画面に戻る</a></p>"
                      "</body></html>\n",
                      fiscal_label(p->fiscal_year, label, sizeof label), label, p->fiscal_year,
                      respondents, counted_on);
    return report_buf_take(&b, len);
}

/* 404 not_released with the participation so far: JSON, or a page for a
 * browser that asked for the HTML report. */
static int not_released(struct store *st, const struct kpi_query_params *p, enum report_format f,
                        struct reply *rep, const char *err)
{
    struct store_participation part;
    long long shown;
    json_t *o;
    char *body;
    size_t len = 0;

    if (!st || !p->survey_id ||
        store_participation(st, p->survey_id, p->fiscal_year, &part) != STORE_OK)
        return 404;
    shown = part.respondents / REPORT_PARTICIPATION_STEP * REPORT_PARTICIPATION_STEP;
    if (f == REPORT_HTML) {
        if ((body = not_released_html(p, shown, part.counted_on, &len)))
            reply_set(rep, 404, "text/html; charset=utf-8", body, len);
        return 404;
    }
    o = json_pack("{s:s, s:s, s:{s:I, s:s}}", "error", "not_released", "message", err,
                  "participation", "respondents", (json_int_t)shown, "counted_on", part.counted_on);
    body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (body)
        reply_set(rep, 404, "application/json", body, strlen(body));
    return 404;
}

/* Whether responses wait outside the release, as of today's count. */
static void waiting_status(struct store *st, struct kpi_result *r)
{
    struct store_participation part;

    if (st && store_participation(st, r->survey->id, r->fiscal_year, &part) == STORE_OK) {
        r->waiting_known = true;
        r->later_data_waits = part.respondents > r->respondents;
        snprintf(r->waiting_counted_on, sizeof r->waiting_counted_on, "%s", part.counted_on);
    }
}

int report_make(struct store *st, sqlite3 *db, const struct kpi_query_params *p,
                enum report_format f, struct reply *rep, char *err, size_t errlen,
                const char **errname)
{
    struct kpi_result *r = NULL;
    struct kpi_query_params q = *p;
    char survey_id[SURVEY_MAX_ID_BYTES + 1];
    enum kpi_query_err e = kpi_query_run(db, p, &r, err, errlen);
    int status;

    if (e == KPI_QUERY_E_NOT_RELEASED) {
        *errname = kpi_query_errname(e);
        if (!q.survey_id && kpi_query_active_id(db, survey_id, sizeof survey_id))
            q.survey_id = survey_id;
        return not_released(st, &q, f, rep, err);
    }
    if (e != KPI_QUERY_OK) {
        *errname = kpi_query_errname(e);
        return kpi_query_status(e);
    }
    waiting_status(st, r);
    status = render(r, f, rep, err, errlen, errname);
    kpi_result_free(r);
    return status;
}
