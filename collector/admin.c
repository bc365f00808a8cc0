/* Admin routes: GET /, /api/v1/kpi and /reports/YYYY.{csv,html}. The HTTP
 * layer has checked the admin token; here only parameters are read, every
 * figure comes from report_make() and the page from index_page. */
#include "admin.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "index_page.h"
#include "report_fonts.h"
#include "report_make.h"

#define ADMIN_REPORTS_PREFIX "/reports/"

bool admin_handles(const char *path)
{
    return path && (strcmp(path, "/") == 0 || strcmp(path, "/api/v1/kpi") == 0 ||
                    strncmp(path, ADMIN_REPORTS_PREFIX, strlen(ADMIN_REPORTS_PREFIX)) == 0 ||
                    report_fonts_handles(path));
}

/* A query argument, NULL when absent or empty. */
static const char *arg(const struct admin_request *req, const char *name)
{
    const char *v = req->arg ? req->arg(req->ctx, name) : NULL;
    return v && *v ? v : NULL;
}

static void reply_report(sqlite3 *db, const struct admin_request *req, int year,
                         enum report_format f, struct reply *rep)
{
    struct kpi_query_params p = {.fiscal_year = year,
                                 .survey_id = arg(req, "survey"),
                                 .group_by = arg(req, "group_by"),
                                 .min_group_size = req->min_group_size};
    char err[REPORT_ERR_LEN];
    const char *errname = "error";
    int status = report_make(req->store, db, &p, f, rep, err, sizeof err, &errname);

    if (status != 200 && !rep->body)
        reply_error(rep, status, errname, "%s", err);
}

static void route_kpi(sqlite3 *db, const struct admin_request *req, struct reply *rep)
{
    const char *text = arg(req, "fiscal_year");
    int year;

    if (!text) {
        reply_error(rep, 400, "missing_fiscal_year",
                    "fiscal_year is required: /api/v1/kpi?fiscal_year=2024 gives 令和6年度"
                    " (April 2024 to March 2025)");
        return;
    }
    if (!kpi_query_parse_year(text, &year)) {
        reply_error(rep, 400, "bad_fiscal_year",
                    "fiscal_year \"%.32s\" is not a year; give the year in which the fiscal"
                    " year starts, e.g. 2024 for 令和6年度",
                    text);
        return;
    }
    reply_report(db, req, year, REPORT_JSON, rep);
}

/* The encoding argument of a CSV download: absent or utf-8, or cp932. */
static bool csv_format(const struct admin_request *req, enum report_format *f, struct reply *rep)
{
    const char *enc = arg(req, "encoding");

    if (!enc || strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0) {
        *f = REPORT_CSV;
        return true;
    }
    if (strcasecmp(enc, "cp932") == 0 || strcasecmp(enc, "shift_jis") == 0 ||
        strcasecmp(enc, "sjis") == 0) {
        *f = REPORT_CSV_SJIS;
        return true;
    }
    reply_error(rep, 400, "bad_encoding",
                "encoding \"%.32s\" is not offered; leave it out for UTF-8 (Excel 2016 and"
                " later) or give encoding=cp932 for older Excel",
                enc);
    return false;
}

static void route_reports(sqlite3 *db, const struct admin_request *req, struct reply *rep)
{
    const char *name = req->path + strlen(ADMIN_REPORTS_PREFIX);
    char year_text[8], ext[8];
    enum report_format f;
    int year, used = 0;

    if (sscanf(name, "%4[0-9].%5[a-z]%n", year_text, ext, &used) != 2 || name[used] ||
        strlen(year_text) != 4 || !kpi_query_parse_year(year_text, &year) ||
        (strcmp(ext, "csv") != 0 && strcmp(ext, "html") != 0 && strcmp(ext, "xlsx") != 0)) {
        reply_error(rep, 404, "not_found",
                    "no such report; the reports are /reports/YYYY.html, /reports/YYYY.csv and"
                    " /reports/YYYY.xlsx,"
                    " e.g. /reports/2024.html for 令和6年度 (the index at / lists the years)");
        return;
    }
    if (strcmp(ext, "html") == 0)
        f = REPORT_HTML;
    else if (strcmp(ext, "xlsx") == 0)
        f = REPORT_XLSX;
    else if (!csv_format(req, &f, rep))
        return;
    reply_report(db, req, year, f, rep);
}

void admin_handle(sqlite3 *db, const struct admin_request *req, struct reply *rep)
{
    if (strcmp(req->path, "/") == 0)
        index_page_reply(req->store, db, rep);
    else if (strcmp(req->path, "/api/v1/kpi") == 0)
        route_kpi(db, req, rep);
    else if (strncmp(req->path, ADMIN_REPORTS_PREFIX, strlen(ADMIN_REPORTS_PREFIX)) == 0)
        route_reports(db, req, rep);
    else if (report_fonts_handles(req->path))
        report_fonts_reply(req->path, rep);
    else
        reply_error(rep, 404, "not_found", "no admin page at this path; the index is at /");
}
